/* The director: per-device TUF metadata signed with the online key, and the device's
 * check of it against the image repository (include/medfw/director.h). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "medfw/director.h"
#include "medfw/json.h"
#include "medfw/notice.h"
#include "medfw/num.h"
#include "tuf/trusted_set.h"

#define DIRECTOR_META_MAX (64u * 1024u)

void medfw_director_metadata_free(struct medfw_director_metadata *m)
{
	if (m == NULL)
		return;
	medfw_buf_free(&m->targets);
	medfw_buf_free(&m->snapshot);
	medfw_buf_free(&m->timestamp);
	memset(m, 0, sizeof(*m));
}

/* Sign `signed_obj` (reference taken) with key and append the serialized envelope. */
static enum medfw_err sign_into(json_t *signed_obj, const struct medfw_privkey *key,
				struct medfw_buf *out, struct medfw_diag *diag)
{
	json_t *env = NULL;
	enum medfw_err err = MEDFW_ERR_NOMEM;

	if (signed_obj == NULL)
		goto out;
	env = medfw_tuf_envelope_new(signed_obj);
	if (env == NULL)
		goto out;
	err = medfw_tuf_envelope_sign(env, key, diag);
	if (err == MEDFW_OK)
		err = medfw_tuf_envelope_serialize(env, out, diag);
out:
	json_decref(env);
	json_decref(signed_obj);
	return err;
}

/* The signed part of a director root: `pub` for every top-level role, threshold 1. */
static json_t *root_signed(const struct medfw_pubkey *pub, int64_t version, int64_t expires)
{
	const char *keyid = medfw_pubkey_keyid(pub);
	json_t *roles = json_object(), *root = NULL;
	int ok = roles != NULL;

	for (int r = 0; ok && r < MEDFW_TUF_TOP_ROLES; r++)
		ok = json_object_set_new(roles, medfw_tuf_role_name((enum medfw_tuf_role_type)r),
					 json_pack("{s:[s], s:i}", "keyids", keyid, "threshold",
						   1)) == 0;
	if (ok)
		root = json_pack("{s:s, s:s, s:I, s:o, s:b, s:{s:O}, s:O}", "_type", "root",
				 "spec_version", MEDFW_TUF_SPEC_VERSION, "version",
				 (json_int_t)version, "expires", medfw_tuf_time_json(expires),
				 "consistent_snapshot", 0, "keys", keyid, medfw_pubkey_json(pub),
				 "roles", roles);
	json_decref(roles);
	return root;
}

enum medfw_err medfw_director_root_build(const struct medfw_privkey *key, int64_t now,
					 struct medfw_buf *out, struct medfw_diag *diag)
{
	struct medfw_pubkey *pub = NULL;
	enum medfw_err err;

	if (key == NULL || out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "director root: no key");
	err = medfw_privkey_public(key, &pub, diag);
	if (err == MEDFW_OK)
		err = sign_into(root_signed(pub, 1, now + MEDFW_DIRECTOR_ROOT_LIFETIME), key, out,
				diag);
	medfw_pubkey_free(pub);
	return err;
}

/* Whether key_id is one of the root role's key ids of `root`. */
static int names_root_key(const struct medfw_tuf_meta *root, const char *key_id)
{
	const struct medfw_tuf_role_keys *rk = medfw_tuf_root_role(root, MEDFW_TUF_ROOT);

	for (size_t i = 0; rk != NULL && i < rk->keyid_count; i++)
		if (strcmp(rk->keyids[i], key_id) == 0)
			return 1;
	return 0;
}

enum medfw_err medfw_director_root_rotate(const uint8_t *old_root, size_t old_root_len,
					  const struct medfw_privkey *old_key,
					  const struct medfw_privkey *new_key, int64_t now,
					  struct medfw_buf *out, struct medfw_diag *diag)
{
	struct medfw_pubkey *old_pub = NULL, *new_pub = NULL;
	struct medfwi_tuf_trusted ts;
	json_t *env = NULL, *signed_obj = NULL;
	struct medfw_buf made;
	size_t keep = out != NULL ? out->len : 0;
	int64_t version = 0;
	enum medfw_err err;

