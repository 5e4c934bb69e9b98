/* The SBOM model -> CycloneDX 1.6 JSON.
 *
 * Written directly into the caller's bounded buffer (no JSON tree: an export of
 * 100,000 components stays small in memory). Deterministic: object keys are written
 * in sorted (byte) order, components in model order nested under their parents,
 * dependencies in model order (sorted by ref), no whitespace. */
#include "vuln/sbom_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCHEMA_URL "http://cyclonedx.org/schema/bom-1.6.schema.json"
#define WRITER_DEPTH (2u * MEDFW_SBOM_DEPTH_CEILING + 32u)

struct writer {
	struct medfw_buf *out;
	enum medfw_err err;
	unsigned depth;
	unsigned char is_array[WRITER_DEPTH];
	size_t count[WRITER_DEPTH];
};

static void raw(struct writer *w, const char *s, size_t len)
{
	if (w->err == MEDFW_OK)
		w->err = medfw_buf_append(w->out, s, len);
}

/* Comma before a value inside an array. */
static void value_sep(struct writer *w)
{
	if (w->depth > 0 && w->is_array[w->depth - 1] && w->count[w->depth - 1]++ > 0)
		raw(w, ",", 1);
}

static void begin(struct writer *w, int array)
{
	value_sep(w);
	if (w->depth >= WRITER_DEPTH) {
		if (w->err == MEDFW_OK)
			w->err = MEDFW_ERR_TOO_DEEP;
		return;
	}
	raw(w, array ? "[" : "{", 1);
	w->is_array[w->depth] = (unsigned char)array;
	w->count[w->depth] = 0;
	w->depth++;
}

static void end(struct writer *w)
{
	if (w->depth == 0)
		return;
	w->depth--;
	raw(w, w->is_array[w->depth] ? "]" : "}", 1);
}

static void string(struct writer *w, const char *s)
{
	static const char hexd[] = "0123456789abcdef";
	size_t start = 0, i;

	raw(w, "\"", 1);
	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		raw(w, s + start, i - start);
		start = i + 1;
		esc[0] = '\\';
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			raw(w, esc, 2);
		} else if (c == '\n' || c == '\t' || c == '\r') {
			esc[1] = c == '\n' ? 'n' : (c == '\t' ? 't' : 'r');
			raw(w, esc, 2);
		} else {
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hexd[c >> 4];
			esc[5] = hexd[c & 15];
			raw(w, esc, 6);
		}
	}
	raw(w, s + start, i - start);
	raw(w, "\"", 1);
}

static void key(struct writer *w, const char *k)
{
	if (w->depth > 0 && w->count[w->depth - 1]++ > 0)
		raw(w, ",", 1);
	string(w, k);
	raw(w, ":", 1);
}

static void value_str(struct writer *w, const char *s)
{
	value_sep(w);
	string(w, s);
}

/* "k": "v" when v is not NULL. */
static void kv(struct writer *w, const char *k, const char *v)
{
	if (v == NULL)
		return;
	key(w, k);
	string(w, v);
}

/* ------------------------------------------------------------------ components */

struct exporter {
	struct writer w;
	const struct medfw_sbom *sbom;
	const struct medfw_sbom_export_opts *opts;
	size_t *first_child, *next_sibling; /* the tree, from parent indices */
};

static void write_identity(struct writer *w, const struct medfw_sbom_identity *id)
{
	begin(w, 0);
	kv(w, "bom-ref", id->ref);
	kv(w, "cpe", id->cpe);
	kv(w, "group", id->group);
	kv(w, "name", id->name);
	kv(w, "purl", id->purl);
	kv(w, "type", medfw_sbom_type_name(id->type));
	kv(w, "version", id->version);
	end(w);
}

static void write_identities(struct writer *w, const char *k,
			     const struct medfw_sbom_identity *ids, size_t n)
{
	if (n == 0)
		return;
	key(w, k);
	begin(w, 1);
	for (size_t i = 0; i < n; i++)
		write_identity(w, &ids[i]);
	end(w);
}

