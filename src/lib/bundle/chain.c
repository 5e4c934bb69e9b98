/* The offline TUF client workflow over a bundle's metadata files (TUF 1.0 section
 * 5, without fetching): root chain, timestamp, snapshot, targets, delegations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle_internal.h"
#include "medfw/num.h"

void medfwi_bundle_chain_free(struct bundle_chain *c)
{
	medfw_tuf_meta_free(c->root);
	medfw_tuf_meta_free(c->timestamp);
	medfw_tuf_meta_free(c->snapshot);
	medfw_tuf_meta_free(c->targets);
	for (size_t i = 0; i < c->delegated_count; i++) {
		medfw_tuf_meta_free(c->delegated[i]);
		free(c->delegated_names[i]);
	}
	memset(c, 0, sizeof(*c));
}

static enum medfw_err parse(const struct medfw_buf *b, enum medfw_tuf_role_type type,
			    const char *what, struct medfw_tuf_meta **out, struct medfw_diag *diag)
{
	struct medfw_diag inner;
	enum medfw_err err;

	medfw_diag_clear(&inner);
	err = medfw_tuf_meta_parse_unverified(b->data, b->len, medfw_tuf_role_max_len(type),
					      type, out, &inner);
	if (err != MEDFW_OK)
		medfw_diag_set(diag, err, "%s: %s", what, medfw_diag_message(&inner, err));
	return err;
}

static void record_sigs(struct bundle_chain *c, const struct medfw_tuf_meta *m,
			const struct medfw_tuf_role_keys *role, const char *what, size_t valid)
{
	struct medfw_bundle_role_sigs *r;

	if (c->role_count >= MEDFW_BUNDLE_RESULT_ROLES)
		return;
	r = &c->roles[c->role_count++];
	snprintf(r->role, sizeof(r->role), "%s", what);
	r->version = m->version;
	r->expires = m->expires;
	r->valid = valid;
	r->threshold = role->threshold;
}

static enum medfw_err check_sigs(struct bundle_chain *c, const struct medfw_tuf_meta *m,
				 const struct medfw_tuf_keyring *keys,
				 const struct medfw_tuf_role_keys *role, const char *what,
				 int record, struct medfw_diag *diag)
{
	size_t valid;
	enum medfw_err err = medfw_tuf_meta_verify_role_count(m, keys, role, what, &valid, diag);

	if (err == MEDFW_OK && record)
		record_sigs(c, m, role, what, valid);
	return err;
}

static enum medfw_err check_expiry(const struct medfw_tuf_meta *m, int64_t now, const char *what,
				   struct medfw_diag *diag)
{
	char when[MEDFW_UTC_TIME_LEN + 1];

	if (!medfw_tuf_meta_is_expired(m, now))
		return MEDFW_OK;
	if (medfw_format_utc_time(m->expires, when, sizeof(when)) != MEDFW_OK)
		when[0] = 0;
	return medfw_diag_set(diag, MEDFW_ERR_EXPIRED, "%s: version %lld expired at %s", what,
			      (long long)m->version, when);
}

/* Length and hashes of raw bytes against a snapshot/timestamp entry, before parsing. */
static enum medfw_err check_metafile(const struct medfw_buf *b,
				     const struct medfw_tuf_metafile *mf, const char *what,
				     struct medfw_diag *diag)
{
	if (mf->length < 0 && mf->hashes == NULL)
		return MEDFW_OK;
	return medfw_tuf_check_length_hashes(b->data, b->len, mf->length, mf->hashes, what, diag);
}

static enum medfw_err root_chain(struct bundle_chain *c, const uint8_t *trusted,
				 size_t trusted_len, const struct bundle_files *files, int64_t now,
				 struct medfw_diag *diag)
{
	struct medfw_buf tb;
	struct medfw_tuf_meta *next = NULL;
	int64_t prev_version = 0;
	size_t root_valid = 0;
	enum medfw_err err;

