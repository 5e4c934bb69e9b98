/* The audit trail kept in the fleet server's store: append, checkpoint, export. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/audit.h"
#include "medfw/json.h"
#include "medfw/num.h"
#include "medfw/store.h"

#define EXPORT_PAGE 256

enum medfw_err medfw_audit_record_json(const struct medfw_store_audit *rec, json_t **out,
				       struct medfw_diag *diag)
{
	json_t *detail = NULL, *doc;
	char when[MEDFW_UTC_TIME_LEN + 1];

	*out = NULL;
	if (medfw_format_utc_time(rec->time, when, sizeof(when)) != MEDFW_OK)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "audit record %lld: bad time",
				      (long long)rec->seq);
	if (rec->detail[0] != 0 &&
	    medfw_json_parse((const uint8_t *)rec->detail, strlen(rec->detail),
			     MEDFW_STORE_JSON_MAX, 8, &detail, diag) != MEDFW_OK)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "audit record %lld: detail is not JSON", (long long)rec->seq);
	doc = json_pack("{s:I, s:s, s:s, s:I, s:o, s:s, s:o, s:s}", "seq", (json_int_t)rec->seq,
			"time", when, "actor_type", medfw_store_actor_type_name(rec->actor_type),
			"actor_id", (json_int_t)rec->actor_id, "site_id",
			rec->site_id != 0 ? json_integer(rec->site_id) : json_null(), "event",
			rec->event, "detail", detail != NULL ? detail : json_object(), "prev",
			rec->prev_hash);
	if (doc == NULL)
		return MEDFW_ERR_NOMEM;
	if (rec->hash[0] != 0 && json_object_set_new(doc, "hash", json_string(rec->hash)) != 0) {
		json_decref(doc);
		return MEDFW_ERR_NOMEM;
	}
	*out = doc;
	return MEDFW_OK;
}

/* Runs under the store's write lock: seq and prev_hash are set. */
static enum medfw_err seal_record(void *user, const struct medfw_store_audit *rec, char *out,
				  size_t cap)
{
	char hash[MEDFW_AUDIT_HASH_HEX_LEN + 1];
	json_t *doc = NULL;
	enum medfw_err err;

	(void)user;
	if (cap < sizeof(hash))
		return MEDFW_ERR_INVALID_ARG;
	err = medfw_audit_record_json(rec, &doc, NULL);
	if (err == MEDFW_OK)
		err = medfw_audit_seal(doc, hash, NULL);
	if (err == MEDFW_OK)
		memcpy(out, hash, sizeof(hash));
	json_decref(doc);
	return err;
}

enum medfw_err medfw_audit_append(struct medfw_store *store, const struct medfw_ctx *ctx,
				  struct medfw_audit_actor actor, int64_t site_id,
				  const char *event, json_t *detail, struct medfw_diag *diag)
{
	struct medfw_store_audit rec;
	struct medfw_buf text;
	enum medfw_err err = MEDFW_OK;

	memset(&rec, 0, sizeof(rec));
	medfw_buf_init(&text, MEDFW_STORE_JSON_MAX);
	rec.time = medfw_ctx_now(ctx);
	rec.actor_type = (enum medfw_store_actor_type)actor.actor_type;
	rec.actor_id = actor.actor_id;
	rec.site_id = site_id;
	if (strlen(event) > MEDFW_STORE_EVENT_MAX)
		err = medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "audit event name too long");
	else
		memcpy(rec.event, event, strlen(event) + 1);
	/* Canonical JSON of the detail is what is stored: it re-parses to the same tree. */
	if (err == MEDFW_OK && detail != NULL)
		err = medfw_json_canonical(detail, &text, diag);
	if (err == MEDFW_OK && text.len != 0) {
		if (memchr(text.data, 0, text.len) != NULL || text.len > MEDFW_STORE_JSON_MAX)
			err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "audit detail too large");
		else
			memcpy(rec.detail, text.data, text.len + 1);
	}
	if (err == MEDFW_OK)
		err = medfw_store_audit_append(store, &rec, seal_record, NULL, diag);
	medfw_buf_free(&text);
	json_decref(detail);
	return err;
}

enum medfw_err medfw_audit_checkpoint(struct medfw_store *store, const struct medfw_ctx *ctx,
				      const struct medfw_privkey *server_key,
				      struct medfw_diag *diag)
{
	struct medfw_store_checkpoint last, cp;
	char head_hash[MEDFW_STORE_HEX_HASH_MAX + 1];
	int64_t head_seq, after = 0;
	size_t n = 0;
	json_t *signed_cp = NULL;
	enum medfw_err err;
	int have_last = 0;

