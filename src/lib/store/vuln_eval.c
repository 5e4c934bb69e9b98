/* Re-evaluation in the store (medfw/store_vuln.h, docs/vulnerabilities.md,
 * "Re-evaluation"): every release's SBOM matched against the stored feed records, VEX
 * and product map with the matcher of medfw/vuln_matcher.h, in three phases: A reads one
 * snapshot and matches, B works out each open finding's fixed_by, C writes what changed
 * and its history in one write transaction (only when the inputs did not move since A).
 * Then the sites' exposures are refreshed (vuln_exposure.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zstd.h>

#include "medfw/store_vuln.h"
#include "medfw/vuln_matcher.h"
#include "store_internal.h"
#include "vuln/strmap_int.h"
#include "vuln_int.h"

#define EVAL_WHAT "re-evaluation"
#define FINDING_WHAT "finding"
#define KEY_SEP "\x01"

static const char SQL_EVAL_RELEASES[] =
	"SELECT target_name, model, release_date, security_version FROM release_sboms"
	" ORDER BY target_name";
static const char SQL_EVAL_EXPORT[] =
	"SELECT export, export_len FROM release_sboms WHERE target_name = ?";
static const char SQL_EVAL_FINDINGS_OF[] =
	"SELECT id, component_ref, vuln_id, status, digest, fixed_by FROM findings"
	" WHERE target_name = ?";
static const char SQL_EVAL_FINDING_TARGETS[] = "SELECT DISTINCT target_name FROM findings";
static const char SQL_EVAL_FINDINGS_LEFT[] =
	"SELECT id, status FROM findings WHERE target_name = ? AND status <> 'unmatched'";
static const char SQL_EVAL_RECORD_COUNT[] = "SELECT COUNT(*) FROM vuln_records";
static const char SQL_EVAL_RECORDS[] =
	"SELECT format, record_id, source, json_path, raw, raw_len FROM vuln_records ORDER BY id";
static const char SQL_EVAL_VEX_DOCS[] =
	"SELECT id, target_name, source, raw, raw_len FROM vex_documents ORDER BY id";
static const char SQL_EVAL_VEX_API_STATEMENTS[] =
	"SELECT " MEDFWI_VULN_VEX_STATEMENT_COLS " FROM vex_statements WHERE document_id IS NULL"
	" ORDER BY id";
/* Compare and set: the write happens only when no import, upload, VEX change or other
 * evaluation's write came between this evaluation's snapshot and its write. */
static const char SQL_EVAL_DONE[] =
	"UPDATE vuln_state SET evaluated = ?, evaluated_at = ?, evaluations = evaluations + 1"
	" WHERE id = 1 AND generation = ? AND evaluations = ?";
/* keep_snapshot: only no other evaluation's write in between (the inputs may have moved
 * on: the findings are those of the snapshot, evaluated = its generation). */
static const char SQL_EVAL_DONE_KEEP[] =
	"UPDATE vuln_state SET evaluated = ?, evaluated_at = ?, evaluations = evaluations + 1"
	" WHERE id = 1 AND evaluations = ?";
static const char SQL_FINDING_INSERT[] =
	"INSERT INTO findings (target_name, component_ref, vuln_id, component_name,"
	" component_version, status, severity, score, kev, kev_date_added, kev_due_date, priority,"
	" vex_applied, fixed_by, digest, detail, detail_len, first_seen, last_changed)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_FINDING_UPDATE[] =
	"UPDATE findings SET component_name = ?, component_version = ?, status = ?, severity = ?,"
	" score = ?, kev = ?, kev_date_added = ?, kev_due_date = ?, priority = ?, vex_applied = ?,"
	" fixed_by = ?, digest = ?, detail = ?, detail_len = ?,"
	" last_changed = CASE WHEN ? THEN ? ELSE last_changed END WHERE id = ?";
static const char SQL_FINDING_FIXED_BY[] = "UPDATE findings SET fixed_by = ? WHERE id = ?";
static const char SQL_FINDING_UNMATCH[] =
	"UPDATE findings SET status = 'unmatched', fixed_by = '', digest = '', last_changed = ?"
	" WHERE id = ?";

/* How the evaluation scales (docs/vulnerabilities.md, "Re-evaluation"): releases are
 * matched one at a time against the index built once, each with the stored findings of
 * that release only. What the write needs is kept compact: a row per finding that must
 * be written or whose fixed_by may move (the open ones), with interned vulnerability
 * ids and release numbers; the content of the findings to write (their compressed JSON,
 * history reason, component) goes to an unlinked temporary file, read back in order by
 * the write. The feed set and the index are released before the write. A finding's
 * JSON is written directly (vuln_finding_json.c) rather than built with jansson. */

#define FB_NONE (-1)  /* fixed_by "" */
#define FB_OTHER (-2) /* fixed_by names a target that is no release (any more) */

struct ex_finding { /* a stored finding of the release being matched */
	int64_t id;
	char *key; /* component KEY_SEP vulnerability */
	enum medfw_store_finding_status status;
	char digest[MEDFW_STORE_SHA256_HEX + 1];
	int32_t fixed_by; /* a release's index, FB_NONE or FB_OTHER */
	int seen;
};

struct rel {
	char *target, *model;
	char date[11];
	int64_t secver;
	uint32_t *open; /* interned ids of its open findings; sorted and unique after B */
	size_t n_open, cap_open;
	size_t pos;     /* place in the model order */
};

struct row { /* a finding to write, or an open one whose fixed_by may move */
	int64_t ex_id;           /* the stored finding, 0 when new */
	uint32_t rel, vuln;      /* release index, interned vulnerability id */
	int32_t stored_fixed_by; /* what the stored finding has (FB_NONE when new) */
	int32_t fixed_by;        /* what it should have */
	uint8_t status;          /* enum medfw_store_finding_status */
	uint8_t ex_status;       /* the stored one, 0 when new */
	uint8_t spilled;         /* its content changed: its payload is in the spill file */
};

/* In the spill file, for each spilled row in order: this, then the component's ref,
 * name and version, the history reason and the compressed JSON. */
struct spill_head {
	uint32_t ref_len, name_len, version_len, reason_len, z_len, text_len;
	int32_t score;
	int64_t priority;
	uint8_t severity, kev, vex_applied;
	char kev_added[11], kev_due[11];
	char digest[MEDFW_STORE_SHA256_HEX + 1];
};

struct gone { /* a stored finding no longer produced */
	int64_t id;
	enum medfw_store_finding_status status;
};

struct vexdoc {
	struct medfw_vex_doc *doc;
	char *target; /* "" every release */
};

