/* medfw push: upload a published repository to medfwd (docs/director.md). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "medfw/buf.h"
#include "medfw/crypto.h"
#include "medfw/json.h"
#include "medfw/repo_host.h"
#include "medfw/tuf.h"
#include "medfw/upload.h"

#define TOKEN_MAX 256
#define URL_MAX 4096

struct push {
	struct medfw_uploader *up;
	const char *server;
	const char *token;
	struct medfw_diag *diag;
};

/* Percent-encode a path for a URL, keeping '/'. */
static int encode_path(const char *in, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)in; *p != 0; p++) {
		int keep = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			   (*p >= '0' && *p <= '9') || strchr("-._~/", *p) != NULL;

		if ((keep ? 1u : 3u) >= cap - o)
			return -1;
		if (keep) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = 0;
	return 0;
}

/* Send one request; anything but `want` is a failure naming the server's message. */
static enum medfw_err call(struct push *p, const char *method, const char *path,
			   const struct medfw_upload_body *body, int want, json_t **out_json)
{
	char url[URL_MAX];
	struct medfw_buf resp;
	json_t *doc = NULL;
	int status = 0;
	enum medfw_err err;

	if (out_json != NULL)
		*out_json = NULL;
	if (snprintf(url, sizeof(url), "%s%s", p->server, path) >= (int)sizeof(url))
		return medfw_diag_set(p->diag, MEDFW_ERR_TOO_LARGE, "URL too long");
	err = medfw_upload(p->up, method, url, p->token, body, &status, &resp, p->diag);
	if (err != MEDFW_OK)
		return err;
	if (resp.len > 0 && medfw_json_parse(resp.data, resp.len, resp.max, 16, &doc, NULL) != MEDFW_OK)
		doc = NULL;
	medfw_buf_free(&resp);
	if (status != want) {
		json_t *e = json_object_get(doc, "error");
		const char *msg = json_string_value(json_object_get(e, "message"));
		const char *field = json_string_value(json_object_get(e, "field"));

		err = medfw_diag_set(p->diag, MEDFW_ERR_FETCH, "%s %s: HTTP %d: %s%s%s%s", method,
				     path, status, msg != NULL ? msg : "no message",
				     field != NULL ? " (" : "", field != NULL ? field : "",
				     field != NULL ? ")" : "");
		json_decref(doc);
		return err;
	}
	if (out_json != NULL)
		*out_json = doc;
	else
		json_decref(doc);
	return MEDFW_OK;
}

static enum medfw_err send_file(struct push *p, const char *path, const char *api_path,
				const char *content_type)
{
	struct medfw_upload_body body = {-1, NULL, 0, content_type};
	struct stat st;
	enum medfw_err err;

	body.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (body.fd < 0 || fstat(body.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		err = medfw_diag_set(p->diag, MEDFW_ERR_IO, "%s: %s", path,
				     body.fd < 0 ? strerror(errno) : "not a regular file");
		if (body.fd >= 0)
			close(body.fd);
		return err;
	}
	body.len = (uint64_t)st.st_size;
	err = call(p, "PUT", api_path, &body, 201, NULL);
	close(body.fd);
	return err;
}

/* Parse REPO/metadata/NAME (not verified: the server verifies the whole set). */
static enum medfw_err load_local(struct push *p, const char *repo, const char *name,
				 enum medfw_tuf_role_type type, struct medfw_tuf_meta **out)
{
	char path[PATH_MAX];
	struct medfw_buf b;
	enum medfw_err err;

	*out = NULL;
	if (snprintf(path, sizeof(path), "%s/metadata/%s", repo, name) >= (int)sizeof(path))
		return medfw_diag_set(p->diag, MEDFW_ERR_TOO_LARGE, "%s: path too long", name);
	err = medfw_file_read(path, medfw_tuf_role_max_len(type), &b, p->diag);
	if (err == MEDFW_OK)
		err = medfw_tuf_meta_parse_unverified(b.data, b.len, medfw_tuf_role_max_len(type),
						      type, out, p->diag);
	medfw_buf_free(&b);
	return err;
}

/* Whether the metadata file NAME goes up: the top-level files, every N.root.json, and
 * the delegated roles the snapshot lists. */
static int wanted_metadata(const char *name, const struct medfw_tuf_meta *snap)
{
	static const char *const fixed[] = {"root.json", "timestamp.json", "snapshot.json",
					    "targets.json"};
	size_t digits = strspn(name, "0123456789");

	if (!medfw_repo_host_metadata_name_ok(name))
		return 0;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strcmp(name, fixed[i]) == 0)
			return 1;
	if (digits > 0 && name[digits] == '.')
		return 1; /* N.root.json */
	return medfw_tuf_meta_file(snap, name) != NULL;
}