static void write_pedigree(struct writer *w, const struct medfw_sbom_pedigree *pd)
{
	size_t i, r;

	key(w, "pedigree");
	begin(w, 0);
	write_identities(w, "ancestors", pd->ancestors, pd->ancestor_count);
	if (pd->commit_count > 0) {
		key(w, "commits");
		begin(w, 1);
		for (i = 0; i < pd->commit_count; i++) {
			begin(w, 0);
			kv(w, "uid", pd->commits[i].uid);
			kv(w, "url", pd->commits[i].url);
			end(w);
		}
		end(w);
	}
	write_identities(w, "descendants", pd->descendants, pd->descendant_count);
	if (pd->patch_count > 0) {
		key(w, "patches");
		begin(w, 1);
		for (i = 0; i < pd->patch_count; i++) {
			const struct medfw_sbom_patch *pt = &pd->patches[i];

			begin(w, 0);
			if (pt->diff_url != NULL) {
				key(w, "diff");
				begin(w, 0);
				kv(w, "url", pt->diff_url);
				end(w);
			}
			if (pt->resolves_count > 0) {
				key(w, "resolves");
				begin(w, 1);
				for (r = 0; r < pt->resolves_count; r++) {
					const struct medfw_sbom_issue *is = &pt->resolves[r];

					begin(w, 0);
					kv(w, "id", is->id);
					kv(w, "name", is->name);
					if (is->source_name != NULL || is->source_url != NULL) {
						key(w, "source");
						begin(w, 0);
						kv(w, "name", is->source_name);
						kv(w, "url", is->source_url);
						end(w);
					}
					kv(w, "type", medfw_sbom_issue_type_name(is->type));
					end(w);
				}
				end(w);
			}
			kv(w, "type", medfw_sbom_patch_type_name(pt->type));
			end(w);
		}
		end(w);
	}
	write_identities(w, "variants", pd->variants, pd->variant_count);
	end(w);
}

/* One component and its subtree. index MEDFW_SBOM_NONE: `c` is not in the model (the
 * device) and has no children. */
static void write_component(struct exporter *e, const struct medfw_sbom_component *c,
			    size_t index, int force_ref)
{
	struct writer *w = &e->w;
	size_t i;

	begin(w, 0);
	kv(w, "author", c->author);
	if (!c->ref_generated || force_ref)
		kv(w, "bom-ref", c->ref);
	if (index != MEDFW_SBOM_NONE && e->first_child[index] != MEDFW_SBOM_NONE) {
		key(w, "components");
		begin(w, 1);
		for (i = e->first_child[index]; i != MEDFW_SBOM_NONE; i = e->next_sibling[i])
			write_component(e, &e->sbom->components[i], i, 0);
		end(w);
	}
	if (c->cpe_count > 0)
		kv(w, "cpe", c->cpes[0]);
	if (c->cpe_count > 1) {
		/* CycloneDX has one cpe field: further CPEs are identity evidence */
		key(w, "evidence");
		begin(w, 0);
		key(w, "identity");
		begin(w, 1);
		for (i = 1; i < c->cpe_count; i++) {
			begin(w, 0);
			kv(w, "concludedValue", c->cpes[i]);
			kv(w, "field", "cpe");
			end(w);
		}
		end(w);
		end(w);
	}
	kv(w, "group", c->group);
	if (c->hash_count > 0) {
		key(w, "hashes");
		begin(w, 1);
		for (i = 0; i < c->hash_count; i++) {
			begin(w, 0);
			kv(w, "alg", medfw_sbom_hash_alg_name(c->hashes[i].alg));
			kv(w, "content", c->hashes[i].hex);
			end(w);
		}
		end(w);
	}
	if (c->license_count > 0) {
		key(w, "licenses");
		begin(w, 1);
		if (c->license_count == 1 && c->licenses[0].kind == MEDFW_SBOM_LICENSE_EXPRESSION) {
			begin(w, 0);
			kv(w, "expression", c->licenses[0].value);
			end(w);
		} else {
			/* 1.6 allows one expression or a list of licenses: in a list (a
			 * CycloneDX 1.4 mix), an expression is written as a licence name */
			for (i = 0; i < c->license_count; i++) {
				begin(w, 0);
				key(w, "license");
				begin(w, 0);
				kv(w, c->licenses[i].kind == MEDFW_SBOM_LICENSE_ID ? "id" : "name",
				   c->licenses[i].value);
				end(w);
				end(w);
			}
		}
		end(w);
	}
	kv(w, "name", c->name);
	if (c->pedigree != NULL)
		write_pedigree(w, c->pedigree);
	kv(w, "publisher", c->publisher);
	kv(w, "purl", c->purl);
	if (c->scope != MEDFW_SBOM_SCOPE_UNSPECIFIED)
		kv(w, "scope", medfw_sbom_scope_name(c->scope));
	if (c->supplier != NULL) {
		key(w, "supplier");
		begin(w, 0);
		kv(w, "name", c->supplier);
		end(w);
	}
	kv(w, "type", medfw_sbom_type_name(c->type));
	kv(w, "version", c->version);
	end(w);
}

