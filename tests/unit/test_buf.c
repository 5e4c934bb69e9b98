/* Bounded buffers, file I/O, hex. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "medfw/buf.h"

static void test_append_limit(void **state)
{
	struct medfw_buf b;

	(void)state;
	medfw_buf_init(&b, 10);
	assert_int_equal(medfw_buf_append(&b, "0123456789", 10), MEDFW_OK);
	assert_int_equal(medfw_buf_append(&b, "x", 1), MEDFW_ERR_TOO_LARGE);
	assert_int_equal(b.len, 10);
	assert_memory_equal(b.data, "0123456789", 11);
	medfw_buf_reset(&b);
	assert_int_equal(medfw_buf_printf(&b, "%d-%s", 42, "abc"), MEDFW_OK);
	assert_string_equal((char *)b.data, "42-abc");
	assert_int_equal(medfw_buf_printf(&b, "%s", "too long!"), MEDFW_ERR_TOO_LARGE);
	assert_string_equal((char *)b.data, "42-abc");
	medfw_buf_free(&b);
	assert_null(b.data);
	medfw_buf_free(NULL);
}

static void test_append_huge_len_no_overflow(void **state)
{
	struct medfw_buf b;

	(void)state;
	medfw_buf_init(&b, SIZE_MAX);
	assert_int_equal(medfw_buf_append(&b, "a", 1), MEDFW_OK);
	assert_int_equal(medfw_buf_append(&b, "a", SIZE_MAX), MEDFW_ERR_TOO_LARGE);
	medfw_buf_free(&b);
}

static void test_file_roundtrip_and_limits(void **state)
{
	char *dir = tu_tmpdir_new();
	char path[4096], sub[4096];
	struct medfw_buf b;
	struct medfw_diag d;
	struct stat st;

	(void)state;
	tu_path(path, sizeof(path), dir, "f.json");
	assert_int_equal(medfw_file_write_atomic(path, "hello", 5, 0644, NULL), MEDFW_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(medfw_file_read(path, 5, &b, NULL), MEDFW_OK);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.data, "hello", 5);
	medfw_buf_free(&b);

	medfw_diag_clear(&d);
	assert_int_equal(medfw_file_read(path, 4, &b, &d), MEDFW_ERR_TOO_LARGE);
	assert_null(b.data);
	assert_non_null(strstr(d.msg, "f.json"));

	assert_int_equal(medfw_file_write_new(path, "x", 1, 0600, NULL), MEDFW_ERR_EXISTS);
	tu_path(sub, sizeof(sub), dir, "missing");
	assert_int_equal(medfw_file_read(sub, 100, &b, NULL), MEDFW_ERR_NOT_FOUND);
	assert_int_equal(medfw_file_read(dir, 100, &b, NULL), MEDFW_ERR_IO);

	tu_path(sub, sizeof(sub), dir, "a/b/c");
	assert_int_equal(medfw_mkdir_p(sub, 0700, NULL), MEDFW_OK);
	assert_int_equal(medfw_mkdir_p(sub, 0700, NULL), MEDFW_OK);
	assert_int_equal(stat(sub, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	tu_tmpdir_free(dir);
}

static void test_hex(void **state)
{
	uint8_t raw[4] = {0x00, 0xab, 0x10, 0xff}, out[4];
	char hex[9];
	size_t n;

	(void)state;
	assert_int_equal(medfw_hex_encode(raw, 4, hex, sizeof(hex)), MEDFW_OK);
	assert_string_equal(hex, "00ab10ff");
	assert_int_equal(medfw_hex_encode(raw, 4, hex, 8), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_hex_decode("00AB10ff", out, sizeof(out), &n), MEDFW_OK);
	assert_int_equal(n, 4);
	assert_memory_equal(out, raw, 4);
	assert_int_equal(medfw_hex_decode("00ab1", out, sizeof(out), &n), MEDFW_ERR_FIELD_VALUE);
	tu_assert_zeroed(out, sizeof(out));
	assert_int_equal(n, 0);
	assert_int_equal(medfw_hex_decode("0g", out, sizeof(out), &n), MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_hex_decode("0011223344", out, sizeof(out), &n),
			 MEDFW_ERR_FIELD_VALUE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_limit),
		cmocka_unit_test(test_append_huge_len_no_overflow),
		cmocka_unit_test(test_file_roundtrip_and_limits),
		cmocka_unit_test(test_hex),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
