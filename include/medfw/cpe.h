/* CPE 2.3 names: the formatted string binding, the 2.2 URI binding (converted to 2.3),
 * and name matching (docs/vuln-matching.md, "CPE, NVD and CVE 5").
 *
 * Naming follows NISTIR 7695 (CPE 2.3 Naming), matching NISTIR 7696 (CPE 2.3 Name
 * Matching). A name has eleven attributes (part, vendor, product, version, update,
 * edition, language, sw_edition, target_sw, target_hw, other); each is
 *   ANY   "*" in the formatted string, empty in a URI: any value;
 *   NA    "-": not applicable (the thing has no such value);
 *   a value, possibly with unquoted wildcards at its ends ("*" any run of characters,
 *         "?" one character each, as NISTIR 7696's algorithm counts them: a run of n
 *         '?' at an end stands for at most n characters). Only a source name (the
 *         vulnerability side) may carry wildcards in a meaningful way; a target value
 *         with wildcards compares as UNDEFINED.
 *
 * Formatted string: "cpe:2.3:" then the eleven attributes separated by unescaped ':'.
 * Inside a value ASCII letters, digits, '_', '.' and '-' stand for themselves; every
 * other printable character is escaped with a backslash ("\/", "\&", "\:", "\\",
 * "\*"). Letters are lowercased (matching is case-insensitive).
 *
 * URI (CPE 2.2): "cpe:/part:vendor:product:version:update:edition:language", trailing
 * components optional, empty = ANY, "-" = NA, punctuation percent-encoded ("%24"),
 * "%01" = '?' and "%02" = '*' wildcards at the ends, and the packed edition
 * "~edition~sw_edition~target_sw~target_hw~other". medfw_cpe_parse converts it to the
 * 2.3 name.
 *
 * Modes:
 *   MEDFW_CPE_STRICT   the grammar of NISTIR 7695 and of the NVD CPE dictionary schema:
 *                      exactly eleven attributes, part a/o/h/ANY/NA, language an RFC
 *                      5646 tag "ll[l][-RR|-nnn]", punctuation escaped (and only
 *                      punctuation: "\." or "\a" are errors), no control, space or
 *                      non-ASCII byte.
 *   MEDFW_CPE_LENIENT  for names written by SBOM tools: also unescaped punctuation in
 *                      a value (it is escaped), needless escapes ("\." is "."), any
 *                      value in language, a "CPE:" prefix in any case, and missing
 *                      trailing attributes of a formatted string (they are ANY; at
 *                      least part, vendor and product are needed).
 * Both reject what cannot be read: an empty formatted-string attribute, a '*' or '?'
 * inside a value, a backslash at the end, more than eleven attributes, bad
 * percent-encoding. Errors are MEDFW_ERR_FIELD_VALUE naming the attribute, or
 * MEDFW_ERR_TOO_LARGE past MEDFW_CPE_MAX_LEN bytes.
 */
#ifndef MEDFW_CPE_H
#define MEDFW_CPE_H

#include <stddef.h>

#include "medfw/buf.h"
#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEDFW_CPE_MAX_LEN 4096u /* bytes of a bound name */
#define MEDFW_CPE_ATTR_COUNT 11

enum medfw_cpe_attr {
	MEDFW_CPE_PART = 0,
	MEDFW_CPE_VENDOR = 1,
	MEDFW_CPE_PRODUCT = 2,
	MEDFW_CPE_VERSION = 3,
	MEDFW_CPE_UPDATE = 4,
	MEDFW_CPE_EDITION = 5,
	MEDFW_CPE_LANGUAGE = 6,
	MEDFW_CPE_SW_EDITION = 7,
	MEDFW_CPE_TARGET_SW = 8,
	MEDFW_CPE_TARGET_HW = 9,
	MEDFW_CPE_OTHER = 10,
};

enum medfw_cpe_mode {
	MEDFW_CPE_STRICT = 0,
	MEDFW_CPE_LENIENT = 1,
};

