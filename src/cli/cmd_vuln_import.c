/* medfw vuln import: vulnerability feeds, release SBOMs, VEX files and the product map
 * uploaded to medfwd, one file per request (docs/vulnerabilities.md, "medfw vuln
 * import"). Everything named on the command line is checked first (the token file, every
 * PATH walked, every other file present): a problem there is a usage error and nothing is
 * sent. Then each file goes up on its own; what the server did with it is printed, a file
 * it refuses is reported and the others still go. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "medfw/buf.h"
#include "medfw/crypto.h"
#include "medfw/json.h"
#include "medfw/num.h"
#include "medfw/sbom.h"
#include "medfw/upload.h"
#include "medfw/vex.h"
#include "medfw/vuln_feed.h"
#include "medfw/vuln_matcher.h"

#define CMD "vuln import"
#define TOKEN_MAX 256
#define URL_MAX 4096
#define SERVER_MAX 2048
#define NAME_MAX_SENT 255 /* the server's MEDFW_STORE_VULN_SOURCE_MAX */
#define MAX_INPUTS 256    /* of each kind of option */
#define PROBLEMS_SHOWN 32 /* the server reports the first 32 rejected records */
#define WAIT_DEFAULT 600  /* seconds for the re-evaluation of what was sent */
#define WAIT_MAX 86400
#define POLL_MS 500

/* One file to send: where it is, and the name the server records it under. */
struct item {
	char *path;
	char *name;
	int walked; /* found by a directory walk: opened without following a link */
};

struct items {
	struct item *v;
	size_t n, cap;
};

struct sbom_arg {
	const char *target;
	const char *file;
};

struct inputs {
	const char *server, *token_file, *product_map, *ca_file;
	uint64_t wait; /* seconds */
	const char *paths[MAX_INPUTS], *vex[MAX_INPUTS];
	struct sbom_arg sbom[MAX_INPUTS];
	size_t path_count, vex_count, sbom_count;
};

struct importer {
	struct medfw_uploader *up;
	char server[SERVER_MAX];
	char token[TOKEN_MAX];
	int stop; /* the server cannot be reached or refuses the token: nothing more goes */
	size_t files, accepted, refused;
	size_t added, updated, unchanged, rejected;
	int64_t generation; /* the highest generation a change was queued in; -1: none */
};

/* ---------------------------------------------------------------- output */

/* "medfw vuln import: WHAT: [PREFIX]MESSAGE" on stderr (prefix: our own words). */
static void complain(const char *what, const char *prefix, const char *msg)
{
	fputs("medfw " CMD ": ", stderr);
	cli_put_safe(stderr, what, 4096);
	fputs(": ", stderr);
	if (prefix != NULL)
		fputs(prefix, stderr);
	cli_put_safe(stderr, msg, 2 * MEDFW_DIAG_MSG_MAX);
	fputc('\n', stderr);
}

static size_t json_count(const json_t *obj, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(obj, key));

	return v > 0 ? (size_t)v : 0;
}

/* The server's error answer as one line: "HTTP 400 invalid_feed: message". */
static void server_error(int status, const json_t *doc, char *out, size_t cap)
{
	const json_t *e = json_object_get(doc, "error");
	const char *code = json_string_value(json_object_get(e, "code"));
	const char *msg = json_string_value(json_object_get(e, "message"));

	snprintf(out, cap, "HTTP %d %s: %s", status, code != NULL ? code : "error",
		 msg != NULL ? msg : "(no message)");
}

/* After an accepted change: the server queued its re-evaluation in this generation. */
static void note_evaluation(struct importer *imp, const json_t *doc)
{
	const json_t *ev = json_object_get(doc, "evaluation");
	json_int_t g = json_integer_value(json_object_get(ev, "generation"));

	if (json_is_true(json_object_get(ev, "queued")) && g > imp->generation)
		imp->generation = g;
}

