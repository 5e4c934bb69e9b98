/* Feed loading with format detection, and the feed set (include/medfw/vuln_feed.h). */
#include "medfw/vuln_feed.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "medfw/buf.h"
#include "medfw/json.h"
#include "vuln/advjson_int.h"
#include "vuln/feed_int.h"
#include "vuln/strmap_int.h"

/* The deepest nesting any feed format allows (CSAF); each format then checks its own. */
#define DETECT_DEPTH MEDFW_CSAF_MAX_DEPTH
#define KEV_ID "cisa-kev"

const char *medfw_feed_format_name(enum medfw_feed_format format)
{
	switch (format) {
	case MEDFW_FEED_OSV:
		return "osv";
	case MEDFW_FEED_NVD:
		return "nvd";
	case MEDFW_FEED_CVE5:
		return "cve5";
	case MEDFW_FEED_CSAF:
		return "csaf";
	case MEDFW_FEED_KEV:
		return "kev";
	}
	return "unknown";
}

void medfw_feed_record_clear(struct medfw_feed_record *rec)
{
	if (rec == NULL)
		return;
	switch (rec->format) {
	case MEDFW_FEED_OSV:
		medfw_osv_free(rec->u.osv);
		break;
	case MEDFW_FEED_NVD:
		medfw_nvd_record_free(rec->u.nvd);
		break;
	case MEDFW_FEED_CVE5:
		medfw_cve5_record_free(rec->u.cve5);
		break;
	case MEDFW_FEED_CSAF:
		medfw_csaf_free(rec->u.csaf);
		break;
	case MEDFW_FEED_KEV:
		medfw_kev_free(rec->u.kev);
		break;
	}
	free(rec->file);
	free(rec->json_path);
	memset(rec, 0, sizeof(*rec));
}

/* ------------------------------------------------------------------ loading */

struct loader {
	const struct medfw_feed_sink *sink;
	struct medfw_feed_stats *stats;
	size_t files_seen; /* regular files looked at, against MEDFW_FEED_MAX_FILES */
};

static void problem(struct loader *ld, const char *file, const char *json_path,
		    enum medfw_err err, const char *fmt, ...) MEDFW_PRINTF(5, 6);

static void problem(struct loader *ld, const char *file, const char *json_path,
		    enum medfw_err err, const char *fmt, ...)
{
	struct medfw_feed_problem p;
	va_list ap;

	memset(&p, 0, sizeof(p));
	snprintf(p.file, sizeof(p.file), "%s", file);
	snprintf(p.json_path, sizeof(p.json_path), "%s", json_path);
	p.err = err;
	va_start(ap, fmt);
	vsnprintf(p.message, sizeof(p.message), fmt, ap);
	va_end(ap);
	ld->stats->problems++;
	if (ld->sink->problem != NULL)
		ld->sink->problem(ld->sink->arg, &p);
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s);
	char *p = malloc(n + 1);

	if (p != NULL)
		memcpy(p, s, n + 1);
	return p;
}

/* Hand one parsed object to the sink. `obj` is freed here when anything fails. */
static enum medfw_err deliver(struct loader *ld, enum medfw_feed_format format, void *obj,
			      const char *file, const char *json_path, struct medfw_diag *diag)
{
	struct medfw_feed_record rec;

	memset(&rec, 0, sizeof(rec));
	rec.format = format;
	switch (format) {
	case MEDFW_FEED_OSV:
		rec.u.osv = obj;
		rec.id = rec.u.osv->id;
		rec.modified = rec.u.osv->modified;
		break;
	case MEDFW_FEED_NVD:
		rec.u.nvd = obj;
		rec.id = rec.u.nvd->id;
		rec.modified = rec.u.nvd->last_modified;
		break;
	case MEDFW_FEED_CVE5:
		rec.u.cve5 = obj;
		rec.id = rec.u.cve5->id;
		rec.modified = rec.u.cve5->date_updated;
		break;
	case MEDFW_FEED_CSAF:
		rec.u.csaf = obj;
		rec.id = rec.u.csaf->tracking_id;
		rec.modified = rec.u.csaf->current_release_date;
		break;
	case MEDFW_FEED_KEV:
		rec.u.kev = obj;
		rec.id = KEV_ID;
		rec.modified = rec.u.kev->date_released;
		break;
	}
	rec.file = dup_str(file);
	rec.json_path = dup_str(json_path);
	if (rec.file == NULL || rec.json_path == NULL) {
		medfw_feed_record_clear(&rec);
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "feed: out of memory");
	}
	ld->stats->records[format]++;
	return ld->sink->record(ld->sink->arg, &rec, diag);
}