	memset(&ts, 0, sizeof(ts));
	medfw_buf_init(&made, MEDFW_TUF_ROOT_MAX_LEN);
	if (old_root == NULL || old_key == NULL || new_key == NULL || out == NULL || now < 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "director root rotation: needs the current root, both keys "
				      "and the time");
	err = medfwi_tuf_trusted_init(&ts, old_root, old_root_len, now, diag);
	if (err == MEDFW_OK)
		err = medfw_privkey_public(old_key, &old_pub, diag);
	if (err == MEDFW_OK)
		err = medfw_privkey_public(new_key, &new_pub, diag);
	if (err == MEDFW_OK && !names_root_key(ts.root, medfw_pubkey_keyid(old_pub)))
		err = medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				     "director root rotation: the current key %s is not a root key "
				     "of root v%lld", medfw_pubkey_keyid(old_pub),
				     (long long)ts.root->version);
	if (err == MEDFW_OK &&
	    strcmp(medfw_pubkey_keyid(old_pub), medfw_pubkey_keyid(new_pub)) == 0)
		err = medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				     "director root rotation: the new key is the current key");
	if (err == MEDFW_OK && ts.root->version >= INT32_MAX)
		err = medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				     "director root rotation: root version %lld is the last",
				     (long long)ts.root->version);
	if (err != MEDFW_OK)
		goto out;
	version = ts.root->version + 1;
	/* signed by the threshold of root N (the old key) and of root N+1 (the new key) */
	signed_obj = root_signed(new_pub, version, now + MEDFW_DIRECTOR_ROOT_LIFETIME);
	env = signed_obj != NULL ? medfw_tuf_envelope_new(signed_obj) : NULL;
	err = env != NULL ? medfw_tuf_envelope_sign(env, old_key, diag) : MEDFW_ERR_NOMEM;
	if (err == MEDFW_OK)
		err = medfw_tuf_envelope_sign(env, new_key, diag);
	if (err == MEDFW_OK)
		err = medfw_tuf_envelope_serialize(env, &made, diag);
	/* fail closed: the new root must pass the device's own check from root N */
	if (err == MEDFW_OK)
		err = medfwi_tuf_trusted_update_root(&ts, made.data, made.len, diag);
	if (err == MEDFW_OK)
		err = medfw_buf_append(out, made.data, made.len);
out:
	if (err != MEDFW_OK && out != NULL)
		out->len = keep;
	json_decref(env);
	json_decref(signed_obj);
	medfw_buf_free(&made);
	medfw_pubkey_free(old_pub);
	medfw_pubkey_free(new_pub);
	medfwi_tuf_trusted_free(&ts);
	return err;
}

enum medfw_err medfw_director_root_update(struct medfw_ctx *ctx, const uint8_t *pinned,
					  size_t pinned_len,
					  const struct medfw_director_root_file *chain,
					  size_t chain_count, struct medfw_buf *out_root,
					  int64_t *out_version, struct medfw_diag *diag)
{
	struct medfwi_tuf_trusted ts;
	const uint8_t *newest = pinned;
	size_t newest_len = pinned_len, keep = out_root != NULL ? out_root->len : 0;
	int64_t now = medfw_ctx_now(ctx);
	enum medfw_err err;

	memset(&ts, 0, sizeof(ts));
	if (out_version != NULL)
		*out_version = 0;
	if (pinned == NULL || out_root == NULL || (chain == NULL && chain_count > 0))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "director root update: no pinned root");
	if (chain_count > MEDFW_DIRECTOR_MAX_ROOT_ROTATIONS)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "director root update: %zu new roots, at most %d", chain_count,
				      MEDFW_DIRECTOR_MAX_ROOT_ROTATIONS);
	err = medfwi_tuf_trusted_init(&ts, pinned, pinned_len, now, diag);
	/* each new root: threshold of the trusted root's root role and of its own, version
	 * exactly trusted + 1 (intermediate roots may have expired, as in TUF) */
	for (size_t i = 0; err == MEDFW_OK && i < chain_count; i++) {
		if (chain[i].data == NULL)
			err = medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
					     "director root update: new root %zu missing", i + 1);
		if (err == MEDFW_OK)
			err = medfwi_tuf_trusted_update_root(&ts, chain[i].data, chain[i].len,
							     diag);
		newest = chain[i].data;
		newest_len = chain[i].len;
	}
	if (err == MEDFW_OK && medfw_tuf_meta_is_expired(ts.root, now))
		err = medfw_diag_set(diag, MEDFW_ERR_EXPIRED, "director root v%lld has expired",
				     (long long)ts.root->version);
	if (err == MEDFW_OK)
		err = medfw_buf_append(out_root, newest, newest_len);
	if (err == MEDFW_OK && out_version != NULL)
		*out_version = ts.root->version;
	if (err != MEDFW_OK)
		out_root->len = keep;
	medfwi_tuf_trusted_free(&ts);
	return err;
}

