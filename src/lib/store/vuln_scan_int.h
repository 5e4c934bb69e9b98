/* The import scanner of the store (vuln_scan.c, for medfw_store_vuln_import in
 * vuln_records.c): it cuts one record's own bytes out of an uploaded feed file, so that a
 * record of an OSV array or an NVD page is stored as its JSON text without building a
 * second tree of the whole file. Internal to libmedfw; declared here for the fuzz target
 * (fuzz/fuzz_vuln_import.c).
 *
 * The loader (medfw_feed_load_bytes) has already parsed the file and delivers records
 * only from valid JSON, with their paths: "[i]", "vulns[i]", "vulnerabilities[i].cve",
 * "cve" ("" is the whole file and is not scanned). The scanner never reads past the end
 * of the bytes; on anything it does not expect it answers 0 and the caller falls back
 * to the parsed tree. Records arrive in file order, so the cursor continues from the
 * previous element of the same array. */
#ifndef MEDFW_STORE_VULN_SCAN_INT_H
#define MEDFW_STORE_VULN_SCAN_INT_H

#include <stddef.h>
#include <stdint.h>

struct medfwi_span_cursor {
	char key[24]; /* the array's member name ("" top level) */
	size_t start; /* just after its '[' */
	size_t next;  /* the index found next from `pos` */
	size_t pos;   /* after element next - 1 (and its ',') */
	int valid;
};

/* The span [*out_start, *out_end) of the record at `path` in the n bytes at p: 1 when
 * found (0 <= start < end <= n), 0 when it cannot tell. Start with a zeroed cursor and
 * pass the same one for every record of one file. */
int medfwi_vuln_record_span(const uint8_t *p, size_t n, const char *path,
			    struct medfwi_span_cursor *c, size_t *out_start, size_t *out_end);

#endif
