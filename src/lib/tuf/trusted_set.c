/* The TUF client's trusted metadata set: every check of the client workflow that
 * needs no I/O (python-tuf ngclient's TrustedMetadataSet semantics). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tuf/trusted_set.h"

#define ROLE_FILE_MAX 1100

/* Record err with "<what>: <inner message>" (the inner diag holds the cause). */
static enum medfw_err wrap(struct medfw_diag *diag, enum medfw_err err, const char *what,
			   const struct medfw_diag *inner)
{
	return medfw_diag_set(diag, err, "%s: %s", what, medfw_diag_message(inner, err));
}

void medfwi_tuf_trusted_free(struct medfwi_tuf_trusted *ts)
{
	if (ts == NULL)
		return;
	medfw_tuf_meta_free(ts->root);
	medfw_tuf_meta_free(ts->timestamp);
	medfw_tuf_meta_free(ts->snapshot);
	medfw_tuf_meta_free(ts->targets);
	for (size_t i = 0; i < ts->delegated_count; i++) {
		free(ts->delegated[i].name);
		medfw_tuf_meta_free(ts->delegated[i].meta);
	}
	free(ts->delegated);
	memset(ts, 0, sizeof(*ts));
}

/* Parse `data` as `type` and check its signatures against a delegator's rule. */
static enum medfw_err load_verified(const uint8_t *data, size_t len, size_t max_len,
				    enum medfw_tuf_role_type type, const char *what,
				    const struct medfw_tuf_keyring *keys,
				    const struct medfw_tuf_role_keys *role,
				    struct medfw_tuf_meta **out, struct medfw_diag *diag)
{
	struct medfw_tuf_meta *meta = NULL;
	struct medfw_diag inner;
	enum medfw_err err;

	*out = NULL;
	medfw_diag_clear(&inner);
	err = medfw_tuf_meta_parse_unverified(data, len, max_len, type, &meta, &inner);
	if (err != MEDFW_OK)
		return wrap(diag, err, what, &inner);
	if (keys != NULL) {
		err = medfw_tuf_meta_verify_role(meta, keys, role, what, diag);
		if (err != MEDFW_OK) {
			medfw_tuf_meta_free(meta);
			return err;
		}
	}
	*out = meta;
	return MEDFW_OK;
}

enum medfw_err medfwi_tuf_trusted_init(struct medfwi_tuf_trusted *ts, const uint8_t *root,
				       size_t len, int64_t reference_time,
				       struct medfw_diag *diag)
{
	struct medfw_tuf_meta *meta = NULL;
	enum medfw_err err;

	memset(ts, 0, sizeof(*ts));
	ts->reference_time = reference_time;
	err = load_verified(root, len, MEDFW_TUF_ROOT_MAX_LEN, MEDFW_TUF_ROOT, "trusted root.json",
			    NULL, NULL, &meta, diag);
	if (err != MEDFW_OK)
		return err;
	err = medfw_tuf_meta_verify_role(meta, &meta->keys, &meta->roles[MEDFW_TUF_ROOT],
					 "trusted root.json (self-signature)", diag);
	if (err != MEDFW_OK) {
		medfw_tuf_meta_free(meta);
		return err;
	}
	ts->root = meta;
	return MEDFW_OK;
}

enum medfw_err medfwi_tuf_trusted_update_root(struct medfwi_tuf_trusted *ts,
					      const uint8_t *data, size_t len,
					      struct medfw_diag *diag)
{
	struct medfw_tuf_meta *meta = NULL;
	enum medfw_err err;
	char what[64];

	if (ts->root == NULL || ts->timestamp != NULL)
		return medfw_diag_set(diag, MEDFW_ERR_STATE, "cannot update root after timestamp");
	snprintf(what, sizeof(what), "root v%lld", (long long)ts->root->version + 1);
	err = load_verified(data, len, MEDFW_TUF_ROOT_MAX_LEN, MEDFW_TUF_ROOT, what,
			    &ts->root->keys, &ts->root->roles[MEDFW_TUF_ROOT], &meta, diag);
	if (err != MEDFW_OK)
		return err;
	if (meta->version != ts->root->version + 1) {
		err = medfw_diag_set(diag,
				     meta->version <= ts->root->version ? MEDFW_ERR_ROLLBACK
									 : MEDFW_ERR_VERSION_MISMATCH,
				     "%s: expected version %lld, got %lld", what,
				     (long long)ts->root->version + 1, (long long)meta->version);
		goto fail;
	}
	snprintf(what, sizeof(what), "root v%lld (self-signature)", (long long)meta->version);
	err = medfw_tuf_meta_verify_role(meta, &meta->keys, &meta->roles[MEDFW_TUF_ROOT], what,
					 diag);
	if (err != MEDFW_OK)
		goto fail;
	medfw_tuf_meta_free(ts->root);
	ts->root = meta;
	return MEDFW_OK;
fail:
	medfw_tuf_meta_free(meta);
	return err;
}

