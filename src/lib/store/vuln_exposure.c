/* SLA policies, sites' exposures and the report in the store (medfw/store_vuln.h): a
 * site's remediation SLA, each site's exposure to each vulnerability open in a release
 * its enrolled devices run (with its due date, refreshed after every re-evaluation), and
 * the per-site and per-model report. Tenant data: every read takes a site scope. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/num.h"
#include "medfw/store_vuln.h"
#include "store_internal.h"
#include "vuln_int.h"

#define DAY 86400

/* ---------------------------------------------------------------- SLA policies */

#define SLA_WHAT "SLA policy"

static const char SQL_SLA_SITE[] = "SELECT 1 FROM sites WHERE id = ? AND (? OR id = ?)";
static const char SQL_SLA_GET[] =
	"SELECT critical_days, high_days, medium_days, low_days, kev_days, updated_by, updated_at"
	" FROM sla_policies WHERE site_id = ?";
static const char SQL_SLA_ALL[] =
	"SELECT site_id, critical_days, high_days, medium_days, low_days, kev_days, updated_by,"
	" updated_at FROM sla_policies";
static const char SQL_SLA_PUT[] =
	"INSERT INTO sla_policies (site_id, critical_days, high_days, medium_days, low_days,"
	" kev_days, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
	" ON CONFLICT (site_id) DO UPDATE SET critical_days = excluded.critical_days,"
	" high_days = excluded.high_days, medium_days = excluded.medium_days,"
	" low_days = excluded.low_days, kev_days = excluded.kev_days,"
	" updated_by = excluded.updated_by, updated_at = excluded.updated_at";
static const char SQL_EXPOSURE_OPEN_OF_SITE[] =
	"SELECT id, severity, kev, kev_due_date, first_seen, due_at FROM site_exposures"
	" WHERE site_id = ? AND closed_at IS NULL";
static const char SQL_EXPOSURE_DUE[] = "UPDATE site_exposures SET due_at = ? WHERE id = ?";

static void sla_defaults(int64_t site_id, struct medfw_store_sla_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->site_id = site_id;
	p->critical_days = MEDFW_STORE_SLA_DEFAULT_CRITICAL;
	p->high_days = MEDFW_STORE_SLA_DEFAULT_HIGH;
	p->medium_days = MEDFW_STORE_SLA_DEFAULT_MEDIUM;
	p->low_days = MEDFW_STORE_SLA_DEFAULT_LOW;
	p->kev_days = MEDFW_STORE_SLA_DEFAULT_KEV;
	p->is_default = 1;
}

int64_t medfw_store_sla_days(const struct medfw_store_sla_policy *policy,
			     enum medfw_store_severity severity, int kev)
{
	int64_t days;

	switch (severity) {
	case MEDFW_STORE_SEVERITY_CRITICAL: days = policy->critical_days; break;
	case MEDFW_STORE_SEVERITY_MEDIUM: days = policy->medium_days; break;
	case MEDFW_STORE_SEVERITY_LOW: days = policy->low_days; break;
	case MEDFW_STORE_SEVERITY_HIGH:
	case MEDFW_STORE_SEVERITY_NONE:
	default: days = policy->high_days; break;
	}
	if (kev && policy->kev_days < days)
		days = policy->kev_days;
	return days;
}

/* When an exposure is due: first_seen + the policy's days; KEV-listed: or the end (UTC)
 * of the catalog's due date, whichever comes first. */
static int64_t due_of(const struct medfw_store_sla_policy *p, enum medfw_store_severity sev,
		      int kev, const char *kev_due, int64_t first_seen)
{
	int64_t due = first_seen + medfw_store_sla_days(p, sev, kev) * DAY, t = 0;
	char buf[32];

	if (kev && kev_due[0] != '\0' && strlen(kev_due) == 10) {
		snprintf(buf, sizeof(buf), "%sT23:59:59Z", kev_due);
		if (medfw_parse_utc_time(buf, &t) == MEDFW_OK && t < due)
			due = t;
	}
	return due;
}

static enum medfw_err site_in_scope(struct medfw_store *tx, struct medfw_store_scope scope,
				    int64_t site_id, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	if (medfwi_q_begin(&q, tx, SLA_WHAT, SQL_SLA_SITE, diag) == MEDFW_OK) {
		medfwi_q_int(&q, site_id);
		medfwi_q_scope(&q, scope);
		medfwi_q_step(&q, &row);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && !row)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "%s: no site with id %lld", SLA_WHAT,
				     (long long)site_id);
	return err;
}

static void sla_row(struct medfwi_q *q, int first, struct medfw_store_sla_policy *p)
{
	p->critical_days = medfwi_q_col_int(q, first);
	p->high_days = medfwi_q_col_int(q, first + 1);
	p->medium_days = medfwi_q_col_int(q, first + 2);
	p->low_days = medfwi_q_col_int(q, first + 3);
	p->kev_days = medfwi_q_col_int(q, first + 4);
	p->updated_by = medfwi_q_col_int(q, first + 5);
	p->updated_at = medfwi_q_col_int(q, first + 6);
	p->is_default = 0;
}

struct sla_arg {
	struct medfw_store_scope scope;
	struct medfw_store_sla_policy *p;
};

static enum medfw_err sla_read(struct medfw_store *tx, int64_t site_id,
			       struct medfw_store_sla_policy *p, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;

	sla_defaults(site_id, p);
	if (medfwi_q_begin(&q, tx, SLA_WHAT, SQL_SLA_GET, diag) == MEDFW_OK) {
		medfwi_q_int(&q, site_id);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
			sla_row(&q, 0, p);
	}
	return medfwi_q_end(&q);
}

