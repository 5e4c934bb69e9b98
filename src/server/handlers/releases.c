/* The releases the hosted image repository signs, for people and the web dashboard
 * (docs/director.md, "Releases"):
 *
 *   GET /api/v1/repository/releases[?limit=&offset=&q=]  newest release first
 *   GET /api/v1/repository/releases/{target*}            one release: its whole notice
 *                                                        and the metadata that signs it
 *   GET /api/v1/devices/{device}/release                 the release a device runs
 *
 * What the repository signs is read once per served tree into a catalog: every target
 * a TUF client finds (medfwd_repo_served_view: top-level targets and delegated roles),
 * its release notice, the role whose metadata lists it and that role's signatures
 * against its threshold. The catalog is kept until the served tree changes (a commit,
 * a newly pinned root: medfwd_repo_generation) or one of the files it was read from
 * expires; one request rebuilds it while the others wait for it, and requests share
 * it by reference count, so no lock is held while they read the store. The store's
 * side (the SBOM, open findings, devices running the image) is read per request, for
 * the releases of the page only. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "devices.h"
#include "medfw/notice.h"
#include "medfw/num.h"
#include "medfw/store_rollout.h"
#include "medfw/store_vuln.h"
#include "medfw/tuf.h"
#include "medfw/tuf_client.h"

#define LIST_LIMIT_DEFAULT 50
#define LIST_LIMIT_MAX 200
#define QUERY_MAX 256 /* bytes of ?q= */
#define SHA256_HEX 64
#define FAILED_RETRY_SECONDS 60 /* a repository that could not be read is read again after */
#define DEVICE_PAGE 512		/* devices read per store call when counting */
#define FINDINGS_PAGE 10000	/* the store's largest finding list */

enum catalog_state {
	CATALOG_SERVED = 0,
	CATALOG_NOT_SET_UP = 1,	   /* nothing is served yet */
	CATALOG_NOT_VERIFYING = 2, /* the served tree does not verify now (expired, ...) */
};
static const char *const state_names[] = {"served", "not_set_up", "not_verifying"};

/* A targets role of the tree: its signatures against its threshold. */
struct signer {
	char *name;
	json_t *summary; /* signer_summary(); immutable */
};

struct release {
	char *target;
	char *product_version;
	char release_date[11];
	char sha256[SHA256_HEX + 1]; /* lowercase; "" when signed without one */
	size_t signer;		     /* index into the catalog's signers */
	json_t *base;	/* the catalog's fields of the answer (release_base); immutable */
	json_t *notice; /* custom.medfw.release_notice as signed; immutable */
};

/* A target a client finds that is no release (no valid release notice). */
struct other_target {
	char *name;
	char *why;
};

struct catalog {
	atomic_uint refs;
	uint64_t generation; /* medfwd_repo_generation it was read at */
	int64_t built_at;
	int64_t valid_until; /* read again from then on */
	enum catalog_state state;
	char message[MEDFW_DIAG_MSG_MAX + 256]; /* why, when not served */
	uint64_t tree;
	json_t *metadata;	/* {root, timestamp, snapshot, targets}: signer summaries */
	struct signer *signers; /* [0]: targets */
	size_t signer_count;
	struct release *releases; /* newest first: release_date, then target name */
	size_t count;
	const struct release **by_name;
	const struct release **by_sha; /* releases with a sha256, by it, then newest first */
	size_t sha_count;
	struct other_target *others; /* by name */
	size_t other_count;
};

struct medfwd_releases {
	pthread_mutex_t build_lock; /* one rebuild at a time */
	pthread_rwlock_t lock;	    /* guards current */
	struct catalog *current;    /* holds one reference */
};

/* ---- the catalog's life ---- */

static void catalog_free(struct catalog *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->signer_count; i++) {
		free(c->signers[i].name);
		json_decref(c->signers[i].summary);
	}
	for (size_t i = 0; i < c->count; i++) {
		free(c->releases[i].target);
		free(c->releases[i].product_version);
		json_decref(c->releases[i].base);
		json_decref(c->releases[i].notice);
	}
	for (size_t i = 0; i < c->other_count; i++) {
		free(c->others[i].name);
		free(c->others[i].why);
	}
	free(c->signers);
	free(c->releases);
	free(c->by_name);
	free(c->by_sha);
	free(c->others);
	json_decref(c->metadata);
	free(c);
}

static void catalog_unref(struct catalog *c)
{
	if (c != NULL && atomic_fetch_sub(&c->refs, 1) == 1)
		catalog_free(c);
}

struct medfwd_releases *medfwd_releases_new(void)
{
	struct medfwd_releases *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	pthread_mutex_init(&r->build_lock, NULL);
	pthread_rwlock_init(&r->lock, NULL);
	return r;
}

void medfwd_releases_free(struct medfwd_releases *r)
{
	if (r == NULL)
		return;
	catalog_unref(r->current);
	pthread_rwlock_destroy(&r->lock);
	pthread_mutex_destroy(&r->build_lock);
	free(r);
}

/* ---- reading the served tree ---- */

static json_t *time_json(int64_t t)
{
	char s[MEDFW_UTC_TIME_LEN + 1];

	if (medfw_format_utc_time(t, s, sizeof(s)) != MEDFW_OK)
		return json_null();
	return json_string(s);
}

/* {role, delegated_by, version, expires, threshold, valid_signatures, keyids} of the
 * metadata `m` of role `name` against `rule` (keys: where its key ids are defined):
 * keyids are the key ids whose signature counts, the way a client counts them
 * (medfw_tuf_meta_count_valid: listed for the role, key known and usable, signature
 * verifies, each key once); valid_signatures how many. NULL: out of memory. */