/* Nesting depth of a JSON value (a scalar is 0, [] is 1), stopping past `limit`. */
static unsigned json_depth(const json_t *v, unsigned limit)
{
	unsigned best = 0, d;

	if (limit == 0)
		return 1;
	if (json_is_object(v)) {
		const char *k;
		json_t *x;

		json_object_foreach((json_t *)(uintptr_t)v, k, x) {
			d = json_depth(x, limit - 1);
			if (d > best)
				best = d;
			if (best >= limit)
				break;
		}
		return best + 1;
	}
	if (json_is_array(v)) {
		size_t i;

		for (i = 0; i < json_array_size(v) && best < limit; i++) {
			d = json_depth(json_array_get(v, i), limit - 1);
			if (d > best)
				best = d;
		}
		return best + 1;
	}
	return 0;
}

/* One OSV record from a parsed value; a failure is a problem of that record. */
static enum medfw_err osv_item(struct loader *ld, const json_t *v, const char *file,
			       const char *json_path, struct medfw_diag *diag)
{
	struct medfw_osv_record *r = NULL;
	struct medfw_diag d;
	enum medfw_err err;

	if (json_depth(v, MEDFW_OSV_MAX_DEPTH) > MEDFW_OSV_MAX_DEPTH) {
		problem(ld, file, json_path, MEDFW_ERR_TOO_DEEP,
			"OSV record: nested deeper than %u levels", MEDFW_OSV_MAX_DEPTH);
		return MEDFW_OK;
	}
	medfw_diag_clear(&d);
	err = medfw_osv_parse_json(v, &r, &d);
	if (err == MEDFW_ERR_NOMEM)
		return medfw_diag_set(diag, err, "feed %s: out of memory", file);
	if (err != MEDFW_OK) {
		problem(ld, file, json_path, err, "%s", medfw_diag_message(&d, err));
		return MEDFW_OK;
	}
	return deliver(ld, MEDFW_FEED_OSV, r, file, json_path, diag);
}

static enum medfw_err osv_array(struct loader *ld, const json_t *arr, const char *key,
				const char *file, struct medfw_diag *diag)
{
	char p[MEDFW_FEED_JSON_PATH_MAX];
	size_t i;
	enum medfw_err err;

	if (json_array_size(arr) > MEDFW_FEED_MAX_OSV_ARRAY) {
		problem(ld, file, "", MEDFW_ERR_TOO_LARGE, "OSV array: more than %u records",
			MEDFW_FEED_MAX_OSV_ARRAY);
		return MEDFW_OK;
	}
	for (i = 0; i < json_array_size(arr); i++) {
		snprintf(p, sizeof(p), "%s[%zu]", key, i);
		err = osv_item(ld, json_array_get(arr, i), file, p, diag);
		if (err != MEDFW_OK)
			return err;
	}
	return MEDFW_OK;
}

static enum medfw_err nvd_page(struct loader *ld, const json_t *root, const char *file,
			       struct medfw_diag *diag)
{
	struct medfw_nvd_page *page = NULL;
	struct medfw_diag d;
	char p[MEDFW_FEED_JSON_PATH_MAX];
	size_t i, rec = 0, er = 0, n;
	enum medfw_err err;

