/* CSV reader (RFC 4180, limits, known columns, row errors) and writer. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "medfw/csv.h"

static const char *const cols[] = {"udi", "serial", "model", "site"};
static const struct medfw_csv_limits lim = {4096, 4, 8, 32};

struct rows {
	char dump[2048];
	size_t n;
	size_t fail_row;
};

static enum medfw_err collect(void *user, size_t row, const char *const *f, const size_t *lens,
			      struct medfw_diag *diag)
{
	struct rows *r = user;
	size_t used = strlen(r->dump);

	if (row == r->fail_row)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "row %zu, column \"udi\": bad UDI",
				      row);
	snprintf(r->dump + used, sizeof(r->dump) - used, "%zu:", row);
	for (size_t i = 0; i < 4; i++) {
		used = strlen(r->dump);
		if (f[i] != NULL)
			assert_int_equal(strlen(f[i]), lens[i]);
		snprintf(r->dump + used, sizeof(r->dump) - used, "[%s]", f[i] ? f[i] : "-");
	}
	used = strlen(r->dump);
	snprintf(r->dump + used, sizeof(r->dump) - used, "\n");
	r->n++;
	return MEDFW_OK;
}

static enum medfw_err run(const char *csv, size_t len, struct rows *r, struct medfw_diag *d)
{
	memset(r, 0, sizeof(*r));
	medfw_diag_clear(d);
	return medfw_csv_read((const uint8_t *)csv, len, cols, 4, &lim, collect, r, d);
}

static void ok(const char *csv, const char *want)
{
	struct rows r;
	struct medfw_diag d;

	if (run(csv, strlen(csv), &r, &d) != MEDFW_OK)
		fail_msg("%s", d.msg);
	assert_string_equal(r.dump, want);
}

static void bad(const char *csv, enum medfw_err want, const char *needle)
{
	struct rows r;
	struct medfw_diag d;
	enum medfw_err err = run(csv, strlen(csv), &r, &d);

	if (err != want || strstr(d.msg, needle) == NULL)
		fail_msg("\"%s\": %s \"%s\", wanted %s \"%s\"", csv, medfw_err_name(err), d.msg,
			 medfw_err_name(want), needle);
}

static void test_read(void **state)
{
	(void)state;
	ok("serial,udi\nS1,U1\nS2,U2\n", "2:[U1][S1][-][-]\n3:[U2][S2][-][-]\n");
	ok("serial,udi\r\nS1,U1\r\nS2,U2", "2:[U1][S1][-][-]\n3:[U2][S2][-][-]\n");
	ok("\xef\xbb\xbfudi\nx\n", "2:[x][-][-][-]\n");
	ok("udi,model\n\"a,b\",\"say \"\"hi\"\"\"\n", "2:[a,b][-][say \"hi\"][-]\n");
	ok("udi,model\n\"line1\r\nline2\",\n", "2:[line1\r\nline2][-][][-]\n");
	ok("udi,site\n,\n", "2:[][-][-][]\n");
	ok("udi\n\"\"\n", "2:[][-][-][-]\n");
	ok("udi\n\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\n", "2:[\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80][-][-][-]\n");
	ok("udi,serial,model,site\n", "");
}

static void test_read_errors(void **state)
{
	char big[5000];
	struct rows r;
	struct medfw_diag d;

	(void)state;
	bad("udi,colour\n1,2\n", MEDFW_ERR_FIELD_VALUE, "unknown column \"colour\"");
	bad("udi,serial,udi\n", MEDFW_ERR_FIELD_VALUE, "column \"udi\" appears twice");
	bad("UDI\n", MEDFW_ERR_FIELD_VALUE, "unknown column \"UDI\"");
	bad("udi,serial\n1\n", MEDFW_ERR_FIELD_VALUE, "row 2 has 1 fields, the header has 2");
	bad("udi,serial\n1,2\n1,2,3\n", MEDFW_ERR_FIELD_VALUE, "row 3 has 3 fields");
	bad("udi,serial\n1,2\n\n", MEDFW_ERR_FIELD_VALUE, "row 3 has 1 fields");
	bad("udi,serial\n1,\"2\n", MEDFW_ERR_TRUNCATED, "row 2, column \"serial\": quoted field not closed");
	bad("udi,serial\n1,\"2\"x\n", MEDFW_ERR_FIELD_VALUE, "row 2, column \"serial\": text after a closing quote");
	bad("udi,serial\n1,2\"3\n", MEDFW_ERR_FIELD_VALUE, "row 2, column \"serial\": '\"' inside");
	bad("udi,serial\r1,2\n", MEDFW_ERR_FIELD_VALUE, "row 1: CR without LF");
	bad("udi,serial\n1,\xc3\x28\n", MEDFW_ERR_FIELD_VALUE, "row 2, column \"serial\": not valid UTF-8");
	bad("udi\n\xc0\xaf\n", MEDFW_ERR_FIELD_VALUE, "not valid UTF-8");          /* overlong */
	bad("udi\n\xed\xa0\x80\n", MEDFW_ERR_FIELD_VALUE, "not valid UTF-8");      /* surrogate */
	bad("udi\n\xf4\x90\x80\x80\n", MEDFW_ERR_FIELD_VALUE, "not valid UTF-8"); /* > U+10FFFF */
	bad("udi\n\xe2\x82\n", MEDFW_ERR_FIELD_VALUE, "not valid UTF-8");          /* truncated */
	bad("udi\n012345678901234567890123456789012\n", MEDFW_ERR_TOO_LARGE,
	    "row 2, column \"udi\": field longer than 32 bytes");
	bad("udi\n\"012345678901234567890123456789012\"\n", MEDFW_ERR_TOO_LARGE, "longer than 32");
	bad("udi\n1\n2\n3\n4\n5\n", MEDFW_ERR_TOO_LARGE, "more than 4 data rows");
	bad("udi,serial,model,site,udi,serial,model,site,x\n", MEDFW_ERR_TOO_LARGE,
	    "row 1 has more than 8 fields");
	bad("", MEDFW_ERR_FIELD_VALUE, "empty");
	bad("\xef\xbb\xbf", MEDFW_ERR_FIELD_VALUE, "empty");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	bad(big, MEDFW_ERR_TOO_LARGE, "larger than 4096 bytes");
	/* NUL inside a field */
	assert_int_equal(run("udi\na\0b\n", 8, &r, &d), MEDFW_ERR_FIELD_VALUE);
	/* the callback's error stops the read and keeps its message */
	memset(&r, 0, sizeof(r));
	r.fail_row = 3;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_csv_read((const uint8_t *)"udi\na\nb\nc\n", 10, cols, 4, &lim,
					collect, &r, &d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(r.n, 1);
	assert_string_equal(d.msg, "row 3, column \"udi\": bad UDI");
}