struct eval {
	enum medfw_store_vuln_cause cause;
	const char *detail;
	struct medfw_store_vuln_eval_stats *st;
	int64_t generation, evaluations;
	int read_started; /* the snapshot is read once: a second run starts over */
	const struct medfw_store_vuln_eval_opts *opts;
	size_t loaded; /* records read so far */
	int cancelled; /* the progress callback said stop */
	struct medfw_feed_set *feeds;
	struct medfw_product_map *map; /* the index borrows it */
	struct medfw_vuln_index *index;
	struct vexdoc *vex;
	size_t n_vex, cap_vex;
	struct rel *rel;
	size_t n_rel, cap_rel;
	struct medfwi_strmap rel_index; /* target -> release */
	size_t *order;                  /* releases by (model, date, security version, target) */
	char **vulns;                   /* interned vulnerability ids */
	size_t n_vulns, cap_vulns;
	struct medfwi_strmap vuln_index;
	struct row *rows;
	size_t n_rows, cap_rows;
	struct gone *gone;
	size_t n_gone, cap_gone;
	FILE *spill;
	/* the release being matched */
	struct ex_finding *ex;
	size_t n_ex, cap_ex;
	struct medfwi_strmap ex_index;
	char **seen; /* keys of its findings so far (a repeated one counts once) */
	size_t n_seen, cap_seen;
	struct medfwi_strmap seen_index;
	struct medfw_buf text; /* a finding's JSON */
	char *scratch;         /* a payload read back by the write */
	size_t scratch_cap;
	/* while loading one stored record */
	const char *rec_source, *rec_path;
	ZSTD_CCtx *cctx;
	ZSTD_DCtx *dctx;
};

static int64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Forget the stored findings and keys of the release just matched. */
static void release_done(struct eval *ev)
{
	size_t i;

	for (i = 0; i < ev->n_ex; i++)
		free(ev->ex[i].key);
	ev->n_ex = 0;
	medfwi_strmap_free(&ev->ex_index);
	medfwi_strmap_init(&ev->ex_index);
	for (i = 0; i < ev->n_seen; i++)
		free(ev->seen[i]);
	ev->n_seen = 0;
	medfwi_strmap_free(&ev->seen_index);
	medfwi_strmap_init(&ev->seen_index);
}

/* The matching inputs: not needed by the write. */
static void inputs_free(struct eval *ev)
{
	size_t i;

	medfw_vuln_index_free(ev->index);
	ev->index = NULL;
	medfw_product_map_free(ev->map);
	ev->map = NULL;
	medfw_feed_set_free(ev->feeds);
	ev->feeds = NULL;
	for (i = 0; i < ev->n_vex; i++) {
		medfw_vex_free(ev->vex[i].doc);
		free(ev->vex[i].target);
	}
	free(ev->vex);
	ev->vex = NULL;
	ev->n_vex = ev->cap_vex = 0;
}

static void eval_free(struct eval *ev)
{
	size_t i;

	inputs_free(ev);
	release_done(ev);
	free(ev->ex);
	free(ev->seen);
	medfwi_strmap_free(&ev->ex_index);
	medfwi_strmap_free(&ev->seen_index);
	medfwi_strmap_free(&ev->rel_index);
	medfwi_strmap_free(&ev->vuln_index);
	for (i = 0; i < ev->n_rel; i++) {
		free(ev->rel[i].target);
		free(ev->rel[i].model);
		free(ev->rel[i].open);
	}
	free(ev->rel);
	free(ev->order);
	for (i = 0; i < ev->n_vulns; i++)
		free(ev->vulns[i]);
	free(ev->vulns);
	free(ev->rows);
	free(ev->gone);
	if (ev->spill != NULL)
		fclose(ev->spill);
	medfw_buf_free(&ev->text);
	free(ev->scratch);
	ZSTD_freeCCtx(ev->cctx);
	ZSTD_freeDCtx(ev->dctx);
	memset(ev, 0, sizeof(*ev));
}

static char *join_key(const char *ref, const char *vuln)
{
	size_t a = strlen(ref), b = strlen(vuln);
	char *k = malloc(a + b + 2);

	if (k != NULL)
		snprintf(k, a + b + 2, "%s" KEY_SEP "%s", ref, vuln);
	return k;
}

/* The interned number of a vulnerability id (added when new); -1 when out of memory. */
static int64_t intern_vuln(struct eval *ev, const char *id)
{
	size_t pos = 0;
	int added = 0;
	char *copy;

	if (medfwi_strmap_get(&ev->vuln_index, id, &pos))
		return (int64_t)pos;
	if (ev->n_vulns >= UINT32_MAX ||
	    !medfwi_vuln_grow((void **)&ev->vulns, &ev->cap_vulns, ev->n_vulns, sizeof(*ev->vulns)))
		return -1;
	copy = medfwi_vuln_dup_s(id);
	if (copy == NULL)
		return -1;
	if (medfwi_strmap_put(&ev->vuln_index, copy, ev->n_vulns, &pos, &added) != MEDFW_OK) {
		free(copy);
		return -1;
	}
	ev->vulns[ev->n_vulns++] = copy;
	return (int64_t)pos;
}

/* A stored fixed_by as a release number. */
static int32_t fixed_by_of(const struct eval *ev, const char *target)
{
	size_t pos;

	if (target[0] == '\0')
		return FB_NONE;
	return medfwi_strmap_get(&ev->rel_index, target, &pos) ? (int32_t)pos : FB_OTHER;
}

/* ---- phase A: read one snapshot and match */

#define PROGRESS_EVERY 256 /* records loaded between two progress reports */

/* Report progress; MEDFW_ERR_STATE when the caller cancels. */
static enum medfw_err progress(struct eval *ev, enum medfw_store_vuln_eval_phase phase,
			       size_t done, size_t total, struct medfw_diag *diag)
{
	struct medfw_store_vuln_eval_progress p = {phase, done, total};

	if (ev->opts->progress == NULL || ev->opts->progress(ev->opts->progress_user, &p) == 0)
		return MEDFW_OK;
	ev->cancelled = 1;
	return medfw_diag_set(diag, MEDFW_ERR_STATE, "%s: cancelled", EVAL_WHAT);
}

static enum medfw_err load_record(void *arg, struct medfw_feed_record *rec,
				  struct medfw_diag *diag)
{
	struct eval *ev = arg;
	enum medfw_feed_add what;
	char *file, *path;
	enum medfw_err err;