	if (json_depth(root, MEDFW_NVD_MAX_DEPTH) > MEDFW_NVD_MAX_DEPTH) {
		problem(ld, file, "", MEDFW_ERR_TOO_DEEP, "NVD page: nested deeper than %u levels",
			MEDFW_NVD_MAX_DEPTH);
		return MEDFW_OK;
	}
	medfw_diag_clear(&d);
	err = medfwi_nvd_page_from_json(root, &page, &d);
	if (err == MEDFW_ERR_NOMEM)
		return medfw_diag_set(diag, err, "feed %s: out of memory", file);
	if (err != MEDFW_OK) {
		problem(ld, file, "", err, "%s", medfw_diag_message(&d, err));
		return MEDFW_OK;
	}
	/* records and errors are both in page order: walk the indexes */
	n = page->record_count + page->error_count;
	for (i = 0; i < n && err == MEDFW_OK; i++) {
		if (er < page->error_count && page->errors[er].index == i) {
			const struct medfw_nvd_page_error *e = &page->errors[er++];

			snprintf(p, sizeof(p), "vulnerabilities[%zu]", i);
			problem(ld, file, p, e->err, "%s%s%s", e->id, e->id[0] != '\0' ? ": " : "",
				e->message);
			continue;
		}
		snprintf(p, sizeof(p), "vulnerabilities[%zu].cve", i);
		err = deliver(ld, MEDFW_FEED_NVD, page->records[rec], file, p, diag);
		page->records[rec++] = NULL;
	}
	medfw_nvd_page_free(page);
	return err;
}

/* A document parsed from bytes by its own parser (CSAF, KEV, NVD single record when
 * it is too deep to be checked on the tree). */
static enum medfw_err whole_file(struct loader *ld, enum medfw_feed_format format,
				 const uint8_t *data, size_t len, const char *file,
				 struct medfw_diag *diag)
{
	struct medfw_diag d;
	void *obj = NULL;
	enum medfw_err err = MEDFW_ERR_INVALID_ARG;

	medfw_diag_clear(&d);
	if (format == MEDFW_FEED_CSAF) {
		struct medfw_csaf_doc *doc = NULL;

		err = medfw_csaf_parse(data, len, &doc, &d);
		obj = doc;
	} else if (format == MEDFW_FEED_KEV) {
		struct medfw_kev_catalog *kev = NULL;

		err = medfw_kev_parse(data, len, &kev, &d);
		obj = kev;
	}
	if (err == MEDFW_ERR_NOMEM)
		return medfw_diag_set(diag, err, "feed %s: out of memory", file);
	if (err != MEDFW_OK) {
		problem(ld, file, "", err, "%s", medfw_diag_message(&d, err));
		return MEDFW_OK;
	}
	return deliver(ld, format, obj, file, "", diag);
}

/* A record parsed from the detection tree (NVD single CVE, CVE 5). */
static enum medfw_err tree_record(struct loader *ld, enum medfw_feed_format format,
				  const json_t *v, size_t len, const char *file,
				  struct medfw_diag *diag)
{
	size_t max_bytes = format == MEDFW_FEED_NVD ? MEDFW_NVD_MAX_RECORD_BYTES
						    : MEDFW_CVE5_MAX_RECORD_BYTES;
	unsigned max_depth = format == MEDFW_FEED_NVD ? MEDFW_NVD_MAX_DEPTH : MEDFW_CVE5_MAX_DEPTH;
	const char *what = format == MEDFW_FEED_NVD ? "NVD record" : "CVE 5 record";
	const char *path = "";
	struct medfw_diag d;
	void *obj = NULL;
	enum medfw_err err;

	if (len > max_bytes) {
		problem(ld, file, "", MEDFW_ERR_TOO_LARGE, "%s: %zu bytes, more than %zu", what,
			len, max_bytes);
		return MEDFW_OK;
	}
	if (json_depth(v, max_depth) > max_depth) {
		problem(ld, file, "", MEDFW_ERR_TOO_DEEP, "%s: nested deeper than %u levels", what,
			max_depth);
		return MEDFW_OK;
	}
	medfw_diag_clear(&d);
	if (format == MEDFW_FEED_NVD) {
		struct medfw_nvd_record *r = NULL;

		if (json_object_get(v, "id") == NULL && json_is_object(json_object_get(v, "cve"))) {
			v = json_object_get(v, "cve");
			path = "cve";
		}
		err = medfw_nvd_record_from_json(v, "cve", &r, &d);
		obj = r;
	} else {
		struct medfw_cve5_record *r = NULL;

		err = medfw_cve5_record_from_json(v, "record", &r, &d);
		obj = r;
	}
	if (err == MEDFW_ERR_NOMEM)
		return medfw_diag_set(diag, err, "feed %s: out of memory", file);
	if (err != MEDFW_OK) {
		problem(ld, file, "", err, "%s", medfw_diag_message(&d, err));
		return MEDFW_OK;
	}
	return deliver(ld, format, obj, file, path, diag);
}