static enum medfw_err sla_get_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct sla_arg *a = arg;
	enum medfw_err err = site_in_scope(tx, a->scope, a->p->site_id, diag);

	return err == MEDFW_OK ? sla_read(tx, a->p->site_id, a->p, diag) : err;
}

enum medfw_err medfw_store_sla_policy_get(struct medfw_store *store,
					  struct medfw_store_scope scope, int64_t site_id,
					  struct medfw_store_sla_policy *out,
					  struct medfw_diag *diag)
{
	struct sla_arg a = {scope, out};
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	err = medfwi_check_scope(scope, diag);
	if (err != MEDFW_OK)
		return err;
	out->site_id = site_id;
	err = medfwi_run(store, MEDFWI_TX_READ, sla_get_fn, &a, diag);
	if (err != MEDFW_OK)
		memset(out, 0, sizeof(*out));
	return err;
}

static enum medfw_err sla_put_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct sla_arg *a = arg;
	struct medfw_store_sla_policy *p = a->p;
	struct medfwi_q q;
	struct {
		int64_t id, due;
	} *upd = NULL;
	size_t n = 0, cap = 0;
	int row = 0;
	enum medfw_err err = site_in_scope(tx, a->scope, p->site_id, diag);

	p->updated_at = medfwi_now(tx);
	if (err == MEDFW_OK && medfwi_q_begin(&q, tx, SLA_WHAT, SQL_SLA_PUT, diag) == MEDFW_OK) {
		medfwi_q_int(&q, p->site_id);
		medfwi_q_int(&q, p->critical_days);
		medfwi_q_int(&q, p->high_days);
		medfwi_q_int(&q, p->medium_days);
		medfwi_q_int(&q, p->low_days);
		medfwi_q_int(&q, p->kev_days);
		medfwi_q_int0(&q, p->updated_by);
		medfwi_q_int(&q, p->updated_at);
		medfwi_q_exec(&q, NULL);
	}
	if (err == MEDFW_OK)
		err = medfwi_q_end(&q);
	/* the due dates of the site's open exposures follow the new policy */
	if (err == MEDFW_OK &&
	    medfwi_q_begin(&q, tx, SLA_WHAT, SQL_EXPOSURE_OPEN_OF_SITE, diag) == MEDFW_OK) {
		medfwi_q_int(&q, p->site_id);
		while (err == MEDFW_OK && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			char kev_due[11];
			int64_t due;

			medfwi_q_col_text(&q, 3, kev_due, sizeof(kev_due));
			due = due_of(p, medfwi_vuln_col_severity(&q, 1),
				     (int)medfwi_q_col_int(&q, 2), kev_due,
				     medfwi_q_col_int(&q, 4));
			if (due == medfwi_q_col_int(&q, 5))
				continue;
			if (!medfwi_vuln_grow((void **)&upd, &cap, n, sizeof(*upd))) {
				err = medfwi_vuln_nomem(diag);
				break;
			}
			upd[n].id = medfwi_q_col_int(&q, 0);
			upd[n].due = due;
			n++;
		}
	}
	if (err == MEDFW_OK && medfwi_q_end(&q) != MEDFW_OK)
		err = q.err;
	for (size_t i = 0; err == MEDFW_OK && i < n; i++) {
		int64_t v[2] = {upd[i].due, upd[i].id};

		err = medfwi_vuln_exec_ints(tx, SLA_WHAT, SQL_EXPOSURE_DUE, v, 2, NULL, diag);
	}
	free(upd);
	return err;
}

enum medfw_err medfw_store_sla_policy_put(struct medfw_store *store,
					  struct medfw_store_scope scope,
					  struct medfw_store_sla_policy *policy,
					  struct medfw_diag *diag)
{
	struct sla_arg a = {scope, policy};
	const struct {
		const char *name;
		int64_t v;
	} days[] = {{"critical_days", policy->critical_days}, {"high_days", policy->high_days},
		    {"medium_days", policy->medium_days},     {"low_days", policy->low_days},
		    {"kev_days", policy->kev_days}};
	enum medfw_err err = medfwi_check_scope(scope, diag);

	if (err != MEDFW_OK)
		return err;
	for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++)
		if (days[i].v < 1 || days[i].v > MEDFW_STORE_SLA_DAYS_MAX)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "%s: %s: %lld is not 1 to %d days", SLA_WHAT,
					      days[i].name, (long long)days[i].v,
					      MEDFW_STORE_SLA_DAYS_MAX);
	policy->is_default = 0;
	return medfwi_run(store, MEDFWI_TX_WRITE, sla_put_fn, &a, diag);
}

/* ---------------------------------------------------------------- exposures */

#define EXPOSURE_WHAT "exposure"
#define EXPOSURE_COLS                                                                   \
	"id, site_id, vuln_id, severity, score, kev, kev_due_date, devices, fixed_by,"   \
	" first_seen, due_at, closed_at"
/* Devices per (site, release), the open vulnerabilities per release, joined: each
 * site's exposure to each vulnerability with the devices that carry it. */
static const char SQL_EXPOSED_NOW[] =
	"WITH dr AS (SELECT d.site_id AS site_id, r.target_name AS target_name, COUNT(*) AS n"
	"  FROM devices d JOIN release_sboms r ON r.target_sha256 = lower(d.image_sha256)"
	"  WHERE d.enrolment_state = 'enrolled' GROUP BY d.site_id, r.target_name),"
	" fv AS (SELECT target_name, vuln_id, MAX(score) AS score, MAX(kev) AS kev,"
	"  MIN(NULLIF(kev_due_date, '')) AS kev_due, MAX(NULLIF(fixed_by, '')) AS fixed_by"
	"  FROM findings WHERE status IN " MEDFWI_VULN_OPEN_STATUSES
	" GROUP BY target_name, vuln_id)"
	" SELECT dr.site_id, fv.vuln_id, MAX(fv.score), MAX(fv.kev), MIN(fv.kev_due), SUM(dr.n),"
	"  MAX(fv.fixed_by) FROM dr JOIN fv ON fv.target_name = dr.target_name"
	" GROUP BY dr.site_id, fv.vuln_id";