static enum medfw_err push_metadata(struct push *p, const char *repo,
				    const struct medfw_tuf_meta *snap)
{
	char dir[PATH_MAX], file[PATH_MAX + 512], api[URL_MAX];
	struct dirent **names = NULL;
	int n;
	enum medfw_err err = MEDFW_OK;

	snprintf(dir, sizeof(dir), "%s/metadata", repo);
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return medfw_diag_set(p->diag, MEDFW_ERR_IO, "%s: %s", dir, strerror(errno));
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;

		if (err == MEDFW_OK && wanted_metadata(name, snap)) {
			if (snprintf(file, sizeof(file), "%s/%s", dir, name) >= (int)sizeof(file) ||
			    snprintf(api, sizeof(api), "/api/v1/repository/metadata/%s", name) >=
				    (int)sizeof(api))
				err = medfw_diag_set(p->diag, MEDFW_ERR_TOO_LARGE, "%s: path too long",
						     name);
			else
				err = send_file(p, file, api, "application/json");
		}
		free(names[i]);
	}
	free(names);
	return err;
}

/* Upload every target of one targets role (each streamed from its file). */
static enum medfw_err push_role_targets(struct push *p, const char *repo,
					const struct medfw_tuf_meta *tg, size_t *count)
{
	char path[PATH_MAX], enc[URL_MAX / 2], api[URL_MAX];
	enum medfw_err err = MEDFW_OK;

	for (size_t i = 0; err == MEDFW_OK && i < tg->target_count; i++) {
		const char *t = tg->targets[i].path;

		if (!medfw_repo_host_target_path_ok(t) || encode_path(t, enc, sizeof(enc)) != 0)
			return medfw_diag_set(p->diag, MEDFW_ERR_FIELD_VALUE,
					      "target \"%.200s\": not a path medfwd can host", t);
		if (snprintf(path, sizeof(path), "%s/targets/%s", repo, t) >= (int)sizeof(path) ||
		    snprintf(api, sizeof(api), "/api/v1/repository/targets/%s", enc) >=
			    (int)sizeof(api))
			err = medfw_diag_set(p->diag, MEDFW_ERR_TOO_LARGE, "%s: path too long", t);
		else
			err = send_file(p, path, api, NULL);
		if (err == MEDFW_OK)
			(*count)++;
	}
	return err;
}

/* The targets of targets.json and of every delegated role the snapshot lists. */
static enum medfw_err push_targets(struct push *p, const char *repo,
				   const struct medfw_tuf_meta *snap, size_t *out_count)
{
	enum medfw_err err = MEDFW_OK;

	*out_count = 0;
	for (size_t i = 0; err == MEDFW_OK && i < snap->meta_count; i++) {
		struct medfw_tuf_meta *tg = NULL;

		err = load_local(p, repo, snap->meta[i].name, MEDFW_TUF_TARGETS, &tg);
		if (err == MEDFW_OK)
			err = push_role_targets(p, repo, tg, out_count);
		medfw_tuf_meta_free(tg);
	}
	return err;
}

static enum medfw_err read_token(const char *file, char *out, size_t cap, struct medfw_diag *diag)
{
	struct medfw_buf b;
	size_t n;
	enum medfw_err err = medfw_file_read(file, cap, &b, diag);

	if (err != MEDFW_OK)
		return err;
	n = b.len;
	while (n > 0 && (b.data[n - 1] == '\n' || b.data[n - 1] == '\r'))
		n--;
	if (n == 0 || n >= cap)
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s: no token", file);
	else {
		memcpy(out, b.data, n);
		out[n] = 0;
	}
	medfw_wipe(b.data, b.len);
	medfw_buf_free(&b);
	return err;
}

