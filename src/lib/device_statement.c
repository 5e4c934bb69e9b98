/* Manufacturer-signed device statements: strict parsing, verification against the
 * trusted manufacturer keys, creation (include/medfw/device_statement.h,
 * docs/formats/device-statement.md). */
#include "medfw/device_statement.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/httpsig.h"
#include "medfw/json.h"
#include "medfw/num.h"
#include "medfw/tuf.h"
#include "medfw/udi.h"

#define PREFIX "device statement"
#define FAIL(diag, err, ...) medfw_diag_set((diag), (err), PREFIX ": " __VA_ARGS__)
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct medfw_device_statement_keys {
	size_t count;
	struct medfw_pubkey *keys[MEDFW_DEVSTMT_KEYS_MAX];
};

static const char *const envelope_fields[] = {"signed", "signatures", NULL};
static const char *const signature_fields[] = {"keyid", "sig", NULL};
static const char *const signed_fields[] = {
	"_type", "spec_version", "manufacturer", "model", "serial", "hardware_id", "udi_di",
	"udi_pi", "public_key", "issued", "expires", NULL,
};

/* ---------------------------------------------------------------- helpers */

static int in_list(const char *const *list, const char *name)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, name) == 0)
			return 1;
	return 0;
}

/* obj must be an object whose members are all in `allowed`. */
static enum medfw_err only_fields(const json_t *obj, const char *what,
				  const char *const *allowed, struct medfw_diag *diag)
{
	const char *key;
	json_t *value;

	if (!json_is_object(obj))
		return FAIL(diag, MEDFW_ERR_FIELD_TYPE, "%s must be an object", what);
	json_object_foreach((json_t *)(uintptr_t)obj, key, value) {
		(void)value;
		if (!in_list(allowed, key))
			return FAIL(diag, MEDFW_ERR_FIELD_VALUE, "%s: unknown field \"%.40s\"", what,
				    key);
	}
	return MEDFW_OK;
}

static int is_lower_hex(const char *s, size_t len)
{
	if (strlen(s) != len)
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

/* Printable text: no control characters, not blank at either end. */
static int clean_text(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || s[0] == ' ' || s[n - 1] == ' ')
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p != 0; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* A string member of signed: 1..max bytes of clean text, copied to out. Absent and
 * optional: out = "". */
static enum medfw_err get_text(const json_t *obj, const char *key, size_t max, int required,
			       char *out, size_t out_cap, struct medfw_diag *diag)
{
	const char *s = NULL;
	enum medfw_err err;

	out[0] = '\0';
	if (!required && json_object_get(obj, key) == NULL)
		return MEDFW_OK;
	err = medfw_json_get_string(obj, PREFIX ": signed", key, &s, diag);
	if (err != MEDFW_OK)
		return err;
	if (strlen(s) > max || strlen(s) >= out_cap)
		return FAIL(diag, MEDFW_ERR_FIELD_VALUE, "signed.%s is longer than %zu bytes", key,
			    max);
	if (!clean_text(s))
		return FAIL(diag, MEDFW_ERR_FIELD_VALUE,
			    "signed.%s must be non-empty text without control characters or "
			    "surrounding spaces", key);
	memcpy(out, s, strlen(s) + 1);
	return MEDFW_OK;
}

static enum medfw_err get_time(const json_t *obj, const char *key, int required,
			       int64_t *out, struct medfw_diag *diag)
{
	const char *s = NULL;
	enum medfw_err err;

	*out = 0;
	if (!required && json_object_get(obj, key) == NULL)
		return MEDFW_OK;
	err = medfw_json_get_string(obj, PREFIX ": signed", key, &s, diag);
	if (err != MEDFW_OK)
		return err;
	if (medfw_parse_utc_time(s, out) != MEDFW_OK || *out <= 0) {
		*out = 0;
		return FAIL(diag, MEDFW_ERR_FIELD_VALUE,
			    "signed.%s must be a UTC time \"YYYY-MM-DDTHH:MM:SSZ\"", key);
	}
	return MEDFW_OK;
}

/* "YYYY-MM-DD", a real date. */
static int is_date(const char *s, size_t len)
{
	char t[MEDFW_UTC_TIME_LEN + 1];
	int64_t v = 0;

	if (len != 10)
		return 0;
	memcpy(t, s, 10);
	memcpy(t + 10, "T00:00:00Z", 11);
	return medfw_parse_utc_time(t, &v) == MEDFW_OK;
}

/* A UDI-PI value (lot, serial, software version): 1..20 characters of GS1 CSET 82
 * without ';' and '=' (the separators of the stored form). */
static int is_pi_value(const char *s, size_t len)
{
	if (len == 0 || len > MEDFW_UDI_LOT_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x21 || c > 0x7e || c == ';' || c == '=' || c == '#' || c == '$' ||
		    c == '@' || c == '[' || c == '\\' || c == ']' || c == '^' || c == '`' ||
		    c == '{' || c == '|' || c == '}' || c == '~')
			return 0;
	}
	return 1;
}

