/* SBOM model: CycloneDX 1.4-1.6 and SPDX 2.3 parsing of the real test data, the
 * spec-conformance fixtures, bounds and hostile input, the SPDX relationship mapping,
 * pedigree, CycloneDX 1.6 export and round trips. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "medfw/sbom.h"

#define NO_PRODUCT NULL

/* ------------------------------------------------------------------ helpers */

static struct medfw_sbom *parse_text_limits(const char *text,
					    const struct medfw_sbom_limits *limits)
{
	struct medfw_sbom *sbom = NULL;
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	err = medfw_sbom_parse((const uint8_t *)text, strlen(text), limits, &sbom, &d);
	if (err != MEDFW_OK)
		fail_msg("parse failed: %s (%s)", medfw_diag_message(&d, err), medfw_err_name(err));
	assert_non_null(sbom);
	return sbom;
}

static struct medfw_sbom *parse_text(const char *text)
{
	return parse_text_limits(text, NULL);
}

/* Parsing must fail with `want`, leave *out NULL, and the message must contain
 * needle. */
static void expect_refused_bytes(const uint8_t *data, size_t len,
				 const struct medfw_sbom_limits *limits, enum medfw_err want,
				 const char *needle)
{
	struct medfw_sbom *sbom = (struct medfw_sbom *)(uintptr_t)1;
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	err = medfw_sbom_parse(data, len, limits, &sbom, &d);
	if (err != want || (needle != NULL && strstr(d.msg, needle) == NULL))
		fail_msg("want %s with \"%s\", got %s: %s", medfw_err_name(want),
			 needle != NULL ? needle : "", medfw_err_name(err), d.msg);
	assert_null(sbom);
}

static void expect_refused(const char *text, enum medfw_err want, const char *needle)
{
	expect_refused_bytes((const uint8_t *)text, strlen(text), NULL, want, needle);
}

static struct medfw_sbom *parse_file(const char *rel)
{
	char path[1024];
	struct medfw_buf buf;
	struct medfw_sbom *sbom = NULL;
	struct medfw_diag d;
	enum medfw_err err;

	tu_shared_path(path, sizeof(path), rel);
	tu_read_file(path, &buf);
	medfw_diag_clear(&d);
	err = medfw_sbom_parse(buf.data, buf.len, NULL, &sbom, &d);
	medfw_buf_free(&buf);
	if (err != MEDFW_OK)
		fail_msg("%s: %s (%s)", rel, medfw_diag_message(&d, err), medfw_err_name(err));
	return sbom;
}

static void expect_file_refused(const char *rel, enum medfw_err want, const char *needle)
{
	char path[1024];
	struct medfw_buf buf;

	tu_shared_path(path, sizeof(path), rel);
	tu_read_file(path, &buf);
	expect_refused_bytes(buf.data, buf.len, NULL, want, needle);
	medfw_buf_free(&buf);
}

static const struct medfw_sbom_component *find(const struct medfw_sbom *sbom, const char *ref)
{
	size_t i = medfw_sbom_find(sbom, ref);

	if (i == MEDFW_SBOM_NONE)
		fail_msg("no component with ref %s", ref);
	return &sbom->components[i];
}

static const struct medfw_sbom_component *by_name(const struct medfw_sbom *sbom,
						  const char *name)
{
	for (size_t i = 0; i < sbom->component_count; i++)
		if (strcmp(sbom->components[i].name, name) == 0)
			return &sbom->components[i];
	fail_msg("no component named %s", name);
	return &sbom->components[0];
}

/* The dependencies entry of ref (the test fails when there is none). */
static const struct medfw_sbom_dependency *deps_of(const struct medfw_sbom *sbom,
						   const char *ref)
{
	static const struct medfw_sbom_dependency none;

	for (size_t i = 0; i < sbom->dependency_count; i++)
		if (strcmp(sbom->dependencies[i].ref, ref) == 0)
			return &sbom->dependencies[i];
	fail_msg("no dependencies entry for %s", ref);
	return &none;
}

static void export(const struct medfw_sbom *sbom, const struct medfw_sbom_export_opts *opts,
		   struct medfw_buf *out)
{
	struct medfw_diag d;
	enum medfw_err err;

	medfw_buf_init(out, 64u * 1024u * 1024u);
	medfw_diag_clear(&d);
	err = medfw_sbom_export_cyclonedx(sbom, opts, out, &d);
	if (err != MEDFW_OK)
		fail_msg("export: %s (%s)", medfw_diag_message(&d, err), medfw_err_name(err));
}

static int str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

#define EQ_STR(a, b, what)                                                              \
	do {                                                                            \
		if (!str_eq((a), (b)))                                                  \
			fail_msg("%s: \"%s\" != \"%s\"", (what), (a) ? (a) : "(null)", \
				 (b) ? (b) : "(null)");                                 \
	} while (0)
#define EQ_NUM(a, b, what)                                                              \
	do {                                                                            \
		if ((size_t)(a) != (size_t)(b))                                         \
			fail_msg("%s: %zu != %zu", (what), (size_t)(a), (size_t)(b));   \
	} while (0)

static void identities_equal(const struct medfw_sbom_identity *a,
			     const struct medfw_sbom_identity *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		EQ_STR(a[i].ref, b[i].ref, "identity ref");
		EQ_NUM(a[i].type, b[i].type, "identity type");
		EQ_STR(a[i].group, b[i].group, "identity group");
		EQ_STR(a[i].name, b[i].name, "identity name");
		EQ_STR(a[i].version, b[i].version, "identity version");
		EQ_STR(a[i].purl, b[i].purl, "identity purl");
		EQ_STR(a[i].cpe, b[i].cpe, "identity cpe");
	}
}

static void pedigree_equal(const struct medfw_sbom_pedigree *a,
			   const struct medfw_sbom_pedigree *b)
{
	if (a == NULL || b == NULL) {
		assert_true(a == b);
		return;
	}
	EQ_NUM(a->ancestor_count, b->ancestor_count, "ancestors");
	identities_equal(a->ancestors, b->ancestors, a->ancestor_count);
	EQ_NUM(a->descendant_count, b->descendant_count, "descendants");
	identities_equal(a->descendants, b->descendants, a->descendant_count);
	EQ_NUM(a->variant_count, b->variant_count, "variants");
	identities_equal(a->variants, b->variants, a->variant_count);
	EQ_NUM(a->commit_count, b->commit_count, "commits");
	for (size_t i = 0; i < a->commit_count; i++) {
		EQ_STR(a->commits[i].uid, b->commits[i].uid, "commit uid");
		EQ_STR(a->commits[i].url, b->commits[i].url, "commit url");
	}
	EQ_NUM(a->patch_count, b->patch_count, "patches");
	for (size_t i = 0; i < a->patch_count; i++) {
		const struct medfw_sbom_patch *p = &a->patches[i], *q = &b->patches[i];

		EQ_NUM(p->type, q->type, "patch type");
		EQ_STR(p->diff_url, q->diff_url, "patch diff url");
		EQ_NUM(p->resolves_count, q->resolves_count, "resolves");
		for (size_t r = 0; r < p->resolves_count; r++) {
			EQ_NUM(p->resolves[r].type, q->resolves[r].type, "issue type");
			EQ_STR(p->resolves[r].id, q->resolves[r].id, "issue id");
			EQ_STR(p->resolves[r].name, q->resolves[r].name, "issue name");
			EQ_STR(p->resolves[r].source_name, q->resolves[r].source_name,
			       "issue source name");
			EQ_STR(p->resolves[r].source_url, q->resolves[r].source_url,
			       "issue source url");
		}
	}
}

/* Everything in the models is equal, except format, spec version, SPDX namespace and,
 * when `document` is 0, the CycloneDX serial number and version. */
static void models_equal(const struct medfw_sbom *a, const struct medfw_sbom *b, int document)
{
	if (document) {
		EQ_STR(a->serial_number, b->serial_number, "serialNumber");
		EQ_NUM(a->version, b->version, "version");
	}
	EQ_STR(a->timestamp, b->timestamp, "timestamp");
	EQ_STR(a->supplier, b->supplier, "supplier");
	EQ_NUM(a->product, b->product, "product");
	EQ_NUM(a->component_count, b->component_count, "component count");
	for (size_t i = 0; i < a->component_count; i++) {
		const struct medfw_sbom_component *x = &a->components[i], *y = &b->components[i];

		EQ_STR(x->ref, y->ref, "ref");
		EQ_NUM(x->ref_generated, y->ref_generated, "ref_generated");
		EQ_NUM(x->parent, y->parent, "parent");
		EQ_STR(x->parent_ref, y->parent_ref, "parent_ref");
		EQ_NUM(x->type, y->type, "type");
		EQ_NUM(x->scope, y->scope, "scope");
		EQ_STR(x->name, y->name, "name");
		EQ_STR(x->group, y->group, "group");
		EQ_STR(x->version, y->version, "version");
		EQ_STR(x->supplier, y->supplier, "supplier");
		EQ_STR(x->author, y->author, "author");
		EQ_STR(x->publisher, y->publisher, "publisher");
		EQ_STR(x->purl, y->purl, "purl");
		EQ_NUM(x->cpe_count, y->cpe_count, "cpe count");
		for (size_t k = 0; k < x->cpe_count; k++)
			EQ_STR(x->cpes[k], y->cpes[k], "cpe");
		EQ_NUM(x->hash_count, y->hash_count, "hash count");
		for (size_t k = 0; k < x->hash_count; k++) {
			EQ_NUM(x->hashes[k].alg, y->hashes[k].alg, "hash alg");
			EQ_STR(x->hashes[k].hex, y->hashes[k].hex, "hash hex");
		}
		EQ_NUM(x->license_count, y->license_count, "license count");
		for (size_t k = 0; k < x->license_count; k++) {
			EQ_NUM(x->licenses[k].kind, y->licenses[k].kind, "license kind");
			EQ_STR(x->licenses[k].value, y->licenses[k].value, "license");
		}
		pedigree_equal(x->pedigree, y->pedigree);
	}
	EQ_NUM(a->dependency_count, b->dependency_count, "dependency count");
	for (size_t i = 0; i < a->dependency_count; i++) {
		const struct medfw_sbom_dependency *x = &a->dependencies[i],
						   *y = &b->dependencies[i];

		EQ_STR(x->ref, y->ref, "dependency ref");
		EQ_NUM(x->depends_on_count, y->depends_on_count, "depends_on count");
		for (size_t k = 0; k < x->depends_on_count; k++)
			EQ_STR(x->depends_on[k], y->depends_on[k], "depends_on");
	}
}

/* Export, parse the export, compare; export again: the same bytes; the export's keys
 * are sorted and it has no whitespace (jansson's sorted compact dump is identical). */