static void write_dependency(struct writer *w, const char *ref, const char *const *deps,
			     size_t n)
{
	begin(w, 0);
	if (n > 0) {
		key(w, "dependsOn");
		begin(w, 1);
		for (size_t i = 0; i < n; i++)
			value_str(w, deps[i]);
		end(w);
	}
	kv(w, "ref", ref);
	end(w);
}

static void write_bom(struct exporter *e)
{
	const struct medfw_sbom *sbom = e->sbom;
	const struct medfw_sbom_export_opts *o = e->opts;
	const struct medfw_sbom_component *device = o != NULL ? o->device : NULL;
	const char *serial = o != NULL && o->serial_number != NULL ? o->serial_number
								  : sbom->serial_number;
	const char *timestamp = o != NULL && o->timestamp != NULL ? o->timestamp : sbom->timestamp;
	int64_t version = o != NULL && o->version > 0 ? o->version : sbom->version;
	const char *product_ref = sbom->product != MEDFW_SBOM_NONE
					  ? sbom->components[sbom->product].ref
					  : NULL;
	struct writer *w = &e->w;
	size_t i, roots = 0;
	int device_written = 0;
	char num[32];

	begin(w, 0);
	kv(w, "$schema", SCHEMA_URL);
	kv(w, "bomFormat", "CycloneDX");
	for (i = 0; i < sbom->component_count; i++)
		if (sbom->components[i].parent == MEDFW_SBOM_NONE &&
		    (i != sbom->product || device != NULL))
			roots++;
	if (roots > 0) {
		key(w, "components");
		begin(w, 1);
		/* for a device, the release's product comes first */
		if (device != NULL && sbom->product != MEDFW_SBOM_NONE)
			write_component(e, &sbom->components[sbom->product], sbom->product, 1);
		for (i = 0; i < sbom->component_count; i++)
			if (sbom->components[i].parent == MEDFW_SBOM_NONE && i != sbom->product)
				write_component(e, &sbom->components[i], i, 0);
		end(w);
	}
	if (sbom->dependency_count > 0 || (device != NULL && product_ref != NULL)) {
		key(w, "dependencies");
		begin(w, 1);
		for (i = 0; i <= sbom->dependency_count; i++) {
			const struct medfw_sbom_dependency *d =
				i < sbom->dependency_count ? &sbom->dependencies[i] : NULL;

			if (device != NULL && product_ref != NULL && !device_written &&
			    (d == NULL || strcmp(device->ref, d->ref) < 0)) {
				write_dependency(w, device->ref, &product_ref, 1);
				device_written = 1;
			}
			if (d != NULL)
				write_dependency(w, d->ref, d->depends_on, d->depends_on_count);
		}
		end(w);
	}
	if (device != NULL || sbom->product != MEDFW_SBOM_NONE || sbom->supplier != NULL ||
	    timestamp != NULL) {
		key(w, "metadata");
		begin(w, 0);
		if (device != NULL) {
			key(w, "component");
			write_component(e, device, MEDFW_SBOM_NONE, 1);
		} else if (sbom->product != MEDFW_SBOM_NONE) {
			key(w, "component");
			write_component(e, &sbom->components[sbom->product], sbom->product, 0);
		}
		if (sbom->supplier != NULL) {
			key(w, "supplier");
			begin(w, 0);
			kv(w, "name", sbom->supplier);
			end(w);
		}
		kv(w, "timestamp", timestamp);
		end(w);
	}
	kv(w, "serialNumber", serial);
	kv(w, "specVersion", "1.6");
	if (version > 0) {
		key(w, "version");
		snprintf(num, sizeof(num), "%" PRId64, version);
		raw(w, num, strlen(num));
	}
	end(w);
	raw(w, "\n", 1);
}