/* The production identifier in the form the inventory stores it (docs/devices.md):
 * "lot=...;serial=...;expiry=YYYY-MM-DD;manufactured=YYYY-MM-DD;software=...", each
 * element optional but in this order, at least one. A serial must equal `serial`. */
static enum medfw_err check_udi_pi(const char *pi, const char *serial, struct medfw_diag *diag)
{
	static const char *const keys[] = {"lot", "serial", "expiry", "manufactured", "software"};
	size_t next = 0;
	const char *p = pi;

	while (*p != '\0') {
		const char *end = strchr(p, ';');
		const char *eq = strchr(p, '=');
		size_t seg = end != NULL ? (size_t)(end - p) : strlen(p);
		size_t k, klen, vlen;
		const char *v;

		if (eq == NULL || (size_t)(eq - p) >= seg)
			return FAIL(diag, MEDFW_ERR_FIELD_VALUE,
				    "signed.udi_pi: element %zu is not key=value", next + 1);
		klen = (size_t)(eq - p);
		v = eq + 1;
		vlen = seg - klen - 1;
		for (k = next; k < COUNT(keys); k++)
			if (strlen(keys[k]) == klen && memcmp(keys[k], p, klen) == 0)
				break;
		if (k == COUNT(keys))
			return FAIL(diag, MEDFW_ERR_FIELD_VALUE,
				    "signed.udi_pi: unknown, repeated or out-of-order element "
				    "(expected lot, serial, expiry, manufactured, software)");
		if (k == 2 || k == 3 ? !is_date(v, vlen) : !is_pi_value(v, vlen))
			return FAIL(diag, MEDFW_ERR_FIELD_VALUE, "signed.udi_pi: %s is malformed",
				    keys[k]);
		if (k == 1 && (strlen(serial) != vlen || memcmp(serial, v, vlen) != 0))
			return FAIL(diag, MEDFW_ERR_FIELD_VALUE,
				    "signed.udi_pi: serial differs from signed.serial");
		next = k + 1;
		p += seg;
		if (*p == ';') {
			p++;
			if (*p == '\0')
				return FAIL(diag, MEDFW_ERR_FIELD_VALUE,
					    "signed.udi_pi: ends with ';'");
		}
	}
	if (next == 0)
		return FAIL(diag, MEDFW_ERR_FIELD_VALUE, "signed.udi_pi is empty");
	return MEDFW_OK;
}

static enum medfw_err parse_signed(const json_t *sig_obj, struct medfw_device_statement *st,
				   struct medfw_diag *diag)
{
	const char *type = NULL, *spec = NULL, *pk = NULL;
	struct medfw_pubkey *key = NULL;
	size_t n = 0;
	enum medfw_err err;

