/* CVSS vectors: parsing, validation and scores (FIRST specifications).
 *
 *   v2.0  "AV:N/AC:L/Au:N/C:P/I:P/A:P[/E:../RL:../RC:..][/CDP:../TD:../CR:../IR:../AR:..]"
 *         base, temporal and environmental equations of the CVSS v2 guide (section 3.2),
 *         rounded to one decimal.
 *   v3.0  "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H[/...]" the v3.0 specification's
 *         equations (section 8) with its Roundup (the smallest number with one decimal
 *         that is equal to or higher than the input).
 *   v3.1  "CVSS:3.1/..." the v3.1 equations (section 7) with the Roundup of Appendix A
 *         (integer arithmetic on the input times 100000, which removes the
 *         floating-point artefacts of v3.0's definition).
 *   v4.0  "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N[/...]"
 *         validated (mandatory metrics in the specification's order, optional ones
 *         after them in order, each value from its list) and kept as text: medfw
 *         does not compute v4.0 scores (its score is a lookup over macro vectors);
 *         a v4.0 score is used only when the record states one.
 *
 * v2/v3: metrics may appear in any order, each at most once (v3.1 section 6: "metrics
 * can be specified in any order"; a repeated metric makes the vector invalid); every
 * base metric is required; a temporal or environmental metric that is absent is
 * "Not Defined". Scores are integers in tenths (98 = 9.8) so that callers never
 * compare floating-point numbers. Pure functions, no allocation.
 */
#ifndef MEDFW_CVSS_H
#define MEDFW_CVSS_H

#include <stddef.h>

#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEDFW_CVSS_VECTOR_MAX 256  /* longest vector text accepted */
#define MEDFW_CVSS_METRICS_MAX 32  /* more metrics than any version defines */
#define MEDFW_CVSS_NO_SCORE (-1)   /* a score medfw does not compute (v4.0) */

enum medfw_cvss_version {
	MEDFW_CVSS_NONE = 0,
	MEDFW_CVSS_V2 = 20,
	MEDFW_CVSS_V30 = 30,
	MEDFW_CVSS_V31 = 31,
	MEDFW_CVSS_V40 = 40,
};

struct medfw_cvss_metric {
	char name[5];  /* "AV", "Au", "MPR", ... as written in the vector */
	char value[6]; /* "N", "POC", "Clear", ... */
};

/* A parsed vector. base/temporal/environmental scores are tenths (0..100) for v2
 * and v3 (temporal and environmental computed with absent metrics Not Defined, so
 * they are always present), MEDFW_CVSS_NO_SCORE for v4.0. */
struct medfw_cvss {
	enum medfw_cvss_version version;
	int base_score;
	int temporal_score;
	int environmental_score;
	struct medfw_cvss_metric metrics[MEDFW_CVSS_METRICS_MAX]; /* as written, in order */
	size_t metric_count;
};

/* Parse and score a vector. The version comes from the prefix ("CVSS:3.0/",
 * "CVSS:3.1/", "CVSS:4.0/"); a vector without prefix is v2. Fails with
 * MEDFW_ERR_INVALID_ARG (NULL), MEDFW_ERR_TOO_LARGE (longer than
 * MEDFW_CVSS_VECTOR_MAX), MEDFW_ERR_FIELD_VALUE (unknown prefix, metric or value, a
 * repeated or missing metric, v4.0 order), with diag naming the metric; *out is
 * zeroed on failure. */
enum medfw_err medfw_cvss_parse(const char *vector, struct medfw_cvss *out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* The value of metric `name` in a parsed vector ("X"/"ND" for an absent temporal or
 * environmental metric of v3/v2), or NULL when `name` is not a metric of that
 * version (or an absent optional v4.0 metric). */
const char *medfw_cvss_metric(const struct medfw_cvss *cvss, const char *name);

/* The qualitative rating of a v3.x or v4.0 score in tenths: "NONE" (0), "LOW"
 * (0.1-3.9), "MEDIUM" (4.0-6.9), "HIGH" (7.0-8.9), "CRITICAL" (9.0-10.0); NULL for
 * a value outside 0..100. (CVSS v2 defines no rating.) */
const char *medfw_cvss_severity(int score_tenths);

/* "2.0", "3.0", "3.1", "4.0"; "" for NONE. */
const char *medfw_cvss_version_name(enum medfw_cvss_version version);

/* Compare a property of the FIRST CVSS JSON representation (cvss-v2.0.json,
 * cvss-v3.x.json: "attackVector": "NETWORK", "remediationLevel": "NOT_DEFINED",
 * ...) with the vector. MEDFW_OK with *out_consistent 1 when the property names the
 * metric value the vector has (an absent optional metric is NOT_DEFINED), 0 when it
 * names another value; MEDFW_ERR_NOT_FOUND when `property` is not a metric property
 * of that version (scores, severities, "version", "vectorString");
 * MEDFW_ERR_FIELD_VALUE when `value` is not one of the property's values. */
enum medfw_err medfw_cvss_json_property_check(const struct medfw_cvss *cvss, const char *property,
					      const char *value, int *out_consistent,
					      struct medfw_diag *diag) MEDFW_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