	medfw_buf_init(&tb, MEDFW_TUF_ROOT_MAX_LEN);
	err = medfw_buf_append(&tb, trusted, trusted_len);
	if (err != MEDFW_OK) {
		medfw_buf_free(&tb);
		return medfw_diag_set(diag, err, "trusted root: larger than %u bytes",
				      MEDFW_TUF_ROOT_MAX_LEN);
	}
	err = parse(&tb, MEDFW_TUF_ROOT, "trusted root", &c->root, diag);
	medfw_buf_free(&tb);
	if (err != MEDFW_OK)
		return err;
	err = medfw_tuf_meta_verify_role_count(c->root, &c->root->keys,
					       medfw_tuf_root_role(c->root, MEDFW_TUF_ROOT),
					       "trusted root (its own keys)", &root_valid, diag);
	if (err != MEDFW_OK)
		return err;
	c->trusted_root_version = c->root->version;
	for (size_t i = 0; i < files->root_count; i++) {
		const struct medfw_buf *b = &files->roots[i];
		char what[64];

		snprintf(what, sizeof(what), "root (bundle file %zu)", i + 1);
		err = parse(b, MEDFW_TUF_ROOT, what, &next, diag);
		if (err != MEDFW_OK)
			return err;
		snprintf(what, sizeof(what), "root version %lld", (long long)next->version);
		if (next->version <= prev_version) {
			err = medfw_diag_set(diag, MEDFW_ERR_VERSION_MISMATCH,
					     "%s follows root version %lld in the bundle", what,
					     (long long)prev_version);
			goto fail;
		}
		prev_version = next->version;
		if (next->version < c->root->version) {
			/* Older than what we trust: not needed, skipped (TUF 5.3). */
			medfw_tuf_meta_free(next);
			next = NULL;
			continue;
		}
		if (next->version == c->root->version) {
			/* The bundle's copy of the trusted version must be the trusted root.
			 * The very same bytes were verified above; any other bytes are checked
			 * like a new file: signed by the trusted keys (THRESHOLD for another
			 * manufacturer's bundle or a damaged signature) and with the trusted
			 * signed content. */
			int same_bytes = b->len == trusted_len && memcmp(b->data, trusted, b->len) == 0;

			if (!same_bytes)
				err = medfw_tuf_meta_verify_role(
					next, &c->root->keys,
					medfw_tuf_root_role(c->root, MEDFW_TUF_ROOT), what, diag);
			if (err == MEDFW_OK && !same_bytes &&
			    (next->signed_canonical.len != c->root->signed_canonical.len ||
			     memcmp(next->signed_canonical.data, c->root->signed_canonical.data,
				    next->signed_canonical.len) != 0))
				err = medfw_diag_set(diag, MEDFW_ERR_VERSION_MISMATCH,
						     "%s in the bundle is not the trusted root version "
						     "%lld",
						     what, (long long)c->root->version);
			if (err != MEDFW_OK)
				goto fail;
			medfw_tuf_meta_free(next);
			next = NULL;
			continue;
		}
		if (next->version != c->root->version + 1) {
			err = medfw_diag_set(diag, MEDFW_ERR_VERSION_MISMATCH,
					     "%s cannot follow trusted root version %lld", what,
					     (long long)c->root->version);
			goto fail;
		}
		err = medfw_tuf_meta_verify_role(next, &c->root->keys,
						 medfw_tuf_root_role(c->root, MEDFW_TUF_ROOT), what,
						 diag);
		if (err == MEDFW_OK)
			err = medfw_tuf_meta_verify_role_count(next, &next->keys,
							       medfw_tuf_root_role(next, MEDFW_TUF_ROOT),
							       what, &root_valid, diag);
		if (err != MEDFW_OK)
			goto fail;
		medfw_tuf_meta_free(c->root);
		c->root = next;
		next = NULL;
	}
	/* The final root must not be expired (TUF 5.3.10); its own signatures were
	 * counted when it was verified. */
	err = check_expiry(c->root, now, "root", diag);
	if (err == MEDFW_OK)
		record_sigs(c, c->root, medfw_tuf_root_role(c->root, MEDFW_TUF_ROOT), "root",
			    root_valid);
fail:
	medfw_tuf_meta_free(next);
	return err;
}

struct walk_item {
	const char *name;
	const struct medfw_tuf_meta *delegator;
	const struct medfw_tuf_role_keys *keys;
};

static enum medfw_err load_delegated(struct bundle_chain *c, const struct walk_item *it,
				     bundle_fetch_fn fetch, void *fetch_user, int64_t now,
				     struct medfw_tuf_meta **out, struct medfw_diag *diag)
{
	const struct medfw_tuf_metafile *mf;
	const struct medfw_buf *b = NULL;
	struct medfw_tuf_meta *m = NULL;
	char file[300], what[300];
	enum medfw_err err;