	err = only_fields(sig_obj, "signed", signed_fields, diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_string(sig_obj, PREFIX ": signed", "_type", &type, diag);
	if (err == MEDFW_OK && strcmp(type, MEDFW_DEVSTMT_TYPE) != 0)
		err = FAIL(diag, MEDFW_ERR_ROLE_TYPE, "signed._type must be \"%s\"",
			   MEDFW_DEVSTMT_TYPE);
	if (err == MEDFW_OK)
		err = medfw_json_get_string(sig_obj, PREFIX ": signed", "spec_version", &spec, diag);
	if (err == MEDFW_OK && strcmp(spec, MEDFW_DEVSTMT_SPEC_VERSION) != 0)
		err = FAIL(diag, MEDFW_ERR_SPEC_VERSION, "signed.spec_version must be \"%s\"",
			   MEDFW_DEVSTMT_SPEC_VERSION);
	if (err == MEDFW_OK)
		err = get_text(sig_obj, "manufacturer", MEDFW_DEVSTMT_TEXT_MAX, 1, st->manufacturer,
			       sizeof(st->manufacturer), diag);
	if (err == MEDFW_OK)
		err = get_text(sig_obj, "model", MEDFW_DEVSTMT_TEXT_MAX, 1, st->model,
			       sizeof(st->model), diag);
	if (err == MEDFW_OK)
		err = get_text(sig_obj, "serial", MEDFW_DEVSTMT_SERIAL_MAX, 1, st->serial,
			       sizeof(st->serial), diag);
	if (err == MEDFW_OK)
		err = get_text(sig_obj, "hardware_id", MEDFW_DEVSTMT_TEXT_MAX, 1, st->hardware_id,
			       sizeof(st->hardware_id), diag);
	if (err == MEDFW_OK)
		err = get_text(sig_obj, "udi_di", MEDFW_DEVSTMT_UDI_DI_MAX, 0, st->udi_di,
			       sizeof(st->udi_di), diag);
	if (err == MEDFW_OK && st->udi_di[0] != '\0') {
		struct medfw_diag udi;

		medfw_diag_clear(&udi);
		if (medfw_udi_di_validate(st->udi_di, NULL, &udi) != MEDFW_OK)
			err = FAIL(diag, MEDFW_ERR_FIELD_VALUE, "signed.udi_di: %s", udi.msg);
	}
	if (err == MEDFW_OK)
		err = get_text(sig_obj, "udi_pi", MEDFW_DEVSTMT_TEXT_MAX, 0, st->udi_pi,
			       sizeof(st->udi_pi), diag);
	if (err == MEDFW_OK && st->udi_pi[0] != '\0') {
		if (st->udi_di[0] == '\0')
			err = FAIL(diag, MEDFW_ERR_FIELD_MISSING, "signed.udi_pi needs signed.udi_di");
		else
			err = check_udi_pi(st->udi_pi, st->serial, diag);
	}
	if (err == MEDFW_OK)
		err = medfw_json_get_string(sig_obj, PREFIX ": signed", "public_key", &pk, diag);
	if (err == MEDFW_OK &&
	    (!is_lower_hex(pk, 2 * MEDFW_DEVSTMT_PUBKEY_LEN) ||
	     medfw_hex_decode(pk, st->public_key, sizeof(st->public_key), &n) != MEDFW_OK ||
	     n != sizeof(st->public_key) ||
	     medfw_httpsig_pubkey_from_raw(st->public_key, n, &key, NULL) != MEDFW_OK))
		err = FAIL(diag, MEDFW_ERR_FIELD_VALUE,
			   "signed.public_key must be an Ed25519 public key as 64 lowercase hex "
			   "digits");
	medfw_pubkey_free(key);
	if (err == MEDFW_OK)
		memcpy(st->public_key_hex, pk, sizeof(st->public_key_hex));
	if (err == MEDFW_OK)
		err = get_time(sig_obj, "issued", 1, &st->issued, diag);
	if (err == MEDFW_OK)
		err = get_time(sig_obj, "expires", 0, &st->expires, diag);
	if (err == MEDFW_OK && st->expires != 0 && st->expires <= st->issued)
		err = FAIL(diag, MEDFW_ERR_FIELD_VALUE, "signed.expires must be after signed.issued");
	return err;
}

static enum medfw_err parse_signatures(const json_t *sigs, struct medfw_device_statement *st,
				       struct medfw_diag *diag)
{
	size_t count = json_array_size(sigs);

