/* Staged rollouts: the wave plan, the selection, member states, wave decisions and the
 * rules of human actions (medfw/rollout.h, docs/rollouts.md). Pure functions. */
#include "medfw/rollout.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/crypto.h"
#include "medfw/json.h"
#include "medfw/utf8.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- strict objects */

/* Every key of obj must be one of `allowed`. */
static enum medfw_err only_keys(const json_t *obj, const char *what,
				const char *const *allowed, size_t n, struct medfw_diag *diag)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)(uintptr_t)obj, key, v) {
		size_t i;

		(void)v;
		for (i = 0; i < n; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (i == n)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s: unknown field \"%.64s\"",
					      what, key);
	}
	return MEDFW_OK;
}

/* An optional integer in [min, max]; absent leaves *out. */
static enum medfw_err opt_int(const json_t *obj, const char *what, const char *key, int64_t min,
			      int64_t max, int64_t *out, int *present, struct medfw_diag *diag)
{
	*present = json_object_get(obj, key) != NULL;
	if (!*present)
		return MEDFW_OK;
	return medfw_json_get_int(obj, what, key, min, max, out, diag);
}

/* ---------------------------------------------------------------- the plan */

static int wave_name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > MEDFW_ROLLOUT_WAVE_NAME_MAX || s[0] == ' ' || s[n - 1] == ' ')
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == ' ' || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static enum medfw_err wave_from_json(const json_t *w, size_t idx,
				     struct medfw_rollout_wave_spec *out, struct medfw_diag *diag)
{
	static const char *const keys[] = {"name", "count", "percent", "success_threshold",
					   "error_threshold", "soak_seconds"};
	char what[32];
	const char *name;
	int64_t v = 0;
	int has_count, has_percent, present;
	enum medfw_err err;

	snprintf(what, sizeof(what), "waves[%zu]", idx);
	if (!json_is_object(w))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: not an object", what);
	if ((err = only_keys(w, what, keys, COUNT(keys), diag)) != MEDFW_OK)
		return err;
	if ((err = medfw_json_get_string(w, what, "name", &name, diag)) != MEDFW_OK)
		return err;
	if (!wave_name_ok(name))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s.name: 1 to %d letters, digits, spaces, '.', '_' or '-' "
				      "(not starting or ending with a space)",
				      what, MEDFW_ROLLOUT_WAVE_NAME_MAX);
	snprintf(out->name, sizeof(out->name), "%s", name);
	if ((err = opt_int(w, what, "count", 1, 1000000, &v, &has_count, diag)) != MEDFW_OK)
		return err;
	out->count = has_count ? (uint32_t)v : 0;
	if ((err = opt_int(w, what, "percent", 1, 100, &v, &has_percent, diag)) != MEDFW_OK)
		return err;
	out->percent = has_percent ? (uint32_t)v : 0;
	if (has_count == has_percent)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: give exactly one of \"count\" and \"percent\"", what);
	if ((err = medfw_json_get_int(w, what, "success_threshold", 1, 100, &v, diag)) != MEDFW_OK)
		return err;
	out->success_threshold = (uint32_t)v;
	if ((err = medfw_json_get_int(w, what, "error_threshold", 0, 100, &v, diag)) != MEDFW_OK)
		return err;
	out->error_threshold = (uint32_t)v;
	v = 0;
	if ((err = opt_int(w, what, "soak_seconds", 0, MEDFW_ROLLOUT_SOAK_MAX, &v, &present,
			   diag)) != MEDFW_OK)
		return err;
	out->soak = v;
	return MEDFW_OK;
}

enum medfw_err medfw_rollout_plan_from_json(const json_t *waves, struct medfw_rollout_plan *out,
					    struct medfw_diag *diag)
{
	struct medfw_rollout_plan p;
	uint32_t last_percent = 0;
	size_t i, j, n;
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	if (!json_is_array(waves))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "waves: not an array");
	n = json_array_size(waves);
	if (n == 0 || n > MEDFW_ROLLOUT_WAVES_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "waves: 1 to %d waves, not %zu",
				      MEDFW_ROLLOUT_WAVES_MAX, n);
	for (i = 0; i < n; i++) {
		struct medfw_rollout_wave_spec *w = &p.waves[i];

		if ((err = wave_from_json(json_array_get(waves, i), i, w, diag)) != MEDFW_OK)
			return err;
		for (j = 0; j < i; j++)
			if (strcmp(p.waves[j].name, w->name) == 0)
				return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						      "waves[%zu].name: \"%s\" is the name of waves[%zu] too",
						      i, w->name, j);
		if (w->percent != 0) {
			if (w->percent < last_percent)
				return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						      "waves[%zu].percent: %u is below the %u of an "
						      "earlier wave (percents are cumulative)",
						      i, w->percent, last_percent);
			last_percent = w->percent;
		}
	}
	if (p.waves[n - 1].percent != 100)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "waves[%zu]: the last wave must be \"percent\": 100 (it takes "
				      "every device left)",
				      n - 1);
	p.wave_count = n;
	*out = p;
	return MEDFW_OK;
}

