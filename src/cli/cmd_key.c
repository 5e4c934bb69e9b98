/* medfw key generate */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "medfw/buf.h"
#include "medfw/crypto.h"
#include "medfw/json.h"

#define PASSPHRASE_MAX 1024

int cmd_key_generate(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"type", required_argument, NULL, 't'},
		{"out", required_argument, NULL, 'o'},
		{"public-out", required_argument, NULL, 'p'},
		{"passphrase-file", required_argument, NULL, 'f'},
		{"no-passphrase", no_argument, NULL, 'n'},
		{NULL, 0, NULL, 0},
	};
	const char *type_name = NULL, *out = NULL, *pub_out = NULL, *pass_file = NULL;
	char pub_default[4096], passphrase[PASSPHRASE_MAX], confirm[PASSPHRASE_MAX];
	int no_pass = 0, c, rc = CLI_EXIT_FAIL;
	enum medfw_key_type type;
	struct medfw_privkey *priv = NULL;
	struct medfw_pubkey *pub = NULL;
	struct medfw_buf pem, pub_json;
	struct medfw_diag diag;
	enum medfw_err err;
	char *pub_text = NULL;

	(void)cli;
	medfw_diag_clear(&diag);
	medfw_buf_init(&pem, MEDFW_PRIVKEY_PEM_MAX);
	medfw_buf_init(&pub_json, MEDFW_PUBKEY_PEM_MAX * 2);
	passphrase[0] = 0;
	confirm[0] = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't': type_name = optarg; break;
		case 'o': out = optarg; break;
		case 'p': pub_out = optarg; break;
		case 'f': pass_file = optarg; break;
		case 'n': no_pass = 1; break;
		default: return cli_usage_error("key generate", "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error("key generate", "unexpected argument '%s'", argv[optind]);
	if (type_name == NULL || out == NULL)
		return cli_usage_error("key generate", "--type and --out are required");
	if (no_pass && pass_file != NULL)
		return cli_usage_error("key generate",
				       "--no-passphrase and --passphrase-file exclude each other");
	if (medfw_key_type_parse(type_name, &type) != MEDFW_OK)
		return cli_usage_error("key generate", "unknown key type '%s'", type_name);
	if (pub_out == NULL) {
		int n = snprintf(pub_default, sizeof(pub_default), "%s.pub.json", out);

		if (n < 0 || (size_t)n >= sizeof(pub_default))
			return cli_usage_error("key generate", "--out path too long");
		pub_out = pub_default;
	}

	if (!no_pass) {
		err = cli_read_passphrase(pass_file, "Passphrase for the new key: ", passphrase,
					  sizeof(passphrase), &diag);
		if (err != MEDFW_OK) {
			rc = cli_fail("key generate", err, &diag);
			goto out;
		}
		if (pass_file == NULL) {
			err = cli_read_passphrase(NULL, "Repeat the passphrase: ", confirm,
						  sizeof(confirm), &diag);
			if (err != MEDFW_OK || strcmp(passphrase, confirm) != 0) {
				rc = cli_fail("key generate", MEDFW_ERR_BAD_PASSPHRASE,
					      err != MEDFW_OK ? &diag : NULL);
				goto out;
			}
		}
		if (passphrase[0] == 0) {
			medfw_diag_set(&diag, MEDFW_ERR_BAD_PASSPHRASE,
				       "empty passphrase (use --no-passphrase for a test key)");
			rc = cli_fail("key generate", MEDFW_ERR_BAD_PASSPHRASE, &diag);
			goto out;
		}
	}

	err = medfw_privkey_generate(type, &priv, &diag);
	if (err == MEDFW_OK)
		err = medfw_privkey_save_pem(priv, no_pass ? NULL : passphrase, &pem, &diag);
	if (err == MEDFW_OK)
		err = medfw_privkey_public(priv, &pub, &diag);
	if (err == MEDFW_OK) {
		pub_text = json_dumps(medfw_pubkey_json(pub), JSON_INDENT(2) | JSON_SORT_KEYS);
		if (pub_text == NULL)
			err = MEDFW_ERR_NOMEM;
	}
	if (err == MEDFW_OK)
		err = medfw_buf_append_str(&pub_json, pub_text);
	if (err == MEDFW_OK)
		err = medfw_buf_append_str(&pub_json, "\n");
	if (err == MEDFW_OK)
		err = medfw_file_write_new(out, pem.data, pem.len, 0600, &diag);
	if (err == MEDFW_OK) {
		err = medfw_file_write_new(pub_out, pub_json.data, pub_json.len, 0644, &diag);
		if (err != MEDFW_OK)
			remove(out); /* no half-made key pair */
	}
	if (err != MEDFW_OK) {
		rc = cli_fail("key generate", err, &diag);
		goto out;
	}
	printf("%s\n", medfw_pubkey_keyid(pub));
	rc = CLI_EXIT_OK;
out:
	medfw_wipe(passphrase, sizeof(passphrase));
	medfw_wipe(confirm, sizeof(confirm));
	free(pub_text);
	medfw_pubkey_free(pub);
	medfw_privkey_free(priv);
	medfw_buf_free(&pem);
	medfw_buf_free(&pub_json);
	return rc;
}
