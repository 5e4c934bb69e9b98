/* libFuzzer target: the server's import scanner, which cuts each record's own bytes out
 * of an uploaded feed file (src/lib/store/vuln_scan_int.h, medfw_store_vuln_import).
 *
 * The first byte chooses how the rest is used:
 *   - even: a feed file. The loader (medfw_feed_load_bytes) parses it and names the
 *     place of every record it accepts; for each one the scanner's span, when it finds
 *     one, must lie inside the file and parse as JSON equal to the value at that place
 *     in the whole file parsed (what the store falls back to when the scanner gives up).
 *     So a span the scanner gets wrong, not just one it reads out of bounds, aborts.
 *   - odd: the scanner alone on any bytes (no JSON needed), with three paths picked by
 *     the next three bytes from the loader's shapes and broken ones, one cursor for all
 *     of them as the store uses it: a span found must lie inside the bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "medfw/csaf.h"
#include "medfw/json.h"
#include "medfw/num.h"
#include "medfw/vuln_feed.h"
#include "store/vuln_scan_int.h"

#define FUZZ_MAX_INPUT (256u * 1024u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct run {
	const uint8_t *doc;
	size_t len;
	json_t *tree; /* the whole file, parsed when a span needs checking */
	struct medfwi_span_cursor cursor;
};

/* The value at a loader's record path ("[3]", "vulns[0]", "vulnerabilities[12].cve",
 * "cve") of the parsed file, or NULL. */
static const json_t *at_path(const json_t *v, const char *path)
{
	const char *p = path;

	while (v != NULL && *p != '\0') {
		if (*p == '.') {
			p++;
		} else if (*p == '[') {
			const char *end = strchr(p, ']');
			char num[24];
			uint64_t i = 0;

			if (end == NULL || end == p + 1 || (size_t)(end - p - 1) >= sizeof(num))
				return NULL;
			memcpy(num, p + 1, (size_t)(end - p - 1));
			num[end - p - 1] = '\0';
			if (medfw_parse_u64(num, 0, SIZE_MAX, &i) != MEDFW_OK)
				return NULL;
			v = json_array_get(v, (size_t)i);
			p = end + 1;
		} else {
			char key[MEDFW_FEED_JSON_PATH_MAX];
			size_t n = strcspn(p, ".[");

			if (n >= sizeof(key))
				return NULL;
			memcpy(key, p, n);
			key[n] = '\0';
			v = json_object_get(v, key);
			p += n;
		}
	}
	return v;
}

static enum medfw_err on_record(void *arg, struct medfw_feed_record *rec, struct medfw_diag *diag)
{
	struct run *r = arg;
	json_t *cut = NULL;
	size_t start = 0, end = 0;

	(void)diag;
	if (rec->json_path[0] != '\0' &&
	    medfwi_vuln_record_span(r->doc, r->len, rec->json_path, &r->cursor, &start, &end)) {
		if (start >= end || end > r->len)
			abort();
		if (r->tree == NULL &&
		    medfw_json_parse(r->doc, r->len, FUZZ_MAX_INPUT, MEDFW_CSAF_MAX_DEPTH, &r->tree,
				     NULL) != MEDFW_OK)
			abort(); /* the loader accepted a record from a file that is not JSON */
		if (medfw_json_parse(r->doc + start, end - start, end - start, MEDFW_CSAF_MAX_DEPTH,
				     &cut, NULL) != MEDFW_OK ||
		    !json_equal(cut, at_path(r->tree, rec->json_path)))
			abort(); /* the span is not the record */
		json_decref(cut);
	}
	medfw_feed_record_clear(rec);
	return MEDFW_OK;
}

static void feed_file(const uint8_t *doc, size_t len)
{
	struct medfw_feed_sink sink = {on_record, NULL, NULL};
	struct run r;

	memset(&r, 0, sizeof(r));
	r.doc = doc;
	r.len = len;
	sink.arg = &r;
	(void)medfw_feed_load_bytes("fuzz.json", doc, len, &sink, NULL, NULL);
	json_decref(r.tree);
}

static void scanner_alone(const uint8_t *sel, const uint8_t *doc, size_t len)
{
	static const char *const paths[] = {
		"[0]", "[1]", "[2]", "[7]", "vulns[0]", "vulns[1]", "vulnerabilities[0].cve",
		"vulnerabilities[1].cve", "vulnerabilities[5].cve", "cve", "[18446744073709551615]",
		"[99999999999999999999]", "[]", "[", "x[1].a.b", "vulnerabilities[0].cve.id",
		"vulnerabilities[0].", "a[1]b", "averyveryverylongmembername[0]", "[-1]",
	};
	struct medfwi_span_cursor cursor;
	size_t start, end;

	memset(&cursor, 0, sizeof(cursor));
	for (size_t i = 0; i < 3; i++) {
		start = end = 0;
		if (medfwi_vuln_record_span(doc, len, paths[sel[i] % (sizeof(paths) / sizeof(*paths))],
					    &cursor, &start, &end) &&
		    (start >= end || end > len))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	if (size < 4 || size > FUZZ_MAX_INPUT)
		return 0;
	/* an exact-size copy: reading one byte past the document is an ASan report */
	copy = malloc(size - 4 > 0 ? size - 4 : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data + 4, size - 4);
	if ((data[0] & 1) == 0)
		feed_file(copy, size - 4);
	else
		scanner_alone(data + 1, copy, size - 4);
	free(copy);
	return 0;
}
