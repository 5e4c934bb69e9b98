/* The strict option-table configuration parser (medfw/config.h). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "medfw/config.h"

struct test_cfg {
	char *address;
	char *dir;
	uint64_t port;
	int verbose;
	uint64_t timeout;
	uint64_t body;
	unsigned format;
	char *optional;
};

static const struct medfw_config_option opts[] = {
	{"address", MEDFW_CONFIG_STRING, "127.0.0.1", 0, 0, NULL, 0,
	 offsetof(struct test_cfg, address), "address"},
	{"dir", MEDFW_CONFIG_PATH, NULL, 0, 0, NULL, MEDFW_CONFIG_REQUIRED,
	 offsetof(struct test_cfg, dir), "directory"},
	{"port", MEDFW_CONFIG_INT, "8443", 0, 65535, NULL, 0, offsetof(struct test_cfg, port),
	 "port"},
	{"verbose", MEDFW_CONFIG_BOOL, "false", 0, 0, NULL, 0,
	 offsetof(struct test_cfg, verbose), "verbose"},
	{"timeout", MEDFW_CONFIG_DURATION, "30s", 1, 3600, NULL, 0,
	 offsetof(struct test_cfg, timeout), "timeout"},
	{"body", MEDFW_CONFIG_SIZE, "1MiB", 1024, 1024u * 1024u * 1024u, NULL, 0,
	 offsetof(struct test_cfg, body), "body"},
	{"format", MEDFW_CONFIG_CHOICE, "json", 0, 0, "json|text", 0,
	 offsetof(struct test_cfg, format), "format"},
	{"optional", MEDFW_CONFIG_STRING, NULL, 0, 0, NULL, 0,
	 offsetof(struct test_cfg, optional), "optional"},
};
#define N_OPTS (sizeof(opts) / sizeof(opts[0]))

static enum medfw_err parse(const char *text, struct test_cfg *cfg, struct medfw_diag *diag)
{
	medfw_diag_clear(diag);
	memset(cfg, 0x5a, sizeof(*cfg));
	return medfw_config_parse(opts, N_OPTS, "test.conf", (const uint8_t *)text,
				  strlen(text), cfg, sizeof(*cfg), diag);
}

static void test_defaults_and_values(void **state)
{
	struct test_cfg cfg;
	struct medfw_diag diag;

	(void)state;
	assert_int_equal(parse("dir = /var/lib/x\n", &cfg, &diag), MEDFW_OK);
	assert_string_equal(cfg.address, "127.0.0.1");
	assert_string_equal(cfg.dir, "/var/lib/x");
	assert_int_equal(cfg.port, 8443);
	assert_int_equal(cfg.verbose, 0);
	assert_int_equal(cfg.timeout, 30);
	assert_int_equal(cfg.body, 1024 * 1024);
	assert_int_equal(cfg.format, 0);
	assert_null(cfg.optional);
	medfw_config_clear(opts, N_OPTS, &cfg, sizeof(cfg));
	tu_assert_zeroed(&cfg, sizeof(cfg));

	assert_int_equal(parse("# comment\r\n\n   \t\n  address =  ::1  \r\n"
			       "dir=/d with space/é\nport = 0\nverbose = yes\ntimeout = 15m\n"
			       "body = 64KiB\nformat = text\noptional = a = b # not a comment",
			       &cfg, &diag),
			 MEDFW_OK);
	assert_string_equal(cfg.address, "::1");
	assert_string_equal(cfg.dir, "/d with space/é");
	assert_int_equal(cfg.port, 0);
	assert_int_equal(cfg.verbose, 1);
	assert_int_equal(cfg.timeout, 900);
	assert_int_equal(cfg.body, 65536);
	assert_int_equal(cfg.format, 1);
	assert_string_equal(cfg.optional, "a = b # not a comment");
	medfw_config_clear(opts, N_OPTS, &cfg, sizeof(cfg));
	medfw_config_clear(opts, N_OPTS, NULL, sizeof(cfg));
}

struct bad_case {
	const char *text;
	enum medfw_err err;
	const char *msg; /* substring of the diagnostic */
};