static int parse_args(int argc, char **argv, struct inputs *in)
{
	static const struct option opts[] = {
		{"server", required_argument, NULL, 's'},
		{"token-file", required_argument, NULL, 't'},
		{"vex", required_argument, NULL, 'v'},
		{"sbom", required_argument, NULL, 'b'},
		{"product-map", required_argument, NULL, 'm'},
		{"ca", required_argument, NULL, 'c'},
		{"wait", required_argument, NULL, 'w'},
		{NULL, 0, NULL, 0},
	};
	char *eq;
	int c;

	memset(in, 0, sizeof(*in));
	in->wait = WAIT_DEFAULT;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': in->server = optarg; break;
		case 't': in->token_file = optarg; break;
		case 'c': in->ca_file = optarg; break;
		case 'w':
			if (medfw_parse_u64(optarg, 0, WAIT_MAX, &in->wait) != MEDFW_OK) {
				cli_usage_error(CMD, "--wait takes seconds from 0 to %d, not '%s'",
						WAIT_MAX, optarg);
				return 0;
			}
			break;
		case 'v':
			if (!cli_add_input(CMD, in->vex, &in->vex_count, MAX_INPUTS, optarg, "--vex"))
				return 0;
			break;
		case 'b':
			eq = strchr(optarg, '=');
			if (eq == NULL || eq == optarg || eq[1] == '\0') {
				cli_usage_error(CMD, "--sbom takes TARGET=FILE, not '%s'", optarg);
				return 0;
			}
			if (in->sbom_count >= MAX_INPUTS) {
				cli_usage_error(CMD, "more than %d --sbom arguments", MAX_INPUTS);
				return 0;
			}
			*eq = '\0'; /* argv is ours */
			in->sbom[in->sbom_count].target = optarg;
			in->sbom[in->sbom_count++].file = eq + 1;
			break;
		case 'm':
			if (in->product_map != NULL) {
				cli_usage_error(CMD, "--product-map given twice");
				return 0;
			}
			in->product_map = optarg;
			break;
		default: cli_usage_error(CMD, "unknown option"); return 0;
		}
	}
	for (; optind < argc; optind++)
		if (!cli_add_input(CMD, in->paths, &in->path_count, MAX_INPUTS, argv[optind], "PATH"))
			return 0;
	if (in->server == NULL) {
		cli_usage_error(CMD, "give --server URL");
		return 0;
	}
	if (strncmp(in->server, "http://", 7) != 0 && strncmp(in->server, "https://", 8) != 0) {
		cli_usage_error(CMD, "--server must be an http:// or https:// URL");
		return 0;
	}
	if (strlen(in->server) >= SERVER_MAX) {
		cli_usage_error(CMD, "--server: URL longer than %d bytes", SERVER_MAX - 1);
		return 0;
	}
	if (in->path_count + in->vex_count + in->sbom_count == 0 && in->product_map == NULL) {
		cli_usage_error(CMD, "nothing to import: give a PATH, --vex, --sbom or "
				     "--product-map");
		return 0;
	}
	return 1;
}

/* The API token: the first line of FILE, else MEDFW_TOKEN. Visible ASCII only (it goes
 * into a header). */
static int read_token(const char *file, char *out, size_t cap)
{
	struct medfw_buf b;
	struct medfw_diag diag;
	const char *env = getenv("MEDFW_TOKEN");
	size_t n = 0;
	int ok = 1;

	out[0] = '\0';
	if (file == NULL && env == NULL) {
		cli_usage_error(CMD, "give --token-file FILE (or set MEDFW_TOKEN)");
		return 0;
	}
	if (file != NULL) {
		enum medfw_err err;

		medfw_diag_clear(&diag);
		err = medfw_file_read(file, cap, &b, &diag);
		if (err != MEDFW_OK) {
			complain("--token-file", NULL, medfw_diag_message(&diag, err));
			return 0;
		}
		n = b.len;
		while (n > 0 && (b.data[n - 1] == '\n' || b.data[n - 1] == '\r'))
			n--;
		if (n > 0 && n < cap)
			memcpy(out, b.data, n);
		medfw_wipe(b.data, b.len);
		medfw_buf_free(&b);
	} else {
		n = strlen(env);
		if (n < cap)
			memcpy(out, env, n);
	}
	ok = n > 0 && n < cap;
	for (size_t i = 0; ok && i < n; i++)
		ok = (unsigned char)out[i] > 0x20 && (unsigned char)out[i] < 0x7f;
	if (!ok) {
		medfw_wipe(out, cap);
		complain(file != NULL ? file : "MEDFW_TOKEN", NULL,
			 "no token (one line of visible ASCII, at most 255 bytes)");
		return 0;
	}
	out[n] = '\0';
	return 1;
}

