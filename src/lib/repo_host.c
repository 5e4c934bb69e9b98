/* Hosting an image repository: verify a staged upload against the pinned root and
 * what is served, then write the new served tree (include/medfw/repo_host.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "medfw/buf.h"
#include "medfw/num.h"
#include "medfw/repo_host.h"

#define TARGET_PATH_MAX 1024
#define READ_CHUNK (256u * 1024u)

/* "<N>.<rest>" with N a version 1..2^31 (no leading zero): *out_rest = rest. */
static int versioned(const char *name, const char **out_rest)
{
	size_t digits = strspn(name, "0123456789");
	char num[16];
	uint64_t v;

	if (digits == 0 || digits >= sizeof(num) || name[0] == '0' || name[digits] != '.')
		return 0;
	memcpy(num, name, digits);
	num[digits] = 0;
	*out_rest = name + digits + 1;
	return medfw_parse_u64(num, 1, INT32_MAX, &v) == MEDFW_OK;
}

int medfw_repo_host_role_name_ok(const char *role)
{
	static const char *const top[] = {"root", "timestamp", "snapshot", "targets"};
	size_t len, digits;

	if (role == NULL)
		return 0;
	len = strlen(role);
	if (len == 0 || len > MEDFW_REPO_HOST_ROLE_NAME_MAX || role[0] == '.' ||
	    strspn(role, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
		    len)
		return 0;
	for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++)
		if (strcmp(role, top[i]) == 0)
			return 0;
	digits = strspn(role, "0123456789");
	return digits == 0 || role[digits] != '.'; /* "2.x" would read as version 2 of x */
}

/* The role of a file name "ROLE.json" (delegated roles only) into out. */
static int delegated_role_of(const char *name, char *out, size_t cap)
{
	size_t len = strlen(name);

	if (len <= 5 || len - 5 >= cap || strcmp(name + len - 5, ".json") != 0)
		return 0;
	memcpy(out, name, len - 5);
	out[len - 5] = 0;
	return medfw_repo_host_role_name_ok(out);
}

int medfw_repo_host_metadata_name_ok(const char *name)
{
	static const char *const fixed[] = {"root.json", "timestamp.json", "snapshot.json",
					    "targets.json"};
	char role[MEDFW_REPO_HOST_ROLE_NAME_MAX + 1];
	const char *rest;

	if (name == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strcmp(name, fixed[i]) == 0)
			return 1;
	if (versioned(name, &rest))
		return strcmp(rest, "root.json") == 0;
	return delegated_role_of(name, role, sizeof(role));
}

int medfw_repo_host_served_name_ok(const char *name)
{
	const char *rest, *again;

	if (medfw_repo_host_metadata_name_ok(name))
		return 1;
	return name != NULL && versioned(name, &rest) && !versioned(rest, &again) &&
	       strcmp(rest, "root.json") != 0 && strcmp(rest, "timestamp.json") != 0 &&
	       medfw_repo_host_metadata_name_ok(rest);
}

size_t medfw_repo_host_metadata_max_len(const char *name)
{
	const char *rest;

	if (strcmp(name, "timestamp.json") == 0)
		return medfw_tuf_role_max_len(MEDFW_TUF_TIMESTAMP);
	if (strcmp(name, "snapshot.json") == 0)
		return medfw_tuf_role_max_len(MEDFW_TUF_SNAPSHOT);
	if (strcmp(name, "root.json") == 0 || (versioned(name, &rest) && strcmp(rest, "root.json") == 0))
		return medfw_tuf_role_max_len(MEDFW_TUF_ROOT);
	return medfw_tuf_role_max_len(MEDFW_TUF_TARGETS);
}

int medfw_repo_host_target_path_ok(const char *path)
{
	size_t len;
	const char *seg;

	if (path == NULL)
		return 0;
	len = strlen(path);
	if (len == 0 || len > TARGET_PATH_MAX)
		return 0;
	for (const unsigned char *p = (const unsigned char *)path; *p != 0; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			return 0;
	seg = path;
	for (;;) {
		size_t n = strcspn(seg, "/");

		if (n == 0 || seg[0] == '.')
			return 0;
		if (seg[n] == 0)
			return 1;
		seg += n + 1;
	}
}

/* ---- files ---- */

static enum medfw_err path_join(char *out, size_t cap, const char *a, const char *b,
				const char *c, struct medfw_diag *diag)
{
	int n = snprintf(out, cap, "%s/%s/%s", a, b, c);

	if (n < 0 || (size_t)n >= cap)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "path too long: %s/%s", b, c);
	return MEDFW_OK;
}

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The staged copy of sub/name if there is one, else the served one. *out_staged
 * tells which; NOT_FOUND when neither. */
static enum medfw_err pick(const char *staged, const char *served, const char *sub,
			   const char *name, char *out, size_t cap, int *out_staged,
			   struct medfw_diag *diag)
{
	enum medfw_err err = path_join(out, cap, staged, sub, name, diag);

	*out_staged = 1;
	if (err != MEDFW_OK || exists(out))
		return err;
	*out_staged = 0;
	if (served != NULL) {
		err = path_join(out, cap, served, sub, name, diag);
		if (err != MEDFW_OK || exists(out))
			return err;
	}
	return MEDFW_ERR_NOT_FOUND;
}

