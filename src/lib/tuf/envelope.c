/* Writing TUF metadata: envelopes, signatures, serialization. */
#include <stdlib.h>
#include <string.h>

#include "medfw/json.h"
#include "medfw/num.h"
#include "medfw/tuf.h"

json_t *medfw_tuf_envelope_new(json_t *signed_obj)
{
	json_t *env = json_object();

	if (env == NULL)
		return NULL;
	if (json_object_set_new(env, "signatures", json_array()) != 0 ||
	    json_object_set(env, "signed", signed_obj) != 0) {
		json_decref(env);
		return NULL;
	}
	return env;
}

enum medfw_err medfw_tuf_envelope_sign(json_t *envelope, const struct medfw_privkey *key,
				       struct medfw_diag *diag)
{
	struct medfw_buf msg, sig;
	struct medfw_pubkey *pub = NULL;
	json_t *sigs = json_object_get(envelope, "signatures");
	json_t *signed_obj = json_object_get(envelope, "signed");
	json_t *entry = NULL;
	char *hex = NULL;
	enum medfw_err err;
	size_t i;

	if (!json_is_array(sigs) || !json_is_object(signed_obj))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "not a metadata envelope");
	medfw_buf_init(&msg, MEDFW_TUF_TARGETS_MAX_LEN * 4);
	medfw_buf_init(&sig, MEDFW_SIG_MAX_LEN);
	err = medfw_json_canonical(signed_obj, &msg, diag);
	if (err == MEDFW_OK)
		err = medfw_privkey_public(key, &pub, diag);
	if (err == MEDFW_OK)
		err = medfw_privkey_sign(key, msg.data, msg.len, &sig, diag);
	if (err != MEDFW_OK)
		goto out;
	hex = malloc(2 * sig.len + 1);
	if (hex == NULL) {
		err = MEDFW_ERR_NOMEM;
		goto out;
	}
	medfw_hex_encode(sig.data, sig.len, hex, 2 * sig.len + 1);
	entry = json_pack("{s:s, s:s}", "keyid", medfw_pubkey_keyid(pub), "sig", hex);
	if (entry == NULL) {
		err = MEDFW_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < json_array_size(sigs); i++) {
		json_t *kid = json_object_get(json_array_get(sigs, i), "keyid");

		if (json_is_string(kid) && strcmp(json_string_value(kid), medfw_pubkey_keyid(pub)) == 0)
			break;
	}
	if ((i < json_array_size(sigs) ? json_array_set(sigs, i, entry)
				       : json_array_append(sigs, entry)) != 0)
		err = MEDFW_ERR_NOMEM;
out:
	json_decref(entry);
	free(hex);
	medfw_pubkey_free(pub);
	medfw_buf_free(&msg);
	medfw_buf_free(&sig);
	return err;
}

enum medfw_err medfw_tuf_envelope_serialize(const json_t *envelope, struct medfw_buf *out,
					    struct medfw_diag *diag)
{
	struct medfw_buf probe;
	enum medfw_err err;
	size_t need;

	/* Refuse what cannot be signed canonically (real numbers...). */
	medfw_buf_init(&probe, out->max);
	err = medfw_json_canonical(envelope, &probe, diag);
	medfw_buf_free(&probe);
	if (err != MEDFW_OK)
		return err;
	/* Written with jansson (keys sorted, control characters escaped) so that every
	 * JSON parser reads it; the signature covers the canonical form anyway. */
	need = json_dumpb(envelope, NULL, 0, JSON_INDENT(1) | JSON_SORT_KEYS);
	if (need == 0)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "cannot serialize metadata");
	if (need > out->max - out->len)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "metadata larger than %zu bytes",
				      out->max);
	{
		char *tmp = malloc(need);

		if (tmp == NULL)
			return MEDFW_ERR_NOMEM;
		json_dumpb(envelope, tmp, need, JSON_INDENT(1) | JSON_SORT_KEYS);
		err = medfw_buf_append(out, tmp, need);
		free(tmp);
	}
	if (err == MEDFW_OK)
		err = medfw_buf_append(out, "\n", 1);
	return err;
}

json_t *medfw_tuf_time_json(int64_t t)
{
	char s[MEDFW_UTC_TIME_LEN + 1];

	if (medfw_format_utc_time(t, s, sizeof(s)) != MEDFW_OK)
		return NULL;
	return json_string(s);
}