static void test_errors_name_file_and_line(void **state)
{
	static const struct bad_case cases[] = {
		{"dir = /x\nnope = 1\n", MEDFW_ERR_USAGE, "test.conf:2: unknown option 'nope'"},
		{"dir = /x\nport = 1\nport = 2\n", MEDFW_ERR_USAGE, "test.conf:3: port is set twice"},
		{"dir = /x\nport\n", MEDFW_ERR_USAGE, "test.conf:2: expected 'key = value'"},
		{"dir = /x\n= 1\n", MEDFW_ERR_USAGE, "test.conf:2: no key"},
		{"dir = /x\nPort = 1\n", MEDFW_ERR_USAGE, "test.conf:2: bad key 'Port'"},
		{"dir = /x\nport =\n", MEDFW_ERR_FIELD_VALUE, "test.conf:2: port: empty value"},
		{"dir = /x\nport = 65536\n", MEDFW_ERR_FIELD_VALUE, "test.conf:2: port: 65536 is out of range (0..65535)"},
		{"dir = /x\nport = -1\n", MEDFW_ERR_FIELD_VALUE, "test.conf:2: port: '-1' is not a valid integer"},
		{"dir = /x\nport = 08\n", MEDFW_ERR_FIELD_VALUE, "not a valid integer"},
		{"dir = /x\nport = 1 2\n", MEDFW_ERR_FIELD_VALUE, "not a valid integer"},
		{"dir = /x\nverbose = maybe\n", MEDFW_ERR_FIELD_VALUE, "test.conf:2: verbose: 'maybe' is not a boolean"},
		{"dir = /x\ntimeout = 0\n", MEDFW_ERR_FIELD_VALUE, "out of range (1..3600 seconds)"},
		{"dir = /x\ntimeout = 2h\n", MEDFW_ERR_FIELD_VALUE, "out of range"},
		{"dir = /x\ntimeout = 5 m\n", MEDFW_ERR_FIELD_VALUE, "not a valid duration"},
		{"dir = /x\ntimeout = 5w\n", MEDFW_ERR_FIELD_VALUE, "not a valid duration"},
		{"dir = /x\ntimeout = s\n", MEDFW_ERR_FIELD_VALUE, "not a valid duration"},
		{"dir = /x\ntimeout = 99999999999999999999s\n", MEDFW_ERR_FIELD_VALUE, "not a valid duration"},
		{"dir = /x\nbody = 17179869184GiB\n", MEDFW_ERR_FIELD_VALUE, "not a valid size"},
		{"dir = /x\nbody = 2GiB\n", MEDFW_ERR_FIELD_VALUE, "out of range"},
		{"dir = /x\nbody = 1kb\n", MEDFW_ERR_FIELD_VALUE, "not a valid size"},
		{"dir = /x\nformat = xml\n", MEDFW_ERR_FIELD_VALUE, "'xml' is not one of json|text"},
		{"dir = /x\nformat = jso\n", MEDFW_ERR_FIELD_VALUE, "not one of"},
		{"dir = relative\n", MEDFW_ERR_FIELD_VALUE, "test.conf:1: dir: 'relative' is not an absolute path"},
		{"port = 1\n", MEDFW_ERR_FIELD_MISSING, "test.conf: required option 'dir' is not set"},
		{"", MEDFW_ERR_FIELD_MISSING, "required option 'dir'"},
		{"dir = /x\naddress = a\x01" "b\n", MEDFW_ERR_FIELD_VALUE, "test.conf:2: control character 0x01 in column 12"},
		{"dir = /x\r\r\n", MEDFW_ERR_FIELD_VALUE, "test.conf:1: control character 0x0d"},
		{"dir = /x\naddress = \xc3\x28\n", MEDFW_ERR_FIELD_VALUE, "test.conf:2: invalid UTF-8 in column 11"},
		{"dir = /x\naddress = \xed\xa0\x80\n", MEDFW_ERR_FIELD_VALUE, "invalid UTF-8"},
		{"dir = /x\naddress = \xc0\xaf\n", MEDFW_ERR_FIELD_VALUE, "invalid UTF-8"},
		{"dir = /x\naddress = \xf0\x9f\x98", MEDFW_ERR_FIELD_VALUE, "invalid UTF-8"},
	};
	struct test_cfg cfg;
	struct medfw_diag diag;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum medfw_err err = parse(cases[i].text, &cfg, &diag);

		if (err != cases[i].err || strstr(diag.msg, cases[i].msg) == NULL)
			fail_msg("case %zu: got %d '%s', want %d '%s'", i, err, diag.msg,
				 cases[i].err, cases[i].msg);
		tu_assert_zeroed(&cfg, sizeof(cfg)); /* cleared on failure, nothing leaked */
	}
}