static const char SQL_EXPOSURES_ALL[] = "SELECT " EXPOSURE_COLS " FROM site_exposures";
static const char SQL_EXPOSURE_INSERT[] =
	"INSERT INTO site_exposures (site_id, vuln_id, severity, score, kev, kev_due_date, devices,"
	" fixed_by, first_seen, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_EXPOSURE_UPDATE[] =
	"UPDATE site_exposures SET severity = ?, score = ?, kev = ?, kev_due_date = ?, devices = ?,"
	" fixed_by = ?, due_at = ?, closed_at = NULL WHERE id = ?";
static const char SQL_EXPOSURE_CLOSE[] =
	"UPDATE site_exposures SET devices = 0, closed_at = ? WHERE id = ?";
static const char SQL_EXPOSURE_LIST[] =
	"SELECT " EXPOSURE_COLS " FROM site_exposures WHERE (? OR site_id = ?)"
	" AND (? = 0 OR site_id = ?) AND (? = 0 OR closed_at IS NULL) AND (? = '' OR vuln_id = ?)"
	" ORDER BY site_id, closed_at IS NOT NULL, due_at, id LIMIT ? OFFSET ?";
static const char SQL_EXPOSURE_COUNT[] =
	"SELECT COUNT(*) FROM site_exposures WHERE (? OR site_id = ?)"
	" AND (? = 0 OR site_id = ?) AND (? = 0 OR closed_at IS NULL) AND (? = '' OR vuln_id = ?)";

struct xrow {
	int64_t id; /* 0: new */
	int64_t site_id;
	char *vuln;
	enum medfw_store_severity severity;
	int score, kev;
	char kev_due[11];
	int64_t devices;
	char *fixed_by;
	int64_t first_seen, due_at, closed_at;
	int matched; /* existing: exposed now */
};

struct xset {
	struct xrow *v;
	size_t n, cap;
};

static void xset_free(struct xset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].vuln);
		free(s->v[i].fixed_by);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int cmp_xrow(const void *a, const void *b)
{
	const struct xrow *x = a, *y = b;

	if (x->site_id != y->site_id)
		return x->site_id < y->site_id ? -1 : 1;
	return strcmp(x->vuln, y->vuln);
}

static void exposure_row(struct medfwi_q *q, struct medfw_store_exposure *e)
{
	e->id = medfwi_q_col_int(q, 0);
	e->site_id = medfwi_q_col_int(q, 1);
	medfwi_q_col_text(q, 2, e->vuln_id, sizeof(e->vuln_id));
	e->severity = medfwi_vuln_col_severity(q, 3);
	e->score_tenths = medfwi_vuln_col_score(q, 4);
	e->kev = (int)medfwi_q_col_int(q, 5);
	medfwi_q_col_text(q, 6, e->kev_due_date, sizeof(e->kev_due_date));
	e->devices = medfwi_q_col_int(q, 7);
	medfwi_q_col_text(q, 8, e->fixed_by, sizeof(e->fixed_by));
	e->first_seen = medfwi_q_col_int(q, 9);
	e->due_at = medfwi_q_col_int(q, 10);
	e->closed_at = medfwi_q_col_int(q, 11);
}

static enum medfw_err xset_load(struct medfw_store *tx, const char *sql, int computed,
				struct xset *s, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err = MEDFW_OK;
	struct medfw_store_exposure *e = malloc(sizeof(*e));

	if (e == NULL)
		return medfwi_vuln_nomem(diag);
	if (medfwi_q_begin(&q, tx, EXPOSURE_WHAT, sql, diag) == MEDFW_OK) {
		while (err == MEDFW_OK && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			struct xrow *x;

			if (!medfwi_vuln_grow((void **)&s->v, &s->cap, s->n, sizeof(*s->v))) {
				err = medfwi_vuln_nomem(diag);
				break;
			}
			x = &s->v[s->n++];
			memset(x, 0, sizeof(*x));
			if (computed) {
				char *due = medfwi_vuln_col_dup(&q, 4);

				x->site_id = medfwi_q_col_int(&q, 0);
				x->vuln = medfwi_vuln_col_dup(&q, 1);
				x->score = medfwi_vuln_col_score(&q, 2);
				x->severity = medfw_store_severity_of_score(x->score);
				x->kev = (int)medfwi_q_col_int(&q, 3);
				medfwi_vuln_copy_cut(x->kev_due, sizeof(x->kev_due),
						     due != NULL ? due : "");
				x->devices = medfwi_q_col_int(&q, 5);
				x->fixed_by = medfwi_vuln_col_dup(&q, 6);
				if (due == NULL)
					err = medfwi_vuln_nomem(diag);
				free(due);
			} else {
				memset(e, 0, sizeof(*e));
				exposure_row(&q, e);
				x->id = e->id;
				x->site_id = e->site_id;
				x->vuln = medfwi_vuln_dup_s(e->vuln_id);
				x->severity = e->severity;
				x->score = e->score_tenths;
				x->kev = e->kev;
				memcpy(x->kev_due, e->kev_due_date, sizeof(x->kev_due));
				x->devices = e->devices;
				x->fixed_by = medfwi_vuln_dup_s(e->fixed_by);
				x->first_seen = e->first_seen;
				x->due_at = e->due_at;
				x->closed_at = e->closed_at;
			}
			if (x->vuln == NULL || x->fixed_by == NULL)
				err = medfwi_vuln_nomem(diag);
		}
	}
	if (medfwi_q_end(&q) != MEDFW_OK && err == MEDFW_OK)
		err = q.err;
	free(e);
	if (err == MEDFW_OK && s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), cmp_xrow);
	return err;
}

