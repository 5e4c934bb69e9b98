/* libFuzzer target: the VEX parsers (CycloneDX VEX, CSAF VEX), and the other inputs of
 * medfw vuln match that are read from files: the product-mapping table and feed files
 * (format detection).
 *
 * A rejected document returns nothing and a message. An accepted VEX document has only
 * statements with a vulnerability id, a status, a JSON path and a subject (a ref for
 * CycloneDX, a defined product for CSAF), version entries with exactly one of version
 * and range, and no not_affected statement without a justification or an impact
 * statement; every statement is then applied to the components of a fixed SBOM and
 * ordered against the others without crashing, and a statement that applies gives its
 * own status or under_investigation. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/sbom.h"
#include "medfw/vex.h"
#include "medfw/vuln_feed.h"
#include "medfw/vuln_matcher.h"

#define FUZZ_MAX_INPUT (256u * 1024u)

static const char sbom_json[] =
	"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"version\":1,"
	"\"serialNumber\":\"urn:uuid:cbb2cd68-2857-43b8-a10b-e8c03d277d18\","
	"\"metadata\":{\"component\":{\"type\":\"firmware\",\"bom-ref\":\"product-ABC\","
	"\"name\":\"ABC\",\"version\":\"4.2\"}},\"components\":["
	"{\"type\":\"library\",\"bom-ref\":\"openssl\",\"name\":\"openssl\",\"version\":\"1.1.1i\","
	"\"purl\":\"pkg:generic/openssl@1.1.1i\","
	"\"cpe\":\"cpe:2.3:a:openssl:openssl:1.1.1i:*:*:*:*:*:*:*\"},"
	"{\"type\":\"library\",\"bom-ref\":\"pkg:npm/left-pad@1.3.0\",\"name\":\"left-pad\","
	"\"version\":\"1.3.0\",\"purl\":\"pkg:npm/left-pad@1.3.0\"},"
	"{\"type\":\"device\",\"bom-ref\":\"hw\",\"name\":\"XYZ\"}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_vex(const struct medfw_vex_doc *v, const struct medfw_sbom *sbom)
{
	struct medfw_vuln_component view;
	enum medfw_vex_status st;
	char why[MEDFW_VULN_EVIDENCE_MAX];
	size_t i, k, c;

	for (i = 0; i < v->statement_count; i++) {
		const struct medfw_vex_statement *s = &v->statements[i];

		if (s->vuln_id == NULL || s->json_path == NULL || s->status < MEDFW_VEX_AFFECTED ||
		    s->status > MEDFW_VEX_UNDER_INVESTIGATION || !medfw_vex_names(s, s->vuln_id))
			abort();
		if (v->format == MEDFW_VEX_CYCLONEDX && s->ref == NULL)
			abort();
		if (v->format == MEDFW_VEX_CSAF && (s->product == NULL || s->product_id == NULL))
			abort();
		if (s->status == MEDFW_VEX_NOT_AFFECTED && s->justification == NULL &&
		    s->detail == NULL)
			abort();
		for (k = 0; k < s->version_count; k++)
			if ((s->versions[k].version == NULL) == (s->versions[k].range == NULL))
				abort();
		for (c = 0; c < sbom->component_count; c++) {
			const struct medfw_sbom_component *comp = &sbom->components[c];

			memset(&view, 0, sizeof(view));
			view.name = comp->name;
			view.version = comp->version;
			view.purl = comp->purl;
			view.cpes = (const char *const *)comp->cpes;
			view.cpe_count = comp->cpe_count;
			if (medfw_vex_applies(v, s, sbom, comp, &view, NULL, 0, &st, why, sizeof(why),
					      NULL) != MEDFW_OK)
				abort();
			if (st != MEDFW_VEX_STATUS_NONE && st != s->status &&
			    st != MEDFW_VEX_UNDER_INVESTIGATION)
				abort();
		}
		if (i > 0 && medfw_vex_precedes(s, s->status, 1, &v->statements[i - 1],
						v->statements[i - 1].status, 1) &&
		    medfw_vex_precedes(&v->statements[i - 1], v->statements[i - 1].status, 1, s,
				       s->status, 1))
			abort(); /* precedence is antisymmetric */
	}
}

/* A feed sink that keeps nothing. */
static enum medfw_err drop(void *arg, struct medfw_feed_record *rec, struct medfw_diag *diag)
{
	(void)arg;
	(void)diag;
	if (rec->id == NULL || rec->file == NULL || rec->json_path == NULL)
		abort();
	medfw_feed_record_clear(rec);
	return MEDFW_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct medfw_sbom *sbom;
	struct medfw_vex_doc *v = NULL;
	struct medfw_product_map *map = NULL;
	struct medfw_feed_sink sink = {drop, NULL, NULL};
	struct medfw_feed_stats st;
	struct medfw_diag d;
	size_t i;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (sbom == NULL && medfw_sbom_parse((const uint8_t *)sbom_json, strlen(sbom_json), NULL,
					     &sbom, NULL) != MEDFW_OK)
		abort();
	medfw_diag_clear(&d);
	if (medfw_vex_parse("fuzz.json", data, size, &v, &d) != MEDFW_OK) {
		if (v != NULL || d.msg[0] == '\0')
			abort();
	} else {
		check_vex(v, sbom);
		medfw_vex_free(v);
	}
	medfw_diag_clear(&d);
	if (medfw_product_map_parse("fuzz.json", data, size, &map, &d) != MEDFW_OK) {
		if (map != NULL || d.msg[0] == '\0')
			abort();
	} else {
		for (i = 0; i < map->entry_count; i++)
			if (map->entries[i].model == NULL || (map->entries[i].advisory_product_count == 0 &&
							      map->entries[i].csaf_product_count == 0))
				abort();
		medfw_product_map_free(map);
	}
	/* a file's problems are reported, never an error of the load */
	if (medfw_feed_load_bytes("fuzz.json", data, size, &sink, &st, NULL) != MEDFW_OK ||
	    st.files != 1)
		abort();
	return 0;
}