static json_t *signer_summary(const char *name, const char *delegated_by,
			      const struct medfw_tuf_meta *m, const struct medfw_tuf_keyring *keys,
			      const struct medfw_tuf_role_keys *rule)
{
	struct medfw_tuf_role_keys prefix = *rule;
	json_t *keyids = json_array();
	size_t valid = 0;

	/* The keys counted for the first i+1 key ids are those counted for the first i,
	 * and key id i when its signature counts: the difference names the signers. */
	for (size_t i = 0; keyids != NULL && i < rule->keyid_count; i++) {
		size_t n;

		prefix.keyid_count = i + 1;
		n = medfw_tuf_meta_count_valid(m, keys, &prefix);
		if (n < valid ||
		    (n > valid &&
		     json_array_append_new(keyids, json_string(rule->keyids[i])) != 0)) {
			json_decref(keyids); /* count_valid ran out of memory, or we did */
			return NULL;
		}
		valid = n;
	}
	if (keyids == NULL)
		return NULL;
	return json_pack("{s:s, s:o, s:I, s:o, s:I, s:I, s:o}", "role", name, "delegated_by",
			 delegated_by != NULL ? json_string(delegated_by) : json_null(), "version",
			 (json_int_t)m->version, "expires", time_json(m->expires), "threshold",
			 (json_int_t)rule->threshold, "valid_signatures", (json_int_t)valid,
			 "keyids", keyids);
}

/* The keys and rule the targets metadata `d` gives the role `name`: 0 when it does
 * not delegate to it (listed, or one of its succinct hash bins "<prefix>-<hex>"). */
static int delegation_of(const struct medfw_tuf_meta *d, const char *name,
			 const struct medfw_tuf_keyring **keys,
			 const struct medfw_tuf_role_keys **rule)
{
	if (d == NULL || (!d->has_delegations && !d->has_succinct_roles))
		return 0;
	*keys = &d->delegation_keys;
	if (d->has_succinct_roles) {
		size_t plen = strlen(d->succinct.name_prefix);
		const char *bin;

		if (strncmp(name, d->succinct.name_prefix, plen) != 0 || name[plen] != '-')
			return 0;
		bin = name + plen + 1;
		if (*bin == '\0' || strspn(bin, "0123456789abcdef") != strlen(bin))
			return 0;
		*rule = &d->succinct.keys;
		return 1;
	}
	for (size_t i = 0; i < d->delegated_count; i++) {
		if (strcmp(d->delegated[i].keys.name, name) == 0) {
			*rule = &d->delegated[i].keys;
			return 1;
		}
	}
	return 0;
}

/* The index of target `name` in the view (sorted by name), SIZE_MAX when absent. */
static size_t view_find(const struct medfwd_served_view *v, const char *name)
{
	size_t lo = 0, hi = medfwd_served_view_count(v);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *at = NULL;
		int cmp;

		(void)medfwd_served_view_target(v, mid, &at, NULL);
		cmp = strcmp(name, at);
		if (cmp == 0)
			return mid;
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return SIZE_MAX;
}

/* The lowercase hex SHA-256 a target is signed with; 0 ("") when it has none. */
static int signed_sha256(const struct medfw_tuf_target *t, char out[SHA256_HEX + 1])
{
	const json_t *v = json_object_get(t->hashes, "sha256");
	const char *h = json_string_value(v);

	out[0] = '\0';
	if (h == NULL || json_string_length(v) != SHA256_HEX ||
	    strspn(h, "0123456789abcdefABCDEF") != SHA256_HEX)
		return 0;
	for (size_t i = 0; i < SHA256_HEX; i++)
		out[i] = (char)(h[i] >= 'A' && h[i] <= 'F' ? h[i] - 'A' + 'a' : h[i]);
	out[SHA256_HEX] = '\0';
	return 1;
}

/* A copy of notice field `key` (null when absent). */
static json_t *notice_field(const json_t *notice, const char *key)
{
	const json_t *v = json_object_get(notice, key);

	return v != NULL ? json_deep_copy(v) : json_null();
}

/* What the catalog knows of a release: the part of every answer that only changes
 * with the served tree. NULL: out of memory. */
