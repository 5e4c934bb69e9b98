/* The store's rollout layer (medfw/store_rollout.h) on SQLite: rollouts and their
 * compare-and-set, waves, member devices, the selection of candidates, bulk director
 * assignments, maintenance windows, device tags, the migration from schema version 3,
 * and a timing of the bulk paths at 100,000 members (printed, not asserted). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "medfw/store.h"
#include "medfw/store_rollout.h"
#include "store/store_internal.h"

struct fixture {
	char *dir;
	char path[4096];
	struct medfw_ctx *ctx;
	struct medfw_store *store;
	int64_t now;
	int64_t site_a, site_b;
	int64_t user_a, user_b;
};

static int64_t test_clock(void *user)
{
	return ((struct fixture *)user)->now;
}

static int64_t make_site(struct fixture *f, const char *name)
{
	struct medfw_store_site s;

	memset(&s, 0, sizeof(s));
	snprintf(s.name, sizeof(s.name), "%s", name);
	snprintf(s.time_zone, sizeof(s.time_zone), "Europe/Berlin");
	assert_int_equal(medfw_store_site_create(f->store, &s, NULL), MEDFW_OK);
	return s.id;
}

static int64_t make_user(struct fixture *f, int64_t site, const char *name)
{
	struct medfw_store_user u;

	memset(&u, 0, sizeof(u));
	u.site_id = site;
	snprintf(u.username, sizeof(u.username), "%s", name);
	snprintf(u.display_name, sizeof(u.display_name), "%s", name);
	u.role = MEDFW_ROLE_CLINICAL_ENGINEER;
	snprintf(u.password_hash, sizeof(u.password_hash), "$argon2id$v=19$m=65536,t=3,p=1$x$y");
	assert_int_equal(medfw_store_user_create(f->store, &u, NULL), MEDFW_OK);
	return u.id;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct medfw_diag d;

	assert_non_null(f);
	f->dir = tu_tmpdir_new();
	tu_path(f->path, sizeof(f->path), f->dir, "medfwd.db");
	f->ctx = medfw_ctx_new();
	f->now = 1700000000;
	medfw_ctx_set_clock(f->ctx, test_clock, f);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_open(f->ctx, f->path, &f->store, &d), MEDFW_OK);
	f->site_a = make_site(f, "General Hospital");
	f->site_b = make_site(f, "St. Elsewhere");
	f->user_a = make_user(f, f->site_a, "author");
	f->user_b = make_user(f, f->site_a, "approver");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	medfw_store_close(f->store);
	medfw_ctx_free(f->ctx);
	tu_tmpdir_free(f->dir);
	free(f);
	return 0;
}

struct dev_spec {
	int64_t site;
	const char *serial, *model, *hardware_id, *firmware, *department, *zone, *tags;
	enum medfw_store_enrolment_state state;
};

static int64_t make_device(struct fixture *f, const struct dev_spec *s)
{
	struct medfw_store_device d;
	struct medfw_diag dg;

	memset(&d, 0, sizeof(d));
	d.site_id = s->site;
	snprintf(d.serial, sizeof(d.serial), "%s", s->serial);
	snprintf(d.model, sizeof(d.model), "%s", s->model != NULL ? s->model : "Pump");
	snprintf(d.hardware_id, sizeof(d.hardware_id), "%s",
		 s->hardware_id != NULL ? s->hardware_id : "hw-a");
	snprintf(d.firmware_version, sizeof(d.firmware_version), "%s",
		 s->firmware != NULL ? s->firmware : "1.0");
	snprintf(d.image_sha256, sizeof(d.image_sha256), "%064d", 7);
	snprintf(d.department, sizeof(d.department), "%s",
		 s->department != NULL ? s->department : "ICU");
	snprintf(d.network_zone, sizeof(d.network_zone), "%s", s->zone != NULL ? s->zone : "med");
	snprintf(d.tags, sizeof(d.tags), "%s", s->tags != NULL ? s->tags : "");
	d.image_is_signed_release = MEDFW_TRI_UNKNOWN;
	d.enrolment_state = s->state != 0 ? s->state : MEDFW_ENROLMENT_ENROLLED;
	medfw_diag_clear(&dg);
	assert_int_equal(medfw_store_device_create(f->store, &d, &dg), MEDFW_OK);
	return d.id;
}

static struct medfw_store_rollout *new_rollout(int64_t site, const char *name)
{
	struct medfw_store_rollout *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->site_id = site;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->kind = MEDFW_ROLLOUT_KIND_UPDATE;
	snprintf(r->target_name, sizeof(r->target_name), "pump/fw-2.0.bundle");
	r->target_length = 4096;
	snprintf(r->target_hashes, sizeof(r->target_hashes), "{\"sha256\":\"%064d\"}", 2);
	snprintf(r->target_sha256, sizeof(r->target_sha256), "%064d", 2);
	snprintf(r->target_version, sizeof(r->target_version), "2.0");
	r->security_version = 5;
	snprintf(r->notice, sizeof(r->notice), "{\"product_version\":\"2.0\"}");
	snprintf(r->selector, sizeof(r->selector), "{\"models\":[\"Pump\"]}");
	snprintf(r->waves, sizeof(r->waves), "[{\"percent\":10},{\"percent\":100}]");
	r->state = MEDFW_ROLLOUT_AWAITING_APPROVAL;
	r->current_wave = -1;
	return r;
}

static int64_t create_rollout(struct fixture *f, int64_t site, const char *name)
{
	struct medfw_store_rollout *r = new_rollout(site, name);
	struct medfw_diag d;
	int64_t id;

	r->created_by = f->user_a;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_rollout_create(f->store, r, &d), MEDFW_OK);
	id = r->id;
	free(r);
	return id;
}

static void set_state(struct fixture *f, int64_t id, enum medfw_store_rollout_state to)
{
	struct medfw_store_rollout *r = calloc(1, sizeof(*r));
	enum medfw_store_rollout_state from;

	assert_non_null(r);
	assert_int_equal(medfw_store_rollout_get(f->store, medfw_store_scope_all(), id, r, NULL),
			 MEDFW_OK);
	from = r->state;
	r->state = to;
	assert_int_equal(medfw_store_rollout_save(f->store, r, from, NULL), MEDFW_OK);
	free(r);
}

static struct medfw_store_rollout_device member(int64_t device, int64_t wave,
						enum medfw_store_rollout_device_state s)
{
	struct medfw_store_rollout_device m;

	memset(&m, 0, sizeof(m));
	m.device_id = device;
	m.wave = wave;
	m.state = s;
	snprintf(m.from_version, sizeof(m.from_version), "1.0");
	return m;
}

/* ------------------------------------------------------------------ enums, tags */

static void test_enum_names(void **state)
{
	enum medfw_store_rollout_state s;
	enum medfw_store_rollout_device_state ds;

	(void)state;
	for (int i = MEDFW_ROLLOUT_AWAITING_APPROVAL; i <= MEDFW_ROLLOUT_CANCELLED; i++) {
		const char *name = medfw_store_rollout_state_name((enum medfw_store_rollout_state)i);

		assert_non_null(name);
		assert_int_equal(medfw_store_rollout_state_parse(name, &s), MEDFW_OK);
		assert_int_equal(s, i);
	}
	assert_string_equal(medfw_store_rollout_state_name(MEDFW_ROLLOUT_AWAITING_APPROVAL),
			    "awaiting_approval");
	assert_null(medfw_store_rollout_state_name((enum medfw_store_rollout_state)0));
	assert_null(medfw_store_rollout_state_name((enum medfw_store_rollout_state)7));
	assert_int_equal(medfw_store_rollout_state_parse("done", &s), MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(s, 0);
	assert_string_equal(medfw_store_rollout_kind_name(MEDFW_ROLLOUT_KIND_ROLLBACK), "rollback");
	assert_null(medfw_store_rollout_kind_name((enum medfw_store_rollout_kind)3));
	for (int i = MEDFW_RD_PENDING; i < MEDFW_RD_STATE_COUNT; i++) {
		const char *name = medfw_store_rollout_device_state_name(
			(enum medfw_store_rollout_device_state)i);

		assert_non_null(name);
		assert_int_equal(medfw_store_rollout_device_state_parse(name, &ds), MEDFW_OK);
		assert_int_equal(ds, i);
	}
	assert_string_equal(medfw_store_rollout_device_state_name(MEDFW_RD_ROLLED_BACK),
			    "rolled_back");
	assert_null(medfw_store_rollout_device_state_name(
		(enum medfw_store_rollout_device_state)MEDFW_RD_STATE_COUNT));
	assert_int_equal(medfw_store_rollout_device_state_parse("Pending", &ds),
			 MEDFW_ERR_FIELD_VALUE);
}

static void test_tags_canonical(void **state)
{
	char out[MEDFW_STORE_TAGS_MAX + 1];
	char long_tag[MEDFW_STORE_TAG_MAX + 2];
	const char *many[MEDFW_STORE_TAGS_COUNT_MAX + 1];
	char names[MEDFW_STORE_TAGS_COUNT_MAX + 1][MEDFW_STORE_TAG_MAX + 1];
	struct medfw_diag d;

	(void)state;
	{
		const char *t[] = {"icu", "ward-3", "ICU", "icu", "a:b", "x.y_z", "a-"};

		assert_int_equal(medfw_store_tags_canonical(t, 7, out, NULL), MEDFW_OK);
		assert_string_equal(out, "ICU,a-,a:b,icu,ward-3,x.y_z");
	}
	assert_int_equal(medfw_store_tags_canonical(NULL, 0, out, NULL), MEDFW_OK);
	assert_string_equal(out, "");
	{
		const char *bad[][1] = {{""}, {"a b"}, {"a,b"}, {"ü"}, {"a;b"}};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			snprintf(out, sizeof(out), "junk");
			medfw_diag_clear(&d);
			assert_int_equal(medfw_store_tags_canonical(bad[i], 1, out, &d),
					 MEDFW_ERR_FIELD_VALUE);
			assert_string_equal(out, "");
			assert_non_null(strstr(d.msg, "tag 0"));
		}
	}
	memset(long_tag, 'a', sizeof(long_tag) - 1);
	long_tag[MEDFW_STORE_TAG_MAX] = '\0';
	{
		const char *t[] = {long_tag};

		assert_int_equal(medfw_store_tags_canonical(t, 1, out, NULL), MEDFW_OK);
		assert_int_equal(strlen(out), MEDFW_STORE_TAG_MAX);
		long_tag[MEDFW_STORE_TAG_MAX] = 'a';
		long_tag[MEDFW_STORE_TAG_MAX + 1] = '\0';
		assert_int_equal(medfw_store_tags_canonical(t, 1, out, NULL), MEDFW_ERR_TOO_LARGE);
		assert_true(medfw_store_tag_valid("a") && !medfw_store_tag_valid(long_tag));
	}
	/* too many, and too long together (8 tags of 64 = 519 > 512) */
	for (size_t i = 0; i <= MEDFW_STORE_TAGS_COUNT_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "t%03zu", i);
		many[i] = names[i];
	}
	assert_int_equal(medfw_store_tags_canonical(many, MEDFW_STORE_TAGS_COUNT_MAX, out, NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_store_tags_canonical(many, MEDFW_STORE_TAGS_COUNT_MAX + 1, out, NULL),
			 MEDFW_ERR_TOO_LARGE);
	for (size_t i = 0; i < 8; i++) {
		memset(names[i], 'a' + (int)i, MEDFW_STORE_TAG_MAX);
		names[i][MEDFW_STORE_TAG_MAX] = '\0';
	}
	assert_int_equal(medfw_store_tags_canonical(many, 7, out, NULL), MEDFW_OK);
	assert_int_equal(strlen(out), 7 * 65 - 1);
	assert_int_equal(medfw_store_tags_canonical(many, 8, out, NULL), MEDFW_ERR_TOO_LARGE);
	assert_string_equal(out, "");
}