	*out = NULL;
	snprintf(what, sizeof(what), "delegated role \"%.200s\"", it->name);
	if (snprintf(file, sizeof(file), "%s.json", it->name) >= (int)sizeof(file))
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "%s: name too long", what);
	mf = medfw_tuf_meta_file(c->snapshot, file);
	if (mf == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "snapshot: no entry for %s", file);
	if (c->delegated_count >= MEDFW_BUNDLE_MAX_DELEGATED)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "more than %u delegated roles",
				      MEDFW_BUNDLE_MAX_DELEGATED);
	err = fetch(fetch_user, it->name, mf->version, &b, diag);
	if (err == MEDFW_OK)
		err = check_metafile(b, mf, what, diag);
	if (err == MEDFW_OK)
		err = parse(b, MEDFW_TUF_TARGETS, what, &m, diag);
	if (err == MEDFW_OK)
		err = check_sigs(c, m, &it->delegator->delegation_keys, it->keys, what, 0, diag);
	if (err == MEDFW_OK && m->version != mf->version)
		err = medfw_diag_set(diag, MEDFW_ERR_VERSION_MISMATCH,
				     "%s: version %lld, snapshot names version %lld", what,
				     (long long)m->version, (long long)mf->version);
	if (err == MEDFW_OK)
		err = check_expiry(m, now, what, diag);
	if (err == MEDFW_OK) {
		c->delegated_names[c->delegated_count] = strdup(it->name);
		if (c->delegated_names[c->delegated_count] == NULL)
			err = MEDFW_ERR_NOMEM;
	}
	if (err != MEDFW_OK) {
		medfw_tuf_meta_free(m);
		return err;
	}
	c->delegated[c->delegated_count++] = m;
	if (c->role_count < MEDFW_BUNDLE_RESULT_ROLES) {
		struct medfw_bundle_role_sigs *r = &c->roles[c->role_count++];

		snprintf(r->role, sizeof(r->role), "%s", it->name);
		r->version = m->version;
		r->expires = m->expires;
		r->valid = medfw_tuf_meta_count_valid(m, &it->delegator->delegation_keys, it->keys);
		r->threshold = it->keys->threshold;
	}
	*out = m;
	return MEDFW_OK;
}

/* Preorder depth-first search of the delegation graph (TUF 5.6.7.2), at most
 * MEDFW_BUNDLE_MAX_DELEGATED roles loaded, each role at most once. */
static enum medfw_err find_target(struct bundle_chain *c, const char *target_name,
				  bundle_fetch_fn fetch, void *fetch_user, int64_t now,
				  struct medfw_diag *diag)
{
	struct walk_item *stack = NULL;
	size_t top = 0, cap = 0, visited = 0;
	enum medfw_err err = MEDFW_OK;
	char succinct_name[512];

	stack = malloc(sizeof(*stack) * 8);
	if (stack == NULL)
		return MEDFW_ERR_NOMEM;
	cap = 8;
	stack[top++] = (struct walk_item){"targets", NULL, NULL};
	while (top > 0 && c->target == NULL) {
		struct walk_item it = stack[--top];
		const struct medfw_tuf_meta *m = NULL;
		int seen = strcmp(it.name, "targets") == 0 && visited > 0;

		for (size_t i = 0; i < c->delegated_count; i++)
			seen |= strcmp(c->delegated_names[i], it.name) == 0;
		if (seen)
			continue;
		if (visited++ >= MEDFW_BUNDLE_MAX_DELEGATED + 1) {
			err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
					     "target %s: not found within %u delegated roles",
					     target_name, MEDFW_BUNDLE_MAX_DELEGATED);
			break;
		}
		if (it.delegator == NULL) {
			m = c->targets;
		} else {
			struct medfw_tuf_meta *dm = NULL;

			err = load_delegated(c, &it, fetch, fetch_user, now, &dm, diag);
			if (err != MEDFW_OK)
				break;
			m = dm;
		}
		c->target = medfw_tuf_targets_find(m, target_name);
		if (c->target != NULL || !m->has_delegations)
			continue;
		if (m->has_succinct_roles) {
			if (medfw_tuf_succinct_role_for(&m->succinct, target_name, succinct_name,
							sizeof(succinct_name)) != MEDFW_OK)
				continue;
			/* The name must outlive this iteration: it is copied by load_delegated
			 * before the next succinct computation. */
			stack[top++] = (struct walk_item){succinct_name, m, &m->succinct.keys};
			continue;
		}
		{
			size_t first = top;

			for (size_t i = 0; i < m->delegated_count; i++) {
				const struct medfw_tuf_delegated_role *d = &m->delegated[i];

				if (!medfw_tuf_delegation_matches(d, target_name))
					continue;
				if (top == cap) {
					struct walk_item *grown;

					if (cap > 4096) {
						err = MEDFW_ERR_TOO_LARGE;
						goto out;
					}
					grown = realloc(stack, sizeof(*stack) * cap * 2);
					if (grown == NULL) {
						err = MEDFW_ERR_NOMEM;
						goto out;
					}
					stack = grown;
					cap *= 2;
				}
				stack[top++] = (struct walk_item){d->keys.name, m, &d->keys};
				if (d->terminating) {
					/* Nothing outside this role's subtree is searched. */
					memmove(stack, stack + first, (top - first) * sizeof(*stack));
					top -= first;
					first = 0;
					break;
				}
			}
			/* Visit children in listed order: reverse what was pushed. */
			for (size_t a = first, b = top; b > a + 1; a++, b--) {
				struct walk_item t = stack[a];

				stack[a] = stack[b - 1];
				stack[b - 1] = t;
			}
		}
	}
