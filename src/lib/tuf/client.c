/* The TUF client workflow: local and remote metadata loading, the delegation walk,
 * target downloads. The checks themselves live in trusted_set.c. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "medfw/buf.h"
#include "medfw/tuf_client.h"
#include "tuf/trusted_set.h"

#define COPY_CHUNK 65536

struct medfw_tuf_client {
	struct medfw_ctx *ctx;
	const struct medfw_fetcher *fetcher;
	char *metadata_dir;
	char *metadata_url; /* ends in "/" */
	char *target_url;   /* ends in "/", or NULL */
	struct medfwi_tuf_trusted trusted;
	int refreshed;
};

/* ---- names and URLs ---- */

enum medfw_err medfw_tuf_quote(const char *s, char *out, size_t out_cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	if (out_cap == 0)
		return MEDFW_ERR_TOO_LARGE;
	for (const unsigned char *p = (const unsigned char *)s; *p != 0; p++) {
		int plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			    (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-' ||
			    *p == '~';

		if ((plain ? 1u : 3u) >= out_cap - o) {
			out[0] = 0;
			return MEDFW_ERR_TOO_LARGE;
		}
		if (plain) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = 0;
	return MEDFW_OK;
}

static char *with_slash(const char *url)
{
	size_t n = strlen(url);
	char *s = malloc(n + 2);

	if (s == NULL)
		return NULL;
	memcpy(s, url, n);
	if (n == 0 || url[n - 1] != '/')
		s[n++] = '/';
	s[n] = 0;
	return s;
}

/* <metadata_dir>/<quoted role>.json */
static enum medfw_err local_path(const struct medfw_tuf_client *c, const char *role, char *out,
				 size_t out_cap, struct medfw_diag *diag)
{
	char quoted[3 * MEDFW_TUF_NAME_MAX + 1];
	int n;

	if (strlen(role) > MEDFW_TUF_NAME_MAX ||
	    medfw_tuf_quote(role, quoted, sizeof(quoted)) != MEDFW_OK)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "role name \"%.64s...\" too long",
				      role);
	n = snprintf(out, out_cap, "%s/%s.json", c->metadata_dir, quoted);
	if (n < 0 || (size_t)n >= out_cap)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: path too long", c->metadata_dir);
	return MEDFW_OK;
}

/* <metadata_url>[<version>.]<quoted role>.json */
static enum medfw_err metadata_url(const struct medfw_tuf_client *c, const char *role,
				   int64_t version, char *out, size_t out_cap,
				   struct medfw_diag *diag)
{
	char quoted[3 * MEDFW_TUF_NAME_MAX + 1];
	int n;

	if (strlen(role) > MEDFW_TUF_NAME_MAX ||
	    medfw_tuf_quote(role, quoted, sizeof(quoted)) != MEDFW_OK)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "role name \"%.64s...\" too long",
				      role);
	if (version > 0)
		n = snprintf(out, out_cap, "%s%lld.%s.json", c->metadata_url, (long long)version,
			     quoted);
	else
		n = snprintf(out, out_cap, "%s%s.json", c->metadata_url, quoted);
	if (n < 0 || (size_t)n >= out_cap)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "metadata URL too long");
	return MEDFW_OK;
}

/* ---- lifecycle ---- */

void medfw_tuf_client_free(struct medfw_tuf_client *client)
{
	if (client == NULL)
		return;
	medfwi_tuf_trusted_free(&client->trusted);
	free(client->metadata_dir);
	free(client->metadata_url);
	free(client->target_url);
	free(client);
}

enum medfw_err medfw_tuf_client_new(struct medfw_ctx *ctx, const struct medfw_fetcher *fetcher,
				    const char *metadata_dir, const char *metadata_base_url,
				    const char *target_base_url, struct medfw_tuf_client **out,
				    struct medfw_diag *diag)
{
	struct medfw_tuf_client *c = NULL;
	struct medfw_buf root;
	char path[PATH_MAX];
	enum medfw_err err;