json_t *medfw_rollout_plan_to_json(const struct medfw_rollout_plan *plan)
{
	json_t *arr = json_array();
	size_t i;

	if (arr == NULL)
		return NULL;
	for (i = 0; i < plan->wave_count; i++) {
		const struct medfw_rollout_wave_spec *w = &plan->waves[i];
		json_t *o = json_pack("{s:s, s:I, s:I, s:I}", "name", w->name, "success_threshold",
				      (json_int_t)w->success_threshold, "error_threshold",
				      (json_int_t)w->error_threshold, "soak_seconds",
				      (json_int_t)w->soak);

		if (o == NULL ||
		    json_object_set_new(o, w->count ? "count" : "percent",
					json_integer(w->count ? w->count : w->percent)) != 0 ||
		    json_array_append_new(arr, o) != 0) {
			json_decref(o);
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

void medfw_rollout_wave_sizes(const struct medfw_rollout_plan *plan, uint64_t total,
			      uint64_t *sizes)
{
	uint64_t end = 0;
	size_t i;

	for (i = 0; i < plan->wave_count; i++) {
		const struct medfw_rollout_wave_spec *w = &plan->waves[i];
		uint64_t want;

		if (i + 1 == plan->wave_count) {
			want = total;
		} else if (w->count != 0) {
			want = end + w->count;
		} else {
			want = (total * w->percent + 99) / 100;
			if (want <= end && end < total)
				want = end + 1;
		}
		if (want > total)
			want = total;
		if (want < end)
			want = end;
		sizes[i] = want - end;
		end = want;
	}
}

uint64_t medfw_rollout_rank(int64_t rollout_id, int64_t device_id)
{
	uint8_t in[16], out[32];
	size_t len = 0;
	uint64_t r = 0;
	int i;

	for (i = 0; i < 8; i++) {
		in[i] = (uint8_t)((uint64_t)rollout_id >> (56 - 8 * i));
		in[8 + i] = (uint8_t)((uint64_t)device_id >> (56 - 8 * i));
	}
	if (medfw_hash_oneshot(MEDFW_HASH_SHA256, in, sizeof(in), out, sizeof(out), &len) !=
	    MEDFW_OK)
		return (uint64_t)device_id; /* SHA-256 cannot fail short of OpenSSL breaking */
	for (i = 0; i < 8; i++)
		r = (r << 8) | out[i];
	return r;
}

static int cmp_slot(const void *a, const void *b)
{
	const struct medfw_rollout_slot *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->device_id < y->device_id ? -1 : x->device_id > y->device_id;
}

void medfw_rollout_split(const struct medfw_rollout_plan *plan, int64_t rollout_id,
			 struct medfw_rollout_slot *slots, size_t n, uint64_t *out_sizes)
{
	uint64_t sizes[MEDFW_ROLLOUT_WAVES_MAX] = {0}, filled = 0;
	/* a plan is never above the maximum; one that were would be no plan at all */
	size_t waves = plan->wave_count <= MEDFW_ROLLOUT_WAVES_MAX ? plan->wave_count : 0;
	size_t i, wave = 0;

	for (i = 0; i < n; i++)
		slots[i].rank = medfw_rollout_rank(rollout_id, slots[i].device_id);
	if (n > 1)
		qsort(slots, n, sizeof(*slots), cmp_slot);
	if (waves > 0)
		medfw_rollout_wave_sizes(plan, n, sizes);
	for (i = 0; i < n; i++) {
		while (wave + 1 < waves && filled >= sizes[wave]) {
			wave++;
			filled = 0;
		}
		filled++;
		slots[i].wave = wave;
	}
	if (out_sizes != NULL)
		memcpy(out_sizes, sizes, sizeof(sizes));
}

/* ---------------------------------------------------------------- the selection */

enum { SEL_MODELS, SEL_HWIDS, SEL_FIRMWARE, SEL_DEPARTMENTS, SEL_ZONES, SEL_TAGS };

static const char *const sel_string_keys[6] = {"models",      "hardware_ids",  "firmware_versions",
					       "departments", "network_zones", "tags"};

static int tag_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == ':' || c == '-'))
			return 0;
	}
	return 1;
}

