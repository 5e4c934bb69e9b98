/* TUF signature thresholds, length and hash checks, delegation matching. */
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/tuf.h"

static const struct medfw_pubkey *find_key(const struct medfw_tuf_keyring *keys,
					   const char *keyid)
{
	for (size_t i = 0; i < keys->count; i++)
		if (strcmp(keys->items[i].keyid, keyid) == 0)
			return keys->items[i].key;
	return NULL;
}

static const struct medfw_tuf_signature *find_sig(const struct medfw_tuf_meta *meta,
						  const char *keyid)
{
	for (size_t i = 0; i < meta->sig_count; i++)
		if (strcmp(meta->sigs[i].keyid, keyid) == 0)
			return &meta->sigs[i];
	return NULL;
}

/* Two key ids naming the same key material count once. */
static int same_key(const struct medfw_pubkey *a, const struct medfw_pubkey *b)
{
	const json_t *ka = json_object_get(json_object_get(medfw_pubkey_json(a), "keyval"), "public");
	const json_t *kb = json_object_get(json_object_get(medfw_pubkey_json(b), "keyval"), "public");

	return json_is_string(ka) && json_is_string(kb) &&
	       strcmp(json_string_value(ka), json_string_value(kb)) == 0;
}

size_t medfw_tuf_meta_count_valid(const struct medfw_tuf_meta *meta,
				  const struct medfw_tuf_keyring *keys,
				  const struct medfw_tuf_role_keys *role)
{
	const struct medfw_pubkey **counted;
	size_t valid = 0;

	if (role->keyid_count == 0)
		return 0;
	counted = calloc(role->keyid_count, sizeof(*counted));
	if (counted == NULL)
		return 0;
	for (size_t i = 0; i < role->keyid_count; i++) {
		const struct medfw_pubkey *key = find_key(keys, role->keyids[i]);
		const struct medfw_tuf_signature *sig = find_sig(meta, role->keyids[i]);
		int dup = 0;

		if (key == NULL || sig == NULL || sig->sig == NULL)
			continue;
		for (size_t j = 0; j < valid; j++)
			dup |= same_key(counted[j], key);
		if (dup)
			continue;
		if (medfw_pubkey_verify(key, meta->signed_canonical.data, meta->signed_canonical.len,
					sig->sig, sig->sig_len, NULL) != MEDFW_OK)
			continue;
		counted[valid++] = key;
	}
	free(counted);
	return valid;
}

enum medfw_err medfw_tuf_meta_verify_role_count(const struct medfw_tuf_meta *meta,
						const struct medfw_tuf_keyring *keys,
						const struct medfw_tuf_role_keys *role,
						const char *what, size_t *out_valid,
						struct medfw_diag *diag)
{
	enum medfw_err result = MEDFW_ERR_THRESHOLD;
	size_t valid;

	*out_valid = 0;
	if (meta == NULL || keys == NULL || role == NULL || role->threshold < 1)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: nothing to verify", what);
	valid = medfw_tuf_meta_count_valid(meta, keys, role);
	*out_valid = valid;
	if (valid >= (uint64_t)role->threshold)
		result = MEDFW_OK;
	else
		medfw_diag_set(diag, MEDFW_ERR_THRESHOLD,
			       "%s: %zu of %lld required signatures are valid", what, valid,
			       (long long)role->threshold);
	return result;
}

enum medfw_err medfw_tuf_meta_verify_role(const struct medfw_tuf_meta *meta,
					  const struct medfw_tuf_keyring *keys,
					  const struct medfw_tuf_role_keys *role, const char *what,
					  struct medfw_diag *diag)
{
	size_t valid;

	return medfw_tuf_meta_verify_role_count(meta, keys, role, what, &valid, diag);
}

/* ---- length and hashes ---- */

struct medfw_tuf_hash_check {
	int64_t length;
	uint64_t seen;
	size_t count;
	struct {
		const char *alg;
		struct medfw_hash *h;
		uint8_t want[MEDFW_HASH_MAX_LEN];
		size_t want_len;
	} items[4];
	char what[128];
};