	err = medfw_store_audit_head(store, &head_seq, head_hash, diag);
	if (err != MEDFW_OK || head_seq == 0)
		return err;
	/* find the latest checkpoint */
	do {
		struct medfw_store_checkpoint page[32];

		err = medfw_store_checkpoint_list(store, after, page, 32, &n, diag);
		if (err != MEDFW_OK)
			return err;
		if (n > 0) {
			last = page[n - 1];
			have_last = 1;
			after = last.seq;
		}
	} while (n == 32);
	if (have_last && last.seq == head_seq)
		return MEDFW_OK;
	err = medfw_audit_checkpoint_new(head_seq, head_hash, medfw_ctx_now(ctx), server_key,
					 &signed_cp, diag);
	if (err != MEDFW_OK)
		return err;
	memset(&cp, 0, sizeof(cp));
	cp.seq = head_seq;
	cp.time = medfw_ctx_now(ctx);
	snprintf(cp.hash, sizeof(cp.hash), "%s", head_hash);
	snprintf(cp.signature, sizeof(cp.signature), "%s",
		 json_string_value(json_object_get(signed_cp, "sig")));
	snprintf(cp.key_id, sizeof(cp.key_id), "%s",
		 json_string_value(json_object_get(signed_cp, "keyid")));
	/* The signed object holds this time: store the time that was signed. */
	{
		int64_t t;

		if (medfw_parse_utc_time(json_string_value(json_object_get(
						 json_object_get(signed_cp, "checkpoint"), "time")),
					 &t) == MEDFW_OK)
			cp.time = t;
	}
	json_decref(signed_cp);
	{
		struct medfw_diag mine;

		/* Two threads that appended at the same moment may both find this head
		 * unsigned: the second insert finds the first one's checkpoint, which
		 * signs the same seq and hash. That is the no-op case, not an error. */
		medfw_diag_clear(&mine);
		err = medfw_store_checkpoint_add(store, &cp, &mine);
		if (err == MEDFW_ERR_EXISTS)
			return MEDFW_OK;
		if (err != MEDFW_OK && diag != NULL)
			*diag = mine;
		return err;
	}
}

static enum medfw_err emit(medfw_audit_write_fn write, void *user, json_t *obj)
{
	char *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	enum medfw_err err;
	size_t n;

	if (text == NULL)
		return MEDFW_ERR_NOMEM;
	n = strlen(text);
	text[n] = 0;
	err = write(user, text, n);
	if (err == MEDFW_OK)
		err = write(user, "\n", 1);
	free(text);
	return err;
}

static json_t *checkpoint_json(const struct medfw_store_checkpoint *cp)
{
	char when[MEDFW_UTC_TIME_LEN + 1];

	if (medfw_format_utc_time(cp->time, when, sizeof(when)) != MEDFW_OK)
		return NULL;
	return json_pack("{s:{s:I, s:s, s:s}, s:s, s:s}", "checkpoint", "seq", (json_int_t)cp->seq,
			 "hash", cp->hash, "time", when, "keyid", cp->key_id, "sig", cp->signature);
}

enum medfw_err medfw_audit_export(struct medfw_store *store, medfw_audit_write_fn write,
				  void *user, struct medfw_diag *diag)
{
	struct medfw_store_audit *page = calloc(EXPORT_PAGE, sizeof(*page));
	struct medfw_store_checkpoint cps[EXPORT_PAGE];
	struct medfw_store_audit_filter filter;
	size_t n = 0, ncp = 0, icp = 0;
	int64_t cp_after = 0;
	enum medfw_err err = MEDFW_OK;

	if (page == NULL)
		return MEDFW_ERR_NOMEM;
	memset(&filter, 0, sizeof(filter));
	do {
		err = medfw_store_audit_list(store, medfw_store_scope_all(), &filter, page,
					     EXPORT_PAGE, &n, diag);
		for (size_t i = 0; err == MEDFW_OK && i < n; i++) {
			json_t *doc = NULL;

			err = medfw_audit_record_json(&page[i], &doc, diag);
			if (err == MEDFW_OK)
				err = emit(write, user, doc);
			json_decref(doc);
			/* checkpoints right after the record they name */
			while (err == MEDFW_OK) {
				if (icp == ncp) {
					err = medfw_store_checkpoint_list(store, cp_after, cps,
									  EXPORT_PAGE, &ncp, diag);
					icp = 0;
					if (err != MEDFW_OK || ncp == 0)
						break;
				}
				if (cps[icp].seq != page[i].seq)
					break;
				doc = checkpoint_json(&cps[icp]);
				err = doc != NULL ? emit(write, user, doc) : MEDFW_ERR_NOMEM;
				json_decref(doc);
				cp_after = cps[icp].seq;
				icp++;
			}
			if (err == MEDFW_OK && ncp > 0 && icp < ncp && cps[icp].seq < page[i].seq)
				cp_after = page[i].seq; /* defensive: skip checkpoints passed */
		}
		if (n > 0)
			filter.after_seq = page[n - 1].seq;
	} while (err == MEDFW_OK && n == EXPORT_PAGE);
	free(page);
	return err;
}

