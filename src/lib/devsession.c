/* Device sessions (include/medfw/devsession.h): keyids, key derivation, sealing. */
#include "medfw/devsession.h"

#include <stdio.h>
#include <string.h>

#include "medfw/buf.h"
#include "medfw/num.h"

#define KEYID_PREFIX "s1."
#define RAND_LEN 16
#define DERIVE_LABEL "medfw device session v1"
#define WRAP_LABEL "medfw device session wrap v1"
#define NUM_MAX 19 /* digits of INT64_MAX */

int medfw_devsession_is_keyid(const char *keyid)
{
	return keyid != NULL && strncmp(keyid, KEYID_PREFIX, sizeof(KEYID_PREFIX) - 1) == 0;
}

enum medfw_err medfw_devsession_keyid_make(int64_t device_id, int64_t expires, char *out,
					   size_t out_cap)
{
	uint8_t rnd[RAND_LEN];
	char hex[2 * RAND_LEN + 1];
	enum medfw_err err;
	int n;

	if (out == NULL || out_cap < MEDFW_DEVSESSION_KEYID_MAX || device_id <= 0 ||
	    expires <= 0)
		return MEDFW_ERR_INVALID_ARG;
	out[0] = '\0';
	err = medfw_random_bytes(rnd, sizeof(rnd));
	if (err == MEDFW_OK)
		err = medfw_hex_encode(rnd, sizeof(rnd), hex, sizeof(hex));
	if (err != MEDFW_OK)
		return err;
	n = snprintf(out, out_cap, KEYID_PREFIX "%lld.%lld.%s", (long long)device_id,
		     (long long)expires, hex);
	return n > 0 && (size_t)n < out_cap ? MEDFW_OK : MEDFW_ERR_TOO_LARGE;
}

/* One decimal field of the keyid up to the next '.', advancing *p past it. */
static int take_number(const char **p, int64_t *out)
{
	const char *dot = strchr(*p, '.');
	char num[NUM_MAX + 1];
	uint64_t v = 0;
	size_t len;

	if (dot == NULL)
		return 0;
	len = (size_t)(dot - *p);
	if (len == 0 || len > NUM_MAX)
		return 0;
	memcpy(num, *p, len);
	num[len] = '\0';
	if (medfw_parse_u64(num, 1, INT64_MAX, &v) != MEDFW_OK)
		return 0;
	*out = (int64_t)v;
	*p = dot + 1;
	return 1;
}