/* ------------------------------------------------------------------ checks */

static int ptr_strcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The model must be what the parser produces: checked components, parents before
 * children (so the tree is acyclic) within MEDFW_SBOM_DEPTH_CEILING, unique refs,
 * dependencies between known refs. */
static enum medfw_err check_model(const struct medfw_sbom *sbom, size_t *depth,
				  const char **refs, struct medfw_diag *diag)
{
	char what[48];
	size_t i, j, nrefs = 0;
	enum medfw_err err;

	if (sbom->product != MEDFW_SBOM_NONE &&
	    (sbom->product >= sbom->component_count ||
	     sbom->components[sbom->product].parent != MEDFW_SBOM_NONE))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "SBOM export: the product is not a top-level component");
	if (sbom->serial_number != NULL && !medfwi_sbom_valid_serial(sbom->serial_number))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "SBOM export: serial number is not urn:uuid:<uuid>");
	if (sbom->timestamp != NULL && !medfwi_sbom_valid_timestamp(sbom->timestamp))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "SBOM export: timestamp is not RFC 3339");
	if (sbom->supplier != NULL &&
	    (err = medfwi_sbom_check_str(sbom->supplier, strlen(sbom->supplier), MEDFWI_STR_NAME,
					 "metadata.supplier.name", diag)) != MEDFW_OK)
		return err;
	for (i = 0; i < sbom->component_count; i++) {
		const struct medfw_sbom_component *c = &sbom->components[i];

		snprintf(what, sizeof(what), "components[%zu]", i);
		if (c->parent != MEDFW_SBOM_NONE && c->parent >= i)
			return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
					      "SBOM export: %s: parent %zu does not come before it",
					      what, c->parent);
		depth[i] = c->parent == MEDFW_SBOM_NONE ? 0 : depth[c->parent] + 1;
		if (depth[i] > MEDFW_SBOM_DEPTH_CEILING)
			return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
					      "SBOM export: %s: nested deeper than %u", what,
					      MEDFW_SBOM_DEPTH_CEILING);
		err = medfwi_sbom_check_component(c, what, diag);
		if (err != MEDFW_OK)
			return err;
		if (!c->ref_generated)
			refs[nrefs++] = c->ref;
	}
	if (nrefs > 1)
		qsort(refs, nrefs, sizeof(refs[0]), ptr_strcmp);
	for (i = 1; i < nrefs; i++)
		if (strcmp(refs[i - 1], refs[i]) == 0)
			return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
					      "SBOM export: two components have the ref \"%s\"",
					      refs[i]);
	for (i = 0; i < sbom->dependency_count; i++) {
		const struct medfw_sbom_dependency *d = &sbom->dependencies[i];

		if (d->ref == NULL || medfw_sbom_find(sbom, d->ref) == MEDFW_SBOM_NONE ||
		    (i > 0 && strcmp(sbom->dependencies[i - 1].ref, d->ref) >= 0))
			return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
					      "SBOM export: dependencies[%zu]: ref unknown or out "
					      "of order",
					      i);
		for (j = 0; j < d->depends_on_count; j++)
			if (d->depends_on[j] == NULL ||
			    medfw_sbom_find(sbom, d->depends_on[j]) == MEDFW_SBOM_NONE)
				return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
						      "SBOM export: dependencies[%zu].dependsOn[%zu]: "
						      "unknown ref",
						      i, j);
	}
	return MEDFW_OK;
}

