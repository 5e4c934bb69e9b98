/* Time zones from TZif files (RFC 8536) and civil-date arithmetic.
 *
 * medfw never touches the process's time zone (no TZ variable, tzset, localtime or
 * mktime): the fleet server handles sites in many zones on many threads. A zone is
 * parsed from its TZif file into an immutable struct medfw_tz that any number of
 * threads may query at once.
 *
 * TZif versions 1 to 4 are read (4 differs from 3 only in leap-second rules). For
 * version 2 and later the 64-bit block is used and the footer's POSIX TZ string
 * (RFC 8536 section 3.3: "CET-1CEST,M3.5.0,M10.5.0/3", "<+0330>-3:30", Jn, n and
 * Mm.w.d dates, rule times of -167..167 hours in version 3 and later) gives local time
 * after the last transition; a version 1 file keeps the type of its last transition.
 * Before the first transition the first local time type applies.
 *
 * Parsing is bounded and strict: counts above the caps below, indexes out of range,
 * transitions out of order, designations without their NUL, a malformed footer or
 * bytes after it are errors naming what was wrong (MEDFW_ERR_TRUNCATED when the data
 * ends early, MEDFW_ERR_TOO_LARGE past a cap, MEDFW_ERR_FIELD_VALUE otherwise). Zones
 * with leap-second records (the "right/" zones) are refused: medfw counts POSIX
 * seconds.
 *
 * Instants are UTC seconds since 1970-01-01T00:00:00Z; queries are clamped to
 * +-MEDFW_TZ_TIME_LIMIT (about 35 million years).
 */
#ifndef MEDFW_TZ_H
#define MEDFW_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEDFW_TZ_NAME_MAX 64                  /* bytes of a zone name */
#define MEDFW_TZ_FILE_MAX (256u * 1024u)      /* bytes of a TZif file */
#define MEDFW_TZ_MAX_TRANSITIONS 2000
#define MEDFW_TZ_MAX_TYPES 256
#define MEDFW_TZ_MAX_CHARS 512                /* bytes of time zone designations */
#define MEDFW_TZ_FOOTER_MAX 128               /* bytes of the footer's TZ string */
#define MEDFW_TZ_TIME_LIMIT ((int64_t)1 << 50) /* |instant| handled, in seconds */

struct medfw_tz;

/* Zone names: "UTC" or Area/Location as in tzdata: 1..64 bytes of [A-Za-z0-9_+-] in
 * segments separated by '/', no empty segment, no segment "." or "..", not starting with '/'. */
bool medfw_tz_name_valid(const char *name);

/* Parse `len` bytes of a TZif file into a new zone named `name` (a valid zone name,
 * MEDFW_ERR_INVALID_ARG otherwise), freed by medfw_tz_free. *out is NULL on failure. */
enum medfw_err medfw_tz_parse(const uint8_t *data, size_t len, const char *name,
			      struct medfw_tz **out, struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Load zone `name` from `zoneinfo_dir`/`name` (NULL: /usr/share/zoneinfo); freed by
 * medfw_tz_free. "UTC" is built in and needs no file. The file may be a symlink (tzdata
 * uses them) and is at most MEDFW_TZ_FILE_MAX bytes. An invalid name is
 * MEDFW_ERR_INVALID_ARG; an unknown zone (no such file, or a directory)
 * MEDFW_ERR_NOT_FOUND naming it; otherwise the errors of medfw_file_read and
 * medfw_tz_parse. *out is NULL on failure. */
enum medfw_err medfw_tz_load(const char *zoneinfo_dir, const char *name,
			     struct medfw_tz **out, struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Free a zone; NULL is a no-op. */
void medfw_tz_free(struct medfw_tz *tz);

/* The zone's name as given to parse/load; owned by the zone. */
const char *medfw_tz_name(const struct medfw_tz *tz);

/* Seconds east of UTC in effect at instant t (UTC seconds since the epoch). */
int32_t medfw_tz_offset(const struct medfw_tz *tz, int64_t t);

/* Local wall-clock time at instant t, in seconds since 1970-01-01T00:00 of the wall
 * clock (t + medfw_tz_offset(tz, t)). */
int64_t medfw_tz_to_local(const struct medfw_tz *tz, int64_t t);

/* Local civil time -> UTC. `local` is seconds since 1970-01-01T00:00 of the local wall
 * clock (as if it were UTC). Nonexistent local times (spring-forward gap) map to the
 * first instant after the gap; ambiguous ones (fall-back) to the earlier instant.
 * Precisely: the first instant t whose wall-clock time t + offset(t) is >= local. */
int64_t medfw_tz_to_utc(const struct medfw_tz *tz, int64_t local);

/* Instant t as the zone's wall-clock time with its offset, RFC 3339:
 * "2030-01-06T23:00:00+01:00" (MEDFW_TZ_LOCAL_TIME_LEN bytes and a NUL). An offset with
 * seconds (local mean time before about 1900) is written "+00:53:28", one of
 * MEDFW_TZ_LOCAL_TIME_MAX bytes. MEDFW_ERR_INVALID_ARG when out_cap is below
 * MEDFW_TZ_LOCAL_TIME_MAX + 1; MEDFW_ERR_FIELD_VALUE when the local year is outside
 * 0000..9999. out is "" on failure. */
#define MEDFW_TZ_LOCAL_TIME_LEN 25
#define MEDFW_TZ_LOCAL_TIME_MAX 28
enum medfw_err medfw_tz_format_local(const struct medfw_tz *tz, int64_t t, char *out,
				     size_t out_cap) MEDFW_WARN_UNUSED;

/* Civil dates in the proleptic Gregorian calendar (Howard Hinnant's algorithms).
 * Days are counted from 1970-01-01 (day 0); day counts are clamped to
 * +-MEDFW_DAYS_LIMIT (years within about +-270 million). m is 1..12, d 1..31. */
#define MEDFW_DAYS_LIMIT ((int64_t)100000000000)
int64_t medfw_days_from_civil(int y, unsigned m, unsigned d);
void medfw_civil_from_days(int64_t days, int *y, unsigned *m, unsigned *d);
/* Day of the week: 0 = Monday .. 6 = Sunday. */
int medfw_weekday(int64_t days);

#ifdef __cplusplus
}
#endif
#endif
