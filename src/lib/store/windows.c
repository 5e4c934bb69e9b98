/* Maintenance windows and blackout dates of a site (per department or the whole
 * site), read and replaced as a whole. The rules are JSON text the rollout engine
 * reads (medfw/window.h); the store keeps them bounded and in order. */
#include <string.h>

#include "medfw/store_rollout.h"
#include "store_internal.h"

#define WHAT "maintenance windows"
#define DAY_MAX 2932896 /* 9999-12-31 */

static const char SQL_SITE_IN_SCOPE[] = "SELECT 1 FROM sites WHERE id = ? AND (? OR id = ?)";
static const char SQL_RULES_GET[] =
	"SELECT department, rule FROM maintenance_windows WHERE site_id = ? ORDER BY position";
static const char SQL_BLACKOUTS_GET[] =
	"SELECT department, from_day, to_day, reason FROM blackout_dates WHERE site_id = ?"
	" ORDER BY position";
static const char SQL_RULES_DELETE[] = "DELETE FROM maintenance_windows WHERE site_id = ?";
static const char SQL_BLACKOUTS_DELETE[] = "DELETE FROM blackout_dates WHERE site_id = ?";
static const char SQL_RULE_INSERT[] =
	"INSERT INTO maintenance_windows (site_id, department, rule, position) VALUES (?, ?, ?, ?)";
static const char SQL_BLACKOUT_INSERT[] =
	"INSERT INTO blackout_dates (site_id, department, from_day, to_day, reason, position)"
	" VALUES (?, ?, ?, ?, ?, ?)";

struct windows_arg {
	struct medfw_store_scope scope;
	int64_t site_id;
	/* get */
	struct medfw_store_window_rule *rules_out;
	struct medfw_store_blackout *blackouts_out;
	/* replace */
	const struct medfw_store_window_rule *rules;
	const struct medfw_store_blackout *blackouts;
	size_t rule_cap, blackout_cap;
	size_t rule_count, blackout_count;
};

static enum medfw_err site_in_scope(struct medfw_store *tx, const struct windows_arg *a,
				    struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	if (medfwi_q_begin(&q, tx, WHAT, SQL_SITE_IN_SCOPE, diag) == MEDFW_OK) {
		medfwi_q_int(&q, a->site_id);
		medfwi_q_scope(&q, a->scope);
		medfwi_q_step(&q, &row);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && !row)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "%s: no site with id %lld", WHAT,
				     (long long)a->site_id);
	return err;
}

static enum medfw_err get_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct windows_arg *a = arg;
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err = site_in_scope(tx, a, diag);

	a->rule_count = a->blackout_count = 0;
	if (err != MEDFW_OK)
		return err;
	if (medfwi_q_begin(&q, tx, WHAT, SQL_RULES_GET, diag) == MEDFW_OK) {
		medfwi_q_int(&q, a->site_id);
		while (medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			struct medfw_store_window_rule *r;

			if (a->rule_count == a->rule_cap) {
				q.err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
						       "%s: more than %zu rules", WHAT, a->rule_cap);
				break;
			}
			r = &a->rules_out[a->rule_count++];
			medfwi_q_col_text(&q, 0, r->department, sizeof(r->department));
			medfwi_q_col_text(&q, 1, r->rule, sizeof(r->rule));
		}
	}
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK)
		return err;
	if (medfwi_q_begin(&q, tx, WHAT, SQL_BLACKOUTS_GET, diag) == MEDFW_OK) {
		medfwi_q_int(&q, a->site_id);
		while (medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			struct medfw_store_blackout *b;

			if (a->blackout_count == a->blackout_cap) {
				q.err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
						       "%s: more than %zu blackout dates", WHAT,
						       a->blackout_cap);
				break;
			}
			b = &a->blackouts_out[a->blackout_count++];
			medfwi_q_col_text(&q, 0, b->department, sizeof(b->department));
			b->from_day = medfwi_q_col_int(&q, 1);
			b->to_day = medfwi_q_col_int(&q, 2);
			medfwi_q_col_text(&q, 3, b->reason, sizeof(b->reason));
		}
	}
	return medfwi_q_end(&q);
}

enum medfw_err medfw_store_windows_get(struct medfw_store *store, struct medfw_store_scope scope,
				       int64_t site_id, struct medfw_store_window_rule *rules,
				       size_t rule_cap, size_t *out_rule_count,
				       struct medfw_store_blackout *blackouts, size_t blackout_cap,
				       size_t *out_blackout_count, struct medfw_diag *diag)
{
	struct windows_arg a;
	enum medfw_err err;

	*out_rule_count = 0;
	*out_blackout_count = 0;
	if ((rule_cap > 0 && rules == NULL) || (blackout_cap > 0 && blackouts == NULL))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: no output", WHAT);
	if (rule_cap > 0)
		memset(rules, 0, rule_cap * sizeof(*rules));
	if (blackout_cap > 0)
		memset(blackouts, 0, blackout_cap * sizeof(*blackouts));
	err = medfwi_check_scope(scope, diag);
	if (err != MEDFW_OK)
		return err;
	memset(&a, 0, sizeof(a));
	a.scope = scope;
	a.site_id = site_id;
	a.rules_out = rules;
	a.rule_cap = rule_cap;
	a.blackouts_out = blackouts;
	a.blackout_cap = blackout_cap;
	err = medfwi_run(store, MEDFWI_TX_READ, get_fn, &a, diag);
	if (err != MEDFW_OK) {
		if (rule_cap > 0)
			memset(rules, 0, rule_cap * sizeof(*rules));
		if (blackout_cap > 0)
			memset(blackouts, 0, blackout_cap * sizeof(*blackouts));
		return err;
	}
	*out_rule_count = a.rule_count;
	*out_blackout_count = a.blackout_count;
	return MEDFW_OK;
}