static enum medfw_err read_meta(const char *staged, const char *served, const char *name,
				size_t max, struct medfw_buf *out, int *out_staged,
				struct medfw_diag *diag)
{
	char path[PATH_MAX];
	enum medfw_err err = pick(staged, served, "metadata", name, path, sizeof(path), out_staged,
				  diag);

	medfw_buf_init(out, max);
	if (err == MEDFW_OK)
		err = medfw_file_read(path, max, out, diag);
	return err;
}

static enum medfw_err write_meta(const char *dir, const char *name, const struct medfw_buf *b,
				 struct medfw_diag *diag)
{
	char path[PATH_MAX];
	enum medfw_err err = path_join(path, sizeof(path), dir, "metadata", name, diag);

	if (err == MEDFW_OK)
		err = medfw_file_write_new(path, b->data, b->len, 0644, diag);
	return err;
}

static enum medfw_err parse(const struct medfw_buf *b, enum medfw_tuf_role_type type,
			    const char *what, struct medfw_tuf_meta **out, struct medfw_diag *diag)
{
	struct medfw_diag inner;
	enum medfw_err err;

	medfw_diag_clear(&inner);
	err = medfw_tuf_meta_parse_unverified(b->data, b->len, medfw_tuf_role_max_len(type), type,
					      out, &inner);
	if (err != MEDFW_OK)
		medfw_diag_set(diag, err, "%s: %s", what, medfw_diag_message(&inner, err));
	return err;
}

static int same_bytes(const struct medfw_buf *a, const struct medfw_buf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

enum medfw_err medfw_repo_host_check_root(const uint8_t *root, size_t len, int64_t *out_version,
					  struct medfw_diag *diag)
{
	struct medfw_buf b;
	struct medfw_tuf_meta *m = NULL;
	enum medfw_err err;

	if (out_version != NULL)
		*out_version = 0;
	b.data = (uint8_t *)(uintptr_t)root;
	b.len = len;
	b.max = len;
	if (len > MEDFW_TUF_ROOT_MAX_LEN)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "root: larger than %u bytes",
				      MEDFW_TUF_ROOT_MAX_LEN);
	err = parse(&b, MEDFW_TUF_ROOT, "root", &m, diag);
	if (err == MEDFW_OK)
		err = medfw_tuf_meta_verify_role(m, &m->keys, medfw_tuf_root_role(m, MEDFW_TUF_ROOT),
						 "root (its own root keys)", diag);
	if (err == MEDFW_OK && out_version != NULL)
		*out_version = m->version;
	medfw_tuf_meta_free(m);
	return err;
}

/* ---- the commit ---- */

/* A delegated targets role listed in the new snapshot. */
struct deleg {
	char name[MEDFW_REPO_HOST_ROLE_NAME_MAX + 1];
	struct medfw_buf b;
	struct medfw_tuf_meta *meta;
	int verified;    /* reached from targets, signed for every role delegating to it */
};

struct commit {
	struct medfw_ctx *ctx;
	struct deleg *dl;                                  /* sorted by name */
	size_t dl_count;
	size_t target_count;                               /* targets placed */
	const char *served, *staged, *out_dir;
	int64_t now;
	struct medfw_tuf_meta *root;                       /* newest verified root */
	struct medfw_tuf_meta *s_root, *s_ts, *s_snap, *s_tg; /* served (NULL: none) */
	struct medfw_buf s_ts_b, s_snap_b, s_tg_b;
	struct medfw_tuf_meta *ts, *snap, *tg;
	struct medfw_buf ts_b, snap_b, tg_b;
};

static void commit_free(struct commit *c)
{
	medfw_tuf_meta_free(c->root);
	medfw_tuf_meta_free(c->s_root);
	medfw_tuf_meta_free(c->s_ts);
	medfw_tuf_meta_free(c->s_snap);
	medfw_tuf_meta_free(c->s_tg);
	medfw_tuf_meta_free(c->ts);
	medfw_tuf_meta_free(c->snap);
	medfw_tuf_meta_free(c->tg);
	medfw_buf_free(&c->s_ts_b);
	medfw_buf_free(&c->s_snap_b);
	medfw_buf_free(&c->s_tg_b);
	medfw_buf_free(&c->ts_b);
	medfw_buf_free(&c->snap_b);
	medfw_buf_free(&c->tg_b);
	for (size_t i = 0; i < c->dl_count; i++) {
		medfw_tuf_meta_free(c->dl[i].meta);
		medfw_buf_free(&c->dl[i].b);
	}
	free(c->dl);
}

/* The served set, already verified at its commit: only read for rollback checks. */
static enum medfw_err load_served(struct commit *c, struct medfw_diag *diag)
{
	static const struct {
		const char *name;
		enum medfw_tuf_role_type type;
	} roles[] = {{"timestamp.json", MEDFW_TUF_TIMESTAMP},
		     {"snapshot.json", MEDFW_TUF_SNAPSHOT},
		     {"targets.json", MEDFW_TUF_TARGETS},
		     {"root.json", MEDFW_TUF_ROOT}};
	struct medfw_buf *bufs[] = {&c->s_ts_b, &c->s_snap_b, &c->s_tg_b, NULL};
	struct medfw_tuf_meta **metas[] = {&c->s_ts, &c->s_snap, &c->s_tg, &c->s_root};
	enum medfw_err err = MEDFW_OK;

