/* Findings in the store (medfw/store_vuln.h): a release's findings listed and read with
 * their JSON, and the history of findings and exposures (a status change, an exposure
 * opened or closed, with its cause). The re-evaluation (vuln_eval.c) writes them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "medfw/store_vuln.h"
#include "store_internal.h"
#include "vuln_int.h"

#define LIST_LIMIT_MAX 10000
#define FINDING_WHAT "finding"
#define FINDING_COLS                                                                          \
	"id, target_name, component_ref, component_name, component_version, vuln_id, status,"   \
	" severity, score, kev, kev_date_added, kev_due_date, priority, vex_applied, fixed_by," \
	" first_seen, last_changed, detail, detail_len"
#define FINDING_WHERE                                                                              \
	" WHERE (? = '' OR target_name = ?) AND (? = '' OR status = ?)"                            \
	" AND (? = 0 OR status IN " MEDFWI_VULN_OPEN_STATUSES ") AND (? = '' OR severity = ?)"     \
	" AND (? < 0 OR kev = ?) AND (? = '' OR vuln_id = ?)"

static const char SQL_FINDING_LIST[] =
	"SELECT " FINDING_COLS " FROM findings" FINDING_WHERE
	" ORDER BY target_name, status = 'unmatched', priority, id LIMIT ? OFFSET ?";
static const char SQL_FINDING_COUNT[] = "SELECT COUNT(*) FROM findings" FINDING_WHERE;
static const char SQL_FINDING_GET[] = "SELECT " FINDING_COLS " FROM findings WHERE id = ?";
static const char SQL_HISTORY_FINDING[] =
	"SELECT id, finding_id, exposure_id, time, from_status, to_status, cause, detail, 0"
	" FROM finding_history WHERE finding_id = ? ORDER BY id LIMIT ?";
static const char SQL_HISTORY_EXPOSURE[] =
	"SELECT h.id, h.finding_id, h.exposure_id, h.time, h.from_status, h.to_status, h.cause,"
	" h.detail, e.site_id FROM finding_history h JOIN site_exposures e ON e.id = h.exposure_id"
	" WHERE h.exposure_id = ? AND (? OR e.site_id = ?) ORDER BY h.id LIMIT ?";
static const char SQL_EXPOSURE_IN_SCOPE[] =
	"SELECT 1 FROM site_exposures WHERE id = ? AND (? OR site_id = ?)";
static const char SQL_HISTORY_INSERT[] =
	"INSERT INTO finding_history (finding_id, exposure_id, time, from_status, to_status,"
	" cause, detail) VALUES (?, ?, ?, ?, ?, ?, ?)";

static void finding_row(struct medfwi_q *q, struct medfw_store_finding *f)
{
	f->id = medfwi_q_col_int(q, 0);
	medfwi_q_col_text(q, 1, f->target_name, sizeof(f->target_name));
	medfwi_q_col_text(q, 2, f->component_ref, sizeof(f->component_ref));
	medfwi_q_col_text(q, 3, f->component_name, sizeof(f->component_name));
	medfwi_q_col_text(q, 4, f->component_version, sizeof(f->component_version));
	medfwi_q_col_text(q, 5, f->vuln_id, sizeof(f->vuln_id));
	f->status = medfwi_vuln_col_status(q, 6);
	f->severity = medfwi_vuln_col_severity(q, 7);
	f->score_tenths = medfwi_vuln_col_score(q, 8);
	f->kev = (int)medfwi_q_col_int(q, 9);
	medfwi_q_col_text(q, 10, f->kev_date_added, sizeof(f->kev_date_added));
	medfwi_q_col_text(q, 11, f->kev_due_date, sizeof(f->kev_due_date));
	f->priority = medfwi_q_col_int(q, 12);
	f->vex_applied = (int)medfwi_q_col_int(q, 13);
	medfwi_q_col_text(q, 14, f->fixed_by, sizeof(f->fixed_by));
	f->first_seen = medfwi_q_col_int(q, 15);
	f->last_changed = medfwi_q_col_int(q, 16);
}

static void bind_filter(struct medfwi_q *q, const struct medfw_store_finding_filter *f)
{
	const char *status = f->status != 0 ? medfw_store_finding_status_name(f->status) : "";
	const char *severity = f->severity != 0 ? medfw_store_severity_name(f->severity) : "";

	medfwi_q_text(q, f->target_name);
	medfwi_q_text(q, f->target_name);
	medfwi_q_text(q, status);
	medfwi_q_text(q, status);
	medfwi_q_int(q, f->open_only ? 1 : 0);
	medfwi_q_text(q, severity);
	medfwi_q_text(q, severity);
	medfwi_q_int(q, f->kev);
	medfwi_q_int(q, f->kev);
	medfwi_q_text(q, f->vuln_id);
	medfwi_q_text(q, f->vuln_id);
}

struct finding_list_arg {
	const struct medfw_store_finding_filter *filter;
	int64_t offset, limit, total;
	medfw_store_finding_fn fn;
	void *user;
	struct medfw_store_finding *f;
	ZSTD_DCtx *dctx;
};

static enum medfw_err finding_list_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct finding_list_arg *a = arg;
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err = MEDFW_OK;

	if (medfwi_q_begin(&q, tx, FINDING_WHAT, SQL_FINDING_COUNT, diag) == MEDFW_OK) {
		bind_filter(&q, a->filter);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
			a->total = medfwi_q_col_int(&q, 0);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && medfwi_q_begin(&q, tx, FINDING_WHAT, SQL_FINDING_LIST, diag) == MEDFW_OK) {
		bind_filter(&q, a->filter);
		medfwi_q_int(&q, a->limit);
		medfwi_q_int(&q, a->offset);
		while (err == MEDFW_OK && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			char *detail = NULL;
			size_t len = 0;

			memset(a->f, 0, sizeof(*a->f));
			finding_row(&q, a->f);
			if (q.err != MEDFW_OK)
				break;
			err = medfwi_vuln_col_unpack(a->dctx, &q, 17, 18,
						     MEDFWI_VULN_FINDING_DETAIL_MAX, "finding",
						     &detail, &len, diag);
			if (err == MEDFW_OK)
				err = a->fn(a->user, a->f, detail, len, diag);
			free(detail);
		}
	}
	if (medfwi_q_end(&q) != MEDFW_OK && err == MEDFW_OK)
		err = q.err;
	return err;
}

enum medfw_err medfw_store_finding_list(struct medfw_store *store,
					const struct medfw_store_finding_filter *filter,
					int64_t offset, int64_t limit, medfw_store_finding_fn fn,
					void *user, int64_t *out_total, struct medfw_diag *diag)
{
	static const struct medfw_store_finding_filter all = {.kev = -1};
	struct finding_list_arg a;
	enum medfw_err err;

	if (out_total != NULL)
		*out_total = 0;
	if (store == NULL || fn == NULL || offset < 0 || limit < 1 || limit > LIST_LIMIT_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: bad list arguments",
				      FINDING_WHAT);
	if (filter == NULL)
		filter = &all;
	if (memchr(filter->target_name, '\0', sizeof(filter->target_name)) == NULL ||
	    memchr(filter->vuln_id, '\0', sizeof(filter->vuln_id)) == NULL ||
	    (filter->status != 0 && medfw_store_finding_status_name(filter->status) == NULL) ||
	    (filter->severity != 0 && medfw_store_severity_name(filter->severity) == NULL) ||
	    filter->kev < -1 || filter->kev > 1)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: bad filter", FINDING_WHAT);
	memset(&a, 0, sizeof(a));
	a.filter = filter;
	a.offset = offset;
	a.limit = limit;
	a.fn = fn;
	a.user = user;
	a.f = malloc(sizeof(*a.f));
	a.dctx = ZSTD_createDCtx();
	err = a.f == NULL || a.dctx == NULL ? medfwi_vuln_nomem(diag)
					    : medfwi_run(store, MEDFWI_TX_READ, finding_list_fn, &a, diag);
	free(a.f);
	ZSTD_freeDCtx(a.dctx);
	if (err == MEDFW_OK && out_total != NULL)
		*out_total = a.total;
	return err;
}

struct finding_get_arg {
	int64_t id;
	struct medfw_store_finding *out;
	struct medfw_buf *detail;
};

static enum medfw_err finding_get_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct finding_get_arg *a = arg;
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err = MEDFW_OK;

	if (medfwi_q_begin(&q, tx, FINDING_WHAT, SQL_FINDING_GET, diag) == MEDFW_OK) {
		medfwi_q_int(&q, a->id);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			finding_row(&q, a->out);
			if (q.err == MEDFW_OK && a->detail != NULL)
				err = medfwi_vuln_col_append(&q, 17, 18,
							     MEDFWI_VULN_FINDING_DETAIL_MAX,
							     "finding", a->detail, diag);
		}
	}
	if (medfwi_q_end(&q) != MEDFW_OK && err == MEDFW_OK)
		err = q.err;
	if (err == MEDFW_OK && !row)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "%s: no finding %lld", FINDING_WHAT,
				     (long long)a->id);
	return err;
}

enum medfw_err medfw_store_finding_get(struct medfw_store *store, int64_t id,
				       struct medfw_store_finding *out,
				       struct medfw_buf *out_detail, struct medfw_diag *diag)
{
	struct finding_get_arg a = {id, out, out_detail};

	memset(out, 0, sizeof(*out));
	return medfwi_vuln_get(store, finding_get_fn, &a, out, sizeof(*out), out_detail, diag);
}

struct history_arg {
	struct medfw_store_scope scope;
	int64_t finding_id, exposure_id;
	struct medfw_store_vuln_event *out;
	size_t cap, count;
};

static enum medfw_err history_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct history_arg *a = arg;
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err = MEDFW_OK;

	a->count = 0;
	if (a->exposure_id != 0) {
		if (medfwi_q_begin(&q, tx, "exposure", SQL_EXPOSURE_IN_SCOPE, diag) == MEDFW_OK) {
			medfwi_q_int(&q, a->exposure_id);
			medfwi_q_scope(&q, a->scope);
			medfwi_q_step(&q, &row);
		}
		err = medfwi_q_end(&q);
		if (err == MEDFW_OK && !row)
			err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "exposure: no exposure %lld",
					     (long long)a->exposure_id);
		if (err != MEDFW_OK)
			return err;
	}
	if (medfwi_q_begin(&q, tx, "history",
			   a->exposure_id != 0 ? SQL_HISTORY_EXPOSURE : SQL_HISTORY_FINDING,
			   diag) == MEDFW_OK) {
		medfwi_q_int(&q, a->exposure_id != 0 ? a->exposure_id : a->finding_id);
		if (a->exposure_id != 0)
			medfwi_q_scope(&q, a->scope);
		medfwi_q_int(&q, (int64_t)a->cap);
		while (a->count < a->cap && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			struct medfw_store_vuln_event *e = &a->out[a->count++];

			e->id = medfwi_q_col_int(&q, 0);
			e->finding_id = medfwi_q_col_int(&q, 1);
			e->exposure_id = medfwi_q_col_int(&q, 2);
			e->time = medfwi_q_col_int(&q, 3);
			medfwi_q_col_text(&q, 4, e->from, sizeof(e->from));
			medfwi_q_col_text(&q, 5, e->to, sizeof(e->to));
			e->cause = medfwi_vuln_col_cause(&q, 6);
			medfwi_q_col_text(&q, 7, e->detail, sizeof(e->detail));
			e->site_id = medfwi_q_col_int(&q, 8);
		}
	}
	return medfwi_q_end(&q);
}

enum medfw_err medfw_store_vuln_history(struct medfw_store *store, struct medfw_store_scope scope,
					int64_t finding_id, int64_t exposure_id,
					struct medfw_store_vuln_event *out, size_t cap,
					size_t *out_count, struct medfw_diag *diag)
{
	struct history_arg a = {scope, finding_id, exposure_id, out, cap, 0};
	enum medfw_err err;

	*out_count = 0;
	if ((finding_id != 0) == (exposure_id != 0) || finding_id < 0 || exposure_id < 0 ||
	    (cap > 0 && out == NULL))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "history: give a finding or an exposure");
	err = medfwi_check_scope(scope, diag);
	if (err != MEDFW_OK)
		return err;
	err = medfwi_vuln_list(store, history_fn, &a, out, cap, sizeof(*out), diag);
	if (err != MEDFW_OK)
		return err;
	*out_count = a.count;
	return MEDFW_OK;
}

enum medfw_err medfwi_vuln_history_add(struct medfw_store *tx, int64_t finding_id,
				       int64_t exposure_id, int64_t time, const char *from,
				       const char *to, enum medfw_store_vuln_cause cause,
				       const char *detail, const char *reason,
				       struct medfw_diag *diag)
{
	char text[MEDFW_STORE_VULN_EVENT_DETAIL_MAX + 1];
	struct medfwi_q q;

	medfwi_vuln_cut_printf(text, sizeof(text), "%s%s%s", detail != NULL ? detail : "",
			       detail != NULL && detail[0] != '\0' && reason != NULL ? ": " : "",
			       reason != NULL ? reason : "");
	if (medfwi_q_begin(&q, tx, "history", SQL_HISTORY_INSERT, diag) == MEDFW_OK) {
		medfwi_q_int0(&q, finding_id);
		medfwi_q_int0(&q, exposure_id);
		medfwi_q_int(&q, time);
		medfwi_q_text(&q, from);
		medfwi_q_text(&q, to);
		medfwi_q_text(&q, medfw_store_vuln_cause_name(cause));
		medfwi_q_text(&q, text);
		medfwi_q_exec(&q, NULL);
	}
	return medfwi_q_end(&q);
}