static json_t *release_base(const char *name, const struct medfw_tuf_target *t, const char *sha256,
			    const json_t *notice, const json_t *signed_by)
{
	json_t *summary = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "min_agent_version",
				    notice_field(notice, "min_agent_version"), "install",
				    notice_field(notice, "install"), "clinical_impact",
				    notice_field(notice, "clinical_impact"), "reason",
				    notice_field(notice, "reason"), "rollback_supported",
				    notice_field(notice, "rollback_supported"), "sbom_target",
				    notice_field(notice, "sbom_target"));

	if (summary == NULL)
		return NULL;
	return json_pack("{s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "target", name,
			 "length", (json_int_t)t->length, "sha256",
			 sha256[0] != '\0' ? json_string(sha256) : json_null(), "product_version",
			 notice_field(notice, "product_version"), "security_version",
			 notice_field(notice, "security_version"), "release_date",
			 notice_field(notice, "release_date"), "hardware_ids",
			 notice_field(notice, "hardware_ids"), "udi_dis",
			 notice_field(notice, "udi_dis"), "notice_summary", summary, "signed_by",
			 json_deep_copy(signed_by));
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* Every targets role of the tree a lookup loaded, with its signatures: [0] targets
 * (the newest root's rule), then the delegated roles in snapshot order, each with the
 * rule of the first loaded role delegating to it (targets first). metas[i] is the
 * metadata of signer i. A role no loaded role delegates to (the client cannot have
 * loaded it) keeps a NULL summary and signs nothing here. */
static enum medfw_err fill_signers(struct catalog *c, const struct medfw_tuf_client *client,
				   const struct medfw_tuf_meta *root,
				   const struct medfw_tuf_meta *snap,
				   const struct medfw_tuf_meta *top,
				   const struct medfw_tuf_meta **metas)
{
	c->signers[0].name = strdup("targets");
	metas[0] = top;
	c->signer_count = 1;
	if (c->signers[0].name == NULL)
		return MEDFW_ERR_NOMEM;
	for (size_t i = 0; i < snap->meta_count; i++) {
		const char *file = snap->meta[i].name;
		size_t len = strlen(file);
		const struct medfw_tuf_meta *m;
		char *name;

		if (len <= 5 || strcmp(file + len - 5, ".json") != 0 ||
		    strcmp(file, "targets.json") == 0)
			continue;
		name = strndup(file, len - 5);
		if (name == NULL)
			return MEDFW_ERR_NOMEM;
		m = medfw_tuf_client_trusted(client, name);
		if (m == NULL || m->type != MEDFW_TUF_TARGETS) {
			free(name); /* no lookup needed it: it lists no target a client finds */
			continue;
		}
		c->valid_until = min64(c->valid_until, m->expires);
		c->signers[c->signer_count].name = name;
		metas[c->signer_count++] = m;
	}
	c->signers[0].summary = signer_summary("targets", NULL, top, &root->keys,
					       medfw_tuf_root_role(root, MEDFW_TUF_TARGETS));
	if (c->signers[0].summary == NULL)
		return MEDFW_ERR_NOMEM;
	for (size_t i = 1; i < c->signer_count; i++) {
		for (size_t j = 0; j < c->signer_count; j++) {
			const struct medfw_tuf_keyring *keys = NULL;
			const struct medfw_tuf_role_keys *rule = NULL;

			if (j == i || !delegation_of(metas[j], c->signers[i].name, &keys, &rule))
				continue;
			c->signers[i].summary = signer_summary(
				c->signers[i].name, c->signers[j].name, metas[i], keys, rule);
			if (c->signers[i].summary == NULL)
				return MEDFW_ERR_NOMEM;
			break;
		}
	}
	return MEDFW_OK;
}

static int cmp_newest_first(const void *x, const void *y)
{
	const struct release *a = x, *b = y;
	int d = strcmp(b->release_date, a->release_date);

	return d != 0 ? d : strcmp(a->target, b->target);
}

static int cmp_by_name(const void *x, const void *y)
{
	const struct release *const *a = x, *const *b = y;

	return strcmp((*a)->target, (*b)->target);
}

static int cmp_by_sha(const void *x, const void *y)
{
	const struct release *const *a = x, *const *b = y;
	int d = strcmp((*a)->sha256, (*b)->sha256);

	/* one image signed under two names: the newest release first */
	return d != 0 ? d : (*a < *b ? -1 : *a > *b);
}

/* One target of the view into the catalog: a release, or another target. */
static enum medfw_err add_target(struct catalog *c, const char *name,
				 const struct medfw_tuf_target *t, size_t signer)
{
	struct medfw_release_notice *notice = NULL;
	struct release *r = &c->releases[c->count];
	struct medfw_diag diag;
	const json_t *nj;

	medfw_diag_clear(&diag);
	if (signer == SIZE_MAX ||
	    medfw_notice_from_target_custom(t->custom, &notice, &diag) != MEDFW_OK) {
		struct other_target *o = &c->others[c->other_count];

		o->name = strdup(name);
		o->why = strdup(signer == SIZE_MAX
					? "no role delegating to the role that lists it was found"
					: medfw_diag_message(&diag, MEDFW_ERR_NOTICE));
		if (o->name == NULL || o->why == NULL) {
			free(o->name);
			free(o->why);
			return MEDFW_ERR_NOMEM;
		}
		c->other_count++;
		return MEDFW_OK;
	}
	memset(r, 0, sizeof(*r));
	nj = json_object_get(json_object_get(t->custom, MEDFW_NOTICE_CUSTOM_NAMESPACE),
			     MEDFW_NOTICE_CUSTOM_KEY);
	(void)signed_sha256(t, r->sha256);
	snprintf(r->release_date, sizeof(r->release_date), "%s", notice->release_date);
	r->signer = signer;
	r->target = strdup(name);
	r->product_version = strdup(notice->product_version);
	r->notice = json_deep_copy(nj);
	r->base = release_base(name, t, r->sha256, nj, c->signers[signer].summary);
	medfw_notice_free(notice);
	c->count++; /* freed with the catalog whatever failed */
	if (r->target == NULL || r->product_version == NULL || r->notice == NULL || r->base == NULL)
		return MEDFW_ERR_NOMEM;
	return MEDFW_OK;
}

/* Everything the catalog keeps of a view that verified. MEDFW_ERR_NOMEM, or
 * MEDFW_ERR_STATE when the client's trusted set lacks a top-level role. */
static enum medfw_err catalog_fill(struct catalog *c, struct medfwd_app *app,
				   const struct medfwd_served_view *view)
{
	const struct medfw_tuf_client *client = medfwd_served_view_client(view);
	const struct medfw_tuf_meta *root = medfw_tuf_client_trusted(client, "root");
	const struct medfw_tuf_meta *ts = medfw_tuf_client_trusted(client, "timestamp");
	const struct medfw_tuf_meta *snap = medfw_tuf_client_trusted(client, "snapshot");
	const struct medfw_tuf_meta *top = medfw_tuf_client_trusted(client, "targets");
	const struct medfw_tuf_meta **metas = NULL;
	size_t count = medfwd_served_view_count(view), *role_of = NULL;
	enum medfw_err err = MEDFW_ERR_NOMEM;

	if (root == NULL || ts == NULL || snap == NULL || top == NULL)
		return MEDFW_ERR_STATE;
	c->state = CATALOG_SERVED;
	c->tree = medfwd_served_view_tree(view);
	c->valid_until =
		min64(min64(root->expires, ts->expires), min64(snap->expires, top->expires));
	c->metadata = json_pack("{s:o, s:o, s:o}", "root",
				signer_summary("root", NULL, root, &root->keys,
					       medfw_tuf_root_role(root, MEDFW_TUF_ROOT)),
				"timestamp",
				signer_summary("timestamp", NULL, ts, &root->keys,
					       medfw_tuf_root_role(root, MEDFW_TUF_TIMESTAMP)),
				"snapshot",
				signer_summary("snapshot", NULL, snap, &root->keys,
					       medfw_tuf_root_role(root, MEDFW_TUF_SNAPSHOT)));
	c->signers = calloc(snap->meta_count + 1, sizeof(*c->signers));
	metas = calloc(snap->meta_count + 1, sizeof(*metas));
	role_of = malloc((count > 0 ? count : 1) * sizeof(*role_of));
	c->releases = calloc(count > 0 ? count : 1, sizeof(*c->releases));
	c->others = calloc(count > 0 ? count : 1, sizeof(*c->others));
	if (c->metadata == NULL || c->signers == NULL || metas == NULL || role_of == NULL ||
	    c->releases == NULL || c->others == NULL)
		goto out;
	err = fill_signers(c, client, root, snap, top, metas);
	if (err != MEDFW_OK)
		goto out;
	err = MEDFW_ERR_NOMEM;
	if (json_object_set_new(c->metadata, "targets", json_deep_copy(c->signers[0].summary)) != 0)
		goto out;
	/* the role a target was found in: the one whose metadata holds the client's entry */
	for (size_t k = 0; k < count; k++)
		role_of[k] = SIZE_MAX;
	for (size_t s = 0; s < c->signer_count; s++) {
		for (size_t j = 0; c->signers[s].summary != NULL && j < metas[s]->target_count;
		     j++) {
			const struct medfw_tuf_target *entry = &metas[s]->targets[j];
			size_t k = view_find(view, entry->path);
			const char *unused = NULL;

			if (k != SIZE_MAX &&
			    medfwd_served_view_target(view, k, &unused, NULL) == entry)
				role_of[k] = s;
		}
	}
	for (size_t k = 0; k < count; k++) {
		const char *name = NULL, *why = NULL;
		const struct medfw_tuf_target *t = medfwd_served_view_target(view, k, &name, &why);

		if (t == NULL) { /* a client does not find it: it serves nothing */
			medfw_log(app->ctx, MEDFW_LOG_WARNING, "releases.catalog",
				  "%.300s: not found as a TUF client finds targets: %s", name, why);
			continue;
		}
		err = add_target(c, name, t, role_of[k]);
		if (err != MEDFW_OK)
			goto out;
	}
	qsort(c->releases, c->count, sizeof(*c->releases), cmp_newest_first);
	err = MEDFW_ERR_NOMEM;
	c->by_name = calloc(c->count > 0 ? c->count : 1, sizeof(*c->by_name));
	c->by_sha = calloc(c->count > 0 ? c->count : 1, sizeof(*c->by_sha));
	if (c->by_name == NULL || c->by_sha == NULL)
		goto out;
	for (size_t i = 0; i < c->count; i++) {
		c->by_name[i] = &c->releases[i];
		if (c->releases[i].sha256[0] != '\0')
			c->by_sha[c->sha_count++] = &c->releases[i];
	}
	qsort(c->by_name, c->count, sizeof(*c->by_name), cmp_by_name);
	qsort(c->by_sha, c->sha_count, sizeof(*c->by_sha), cmp_by_sha);
	err = MEDFW_OK;
out:
	free(metas);
	free(role_of);
	return err;
}

/* Read the served tree. NULL only when memory ran out; a repository that is not
 * served or does not verify is a catalog saying so (read again after a while). */
static struct catalog *catalog_build(struct medfwd_app *app, uint64_t generation)
{
	struct catalog *c = calloc(1, sizeof(*c));
	struct medfwd_served_view *view = NULL;
	struct medfw_diag diag;
	enum medfw_err err;

	if (c == NULL)
		return NULL;
	c->generation = generation;
	c->built_at = medfw_ctx_now(app->ctx);
	medfw_diag_clear(&diag);
	err = medfwd_repo_served_view(app, &view, &diag);
	if (err == MEDFW_OK) {
		err = catalog_fill(c, app, view);
		if (err == MEDFW_ERR_STATE)
			medfw_diag_set(&diag, err, "the served metadata lacks a top-level role");
	}
	medfwd_served_view_free(view);
	if (err == MEDFW_ERR_NOMEM) {
		catalog_free(c);
		return NULL;
	}
	if (err == MEDFW_OK) {
		medfw_log(app->ctx, MEDFW_LOG_INFO, "releases.catalog",
			  "served tree %llu: %zu releases, %zu other targets",
			  (unsigned long long)c->tree, c->count, c->other_count);
		return c;
	}
	/* what read before is dropped: the answer is the state and why */
	catalog_free(c);
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->generation = generation;
	c->built_at = medfw_ctx_now(app->ctx);
	c->valid_until = c->built_at + FAILED_RETRY_SECONDS;
	if (err == MEDFW_ERR_NOT_FOUND) {
		c->state = CATALOG_NOT_SET_UP;
		snprintf(c->message, sizeof(c->message),
			 "no repository is served yet: pin its trusted root (POST "
			 "/api/v1/repository/trusted-root), upload it (medfw push, or PUT "
			 "/api/v1/repository/metadata/... and /targets/...) and commit it (POST "
			 "/api/v1/repository/commit)");
	} else {
		c->state = CATALOG_NOT_VERIFYING;
		snprintf(c->message, sizeof(c->message),
			 "the served repository does not verify now: %s",
			 medfw_diag_message(&diag, err));
	}
	medfw_log(app->ctx, c->state == CATALOG_NOT_SET_UP ? MEDFW_LOG_INFO : MEDFW_LOG_WARNING,
		  "releases.catalog", "%s", c->message);
	return c;
}

/* The cached catalog with a reference for the caller, when it is still the one to use. */
static struct catalog *current_if_fresh(struct medfwd_releases *rel, uint64_t generation,
					int64_t now)
{
	struct catalog *c;

	pthread_rwlock_rdlock(&rel->lock);
	c = rel->current;
	if (c != NULL && c->generation == generation && now < c->valid_until)
		atomic_fetch_add(&c->refs, 1);
	else
		c = NULL;
	pthread_rwlock_unlock(&rel->lock);
	return c;
}

/* The catalog of the tree served now, with a reference the caller drops with
 * catalog_unref. NULL: out of memory. */
static struct catalog *catalog_acquire(struct medfwd_app *app)
{
	struct medfwd_releases *rel = medfwd_repo_releases(app);
	struct catalog *c, *old;
	uint64_t generation;

	if (rel == NULL)
		return NULL;
	c = current_if_fresh(rel, medfwd_repo_generation(app), medfw_ctx_now(app->ctx));
	if (c != NULL)
		return c;
	pthread_mutex_lock(&rel->build_lock);
	/* read the generation before the tree: a commit meanwhile makes it stale */
	generation = medfwd_repo_generation(app);
	c = current_if_fresh(rel, generation, medfw_ctx_now(app->ctx));
	if (c == NULL) {
		c = catalog_build(app, generation);
		if (c != NULL) {
			atomic_store(&c->refs, 2); /* the cache's and the caller's */
			pthread_rwlock_wrlock(&rel->lock);
			old = rel->current;
			rel->current = c;
			pthread_rwlock_unlock(&rel->lock);
			catalog_unref(old);
		}
	}
	pthread_mutex_unlock(&rel->build_lock);
	return c;
}

static const struct release *find_by_name(const struct catalog *c, const char *name)
{
	struct release key;
	const struct release *kp = &key, *const *hit;

	if (c->count == 0)
		return NULL;
	memset(&key, 0, sizeof(key));
	key.target = (char *)(uintptr_t)name;
	hit = bsearch(&kp, c->by_name, c->count, sizeof(*c->by_name), cmp_by_name);
	return hit != NULL ? *hit : NULL;
}

static int cmp_sha_only(const void *x, const void *y)
{
	const struct release *const *a = x, *const *b = y;

	return strcmp((*a)->sha256, (*b)->sha256);
}

/* The newest release signed with image sha256 (lowercase hex). */
static const struct release *find_by_sha(const struct catalog *c, const char *sha256)
{
	struct release key;
	const struct release *kp = &key, *const *hit;

	if (c->sha_count == 0)
		return NULL;
	memset(&key, 0, sizeof(key));
	snprintf(key.sha256, sizeof(key.sha256), "%s", sha256);
	hit = bsearch(&kp, c->by_sha, c->sha_count, sizeof(*c->by_sha), cmp_sha_only);
	while (hit != NULL && hit > c->by_sha && strcmp((*(hit - 1))->sha256, sha256) == 0)
		hit--;
	return hit != NULL ? *hit : NULL;
}

static const struct other_target *find_other(const struct catalog *c, const char *name)
{
	size_t lo = 0, hi = c->other_count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(name, c->others[mid].name);

		if (cmp == 0)
			return &c->others[mid];
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* ---- the store's side: SBOM, findings, devices ---- */

struct open_findings {
	int64_t open, kev;
	int64_t severity[MEDFW_STORE_SEVERITY_COUNT];
	int64_t status[MEDFW_STORE_FINDING_STATUS_COUNT];
};

static enum medfw_err count_finding(void *user, const struct medfw_store_finding *f,
				    const char *detail, size_t len, struct medfw_diag *diag)
{
	struct open_findings *o = user;

	(void)detail;
	(void)len;
	(void)diag;
	o->open++;
	o->kev += f->kev != 0;
	if ((unsigned)f->severity < MEDFW_STORE_SEVERITY_COUNT)
		o->severity[f->severity]++;
	if ((unsigned)f->status < MEDFW_STORE_FINDING_STATUS_COUNT)
		o->status[f->status]++;
	return MEDFW_OK;
}

/* {open, kev, by_severity, by_status} of the open findings of release `target`. */
static enum medfw_err findings_json(struct medfw_store *store, const char *target, json_t **out,
				    struct medfw_diag *diag)
{
	struct medfw_store_finding_filter filter;
	struct open_findings o;
	json_t *sev = json_object(), *st = json_object();
	int64_t offset = 0, total = 0;
	enum medfw_err err;

	*out = NULL;
	memset(&filter, 0, sizeof(filter));
	memset(&o, 0, sizeof(o));
	filter.kev = -1;
	filter.open_only = 1;
	snprintf(filter.target_name, sizeof(filter.target_name), "%s", target);
	do {
		err = medfw_store_finding_list(store, &filter, offset, FINDINGS_PAGE, count_finding,
					       &o, &total, diag);
		offset += FINDINGS_PAGE;
	} while (err == MEDFW_OK && offset < total);
	for (int s = MEDFW_STORE_SEVERITY_CRITICAL;
	     err == MEDFW_OK && sev != NULL && s >= MEDFW_STORE_SEVERITY_NONE; s--)
		json_object_set_new(sev, medfw_store_severity_name((enum medfw_store_severity)s),
				    json_integer(o.severity[s]));
	for (int s = 1; err == MEDFW_OK && st != NULL && s < MEDFW_STORE_FINDING_STATUS_COUNT; s++)
		if (medfw_store_finding_status_open((enum medfw_store_finding_status)s))
			json_object_set_new(
				st,
				medfw_store_finding_status_name((enum medfw_store_finding_status)s),
				json_integer(o.status[s]));
	if (err != MEDFW_OK || sev == NULL || st == NULL) {
		json_decref(sev);
		json_decref(st);
		return err != MEDFW_OK ? err : MEDFW_ERR_NOMEM;
	}
	*out = json_pack("{s:I, s:I, s:o, s:o}", "open", (json_int_t)o.open, "kev",
			 (json_int_t)o.kev, "by_severity", sev, "by_status", st);
	return *out != NULL ? MEDFW_OK : MEDFW_ERR_NOMEM;
}

/* Set "sbom" and "findings" of `item` from the store. */
static enum medfw_err add_store_fields(struct medfw_store *store, const struct release *r,
				       json_t *item, struct medfw_diag *diag)
{
	struct medfw_store_release_sbom *meta = calloc(1, sizeof(*meta));
	struct medfw_diag local;
	json_t *sbom = NULL, *findings = json_null();
	enum medfw_err err = MEDFW_ERR_NOT_FOUND;

	if (meta == NULL)
		return MEDFW_ERR_NOMEM;
	medfw_diag_clear(&local);
	if (strlen(r->target) <= MEDFW_STORE_TARGET_NAME_MAX) /* else it cannot be stored */
		err = medfw_store_release_sbom_get(store, r->target, meta, NULL, &local);
	if (err == MEDFW_ERR_NOT_FOUND) {
		sbom = json_pack("{s:b, s:b, s:n, s:n, s:n, s:n, s:n}", "stored", 0, "signed", 0,
				 "components", "format", "sbom_sha256", "for_this_image",
				 "updated_at");
		err = MEDFW_OK;
	} else if (err == MEDFW_OK) {
		sbom = json_pack("{s:b, s:b, s:I, s:s, s:s, s:b, s:o}", "stored", 1, "signed",
				 meta->sbom_signed, "components", (json_int_t)meta->component_count,
				 "format", meta->format, "sbom_sha256", meta->sbom_sha256,
				 "for_this_image", strcmp(meta->target_sha256, r->sha256) == 0,
				 "updated_at", time_json(meta->updated_at));
		json_decref(findings);
		err = findings_json(store, r->target, &findings, diag);
	} else {
		err = medfw_diag_set(diag, err, "%s", medfw_diag_message(&local, err));
	}
	free(meta);
	if (err == MEDFW_OK && (sbom == NULL || findings == NULL))
		err = MEDFW_ERR_NOMEM;
	if (err != MEDFW_OK) {
		json_decref(sbom);
		json_decref(findings);
		return err;
	}
	/* set_new takes the reference whatever it returns */
	if (json_object_set_new(item, "sbom", sbom) != 0)
		err = MEDFW_ERR_NOMEM;
	if (json_object_set_new(item, "findings", findings) != 0)
		err = MEDFW_ERR_NOMEM;
	return err;
}

static int cmp_hex(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Lowercase 64 hex digits of s into out; 0 ("") when s is not a SHA-256 in hex. */
static int sha256_of(const char *s, char out[SHA256_HEX + 1])
{
	out[0] = '\0';
	if (strlen(s) != SHA256_HEX || strspn(s, "0123456789abcdefABCDEF") != SHA256_HEX)
		return 0;
	for (size_t i = 0; i <= SHA256_HEX; i++)
		out[i] = (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 'a' : s[i]);
	return 1;
}

/* counts[i]: how many enrolled devices in `scope` report the image of rel[i] (one walk
 * over the devices in scope, by id, whatever the page size). */
static enum medfw_err count_devices(struct medfw_store *store, struct medfw_store_scope scope,
				    const struct release *const *rel, size_t n, int64_t *counts,
				    struct medfw_diag *diag)
{
	char(*images)[SHA256_HEX + 1] = calloc(n > 0 ? n : 1, sizeof(*images));
	int64_t *per = calloc(n > 0 ? n : 1, sizeof(*per));
	struct medfw_store_candidate *page = NULL;
	struct medfw_store_selector everyone;
	size_t m = 0, kept = 0, got = 0;
	int64_t after = 0;
	enum medfw_err err = MEDFW_OK;

	memset(counts, 0, n * sizeof(*counts));
	memset(&everyone, 0, sizeof(everyone));
	if (images == NULL || per == NULL) {
		err = MEDFW_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (rel[i]->sha256[0] != '\0')
			memcpy(images[m++], rel[i]->sha256, SHA256_HEX + 1);
	if (m == 0)
		goto out; /* nothing a device could report */
	qsort(images, m, sizeof(*images), cmp_hex);
	for (size_t i = 0; i < m; i++)
		if (kept == 0 || strcmp(images[kept - 1], images[i]) != 0)
			memmove(images[kept++], images[i], SHA256_HEX + 1);
	page = calloc(DEVICE_PAGE, sizeof(*page));
	if (page == NULL) {
		err = MEDFW_ERR_NOMEM;
		goto out;
	}
	/* every enrolled device in scope (no selector, no rollout), by id */
	do {
		err = medfw_store_rollout_candidates(store, scope, &everyone, 0, after, page,
						     DEVICE_PAGE, &got, diag);
		for (size_t i = 0; err == MEDFW_OK && i < got; i++) {
			char image[SHA256_HEX + 1];
			char(*hit)[SHA256_HEX + 1];

			if (!sha256_of(page[i].image_sha256, image))
				continue;
			hit = bsearch(image, images, kept, sizeof(*images), cmp_hex);
			if (hit != NULL)
				per[hit - images]++;
		}
		if (got > 0)
			after = page[got - 1].device_id;
	} while (err == MEDFW_OK && got == DEVICE_PAGE);
	for (size_t i = 0; err == MEDFW_OK && i < n; i++) {
		char(*hit)[SHA256_HEX + 1] =
			rel[i]->sha256[0] != '\0'
				? bsearch(rel[i]->sha256, images, kept, sizeof(*images), cmp_hex)
				: NULL;

		counts[i] = hit != NULL ? per[hit - images] : 0;
	}
out:
	free(images);
	free(per);
	free(page);
	return err;
}

/* ---- answers ---- */

static json_t *repository_json(const struct catalog *c)
{
	int served = c->state == CATALOG_SERVED;

	return json_pack("{s:s, s:o, s:o, s:o, s:o}", "state", state_names[c->state], "message",
			 served ? json_null() : json_string(c->message), "tree",
			 served ? json_integer((json_int_t)c->tree) : json_null(), "checked_at",
			 time_json(c->built_at), "valid_until",
			 served ? time_json(c->valid_until) : json_null());
}

/* The answers of releases rel[0..n): the catalog's fields, the store's, devices in
 * scope; with_notice: the whole notice too. NULL with a response set on failure. */
static json_t *release_items(const struct medfwd_request *req, struct medfwd_response *resp,
			     const struct release *const *rel, size_t n, int with_notice)
{
	struct medfwd_app *app = medfwd_app_of(req);
	int64_t *devices = calloc(n > 0 ? n : 1, sizeof(*devices));
	json_t *items = json_array();
	struct medfw_diag diag;
	enum medfw_err err = MEDFW_ERR_NOMEM;

	medfw_diag_clear(&diag);
	if (devices != NULL && items != NULL)
		err = count_devices(app->store, medfwd_scope_of(medfwd_principal_of(req)), rel, n,
				    devices, &diag);
	for (size_t i = 0; err == MEDFW_OK && i < n; i++) {
		json_t *item = json_deep_copy(rel[i]->base);

		if (item == NULL || json_array_append_new(items, item) != 0) {
			err = MEDFW_ERR_NOMEM;
			break;
		}
		err = add_store_fields(app->store, rel[i], item, &diag);
		if (err == MEDFW_OK &&
		    (json_object_set_new(item, "devices", json_integer(devices[i])) != 0 ||
		     (with_notice &&
		      json_object_set_new(item, "notice", json_deep_copy(rel[i]->notice)) != 0)))
			err = MEDFW_ERR_NOMEM;
	}
	free(devices);
	if (err != MEDFW_OK) {
		json_decref(items);
		if (err == MEDFW_ERR_NOMEM)
			medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		else
			medfwd_respond_medfw_error(resp, err, &diag);
		return NULL;
	}
	return items;
}

/* 1 when the ASCII-case-folded `needle` occurs in `hay` ("" occurs everywhere). */
static int contains_folded(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (n == 0)
		return 1;
	for (const char *p = hay; *p != '\0'; p++) {
		size_t i = 0;

		while (i < n && p[i] != '\0' &&
		       (p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]) ==
			       (needle[i] >= 'A' && needle[i] <= 'Z' ? needle[i] + 32 : needle[i]))
			i++;
		if (i == n)
			return 1;
	}
	return 0;
}

static void releases_list(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const char *q = medfwd_request_query(req, "q");
	const struct release **page = NULL;
	struct catalog *c = NULL;
	uint64_t limit = 0, offset = 0;
	int64_t total = 0;
	size_t n = 0;
	json_t *items, *body;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ) ||
	    !medfwd_query_page(req, resp, LIST_LIMIT_MAX, LIST_LIMIT_DEFAULT, &limit, &offset))
		return;
	if (q != NULL && strlen(q) > QUERY_MAX) {
		medfwd_respond_error(resp, 400, "invalid", "q", "q must be at most %d bytes",
				     QUERY_MAX);
		return;
	}
	c = catalog_acquire(app);
	page = calloc((size_t)limit, sizeof(*page));
	if (c == NULL || page == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < c->count; i++) {
		const struct release *r = &c->releases[i];

		if (q != NULL && !contains_folded(r->target, q) &&
		    !contains_folded(r->product_version, q))
			continue;
		if ((uint64_t)total >= offset && n < limit)
			page[n++] = r;
		total++;
	}
	items = release_items(req, resp, page, n, 0);
	if (items == NULL)
		goto out;
	body = medfwd_page_json("releases", items, total, limit, offset, n);
	if (body != NULL && (json_object_set_new(body, "repository", repository_json(c)) != 0 ||
			     json_object_set_new(body, "other_targets",
						 json_integer((json_int_t)c->other_count)) != 0)) {
		json_decref(body);
		body = NULL;
	}
	medfwd_respond_json(resp, 200, body);
out:
	free(page);
	catalog_unref(c);
}

/* A catalog that cannot answer for `what` (not served, does not verify): the
 * response; 0 when it can. */
static int respond_unserved(struct medfwd_response *resp, const struct catalog *c,
			    const char *field, const char *what)
{
	if (c->state == CATALOG_NOT_VERIFYING) {
		medfwd_respond_error(resp, 409, "conflict", field, "%s", c->message);
		return 1;
	}
	if (c->state == CATALOG_NOT_SET_UP) {
		medfwd_respond_error(resp, 404, "not_found", field, "%s: %s", what, c->message);
		return 1;
	}
	return 0;
}

static void release_get(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const char *target = medfwd_request_param(req, "target");
	const struct release *r;
	const struct other_target *other;
	struct catalog *c;
	json_t *items, *item, *metadata;
	char what[400];

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ))
		return;
	c = catalog_acquire(app);
	if (c == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return;
	}
	snprintf(what, sizeof(what), "no release \"%.300s\"", target);
	if (respond_unserved(resp, c, "target", what))
		goto out;
	r = find_by_name(c, target);
	if (r == NULL) {
		other = find_other(c, target);
		if (other != NULL)
			medfwd_respond_error(resp, 404, "not_found", "target",
					     "\"%.300s\" is a target the repository signs but not "
					     "a release: %s",
					     target, other->why);
		else
			medfwd_respond_error(resp, 404, "not_found", "target",
					     "\"%.300s\" is not a target of the served repository "
					     "(as a TUF client finds targets)",
					     target);
		goto out;
	}
	items = release_items(req, resp, &r, 1, 1);
	if (items == NULL)
		goto out;
	item = json_incref(json_array_get(items, 0));
	json_decref(items);
	metadata = json_deep_copy(c->metadata);
	if (metadata != NULL &&
	    json_object_set_new(metadata, "delegated",
				r->signer != 0 ? json_deep_copy(c->signers[r->signer].summary)
					       : json_null()) != 0) {
		json_decref(metadata);
		metadata = NULL;
	}
	if (metadata == NULL || json_object_set_new(item, "metadata", metadata) != 0) {
		json_decref(item); /* set_new took metadata */
		item = NULL;
	}
	medfwd_respond_json(resp, 200, item);