	*out = NULL;
	medfw_buf_init(&root, MEDFW_TUF_ROOT_MAX_LEN);
	if (ctx == NULL || fetcher == NULL || metadata_dir == NULL || metadata_base_url == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "TUF client needs a metadata directory and URL");
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return MEDFW_ERR_NOMEM;
	c->ctx = ctx;
	c->fetcher = fetcher;
	c->metadata_dir = strdup(metadata_dir);
	c->metadata_url = with_slash(metadata_base_url);
	c->target_url = target_base_url != NULL ? with_slash(target_base_url) : NULL;
	if (c->metadata_dir == NULL || c->metadata_url == NULL ||
	    (target_base_url != NULL && c->target_url == NULL)) {
		err = MEDFW_ERR_NOMEM;
		goto fail;
	}
	err = local_path(c, "root", path, sizeof(path), diag);
	if (err == MEDFW_OK)
		err = medfw_file_read(path, MEDFW_TUF_ROOT_MAX_LEN, &root, diag);
	if (err == MEDFW_OK)
		err = medfwi_tuf_trusted_init(&c->trusted, root.data, root.len, medfw_ctx_now(ctx),
					      diag);
	if (err != MEDFW_OK)
		goto fail;
	medfw_buf_free(&root);
	medfw_log(ctx, MEDFW_LOG_DEBUG, "tuf.client.root", "trusted root v%lld loaded",
		  (long long)c->trusted.root->version);
	*out = c;
	return MEDFW_OK;
fail:
	medfw_buf_free(&root);
	medfw_tuf_client_free(c);
	return err;
}

const struct medfw_tuf_meta *medfw_tuf_client_trusted(const struct medfw_tuf_client *client,
						      const char *role_name)
{
	return medfwi_tuf_trusted_get(&client->trusted, role_name);
}

/* ---- metadata I/O ---- */

/* The local copy of a role, if any (an unreadable one counts as absent). */
static int read_local(const struct medfw_tuf_client *c, const char *role, size_t max_len,
		      struct medfw_buf *out)
{
	char path[PATH_MAX];

	medfw_buf_init(out, max_len);
	if (local_path(c, role, path, sizeof(path), NULL) != MEDFW_OK)
		return 0;
	return medfw_file_read(path, max_len, out, NULL) == MEDFW_OK;
}

static enum medfw_err persist(const struct medfw_tuf_client *c, const char *role,
			      const struct medfw_buf *data, struct medfw_diag *diag)
{
	char path[PATH_MAX];
	enum medfw_err err = local_path(c, role, path, sizeof(path), diag);

	if (err == MEDFW_OK)
		err = medfw_file_write_atomic(path, data->data, data->len, 0644, diag);
	return err;
}

static enum medfw_err download_metadata(const struct medfw_tuf_client *c, const char *role,
					int64_t version, size_t max_len, struct medfw_buf *out,
					int *out_status, struct medfw_diag *diag)
{
	char url[MEDFW_FETCH_URL_MAX];
	enum medfw_err err;

	*out_status = 0;
	medfw_buf_init(out, max_len);
	err = metadata_url(c, role, version, url, sizeof(url), diag);
	if (err != MEDFW_OK)
		return err;
	medfw_log(c->ctx, MEDFW_LOG_DEBUG, "tuf.client.fetch", "fetching %s", url);
	return c->fetcher->fetch(c->fetcher->user, url, max_len, out, out_status, diag);
}

static enum medfw_err load_root(struct medfw_tuf_client *c, struct medfw_diag *diag)
{
	int64_t lower = c->trusted.root->version + 1;
	int64_t upper = lower + MEDFW_TUF_MAX_ROOT_ROTATIONS;