	if (++ev->loaded % PROGRESS_EVERY == 0 &&
	    progress(ev, MEDFW_STORE_EVAL_LOAD, ev->loaded, 0, diag) != MEDFW_OK) {
		medfw_feed_record_clear(rec);
		return MEDFW_ERR_STATE;
	}
	file = medfwi_vuln_dup_s(ev->rec_source);
	path = medfwi_vuln_dup_s(ev->rec_path);
	if (file == NULL || path == NULL) {
		free(file);
		free(path);
		medfw_feed_record_clear(rec);
		return medfwi_vuln_nomem(diag);
	}
	free(rec->file);
	free(rec->json_path);
	rec->file = file;
	rec->json_path = path;
	err = medfw_feed_set_add(ev->feeds, rec, &what, diag);
	medfw_feed_record_clear(rec);
	return err;
}

static void load_problem(void *arg, const struct medfw_feed_problem *p)
{
	struct eval *ev = arg;

	(void)p;
	ev->st->record_problems++;
}

static enum medfw_err load_records(struct medfw_store *tx, struct eval *ev,
				   struct medfw_diag *diag)
{
	struct medfw_feed_sink sink = {load_record, load_problem, ev};
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err = MEDFW_OK;

	if (medfwi_q_begin(&q, tx, EVAL_WHAT, SQL_EVAL_RECORDS, diag) == MEDFW_OK) {
		while (err == MEDFW_OK && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			char *source = medfwi_vuln_col_dup(&q, 2),
			     *path = medfwi_vuln_col_dup(&q, 3), *text = NULL;
			size_t len = 0;
			struct medfw_diag d;

			if (source == NULL || path == NULL)
				err = medfwi_vuln_nomem(diag);
			medfw_diag_clear(&d);
			if (err == MEDFW_OK &&
			    medfwi_vuln_col_unpack(ev->dctx, &q, 4, 5, MEDFW_STORE_VULN_FILE_MAX,
						   "record", &text, &len, &d) != MEDFW_OK)
				ev->st->record_problems++; /* damaged: skipped, counted */
			if (err == MEDFW_OK && text != NULL) {
				ev->rec_source = source;
				ev->rec_path = path;
				err = medfw_feed_load_bytes(source, (const uint8_t *)text, len, &sink,
							    NULL, diag);
			}
			free(text);
			free(source);
			free(path);
		}
	}
	if (medfwi_q_end(&q) != MEDFW_OK && err == MEDFW_OK)
		err = q.err;
	ev->st->records = medfw_feed_set_count(ev->feeds);
	return err;
}

static enum medfw_err add_vexdoc(struct eval *ev, struct medfw_vex_doc *doc, const char *target,
				 struct medfw_diag *diag)
{
	char *t = medfwi_vuln_dup_s(target);

	if (t == NULL ||
	    !medfwi_vuln_grow((void **)&ev->vex, &ev->cap_vex, ev->n_vex, sizeof(*ev->vex))) {
		free(t);
		medfw_vex_free(doc);
		return medfwi_vuln_nomem(diag);
	}
	ev->vex[ev->n_vex].doc = doc;
	ev->vex[ev->n_vex].target = t;
	ev->n_vex++;
	return MEDFW_OK;
}

static enum medfw_err load_vex(struct medfw_store *tx, struct eval *ev, struct medfw_diag *diag)
{
	struct medfw_store_vex_statement *s = malloc(sizeof(*s));
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err = s == NULL ? medfwi_vuln_nomem(diag) : MEDFW_OK;

	if (err == MEDFW_OK && medfwi_q_begin(&q, tx, EVAL_WHAT, SQL_EVAL_VEX_DOCS, diag) == MEDFW_OK) {
		while (err == MEDFW_OK && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			char *target = medfwi_vuln_col_dup(&q, 1),
			     *source = medfwi_vuln_col_dup(&q, 2), *raw = NULL;
			struct medfw_vex_doc *doc = NULL;
			struct medfw_diag d;
			size_t len = 0;

			medfw_diag_clear(&d);
			if (target == NULL || source == NULL)
				err = medfwi_vuln_nomem(diag);
			/* a stored document that no longer parses is skipped, counted */
			if (err == MEDFW_OK &&
			    (medfwi_vuln_col_unpack(ev->dctx, &q, 3, 4, MEDFW_VEX_MAX_BYTES, "VEX",
						    &raw, &len, &d) != MEDFW_OK ||
			     medfw_vex_parse(source, (const uint8_t *)raw, len, &doc, &d) !=
				     MEDFW_OK))
				ev->st->record_problems++;
			else if (err == MEDFW_OK) {
				ev->st->vex_statements += doc->statement_count;
				err = add_vexdoc(ev, doc, target, diag);
			}
			free(raw);
			free(target);
			free(source);
		}
	}
	if (err == MEDFW_OK && medfwi_q_end(&q) != MEDFW_OK)
		err = q.err;
	ev->st->vex_documents = ev->n_vex;
	if (err == MEDFW_OK &&
	    medfwi_q_begin(&q, tx, EVAL_WHAT, SQL_EVAL_VEX_API_STATEMENTS, diag) == MEDFW_OK) {
		while (err == MEDFW_OK && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			struct medfw_vex_doc *doc = NULL;
			struct medfw_diag d;

			memset(s, 0, sizeof(*s));
			medfwi_vuln_statement_row(&q, s);
			medfw_diag_clear(&d);
			if (q.err != MEDFW_OK ||
			    medfwi_vuln_statement_parse(s, &doc, &d) != MEDFW_OK) {
				ev->st->record_problems++;
				continue;
			}
			ev->st->vex_statements++;
			err = add_vexdoc(ev, doc, s->target_name, diag);
		}
	}
	if (err == MEDFW_OK && medfwi_q_end(&q) != MEDFW_OK)
		err = q.err;
	free(s);
	return err;
}

/* The releases with an SBOM, in target order, without their exports. */
static enum medfw_err load_releases(struct medfw_store *tx, struct eval *ev,
				    struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	size_t dummy;
	int added = 0;
	enum medfw_err err = MEDFW_OK;

	if (medfwi_q_begin(&q, tx, EVAL_WHAT, SQL_EVAL_RELEASES, diag) == MEDFW_OK) {
		while (err == MEDFW_OK && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			struct rel *r;

			if (ev->n_rel >= INT32_MAX ||
			    !medfwi_vuln_grow((void **)&ev->rel, &ev->cap_rel, ev->n_rel,
					      sizeof(*ev->rel))) {
				err = medfwi_vuln_nomem(diag);
				break;
			}
			r = &ev->rel[ev->n_rel++];
			memset(r, 0, sizeof(*r));
			r->target = medfwi_vuln_col_dup(&q, 0);
			r->model = medfwi_vuln_col_dup(&q, 1);
			medfwi_q_col_text(&q, 2, r->date, sizeof(r->date));
			r->secver = medfwi_q_col_int(&q, 3);
			if (r->target == NULL || r->model == NULL ||
			    medfwi_strmap_put(&ev->rel_index, r->target, ev->n_rel - 1, &dummy,
					      &added) != MEDFW_OK)
				err = medfwi_vuln_nomem(diag);
		}
	}
	if (medfwi_q_end(&q) != MEDFW_OK && err == MEDFW_OK)
		err = q.err;
	ev->st->releases = ev->n_rel;
	return err;
}

