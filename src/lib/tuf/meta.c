/* TUF metadata: structural parsing and validation (no signature checks here). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/json.h"
#include "medfw/num.h"
#include "medfw/tuf.h"

static const char *const role_names[MEDFW_TUF_TOP_ROLES] = {"root", "timestamp", "snapshot",
							     "targets"};

const char *medfw_tuf_role_name(enum medfw_tuf_role_type type)
{
	if ((unsigned)type >= MEDFW_TUF_TOP_ROLES)
		return "unknown";
	return role_names[type];
}

size_t medfw_tuf_role_max_len(enum medfw_tuf_role_type type)
{
	switch (type) {
	case MEDFW_TUF_ROOT: return MEDFW_TUF_ROOT_MAX_LEN;
	case MEDFW_TUF_TIMESTAMP: return MEDFW_TUF_TIMESTAMP_MAX_LEN;
	case MEDFW_TUF_SNAPSHOT: return MEDFW_TUF_SNAPSHOT_MAX_LEN;
	case MEDFW_TUF_TARGETS: return MEDFW_TUF_TARGETS_MAX_LEN;
	}
	return 0;
}

enum medfw_err medfw_tuf_role_parse(const char *name, enum medfw_tuf_role_type *out)
{
	for (unsigned i = 0; i < MEDFW_TUF_TOP_ROLES; i++) {
		if (strcmp(name, role_names[i]) == 0) {
			*out = (enum medfw_tuf_role_type)i;
			return MEDFW_OK;
		}
	}
	*out = MEDFW_TUF_ROOT;
	return MEDFW_ERR_NOT_FOUND;
}

static void keyring_free(struct medfw_tuf_keyring *ring)
{
	for (size_t i = 0; i < ring->count; i++)
		medfw_pubkey_free(ring->items[i].key);
	free(ring->items);
	ring->items = NULL;
	ring->count = 0;
}

static void role_keys_free(struct medfw_tuf_role_keys *rk)
{
	free(rk->keyids);
	rk->keyids = NULL;
	rk->keyid_count = 0;
}

void medfw_tuf_meta_free(struct medfw_tuf_meta *meta)
{
	if (meta == NULL)
		return;
	for (size_t i = 0; i < meta->sig_count; i++)
		free(meta->sigs[i].sig);
	free(meta->sigs);
	keyring_free(&meta->keys);
	for (unsigned i = 0; i < MEDFW_TUF_TOP_ROLES; i++)
		role_keys_free(&meta->roles[i]);
	free(meta->meta);
	free(meta->targets);
	keyring_free(&meta->delegation_keys);
	for (size_t i = 0; i < meta->delegated_count; i++) {
		role_keys_free(&meta->delegated[i].keys);
		free(meta->delegated[i].paths);
		free(meta->delegated[i].hash_prefixes);
	}
	free(meta->delegated);
	role_keys_free(&meta->succinct.keys);
	medfw_buf_free(&meta->signed_canonical);
	json_decref(meta->doc);
	free(meta);
}

/* ---- small validators ---- */

static enum medfw_err get_positive_version(const json_t *obj, const char *what, const char *key,
					   int64_t *out, struct medfw_diag *diag)
{
	return medfw_json_get_int(obj, what, key, 1, INT64_MAX, out, diag);
}

/* An array of unique strings, as a newly allocated array of borrowed pointers. */
static enum medfw_err string_array(const json_t *arr, const char *what, const char *key,
				   int unique, const char ***out, size_t *out_count,
				   struct medfw_diag *diag)
{
	size_t n = json_array_size(arr), i;
	const char **items = NULL;
	json_t *v;

	*out = NULL;
	*out_count = 0;
	if (n != 0) {
		items = calloc(n, sizeof(*items));
		if (items == NULL)
			return MEDFW_ERR_NOMEM;
	}
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v)) {
			free(items);
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE,
					      "%s: \"%s\"[%zu] must be a string", what, key, i);
		}
		items[i] = json_string_value(v);
		for (size_t j = 0; unique && j < i; j++) {
			if (strcmp(items[j], items[i]) == 0) {
				medfw_diag_set(diag, MEDFW_ERR_DUPLICATE_KEYID,
					       "%s: \"%s\" lists \"%.64s\" twice", what, key,
					       items[i]);
				free(items);
				return MEDFW_ERR_DUPLICATE_KEYID;
			}
		}
	}
	*out = items;
	*out_count = n;
	return MEDFW_OK;
}

static enum medfw_err parse_role_keys(const json_t *obj, const char *what, const char *name,
				      struct medfw_tuf_role_keys *out, struct medfw_diag *diag)
{
	json_t *keyids;
	enum medfw_err err;