	if (c->served == NULL)
		return MEDFW_OK;
	for (size_t i = 0; err == MEDFW_OK && i < 4; i++) {
		struct medfw_buf tmp;
		struct medfw_buf *b = bufs[i] != NULL ? bufs[i] : &tmp;
		char path[PATH_MAX];

		err = path_join(path, sizeof(path), c->served, "metadata", roles[i].name, diag);
		if (err == MEDFW_OK)
			err = medfw_file_read(path, medfw_tuf_role_max_len(roles[i].type), b, diag);
		if (err == MEDFW_OK)
			err = parse(b, roles[i].type, "served metadata", metas[i], diag);
		if (bufs[i] == NULL)
			medfw_buf_free(&tmp);
	}
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

static enum medfw_err root_chain(struct commit *c, const uint8_t *trusted, size_t trusted_len,
				 struct medfw_diag *diag)
{
	struct medfw_buf b, tb;
	struct medfw_tuf_meta *next = NULL;
	char name[64], what[96];
	int staged = 0;
	enum medfw_err err;

	tb.data = (uint8_t *)(uintptr_t)trusted;
	tb.len = trusted_len;
	tb.max = trusted_len;
	err = parse(&tb, MEDFW_TUF_ROOT, "trusted root", &c->root, diag);
	if (err == MEDFW_OK)
		err = medfw_tuf_meta_verify_role(c->root, &c->root->keys,
						 medfw_tuf_root_role(c->root, MEDFW_TUF_ROOT),
						 "trusted root (its own root keys)", diag);
	snprintf(name, sizeof(name), "%lld.root.json", (long long)(c->root != NULL ? c->root->version : 0));
	if (err == MEDFW_OK)
		err = write_meta(c->out_dir, name, &tb, diag);
	if (err != MEDFW_OK)
		return err;
	medfw_buf_init(&b, 0);
	for (int i = 0; i < MEDFW_REPO_HOST_MAX_ROOTS; i++) {
		int64_t v = c->root->version + 1;

		snprintf(name, sizeof(name), "%lld.root.json", (long long)v);
		snprintf(what, sizeof(what), "root version %lld", (long long)v);
		medfw_buf_free(&b);
		err = read_meta(c->staged, c->served, name, MEDFW_TUF_ROOT_MAX_LEN, &b, &staged, diag);
		if (err == MEDFW_ERR_NOT_FOUND) {
			err = MEDFW_OK;
			break;
		}
		if (err == MEDFW_OK && staged && c->served != NULL) {
			/* A root version served already cannot be replaced by another. */
			struct medfw_buf old;
			char path[PATH_MAX];

			if (path_join(path, sizeof(path), c->served, "metadata", name, NULL) == MEDFW_OK &&
			    medfw_file_read(path, MEDFW_TUF_ROOT_MAX_LEN, &old, NULL) == MEDFW_OK) {
				if (!same_bytes(&old, &b))
					err = medfw_diag_set(diag, MEDFW_ERR_VERSION_MISMATCH,
							     "%s differs from the one served",
							     what);
				medfw_buf_free(&old);
			}
		}
		if (err == MEDFW_OK)
			err = parse(&b, MEDFW_TUF_ROOT, what, &next, diag);
		if (err == MEDFW_OK && next->version != v)
			err = medfw_diag_set(diag, MEDFW_ERR_VERSION_MISMATCH,
					     "%s: the file says version %lld", what,
					     (long long)next->version);
		if (err == MEDFW_OK)
			err = medfw_tuf_meta_verify_role(next, &c->root->keys,
							 medfw_tuf_root_role(c->root, MEDFW_TUF_ROOT),
							 what, diag);
		if (err == MEDFW_OK)
			err = medfw_tuf_meta_verify_role(next, &next->keys,
							 medfw_tuf_root_role(next, MEDFW_TUF_ROOT),
							 what, diag);
		if (err == MEDFW_OK)
			err = write_meta(c->out_dir, name, &b, diag);
		if (err != MEDFW_OK)
			break;
		medfw_tuf_meta_free(c->root);
		c->root = next;
		next = NULL;
	}
	medfw_tuf_meta_free(next);
	medfw_buf_free(&b);
	if (err != MEDFW_OK)
		return err;
	/* root.json: the newest root (a staged one must be it) */
	err = read_meta(c->staged, NULL, "root.json", MEDFW_TUF_ROOT_MAX_LEN, &b, &staged, diag);
	if (err == MEDFW_OK) {
		struct medfw_tuf_meta *r = NULL;

		err = parse(&b, MEDFW_TUF_ROOT, "root.json", &r, diag);
		if (err == MEDFW_OK && (r->signed_canonical.len != c->root->signed_canonical.len ||
					memcmp(r->signed_canonical.data, c->root->signed_canonical.data,
					       r->signed_canonical.len) != 0))
			err = medfw_diag_set(diag, MEDFW_ERR_VERSION_MISMATCH,
					     "root.json (version %lld) is not the newest root of the "
					     "chain (version %lld): upload every N.root.json",
					     (long long)r->version, (long long)c->root->version);
		medfw_tuf_meta_free(r);
	} else if (err == MEDFW_ERR_NOT_FOUND) {
		err = MEDFW_OK;
	}
	medfw_buf_free(&b);
	if (err == MEDFW_OK && c->s_root != NULL && c->root->version < c->s_root->version)
		err = medfw_diag_set(diag, MEDFW_ERR_ROLLBACK,
				     "root: version %lld is older than the served version %lld",
				     (long long)c->root->version, (long long)c->s_root->version);
	if (err == MEDFW_OK)
		err = check_expiry(c->root, c->now, "root", diag);
	if (err == MEDFW_OK) {
		struct medfw_buf rb;
		char path[PATH_MAX];

		snprintf(name, sizeof(name), "%lld.root.json", (long long)c->root->version);
		err = path_join(path, sizeof(path), c->out_dir, "metadata", name, diag);
		if (err == MEDFW_OK)
			err = medfw_file_read(path, MEDFW_TUF_ROOT_MAX_LEN, &rb, diag);
		if (err == MEDFW_OK)
			err = write_meta(c->out_dir, "root.json", &rb, diag);
		medfw_buf_free(&rb);
	}
	return err;
}

/* Read and parse metadata file `name` (staged, else served) of `type`: the length,
 * hashes and version `referrer` (may be NULL) names for it. Signatures not checked. */
static enum medfw_err load_file(struct commit *c, const char *name, const char *what,
				enum medfw_tuf_role_type type, const struct medfw_tuf_meta *referrer,
				struct medfw_buf *b, struct medfw_tuf_meta **out,
				struct medfw_diag *diag)
{
	const struct medfw_tuf_metafile *mf = NULL;
	int staged = 0;
	enum medfw_err err;