static void round_trip(const struct medfw_sbom *sbom, int document)
{
	struct medfw_buf first, second;
	struct medfw_sbom *again;
	json_error_t jerr;
	json_t *tree;
	char *dumped;

	export(sbom, NULL, &first);
	again = parse_text((const char *)first.data);
	assert_int_equal(again->format, MEDFW_SBOM_CYCLONEDX);
	assert_string_equal(again->spec_version, "1.6");
	models_equal(sbom, again, document);
	export(again, NULL, &second);
	assert_int_equal(first.len, second.len);
	assert_memory_equal(first.data, second.data, first.len);
	tree = json_loadb((const char *)first.data, first.len, 0, &jerr);
	assert_non_null(tree);
	dumped = json_dumps(tree, JSON_SORT_KEYS | JSON_COMPACT);
	assert_non_null(dumped);
	assert_int_equal(strlen(dumped) + 1, first.len); /* + the final newline */
	assert_memory_equal(dumped, first.data, strlen(dumped));
	free(dumped);
	json_decref(tree);
	medfw_sbom_free(again);
	medfw_buf_free(&first);
	medfw_buf_free(&second);
}

/* ------------------------------------------------------------------ real data */

struct expected_file {
	const char *path;
	size_t components;   /* metadata.component / described package included */
	size_t dependencies; /* model dependency entries */
	const char *product; /* its ref, or NULL */
};

/* Every CycloneDX file under testdata/cyclonedx that is a valid BOM of version 1.4, 1.5
 * or 1.6 (VEX documents are BOMs too: they parse, with only their product).
 * Component counts are flattened (nested included) plus the product. */
static const struct expected_file cyclonedx_files[] = {
	{"cyclonedx/medical-device/narrow.sbom.json", 56, 56,
	 "BomRef.8538684141258271.6150057962229712"},
	{"cyclonedx/examples/laravel-7.12.0.bom.1.4.json", 63, 63,
	 "cyclonedx/cyclonedx-php-composer-demo-dev-master"},
	{"cyclonedx/examples/hbom-pcie-sata-adapter-board.bom.json", 7, 0,
	 "pcie-sata-adaptor-board"},
	{"cyclonedx/spec-conformance/1.5/valid-component-hashes-1.5.json", 1, 0, NO_PRODUCT},
	{"cyclonedx/spec-conformance/1.5/valid-component-types-1.5.json", 8, 0, NO_PRODUCT},
	{"cyclonedx/spec-conformance/1.5/valid-dependency-1.5.json", 3, 2, NO_PRODUCT},
	{"cyclonedx/spec-conformance/1.5/valid-evidence-1.5.json", 1, 0, NO_PRODUCT},
	{"cyclonedx/spec-conformance/1.5/valid-vulnerability-1.5.json", 1, 0, NO_PRODUCT},
	{"cyclonedx/spec-conformance/1.6/valid-assembly-1.6.json", 2, 0, NO_PRODUCT},
	{"cyclonedx/spec-conformance/1.6/valid-bom-1.6.json", 4, 1, "medfw-generated:0"},
	{"cyclonedx/spec-conformance/1.6/valid-component-data-1.6.json", 1, 0, NO_PRODUCT},
	{"cyclonedx/spec-conformance/1.6/valid-component-hashes-1.6.json", 1, 0, NO_PRODUCT},
	{"cyclonedx/spec-conformance/1.6/valid-component-identifiers-1.6.json", 1, 0, NO_PRODUCT},
	{"cyclonedx/spec-conformance/1.6/valid-component-ref-1.6.json", 3, 0, NO_PRODUCT},
	{"cyclonedx/spec-conformance/1.6/valid-component-swid-1.6.json", 1, 0, NO_PRODUCT},
	{"cyclonedx/spec-conformance/1.6/valid-component-swid-full-1.6.json", 1, 0, NO_PRODUCT},
	{"cyclonedx/spec-conformance/1.6/valid-component-types-1.6.json", 9, 0, NO_PRODUCT},
	{"cyclonedx/spec-conformance/1.6/valid-compositions-1.6.json", 4, 1,
	 "acme-application-1.0"},
	{"cyclonedx/spec-conformance/1.6/valid-dependency-1.6.json", 3, 2, NO_PRODUCT},
	{"cyclonedx/spec-conformance/1.6/valid-empty-components-1.6.json", 0, 0, NO_PRODUCT},
	{"cyclonedx/spec-conformance/1.6/valid-evidence-1.6.json", 2, 0, NO_PRODUCT},
	{"cyclonedx/spec-conformance/1.6/valid-external-reference-1.6.json", 2, 0, NO_PRODUCT},
	{"cyclonedx/spec-conformance/1.6/valid-metadata-lifecycle-1.6.json", 0, 0, NO_PRODUCT},
	{"cyclonedx/spec-conformance/1.6/valid-metadata-manufacture-1.6.json", 0, 0, NO_PRODUCT},
	{"cyclonedx/spec-conformance/1.6/valid-metadata-manufacturer-1.6.json", 0, 0, NO_PRODUCT},
	{"cyclonedx/spec-conformance/1.6/valid-metadata-supplier-1.6.json", 0, 0, NO_PRODUCT},
	{"cyclonedx/spec-conformance/1.6/valid-minimal-viable-1.6.json", 1, 0, NO_PRODUCT},
	{"cyclonedx/spec-conformance/1.6/valid-patch-1.6.json", 1, 0, NO_PRODUCT},
	{"cyclonedx/spec-conformance/1.6/valid-properties-1.6.json", 1, 0, NO_PRODUCT},
	{"cyclonedx/spec-conformance/1.6/valid-release-notes-1.6.json", 1, 0, NO_PRODUCT},
	{"cyclonedx/spec-conformance/1.6/valid-vulnerability-1.6.json", 1, 0, NO_PRODUCT},
	{"cyclonedx/vex/vex.json", 0, 0, NO_PRODUCT},
	{"cyclonedx/vex/cisa-use-cases/case-1/vex-affected.json", 1, 0, "product-DEF"},
	{"cyclonedx/vex/cisa-use-cases/case-1/vex-fixed.json", 1, 0, "product-DEF"},
	{"cyclonedx/vex/cisa-use-cases/case-1/vex-not_affected.json", 1, 0, "product-ABC"},
	{"cyclonedx/vex/cisa-use-cases/case-1/vex-under_investigation.json", 1, 0, "product-GHI"},
	{"cyclonedx/vex/cisa-use-cases/case-2/vex.json", 1, 0, "product-ABC"},
	{"cyclonedx/vex/cisa-use-cases/case-3/vex.json", 1, 0, "product-GHI"},
	{"cyclonedx/vex/cisa-use-cases/case-4/vex.json", 1, 0, "product-ABC"},
	{"cyclonedx/vex/cisa-use-cases/case-5/vex.json", 1, 0, "product-XYZ"},
	{"cyclonedx/vex/cisa-use-cases/case-6/vex.json", 1, 0, "product-ABC"},
	{"cyclonedx/vex/cisa-use-cases/case-7/bom-1.json", 1, 0, "product-ABC"},
	{"cyclonedx/vex/cisa-use-cases/case-7/bom-2.json", 1, 0, "product-JKL"},
	{"cyclonedx/vex/cisa-use-cases/case-7/vex.json", 0, 0, NO_PRODUCT},
	{"cyclonedx/vex/cisa-use-cases/case-8/bom-1.json", 1, 0, "product-ABC"},
	{"cyclonedx/vex/cisa-use-cases/case-8/bom-2.json", 1, 0, "product-JKL"},
	{"cyclonedx/vex/cisa-use-cases/case-8/vex.json", 0, 0, NO_PRODUCT},
};

/* Every SPDX file under testdata/spdx (all SPDX 2.3 JSON). Packages and files are
 * components; the product is the one element a document DESCRIBES (the spec example
 * and example 11 describe two, so they have none). */
static const struct expected_file spdx_files[] = {
	{"spdx/SPDXJSONExample-v2.3.spdx.json", 9, 2, NO_PRODUCT},
	{"spdx/examples/example10-python-hello-source.spdx.json", 6, 0, "SPDXRef-hello-source"},
	{"spdx/examples/example11-rust-hello-server.spdx.json", 5, 1, NO_PRODUCT},
	{"spdx/examples/oss-na-2023-01-MinimalSBOM.spdx.json", 1, 0, "SPDXRef-Package"},
	{"spdx/examples/oss-na-2023-04-SBOMwSecurity.spdx.json", 2, 1, "SPDXRef-Package"},
};

static void check_files(const struct expected_file *files, size_t n,
			   enum medfw_sbom_format format)
{
	for (size_t i = 0; i < n; i++) {
		struct medfw_sbom *sbom = parse_file(files[i].path);

		assert_int_equal(sbom->format, format);
		if (sbom->component_count != files[i].components ||
		    sbom->dependency_count != files[i].dependencies)
			fail_msg("%s: %zu components, %zu dependencies", files[i].path,
				 sbom->component_count, sbom->dependency_count);
		if (files[i].product == NULL) {
			assert_int_equal(sbom->product, MEDFW_SBOM_NONE);
		} else {
			assert_true(sbom->product < sbom->component_count);
			assert_string_equal(sbom->components[sbom->product].ref, files[i].product);
		}
		/* pre-order, parents resolved */
		for (size_t k = 0; k < sbom->component_count; k++) {
			const struct medfw_sbom_component *c = &sbom->components[k];

			assert_non_null(c->ref);
			assert_non_null(c->name);
			assert_int_equal(medfw_sbom_find(sbom, c->ref), k);
			if (c->parent != MEDFW_SBOM_NONE) {
				assert_true(c->parent < k);
				assert_string_equal(c->parent_ref,
						    sbom->components[c->parent].ref);
			} else {
				assert_null(c->parent_ref);
			}
		}
		medfw_sbom_free(sbom);
	}
}

static void test_cyclonedx_files_parse(void **state)
{
	(void)state;
	check_files(cyclonedx_files, sizeof(cyclonedx_files) / sizeof(cyclonedx_files[0]),
		       MEDFW_SBOM_CYCLONEDX);
}

static void test_spdx_files_parse(void **state)
{
	(void)state;
	check_files(spdx_files, sizeof(spdx_files) / sizeof(spdx_files[0]), MEDFW_SBOM_SPDX);
}

