/* CSV (RFC 4180) for device import and export.
 *
 * Reader: the whole file is in memory (at most limits->max_bytes). Records end in
 * CRLF or LF (a lone CR is an error); fields are separated by ','; a field that
 * starts with '"' is quoted, "" inside it is one '"', and it may hold ',', CR and LF.
 * A '"' inside an unquoted field, or anything but ',' or a line end after a closing
 * quote, is an error. A UTF-8 BOM at the start is skipped; every field must be valid
 * UTF-8 (no overlongs, surrogates or NUL). A final line end is optional; an empty
 * file (or a BOM alone) has no header and is an error.
 *
 * The first record is the header. Each name must be one of the caller's known
 * columns (exact, case-sensitive match); an unknown name or a name given twice is an
 * error naming it. Every data record must have as many fields as the header.
 *
 * Records are numbered from 1 (the header is record 1), and errors say
 * "row N, column \"name\"" where that applies. Rows are handed to a callback one by
 * one; the reader stops at the first error, callback errors included, so a caller
 * that must store nothing from a rejected file collects rows and commits only after
 * medfw_csv_read returned MEDFW_OK.
 *
 * Writer: medfw_csv_write_row quotes a field when it contains ',', '"', CR or LF or
 * starts or ends with a space, and ends each record with CRLF.
 * MEDFW_CSV_SPREADSHEET_SAFE guards against formula injection (CWE-1236): a field
 * starting with '=', '+', '-', '@', TAB or CR gets a leading "'" so spreadsheet
 * programs show it as text. This changes the data ("-5" becomes "'-5"), so use it
 * for exports meant for people, never for files meant to be imported again.
 */
#ifndef MEDFW_CSV_H
#define MEDFW_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "medfw/buf.h"
#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEDFW_CSV_MAX_COLUMNS 64 /* hard cap on known columns and header fields */

struct medfw_csv_limits {
	size_t max_bytes;     /* whole file */
	size_t max_rows;      /* data records, header not counted */
	size_t max_fields;    /* fields per record (<= MEDFW_CSV_MAX_COLUMNS) */
	size_t max_field_len; /* bytes per field, after unquoting */
};

/* Called once per data record. fields[i] / lens[i] belong to columns[i] of the
 * known-columns list given to medfw_csv_read; fields[i] is NULL when the file has no
 * such column. Strings are NUL-terminated and valid only during the call. `row` is
 * the record number (2 for the first data record). A non-OK return stops reading
 * and is returned; set diag to say what is wrong (the reader adds nothing). */
typedef enum medfw_err (*medfw_csv_row_fn)(void *user, size_t row, const char *const *fields,
					   const size_t *lens, struct medfw_diag *diag);

/* Read a CSV document. Errors:
 *   MEDFW_ERR_TOO_LARGE      file, row count, field count or field length over limits;
 *   MEDFW_ERR_TRUNCATED      a quoted field not closed at the end of the file;
 *   MEDFW_ERR_FIELD_VALUE    malformed quoting, lone CR, bad UTF-8, NUL, unknown or
 *                            duplicate column, wrong number of fields, empty file;
 *   anything the callback returns. */
enum medfw_err medfw_csv_read(const uint8_t *data, size_t len, const char *const *columns,
			      size_t n_columns, const struct medfw_csv_limits *limits,
			      medfw_csv_row_fn row_fn, void *user, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

#define MEDFW_CSV_SPREADSHEET_SAFE 1u

/* Append one record (fields NUL-terminated, valid UTF-8) ending in CRLF to out.
 * MEDFW_ERR_FIELD_VALUE for invalid UTF-8; TOO_LARGE when out is full (out is then
 * left as it was). */
enum medfw_err medfw_csv_write_row(struct medfw_buf *out, const char *const *fields, size_t n,
				   unsigned flags, struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Strict UTF-8 check of len bytes (no overlongs, surrogates, > U+10FFFF, or NUL). */
int medfw_csv_utf8_valid(const uint8_t *s, size_t len);

#ifdef __cplusplus
}
#endif
#endif