	err = read_meta(c->staged, c->served, name, medfw_tuf_role_max_len(type), b, &staged,
			diag);
	if (err == MEDFW_ERR_NOT_FOUND)
		return medfw_diag_set(diag, err, "%s: %s not uploaded", what, name);
	if (err == MEDFW_OK && referrer != NULL) {
		mf = medfw_tuf_meta_file(referrer, name);
		if (mf == NULL)
			err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "%s: not listed by the %s",
					     what, medfw_tuf_role_name(referrer->type));
		else if (mf->length >= 0 || mf->hashes != NULL)
			err = medfw_tuf_check_length_hashes(b->data, b->len, mf->length, mf->hashes,
							    what, diag);
	}
	if (err == MEDFW_OK)
		err = parse(b, type, what, out, diag);
	if (err == MEDFW_OK && mf != NULL && (*out)->version != mf->version)
		err = medfw_diag_set(diag, MEDFW_ERR_VERSION_MISMATCH,
				     "%s: version %lld, the %s names version %lld", what,
				     (long long)(*out)->version, medfw_tuf_role_name(referrer->type),
				     (long long)mf->version);
	return err;
}

/* Not older than the served copy; an equal version only with the same bytes. */
static enum medfw_err check_not_older(const char *what, const struct medfw_tuf_meta *m,
				      const struct medfw_buf *b, const struct medfw_tuf_meta *served,
				      const struct medfw_buf *served_b, struct medfw_diag *diag)
{
	if (served != NULL && m->version < served->version)
		return medfw_diag_set(diag, MEDFW_ERR_ROLLBACK,
				      "%s: version %lld is older than the served version %lld", what,
				      (long long)m->version, (long long)served->version);
	if (served != NULL && m->version == served->version && !same_bytes(b, served_b))
		return medfw_diag_set(diag, MEDFW_ERR_VERSION_MISMATCH,
				      "%s: version %lld is served already with other content", what,
				      (long long)m->version);
	return MEDFW_OK;
}

/* Load one top-level role: staged or served file, referenced length/hashes/version,
 * signatures, expiry, no rollback against the served copy. */
static enum medfw_err load_role(struct commit *c, enum medfw_tuf_role_type type,
				const struct medfw_tuf_meta *referrer, struct medfw_buf *b,
				struct medfw_tuf_meta **out, const struct medfw_buf *served_b,
				const struct medfw_tuf_meta *served, struct medfw_diag *diag)
{
	const char *role = medfw_tuf_role_name(type);
	char name[32];
	enum medfw_err err;

	snprintf(name, sizeof(name), "%s.json", role);
	err = load_file(c, name, role, type, referrer, b, out, diag);
	if (err == MEDFW_OK)
		err = medfw_tuf_meta_verify_role(*out, &c->root->keys,
						 medfw_tuf_root_role(c->root, type), role, diag);
	if (err == MEDFW_OK)
		err = check_expiry(*out, c->now, role, diag);
	if (err == MEDFW_OK)
		err = check_not_older(role, *out, b, served, served_b, diag);
	return err;
}

/* ---- delegated targets ---- */

static int cmp_deleg(const void *a, const void *b)
{
	return strcmp(((const struct deleg *)a)->name, ((const struct deleg *)b)->name);
}

static struct deleg *find_deleg(const struct commit *c, const char *name)
{
	struct deleg key;

	if (snprintf(key.name, sizeof(key.name), "%s", name) >= (int)sizeof(key.name))
		return NULL;
	return c->dl_count == 0 ? NULL : bsearch(&key, c->dl, c->dl_count, sizeof(*c->dl),
						  cmp_deleg);
}