/* ---- verification of the stored trail ---- */

#define VERIFY_PAGE 256
#define VERIFY_CP_PAGE 64

/* The stored checkpoints in seq order, a page at a time. */
struct cp_cursor {
	struct medfw_store *store;
	struct medfw_store_checkpoint page[VERIFY_CP_PAGE];
	size_t n, i;
	int64_t after; /* seq of the last one read */
	int done;
};

/* *out = the next checkpoint (NULL when there is none); it stays valid until the next
 * call. */
static enum medfw_err cp_peek(struct cp_cursor *c, const struct medfw_store_checkpoint **out,
			      struct medfw_diag *diag)
{
	enum medfw_err err;

	*out = NULL;
	if (c->i == c->n && !c->done) {
		err = medfw_store_checkpoint_list(c->store, c->after, c->page, VERIFY_CP_PAGE, &c->n,
						  diag);
		if (err != MEDFW_OK)
			return err;
		c->i = 0;
		c->done = c->n < VERIFY_CP_PAGE;
		if (c->n > 0)
			c->after = c->page[c->n - 1].seq;
	}
	if (c->i < c->n)
		*out = &c->page[c->i];
	return MEDFW_OK;
}

/* One verification of the stored trail. */
struct walk {
	struct medfw_store *store;
	struct medfw_audit_verifier *v;
	struct medfw_store_audit *page; /* VERIFY_PAGE records */
	struct cp_cursor *cps;
	int64_t head;        /* the newest record when the walk started */
	int problem;         /* 1: the failure is a problem of the trail (in `what`) */
	int64_t problem_seq; /* the record at fault */
	struct medfw_diag what; /* the problem */
	struct medfw_diag io;   /* why the trail could not be read */
};

/* The failures that leave no verdict (the trail could not be read); anything else the
 * store reports about a stored row is a problem of the trail. */
static int is_io(enum medfw_err err)
{
	return err == MEDFW_ERR_IO || err == MEDFW_ERR_NOMEM || err == MEDFW_ERR_INVALID_ARG ||
	       err == MEDFW_ERR_VERSION_MISMATCH;
}

/* A problem of the trail at record `seq`, as the verifier found it (diag `what`). */
static enum medfw_err trail_problem(struct walk *w, enum medfw_err err, int64_t seq)
{
	w->problem = 1;
	w->problem_seq = seq;
	return err;
}

/* Feed the checkpoints that name records up to `upto` (the last record fed). */
static enum medfw_err feed_checkpoints(struct walk *w, int64_t upto)
{
	const struct medfw_store_checkpoint *cp = NULL;
	enum medfw_err err;

	for (;;) {
		char when[MEDFW_UTC_TIME_LEN + 1];
		int64_t seq = 0;
		json_t *doc;

		err = cp_peek(w->cps, &cp, &w->io);
		if (err != MEDFW_OK || cp == NULL || cp->seq > upto)
			return err;
		if (medfw_format_utc_time(cp->time, when, sizeof(when)) != MEDFW_OK)
			return trail_problem(w,
					     medfw_diag_set(&w->what, MEDFW_ERR_FIELD_VALUE,
							    "checkpoint of record %lld has a bad "
							    "time",
							    (long long)cp->seq),
					     cp->seq);
		doc = checkpoint_json(cp);
		if (doc == NULL)
			return MEDFW_ERR_NOMEM;
		err = medfw_audit_verifier_add(w->v, doc, &seq, &w->what);
		json_decref(doc);
		if (err != MEDFW_OK)
			return trail_problem(w, err, seq);
		w->cps->i++;
	}
}

