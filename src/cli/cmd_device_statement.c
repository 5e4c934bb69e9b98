/* medfw device-statement sign | verify: the manufacturer's factory step and its
 * offline check (docs/formats/device-statement.md). */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "medfw/buf.h"
#include "medfw/device_statement.h"
#include "medfw/num.h"

int cmd_device_statement_sign(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"key", required_argument, NULL, 'k'},
		{"passphrase-file", required_argument, NULL, 'f'},
		{"manufacturer", required_argument, NULL, 'M'},
		{"model", required_argument, NULL, 'm'},
		{"serial", required_argument, NULL, 's'},
		{"hardware-id", required_argument, NULL, 'h'},
		{"public-key", required_argument, NULL, 'p'},
		{"udi-di", required_argument, NULL, 'd'},
		{"udi-pi", required_argument, NULL, 'i'},
		{"expires", required_argument, NULL, 'e'},
		{"out", required_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	struct medfw_device_statement_fields f = {0};
	const char *key_path = NULL, *pass_file = NULL, *out = NULL, *expires = NULL;
	struct medfw_device_statement *st = NULL;
	struct medfw_privkey *key = NULL;
	struct medfw_diag diag;
	struct medfw_buf doc;
	enum medfw_err err;
	int c, rc = CLI_EXIT_FAIL;

	medfw_diag_clear(&diag);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k': key_path = optarg; break;
		case 'f': pass_file = optarg; break;
		case 'M': f.manufacturer = optarg; break;
		case 'm': f.model = optarg; break;
		case 's': f.serial = optarg; break;
		case 'h': f.hardware_id = optarg; break;
		case 'p': f.public_key_hex = optarg; break;
		case 'd': f.udi_di = optarg; break;
		case 'i': f.udi_pi = optarg; break;
		case 'e': expires = optarg; break;
		case 'o': out = optarg; break;
		default: return cli_usage_error("device-statement sign", "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error("device-statement sign", "unexpected argument '%s'",
				       argv[optind]);
	if (key_path == NULL || f.manufacturer == NULL || f.model == NULL || f.serial == NULL ||
	    f.hardware_id == NULL || f.public_key_hex == NULL || out == NULL)
		return cli_usage_error("device-statement sign",
				       "--key, --manufacturer, --model, --serial, --hardware-id, "
				       "--public-key and --out are required");
	if (expires != NULL && medfw_parse_utc_time(expires, &f.expires) != MEDFW_OK)
		return cli_usage_error("device-statement sign",
				       "--expires must be a UTC time YYYY-MM-DDTHH:MM:SSZ");
	f.issued = medfw_ctx_now(cli->ctx);
	medfw_buf_init(&doc, MEDFW_DEVSTMT_MAX_BYTES);
	err = cli_load_privkey(key_path, pass_file, &key, &diag);
	if (err == MEDFW_OK)
		err = medfw_device_statement_sign(&f, key, &doc, &diag);
	if (err == MEDFW_OK)
		err = medfw_device_statement_parse_unverified(doc.data, doc.len, &st, &diag);
	if (err == MEDFW_OK)
		err = medfw_file_write_new(out, doc.data, doc.len, 0644, &diag);
	if (err != MEDFW_OK) {
		rc = cli_fail("device-statement sign", err, &diag);
		goto out;
	}
	printf("signed device statement for %s %s (key id %s), SHA-256 %s\n", st->model,
	       st->serial, st->sigs[0].keyid, st->statement_sha256);
	rc = CLI_EXIT_OK;
out:
	medfw_device_statement_free(st);
	medfw_privkey_free(key);
	medfw_buf_free(&doc);
	return rc;
}

int cmd_device_statement_verify(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"trusted-keys", required_argument, NULL, 't'},
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	const char *keys_path = NULL;
	struct medfw_device_statement_keys *keys = NULL;
	struct medfw_device_statement *st = NULL;
	char signer[MEDFW_KEYID_HEX_LEN + 1], issued[MEDFW_UTC_TIME_LEN + 1];
	char expires[MEDFW_UTC_TIME_LEN + 1] = "never";
	struct medfw_buf file;
	struct medfw_diag diag;
	enum medfw_err err;
	int as_json = 0, c, rc = CLI_EXIT_FAIL;

	medfw_diag_clear(&diag);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't': keys_path = optarg; break;
		case 'j': as_json = 1; break;
		default: return cli_usage_error("device-statement verify", "unknown option");
		}
	}
	if (optind + 1 != argc || keys_path == NULL)
		return cli_usage_error("device-statement verify", "give STATEMENT and --trusted-keys");
	err = medfw_file_read(keys_path, MEDFW_DEVSTMT_KEYS_MAX_BYTES, &file, &diag);
	if (err == MEDFW_OK) {
		err = medfw_device_statement_keys_load(file.data, file.len, &keys, &diag);
		medfw_buf_free(&file);
	}
	if (err == MEDFW_OK)
		err = medfw_file_read(argv[optind], MEDFW_DEVSTMT_MAX_BYTES, &file, &diag);
	if (err == MEDFW_OK) {
		err = medfw_device_statement_parse_unverified(file.data, file.len, &st, &diag);
		medfw_buf_free(&file);
	}
	if (err == MEDFW_OK)
		err = medfw_device_statement_verify(st, keys, medfw_ctx_now(cli->ctx), 0, signer,
						    &diag);
	if (err != MEDFW_OK) {
		rc = cli_fail("device-statement verify", err, &diag);
		goto out;
	}
	(void)medfw_format_utc_time(st->issued, issued, sizeof(issued));
	if (st->expires != 0)
		(void)medfw_format_utc_time(st->expires, expires, sizeof(expires));
	if (as_json) {
		json_t *doc = json_pack("{s:b, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
					"verified", 1, "manufacturer", st->manufacturer, "model",
					st->model, "serial", st->serial, "hardware_id",
					st->hardware_id, "udi_di", st->udi_di, "udi_pi", st->udi_pi,
					"public_key", st->public_key_hex, "issued", issued,
					"expires", expires, "signed_by", signer, "statement_sha256",
					st->statement_sha256);

		rc = cli_print_json(doc);
		json_decref(doc);
		goto out;
	}
	printf("VERIFIED: device statement signed by trusted key %s\n"
	       "  manufacturer  %s\n  model         %s\n  serial        %s\n"
	       "  hardware_id   %s\n  udi_di        %s\n  udi_pi        %s\n"
	       "  public_key    %s\n  issued        %s\n  expires       %s\n  sha256        %s\n",
	       signer, st->manufacturer, st->model, st->serial, st->hardware_id,
	       st->udi_di[0] ? st->udi_di : "-", st->udi_pi[0] ? st->udi_pi : "-",
	       st->public_key_hex, issued, expires, st->statement_sha256);
	rc = CLI_EXIT_OK;
out:
	medfw_device_statement_free(st);
	medfw_device_statement_keys_free(keys);
	return rc;
}