/* Every delegated role the new snapshot lists: its file (staged or served) as the
 * snapshot names it, not expired, not older than the served one. */
static enum medfw_err load_delegated(struct commit *c, struct medfw_diag *diag)
{
	enum medfw_err err = MEDFW_OK;

	if (c->snap->meta_count > MEDFW_REPO_HOST_MAX_ROLES)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "snapshot: %zu roles, at most %u can be hosted",
				      c->snap->meta_count, MEDFW_REPO_HOST_MAX_ROLES);
	c->dl = calloc(c->snap->meta_count + 1, sizeof(*c->dl));
	if (c->dl == NULL)
		return MEDFW_ERR_NOMEM;
	for (size_t i = 0; err == MEDFW_OK && i < c->snap->meta_count; i++) {
		const char *name = c->snap->meta[i].name;
		struct deleg *d = &c->dl[c->dl_count];
		struct medfw_tuf_meta *served = NULL;
		struct medfw_buf sb;
		char what[MEDFW_REPO_HOST_ROLE_NAME_MAX + 32], path[PATH_MAX];

		if (strcmp(name, "targets.json") == 0)
			continue;
		if (!delegated_role_of(name, d->name, sizeof(d->name)))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "snapshot: \"%.200s\" is not a delegated targets role "
					      "medfwd can host (ROLE.json; letters, digits, '.', '_', "
					      "'-'; at most %u bytes)",
					      name, MEDFW_REPO_HOST_ROLE_NAME_MAX);
		c->dl_count++;
		snprintf(what, sizeof(what), "delegated role %s", d->name);
		err = load_file(c, name, what, MEDFW_TUF_TARGETS, c->snap, &d->b, &d->meta, diag);
		if (err == MEDFW_OK)
			err = check_expiry(d->meta, c->now, what, diag);
		medfw_buf_init(&sb, 0);
		if (err == MEDFW_OK && c->served != NULL &&
		    path_join(path, sizeof(path), c->served, "metadata", name, NULL) == MEDFW_OK &&
		    medfw_file_read(path, MEDFW_TUF_TARGETS_MAX_LEN, &sb, NULL) == MEDFW_OK) {
			err = parse(&sb, MEDFW_TUF_TARGETS, "served metadata", &served, diag);
			if (err == MEDFW_OK)
				err = check_not_older(what, d->meta, &d->b, served, &sb, diag);
		}
		medfw_tuf_meta_free(served);
		medfw_buf_free(&sb);
	}
	if (err == MEDFW_OK)
		qsort(c->dl, c->dl_count, sizeof(*c->dl), cmp_deleg);
	return err;
}

/* The delegation from `delegator` (named dname) to role `name` under `rule`: the role
 * must be listed in snapshot and signed by the rule's threshold of the delegator's
 * keys. Newly verified roles are appended to queue. */
static enum medfw_err check_edge(struct commit *c, const struct medfw_tuf_meta *delegator,
				 const char *dname, const char *name,
				 const struct medfw_tuf_role_keys *rule, struct deleg **queue,
				 size_t *queue_len, struct medfw_diag *diag)
{
	struct deleg *d;
	char what[2 * MEDFW_REPO_HOST_ROLE_NAME_MAX + 64];
	enum medfw_err err;

	if (!medfw_repo_host_role_name_ok(name))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s delegates to \"%.200s\": not a role name medfwd can host "
				      "(letters, digits, '.', '_', '-')", dname, name);
	d = find_deleg(c, name);
	if (d == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
				      "delegated role %s (delegated by %s) is not listed in "
				      "snapshot.json", name, dname);
	snprintf(what, sizeof(what), "delegated role %s (signed for %s)", name, dname);
	err = medfw_tuf_meta_verify_role(d->meta, &delegator->delegation_keys, rule, what, diag);
	if (err == MEDFW_OK && !d->verified) {
		d->verified = 1;
		queue[(*queue_len)++] = d;
	}
	return err;
}

/* Every delegation of every role reachable from targets (breadth first). */
static enum medfw_err verify_delegations(struct commit *c, struct medfw_diag *diag)
{
	struct deleg **queue = calloc(c->dl_count + 1, sizeof(*queue));
	size_t queue_len = 0;
	enum medfw_err err = MEDFW_OK;

