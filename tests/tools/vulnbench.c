/* vulnbench — the vulnerability benchmark's driver (bench/vuln.py runs it). Not part of
 * any product program; a test tool linked with libmedfw.
 *
 *   vulnbench load PATH...
 *       Load every PATH (a feed file or directory) into one feed set with
 *       medfw_feed_set_load, the loader behind `medfw vuln match --feed`.
 *   vulnbench store-import --data-dir DIR --list FILE
 *       Import every feed file named in FILE (one path a line) into the medfwd store
 *       DIR/medfwd.db with medfw_store_vuln_import, one call (one transaction) a file.
 *   vulnbench store-sboms --data-dir DIR --releases FILE.json
 *       Store each release's SBOM (medfw_sbom_parse + medfw_store_release_sbom_put);
 *       FILE.json is a list of {"target", "model", "date", "security_version", "sbom"}.
 *   vulnbench store-reevaluate --data-dir DIR
 *       medfw_store_vuln_reevaluate once, then count the stored findings by status.
 *   vulnbench match --releases FILE.json PATH...
 *       The library alone: PATH... into a feed set, the index, then medfw_vuln_match of
 *       each release's SBOM in turn (one in memory at a time), findings counted by
 *       status.
 *
 * Each prints one JSON object on standard output: what was done, its wall time per
 * phase (seconds, CLOCK_MONOTONIC) and the process's peak RSS (getrusage ru_maxrss,
 * KiB). Errors go to standard error with the library's message; exit 1 (2: usage).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <jansson.h>

#include "medfw/buf.h"
#include "medfw/crypto.h"
#include "medfw/ctx.h"
#include "medfw/error.h"
#include "medfw/sbom.h"
#include "medfw/store.h"
#include "medfw/store_vuln.h"
#include "medfw/vuln_feed.h"
#include "medfw/vuln_matcher.h"

#define LIST_MAX (64u * 1024u * 1024u)     /* a list file or releases file */
#define PATH_MAX_LEN 4096u
#define PROBLEMS_SHOWN 20u

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long max_rss_kib(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	return ru.ru_maxrss;
}

static int fail(const char *what, enum medfw_err err, const struct medfw_diag *diag)
{
	fprintf(stderr, "vulnbench: %s: %s (%s)\n", what, medfw_diag_message(diag, err),
		medfw_err_name(err));
	return 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: vulnbench load PATH...\n"
			"       vulnbench store-import --data-dir DIR --list FILE\n"
			"       vulnbench store-sboms --data-dir DIR --releases FILE.json\n"
			"       vulnbench store-reevaluate --data-dir DIR\n"
			"       vulnbench match --releases FILE.json PATH...\n");
	return 2;
}

