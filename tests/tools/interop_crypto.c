/* interop_crypto: a small CLI over the crypto module for the securesystemslib
 * interoperability tests (tests/e2e/test_interop_signatures.py).
 *
 *   interop_crypto sign PRIV.pem MSGFILE            prints the hex signature
 *   interop_crypto verify KEYOBJ.json MSGFILE SIGHEX exit 0 valid, 1 invalid
 *   interop_crypto pubkey PRIV.pem                  prints the TUF key object JSON
 *   interop_crypto keyid KEYOBJ.json                prints the key id
 *
 * The passphrase of an encrypted PRIV.pem comes from $MEDFW_PASSPHRASE. Exit 2 on
 * usage or other errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "medfw/buf.h"
#include "medfw/crypto.h"

#define FILE_MAX (16u * 1024u * 1024u)

static int fail(const char *what, enum medfw_err err, const struct medfw_diag *diag)
{
	fprintf(stderr, "interop_crypto: %s: %s (%s)\n", what, medfw_diag_message(diag, err),
		medfw_err_name(err));
	return 2;
}

static enum medfw_err load_keyobj(const char *path, struct medfw_pubkey **out,
				  struct medfw_diag *diag)
{
	struct medfw_buf text;
	json_t *obj = NULL;
	json_error_t jerr;
	enum medfw_err err;

	*out = NULL;
	err = medfw_file_read(path, FILE_MAX, &text, diag);
	if (err != MEDFW_OK)
		return err;
	obj = json_loadb((const char *)text.data, text.len, JSON_REJECT_DUPLICATES, &jerr);
	medfw_buf_free(&text);
	if (obj == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_JSON_SYNTAX, "%s: %s", path, jerr.text);
	err = medfw_pubkey_from_json(obj, out, diag);
	json_decref(obj);
	return err;
}

static enum medfw_err load_priv(const char *path, struct medfw_privkey **out,
				struct medfw_diag *diag)
{
	struct medfw_buf pem;
	enum medfw_err err;

	*out = NULL;
	err = medfw_file_read(path, MEDFW_PRIVKEY_PEM_MAX, &pem, diag);
	if (err != MEDFW_OK)
		return err;
	err = medfw_privkey_load_pem(pem.data, pem.len, getenv("MEDFW_PASSPHRASE"), out, diag);
	medfw_buf_free(&pem);
	return err;
}

static int cmd_sign(const char *priv_path, const char *msg_path)
{
	struct medfw_privkey *priv = NULL;
	struct medfw_buf msg, sig;
	struct medfw_diag diag;
	char hex[2 * MEDFW_SIG_MAX_LEN + 1];
	enum medfw_err err;
	int rc = 2;

	medfw_diag_clear(&diag);
	medfw_buf_init(&msg, FILE_MAX);
	medfw_buf_init(&sig, MEDFW_SIG_MAX_LEN);
	err = load_priv(priv_path, &priv, &diag);
	if (err == MEDFW_OK)
		err = medfw_file_read(msg_path, FILE_MAX, &msg, &diag);
	if (err == MEDFW_OK)
		err = medfw_privkey_sign(priv, msg.data, msg.len, &sig, &diag);
	if (err == MEDFW_OK)
		err = medfw_hex_encode(sig.data, sig.len, hex, sizeof(hex));
	if (err != MEDFW_OK) {
		rc = fail("sign", err, &diag);
		goto out;
	}
	printf("%s\n", hex);
	rc = 0;
out:
	medfw_privkey_free(priv);
	medfw_buf_free(&msg);
	medfw_buf_free(&sig);
	return rc;
}

static int cmd_verify(const char *key_path, const char *msg_path, const char *sig_hex)
{
	struct medfw_pubkey *pub = NULL;
	struct medfw_buf msg;
	struct medfw_diag diag;
	uint8_t sig[MEDFW_SIG_MAX_LEN];
	size_t sig_len = 0;
	enum medfw_err err;
	int rc = 2;

	medfw_diag_clear(&diag);
	medfw_buf_init(&msg, FILE_MAX);
	err = load_keyobj(key_path, &pub, &diag);
	if (err == MEDFW_OK)
		err = medfw_file_read(msg_path, FILE_MAX, &msg, &diag);
	if (err != MEDFW_OK) {
		rc = fail("verify", err, &diag);
		goto out;
	}
	if (medfw_hex_decode(sig_hex, sig, sizeof(sig), &sig_len) != MEDFW_OK) {
		fprintf(stderr, "interop_crypto: verify: signature is not hex\n");
		rc = 1;
		goto out;
	}
	err = medfw_pubkey_verify(pub, msg.data, msg.len, sig, sig_len, &diag);
	if (err != MEDFW_OK) {
		fprintf(stderr, "interop_crypto: verify: %s\n", medfw_diag_message(&diag, err));
		rc = 1;
		goto out;
	}
	printf("valid\n");
	rc = 0;
out:
	medfw_pubkey_free(pub);
	medfw_buf_free(&msg);
	return rc;
}

static int cmd_pubkey(const char *priv_path)
{
	struct medfw_privkey *priv = NULL;
	struct medfw_pubkey *pub = NULL;
	struct medfw_diag diag;
	enum medfw_err err;
	char *text = NULL;
	int rc = 2;

	medfw_diag_clear(&diag);
	err = load_priv(priv_path, &priv, &diag);
	if (err == MEDFW_OK)
		err = medfw_privkey_public(priv, &pub, &diag);
	if (err != MEDFW_OK) {
		rc = fail("pubkey", err, &diag);
		goto out;
	}
	text = json_dumps(medfw_pubkey_json(pub), JSON_SORT_KEYS | JSON_COMPACT);
	if (text == NULL) {
		rc = fail("pubkey", MEDFW_ERR_NOMEM, NULL);
		goto out;
	}
	printf("%s\n", text);
	rc = 0;
out:
	free(text);
	medfw_pubkey_free(pub);
	medfw_privkey_free(priv);
	return rc;
}

static int cmd_keyid(const char *key_path)
{
	struct medfw_pubkey *pub = NULL;
	struct medfw_diag diag;
	enum medfw_err err;

	medfw_diag_clear(&diag);
	err = load_keyobj(key_path, &pub, &diag);
	if (err != MEDFW_OK)
		return fail("keyid", err, &diag);
	printf("%s\n", medfw_pubkey_keyid(pub));
	medfw_pubkey_free(pub);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "sign") == 0)
		return cmd_sign(argv[2], argv[3]);
	if (argc == 5 && strcmp(argv[1], "verify") == 0)
		return cmd_verify(argv[2], argv[3], argv[4]);
	if (argc == 3 && strcmp(argv[1], "pubkey") == 0)
		return cmd_pubkey(argv[2]);
	if (argc == 3 && strcmp(argv[1], "keyid") == 0)
		return cmd_keyid(argv[2]);
	fprintf(stderr, "usage: interop_crypto sign PRIV.pem MSGFILE\n"
			"       interop_crypto verify KEYOBJ.json MSGFILE SIGHEX\n"
			"       interop_crypto pubkey PRIV.pem\n"
			"       interop_crypto keyid KEYOBJ.json\n");
	return 2;
}