static enum medfw_err check_assignment(const struct medfw_director_assignment *a,
				       struct medfw_diag *diag)
{
	if (a == NULL || a->device_id <= 0 || a->version < 0 || a->hardware_id == NULL ||
	    a->hardware_id[0] == 0 || strlen(a->hardware_id) > MEDFW_DIRECTOR_HWID_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "director: assignment needs a device id, a version and a "
				      "hardware id of 1..%d bytes", MEDFW_DIRECTOR_HWID_MAX);
	if (a->target_name == NULL)
		return MEDFW_OK;
	if (a->target_name[0] == 0 || strlen(a->target_name) > MEDFW_DIRECTOR_TARGET_NAME_MAX ||
	    a->target_length < 0 || !json_is_object(a->target_hashes) ||
	    json_object_size(a->target_hashes) == 0 ||
	    !json_is_string(json_object_get(a->target_hashes, "sha256")))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "director: target needs a name, a length and a sha256 hash");
	if (a->window_end <= a->window_start)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "director: the install window must end after it starts");
	return MEDFW_OK;
}

static json_t *targets_signed(const struct medfw_director_assignment *a, int64_t version,
			      int64_t expires)
{
	json_t *targets = json_object(), *doc;

	if (targets == NULL)
		return NULL;
	if (a->target_name != NULL &&
	    json_object_set_new(
		    targets, a->target_name,
		    json_pack("{s:I, s:O, s:{s:I, s:s, s:{s:o, s:o}}}", "length",
			      (json_int_t)a->target_length, "hashes", a->target_hashes, "custom",
			      "device_id", (json_int_t)a->device_id, "hardware_id", a->hardware_id,
			      "install_window", "start", medfw_tuf_time_json(a->window_start),
			      "end", medfw_tuf_time_json(a->window_end))) != 0) {
		json_decref(targets);
		return NULL;
	}
	doc = json_pack("{s:s, s:s, s:I, s:o, s:o}", "_type", "targets", "spec_version",
			MEDFW_TUF_SPEC_VERSION, "version", (json_int_t)version, "expires",
			medfw_tuf_time_json(expires), "targets", targets);
	return doc;
}

enum medfw_err medfw_director_metadata_build(const struct medfw_privkey *key,
					     const struct medfw_director_assignment *a, int64_t now,
					     struct medfw_director_metadata *out,
					     struct medfw_diag *diag)
{
	int64_t hour, version, expires;
	uint8_t digest[32];
	size_t digest_len = 0;
	char hex[65];
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	medfw_buf_init(&out->targets, DIRECTOR_META_MAX);
	medfw_buf_init(&out->snapshot, DIRECTOR_META_MAX);
	medfw_buf_init(&out->timestamp, DIRECTOR_META_MAX);
	err = key == NULL ? medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "director: no key")
			  : check_assignment(a, diag);
	if (err == MEDFW_OK && (now < 0 || a->version > INT64_MAX - 1))
		err = medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "director: bad time or version");
	if (err != MEDFW_OK)
		goto fail;
	hour = now / MEDFW_DIRECTOR_TIMESTAMP_PERIOD;
	version = a->version + 1;
	expires = (hour + 1) * MEDFW_DIRECTOR_TIMESTAMP_PERIOD + MEDFW_DIRECTOR_EXPIRES_SECONDS;
	err = sign_into(targets_signed(a, version, expires), key, &out->targets, diag);
	if (err == MEDFW_OK)
		err = sign_into(json_pack("{s:s, s:s, s:I, s:o, s:{s:{s:I}}}", "_type", "snapshot",
					  "spec_version", MEDFW_TUF_SPEC_VERSION, "version",
					  (json_int_t)version, "expires", medfw_tuf_time_json(expires),
					  "meta", "targets.json", "version", (json_int_t)version),
				key, &out->snapshot, diag);
	if (err == MEDFW_OK)
		err = medfw_hash_oneshot(MEDFW_HASH_SHA256, out->snapshot.data, out->snapshot.len,
					 digest, sizeof(digest), &digest_len);
	if (err == MEDFW_OK)
		err = medfw_hex_encode(digest, sizeof(digest), hex, sizeof(hex));
	if (err == MEDFW_OK)
		err = sign_into(json_pack("{s:s, s:s, s:I, s:o, s:{s:{s:I, s:I, s:{s:s}}}}", "_type",
					  "timestamp", "spec_version", MEDFW_TUF_SPEC_VERSION,
					  "version", (json_int_t)(hour > 0 ? hour : 1), "expires",
					  medfw_tuf_time_json(expires), "meta", "snapshot.json",
					  "version", (json_int_t)version, "length",
					  (json_int_t)out->snapshot.len, "hashes", "sha256", hex),
				key, &out->timestamp, diag);
	if (err != MEDFW_OK)
		goto fail;
	out->targets_version = version;
	out->timestamp_version = hour > 0 ? hour : 1;
	out->expires = expires;
	return MEDFW_OK;