	if (queue == NULL)
		return MEDFW_ERR_NOMEM;
	for (size_t q = 0; err == MEDFW_OK && q <= queue_len; q++) {
		const struct medfw_tuf_meta *t = q == 0 ? c->tg : queue[q - 1]->meta;
		const char *dname = q == 0 ? "targets" : queue[q - 1]->name;

		if (!t->has_delegations)
			continue;
		if (t->has_succinct_roles) {
			const struct medfw_tuf_succinct_roles *sr = &t->succinct;
			uint64_t bins = (uint64_t)1 << sr->bit_length;
			int width = snprintf(NULL, 0, "%llx", (unsigned long long)(bins - 1));
			char bin[MEDFW_REPO_HOST_ROLE_NAME_MAX + 16];

			if (bins > MEDFW_REPO_HOST_MAX_ROLES)
				err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
						     "%s: succinct_roles with %llu bins, at most %u "
						     "roles can be hosted", dname,
						     (unsigned long long)bins, MEDFW_REPO_HOST_MAX_ROLES);
			for (uint64_t b = 0; err == MEDFW_OK && b < bins; b++) {
				if (snprintf(bin, sizeof(bin), "%s-%0*llx", sr->name_prefix, width,
					     (unsigned long long)b) >= (int)sizeof(bin))
					err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
							     "%s: succinct_roles name_prefix too long",
							     dname);
				else
					err = check_edge(c, t, dname, bin, &sr->keys, queue,
							 &queue_len, diag);
			}
			continue;
		}
		for (size_t i = 0; err == MEDFW_OK && i < t->delegated_count; i++)
			err = check_edge(c, t, dname, t->delegated[i].keys.name,
					 &t->delegated[i].keys, queue, &queue_len, diag);
	}
	free(queue);
	/* a role nobody delegates to: only one the served snapshot listed already (a
	 * delegation was removed; TUF keeps it listed) is kept, and serves no target */
	for (size_t i = 0; err == MEDFW_OK && i < c->dl_count; i++) {
		char file[MEDFW_REPO_HOST_ROLE_NAME_MAX + 8];

		snprintf(file, sizeof(file), "%s.json", c->dl[i].name);
		if (!c->dl[i].verified &&
		    (c->s_snap == NULL || medfw_tuf_meta_file(c->s_snap, file) == NULL))
			err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
					     "snapshot.json lists %s, but no targets role delegates "
					     "to %s", file, c->dl[i].name);
	}
	return err;
}

/* The roles a TUF client visits looking for one target path (spec 5.6.7, pre-order,
 * terminating delegations and succinct hash bins end the search, at most
 * MEDFW_REPO_HOST_MAX_VISITS roles): whether `want` is among them. */
struct walk {
	const struct commit *c;
	const char *path;
	const struct deleg *want;
	const struct deleg *visited[MEDFW_REPO_HOST_MAX_VISITS];
	size_t n_visited;
	int reached;
};

static int walk_from(struct walk *w, const struct medfw_tuf_meta *t);

/* Returns 1 when the search ends. */
static int walk_visit(struct walk *w, const char *name)
{
	const struct deleg *d = find_deleg(w->c, name);

	if (d == NULL || !d->verified)
		return 0; /* cannot happen after verify_delegations */
	for (size_t i = 0; i < w->n_visited; i++)
		if (w->visited[i] == d)
			return 0; /* cycles */
	if (w->n_visited == MEDFW_REPO_HOST_MAX_VISITS)
		return 1;
	w->visited[w->n_visited++] = d;
	if (d == w->want) {
		w->reached = 1;
		return 1;
	}
	return walk_from(w, d->meta);
}

static int walk_from(struct walk *w, const struct medfw_tuf_meta *t)
{
	if (!t->has_delegations)
		return 0;
	if (t->has_succinct_roles) {
		char bin[MEDFW_REPO_HOST_ROLE_NAME_MAX + 16];

		if (medfw_tuf_succinct_role_for(&t->succinct, w->path, bin, sizeof(bin)) !=
		    MEDFW_OK)
			return 1;
		(void)walk_visit(w, bin);
		return 1; /* succinct roles are terminating (TAP 15, as python-tuf) */
	}
	for (size_t i = 0; i < t->delegated_count; i++) {
		const struct medfw_tuf_delegated_role *r = &t->delegated[i];

		if (!medfw_tuf_delegation_matches(r, w->path))
			continue;
		if (walk_visit(w, r->keys.name) || r->terminating)
			return 1;
	}
	return 0;
}

/* Every target a delegated role lists must be one that role is trusted for: a
 * client looking for it reaches the role through matching delegations. */
static enum medfw_err check_delegated_paths(struct commit *c, struct medfw_diag *diag)
{
	struct walk *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return MEDFW_ERR_NOMEM;
	for (size_t i = 0; i < c->dl_count; i++) {
		const struct deleg *d = &c->dl[i];

		for (size_t k = 0; d->verified && k < d->meta->target_count; k++) {
			memset(w, 0, sizeof(*w));
			w->c = c;
			w->path = d->meta->targets[k].path;
			w->want = d;
			(void)walk_from(w, c->tg);
			if (!w->reached) {
				free(w);
				return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						      "target \"%.200s\" of delegated role %s is "
						      "outside the paths %s is trusted for",
						      d->meta->targets[k].path, d->name, d->name);
			}
		}
	}
	free(w);
	return MEDFW_OK;
}

/* Link src to dst, creating dst's directories. */
static enum medfw_err link_file(const char *src, const char *dst, struct medfw_diag *diag)
{
	char dir[PATH_MAX];
	char *slash;
	enum medfw_err err;

	snprintf(dir, sizeof(dir), "%s", dst);
	slash = strrchr(dir, '/');
	if (slash != NULL) {
		*slash = 0;
		err = medfw_mkdir_p(dir, 0755, diag);
		if (err != MEDFW_OK)
			return err;
	}
	if (link(src, dst) != 0)
		return medfw_diag_set(diag, errno == EEXIST ? MEDFW_ERR_EXISTS : MEDFW_ERR_IO,
				      "cannot link %s: %s", dst, strerror(errno));
	return MEDFW_OK;
}

