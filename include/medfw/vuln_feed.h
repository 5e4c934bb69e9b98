/* Vulnerability feeds: loading files and directories of OSV, NVD CVE API 2.0, CVE JSON 5,
 * CSAF 2.0 and CISA KEV data, detecting each file's format from its content, and a set
 * of records in which a record seen again is updated, not duplicated
 * (docs/vuln-matching.md, "Combining sources").
 *
 * Loading (medfw_feed_load). PATH is a file or a directory. A directory is walked
 * recursively in name order, at most MEDFW_FEED_MAX_DEPTH levels below PATH, looking at
 * at most MEDFW_FEED_MAX_FILES regular files; in a directory only files ending in
 * ".json" (any case) are read, names starting with '.' are skipped and symbolic links
 * are not followed (a feed mirror holds .sha256 / .asc files next to its documents). A
 * file named as PATH is read whatever its name. Past the depth or the file count the
 * load fails (MEDFW_ERR_TOO_DEEP / MEDFW_ERR_TOO_LARGE naming the directory).
 *
 * Each file is read whole (at most MEDFW_FEED_MAX_FILE_BYTES), parsed as JSON and its
 * format detected from its content:
 *   - an array, or an object with "vulns" (an OSV API answer): OSV records;
 *   - "dataType": "CVE_RECORD": a CVE JSON 5 record;
 *   - "document" with "csaf_version": a CSAF 2.0 document;
 *   - "catalogVersion" with "vulnerabilities": the CISA KEV catalog;
 *   - "format": "NVD_CVE": an NVD CVE API 2.0 response page; "cve" (an object) or "id"
 *     with "lastModified": one NVD CVE object;
 *   - "id" with "modified": one OSV record.
 * Then the format's own caps apply (bytes and nesting: MEDFW_OSV_MAX_BYTES per OSV
 * record file, MEDFW_NVD_MAX_PAGE_BYTES / MEDFW_NVD_MAX_RECORD_BYTES, MEDFW_CVE5_MAX_
 * RECORD_BYTES, MEDFW_CSAF_MAX_BYTES, MEDFW_KEV_MAX_BYTES) and its strict parser runs.
 * A file that cannot be read, is too large, is not JSON, has no known format or fails
 * its parser, and a record of an OSV array or of an NVD page that fails, is a problem:
 * reported (file, JSON path of the record in the file, error code and message, which
 * names the failing field) and skipped; the load goes on. Only a bad PATH, the walk's
 * bounds, running out of memory and an error returned by the sink stop it.
 *
 * Every record that parsed is handed to the sink's `record` callback (the per-record
 * API the server's incremental import uses); problems go to its `problem` callback.
 *
 * The feed set (struct medfw_feed_set) is such a sink with memory: records are keyed by
 * (format, id) and a record seen again replaces the one kept only when it is newer
 * (its modified date later: OSV "modified", NVD "lastModified", CVE 5
 * "dateUpdated", CSAF "tracking.current_release_date", KEV "dateReleased"; a record
 * with a date is newer than one without; equal dates keep the first). The KEV catalog
 * has one id: a newer catalog replaces the older as a whole, as CISA publishes it.
 * medfw_feed_set_load is all-or-nothing: when it fails the set is unchanged.
 */
#ifndef MEDFW_VULN_FEED_H
#define MEDFW_VULN_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "medfw/csaf.h"
#include "medfw/cve5.h"
#include "medfw/error.h"
#include "medfw/kev.h"
#include "medfw/nvd.h"
#include "medfw/osv.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEDFW_FEED_MAX_DEPTH 8u                           /* directory levels below PATH */
#define MEDFW_FEED_MAX_FILES 200000u                      /* regular files looked at */
#define MEDFW_FEED_MAX_FILE_BYTES MEDFW_NVD_MAX_PAGE_BYTES /* any one file */
#define MEDFW_FEED_MAX_OSV_ARRAY 100000u                  /* records in one OSV array */
#define MEDFW_FEED_PATH_MAX 4096u                         /* bytes of a file path */
#define MEDFW_FEED_JSON_PATH_MAX 64u                      /* "vulnerabilities[1999]" */

enum medfw_feed_format {
	MEDFW_FEED_OSV = 1,
	MEDFW_FEED_NVD = 2,
	MEDFW_FEED_CVE5 = 3,
	MEDFW_FEED_CSAF = 4,
	MEDFW_FEED_KEV = 5,
};
#define MEDFW_FEED_FORMAT_COUNT 6 /* arrays indexed by enum medfw_feed_format */

/* "osv", "nvd", "cve5", "csaf", "kev"; "unknown" outside the enum. */
const char *medfw_feed_format_name(enum medfw_feed_format format);

/* One parsed record (for CSAF a document, for KEV the catalog). `id` and `modified`
 * point into the parsed object; `file` and `json_path` are owned by whoever owns the
 * record (the loader during a callback, the set afterwards). */
struct medfw_feed_record {
	enum medfw_feed_format format;
	const char *id;       /* OSV id, CVE id, CSAF tracking.id, "cisa-kev" */
	const char *modified; /* the date the set compares; NULL when the record has none */
	char *file;           /* the file it came from */
	char *json_path;      /* its place in the file: "" (the whole file), "[3]",
			       * "vulnerabilities[12].cve", "vulns[0]" */
	union {
		struct medfw_osv_record *osv;
		struct medfw_nvd_record *nvd;
		struct medfw_cve5_record *cve5;
		struct medfw_csaf_doc *csaf;
		struct medfw_kev_catalog *kev;
	} u;
};