static int has(const json_t *obj, const char *key)
{
	return json_object_get(obj, key) != NULL;
}

enum detected {
	D_UNKNOWN = 0,
	D_OSV_ARRAY,
	D_OSV_VULNS,
	D_OSV,
	D_NVD_PAGE,
	D_NVD_RECORD,
	D_CVE5,
	D_CSAF,
	D_KEV,
};

static enum detected detect(const json_t *root)
{
	const json_t *s;

	if (json_is_array(root))
		return D_OSV_ARRAY;
	if (!json_is_object(root))
		return D_UNKNOWN;
	s = json_object_get(root, "dataType");
	if (json_is_string(s) && strcmp(json_string_value(s), "CVE_RECORD") == 0)
		return D_CVE5;
	s = json_object_get(root, "document");
	if (json_is_object(s) && has(s, "csaf_version"))
		return D_CSAF;
	if (has(root, "catalogVersion") && has(root, "vulnerabilities"))
		return D_KEV;
	s = json_object_get(root, "format");
	if (json_is_string(s) && strcmp(json_string_value(s), "NVD_CVE") == 0)
		return D_NVD_PAGE;
	if (s != NULL)
		return D_UNKNOWN; /* another NVD API (NVD_CPEMatchString, NVD_CPE) */
	if ((json_is_object(json_object_get(root, "cve")) && !has(root, "id")) ||
	    (has(root, "id") && has(root, "lastModified")))
		return D_NVD_RECORD;
	if (json_is_array(json_object_get(root, "vulns")))
		return D_OSV_VULNS;
	if (has(root, "id") && has(root, "modified"))
		return D_OSV;
	return D_UNKNOWN;
}

static enum medfw_err load_bytes(struct loader *ld, const char *file, const uint8_t *data,
				 size_t len, struct medfw_diag *diag)
{
	json_t *root = NULL;
	struct medfw_diag d;
	enum medfw_err err;
	enum detected kind;

	ld->stats->files++;
	medfw_diag_clear(&d);
	err = medfw_json_parse(data, len, MEDFW_FEED_MAX_FILE_BYTES, DETECT_DEPTH, &root, &d);
	if (err == MEDFW_ERR_NOMEM)
		return medfw_diag_set(diag, err, "feed %s: out of memory", file);
	if (err != MEDFW_OK) {
		problem(ld, file, "", err, "%s", medfw_diag_message(&d, err));
		return MEDFW_OK;
	}
	kind = detect(root);
	switch (kind) {
	case D_OSV_ARRAY:
		err = osv_array(ld, root, "", file, diag);
		break;
	case D_OSV_VULNS:
		err = osv_array(ld, json_object_get(root, "vulns"), "vulns", file, diag);
		break;
	case D_OSV:
		if (len > MEDFW_OSV_MAX_BYTES)
			problem(ld, file, "", MEDFW_ERR_TOO_LARGE,
				"OSV record: %zu bytes, more than %u", len, MEDFW_OSV_MAX_BYTES);
		else
			err = osv_item(ld, root, file, "", diag);
		break;
	case D_NVD_RECORD:
	case D_CVE5:
		err = tree_record(ld, kind == D_CVE5 ? MEDFW_FEED_CVE5 : MEDFW_FEED_NVD, root, len,
				  file, diag);
		break;
	case D_NVD_PAGE:
		err = nvd_page(ld, root, file, diag); /* within MEDFW_NVD_MAX_PAGE_BYTES */
		break;
	case D_CSAF:
	case D_KEV:
		/* their parsers take bytes (and check their own caps): free the tree first */
		json_decref(root);
		root = NULL;
		err = whole_file(ld, kind == D_CSAF ? MEDFW_FEED_CSAF : MEDFW_FEED_KEV, data, len,
				 file, diag);
		break;
	case D_UNKNOWN:
		problem(ld, file, "", MEDFW_ERR_FIELD_VALUE,
			"not a known feed format (OSV, NVD CVE API 2.0, CVE JSON 5, CSAF 2.0, "
			"CISA KEV)");
		break;
	}
	json_decref(root);
	return err;
}