struct policies {
	struct medfw_store_sla_policy *v;
	size_t n, cap;
};

static enum medfw_err policies_load(struct medfw_store *tx, struct policies *p,
				    struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err = MEDFW_OK;

	if (medfwi_q_begin(&q, tx, SLA_WHAT, SQL_SLA_ALL, diag) == MEDFW_OK) {
		while (err == MEDFW_OK && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			if (!medfwi_vuln_grow((void **)&p->v, &p->cap, p->n, sizeof(*p->v))) {
				err = medfwi_vuln_nomem(diag);
				break;
			}
			memset(&p->v[p->n], 0, sizeof(p->v[p->n]));
			p->v[p->n].site_id = medfwi_q_col_int(&q, 0);
			sla_row(&q, 1, &p->v[p->n]);
			p->n++;
		}
	}
	if (medfwi_q_end(&q) != MEDFW_OK && err == MEDFW_OK)
		err = q.err;
	return err;
}

static void policy_of(const struct policies *p, int64_t site_id, struct medfw_store_sla_policy *out)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].site_id == site_id) {
			*out = p->v[i];
			return;
		}
	sla_defaults(site_id, out);
}

struct refresh_arg {
	enum medfw_store_vuln_cause cause;
	const char *detail;
	size_t opened, closed;
};

static enum medfw_err exposure_write(struct medfw_store *tx, const struct xrow *now_row,
				     const struct xrow *old, int64_t due, int64_t now,
				     int64_t *out_id, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;

	if (medfwi_q_begin(&q, tx, EXPOSURE_WHAT, old == NULL ? SQL_EXPOSURE_INSERT
							      : SQL_EXPOSURE_UPDATE,
			   diag) == MEDFW_OK) {
		if (old == NULL) {
			medfwi_q_int(&q, now_row->site_id);
			medfwi_q_text(&q, now_row->vuln);
		}
		medfwi_q_text(&q, medfw_store_severity_name(now_row->severity));
		medfwi_vuln_q_score(&q, now_row->score);
		medfwi_q_int(&q, now_row->kev);
		medfwi_q_text(&q, now_row->kev_due);
		medfwi_q_int(&q, now_row->devices);
		medfwi_q_text(&q, now_row->fixed_by);
		if (old == NULL) {
			medfwi_q_int(&q, now);
			medfwi_q_int(&q, due);
		} else {
			medfwi_q_int(&q, due);
			medfwi_q_int(&q, old->id);
		}
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row && old == NULL)
			*out_id = medfwi_q_col_int(&q, 0);
		while (q.err == MEDFW_OK && row)
			medfwi_q_step(&q, &row);
	}
	return medfwi_q_end(&q);
}

static int xrow_same(const struct xrow *a, const struct xrow *b, int64_t due)
{
	return a->severity == b->severity && a->score == b->score && a->kev == b->kev &&
	       strcmp(a->kev_due, b->kev_due) == 0 && a->devices == b->devices &&
	       strcmp(a->fixed_by, b->fixed_by) == 0 && b->due_at == due && b->closed_at == 0;
}

static enum medfw_err refresh_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct refresh_arg *a = arg;
	struct xset cur = {0}, old = {0};
	struct policies pol = {0};
	struct medfw_store_sla_policy p;
	char why[160];
	int64_t now = medfwi_now(tx);
	size_t i, k = 0;
	enum medfw_err err;

	a->opened = a->closed = 0;
	err = xset_load(tx, SQL_EXPOSED_NOW, 1, &cur, diag);
	if (err == MEDFW_OK)
		err = xset_load(tx, SQL_EXPOSURES_ALL, 0, &old, diag);
	if (err == MEDFW_OK)
		err = policies_load(tx, &pol, diag);
	/* both sorted by (site, vulnerability): walk them together */
	for (i = 0; err == MEDFW_OK && i < cur.n; i++) {
		struct xrow *c = &cur.v[i];
		struct xrow *o = NULL;
		int64_t id = 0, due;

		while (k < old.n && cmp_xrow(&old.v[k], c) < 0)
			k++;
		if (k < old.n && cmp_xrow(&old.v[k], c) == 0) {
			o = &old.v[k];
			o->matched = 1;
		}
		policy_of(&pol, c->site_id, &p);
		due = due_of(&p, c->severity, c->kev, c->kev_due, o != NULL ? o->first_seen : now);
		if (o != NULL && xrow_same(c, o, due))
			continue;
		err = exposure_write(tx, c, o, due, now, &id, diag);
		if (err != MEDFW_OK || (o != NULL && o->closed_at == 0))
			continue;
		snprintf(why, sizeof(why), "%s on %lld device%s of the site",
			 o == NULL ? "exposed" : "exposed again", (long long)c->devices,
			 c->devices == 1 ? "" : "s");
		err = medfwi_vuln_history_add(tx, 0, o != NULL ? o->id : id, now,
					      o != NULL ? "closed" : "", "open", a->cause, a->detail,
					      why, diag);
		a->opened++;
	}
	for (i = 0; err == MEDFW_OK && i < old.n; i++) {
		struct xrow *o = &old.v[i];
		int64_t v[2] = {now, o->id};

		if (o->matched || o->closed_at != 0)
			continue;
		err = medfwi_vuln_exec_ints(tx, EXPOSURE_WHAT, SQL_EXPOSURE_CLOSE, v, 2, NULL,
					    diag);
		if (err == MEDFW_OK)
			err = medfwi_vuln_history_add(
				tx, 0, o->id, now, "open", "closed", a->cause, a->detail,
				"no device of the site runs a release in which it is open", diag);
		a->closed++;
	}
	xset_free(&cur);
	xset_free(&old);
	free(pol.v);
	return err;
}