int cmd_push(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"server", required_argument, NULL, 's'},
		{"token", required_argument, NULL, 't'},
		{"token-file", required_argument, NULL, 'f'},
		{"repo", required_argument, NULL, 'r'},
		{"pin-root", required_argument, NULL, 'p'},
		{"replace-root", no_argument, NULL, 'R'},
		{"ca", required_argument, NULL, 'c'},
		{NULL, 0, NULL, 0},
	};
	const char *repo = NULL, *token_file = NULL, *pin = NULL, *token_arg = NULL, *ca = NULL;
	char token[TOKEN_MAX], server[URL_MAX / 2];
	struct push p;
	struct medfw_diag diag;
	json_t *res = NULL;
	struct medfw_tuf_meta *snap = NULL;
	size_t sent = 0;
	int replace = 0, c;
	enum medfw_err err;

	(void)cli;
	memset(&p, 0, sizeof(p));
	medfw_diag_clear(&diag);
	token[0] = 0;
	server[0] = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': snprintf(server, sizeof(server), "%s", optarg); break;
		case 't': token_arg = optarg; break;
		case 'f': token_file = optarg; break;
		case 'r': repo = optarg; break;
		case 'p': pin = optarg; break;
		case 'R': replace = 1; break;
		case 'c': ca = optarg; break;
		default: return cli_usage_error("push", "unknown option");
		}
	}
	if (optind != argc || server[0] == 0 || repo == NULL)
		return cli_usage_error("push", "give --server URL and --repo DIR");
	if ((token_arg != NULL) + (token_file != NULL) > 1)
		return cli_usage_error("push", "give --token or --token-file, not both");
	if (strncmp(server, "http://", 7) != 0 && strncmp(server, "https://", 8) != 0)
		return cli_usage_error("push", "--server must be an http:// or https:// URL");
	while (strlen(server) > 0 && server[strlen(server) - 1] == '/')
		server[strlen(server) - 1] = 0;
	if (token_file != NULL)
		err = read_token(token_file, token, sizeof(token), &diag);
	else if (token_arg != NULL || getenv("MEDFW_TOKEN") != NULL)
		err = snprintf(token, sizeof(token), "%s",
			       token_arg != NULL ? token_arg : getenv("MEDFW_TOKEN")) <
				      (int)sizeof(token)
			      ? MEDFW_OK
			      : medfw_diag_set(&diag, MEDFW_ERR_TOO_LARGE, "token too long");
	else
		return cli_usage_error("push", "give --token-file FILE (or MEDFW_TOKEN)");
	if (err == MEDFW_OK)
		err = medfw_uploader_new(&p.up, &diag);
	if (err == MEDFW_OK && ca != NULL)
		err = medfw_uploader_set_ca_file(p.up, ca, &diag);
	p.server = server;
	p.token = token;
	p.diag = &diag;
	if (err == MEDFW_OK && pin != NULL) {
		struct medfw_buf root;

		err = medfw_file_read(pin, MEDFW_TUF_ROOT_MAX_LEN, &root, &diag);
		if (err == MEDFW_OK) {
			struct medfw_upload_body body = {-1, root.data, root.len, "application/json"};

			err = call(&p, "POST",
				   replace ? "/api/v1/repository/trusted-root?replace=true"
					   : "/api/v1/repository/trusted-root",
				   &body, 201, NULL);
			medfw_buf_free(&root);
		}
		if (err == MEDFW_OK)
			printf("medfw push: pinned %s as the trusted root\n", pin);
	}
	if (err == MEDFW_OK)
		err = load_local(&p, repo, "snapshot.json", MEDFW_TUF_SNAPSHOT, &snap);
	if (err == MEDFW_OK)
		err = call(&p, "DELETE", "/api/v1/repository/staging", NULL, 200, NULL);
	if (err == MEDFW_OK)
		err = push_metadata(&p, repo, snap);
	if (err == MEDFW_OK)
		err = push_targets(&p, repo, snap, &sent);
	if (err == MEDFW_OK)
		err = call(&p, "POST", "/api/v1/repository/commit", NULL, 200, &res);
	medfw_wipe(token, sizeof(token));
	medfw_tuf_meta_free(snap);
	medfw_uploader_free(p.up);
	if (err != MEDFW_OK)
		return cli_fail("push", err, &diag);
	printf("medfw push: committed root %lld, timestamp %lld, snapshot %lld, targets %lld "
	       "(%lld delegated roles, %lld targets served, %zu uploaded)\n",
	       (long long)json_integer_value(json_object_get(res, "root_version")),
	       (long long)json_integer_value(json_object_get(res, "timestamp_version")),
	       (long long)json_integer_value(json_object_get(res, "snapshot_version")),
	       (long long)json_integer_value(json_object_get(res, "targets_version")),
	       (long long)json_integer_value(json_object_get(res, "delegated_roles")),
	       (long long)json_integer_value(json_object_get(res, "target_count")), sent);
	json_decref(res);
	return CLI_EXIT_OK;
}