	out->name = name;
	err = medfw_json_get_array(obj, what, "keyids", &keyids, diag);
	if (err == MEDFW_OK)
		err = string_array(keyids, what, "keyids", 1, &out->keyids, &out->keyid_count,
				   diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_int(obj, what, "threshold", 1, INT64_MAX, &out->threshold,
					 diag);
	return err;
}

static enum medfw_err validate_hashes(const json_t *hashes, const char *what,
				      struct medfw_diag *diag)
{
	const char *alg;
	json_t *v;

	if (!json_is_object(hashes))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: \"hashes\" must be an object",
				      what);
	if (json_object_size(hashes) == 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s: \"hashes\" is empty", what);
	json_object_foreach((json_t *)(uintptr_t)hashes, alg, v) {
		if (!json_is_string(v))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE,
					      "%s: hash \"%s\" must be a string", what, alg);
	}
	return MEDFW_OK;
}

static enum medfw_err parse_length(const json_t *obj, const char *what, int required,
				   int64_t *out, struct medfw_diag *diag)
{
	if (!required && json_object_get(obj, "length") == NULL) {
		*out = -1;
		return MEDFW_OK;
	}
	return medfw_json_get_int(obj, what, "length", 0, INT64_MAX, out, diag);
}

static enum medfw_err parse_keyring(const json_t *keys, const char *what,
				    struct medfw_tuf_keyring *ring, struct medfw_diag *diag)
{
	size_t n = json_object_size(keys), i = 0;
	const char *keyid;
	json_t *kobj;

	ring->items = NULL;
	ring->count = 0;
	if (n == 0)
		return MEDFW_OK;
	ring->items = calloc(n, sizeof(*ring->items));
	if (ring->items == NULL)
		return MEDFW_ERR_NOMEM;
	json_object_foreach((json_t *)(uintptr_t)keys, keyid, kobj) {
		const char *s;
		json_t *keyval;
		enum medfw_err err;
		char kwhat[160];

		snprintf(kwhat, sizeof(kwhat), "%s: key %.64s", what, keyid);
		err = medfw_json_get_string(kobj, kwhat, "keytype", &s, diag);
		if (err == MEDFW_OK)
			err = medfw_json_get_string(kobj, kwhat, "scheme", &s, diag);
		if (err == MEDFW_OK)
			err = medfw_json_get_object(kobj, kwhat, "keyval", &keyval, diag);
		if (err != MEDFW_OK)
			return err;
		ring->items[i].keyid = keyid;
		/* Unsupported or malformed key material: the key exists but can never
		 * produce a counting signature. */
		if (medfw_pubkey_from_json(kobj, &ring->items[i].key, NULL) != MEDFW_OK)
			ring->items[i].key = NULL;
		ring->count = ++i;
	}
	return MEDFW_OK;
}

/* ---- per role ---- */

static enum medfw_err parse_root(struct medfw_tuf_meta *m, struct medfw_diag *diag)
{
	json_t *keys, *roles, *cs = json_object_get(m->signed_obj, "consistent_snapshot");
	enum medfw_err err;

	if (cs != NULL && !json_is_boolean(cs))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE,
				      "root: \"consistent_snapshot\" must be true or false");
	m->consistent_snapshot = cs != NULL && json_is_true(cs);
	err = medfw_json_get_object(m->signed_obj, "root", "keys", &keys, diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_object(m->signed_obj, "root", "roles", &roles, diag);
	if (err != MEDFW_OK)
		return err;
	err = parse_keyring(keys, "root", &m->keys, diag);
	if (err != MEDFW_OK)
		return err;
	if (json_object_size(roles) != MEDFW_TUF_TOP_ROLES)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "root: \"roles\" must name exactly root, timestamp, snapshot "
				      "and targets");
	for (unsigned i = 0; i < MEDFW_TUF_TOP_ROLES; i++) {
		json_t *r;
		char what[32];

		snprintf(what, sizeof(what), "root: role %s", role_names[i]);
		err = medfw_json_get_object(roles, "root: roles", role_names[i], &r, diag);
		if (err == MEDFW_OK)
			err = parse_role_keys(r, what, role_names[i], &m->roles[i], diag);
		if (err != MEDFW_OK)
			return err;
	}
	return MEDFW_OK;
}

static enum medfw_err parse_metafiles(struct medfw_tuf_meta *m, const char *what,
				      struct medfw_diag *diag)
{
	json_t *meta, *entry;
	const char *name;
	enum medfw_err err;
	size_t i = 0;