void medfw_tuf_hash_check_free(struct medfw_tuf_hash_check *hc)
{
	if (hc == NULL)
		return;
	for (size_t i = 0; i < hc->count; i++)
		medfw_hash_free(hc->items[i].h);
	free(hc);
}

enum medfw_err medfw_tuf_hash_check_new(int64_t length, const json_t *hashes, const char *what,
					struct medfw_tuf_hash_check **out,
					struct medfw_diag *diag)
{
	struct medfw_tuf_hash_check *hc;
	const char *alg;
	json_t *v;

	*out = NULL;
	hc = calloc(1, sizeof(*hc));
	if (hc == NULL)
		return MEDFW_ERR_NOMEM;
	hc->length = length;
	snprintf(hc->what, sizeof(hc->what), "%s", what);
	if (hashes == NULL) {
		*out = hc;
		return MEDFW_OK;
	}
	if (!json_is_object(hashes) || json_object_size(hashes) == 0 ||
	    json_object_size(hashes) > sizeof(hc->items) / sizeof(hc->items[0])) {
		medfw_tuf_hash_check_free(hc);
		return medfw_diag_set(diag, MEDFW_ERR_HASH_MISMATCH, "%s: unusable hash set", what);
	}
	json_object_foreach((json_t *)(uintptr_t)hashes, alg, v) {
		enum medfw_hash_alg a;
		size_t i = hc->count;

		if (medfw_hash_alg_parse(alg, &a) != MEDFW_OK || !json_is_string(v) ||
		    medfw_hex_decode(json_string_value(v), hc->items[i].want,
				     sizeof(hc->items[i].want), &hc->items[i].want_len) != MEDFW_OK ||
		    hc->items[i].want_len != medfw_hash_len(a)) {
			medfw_tuf_hash_check_free(hc);
			return medfw_diag_set(diag, MEDFW_ERR_HASH_MISMATCH,
					      "%s: cannot check hash \"%.32s\"", what, alg);
		}
		hc->items[i].alg = alg;
		hc->items[i].h = medfw_hash_new(a);
		if (hc->items[i].h == NULL) {
			medfw_tuf_hash_check_free(hc);
			return MEDFW_ERR_CRYPTO;
		}
		hc->count++;
	}
	*out = hc;
	return MEDFW_OK;
}

enum medfw_err medfw_tuf_hash_check_update(struct medfw_tuf_hash_check *hc, const void *data,
					   size_t len, struct medfw_diag *diag)
{
	if (hc->length >= 0 && len > (uint64_t)hc->length - hc->seen)
		return medfw_diag_set(diag, MEDFW_ERR_LENGTH_MISMATCH,
				      "%s: longer than the signed length %lld", hc->what,
				      (long long)hc->length);
	hc->seen += len;
	for (size_t i = 0; i < hc->count; i++)
		if (medfw_hash_update(hc->items[i].h, data, len) != MEDFW_OK)
			return MEDFW_ERR_CRYPTO;
	return MEDFW_OK;
}

enum medfw_err medfw_tuf_hash_check_finish(struct medfw_tuf_hash_check *hc,
					   struct medfw_diag *diag)
{
	if (hc->length >= 0 && hc->seen != (uint64_t)hc->length)
		return medfw_diag_set(diag, MEDFW_ERR_LENGTH_MISMATCH,
				      "%s: %llu bytes, signed length is %lld", hc->what,
				      (unsigned long long)hc->seen, (long long)hc->length);
	for (size_t i = 0; i < hc->count; i++) {
		uint8_t got[MEDFW_HASH_MAX_LEN];
		size_t got_len;

		if (medfw_hash_final(hc->items[i].h, got, sizeof(got), &got_len) != MEDFW_OK)
			return MEDFW_ERR_CRYPTO;
		if (got_len != hc->items[i].want_len ||
		    !medfw_ct_equal(got, hc->items[i].want, got_len))
			return medfw_diag_set(diag, MEDFW_ERR_HASH_MISMATCH,
					      "%s: %s hash does not match the signed hash", hc->what,
					      hc->items[i].alg);
	}
	return MEDFW_OK;
}

