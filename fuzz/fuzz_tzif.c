/* libFuzzer target: TZif parsing (medfw_tz_parse) and queries on what it accepts.
 *
 * A rejected file must leave no zone and a message. An accepted zone must answer every
 * query: offsets within RFC 8536's range, and medfw_tz_to_utc must return the first
 * instant whose wall-clock time reaches the local time asked for. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int64_t wall(const struct medfw_tz *tz, int64_t t)
{
	return t + medfw_tz_offset(tz, t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t probes[] = {
		INT64_MIN, -MEDFW_TZ_TIME_LIMIT - 1, -2208988800, -1, 0, 1,
		1774746000, 1792890000, 2147483647, 2216250000, 2234998800,
		4102444800, MEDFW_TZ_TIME_LIMIT / 2, INT64_MAX,
	};
	struct medfw_tz *tz = NULL;
	struct medfw_diag d;
	size_t i;

	if (size > MEDFW_TZ_FILE_MAX)
		return 0;
	medfw_diag_clear(&d);
	if (medfw_tz_parse(data, size, "Fuzz/Zone", &tz, &d) != MEDFW_OK) {
		if (tz != NULL || d.msg[0] == '\0' || strncmp(d.msg, "TZif", 4) != 0)
			abort();
		return 0;
	}
	if (strcmp(medfw_tz_name(tz), "Fuzz/Zone") != 0)
		abort();
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		int32_t off = medfw_tz_offset(tz, probes[i]);
		int64_t t, local, r;
		int k;

		if (off < -89999 || off > 93599)
			abort();
		t = probes[i];
		if (t < -MEDFW_TZ_TIME_LIMIT / 2 || t > MEDFW_TZ_TIME_LIMIT / 2)
			continue;
		for (k = -2; k <= 2; k++) {
			local = t + off + k * 1800;
			r = medfw_tz_to_utc(tz, local);
			if (wall(tz, r) < local || wall(tz, r - 1) >= local)
				abort();
		}
	}
	medfw_tz_free(tz);
	return 0;
}