enum medfw_err medfw_store_vuln_exposures_refresh(struct medfw_store *store,
						  enum medfw_store_vuln_cause cause,
						  const char *detail, size_t *out_opened,
						  size_t *out_closed, struct medfw_diag *diag)
{
	struct refresh_arg a = {cause, detail, 0, 0};
	enum medfw_err err;

	if (out_opened != NULL)
		*out_opened = 0;
	if (out_closed != NULL)
		*out_closed = 0;
	if (store == NULL || medfw_store_vuln_cause_name(cause) == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: bad arguments",
				      EXPOSURE_WHAT);
	err = medfwi_run(store, MEDFWI_TX_WRITE, refresh_fn, &a, diag);
	if (err != MEDFW_OK)
		return err;
	if (out_opened != NULL)
		*out_opened = a.opened;
	if (out_closed != NULL)
		*out_closed = a.closed;
	return MEDFW_OK;
}

static int overdue_at(const struct medfw_store_exposure *e, int64_t now)
{
	return e->closed_at == 0 ? now > e->due_at : e->closed_at > e->due_at;
}

struct exposure_list_arg {
	struct medfw_store_scope scope;
	const struct medfw_store_exposure_filter *f;
	int64_t offset;
	struct medfw_store_exposure *out;
	size_t cap, count;
	int64_t total;
};

static void bind_exposure_filter(struct medfwi_q *q, const struct exposure_list_arg *a)
{
	medfwi_q_scope(q, a->scope);
	medfwi_q_int(q, a->f->site_id);
	medfwi_q_int(q, a->f->site_id);
	medfwi_q_int(q, a->f->open_only ? 1 : 0);
	medfwi_q_text(q, a->f->vuln_id);
	medfwi_q_text(q, a->f->vuln_id);
}

static enum medfw_err exposure_list_fn(struct medfw_store *tx, void *arg,
				       struct medfw_diag *diag)
{
	struct exposure_list_arg *a = arg;
	struct medfwi_q q;
	int64_t now = medfwi_now(tx);
	int row = 0;
	enum medfw_err err;

	a->count = 0;
	if (medfwi_q_begin(&q, tx, EXPOSURE_WHAT, SQL_EXPOSURE_LIST, diag) == MEDFW_OK) {
		bind_exposure_filter(&q, a);
		medfwi_q_int(&q, (int64_t)a->cap);
		medfwi_q_int(&q, a->offset);
		while (a->count < a->cap && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			struct medfw_store_exposure *e = &a->out[a->count++];

			exposure_row(&q, e);
			e->overdue = overdue_at(e, now);
		}
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK &&
	    medfwi_q_begin(&q, tx, EXPOSURE_WHAT, SQL_EXPOSURE_COUNT, diag) == MEDFW_OK) {
		bind_exposure_filter(&q, a);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
			a->total = medfwi_q_col_int(&q, 0);
	}
	if (err == MEDFW_OK)
		err = medfwi_q_end(&q);
	return err;
}

enum medfw_err medfw_store_exposure_list(struct medfw_store *store, struct medfw_store_scope scope,
					 const struct medfw_store_exposure_filter *filter,
					 int64_t offset, struct medfw_store_exposure *out,
					 size_t cap, size_t *out_count, int64_t *out_total,
					 struct medfw_diag *diag)
{
	static const struct medfw_store_exposure_filter all = {0};
	struct exposure_list_arg a;
	enum medfw_err err;

	*out_count = 0;
	if (out_total != NULL)
		*out_total = 0;
	if ((cap > 0 && out == NULL) || offset < 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: bad list arguments",
				      EXPOSURE_WHAT);
	if (filter == NULL)
		filter = &all;
	if (memchr(filter->vuln_id, '\0', sizeof(filter->vuln_id)) == NULL || filter->site_id < 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: bad filter", EXPOSURE_WHAT);
	err = medfwi_check_scope(scope, diag);
	if (err != MEDFW_OK)
		return err;
	memset(&a, 0, sizeof(a));
	a.scope = scope;
	a.f = filter;
	a.offset = offset;
	a.out = out;
	a.cap = cap;
	err = medfwi_vuln_list(store, exposure_list_fn, &a, out, cap, sizeof(*out), diag);
	if (err != MEDFW_OK)
		return err;
	*out_count = a.count;
	if (out_total != NULL)
		*out_total = a.total;
	return MEDFW_OK;
}

/* ---------------------------------------------------------------- fixing rollouts */

#define SITE_MEMBERS                                                                        \
	" FROM rollout_devices rd JOIN devices d ON d.id = rd.device_id"                    \
	" WHERE rd.rollout_id = r.id AND d.site_id = ?1"
static const char SQL_FIX_ROLLOUTS[] =
	"SELECT r.id, r.name, r.state, (SELECT COUNT(*)" SITE_MEMBERS "),"
	" (SELECT COUNT(*)" SITE_MEMBERS " AND rd.state = 'committed')"
	" FROM rollouts r WHERE r.target_name = ?2 AND r.kind = 'update'"
	" AND (r.site_id = ?1 OR EXISTS (SELECT 1" SITE_MEMBERS ")"
	"  OR EXISTS (SELECT 1 FROM json_each(r.selector, '$.sites') j WHERE j.value = ?1))"
	" AND EXISTS (SELECT 1 FROM sites s WHERE s.id = ?1 AND (?3 OR s.id = ?4))"
	" ORDER BY r.id DESC LIMIT ?5";

struct fix_arg {
	struct medfw_store_scope scope;
	int64_t site_id;
	const char *target;
	struct medfw_store_fix_rollout *out;
	size_t cap, count;
};

static enum medfw_err fix_rollouts_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct fix_arg *a = arg;
	struct medfwi_q q;
	int row = 0;