/* The stored findings of one release. */
static enum medfw_err load_existing(struct medfw_store *tx, struct eval *ev, const char *target,
				    struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err = MEDFW_OK;

	if (medfwi_q_begin(&q, tx, EVAL_WHAT, SQL_EVAL_FINDINGS_OF, diag) == MEDFW_OK) {
		medfwi_q_text(&q, target);
		while (err == MEDFW_OK && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			char *ref = medfwi_vuln_col_dup(&q, 1), *vuln = medfwi_vuln_col_dup(&q, 2),
			     *fixed_by = medfwi_vuln_col_dup(&q, 5);
			struct ex_finding *e = NULL;
			size_t dummy;
			int added = 0;

			if (ref == NULL || vuln == NULL || fixed_by == NULL ||
			    !medfwi_vuln_grow((void **)&ev->ex, &ev->cap_ex, ev->n_ex,
					      sizeof(*ev->ex)))
				err = medfwi_vuln_nomem(diag);
			else
				e = &ev->ex[ev->n_ex];
			if (e != NULL) {
				memset(e, 0, sizeof(*e));
				e->id = medfwi_q_col_int(&q, 0);
				e->key = join_key(ref, vuln);
				e->status = medfwi_vuln_col_status(&q, 3);
				medfwi_q_col_text(&q, 4, e->digest, sizeof(e->digest));
				e->fixed_by = fixed_by_of(ev, fixed_by);
				ev->n_ex++;
				if (e->key == NULL ||
				    medfwi_strmap_put(&ev->ex_index, e->key, ev->n_ex - 1, &dummy,
						      &added) != MEDFW_OK)
					err = medfwi_vuln_nomem(diag);
			}
			free(ref);
			free(vuln);
			free(fixed_by);
		}
	}
	if (medfwi_q_end(&q) != MEDFW_OK && err == MEDFW_OK)
		err = q.err;
	return err;
}

static enum medfw_err add_gone(struct eval *ev, int64_t id, enum medfw_store_finding_status s,
			       struct medfw_diag *diag)
{
	if (!medfwi_vuln_grow((void **)&ev->gone, &ev->cap_gone, ev->n_gone, sizeof(*ev->gone)))
		return medfwi_vuln_nomem(diag);
	ev->gone[ev->n_gone].id = id;
	ev->gone[ev->n_gone++].status = s;
	return MEDFW_OK;
}

/* Stored findings of targets that are no release any more (normally none: they go with
 * their release) that are not unmatched yet. */
static enum medfw_err load_left_over(struct medfw_store *tx, struct eval *ev,
				     struct medfw_diag *diag)
{
	char **targets = NULL;
	size_t n = 0, cap = 0, i, pos;
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err = MEDFW_OK;

	if (medfwi_q_begin(&q, tx, EVAL_WHAT, SQL_EVAL_FINDING_TARGETS, diag) == MEDFW_OK) {
		while (err == MEDFW_OK && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			char *t = medfwi_vuln_col_dup(&q, 0);

			if (t == NULL ||
			    !medfwi_vuln_grow((void **)&targets, &cap, n, sizeof(*targets))) {
				free(t);
				err = medfwi_vuln_nomem(diag);
			} else if (medfwi_strmap_get(&ev->rel_index, t, &pos)) {
				free(t);
			} else {
				targets[n++] = t;
			}
		}
	}
	if (medfwi_q_end(&q) != MEDFW_OK && err == MEDFW_OK)
		err = q.err;
	for (i = 0; err == MEDFW_OK && i < n; i++) {
		if (medfwi_q_begin(&q, tx, EVAL_WHAT, SQL_EVAL_FINDINGS_LEFT, diag) == MEDFW_OK) {
			medfwi_q_text(&q, targets[i]);
			while (err == MEDFW_OK && medfwi_q_step(&q, &row) == MEDFW_OK && row)
				err = add_gone(ev, medfwi_q_col_int(&q, 0),
					       medfwi_vuln_col_status(&q, 1), diag);
		}
		if (medfwi_q_end(&q) != MEDFW_OK && err == MEDFW_OK)
			err = q.err;
	}
	for (i = 0; i < n; i++)
		free(targets[i]);
	free(targets);
	return err;
}

static enum medfw_store_finding_status status_of(enum medfw_finding_status s)
{
	switch (s) {
	case MEDFW_FINDING_AFFECTED: return MEDFW_STORE_FINDING_AFFECTED;
	case MEDFW_FINDING_NOT_AFFECTED: return MEDFW_STORE_FINDING_NOT_AFFECTED;
	case MEDFW_FINDING_FIXED: return MEDFW_STORE_FINDING_FIXED;
	case MEDFW_FINDING_UNDER_INVESTIGATION: return MEDFW_STORE_FINDING_UNDER_INVESTIGATION;
	case MEDFW_FINDING_UNDETERMINED: break;
	}
	return MEDFW_STORE_FINDING_UNDETERMINED;
}

/* Why a finding has its status, in one line. */
static void reason_of(const struct medfw_finding *f, char *buf, size_t cap)
{
	if (f->vex != NULL)
		medfwi_vuln_cut_printf(buf, cap, "VEX %s%s%s from %s: %s",
			   medfw_vex_status_name(f->vex->status),
			   f->vex->justification != NULL ? " " : "",
			   f->vex->justification != NULL ? f->vex->justification : "",
			   f->vex_doc != NULL && f->vex_doc->source != NULL ? f->vex_doc->source
									    : "?",
			   f->vex_rule);
	else if (f->pedigree)
		medfwi_vuln_cut_printf(buf, cap, "pedigree: %s", f->pedigree_rule);
	else if (f->evidence_count > 0)
		medfwi_vuln_cut_printf(buf, cap, "%s (%zu source%s): %s %s: %s",
			   medfw_vuln_outcome_name(f->sources_outcome), f->evidence_count,
			   f->evidence_count == 1 ? "" : "s",
			   medfw_feed_format_name(f->evidence[0].format),
			   f->evidence[0].verdict.rule, f->evidence[0].verdict.comparison);
	else
		medfwi_vuln_cut_printf(buf, cap, "%s", medfw_vuln_outcome_name(f->sources_outcome));
}