static void test_device_tags(void **state)
{
	struct fixture *f = *state;
	struct dev_spec s = {f->site_a, "T-1", NULL, NULL, NULL, NULL, NULL, "ab,icu", 0};
	struct medfw_store_device got, page[4];
	struct medfw_store_device_filter flt;
	size_t n = 0;
	int64_t total = 0, id1, id2;

	id1 = make_device(f, &s);
	s.serial = "T-2";
	s.tags = "a";
	id2 = make_device(f, &s);
	s.serial = "T-3";
	s.tags = "";
	make_device(f, &s);
	assert_int_equal(medfw_store_device_get(f->store, medfw_store_scope_all(), id1, &got, NULL),
			 MEDFW_OK);
	assert_string_equal(got.tags, "ab,icu");
	/* filter: exact tag, "a" is not "ab" */
	memset(&flt, 0, sizeof(flt));
	snprintf(flt.tag, sizeof(flt.tag), "a");
	assert_int_equal(medfw_store_device_list(f->store, medfw_store_scope_all(), &flt, 0, page, 4,
						 &n, &total, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 1);
	assert_int_equal(total, 1);
	assert_int_equal(page[0].id, id2);
	snprintf(flt.tag, sizeof(flt.tag), "icu");
	assert_int_equal(medfw_store_device_list(f->store, medfw_store_scope_all(), &flt, 0, page, 4,
						 &n, &total, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 1);
	assert_int_equal(page[0].id, id1);
	assert_string_equal(page[0].tags, "ab,icu");
	snprintf(flt.tag, sizeof(flt.tag), "ab,icu"); /* not a tag */
	assert_int_equal(medfw_store_device_list(f->store, medfw_store_scope_all(), &flt, 0, page, 4,
						 &n, &total, NULL),
			 MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(n, 0);
	snprintf(flt.tag, sizeof(flt.tag), "ab");
	assert_int_equal(medfw_store_device_list(f->store, medfw_store_scope_site(f->site_b), &flt, 0,
						 page, 4, &n, &total, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 0);
	/* update writes them; only canonical text is stored */
	snprintf(got.tags, sizeof(got.tags), "b,c");
	assert_int_equal(medfw_store_device_update(f->store, medfw_store_scope_all(), &got, NULL),
			 MEDFW_OK);
	{
		const char *bad[] = {"c,b", "b,b", ",b", "b,", "b c", "b,,c"};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			snprintf(got.tags, sizeof(got.tags), "%s", bad[i]);
			assert_int_equal(medfw_store_device_update(f->store, medfw_store_scope_all(),
								   &got, NULL),
					 MEDFW_ERR_FIELD_VALUE);
		}
		s.serial = "T-4";
		s.tags = "z,a";
		{
			struct medfw_store_device d;

			memset(&d, 0, sizeof(d));
			d.site_id = f->site_a;
			snprintf(d.serial, sizeof(d.serial), "T-4");
			snprintf(d.tags, sizeof(d.tags), "z,a");
			assert_int_equal(medfw_store_device_create(f->store, &d, NULL),
					 MEDFW_ERR_FIELD_VALUE);
		}
	}
	assert_int_equal(medfw_store_device_get(f->store, medfw_store_scope_all(), id1, &got, NULL),
			 MEDFW_OK);
	assert_string_equal(got.tags, "b,c");
}

/* ------------------------------------------------------------------ rollouts */

static void test_rollout_create_get_list(void **state)
{
	struct fixture *f = *state;
	struct medfw_store_rollout *r = new_rollout(f->site_a, "Pump 2.0");
	struct medfw_store_rollout *got = calloc(4, sizeof(*got));
	struct medfw_diag d;
	size_t n = 0;
	int64_t total = 0, id_b, id_all, ids[8];

	assert_non_null(got);
	r->created_by = f->user_a;
	r->start_at = f->now + 3600;
	assert_int_equal(medfw_store_rollout_create(f->store, r, NULL), MEDFW_OK);
	assert_true(r->id > 0);
	assert_int_equal(r->created_at, f->now);
	assert_int_equal(r->updated_at, f->now);
	assert_int_equal(medfw_store_rollout_get(f->store, medfw_store_scope_site(f->site_a), r->id,
						 &got[0], NULL),
			 MEDFW_OK);
	assert_memory_equal(&got[0], r, sizeof(*r));
	/* scope: another site's rollout and a manufacturer-wide one are not found */
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_rollout_get(f->store, medfw_store_scope_site(f->site_b), r->id,
						 &got[0], &d),
			 MEDFW_ERR_NOT_FOUND);
	tu_assert_zeroed(&got[0], sizeof(got[0]));
	assert_non_null(strstr(d.msg, "no rollout"));
	id_b = create_rollout(f, f->site_b, "B rollout");
	id_all = create_rollout(f, 0, "Fleet-wide");
	assert_int_equal(medfw_store_rollout_get(f->store, medfw_store_scope_site(f->site_a), id_all,
						 &got[0], NULL),
			 MEDFW_ERR_NOT_FOUND);
	assert_int_equal(medfw_store_rollout_get(f->store, medfw_store_scope_all(), id_all, &got[0],
						 NULL),
			 MEDFW_OK);
	assert_int_equal(got[0].site_id, 0);
	{
		struct medfw_store_scope zero = {0, 0};

		assert_int_equal(medfw_store_rollout_get(f->store, zero, id_all, &got[0], NULL),
				 MEDFW_ERR_INVALID_ARG);
	}
	/* list: newest first, state filter, paging, scope */
	assert_int_equal(medfw_store_rollout_list(f->store, medfw_store_scope_all(), 0, 0, got, 2, &n,
						  &total, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 2);
	assert_int_equal(total, 3);
	assert_int_equal(got[0].id, id_all);
	assert_int_equal(got[1].id, id_b);
	assert_int_equal(medfw_store_rollout_list(f->store, medfw_store_scope_all(), 0, 2, got, 2, &n,
						  &total, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 1);
	assert_int_equal(got[0].id, r->id);
	assert_string_equal(got[0].waves, r->waves);
	assert_int_equal(medfw_store_rollout_list(f->store, medfw_store_scope_site(f->site_b), 0, 0,
						  got, 4, &n, &total, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 1);
	assert_int_equal(got[0].id, id_b);
	set_state(f, id_b, MEDFW_ROLLOUT_CANCELLED);
	assert_int_equal(medfw_store_rollout_list(f->store, medfw_store_scope_all(),
						  MEDFW_ROLLOUT_AWAITING_APPROVAL, 0, got, 4, &n,
						  &total, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 2);
	assert_int_equal(total, 2);
	assert_int_equal(medfw_store_rollout_list(f->store, medfw_store_scope_all(),
						  (enum medfw_store_rollout_state)9, 0, got, 4, &n,
						  &total, NULL),
			 MEDFW_ERR_FIELD_VALUE);
	/* the engine's work list: oldest first, any of the states, no scope */
	{
		enum medfw_store_rollout_state st[] = {MEDFW_ROLLOUT_CANCELLED,
						       MEDFW_ROLLOUT_AWAITING_APPROVAL};

		assert_int_equal(medfw_store_rollout_ids(f->store, st, 2, ids, 8, &n, NULL), MEDFW_OK);
		assert_int_equal(n, 3);
		assert_int_equal(ids[0], r->id);
		assert_int_equal(ids[1], id_b);
		assert_int_equal(ids[2], id_all);
		assert_int_equal(medfw_store_rollout_ids(f->store, st, 1, ids, 8, &n, NULL), MEDFW_OK);
		assert_int_equal(n, 1);
		assert_int_equal(ids[0], id_b);
		assert_int_equal(medfw_store_rollout_ids(f->store, st + 1, 1, ids, 2, &n, NULL),
				 MEDFW_OK);
		assert_int_equal(n, 2);
		assert_int_equal(medfw_store_rollout_ids(f->store, st, 0, ids, 8, &n, NULL),
				 MEDFW_ERR_INVALID_ARG);
		st[0] = (enum medfw_store_rollout_state)0;
		assert_int_equal(medfw_store_rollout_ids(f->store, st, 2, ids, 8, &n, NULL),
				 MEDFW_ERR_FIELD_VALUE);
		assert_int_equal(n, 0);
	}
	free(r);
	free(got);
}

static void test_rollout_create_refused(void **state)
{
	struct fixture *f = *state;
	struct medfw_store_rollout *r = new_rollout(f->site_a, "bad");
	struct medfw_store_rollout *ok = new_rollout(f->site_a, "ok");
	struct {
		int field;
		enum medfw_err err;
		const char *msg;
	} cases[] = {
		{0, MEDFW_ERR_FIELD_MISSING, "name is empty"},
		{1, MEDFW_ERR_FIELD_VALUE, "awaiting_approval"},
		{2, MEDFW_ERR_FIELD_VALUE, "current_wave"},
		{3, MEDFW_ERR_FIELD_VALUE, "rollback_of"},
		{4, MEDFW_ERR_FIELD_VALUE, "rollback_of"},
		{5, MEDFW_ERR_FIELD_VALUE, "target_sha256"},
		{6, MEDFW_ERR_TOO_LARGE, "selector"},
		{7, MEDFW_ERR_FIELD_MISSING, "waves"},
		{8, MEDFW_ERR_FIELD_VALUE, "not approved"},
		{9, MEDFW_ERR_NOT_FOUND, "referenced"},
		{10, MEDFW_ERR_FIELD_VALUE, "kind"},
		{11, MEDFW_ERR_NOT_FOUND, "referenced"},
		{12, MEDFW_ERR_FIELD_VALUE, "negative"},
	};
	struct medfw_diag d;
	size_t n = 0;
	int64_t total = -1;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(r, ok, sizeof(*r));
		switch (cases[i].field) {
		case 0: r->name[0] = '\0'; break;
		case 1: r->state = MEDFW_ROLLOUT_RUNNING; break;
		case 2: r->current_wave = 0; break;
		case 3: r->kind = MEDFW_ROLLOUT_KIND_ROLLBACK; break;
		case 4: r->rollback_of = 1; break;
		case 5: r->target_sha256[3] = 'A'; break;
		case 6: memset(r->selector, '{', sizeof(r->selector)); break;
		case 7: r->waves[0] = '\0'; break;
		case 8: r->approved_by = f->user_b; break;
		case 9: r->site_id = 4242; break;
		case 10: r->kind = (enum medfw_store_rollout_kind)0; break;
		case 11: r->kind = MEDFW_ROLLOUT_KIND_ROLLBACK; r->rollback_of = 4242; break;
		default: r->target_length = -1; break;
		}
		medfw_diag_clear(&d);
		assert_int_equal(medfw_store_rollout_create(f->store, r, &d), cases[i].err);
		if (strstr(d.msg, cases[i].msg) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, d.msg, cases[i].msg);
		assert_int_equal(r->id, 0);
	}
	/* nothing was stored */
	assert_int_equal(medfw_store_rollout_list(f->store, medfw_store_scope_all(), 0, 0, NULL, 0, &n,
						  &total, NULL),
			 MEDFW_OK);
	assert_int_equal(total, 0);
	/* a rollback campaign names the rollout it undoes */
	assert_int_equal(medfw_store_rollout_create(f->store, ok, NULL), MEDFW_OK);
	memcpy(r, ok, sizeof(*r));
	r->id = 0;
	r->kind = MEDFW_ROLLOUT_KIND_ROLLBACK;
	r->rollback_of = ok->id;
	assert_int_equal(medfw_store_rollout_create(f->store, r, NULL), MEDFW_OK);
	assert_int_equal(medfw_store_rollout_get(f->store, medfw_store_scope_all(), r->id, ok, NULL),
			 MEDFW_OK);
	assert_int_equal(ok->kind, MEDFW_ROLLOUT_KIND_ROLLBACK);
	assert_int_equal(ok->rollback_of, r->rollback_of);
	free(r);
	free(ok);
}

static void test_rollout_save_compare_and_set(void **state)
{
	struct fixture *f = *state;
	int64_t id = create_rollout(f, f->site_a, "CAS");
	struct medfw_store_rollout *r = calloc(1, sizeof(*r));
	struct medfw_store_rollout *again = calloc(1, sizeof(*again));
	struct medfw_diag d;

	assert_non_null(r);
	assert_non_null(again);
	assert_int_equal(medfw_store_rollout_get(f->store, medfw_store_scope_all(), id, r, NULL),
			 MEDFW_OK);
	f->now += 60;
	r->state = MEDFW_ROLLOUT_RUNNING;
	r->approved_by = f->user_b;
	r->approved_at = f->now;
	r->started_at = f->now;
	r->current_wave = 0;
	r->updated_at = 0; /* now */
	/* the wrong expectation: refused, nothing changes */
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_rollout_save(f->store, r, MEDFW_ROLLOUT_SCHEDULED, &d),
			 MEDFW_ERR_STATE);
	assert_non_null(strstr(d.msg, "awaiting_approval, not scheduled"));
	assert_int_equal(medfw_store_rollout_get(f->store, medfw_store_scope_all(), id, again, NULL),
			 MEDFW_OK);
	assert_int_equal(again->state, MEDFW_ROLLOUT_AWAITING_APPROVAL);
	assert_int_equal(again->approved_by, 0);
	assert_int_equal(again->current_wave, -1);
	/* the right one */
	assert_int_equal(medfw_store_rollout_save(f->store, r, MEDFW_ROLLOUT_AWAITING_APPROVAL, NULL),
			 MEDFW_OK);
	/* a second approver racing with the first loses */
	assert_int_equal(medfw_store_rollout_save(f->store, r, MEDFW_ROLLOUT_AWAITING_APPROVAL, NULL),
			 MEDFW_ERR_STATE);
	assert_int_equal(medfw_store_rollout_get(f->store, medfw_store_scope_all(), id, again, NULL),
			 MEDFW_OK);
	assert_int_equal(again->state, MEDFW_ROLLOUT_RUNNING);
	assert_int_equal(again->approved_by, f->user_b);
	assert_int_equal(again->approved_at, f->now);
	assert_int_equal(again->current_wave, 0);
	assert_int_equal(again->updated_at, f->now);
	assert_int_equal(again->created_at, f->now - 60);
	/* only the mutable fields are written */
	snprintf(r->name, sizeof(r->name), "renamed");
	r->state = MEDFW_ROLLOUT_PAUSED;
	snprintf(r->state_reason, sizeof(r->state_reason), "wave 0: 3 of 10 failed");
	r->updated_at = f->now + 5;
	assert_int_equal(medfw_store_rollout_save(f->store, r, MEDFW_ROLLOUT_RUNNING, NULL), MEDFW_OK);
	assert_int_equal(medfw_store_rollout_get(f->store, medfw_store_scope_all(), id, again, NULL),
			 MEDFW_OK);
	assert_string_equal(again->name, "CAS");
	assert_string_equal(again->state_reason, "wave 0: 3 of 10 failed");
	assert_int_equal(again->updated_at, f->now + 5);
	/* bad input and unknown ids */
	r->state = (enum medfw_store_rollout_state)0;
	assert_int_equal(medfw_store_rollout_save(f->store, r, MEDFW_ROLLOUT_PAUSED, NULL),
			 MEDFW_ERR_FIELD_VALUE);
	r->state = MEDFW_ROLLOUT_RUNNING;
	r->current_wave = -2;
	assert_int_equal(medfw_store_rollout_save(f->store, r, MEDFW_ROLLOUT_PAUSED, NULL),
			 MEDFW_ERR_FIELD_VALUE);
	r->current_wave = 0;
	memset(r->state_reason, 'x', sizeof(r->state_reason));
	assert_int_equal(medfw_store_rollout_save(f->store, r, MEDFW_ROLLOUT_PAUSED, NULL),
			 MEDFW_ERR_TOO_LARGE);
	r->state_reason[0] = '\0';
	r->approved_by = 4242;
	assert_int_equal(medfw_store_rollout_save(f->store, r, MEDFW_ROLLOUT_PAUSED, NULL),
			 MEDFW_ERR_NOT_FOUND);
	r->approved_by = f->user_b;
	r->id = 4242;
	assert_int_equal(medfw_store_rollout_save(f->store, r, MEDFW_ROLLOUT_PAUSED, NULL),
			 MEDFW_ERR_NOT_FOUND);
	assert_int_equal(medfw_store_rollout_get(f->store, medfw_store_scope_all(), id, again, NULL),
			 MEDFW_OK);
	assert_int_equal(again->state, MEDFW_ROLLOUT_PAUSED);
	free(r);
	free(again);
}

static void test_rollout_waves(void **state)
{
	struct fixture *f = *state;
	int64_t id = create_rollout(f, f->site_a, "Waves");
	struct medfw_store_rollout_wave w, out[4];
	size_t n = 0;

	for (int64_t i = 2; i >= 0; i--) {
		memset(&w, 0, sizeof(w));
		w.index = i;
		w.opened_at = f->now + i * 100;
		assert_int_equal(medfw_store_rollout_wave_put(f->store, id, &w, NULL), MEDFW_OK);
	}
	w.index = 0;
	w.opened_at = f->now;
	w.success_at = f->now + 50;
	assert_int_equal(medfw_store_rollout_wave_put(f->store, id, &w, NULL), MEDFW_OK);
	assert_int_equal(medfw_store_rollout_wave_list(f->store, id, out, 4, &n, NULL), MEDFW_OK);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(out[i].index, (int64_t)i);
		assert_int_equal(out[i].opened_at, f->now + (int64_t)i * 100);
	}
	assert_int_equal(out[0].success_at, f->now + 50);
	assert_int_equal(out[1].success_at, 0);
	assert_int_equal(medfw_store_rollout_wave_list(f->store, id, out, 2, &n, NULL),
			 MEDFW_ERR_TOO_LARGE);
	assert_int_equal(n, 0);
	tu_assert_zeroed(out, 2 * sizeof(out[0]));
	w.index = -1;
	assert_int_equal(medfw_store_rollout_wave_put(f->store, id, &w, NULL), MEDFW_ERR_FIELD_VALUE);
	w.index = 0;
	assert_int_equal(medfw_store_rollout_wave_put(f->store, 4242, &w, NULL), MEDFW_ERR_NOT_FOUND);
	assert_int_equal(medfw_store_rollout_wave_list(f->store, 4242, out, 4, &n, NULL), MEDFW_OK);
	assert_int_equal(n, 0);
}

/* ------------------------------------------------------------------ members */

static void test_members(void **state)
{
	struct fixture *f = *state;
	int64_t id = create_rollout(f, 0, "Members");
	int64_t other = create_rollout(f, 0, "Other");
	int64_t dev[6], counts[2 * MEDFW_RD_STATE_COUNT], times[8], owner = -1;
	struct medfw_store_rollout_device m[6], page[8];
	struct medfw_store_rollout_device_filter flt;
	struct medfw_diag d;
	size_t added = 99, n = 0;
	int64_t total = 0;

	for (int i = 0; i < 6; i++) {
		char serial[16];
		struct dev_spec s = {i < 4 ? f->site_a : f->site_b, serial, NULL, NULL, NULL, NULL,
				     NULL, NULL, 0};

		snprintf(serial, sizeof(serial), "M-%d", i);
		dev[i] = make_device(f, &s);
		m[i] = member(dev[i], i < 3 ? 0 : 1, MEDFW_RD_PENDING);
	}
	/* join: all or nothing, then idempotent */
	m[2].device_id = 4242;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_rollout_devices_join(f->store, id, m, 6, &added, &d),
			 MEDFW_ERR_NOT_FOUND);
	assert_int_equal(added, 0);
	assert_non_null(strstr(d.msg, "devices[2]"));
	m[2].device_id = dev[2];
	m[4].state = (enum medfw_store_rollout_device_state)12;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_rollout_devices_join(f->store, id, m, 6, &added, &d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(d.msg, "devices[4].state"));
	m[4].state = MEDFW_RD_PENDING;
	m[4].rollout_id = other;
	assert_int_equal(medfw_store_rollout_devices_join(f->store, id, m, 6, &added, NULL),
			 MEDFW_ERR_FIELD_VALUE);
	m[4].rollout_id = 0;
	assert_int_equal(medfw_store_rollout_devices_count(f->store, medfw_store_scope_all(), id, 2,
							   counts, NULL),
			 MEDFW_OK);
	for (size_t i = 0; i < 2 * MEDFW_RD_STATE_COUNT; i++)
		assert_int_equal(counts[i], 0);
	assert_int_equal(medfw_store_rollout_devices_join(f->store, id, m, 4, &added, NULL),
			 MEDFW_OK);
	assert_int_equal(added, 4);
	assert_int_equal(medfw_store_rollout_devices_join(f->store, id, m, 6, &added, NULL),
			 MEDFW_OK);
	assert_int_equal(added, 2);
	m[0].wave = 1; /* a member already: left as it is */
	assert_int_equal(medfw_store_rollout_devices_join(f->store, id, m, 6, &added, NULL),
			 MEDFW_OK);
	assert_int_equal(added, 0);
	assert_int_equal(medfw_store_rollout_devices_join(f->store, 4242, m, 1, &added, NULL),
			 MEDFW_ERR_NOT_FOUND);

	/* list: by (wave, device), device fields joined, scope, filters */
	assert_int_equal(medfw_store_rollout_devices_list(f->store, medfw_store_scope_all(), id, NULL,
							  0, page, 8, &n, &total, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 6);
	assert_int_equal(total, 6);
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(page[i].device_id, dev[i]);
		assert_int_equal(page[i].rollout_id, id);
		assert_int_equal(page[i].wave, i < 3 ? 0 : 1);
		assert_int_equal(page[i].state, MEDFW_RD_PENDING);
		assert_int_equal(page[i].joined_at, f->now);
		assert_string_equal(page[i].from_version, "1.0");
		assert_string_equal(page[i].firmware_version, "1.0");
		assert_string_equal(page[i].department, "ICU");
		assert_int_equal(page[i].enrolment_state, MEDFW_ENROLMENT_ENROLLED);
		assert_int_equal(page[i].site_id, i < 4 ? f->site_a : f->site_b);
	}
	assert_string_equal(page[3].serial, "M-3");
	assert_int_equal(medfw_store_rollout_devices_list(f->store, medfw_store_scope_site(f->site_b),
							  id, NULL, 0, page, 8, &n, &total, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 2);
	assert_int_equal(total, 2);
	assert_int_equal(page[0].device_id, dev[4]);
	memset(&flt, 0, sizeof(flt));
	flt.wave = 1;
	assert_int_equal(medfw_store_rollout_devices_list(f->store, medfw_store_scope_all(), id, &flt,
							  1, page, 1, &n, &total, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 1);
	assert_int_equal(total, 3);
	assert_int_equal(page[0].device_id, dev[4]);

	/* update: one transaction; an unknown member rolls everything back */
	f->now += 100;
	m[0] = member(dev[0], 0, MEDFW_RD_COMMITTED);
	m[0].done_at = f->now + 30;
	m[1] = member(dev[1], 0, MEDFW_RD_FAILED);
	snprintf(m[1].reason, sizeof(m[1].reason), "health check failed");
	m[1].done_at = f->now + 10;
	m[2] = member(dev[2], 0, MEDFW_RD_SCHEDULED);
	m[2].assigned_at = f->now;
	m[2].window_start = f->now + 3600;
	m[2].window_end = f->now + 7200;
	m[3] = member(dev[5], 1, MEDFW_RD_COMMITTED);
	m[3].done_at = f->now + 20;
	m[4] = member(dev[3], 1, MEDFW_RD_PENDING);
	m[4].device_id = 4242;
	assert_int_equal(medfw_store_rollout_devices_update(f->store, id, m, 5, NULL),
			 MEDFW_ERR_NOT_FOUND);
	assert_int_equal(medfw_store_rollout_devices_list(f->store, medfw_store_scope_all(), id, NULL,
							  0, page, 8, &n, &total, NULL),
			 MEDFW_OK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(page[i].state, MEDFW_RD_PENDING);
	m[2].window_end = m[2].window_start;
	assert_int_equal(medfw_store_rollout_devices_update(f->store, id, m, 4, NULL),
			 MEDFW_ERR_FIELD_VALUE);
	m[2].window_end = f->now + 7200;
	assert_int_equal(medfw_store_rollout_devices_update(f->store, id, m, 4, NULL), MEDFW_OK);
	memset(&flt, 0, sizeof(flt));
	flt.wave = -1;
	flt.state = MEDFW_RD_SCHEDULED;
	assert_int_equal(medfw_store_rollout_devices_list(f->store, medfw_store_scope_all(), id, &flt,
							  0, page, 8, &n, &total, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 1);
	assert_int_equal(page[0].device_id, dev[2]);
	assert_int_equal(page[0].assigned_at, f->now);
	assert_int_equal(page[0].window_start, f->now + 3600);
	assert_int_equal(page[0].window_end, f->now + 7200);
	assert_int_equal(page[0].updated_at, f->now);
	flt.state = MEDFW_RD_FAILED;
	flt.wave = 0;
	assert_int_equal(medfw_store_rollout_devices_list(f->store, medfw_store_scope_all(), id, &flt,
							  0, page, 8, &n, &total, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 1);
	assert_string_equal(page[0].reason, "health check failed");
	flt.state = (enum medfw_store_rollout_device_state)10;
	assert_int_equal(medfw_store_rollout_devices_list(f->store, medfw_store_scope_all(), id, &flt,
							  0, page, 8, &n, &total, NULL),
			 MEDFW_ERR_FIELD_VALUE);

	/* counts per (wave, state); waves past wave_count are not counted; scope */
	assert_int_equal(medfw_store_rollout_devices_count(f->store, medfw_store_scope_all(), id, 2,
							   counts, NULL),
			 MEDFW_OK);
	assert_int_equal(counts[0 * MEDFW_RD_STATE_COUNT + MEDFW_RD_COMMITTED], 1);
	assert_int_equal(counts[0 * MEDFW_RD_STATE_COUNT + MEDFW_RD_FAILED], 1);
	assert_int_equal(counts[0 * MEDFW_RD_STATE_COUNT + MEDFW_RD_SCHEDULED], 1);
	assert_int_equal(counts[1 * MEDFW_RD_STATE_COUNT + MEDFW_RD_PENDING], 2);
	assert_int_equal(counts[1 * MEDFW_RD_STATE_COUNT + MEDFW_RD_COMMITTED], 1);
	assert_int_equal(medfw_store_rollout_devices_count(f->store, medfw_store_scope_all(), id, 1,
							   counts, NULL),
			 MEDFW_OK);
	assert_int_equal(counts[MEDFW_RD_COMMITTED] + counts[MEDFW_RD_FAILED] +
				 counts[MEDFW_RD_SCHEDULED],
			 3);
	assert_int_equal(counts[MEDFW_RD_STATE_COUNT + MEDFW_RD_PENDING], 2); /* untouched */
	assert_int_equal(medfw_store_rollout_devices_count(f->store, medfw_store_scope_site(f->site_b),
							   id, 2, counts, NULL),
			 MEDFW_OK);
	for (size_t i = 0; i < 2 * MEDFW_RD_STATE_COUNT; i++)
		assert_int_equal(counts[i], i == MEDFW_RD_STATE_COUNT + MEDFW_RD_PENDING ||
							    i == MEDFW_RD_STATE_COUNT + MEDFW_RD_COMMITTED
						    ? 1
						    : 0);

	/* done times, ascending, at most cap */
	assert_int_equal(medfw_store_rollout_done_times(f->store, id, MEDFW_RD_COMMITTED, times, 8, &n,
							NULL),
			 MEDFW_OK);
	assert_int_equal(n, 2);
	assert_int_equal(times[0], f->now + 20);
	assert_int_equal(times[1], f->now + 30);
	assert_int_equal(medfw_store_rollout_done_times(f->store, id, MEDFW_RD_COMMITTED, times, 1, &n,
							NULL),
			 MEDFW_OK);
	assert_int_equal(n, 1);
	assert_int_equal(times[0], f->now + 20);
	assert_int_equal(medfw_store_rollout_done_times(f->store, id, MEDFW_RD_PENDING, times, 8, &n,
							NULL),
			 MEDFW_OK);
	assert_int_equal(n, 0);

	/* the unfinished rollout of a device */
	assert_int_equal(medfw_store_rollout_of_device(f->store, dev[2], &owner, NULL), MEDFW_OK);
	assert_int_equal(owner, id);
	assert_int_equal(medfw_store_rollout_of_device(f->store, dev[0], &owner, NULL), MEDFW_OK);
	assert_int_equal(owner, 0); /* committed */
	assert_int_equal(medfw_store_rollout_of_device(f->store, dev[1], &owner, NULL), MEDFW_OK);
	assert_int_equal(owner, 0); /* failed */
	set_state(f, id, MEDFW_ROLLOUT_PAUSED);
	assert_int_equal(medfw_store_rollout_of_device(f->store, dev[2], &owner, NULL), MEDFW_OK);
	assert_int_equal(owner, id);
	set_state(f, id, MEDFW_ROLLOUT_CANCELLED);
	assert_int_equal(medfw_store_rollout_of_device(f->store, dev[2], &owner, NULL), MEDFW_OK);
	assert_int_equal(owner, 0);

	/* a deleted device leaves its rollouts */
	assert_int_equal(medfw_store_device_delete(f->store, medfw_store_scope_all(), dev[3], NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_store_rollout_devices_list(f->store, medfw_store_scope_all(), id, NULL,
							  0, page, 8, &n, &total, NULL),
			 MEDFW_OK);
	assert_int_equal(total, 5);
}

/* ------------------------------------------------------------------ selection */

static size_t candidates(struct fixture *f, struct medfw_store_scope scope,
			 const struct medfw_store_selector *sel, int64_t rollout_id,
			 struct medfw_store_candidate *out, size_t cap)
{
	size_t n = 0;
	struct medfw_diag d;

	medfw_diag_clear(&d);
	if (medfw_store_rollout_candidates(f->store, scope, sel, rollout_id, 0, out, cap, &n, &d) !=
	    MEDFW_OK)
		fail_msg("candidates: %s", d.msg);
	return n;
}

static void test_candidates(void **state)
{
	struct fixture *f = *state;
	const struct dev_spec specs[] = {
		/* site, serial, model, hw, fw, department, zone, tags, state */
		{f->site_a, "C-0", "Pump", "hw-a", "1.0", "ICU", "med", "a,icu", 0},
		{f->site_a, "C-1", "Pump", "hw-b", "1.1", "ICU", "lab", "ab", 0},
		{f->site_a, "C-2", "Vent", "hw-a", "1.0", "OR", "med", "", 0},
		{f->site_b, "C-3", "Pump", "hw-a", "1.0", "ICU", "med", "a", 0},
		{f->site_a, "C-4", "Pump", "hw-a", "1.0", "ICU", "med", "a",
		 MEDFW_ENROLMENT_PENDING},
		{f->site_a, "C-5", "Pump", "hw-a", "1.0", "ICU", "med", "a",
		 MEDFW_ENROLMENT_REVOKED},
		{f->site_b, "C-6", "Monitor", "hw-c", "3.0", "Ward", "guest", "b.c:d", 0},
	};
	int64_t dev[7];
	struct medfw_store_candidate out[8];
	struct medfw_store_selector sel;
	int64_t rollout = create_rollout(f, 0, "Select"), other = create_rollout(f, 0, "Busy");
	struct medfw_store_rollout_device m;
	size_t n = 0;
	struct medfw_diag d;

	for (size_t i = 0; i < 7; i++)
		dev[i] = make_device(f, &specs[i]);
	memset(&sel, 0, sizeof(sel));
	/* no condition: every enrolled device */
	n = candidates(f, medfw_store_scope_all(), &sel, rollout, out, 8);
	assert_int_equal(n, 5);
	assert_int_equal(out[0].device_id, dev[0]);
	assert_int_equal(out[3].device_id, dev[3]);
	assert_int_equal(out[4].device_id, dev[6]);
	assert_int_equal(out[1].site_id, f->site_a);
	assert_string_equal(out[1].hardware_id, "hw-b");
	assert_string_equal(out[1].firmware_version, "1.1");
	assert_string_equal(out[4].department, "Ward");
	assert_int_equal(out[0].other_rollout, 0);
	/* scope */
	n = candidates(f, medfw_store_scope_site(f->site_b), &sel, rollout, out, 8);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].device_id, dev[3]);
	/* each key */
	{
		const int64_t sites[] = {f->site_b};
		const char *models[] = {"Vent", "Monitor"};
		const char *hws[] = {"hw-b"};
		const char *fws[] = {"1.0"};
		const char *deps[] = {"OR"};
		const char *zones[] = {"lab", "guest"};
		const char *tags_a[] = {"a"};
		const char *tags_ab[] = {"ab", "b.c:d"};
		const char *tags_icu[] = {"icu"};
		const int64_t ids[] = {dev[2], dev[4], dev[6]};

		memset(&sel, 0, sizeof(sel));
		sel.site_ids = sites;
		sel.site_count = 1;
		assert_int_equal(candidates(f, medfw_store_scope_all(), &sel, rollout, out, 8), 2);
		memset(&sel, 0, sizeof(sel));
		sel.models = models;
		sel.model_count = 2;
		assert_int_equal(candidates(f, medfw_store_scope_all(), &sel, rollout, out, 8), 2);
		assert_int_equal(out[0].device_id, dev[2]);
		assert_int_equal(out[1].device_id, dev[6]);
		memset(&sel, 0, sizeof(sel));
		sel.hardware_ids = hws;
		sel.hardware_id_count = 1;
		assert_int_equal(candidates(f, medfw_store_scope_all(), &sel, rollout, out, 8), 1);
		assert_int_equal(out[0].device_id, dev[1]);
		memset(&sel, 0, sizeof(sel));
		sel.firmware_versions = fws;
		sel.firmware_version_count = 1;
		assert_int_equal(candidates(f, medfw_store_scope_all(), &sel, rollout, out, 8), 3);
		memset(&sel, 0, sizeof(sel));
		sel.departments = deps;
		sel.department_count = 1;
		assert_int_equal(candidates(f, medfw_store_scope_all(), &sel, rollout, out, 8), 1);
		assert_int_equal(out[0].device_id, dev[2]);
		memset(&sel, 0, sizeof(sel));
		sel.network_zones = zones;
		sel.network_zone_count = 2;
		assert_int_equal(candidates(f, medfw_store_scope_all(), &sel, rollout, out, 8), 2);
		assert_int_equal(out[0].device_id, dev[1]);
		assert_int_equal(out[1].device_id, dev[6]);
		/* tags match exactly: "a" is not "ab" */
		memset(&sel, 0, sizeof(sel));
		sel.tags = tags_a;
		sel.tag_count = 1;
		assert_int_equal(candidates(f, medfw_store_scope_all(), &sel, rollout, out, 8), 2);
		assert_int_equal(out[0].device_id, dev[0]);
		assert_int_equal(out[1].device_id, dev[3]);
		sel.tags = tags_ab;
		sel.tag_count = 2;
		assert_int_equal(candidates(f, medfw_store_scope_all(), &sel, rollout, out, 8), 2);
		assert_int_equal(out[0].device_id, dev[1]);
		assert_int_equal(out[1].device_id, dev[6]);
		sel.tags = tags_icu; /* the last of two tags */
		sel.tag_count = 1;
		assert_int_equal(candidates(f, medfw_store_scope_all(), &sel, rollout, out, 8), 1);
		assert_int_equal(out[0].device_id, dev[0]);
		/* explicit list: only the enrolled ones */
		memset(&sel, 0, sizeof(sel));
		sel.device_ids = ids;
		sel.device_id_count = 3;
		assert_int_equal(candidates(f, medfw_store_scope_all(), &sel, rollout, out, 8), 2);
		assert_int_equal(out[0].device_id, dev[2]);
		assert_int_equal(out[1].device_id, dev[6]);
		/* combinations: every non-empty list must match */
		memset(&sel, 0, sizeof(sel));
		sel.models = (const char *[]){"Pump"};
		sel.model_count = 1;
		sel.firmware_versions = fws;
		sel.firmware_version_count = 1;
		sel.tags = tags_a;
		sel.tag_count = 1;
		assert_int_equal(candidates(f, medfw_store_scope_all(), &sel, rollout, out, 8), 2);
		sel.site_ids = (const int64_t[]){f->site_a};
		sel.site_count = 1;
		assert_int_equal(candidates(f, medfw_store_scope_all(), &sel, rollout, out, 8), 1);
		assert_int_equal(out[0].device_id, dev[0]);
		sel.departments = deps;
		sel.department_count = 1;
		assert_int_equal(candidates(f, medfw_store_scope_all(), &sel, rollout, out, 8), 0);
		/* a selector naming another site, asked in site A's scope: nothing */
		memset(&sel, 0, sizeof(sel));
		sel.site_ids = sites;
		sel.site_count = 1;
		assert_int_equal(candidates(f, medfw_store_scope_site(f->site_a), &sel, rollout, out, 8),
				 0);
	}
	/* paging with after_id */
	memset(&sel, 0, sizeof(sel));
	assert_int_equal(medfw_store_rollout_candidates(f->store, medfw_store_scope_all(), &sel,
							rollout, dev[1], out, 2, &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].device_id, dev[2]);
	assert_int_equal(out[1].device_id, dev[3]);
	assert_int_equal(medfw_store_rollout_candidates(f->store, medfw_store_scope_all(), &sel,
							rollout, dev[3], out, 2, &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].device_id, dev[6]);
	/* members of this rollout are no candidates; members of another unfinished one
	 * are, naming it */
	m = member(dev[0], 0, MEDFW_RD_PENDING);
	assert_int_equal(medfw_store_rollout_devices_join(f->store, rollout, &m, 1, NULL, NULL),
			 MEDFW_OK);
	m = member(dev[1], 0, MEDFW_RD_DEFERRED);
	assert_int_equal(medfw_store_rollout_devices_join(f->store, other, &m, 1, NULL, NULL),
			 MEDFW_OK);
	m = member(dev[2], 0, MEDFW_RD_COMMITTED);
	assert_int_equal(medfw_store_rollout_devices_join(f->store, other, &m, 1, NULL, NULL),
			 MEDFW_OK);
	m = member(dev[3], 0, MEDFW_RD_REMOVED);
	assert_int_equal(medfw_store_rollout_devices_join(f->store, other, &m, 1, NULL, NULL),
			 MEDFW_OK);
	n = candidates(f, medfw_store_scope_all(), &sel, rollout, out, 8);
	assert_int_equal(n, 4);
	assert_int_equal(out[0].device_id, dev[1]);
	assert_int_equal(out[0].other_rollout, other);
	assert_int_equal(out[1].other_rollout, 0); /* committed there */
	assert_int_equal(out[2].other_rollout, 0); /* removed there */
	/* asked for the other rollout itself: not "another" one */
	n = candidates(f, medfw_store_scope_all(), &sel, other, out, 8);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].device_id, dev[0]);
	assert_int_equal(out[0].other_rollout, rollout);
	assert_int_equal(out[1].device_id, dev[6]);
	assert_int_equal(out[1].other_rollout, 0);
	/* a finished rollout holds no one */
	set_state(f, other, MEDFW_ROLLOUT_COMPLETED);
	n = candidates(f, medfw_store_scope_all(), &sel, rollout, out, 8);
	assert_int_equal(out[0].device_id, dev[1]);
	assert_int_equal(out[0].other_rollout, 0);
	/* refused selectors */
	{
		const char *bad_tag[] = {"a,icu"};
		const char *long_model[] = {NULL};
		char model[MEDFW_STORE_NAME_MAX + 2];
		int64_t ids[MEDFW_STORE_SELECTOR_LIST_MAX + 1];

		memset(&sel, 0, sizeof(sel));
		sel.tags = bad_tag;
		sel.tag_count = 1;
		medfw_diag_clear(&d);
		assert_int_equal(medfw_store_rollout_candidates(f->store, medfw_store_scope_all(), &sel,
								rollout, 0, out, 8, &n, &d),
				 MEDFW_ERR_FIELD_VALUE);
		assert_non_null(strstr(d.msg, "tags[0]"));
		memset(&sel, 0, sizeof(sel));
		memset(model, 'm', sizeof(model) - 1);
		model[sizeof(model) - 1] = '\0';
		long_model[0] = model;
		sel.models = long_model;
		sel.model_count = 1;
		assert_int_equal(medfw_store_rollout_candidates(f->store, medfw_store_scope_all(), &sel,
								rollout, 0, out, 8, &n, NULL),
				 MEDFW_ERR_TOO_LARGE);
		memset(&sel, 0, sizeof(sel));
		for (size_t i = 0; i <= MEDFW_STORE_SELECTOR_LIST_MAX; i++)
			ids[i] = (int64_t)i + 1;
		sel.device_ids = ids;
		sel.device_id_count = MEDFW_STORE_SELECTOR_LIST_MAX + 1;
		assert_int_equal(medfw_store_rollout_candidates(f->store, medfw_store_scope_all(), &sel,
								rollout, 0, out, 8, &n, NULL),
				 MEDFW_ERR_TOO_LARGE);
		sel.device_id_count = MEDFW_STORE_SELECTOR_LIST_MAX; /* the most: fine */
		assert_int_equal(medfw_store_rollout_candidates(f->store, medfw_store_scope_all(), &sel,
								rollout, 0, out, 8, &n, NULL),
				 MEDFW_OK);
		assert_int_equal(n, 4);
		ids[0] = 0;
		assert_int_equal(medfw_store_rollout_candidates(f->store, medfw_store_scope_all(), &sel,
								rollout, 0, out, 8, &n, NULL),
				 MEDFW_ERR_FIELD_VALUE);
		assert_int_equal(n, 0);
		sel.device_ids = NULL;
		assert_int_equal(medfw_store_rollout_candidates(f->store, medfw_store_scope_all(), &sel,
								rollout, 0, out, 8, &n, NULL),
				 MEDFW_ERR_INVALID_ARG);
	}
}

/* ------------------------------------------------------------------ assignments */

static struct medfw_store_assignment assignment(int64_t device, const char *target)
{
	struct medfw_store_assignment a;

	memset(&a, 0, sizeof(a));
	a.device_id = device;
	snprintf(a.target_name, sizeof(a.target_name), "%s", target);
	a.target_length = 4096;
	snprintf(a.target_hashes, sizeof(a.target_hashes), "{\"sha256\":\"%064d\"}", 2);
	return a;
}

static int64_t version_of(struct fixture *f, int64_t device)
{
	int64_t v = -1;

	assert_int_equal(medfw_store_director_version(f->store, device, &v, NULL), MEDFW_OK);
	return v;
}

static int64_t owner_of(struct fixture *f, int64_t device)
{
	int64_t o = -1;

	assert_int_equal(medfw_store_assignment_owner(f->store, device, &o, NULL), MEDFW_OK);
	return o;
}

static void test_assignments_in_bulk(void **state)
{
	struct fixture *f = *state;
	int64_t rollout = create_rollout(f, 0, "Bulk"), other = create_rollout(f, 0, "Other");
	int64_t dev[4], ids[5], v = 0;
	struct medfw_store_assignment as[4], got, by_hand;
	struct medfw_diag d;
	size_t cleared = 99;

	for (int i = 0; i < 4; i++) {
		char serial[16];
		struct dev_spec s = {f->site_a, serial, NULL, NULL, NULL, NULL, NULL, NULL, 0};

		snprintf(serial, sizeof(serial), "A-%d", i);
		dev[i] = make_device(f, &s);
		as[i] = assignment(dev[i], "pump/fw-2.0.bundle");
		ids[i] = dev[i];
	}
	ids[4] = 4242;
	as[1].window_start = f->now + 60;
	as[1].window_end = f->now + 3600;
	/* refused input, unknown device: nothing changes */
	as[2].target_name[0] = '\0';
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_assignments_set_many(f->store, rollout, as, 3, &d),
			 MEDFW_ERR_FIELD_MISSING);
	assert_non_null(strstr(d.msg, "assignments[2]"));
	as[2] = assignment(dev[2], "pump/fw-2.0.bundle");
	as[3].device_id = 4242;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_assignments_set_many(f->store, rollout, as, 4, &d),
			 MEDFW_ERR_NOT_FOUND);
	assert_non_null(strstr(d.msg, "assignments[3]"));
	assert_int_equal(medfw_store_assignments_set_many(f->store, 0, as, 3, NULL),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_store_assignments_set_many(f->store, 4242, as, 3, NULL),
			 MEDFW_ERR_NOT_FOUND);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(version_of(f, dev[i]), 0);
		assert_int_equal(owner_of(f, dev[i]), 0);
	}
	as[3].device_id = dev[3];
	/* set: owned by the rollout, each version bumped once */
	assert_int_equal(medfw_store_assignments_set_many(f->store, rollout, as, 3, NULL), MEDFW_OK);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(version_of(f, dev[i]), 1);
		assert_int_equal(owner_of(f, dev[i]), rollout);
	}
	assert_int_equal(medfw_store_assignment_get(f->store, medfw_store_scope_all(), dev[1], &got,
						    NULL),
			 MEDFW_OK);
	assert_string_equal(got.target_name, "pump/fw-2.0.bundle");
	assert_int_equal(got.window_start, f->now + 60);
	assert_int_equal(got.window_end, f->now + 3600);
	assert_int_equal(got.created_at, f->now);
	/* a by-hand assignment takes the device away from the rollout */
	by_hand = assignment(dev[2], "pump/fw-1.9.bundle");
	assert_int_equal(medfw_store_assignment_set(f->store, medfw_store_scope_all(), &by_hand, &v,
						    NULL),
			 MEDFW_OK);
	assert_int_equal(v, 2);
	assert_int_equal(owner_of(f, dev[2]), 0);
	by_hand = assignment(dev[3], "pump/fw-1.9.bundle");
	assert_int_equal(medfw_store_assignment_set(f->store, medfw_store_scope_all(), &by_hand, &v,
						    NULL),
			 MEDFW_OK);
	/* another rollout's clear leaves them alone */
	assert_int_equal(medfw_store_assignments_clear_many(f->store, other, ids, 5, &cleared, NULL),
			 MEDFW_OK);
	assert_int_equal(cleared, 0);
	assert_int_equal(version_of(f, dev[0]), 1);
	/* clear: only what the rollout owns, bumping those versions; unknown ids ignored */
	assert_int_equal(medfw_store_assignments_clear_many(f->store, rollout, ids, 5, &cleared, NULL),
			 MEDFW_OK);
	assert_int_equal(cleared, 2);
	assert_int_equal(version_of(f, dev[0]), 2);
	assert_int_equal(version_of(f, dev[1]), 2);
	assert_int_equal(version_of(f, dev[2]), 2); /* by hand: kept */
	assert_int_equal(version_of(f, dev[3]), 1);
	assert_int_equal(medfw_store_assignment_get(f->store, medfw_store_scope_all(), dev[0], &got,
						    NULL),
			 MEDFW_ERR_NOT_FOUND);
	assert_int_equal(medfw_store_assignment_get(f->store, medfw_store_scope_all(), dev[2], &got,
						    NULL),
			 MEDFW_OK);
	assert_string_equal(got.target_name, "pump/fw-1.9.bundle");
	assert_int_equal(medfw_store_assignments_clear_many(f->store, rollout, ids, 5, &cleared, NULL),
			 MEDFW_OK);
	assert_int_equal(cleared, 0);
	/* set again replaces a by-hand one (the engine decides when) */
	assert_int_equal(medfw_store_assignments_set_many(f->store, rollout, &as[2], 1, NULL),
			 MEDFW_OK);
	assert_int_equal(owner_of(f, dev[2]), rollout);
	assert_int_equal(version_of(f, dev[2]), 3);
	assert_int_equal(owner_of(f, 4242), 0);
}