out:
	catalog_unref(c);
}

static void device_release(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_store_device *dev = NULL;
	struct catalog *c = NULL;
	const struct release *r = NULL;
	struct medfw_diag diag;
	char image[SHA256_HEX + 1];
	int64_t id = 0;
	json_t *items, *body;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ) ||
	    !medfwd_device_id_of(req, resp, &id))
		return;
	dev = calloc(1, sizeof(*dev));
	if (dev == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return;
	}
	medfw_diag_clear(&diag);
	err = medfw_store_device_get(app->store, medfwd_scope_of(medfwd_principal_of(req)), id, dev,
				     &diag);
	if (err == MEDFW_ERR_NOT_FOUND) {
		medfwd_respond_error(resp, 404, "not_found", "device", "no such device");
		goto out;
	}
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		goto out;
	}
	if (dev->image_sha256[0] == '\0') {
		medfwd_respond_error(resp, 404, "not_found", "device",
				     "device %lld has not reported the image it runs yet",
				     (long long)id);
		goto out;
	}
	c = catalog_acquire(app);
	if (c == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		goto out;
	}
	if (c->state == CATALOG_NOT_VERIFYING) {
		medfwd_respond_error(resp, 409, "conflict", "device", "%s", c->message);
		goto out;
	}
	if (sha256_of(dev->image_sha256, image))
		r = find_by_sha(c, image);
	if (r == NULL) {
		medfwd_respond_error(resp, 404, "not_found", "device",
				     "the image this device reports (sha256 %.12s...) is not a "
				     "signed release of this repository%s",
				     dev->image_sha256,
				     c->state == CATALOG_NOT_SET_UP ? " (it serves nothing yet)"
								    : "");
		goto out;
	}
	items = release_items(req, resp, &r, 1, 1);
	if (items == NULL)
		goto out;
	body = json_pack("{s:I}", "device_id", (json_int_t)id);
	if (body != NULL && json_object_update(body, json_array_get(items, 0)) != 0) {
		json_decref(body);
		body = NULL;
	}
	json_decref(items);
	medfwd_respond_json(resp, 200, body);
out:
	catalog_unref(c);
	free(dev);
}

const struct medfwd_route medfwd_routes_releases[] = {
	{"GET", "/api/v1/repository/releases", releases_list, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE,
	 "repository.releases.list"},
	{"GET", "/api/v1/repository/releases/{target*}", release_get, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_NONE, "repository.releases.get"},
	{"GET", "/api/v1/devices/{device}/release", device_release, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_NONE, "devices.release"},
	{0},
};
