/* Error codes: every value has a name and a message, docs/errors.md lists them all,
 * and diagnostics keep the first message. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/error.h"

static void test_every_code_has_text(void **state)
{
	(void)state;
	for (int e = 0; e <= MEDFW_ERR_MAX_; e++) {
		assert_string_not_equal(medfw_strerror((enum medfw_err)e), "unknown error");
		assert_string_not_equal(medfw_err_name((enum medfw_err)e), "MEDFW_ERR_UNKNOWN");
	}
	assert_string_equal(medfw_strerror((enum medfw_err)(MEDFW_ERR_MAX_ + 1)), "unknown error");
	assert_string_equal(medfw_strerror((enum medfw_err)-1), "unknown error");
}

static void test_first_message_wins(void **state)
{
	struct medfw_diag d;

	(void)state;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_diag_set(&d, MEDFW_ERR_EXPIRED, "timestamp expired at %d", 5),
			 MEDFW_ERR_EXPIRED);
	assert_int_equal(medfw_diag_set(&d, MEDFW_ERR_IO, "later"), MEDFW_ERR_IO);
	assert_int_equal(d.err, MEDFW_ERR_EXPIRED);
	assert_string_equal(d.msg, "timestamp expired at 5");
	assert_string_equal(medfw_diag_message(&d, MEDFW_ERR_IO), "timestamp expired at 5");
	assert_string_equal(medfw_diag_message(NULL, MEDFW_ERR_IO), "input/output error");
	assert_int_equal(medfw_diag_set(NULL, MEDFW_ERR_IO, "x"), MEDFW_ERR_IO);
}

static void test_long_message_truncated(void **state)
{
	struct medfw_diag d;
	char big[2000];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	medfw_diag_clear(&d);
	medfw_diag_set(&d, MEDFW_ERR_IO, "%s", big);
	assert_int_equal(strlen(d.msg), MEDFW_DIAG_MSG_MAX - 1);
}

/* docs/errors.md must list every code by name and value, and nothing else. */
static void test_docs_in_sync(void **state)
{
	char path[4096];
	struct medfw_buf doc;
	const char *src = getenv("MEDFW_SOURCE_DIR");
	int listed = 0;

	(void)state;
	assert_non_null(src);
	tu_path(path, sizeof(path), src, "docs/errors.md");
	tu_read_file(path, &doc);
	for (int e = 0; e <= MEDFW_ERR_MAX_; e++) {
		char row[128];

		snprintf(row, sizeof(row), "| %d | `%s` |", e, medfw_err_name((enum medfw_err)e));
		if (strstr((const char *)doc.data, row) == NULL)
			fail_msg("docs/errors.md lacks the row '%s'", row);
	}
	for (const char *p = (const char *)doc.data; (p = strstr(p, "| `MEDFW_")) != NULL; p++)
		listed++;
	assert_int_equal(listed, MEDFW_ERR_MAX_ + 1);
	medfw_buf_free(&doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_code_has_text),
		cmocka_unit_test(test_first_message_wins),
		cmocka_unit_test(test_long_message_truncated),
		cmocka_unit_test(test_docs_in_sync),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