	err = medfw_json_get_object(m->signed_obj, what, "meta", &meta, diag);
	if (err != MEDFW_OK)
		return err;
	if (json_object_size(meta) != 0) {
		m->meta = calloc(json_object_size(meta), sizeof(*m->meta));
		if (m->meta == NULL)
			return MEDFW_ERR_NOMEM;
	}
	json_object_foreach(meta, name, entry) {
		struct medfw_tuf_metafile *f = &m->meta[i];
		char ewhat[300];

		snprintf(ewhat, sizeof(ewhat), "%s: meta \"%.200s\"", what, name);
		f->name = name;
		err = get_positive_version(entry, ewhat, "version", &f->version, diag);
		if (err == MEDFW_OK)
			err = parse_length(entry, ewhat, 0, &f->length, diag);
		if (err == MEDFW_OK && json_object_get(entry, "hashes") != NULL) {
			f->hashes = json_object_get(entry, "hashes");
			err = validate_hashes(f->hashes, ewhat, diag);
		}
		if (err != MEDFW_OK)
			return err;
		m->meta_count = ++i;
	}
	if (m->type == MEDFW_TUF_TIMESTAMP && medfw_tuf_meta_file(m, "snapshot.json") == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
				      "timestamp: \"meta\" lacks \"snapshot.json\"");
	return MEDFW_OK;
}

static enum medfw_err parse_delegated_role(const json_t *r, size_t idx,
					   struct medfw_tuf_delegated_role *d,
					   struct medfw_diag *diag)
{
	json_t *paths = json_object_get(r, "paths");
	json_t *prefixes = json_object_get(r, "path_hash_prefixes");
	const char *name;
	enum medfw_err err;
	char what[300];

	snprintf(what, sizeof(what), "targets: delegations.roles[%zu]", idx);
	err = medfw_json_get_string(r, what, "name", &name, diag);
	if (err == MEDFW_OK && (name[0] == 0 || medfw_tuf_role_parse(name, &(enum medfw_tuf_role_type){0}) == MEDFW_OK))
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				     "%s: a delegated role cannot be empty or named \"%s\"", what,
				     name);
	if (err != MEDFW_OK)
		return err;
	snprintf(what, sizeof(what), "targets: delegated role \"%.200s\"", name);
	err = parse_role_keys(r, what, name, &d->keys, diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_bool(r, what, "terminating", &d->terminating, diag);
	if (err != MEDFW_OK)
		return err;
	if ((paths == NULL) == (prefixes == NULL))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: exactly one of \"paths\" and \"path_hash_prefixes\" "
				      "must be set", what);
	if (paths != NULL) {
		if (!json_is_array(paths))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE,
					      "%s: \"paths\" must be an array", what);
		d->has_paths = 1;
		return string_array(paths, what, "paths", 0, &d->paths, &d->path_count, diag);
	}
	if (!json_is_array(prefixes))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE,
				      "%s: \"path_hash_prefixes\" must be an array", what);
	d->has_hash_prefixes = 1;
	return string_array(prefixes, what, "path_hash_prefixes", 0, &d->hash_prefixes,
			    &d->hash_prefix_count, diag);
}

static enum medfw_err parse_delegations(struct medfw_tuf_meta *m, const json_t *del,
					struct medfw_diag *diag)
{
	json_t *keys, *roles = json_object_get(del, "roles");
	json_t *succinct = json_object_get(del, "succinct_roles");
	enum medfw_err err;

	m->has_delegations = 1;
	if (!json_is_object(del))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE,
				      "targets: \"delegations\" must be an object");
	err = medfw_json_get_object(del, "targets: delegations", "keys", &keys, diag);
	if (err == MEDFW_OK)
		err = parse_keyring(keys, "targets: delegations", &m->delegation_keys, diag);
	if (err != MEDFW_OK)
		return err;
	if ((roles == NULL) == (succinct == NULL))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "targets: delegations need exactly one of \"roles\" and "
				      "\"succinct_roles\"");
	if (succinct != NULL) {
		const char *what = "targets: delegations.succinct_roles";

		if (!json_is_object(succinct))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s must be an object", what);
		m->has_succinct_roles = 1;
		err = medfw_json_get_string(succinct, what, "name_prefix",
					    &m->succinct.name_prefix, diag);
		if (err == MEDFW_OK)
			err = medfw_json_get_int(succinct, what, "bit_length", 1, 32,
						 &m->succinct.bit_length, diag);
		if (err == MEDFW_OK)
			err = parse_role_keys(succinct, what, m->succinct.name_prefix,
					      &m->succinct.keys, diag);
		return err;
	}
	if (!json_is_array(roles))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE,
				      "targets: \"delegations.roles\" must be an array");
	if (json_array_size(roles) != 0) {
		m->delegated = calloc(json_array_size(roles), sizeof(*m->delegated));
		if (m->delegated == NULL)
			return MEDFW_ERR_NOMEM;
	}
	for (size_t i = 0; i < json_array_size(roles); i++) {
		json_t *r = json_array_get(roles, i);

		if (!json_is_object(r))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE,
					      "targets: delegations.roles[%zu] must be an object", i);
		m->delegated_count = i + 1;
		err = parse_delegated_role(r, i, &m->delegated[i], diag);
		if (err != MEDFW_OK)
			return err;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(m->delegated[j].keys.name, m->delegated[i].keys.name) == 0)
				return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						      "targets: delegated role \"%s\" appears twice",
						      m->delegated[i].keys.name);
		}
	}
	return MEDFW_OK;
}

