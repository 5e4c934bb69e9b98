/* The one bounded number parser. No atoi/strtol scattered around the code. */
#ifndef MEDFW_NUM_H
#define MEDFW_NUM_H

#include <stdint.h>

#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Parse a decimal unsigned integer: only ASCII digits, no sign, no whitespace, no
 * leading zeros (except "0"), value within [min, max]. MEDFW_ERR_FIELD_VALUE
 * otherwise; *out is 0 on failure. */
enum medfw_err medfw_parse_u64(const char *str, uint64_t min, uint64_t max, uint64_t *out)
	MEDFW_WARN_UNUSED;

/* Parse an RFC 3339 UTC timestamp of the exact form TUF uses, "YYYY-MM-DDTHH:MM:SSZ",
 * into seconds since the epoch. */
enum medfw_err medfw_parse_utc_time(const char *str, int64_t *out) MEDFW_WARN_UNUSED;

/* Format seconds since the epoch as "YYYY-MM-DDTHH:MM:SSZ" (out_cap >= 21). */
enum medfw_err medfw_format_utc_time(int64_t t, char *out, size_t out_cap);

#define MEDFW_UTC_TIME_LEN 20

#ifdef __cplusplus
}
#endif
#endif