static enum medfw_err load_file(struct loader *ld, const char *path, struct medfw_diag *diag)
{
	struct medfw_buf buf;
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	err = medfw_file_read(path, MEDFW_FEED_MAX_FILE_BYTES, &buf, &d);
	if (err == MEDFW_ERR_NOMEM)
		return medfw_diag_set(diag, err, "feed %s: out of memory", path);
	if (err != MEDFW_OK) {
		ld->stats->files++;
		problem(ld, path, "", err, "%s", medfw_diag_message(&d, err));
		return MEDFW_OK;
	}
	err = load_bytes(ld, path, buf.data, buf.len, diag);
	medfw_buf_free(&buf);
	return err;
}

static int ends_with_json(const char *name)
{
	size_t n = strlen(name);
	const char *ext = ".json";
	size_t i;

	if (n < 5)
		return 0;
	for (i = 0; i < 5; i++) {
		char c = name[n - 5 + i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != ext[i])
			return 0;
	}
	return 1;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void medfw_feed_dir_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

enum medfw_err medfw_feed_dir_list(const char *dir, char ***out, size_t *count,
				   struct medfw_diag *diag)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL, **grown;
	size_t n = 0, cap = 0;
	enum medfw_err err = MEDFW_OK;

	*out = NULL;
	*count = 0;
	if (d == NULL)
		return medfw_diag_set(diag, errno == ENOENT ? MEDFW_ERR_NOT_FOUND : MEDFW_ERR_IO,
				      "feed %s: %s", dir, strerror(errno));
	for (;;) {
		errno = 0;
		e = readdir(d);
		if (e == NULL)
			break;
		if (e->d_name[0] == '.')
			continue;
		if (n > MEDFW_FEED_MAX_FILES) {
			err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
					     "feed %s: more than %u entries", dir,
					     MEDFW_FEED_MAX_FILES);
			break;
		}
		if (n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			grown = realloc(names, cap * sizeof(*names));
			if (grown == NULL) {
				err = medfw_diag_set(diag, MEDFW_ERR_NOMEM, "feed: out of memory");
				break;
			}
			names = grown;
		}
		names[n] = dup_str(e->d_name);
		if (names[n] == NULL) {
			err = medfw_diag_set(diag, MEDFW_ERR_NOMEM, "feed: out of memory");
			break;
		}
		n++;
	}
	if (err == MEDFW_OK && errno != 0)
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "feed %s: %s", dir, strerror(errno));
	closedir(d);
	if (err != MEDFW_OK) {
		medfw_feed_dir_free(names, n);
		return err;
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), name_cmp);
	*out = names;
	*count = n;
	return MEDFW_OK;
}

static enum medfw_err walk(struct loader *ld, const char *dir, unsigned depth,
			   struct medfw_diag *diag)
{
	char **names = NULL;
	char *path = NULL;
	size_t n = 0, i;
	struct stat st;
	enum medfw_err err;

	err = medfw_feed_dir_list(dir, &names, &n, diag);
	if (err != MEDFW_OK)
		return err;
	path = malloc(MEDFW_FEED_PATH_MAX);
	if (path == NULL) {
		medfw_feed_dir_free(names, n);
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "feed: out of memory");
	}
	for (i = 0; i < n && err == MEDFW_OK; i++) {
		int w = snprintf(path, MEDFW_FEED_PATH_MAX, "%s/%s", dir, names[i]);

		if (w < 0 || (size_t)w >= MEDFW_FEED_PATH_MAX) {
			problem(ld, dir, "", MEDFW_ERR_TOO_LARGE,
				"an entry's path is longer than %u bytes", MEDFW_FEED_PATH_MAX - 1);
			continue;
		}
		if (lstat(path, &st) != 0) {
			problem(ld, path, "", MEDFW_ERR_IO, "%s", strerror(errno));
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (depth >= MEDFW_FEED_MAX_DEPTH) {
				err = medfw_diag_set(diag, MEDFW_ERR_TOO_DEEP,
						     "feed %s: directories nested more than %u "
						     "levels deep",
						     path, MEDFW_FEED_MAX_DEPTH);
				break;
			}
			err = walk(ld, path, depth + 1, diag);
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue; /* links, devices, sockets: not followed */
		if (++ld->files_seen > MEDFW_FEED_MAX_FILES) {
			err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
					     "feed %s: more than %u files", path,
					     MEDFW_FEED_MAX_FILES);
			break;
		}
		if (ends_with_json(names[i]))
			err = load_file(ld, path, diag);
	}
	free(path);
	medfw_feed_dir_free(names, n);
	return err;
}