static enum medfw_err parse_targets(struct medfw_tuf_meta *m, struct medfw_diag *diag)
{
	json_t *targets, *entry, *del;
	const char *path;
	enum medfw_err err;
	size_t i = 0;

	err = medfw_json_get_object(m->signed_obj, "targets", "targets", &targets, diag);
	if (err != MEDFW_OK)
		return err;
	if (json_object_size(targets) != 0) {
		m->targets = calloc(json_object_size(targets), sizeof(*m->targets));
		if (m->targets == NULL)
			return MEDFW_ERR_NOMEM;
	}
	json_object_foreach(targets, path, entry) {
		struct medfw_tuf_target *t = &m->targets[i];
		char what[300];
		json_t *custom;

		snprintf(what, sizeof(what), "targets: target \"%.200s\"", path);
		t->path = path;
		err = parse_length(entry, what, 1, &t->length, diag);
		if (err == MEDFW_OK) {
			t->hashes = json_object_get(entry, "hashes");
			err = t->hashes == NULL
				      ? medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
						       "%s: missing field \"hashes\"", what)
				      : validate_hashes(t->hashes, what, diag);
		}
		if (err != MEDFW_OK)
			return err;
		custom = json_object_get(entry, "custom");
		if (custom != NULL && !json_is_object(custom))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE,
					      "%s: \"custom\" must be an object", what);
		t->custom = custom;
		m->target_count = ++i;
	}
	del = json_object_get(m->signed_obj, "delegations");
	if (del != NULL)
		return parse_delegations(m, del, diag);
	return MEDFW_OK;
}

/* "1.0.31" or "1.0": two or three all-digit parts, major 1. */
static enum medfw_err check_spec_version(const char *v, struct medfw_diag *diag)
{
	size_t parts = 1, digits = 0;

	for (const char *p = v; *p != 0; p++) {
		if (*p == '.') {
			if (digits == 0)
				break;
			parts++;
			digits = 0;
		} else if (*p >= '0' && *p <= '9') {
			digits++;
		} else {
			digits = 0;
			break;
		}
	}
	if (digits == 0 || parts < 2 || parts > 3)
		return medfw_diag_set(diag, MEDFW_ERR_SPEC_VERSION, "malformed spec_version \"%.40s\"",
				      v);
	if (v[0] != '1' || v[1] != '.')
		return medfw_diag_set(diag, MEDFW_ERR_SPEC_VERSION,
				      "unsupported spec_version \"%.40s\" (need 1.x)", v);
	return MEDFW_OK;
}

static enum medfw_err parse_signatures(struct medfw_tuf_meta *m, const json_t *sigs,
				       struct medfw_diag *diag)
{
	size_t n = json_array_size(sigs);

	if (n == 0)
		return MEDFW_OK;
	m->sigs = calloc(n, sizeof(*m->sigs));
	if (m->sigs == NULL)
		return MEDFW_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		json_t *s = json_array_get(sigs, i);
		const char *keyid, *hex;
		enum medfw_err err;
		char what[48];
		size_t hex_len;

		snprintf(what, sizeof(what), "signatures[%zu]", i);
		err = medfw_json_get_string(s, what, "keyid", &keyid, diag);
		if (err == MEDFW_OK)
			err = medfw_json_get_string(s, what, "sig", &hex, diag);
		if (err != MEDFW_OK)
			return err;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(m->sigs[j].keyid, keyid) == 0)
				return medfw_diag_set(diag, MEDFW_ERR_DUPLICATE_KEYID,
						      "signatures: key id %.64s signs twice", keyid);
		}
		m->sigs[i].keyid = keyid;
		m->sig_count = i + 1;
		hex_len = strlen(hex);
		if (hex_len == 0 || hex_len % 2 != 0 || hex_len / 2 > MEDFW_SIG_MAX_LEN)
			continue; /* malformed: kept, never counts */
		m->sigs[i].sig = malloc(hex_len / 2);
		if (m->sigs[i].sig == NULL)
			return MEDFW_ERR_NOMEM;
		if (medfw_hex_decode(hex, m->sigs[i].sig, hex_len / 2, &m->sigs[i].sig_len) !=
		    MEDFW_OK) {
			free(m->sigs[i].sig);
			m->sigs[i].sig = NULL;
			m->sigs[i].sig_len = 0;
		}
	}
	return MEDFW_OK;
}