enum medfw_err medfwi_tuf_trusted_update_timestamp(struct medfwi_tuf_trusted *ts,
						   const uint8_t *data, size_t len,
						   int *out_equal, struct medfw_diag *diag)
{
	struct medfw_tuf_meta *meta = NULL;
	enum medfw_err err;

	*out_equal = 0;
	if (ts->root == NULL || ts->snapshot != NULL)
		return medfw_diag_set(diag, MEDFW_ERR_STATE,
				      "cannot update timestamp after snapshot");
	/* 5.3.10: the final root must not be expired. */
	if (medfw_tuf_meta_is_expired(ts->root, ts->reference_time))
		return medfw_diag_set(diag, MEDFW_ERR_EXPIRED, "root.json (v%lld) has expired",
				      (long long)ts->root->version);
	err = load_verified(data, len, MEDFW_TUF_TIMESTAMP_MAX_LEN, MEDFW_TUF_TIMESTAMP,
			    "timestamp.json", &ts->root->keys, &ts->root->roles[MEDFW_TUF_TIMESTAMP],
			    &meta, diag);
	if (err != MEDFW_OK)
		return err;
	if (ts->timestamp != NULL) {
		const struct medfw_tuf_metafile *old_sm =
			medfw_tuf_meta_file(ts->timestamp, "snapshot.json");
		const struct medfw_tuf_metafile *new_sm = medfw_tuf_meta_file(meta, "snapshot.json");

		if (meta->version < ts->timestamp->version) {
			err = medfw_diag_set(diag, MEDFW_ERR_ROLLBACK,
					     "timestamp.json: version %lld is older than the trusted "
					     "version %lld",
					     (long long)meta->version, (long long)ts->timestamp->version);
			goto fail;
		}
		if (meta->version == ts->timestamp->version) {
			/* Keep using the trusted timestamp. */
			medfw_tuf_meta_free(meta);
			*out_equal = 1;
			return MEDFW_OK;
		}
		if (new_sm->version < old_sm->version) {
			err = medfw_diag_set(diag, MEDFW_ERR_ROLLBACK,
					     "timestamp.json: snapshot version %lld is older than the "
					     "trusted snapshot version %lld",
					     (long long)new_sm->version, (long long)old_sm->version);
			goto fail;
		}
	}
	medfw_tuf_meta_free(ts->timestamp);
	ts->timestamp = meta;
	/* Loaded even when expired (rollback protection for the next one), but it is
	 * not a valid final timestamp. */
	if (medfw_tuf_meta_is_expired(meta, ts->reference_time))
		return medfw_diag_set(diag, MEDFW_ERR_EXPIRED, "timestamp.json (v%lld) has expired",
				      (long long)meta->version);
	return MEDFW_OK;
fail:
	medfw_tuf_meta_free(meta);
	return err;
}

static enum medfw_err check_final_timestamp(const struct medfwi_tuf_trusted *ts,
					    struct medfw_diag *diag)
{
	if (medfw_tuf_meta_is_expired(ts->timestamp, ts->reference_time))
		return medfw_diag_set(diag, MEDFW_ERR_EXPIRED, "timestamp.json (v%lld) has expired",
				      (long long)ts->timestamp->version);
	return MEDFW_OK;
}

static enum medfw_err check_final_snapshot(const struct medfwi_tuf_trusted *ts,
					   struct medfw_diag *diag)
{
	const struct medfw_tuf_metafile *sm = medfw_tuf_meta_file(ts->timestamp, "snapshot.json");

	if (medfw_tuf_meta_is_expired(ts->snapshot, ts->reference_time))
		return medfw_diag_set(diag, MEDFW_ERR_EXPIRED, "snapshot.json (v%lld) has expired",
				      (long long)ts->snapshot->version);
	if (ts->snapshot->version != sm->version)
		return medfw_diag_set(diag, MEDFW_ERR_VERSION_MISMATCH,
				      "snapshot.json: version %lld, timestamp.json names version "
				      "%lld",
				      (long long)ts->snapshot->version, (long long)sm->version);
	return MEDFW_OK;
}