static enum medfw_err rel_add_open(struct rel *r, uint32_t vuln)
{
	if (!medfwi_vuln_grow((void **)&r->open, &r->cap_open, r->n_open, sizeof(*r->open)))
		return MEDFW_ERR_NOMEM;
	r->open[r->n_open++] = vuln;
	return MEDFW_OK;
}

static enum medfw_err spill_write(struct eval *ev, const void *p, size_t n,
				  struct medfw_diag *diag)
{
	if (n > 0 && fwrite(p, 1, n, ev->spill) != n)
		return medfw_diag_set(diag, MEDFW_ERR_IO,
				      "%s: cannot write the temporary file of findings to write",
				      EVAL_WHAT);
	return MEDFW_OK;
}

/* The content of a finding to write, after its head. */
static enum medfw_err spill_row(struct eval *ev, const struct medfw_finding *f,
				struct spill_head *h, const char *reason, const uint8_t *z,
				struct medfw_diag *diag)
{
	const struct medfw_sbom_component *c = f->component;
	const char *version = c->version != NULL ? c->version : "";
	size_t name_len = strlen(c->name);
	enum medfw_err err;

	if (name_len > MEDFW_STORE_VULN_NAME_MAX)
		name_len = MEDFW_STORE_VULN_NAME_MAX;
	h->ref_len = (uint32_t)strlen(c->ref);
	h->name_len = (uint32_t)name_len;
	h->version_len = (uint32_t)strlen(version);
	h->reason_len = (uint32_t)strlen(reason);
	err = spill_write(ev, h, sizeof(*h), diag);
	if (err == MEDFW_OK)
		err = spill_write(ev, c->ref, h->ref_len, diag);
	if (err == MEDFW_OK)
		err = spill_write(ev, c->name, h->name_len, diag);
	if (err == MEDFW_OK)
		err = spill_write(ev, version, h->version_len, diag);
	if (err == MEDFW_OK)
		err = spill_write(ev, reason, h->reason_len, diag);
	if (err == MEDFW_OK)
		err = spill_write(ev, z, h->z_len, diag);
	return err;
}

/* One finding of a release's match: compared with the stored one; kept as a row when it
 * must be written or its fixed_by may move. */
static enum medfw_err add_row(struct eval *ev, size_t rel, const struct medfw_finding *f,
			      struct medfw_diag *diag)
{
	const struct medfw_sbom_component *c = f->component;
	struct ex_finding *e = NULL;
	struct spill_head h;
	struct row *r;
	char reason[MEDFW_STORE_VULN_EVENT_DETAIL_MAX + 1] = "";
	char *key;
	uint8_t *z = NULL;
	size_t pos, zlen = 0;
	int64_t vuln;
	int added = 0, changed, open;
	enum medfw_store_finding_status status;
	enum medfw_err err;

	if (strlen(f->vuln_id) > MEDFW_STORE_VULN_ID_MAX) { /* an id no stored row can hold */
		ev->st->record_problems++;
		return MEDFW_OK;
	}
	key = join_key(c->ref, f->vuln_id);
	if (key == NULL ||
	    !medfwi_vuln_grow((void **)&ev->seen, &ev->cap_seen, ev->n_seen, sizeof(*ev->seen))) {
		free(key);
		return medfwi_vuln_nomem(diag);
	}
	if (medfwi_strmap_put(&ev->seen_index, key, ev->n_seen, &pos, &added) != MEDFW_OK) {
		free(key);
		return medfwi_vuln_nomem(diag);
	}
	if (!added) { /* the same (component, vulnerability) twice: the first counts */
		free(key);
		return MEDFW_OK;
	}
	ev->seen[ev->n_seen++] = key;
	err = medfwi_vuln_finding_text(f, &ev->text, diag);
	if (err != MEDFW_OK)
		return err;
	memset(&h, 0, sizeof(h));
	medfwi_vuln_sha256_hex(ev->text.data, ev->text.len, h.digest);
	if (medfwi_strmap_get(&ev->ex_index, key, &pos)) {
		e = &ev->ex[pos];
		e->seen = 1;
	}
	status = status_of(f->status);
	changed = e == NULL || strcmp(e->digest, h.digest) != 0;
	open = medfw_store_finding_status_open(status);
	vuln = intern_vuln(ev, f->vuln_id);
	if (vuln < 0 || (open && rel_add_open(&ev->rel[rel], (uint32_t)vuln) != MEDFW_OK))
		return medfwi_vuln_nomem(diag);
	if (!changed && !open && e->fixed_by == FB_NONE)
		return MEDFW_OK; /* nothing to write, and a closed finding has no fixed_by */
	if (!medfwi_vuln_grow((void **)&ev->rows, &ev->cap_rows, ev->n_rows, sizeof(*ev->rows)))
		return medfwi_vuln_nomem(diag);
	r = &ev->rows[ev->n_rows++];
	memset(r, 0, sizeof(*r));
	r->ex_id = e != NULL ? e->id : 0;
	r->rel = (uint32_t)rel;
	r->vuln = (uint32_t)vuln;
	r->stored_fixed_by = e != NULL ? e->fixed_by : FB_NONE;
	r->fixed_by = FB_NONE;
	r->status = (uint8_t)status;
	r->ex_status = e != NULL ? (uint8_t)e->status : 0;
	r->spilled = (uint8_t)changed;
	if (!changed)
		return MEDFW_OK;
	if (ev->text.len > UINT32_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: finding %s: JSON too large",
				      EVAL_WHAT, f->vuln_id);
	err = medfwi_vuln_zpack(ev->cctx, ev->text.data, ev->text.len, &z, &zlen, diag);
	if (err != MEDFW_OK)
		return err;
	if (e == NULL || e->status != status)
		reason_of(f, reason, sizeof(reason));
	h.z_len = (uint32_t)zlen;
	h.text_len = (uint32_t)ev->text.len;
	h.score = f->severity.score_tenths;
	h.severity = (uint8_t)medfw_store_severity_of_score(h.score);
	h.kev = f->kev.listed ? 1 : 0;
	h.vex_applied = f->vex != NULL ? 1 : 0;
	h.priority = (int64_t)f->priority;
	medfwi_vuln_copy_cut(h.kev_added, sizeof(h.kev_added), f->kev.date_added);
	medfwi_vuln_copy_cut(h.kev_due, sizeof(h.kev_due), f->kev.due_date);
	err = spill_row(ev, f, &h, reason, z, diag);
	free(z);
	return err;
}

static enum medfw_err match_release(struct medfw_store *tx, struct eval *ev, size_t rel,
				    struct medfw_diag *diag)
{
	struct medfw_sbom *sbom = NULL;
	struct medfw_match_result *res = NULL;
	const struct medfw_vex_doc **docs = NULL;
	struct medfw_match_sbom one;
	struct medfwi_q q;
	char *export = NULL;
	size_t n = 0, i, len = 0;
	int row = 0;
	enum medfw_err err;