/* Print `o` (stolen) on standard output. */
static int emit(json_t *o)
{
	char *text;

	if (o == NULL) {
		fprintf(stderr, "vulnbench: out of memory\n");
		return 1;
	}
	json_object_set_new(o, "max_rss_kib", json_integer(max_rss_kib()));
	text = json_dumps(o, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(o);
	if (text == NULL) {
		fprintf(stderr, "vulnbench: out of memory\n");
		return 1;
	}
	printf("%s\n", text);
	free(text);
	return 0;
}

static json_t *format_counts(const size_t counts[MEDFW_FEED_FORMAT_COUNT])
{
	json_t *o = json_object();

	for (int f = MEDFW_FEED_OSV; o != NULL && f <= MEDFW_FEED_KEV; f++)
		json_object_set_new(o, medfw_feed_format_name((enum medfw_feed_format)f),
				    json_integer((json_int_t)counts[f]));
	return o;
}

/* Load PATHs into `set`; fills the load's figures into `o`. */
static int load_paths(struct medfw_feed_set *set, char **paths, int n, json_t *o)
{
	struct medfw_feed_stats st;
	size_t records[MEDFW_FEED_FORMAT_COUNT] = {0}, files = 0, added = 0, updated = 0;
	struct medfw_diag diag;
	json_t *problems = json_array();
	enum medfw_err err;
	double t0 = now_s();

	for (int i = 0; i < n; i++) {
		size_t a = 0, u = 0;

		medfw_diag_clear(&diag);
		err = medfw_feed_set_load(set, paths[i], &st, &a, &u, &diag);
		if (err != MEDFW_OK) {
			json_decref(problems);
			return fail(paths[i], err, &diag);
		}
		files += st.files;
		added += a;
		updated += u;
		for (int f = 0; f < MEDFW_FEED_FORMAT_COUNT; f++)
			records[f] += st.records[f];
	}
	json_object_set_new(o, "load_s", json_real(now_s() - t0));
	for (size_t i = 0; problems != NULL && i < medfw_feed_set_problem_count(set) &&
			   i < PROBLEMS_SHOWN;
	     i++) {
		const struct medfw_feed_problem *p = medfw_feed_set_problem(set, i);

		json_array_append_new(problems, json_pack("{s:s, s:s, s:s}", "file", p->file,
							  "json_path", p->json_path, "message",
							  p->message));
	}
	json_object_set_new(o, "files", json_integer((json_int_t)files));
	json_object_set_new(o, "records", format_counts(records));
	json_object_set_new(o, "added", json_integer((json_int_t)added));
	json_object_set_new(o, "updated", json_integer((json_int_t)updated));
	json_object_set_new(o, "kept", json_integer((json_int_t)medfw_feed_set_count(set)));
	json_object_set_new(o, "problem_count",
			    json_integer((json_int_t)medfw_feed_set_problem_count(set)));
	json_object_set_new(o, "problems", problems);
	return 0;
}

static int cmd_load(int argc, char **argv)
{
	struct medfw_feed_set *set;
	json_t *o = json_object();
	int rc;

	if (argc < 1) {
		json_decref(o);
		return usage();
	}
	set = medfw_feed_set_new();
	if (set == NULL || o == NULL) {
		json_decref(o);
		medfw_feed_set_free(set);
		return fail("load", MEDFW_ERR_NOMEM, NULL);
	}
	rc = load_paths(set, argv, argc, o);
	medfw_feed_set_free(set);
	if (rc != 0) {
		json_decref(o);
		return rc;
	}
	return emit(o);
}

/* ---------------------------------------------------------------- the store */

struct opened {
	struct medfw_ctx *ctx;
	struct medfw_store *store;
};

static int store_open(const char *data_dir, struct opened *op)
{
	char url[PATH_MAX_LEN + 32];
	struct medfw_diag diag;
	enum medfw_err err;

	memset(op, 0, sizeof(*op));
	if (data_dir == NULL) {
		fprintf(stderr, "vulnbench: --data-dir is required\n");
		return 2;
	}
	if ((size_t)snprintf(url, sizeof(url), "sqlite:%s/medfwd.db", data_dir) >= sizeof(url)) {
		fprintf(stderr, "vulnbench: %s: path too long\n", data_dir);
		return 2;
	}
	medfw_diag_clear(&diag);
	op->ctx = medfw_ctx_new();
	if (op->ctx == NULL)
		return fail("store", MEDFW_ERR_NOMEM, NULL);
	err = medfw_mkdir_p(data_dir, 0700, &diag);
	if (err == MEDFW_OK)
		err = medfw_store_open(op->ctx, url, &op->store, &diag);
	if (err != MEDFW_OK) {
		medfw_ctx_free(op->ctx);
		op->ctx = NULL;
		return fail(url, err, &diag);
	}
	return 0;
}

static void store_close(struct opened *op)
{
	medfw_store_close(op->store);
	medfw_ctx_free(op->ctx);
	memset(op, 0, sizeof(*op));
}

/* The option value after `name` in argv, or NULL. */
static const char *opt(int argc, char **argv, const char *name)
{
	for (int i = 0; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

static int cmd_store_import(int argc, char **argv)
{
	const char *data_dir = opt(argc, argv, "--data-dir"), *list = opt(argc, argv, "--list");
	struct medfw_store_vuln_import *imp = calloc(1, sizeof(*imp));
	size_t added = 0, updated = 0, unchanged = 0, rejected = 0, files = 0;
	size_t records[MEDFW_FEED_FORMAT_COUNT] = {0};
	uint64_t bytes = 0;
	struct medfw_buf names, file;
	struct medfw_diag diag;
	struct opened op;
	enum medfw_err err;
	double t0;
	char *line, *next;
	int rc;

	if (imp == NULL)
		return fail("store-import", MEDFW_ERR_NOMEM, NULL);
	if (list == NULL) {
		free(imp);
		return usage();
	}
	medfw_diag_clear(&diag);
	err = medfw_file_read(list, LIST_MAX, &names, &diag);
	if (err == MEDFW_OK)
		err = medfw_buf_append(&names, "", 1);
	if (err != MEDFW_OK) {
		free(imp);
		return fail(list, err, &diag);
	}
	rc = store_open(data_dir, &op);
	if (rc != 0) {
		medfw_buf_free(&names);
		free(imp);
		return rc;
	}
	t0 = now_s();
	for (line = (char *)names.data; rc == 0 && line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (line[0] == '\0')
			continue;
		medfw_diag_clear(&diag);
		err = medfw_file_read(line, MEDFW_STORE_VULN_FILE_MAX, &file, &diag);
		if (err == MEDFW_OK)
			err = medfw_store_vuln_import(op.store, line, file.data, file.len, imp, &diag);
		if (err != MEDFW_OK) {
			rc = fail(line, err, &diag);
		} else {
			files++;
			bytes += file.len;
			added += imp->added;
			updated += imp->updated;
			unchanged += imp->unchanged;
			rejected += imp->rejected;
			for (int f = 0; f < MEDFW_FEED_FORMAT_COUNT; f++)
				records[f] += imp->records[f];
		}
		medfw_buf_free(&file);
	}
	store_close(&op);
	medfw_buf_free(&names);
	free(imp);
	if (rc != 0)
		return rc;
	return emit(json_pack("{s:I, s:I, s:f, s:I, s:I, s:I, s:I, s:o}", "files", (json_int_t)files,
			      "bytes", (json_int_t)bytes, "import_s", now_s() - t0, "added",
			      (json_int_t)added, "updated", (json_int_t)updated, "unchanged",
			      (json_int_t)unchanged, "rejected", (json_int_t)rejected, "records",
			      format_counts(records)));
}

/* The releases file: a JSON list of objects. */
static json_t *releases_load(const char *path)
{
	struct medfw_buf b;
	struct medfw_diag diag;
	json_error_t jerr;
	json_t *list;
	enum medfw_err err;

	medfw_diag_clear(&diag);
	err = medfw_file_read(path, LIST_MAX, &b, &diag);
	if (err != MEDFW_OK) {
		fail(path, err, &diag);
		return NULL;
	}
	list = json_loadb((const char *)b.data, b.len, JSON_REJECT_DUPLICATES, &jerr);
	medfw_buf_free(&b);
	if (list == NULL || !json_is_array(list)) {
		fprintf(stderr, "vulnbench: %s: not a JSON list (%s)\n", path,
			list == NULL ? jerr.text : "another type");
		json_decref(list);
		return NULL;
	}
	return list;
}

static const char *field(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static void copy_field(char *out, size_t cap, const json_t *o, const char *key)
{
	snprintf(out, cap, "%s", field(o, key));
}

static void sha256_hex(const uint8_t *data, size_t len, char out[65])
{
	uint8_t digest[32];
	size_t n = 0;

	out[0] = '\0';
	if (medfw_hash_oneshot(MEDFW_HASH_SHA256, data, len, digest, sizeof(digest), &n) ==
	    MEDFW_OK)
		(void)medfw_hex_encode(digest, n, out, 65);
}

/* Read and parse one release's SBOM. */
static int sbom_load(const json_t *rel, struct medfw_sbom **out, struct medfw_buf *raw,
		     double *parse_s)
{
	struct medfw_diag diag;
	enum medfw_err err;
	double t0;

	medfw_diag_clear(&diag);
	err = medfw_file_read(field(rel, "sbom"), MEDFW_SBOM_MAX_BYTES, raw, &diag);
	if (err != MEDFW_OK)
		return fail(field(rel, "sbom"), err, &diag);
	t0 = now_s();
	err = medfw_sbom_parse(raw->data, raw->len, NULL, out, &diag);
	*parse_s += now_s() - t0;
	if (err != MEDFW_OK)
		return fail(field(rel, "sbom"), err, &diag);
	return 0;
}

static int cmd_store_sboms(int argc, char **argv)
{
	const char *data_dir = opt(argc, argv, "--data-dir");
	const char *releases = opt(argc, argv, "--releases");
	struct medfw_store_release_sbom *meta = calloc(1, sizeof(*meta));
	size_t components = 0, i;
	struct medfw_diag diag;
	struct opened op;
	json_t *list, *rel;
	double t0 = now_s(), parse_s = 0;
	int rc;

	if (meta == NULL)
		return fail("store-sboms", MEDFW_ERR_NOMEM, NULL);
	if (releases == NULL || (list = releases_load(releases)) == NULL) {
		free(meta);
		return releases == NULL ? usage() : 1;
	}
	rc = store_open(data_dir, &op);
	json_array_foreach(list, i, rel)
	{
		struct medfw_sbom *sbom = NULL;
		struct medfw_buf raw;
		enum medfw_err err;

		if (rc != 0)
			break;
		rc = sbom_load(rel, &sbom, &raw, &parse_s);
		if (rc == 0) {
			memset(meta, 0, sizeof(*meta));
			copy_field(meta->target_name, sizeof(meta->target_name), rel, "target");
			copy_field(meta->model, sizeof(meta->model), rel, "model");
			copy_field(meta->release_date, sizeof(meta->release_date), rel, "date");
			meta->security_version =
				(int64_t)json_integer_value(json_object_get(rel, "security_version"));
			snprintf(meta->product_version, sizeof(meta->product_version), "%lld",
				 (long long)meta->security_version);
			sha256_hex((const uint8_t *)meta->target_name, strlen(meta->target_name),
				   meta->target_sha256);
			sha256_hex(raw.data, raw.len, meta->sbom_sha256);
			medfw_diag_clear(&diag);
			err = medfw_store_release_sbom_put(op.store, meta, sbom, NULL, &diag);
			if (err != MEDFW_OK)
				rc = fail(meta->target_name, err, &diag);
			components += sbom->component_count;
		}
		medfw_sbom_free(sbom);
		medfw_buf_free(&raw);
	}
	if (op.store != NULL)
		store_close(&op);
	json_decref(list);
	free(meta);
	if (rc != 0)
		return rc;
	return emit(json_pack("{s:I, s:I, s:f, s:f}", "releases", (json_int_t)i, "components",
			      (json_int_t)components, "parse_s", parse_s, "total_s", now_s() - t0));
}

static enum medfw_err count_only(void *user, const struct medfw_store_finding *f,
				 const char *detail, size_t len, struct medfw_diag *diag)
{
	(void)user;
	(void)f;
	(void)detail;
	(void)len;
	(void)diag;
	return MEDFW_OK;
}

/* Stored findings by status name. */
static int count_findings(struct medfw_store *store, json_t *out)
{
	for (int s = MEDFW_STORE_FINDING_AFFECTED; s <= MEDFW_STORE_FINDING_UNMATCHED; s++) {
		struct medfw_store_finding_filter f;
		struct medfw_diag diag;
		int64_t total = 0;
		enum medfw_err err;

		memset(&f, 0, sizeof(f));
		f.status = (enum medfw_store_finding_status)s;
		f.kev = -1;
		medfw_diag_clear(&diag);
		err = medfw_store_finding_list(store, &f, 0, 1, count_only, NULL, &total, &diag);
		if (err != MEDFW_OK)
			return fail("finding count", err, &diag);
		json_object_set_new(out,
				    medfw_store_finding_status_name((enum medfw_store_finding_status)s),
				    json_integer((json_int_t)total));
	}
	return 0;
}

static int cmd_store_reevaluate(int argc, char **argv)
{
	const char *data_dir = opt(argc, argv, "--data-dir");
	struct medfw_store_vuln_eval_stats st;
	struct medfw_diag diag;
	struct opened op;
	enum medfw_err err;
	json_t *o, *counts = json_object();
	double t0, wall;
	int rc = store_open(data_dir, &op);

	if (rc != 0) {
		json_decref(counts);
		return rc;
	}
	medfw_diag_clear(&diag);
	t0 = now_s();
	err = medfw_store_vuln_reevaluate(op.store, MEDFW_STORE_CAUSE_FEED, "benchmark", &st, &diag);
	wall = now_s() - t0;
	if (err != MEDFW_OK) {
		store_close(&op);
		json_decref(counts);
		return fail("re-evaluation", err, &diag);
	}
	rc = count_findings(op.store, counts);
	store_close(&op);
	if (rc != 0) {
		json_decref(counts);
		return rc;
	}
	o = json_pack("{s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
		      " s:I, s:I, s:I, s:I, s:I, s:o}",
		      "wall_s", wall, "releases", (json_int_t)st.releases, "components",
		      (json_int_t)st.components, "records", (json_int_t)st.records,
		      "record_problems", (json_int_t)st.record_problems, "evaluations",
		      (json_int_t)st.evaluations, "findings", (json_int_t)st.findings, "inserted",
		      (json_int_t)st.inserted, "updated", (json_int_t)st.updated, "status_changes",
		      (json_int_t)st.status_changes, "unmatched", (json_int_t)st.unmatched,
		      "attempts", (json_int_t)st.attempts, "ms_load", (json_int_t)st.ms_load,
		      "ms_index", (json_int_t)st.ms_index, "ms_match", (json_int_t)st.ms_match,
		      "ms_write", (json_int_t)st.ms_write, "ms_exposures",
		      (json_int_t)st.ms_exposures, "exposures_opened",
		      (json_int_t)st.exposures_opened, "exposures_closed",
		      (json_int_t)st.exposures_closed, "generation", (json_int_t)st.generation,
		      "stored", counts);
	return emit(o);
}

/* ---------------------------------------------------------------- the library alone */

/* Components of `sbom` with at least one finding in `res`. */
static size_t components_with_findings(const struct medfw_sbom *sbom,
				       const struct medfw_match_result *res)
{
	unsigned char *seen = calloc(sbom->component_count + 1, 1);
	size_t n = 0;

	for (size_t k = 0; seen != NULL && k < res->finding_count; k++) {
		size_t c = res->findings[k].component_index;

		if (c < sbom->component_count && !seen[c]) {
			seen[c] = 1;
			n++;
		}
	}
	free(seen);
	return n;
}

static int cmd_match(int argc, char **argv)
{
	const char *releases = opt(argc, argv, "--releases");
	size_t by_status[5] = {0}, components = 0, evaluations = 0, findings = 0, problems = 0;
	size_t with_findings = 0, i;
	struct medfw_feed_set *set = NULL;
	struct medfw_vuln_index *index = NULL;
	struct medfw_diag diag;
	json_t *o = json_object(), *list = NULL, *rel, *counts;
	double t0, index_s = 0, parse_s = 0, match_s = 0, total0 = now_s();
	int rc = 0, first = 0;
	enum medfw_err err;

	while (first < argc && strncmp(argv[first], "--", 2) == 0)
		first += 2;
	if (releases == NULL || first >= argc || o == NULL) {
		json_decref(o);
		return usage();
	}
	list = releases_load(releases);
	set = medfw_feed_set_new();
	if (list == NULL || set == NULL)
		rc = list == NULL ? 1 : fail("match", MEDFW_ERR_NOMEM, NULL);
	if (rc == 0)
		rc = load_paths(set, argv + first, argc - first, o);
	if (rc == 0) {
		medfw_diag_clear(&diag);
		t0 = now_s();
		err = medfw_vuln_index_new(set, NULL, &index, &diag);
		index_s = now_s() - t0;
		if (err != MEDFW_OK)
			rc = fail("index", err, &diag);
	}
	json_array_foreach(list, i, rel)
	{
		struct medfw_sbom *sbom = NULL;
		struct medfw_match_result *res = NULL;
		struct medfw_match_sbom one;
		struct medfw_buf raw;

		if (rc != 0)
			break;
		rc = sbom_load(rel, &sbom, &raw, &parse_s);
		medfw_buf_free(&raw);
		if (rc != 0) {
			medfw_sbom_free(sbom);
			break;
		}
		one.sbom = sbom;
		one.source = field(rel, "target");
		medfw_diag_clear(&diag);
		t0 = now_s();
		err = medfw_vuln_match(index, &one, 1, NULL, 0, &res, &diag);
		match_s += now_s() - t0;
		if (err != MEDFW_OK) {
			rc = fail(one.source, err, &diag);
		} else {
			components += res->components;
			evaluations += res->evaluations;
			findings += res->finding_count;
			problems += res->problem_count;
			for (size_t k = 0; k < res->finding_count; k++)
				if ((unsigned)res->findings[k].status < 5)
					by_status[res->findings[k].status]++;
			with_findings += components_with_findings(sbom, res);
		}
		medfw_match_result_free(res);
		medfw_sbom_free(sbom);
	}
	if (rc == 0) {
		counts = json_object();
		for (int s = 0; counts != NULL && s < 5; s++)
			json_object_set_new(counts,
					    medfw_finding_status_name((enum medfw_finding_status)s),
					    json_integer((json_int_t)by_status[s]));
		json_object_set_new(o, "index_s", json_real(index_s));
		json_object_set_new(o, "index_entries",
				    json_integer((json_int_t)medfw_vuln_index_entry_count(index)));
		json_object_set_new(o, "index_unkeyed",
				    json_integer((json_int_t)medfw_vuln_index_unkeyed_count(index)));
		json_object_set_new(o, "sbom_parse_s", json_real(parse_s));
		json_object_set_new(o, "match_s", json_real(match_s));
		json_object_set_new(o, "total_s", json_real(now_s() - total0));
		json_object_set_new(o, "releases", json_integer((json_int_t)json_array_size(list)));
		json_object_set_new(o, "components", json_integer((json_int_t)components));
		json_object_set_new(o, "components_with_findings",
				    json_integer((json_int_t)with_findings));
		json_object_set_new(o, "evaluations", json_integer((json_int_t)evaluations));
		json_object_set_new(o, "findings", json_integer((json_int_t)findings));
		json_object_set_new(o, "match_problems", json_integer((json_int_t)problems));
		json_object_set_new(o, "by_status", counts);
	}
	medfw_vuln_index_free(index);
	medfw_feed_set_free(set);
	json_decref(list);
	if (rc != 0) {
		json_decref(o);
		return rc;
	}
	return emit(o);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "load") == 0)
		return cmd_load(argc - 2, argv + 2);
	if (strcmp(argv[1], "store-import") == 0)
		return cmd_store_import(argc - 2, argv + 2);
	if (strcmp(argv[1], "store-sboms") == 0)
		return cmd_store_sboms(argc - 2, argv + 2);
	if (strcmp(argv[1], "store-reevaluate") == 0)
		return cmd_store_reevaluate(argc - 2, argv + 2);
	if (strcmp(argv[1], "match") == 0)
		return cmd_match(argc - 2, argv + 2);
	return usage();
}