static enum medfw_err replace_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct windows_arg *a = arg;
	struct medfwi_q q;
	enum medfw_err err = site_in_scope(tx, a, diag);

	if (err == MEDFW_OK && medfwi_q_begin(&q, tx, WHAT, SQL_RULES_DELETE, diag) == MEDFW_OK) {
		medfwi_q_int(&q, a->site_id);
		medfwi_q_exec(&q, NULL);
	}
	if (err == MEDFW_OK)
		err = medfwi_q_end(&q);
	if (err == MEDFW_OK &&
	    medfwi_q_begin(&q, tx, WHAT, SQL_BLACKOUTS_DELETE, diag) == MEDFW_OK) {
		medfwi_q_int(&q, a->site_id);
		medfwi_q_exec(&q, NULL);
	}
	if (err == MEDFW_OK)
		err = medfwi_q_end(&q);
	for (size_t i = 0; err == MEDFW_OK && i < a->rule_count; i++) {
		if (medfwi_q_begin(&q, tx, WHAT, SQL_RULE_INSERT, diag) == MEDFW_OK) {
			medfwi_q_int(&q, a->site_id);
			medfwi_q_text(&q, a->rules[i].department);
			medfwi_q_text(&q, a->rules[i].rule);
			medfwi_q_int(&q, (int64_t)i);
			medfwi_q_exec(&q, NULL);
		}
		err = medfwi_q_end(&q);
	}
	for (size_t i = 0; err == MEDFW_OK && i < a->blackout_count; i++) {
		const struct medfw_store_blackout *b = &a->blackouts[i];

		if (medfwi_q_begin(&q, tx, WHAT, SQL_BLACKOUT_INSERT, diag) == MEDFW_OK) {
			medfwi_q_int(&q, a->site_id);
			medfwi_q_text(&q, b->department);
			medfwi_q_int(&q, b->from_day);
			medfwi_q_int(&q, b->to_day);
			medfwi_q_text(&q, b->reason);
			medfwi_q_int(&q, (int64_t)i);
			medfwi_q_exec(&q, NULL);
		}
		err = medfwi_q_end(&q);
	}
	return err;
}

static enum medfw_err check_windows(const struct medfw_store_window_rule *rules,
				    size_t rule_count, const struct medfw_store_blackout *blackouts,
				    size_t blackout_count, struct medfw_diag *diag)
{
	if (rule_count > MEDFW_STORE_WINDOW_RULES_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: more than %d rules", WHAT,
				      MEDFW_STORE_WINDOW_RULES_MAX);
	if (blackout_count > MEDFW_STORE_BLACKOUTS_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: more than %d blackout dates",
				      WHAT, MEDFW_STORE_BLACKOUTS_MAX);
	if ((rule_count > 0 && rules == NULL) || (blackout_count > 0 && blackouts == NULL))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: NULL list", WHAT);
	for (size_t i = 0; i < rule_count; i++) {
		if (memchr(rules[i].department, '\0', sizeof(rules[i].department)) == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
					      "%s: rules[%zu].department is too long", WHAT, i);
		if (memchr(rules[i].rule, '\0', sizeof(rules[i].rule)) == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
					      "%s: rules[%zu].rule is too long", WHAT, i);
		if (rules[i].rule[0] == '\0')
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
					      "%s: rules[%zu].rule is empty", WHAT, i);
	}
	for (size_t i = 0; i < blackout_count; i++) {
		const struct medfw_store_blackout *b = &blackouts[i];

		if (memchr(b->department, '\0', sizeof(b->department)) == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
					      "%s: blackouts[%zu].department is too long", WHAT, i);
		if (memchr(b->reason, '\0', sizeof(b->reason)) == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
					      "%s: blackouts[%zu].reason is too long", WHAT, i);
		if (b->from_day < 0 || b->to_day > DAY_MAX || b->from_day > b->to_day)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "%s: blackouts[%zu] days are not 1970-01-01 <= from "
					      "<= to <= 9999-12-31",
					      WHAT, i);
	}
	return MEDFW_OK;
}

enum medfw_err medfw_store_windows_replace(struct medfw_store *store,
					   struct medfw_store_scope scope, int64_t site_id,
					   const struct medfw_store_window_rule *rules,
					   size_t rule_count,
					   const struct medfw_store_blackout *blackouts,
					   size_t blackout_count, struct medfw_diag *diag)
{
	struct windows_arg a;
	enum medfw_err err = medfwi_check_scope(scope, diag);

	if (err == MEDFW_OK)
		err = check_windows(rules, rule_count, blackouts, blackout_count, diag);
	if (err != MEDFW_OK)
		return err;
	memset(&a, 0, sizeof(a));
	a.scope = scope;
	a.site_id = site_id;
	a.rules = rules;
	a.rule_count = rule_count;
	a.blackouts = blackouts;
	a.blackout_count = blackout_count;
	return medfwi_run(store, MEDFWI_TX_WRITE, replace_fn, &a, diag);
}