static void test_write(void **state)
{
	struct medfw_buf out;
	const char *row1[] = {"plain", "a,b", "say \"hi\"", "two\nlines", " pad", ""};
	const char *row2[] = {"=SUM(A1)", "+1", "-5", "@cmd", "\tx", "safe=ok"};
	const char *badrow[] = {"ok", "\xff"};
	struct rows r;
	struct medfw_diag d;

	(void)state;
	medfw_buf_init(&out, 4096);
	assert_int_equal(medfw_csv_write_row(&out, row1, 6, 0, NULL), MEDFW_OK);
	assert_string_equal((const char *)out.data,
			    "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\" pad\",\r\n");
	medfw_buf_reset(&out);
	assert_int_equal(medfw_csv_write_row(&out, row2, 6, 0, NULL), MEDFW_OK);
	assert_string_equal((const char *)out.data, "=SUM(A1),+1,-5,@cmd,\tx,safe=ok\r\n");
	medfw_buf_reset(&out);
	assert_int_equal(medfw_csv_write_row(&out, row2, 6, MEDFW_CSV_SPREADSHEET_SAFE, NULL),
			 MEDFW_OK);
	assert_string_equal((const char *)out.data,
			    "\"'=SUM(A1)\",\"'+1\",\"'-5\",\"'@cmd\",\"'\tx\",safe=ok\r\n");
	assert_int_equal(medfw_csv_write_row(&out, badrow, 2, 0, NULL), MEDFW_ERR_FIELD_VALUE);
	assert_string_equal((const char *)out.data,
			    "\"'=SUM(A1)\",\"'+1\",\"'-5\",\"'@cmd\",\"'\tx\",safe=ok\r\n");
	/* round trip: what the writer emits, the reader reads back */
	{
		const char *hdr[] = {"udi", "model"};
		const char *row[] = {"a,\"b\"\r\nc", " x "};

		medfw_buf_reset(&out);
		assert_int_equal(medfw_csv_write_row(&out, hdr, 2, 0, NULL), MEDFW_OK);
		assert_int_equal(medfw_csv_write_row(&out, row, 2, 0, NULL), MEDFW_OK);
		assert_int_equal(run((const char *)out.data, out.len, &r, &d), MEDFW_OK);
		assert_string_equal(r.dump, "2:[a,\"b\"\r\nc][-][ x ][-]\n");
	}
	/* full buffer: left unchanged */
	{
		struct medfw_buf small;

		medfw_buf_init(&small, 8);
		assert_int_equal(medfw_csv_write_row(&small, row1, 6, 0, NULL), MEDFW_ERR_TOO_LARGE);
		assert_int_equal(small.len, 0);
		medfw_buf_free(&small);
	}
	medfw_buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_read_errors),
		cmocka_unit_test(test_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