/* CycloneDX files of other versions in testdata are refused naming the field. */
static void test_other_versions_refused(void **state)
{
	(void)state;
	expect_file_refused("cyclonedx/examples/cern-lhc-vdm-editor.bom.json",
			    MEDFW_ERR_FIELD_VALUE, "specVersion: CycloneDX \"1.2\" is not supported");
	expect_file_refused("cyclonedx/vex/bom.json", MEDFW_ERR_FIELD_VALUE,
			    "specVersion: CycloneDX \"1.3\" is not supported");
	expect_refused("{\"spdxVersion\": \"SPDX-2.1\"}", MEDFW_ERR_FIELD_VALUE,
		       "spdxVersion: \"SPDX-2.1\" is not supported");
	expect_refused("{\"spdxVersion\": \"SPDX-3.0\"}", MEDFW_ERR_FIELD_VALUE, "SPDX-3.0");
	expect_refused("{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"2.0\"}",
		       MEDFW_ERR_FIELD_VALUE, "\"2.0\" is not supported");
	expect_refused("{\"bomFormat\": \"CycloneDX\", \"specVersion\": 1.6}",
		       MEDFW_ERR_FIELD_TYPE, "specVersion: must be a string");
	expect_refused("{\"bomFormat\": \"CycloneDX\"}", MEDFW_ERR_FIELD_MISSING, "specVersion");
	expect_refused("{\"name\": \"not an sbom\"}", MEDFW_ERR_FIELD_MISSING,
		       "neither \"bomFormat\" (CycloneDX) nor \"spdxVersion\" (SPDX)");
	expect_refused("[1, 2]", MEDFW_ERR_FIELD_TYPE, "not a JSON object");
}

/* The CycloneDX 1.6 spec-conformance invalid fixtures: every one is refused, with the
 * JSON path of what is wrong. None is out of scope. (Schema rules this reader does
 * not enforce in general: formats of URLs (iri-reference) and e-mail addresses, the
 * SPDX licence id list for license.id, and anything inside objects the model does not
 * read: properties, externalReferences, services beyond their bom-ref,
 * vulnerabilities, compositions, annotations, formulation, declarations. Those are
 * not needed for matching and are dropped, so they cannot mislead it.) */
static void test_spec_conformance_invalid_refused(void **state)
{
	static const struct {
		const char *file;
		enum medfw_err err;
		const char *needle;
	} cases[] = {
		{"invalid-bomformat-1.6.json", MEDFW_ERR_FIELD_VALUE,
		 "bomFormat: \"AnotherFormat\" is not \"CycloneDX\""},
		{"invalid-component-ref-1.6.json", MEDFW_ERR_FIELD_VALUE,
		 "components[1].bom-ref: is empty"},
		{"invalid-component-swid-1.6.json", MEDFW_ERR_FIELD_MISSING,
		 "components[0].swid.tagId: required field missing"},
		{"invalid-component-type-1.6.json", MEDFW_ERR_FIELD_VALUE,
		 "components[0].type: \"foo\" is not a CycloneDX 1.6 component type"},
		{"invalid-dependency-1.6.json", MEDFW_ERR_FIELD_MISSING,
		 "dependencies[0].ref: required field missing"},
		{"invalid-empty-component-1.6.json", MEDFW_ERR_FIELD_MISSING,
		 "components[0].name: required field missing"},
		{"invalid-hash-alg-1.6.json", MEDFW_ERR_FIELD_VALUE,
		 "components[0].hashes[0].alg: \"FOO\" is not a CycloneDX hash algorithm"},
		{"invalid-hash-md5-1.6.json", MEDFW_ERR_FIELD_VALUE,
		 "components[0].hashes[0].content: not 32 hex digits for MD5"},
		{"invalid-hash-sha1-1.6.json", MEDFW_ERR_FIELD_VALUE,
		 "components[0].hashes[1].content: not 40 hex digits for SHA-1"},
		{"invalid-hash-sha256-1.6.json", MEDFW_ERR_FIELD_VALUE,
		 "components[0].hashes[2].content: not 64 hex digits for SHA-256"},
		{"invalid-hash-sha512-1.6.json", MEDFW_ERR_FIELD_VALUE,
		 "components[0].hashes[3].content: not 128 hex digits for SHA-512"},
		{"invalid-issue-type-1.6.json", MEDFW_ERR_FIELD_VALUE,
		 "components[0].pedigree.patches[0].resolves[0].type: \"foo\""},
		{"invalid-metadata-timestamp-1.6.json", MEDFW_ERR_FIELD_VALUE,
		 "metadata.timestamp: \"2020-04-13\" is not an RFC 3339 date-time"},
		{"invalid-missing-component-type-1.6.json", MEDFW_ERR_FIELD_MISSING,
		 "components[0].type: required field missing"},
		{"invalid-patch-type-1.6.json", MEDFW_ERR_FIELD_VALUE,
		 "components[0].pedigree.patches[0].type: \"foo\""},
		{"invalid-scope-1.6.json", MEDFW_ERR_FIELD_VALUE,
		 "components[0].scope: \"foo\""},
		{"invalid-serialnumber-1.6.json", MEDFW_ERR_FIELD_VALUE,
		 "serialNumber: \"urn:uuid:3e671687-395b-41f5-a30f\" is not"},
	};
	char rel[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(rel, sizeof(rel), "cyclonedx/spec-conformance/1.6/%s", cases[i].file);
		expect_file_refused(rel, cases[i].err, cases[i].needle);
	}
}

/* The real anonymised medical-device SBOM (CycloneDX 1.4): known components by value. */
static void test_medical_device_sbom(void **state)
{
	struct medfw_sbom *sbom = parse_file("cyclonedx/medical-device/narrow.sbom.json");
	const struct medfw_sbom_component *c;

	(void)state;
	assert_string_equal(sbom->spec_version, "1.4");
	assert_int_equal(sbom->version, 1);
	assert_string_equal(sbom->timestamp, "2025-07-23T20:52:41.344402+00:00");
	assert_int_equal(sbom->product, 0);
	c = &sbom->components[0];
	assert_int_equal(c->type, MEDFW_SBOM_TYPE_DEVICE);
	assert_string_equal(c->name, "REDACTED");
	assert_string_equal(c->author, "REDACTED");

	c = find(sbom, "BomRef.6730320963532548.7863229239413411");
	assert_string_equal(c->name, "WolfSSL");
	assert_int_equal(c->type, MEDFW_SBOM_TYPE_FIRMWARE);
	assert_string_equal(c->version, "4.8.1");
	assert_string_equal(c->purl, "pkg:github/wolfssl/wolfssl"); /* no version in the purl */
	assert_int_equal(c->cpe_count, 1);
	assert_string_equal(c->cpes[0], "cpe:2.3:a:wolfssl:wolfssl:4.8.1:*:*:*:*:*:*:*");
	assert_string_equal(c->publisher, "wolfSSL");
	assert_int_equal(c->license_count, 1);
	assert_int_equal(c->licenses[0].kind, MEDFW_SBOM_LICENSE_NAME);
	assert_string_equal(c->licenses[0].value, "GPLv3/Commercial");
	assert_int_equal(c->hash_count, 0);
	assert_null(c->parent_ref);

	/* versions are kept as given: FatFs 0.13c while its CPE says r0.13 */
	c = by_name(sbom, "fatFS");
	assert_string_equal(c->version, "0.13c");
	assert_string_equal(c->cpes[0], "cpe:2.3:a:chan:fatfs:r0.13:*:*:*:*:*:*:*");

	/* hardware: empty version, CPE version ANY */
	c = by_name(sbom, "Qualcomm Atheros QCA9563");
	assert_int_equal(c->type, MEDFW_SBOM_TYPE_DEVICE);
	assert_string_equal(c->version, "");
	assert_string_equal(c->cpes[0], "cpe:2.3:h:qualcomm:atheros_qca9563:*:*:*:*:*:*:*:*");

	c = by_name(sbom, "Aspose.Words");
	assert_string_equal(c->purl, "pkg:nuget/Aspose.Words@20.1.0");
	assert_int_equal(c->type, MEDFW_SBOM_TYPE_LIBRARY);

	/* the dependencies entries state "depends on nothing" */
	assert_int_equal(deps_of(sbom, "BomRef.6730320963532548.7863229239413411")
				 ->depends_on_count,
			 0);
	medfw_sbom_free(sbom);
}