	for (int64_t v = lower; v < upper; v++) {
		struct medfw_buf data;
		struct medfw_diag fetch_diag;
		enum medfw_err err;
		int status;

		medfw_diag_clear(&fetch_diag);
		err = download_metadata(c, "root", v, MEDFW_TUF_ROOT_MAX_LEN, &data, &status,
					&fetch_diag);
		if (err != MEDFW_OK) {
			medfw_buf_free(&data);
			if (err == MEDFW_ERR_FETCH && (status == 404 || status == 403))
				return MEDFW_OK; /* the trusted root is the newest */
			return medfw_diag_set(diag, err, "root v%lld: %s", (long long)v,
					      medfw_diag_message(&fetch_diag, err));
		}
		err = medfwi_tuf_trusted_update_root(&c->trusted, data.data, data.len, diag);
		if (err == MEDFW_OK)
			err = persist(c, "root", &data, diag);
		medfw_buf_free(&data);
		if (err != MEDFW_OK)
			return err;
		medfw_log(c->ctx, MEDFW_LOG_INFO, "tuf.client.root", "updated to root v%lld",
			  (long long)v);
	}
	return MEDFW_OK;
}

static enum medfw_err load_timestamp(struct medfw_tuf_client *c, struct medfw_diag *diag)
{
	struct medfw_buf data;
	enum medfw_err err;
	int equal = 0, status;

	if (read_local(c, "timestamp", MEDFW_TUF_TIMESTAMP_MAX_LEN, &data)) {
		/* Invalid or expired local files are fine: they are only a baseline. */
		if (medfwi_tuf_trusted_update_timestamp(&c->trusted, data.data, data.len, &equal,
							NULL) != MEDFW_OK)
			medfw_log(c->ctx, MEDFW_LOG_DEBUG, "tuf.client.local",
				  "local timestamp is not valid as final");
	}
	medfw_buf_free(&data);
	err = download_metadata(c, "timestamp", 0, MEDFW_TUF_TIMESTAMP_MAX_LEN, &data, &status,
				diag);
	if (err == MEDFW_OK)
		err = medfwi_tuf_trusted_update_timestamp(&c->trusted, data.data, data.len, &equal,
							  diag);
	if (err == MEDFW_OK && !equal)
		err = persist(c, "timestamp", &data, diag);
	medfw_buf_free(&data);
	return err;
}

static enum medfw_err load_snapshot(struct medfw_tuf_client *c, struct medfw_diag *diag)
{
	const struct medfw_tuf_metafile *sm;
	struct medfw_buf data;
	enum medfw_err err;
	size_t max_len = MEDFW_TUF_SNAPSHOT_MAX_LEN;
	int status;

	if (read_local(c, "snapshot", MEDFW_TUF_SNAPSHOT_MAX_LEN, &data) &&
	    medfwi_tuf_trusted_update_snapshot(&c->trusted, data.data, data.len, 1, NULL) ==
		    MEDFW_OK) {
		medfw_buf_free(&data);
		return MEDFW_OK; /* local snapshot is valid: not downloading a new one */
	}
	medfw_buf_free(&data);
	if (c->trusted.timestamp == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_STATE, "no trusted timestamp");
	sm = medfw_tuf_meta_file(c->trusted.timestamp, "snapshot.json");
	if (sm->length > 0 && (uint64_t)sm->length <= SIZE_MAX)
		max_len = (size_t)sm->length;
	err = download_metadata(c, "snapshot",
				c->trusted.root->consistent_snapshot ? sm->version : 0, max_len,
				&data, &status, diag);
	if (err == MEDFW_OK)
		err = medfwi_tuf_trusted_update_snapshot(&c->trusted, data.data, data.len, 0, diag);
	if (err == MEDFW_OK)
		err = persist(c, "snapshot", &data, diag);
	medfw_buf_free(&data);
	return err;
}

static enum medfw_err load_targets(struct medfw_tuf_client *c, const char *role,
				   const char *parent, const struct medfw_tuf_meta **out,
				   struct medfw_diag *diag)
{
	const struct medfw_tuf_metafile *mf;
	struct medfw_buf data;
	char file[MEDFW_TUF_NAME_MAX + 8];
	enum medfw_err err;
	size_t max_len = MEDFW_TUF_TARGETS_MAX_LEN;
	int status, n;