/* ------------------------------------------------------------------ windows */

static void test_windows(void **state)
{
	struct fixture *f = *state;
	struct medfw_store_window_rule *rules =
		calloc(MEDFW_STORE_WINDOW_RULES_MAX + 1, sizeof(*rules));
	struct medfw_store_blackout *bl = calloc(MEDFW_STORE_BLACKOUTS_MAX + 1, sizeof(*bl));
	struct medfw_store_window_rule *got_r = calloc(MEDFW_STORE_WINDOW_RULES_MAX, sizeof(*got_r));
	struct medfw_store_blackout *got_b = calloc(MEDFW_STORE_BLACKOUTS_MAX, sizeof(*got_b));
	struct medfw_diag d;
	size_t nr = 9, nb = 9;

	assert_non_null(rules);
	assert_non_null(bl);
	assert_non_null(got_r);
	assert_non_null(got_b);
	/* nothing yet */
	assert_int_equal(medfw_store_windows_get(f->store, medfw_store_scope_site(f->site_a),
						 f->site_a, got_r, 4, &nr, got_b, 4, &nb, NULL),
			 MEDFW_OK);
	assert_int_equal(nr, 0);
	assert_int_equal(nb, 0);
	snprintf(rules[0].rule, sizeof(rules[0].rule), "{\"days\":[\"sat\"],\"from\":\"02:00\"}");
	snprintf(rules[1].department, sizeof(rules[1].department), "ICU");
	snprintf(rules[1].rule, sizeof(rules[1].rule), "{\"days\":[\"sun\"],\"from\":\"03:00\"}");
	snprintf(rules[2].rule, sizeof(rules[2].rule), "{\"days\":[\"mon\"]}");
	bl[0].from_day = 20000;
	bl[0].to_day = 20002;
	snprintf(bl[0].reason, sizeof(bl[0].reason), "Christmas");
	snprintf(bl[1].department, sizeof(bl[1].department), "OR");
	bl[1].from_day = bl[1].to_day = 19990;
	assert_int_equal(medfw_store_windows_replace(f->store, medfw_store_scope_site(f->site_a),
						     f->site_a, rules, 3, bl, 2, NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_store_windows_get(f->store, medfw_store_scope_all(), f->site_a, got_r,
						 4, &nr, got_b, 4, &nb, NULL),
			 MEDFW_OK);
	assert_int_equal(nr, 3);
	assert_int_equal(nb, 2);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(got_r[i].department, rules[i].department);
		assert_string_equal(got_r[i].rule, rules[i].rule);
	}
	assert_memory_equal(&got_b[0], &bl[0], sizeof(bl[0]));
	assert_memory_equal(&got_b[1], &bl[1], sizeof(bl[1]));
	/* too small an output: TOO_LARGE, outputs cleared */
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_windows_get(f->store, medfw_store_scope_all(), f->site_a, got_r,
						 2, &nr, got_b, 4, &nb, &d),
			 MEDFW_ERR_TOO_LARGE);
	assert_int_equal(nr, 0);
	tu_assert_zeroed(got_r, 2 * sizeof(*got_r));
	/* scope: site B sees nothing of site A, and may not change it */
	assert_int_equal(medfw_store_windows_get(f->store, medfw_store_scope_site(f->site_b),
						 f->site_a, got_r, 4, &nr, got_b, 4, &nb, NULL),
			 MEDFW_ERR_NOT_FOUND);
	assert_int_equal(medfw_store_windows_replace(f->store, medfw_store_scope_site(f->site_b),
						     f->site_a, rules, 1, NULL, 0, NULL),
			 MEDFW_ERR_NOT_FOUND);
	assert_int_equal(medfw_store_windows_replace(f->store, medfw_store_scope_all(), 4242, rules, 1,
						     NULL, 0, NULL),
			 MEDFW_ERR_NOT_FOUND);
	/* bounds and bad values: refused, nothing changes */
	for (size_t i = 0; i <= MEDFW_STORE_WINDOW_RULES_MAX; i++)
		snprintf(rules[i].rule, sizeof(rules[i].rule), "{\"n\":%zu}", i);
	assert_int_equal(medfw_store_windows_replace(f->store, medfw_store_scope_all(), f->site_a,
						     rules, MEDFW_STORE_WINDOW_RULES_MAX + 1, bl, 0,
						     NULL),
			 MEDFW_ERR_TOO_LARGE);
	for (size_t i = 0; i <= MEDFW_STORE_BLACKOUTS_MAX; i++)
		bl[i].from_day = bl[i].to_day = 20000 + (int64_t)i;
	assert_int_equal(medfw_store_windows_replace(f->store, medfw_store_scope_all(), f->site_a,
						     rules, 1, bl, MEDFW_STORE_BLACKOUTS_MAX + 1, NULL),
			 MEDFW_ERR_TOO_LARGE);
	bl[1].from_day = bl[1].to_day + 1;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_windows_replace(f->store, medfw_store_scope_all(), f->site_a,
						     rules, 1, bl, 2, &d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(d.msg, "blackouts[1]"));
	bl[1].from_day = bl[1].to_day;
	rules[1].rule[0] = '\0';
	assert_int_equal(medfw_store_windows_replace(f->store, medfw_store_scope_all(), f->site_a,
						     rules, 2, bl, 2, NULL),
			 MEDFW_ERR_FIELD_MISSING);
	memset(rules[1].department, 'd', sizeof(rules[1].department));
	assert_int_equal(medfw_store_windows_replace(f->store, medfw_store_scope_all(), f->site_a,
						     rules, 2, bl, 2, NULL),
			 MEDFW_ERR_TOO_LARGE);
	assert_int_equal(medfw_store_windows_get(f->store, medfw_store_scope_all(), f->site_a, got_r,
						 4, &nr, got_b, 4, &nb, NULL),
			 MEDFW_OK);
	assert_int_equal(nr, 3);
	assert_int_equal(nb, 2);
	assert_string_equal(got_b[0].reason, "Christmas");
	/* the most there may be: fine; replacing is wholesale */
	memset(rules[1].department, 0, sizeof(rules[1].department));
	snprintf(rules[1].rule, sizeof(rules[1].rule), "{\"n\":1}");
	assert_int_equal(medfw_store_windows_replace(f->store, medfw_store_scope_all(), f->site_a,
						     rules, MEDFW_STORE_WINDOW_RULES_MAX, bl,
						     MEDFW_STORE_BLACKOUTS_MAX, NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_store_windows_get(f->store, medfw_store_scope_all(), f->site_a, got_r,
						 MEDFW_STORE_WINDOW_RULES_MAX, &nr, got_b,
						 MEDFW_STORE_BLACKOUTS_MAX, &nb, NULL),
			 MEDFW_OK);
	assert_int_equal(nr, MEDFW_STORE_WINDOW_RULES_MAX);
	assert_int_equal(nb, MEDFW_STORE_BLACKOUTS_MAX);
	assert_string_equal(got_r[63].rule, "{\"n\":63}");
	assert_int_equal(got_b[255].from_day, 20255);
	assert_int_equal(medfw_store_windows_replace(f->store, medfw_store_scope_all(), f->site_a,
						     NULL, 0, NULL, 0, NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_store_windows_get(f->store, medfw_store_scope_all(), f->site_a, got_r,
						 4, &nr, got_b, 4, &nb, NULL),
			 MEDFW_OK);
	assert_int_equal(nr + nb, 0);
	free(rules);
	free(bl);
	free(got_r);
	free(got_b);
}

/* ------------------------------------------------------------------ migration */

/* A database of schema version 3 (made from the version 1..3 statements) migrates to
 * 4 and keeps its data: devices get no tags, a by-hand assignment no owner. */
static void test_migration_from_v3(void **state)
{
	struct fixture *f = *state;
	struct medfw_store_device got;
	struct medfw_store_assignment as;
	char path[4200];
	int64_t v = 0;

	snprintf(path, sizeof(path), "%s.v3", f->path);
	tu_sqlite_at_version(path, 3,
			     "INSERT INTO sites (id, name, time_zone, created_at) VALUES (1, 'Old',"
			     " 'UTC', 0);"
			     " INSERT INTO devices (id, site_id, serial, model, enrolment_state,"
			     " update_state, update_seq, created_at)"
			     " VALUES (7, 1, 'OLD-1', 'Vent 7', 'enrolled', 'committed', 3, 5);"
			     " INSERT INTO director_assignments (device_id, target_name, target_length,"
			     " target_hashes, created_at) VALUES (7, 'vent/fw-1.bundle', 10, '{}', 6);"
			     " INSERT INTO director_versions VALUES (7, 4);",
			     SQLITE_OK);

	medfw_store_close(f->store);
	f->store = NULL;
	assert_int_equal(medfw_store_open(f->ctx, path, &f->store, NULL), MEDFW_OK);
	assert_int_equal(medfw_store_schema_version(f->store, &v, NULL), MEDFW_OK);
	assert_int_equal(v, medfw_store_schema_version_known(f->store));
	assert_int_equal(medfw_store_device_get(f->store, medfw_store_scope_all(), 7, &got, NULL),
			 MEDFW_OK);
	assert_string_equal(got.serial, "OLD-1");
	assert_string_equal(got.tags, "");
	assert_int_equal(got.update_state, MEDFW_UPDATE_COMMITTED);
	assert_int_equal(got.created_at, 5);
	assert_int_equal(medfw_store_assignment_get(f->store, medfw_store_scope_all(), 7, &as, NULL),
			 MEDFW_OK);
	assert_string_equal(as.target_name, "vent/fw-1.bundle");
	assert_int_equal(owner_of(f, 7), 0);
	assert_int_equal(version_of(f, 7), 4);
	/* the new tables work on the old data (it has no users) */
	f->user_a = 0;
	{
		int64_t id = create_rollout(f, 1, "After migration");
		struct medfw_store_rollout_device m = member(7, 0, MEDFW_RD_PENDING);
		struct medfw_store_candidate c[2];
		struct medfw_store_selector sel;
		size_t n = 0;

		memset(&sel, 0, sizeof(sel));
		assert_int_equal(medfw_store_rollout_candidates(f->store, medfw_store_scope_all(), &sel,
								id, 0, c, 2, &n, NULL),
				 MEDFW_OK);
		assert_int_equal(n, 1);
		assert_int_equal(medfw_store_rollout_devices_join(f->store, id, &m, 1, &n, NULL),
				 MEDFW_OK);
		assert_int_equal(n, 1);
		got.tags[0] = 'x';
		got.tags[1] = '\0';
		assert_int_equal(medfw_store_device_update(f->store, medfw_store_scope_all(), &got,
							   NULL),
				 MEDFW_OK);
	}
	medfw_store_close(f->store);
	f->store = NULL;
	/* opened again: nothing left to migrate */
	assert_int_equal(medfw_store_open(f->ctx, path, &f->store, NULL), MEDFW_OK);
	assert_int_equal(medfw_store_device_get(f->store, medfw_store_scope_all(), 7, &got, NULL),
			 MEDFW_OK);
	assert_string_equal(got.tags, "x");
	medfw_store_close(f->store);
	f->store = NULL;
	assert_int_equal(remove(path), 0);
	assert_int_equal(medfw_store_open(f->ctx, f->path, &f->store, NULL), MEDFW_OK);
}

/* ------------------------------------------------------------------ 100,000 members */

#define BIG 100000

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

struct big_arg {
	int64_t site;
	int64_t first_id;
};

static enum medfw_err big_devices_fn(struct medfw_store *tx, void *user, struct medfw_diag *diag)
{
	struct big_arg *a = user;
	struct medfw_store_device d;
	enum medfw_err err = MEDFW_OK;

	memset(&d, 0, sizeof(d));
	d.site_id = a->site;
	d.enrolment_state = MEDFW_ENROLMENT_ENROLLED;
	d.image_is_signed_release = MEDFW_TRI_UNKNOWN;
	snprintf(d.model, sizeof(d.model), "Pump");
	snprintf(d.firmware_version, sizeof(d.firmware_version), "1.0");
	for (int i = 0; err == MEDFW_OK && i < BIG; i++) {
		snprintf(d.serial, sizeof(d.serial), "BIG-%06d", i);
		snprintf(d.tags, sizeof(d.tags), "%s", i % 10 == 0 ? "canary,icu" : "icu");
		err = medfw_store_device_create(tx, &d, diag);
		if (i == 0)
			a->first_id = d.id;
	}
	return err;
}

static void test_timing_100k(void **state)
{
	struct fixture *f = *state;
	struct big_arg ba = {f->site_a, 0};
	struct medfw_store_rollout_device *m = calloc(BIG, sizeof(*m));
	struct medfw_store_candidate *c = calloc(1000, sizeof(*c));
	struct medfw_store_assignment *as = calloc(BIG, sizeof(*as));
	int64_t *ids = calloc(BIG, sizeof(*ids));
	int64_t counts[4 * MEDFW_RD_STATE_COUNT], rollout, after = 0, total = 0;
	struct medfw_store_selector sel;
	const char *canary[] = {"canary"};
	struct timespec t0;
	double t_join, t_update, t_count, t_cand, t_set, t_clear, t_walk;
	size_t added = 0, n = 0, pages = 0;

	assert_non_null(m);
	assert_non_null(c);
	assert_non_null(as);
	assert_non_null(ids);
	assert_int_equal(medfw_store_tx(f->store, big_devices_fn, &ba, NULL), MEDFW_OK);
	rollout = create_rollout(f, f->site_a, "Big");

	/* candidates: every enrolled device, paged by 1000 */
	memset(&sel, 0, sizeof(sel));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		assert_int_equal(medfw_store_rollout_candidates(f->store, medfw_store_scope_all(), &sel,
								rollout, after, c, 1000, &n, NULL),
				 MEDFW_OK);
		for (size_t i = 0; i < n; i++) {
			size_t k = (size_t)(c[i].device_id - ba.first_id);

			assert_true(k < BIG);
			m[k] = member(c[i].device_id, (int64_t)(k % 4), MEDFW_RD_PENDING);
		}
		if (n > 0)
			after = c[n - 1].device_id;
		pages++;
	} while (n == 1000);
	t_cand = seconds_since(&t0);
	assert_int_equal(pages, BIG / 1000 + 1);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(medfw_store_rollout_devices_join(f->store, rollout, m, BIG, &added, NULL),
			 MEDFW_OK);
	t_join = seconds_since(&t0);
	assert_int_equal(added, BIG);

	for (size_t i = 0; i < BIG; i++) {
		m[i].state = i % 3 == 0 ? MEDFW_RD_COMMITTED : MEDFW_RD_SCHEDULED;
		m[i].done_at = i % 3 == 0 ? f->now + (int64_t)i : 0;
		m[i].assigned_at = f->now;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(medfw_store_rollout_devices_update(f->store, rollout, m, BIG, NULL),
			 MEDFW_OK);
	t_update = seconds_since(&t0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(medfw_store_rollout_devices_count(f->store, medfw_store_scope_all(), rollout,
							   4, counts, NULL),
			 MEDFW_OK);
	t_count = seconds_since(&t0);
	total = 0;
	for (size_t i = 0; i < 4 * MEDFW_RD_STATE_COUNT; i++)
		total += counts[i];
	assert_int_equal(total, BIG);
	assert_int_equal(counts[0 * MEDFW_RD_STATE_COUNT + MEDFW_RD_COMMITTED], 8334);
	assert_int_equal(medfw_store_rollout_devices_count(f->store, medfw_store_scope_site(f->site_b),
							   rollout, 4, counts, NULL),
			 MEDFW_OK);
	for (size_t i = 0; i < 4 * MEDFW_RD_STATE_COUNT; i++)
		assert_int_equal(counts[i], 0);

	for (size_t i = 0; i < BIG; i++) {
		as[i] = assignment(m[i].device_id, "pump/fw-2.0.bundle");
		ids[i] = m[i].device_id;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(medfw_store_assignments_set_many(f->store, rollout, as, BIG, NULL), MEDFW_OK);
	t_set = seconds_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(medfw_store_assignments_clear_many(f->store, rollout, ids, BIG, &n, NULL),
			 MEDFW_OK);
	t_clear = seconds_since(&t0);
	assert_int_equal(n, BIG);
	assert_int_equal(version_of(f, ids[BIG - 1]), 2);

	/* the canary tag: one device in ten, none a candidate any more */
	sel.tags = canary;
	sel.tag_count = 1;
	assert_int_equal(medfw_store_rollout_candidates(f->store, medfw_store_scope_all(), &sel,
							rollout, 0, c, 1000, &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 0);
	assert_int_equal(medfw_store_rollout_candidates(f->store, medfw_store_scope_all(), &sel, 0, 0,
							c, 1000, &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 1000);
	assert_int_equal(c[0].other_rollout, 0);

	/* the engine's walk: keyset pages of 512 by device id, every member once, in order */
	{
		struct medfw_store_rollout_device_filter kf = {0, -1, 1, 0};
		struct medfw_store_rollout_device *page = calloc(512, sizeof(*page));
		int64_t last = 0, page_total = 0;
		size_t seen = 0, got = 0;

		assert_non_null(page);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		do {
			assert_int_equal(medfw_store_rollout_devices_list(
						 f->store, medfw_store_scope_all(), rollout, &kf, 0,
						 page, 512, &got, &page_total, NULL),
					 MEDFW_OK);
			for (size_t i = 0; i < got; i++) {
				assert_true(page[i].device_id > last);
				last = page[i].device_id;
			}
			seen += got;
			if (got > 0)
				kf.after_device_id = page[got - 1].device_id;
		} while (got == 512);
		t_walk = seconds_since(&t0);
		assert_int_equal(seen, BIG);
		assert_int_equal(page_total, 0);
		/* keyset paging takes no offset */
		assert_int_equal(medfw_store_rollout_devices_list(f->store, medfw_store_scope_all(),
								  rollout, &kf, 5, page, 512, &got,
								  NULL, NULL),
				 MEDFW_ERR_INVALID_ARG);
		free(page);
	}
	print_message("100,000 members: candidates (100 pages of 1000) %.3f s, join %.3f s,"
		      " update %.3f s, count %.4f s, assignments set_many %.3f s,"
		      " clear_many %.3f s, keyset walk (pages of 512) %.3f s\n",
		      t_cand, t_join, t_update, t_count, t_set, t_clear, t_walk);
	free(m);
	free(c);
	free(as);
	free(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enum_names),
		cmocka_unit_test(test_tags_canonical),
		cmocka_unit_test_setup_teardown(test_device_tags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollout_create_get_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollout_create_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollout_save_compare_and_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollout_waves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_members, setup, teardown),
		cmocka_unit_test_setup_teardown(test_candidates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_assignments_in_bulk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_windows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_from_v3, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timing_100k, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