enum medfw_err medfwi_tuf_trusted_update_snapshot(struct medfwi_tuf_trusted *ts,
						  const uint8_t *data, size_t len, int trusted,
						  struct medfw_diag *diag)
{
	const struct medfw_tuf_metafile *sm;
	struct medfw_tuf_meta *meta = NULL;
	enum medfw_err err;

	if (ts->timestamp == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_STATE, "cannot update snapshot before timestamp");
	if (ts->targets != NULL)
		return medfw_diag_set(diag, MEDFW_ERR_STATE, "cannot update snapshot after targets");
	err = check_final_timestamp(ts, diag);
	if (err != MEDFW_OK)
		return err;
	sm = medfw_tuf_meta_file(ts->timestamp, "snapshot.json");
	if (!trusted) {
		err = medfw_tuf_check_length_hashes(data, len, sm->length, sm->hashes,
						    "snapshot.json", diag);
		if (err != MEDFW_OK)
			return err;
	}
	err = load_verified(data, len, MEDFW_TUF_SNAPSHOT_MAX_LEN > len ? MEDFW_TUF_SNAPSHOT_MAX_LEN
									: len,
			    MEDFW_TUF_SNAPSHOT, "snapshot.json", &ts->root->keys,
			    &ts->root->roles[MEDFW_TUF_SNAPSHOT], &meta, diag);
	if (err != MEDFW_OK)
		return err;
	if (ts->snapshot != NULL) {
		for (size_t i = 0; i < ts->snapshot->meta_count; i++) {
			const struct medfw_tuf_metafile *old = &ts->snapshot->meta[i];
			const struct medfw_tuf_metafile *cur = medfw_tuf_meta_file(meta, old->name);

			if (cur == NULL) {
				err = medfw_diag_set(diag, MEDFW_ERR_ROLLBACK,
						     "snapshot.json: new version %lld lacks \"%.200s\"",
						     (long long)meta->version, old->name);
				goto fail;
			}
			if (cur->version < old->version) {
				err = medfw_diag_set(diag, MEDFW_ERR_ROLLBACK,
						     "snapshot.json: \"%.200s\" version %lld is older "
						     "than the trusted version %lld",
						     old->name, (long long)cur->version,
						     (long long)old->version);
				goto fail;
			}
		}
	}
	medfw_tuf_meta_free(ts->snapshot);
	ts->snapshot = meta;
	return check_final_snapshot(ts, diag);
fail:
	medfw_tuf_meta_free(meta);
	return err;
}

const struct medfw_tuf_meta *medfwi_tuf_trusted_get(const struct medfwi_tuf_trusted *ts,
						    const char *role_name)
{
	if (strcmp(role_name, "root") == 0)
		return ts->root;
	if (strcmp(role_name, "timestamp") == 0)
		return ts->timestamp;
	if (strcmp(role_name, "snapshot") == 0)
		return ts->snapshot;
	if (strcmp(role_name, "targets") == 0)
		return ts->targets;
	for (size_t i = 0; i < ts->delegated_count; i++)
		if (strcmp(ts->delegated[i].name, role_name) == 0)
			return ts->delegated[i].meta;
	return NULL;
}

/* succinct_roles: is role_name one of the bins "<prefix>-<hex>"? (TAP 15) */
static int succinct_has_role(const struct medfw_tuf_succinct_roles *sr, const char *role_name)
{
	size_t plen = strlen(sr->name_prefix), suffix_len = 0;
	uint64_t bins = (uint64_t)1 << sr->bit_length, num = 0, last = bins - 1;
	const char *suffix;

	while (last != 0) {
		suffix_len++;
		last >>= 4;
	}
	if (suffix_len == 0)
		suffix_len = 1;
	if (strncmp(role_name, sr->name_prefix, plen) != 0 || role_name[plen] != '-')
		return 0;
	suffix = role_name + plen + 1;
	if (strlen(suffix) != suffix_len)
		return 0;
	for (const char *p = suffix; *p != 0; p++) {
		unsigned d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (*p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (*p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			return 0;
		num = num * 16 + d;
	}
	return num < bins;
}

/* The keys and rule a delegator applies to role_name. */
static enum medfw_err delegation_rule(const struct medfwi_tuf_trusted *ts,
				      const char *role_name, const char *delegator_name,
				      const struct medfw_tuf_keyring **out_keys,
				      const struct medfw_tuf_role_keys **out_role,
				      struct medfw_diag *diag)
{
	const struct medfw_tuf_meta *delegator;

	*out_keys = NULL;
	*out_role = NULL;
	if (strcmp(delegator_name, "root") == 0) {
		if (strcmp(role_name, "targets") != 0)
			return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
					      "root does not delegate to \"%.200s\"", role_name);
		*out_keys = &ts->root->keys;
		*out_role = &ts->root->roles[MEDFW_TUF_TARGETS];
		return MEDFW_OK;
	}
	delegator = medfwi_tuf_trusted_get(ts, delegator_name);
	if (delegator == NULL || delegator->type != MEDFW_TUF_TARGETS)
		return medfw_diag_set(diag, MEDFW_ERR_STATE,
				      "cannot load \"%.200s\" before its delegator \"%.200s\"",
				      role_name, delegator_name);
	if (delegator->has_delegations) {
		*out_keys = &delegator->delegation_keys;
		if (delegator->has_succinct_roles) {
			if (succinct_has_role(&delegator->succinct, role_name)) {
				*out_role = &delegator->succinct.keys;
				return MEDFW_OK;
			}
		} else {
			for (size_t i = 0; i < delegator->delegated_count; i++) {
				if (strcmp(delegator->delegated[i].keys.name, role_name) == 0) {
					*out_role = &delegator->delegated[i].keys;
					return MEDFW_OK;
				}
			}
		}
	}
	*out_keys = NULL;
	return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "\"%.200s\" does not delegate to \"%.200s\"",
			      delegator_name, role_name);
}