/* Free the parsed object, file and json_path of a record and zero it; NULL is a no-op. */
void medfw_feed_record_clear(struct medfw_feed_record *rec);

/* A file or record that was skipped. */
struct medfw_feed_problem {
	char file[MEDFW_FEED_PATH_MAX];
	char json_path[MEDFW_FEED_JSON_PATH_MAX]; /* "" when the whole file is concerned */
	enum medfw_err err;
	char message[MEDFW_DIAG_MSG_MAX]; /* names the failing field */
};

struct medfw_feed_stats {
	size_t files;    /* files read */
	size_t records[MEDFW_FEED_FORMAT_COUNT]; /* records delivered, per format */
	size_t problems; /* files and records skipped */
};

/* Where loaded records and problems go. `record` takes ownership of *rec (it may move
 * the contents out and must eventually medfw_feed_record_clear them); an error it
 * returns stops the load with that error. `problem` may be NULL. */
struct medfw_feed_sink {
	enum medfw_err (*record)(void *arg, struct medfw_feed_record *rec,
				 struct medfw_diag *diag);
	void (*problem)(void *arg, const struct medfw_feed_problem *problem);
	void *arg;
};

/* Load PATH (a file or a directory) into `sink`. `stats` (may be NULL) is zeroed and
 * filled. MEDFW_OK when the walk completed, whatever problems were reported;
 * MEDFW_ERR_NOT_FOUND / MEDFW_ERR_IO (PATH cannot be opened or listed),
 * MEDFW_ERR_TOO_DEEP, MEDFW_ERR_TOO_LARGE (too many files), MEDFW_ERR_NOMEM,
 * MEDFW_ERR_INVALID_ARG, or the sink's error otherwise, with diag naming the path. */
enum medfw_err medfw_feed_load(const char *path, const struct medfw_feed_sink *sink,
			       struct medfw_feed_stats *stats, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* The entries of directory `dir` a feed walk visits, as medfw_feed_load lists them:
 * names not starting with '.', sorted by strcmp, at most MEDFW_FEED_MAX_FILES
 * (MEDFW_ERR_TOO_LARGE beyond); MEDFW_ERR_NOT_FOUND / MEDFW_ERR_IO naming `dir` when it
 * cannot be listed. Free with medfw_feed_dir_free. (`medfw vuln import` walks with it,
 * to send what the loader would read.) */
enum medfw_err medfw_feed_dir_list(const char *dir, char ***out_names, size_t *out_count,
				   struct medfw_diag *diag) MEDFW_WARN_UNUSED;
void medfw_feed_dir_free(char **names, size_t count);

/* The same for one file's bytes already in memory (`name` is reported as its file):
 * the server's upload path and the fuzz target. */
enum medfw_err medfw_feed_load_bytes(const char *name, const uint8_t *data, size_t len,
				     const struct medfw_feed_sink *sink,
				     struct medfw_feed_stats *stats, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* ------------------------------------------------------------- the feed set */

struct medfw_feed_set;

/* What medfw_feed_set_add did with a record. */
enum medfw_feed_add {
	MEDFW_FEED_ADDED = 1,     /* a new (format, id) */
	MEDFW_FEED_UPDATED = 2,   /* replaced an older record of the same id */
	MEDFW_FEED_UNCHANGED = 3, /* the kept record is as new or newer: rec was dropped */
};

/* A new empty set (caller frees with medfw_feed_set_free), NULL when out of memory. */
struct medfw_feed_set *medfw_feed_set_new(void);
void medfw_feed_set_free(struct medfw_feed_set *set);

/* Add one record, taking ownership of its contents (*rec is zeroed). */
enum medfw_err medfw_feed_set_add(struct medfw_feed_set *set, struct medfw_feed_record *rec,
				  enum medfw_feed_add *out_what, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* medfw_feed_load into the set, all or nothing: on failure the set is unchanged.
 * Problems are kept in the set (medfw_feed_set_problem); `stats` as medfw_feed_load,
 * plus how many records were added and updated (may be NULL). */
enum medfw_err medfw_feed_set_load(struct medfw_feed_set *set, const char *path,
				   struct medfw_feed_stats *stats, size_t *out_added,
				   size_t *out_updated, struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* The records kept, in the order they were first added (an update keeps the place). */
size_t medfw_feed_set_count(const struct medfw_feed_set *set);
const struct medfw_feed_record *medfw_feed_set_get(const struct medfw_feed_set *set, size_t i);

/* The record of (format, id), or NULL. */
const struct medfw_feed_record *medfw_feed_set_find(const struct medfw_feed_set *set,
						    enum medfw_feed_format format,
						    const char *id);

/* Records kept per format. */
size_t medfw_feed_set_format_count(const struct medfw_feed_set *set,
				   enum medfw_feed_format format);

/* Problems reported by the loads so far, in order. */
size_t medfw_feed_set_problem_count(const struct medfw_feed_set *set);
const struct medfw_feed_problem *medfw_feed_set_problem(const struct medfw_feed_set *set,
							size_t i);

#ifdef __cplusplus
}
#endif
#endif