static int text_ok(const char *s)
{
	size_t n = strlen(s), i = 0;

	if (n == 0 || n > 128)
		return 0;
	while (i < n) {
		uint32_t cp;
		size_t used = medfw_utf8_decode((const uint8_t *)s + i, n - i, &cp);

		if (used == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return 0;
		i += used;
	}
	return 1;
}

static enum medfw_err sel_ids(const json_t *list, const char *key, int64_t *out, size_t *count,
			      struct medfw_diag *diag)
{
	size_t i, j, n = json_array_size(list);

	for (i = 0; i < n; i++) {
		json_t *v = json_array_get(list, i);

		if (!json_is_integer(v) || json_integer_value(v) < 1)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "selector.%s[%zu]: not a positive integer id", key, i);
		out[i] = (int64_t)json_integer_value(v);
		for (j = 0; j < i; j++)
			if (out[j] == out[i])
				return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						      "selector.%s[%zu]: %lld is listed twice", key, i,
						      (long long)out[i]);
	}
	*count = n;
	return MEDFW_OK;
}

static enum medfw_err sel_strings(const json_t *list, unsigned k, const char **out, size_t *count,
				  struct medfw_diag *diag)
{
	const char *key = sel_string_keys[k];
	size_t i, j, n = json_array_size(list);

	for (i = 0; i < n; i++) {
		json_t *v = json_array_get(list, i);
		const char *s = json_string_value(v);

		if (s == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE,
					      "selector.%s[%zu]: not a string", key, i);
		if (strlen(s) != json_string_length(v) || (k == SEL_TAGS ? !tag_ok(s) : !text_ok(s)))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "selector.%s[%zu]: %s", key,
					      i,
					      k == SEL_TAGS ? "a tag is 1 to 64 of A-Z a-z 0-9 . _ : -"
							    : "1 to 128 bytes of UTF-8 text without "
							      "control characters");
		out[i] = s;
		for (j = 0; j < i; j++)
			if (strcmp(out[j], s) == 0)
				return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						      "selector.%s[%zu]: listed twice", key, i);
	}
	*count = n;
	return MEDFW_OK;
}

enum medfw_err medfw_rollout_selector_from_json(const json_t *selector,
						struct medfw_rollout_selector *out,
						struct medfw_diag *diag)
{
	static const char *const keys[] = {"sites",       "models",        "hardware_ids",
					   "firmware_versions", "departments", "network_zones",
					   "tags",        "devices"};
	struct medfw_store_selector *v = &out->view;
	size_t *string_counts[6] = {&v->model_count,      &v->hardware_id_count,
				    &v->firmware_version_count, &v->department_count,
				    &v->network_zone_count, &v->tag_count};
	const char *key;
	json_t *list;
	size_t any = 0;
	unsigned k;
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(selector))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "selector: not an object");
	if ((err = only_keys(selector, "selector", keys, COUNT(keys), diag)) != MEDFW_OK)
		return err;
	json_object_foreach((json_t *)(uintptr_t)selector, key, list) {
		size_t n;

		if (!json_is_array(list))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "selector.%s: not an array",
					      key);
		n = json_array_size(list);
		if (n == 0 || n > MEDFW_STORE_SELECTOR_LIST_MAX)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "selector.%s: 1 to %d values, not %zu", key,
					      MEDFW_STORE_SELECTOR_LIST_MAX, n);
		any += n;
	}
	if (any == 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
				      "selector: name at least one of sites, models, hardware_ids, "
				      "firmware_versions, departments, network_zones, tags, devices");
	if ((list = json_object_get(selector, "sites")) != NULL &&
	    (err = sel_ids(list, "sites", out->site_ids, &v->site_count, diag)) != MEDFW_OK)
		return err;
	if ((list = json_object_get(selector, "devices")) != NULL &&
	    (err = sel_ids(list, "devices", out->device_ids, &v->device_id_count, diag)) != MEDFW_OK)
		return err;
	for (k = 0; k < 6; k++)
		if ((list = json_object_get(selector, sel_string_keys[k])) != NULL &&
		    (err = sel_strings(list, k, out->strings[k], string_counts[k], diag)) != MEDFW_OK)
			return err;
	v->site_ids = out->site_ids;
	v->device_ids = out->device_ids;
	v->models = out->strings[SEL_MODELS];
	v->hardware_ids = out->strings[SEL_HWIDS];
	v->firmware_versions = out->strings[SEL_FIRMWARE];
	v->departments = out->strings[SEL_DEPARTMENTS];
	v->network_zones = out->strings[SEL_ZONES];
	v->tags = out->strings[SEL_TAGS];
	return MEDFW_OK;
}

