/* The medical release notice: what a hospital reads to plan a firmware update.
 *
 * It travels, signed, as custom metadata of the firmware target in TUF targets
 * metadata, namespaced under "medfw":
 *
 *   "targets": { "<image path>": { "length": ..., "hashes": {...},
 *                "custom": { "medfw": { "release_notice": { ...notice... } } } } }
 *
 * Other keys in "custom" and in "custom.medfw" are left to their owners; the notice
 * object itself is strict: every field is required (there are no optional fields),
 * unknown fields are rejected, and every string and array is bounded. The format is
 * documented field by field in docs/formats/release-notice.md and as JSON Schema
 * (draft 2020-12) in docs/formats/release-notice.schema.json.
 *
 * Every validation failure is MEDFW_ERR_NOTICE with a message that names the field
 * path, e.g. "release notice: reason.cve_ids[2]: \"CVE-20-1\" is not a CVE id".
 */
#ifndef MEDFW_NOTICE_H
#define MEDFW_NOTICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "medfw/buf.h"
#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Placement in a target's "custom" object: custom.medfw.release_notice. */
#define MEDFW_NOTICE_CUSTOM_NAMESPACE "medfw"
#define MEDFW_NOTICE_CUSTOM_KEY "release_notice"

/* The one notice format version this code reads and writes ("notice_format"). */
#define MEDFW_NOTICE_FORMAT 1

/* Bounds. Lengths are in Unicode code points (what JSON Schema's maxLength counts). */
#define MEDFW_NOTICE_TEXT_MAX 4096     /* free text: clinical_impact, summary, steps */
#define MEDFW_NOTICE_VERSION_MAX 64    /* product_version, min_agent_version */
#define MEDFW_NOTICE_HWID_MAX 128      /* each hardware id */
#define MEDFW_NOTICE_PATH_MAX 1024     /* sbom_target */
#define MEDFW_NOTICE_CVE_MAX 32        /* each CVE id */
#define MEDFW_NOTICE_ARRAY_MAX 256     /* items in any array */
#define MEDFW_NOTICE_MINUTES_MAX 10080 /* install.* minutes: one week */

enum medfw_notice_severity {
	MEDFW_SEVERITY_NONE = 0,
	MEDFW_SEVERITY_LOW = 1,
	MEDFW_SEVERITY_MEDIUM = 2,
	MEDFW_SEVERITY_HIGH = 3,
	MEDFW_SEVERITY_CRITICAL = 4,
};

struct medfw_notice_install {
	uint32_t estimated_minutes; /* whole install, start to device back in service */
	uint32_t downtime_minutes;  /* time the device is unavailable for clinical use */
	bool reboot_required;
};

struct medfw_notice_reason {
	char *summary;                        /* free text: the risk the update addresses */
	char **cve_ids;                       /* "CVE-YYYY-NNNN..." ; may be empty */
	size_t cve_id_count;
	enum medfw_notice_severity severity;
};

struct medfw_release_notice {
	char *product_version;     /* e.g. "4.2.1" */
	uint64_t security_version; /* anti-rollback counter, 0..INT64_MAX */
	char **hardware_ids;       /* at least one */
	size_t hardware_id_count;
	char **udi_dis;            /* GS1 GTIN-14 or HIBCC (see medfw/udi.h); may be empty */
	size_t udi_di_count;
	char release_date[11];     /* "YYYY-MM-DD", a real calendar date */
	char *min_agent_version;
	struct medfw_notice_install install;
	char *clinical_impact;     /* free text, required, not blank */
	struct medfw_notice_reason reason;
	bool rollback_supported;
	char **instructions;       /* numbered steps, at least one */
	size_t instruction_count;
	char *sbom_target;         /* TUF target path of the SBOM, e.g. "sbom/pump-4.2.1.cdx.json" */
};

/* Validate a notice object (the value of custom.medfw.release_notice) and copy it
 * into a new struct the caller frees with medfw_notice_free. On failure *out is
 * NULL and the result is MEDFW_ERR_NOTICE (MEDFW_ERR_NOMEM, MEDFW_ERR_INVALID_ARG). */
enum medfw_err medfw_notice_from_json(const json_t *notice_obj,
				      struct medfw_release_notice **out,
				      struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Same, starting from a target's "custom" object: finds custom.medfw.release_notice.
 * A missing namespace or notice is MEDFW_ERR_NOTICE. */
enum medfw_err medfw_notice_from_target_custom(const json_t *custom,
					       struct medfw_release_notice **out,
					       struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Build the notice object (new reference; caller json_decref's it) for writing into
 * custom.medfw.release_notice. The result is validated as medfw_notice_from_json
 * would, so a hand-filled struct with a bad field fails here (MEDFW_ERR_NOTICE)
 * instead of being signed. *out is NULL on failure. */
enum medfw_err medfw_notice_to_json(const struct medfw_release_notice *notice, json_t **out,
				    struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Free a notice and everything it owns; NULL is a no-op. */
void medfw_notice_free(struct medfw_release_notice *notice);

/* True when hardware_id is exactly (byte for byte) one of notice->hardware_ids.
 * False for NULL arguments. */
bool medfw_notice_applies_to_hardware(const struct medfw_release_notice *notice,
				      const char *hardware_id);

/* "none", "low", "medium", "high", "critical"; "unknown" outside the enum. */
const char *medfw_notice_severity_name(enum medfw_notice_severity severity);

/* Append the plain-text rendering a clinical engineer reads before installing:
 * version, security version, date, hardware, install time, downtime, reboot,
 * clinical impact, reason / severity / CVEs, rollback, numbered instructions, SBOM.
 * Meant for a notice from medfw_notice_from_json. Fails with MEDFW_ERR_TOO_LARGE
 * when `out` hits its limit, leaving `out` at its original length. */
enum medfw_err medfw_notice_print_text(const struct medfw_release_notice *notice,
				       struct medfw_buf *out) MEDFW_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