/* Every CycloneDX hash algorithm, by value; uppercase hex is stored lowercase. */
static void test_hashes(void **state)
{
	static const char *const algs[] = {
		"MD5",	    "SHA-1",	   "SHA-256",	  "SHA-384",	 "SHA-512", "SHA3-256",
		"SHA3-384", "SHA3-512",	   "BLAKE2b-256", "BLAKE2b-384", "BLAKE2b-512", "BLAKE3",
	};
	struct medfw_sbom *sbom =
		parse_file("cyclonedx/spec-conformance/1.6/valid-component-hashes-1.6.json");
	const struct medfw_sbom_component *c = &sbom->components[0];

	(void)state;
	assert_int_equal(c->hash_count, 12);
	for (size_t i = 0; i < 12; i++) {
		assert_string_equal(medfw_sbom_hash_alg_name(c->hashes[i].alg), algs[i]);
		assert_int_equal(strlen(c->hashes[i].hex), c->hashes[i].alg == MEDFW_SBOM_HASH_BLAKE3
								   ? 64
								   : medfw_sbom_hash_hex_len(
									     c->hashes[i].alg));
	}
	assert_string_equal(c->hashes[2].hex,
			    "d88bc4e70bfb34d18b5542136639acbb26a8ae2429aa1e47489332fb389cc964");
	medfw_sbom_free(sbom);

	sbom = parse_text("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":["
			  "{\"type\":\"firmware\",\"name\":\"fw\",\"hashes\":[{\"alg\":\"SHA-256\","
			  "\"content\":\"D88BC4E70BFB34D18B5542136639ACBB26A8AE2429AA1E47489332FB389C"
			  "C964\"}]}]}");
	assert_string_equal(sbom->components[0].hashes[0].hex,
			    "d88bc4e70bfb34d18b5542136639acbb26a8ae2429aa1e47489332fb389cc964");
	medfw_sbom_free(sbom);
	expect_refused("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"components\":["
		       "{\"type\":\"file\",\"name\":\"f\",\"hashes\":[{\"alg\":\"SHA-256\","
		       "\"content\":\"3942447fac867ae5cdb3229b658f4d48\"}]}]}",
		       MEDFW_ERR_FIELD_VALUE,
		       "components[0].hashes[0].content: not 64 hex digits for SHA-256");
	expect_refused("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"components\":["
		       "{\"type\":\"file\",\"name\":\"f\",\"hashes\":[{\"alg\":\"SHA-1\","
		       "\"content\":\"zzb1000b94e835ffd37f4c6dcbdad43f4b48a02a\"}]}]}",
		       MEDFW_ERR_FIELD_VALUE, "not 40 hex digits for SHA-1");
	expect_refused("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"components\":["
		       "{\"type\":\"file\",\"name\":\"f\",\"hashes\":[{\"alg\":\"SHA-1\"}]}]}",
		       MEDFW_ERR_FIELD_MISSING, "components[0].hashes[0].content");
}

/* Pedigree: ancestors and patches with the issues they resolve survive parse and a
 * round trip (a backport that resolves a CVE is evidence the matcher needs). */
static void test_pedigree(void **state)
{
	struct medfw_sbom *sbom = parse_file("cyclonedx/spec-conformance/1.6/valid-patch-1.6.json");
	const struct medfw_sbom_component *c = &sbom->components[0];
	const struct medfw_sbom_pedigree *pd = c->pedigree;
	const struct medfw_sbom_patch *p;

	(void)state;
	assert_non_null(pd);
	assert_int_equal(pd->ancestor_count, 1);
	assert_string_equal(pd->ancestors[0].group, "org.example");
	assert_string_equal(pd->ancestors[0].name, "sample-library");
	assert_string_equal(pd->ancestors[0].version, "1.0.0");
	assert_null(pd->ancestors[0].ref);
	assert_int_equal(pd->patch_count, 2);
	p = &pd->patches[1];
	assert_int_equal(p->type, MEDFW_SBOM_PATCH_BACKPORT);
	assert_string_equal(p->diff_url, "uri/to/changes.diff");
	assert_int_equal(p->resolves_count, 2);
	assert_int_equal(p->resolves[0].type, MEDFW_SBOM_ISSUE_SECURITY);
	assert_string_equal(p->resolves[0].id, "CVE-2019-9997");
	assert_string_equal(p->resolves[0].name, "CVE-2019-9997");
	assert_string_equal(p->resolves[0].source_name, "NVD");
	assert_string_equal(p->resolves[0].source_url,
			    "https://nvd.nist.gov/vuln/detail/CVE-2019-9997");
	assert_int_equal(p->resolves[1].type, MEDFW_SBOM_ISSUE_DEFECT);
	assert_int_equal(pd->patches[0].type, MEDFW_SBOM_PATCH_UNOFFICIAL);
	round_trip(sbom, 1);
	medfw_sbom_free(sbom);

	/* commits and variants, and a pedigree component's bom-ref counts for uniqueness */
	sbom = parse_text(
		"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"components\":[{\"type\":"
		"\"library\",\"name\":\"openssl\",\"version\":\"1.1.1n-medfw1\",\"bom-ref\":\"ossl\","
		"\"pedigree\":{\"ancestors\":[{\"type\":\"library\",\"name\":\"openssl\",\"version\":"
		"\"1.1.1n\",\"bom-ref\":\"upstream\",\"purl\":\"pkg:generic/openssl@1.1.1n\"}],"
		"\"variants\":[{\"type\":\"library\",\"name\":\"libressl\"}],\"commits\":[{\"uid\":"
		"\"abc123\",\"url\":\"https://example.invalid/c/abc123\",\"message\":\"fix\"}],"
		"\"patches\":[{\"type\":\"backport\",\"resolves\":[{\"type\":\"security\",\"id\":"
		"\"CVE-2022-0778\"}]}],\"notes\":\"backported\"}}],"
		"\"dependencies\":[{\"ref\":\"ossl\",\"dependsOn\":[\"upstream\"]}]}");
	pd = sbom->components[0].pedigree;
	assert_string_equal(pd->ancestors[0].purl, "pkg:generic/openssl@1.1.1n");
	assert_string_equal(pd->ancestors[0].ref, "upstream");
	assert_int_equal(pd->variant_count, 1);
	assert_string_equal(pd->commits[0].uid, "abc123");
	assert_string_equal(pd->patches[0].resolves[0].id, "CVE-2022-0778");
	/* a dependency on a pedigree component is valid, but not a link between
	 * components of this SBOM */
	assert_int_equal(sbom->dependency_count, 1);
	assert_int_equal(sbom->dependencies[0].depends_on_count, 0);
	assert_int_equal(medfw_sbom_find(sbom, "upstream"), MEDFW_SBOM_NONE);
	round_trip(sbom, 1);
	medfw_sbom_free(sbom);
	expect_refused(
		"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"components\":[{\"type\":"
		"\"library\",\"name\":\"a\",\"bom-ref\":\"x\",\"pedigree\":{\"ancestors\":[{\"type\":"
		"\"library\",\"name\":\"b\",\"bom-ref\":\"x\"}]}}]}",
		MEDFW_ERR_FIELD_VALUE,
		"components[0].bom-ref: \"x\" is already used at "
		"components[0].pedigree.ancestors[0].bom-ref");
	expect_refused(
		"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"components\":[{\"type\":"
		"\"library\",\"name\":\"a\",\"pedigree\":{\"patches\":[{\"resolves\":[]}]}}]}",
		MEDFW_ERR_FIELD_MISSING, "components[0].pedigree.patches[0].type");
}

/* SPDX 2.3 spec example: packages, files, checksums mapped to CycloneDX names,
 * suppliers, CPEs, purls, licences, hasFiles and relationships. */
static void test_spdx_example(void **state)
{
	struct medfw_sbom *sbom = parse_file("spdx/SPDXJSONExample-v2.3.spdx.json");
	const struct medfw_sbom_component *c;
	const struct medfw_sbom_dependency *d;

	(void)state;
	assert_string_equal(sbom->spec_version, "SPDX-2.3");
	assert_string_equal(sbom->document_namespace,
			    "http://spdx.org/spdxdocs/spdx-example-444504E0-4F89-41D3-9A0C-"
			    "0305E82C3301");
	assert_string_equal(sbom->timestamp, "2010-01-29T18:30:22Z");
	assert_null(sbom->serial_number);

	c = find(sbom, "SPDXRef-Package");
	assert_string_equal(c->name, "glibc");
	assert_string_equal(c->version, "2.11.1");
	assert_string_equal(c->supplier, "Jane Doe");          /* "Person: Jane Doe (mail)" */
	assert_string_equal(c->author, "ExampleCodeInspect");  /* the originator */
	assert_int_equal(c->type, MEDFW_SBOM_TYPE_LIBRARY);   /* purpose SOURCE */
	assert_int_equal(c->cpe_count, 1);
	assert_string_equal(c->cpes[0],
			    "cpe:2.3:a:pivotal_software:spring_framework:4.1.0:*:*:*:*:*:*:*");
	assert_null(c->purl);
	assert_int_equal(c->hash_count, 4);
	assert_int_equal(c->hashes[0].alg, MEDFW_SBOM_HASH_MD5);
	assert_int_equal(c->hashes[1].alg, MEDFW_SBOM_HASH_SHA1);
	assert_string_equal(c->hashes[1].hex, "85ed0817af83a24ad8da68c2b5094de69833983c");
	assert_int_equal(c->hashes[2].alg, MEDFW_SBOM_HASH_SHA256);
	assert_int_equal(c->hashes[3].alg, MEDFW_SBOM_HASH_BLAKE2B_384);
	assert_int_equal(c->license_count, 1); /* licenseConcluded wins over declared */
	assert_int_equal(c->licenses[0].kind, MEDFW_SBOM_LICENSE_EXPRESSION);
	assert_string_equal(c->licenses[0].value, "(LGPL-2.0-only OR LicenseRef-3)");
	assert_null(c->parent_ref);

	assert_string_equal(find(sbom, "SPDXRef-fromDoap-0")->purl,
			    "pkg:maven/org.apache.jena/apache-jena@3.12.0");
	assert_int_equal(find(sbom, "SPDXRef-fromDoap-1")->license_count, 0); /* NOASSERTION */

	/* hasFiles: the package contains its files; the later "JenaLib CONTAINS Package"
	 * would close a cycle, so it is kept as a dependency */
	c = find(sbom, "SPDXRef-JenaLib");
	assert_int_equal(c->type, MEDFW_SBOM_TYPE_FILE);
	assert_string_equal(c->name, "./lib-source/jena-2.6.3-sources.jar");
	assert_string_equal(c->parent_ref, "SPDXRef-Package");
	assert_string_equal(find(sbom, "SPDXRef-Specification")->parent_ref, "SPDXRef-Package");
	assert_null(find(sbom, "SPDXRef-File")->parent_ref);
	d = deps_of(sbom, "SPDXRef-JenaLib");
	assert_non_null(d);
	assert_int_equal(d->depends_on_count, 1);
	assert_string_equal(d->depends_on[0], "SPDXRef-Package");
	d = deps_of(sbom, "SPDXRef-Package"); /* DYNAMIC_LINK */
	assert_non_null(d);
	assert_int_equal(d->depends_on_count, 1);
	assert_string_equal(d->depends_on[0], "SPDXRef-Saxon");
	/* the package's tree comes first (pre-order) */
	assert_string_equal(sbom->components[0].ref, "SPDXRef-Package");
	assert_string_equal(sbom->components[1].parent_ref, "SPDXRef-Package");
	medfw_sbom_free(sbom);

	sbom = parse_file("spdx/examples/example11-rust-hello-server.spdx.json");
	d = deps_of(sbom, "SPDXRef-Package-hello-server-src");
	assert_non_null(d);
	assert_int_equal(d->depends_on_count, 3);
	assert_string_equal(d->depends_on[0],
			    "SPDXRef-Package-SPDXRef-Package-cargo-hyper-0.14"); /* sorted */
	c = find(sbom, "SPDXRef-Package-SPDXRef-Package-cargo-tokio-1");
	assert_string_equal(c->purl, "pkg:cargo/tokio@1.19.2");
	assert_string_equal(c->version, "1.19.2");
	assert_string_equal(c->licenses[0].value, "MIT");
	c = find(sbom, "SPDXRef-File-hello-server");
	assert_int_equal(c->hash_count, 3);
	assert_int_equal(c->hashes[2].alg, MEDFW_SBOM_HASH_SHA512);
	medfw_sbom_free(sbom);

	sbom = parse_file("spdx/examples/oss-na-2023-04-SBOMwSecurity.spdx.json");
	c = &sbom->components[sbom->product];
	assert_string_equal(c->name, "tools-java");
	assert_string_equal(c->supplier, "SPDX");
	c = find(sbom, "SPDXRef-xlsx");
	assert_string_equal(c->purl, "pkg:maven/org.webjars.npm/xlsx@0.16.6");
	assert_string_equal(c->supplier, "Webjar");
	assert_string_equal(deps_of(sbom, "SPDXRef-Package")->depends_on[0], "SPDXRef-xlsx");
	medfw_sbom_free(sbom);
}

#define SPDX_HEAD                                                                        \
	"{\"spdxVersion\":\"SPDX-2.3\",\"SPDXID\":\"SPDXRef-DOCUMENT\",\"dataLicense\":"   \
	"\"CC0-1.0\",\"name\":\"t\",\"documentNamespace\":\"https://example.invalid/t\","  \
	"\"creationInfo\":{\"created\":\"2024-01-02T03:04:05Z\",\"creators\":[\"Tool: t\"]},"
#define PKG(id, extra)                                                                   \
	"{\"SPDXID\":\"SPDXRef-" id "\",\"name\":\"" id "\",\"downloadLocation\":"        \
	"\"NOASSERTION\"" extra "}"

/* The SPDX relationship mapping, one relationship type at a time. */
static void test_spdx_relationships(void **state)
{
	struct medfw_sbom *sbom;
	const struct medfw_sbom_component *c;

	(void)state;
	sbom = parse_text(SPDX_HEAD
			  "\"packages\":[" PKG("fw", ",\"primaryPackagePurpose\":\"FIRMWARE\"")
			  "," PKG("libc", ",\"versionInfo\":\"2.40-18-g5641780762\"") "," PKG(
				  "ssl", ",\"supplier\":\"NOASSERTION\",\"externalRefs\":["
					 "{\"referenceCategory\":\"SECURITY\",\"referenceType\":"
					 "\"cpe23Type\",\"referenceLocator\":\"cpe:2.3:a:openssl:"
					 "openssl:1.1.1i:*:*:*:*:*:*:*\"},{\"referenceCategory\":"
					 "\"SECURITY\",\"referenceType\":\"cpe22Type\","
					 "\"referenceLocator\":\"cpe:/a:openssl:openssl:1.1.1i\"},"
					 "{\"referenceCategory\":\"PACKAGE_MANAGER\","
					 "\"referenceType\":\"purl\",\"referenceLocator\":"
					 "\"pkg:generic/openssl@1.1.1i\"},{\"referenceCategory\":"
					 "\"PACKAGE-MANAGER\",\"referenceType\":\"purl\","
					 "\"referenceLocator\":\"pkg:github/openssl/openssl\"},"
					 "{\"referenceCategory\":\"SECURITY\",\"referenceType\":"
					 "\"advisory\",\"referenceLocator\":\"https://"
					 "example.invalid/a\"}],\"checksums\":[{\"algorithm\":"
					 "\"SHA224\",\"checksumValue\":\"d14a028c2a3a2bc9476102bb28"
					 "8234c415a2b01f828ea62ac5b3e42f\"},{\"algorithm\":\"SHA256\","
					 "\"checksumValue\":\"f498a8ff2dd007e29c2074f5e4b01a9a01775c3f"
					 "f3aeaf6906ea503bc5791b7b\"}]") "," PKG("gcc", "") "," PKG("zlib",
					 "") "," PKG("opt", "") "," PKG("both", "") "],"
			  "\"relationships\":["
			  "{\"spdxElementId\":\"SPDXRef-fw\",\"relationshipType\":\"DESCRIBED_BY\","
			  "\"relatedSpdxElement\":\"SPDXRef-DOCUMENT\"},"
			  "{\"spdxElementId\":\"SPDXRef-libc\",\"relationshipType\":\"CONTAINED_BY\","
			  "\"relatedSpdxElement\":\"SPDXRef-fw\"},"
			  "{\"spdxElementId\":\"SPDXRef-ssl\",\"relationshipType\":\"DEPENDENCY_OF\","
			  "\"relatedSpdxElement\":\"SPDXRef-libc\"},"
			  "{\"spdxElementId\":\"SPDXRef-fw\",\"relationshipType\":\"STATIC_LINK\","
			  "\"relatedSpdxElement\":\"SPDXRef-zlib\"},"
			  "{\"spdxElementId\":\"SPDXRef-gcc\",\"relationshipType\":\"BUILD_TOOL_OF\","
			  "\"relatedSpdxElement\":\"SPDXRef-fw\"},"
			  "{\"spdxElementId\":\"SPDXRef-both\",\"relationshipType\":"
			  "\"BUILD_DEPENDENCY_OF\",\"relatedSpdxElement\":\"SPDXRef-fw\"},"
			  "{\"spdxElementId\":\"SPDXRef-fw\",\"relationshipType\":\"DEPENDS_ON\","
			  "\"relatedSpdxElement\":\"SPDXRef-both\"},"
			  "{\"spdxElementId\":\"SPDXRef-opt\",\"relationshipType\":"
			  "\"OPTIONAL_DEPENDENCY_OF\",\"relatedSpdxElement\":\"SPDXRef-fw\"},"
			  "{\"spdxElementId\":\"SPDXRef-fw\",\"relationshipType\":\"CONTAINS\","
			  "\"relatedSpdxElement\":\"SPDXRef-fw\"},"
			  "{\"spdxElementId\":\"SPDXRef-libc\",\"relationshipType\":\"GENERATED_FROM\","
			  "\"relatedSpdxElement\":\"NOASSERTION\"},"
			  "{\"spdxElementId\":\"SPDXRef-fw\",\"relationshipType\":\"COPY_OF\","
			  "\"relatedSpdxElement\":\"DocumentRef-other:SPDXRef-x\"}]}");
	assert_int_equal(sbom->component_count, 7);
	assert_string_equal(sbom->components[sbom->product].ref, "SPDXRef-fw");
	assert_int_equal(sbom->components[sbom->product].type, MEDFW_SBOM_TYPE_FIRMWARE);
	assert_int_equal(sbom->product, 0);
	c = find(sbom, "SPDXRef-libc");
	assert_string_equal(c->parent_ref, "SPDXRef-fw");
	assert_string_equal(c->version, "2.40-18-g5641780762"); /* as given */
	c = find(sbom, "SPDXRef-ssl");
	assert_null(c->supplier); /* NOASSERTION */
	assert_int_equal(c->cpe_count, 2);
	assert_string_equal(c->cpes[1], "cpe:/a:openssl:openssl:1.1.1i");
	assert_string_equal(c->purl, "pkg:generic/openssl@1.1.1i"); /* the first purl */
	assert_int_equal(c->hash_count, 1); /* SHA224 checked, not kept */
	assert_int_equal(c->hashes[0].alg, MEDFW_SBOM_HASH_SHA256);
	assert_int_equal(c->scope, MEDFW_SBOM_SCOPE_UNSPECIFIED);
	assert_string_equal(deps_of(sbom, "SPDXRef-libc")->depends_on[0], "SPDXRef-ssl");
	assert_int_equal(deps_of(sbom, "SPDXRef-fw")->depends_on_count, 3);
	assert_int_equal(find(sbom, "SPDXRef-gcc")->scope, MEDFW_SBOM_SCOPE_EXCLUDED);
	/* build dependency that is also a runtime dependency: not excluded */
	assert_int_equal(find(sbom, "SPDXRef-both")->scope, MEDFW_SBOM_SCOPE_UNSPECIFIED);
	assert_int_equal(find(sbom, "SPDXRef-opt")->scope, MEDFW_SBOM_SCOPE_OPTIONAL);
	assert_string_equal(deps_of(sbom, "SPDXRef-fw")->depends_on[1], "SPDXRef-opt");
	round_trip(sbom, 0);
	medfw_sbom_free(sbom);

	expect_refused(SPDX_HEAD "\"packages\":[" PKG("a", "") "],\"relationships\":[{"
				 "\"spdxElementId\":\"SPDXRef-a\",\"relationshipType\":\"DEPENDS_ON\","
				 "\"relatedSpdxElement\":\"SPDXRef-nowhere\"}]}",
		       MEDFW_ERR_FIELD_VALUE,
		       "relationships[0].relatedSpdxElement: \"SPDXRef-nowhere\" is not defined");
	expect_refused(SPDX_HEAD "\"packages\":[" PKG("a", "") "],\"relationships\":[{"
				 "\"spdxElementId\":\"SPDXRef-a\",\"relationshipType\":\"USES\","
				 "\"relatedSpdxElement\":\"SPDXRef-a\"}]}",
		       MEDFW_ERR_FIELD_VALUE,
		       "relationships[0].relationshipType: \"USES\" is not an SPDX 2.3");
	expect_refused(SPDX_HEAD "\"packages\":[" PKG("a", "") "],\"relationships\":[{"
				 "\"spdxElementId\":\"NOASSERTION\",\"relationshipType\":\"OTHER\","
				 "\"relatedSpdxElement\":\"SPDXRef-a\"}]}",
		       MEDFW_ERR_FIELD_VALUE, "relationships[0].spdxElementId: \"NOASSERTION\"");
	expect_refused(SPDX_HEAD "\"packages\":[" PKG("a", ",\"hasFiles\":[\"SPDXRef-f\"]") "]}",
		       MEDFW_ERR_FIELD_VALUE, "packages[0].hasFiles[0]: \"SPDXRef-f\" is not defined");
	expect_refused(SPDX_HEAD "\"packages\":[" PKG("a", "") "," PKG("a", "") "]}",
		       MEDFW_ERR_FIELD_VALUE,
		       "packages[1].SPDXID: \"SPDXRef-a\" is already used at packages[0].SPDXID");
	expect_refused(SPDX_HEAD "\"packages\":[{\"SPDXID\":\"SPDXRef-a b\",\"name\":\"a\","
				 "\"downloadLocation\":\"NONE\"}]}",
		       MEDFW_ERR_FIELD_VALUE, "packages[0].SPDXID: \"SPDXRef-a b\" is not SPDXRef-");
	expect_refused(SPDX_HEAD "\"packages\":[" PKG("a", ",\"checksums\":[{\"algorithm\":"
							   "\"SHA1\",\"checksumValue\":\"abc\"}]") "]}",
		       MEDFW_ERR_FIELD_VALUE,
		       "packages[0].checksums[0].checksumValue: not 40 hex digits for SHA1");
	expect_refused(SPDX_HEAD "\"packages\":[" PKG("a", ",\"checksums\":[{\"algorithm\":"
							   "\"SHA224\",\"checksumValue\":\"abc\"}]") "]}",
		       MEDFW_ERR_FIELD_VALUE, "packages[0].checksums[0].checksumValue: not hex");
	expect_refused(SPDX_HEAD "\"packages\":[" PKG("a", ",\"primaryPackagePurpose\":\"TOY\"") "]}",
		       MEDFW_ERR_FIELD_VALUE, "packages[0].primaryPackagePurpose: \"TOY\"");
	expect_refused(SPDX_HEAD "\"packages\":[" PKG("a", ",\"x-vendor\":1") "]}",
		       MEDFW_ERR_FIELD_VALUE,
		       "packages[0]: unknown field \"x-vendor\" (a SPDX package has no such field)");
	expect_refused(SPDX_HEAD "\"packages\":[{\"SPDXID\":\"SPDXRef-a\",\"name\":\"a\"}]}",
		       MEDFW_ERR_FIELD_MISSING, "packages[0].downloadLocation");
	expect_refused("{\"spdxVersion\":\"SPDX-2.3\",\"SPDXID\":\"SPDXRef-DOCUMENT\","
		       "\"dataLicense\":\"CC0-1.0\",\"name\":\"t\",\"documentNamespace\":\"x\","
		       "\"creationInfo\":{\"created\":\"yesterday\",\"creators\":[\"Tool: t\"]}}",
		       MEDFW_ERR_FIELD_VALUE, "creationInfo.created: \"yesterday\" is not an RFC 3339");
	expect_refused("{\"spdxVersion\":\"SPDX-2.3\",\"SPDXID\":\"SPDXRef-DOCUMENT\","
		       "\"dataLicense\":\"CC0-1.0\",\"name\":\"t\",\"creationInfo\":{\"created\":"
		       "\"2024-01-02T03:04:05Z\",\"creators\":[\"Tool: t\"]}}",
		       MEDFW_ERR_FIELD_MISSING, "documentNamespace: required field missing");
	/* SPDX 2.2 is read by the same rules */
	sbom = parse_text("{\"spdxVersion\":\"SPDX-2.2\",\"SPDXID\":\"SPDXRef-DOCUMENT\","
			  "\"dataLicense\":\"CC0-1.0\",\"name\":\"t\",\"documentNamespace\":\"x\","
			  "\"creationInfo\":{\"created\":\"2024-01-02T03:04:05Z\",\"creators\":["
			  "\"Tool: t\"]},\"documentDescribes\":[\"SPDXRef-a\"],\"packages\":["
			  PKG("a", ",\"versionInfo\":\"1.0\"") "]}");
	assert_string_equal(sbom->spec_version, "SPDX-2.2");
	assert_int_equal(sbom->product, 0);
	medfw_sbom_free(sbom);
}

/* A CONTAINS chain deeper than MEDFW_SBOM_MAX_NESTING (parents listed after their
 * children) keeps its deep links as dependencies, so the export parses again. */
static void test_spdx_nesting_bounded(void **state)
{
	struct medfw_buf doc;
	struct medfw_sbom *sbom;
	size_t max_depth = 0, i, n = 60;

	(void)state;
	medfw_buf_init(&doc, 1u << 20);
	assert_int_equal(medfw_buf_append_str(&doc, SPDX_HEAD "\"packages\":["), MEDFW_OK);
	for (i = 0; i < n; i++)
		assert_int_equal(medfw_buf_printf(&doc,
						  "%s{\"SPDXID\":\"SPDXRef-p%zu\",\"name\":\"p%zu\","
						  "\"downloadLocation\":\"NONE\"}",
						  i ? "," : "", i, i),
				 MEDFW_OK);
	assert_int_equal(medfw_buf_append_str(&doc, "],\"relationships\":["), MEDFW_OK);
	/* p(i+1) CONTAINS p(i), listed from the leaf up */
	for (i = 0; i + 1 < n; i++)
		assert_int_equal(medfw_buf_printf(&doc,
						  "%s{\"spdxElementId\":\"SPDXRef-p%zu\","
						  "\"relationshipType\":\"CONTAINS\","
						  "\"relatedSpdxElement\":\"SPDXRef-p%zu\"}",
						  i ? "," : "", i + 1, i),
				 MEDFW_OK);
	assert_int_equal(medfw_buf_append_str(&doc, "]}"), MEDFW_OK);
	sbom = parse_text((const char *)doc.data);
	for (i = 0; i < sbom->component_count; i++) {
		size_t d = 0;

		for (size_t p = sbom->components[i].parent; p != MEDFW_SBOM_NONE;
		     p = sbom->components[p].parent)
			d++;
		if (d > max_depth)
			max_depth = d;
	}
	assert_true(max_depth <= MEDFW_SBOM_MAX_NESTING);
	assert_true(max_depth >= MEDFW_SBOM_MAX_NESTING - 1);
	assert_true(sbom->dependency_count > 0); /* the cut links */
	round_trip(sbom, 0);
	medfw_sbom_free(sbom);
	medfw_buf_free(&doc);
}

/* Every valid CycloneDX file: parse -> export -> parse gives the same model; the
 * export is byte-stable, key-sorted and compact. SPDX files: SPDX -> model ->
 * CycloneDX -> model keeps everything (purls, CPEs, hashes, versions, suppliers,
 * parents, dependencies, the product) except the document namespace. */
static void test_round_trips(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cyclonedx_files) / sizeof(cyclonedx_files[0]); i++) {
		struct medfw_sbom *sbom = parse_file(cyclonedx_files[i].path);

		round_trip(sbom, 1);
		medfw_sbom_free(sbom);
	}
	for (size_t i = 0; i < sizeof(spdx_files) / sizeof(spdx_files[0]); i++) {
		struct medfw_sbom *sbom = parse_file(spdx_files[i].path);

		round_trip(sbom, 0);
		medfw_sbom_free(sbom);
	}
}

