/* vers: the version range specifier of the package-url project
 * (vers:<type>/<constraint>|<constraint>|..., docs/vuln-matching.md).
 *
 * Two parse modes:
 *   MEDFW_VERS_STRICT   the specification's rules: lowercase scheme and type, no
 *                       whitespace, no empty constraint, no '=' comparator (equality
 *                       is a bare version), '*' only alone, reserved characters and
 *                       only those percent-encoded with uppercase hex (datetime: 'T',
 *                       'Z' and unencoded ':'), constraints sorted by version (so,
 *                       with two constraints or more, every version valid in the
 *                       type's scheme), each version once, and the comparator
 *                       sequence rules of clause 5.4. A single version the scheme
 *                       rejects is kept (vers itself does not define version
 *                       syntax) and recorded in `problems`.
 *   MEDFW_VERS_LENIENT  for data from the field: also accepts an uppercase scheme or
 *                       type, surrounding and inner spaces, '=', lowercase hex and
 *                       unsorted constraints (sorted here, stably). Duplicated
 *                       versions, invalid comparator sequences and versions the
 *                       scheme rejects (the order is then kept as written) are
 *                       recorded in `problems`; such a range is never used to decide
 *                       containment (the result is UNDETERMINED).
 * Both modes reject what cannot be read at all, with MEDFW_ERR_FIELD_VALUE (or
 * MEDFW_ERR_TOO_LARGE past the limits) and a message naming the rule, and the
 * type "invalid" always.
 *
 * Containment has three outcomes. UNDETERMINED is never "safe": it is the answer
 * whenever the range or the version cannot be interpreted (a type without a known
 * ordering such as "example" or an unregistered type, a version the scheme rejects,
 * a range with problems).
 */
#ifndef MEDFW_VERS_H
#define MEDFW_VERS_H

#include <stddef.h>

#include "medfw/buf.h"
#include "medfw/error.h"
#include "medfw/version.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEDFW_VERS_MAX_LEN (64u * 1024u)  /* bytes of vers text */
#define MEDFW_VERS_MAX_CONSTRAINTS 1024u
#define MEDFW_VERS_MAX_TYPE_LEN 64u

enum medfw_vers_mode {
	MEDFW_VERS_STRICT = 0,
	MEDFW_VERS_LENIENT = 1,
};

enum medfw_vers_comparator {
	MEDFW_VERS_ANY = 0, /* '*': every version; the only constraint */
	MEDFW_VERS_EQ = 1,  /* a bare version */
	MEDFW_VERS_NE = 2,
	MEDFW_VERS_LT = 3,
	MEDFW_VERS_LE = 4,
	MEDFW_VERS_GT = 5,
	MEDFW_VERS_GE = 6,
};

/* Lenient-parse problems (bit flags in struct medfw_vers.problems). */
#define MEDFW_VERS_PROBLEM_DUPLICATE 1u /* a version appears more than once */
#define MEDFW_VERS_PROBLEM_SEQUENCE 2u  /* comparators break the clause 5.4 rules */
#define MEDFW_VERS_PROBLEM_VERSION 4u   /* a version is not valid in the type's scheme */

struct medfw_vers_constraint {
	enum medfw_vers_comparator comparator;
	char *version; /* decoded; NULL for MEDFW_VERS_ANY */
};

/* A parsed range; owned, freed with medfw_vers_free. Read-only for callers. */
struct medfw_vers {
	char *type;                        /* lowercase */
	enum medfw_version_scheme scheme;  /* UNKNOWN when the type has no ordering */
	struct medfw_vers_constraint *constraints;
	size_t constraint_count;
	unsigned problems;                 /* strict parse: at most PROBLEM_VERSION */
};

/* Input to medfw_vers_new: a decoded version (NULL for ANY). */
struct medfw_vers_constraint_in {
	enum medfw_vers_comparator comparator;
	const char *version;
};

enum medfw_vers_result {
	MEDFW_VERS_UNDETERMINED = 0,
	MEDFW_VERS_AFFECTED = 1,     /* the version is in the range */
	MEDFW_VERS_NOT_AFFECTED = 2, /* the version is outside the range */
};

/* Parse vers text. *out is a new range (caller frees with medfw_vers_free), NULL on
 * failure. */
enum medfw_err medfw_vers_parse(const char *text, enum medfw_vers_mode mode,
				struct medfw_vers **out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* Build a range from a type and decoded constraints, with the same rules as
 * medfw_vers_parse in `mode` (the "build" operation of the vers tests). */
enum medfw_err medfw_vers_new(const char *type, const struct medfw_vers_constraint_in *constraints,
			      size_t count, enum medfw_vers_mode mode, struct medfw_vers **out,
			      struct medfw_diag *diag) MEDFW_WARN_UNUSED;

void medfw_vers_free(struct medfw_vers *vers);

/* Append the canonical text ("vers:type/..." with minimal uppercase
 * percent-encoding) to `out`; on failure `out` keeps its original length. */
enum medfw_err medfw_vers_to_string(const struct medfw_vers *vers, struct medfw_buf *out,
				    struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Is `version` in the range? *out is one of the three results; MEDFW_OK whenever a
 * result was reached, including UNDETERMINED, whose reason goes to diag. Fails only
 * with MEDFW_ERR_INVALID_ARG (NULL arguments; *out is then UNDETERMINED too).
 * The types "all" and "none" (whose only constraint is '*') contain every version
 * and no version; '*' in any other type contains every version. */
enum medfw_err medfw_vers_contains(const struct medfw_vers *vers, const char *version,
				   enum medfw_vers_result *out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* The same for vers text, parsed leniently; text that cannot be parsed gives
 * UNDETERMINED (with the parse error in diag), not an error. */
enum medfw_err medfw_vers_contains_text(const char *vers_text, const char *version,
					enum medfw_vers_result *out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* Convert an ecosystem's native range notation to canonical vers text appended to
 * `out`. Types: pypi (PEP 440 specifiers), gem (requirements incl. ~>), nuget
 * (interval notation), npm (node-semver ranges), conan (Conan 2 ranges), nginx
 * (security advisory notation), openssl (comma-separated versions). Other types,
 * unsupported constructs (e.g. PEP 440 wildcards) and empty ranges fail with
 * MEDFW_ERR_FIELD_VALUE; `out` keeps its original length on failure. */
enum medfw_err medfw_vers_from_native(const char *type, const char *native,
				      struct medfw_buf *out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* "affected", "not_affected", "undetermined". */
const char *medfw_vers_result_name(enum medfw_vers_result result);

/* "" (EQ), "!=", "<", "<=", ">", ">=", "*". */
const char *medfw_vers_comparator_text(enum medfw_vers_comparator comparator);

#ifdef __cplusplus
}
#endif
#endif