	err = load_existing(tx, ev, ev->rel[rel].target, diag);
	if (err == MEDFW_OK) {
		if (medfwi_q_begin(&q, tx, EVAL_WHAT, SQL_EVAL_EXPORT, diag) == MEDFW_OK) {
			medfwi_q_text(&q, ev->rel[rel].target);
			if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
				err = medfwi_vuln_col_unpack(ev->dctx, &q, 0, 1,
							     MEDFW_SBOM_MAX_BYTES, "SBOM export",
							     &export, &len, diag);
		}
		if (medfwi_q_end(&q) != MEDFW_OK && err == MEDFW_OK)
			err = q.err;
		if (err == MEDFW_OK && export == NULL)
			err = medfw_diag_set(diag, MEDFW_ERR_STATE, "%s: the SBOM of %s went away",
					     EVAL_WHAT, ev->rel[rel].target);
	}
	/* it was exported by this code: a failure is damaged storage or a bug */
	if (err == MEDFW_OK)
		err = medfw_sbom_parse((const uint8_t *)export, len, NULL, &sbom, diag);
	free(export);
	if (err == MEDFW_OK) {
		docs = malloc((ev->n_vex > 0 ? ev->n_vex : 1) * sizeof(*docs));
		if (docs == NULL)
			err = medfwi_vuln_nomem(diag);
	}
	for (i = 0; err == MEDFW_OK && i < ev->n_vex; i++)
		if (ev->vex[i].target[0] == '\0' || strcmp(ev->vex[i].target, ev->rel[rel].target) == 0)
			docs[n++] = ev->vex[i].doc;
	one.sbom = sbom;
	one.source = ev->rel[rel].target;
	if (err == MEDFW_OK)
		err = medfw_vuln_match(ev->index, &one, 1, docs, n, &res, diag);
	for (i = 0; err == MEDFW_OK && i < res->finding_count; i++)
		err = add_row(ev, rel, &res->findings[i], diag);
	if (err == MEDFW_OK) {
		ev->st->components += res->components;
		ev->st->evaluations += res->evaluations;
		ev->st->findings += res->finding_count;
	}
	for (i = 0; err == MEDFW_OK && i < ev->n_ex; i++)
		if (!ev->ex[i].seen && ev->ex[i].status != MEDFW_STORE_FINDING_UNMATCHED)
			err = add_gone(ev, ev->ex[i].id, ev->ex[i].status, diag);
	release_done(ev);
	medfw_match_result_free(res);
	free(docs);
	medfw_sbom_free(sbom);
	return err;
}

static enum medfw_err record_count(struct medfw_store *tx, struct eval *ev,
				   struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;

	if (medfwi_q_begin(&q, tx, EVAL_WHAT, SQL_EVAL_RECORD_COUNT, diag) == MEDFW_OK &&
	    medfwi_q_step(&q, &row) == MEDFW_OK && row)
		ev->st->records = (size_t)medfwi_q_col_int(&q, 0);
	return medfwi_q_end(&q);
}

static enum medfw_err read_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct eval *ev = arg;
	int64_t g[3] = {0, 0, 0};
	int64_t t0 = ms_now();
	enum medfw_err err;

	if (ev->read_started)
		return medfw_diag_set(diag, MEDFW_ERR_STATE, "%s: the snapshot was interrupted",
				      EVAL_WHAT);
	ev->read_started = 1;
	err = medfwi_vuln_state_read(tx, g, diag);
	ev->generation = g[0];
	ev->evaluations = g[2];
	if (err == MEDFW_OK)
		err = load_releases(tx, ev, diag);
	/* without a release nothing is matched: the records need not be read */
	if (err == MEDFW_OK && ev->n_rel == 0)
		err = record_count(tx, ev, diag);
	else if (err == MEDFW_OK)
		err = load_records(tx, ev, diag);
	if (err == MEDFW_OK && ev->n_rel > 0)
		err = load_vex(tx, ev, diag);
	if (err == MEDFW_OK)
		err = load_left_over(tx, ev, diag);
	if (err == MEDFW_OK)
		err = medfwi_vuln_map_load(tx, ev->dctx, &ev->map, diag);
	ev->st->ms_load += ms_now() - t0;
	if (err == MEDFW_OK && ev->n_rel > 0) {
		/* every stored VEX document: a map entry naming one's product is no problem */
		const struct medfw_vex_doc **all = calloc(ev->n_vex + 1, sizeof(*all));

		t0 = ms_now();
		for (size_t i = 0; all != NULL && i < ev->n_vex; i++)
			all[i] = ev->vex[i].doc;
		err = all == NULL ? medfwi_vuln_nomem(diag)
				  : medfw_vuln_index_new_vex(ev->feeds, ev->map, all, ev->n_vex,
							     &ev->index, diag);
		free(all);
		ev->st->ms_index += ms_now() - t0;
	}
	if (err == MEDFW_OK && ev->map != NULL) {
		ev->st->product_map_entries = ev->map->entry_count;
		ev->st->product_map_problems =
			ev->index != NULL ? medfw_vuln_index_problem_count(ev->index) : 0;
	}
	t0 = ms_now();
	for (size_t i = 0; err == MEDFW_OK && i < ev->n_rel; i++)
		if ((err = progress(ev, MEDFW_STORE_EVAL_MATCH, i, ev->n_rel, diag)) == MEDFW_OK)
			err = match_release(tx, ev, i, diag);
	ev->st->ms_match += ms_now() - t0;
	return err;
}

/* ---- phase B: fixed_by */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* A release's place in the model order: releases of one model by release date, then
 * security version, then target name. */
struct rel_key {
	const struct rel *r;
	size_t index;
};

static int cmp_rel(const void *a, const void *b)
{
	const struct rel *x = ((const struct rel_key *)a)->r;
	const struct rel *y = ((const struct rel_key *)b)->r;
	int c = strcmp(x->model, y->model);

	if (c == 0)
		c = strcmp(x->date, y->date);
	if (c == 0)
		c = x->secver < y->secver ? -1 : x->secver > y->secver;
	if (c == 0)
		c = strcmp(x->target, y->target);
	return c;
}

static int has_open(const struct rel *r, uint32_t vuln)
{
	return r->n_open > 0 &&
	       bsearch(&vuln, r->open, r->n_open, sizeof(*r->open), cmp_u32) != NULL;
}

static enum medfw_err fixed_by_all(struct eval *ev, struct medfw_diag *diag)
{
	struct rel_key *keys;
	size_t i, k;