/* ---------------------------------------------------------------- the files */

static void items_free(struct items *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].name);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* The name the server records: `rel`, or its tail after a '/' when it is too long. */
static char *sent_name(const char *rel)
{
	size_t n = strlen(rel);

	while (n > NAME_MAX_SENT) {
		const char *slash = strchr(rel, '/');

		if (slash == NULL) {
			rel += n - NAME_MAX_SENT;
			break;
		}
		rel = slash + 1;
		n = strlen(rel);
	}
	return strdup(rel);
}

static const char *base_name(const char *path)
{
	const char *end = path + strlen(path), *slash;

	while (end > path + 1 && end[-1] == '/')
		end--;
	for (slash = end; slash > path && slash[-1] != '/'; slash--)
		;
	return slash;
}

static enum medfw_err items_add(struct items *l, const char *path, const char *rel, int walked,
				struct medfw_diag *diag)
{
	struct item *it;

	if (l->n >= MEDFW_FEED_MAX_FILES)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: more than %u files", path,
				      MEDFW_FEED_MAX_FILES);
	if (l->n == l->cap) {
		size_t cap = l->cap == 0 ? 64 : l->cap * 2;
		struct item *v = realloc(l->v, cap * sizeof(*v));

		if (v == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
		l->v = v;
		l->cap = cap;
	}
	it = &l->v[l->n];
	it->path = strdup(path);
	it->name = sent_name(rel);
	it->walked = walked;
	if (it->path == NULL || it->name == NULL) {
		free(it->path);
		free(it->name);
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	}
	l->n++;
	return MEDFW_OK;
}

static int ends_with_json(const char *name)
{
	size_t n = strlen(name);

	return n >= 5 && strcasecmp(name + n - 5, ".json") == 0;
}

/* Walk a feed directory as the library's loader does (medfw/vuln_feed.h): name order,
 * at most MEDFW_FEED_MAX_DEPTH levels, *.json regular files, hidden names skipped,
 * symbolic links not followed. `rel` is the path below the PATH argument. */
static enum medfw_err walk(const char *dir, const char *rel, unsigned depth, struct items *l,
			   struct medfw_diag *diag)
{
	char **names = NULL;
	char *path = NULL, *sub = NULL;
	size_t n = 0, i;
	struct stat st;
	enum medfw_err err = medfw_feed_dir_list(dir, &names, &n, diag);

	if (err != MEDFW_OK)
		return err;
	path = malloc(MEDFW_FEED_PATH_MAX);
	sub = malloc(MEDFW_FEED_PATH_MAX);
	if (path == NULL || sub == NULL)
		err = medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	for (i = 0; err == MEDFW_OK && i < n; i++) {
		int w = snprintf(path, MEDFW_FEED_PATH_MAX, "%s/%s", dir, names[i]);
		int r = snprintf(sub, MEDFW_FEED_PATH_MAX, "%s%s%s", rel, rel[0] ? "/" : "",
				 names[i]);

		if (w < 0 || (size_t)w >= MEDFW_FEED_PATH_MAX || r < 0 ||
		    (size_t)r >= MEDFW_FEED_PATH_MAX) {
			err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
					     "%s: an entry's path is longer than %u bytes", dir,
					     MEDFW_FEED_PATH_MAX - 1);
			break;
		}
		if (lstat(path, &st) != 0) {
			err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", path, strerror(errno));
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			if (depth >= MEDFW_FEED_MAX_DEPTH)
				err = medfw_diag_set(diag, MEDFW_ERR_TOO_DEEP,
						     "%s: directories nested more than %u levels "
						     "deep",
						     path, MEDFW_FEED_MAX_DEPTH);
			else
				err = walk(path, sub, depth + 1, l, diag);
		} else if (S_ISREG(st.st_mode) && ends_with_json(names[i])) {
			err = items_add(l, path, sub, 1, diag);
		} /* links, devices, other names: not followed, not sent */
	}
	medfw_feed_dir_free(names, n);
	free(path);
	free(sub);
	return err;
}

