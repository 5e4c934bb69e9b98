/* CSV (RFC 4180) reader with hard limits and a known-columns header; CSV writer
 * with optional formula-injection protection. */
#include "medfw/csv.h"
#include "medfw/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int medfw_csv_utf8_valid(const uint8_t *s, size_t len)
{
	return memchr(s, 0, len) == NULL && medfw_utf8_valid(s, len);
}

#define MEDFW_CSV_NAME_LABEL 96

struct reader {
	const uint8_t *s;
	size_t len, pos;
	const struct medfw_csv_limits *lim;
	size_t row;                    /* current record number, 1 = header */
	size_t n_fields;
	char *fields[MEDFW_CSV_MAX_COLUMNS]; /* each max_field_len + 1 bytes */
	size_t lens[MEDFW_CSV_MAX_COLUMNS];
	const char *const *header_names; /* for messages: the known column of field i */
	size_t n_header_names;
};

/* "column \"serial\"" once the header is known, else "column 3". */
static const char *col_label(const struct reader *r, size_t i, char *buf, size_t cap)
{
	if (r->header_names != NULL && i < r->n_header_names)
		snprintf(buf, cap, "column \"%s\"", r->header_names[i]);
	else
		snprintf(buf, cap, "column %zu", i + 1);
	return buf;
}

/* Read one record into r->fields. Returns MEDFW_OK with *eof set when no record
 * is left. */
static enum medfw_err read_record(struct reader *r, int *eof, struct medfw_diag *diag)
{
	*eof = 0;
	r->n_fields = 0;
	if (r->pos == r->len) {
		*eof = 1;
		return MEDFW_OK;
	}
	for (;;) {
		size_t n = 0, i = r->n_fields;
		char lb[MEDFW_CSV_NAME_LABEL];
		char *dst;

		if (i == r->lim->max_fields)
			return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
					      "row %zu has more than %zu fields", r->row,
					      r->lim->max_fields);
		dst = r->fields[i];
		if (r->pos < r->len && r->s[r->pos] == '"') {
			r->pos++;
			for (;;) {
				uint8_t c;

				if (r->pos == r->len)
					return medfw_diag_set(diag, MEDFW_ERR_TRUNCATED,
							      "row %zu, %s: quoted field not "
							      "closed at the end of the file",
							      r->row, col_label(r, i, lb, sizeof(lb)));
				c = r->s[r->pos++];
				if (c == '"') {
					if (r->pos < r->len && r->s[r->pos] == '"')
						r->pos++;
					else
						break;
				}
				if (n == r->lim->max_field_len)
					return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
							      "row %zu, %s: field longer "
							      "than %zu bytes",
							      r->row, col_label(r, i, lb, sizeof(lb)),
							      r->lim->max_field_len);
				dst[n++] = (char)c;
			}
			if (r->pos < r->len && r->s[r->pos] != ',' && r->s[r->pos] != '\n' &&
			    r->s[r->pos] != '\r')
				return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						      "row %zu, %s: text after a closing "
						      "quote",
						      r->row, col_label(r, i, lb, sizeof(lb)));
		} else {
			while (r->pos < r->len && r->s[r->pos] != ',' && r->s[r->pos] != '\n' &&
			       r->s[r->pos] != '\r') {
				if (r->s[r->pos] == '"')
					return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
							      "row %zu, %s: '\"' inside an "
							      "unquoted field",
							      r->row, col_label(r, i, lb, sizeof(lb)));
				if (n == r->lim->max_field_len)
					return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
							      "row %zu, %s: field longer "
							      "than %zu bytes",
							      r->row, col_label(r, i, lb, sizeof(lb)),
							      r->lim->max_field_len);
				dst[n++] = (char)r->s[r->pos++];
			}
		}
		dst[n] = '\0';
		r->lens[i] = n;
		r->n_fields++;
		if (!medfw_csv_utf8_valid((const uint8_t *)dst, n))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "row %zu, %s: not valid UTF-8 (or a NUL byte)",
					      r->row, col_label(r, i, lb, sizeof(lb)));
		if (r->pos == r->len)
			return MEDFW_OK;
		if (r->s[r->pos] == ',') {
			r->pos++;
			continue;
		}
		if (r->s[r->pos] == '\r') {
			if (r->len - r->pos < 2 || r->s[r->pos + 1] != '\n')
				return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						      "row %zu: CR without LF", r->row);
			r->pos++;
		}
		r->pos++; /* LF */
		return MEDFW_OK;
	}
}

