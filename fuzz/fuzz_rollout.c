/* libFuzzer target: a rollout's waves and selection as people send them
 * (POST /api/v1/rollouts), through the bounded JSON parser.
 *
 * The first byte picks the parser. A refused input says why and leaves an empty
 * plan. An accepted plan has 1..16 waves, the last at 100 %, and survives a round
 * trip unchanged; its wave sizes always add up to the selection. An accepted
 * selection names at least one value and never more than the store's limit. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/json.h"
#include "medfw/rollout.h"

#define FUZZ_MAX_INPUT (64u * 1024u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void plan(const json_t *j)
{
	struct medfw_rollout_plan p, again;
	struct medfw_diag d;
	uint64_t sizes[MEDFW_ROLLOUT_WAVES_MAX], sum = 0;
	json_t *out;

	medfw_diag_clear(&d);
	if (medfw_rollout_plan_from_json(j, &p, &d) != MEDFW_OK) {
		if (p.wave_count != 0 || d.msg[0] == '\0')
			abort();
		return;
	}
	if (p.wave_count == 0 || p.wave_count > MEDFW_ROLLOUT_WAVES_MAX ||
	    p.waves[p.wave_count - 1].percent != 100)
		abort();
	out = medfw_rollout_plan_to_json(&p);
	if (out == NULL || medfw_rollout_plan_from_json(out, &again, &d) != MEDFW_OK ||
	    memcmp(&p, &again, sizeof(p)) != 0)
		abort();
	json_decref(out);
	medfw_rollout_wave_sizes(&p, 12345, sizes);
	for (size_t i = 0; i < p.wave_count; i++)
		sum += sizes[i];
	if (sum != 12345)
		abort();
}

static void selector(const json_t *j)
{
	struct medfw_rollout_selector *s = calloc(1, sizeof(*s));
	struct medfw_diag d;
	size_t total;

	if (s == NULL)
		return;
	medfw_diag_clear(&d);
	if (medfw_rollout_selector_from_json(j, s, &d) != MEDFW_OK) {
		if (d.msg[0] == '\0')
			abort();
		free(s);
		return;
	}
	total = s->view.site_count + s->view.model_count + s->view.hardware_id_count +
		s->view.firmware_version_count + s->view.department_count +
		s->view.network_zone_count + s->view.tag_count + s->view.device_id_count;
	if (total == 0 || s->view.tag_count > MEDFW_STORE_SELECTOR_LIST_MAX ||
	    s->view.device_id_count > MEDFW_STORE_SELECTOR_LIST_MAX)
		abort();
	for (size_t i = 0; i < s->view.model_count; i++)
		if (s->view.models[i] == NULL || s->view.models[i][0] == '\0')
			abort();
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = NULL;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	if (medfw_json_parse(data + 1, size - 1, FUZZ_MAX_INPUT, 16, &j, NULL) != MEDFW_OK)
		return 0;
	if (data[0] & 1)
		selector(j);
	else
		plan(j);
	json_decref(j);
	return 0;
}
