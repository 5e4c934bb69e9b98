/* The fleet server's vulnerability management (docs/vulnerabilities.md): the SBOM of each
 * release, imported feed records, VEX documents and statements, findings per release
 * with their history, remediation SLA policies per site and the exposure of each site
 * to each vulnerability (due dates, overdue, closed).
 *
 * Same rules as medfw/store.h: fixed-size strings with named bounds, outputs cleared on
 * failure, a rejected input changes nothing. Releases, feed records and VEX are the
 * manufacturer's data (no site scope); what devices run, SLA policies, exposures and
 * reports are tenant data and take a site scope.
 *
 * Re-evaluation (medfw_store_vuln_reevaluate) matches every release's SBOM against every
 * stored record and VEX statement with the matcher of medfw/vuln_matcher.h and the
 * stored product map (the index is built once), then writes the findings that changed
 * and their history in one write transaction, then refreshes the sites' exposures.
 * Imports, SBOM uploads, VEX and product map changes bump a generation counter; a
 * re-evaluation that finds the generation moved while it matched starts again (at most
 * MEDFW_STORE_VULN_EVAL_ATTEMPTS times), so the findings written always belong to one
 * state of the inputs.
 */
#ifndef MEDFW_STORE_VULN_H
#define MEDFW_STORE_VULN_H

#include <stddef.h>
#include <stdint.h>

#include "medfw/buf.h"
#include "medfw/sbom.h"
#include "medfw/store.h"
#include "medfw/vex.h"
#include "medfw/vuln_feed.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bounds (bytes, without the terminating NUL). */
#define MEDFW_STORE_VULN_ID_MAX 256     /* vulnerability, record and CSAF tracking ids */
#define MEDFW_STORE_VULN_SOURCE_MAX 255 /* the name a feed or VEX file was imported under */
#define MEDFW_STORE_VULN_TEXT_MAX 2048  /* a statement's justification, detail, response */
#define MEDFW_STORE_VULN_REF_MAX MEDFW_SBOM_ID_MAX     /* component key: bom-ref or purl */
#define MEDFW_STORE_VULN_NAME_MAX MEDFW_SBOM_NAME_MAX  /* component name and version */
#define MEDFW_STORE_VULN_DATE_MAX 40    /* a record's modified date / a VEX timestamp */
#define MEDFW_STORE_VULN_EVENT_DETAIL_MAX 1024 /* why a history event happened */
#define MEDFW_STORE_VULN_PROBLEMS_MAX 32 /* problems kept per import (all are counted) */
#define MEDFW_STORE_VULN_FILE_MAX MEDFW_FEED_MAX_FILE_BYTES /* one imported feed file */
#define MEDFW_STORE_VULN_EVAL_ATTEMPTS 3
#define MEDFW_STORE_SHA256_HEX 64

/* Remediation SLA: days allowed per severity, and for KEV-listed vulnerabilities. The
 * defaults apply to a site without a policy of its own. */
#define MEDFW_STORE_SLA_DAYS_MAX 3650
#define MEDFW_STORE_SLA_DEFAULT_CRITICAL 30
#define MEDFW_STORE_SLA_DEFAULT_HIGH 60
#define MEDFW_STORE_SLA_DEFAULT_MEDIUM 90
#define MEDFW_STORE_SLA_DEFAULT_LOW 180
#define MEDFW_STORE_SLA_DEFAULT_KEV 15

/* ---------------------------------------------------------------- enums */

/* A finding's status: the matcher's five (medfw_finding_status), and UNMATCHED for a
 * finding no source or statement produces any more (a record withdrawn or updated, a
 * component gone from a new SBOM): kept for its history. */
enum medfw_store_finding_status {
	MEDFW_STORE_FINDING_AFFECTED = 1,
	MEDFW_STORE_FINDING_UNDER_INVESTIGATION = 2,
	MEDFW_STORE_FINDING_UNDETERMINED = 3,
	MEDFW_STORE_FINDING_FIXED = 4,
	MEDFW_STORE_FINDING_NOT_AFFECTED = 5,
	MEDFW_STORE_FINDING_UNMATCHED = 6,
};
#define MEDFW_STORE_FINDING_STATUS_COUNT 7 /* values 0..6, for tables indexed by it */
/* "affected", "under_investigation", "undetermined", "fixed", "not_affected",
 * "unmatched"; NULL outside the enum. */