enum medfw_err medfw_tuf_meta_parse_unverified(const uint8_t *data, size_t len, size_t max_len,
					       enum medfw_tuf_role_type type,
					       struct medfw_tuf_meta **out,
					       struct medfw_diag *diag)
{
	struct medfw_tuf_meta *m = NULL;
	const char *rtype, *expires;
	json_t *sigs;
	enum medfw_err err;

	*out = NULL;
	if ((unsigned)type >= MEDFW_TUF_TOP_ROLES)
		return MEDFW_ERR_INVALID_ARG;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return MEDFW_ERR_NOMEM;
	m->type = type;
	medfw_buf_init(&m->signed_canonical, max_len);
	err = medfw_json_parse(data, len, max_len, MEDFW_TUF_MAX_DEPTH, &m->doc, diag);
	if (err != MEDFW_OK)
		goto fail;
	err = medfw_json_get_object(m->doc, "metadata", "signed", &m->signed_obj, diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_array(m->doc, "metadata", "signatures", &sigs, diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_string(m->signed_obj, "metadata", "_type", &rtype, diag);
	if (err != MEDFW_OK)
		goto fail;
	if (strcmp(rtype, role_names[type]) != 0) {
		err = medfw_diag_set(diag, MEDFW_ERR_ROLE_TYPE, "expected %s metadata, got \"%.40s\"",
				     role_names[type], rtype);
		goto fail;
	}
	err = medfw_json_get_string(m->signed_obj, role_names[type], "spec_version",
				    &m->spec_version, diag);
	if (err == MEDFW_OK)
		err = check_spec_version(m->spec_version, diag);
	if (err == MEDFW_OK)
		err = get_positive_version(m->signed_obj, role_names[type], "version", &m->version,
					   diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_string(m->signed_obj, role_names[type], "expires", &expires,
					    diag);
	if (err == MEDFW_OK && medfw_parse_utc_time(expires, &m->expires) != MEDFW_OK)
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				     "%s: \"expires\" is not YYYY-MM-DDTHH:MM:SSZ: \"%.40s\"",
				     role_names[type], expires);
	if (err == MEDFW_OK)
		err = parse_signatures(m, sigs, diag);
	if (err != MEDFW_OK)
		goto fail;
	switch (type) {
	case MEDFW_TUF_ROOT: err = parse_root(m, diag); break;
	case MEDFW_TUF_TIMESTAMP: err = parse_metafiles(m, "timestamp", diag); break;
	case MEDFW_TUF_SNAPSHOT: err = parse_metafiles(m, "snapshot", diag); break;
	case MEDFW_TUF_TARGETS: err = parse_targets(m, diag); break;
	}
	if (err == MEDFW_OK)
		err = medfw_json_canonical(m->signed_obj, &m->signed_canonical, diag);
	if (err != MEDFW_OK)
		goto fail;
	*out = m;
	return MEDFW_OK;
fail:
	medfw_tuf_meta_free(m);
	return err;
}

const struct medfw_tuf_role_keys *medfw_tuf_root_role(const struct medfw_tuf_meta *root,
						       enum medfw_tuf_role_type type)
{
	if (root->type != MEDFW_TUF_ROOT || (unsigned)type >= MEDFW_TUF_TOP_ROLES)
		return NULL;
	return &root->roles[type];
}

const struct medfw_tuf_metafile *medfw_tuf_meta_file(const struct medfw_tuf_meta *meta,
						     const char *name)
{
	for (size_t i = 0; i < meta->meta_count; i++)
		if (strcmp(meta->meta[i].name, name) == 0)
			return &meta->meta[i];
	return NULL;
}

const struct medfw_tuf_target *medfw_tuf_targets_find(const struct medfw_tuf_meta *targets,
						       const char *path)
{
	for (size_t i = 0; i < targets->target_count; i++)
		if (strcmp(targets->targets[i].path, path) == 0)
			return &targets->targets[i];
	return NULL;
}

int medfw_tuf_meta_is_expired(const struct medfw_tuf_meta *meta, int64_t now)
{
	return now >= meta->expires;
}
