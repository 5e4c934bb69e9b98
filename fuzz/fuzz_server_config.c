/* Fuzz target for the strict configuration parser (medfw/config.h), with a table
 * holding every option type, shaped like medfwd's.
 *
 * Properties: parsing never crashes or leaks; on failure the output struct is all
 * zero (strings freed); on success every stored number lies within its bounds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "medfw/config.h"

struct fuzz_cfg {
	char *listen_address;
	uint64_t listen_port;
	char *data_dir;
	char *tls_cert;
	uint64_t threads;
	uint64_t max_body_bytes;
	uint64_t request_timeout;
	unsigned log_format;
	int flag;
};

static const struct medfw_config_option opts[] = {
	{"listen_address", MEDFW_CONFIG_STRING, "127.0.0.1", 0, 0, NULL, 0,
	 offsetof(struct fuzz_cfg, listen_address), "a"},
	{"listen_port", MEDFW_CONFIG_INT, "8443", 0, 65535, NULL, 0,
	 offsetof(struct fuzz_cfg, listen_port), "p"},
	{"data_dir", MEDFW_CONFIG_PATH, NULL, 0, 0, NULL, MEDFW_CONFIG_REQUIRED,
	 offsetof(struct fuzz_cfg, data_dir), "d"},
	{"tls_cert", MEDFW_CONFIG_PATH, NULL, 0, 0, NULL, 0, offsetof(struct fuzz_cfg, tls_cert),
	 "c"},
	{"threads", MEDFW_CONFIG_INT, "0", 0, 1024, NULL, 0, offsetof(struct fuzz_cfg, threads),
	 "t"},
	{"max_body_bytes", MEDFW_CONFIG_SIZE, "1MiB", 1024, 1024u * 1024u * 1024u, NULL, 0,
	 offsetof(struct fuzz_cfg, max_body_bytes), "b"},
	{"request_timeout", MEDFW_CONFIG_DURATION, "30s", 1, 86400, NULL, 0,
	 offsetof(struct fuzz_cfg, request_timeout), "r"},
	{"log_format", MEDFW_CONFIG_CHOICE, "json", 0, 0, "json|text", 0,
	 offsetof(struct fuzz_cfg, log_format), "f"},
	{"flag", MEDFW_CONFIG_BOOL, "false", 0, 0, NULL, 0, offsetof(struct fuzz_cfg, flag), "x"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_cfg cfg;
	const uint8_t *raw = (const uint8_t *)&cfg;
	struct medfw_diag diag = {0};
	size_t n = sizeof(opts) / sizeof(opts[0]);

	if (medfw_config_parse(opts, n, "fuzz.conf", data, size, &cfg, sizeof(cfg), &diag) !=
	    MEDFW_OK) {
		for (size_t i = 0; i < sizeof(cfg); i++)
			if (raw[i] != 0)
				abort();
		if (diag.msg[0] == 0)
			abort(); /* every failure says why */
		return 0;
	}
	if (cfg.data_dir == NULL || cfg.data_dir[0] != '/' || cfg.listen_address == NULL)
		abort();
	if (cfg.listen_port > 65535 || cfg.threads > 1024 || cfg.max_body_bytes < 1024 ||
	    cfg.request_timeout < 1 || cfg.request_timeout > 86400 || cfg.log_format > 1 ||
	    (cfg.flag != 0 && cfg.flag != 1))
		abort();
	medfw_config_clear(opts, n, &cfg, sizeof(cfg));
	return 0;
}