static enum medfw_err hash_file(const char *path, const struct medfw_tuf_target *t,
				struct medfw_diag *diag)
{
	struct medfw_tuf_hash_check *hc = NULL;
	uint8_t *chunk = NULL;
	int fd = -1;
	enum medfw_err err;

	err = medfw_tuf_hash_check_new(t->length, t->hashes, t->path, &hc, diag);
	if (err != MEDFW_OK)
		return err;
	chunk = malloc(READ_CHUNK);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (chunk == NULL)
		err = MEDFW_ERR_NOMEM;
	else if (fd < 0)
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "target %s: %s", t->path, strerror(errno));
	while (err == MEDFW_OK) {
		ssize_t n = read(fd, chunk, READ_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = medfw_diag_set(diag, MEDFW_ERR_IO, "target %s: %s", t->path,
					     strerror(errno));
			break;
		}
		if (n == 0)
			break;
		err = medfw_tuf_hash_check_update(hc, chunk, (size_t)n, diag);
	}
	if (err == MEDFW_OK)
		err = medfw_tuf_hash_check_finish(hc, diag);
	if (fd >= 0)
		close(fd);
	free(chunk);
	medfw_tuf_hash_check_free(hc);
	return err;
}

/* Link every target of `tm` into the new tree and check it. A path listed by two
 * roles is placed once and must match both. */
static enum medfw_err place_targets(struct commit *c, const struct medfw_tuf_meta *tm,
				    struct medfw_diag *diag)
{
	char src[PATH_MAX], dst[PATH_MAX], alias[PATH_MAX];
	enum medfw_err err = MEDFW_OK;

	for (size_t i = 0; err == MEDFW_OK && i < tm->target_count; i++) {
		const struct medfw_tuf_target *t = &tm->targets[i];
		int staged = 0;

		if (!medfw_repo_host_target_path_ok(t->path))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "target \"%.200s\": not a safe relative path", t->path);
		err = pick(c->staged, c->served, "targets", t->path, src, sizeof(src), &staged, diag);
		if (err == MEDFW_ERR_NOT_FOUND)
			return medfw_diag_set(diag, err, "target %s: file not uploaded", t->path);
		if (err == MEDFW_OK)
			err = path_join(dst, sizeof(dst), c->out_dir, "targets", t->path, diag);
		if (err == MEDFW_OK) {
			err = link_file(src, dst, diag);
			if (err == MEDFW_ERR_EXISTS)
				err = MEDFW_OK; /* listed by another role too: checked again */
			else if (err == MEDFW_OK)
				c->target_count++;
		}
		/* hash what will be served, after linking */
		if (err == MEDFW_OK)
			err = hash_file(dst, t, diag);
		if (err == MEDFW_OK && c->root->consistent_snapshot) {
			const char *alg, *base = strrchr(t->path, '/');
			json_t *v;
			size_t dirlen = base != NULL ? (size_t)(base - t->path) : 0;

			base = base != NULL ? base + 1 : t->path;
			json_object_foreach((json_t *)(uintptr_t)t->hashes, alg, v) {
				int n = snprintf(alias, sizeof(alias), "%s/targets/%.*s%s%s.%s",
						 c->out_dir, (int)dirlen, t->path, dirlen ? "/" : "",
						 json_string_value(v), base);

				if (n < 0 || (size_t)n >= sizeof(alias) ||
				    strchr(json_string_value(v), '/') != NULL) {
					err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
							     "target %s: bad %s hash", t->path, alg);
					break;
				}
				err = link_file(dst, alias, diag);
				if (err == MEDFW_ERR_EXISTS)
					err = MEDFW_OK;
				if (err != MEDFW_OK)
					break;
			}
		}
	}
	return err;
}

enum medfw_err medfw_repo_host_commit(struct medfw_ctx *ctx, const uint8_t *trusted_root,
				      size_t trusted_root_len, const char *served_dir,
				      const char *staged_dir, const char *new_dir,
				      struct medfw_repo_host_result *out,
				      struct medfw_tuf_meta **out_targets, struct medfw_diag *diag)
{
	struct commit c;
	char path[PATH_MAX], name[MEDFW_REPO_HOST_ROLE_NAME_MAX + 32];
	enum medfw_err err;