	if (!json_is_array(sigs))
		return FAIL(diag, MEDFW_ERR_FIELD_TYPE, "signatures must be an array");
	if (count == 0)
		return FAIL(diag, MEDFW_ERR_FIELD_MISSING, "signatures is empty");
	if (count > MEDFW_DEVSTMT_MAX_SIGNATURES)
		return FAIL(diag, MEDFW_ERR_TOO_LARGE, "more than %d signatures",
			    MEDFW_DEVSTMT_MAX_SIGNATURES);
	for (size_t i = 0; i < count; i++) {
		const json_t *entry = json_array_get(sigs, i);
		const char *keyid = NULL, *hex = NULL;
		char what[48];
		enum medfw_err err;

		snprintf(what, sizeof(what), "signatures[%zu]", i);
		err = only_fields(entry, what, signature_fields, diag);
		if (err == MEDFW_OK)
			err = medfw_json_get_string(entry, PREFIX ": signatures[]", "keyid", &keyid,
						    diag);
		if (err == MEDFW_OK)
			err = medfw_json_get_string(entry, PREFIX ": signatures[]", "sig", &hex, diag);
		if (err != MEDFW_OK)
			return err;
		if (!is_lower_hex(keyid, MEDFW_KEYID_HEX_LEN))
			return FAIL(diag, MEDFW_ERR_FIELD_VALUE,
				    "%s.keyid must be 64 lowercase hex digits", what);
		if (strlen(hex) == 0 || strlen(hex) > 2 * MEDFW_SIG_MAX_LEN ||
		    medfw_hex_decode(hex, st->sigs[i].sig, sizeof(st->sigs[i].sig),
				     &st->sigs[i].sig_len) != MEDFW_OK)
			return FAIL(diag, MEDFW_ERR_FIELD_VALUE,
				    "%s.sig must be 1..%d bytes as hex", what, MEDFW_SIG_MAX_LEN);
		memcpy(st->sigs[i].keyid, keyid, MEDFW_KEYID_HEX_LEN + 1);
		st->sig_count = i + 1;
	}
	return MEDFW_OK;
}

/* ---------------------------------------------------------------- parsing */

void medfw_device_statement_free(struct medfw_device_statement *st)
{
	if (st == NULL)
		return;
	medfw_buf_free(&st->signed_canonical);
	free(st);
}

enum medfw_err medfw_device_statement_from_json_unverified(const json_t *envelope,
							   struct medfw_device_statement **out,
							   struct medfw_diag *diag)
{
	struct medfw_device_statement *st = NULL;
	struct medfw_buf probe;
	uint8_t digest[MEDFW_SHA256_LEN];
	size_t dlen = 0;
	enum medfw_err err;

	*out = NULL;
	/* Bound the whole document first: a request body may be far larger. */
	medfw_buf_init(&probe, MEDFW_DEVSTMT_MAX_BYTES);
	err = medfw_json_canonical(envelope, &probe, NULL);
	medfw_buf_free(&probe);
	if (err == MEDFW_ERR_TOO_LARGE || err == MEDFW_ERR_TOO_DEEP)
		return FAIL(diag, err, "larger than %u bytes", MEDFW_DEVSTMT_MAX_BYTES);
	if (err != MEDFW_OK)
		return FAIL(diag, err, "cannot be encoded as canonical JSON (a real number?)");
	err = only_fields(envelope, "the statement", envelope_fields, diag);
	if (err != MEDFW_OK)
		return err;
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	medfw_buf_init(&st->signed_canonical, MEDFW_DEVSTMT_MAX_BYTES);
	if (json_object_get(envelope, "signed") == NULL)
		err = FAIL(diag, MEDFW_ERR_FIELD_MISSING, "signed is missing");
	else if (json_object_get(envelope, "signatures") == NULL)
		err = FAIL(diag, MEDFW_ERR_FIELD_MISSING, "signatures is missing");
	if (err == MEDFW_OK)
		err = parse_signed(json_object_get(envelope, "signed"), st, diag);
	if (err == MEDFW_OK)
		err = parse_signatures(json_object_get(envelope, "signatures"), st, diag);
	if (err == MEDFW_OK)
		err = medfw_json_canonical(json_object_get(envelope, "signed"), &st->signed_canonical,
					   diag);
	if (err == MEDFW_OK)
		err = medfw_hash_oneshot(MEDFW_HASH_SHA256, st->signed_canonical.data,
					 st->signed_canonical.len, digest, sizeof(digest), &dlen);
	if (err == MEDFW_OK)
		err = medfw_hex_encode(digest, dlen, st->statement_sha256,
				       sizeof(st->statement_sha256));
	if (err != MEDFW_OK) {
		medfw_device_statement_free(st);
		return err;
	}
	*out = st;
	return MEDFW_OK;
}

enum medfw_err medfw_device_statement_parse_unverified(const uint8_t *data, size_t len,
						       struct medfw_device_statement **out,
						       struct medfw_diag *diag)
{
	json_t *doc = NULL;
	enum medfw_err err;