	a->count = 0;
	if (medfwi_q_begin(&q, tx, "fixing rollouts", SQL_FIX_ROLLOUTS, diag) == MEDFW_OK) {
		medfwi_q_int(&q, a->site_id);
		medfwi_q_text(&q, a->target);
		medfwi_q_int(&q, a->scope.all_sites);
		medfwi_q_int(&q, a->scope.site_id);
		medfwi_q_int(&q, (int64_t)a->cap);
		while (a->count < a->cap && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			struct medfw_store_fix_rollout *r = &a->out[a->count++];

			r->id = medfwi_q_col_int(&q, 0);
			medfwi_q_col_text(&q, 1, r->name, sizeof(r->name));
			medfwi_q_col_text(&q, 2, r->state, sizeof(r->state));
			r->members = medfwi_q_col_int(&q, 3);
			r->committed = medfwi_q_col_int(&q, 4);
		}
	}
	return medfwi_q_end(&q);
}

enum medfw_err medfw_store_fix_rollouts(struct medfw_store *store, struct medfw_store_scope scope,
					int64_t site_id, const char *target_name,
					struct medfw_store_fix_rollout *out, size_t cap,
					size_t *out_count, struct medfw_diag *diag)
{
	struct fix_arg a;
	enum medfw_err err;

	*out_count = 0;
	if (store == NULL || target_name == NULL || (cap > 0 && out == NULL) || site_id < 1)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "fixing rollouts: bad arguments");
	err = medfwi_check_scope(scope, diag);
	if (err != MEDFW_OK)
		return err;
	memset(&a, 0, sizeof(a));
	a.scope = scope;
	a.site_id = site_id;
	a.target = target_name;
	a.out = out;
	a.cap = cap;
	err = medfwi_vuln_list(store, fix_rollouts_fn, &a, out, cap, sizeof(*out), diag);
	if (err == MEDFW_OK)
		*out_count = a.count;
	return err;
}

/* ---------------------------------------------------------------- report */

#define REPORT_WHAT "vulnerability report"
/* Parameters of every report query: (all_sites, site_id) of the scope, then the site
 * filter twice (0: any). */
#define DEVICE_SCOPE " AND (? OR d.site_id = ?) AND (? = 0 OR d.site_id = ?)"
#define DEVICE_RELEASE                                                                      \
	" FROM devices d JOIN release_sboms r ON r.target_sha256 = lower(d.image_sha256)"   \
	" WHERE d.enrolment_state = 'enrolled'" DEVICE_SCOPE
#define OPEN_FINDING_OF_R                                                                   \
	" EXISTS (SELECT 1 FROM findings f WHERE f.target_name = r.target_name AND f.status IN " \
	MEDFWI_VULN_OPEN_STATUSES ")"

static const char SQL_REPORT_SITES[] =
	"SELECT id, name FROM sites WHERE (? OR id = ?) AND (? = 0 OR id = ?) ORDER BY id";
static const char SQL_REPORT_SITE_DEVICES[] =
	"SELECT d.site_id, COUNT(*) FROM devices d WHERE d.enrolment_state = 'enrolled'"
	DEVICE_SCOPE " GROUP BY d.site_id";
static const char SQL_REPORT_SITE_WITH_SBOM[] =
	"SELECT d.site_id, COUNT(*)" DEVICE_RELEASE " GROUP BY d.site_id";
static const char SQL_REPORT_SITE_EXPOSED[] =
	"SELECT d.site_id, COUNT(*)" DEVICE_RELEASE " AND" OPEN_FINDING_OF_R " GROUP BY d.site_id";
static const char SQL_REPORT_EXPOSURES[] =
	"SELECT " EXPOSURE_COLS " FROM site_exposures WHERE (? OR site_id = ?)"
	" AND (? = 0 OR site_id = ?)";
static const char SQL_REPORT_MODELS[] =
	"SELECT r.model, COUNT(DISTINCT r.target_name), COUNT(*)" DEVICE_RELEASE
	" GROUP BY r.model ORDER BY r.model";
static const char SQL_REPORT_MODEL_EXPOSED[] =
	"SELECT r.model, COUNT(*)" DEVICE_RELEASE " AND" OPEN_FINDING_OF_R " GROUP BY r.model";
static const char SQL_REPORT_MODEL_OVERDUE[] =
	"SELECT r.model, COUNT(*)" DEVICE_RELEASE
	" AND EXISTS (SELECT 1 FROM findings f JOIN site_exposures e ON e.vuln_id = f.vuln_id"
	"  WHERE f.target_name = r.target_name AND f.status IN " MEDFWI_VULN_OPEN_STATUSES
	"  AND e.site_id = d.site_id AND e.closed_at IS NULL AND e.due_at < ?)"
	" GROUP BY r.model";
/* Releases run in scope, then their findings: distinct vulnerabilities per model. */
#define RUN_RELEASES                                                                        \
	" FROM findings f JOIN release_sboms r ON r.target_name = f.target_name"            \
	" WHERE f.target_name IN (SELECT r2.target_name FROM devices d JOIN release_sboms r2" \
	"  ON r2.target_sha256 = lower(d.image_sha256) WHERE d.enrolment_state = 'enrolled'" \
	DEVICE_SCOPE ")"