static enum medfw_err check_opts(const struct medfw_sbom *sbom,
				 const struct medfw_sbom_export_opts *o, struct medfw_diag *diag)
{
	enum medfw_err err;

	if (o == NULL)
		return MEDFW_OK;
	if (o->serial_number != NULL && !medfwi_sbom_valid_serial(o->serial_number))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "SBOM export: serial_number is not urn:uuid: and a lowercase "
				      "UUID");
	if (o->timestamp != NULL && !medfwi_sbom_valid_timestamp(o->timestamp))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "SBOM export: timestamp is not an RFC 3339 date-time");
	if (o->version < 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "SBOM export: version %" PRId64 " is negative", o->version);
	if (o->device == NULL)
		return MEDFW_OK;
	if (o->device->type != MEDFW_SBOM_TYPE_DEVICE)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "SBOM export: device: type is %s, not device",
				      medfw_sbom_type_name(o->device->type));
	err = medfwi_sbom_check_component(o->device, "device", diag);
	if (err != MEDFW_OK)
		return err;
	if (medfwi_sbom_ref_find(sbom, o->device->ref) != NULL ||
	    medfw_sbom_find(sbom, o->device->ref) != MEDFW_SBOM_NONE)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "SBOM export: device.bom-ref is already a ref in the SBOM");
	return MEDFW_OK;
}

enum medfw_err medfw_sbom_export_cyclonedx(const struct medfw_sbom *sbom,
					   const struct medfw_sbom_export_opts *opts,
					   struct medfw_buf *out, struct medfw_diag *diag)
{
	struct exporter *e = NULL;
	size_t n, i, *last = NULL, *depth = NULL, original;
	const char **refs = NULL;
	enum medfw_err err;

	if (sbom == NULL || out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "SBOM export: no %s",
				      sbom == NULL ? "model" : "output");
	if (sbom->component_count > 0 && sbom->components == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "SBOM export: components missing");
	original = out->len;
	n = sbom->component_count;
	e = calloc(1, sizeof(*e));
	if (n > 0) {
		depth = malloc(n * sizeof(size_t));
		refs = malloc(n * sizeof(*refs));
		last = malloc(n * sizeof(size_t));
		if (e != NULL) {
			e->first_child = malloc(n * sizeof(size_t));
			e->next_sibling = malloc(n * sizeof(size_t));
		}
	}
	if (e == NULL || (n > 0 && (depth == NULL || refs == NULL || last == NULL ||
				    e->first_child == NULL || e->next_sibling == NULL))) {
		err = medfw_diag_set(diag, MEDFW_ERR_NOMEM, "SBOM export: out of memory");
		goto out;
	}
	err = check_model(sbom, depth, refs, diag);
	if (err == MEDFW_OK)
		err = check_opts(sbom, opts, diag);
	if (err != MEDFW_OK)
		goto out;
	for (i = 0; i < n; i++)
		e->first_child[i] = e->next_sibling[i] = last[i] = MEDFW_SBOM_NONE;
	for (i = 0; i < n; i++) {
		size_t p = sbom->components[i].parent;

		if (p == MEDFW_SBOM_NONE)
			continue;
		if (e->first_child[p] == MEDFW_SBOM_NONE)
			e->first_child[p] = i;
		else
			e->next_sibling[last[p]] = i;
		last[p] = i;
	}
	e->sbom = sbom;
	e->opts = opts;
	e->w.out = out;
	write_bom(e);
	err = e->w.err;
	if (err == MEDFW_ERR_TOO_LARGE)
		medfw_diag_set(diag, err, "SBOM export: more than the output limit of %zu bytes",
			       out->max);
	else if (err != MEDFW_OK)
		medfw_diag_set(diag, err, "SBOM export: %s", medfw_strerror(err));
out:
	if (err != MEDFW_OK && out->len > original) {
		out->len = original;
		if (out->data != NULL)
			out->data[original] = 0;
	}
	if (e != NULL) {
		free(e->first_child);
		free(e->next_sibling);
	}
	free(e);
	free(depth);
	free(refs);
	free(last);
	return err;
}