	*out = NULL;
	err = medfw_json_parse(data, len, MEDFW_DEVSTMT_MAX_BYTES, MEDFW_DEVSTMT_MAX_DEPTH, &doc,
			       diag);
	if (err == MEDFW_OK)
		err = medfw_device_statement_from_json_unverified(doc, out, diag);
	json_decref(doc);
	return err;
}

/* ---------------------------------------------------------------- trusted keys */

void medfw_device_statement_keys_free(struct medfw_device_statement_keys *keys)
{
	if (keys == NULL)
		return;
	for (size_t i = 0; i < keys->count; i++)
		medfw_pubkey_free(keys->keys[i]);
	free(keys);
}

size_t medfw_device_statement_keys_count(const struct medfw_device_statement_keys *keys)
{
	return keys != NULL ? keys->count : 0;
}

const char *medfw_device_statement_keys_keyid(const struct medfw_device_statement_keys *keys,
					      size_t i)
{
	return keys != NULL && i < keys->count ? medfw_pubkey_keyid(keys->keys[i]) : NULL;
}

enum medfw_err medfw_device_statement_keys_load(const uint8_t *data, size_t len,
						struct medfw_device_statement_keys **out,
						struct medfw_diag *diag)
{
	static const char *const top[] = {"keys", NULL};
	struct medfw_device_statement_keys *set = NULL;
	json_t *doc = NULL, *map = NULL, *obj;
	const char *keyid;
	enum medfw_err err;

	*out = NULL;
	err = medfw_json_parse(data, len, MEDFW_DEVSTMT_KEYS_MAX_BYTES, 8, &doc, diag);
	if (err == MEDFW_OK)
		err = only_fields(doc, "trusted keys", top, diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_object(doc, "trusted keys", "keys", &map, diag);
	if (err == MEDFW_OK && json_object_size(map) == 0)
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING, "trusted keys: keys is empty");
	if (err == MEDFW_OK && json_object_size(map) > MEDFW_DEVSTMT_KEYS_MAX)
		err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "trusted keys: more than %d keys",
				     MEDFW_DEVSTMT_KEYS_MAX);
	if (err == MEDFW_OK && (set = calloc(1, sizeof(*set))) == NULL)
		err = medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	if (err == MEDFW_OK) {
		json_object_foreach(map, keyid, obj) {
			struct medfw_pubkey *key = NULL;
			struct medfw_diag kd;

			medfw_diag_clear(&kd);
			err = medfw_pubkey_from_json(obj, &key, &kd);
			if (err != MEDFW_OK) {
				medfw_diag_set(diag, err, "trusted keys: keys.%.64s: %s", keyid,
					       medfw_diag_message(&kd, err));
				break;
			}
			set->keys[set->count++] = key;
			if (strcmp(medfw_pubkey_keyid(key), keyid) != 0) {
				err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						     "trusted keys: keys.%.64s: the key id is not the "
						     "key's (computed %s)", keyid,
						     medfw_pubkey_keyid(key));
				break;
			}
		}
	}
	json_decref(doc);
	if (err != MEDFW_OK) {
		medfw_device_statement_keys_free(set);
		return err;
	}
	*out = set;
	return MEDFW_OK;
}

/* ---------------------------------------------------------------- verification */

/* Two keys are one when their ids or their key material are equal. */
static int same_key(const struct medfw_pubkey *a, const struct medfw_pubkey *b)
{
	const json_t *ka = json_object_get(json_object_get(medfw_pubkey_json(a), "keyval"), "public");
	const json_t *kb = json_object_get(json_object_get(medfw_pubkey_json(b), "keyval"), "public");

	return strcmp(medfw_pubkey_keyid(a), medfw_pubkey_keyid(b)) == 0 ||
	       (json_is_string(ka) && json_is_string(kb) &&
		strcmp(json_string_value(ka), json_string_value(kb)) == 0);
}

/* Whether one of st's signatures by `key`'s id verifies. */
static int signed_by(const struct medfw_device_statement *st, const struct medfw_pubkey *key)
{
	for (size_t s = 0; s < st->sig_count; s++)
		if (strcmp(st->sigs[s].keyid, medfw_pubkey_keyid(key)) == 0 &&
		    medfw_pubkey_verify(key, st->signed_canonical.data, st->signed_canonical.len,
					st->sigs[s].sig, st->sigs[s].sig_len, NULL) == MEDFW_OK)
			return 1;
	return 0;
}

enum medfw_err medfw_device_statement_verify(const struct medfw_device_statement *st,
					     const struct medfw_device_statement_keys *trusted,
					     int64_t now, int64_t max_skew, char *out_keyid,
					     struct medfw_diag *diag)
{
	const struct medfw_pubkey *counted[MEDFW_DEVSTMT_KEYS_MAX];
	enum medfw_err result = MEDFW_ERR_THRESHOLD;
	size_t valid = 0;