	memset(&c, 0, sizeof(c));
	memset(out, 0, sizeof(*out));
	if (out_targets != NULL)
		*out_targets = NULL;
	c.ctx = ctx;
	c.served = served_dir;
	c.staged = staged_dir;
	c.out_dir = new_dir;
	c.now = medfw_ctx_now(ctx);
	if (trusted_root == NULL || trusted_root_len > MEDFW_TUF_ROOT_MAX_LEN)
		return medfw_diag_set(diag, MEDFW_ERR_STATE, "no trusted root is pinned");
	if (mkdir(new_dir, 0755) != 0)
		return medfw_diag_set(diag, MEDFW_ERR_IO, "cannot create %s: %s", new_dir,
				      strerror(errno));
	err = path_join(path, sizeof(path), new_dir, "metadata", "", diag);
	if (err == MEDFW_OK)
		err = medfw_mkdir_p(path, 0755, diag);
	if (err == MEDFW_OK)
		err = path_join(path, sizeof(path), new_dir, "targets", "", diag);
	if (err == MEDFW_OK)
		err = medfw_mkdir_p(path, 0755, diag);
	if (err == MEDFW_OK)
		err = load_served(&c, diag);
	if (err == MEDFW_OK)
		err = root_chain(&c, trusted_root, trusted_root_len, diag);
	if (err == MEDFW_OK)
		err = load_role(&c, MEDFW_TUF_TIMESTAMP, NULL, &c.ts_b, &c.ts, &c.s_ts_b, c.s_ts, diag);
	if (err == MEDFW_OK)
		err = load_role(&c, MEDFW_TUF_SNAPSHOT, c.ts, &c.snap_b, &c.snap, &c.s_snap_b, c.s_snap,
				diag);
	/* every role the served snapshot lists stays listed, not older (TUF 5.5.5) */
	for (size_t i = 0; err == MEDFW_OK && c.s_snap != NULL && i < c.s_snap->meta_count; i++) {
		const struct medfw_tuf_metafile *old = &c.s_snap->meta[i];
		const struct medfw_tuf_metafile *now = medfw_tuf_meta_file(c.snap, old->name);

		if (now == NULL || now->version < old->version)
			err = medfw_diag_set(diag, MEDFW_ERR_ROLLBACK,
					     "snapshot: %s %s (served snapshot names version %lld)",
					     old->name, now == NULL ? "is missing" : "rolls back",
					     (long long)old->version);
	}
	if (err == MEDFW_OK)
		err = load_role(&c, MEDFW_TUF_TARGETS, c.snap, &c.tg_b, &c.tg, &c.s_tg_b, c.s_tg, diag);
	if (err == MEDFW_OK)
		err = load_delegated(&c, diag);
	if (err == MEDFW_OK)
		err = verify_delegations(&c, diag);
	if (err == MEDFW_OK)
		err = check_delegated_paths(&c, diag);
	if (err == MEDFW_OK)
		err = place_targets(&c, c.tg, diag);
	for (size_t i = 0; err == MEDFW_OK && i < c.dl_count; i++)
		if (c.dl[i].verified)
			err = place_targets(&c, c.dl[i].meta, diag);
	for (size_t i = 0; err == MEDFW_OK && i < c.dl_count; i++) {
		int n = snprintf(name, sizeof(name), "%s.json", c.dl[i].name);

		err = n > 0 && (size_t)n < sizeof(name) ? write_meta(new_dir, name, &c.dl[i].b, diag)
							 : MEDFW_ERR_TOO_LARGE;
		n = snprintf(name, sizeof(name), "%lld.%s.json", (long long)c.dl[i].meta->version,
			     c.dl[i].name);
		if (err == MEDFW_OK)
			err = n > 0 && (size_t)n < sizeof(name)
				      ? write_meta(new_dir, name, &c.dl[i].b, diag)
				      : MEDFW_ERR_TOO_LARGE;
	}
	if (err == MEDFW_OK)
		err = write_meta(new_dir, "targets.json", &c.tg_b, diag);
	snprintf(name, sizeof(name), "%lld.targets.json", (long long)(c.tg ? c.tg->version : 0));
	if (err == MEDFW_OK)
		err = write_meta(new_dir, name, &c.tg_b, diag);
	if (err == MEDFW_OK)
		err = write_meta(new_dir, "snapshot.json", &c.snap_b, diag);
	snprintf(name, sizeof(name), "%lld.snapshot.json", (long long)(c.snap ? c.snap->version : 0));
	if (err == MEDFW_OK)
		err = write_meta(new_dir, name, &c.snap_b, diag);
	if (err == MEDFW_OK)
		err = write_meta(new_dir, "timestamp.json", &c.ts_b, diag);
	if (err == MEDFW_OK) {
		out->root_version = c.root->version;
		out->timestamp_version = c.ts->version;
		out->snapshot_version = c.snap->version;
		out->targets_version = c.tg->version;
		out->target_count = c.target_count;
		for (size_t i = 0; i < c.dl_count; i++)
			out->delegated_role_count += c.dl[i].verified != 0;
		if (out_targets != NULL) {
			*out_targets = c.tg;
			c.tg = NULL;
		}
	}
	commit_free(&c);
	return err;
}

static enum medfw_err remove_at(int parent, const char *name, struct medfw_diag *diag)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int fd;
	enum medfw_err err = MEDFW_OK;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? MEDFW_OK
				       : medfw_diag_set(diag, MEDFW_ERR_IO, "cannot remove %s: %s",
							name, strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(parent, name, 0) != 0 && errno != ENOENT)
			return medfw_diag_set(diag, MEDFW_ERR_IO, "cannot remove %s: %s", name,
					      strerror(errno));
		return MEDFW_OK;
	}
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return medfw_diag_set(diag, MEDFW_ERR_IO, "cannot open %s: %s", name, strerror(errno));
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return medfw_diag_set(diag, MEDFW_ERR_IO, "cannot read %s", name);
	}
	while (err == MEDFW_OK && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		err = remove_at(dirfd(d), e->d_name, diag);
	}
	closedir(d);
	if (err == MEDFW_OK && unlinkat(parent, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "cannot remove %s: %s", name,
				     strerror(errno));
	return err;
}

enum medfw_err medfw_repo_host_remove_tree(const char *dir, struct medfw_diag *diag)
{
	return remove_at(AT_FDCWD, dir, diag);
}