const char *medfw_store_finding_status_name(enum medfw_store_finding_status s);
enum medfw_err medfw_store_finding_status_parse(const char *name,
						enum medfw_store_finding_status *out);
/* 1 for the statuses that need action or review (affected, under investigation,
 * undetermined). */
int medfw_store_finding_status_open(enum medfw_store_finding_status s);

/* Severity from the highest CVSS base score of a vulnerability's records (CVSS v3
 * ratings): NONE when no record scores it (or scores 0.0). */
enum medfw_store_severity {
	MEDFW_STORE_SEVERITY_NONE = 1,
	MEDFW_STORE_SEVERITY_LOW = 2,      /* 0.1 - 3.9 */
	MEDFW_STORE_SEVERITY_MEDIUM = 3,   /* 4.0 - 6.9 */
	MEDFW_STORE_SEVERITY_HIGH = 4,     /* 7.0 - 8.9 */
	MEDFW_STORE_SEVERITY_CRITICAL = 5, /* 9.0 - 10.0 */
};
#define MEDFW_STORE_SEVERITY_COUNT 6 /* values 0..5 */
/* "none", "low", "medium", "high", "critical"; NULL outside the enum. */
const char *medfw_store_severity_name(enum medfw_store_severity s);
enum medfw_err medfw_store_severity_parse(const char *name, enum medfw_store_severity *out);
/* The severity of a score in tenths (MEDFW_CVSS_NO_SCORE or 0: NONE). */
enum medfw_store_severity medfw_store_severity_of_score(int score_tenths);

/* Why a finding or an exposure changed. */
enum medfw_store_vuln_cause {
	MEDFW_STORE_CAUSE_FEED = 1,  /* a feed import */
	MEDFW_STORE_CAUSE_VEX = 2,   /* a VEX document or statement */
	MEDFW_STORE_CAUSE_SBOM = 3,  /* a release's SBOM was uploaded or replaced */
	MEDFW_STORE_CAUSE_FLEET = 4, /* devices changed the release they run; a policy */
	MEDFW_STORE_CAUSE_CHANGES = 5, /* several kinds of change evaluated together, a
					* re-evaluation someone asked for, catching up */
};
/* "feed", "vex", "sbom", "fleet", "changes"; NULL outside the enum. */
const char *medfw_store_vuln_cause_name(enum medfw_store_vuln_cause c);

/* ---------------------------------------------------------------- release SBOMs */

struct medfw_store_release_sbom {
	char target_name[MEDFW_STORE_TARGET_NAME_MAX + 1];   /* the signed release target */
	char target_sha256[MEDFW_STORE_SHA256_HEX + 1];      /* its image, lowercase hex */
	/* Releases of one model share it: put sets it to the SBOM's product name
	 * (metadata.component) and keeps the caller's value (medfwd: the notice's first
	 * hardware id) only for an SBOM without one. "Later" releases of a model are
	 * ordered by release_date, then security_version, then target name. */
	char model[MEDFW_STORE_NAME_MAX + 1];
	char product_version[MEDFW_STORE_SHORT_MAX + 1];
	int64_t security_version;
	char release_date[11];                               /* YYYY-MM-DD */
	char sbom_target[MEDFW_STORE_UPDATE_TARGET_MAX + 1]; /* the notice's sbom_target */
	char sbom_sha256[MEDFW_STORE_SHA256_HEX + 1];        /* the uploaded document */
	int sbom_signed; /* 1: the uploaded bytes are the signed sbom_target */
	/* Set by put: */
	char format[16];       /* "CycloneDX" / "SPDX", as uploaded */
	char spec_version[16]; /* "1.6", "SPDX-2.3", ... */
	int64_t component_count;
	int64_t created_by; /* user id, 0: none */
	int64_t created_at;
	int64_t updated_at;
};

/* Store (or replace) the SBOM of a release: the canonical CycloneDX 1.6 export of
 * `sbom` (medfw_sbom_export_cyclonedx, kept zstd-compressed) and its component list,
 * in one transaction that also bumps the generation. Sets format, spec_version,
 * component_count and the times. *out_replaced (may be NULL): 1 when the release had
 * an SBOM already. Invalid fields: MEDFW_ERR_FIELD_VALUE / FIELD_MISSING / TOO_LARGE
 * naming them. */