enum medfw_err medfw_devsession_keyid_parse(const char *keyid, int64_t *device_id,
					    int64_t *expires)
{
	const char *p;
	int64_t id = 0, exp = 0;
	size_t i;

	if (device_id != NULL)
		*device_id = 0;
	if (expires != NULL)
		*expires = 0;
	if (keyid == NULL || device_id == NULL || expires == NULL)
		return MEDFW_ERR_INVALID_ARG;
	if (!medfw_devsession_is_keyid(keyid) ||
	    strnlen(keyid, MEDFW_DEVSESSION_KEYID_MAX) >= MEDFW_DEVSESSION_KEYID_MAX)
		return MEDFW_ERR_FIELD_VALUE;
	p = keyid + sizeof(KEYID_PREFIX) - 1;
	if (!take_number(&p, &id) || !take_number(&p, &exp))
		return MEDFW_ERR_FIELD_VALUE;
	if (strlen(p) != 2 * RAND_LEN)
		return MEDFW_ERR_FIELD_VALUE;
	for (i = 0; i < 2 * RAND_LEN; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return MEDFW_ERR_FIELD_VALUE;
	*device_id = id;
	*expires = exp;
	return MEDFW_OK;
}

enum medfw_err medfw_devsession_derive(const uint8_t master[MEDFW_DEVSESSION_MASTER_LEN],
				       const char *keyid,
				       const uint8_t device_public_key[MEDFW_ED25519_RAW_LEN],
				       uint8_t out[MEDFW_DEVSESSION_KEY_LEN])
{
	uint8_t msg[sizeof(DERIVE_LABEL) + MEDFW_DEVSESSION_KEYID_MAX + MEDFW_ED25519_RAW_LEN];
	int64_t id = 0, exp = 0;
	size_t len = 0, klen, n = 0;
	enum medfw_err err;

	if (out == NULL)
		return MEDFW_ERR_INVALID_ARG;
	memset(out, 0, MEDFW_DEVSESSION_KEY_LEN);
	if (master == NULL || device_public_key == NULL ||
	    medfw_devsession_keyid_parse(keyid, &id, &exp) != MEDFW_OK)
		return MEDFW_ERR_INVALID_ARG;
	klen = strlen(keyid);
	memcpy(msg, DERIVE_LABEL, sizeof(DERIVE_LABEL)); /* with its NUL separator */
	len = sizeof(DERIVE_LABEL);
	memcpy(msg + len, keyid, klen + 1);
	len += klen + 1;
	memcpy(msg + len, device_public_key, MEDFW_ED25519_RAW_LEN);
	len += MEDFW_ED25519_RAW_LEN;
	err = medfw_hmac(MEDFW_MAC_HMAC_SHA256, master, MEDFW_DEVSESSION_MASTER_LEN, msg, len,
			 out, MEDFW_DEVSESSION_KEY_LEN, &n);
	if (err == MEDFW_OK && n != MEDFW_DEVSESSION_KEY_LEN)
		err = MEDFW_ERR_CRYPTO;
	if (err != MEDFW_OK)
		medfw_wipe(out, MEDFW_DEVSESSION_KEY_LEN);
	return err;
}

/* WK from the X25519 secret, both public keys and the keyid. */
static enum medfw_err wrap_key(const uint8_t shared[MEDFW_X25519_LEN],
			       const uint8_t device_public[MEDFW_X25519_LEN],
			       const uint8_t server_public[MEDFW_X25519_LEN], const char *keyid,
			       uint8_t out[MEDFW_AEAD_KEY_LEN])
{
	uint8_t salt[2 * MEDFW_X25519_LEN];
	uint8_t info[sizeof(WRAP_LABEL) + MEDFW_DEVSESSION_KEYID_MAX];
	size_t klen = strnlen(keyid, MEDFW_DEVSESSION_KEYID_MAX);

	if (klen >= MEDFW_DEVSESSION_KEYID_MAX)
		return MEDFW_ERR_INVALID_ARG;
	memcpy(salt, device_public, MEDFW_X25519_LEN);
	memcpy(salt + MEDFW_X25519_LEN, server_public, MEDFW_X25519_LEN);
	memcpy(info, WRAP_LABEL, sizeof(WRAP_LABEL));
	memcpy(info + sizeof(WRAP_LABEL), keyid, klen);
	return medfw_hkdf_sha256(salt, sizeof(salt), shared, MEDFW_X25519_LEN, info,
				 sizeof(WRAP_LABEL) + klen, out, MEDFW_AEAD_KEY_LEN);
}

enum medfw_err medfw_devsession_seal(const uint8_t key[MEDFW_DEVSESSION_KEY_LEN],
				     const uint8_t device_x25519[MEDFW_X25519_LEN],
				     const char *keyid, struct medfw_devsession_sealed *out)
{
	uint8_t priv[MEDFW_X25519_LEN], shared[MEDFW_X25519_LEN], wk[MEDFW_AEAD_KEY_LEN];
	enum medfw_err err;

	if (out == NULL)
		return MEDFW_ERR_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	if (key == NULL || device_x25519 == NULL || keyid == NULL)
		return MEDFW_ERR_INVALID_ARG;
	err = medfw_x25519_generate(priv, out->server_public);
	if (err == MEDFW_OK)
		err = medfw_x25519_shared(priv, device_x25519, shared);
	if (err == MEDFW_OK)
		err = wrap_key(shared, device_x25519, out->server_public, keyid, wk);
	if (err == MEDFW_OK)
		err = medfw_random_bytes(out->nonce, sizeof(out->nonce));
	if (err == MEDFW_OK)
		err = medfw_aead_seal(wk, out->nonce, (const uint8_t *)keyid, strlen(keyid), key,
				      MEDFW_DEVSESSION_KEY_LEN, out->sealed);
	medfw_wipe(priv, sizeof(priv));
	medfw_wipe(shared, sizeof(shared));
	medfw_wipe(wk, sizeof(wk));
	if (err != MEDFW_OK)
		memset(out, 0, sizeof(*out));
	return err;
}

enum medfw_err medfw_devsession_open(const uint8_t device_private[MEDFW_X25519_LEN],
				     const uint8_t device_public[MEDFW_X25519_LEN],
				     const char *keyid, const struct medfw_devsession_sealed *in,
				     uint8_t key[MEDFW_DEVSESSION_KEY_LEN])
{
	uint8_t shared[MEDFW_X25519_LEN], wk[MEDFW_AEAD_KEY_LEN];
	enum medfw_err err;

	if (key == NULL)
		return MEDFW_ERR_INVALID_ARG;
	memset(key, 0, MEDFW_DEVSESSION_KEY_LEN);
	if (device_private == NULL || device_public == NULL || keyid == NULL || in == NULL)
		return MEDFW_ERR_INVALID_ARG;
	err = medfw_x25519_shared(device_private, in->server_public, shared);
	if (err == MEDFW_OK)
		err = wrap_key(shared, device_public, in->server_public, keyid, wk);
	if (err == MEDFW_OK)
		err = medfw_aead_open(wk, in->nonce, (const uint8_t *)keyid, strlen(keyid),
				      in->sealed, sizeof(in->sealed), key);
	medfw_wipe(shared, sizeof(shared));
	medfw_wipe(wk, sizeof(wk));
	if (err != MEDFW_OK)
		medfw_wipe(key, MEDFW_DEVSESSION_KEY_LEN);
	return err;
}