#define CDX16 "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\","
#define CDX14 "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.4\",\"version\":1,"

/* Components without bom-ref get generated refs that are not exported; nested
 * components are flattened with their parent; CPEs from 1.6 identity evidence. */
static void test_cyclonedx_shapes(void **state)
{
	struct medfw_sbom *sbom;
	struct medfw_buf out;

	(void)state;
	sbom = parse_text(CDX16 "\"metadata\":{\"component\":{\"type\":\"firmware\",\"name\":"
				"\"pump-fw\",\"version\":\"4.2.1\",\"supplier\":{\"name\":\"Acme\"},"
				"\"components\":[{\"type\":\"library\",\"name\":\"inner\"}]},"
				"\"supplier\":{\"name\":\"Acme Medical\"}},"
				"\"components\":[{\"type\":\"operating-system\",\"name\":\"linux\","
				"\"version\":\"custom\",\"scope\":\"required\",\"authors\":[{\"name\":"
				"\"A\"},{\"name\":\"B\",\"email\":\"b@example.invalid\"}],"
				"\"cpe\":\"cpe:2.3:o:linux:linux_kernel:custom:*:*:*:*:*:*:*\","
				"\"evidence\":{\"identity\":[{\"field\":\"cpe\",\"concludedValue\":"
				"\"cpe:2.3:o:linux:linux:5.15:*:*:*:*:*:*:*\",\"confidence\":0.5},"
				"{\"field\":\"purl\",\"concludedValue\":\"pkg:generic/linux\"},"
				"{\"field\":\"cpe\",\"concludedValue\":\"cpe:2.3:o:linux:linux_kernel:"
				"custom:*:*:*:*:*:*:*\"}]},\"components\":[{\"type\":\"file\",\"name\":"
				"\"zImage\",\"bom-ref\":\"zimg\"}]}],"
				"\"services\":[{\"name\":\"s\",\"bom-ref\":\"svc\"}],"
				"\"dependencies\":[{\"ref\":\"zimg\",\"dependsOn\":[\"svc\"]}]}");
	assert_int_equal(sbom->component_count, 4);
	assert_string_equal(sbom->supplier, "Acme Medical");
	assert_string_equal(sbom->components[0].ref, "medfw-generated:0");
	assert_true(sbom->components[0].ref_generated);
	assert_string_equal(sbom->components[0].supplier, "Acme");
	assert_string_equal(sbom->components[1].name, "inner");
	assert_string_equal(sbom->components[1].parent_ref, "medfw-generated:0");
	assert_string_equal(sbom->components[2].author, "A, B");
	assert_int_equal(sbom->components[2].scope, MEDFW_SBOM_SCOPE_REQUIRED);
	assert_int_equal(sbom->components[2].cpe_count, 2); /* the duplicate is dropped */
	assert_string_equal(sbom->components[2].cpes[1], "cpe:2.3:o:linux:linux:5.15:*:*:*:*:*:*:*");
	assert_string_equal(sbom->components[3].parent_ref, "medfw-generated:2");
	assert_int_equal(medfw_sbom_find(sbom, "svc"), MEDFW_SBOM_NONE);
	assert_int_equal(medfw_sbom_find(sbom, "zimg"), 3);
	assert_int_equal(medfw_sbom_find(sbom, "nothing"), MEDFW_SBOM_NONE);
	assert_int_equal(medfw_sbom_find(NULL, "zimg"), MEDFW_SBOM_NONE);
	assert_int_equal(sbom->dependency_count, 1); /* zimg: its only link is a service */
	export(sbom, NULL, &out);
	assert_null(strstr((const char *)out.data, "medfw-generated"));
	medfw_buf_free(&out);
	round_trip(sbom, 1);
	medfw_sbom_free(sbom);

	/* licences: 1.4 may mix licence objects and expressions; 1.5+ may not */
	sbom = parse_text(CDX14 "\"components\":[{\"type\":\"library\",\"name\":\"x\","
				"\"licenses\":[{\"license\":{\"id\":\"MIT\"}},{\"expression\":"
				"\"Apache-2.0 OR MIT\"}]}]}");
	assert_int_equal(sbom->components[0].license_count, 2);
	assert_int_equal(sbom->components[0].licenses[0].kind, MEDFW_SBOM_LICENSE_ID);
	assert_int_equal(sbom->components[0].licenses[1].kind, MEDFW_SBOM_LICENSE_EXPRESSION);
	medfw_sbom_free(sbom);
	expect_refused(CDX16 "\"components\":[{\"type\":\"library\",\"name\":\"x\",\"licenses\":["
			     "{\"license\":{\"id\":\"MIT\"}},{\"expression\":\"MIT\"}]}]}",
		       MEDFW_ERR_FIELD_VALUE,
		       "components[0].licenses[1]: a license expression must be the only entry");
	expect_refused(CDX16 "\"components\":[{\"type\":\"library\",\"name\":\"x\",\"licenses\":["
			     "{\"license\":{\"id\":\"MIT\",\"name\":\"MIT\"}}]}]}",
		       MEDFW_ERR_FIELD_VALUE,
		       "components[0].licenses[0].license: exactly one of \"id\" and \"name\"");
	/* dependencies */
	expect_refused(CDX16 "\"components\":[{\"type\":\"library\",\"name\":\"x\",\"bom-ref\":"
			     "\"x\"}],\"dependencies\":[{\"ref\":\"x\",\"dependsOn\":[\"y\"]}]}",
		       MEDFW_ERR_FIELD_VALUE,
		       "dependencies[0].dependsOn[0]: \"y\" is not the bom-ref of anything");
	sbom = parse_text(CDX16 "\"components\":[{\"type\":\"library\",\"name\":\"a\",\"bom-ref\":"
				"\"a\"},{\"type\":\"library\",\"name\":\"b\",\"bom-ref\":\"b\"},"
				"{\"type\":\"library\",\"name\":\"c\",\"bom-ref\":\"c\"}],"
				"\"dependencies\":[{\"ref\":\"c\"},{\"ref\":\"a\",\"dependsOn\":[\"c\","
				"\"b\"]},{\"ref\":\"a\",\"dependsOn\":[\"b\"]}]}");
	/* sorted by ref, merged, unique */
	assert_int_equal(sbom->dependency_count, 2);
	assert_string_equal(sbom->dependencies[0].ref, "a");
	assert_int_equal(sbom->dependencies[0].depends_on_count, 2);
	assert_string_equal(sbom->dependencies[0].depends_on[0], "b");
	assert_string_equal(sbom->dependencies[0].depends_on[1], "c");
	assert_string_equal(sbom->dependencies[1].ref, "c");
	assert_int_equal(sbom->dependencies[1].depends_on_count, 0);
	round_trip(sbom, 1);
	medfw_sbom_free(sbom);
}