	for (i = 0; i < ev->n_rel; i++) {
		struct rel *r = &ev->rel[i];
		size_t n = 0;

		if (r->n_open > 1)
			qsort(r->open, r->n_open, sizeof(*r->open), cmp_u32);
		for (k = 0; k < r->n_open; k++) /* unique */
			if (n == 0 || r->open[n - 1] != r->open[k])
				r->open[n++] = r->open[k];
		r->n_open = n;
	}
	keys = malloc((ev->n_rel > 0 ? ev->n_rel : 1) * sizeof(*keys));
	ev->order = malloc((ev->n_rel > 0 ? ev->n_rel : 1) * sizeof(*ev->order));
	if (keys == NULL || ev->order == NULL) {
		free(keys);
		return medfwi_vuln_nomem(diag);
	}
	for (i = 0; i < ev->n_rel; i++) {
		keys[i].r = &ev->rel[i];
		keys[i].index = i;
	}
	qsort(keys, ev->n_rel, sizeof(*keys), cmp_rel);
	for (i = 0; i < ev->n_rel; i++) {
		ev->order[i] = keys[i].index;
		ev->rel[keys[i].index].pos = i;
	}
	free(keys);
	for (i = 0; i < ev->n_rows; i++) {
		struct row *r = &ev->rows[i];
		const struct rel *from = &ev->rel[r->rel];

		if (!medfw_store_finding_status_open((enum medfw_store_finding_status)r->status))
			continue;
		for (k = from->pos + 1; k < ev->n_rel; k++) {
			const struct rel *later = &ev->rel[ev->order[k]];

			if (strcmp(later->model, from->model) != 0)
				break;
			if (!has_open(later, r->vuln)) {
				r->fixed_by = (int32_t)ev->order[k];
				break;
			}
		}
	}
	return MEDFW_OK;
}

/* ---- phase C: write what changed */

/* The next spilled payload: its head, and its bytes in ev->scratch (ref, name, version,
 * reason and z, each followed by a NUL). */
struct payload {
	struct spill_head h;
	const char *ref, *name, *version, *reason;
	const uint8_t *z;
};

static enum medfw_err spill_read(struct eval *ev, struct payload *p, struct medfw_diag *diag)
{
	size_t lens[5], total = 0, i;
	char *at;

	if (fread(&p->h, sizeof(p->h), 1, ev->spill) != 1)
		return medfw_diag_set(diag, MEDFW_ERR_IO,
				      "%s: cannot read the temporary file of findings to write",
				      EVAL_WHAT);
	lens[0] = p->h.ref_len;
	lens[1] = p->h.name_len;
	lens[2] = p->h.version_len;
	lens[3] = p->h.reason_len;
	lens[4] = p->h.z_len;
	for (i = 0; i < 5; i++)
		total += lens[i] + 1;
	if (total > 2u * MEDFWI_VULN_FINDING_DETAIL_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: a finding to write is too large",
				      EVAL_WHAT);
	if (total > ev->scratch_cap) {
		char *bigger = realloc(ev->scratch, total);

		if (bigger == NULL)
			return medfwi_vuln_nomem(diag);
		ev->scratch = bigger;
		ev->scratch_cap = total;
	}
	at = ev->scratch;
	for (i = 0; i < 5; i++) {
		if (lens[i] > 0 && fread(at, 1, lens[i], ev->spill) != lens[i])
			return medfw_diag_set(diag, MEDFW_ERR_IO,
					      "%s: cannot read the temporary file of findings to "
					      "write",
					      EVAL_WHAT);
		at[lens[i]] = '\0';
		at += lens[i] + 1;
	}
	at = ev->scratch;
	p->ref = at;
	at += lens[0] + 1;
	p->name = at;
	at += lens[1] + 1;
	p->version = at;
	at += lens[2] + 1;
	p->reason = at;
	at += lens[3] + 1;
	p->z = (const uint8_t *)at;
	return MEDFW_OK;
}

static const char *target_of(const struct eval *ev, int32_t fixed_by)
{
	return fixed_by >= 0 ? ev->rel[fixed_by].target : "";
}

static enum medfw_err write_row(struct medfw_store *tx, struct eval *ev, const struct row *r,
				int64_t now, struct medfw_diag *diag)
{
	const struct rel *rel = &ev->rel[r->rel];
	const char *fixed_by = target_of(ev, r->fixed_by);
	enum medfw_store_finding_status status = (enum medfw_store_finding_status)r->status;
	const char *status_name = medfw_store_finding_status_name(status);
	struct payload p;
	struct medfwi_q q;
	int64_t id = r->ex_id;
	int changed_status = r->ex_id == 0 || r->ex_status != r->status;
	int row = 0;
	enum medfw_err err;

	if (!r->spilled) { /* same content: fixed_by only, when it moved */
		if (r->stored_fixed_by == r->fixed_by)
			return MEDFW_OK;
		if (medfwi_q_begin(&q, tx, FINDING_WHAT, SQL_FINDING_FIXED_BY, diag) == MEDFW_OK) {
			medfwi_q_text(&q, fixed_by);
			medfwi_q_int(&q, id);
			medfwi_q_exec(&q, NULL);
		}
		return medfwi_q_end(&q);
	}
	err = spill_read(ev, &p, diag);
	if (err != MEDFW_OK)
		return err;
	if (medfwi_q_begin(&q, tx, FINDING_WHAT, r->ex_id == 0 ? SQL_FINDING_INSERT : SQL_FINDING_UPDATE,
			   diag) == MEDFW_OK) {
		if (r->ex_id == 0) {
			medfwi_q_text(&q, rel->target);
			medfwi_q_text(&q, p.ref);
			medfwi_q_text(&q, ev->vulns[r->vuln]);
		}
		medfwi_q_text(&q, p.name);
		medfwi_q_text(&q, p.version);
		medfwi_q_text(&q, status_name);
		medfwi_q_text(&q, medfw_store_severity_name((enum medfw_store_severity)p.h.severity));
		medfwi_vuln_q_score(&q, p.h.score);
		medfwi_q_int(&q, p.h.kev);
		medfwi_q_text(&q, p.h.kev_added);
		medfwi_q_text(&q, p.h.kev_due);
		medfwi_q_int(&q, p.h.priority);
		medfwi_q_int(&q, p.h.vex_applied);
		medfwi_q_text(&q, fixed_by);
		medfwi_q_text(&q, p.h.digest);
		medfwi_q_blob(&q, p.z, p.h.z_len);
		medfwi_q_int(&q, (int64_t)p.h.text_len);
		if (r->ex_id == 0) {
			medfwi_q_int(&q, now);
			medfwi_q_int(&q, now);
		} else {
			medfwi_q_int(&q, changed_status);
			medfwi_q_int(&q, now);
			medfwi_q_int(&q, id);
		}
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row && r->ex_id == 0)
			id = medfwi_q_col_int(&q, 0);
		while (q.err == MEDFW_OK && row)
			medfwi_q_step(&q, &row);
	}
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK)
		return err;
	if (r->ex_id == 0)
		ev->st->inserted++;
	else
		ev->st->updated++;
	if (!changed_status)
		return MEDFW_OK;
	ev->st->status_changes++;
	return medfwi_vuln_history_add(tx, id, 0, now,
				       r->ex_id != 0 ? medfw_store_finding_status_name(
							       (enum medfw_store_finding_status)r->ex_status)
						     : "",
				       status_name, ev->cause, ev->detail, p.reason, diag);
}

