/* Fuzz target for the CSV reader and writer.
 *
 * The input is read as a device-import CSV with small limits. Nothing may crash or
 * leak; every row handed to the callback must be valid UTF-8 within the limits, and
 * writing the rows back and reading that again must give the same rows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/csv.h"

static const char *const cols[] = {"udi", "serial", "model", "site", "ip", "mac"};
#define N_COLS (sizeof(cols) / sizeof(cols[0]))
static const struct medfw_csv_limits lim = {64u * 1024u, 64, 12, 256};

struct state {
	struct medfw_buf *out; /* rewritten document, NULL on the second pass */
	size_t rows;
};

static enum medfw_err row_fn(void *user, size_t row, const char *const *f, const size_t *lens,
			     struct medfw_diag *diag)
{
	struct state *st = user;
	const char *fields[N_COLS];

	(void)row;
	(void)diag;
	for (size_t i = 0; i < N_COLS; i++) {
		if (f[i] != NULL && (lens[i] > lim.max_field_len || strlen(f[i]) != lens[i] ||
				     !medfw_csv_utf8_valid((const uint8_t *)f[i], lens[i])))
			abort();
		fields[i] = f[i] != NULL ? f[i] : "";
	}
	st->rows++;
	if (st->out != NULL && medfw_csv_write_row(st->out, fields, N_COLS, 0, NULL) != MEDFW_OK)
		abort();
	return MEDFW_OK;
}

static enum medfw_err noop_row(void *user, size_t row, const char *const *f, const size_t *lens,
			       struct medfw_diag *diag)
{
	struct state *st = user;

	(void)row;
	(void)f;
	(void)lens;
	(void)diag;
	st->rows++;
	return MEDFW_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct medfw_buf out;
	struct state st = {&out, 0}, again = {NULL, 0};
	enum medfw_err err;

	medfw_buf_init(&out, 1024u * 1024u);
	if (medfw_csv_write_row(&out, cols, N_COLS, 0, NULL) != MEDFW_OK)
		abort();
	err = medfw_csv_read(data, size, cols, N_COLS, &lim, row_fn, &st, NULL);
	if (err == MEDFW_OK) {
		struct medfw_csv_limits big = {out.max, 64, N_COLS, lim.max_field_len};

		if (medfw_csv_read(out.data, out.len, cols, N_COLS, &big, noop_row, &again,
				   NULL) != MEDFW_OK ||
		    again.rows != st.rows)
			abort();
	}
	/* the spreadsheet-safe writer must accept any valid UTF-8 string */
	if (size < 512 && medfw_csv_utf8_valid(data, size)) {
		char *s = malloc(size + 1);
		const char *one[1];

		if (s != NULL) {
			memcpy(s, data, size);
			s[size] = '\0';
			one[0] = s;
			medfw_buf_reset(&out);
			if (medfw_csv_write_row(&out, one, 1, MEDFW_CSV_SPREADSHEET_SAFE, NULL) !=
			    MEDFW_OK)
				abort();
			free(s);
		}
	}
	medfw_buf_free(&out);
	return 0;
}