/* Bounds and hostile input: every refusal names what is wrong; nothing is returned. */
static void test_bounds_and_bad_input(void **state)
{
	struct medfw_sbom_limits limits;
	struct medfw_buf doc;
	struct medfw_sbom *sbom;
	char *big;
	size_t i;
	const char *valid = CDX16 "\"components\":[{\"type\":\"library\",\"name\":\"a\"},"
				  "{\"type\":\"library\",\"name\":\"b\"},{\"type\":\"library\","
				  "\"name\":\"c\"}]}";

	(void)state;
	/* document size */
	memset(&limits, 0, sizeof(limits));
	limits.max_bytes = 64;
	expect_refused_bytes((const uint8_t *)valid, strlen(valid), &limits, MEDFW_ERR_TOO_LARGE,
			     "more than the limit of 64");
	/* component count */
	memset(&limits, 0, sizeof(limits));
	limits.max_components = 2;
	expect_refused_bytes((const uint8_t *)valid, strlen(valid), &limits, MEDFW_ERR_TOO_LARGE,
			     "components[2]: more than 2 components");
	limits.max_components = 3;
	medfw_sbom_free(parse_text_limits(valid, &limits));
	limits.max_components = 0;
	limits.max_depth = MEDFW_SBOM_DEPTH_CEILING + 1;
	expect_refused_bytes((const uint8_t *)valid, strlen(valid), &limits,
			     MEDFW_ERR_INVALID_ARG, "ceiling");
	/* truncated, empty, not JSON */
	expect_refused_bytes((const uint8_t *)valid, strlen(valid) - 5, NULL,
			     MEDFW_ERR_JSON_SYNTAX, "JSON: line 1");
	expect_refused("", MEDFW_ERR_JSON_SYNTAX, "JSON");
	expect_refused("{\"bomFormat\":\"CycloneDX\",\"bomFormat\":\"CycloneDX\"}",
		       MEDFW_ERR_JSON_SYNTAX, "duplicate");

	/* JSON depth: 64 levels parse, 65 do not (nested components: 2 levels each) */
	medfw_buf_init(&doc, 1u << 20);
	assert_int_equal(medfw_buf_append_str(&doc, CDX16 "\"components\":["), MEDFW_OK);
	for (i = 0; i < 31; i++) /* depth 2 + 31 * 2 = 64 */
		assert_int_equal(medfw_buf_printf(&doc, "{\"type\":\"library\",\"name\":\"n%zu\","
							"\"components\":[",
						  i),
				 MEDFW_OK);
	for (i = 0; i < 31; i++)
		assert_int_equal(medfw_buf_append_str(&doc, "]}"), MEDFW_OK);
	assert_int_equal(medfw_buf_append_str(&doc, "]}"), MEDFW_OK);
	sbom = parse_text((const char *)doc.data);
	assert_int_equal(sbom->component_count, 31);
	assert_int_equal(sbom->components[30].parent, 29);
	round_trip(sbom, 1);
	medfw_sbom_free(sbom);
	medfw_buf_reset(&doc);
	assert_int_equal(medfw_buf_append_str(&doc, CDX16 "\"components\":["), MEDFW_OK);
	for (i = 0; i < 31; i++)
		assert_int_equal(medfw_buf_printf(&doc, "{\"type\":\"library\",\"name\":\"n%zu\","
							"\"components\":[",
						  i),
				 MEDFW_OK);
	assert_int_equal(medfw_buf_append_str(&doc, "{}"), MEDFW_OK); /* level 65 */
	for (i = 0; i < 31; i++)
		assert_int_equal(medfw_buf_append_str(&doc, "]}"), MEDFW_OK);
	assert_int_equal(medfw_buf_append_str(&doc, "]}"), MEDFW_OK);
	expect_refused((const char *)doc.data, MEDFW_ERR_TOO_DEEP, "nested deeper than 64");
	medfw_buf_free(&doc);

	/* wrong types, named by path */
	expect_refused(CDX16 "\"components\":{}}", MEDFW_ERR_FIELD_TYPE,
		       "components: must be an array");
	expect_refused(CDX16 "\"components\":[7]}", MEDFW_ERR_FIELD_TYPE,
		       "components[0]: must be an object");
	expect_refused(CDX16 "\"components\":[{\"type\":\"library\",\"name\":7}]}",
		       MEDFW_ERR_FIELD_TYPE, "components[0].name: must be a string");
	expect_refused(CDX16 "\"version\":\"1\"}", MEDFW_ERR_FIELD_TYPE,
		       "version: must be an integer");
	expect_refused(CDX16 "\"version\":0}", MEDFW_ERR_FIELD_VALUE, "version: 0, must be >= 1");
	expect_refused("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.4\"}",
		       MEDFW_ERR_FIELD_MISSING, "version: required field missing");
	expect_refused(CDX16 "\"metadata\":{\"component\":{\"type\":\"device\",\"name\":\"d\","
			     "\"hashes\":[{\"alg\":\"SHA-1\",\"content\":1}]}}}",
		       MEDFW_ERR_FIELD_TYPE, "metadata.component.hashes[0].content: must be a string");
	/* unknown fields: refused in objects the schema closes, ignored elsewhere */
	expect_refused(CDX16 "\"components\":[{\"type\":\"library\",\"name\":\"a\",\"x-extra\":1}]}",
		       MEDFW_ERR_FIELD_VALUE,
		       "components[0]: unknown field \"x-extra\" (a CycloneDX 1.6 component has no "
		       "such field)");
	expect_refused(CDX16 "\"extension\":{}}", MEDFW_ERR_FIELD_VALUE,
		       "(document): unknown field \"extension\"");
	sbom = parse_text(CDX16 "\"components\":[{\"type\":\"library\",\"name\":\"a\","
				"\"properties\":[{\"name\":\"End-of-Support\",\"value\":\"2030\","
				"\"vendor-extra\":true}],\"externalReferences\":[{\"type\":\"vcs\","
				"\"url\":\"x\",\"whatever\":1}]}],\"vulnerabilities\":[{\"id\":"
				"\"CVE-2024-1\",\"unknown\":[]}]}");
	assert_int_equal(sbom->component_count, 1);
	medfw_sbom_free(sbom);
	/* version-specific: 1.5/1.6 types and fields are unknown in 1.4 */
	expect_refused(CDX14 "\"components\":[{\"type\":\"platform\",\"name\":\"a\"}]}",
		       MEDFW_ERR_FIELD_VALUE, "\"platform\" is not a CycloneDX 1.4 component type");
	expect_refused(CDX14 "\"components\":[{\"type\":\"library\",\"name\":\"a\",\"authors\":[]}]}",
		       MEDFW_ERR_FIELD_VALUE, "unknown field \"authors\"");
	medfw_sbom_free(parse_text(CDX16 "\"components\":[{\"type\":\"cryptographic-asset\","
					 "\"name\":\"a\"}]}"));
	/* strings: size and character set */
	big = malloc(MEDFW_SBOM_ID_MAX + 200);
	assert_non_null(big);
	memset(big, 0, MEDFW_SBOM_ID_MAX + 200);
	medfw_buf_init(&doc, 1u << 20);
	memset(big, 'n', MEDFW_SBOM_NAME_MAX + 1);
	assert_int_equal(medfw_buf_printf(&doc, CDX16 "\"components\":[{\"type\":\"library\","
						       "\"name\":\"%s\"}]}",
					  big),
			 MEDFW_OK);
	expect_refused((const char *)doc.data, MEDFW_ERR_TOO_LARGE,
		       "components[0].name: 1025 bytes, at most 1024 allowed");
	medfw_buf_reset(&doc);
	memset(big, 0, MEDFW_SBOM_ID_MAX + 200);
	memcpy(big, "pkg:generic/", 12);
	memset(big + 12, 'a', MEDFW_SBOM_ID_MAX - 11);
	assert_int_equal(medfw_buf_printf(&doc, CDX16 "\"components\":[{\"type\":\"library\","
						       "\"name\":\"a\",\"purl\":\"%s\"}]}",
					  big),
			 MEDFW_OK);
	expect_refused((const char *)doc.data, MEDFW_ERR_TOO_LARGE,
		       "components[0].purl: 4097 bytes, at most 4096 allowed");
	medfw_buf_free(&doc);
	free(big);
	expect_refused(CDX16 "\"components\":[{\"type\":\"library\",\"name\":\"a\",\"purl\":"
			     "\"pkg:generic/a b\"}]}",
		       MEDFW_ERR_FIELD_VALUE, "components[0].purl: byte 14 is 0x20");
	expect_refused(CDX16 "\"components\":[{\"type\":\"library\",\"name\":\"a\",\"cpe\":\"\"}]}",
		       MEDFW_ERR_FIELD_VALUE, "components[0].cpe: is empty");
	expect_refused(CDX16 "\"components\":[{\"type\":\"library\",\"name\":\"a\",\"cpe\":"
			     "\"cpe:2.3:a:\\u00e9:x\"}]}",
		       MEDFW_ERR_FIELD_VALUE, "components[0].cpe: byte 11 is 0xc3");
	expect_refused(CDX16 "\"components\":[{\"type\":\"library\",\"name\":\"a\\u001b[31m\"}]}",
		       MEDFW_ERR_FIELD_VALUE, "components[0].name: control character U+001B");
	expect_refused(CDX16 "\"components\":[{\"type\":\"library\",\"name\":\"a\",\"version\":"
			     "\"1.0\\u202e\"}]}",
		       MEDFW_ERR_FIELD_VALUE, "components[0].version: control character U+202E");
	expect_refused(CDX16 "\"components\":[{\"type\":\"library\",\"name\":\"a\\u0000b\"}]}",
		       MEDFW_ERR_JSON_SYNTAX, NULL);
	/* duplicate refs, including nested ones and the product */
	expect_refused(CDX16 "\"metadata\":{\"component\":{\"type\":\"device\",\"name\":\"d\","
			     "\"bom-ref\":\"r\"}},\"components\":[{\"type\":\"library\",\"name\":"
			     "\"a\",\"components\":[{\"type\":\"library\",\"name\":\"b\",\"bom-ref\":"
			     "\"r\"}]}]}",
		       MEDFW_ERR_FIELD_VALUE,
		       "components[0].components[0].bom-ref: \"r\" is already used at "
		       "metadata.component.bom-ref");
	expect_refused(CDX16 "\"components\":[{\"type\":\"library\",\"name\":\"a\",\"bom-ref\":"
			     "\"medfw-generated:1\"},{\"type\":\"library\",\"name\":\"b\"}]}",
		       MEDFW_ERR_FIELD_VALUE, "\"medfw-generated:1\" is already used");
	/* arguments */
	{
		struct medfw_diag d;

		medfw_diag_clear(&d);
		assert_int_equal(medfw_sbom_parse((const uint8_t *)valid, strlen(valid), NULL, NULL,
						  &d),
				 MEDFW_ERR_INVALID_ARG);
		sbom = (struct medfw_sbom *)(uintptr_t)1;
		assert_int_equal(medfw_sbom_parse(NULL, 5, NULL, &sbom, NULL),
				 MEDFW_ERR_INVALID_ARG);
		assert_null(sbom);
	}
	medfw_sbom_free(NULL);
}

