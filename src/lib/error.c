/* Error codes and diagnostics. */
#include "medfw/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct err_entry {
	const char *name;
	const char *text;
};

#define E(code, text) [code] = {#code, text}
static const struct err_entry err_table[MEDFW_ERR_MAX_ + 1] = {
	E(MEDFW_OK, "success"),
	E(MEDFW_ERR_NOMEM, "out of memory"),
	E(MEDFW_ERR_INVALID_ARG, "invalid argument"),
	E(MEDFW_ERR_IO, "input/output error"),
	E(MEDFW_ERR_TOO_LARGE, "input exceeds size limit"),
	E(MEDFW_ERR_TOO_DEEP, "input nested too deeply"),
	E(MEDFW_ERR_JSON_SYNTAX, "malformed JSON"),
	E(MEDFW_ERR_NOT_CANONICAL, "value cannot be encoded as canonical JSON"),
	E(MEDFW_ERR_FIELD_MISSING, "required field missing"),
	E(MEDFW_ERR_FIELD_TYPE, "field has wrong type"),
	E(MEDFW_ERR_FIELD_VALUE, "field has invalid value"),
	E(MEDFW_ERR_CRYPTO, "cryptographic library failure"),
	E(MEDFW_ERR_KEY_FORMAT, "malformed key"),
	E(MEDFW_ERR_KEY_UNSUPPORTED, "unsupported key type or scheme"),
	E(MEDFW_ERR_BAD_PASSPHRASE, "wrong passphrase or undecryptable key"),
	E(MEDFW_ERR_SIGNATURE, "signature verification failed"),
	E(MEDFW_ERR_THRESHOLD, "signature threshold not met"),
	E(MEDFW_ERR_DUPLICATE_KEYID, "duplicate key id"),
	E(MEDFW_ERR_EXPIRED, "metadata expired"),
	E(MEDFW_ERR_ROLLBACK, "rollback: version older than trusted"),
	E(MEDFW_ERR_VERSION_MISMATCH, "version does not match the referenced version"),
	E(MEDFW_ERR_LENGTH_MISMATCH, "length does not match the signed length"),
	E(MEDFW_ERR_HASH_MISMATCH, "hash does not match the signed hash"),
	E(MEDFW_ERR_ROLE_TYPE, "metadata is not of the expected role type"),
	E(MEDFW_ERR_SPEC_VERSION, "unsupported specification version"),
	E(MEDFW_ERR_NOT_FOUND, "not found"),
	E(MEDFW_ERR_FETCH, "download failed"),
	E(MEDFW_ERR_HARDWARE, "release is not for this hardware"),
	E(MEDFW_ERR_SECURITY_VERSION, "security version below the required minimum"),
	E(MEDFW_ERR_NOTICE, "invalid release notice"),
	E(MEDFW_ERR_BUNDLE_FORMAT, "malformed bundle"),
	E(MEDFW_ERR_TRUNCATED, "input truncated"),
	E(MEDFW_ERR_EXISTS, "already exists"),
	E(MEDFW_ERR_STATE, "operation not valid in the current state"),
	E(MEDFW_ERR_COMPRESSION, "malformed compressed data"),
	E(MEDFW_ERR_USAGE, "usage error"),
	E(MEDFW_ERR_FREEZE, "metadata is stale (freeze attack)"),
	E(MEDFW_ERR_REFUSED, "the server refused the request"),
	E(MEDFW_ERR_NO_SPACE, "no space left on the device"),
	E(MEDFW_ERR_AGENT_VERSION, "the agent is older than the release requires"),
	E(MEDFW_ERR_HEALTH_CHECK, "a health check failed"),
	E(MEDFW_ERR_NOT_PERMITTED, "not permitted to this actor"),
};
#undef E

const char *medfw_strerror(enum medfw_err err)
{
	if ((unsigned)err > MEDFW_ERR_MAX_ || err_table[err].text == NULL)
		return "unknown error";
	return err_table[err].text;
}

const char *medfw_err_name(enum medfw_err err)
{
	if ((unsigned)err > MEDFW_ERR_MAX_ || err_table[err].name == NULL)
		return "MEDFW_ERR_UNKNOWN";
	return err_table[err].name;
}

void medfw_diag_clear(struct medfw_diag *diag)
{
	if (diag == NULL)
		return;
	diag->err = MEDFW_OK;
	diag->msg[0] = '\0';
}

enum medfw_err medfw_diag_set(struct medfw_diag *diag, enum medfw_err err, const char *fmt, ...)
{
	va_list ap;

	if (diag == NULL || diag->err != MEDFW_OK || err == MEDFW_OK)
		return err;
	diag->err = err;
	va_start(ap, fmt);
	vsnprintf(diag->msg, sizeof(diag->msg), fmt, ap);
	va_end(ap);
	return err;
}

const char *medfw_diag_message(const struct medfw_diag *diag, enum medfw_err err)
{
	if (diag != NULL && diag->err != MEDFW_OK && diag->msg[0] != '\0')
		return diag->msg;
	return medfw_strerror(err);
}