/* ---------------------------------------------------------------- members */

bool medfw_rollout_member_final(enum medfw_store_rollout_device_state s)
{
	return s == MEDFW_RD_COMMITTED || s == MEDFW_RD_FAILED || s == MEDFW_RD_ROLLED_BACK ||
	       s == MEDFW_RD_REMOVED;
}

enum medfw_store_rollout_device_state
medfw_rollout_member_next(enum medfw_store_rollout_device_state current,
			  enum medfw_store_update_event event, bool event_is_ours)
{
	if (medfw_rollout_member_final(current) || !event_is_ours)
		return current;
	switch (event) {
	case MEDFW_UPDATE_OFFERED:
		return MEDFW_RD_SCHEDULED;
	case MEDFW_UPDATE_DEFERRED:
		return MEDFW_RD_DEFERRED;
	case MEDFW_UPDATE_DOWNLOADING:
	case MEDFW_UPDATE_VERIFIED:
		return MEDFW_RD_DOWNLOADING;
	case MEDFW_UPDATE_INSTALLED:
	case MEDFW_UPDATE_REBOOTING:
		return MEDFW_RD_INSTALLED;
	case MEDFW_UPDATE_COMMITTED:
		return MEDFW_RD_COMMITTED;
	case MEDFW_UPDATE_ROLLED_BACK:
		return MEDFW_RD_ROLLED_BACK;
	case MEDFW_UPDATE_FAILED:
		return MEDFW_RD_FAILED;
	case MEDFW_UPDATE_NONE:
	default:
		return current;
	}
}

/* ---------------------------------------------------------------- decisions */

static uint64_t wave_members(const struct medfw_rollout_wave_counts *c)
{
	uint64_t n = 0;
	size_t s;

	for (s = 1; s < MEDFW_RD_STATE_COUNT; s++)
		if (s != MEDFW_RD_REMOVED)
			n += c->by_state[s];
	return n;
}

void medfw_rollout_evaluate(const struct medfw_rollout_plan *plan,
			    const struct medfw_rollout_wave_counts *counts,
			    const struct medfw_rollout_wave_progress *progress, size_t current,
			    int64_t now, struct medfw_rollout_decision *out)
{
	const struct medfw_rollout_wave_spec *w;
	uint64_t members, committed;
	size_t i, s;

	memset(out, 0, sizeof(*out));
	out->action = MEDFW_ROLLOUT_WAIT;
	if (plan->wave_count == 0)
		return;
	if (current >= plan->wave_count)
		current = plan->wave_count - 1;
	for (i = 0; i <= current; i++) {
		const struct medfw_rollout_wave_counts *c = &counts[i];
		uint64_t errors = c->by_state[MEDFW_RD_FAILED] + c->by_state[MEDFW_RD_ROLLED_BACK];

		w = &plan->waves[i];
		members = wave_members(c);
		if (errors > progress[i].errors_acknowledged &&
		    errors * 100 >= (uint64_t)w->error_threshold * members) {
			out->action = MEDFW_ROLLOUT_PAUSE;
			out->wave = i;
			snprintf(out->reason, sizeof(out->reason),
				 "wave %zu (%s): %llu of %llu devices failed or rolled back "
				 "(%llu failed, %llu rolled back), error threshold %u%%",
				 i + 1, w->name, (unsigned long long)errors,
				 (unsigned long long)members,
				 (unsigned long long)c->by_state[MEDFW_RD_FAILED],
				 (unsigned long long)c->by_state[MEDFW_RD_ROLLED_BACK],
				 w->error_threshold);
			return;
		}
	}
	w = &plan->waves[current];
	members = wave_members(&counts[current]);
	committed = counts[current].by_state[MEDFW_RD_COMMITTED];
	if (progress[current].success_at == 0) {
		if (committed * 100 >= (uint64_t)w->success_threshold * members) {
			out->action = MEDFW_ROLLOUT_SUCCEEDED;
			out->wave = current;
		}
		return;
	}
	if (now - progress[current].success_at < w->soak)
		return;
	if (current + 1 < plan->wave_count) {
		out->action = MEDFW_ROLLOUT_OPEN;
		out->wave = current + 1;
		return;
	}
	for (i = 0; i <= current; i++)
		for (s = 1; s < MEDFW_RD_STATE_COUNT; s++)
			if (counts[i].by_state[s] != 0 &&
			    !medfw_rollout_member_final((enum medfw_store_rollout_device_state)s))
				return;
	out->action = MEDFW_ROLLOUT_COMPLETE;
	out->wave = current;
}