/* Export for a device: the device is metadata.component, the release's product a
 * component the device depends on; options replace serial, version and timestamp.
 * Bad options and bad hand-filled models are refused, leaving the output as it was. */
static void test_export_device_and_checks(void **state)
{
	struct medfw_sbom *sbom = parse_file("cyclonedx/medical-device/narrow.sbom.json"), *again;
	struct medfw_sbom_component device;
	struct medfw_sbom_export_opts opts;
	struct medfw_buf out;
	struct medfw_diag d;
	char *saved;
	size_t product;
	static char dev_ref[] = "device:pump-0042", dev_name[] = "Infusion pump",
		    dev_version[] = "rev C", dev_supplier[] = "Acme Medical",
		    bad_purl[] = "pkg:generic/a\tb";

	(void)state;
	memset(&device, 0, sizeof(device));
	device.ref = dev_ref;
	device.name = dev_name;
	device.version = dev_version;
	device.type = MEDFW_SBOM_TYPE_DEVICE;
	device.supplier = dev_supplier;
	device.parent = MEDFW_SBOM_NONE;
	memset(&opts, 0, sizeof(opts));
	opts.device = &device;
	opts.serial_number = "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79";
	opts.version = 7;
	opts.timestamp = "2025-01-02T03:04:05Z";
	export(sbom, &opts, &out);
	again = parse_text((const char *)out.data);
	assert_string_equal(again->components[again->product].ref, "device:pump-0042");
	assert_string_equal(again->components[again->product].supplier, "Acme Medical");
	assert_int_equal(again->component_count, sbom->component_count + 1);
	product = medfw_sbom_find(again, sbom->components[sbom->product].ref);
	assert_true(product != MEDFW_SBOM_NONE);
	assert_null(again->components[product].parent_ref);
	assert_string_equal(deps_of(again, "device:pump-0042")->depends_on[0],
			    sbom->components[sbom->product].ref);
	assert_string_equal(again->serial_number, opts.serial_number);
	assert_int_equal(again->version, 7);
	assert_string_equal(again->timestamp, "2025-01-02T03:04:05Z");
	medfw_sbom_free(again);

	/* refusals leave the output unchanged */
	medfw_buf_reset(&out);
	assert_int_equal(medfw_buf_append_str(&out, "keep"), MEDFW_OK);
	medfw_diag_clear(&d);
	device.ref = sbom->components[3].ref;
	assert_int_equal(medfw_sbom_export_cyclonedx(sbom, &opts, &out, &d), MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(d.msg, "device.bom-ref is already a ref"));
	device.ref = dev_ref;
	device.type = MEDFW_SBOM_TYPE_FIRMWARE;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_sbom_export_cyclonedx(sbom, &opts, &out, &d),
			 MEDFW_ERR_INVALID_ARG);
	device.type = MEDFW_SBOM_TYPE_DEVICE;
	opts.serial_number = "urn:uuid:3E671687-395B-41F5-A30F-A58921A69B79";
	medfw_diag_clear(&d);
	assert_int_equal(medfw_sbom_export_cyclonedx(sbom, &opts, &out, &d), MEDFW_ERR_FIELD_VALUE);
	opts.serial_number = NULL;
	opts.timestamp = "2025-01-02";
	medfw_diag_clear(&d);
	assert_int_equal(medfw_sbom_export_cyclonedx(sbom, &opts, &out, &d), MEDFW_ERR_FIELD_VALUE);
	/* a hand-filled model with a bad hash */
	saved = sbom->components[2].purl;
	sbom->components[2].purl = bad_purl;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_sbom_export_cyclonedx(sbom, NULL, &out, &d), MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(d.msg, "components[2].purl"));
	sbom->components[2].purl = saved;
	assert_int_equal(out.len, 4);
	assert_string_equal((const char *)out.data, "keep");
	/* output limit */
	medfw_buf_free(&out);
	medfw_buf_init(&out, 100);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_sbom_export_cyclonedx(sbom, NULL, &out, &d), MEDFW_ERR_TOO_LARGE);
	assert_int_equal(out.len, 0);
	medfw_buf_free(&out);
	medfw_sbom_free(sbom);

	sbom = parse_file("cyclonedx/spec-conformance/1.6/valid-component-hashes-1.6.json");
	sbom->components[0].hashes[0].hex[0] = 'A'; /* hand-edited: not lowercase */
	medfw_buf_init(&out, 1u << 20);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_sbom_export_cyclonedx(sbom, NULL, &out, &d), MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(d.msg, "components[0].hashes[0].content"));
	medfw_buf_free(&out);
	medfw_sbom_free(sbom);
}