	*out = medfwi_tuf_trusted_get(&c->trusted, role);
	if (*out != NULL)
		return MEDFW_OK; /* loaded once per client */
	if (c->trusted.snapshot == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_STATE, "no trusted snapshot");
	if (read_local(c, role, MEDFW_TUF_TARGETS_MAX_LEN, &data) &&
	    medfwi_tuf_trusted_update_targets(&c->trusted, data.data, data.len, role, parent,
					      NULL) == MEDFW_OK) {
		medfw_buf_free(&data);
		*out = medfwi_tuf_trusted_get(&c->trusted, role);
		return MEDFW_OK;
	}
	medfw_buf_free(&data);
	n = snprintf(file, sizeof(file), "%s.json", role);
	if (n < 0 || (size_t)n >= sizeof(file))
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "role name \"%.64s...\" too long",
				      role);
	mf = medfw_tuf_meta_file(c->trusted.snapshot, file);
	if (mf == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
				      "role \"%.200s\" was delegated but is not in snapshot.json",
				      role);
	if (mf->length > 0 && (uint64_t)mf->length <= SIZE_MAX)
		max_len = (size_t)mf->length;
	err = download_metadata(c, role, c->trusted.root->consistent_snapshot ? mf->version : 0,
				max_len, &data, &status, diag);
	if (err == MEDFW_OK)
		err = medfwi_tuf_trusted_update_targets(&c->trusted, data.data, data.len, role,
							parent, diag);
	if (err == MEDFW_OK)
		err = persist(c, role, &data, diag);
	medfw_buf_free(&data);
	if (err == MEDFW_OK)
		*out = medfwi_tuf_trusted_get(&c->trusted, role);
	return err;
}

enum medfw_err medfw_tuf_client_refresh(struct medfw_tuf_client *c, struct medfw_diag *diag)
{
	const struct medfw_tuf_meta *targets;
	enum medfw_err err;

	if (c->refreshed)
		return medfw_diag_set(diag, MEDFW_ERR_STATE, "refresh can be done only once");
	c->refreshed = 1;
	err = load_root(c, diag);
	if (err == MEDFW_OK)
		err = load_timestamp(c, diag);
	if (err == MEDFW_OK)
		err = load_snapshot(c, diag);
	if (err == MEDFW_OK)
		err = load_targets(c, "targets", "root", &targets, diag);
	medfw_log(c->ctx, err == MEDFW_OK ? MEDFW_LOG_INFO : MEDFW_LOG_ERROR,
		  err == MEDFW_OK ? "tuf.verify.ok" : "tuf.verify.fail", "refresh: %s",
		  medfw_diag_message(diag, err));
	return err;
}

/* ---- delegation walk ---- */

struct visit {
	char *role;
	char *parent;
};

struct visit_stack {
	struct visit *items;
	size_t count, cap;
};

static void visit_free(struct visit *v)
{
	free(v->role);
	free(v->parent);
	v->role = NULL;
	v->parent = NULL;
}

static void stack_clear(struct visit_stack *s)
{
	for (size_t i = 0; i < s->count; i++)
		visit_free(&s->items[i]);
	s->count = 0;
}

static enum medfw_err stack_push(struct visit_stack *s, const char *role, const char *parent)
{
	struct visit v = {strdup(role), strdup(parent)};

	if (v.role == NULL || v.parent == NULL) {
		visit_free(&v);
		return MEDFW_ERR_NOMEM;
	}
	if (s->count == s->cap) {
		size_t cap = s->cap == 0 ? 16 : s->cap * 2;
		struct visit *grown = realloc(s->items, cap * sizeof(*grown));

		if (grown == NULL) {
			visit_free(&v);
			return MEDFW_ERR_NOMEM;
		}
		s->items = grown;
		s->cap = cap;
	}
	s->items[s->count++] = v;
	return MEDFW_OK;
}

static int name_in(char **names, size_t count, const char *name)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(names[i], name) == 0)
			return 1;
	return 0;
}