static enum medfw_err check_args(const struct medfw_feed_sink *sink,
				 struct medfw_feed_stats *stats, struct medfw_diag *diag)
{
	if (stats != NULL)
		memset(stats, 0, sizeof(*stats));
	if (sink == NULL || sink->record == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "feed: no sink");
	return MEDFW_OK;
}

enum medfw_err medfw_feed_load(const char *path, const struct medfw_feed_sink *sink,
			       struct medfw_feed_stats *stats, struct medfw_diag *diag)
{
	struct medfw_feed_stats local;
	struct loader ld;
	struct stat st;
	enum medfw_err err = check_args(sink, stats, diag);

	if (err != MEDFW_OK)
		return err;
	if (path == NULL || path[0] == '\0' || strlen(path) >= MEDFW_FEED_PATH_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "feed: no path, or a path "
								  "longer than %u bytes",
				      MEDFW_FEED_PATH_MAX - 1);
	memset(&local, 0, sizeof(local));
	ld.sink = sink;
	ld.stats = stats != NULL ? stats : &local;
	ld.files_seen = 0;
	if (stat(path, &st) != 0)
		return medfw_diag_set(diag, errno == ENOENT ? MEDFW_ERR_NOT_FOUND : MEDFW_ERR_IO,
				      "feed %s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return walk(&ld, path, 0, diag);
	if (!S_ISREG(st.st_mode))
		return medfw_diag_set(diag, MEDFW_ERR_IO,
				      "feed %s: neither a regular file nor a directory", path);
	return load_file(&ld, path, diag);
}

enum medfw_err medfw_feed_load_bytes(const char *name, const uint8_t *data, size_t len,
				     const struct medfw_feed_sink *sink,
				     struct medfw_feed_stats *stats, struct medfw_diag *diag)
{
	struct medfw_feed_stats local;
	struct loader ld;
	enum medfw_err err = check_args(sink, stats, diag);

	if (err != MEDFW_OK)
		return err;
	if (name == NULL || (data == NULL && len > 0))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "feed: no name or data");
	memset(&local, 0, sizeof(local));
	ld.sink = sink;
	ld.stats = stats != NULL ? stats : &local;
	ld.files_seen = 0;
	if (len > MEDFW_FEED_MAX_FILE_BYTES) {
		ld.stats->files++;
		problem(&ld, name, "", MEDFW_ERR_TOO_LARGE, "%zu bytes, more than the limit of %u",
			len, MEDFW_FEED_MAX_FILE_BYTES);
		return MEDFW_OK;
	}
	return load_bytes(&ld, name, data != NULL ? data : (const uint8_t *)"", len, diag);
}

/* ---------------------------------------------------------------- the set */

struct medfw_feed_set {
	struct medfw_feed_record *records;
	char **keys; /* "<format>:<id>" of each record, the index's (borrowed) keys */
	size_t count, cap;
	size_t per_format[MEDFW_FEED_FORMAT_COUNT];
	struct medfwi_strmap index; /* key -> position */
	struct medfw_feed_problem *problems;
	size_t problem_count, problem_cap;
};

struct medfw_feed_set *medfw_feed_set_new(void)
{
	struct medfw_feed_set *set = calloc(1, sizeof(*set));

	if (set != NULL)
		medfwi_strmap_init(&set->index);
	return set;
}

void medfw_feed_set_free(struct medfw_feed_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->count; i++) {
		medfw_feed_record_clear(&set->records[i]);
		free(set->keys[i]);
	}
	free(set->records);
	free(set->keys);
	medfwi_strmap_free(&set->index);
	free(set->problems);
	free(set);
}

/* A date as an instant: RFC 3339 (NVD writes no offset: UTC), or a plain date. */
static int when(const char *s, struct medfwi_time *t)
{
	char buf[32];

	if (s == NULL)
		return 0;
	if (medfwi_time_parse_utc(s, t))
		return 1;
	if (!medfwi_date_valid(s))
		return 0;
	snprintf(buf, sizeof(buf), "%sT00:00:00Z", s);
	return medfwi_time_parse(buf, t);
}