fail:
	medfw_director_metadata_free(out);
	return err;
}

/* ---- the device side ---- */

static enum medfw_err parse_role(const uint8_t *data, size_t len, enum medfw_tuf_role_type type,
				 const char *what, struct medfw_tuf_meta **out,
				 struct medfw_diag *diag)
{
	struct medfw_diag inner;
	enum medfw_err err;

	if (data == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: missing", what);
	medfw_diag_clear(&inner);
	err = medfw_tuf_meta_parse_unverified(data, len, medfw_tuf_role_max_len(type), type, out,
					      &inner);
	if (err != MEDFW_OK)
		medfw_diag_set(diag, err, "%s: %s", what, medfw_diag_message(&inner, err));
	return err;
}

/* Signatures by the root's rule for `type`, version not below `prev`, not expired. */
static enum medfw_err check_role(const struct medfw_tuf_meta *root,
				 const struct medfw_tuf_meta *m, enum medfw_tuf_role_type type,
				 int64_t prev, int64_t now, const char *what,
				 struct medfw_diag *diag)
{
	enum medfw_err err = medfw_tuf_meta_verify_role(m, &root->keys,
							medfw_tuf_root_role(root, type), what, diag);

	if (err == MEDFW_OK && m->version < prev)
		err = medfw_diag_set(diag, MEDFW_ERR_ROLLBACK,
				     "%s: version %lld is older than the trusted version %lld", what,
				     (long long)m->version, (long long)prev);
	if (err == MEDFW_OK && medfw_tuf_meta_is_expired(m, now))
		err = medfw_diag_set(diag, MEDFW_ERR_EXPIRED, "%s: version %lld has expired", what,
				     (long long)m->version);
	return err;
}

/* Length, hashes and version of a file against its entry in the referring role. */
static enum medfw_err check_referenced(const struct medfw_tuf_meta *referrer, const char *file,
				       const uint8_t *data, size_t len, const char *what,
				       const struct medfw_tuf_metafile **out_mf,
				       struct medfw_diag *diag)
{
	const struct medfw_tuf_metafile *mf = medfw_tuf_meta_file(referrer, file);

	*out_mf = mf;
	if (mf == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "%s: not listed by the %s", what,
				      medfw_tuf_role_name(referrer->type));
	if (mf->length < 0 && mf->hashes == NULL)
		return MEDFW_OK;
	return medfw_tuf_check_length_hashes(data, len, mf->length, mf->hashes, what, diag);
}

/* Every hash the director names must be in the image's hashes with the same digest;
 * sha256 must be named. */
static enum medfw_err check_hashes(const json_t *director, const json_t *image,
				   const char *name, struct medfw_diag *diag)
{
	const char *alg;
	json_t *v;

	if (!json_is_string(json_object_get(director, "sha256")))
		return medfw_diag_set(diag, MEDFW_ERR_HASH_MISMATCH,
				      "director target %s: no sha256 hash", name);
	json_object_foreach((json_t *)(uintptr_t)director, alg, v) {
		json_t *w = json_object_get(image, alg);

		if (!json_is_string(v) || !json_is_string(w) ||
		    strcasecmp(json_string_value(v), json_string_value(w)) != 0)
			return medfw_diag_set(diag, MEDFW_ERR_HASH_MISMATCH,
					      "target %s: the director's %s hash differs from the "
					      "image repository's", name, alg);
	}
	return MEDFW_OK;
}

static enum medfw_err check_target(const struct medfw_tuf_target *t,
				   medfw_director_image_lookup_fn lookup, void *lookup_user,
				   int64_t device_id, const char *hardware_id, int64_t now,
				   struct medfw_director_instruction *out, struct medfw_diag *diag)
{
	const struct medfw_tuf_target *img = NULL;
	struct medfw_release_notice *notice = NULL;
	json_t *window = NULL;
	const char *hwid = NULL, *start = NULL, *end = NULL;
	int64_t dev = 0;
	enum medfw_err err;

