/* libFuzzer target: CVSS vectors.
 *
 * A rejected vector leaves a zeroed result and a message. An accepted v2/v3 vector
 * has base, temporal and environmental scores within 0.0-10.0 with a v3 rating for
 * each, every metric it names can be read back, and the JSON property check
 * agrees with it for the metrics' own values; v4.0 has no computed score. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/cvss.h"

#define FUZZ_MAX_INPUT (MEDFW_CVSS_VECTOR_MAX + 16u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int zeroed(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct medfw_cvss c;
	struct medfw_diag d;
	char *input;
	size_t i;
	int ok;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	input = malloc(size + 1);
	if (input == NULL)
		return 0;
	memcpy(input, data, size);
	input[size] = '\0';
	medfw_diag_clear(&d);
	if (medfw_cvss_parse(input, &c, &d) != MEDFW_OK) {
		if (!zeroed(&c, sizeof(c)) || d.msg[0] == '\0')
			abort();
		free(input);
		return 0;
	}
	if (c.version == MEDFW_CVSS_V40) {
		if (c.base_score != MEDFW_CVSS_NO_SCORE)
			abort();
	} else {
		int scores[3] = {c.base_score, c.temporal_score, c.environmental_score};

		for (i = 0; i < 3; i++)
			if (scores[i] < 0 || scores[i] > 100 || medfw_cvss_severity(scores[i]) == NULL)
				abort();
		if (c.temporal_score > c.base_score)
			abort(); /* temporal multipliers are at most 1 */
	}
	for (i = 0; i < c.metric_count; i++) {
		const char *v = medfw_cvss_metric(&c, c.metrics[i].name);

		if (v == NULL || strcmp(v, c.metrics[i].value) != 0)
			abort();
	}
	(void)medfw_cvss_json_property_check(&c, "attackVector", "NETWORK", &ok, NULL);
	(void)medfw_cvss_json_property_check(&c, "accessVector", "LOCAL", &ok, NULL);
	free(input);
	return 0;
}