int medfwi_feed_newer(const char *a, const char *b)
{
	struct medfwi_time ta, tb;
	int ha = when(a, &ta), hb = when(b, &tb);

	if (!ha)
		return 0;
	if (!hb)
		return 1;
	return medfwi_time_cmp(&ta, &tb) > 0;
}

/* The set's key of a record, malloc'd. */
static char *record_key(enum medfw_feed_format format, const char *id)
{
	size_t n = strlen(id);
	char *key = malloc(n + 4);

	if (key != NULL)
		snprintf(key, n + 4, "%d:%s", (int)format, id);
	return key;
}

/* Room for `more` records (and their keys and index entries). */
static enum medfw_err reserve(struct medfw_feed_set *set, size_t more)
{
	size_t need, cap;
	struct medfw_feed_record *records;
	char **keys;

	if (more > SIZE_MAX / 2 - set->count)
		return MEDFW_ERR_NOMEM;
	need = set->count + more;
	if (need > set->cap) {
		cap = set->cap == 0 ? 64 : set->cap;
		while (cap < need)
			cap *= 2;
		records = realloc(set->records, cap * sizeof(*records));
		if (records == NULL)
			return MEDFW_ERR_NOMEM;
		set->records = records;
		keys = realloc(set->keys, cap * sizeof(*keys));
		if (keys == NULL)
			return MEDFW_ERR_NOMEM;
		set->keys = keys;
		set->cap = cap;
	}
	return medfwi_strmap_reserve(&set->index, need);
}

/* Add with the key already made (owned: kept or freed here). Cannot fail once
 * reserve() made room for the record. */
static void add_keyed(struct medfw_feed_set *set, struct medfw_feed_record *rec, char *key,
		      enum medfw_feed_add *what)
{
	size_t pos = 0;
	int added = 0;

	/* reserve() guarantees the put does not allocate */
	(void)medfwi_strmap_put(&set->index, key, set->count, &pos, &added);
	if (added) {
		set->records[set->count] = *rec;
		set->keys[set->count] = key;
		set->count++;
		set->per_format[rec->format]++;
		memset(rec, 0, sizeof(*rec));
		*what = MEDFW_FEED_ADDED;
		return;
	}
	free(key);
	if (medfwi_feed_newer(rec->modified, set->records[pos].modified)) {
		medfw_feed_record_clear(&set->records[pos]);
		set->records[pos] = *rec;
		memset(rec, 0, sizeof(*rec));
		*what = MEDFW_FEED_UPDATED;
		return;
	}
	medfw_feed_record_clear(rec);
	*what = MEDFW_FEED_UNCHANGED;
}

enum medfw_err medfw_feed_set_add(struct medfw_feed_set *set, struct medfw_feed_record *rec,
				  enum medfw_feed_add *out_what, struct medfw_diag *diag)
{
	enum medfw_feed_add what = MEDFW_FEED_UNCHANGED;
	char *key;

	if (out_what != NULL)
		*out_what = MEDFW_FEED_UNCHANGED;
	if (rec == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "feed set: no record");
	if (set == NULL || rec->format < MEDFW_FEED_OSV || rec->format > MEDFW_FEED_KEV ||
	    rec->id == NULL) {
		medfw_feed_record_clear(rec);
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "feed set: invalid record");
	}
	key = record_key(rec->format, rec->id);
	if (key == NULL || reserve(set, 1) != MEDFW_OK) {
		free(key);
		medfw_feed_record_clear(rec);
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "feed set: out of memory");
	}
	add_keyed(set, rec, key, &what);
	if (out_what != NULL)
		*out_what = what;
	return MEDFW_OK;
}

static enum medfw_err keep_problem(struct medfw_feed_set *set, const struct medfw_feed_problem *p)
{
	if (set->problem_count == set->problem_cap) {
		size_t cap = set->problem_cap == 0 ? 16 : set->problem_cap * 2;
		struct medfw_feed_problem *grown = realloc(set->problems, cap * sizeof(*grown));

		if (grown == NULL)
			return MEDFW_ERR_NOMEM;
		set->problems = grown;
		set->problem_cap = cap;
	}
	set->problems[set->problem_count++] = *p;
	return MEDFW_OK;
}

/* The sink of a load into a temporary set. */
struct staging {
	struct medfw_feed_set *tmp;
	int nomem;
};