	if (t->custom == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
				      "director target %s: no custom fields", t->path);
	err = medfw_json_get_int(t->custom, "director target custom", "device_id", 1, INT64_MAX,
				 &dev, diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_string(t->custom, "director target custom", "hardware_id",
					    &hwid, diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_object(t->custom, "director target custom", "install_window",
					    &window, diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_string(window, "install_window", "start", &start, diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_string(window, "install_window", "end", &end, diag);
	if (err != MEDFW_OK)
		return err;
	if (dev != device_id)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "director target %s is for device %lld, not this device (%lld)",
				      t->path, (long long)dev, (long long)device_id);
	if (hardware_id == NULL || strcmp(hwid, hardware_id) != 0)
		return medfw_diag_set(diag, MEDFW_ERR_HARDWARE,
				      "director target %s is for hardware \"%.64s\", not \"%.64s\"",
				      t->path, hwid, hardware_id != NULL ? hardware_id : "");
	if (medfw_parse_utc_time(start, &out->window_start) != MEDFW_OK ||
	    medfw_parse_utc_time(end, &out->window_end) != MEDFW_OK ||
	    out->window_end <= out->window_start)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "director target %s: malformed install window", t->path);
	if (now >= out->window_end)
		return medfw_diag_set(diag, MEDFW_ERR_EXPIRED,
				      "director target %s: the install window ended at %s", t->path,
				      end);
	err = lookup(lookup_user, t->path, &img, diag);
	if (err == MEDFW_OK && img == NULL)
		err = MEDFW_ERR_NOT_FOUND;
	if (err == MEDFW_ERR_NOT_FOUND)
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
				      "target %s: not in the image repository's signed targets",
				      t->path);
	if (err != MEDFW_OK)
		return err;
	if (img->length != t->length)
		return medfw_diag_set(diag, MEDFW_ERR_LENGTH_MISMATCH,
				      "target %s: the director says %lld bytes, the image "
				      "repository %lld", t->path, (long long)t->length,
				      (long long)img->length);
	err = check_hashes(t->hashes, img->hashes, t->path, diag);
	if (err == MEDFW_OK)
		err = medfw_notice_from_target_custom(img->custom, &notice, diag);
	if (err == MEDFW_OK && !medfw_notice_applies_to_hardware(notice, hardware_id))
		err = medfw_diag_set(diag, MEDFW_ERR_HARDWARE,
				     "target %s: its release notice does not list hardware \"%.64s\"",
				     t->path, hardware_id);
	medfw_notice_free(notice);
	if (err != MEDFW_OK)
		return err;
	snprintf(out->target_name, sizeof(out->target_name), "%s", t->path);
	out->target_length = t->length;
	out->in_window = now >= out->window_start;
	out->has_target = 1;
	return MEDFW_OK;
}

static enum medfw_err lookup_in_meta(void *user, const char *target_path,
				     const struct medfw_tuf_target **out, struct medfw_diag *diag)
{
	const struct medfw_tuf_meta *image_targets = user;

	(void)diag;
	*out = image_targets != NULL ? medfw_tuf_targets_find(image_targets, target_path) : NULL;
	return *out != NULL ? MEDFW_OK : MEDFW_ERR_NOT_FOUND;
}

enum medfw_err medfw_director_verify(struct medfw_ctx *ctx, const uint8_t *director_root,
				     size_t director_root_len, const uint8_t *timestamp,
				     size_t timestamp_len, const uint8_t *snapshot,
				     size_t snapshot_len, const uint8_t *targets, size_t targets_len,
				     const struct medfw_director_trusted *prev,
				     const struct medfw_tuf_meta *image_targets, int64_t device_id,
				     const char *hardware_id,
				     struct medfw_director_instruction *out,
				     struct medfw_diag *diag)
{
	return medfw_director_verify_lookup(ctx, director_root, director_root_len, timestamp,
					    timestamp_len, snapshot, snapshot_len, targets,
					    targets_len, prev, lookup_in_meta,
					    (void *)(uintptr_t)image_targets, device_id, hardware_id,
					    out, diag);
}

bool medfw_director_inconsistent(enum medfw_err err)
{
	return err == MEDFW_ERR_HASH_MISMATCH || err == MEDFW_ERR_LENGTH_MISMATCH ||
	       err == MEDFW_ERR_VERSION_MISMATCH;
}

enum medfw_err medfw_director_verify_lookup(struct medfw_ctx *ctx, const uint8_t *director_root,
					    size_t director_root_len, const uint8_t *timestamp,
					    size_t timestamp_len, const uint8_t *snapshot,
					    size_t snapshot_len, const uint8_t *targets,
					    size_t targets_len,
					    const struct medfw_director_trusted *prev,
					    medfw_director_image_lookup_fn lookup, void *lookup_user,
					    int64_t device_id, const char *hardware_id,
					    struct medfw_director_instruction *out,
					    struct medfw_diag *diag)
{
	static const struct medfw_director_trusted none = {0, 0, 0};
	struct medfw_tuf_meta *root = NULL, *ts = NULL, *snap = NULL, *tg = NULL;
	const struct medfw_tuf_metafile *mf = NULL;
	struct medfw_director_instruction result;
	int64_t now = medfw_ctx_now(ctx);
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	memset(&result, 0, sizeof(result));
	if (prev == NULL)
		prev = &none;
	err = parse_role(director_root, director_root_len, MEDFW_TUF_ROOT, "director root", &root,
			 diag);
	if (err == MEDFW_OK)
		err = medfw_tuf_meta_verify_role(root, &root->keys,
						 medfw_tuf_root_role(root, MEDFW_TUF_ROOT),
						 "director root", diag);
	if (err == MEDFW_OK && medfw_tuf_meta_is_expired(root, now))
		err = medfw_diag_set(diag, MEDFW_ERR_EXPIRED, "director root: expired");
	if (err == MEDFW_OK)
		err = parse_role(timestamp, timestamp_len, MEDFW_TUF_TIMESTAMP, "director timestamp",
				 &ts, diag);
	if (err == MEDFW_OK)
		err = check_role(root, ts, MEDFW_TUF_TIMESTAMP, prev->timestamp_version, now,
				 "director timestamp", diag);
	if (err == MEDFW_OK)
		err = check_referenced(ts, "snapshot.json", snapshot, snapshot_len,
				       "director snapshot", &mf, diag);
	if (err == MEDFW_OK)
		err = parse_role(snapshot, snapshot_len, MEDFW_TUF_SNAPSHOT, "director snapshot",
				 &snap, diag);
	if (err == MEDFW_OK && snap->version != mf->version)
		err = medfw_diag_set(diag, MEDFW_ERR_VERSION_MISMATCH,
				     "director snapshot: version %lld, the timestamp names %lld",
				     (long long)snap->version, (long long)mf->version);
	if (err == MEDFW_OK)
		err = check_role(root, snap, MEDFW_TUF_SNAPSHOT, prev->snapshot_version, now,
				 "director snapshot", diag);
	if (err == MEDFW_OK)
		err = check_referenced(snap, "targets.json", targets, targets_len,
				       "director targets", &mf, diag);
	if (err == MEDFW_OK)
		err = parse_role(targets, targets_len, MEDFW_TUF_TARGETS, "director targets", &tg,
				 diag);
	if (err == MEDFW_OK && tg->version != mf->version)
		err = medfw_diag_set(diag, MEDFW_ERR_VERSION_MISMATCH,
				     "director targets: version %lld, the snapshot names %lld",
				     (long long)tg->version, (long long)mf->version);
	if (err == MEDFW_OK)
		err = check_role(root, tg, MEDFW_TUF_TARGETS, prev->targets_version, now,
				 "director targets", diag);
	if (err == MEDFW_OK && (tg->target_count > 1 || tg->has_delegations))
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				     "director targets: %zu targets or delegations; a device gets "
				     "at most one image", tg->target_count);
	if (err == MEDFW_OK && tg->target_count == 1)
		err = check_target(&tg->targets[0], lookup, lookup_user, device_id, hardware_id,
				   now, &result, diag);
	if (err == MEDFW_OK) {
		result.versions.timestamp_version = ts->version;
		result.versions.snapshot_version = snap->version;
		result.versions.targets_version = tg->version;
		*out = result; /* the one place success is set */
	}
	medfw_tuf_meta_free(root);
	medfw_tuf_meta_free(ts);
	medfw_tuf_meta_free(snap);
	medfw_tuf_meta_free(tg);
	return err;
}