enum medfw_cpe_kind {
	MEDFW_CPE_ANY = 0,
	MEDFW_CPE_NA = 1,
	MEDFW_CPE_VALUE = 2,
};

/* The relation of a source attribute value to a target one (NISTIR 7696 table 6-2). */
enum medfw_cpe_relation {
	MEDFW_CPE_UNDEFINED = 0, /* the target value has wildcards */
	MEDFW_CPE_EQUAL = 1,
	MEDFW_CPE_SUPERSET = 2,  /* the source covers the target (ANY, or a matching pattern) */
	MEDFW_CPE_SUBSET = 3,    /* the target is ANY and the source is narrower */
	MEDFW_CPE_DISJOINT = 4,
};

struct medfw_cpe_value {
	enum medfw_cpe_kind kind;
	/* VALUE only (NULL otherwise), both lowercase:
	 *   fs:   the formatted-string form ("dolibarr_erp\/crm", "8.*"), the form compared;
	 *   text: escapes removed ("dolibarr_erp/crm"), for display and for versions. */
	const char *fs;
	const char *text;
	int has_wildcard; /* an unescaped '*' or '?' at an end of fs */
};

/* A parsed name. Owned; medfw_cpe_free. The strings live inside the object. */
struct medfw_cpe {
	struct medfw_cpe_value attr[MEDFW_CPE_ATTR_COUNT];
};

/* Parse a formatted string ("cpe:2.3:...") or a 2.2 URI ("cpe:/..."). *out is a new
 * name (caller frees with medfw_cpe_free), NULL on failure. */
enum medfw_err medfw_cpe_parse(const char *text, enum medfw_cpe_mode mode,
			       struct medfw_cpe **out, struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* A copy of `cpe` with attribute `attr` replaced by ANY (e.g. the version, when a
 * range decides it). NULL when out of memory. Caller frees with medfw_cpe_free. */
struct medfw_cpe *medfw_cpe_with_any(const struct medfw_cpe *cpe, enum medfw_cpe_attr attr);

void medfw_cpe_free(struct medfw_cpe *cpe);

/* Append the formatted string binding ("cpe:2.3:a:vendor:..."), the canonical text, to
 * `out`; on failure `out` keeps its original length. */
enum medfw_err medfw_cpe_to_string(const struct medfw_cpe *cpe, struct medfw_buf *out,
				   struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* The relation of one source value to one target value. */
enum medfw_cpe_relation medfw_cpe_compare_value(const struct medfw_cpe_value *source,
						const struct medfw_cpe_value *target);

/* Compare every attribute: out[i] is the relation of source->attr[i] to target->attr[i]. */
void medfw_cpe_compare(const struct medfw_cpe *source, const struct medfw_cpe *target,
		       enum medfw_cpe_relation out[MEDFW_CPE_ATTR_COUNT]);

/* NISTIR 7696 name matching: 1 when every attribute of `source` (a vulnerability
 * record's criteria) is EQUAL to or a SUPERSET of `target` (a component's CPE), i.e.
 * the criteria applies to the component; else 0 (also for NULL arguments). A SUBSET
 * anywhere (e.g. a component whose vendor is ANY) is not a match. */
int medfw_cpe_match(const struct medfw_cpe *source, const struct medfw_cpe *target);

/* Name-level relations (NISTIR 7696 6.2): disjoint when any attribute is DISJOINT,
 * equal when every attribute is EQUAL. 1 or 0 (0 for NULL arguments). */
int medfw_cpe_disjoint(const struct medfw_cpe *source, const struct medfw_cpe *target);
int medfw_cpe_equal(const struct medfw_cpe *a, const struct medfw_cpe *b);

/* "part", "vendor", ..., "sw_edition", "target_sw", "target_hw", "other"; "?" for an
 * out-of-range value. */
const char *medfw_cpe_attr_name(enum medfw_cpe_attr attr);

/* "undefined", "equal", "superset", "subset", "disjoint". */
const char *medfw_cpe_relation_name(enum medfw_cpe_relation relation);

#ifdef __cplusplus
}
#endif
#endif