static enum medfw_err write_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct eval *ev = arg;
	int64_t now = medfwi_now(tx), changes = 0;
	int64_t done[4] = {ev->generation, now, ev->generation, ev->evaluations};
	int64_t kept[3] = {ev->generation, now, ev->evaluations};
	enum medfw_err err;

	ev->st->inserted = ev->st->updated = ev->st->status_changes = ev->st->unmatched = 0;
	err = ev->opts->keep_snapshot ? medfwi_vuln_exec_ints(tx, EVAL_WHAT, SQL_EVAL_DONE_KEEP, kept, 3,
							&changes, diag)
				: medfwi_vuln_exec_ints(tx, EVAL_WHAT, SQL_EVAL_DONE, done, 4,
							&changes, diag);
	if (err == MEDFW_OK && changes != 1)
		return medfw_diag_set(diag, MEDFW_ERR_STATE,
				      "%s: the records, SBOMs or VEX changed, or another evaluation "
				      "was written, while matching",
				      EVAL_WHAT);
	/* a retried transaction reads the payloads again from the start */
	if (err == MEDFW_OK && (fflush(ev->spill) != 0 || fseek(ev->spill, 0, SEEK_SET) != 0))
		err = medfw_diag_set(diag, MEDFW_ERR_IO,
				     "%s: cannot rewind the temporary file of findings to write",
				     EVAL_WHAT);
	for (size_t i = 0; err == MEDFW_OK && i < ev->n_rows; i++)
		err = write_row(tx, ev, &ev->rows[i], now, diag);
	for (size_t i = 0; err == MEDFW_OK && i < ev->n_gone; i++) {
		const struct gone *g = &ev->gone[i];
		int64_t v[2] = {now, g->id};

		err = medfwi_vuln_exec_ints(tx, FINDING_WHAT, SQL_FINDING_UNMATCH, v, 2, NULL,
					    diag);
		if (err == MEDFW_OK)
			err = medfwi_vuln_history_add(
				tx, g->id, 0, now, medfw_store_finding_status_name(g->status),
				"unmatched", ev->cause, ev->detail,
				"no record or VEX statement produces this finding any more", diag);
		ev->st->unmatched++;
		ev->st->status_changes++;
	}
	return err;
}

enum medfw_err medfw_store_vuln_reevaluate(struct medfw_store *store,
					   enum medfw_store_vuln_cause cause, const char *detail,
					   struct medfw_store_vuln_eval_stats *stats,
					   struct medfw_diag *diag)
{
	struct medfw_store_vuln_eval_opts opts;

	memset(&opts, 0, sizeof(opts));
	opts.cause = cause;
	opts.detail = detail;
	return medfw_store_vuln_reevaluate_with(store, &opts, stats, diag);
}

enum medfw_err medfw_store_vuln_reevaluate_with(struct medfw_store *store,
						const struct medfw_store_vuln_eval_opts *opts,
						struct medfw_store_vuln_eval_stats *stats,
						struct medfw_diag *diag)
{
	struct medfw_store_vuln_eval_stats local;
	struct eval ev;
	enum medfw_store_vuln_cause cause;
	const char *detail;
	enum medfw_err err = MEDFW_ERR_STATE;
	int64_t t0;
	int cancelled = 0;

	if (stats == NULL)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	if (store == NULL || opts == NULL || medfw_store_vuln_cause_name(opts->cause) == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: bad arguments", EVAL_WHAT);
	cause = opts->cause;
	detail = opts->detail != NULL ? opts->detail : "";
	for (unsigned attempt = 1; attempt <= MEDFW_STORE_VULN_EVAL_ATTEMPTS; attempt++) {
		memset(stats, 0, sizeof(*stats));
		stats->attempts = attempt;
		memset(&ev, 0, sizeof(ev));
		ev.cause = cause;
		ev.detail = detail;
		ev.opts = opts;
		ev.st = stats;
		medfwi_strmap_init(&ev.ex_index);
		medfwi_strmap_init(&ev.seen_index);
		medfwi_strmap_init(&ev.rel_index);
		medfwi_strmap_init(&ev.vuln_index);
		medfw_buf_init(&ev.text, MEDFWI_VULN_FINDING_DETAIL_MAX);
		ev.feeds = medfw_feed_set_new();
		ev.cctx = ZSTD_createCCtx();
		ev.dctx = ZSTD_createDCtx();
		ev.spill = tmpfile();
		err = ev.feeds == NULL || ev.cctx == NULL || ev.dctx == NULL
			      ? medfwi_vuln_nomem(diag)
			      : MEDFW_OK;
		if (err == MEDFW_OK && ev.spill == NULL)
			err = medfw_diag_set(diag, MEDFW_ERR_IO,
					     "%s: cannot create a temporary file for the findings to "
					     "write",
					     EVAL_WHAT);
		if (err == MEDFW_OK)
			err = medfwi_run(store, MEDFWI_TX_READ, read_fn, &ev, diag);
		inputs_free(&ev); /* the write needs neither the records nor the index */
		if (err == MEDFW_OK)
			err = fixed_by_all(&ev, diag);
		if (err == MEDFW_OK)
			err = progress(&ev, MEDFW_STORE_EVAL_WRITE, 0, ev.n_rows + ev.n_gone, diag);
		t0 = ms_now();
		if (err == MEDFW_OK)
			err = medfwi_run(store, MEDFWI_TX_WRITE, write_fn, &ev, diag);
		stats->ms_write = ms_now() - t0;
		stats->generation = ev.generation;
		cancelled = ev.cancelled;
		eval_free(&ev);
		if (err != MEDFW_ERR_STATE || cancelled)
			break;
	}
	if (err != MEDFW_OK)
		return err;
	t0 = ms_now();
	err = medfw_store_vuln_exposures_refresh(store, cause, detail, &stats->exposures_opened,
						 &stats->exposures_closed, diag);
	stats->ms_exposures = ms_now() - t0;
	return err;
}