static const char SQL_REPORT_MODEL_STATUS[] =
	"SELECT r.model, f.status, COUNT(DISTINCT f.vuln_id)" RUN_RELEASES
	" GROUP BY r.model, f.status";
static const char SQL_REPORT_MODEL_SEVERITY[] =
	"SELECT r.model, f.severity, COUNT(DISTINCT f.vuln_id)" RUN_RELEASES
	" AND f.status IN " MEDFWI_VULN_OPEN_STATUSES " GROUP BY r.model, f.severity";
static const char SQL_REPORT_MODEL_KEV[] =
	"SELECT r.model, COUNT(DISTINCT f.vuln_id)" RUN_RELEASES
	" AND f.status IN " MEDFWI_VULN_OPEN_STATUSES " AND f.kev = 1 GROUP BY r.model";

struct report_arg {
	struct medfw_store_scope scope;
	int64_t site_id, now;
	struct medfw_store_vuln_site_report *sites;
	size_t site_cap, site_count;
	struct medfw_store_vuln_model_report *models;
	size_t model_cap, model_count;
};

static struct medfw_store_vuln_site_report *site_slot(struct report_arg *a, int64_t site_id)
{
	for (size_t i = 0; i < a->site_count; i++)
		if (a->sites[i].site_id == site_id)
			return &a->sites[i];
	return NULL;
}

static struct medfw_store_vuln_model_report *model_slot(struct report_arg *a, const char *model)
{
	for (size_t i = 0; i < a->model_count; i++)
		if (strcmp(a->models[i].model, model) == 0)
			return &a->models[i];
	return NULL;
}

typedef void (*report_row_fn)(struct report_arg *a, struct medfwi_q *q);

/* Run a report query with the scope parameters (and `extra` after them when given). */
static enum medfw_err report_query(struct medfw_store *tx, struct report_arg *a, const char *sql,
				   const int64_t *extra, report_row_fn fn, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;

	if (medfwi_q_begin(&q, tx, REPORT_WHAT, sql, diag) == MEDFW_OK) {
		medfwi_q_scope(&q, a->scope);
		medfwi_q_int(&q, a->site_id);
		medfwi_q_int(&q, a->site_id);
		if (extra != NULL)
			medfwi_q_int(&q, *extra);
		while (q.err == MEDFW_OK && medfwi_q_step(&q, &row) == MEDFW_OK && row)
			fn(a, &q);
	}
	return medfwi_q_end(&q);
}

static void row_site(struct report_arg *a, struct medfwi_q *q)
{
	struct medfw_store_vuln_site_report *s;

	if (a->site_count == a->site_cap) {
		q->err = medfw_diag_set(q->diag, MEDFW_ERR_TOO_LARGE, "%s: more than %zu sites",
					REPORT_WHAT, a->site_cap);
		return;
	}
	s = &a->sites[a->site_count++];
	s->site_id = medfwi_q_col_int(q, 0);
	medfwi_q_col_text(q, 1, s->site_name, sizeof(s->site_name));
	sla_defaults(s->site_id, &s->policy);
}

static void row_site_devices(struct report_arg *a, struct medfwi_q *q)
{
	struct medfw_store_vuln_site_report *s = site_slot(a, medfwi_q_col_int(q, 0));

	if (s != NULL)
		s->devices = medfwi_q_col_int(q, 1);
}

static void row_site_with_sbom(struct report_arg *a, struct medfwi_q *q)
{
	struct medfw_store_vuln_site_report *s = site_slot(a, medfwi_q_col_int(q, 0));

	if (s != NULL)
		s->devices_with_sbom = medfwi_q_col_int(q, 1);
}

static void row_site_exposed(struct report_arg *a, struct medfwi_q *q)
{
	struct medfw_store_vuln_site_report *s = site_slot(a, medfwi_q_col_int(q, 0));

	if (s != NULL)
		s->exposed_devices = medfwi_q_col_int(q, 1);
}

static void row_exposure(struct report_arg *a, struct medfwi_q *q)
{
	struct medfw_store_exposure e;
	struct medfw_store_vuln_site_report *s;
	unsigned sev;

	memset(&e, 0, sizeof(e));
	exposure_row(q, &e);
	s = site_slot(a, e.site_id);
	sev = (unsigned)e.severity;
	if (s == NULL || sev >= MEDFW_STORE_SEVERITY_COUNT)
		return;
	if (e.closed_at == 0) {
		s->open[sev]++;
		s->kev_open += e.kev ? 1 : 0;
		s->overdue += overdue_at(&e, a->now) ? 1 : 0;
		return;
	}
	s->closed++;
	s->closed_late += overdue_at(&e, a->now) ? 1 : 0;
	s->remediated[sev]++;
	s->remediate_seconds_sum[sev] += e.closed_at - e.first_seen;
	if (e.closed_at - e.first_seen > s->remediate_seconds_max[sev])
		s->remediate_seconds_max[sev] = e.closed_at - e.first_seen;
}

static void row_model(struct report_arg *a, struct medfwi_q *q)
{
	struct medfw_store_vuln_model_report *m;

	if (a->model_count == a->model_cap) {
		q->err = medfw_diag_set(q->diag, MEDFW_ERR_TOO_LARGE, "%s: more than %zu models",
					REPORT_WHAT, a->model_cap);
		return;
	}
	m = &a->models[a->model_count++];
	medfwi_q_col_text(q, 0, m->model, sizeof(m->model));
	m->releases = medfwi_q_col_int(q, 1);
	m->devices = medfwi_q_col_int(q, 2);
}