static void test_nul_and_limits(void **state)
{
	static const char with_nul[] = "dir = /x\naddress = a\0b\n";
	struct test_cfg cfg;
	struct medfw_diag diag;
	char *big;
	size_t n = MEDFW_CONFIG_MAX_LINE + 16;

	(void)state;
	medfw_diag_clear(&diag);
	assert_int_equal(medfw_config_parse(opts, N_OPTS, "t", (const uint8_t *)with_nul,
					    sizeof(with_nul) - 1, &cfg, sizeof(cfg), &diag),
			 MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(diag.msg, "t:2: control character 0x00"));

	big = malloc(MEDFW_CONFIG_MAX_BYTES + 2);
	assert_non_null(big);
	memcpy(big, "address = ", 10);
	memset(big + 10, 'a', n - 10);
	big[n] = 0;
	assert_int_equal(parse(big, &cfg, &diag), MEDFW_ERR_TOO_LARGE);
	assert_non_null(strstr(diag.msg, "test.conf:1: line longer than"));
	memset(big, '#', MEDFW_CONFIG_MAX_BYTES + 1);
	big[MEDFW_CONFIG_MAX_BYTES + 1] = 0;
	assert_int_equal(parse(big, &cfg, &diag), MEDFW_ERR_TOO_LARGE);
	tu_assert_zeroed(&cfg, sizeof(cfg));
	free(big);
}

static void test_load_and_check_value(void **state)
{
	char *dir = tu_tmpdir_new();
	char path[512];
	struct test_cfg cfg;
	struct medfw_diag diag;

	(void)state;
	tu_path(path, sizeof(path), dir, "a.conf");
	tu_write_file(path, "dir = /x\nport = 1\n", 18);
	medfw_diag_clear(&diag);
	assert_int_equal(medfw_config_load(opts, N_OPTS, path, &cfg, sizeof(cfg), &diag), MEDFW_OK);
	assert_int_equal(cfg.port, 1);
	medfw_config_clear(opts, N_OPTS, &cfg, sizeof(cfg));
	tu_write_file(path, "dir = /x\nport = x\n", 18);
	assert_int_equal(medfw_config_load(opts, N_OPTS, path, &cfg, sizeof(cfg), &diag),
			 MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(diag.msg, "a.conf:2: port"));
	tu_path(path, sizeof(path), dir, "missing.conf");
	assert_int_not_equal(medfw_config_load(opts, N_OPTS, path, &cfg, sizeof(cfg), NULL),
			     MEDFW_OK);
	tu_tmpdir_free(dir);

	/* Every default in the table is itself a valid value. */
	for (size_t i = 0; i < N_OPTS; i++)
		if (opts[i].default_value != NULL)
			assert_int_equal(medfw_config_check_value(&opts[i], opts[i].default_value,
								  NULL),
					 MEDFW_OK);
	assert_int_equal(medfw_config_check_value(&opts[2], "70000", NULL), MEDFW_ERR_FIELD_VALUE);
	assert_string_equal(medfw_config_type_name(MEDFW_CONFIG_DURATION), "duration");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_values),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_nul_and_limits),
		cmocka_unit_test(test_load_and_check_value),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