out:
	free(stack);
	if (err == MEDFW_OK && c->target == NULL)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "target %s: not in signed targets",
				     target_name);
	return err;
}

enum medfw_err medfwi_bundle_verify_meta(struct medfw_ctx *ctx, const uint8_t *trusted_root,
					 size_t trusted_root_len, struct bundle_files *files,
					 const char *target_name, bundle_fetch_fn fetch,
					 void *fetch_user, struct bundle_chain *out,
					 struct medfw_diag *diag)
{
	const struct medfw_tuf_metafile *mf;
	int64_t now = medfw_ctx_now(ctx);
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	err = root_chain(out, trusted_root, trusted_root_len, files, now, diag);
	if (err != MEDFW_OK)
		goto fail;

	err = parse(&files->timestamp, MEDFW_TUF_TIMESTAMP, "timestamp", &out->timestamp, diag);
	if (err == MEDFW_OK)
		err = check_sigs(out, out->timestamp, &out->root->keys,
				 medfw_tuf_root_role(out->root, MEDFW_TUF_TIMESTAMP), "timestamp", 1,
				 diag);
	if (err == MEDFW_OK)
		err = check_expiry(out->timestamp, now, "timestamp", diag);
	if (err != MEDFW_OK)
		goto fail;

	mf = medfw_tuf_meta_file(out->timestamp, "snapshot.json");
	err = check_metafile(&files->snapshot, mf, "snapshot", diag);
	if (err == MEDFW_OK)
		err = parse(&files->snapshot, MEDFW_TUF_SNAPSHOT, "snapshot", &out->snapshot, diag);
	if (err == MEDFW_OK)
		err = check_sigs(out, out->snapshot, &out->root->keys,
				 medfw_tuf_root_role(out->root, MEDFW_TUF_SNAPSHOT), "snapshot", 1,
				 diag);
	if (err == MEDFW_OK && out->snapshot->version != mf->version)
		err = medfw_diag_set(diag, MEDFW_ERR_VERSION_MISMATCH,
				     "snapshot: version %lld, timestamp names version %lld",
				     (long long)out->snapshot->version, (long long)mf->version);
	if (err == MEDFW_OK)
		err = check_expiry(out->snapshot, now, "snapshot", diag);
	if (err != MEDFW_OK)
		goto fail;

	mf = medfw_tuf_meta_file(out->snapshot, "targets.json");
	if (mf == NULL) {
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "snapshot: no entry for targets.json");
		goto fail;
	}
	err = check_metafile(&files->targets, mf, "targets", diag);
	if (err == MEDFW_OK)
		err = parse(&files->targets, MEDFW_TUF_TARGETS, "targets", &out->targets, diag);
	if (err == MEDFW_OK)
		err = check_sigs(out, out->targets, &out->root->keys,
				 medfw_tuf_root_role(out->root, MEDFW_TUF_TARGETS), "targets", 1,
				 diag);
	if (err == MEDFW_OK && out->targets->version != mf->version)
		err = medfw_diag_set(diag, MEDFW_ERR_VERSION_MISMATCH,
				     "targets: version %lld, snapshot names version %lld",
				     (long long)out->targets->version, (long long)mf->version);
	if (err == MEDFW_OK)
		err = check_expiry(out->targets, now, "targets", diag);
	if (err == MEDFW_OK)
		err = find_target(out, target_name, fetch, fetch_user, now, diag);
	if (err == MEDFW_OK)
		return MEDFW_OK;
fail:
	medfwi_bundle_chain_free(out);
	return err;
}