/* RFC 3339 timestamps: what the schema's date-time accepts, nothing else. */
static void test_timestamps(void **state)
{
	static const char *const good[] = {
		"2024-02-29T23:59:60Z", "2025-07-23T20:52:41.344402+00:00", "2020-04-13t20:20:39z",
		"1999-12-31T00:00:00-12:30",
	};
	static const char *const bad[] = {
		"2020-04-13", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-01-01T24:00:00Z",
		"2024-01-01T00:00:00", "2024-01-01T00:00:00+0", "2024-01-01T00:00:00+01:0",
		"2024-01-01T00:00:00+01:000", "2024-01-01 00:00:00Z", "2024-01-01T00:00:00.Z",
		"2024-01-01T00:00:00+24:00", "",
	};
	char doc[256];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct medfw_sbom *sbom;

		snprintf(doc, sizeof(doc), CDX16 "\"metadata\":{\"timestamp\":\"%s\"}}", good[i]);
		sbom = parse_text(doc);
		assert_string_equal(sbom->timestamp, good[i]);
		medfw_sbom_free(sbom);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(doc, sizeof(doc), CDX16 "\"metadata\":{\"timestamp\":\"%s\"}}", bad[i]);
		expect_refused(doc, MEDFW_ERR_FIELD_VALUE, "metadata.timestamp");
	}
}

/* A model the server fills in itself (no parser, no ref index) exports, and the export
 * parses back to it. */
static void test_export_hand_built(void **state)
{
	static char fw_ref[] = "fw", fw_name[] = "pump-fw", fw_version[] = "4.2.1",
		    lib_ref[] = "zlib", lib_name[] = "zlib", lib_version[] = "1.2.11",
		    lib_purl[] = "pkg:generic/zlib@1.2.11",
		    lib_cpe[] = "cpe:2.3:a:zlib:zlib:1.2.11:*:*:*:*:*:*:*",
		    hex[] = "f498a8ff2dd007e29c2074f5e4b01a9a01775c3ff3aeaf6906ea503bc5791b7b",
		    ts[] = "2025-01-02T03:04:05Z";
	char *cpes[] = {lib_cpe};
	struct medfw_sbom_hash hashes[] = {{MEDFW_SBOM_HASH_SHA256, hex}};
	const char *deps[] = {lib_ref};
	struct medfw_sbom_dependency dependency = {fw_ref, deps, 1};
	struct medfw_sbom_component comps[2];
	struct medfw_sbom model, *again;
	struct medfw_buf out;

	(void)state;
	memset(comps, 0, sizeof(comps));
	comps[0].ref = fw_ref;
	comps[0].name = fw_name;
	comps[0].version = fw_version;
	comps[0].type = MEDFW_SBOM_TYPE_FIRMWARE;
	comps[0].parent = MEDFW_SBOM_NONE;
	comps[1].ref = lib_ref;
	comps[1].parent = 0;
	comps[1].parent_ref = fw_ref;
	comps[1].name = lib_name;
	comps[1].version = lib_version;
	comps[1].type = MEDFW_SBOM_TYPE_LIBRARY;
	comps[1].purl = lib_purl;
	comps[1].cpes = cpes;
	comps[1].cpe_count = 1;
	comps[1].hashes = hashes;
	comps[1].hash_count = 1;
	memset(&model, 0, sizeof(model));
	model.format = MEDFW_SBOM_CYCLONEDX;
	model.timestamp = ts;
	model.product = 0;
	model.components = comps;
	model.component_count = 2;
	model.dependencies = &dependency;
	model.dependency_count = 1;
	assert_int_equal(medfw_sbom_find(&model, "zlib"), 1);
	export(&model, NULL, &out);
	again = parse_text((const char *)out.data);
	models_equal(&model, again, 1);
	medfw_sbom_free(again);
	medfw_buf_free(&out);

	/* a child before its parent (or a cycle) is not a tree */
	comps[1].parent = MEDFW_SBOM_NONE;
	comps[0].parent = 1;
	model.product = MEDFW_SBOM_NONE;
	{
		struct medfw_diag d;

		medfw_buf_init(&out, 1u << 20);
		medfw_diag_clear(&d);
		assert_int_equal(medfw_sbom_export_cyclonedx(&model, NULL, &out, &d),
				 MEDFW_ERR_INVALID_ARG);
		assert_non_null(strstr(d.msg, "does not come before it"));
		assert_int_equal(out.len, 0);
		medfw_buf_free(&out);
	}
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(medfw_sbom_type_name(MEDFW_SBOM_TYPE_OPERATING_SYSTEM),
			    "operating-system");
	assert_string_equal(medfw_sbom_type_name((enum medfw_sbom_type)99), "unknown");
	assert_string_equal(medfw_sbom_hash_alg_name(MEDFW_SBOM_HASH_SHA3_384), "SHA3-384");
	assert_int_equal(medfw_sbom_hash_hex_len(MEDFW_SBOM_HASH_SHA384), 96);
	assert_int_equal(medfw_sbom_hash_hex_len((enum medfw_sbom_hash_alg)99), 0);
	assert_string_equal(medfw_sbom_format_name(MEDFW_SBOM_SPDX), "SPDX");
	assert_string_equal(medfw_sbom_scope_name(MEDFW_SBOM_SCOPE_EXCLUDED), "excluded");
	assert_string_equal(medfw_sbom_patch_type_name(MEDFW_SBOM_PATCH_CHERRY_PICK),
			    "cherry-pick");
	assert_string_equal(medfw_sbom_issue_type_name(MEDFW_SBOM_ISSUE_SECURITY), "security");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cyclonedx_files_parse),
		cmocka_unit_test(test_spdx_files_parse),
		cmocka_unit_test(test_other_versions_refused),
		cmocka_unit_test(test_spec_conformance_invalid_refused),
		cmocka_unit_test(test_medical_device_sbom),
		cmocka_unit_test(test_hashes),
		cmocka_unit_test(test_pedigree),
		cmocka_unit_test(test_spdx_example),
		cmocka_unit_test(test_spdx_relationships),
		cmocka_unit_test(test_spdx_nesting_bounded),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_cyclonedx_shapes),
		cmocka_unit_test(test_bounds_and_bad_input),
		cmocka_unit_test(test_export_device_and_checks),
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_export_hand_built),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