/* Push the roles of `targets` responsible for path, so the first is popped first. */
static enum medfw_err push_children(struct visit_stack *stack, const struct medfw_tuf_meta *t,
				    const char *role, const char *path)
{
	struct visit_stack children = {0};
	enum medfw_err err = MEDFW_OK;

	if (t->has_succinct_roles) {
		char bin[MEDFW_TUF_NAME_MAX + 16];

		err = medfw_tuf_succinct_role_for(&t->succinct, path, bin, sizeof(bin));
		if (err == MEDFW_OK)
			err = stack_push(&children, bin, role);
	} else {
		for (size_t i = 0; err == MEDFW_OK && i < t->delegated_count; i++) {
			const struct medfw_tuf_delegated_role *d = &t->delegated[i];

			if (!medfw_tuf_delegation_matches(d, path))
				continue;
			err = stack_push(&children, d->keys.name, role);
			if (err == MEDFW_OK && d->terminating) {
				stack_clear(stack); /* no backtracking past this role */
				break;
			}
		}
	}
	for (size_t i = children.count; err == MEDFW_OK && i > 0; i--)
		err = stack_push(stack, children.items[i - 1].role, children.items[i - 1].parent);
	stack_clear(&children);
	free(children.items);
	return err;
}

enum medfw_err medfw_tuf_client_get_target_info(struct medfw_tuf_client *c,
						const char *target_path,
						const struct medfw_tuf_target **out,
						struct medfw_diag *diag)
{
	struct visit_stack stack = {0};
	char *visited[MEDFW_TUF_MAX_DELEGATIONS + 1];
	size_t visited_count = 0;
	enum medfw_err err;

	*out = NULL;
	if (strlen(target_path) > MEDFW_TUF_PATH_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "target path too long");
	if (c->trusted.targets == NULL) {
		err = medfw_tuf_client_refresh(c, diag);
		if (err != MEDFW_OK)
			return err;
	}
	err = stack_push(&stack, "targets", "root");
	while (err == MEDFW_OK && visited_count <= MEDFW_TUF_MAX_DELEGATIONS && stack.count > 0) {
		struct visit v = stack.items[--stack.count];
		const struct medfw_tuf_meta *t = NULL;
		const struct medfw_tuf_target *found;

		if (name_in(visited, visited_count, v.role)) {
			visit_free(&v);
			continue; /* cycles */
		}
		err = load_targets(c, v.role, v.parent, &t, diag);
		if (err != MEDFW_OK) {
			visit_free(&v);
			break;
		}
		found = medfw_tuf_targets_find(t, target_path);
		if (found != NULL) {
			*out = found;
			visit_free(&v);
			break;
		}
		visited[visited_count++] = v.role;
		free(v.parent);
		if (t->has_delegations)
			err = push_children(&stack, t, visited[visited_count - 1], target_path);
	}
	for (size_t i = 0; i < visited_count; i++)
		free(visited[i]);
	stack_clear(&stack);
	free(stack.items);
	if (err != MEDFW_OK)
		return err;
	if (*out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
				      "target \"%.200s\" is not listed by any role responsible for it",
				      target_path);
	return MEDFW_OK;
}

/* ---- targets ---- */

enum medfw_err medfw_tuf_client_target_file_path(const char *target_dir,
						 const struct medfw_tuf_target *info,
						 char *out_path, size_t out_cap)
{
	char quoted[3 * MEDFW_TUF_PATH_MAX + 1];
	int n;

	if (out_cap > 0)
		out_path[0] = 0;
	if (info->path[0] == 0 || strcmp(info->path, ".") == 0 || strcmp(info->path, "..") == 0)
		return MEDFW_ERR_INVALID_ARG; /* would name target_dir or its parent */
	if (strlen(info->path) > MEDFW_TUF_PATH_MAX ||
	    medfw_tuf_quote(info->path, quoted, sizeof(quoted)) != MEDFW_OK)
		return MEDFW_ERR_TOO_LARGE;
	n = snprintf(out_path, out_cap, "%s/%s", target_dir, quoted);
	if (n < 0 || (size_t)n >= out_cap) {
		if (out_cap > 0)
			out_path[0] = 0;
		return MEDFW_ERR_TOO_LARGE;
	}
	return MEDFW_OK;
}