	if (out_keyid != NULL)
		out_keyid[0] = '\0';
	if (st == NULL || trusted == NULL || trusted->count == 0 || max_skew < 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, PREFIX ": nothing to verify");
	for (size_t k = 0; k < trusted->count; k++) {
		int dup = 0;

		for (size_t j = 0; j < valid; j++)
			dup |= same_key(counted[j], trusted->keys[k]);
		if (!dup && signed_by(st, trusted->keys[k]))
			counted[valid++] = trusted->keys[k];
	}
	if (valid < MEDFW_DEVSTMT_THRESHOLD)
		FAIL(diag, MEDFW_ERR_THRESHOLD,
		     "not signed by a trusted manufacturer key (%zu of %d required valid "
		     "signatures; first signature by key id %.16s...)",
		     valid, MEDFW_DEVSTMT_THRESHOLD, st->sigs[0].keyid);
	else if (st->issued > now && st->issued - now > max_skew)
		result = FAIL(diag, MEDFW_ERR_FIELD_VALUE, "signed.issued is in the future");
	else if (st->expires != 0 && now >= st->expires)
		result = FAIL(diag, MEDFW_ERR_EXPIRED, "expired (signed.expires has passed)");
	else
		result = MEDFW_OK;
	if (result == MEDFW_OK && out_keyid != NULL)
		memcpy(out_keyid, medfw_pubkey_keyid(counted[0]), MEDFW_KEYID_HEX_LEN + 1);
	return result;
}

/* ---------------------------------------------------------------- creation */

static json_t *signed_json(const struct medfw_device_statement_fields *f)
{
	json_t *obj = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:o*}", "_type",
				MEDFW_DEVSTMT_TYPE, "spec_version", MEDFW_DEVSTMT_SPEC_VERSION,
				"manufacturer", f->manufacturer, "model", f->model, "serial",
				f->serial, "hardware_id", f->hardware_id, "public_key",
				f->public_key_hex, "issued", medfw_tuf_time_json(f->issued));

	if (obj != NULL && f->udi_di != NULL &&
	    json_object_set_new(obj, "udi_di", json_string(f->udi_di)) != 0)
		goto fail;
	if (obj != NULL && f->udi_pi != NULL &&
	    json_object_set_new(obj, "udi_pi", json_string(f->udi_pi)) != 0)
		goto fail;
	if (obj != NULL && f->expires != 0 &&
	    json_object_set_new(obj, "expires", medfw_tuf_time_json(f->expires)) != 0)
		goto fail;
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

enum medfw_err medfw_device_statement_sign(const struct medfw_device_statement_fields *fields,
					   const struct medfw_privkey *key, struct medfw_buf *out,
					   struct medfw_diag *diag)
{
	struct medfw_device_statement_keys self = {0};
	struct medfw_device_statement *check = NULL;
	struct medfw_buf bytes;
	json_t *env = NULL, *sig_obj = NULL;
	enum medfw_err err;

	if (fields == NULL || key == NULL || out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, PREFIX ": nothing to sign");
	medfw_buf_init(&bytes, MEDFW_DEVSTMT_MAX_BYTES);
	sig_obj = signed_json(fields);
	env = sig_obj != NULL ? medfw_tuf_envelope_new(sig_obj) : NULL;
	err = env != NULL ? MEDFW_OK : medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	/* Validate before signing: the same rules as a reader applies. */
	if (err == MEDFW_OK && (err = only_fields(env, "the statement", envelope_fields, diag)) ==
				       MEDFW_OK) {
		struct medfw_device_statement *probe = calloc(1, sizeof(*probe));

		err = probe != NULL ? parse_signed(sig_obj, probe, diag) : MEDFW_ERR_NOMEM;
		free(probe);
	}
	if (err == MEDFW_OK)
		err = medfw_tuf_envelope_sign(env, key, diag);
	if (err == MEDFW_OK)
		err = medfw_tuf_envelope_serialize(env, &bytes, diag);
	/* Verify what is written. */
	if (err == MEDFW_OK)
		err = medfw_device_statement_parse_unverified(bytes.data, bytes.len, &check, diag);
	if (err == MEDFW_OK)
		err = medfw_privkey_public(key, &self.keys[0], diag);
	if (err == MEDFW_OK) {
		self.count = 1;
		err = medfw_device_statement_verify(check, &self, fields->issued, 0, NULL, diag);
	}
	if (err == MEDFW_OK)
		err = medfw_buf_append(out, bytes.data, bytes.len);
	medfw_pubkey_free(self.keys[0]);
	medfw_device_statement_free(check);
	medfw_buf_free(&bytes);
	json_decref(env);
	json_decref(sig_obj);
	return err;
}