static enum medfw_err walk_trail(struct walk *w)
{
	struct medfw_store_audit_filter filter;
	const struct medfw_store_checkpoint *cp = NULL;
	char head_hash[MEDFW_STORE_HEX_HASH_MAX + 1];
	int64_t now_head = 0, last = 0;
	size_t n = 0;
	enum medfw_err err;

	err = medfw_store_audit_head(w->store, &w->head, head_hash, &w->io);
	if (err != MEDFW_OK)
		return err;
	memset(&filter, 0, sizeof(filter));
	filter.before_seq = w->head + 1;
	do {
		filter.after_seq = last;
		err = medfw_store_audit_list(w->store, medfw_store_scope_all(), &filter, w->page,
					     VERIFY_PAGE, &n, &w->io);
		if (err != MEDFW_OK && !is_io(err)) { /* a stored row that cannot be read back */
			w->what = w->io;
			return trail_problem(w, err, last + 1);
		}
		for (size_t i = 0; err == MEDFW_OK && i < n; i++) {
			const struct medfw_store_audit *rec = &w->page[i];
			int64_t seq = 0;
			json_t *doc = NULL;

			err = medfw_audit_record_json(rec, &doc, &w->what);
			if (err != MEDFW_OK)
				return is_io(err) ? err : trail_problem(w, err, rec->seq);
			err = medfw_audit_verifier_add(w->v, doc, &seq, &w->what);
			json_decref(doc);
			if (err != MEDFW_OK)
				return trail_problem(w, err, seq);
			err = feed_checkpoints(w, rec->seq);
			last = rec->seq;
		}
	} while (err == MEDFW_OK && n == VERIFY_PAGE);
	if (err != MEDFW_OK)
		return err;
	/* A checkpoint beyond the last record: records appended since the head was read
	 * (fine), or records cut off the end of the trail (not). The head is read after
	 * the checkpoint; a checkpoint is made after its record, so that record is below
	 * the head read then, unless it was removed. */
	err = cp_peek(w->cps, &cp, &w->io);
	if (err == MEDFW_OK && cp != NULL)
		err = medfw_store_audit_head(w->store, &now_head, head_hash, &w->io);
	if (err == MEDFW_OK && cp != NULL && cp->seq > now_head)
		return trail_problem(w,
				     medfw_diag_set(&w->what, MEDFW_ERR_HASH_MISMATCH,
						    "a checkpoint signs record %lld, which the trail "
						    "does not have (records removed from its end)",
						    (long long)cp->seq),
				     cp->seq);
	return err;
}

enum medfw_err medfw_audit_verify_store(struct medfw_store *store,
					const struct medfw_pubkey *server_key,
					struct medfw_audit_chain_report *out,
					struct medfw_diag *diag)
{
	struct walk w;
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	memset(&w, 0, sizeof(w));
	w.store = store;
	err = medfw_audit_verifier_new(server_key, 1, &w.v);
	if (err == MEDFW_OK) {
		w.page = calloc(VERIFY_PAGE, sizeof(*w.page));
		w.cps = calloc(1, sizeof(*w.cps));
		err = w.page != NULL && w.cps != NULL ? MEDFW_OK : MEDFW_ERR_NOMEM;
	}
	if (err == MEDFW_OK) {
		w.cps->store = store;
		err = walk_trail(&w);
	}
	if (err == MEDFW_OK) {
		/* every record up to the head and every checkpoint naming one passed */
		medfw_audit_verifier_result(w.v, &out->verified);
		out->head_seq = w.head;
		out->state = MEDFW_AUDIT_CHAIN_VERIFIED;
	} else if (w.problem) {
		medfw_audit_verifier_result(w.v, &out->verified);
		out->head_seq = w.head;
		out->problem_seq = w.problem_seq;
		snprintf(out->problem, sizeof(out->problem), "%s",
			 medfw_diag_message(&w.what, err));
		out->state = MEDFW_AUDIT_CHAIN_BROKEN;
		(void)medfw_diag_set(diag, err, "audit trail: %s", out->problem);
	} else {
		(void)medfw_diag_set(diag, err, "audit trail cannot be read: %s",
				     medfw_diag_message(&w.io, err));
	}
	free(w.page);
	free(w.cps);
	medfw_audit_verifier_free(w.v);
	return err;
}