/* ---------------------------------------------------------------- human actions */

const char *medfw_rollout_verb_name(enum medfw_rollout_verb v)
{
	switch (v) {
	case MEDFW_ROLLOUT_APPROVE:
		return "approve";
	case MEDFW_ROLLOUT_PAUSE_BY_HAND:
		return "pause";
	case MEDFW_ROLLOUT_RESUME:
		return "resume";
	case MEDFW_ROLLOUT_CANCEL:
		return "cancel";
	default:
		return "unknown";
	}
}

enum medfw_err medfw_rollout_check_action(enum medfw_rollout_verb verb,
					  enum medfw_store_rollout_state state, int64_t author_id,
					  int64_t actor_id, bool may_approve, int64_t start_at,
					  int64_t now, enum medfw_store_rollout_state *out_state,
					  struct medfw_diag *diag)
{
	const char *name = medfw_store_rollout_state_name(state);

	*out_state = state;
	if (name == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "rollout: invalid state");
	switch (verb) {
	case MEDFW_ROLLOUT_APPROVE:
		if (state != MEDFW_ROLLOUT_AWAITING_APPROVAL)
			return medfw_diag_set(diag, MEDFW_ERR_STATE,
					      "only a rollout awaiting approval can be approved; this "
					      "one is %s",
					      name);
		if (!may_approve)
			return medfw_diag_set(diag, MEDFW_ERR_NOT_PERMITTED,
					      "approving a rollout needs an approving role");
		if (actor_id == author_id)
			return medfw_diag_set(diag, MEDFW_ERR_NOT_PERMITTED,
					      "the author of a rollout cannot approve it: a second "
					      "person must (two-person rule)");
		*out_state = start_at > now ? MEDFW_ROLLOUT_SCHEDULED : MEDFW_ROLLOUT_RUNNING;
		return MEDFW_OK;
	case MEDFW_ROLLOUT_PAUSE_BY_HAND:
		if (state != MEDFW_ROLLOUT_RUNNING && state != MEDFW_ROLLOUT_SCHEDULED)
			return medfw_diag_set(diag, MEDFW_ERR_STATE,
					      "only a running or scheduled rollout can be paused; "
					      "this one is %s",
					      name);
		*out_state = MEDFW_ROLLOUT_PAUSED;
		return MEDFW_OK;
	case MEDFW_ROLLOUT_RESUME:
		if (state != MEDFW_ROLLOUT_PAUSED)
			return medfw_diag_set(diag, MEDFW_ERR_STATE,
					      "only a paused rollout can be resumed; this one is %s",
					      name);
		*out_state = start_at > now ? MEDFW_ROLLOUT_SCHEDULED : MEDFW_ROLLOUT_RUNNING;
		return MEDFW_OK;
	case MEDFW_ROLLOUT_CANCEL:
		if (state == MEDFW_ROLLOUT_COMPLETED || state == MEDFW_ROLLOUT_CANCELLED)
			return medfw_diag_set(diag, MEDFW_ERR_STATE,
					      "the rollout is %s already", name);
		*out_state = MEDFW_ROLLOUT_CANCELLED;
		return MEDFW_OK;
	default:
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "rollout: unknown action");
	}
}

int64_t medfw_rollout_time_to(const int64_t *done_times, size_t done_count, uint64_t total,
			      unsigned fraction_percent, int64_t started_at)
{
	uint64_t need;

	if (total == 0 || started_at == 0)
		return -1;
	need = (total * fraction_percent + 99) / 100;
	if (need == 0)
		need = 1;
	if (need > done_count)
		return -1;
	return done_times[need - 1] - started_at;
}