enum medfw_err medfwi_tuf_trusted_update_targets(struct medfwi_tuf_trusted *ts,
						 const uint8_t *data, size_t len,
						 const char *role_name, const char *delegator_name,
						 struct medfw_diag *diag)
{
	const struct medfw_tuf_keyring *keys;
	const struct medfw_tuf_role_keys *rule;
	const struct medfw_tuf_metafile *mf;
	struct medfw_tuf_meta *meta = NULL;
	struct medfwi_tuf_delegated *grown;
	char file[ROLE_FILE_MAX];
	enum medfw_err err;
	int top = strcmp(role_name, "targets") == 0, n;

	if (ts->snapshot == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_STATE, "cannot load targets before snapshot");
	if (medfwi_tuf_trusted_get(ts, role_name) != NULL)
		return medfw_diag_set(diag, MEDFW_ERR_STATE, "\"%.200s\" is already loaded", role_name);
	err = check_final_snapshot(ts, diag);
	if (err != MEDFW_OK)
		return err;
	err = delegation_rule(ts, role_name, delegator_name, &keys, &rule, diag);
	if (err != MEDFW_OK)
		return err;
	n = snprintf(file, sizeof(file), "%s.json", role_name);
	if (n < 0 || (size_t)n >= sizeof(file))
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "role name \"%.200s...\" too long",
				      role_name);
	mf = medfw_tuf_meta_file(ts->snapshot, file);
	if (mf == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
				      "snapshot.json has no entry for \"%s\"", file);
	err = medfw_tuf_check_length_hashes(data, len, mf->length, mf->hashes, file, diag);
	if (err != MEDFW_OK)
		return err;
	err = load_verified(data, len, MEDFW_TUF_TARGETS_MAX_LEN > len ? MEDFW_TUF_TARGETS_MAX_LEN
								       : len,
			    MEDFW_TUF_TARGETS, file, keys, rule, &meta, diag);
	if (err != MEDFW_OK)
		return err;
	if (meta->version != mf->version) {
		err = medfw_diag_set(diag,
				     meta->version < mf->version ? MEDFW_ERR_ROLLBACK
								 : MEDFW_ERR_VERSION_MISMATCH,
				     "%s: version %lld, snapshot.json names version %lld", file,
				     (long long)meta->version, (long long)mf->version);
		goto fail;
	}
	if (medfw_tuf_meta_is_expired(meta, ts->reference_time)) {
		err = medfw_diag_set(diag, MEDFW_ERR_EXPIRED, "%s (v%lld) has expired", file,
				     (long long)meta->version);
		goto fail;
	}
	if (top) {
		ts->targets = meta;
		return MEDFW_OK;
	}
	grown = realloc(ts->delegated, (ts->delegated_count + 1) * sizeof(*grown));
	if (grown == NULL) {
		err = MEDFW_ERR_NOMEM;
		goto fail;
	}
	ts->delegated = grown;
	grown[ts->delegated_count].name = strdup(role_name);
	if (grown[ts->delegated_count].name == NULL) {
		err = MEDFW_ERR_NOMEM;
		goto fail;
	}
	grown[ts->delegated_count].meta = meta;
	ts->delegated_count++;
	return MEDFW_OK;
fail:
	medfw_tuf_meta_free(meta);
	return err;
}