/* A PATH argument: a file (sent whatever its name) or a directory (walked). */
static enum medfw_err collect(const char *path, struct items *l, struct medfw_diag *diag)
{
	struct stat st;

	if (path[0] == '\0' || strlen(path) >= MEDFW_FEED_PATH_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "a PATH is empty or longer than %u bytes",
				      MEDFW_FEED_PATH_MAX - 1);
	if (stat(path, &st) != 0)
		return medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return walk(path, "", 0, l, diag);
	if (!S_ISREG(st.st_mode))
		return medfw_diag_set(diag, MEDFW_ERR_IO, "%s: neither a regular file nor a "
							  "directory",
				      path);
	return items_add(l, path, base_name(path), 0, diag);
}

/* A file named by --sbom, --vex or --product-map must be there before anything goes. */
static int check_file(const char *opt, const char *path)
{
	char what[MEDFW_FEED_PATH_MAX + 32];
	struct stat st;
	int ok = stat(path, &st) == 0, saved = errno;

	if (ok && S_ISREG(st.st_mode))
		return 1;
	snprintf(what, sizeof(what), "%s %s", opt, path);
	complain(what, NULL, ok ? "not a regular file" : strerror(saved));
	return 0;
}

/* ---------------------------------------------------------------- requests */

/* Percent-encode for a URL path (keep_slash) or a query value. */
static int encode(const char *in, int keep_slash, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)in; *p != 0; p++) {
		int keep = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			   (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL ||
			   (keep_slash && *p == '/');

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
	out[o] = '\0';
	return 0;
}

enum sent {
	SENT_ANSWERED = 0, /* the server answered: *status and *doc */
	SENT_LOCAL = 1,    /* this file failed (unreadable, too large, odd answer): reported */
	SENT_STOP = 2,     /* the server cannot be reached: reported, imp->stop set */
};

/* METHOD api_path with the file's bytes (at most `max` of them, the largest file the
 * server could ever take of this kind). */
static enum sent send_file(struct importer *imp, const char *method, const char *api_path,
			   const struct item *it, uint64_t max, int *status, json_t **doc)
{
	struct medfw_upload_body body = {-1, NULL, 0, "application/json"};
	char url[URL_MAX], msg[128];
	struct medfw_buf resp;
	struct medfw_diag diag;
	struct stat st;
	enum medfw_err err;

	*status = 0;
	*doc = NULL;
	body.fd = open(it->path, O_RDONLY | O_CLOEXEC | (it->walked ? O_NOFOLLOW : 0));
	if (body.fd < 0 || fstat(body.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		complain(it->path, NULL, body.fd < 0 ? strerror(errno) : "not a regular file");
		if (body.fd >= 0)
			close(body.fd);
		return SENT_LOCAL;
	}
	if ((uint64_t)st.st_size > max) {
		snprintf(msg, sizeof(msg), "%llu bytes, more than medfwd takes of this kind (%llu)",
			 (unsigned long long)st.st_size, (unsigned long long)max);
		complain(it->path, "not sent: ", msg);
		close(body.fd);
		return SENT_LOCAL;
	}
	body.len = (uint64_t)st.st_size;
	if (snprintf(url, sizeof(url), "%s%s", imp->server, api_path) >= (int)sizeof(url)) {
		complain(it->path, NULL, "the request URL is too long");
		close(body.fd);
		return SENT_LOCAL;
	}
	medfw_diag_clear(&diag);
	err = medfw_upload(imp->up, method, url, imp->token, &body, status, &resp, &diag);
	close(body.fd);
	if (err == MEDFW_ERR_FETCH) {
		complain(it->path, "not sent: cannot reach the server: ",
			 medfw_diag_message(&diag, err));
		imp->stop = 1;
		return SENT_STOP;
	}
	if (err != MEDFW_OK) { /* the file could not be read, an answer too large */
		complain(it->path, NULL, medfw_diag_message(&diag, err));
		return SENT_LOCAL;
	}
	if (resp.len > 0 &&
	    medfw_json_parse(resp.data, resp.len, resp.max, 16, doc, NULL) != MEDFW_OK)
		*doc = NULL;
	medfw_buf_free(&resp);
	return SENT_ANSWERED;
}

/* Anything but `want` (or `want2`, 0: none): the file was refused. 401 and 403 stop the
 * run: every other request would be refused as well. Returns 1 when accepted. */
static int answer_ok(struct importer *imp, const struct item *it, int status, const json_t *doc,
		     int want, int want2, uint64_t size)
{
	char line[2 * MEDFW_DIAG_MSG_MAX];

	if (status == want || (want2 != 0 && status == want2))
		return 1;
	server_error(status, doc, line, sizeof(line));
	if (status == 413) {
		char msg[128];

		snprintf(msg, sizeof(msg), "%llu bytes, larger than the server accepts (its "
					   "max_body_bytes); skipped",
			 (unsigned long long)size);
		complain(it->path, "refused: ", msg);
		fputs("  ", stderr);
		cli_put_safe(stderr, line, sizeof(line));
		fputc('\n', stderr);
		return 0;
	}
	complain(it->path, "refused: ", line);
	if (status == 401 || status == 403) {
		fputs("medfw " CMD ": stopping: the server refuses this token (it needs "
		      "vulns.write, manufacturer-wide)\n",
		      stderr);
		imp->stop = 1;
	}
	return 0;
}

static uint64_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && st.st_size > 0 ? (uint64_t)st.st_size : 0;
}

/* One request and its answer; 1 accepted (doc set), 0 refused (reported). */
static int exchange(struct importer *imp, const char *method, const char *api_path,
		    const struct item *it, uint64_t max, int want, int want2, int *out_status,
		    json_t **doc)
{
	int status = 0;

	imp->files++;
	if (send_file(imp, method, api_path, it, max, &status, doc) != SENT_ANSWERED) {
		imp->refused++;
		return 0;
	}
	*out_status = status;
	if (!answer_ok(imp, it, status, *doc, want, want2, file_size(it->path))) {
		json_decref(*doc);
		*doc = NULL;
		imp->refused++;
		return 0;
	}
	imp->accepted++;
	return 1;
}

static void import_feed(struct importer *imp, const struct item *it)
{
	char enc[3 * NAME_MAX_SENT + 1], api[URL_MAX];
	const json_t *problems, *p;
	json_t *doc = NULL;
	size_t rejected, i;
	int status = 0;

	if (encode(it->name, 0, enc, sizeof(enc)) != 0 ||
	    snprintf(api, sizeof(api), "/api/v1/vulnerabilities/import?name=%s", enc) >=
		    (int)sizeof(api)) {
		imp->files++;
		imp->refused++;
		complain(it->path, NULL, "its name is too long to be sent");
		return;
	}
	if (!exchange(imp, "POST", api, it, MEDFW_FEED_MAX_FILE_BYTES, 200, 0, &status, &doc))
		return;
	rejected = json_count(doc, "rejected");
	imp->added += json_count(doc, "added");
	imp->updated += json_count(doc, "updated");
	imp->unchanged += json_count(doc, "unchanged");
	imp->rejected += rejected;
	fputs("feed ", stdout);
	cli_put_safe(stdout, it->path, MEDFW_FEED_PATH_MAX);
	printf(": added %zu, updated %zu, unchanged %zu, rejected %zu\n", json_count(doc, "added"),
	       json_count(doc, "updated"), json_count(doc, "unchanged"), rejected);
	problems = json_object_get(doc, "problems");
	json_array_foreach((json_t *)(uintptr_t)problems, i, p) {
		fputs("  rejected ", stdout);
		cli_put_safe(stdout, json_string_value(json_object_get(p, "json_path")), 128);
		fputs(": ", stdout);
		cli_put_safe(stdout, json_string_value(json_object_get(p, "error")), 64);
		fputs(": ", stdout);
		cli_put_safe(stdout, json_string_value(json_object_get(p, "message")),
			 MEDFW_DIAG_MSG_MAX);
		fputc('\n', stdout);
	}
	if (rejected > json_array_size(problems))
		printf("  ... and %zu more rejected records (the server lists the first %d)\n",
		       rejected - json_array_size(problems), PROBLEMS_SHOWN);
	note_evaluation(imp, doc);
	json_decref(doc);
}

static void import_sbom(struct importer *imp, const struct sbom_arg *s)
{
	char enc[URL_MAX / 2], api[URL_MAX];
	struct item it = {(char *)(uintptr_t)s->file, NULL, 0};
	json_t *doc = NULL;
	int status = 0;

	if (encode(s->target, 1, enc, sizeof(enc)) != 0 ||
	    snprintf(api, sizeof(api), "/api/v1/releases/%s/sbom", enc) >= (int)sizeof(api)) {
		imp->files++;
		imp->refused++;
		complain(s->target, NULL, "the release name is too long to be sent");
		return;
	}
	if (!exchange(imp, "PUT", api, &it, MEDFW_SBOM_MAX_BYTES, 201, 200, &status, &doc))
		return;
	fputs("sbom ", stdout);
	cli_put_safe(stdout, s->target, 1024);
	fputs(" (", stdout);
	cli_put_safe(stdout, s->file, MEDFW_FEED_PATH_MAX);
	printf("): %s, %zu components, model ", status == 201 ? "stored" : "replaced",
	       json_count(doc, "components"));
	cli_put_safe(stdout, json_string_value(json_object_get(doc, "model")), 256);
	printf(", %s\n", json_is_true(json_object_get(doc, "sbom_signed"))
				 ? "the signed SBOM target"
				 : "not (yet) a signed target of the repository");
	note_evaluation(imp, doc);
	json_decref(doc);
}

/* A file sent under its base name (?name=): VEX files and the product map. */
static int send_named(struct importer *imp, const char *method, const char *api_base,
		      const char *path, uint64_t max, int want, int want2, json_t **doc)
{
	char enc[3 * NAME_MAX_SENT + 1], api[URL_MAX];
	struct item it = {(char *)(uintptr_t)path, NULL, 0};
	char *name = sent_name(base_name(path));
	int status = 0, ok;

	*doc = NULL;
	ok = name != NULL && encode(name, 0, enc, sizeof(enc)) == 0 &&
	     snprintf(api, sizeof(api), "%s?name=%s", api_base, enc) < (int)sizeof(api);
	free(name);
	if (!ok) {
		imp->files++;
		imp->refused++;
		complain(path, NULL, "its name is too long to be sent");
		return 0;
	}
	return exchange(imp, method, api, &it, max, want, want2, &status, doc);
}

static void import_vex(struct importer *imp, const char *path)
{
	json_t *doc = NULL;

	if (!send_named(imp, "POST", "/api/v1/vulnerabilities/vex", path, MEDFW_VEX_MAX_BYTES,
			201, 200, &doc))
		return;
	fputs("vex ", stdout);
	cli_put_safe(stdout, path, MEDFW_FEED_PATH_MAX);
	printf(": %zu statements kept, %zu not kept, %s\n", json_count(doc, "statements"),
	       json_count(doc, "problems"),
	       json_is_true(json_object_get(doc, "unchanged")) ? "unchanged" : "added");
	note_evaluation(imp, doc);
	json_decref(doc);
}

static void import_product_map(struct importer *imp, const char *path)
{
	json_t *doc = NULL;

	if (!send_named(imp, "PUT", "/api/v1/vulnerabilities/product-map", path,
			MEDFW_PRODUCT_MAP_MAX_BYTES, 200, 0, &doc))
		return;
	fputs("product map ", stdout);
	cli_put_safe(stdout, path, MEDFW_FEED_PATH_MAX);
	printf(": %zu mappings, %s\n", json_count(doc, "entries"),
	       json_is_true(json_object_get(doc, "unchanged")) ? "unchanged" : "stored");
	note_evaluation(imp, doc);
	json_decref(doc);
}

/* ---------------------------------------------------------------- the re-evaluation */

/* GET the server's re-evaluation state; NULL (reported) when that fails. */
static json_t *evaluation_state(struct importer *imp)
{
	char url[URL_MAX], line[MEDFW_DIAG_MSG_MAX + 64];
	struct medfw_buf resp;
	struct medfw_diag diag;
	json_t *doc = NULL;
	int status = 0;
	enum medfw_err err;

	snprintf(url, sizeof(url), "%s/api/v1/vulnerabilities/evaluation", imp->server);
	medfw_diag_clear(&diag);
	err = medfw_upload(imp->up, "GET", url, imp->token, NULL, &status, &resp, &diag);
	if (err != MEDFW_OK) {
		complain("re-evaluation", "cannot read its state: ", medfw_diag_message(&diag, err));
		return NULL;
	}
	if (resp.len > 0 &&
	    medfw_json_parse(resp.data, resp.len, resp.max, 16, &doc, NULL) != MEDFW_OK)
		doc = NULL;
	medfw_buf_free(&resp);
	if (status != 200 || !json_is_object(doc)) {
		server_error(status, doc, line, sizeof(line));
		complain("re-evaluation", "cannot read its state: ", line);
		json_decref(doc);
		return NULL;
	}
	return doc;
}

static void print_statistics(const json_t *st)
{
	printf("re-evaluated (generation %zu): %zu releases, %zu findings (%zu new, %zu changed, "
	       "%zu status changes)\n",
	       json_count(st, "generation"), json_count(st, "releases"), json_count(st, "findings"),
	       json_count(st, "inserted"), json_count(st, "updated"),
	       json_count(st, "status_changes"));
	if (json_count(st, "product_map_problems") > 0)
		printf("  warning: %zu product map entries name a CSAF product that no stored "
		       "advisory defines\n",
		       json_count(st, "product_map_problems"));
}

/* Wait for the server's background evaluation of everything sent (evaluated_generation
 * reaching the highest generation a change was queued in), at most `seconds`. Returns 0
 * when it failed (reported; the changes are stored and the server tries again). */
static int wait_evaluation(struct importer *imp, uint64_t seconds)
{
	struct timespec start, now, pause = {0, POLL_MS * 1000000L};
	json_int_t failures = -1;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		json_t *doc = evaluation_state(imp), *last;
		json_int_t evaluated, f;

		if (doc == NULL)
			return 0;
		evaluated = json_integer_value(json_object_get(doc, "evaluated_generation"));
		f = json_integer_value(json_object_get(doc, "failures"));
		last = json_object_get(doc, "last");
		if (evaluated >= imp->generation) {
			if (json_is_object(json_object_get(last, "statistics")))
				print_statistics(json_object_get(last, "statistics"));
			else
				printf("re-evaluated (generation %lld)\n", (long long)evaluated);
			json_decref(doc);
			return 1;
		}
		if (failures >= 0 && f > failures && json_is_false(json_object_get(last, "ok"))) {
			complain("re-evaluation", "the changes are stored, but their evaluation "
				 "failed (the server tries again): ",
				 json_string_value(json_object_get(last, "error")));
			json_decref(doc);
			return 0;
		}
		if (failures < 0)
			failures = f;
		json_decref(doc);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((uint64_t)(now.tv_sec - start.tv_sec) >= seconds) {
			printf("re-evaluation: still under way after %llu s (generation %lld of "
			       "%lld evaluated); medfwd finishes it in the background\n",
			       (unsigned long long)seconds, (long long)evaluated,
			       (long long)imp->generation);
			return 1;
		}
		nanosleep(&pause, NULL);
	}
}