enum medfw_err medfw_csv_read(const uint8_t *data, size_t len, const char *const *columns,
			      size_t n_columns, const struct medfw_csv_limits *limits,
			      medfw_csv_row_fn row_fn, void *user, struct medfw_diag *diag)
{
	struct reader r;
	const char *map_names[MEDFW_CSV_MAX_COLUMNS];
	size_t map[MEDFW_CSV_MAX_COLUMNS]; /* field index -> known column index */
	const char *row_fields[MEDFW_CSV_MAX_COLUMNS];
	size_t row_lens[MEDFW_CSV_MAX_COLUMNS];
	size_t n_header = 0, i, j, rows = 0;
	enum medfw_err err;
	int eof = 0;

	memset(&r, 0, sizeof(r));
	if ((data == NULL && len > 0) || columns == NULL || n_columns == 0 ||
	    n_columns > MEDFW_CSV_MAX_COLUMNS || limits == NULL || row_fn == NULL ||
	    limits->max_fields == 0 || limits->max_fields > MEDFW_CSV_MAX_COLUMNS ||
	    limits->max_field_len == 0 || limits->max_field_len > SIZE_MAX / 2)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "bad CSV reader arguments");
	if (len > limits->max_bytes)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "CSV file larger than %zu bytes",
				      limits->max_bytes);
	r.s = data;
	r.len = len;
	r.lim = limits;
	r.row = 1;
	if (len >= 3 && data[0] == 0xef && data[1] == 0xbb && data[2] == 0xbf)
		r.pos = 3;
	if (r.pos == len)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "CSV file is empty (no header)");
	for (i = 0; i < limits->max_fields; i++) {
		r.fields[i] = malloc(limits->max_field_len + 1);
		if (r.fields[i] == NULL) {
			err = medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
			goto done;
		}
	}
	/* header */
	err = read_record(&r, &eof, diag);
	if (err != MEDFW_OK)
		goto done;
	n_header = r.n_fields;
	for (i = 0; i < n_header; i++) {
		for (j = 0; j < n_columns; j++)
			if (columns[j] != NULL && strcmp(columns[j], r.fields[i]) == 0)
				break;
		if (j == n_columns) {
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					     "row 1, column %zu: unknown column \"%.64s\"", i + 1,
					     r.fields[i]);
			goto done;
		}
		for (size_t k = 0; k < i; k++)
			if (map[k] == j) {
				err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						     "row 1: column \"%s\" appears twice",
						     columns[j]);
				goto done;
			}
		map[i] = j;
		map_names[i] = columns[j];
	}
	r.header_names = map_names;
	r.n_header_names = n_header;
	/* data records */
	for (;;) {
		r.row++;
		err = read_record(&r, &eof, diag);
		if (err != MEDFW_OK || eof)
			goto done;
		if (r.n_fields != n_header) {
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					     "row %zu has %zu fields, the header has %zu", r.row,
					     r.n_fields, n_header);
			goto done;
		}
		if (++rows > limits->max_rows) {
			err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
					     "more than %zu data rows", limits->max_rows);
			goto done;
		}
		for (j = 0; j < n_columns; j++) {
			row_fields[j] = NULL;
			row_lens[j] = 0;
		}
		for (i = 0; i < n_header; i++) {
			row_fields[map[i]] = r.fields[i];
			row_lens[map[i]] = r.lens[i];
		}
		err = row_fn(user, r.row, row_fields, row_lens, diag);
		if (err != MEDFW_OK)
			goto done;
	}
done:
	for (i = 0; i < MEDFW_CSV_MAX_COLUMNS; i++)
		free(r.fields[i]);
	return err;
}

/* ---- writer ---- */

enum medfw_err medfw_csv_write_row(struct medfw_buf *out, const char *const *fields, size_t n,
				   unsigned flags, struct medfw_diag *diag)
{
	size_t start, i;
	enum medfw_err err = MEDFW_OK;

	if (out == NULL || (fields == NULL && n > 0))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "bad CSV writer arguments");
	start = out->len;
	for (i = 0; err == MEDFW_OK && i < n; i++) {
		const char *f = fields[i] != NULL ? fields[i] : "";
		size_t len = strlen(f);
		int guard = (flags & MEDFW_CSV_SPREADSHEET_SAFE) && len > 0 &&
			    strchr("=+-@\t\r", f[0]) != NULL;
		int quote = strpbrk(f, ",\"\r\n") != NULL ||
			    (len > 0 && (f[0] == ' ' || f[len - 1] == ' ')) || guard;

		if (!medfw_csv_utf8_valid((const uint8_t *)f, len)) {
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					     "CSV field %zu is not valid UTF-8", i + 1);
			break;
		}
		if (i > 0)
			err = medfw_buf_append(out, ",", 1);
		if (err == MEDFW_OK && quote)
			err = medfw_buf_append(out, "\"", 1);
		if (err == MEDFW_OK && guard)
			err = medfw_buf_append(out, "'", 1);
		for (const char *p = f; err == MEDFW_OK && *p != '\0'; p++) {
			if (*p == '"')
				err = medfw_buf_append(out, "\"", 1);
			if (err == MEDFW_OK)
				err = medfw_buf_append(out, p, 1);
		}
		if (err == MEDFW_OK && quote)
			err = medfw_buf_append(out, "\"", 1);
	}
	if (err == MEDFW_OK)
		err = medfw_buf_append(out, "\r\n", 2);
	if (err != MEDFW_OK) {
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
		return medfw_diag_set(diag, err, "cannot write a CSV record");
	}
	return MEDFW_OK;
}
