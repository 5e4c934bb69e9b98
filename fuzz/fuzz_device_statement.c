/* libFuzzer target: device statements and the trusted manufacturer keys file.
 *
 * The input is parsed as a statement (bounded size and depth, strict fields) and as a
 * trusted keys file. A refusal must leave the output NULL with a message. A statement
 * that parses must be refused by a key that did not sign it, and re-signing its
 * fields with a key made at start-up must give a statement that parses back to the
 * same fields and verifies. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/device_statement.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct medfw_privkey *fuzz_key;
static struct medfw_device_statement_keys *fuzz_trusted;

static void setup(void)
{
	struct medfw_pubkey *pub = NULL;
	json_t *doc;
	char *text;

	if (fuzz_key != NULL)
		return;
	if (medfw_privkey_generate(MEDFW_KEY_ED25519, &fuzz_key, NULL) != MEDFW_OK ||
	    medfw_privkey_public(fuzz_key, &pub, NULL) != MEDFW_OK)
		abort();
	doc = json_pack("{s:{s:O}}", "keys", medfw_pubkey_keyid(pub), medfw_pubkey_json(pub));
	text = json_dumps(doc, JSON_COMPACT);
	if (text == NULL ||
	    medfw_device_statement_keys_load((const uint8_t *)text, strlen(text), &fuzz_trusted,
					     NULL) != MEDFW_OK)
		abort();
	free(text);
	json_decref(doc);
	medfw_pubkey_free(pub);
}

static void resign(const struct medfw_device_statement *st)
{
	struct medfw_device_statement_fields f = {
		.manufacturer = st->manufacturer,
		.model = st->model,
		.serial = st->serial,
		.hardware_id = st->hardware_id,
		.udi_di = st->udi_di[0] ? st->udi_di : NULL,
		.udi_pi = st->udi_pi[0] ? st->udi_pi : NULL,
		.public_key_hex = st->public_key_hex,
		.issued = st->issued,
		.expires = st->expires,
	};
	struct medfw_device_statement *again = NULL;
	struct medfw_buf out;
	char signer[MEDFW_KEYID_HEX_LEN + 1];

	medfw_buf_init(&out, MEDFW_DEVSTMT_MAX_BYTES);
	if (medfw_device_statement_sign(&f, fuzz_key, &out, NULL) != MEDFW_OK)
		abort();
	if (medfw_device_statement_parse_unverified(out.data, out.len, &again, NULL) != MEDFW_OK ||
	    strcmp(again->statement_sha256, st->statement_sha256) != 0 ||
	    strcmp(again->serial, st->serial) != 0 || again->expires != st->expires)
		abort();
	if (medfw_device_statement_verify(again, fuzz_trusted, st->issued, 0, signer, NULL) !=
		    MEDFW_OK ||
	    strcmp(signer, medfw_device_statement_keys_keyid(fuzz_trusted, 0)) != 0)
		abort();
	medfw_device_statement_free(again);
	medfw_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct medfw_device_statement *st = NULL;
	struct medfw_device_statement_keys *keys = NULL;
	struct medfw_diag d;
	char signer[MEDFW_KEYID_HEX_LEN + 1];
	enum medfw_err err;

	setup();
	medfw_diag_clear(&d);
	err = medfw_device_statement_parse_unverified(data, size, &st, &d);
	if (err != MEDFW_OK) {
		if (st != NULL || d.msg[0] == '\0')
			abort();
	} else {
		/* nobody but the fuzz key can sign, and it never signed the input */
		err = medfw_device_statement_verify(st, fuzz_trusted, st->issued, 0, signer, NULL);
		if (err == MEDFW_OK || signer[0] != '\0')
			abort();
		resign(st);
		medfw_device_statement_free(st);
	}
	medfw_diag_clear(&d);
	err = medfw_device_statement_keys_load(data, size, &keys, &d);
	if (err != MEDFW_OK) {
		if (keys != NULL || d.msg[0] == '\0')
			abort();
	} else if (medfw_device_statement_keys_count(keys) == 0 ||
		   medfw_device_statement_keys_keyid(keys, 0) == NULL) {
		abort();
	}
	medfw_device_statement_keys_free(keys);
	return 0;
}