enum medfw_err medfw_tuf_check_length_hashes(const uint8_t *data, size_t len, int64_t length,
					     const json_t *hashes, const char *what,
					     struct medfw_diag *diag)
{
	struct medfw_tuf_hash_check *hc = NULL;
	enum medfw_err err;

	if (length >= 0 && (uint64_t)length != len)
		return medfw_diag_set(diag, MEDFW_ERR_LENGTH_MISMATCH,
				      "%s: %zu bytes, signed length is %lld", what, len,
				      (long long)length);
	err = medfw_tuf_hash_check_new(length, hashes, what, &hc, diag);
	if (err == MEDFW_OK)
		err = medfw_tuf_hash_check_update(hc, data, len, diag);
	if (err == MEDFW_OK)
		err = medfw_tuf_hash_check_finish(hc, diag);
	medfw_tuf_hash_check_free(hc);
	return err;
}

/* ---- delegations ---- */

#define PATH_SEGMENT_MAX 4096

/* Python's fnmatch per '/'-separated segment, as python-tuf matches delegations. */
static int path_matches(const char *pattern, const char *path)
{
	char pseg[PATH_SEGMENT_MAX], tseg[PATH_SEGMENT_MAX];

	for (;;) {
		size_t pn = strcspn(pattern, "/"), tn = strcspn(path, "/");

		if (pn >= sizeof(pseg) || tn >= sizeof(tseg))
			return 0;
		memcpy(pseg, pattern, pn);
		pseg[pn] = 0;
		memcpy(tseg, path, tn);
		tseg[tn] = 0;
		if (fnmatch(pseg, tseg, FNM_NOESCAPE) != 0)
			return 0;
		if ((pattern[pn] == '/') != (path[tn] == '/'))
			return 0; /* different number of segments */
		if (pattern[pn] == 0)
			return 1;
		pattern += pn + 1;
		path += tn + 1;
	}
}

static void sha256_hex(const char *s, char out[2 * MEDFW_SHA256_LEN + 1])
{
	uint8_t d[MEDFW_SHA256_LEN];
	size_t n;

	out[0] = 0;
	if (medfw_hash_oneshot(MEDFW_HASH_SHA256, s, strlen(s), d, sizeof(d), &n) == MEDFW_OK)
		medfw_hex_encode(d, n, out, 2 * MEDFW_SHA256_LEN + 1);
}

int medfw_tuf_delegation_matches(const struct medfw_tuf_delegated_role *role,
				 const char *target_path)
{
	if (role->has_paths) {
		for (size_t i = 0; i < role->path_count; i++)
			if (path_matches(role->paths[i], target_path))
				return 1;
		return 0;
	}
	if (role->has_hash_prefixes) {
		char hex[2 * MEDFW_SHA256_LEN + 1];

		sha256_hex(target_path, hex);
		if (hex[0] == 0)
			return 0;
		for (size_t i = 0; i < role->hash_prefix_count; i++)
			if (strncmp(hex, role->hash_prefixes[i], strlen(role->hash_prefixes[i])) == 0)
				return 1;
	}
	return 0;
}

enum medfw_err medfw_tuf_succinct_role_for(const struct medfw_tuf_succinct_roles *sr,
					   const char *target_path, char *out, size_t out_cap)
{
	uint8_t d[MEDFW_SHA256_LEN];
	uint32_t first, bin;
	size_t n;
	int suffix_len, w;
	uint64_t last_bin;

	if (sr->bit_length < 1 || sr->bit_length > 32)
		return MEDFW_ERR_INVALID_ARG;
	if (medfw_hash_oneshot(MEDFW_HASH_SHA256, target_path, strlen(target_path), d, sizeof(d),
			       &n) != MEDFW_OK)
		return MEDFW_ERR_CRYPTO;
	first = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
	bin = (uint32_t)((uint64_t)first >> (32 - sr->bit_length));
	last_bin = ((uint64_t)1 << sr->bit_length) - 1;
	suffix_len = snprintf(NULL, 0, "%llx", (unsigned long long)last_bin);
	w = snprintf(out, out_cap, "%s-%0*x", sr->name_prefix, suffix_len, bin);
	if (w < 0 || (size_t)w >= out_cap)
		return MEDFW_ERR_TOO_LARGE;
	return MEDFW_OK;
}