static enum medfw_err check_file(const char *path, const struct medfw_tuf_target *info,
				 struct medfw_diag *diag)
{
	struct medfw_tuf_hash_check *hc = NULL;
	enum medfw_err err;
	uint8_t *chunk = NULL;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "%s: %s", path, strerror(errno));
	chunk = malloc(COPY_CHUNK);
	err = chunk == NULL ? MEDFW_ERR_NOMEM
			    : medfw_tuf_hash_check_new(info->length, info->hashes, info->path, &hc,
						       diag);
	while (err == MEDFW_OK) {
		ssize_t got = read(fd, chunk, COPY_CHUNK);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", path, strerror(errno));
			break;
		}
		if (got == 0) {
			err = medfw_tuf_hash_check_finish(hc, diag);
			break;
		}
		err = medfw_tuf_hash_check_update(hc, chunk, (size_t)got, diag);
	}
	medfw_tuf_hash_check_free(hc);
	free(chunk);
	close(fd);
	return err;
}

enum medfw_err medfw_tuf_client_find_cached_target(const struct medfw_tuf_client *client,
						   const struct medfw_tuf_target *info,
						   const char *target_dir, char *out_path,
						   size_t out_cap, struct medfw_diag *diag)
{
	char path[PATH_MAX];
	enum medfw_err err;

	(void)client;
	if (out_cap > 0)
		out_path[0] = 0;
	err = medfw_tuf_client_target_file_path(target_dir, info, path, sizeof(path));
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, "%s: target file path too long", target_dir);
	if (check_file(path, info, NULL) != MEDFW_OK)
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "%s: no verified copy", path);
	if (strlen(path) >= out_cap)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: path too long", path);
	memcpy(out_path, path, strlen(path) + 1);
	return MEDFW_OK;
}

struct download_state {
	struct medfw_tuf_hash_check *hc;
	int fd;
	const char *tmp;
};

static enum medfw_err write_target(void *user, const void *data, size_t len,
				   struct medfw_diag *diag)
{
	struct download_state *st = user;
	const uint8_t *p = data;
	enum medfw_err err = medfw_tuf_hash_check_update(st->hc, data, len, diag);

	while (err == MEDFW_OK && len > 0) {
		ssize_t n = write(st->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", st->tmp,
					      n < 0 ? strerror(errno) : "short write");
		p += n;
		len -= (size_t)n;
	}
	return err;
}

/* target_base_url + dir/ + [HASH.]basename */
static enum medfw_err target_url(const struct medfw_tuf_client *c,
				 const struct medfw_tuf_target *info, char *out, size_t out_cap,
				 struct medfw_diag *diag)
{
	const char *slash = strrchr(info->path, '/');
	size_t dir_len = slash != NULL ? (size_t)(slash - info->path) + 1 : 0;
	const char *prefix = "", *dot = "";
	int n;

	if (c->trusted.root->consistent_snapshot) {
		void *it = json_object_iter((json_t *)(uintptr_t)info->hashes);
		const json_t *first = it != NULL ? json_object_iter_value(it) : NULL;

		if (!json_is_string(first))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s: no hash for the URL",
					      info->path);
		prefix = json_string_value(first);
		dot = ".";
	}
	n = snprintf(out, out_cap, "%s%.*s%s%s%s", c->target_url, (int)dir_len, info->path, prefix,
		     dot, info->path + dir_len);
	if (n < 0 || (size_t)n >= out_cap)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: URL too long", info->path);
	return MEDFW_OK;
}