/* ---------------------------------------------------------------- the command */

static void run(struct importer *imp, const struct inputs *in, const struct items *feeds)
{
	size_t i;

	/* The map first (it decides what CSAF advisories match), feeds before SBOMs (an
	 * evaluation with no SBOM stored is quick), VEX last. */
	if (in->product_map != NULL)
		import_product_map(imp, in->product_map);
	for (i = 0; !imp->stop && i < feeds->n; i++)
		import_feed(imp, &feeds->v[i]);
	for (i = 0; !imp->stop && i < in->sbom_count; i++)
		import_sbom(imp, &in->sbom[i]);
	for (i = 0; !imp->stop && i < in->vex_count; i++)
		import_vex(imp, in->vex[i]);
}

int cmd_vuln_import(struct cli *cli, int argc, char **argv)
{
	struct inputs in;
	struct items feeds;
	struct importer *imp = NULL;
	struct medfw_diag diag;
	size_t total, i;
	int rc = CLI_EXIT_USAGE, ok = 1, evaluated = 1;
	enum medfw_err err = MEDFW_OK;

	(void)cli;
	memset(&feeds, 0, sizeof(feeds));
	if (!parse_args(argc, argv, &in))
		return CLI_EXIT_USAGE;
	imp = calloc(1, sizeof(*imp));
	if (imp == NULL)
		return cli_fail(CMD, MEDFW_ERR_NOMEM, NULL);
	snprintf(imp->server, sizeof(imp->server), "%s", in.server);
	while (strlen(imp->server) > 8 && imp->server[strlen(imp->server) - 1] == '/')
		imp->server[strlen(imp->server) - 1] = '\0';
	/* everything is checked before anything is sent */
	if (!read_token(in.token_file, imp->token, sizeof(imp->token)))
		goto out;
	medfw_diag_clear(&diag);
	for (i = 0; err == MEDFW_OK && i < in.path_count; i++)
		err = collect(in.paths[i], &feeds, &diag);
	if (err != MEDFW_OK) {
		complain("PATH", NULL, medfw_diag_message(&diag, err));
		goto out;
	}
	for (i = 0; ok && i < in.sbom_count; i++)
		ok = check_file("--sbom", in.sbom[i].file);
	for (i = 0; ok && i < in.vex_count; i++)
		ok = check_file("--vex", in.vex[i]);
	if (ok && in.product_map != NULL)
		ok = check_file("--product-map", in.product_map);
	if (!ok)
		goto out;
	total = feeds.n + in.sbom_count + in.vex_count + (in.product_map != NULL);
	if (total == 0) {
		complain("PATH", NULL, "no *.json file found: nothing to import");
		goto out;
	}
	err = medfw_uploader_new(&imp->up, &diag);
	if (err == MEDFW_OK && in.ca_file != NULL)
		err = medfw_uploader_set_ca_file(imp->up, in.ca_file, &diag);
	if (err != MEDFW_OK) {
		rc = cli_fail(CMD, err, &diag);
		goto out;
	}
	imp->generation = -1;
	run(imp, &in, &feeds);
	if (!imp->stop && imp->generation >= 0 && in.wait > 0)
		evaluated = wait_evaluation(imp, in.wait);
	printf("medfw " CMD ": %zu of %zu files sent: %zu accepted, %zu refused; records: %zu "
	       "added, %zu updated, %zu unchanged, %zu rejected\n",
	       imp->files, total, imp->accepted, imp->refused, imp->added, imp->updated,
	       imp->unchanged, imp->rejected);
	rc = imp->refused == 0 && !imp->stop && imp->files == total && evaluated ? CLI_EXIT_OK
										 : CLI_EXIT_FAIL;
out:
	medfw_uploader_free(imp->up);
	medfw_wipe(imp->token, sizeof(imp->token));
	free(imp);
	items_free(&feeds);
	return rc;
}