enum medfw_err medfw_store_release_sbom_put(struct medfw_store *store,
					    struct medfw_store_release_sbom *meta,
					    const struct medfw_sbom *sbom, int *out_replaced,
					    struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* The release's SBOM record; `out_export` (may be NULL; initialise it with a maximum of
 * at least MEDFW_SBOM_MAX_BYTES) receives the canonical CycloneDX bytes. Unknown:
 * MEDFW_ERR_NOT_FOUND. */
enum medfw_err medfw_store_release_sbom_get(struct medfw_store *store, const char *target_name,
					    struct medfw_store_release_sbom *out,
					    struct medfw_buf *out_export,
					    struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* The same, found by the release image's SHA-256 (hex, either case): the SBOM of what a
 * device runs. */
enum medfw_err medfw_store_release_sbom_by_image(struct medfw_store *store,
						 const char *image_sha256,
						 struct medfw_store_release_sbom *out,
						 struct medfw_buf *out_export,
						 struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Releases with an SBOM, by target name, skipping offset; *out_total (may be NULL). */
enum medfw_err medfw_store_release_sbom_list(struct medfw_store *store, int64_t offset,
					     struct medfw_store_release_sbom *out, size_t cap,
					     size_t *out_count, int64_t *out_total,
					     struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* One component of a stored SBOM, in the SBOM's order. */
struct medfw_store_sbom_component {
	int64_t index;
	char ref[MEDFW_STORE_VULN_REF_MAX + 1];
	char type[32];
	char name[MEDFW_STORE_VULN_NAME_MAX + 1];
	char version[MEDFW_STORE_VULN_NAME_MAX + 1]; /* "" when none */
	char purl[MEDFW_STORE_VULN_REF_MAX + 1];     /* "" when none */
	char cpe[MEDFW_STORE_VULN_REF_MAX + 1];      /* the first CPE, "" when none */
};
enum medfw_err medfw_store_release_sbom_components(struct medfw_store *store,
						   const char *target_name, int64_t offset,
						   struct medfw_store_sbom_component *out,
						   size_t cap, size_t *out_count,
						   struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ---------------------------------------------------------------- feed records */

struct medfw_store_vuln_problem {
	char json_path[MEDFW_FEED_JSON_PATH_MAX]; /* the record's place in the file */
	enum medfw_err err;
	char message[MEDFW_DIAG_MSG_MAX];         /* names the failing field */
};

struct medfw_store_vuln_import {
	size_t added;     /* a (format, record id) not stored before */
	size_t updated;   /* stored before with an older modified date (or none) */
	size_t unchanged; /* stored before, as new or newer: nothing written */
	size_t rejected;  /* records the parsers refused: reported and skipped */
	size_t records[MEDFW_FEED_FORMAT_COUNT]; /* records read, per format */
	struct medfw_store_vuln_problem problems[MEDFW_STORE_VULN_PROBLEMS_MAX];
	size_t problem_count; /* problems kept (the first ones); `rejected` counts all */
};

/* Import one feed file (OSV record or array, NVD CVE API 2.0 page or record, CVE JSON 5
 * record, CSAF 2.0 document, CISA KEV catalog; format detected from the content as
 * medfw_feed_load_bytes does) of at most MEDFW_STORE_VULN_FILE_MAX bytes. `source`
 * (1..MEDFW_STORE_VULN_SOURCE_MAX bytes) names it in evidence. Records are keyed by
 * (format, record id): a new one is added, one stored before is replaced only when its
 * modified date is later (a dated record beats an undated one; equal dates: unchanged).
 * Each record is kept as its own JSON text (the whole file for single-record files,
 * CSAF and KEV), zstd-compressed. A record the parser refuses is reported in
 * out->problems and skipped. A file that is not JSON, not a known format or refused as
 * a whole (a KEV catalog with one bad entry) fails with the parser's error and a
 * message "SOURCE: JSON-PATH: ..." and stores nothing. Everything is written in one
 * transaction that bumps the generation when anything was added or updated. */
enum medfw_err medfw_store_vuln_import(struct medfw_store *store, const char *source,
				       const uint8_t *data, size_t len,
				       struct medfw_store_vuln_import *out,
				       struct medfw_diag *diag) MEDFW_WARN_UNUSED;

struct medfw_store_vuln_record {
	int64_t id;
	enum medfw_feed_format format;
	char record_id[MEDFW_STORE_VULN_ID_MAX + 1];
	char modified[MEDFW_STORE_VULN_DATE_MAX + 1]; /* "" when the record has none */
	char source[MEDFW_STORE_VULN_SOURCE_MAX + 1];
	char json_path[MEDFW_FEED_JSON_PATH_MAX];
	int64_t imported_at;
	int64_t updated_at;
};
/* One stored record; `out_json` (may be NULL; initialised by the caller with its
 * maximum) receives its JSON text. Unknown: MEDFW_ERR_NOT_FOUND. */
enum medfw_err medfw_store_vuln_record_get(struct medfw_store *store,
					   enum medfw_feed_format format, const char *record_id,
					   struct medfw_store_vuln_record *out,
					   struct medfw_buf *out_json,
					   struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Records stored per format (out[format]; out[0] unused). */
enum medfw_err medfw_store_vuln_record_counts(struct medfw_store *store,
					      int64_t out[MEDFW_FEED_FORMAT_COUNT],
					      struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ---------------------------------------------------------------- VEX */

struct medfw_store_vex_statement {
	int64_t id;          /* set by add */
	int64_t document_id; /* the VEX file it came from; 0: made through the API */
	char target_name[MEDFW_STORE_TARGET_NAME_MAX + 1]; /* "" every release */
	char vuln_id[MEDFW_STORE_VULN_ID_MAX + 1];
	/* The subject: a bom-ref or a purl ("pkg:..."); for a CSAF statement its product
	 * id. A statement about the SBOM's product (metadata.component) covers every
	 * component of it. */
	char component[MEDFW_STORE_VULN_REF_MAX + 1];
	enum medfw_vex_status status;
	char justification[MEDFW_STORE_VULN_TEXT_MAX + 1]; /* CycloneDX justification, "" */
	char detail[MEDFW_STORE_VULN_TEXT_MAX + 1];        /* impact statement, "" */
	char response[MEDFW_STORE_VULN_TEXT_MAX + 1];      /* comma-separated, "" */
	char author[MEDFW_STORE_NAME_MAX + 1];             /* who made or uploaded it */
	char timestamp[MEDFW_STORE_VULN_DATE_MAX + 1];     /* the statement's time (RFC 3339) */
	char source[MEDFW_STORE_VULN_SOURCE_MAX + 1];      /* the file, or "api" */
	char json_path[MEDFW_VEX_JSON_PATH_MAX];           /* its place in the file */
	int64_t created_at;                                /* set by add */
};

/* Add one statement made through the API (document_id 0; timestamp "" means now).
 * Checked as a CycloneDX VEX statement would be: vuln_id and component required,
 * status one of the four, justification one of CycloneDX's values, response a
 * comma-separated list of CycloneDX's responses, a not_affected statement needs a
 * justification or a detail (CISA minimum requirements); MEDFW_ERR_FIELD_* naming the
 * field otherwise. target_name, when set, must be a release with an SBOM
 * (MEDFW_ERR_NOT_FOUND). Bumps the generation. */
enum medfw_err medfw_store_vex_statement_add(struct medfw_store *store,
					     struct medfw_store_vex_statement *statement,
					     struct medfw_diag *diag) MEDFW_WARN_UNUSED;

struct medfw_store_vex_document_result {
	int64_t document_id;
	size_t statements;   /* statements kept */
	size_t problems;     /* statements the document holds but that were not kept */
	int unchanged;       /* the same bytes were stored before for the same releases */
};
/* Add a CycloneDX VEX or CSAF VEX document (medfw_vex_parse: a malformed one is refused
 * with its JSON path and nothing is stored) for one release (target_name) or every
 * release (""), uploaded by `author` under the name `source`. Its statements are listed
 * in vex_statements. The same bytes for the same releases again: unchanged, nothing
 * written. Bumps the generation otherwise. */
enum medfw_err medfw_store_vex_document_add(struct medfw_store *store, const char *target_name,
					    const char *source, const char *author,
					    const uint8_t *data, size_t len,
					    struct medfw_store_vex_document_result *out,
					    struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Statements by id, skipping offset; filters "" = any: release (statements for it and
 * for every release) and vulnerability id. */
enum medfw_err medfw_store_vex_statement_list(struct medfw_store *store,
					      const char *target_name, const char *vuln_id,
					      int64_t offset,
					      struct medfw_store_vex_statement *out, size_t cap,
					      size_t *out_count, int64_t *out_total,
					      struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ---------------------------------------------------------------- product map */

/* The product-mapping table of the matcher (medfw_product_map_parse in
 * medfw/vuln_matcher.h, docs/vuln-matching.md): what advisories that name products in
 * words (the CISA ICS medical advisories) call our models and releases. One per server,
 * the manufacturer's data (no site scope); re-evaluation hands it to the matcher. */
struct medfw_store_product_map {
	char source[MEDFW_STORE_VULN_SOURCE_MAX + 1]; /* the name it was uploaded under */
	char sha256[MEDFW_STORE_SHA256_HEX + 1];       /* of the document as uploaded */
	int64_t entries;                               /* its mappings */
	int64_t updated_by;                            /* user id, 0: none */
	int64_t updated_at;
};

/* Store (replace) the product map: `data` (len bytes, at most MEDFW_PRODUCT_MAP_MAX_BYTES)
 * must parse with medfw_product_map_parse, else its error with the JSON path ("SOURCE:
 * product map: mappings[2].vendor: ...") and nothing is stored. The same bytes as the
 * stored map: *out_unchanged (may be NULL) = 1 and nothing is written. Otherwise the
 * document is kept as uploaded (zstd-compressed) with `source` (1..MEDFW_STORE_VULN_
 * SOURCE_MAX bytes) and `updated_by` (user id, 0: none), and the generation is bumped,
 * in one transaction. `out` (may be NULL) receives the stored record; it is cleared on
 * failure. An empty map ({"mappings": []}) is a map: nothing is mapped. */
enum medfw_err medfw_store_product_map_put(struct medfw_store *store, const char *source,
					   const uint8_t *data, size_t len, int64_t updated_by,
					   struct medfw_store_product_map *out, int *out_unchanged,
					   struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* The stored product map; `out_json` (may be NULL; initialised by the caller with a
 * maximum of at least MEDFW_PRODUCT_MAP_MAX_BYTES) receives the document as uploaded.
 * None stored yet: MEDFW_ERR_NOT_FOUND. */
enum medfw_err medfw_store_product_map_get(struct medfw_store *store,
					   struct medfw_store_product_map *out,
					   struct medfw_buf *out_json,
					   struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ---------------------------------------------------------------- findings */

struct medfw_store_finding {
	int64_t id;
	char target_name[MEDFW_STORE_TARGET_NAME_MAX + 1];
	char component_ref[MEDFW_STORE_VULN_REF_MAX + 1];
	char component_name[MEDFW_STORE_VULN_NAME_MAX + 1];
	char component_version[MEDFW_STORE_VULN_NAME_MAX + 1];
	char vuln_id[MEDFW_STORE_VULN_ID_MAX + 1];
	enum medfw_store_finding_status status;
	enum medfw_store_severity severity;
	int score_tenths; /* MEDFW_CVSS_NO_SCORE (-1) when no record scores it */
	int kev;          /* listed in the CISA KEV catalog (or NVD's mirror of it) */
	char kev_date_added[11];
	char kev_due_date[11]; /* "" when unknown */
	int64_t priority;      /* 1 first, within its release */
	int vex_applied;       /* a VEX statement set the status */
	/* The first later release of the same model in which no finding for this
	 * vulnerability is open (fixed, not affected, or not found at all); "" none. */
	char fixed_by[MEDFW_STORE_TARGET_NAME_MAX + 1];
	int64_t first_seen;
	int64_t last_changed; /* the last status change */
};

struct medfw_store_finding_filter {
	char target_name[MEDFW_STORE_TARGET_NAME_MAX + 1]; /* "" any release */
	enum medfw_store_finding_status status;            /* 0 any */
	int open_only;                                     /* affected, under inv., undet. */
	enum medfw_store_severity severity;                /* 0 any */
	int kev;                                           /* -1 any, 0 not listed, 1 listed */
	char vuln_id[MEDFW_STORE_VULN_ID_MAX + 1];         /* "" any */
};

/* Called for each finding of a list with its full JSON (medfw_finding_json: evidence,
 * aliases, VEX, KEV, severity; `detail` NUL-terminated, `len` bytes); an error stops the
 * list and is returned. */
typedef enum medfw_err (*medfw_store_finding_fn)(void *user, const struct medfw_store_finding *f,
						 const char *detail, size_t len,
						 struct medfw_diag *diag);
/* Findings matching the filter (NULL: all) ordered by release, then priority,
 * skipping offset, at most limit (1..10000); *out_total (may be NULL) counts every
 * match. */
enum medfw_err medfw_store_finding_list(struct medfw_store *store,
					const struct medfw_store_finding_filter *filter,
					int64_t offset, int64_t limit, medfw_store_finding_fn fn,
					void *user, int64_t *out_total,
					struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* One finding by id, with its JSON into `out_detail` (may be NULL). */
enum medfw_err medfw_store_finding_get(struct medfw_store *store, int64_t id,
				       struct medfw_store_finding *out,
				       struct medfw_buf *out_detail,
				       struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* A change in the history of a finding (from/to: finding statuses, "" when it was
 * new) or of a site's exposure (from/to: "open" / "closed", site_id set). */
struct medfw_store_vuln_event {
	int64_t id;
	int64_t finding_id;  /* 0 for an exposure's event */
	int64_t exposure_id; /* 0 for a finding's event */
	int64_t site_id;     /* the exposure's site, 0 for a finding */
	int64_t time;
	char from[24];
	char to[24];
	enum medfw_store_vuln_cause cause;
	char detail[MEDFW_STORE_VULN_EVENT_DETAIL_MAX + 1];
};
/* Oldest first. A finding's history needs no scope; an exposure's is seen only in the
 * scope of its site (MEDFW_ERR_NOT_FOUND otherwise). Exactly one id is non-zero. */
enum medfw_err medfw_store_vuln_history(struct medfw_store *store, struct medfw_store_scope scope,
					int64_t finding_id, int64_t exposure_id,
					struct medfw_store_vuln_event *out, size_t cap,
					size_t *out_count, struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ---------------------------------------------------------------- re-evaluation */

struct medfw_store_vuln_eval_stats {
	size_t releases, components, records, vex_documents, vex_statements;
	size_t evaluations;     /* evaluator calls the matcher made */
	size_t record_problems; /* stored records or VEX that no longer load, findings with an
				 * id longer than MEDFW_STORE_VULN_ID_MAX (skipped, counted) */
	size_t findings;        /* findings the match produced */
	size_t inserted;        /* new findings */
	size_t updated;         /* findings whose content changed */
	size_t status_changes;  /* history events written */
	size_t unmatched;       /* findings no longer produced */
	size_t exposures_opened, exposures_closed;
	size_t product_map_entries;  /* mappings of the stored product map (0: none) */
	size_t product_map_problems; /* its entries naming a CSAF product no stored
				      * document defines (medfw_vuln_index_problem_count) */
	int64_t generation;     /* the generation the findings belong to */
	unsigned attempts;
	/* Wall time per phase, milliseconds. */
	int64_t ms_load, ms_index, ms_match, ms_write, ms_exposures;
};

/* Re-match every release against the stored records, VEX and product map (a stored map
 * that no longer parses fails the evaluation with the parser's message: the findings
 * stay as they were rather than lose what it mapped) and write what changed in
 * one transaction; history events get `cause` and `detail` (e.g. "import of
 * nvd-2024.json by alice"). Then refresh the exposures (medfw_store_vuln_exposures_
 * refresh). `stats` may be NULL. MEDFW_ERR_STATE when the inputs kept changing for
 * MEDFW_STORE_VULN_EVAL_ATTEMPTS attempts. */
enum medfw_err medfw_store_vuln_reevaluate(struct medfw_store *store,
					   enum medfw_store_vuln_cause cause, const char *detail,
					   struct medfw_store_vuln_eval_stats *stats,
					   struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Where an evaluation is, for medfw_store_vuln_eval_opts.progress. */
enum medfw_store_vuln_eval_phase {
	MEDFW_STORE_EVAL_LOAD = 1,  /* reading stored records: done = records so far */
	MEDFW_STORE_EVAL_MATCH = 2, /* matching release `done` of `total` */
	MEDFW_STORE_EVAL_WRITE = 3, /* about to write: total = findings to write */
};
struct medfw_store_vuln_eval_progress {
	enum medfw_store_vuln_eval_phase phase;
	size_t done, total;
};

/* How an evaluation runs (medfw_store_vuln_reevaluate_with). */
struct medfw_store_vuln_eval_opts {
	enum medfw_store_vuln_cause cause;
	const char *detail; /* why, for the history events (at most
			     * MEDFW_STORE_VULN_EVENT_DETAIL_MAX bytes are kept) */
	/* 0: when the inputs changed while matching, start again (at most
	 * MEDFW_STORE_VULN_EVAL_ATTEMPTS times). 1: write the findings of the snapshot that
	 * was read anyway (they belong to one state of the inputs; the evaluated generation
	 * is that snapshot's) and let the caller evaluate again: what a single background
	 * evaluator wants, so a stream of changes cannot starve it. Either way a write
	 * never lands over another evaluation's that wrote since the snapshot. */
	int keep_snapshot;
	/* Non-NULL: called every few hundred records loaded, before each release is matched
	 * and before the write (outside the write transaction's work: no store call may be
	 * made on this handle from it). A non-zero return cancels the evaluation:
	 * MEDFW_ERR_STATE ("cancelled"), nothing written. */
	int (*progress)(void *user, const struct medfw_store_vuln_eval_progress *p);
	void *progress_user;
};
/* medfw_store_vuln_reevaluate with options. */
enum medfw_err medfw_store_vuln_reevaluate_with(struct medfw_store *store,
						const struct medfw_store_vuln_eval_opts *opts,
						struct medfw_store_vuln_eval_stats *stats,
						struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* The generation of the inputs and the one the findings were computed from. */
enum medfw_err medfw_store_vuln_generation(struct medfw_store *store, int64_t *out_generation,
					   int64_t *out_evaluated,
					   struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ---------------------------------------------------------------- SLA policies */

struct medfw_store_sla_policy {
	int64_t site_id;
	int64_t critical_days, high_days, medium_days, low_days; /* 1..MEDFW_STORE_SLA_DAYS_MAX */
	int64_t kev_days;
	int is_default;     /* get: the site has no policy, these are the defaults */
	int64_t updated_by; /* user id, 0: none */
	int64_t updated_at;
};
/* The site's policy, or the defaults (is_default 1). Out of scope: NOT_FOUND. */
enum medfw_err medfw_store_sla_policy_get(struct medfw_store *store,
					  struct medfw_store_scope scope, int64_t site_id,
					  struct medfw_store_sla_policy *out,
					  struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Set the site's policy (days 1..MEDFW_STORE_SLA_DAYS_MAX, MEDFW_ERR_FIELD_VALUE naming
 * the field otherwise) and recompute the due dates of its open exposures, in one
 * transaction. */
enum medfw_err medfw_store_sla_policy_put(struct medfw_store *store,
					  struct medfw_store_scope scope,
					  struct medfw_store_sla_policy *policy,
					  struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* The days a policy gives by severity, an unscored vulnerability (NONE) counted as HIGH
 * (undetermined is never counted safe); KEV-listed: the shorter of that and kev_days.
 * An exposure's due date also stops at the KEV catalog's due date (see due_at). */
int64_t medfw_store_sla_days(const struct medfw_store_sla_policy *policy,
			     enum medfw_store_severity severity, int kev);

/* ---------------------------------------------------------------- exposures */

/* A site is exposed to a vulnerability while at least one of its enrolled devices runs
 * a release (by image SHA-256) with an open finding for it. */
struct medfw_store_exposure {
	int64_t id;
	int64_t site_id;
	char vuln_id[MEDFW_STORE_VULN_ID_MAX + 1];
	enum medfw_store_severity severity;
	int score_tenths;
	int kev;
	char kev_due_date[11];
	int64_t devices; /* devices of the site exposed at the last refresh (0 when closed) */
	char fixed_by[MEDFW_STORE_TARGET_NAME_MAX + 1]; /* a release fixing it, "" none */
	int64_t first_seen; /* first exposure of the site */
	int64_t due_at;     /* first_seen + the policy's days (KEV: or the catalog's due date
			     * at 23:59:59 UTC, whichever comes first) */
	int64_t closed_at;  /* 0: open */
	int overdue;        /* open past due_at (now), or closed after it */
};

/* Recompute every site's exposures from the fleet (enrolled devices, the releases they
 * run) and the open findings, in one write transaction: new ones open (first_seen now),
 * ones no device is exposed to any more close (closed_at now), a closed one exposed
 * again reopens (first_seen kept); severity, KEV, devices, fixed_by and due dates are
 * brought up to date. Every open/close is a history event with `cause` and `detail`.
 * *out_opened / *out_closed may be NULL. */
enum medfw_err medfw_store_vuln_exposures_refresh(struct medfw_store *store,
						  enum medfw_store_vuln_cause cause,
						  const char *detail, size_t *out_opened,
						  size_t *out_closed,
						  struct medfw_diag *diag) MEDFW_WARN_UNUSED;

struct medfw_store_exposure_filter {
	int64_t site_id;    /* 0: every site in scope */
	int open_only;
	char vuln_id[MEDFW_STORE_VULN_ID_MAX + 1]; /* "" any */
};
/* Exposures in scope by site, then due date, skipping offset. */
enum medfw_err medfw_store_exposure_list(struct medfw_store *store, struct medfw_store_scope scope,
					 const struct medfw_store_exposure_filter *filter,
					 int64_t offset, struct medfw_store_exposure *out,
					 size_t cap, size_t *out_count, int64_t *out_total,
					 struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* A rollout that brings a fixing release to a site: an update rollout of that release
 * made for the site, selecting it by name (selector "sites"), or with members (devices)
 * there. */
struct medfw_store_fix_rollout {
	int64_t id;
	char name[MEDFW_STORE_NAME_MAX + 1];
	char state[24];  /* the rollout's state name (medfw/store_rollout.h) */
	int64_t members;   /* its members among the site's devices */
	int64_t committed; /* of them, committed to the release */
};
/* The rollouts of release `target_name` that reach site `site_id`, newest first (the
 * site must be in scope: else none). At most `cap`; *out_count how many. */
enum medfw_err medfw_store_fix_rollouts(struct medfw_store *store, struct medfw_store_scope scope,
					int64_t site_id, const char *target_name,
					struct medfw_store_fix_rollout *out, size_t cap,
					size_t *out_count, struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ---------------------------------------------------------------- report */

struct medfw_store_vuln_site_report {
	int64_t site_id;
	char site_name[MEDFW_STORE_NAME_MAX + 1];
	struct medfw_store_sla_policy policy;
	int64_t devices;           /* enrolled */
	int64_t devices_with_sbom; /* running a release whose SBOM is stored */
	int64_t exposed_devices;   /* running a release with an open finding */
	int64_t open[MEDFW_STORE_SEVERITY_COUNT]; /* open exposures by severity */
	int64_t kev_open;
	int64_t overdue;           /* open exposures past due */
	int64_t closed;
	int64_t closed_late;       /* closed after their due date */
	/* Time to remediate (closed_at - first_seen) of closed exposures, per severity. */
	int64_t remediated[MEDFW_STORE_SEVERITY_COUNT];
	int64_t remediate_seconds_sum[MEDFW_STORE_SEVERITY_COUNT];
	int64_t remediate_seconds_max[MEDFW_STORE_SEVERITY_COUNT];
};

struct medfw_store_vuln_model_report {
	char model[MEDFW_STORE_NAME_MAX + 1];
	int64_t releases;        /* releases of the model run by devices in scope */
	int64_t devices;
	int64_t exposed_devices;
	int64_t overdue_devices; /* exposed to a vulnerability overdue on their site */
	/* Distinct vulnerabilities of those releases, by status and (open ones) severity. */
	int64_t by_status[MEDFW_STORE_FINDING_STATUS_COUNT];
	int64_t open_by_severity[MEDFW_STORE_SEVERITY_COUNT];
	int64_t kev_open;
};

/* The report of the sites in scope (site_id > 0: that one) and of the models their
 * devices run: sites by id, models by name; more rows than cap: MEDFW_ERR_TOO_LARGE.
 * Overdue is judged at the store's clock. */
enum medfw_err medfw_store_vuln_report(struct medfw_store *store, struct medfw_store_scope scope,
				       int64_t site_id, struct medfw_store_vuln_site_report *sites,
				       size_t site_cap, size_t *out_site_count,
				       struct medfw_store_vuln_model_report *models,
				       size_t model_cap, size_t *out_model_count,
				       struct medfw_diag *diag) MEDFW_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