static enum medfw_err stage_record(void *arg, struct medfw_feed_record *rec,
				   struct medfw_diag *diag)
{
	struct staging *st = arg;

	return medfw_feed_set_add(st->tmp, rec, NULL, diag);
}

static void stage_problem(void *arg, const struct medfw_feed_problem *p)
{
	struct staging *st = arg;

	if (keep_problem(st->tmp, p) != MEDFW_OK)
		st->nomem = 1;
}

enum medfw_err medfw_feed_set_load(struct medfw_feed_set *set, const char *path,
				   struct medfw_feed_stats *stats, size_t *out_added,
				   size_t *out_updated, struct medfw_diag *diag)
{
	struct staging st;
	struct medfw_feed_sink sink;
	size_t i, added = 0, updated = 0;
	enum medfw_err err;

	if (out_added != NULL)
		*out_added = 0;
	if (out_updated != NULL)
		*out_updated = 0;
	if (set == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "feed set: no set");
	st.tmp = medfw_feed_set_new();
	st.nomem = 0;
	if (st.tmp == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "feed set: out of memory");
	sink.record = stage_record;
	sink.problem = stage_problem;
	sink.arg = &st;
	err = medfw_feed_load(path, &sink, stats, diag);
	if (err == MEDFW_OK && st.nomem)
		err = medfw_diag_set(diag, MEDFW_ERR_NOMEM, "feed set: out of memory");
	/* Make room for everything first, so that the merge below cannot fail half-way:
	 * the set either takes the whole load or stays as it was. */
	if (err == MEDFW_OK && reserve(set, st.tmp->count) != MEDFW_OK)
		err = medfw_diag_set(diag, MEDFW_ERR_NOMEM, "feed set: out of memory");
	if (err == MEDFW_OK && set->problem_count + st.tmp->problem_count > set->problem_cap) {
		size_t cap = set->problem_count + st.tmp->problem_count;
		struct medfw_feed_problem *grown = realloc(set->problems, cap * sizeof(*grown));

		if (grown == NULL)
			err = medfw_diag_set(diag, MEDFW_ERR_NOMEM, "feed set: out of memory");
		else {
			set->problems = grown;
			set->problem_cap = cap;
		}
	}
	if (err == MEDFW_OK) {
		for (i = 0; i < st.tmp->count; i++) {
			enum medfw_feed_add what;

			add_keyed(set, &st.tmp->records[i], st.tmp->keys[i], &what);
			st.tmp->keys[i] = NULL;
			added += what == MEDFW_FEED_ADDED;
			updated += what == MEDFW_FEED_UPDATED;
		}
		for (i = 0; i < st.tmp->problem_count; i++)
			set->problems[set->problem_count++] = st.tmp->problems[i];
	}
	medfw_feed_set_free(st.tmp);
	if (out_added != NULL)
		*out_added = added;
	if (out_updated != NULL)
		*out_updated = updated;
	return err;
}

size_t medfw_feed_set_count(const struct medfw_feed_set *set)
{
	return set != NULL ? set->count : 0;
}

const struct medfw_feed_record *medfw_feed_set_get(const struct medfw_feed_set *set, size_t i)
{
	if (set == NULL || i >= set->count)
		return NULL;
	return &set->records[i];
}

const struct medfw_feed_record *medfw_feed_set_find(const struct medfw_feed_set *set,
						    enum medfw_feed_format format,
						    const char *id)
{
	char *key;
	size_t pos;
	int found;

	if (set == NULL || id == NULL)
		return NULL;
	key = record_key(format, id);
	if (key == NULL)
		return NULL;
	found = medfwi_strmap_get(&set->index, key, &pos);
	free(key);
	return found ? &set->records[pos] : NULL;
}

size_t medfw_feed_set_format_count(const struct medfw_feed_set *set,
				   enum medfw_feed_format format)
{
	if (set == NULL || format < MEDFW_FEED_OSV || format > MEDFW_FEED_KEV)
		return 0;
	return set->per_format[format];
}

size_t medfw_feed_set_problem_count(const struct medfw_feed_set *set)
{
	return set != NULL ? set->problem_count : 0;
}

const struct medfw_feed_problem *medfw_feed_set_problem(const struct medfw_feed_set *set,
							size_t i)
{
	if (set == NULL || i >= set->problem_count)
		return NULL;
	return &set->problems[i];
}