static struct medfw_store_vuln_model_report *model_of_row(struct report_arg *a,
							  struct medfwi_q *q)
{
	char model[MEDFW_STORE_NAME_MAX + 1];

	medfwi_q_col_text(q, 0, model, sizeof(model));
	return q->err == MEDFW_OK ? model_slot(a, model) : NULL;
}

static void row_model_exposed(struct report_arg *a, struct medfwi_q *q)
{
	struct medfw_store_vuln_model_report *m = model_of_row(a, q);

	if (m != NULL)
		m->exposed_devices = medfwi_q_col_int(q, 1);
}

static void row_model_overdue(struct report_arg *a, struct medfwi_q *q)
{
	struct medfw_store_vuln_model_report *m = model_of_row(a, q);

	if (m != NULL)
		m->overdue_devices = medfwi_q_col_int(q, 1);
}

static void row_model_status(struct report_arg *a, struct medfwi_q *q)
{
	struct medfw_store_vuln_model_report *m = model_of_row(a, q);
	enum medfw_store_finding_status s = medfwi_vuln_col_status(q, 1);

	if (m != NULL && s > 0)
		m->by_status[s] = medfwi_q_col_int(q, 2);
}

static void row_model_severity(struct report_arg *a, struct medfwi_q *q)
{
	struct medfw_store_vuln_model_report *m = model_of_row(a, q);
	enum medfw_store_severity s = medfwi_vuln_col_severity(q, 1);

	if (m != NULL && s > 0)
		m->open_by_severity[s] = medfwi_q_col_int(q, 2);
}

static void row_model_kev(struct report_arg *a, struct medfwi_q *q)
{
	struct medfw_store_vuln_model_report *m = model_of_row(a, q);

	if (m != NULL)
		m->kev_open = medfwi_q_col_int(q, 1);
}

static enum medfw_err report_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct report_arg *a = arg;
	struct policies pol = {0};
	enum medfw_err err;

	a->site_count = a->model_count = 0;
	err = report_query(tx, a, SQL_REPORT_SITES, NULL, row_site, diag);
	if (err == MEDFW_OK)
		err = policies_load(tx, &pol, diag);
	for (size_t i = 0; err == MEDFW_OK && i < a->site_count; i++)
		policy_of(&pol, a->sites[i].site_id, &a->sites[i].policy);
	free(pol.v);
	if (err == MEDFW_OK)
		err = report_query(tx, a, SQL_REPORT_SITE_DEVICES, NULL, row_site_devices, diag);
	if (err == MEDFW_OK)
		err = report_query(tx, a, SQL_REPORT_SITE_WITH_SBOM, NULL, row_site_with_sbom, diag);
	if (err == MEDFW_OK)
		err = report_query(tx, a, SQL_REPORT_SITE_EXPOSED, NULL, row_site_exposed, diag);
	if (err == MEDFW_OK)
		err = report_query(tx, a, SQL_REPORT_EXPOSURES, NULL, row_exposure, diag);
	if (err == MEDFW_OK)
		err = report_query(tx, a, SQL_REPORT_MODELS, NULL, row_model, diag);
	if (err == MEDFW_OK)
		err = report_query(tx, a, SQL_REPORT_MODEL_EXPOSED, NULL, row_model_exposed, diag);
	if (err == MEDFW_OK)
		err = report_query(tx, a, SQL_REPORT_MODEL_OVERDUE, &a->now, row_model_overdue, diag);
	if (err == MEDFW_OK)
		err = report_query(tx, a, SQL_REPORT_MODEL_STATUS, NULL, row_model_status, diag);
	if (err == MEDFW_OK)
		err = report_query(tx, a, SQL_REPORT_MODEL_SEVERITY, NULL, row_model_severity, diag);
	if (err == MEDFW_OK)
		err = report_query(tx, a, SQL_REPORT_MODEL_KEV, NULL, row_model_kev, diag);
	return err;
}

enum medfw_err medfw_store_vuln_report(struct medfw_store *store, struct medfw_store_scope scope,
				       int64_t site_id, struct medfw_store_vuln_site_report *sites,
				       size_t site_cap, size_t *out_site_count,
				       struct medfw_store_vuln_model_report *models,
				       size_t model_cap, size_t *out_model_count,
				       struct medfw_diag *diag)
{
	struct report_arg a;
	enum medfw_err err;

	*out_site_count = 0;
	*out_model_count = 0;
	if ((site_cap > 0 && sites == NULL) || (model_cap > 0 && models == NULL) || site_id < 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: bad arguments", REPORT_WHAT);
	err = medfwi_check_scope(scope, diag);
	if (err != MEDFW_OK)
		return err;
	if (site_cap > 0)
		memset(sites, 0, site_cap * sizeof(*sites));
	if (model_cap > 0)
		memset(models, 0, model_cap * sizeof(*models));
	memset(&a, 0, sizeof(a));
	a.scope = scope;
	a.site_id = site_id;
	a.now = medfwi_now(store);
	a.sites = sites;
	a.site_cap = site_cap;
	a.models = models;
	a.model_cap = model_cap;
	err = medfwi_run(store, MEDFWI_TX_READ, report_fn, &a, diag);
	if (err == MEDFW_OK && site_id != 0 && a.site_count == 0)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "%s: no site with id %lld",
				     REPORT_WHAT, (long long)site_id);
	if (err != MEDFW_OK) {
		if (site_cap > 0)
			memset(sites, 0, site_cap * sizeof(*sites));
		if (model_cap > 0)
			memset(models, 0, model_cap * sizeof(*models));
		return err;
	}
	*out_site_count = a.site_count;
	*out_model_count = a.model_count;
	return MEDFW_OK;
}