enum medfw_err medfw_tuf_client_target_url(const struct medfw_tuf_client *c,
					   const struct medfw_tuf_target *info, char *out,
					   size_t out_cap, struct medfw_diag *diag)
{
	if (out_cap > 0)
		out[0] = 0;
	if (c->target_url == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no target base URL");
	if (c->trusted.root == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_STATE, "no trusted root");
	return target_url(c, info, out, out_cap, diag);
}

enum medfw_err medfw_tuf_client_download_target(struct medfw_tuf_client *c,
						const struct medfw_tuf_target *info,
						const char *target_dir, char *out_path,
						size_t out_cap, struct medfw_diag *diag)
{
	struct download_state st = {.hc = NULL, .fd = -1, .tmp = NULL};
	struct medfw_diag fetch_diag;
	char final_path[PATH_MAX], tmp[PATH_MAX], url[MEDFW_FETCH_URL_MAX];
	char quoted[3 * MEDFW_TUF_PATH_MAX + 1];
	enum medfw_err err;
	int status = 0, n;

	if (out_cap > 0)
		out_path[0] = 0;
	if (c->target_url == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no target base URL");
	if (c->fetcher->fetch_stream == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "fetcher cannot stream");
	err = medfw_tuf_client_target_file_path(target_dir, info, final_path, sizeof(final_path));
	if (err == MEDFW_OK && medfw_tuf_quote(info->path, quoted, sizeof(quoted)) != MEDFW_OK)
		err = MEDFW_ERR_TOO_LARGE;
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, "%s: no usable file name for target \"%.200s\"",
				      target_dir, info->path);
	/* Hidden and unique: never mistaken for a verified target. */
	n = snprintf(tmp, sizeof(tmp), "%s/.%s.part-XXXXXX", target_dir, quoted);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: target file path too long",
				      target_dir);
	err = target_url(c, info, url, sizeof(url), diag);
	if (err != MEDFW_OK)
		return err;
	err = medfw_mkdir_p(target_dir, 0755, diag);
	if (err != MEDFW_OK)
		return err;
	err = medfw_tuf_hash_check_new(info->length, info->hashes, info->path, &st.hc, diag);
	if (err != MEDFW_OK)
		return err;
	st.fd = mkstemp(tmp);
	if (st.fd < 0) {
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	st.tmp = tmp;
	medfw_log(c->ctx, MEDFW_LOG_DEBUG, "tuf.client.fetch", "fetching %s", url);
	medfw_diag_clear(&fetch_diag);
	err = c->fetcher->fetch_stream(c->fetcher->user, url, (uint64_t)info->length, write_target,
				       &st, &status, &fetch_diag);
	if (err == MEDFW_ERR_TOO_LARGE) /* the fetcher stopped at the signed length */
		err = medfw_diag_set(diag, MEDFW_ERR_LENGTH_MISMATCH,
				     "%s: longer than the signed length %lld", info->path,
				     (long long)info->length);
	else if (err != MEDFW_OK)
		err = medfw_diag_set(diag, err, "%s", medfw_diag_message(&fetch_diag, err));
	if (err == MEDFW_OK)
		err = medfw_tuf_hash_check_finish(st.hc, diag);
	if (err == MEDFW_OK && (fchmod(st.fd, 0644) != 0 || fsync(st.fd) != 0))
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", tmp, strerror(errno));
	if (close(st.fd) != 0 && err == MEDFW_OK)
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", tmp, strerror(errno));
	st.fd = -1;
	if (err == MEDFW_OK && rename(tmp, final_path) != 0)
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", final_path, strerror(errno));
	if (err == MEDFW_OK)
		err = medfw_fsync_parent(final_path, diag);
out:
	if (st.fd >= 0)
		close(st.fd);
	if (err != MEDFW_OK && st.tmp != NULL)
		unlink(tmp);
	medfw_tuf_hash_check_free(st.hc);
	if (err == MEDFW_OK) {
		if (strlen(final_path) >= out_cap)
			return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: path too long",
					      final_path);
		memcpy(out_path, final_path, strlen(final_path) + 1);
		medfw_log(c->ctx, MEDFW_LOG_INFO, "tuf.target.ok", "%s verified and stored",
			  info->path);
	} else {
		medfw_log(c->ctx, MEDFW_LOG_ERROR, "tuf.target.fail", "%s: %s", info->path,
			  medfw_diag_message(diag, err));
	}
	return err;
}
