/* Customer security advisories from vulnerability findings (docs/advisories.md).
 *
 * Three inputs make an advisory:
 *   - the advisory input, a JSON file the manufacturer writes
 *     (docs/formats/advisory-input.example.json): publisher, tracking (id, status,
 *     revision history), the products (device models with UDI-DIs) and their
 *     firmware releases (the SBOM each was matched as, purl / CPE, which advisory
 *     vulnerabilities a release fixes, its release notice), and per vulnerability the
 *     words only a person can write: title, description, impact in plain words,
 *     mitigations, compensating controls, workarounds;
 *   - the findings of the matcher (medfw_vuln_match, or the JSON that
 *     `medfw vuln match --json` prints): per SBOM, component and vulnerability a
 *     status (affected, not affected, fixed, under investigation, undetermined), the
 *     VEX statement that applied, KEV and severity;
 *   - nothing else: no clock, no network. The same inputs give the same bytes.
 *
 * medfw_advisory_build joins them into a model: for each advisory vulnerability and
 * each firmware release, a CSAF product status decided from the findings of that
 * release's SBOM and the releases that declare the fix (rules in docs/advisories.md):
 *   known_affected       a finding says affected;
 *   under_investigation  a finding is under investigation (VEX) or undetermined (the
 *                        matcher could not decide: never counted safe);
 *   fixed                the release declares the fix, or a finding says fixed
 *                        (VEX, pedigree patch);
 *   known_not_affected   every finding says not affected; the VEX justifications
 *                        give the CSAF flag, the evidence the impact statement.
 * A release that declares the fix while a finding says affected or under
 * investigation, an affected release listed after its model's fix, an affected
 * release without any action statement (fix, no_fix, mitigation, workaround,
 * compensating control) and a vulnerability about which nothing is known are refused
 * with a message naming the vulnerability and the release.
 *
 * Outputs: CSAF 2.0 (security advisory or VEX profile), validated with
 * medfw_csaf_validate on the bytes produced before they are handed out; Markdown and
 * HTML for hospital staff in the shape of an FDA safety communication, with every
 * string from the inputs escaped.
 */
#ifndef MEDFW_ADVISORY_H
#define MEDFW_ADVISORY_H

#include <stddef.h>
#include <stdint.h>

#include "medfw/buf.h"
#include "medfw/csaf.h"
#include "medfw/cvss.h"
#include "medfw/error.h"
#include "medfw/notice.h"
#include "medfw/vuln_matcher.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The one advisory input format version this code reads ("advisory_format"). */
#define MEDFW_ADVISORY_FORMAT 1

#define MEDFW_ADVISORY_INPUT_MAX_BYTES (4u * 1024u * 1024u)
#define MEDFW_ADVISORY_FINDINGS_MAX_BYTES (128u * 1024u * 1024u)
#define MEDFW_ADVISORY_NOTICE_MAX_BYTES (1024u * 1024u) /* a notice_file */
#define MEDFW_ADVISORY_OUTPUT_MAX (64u * 1024u * 1024u) /* any rendering */

/* Bounds of the advisory input (bytes, items). */
#define MEDFW_ADVISORY_TEXT_MAX 16384u /* free text: summary, description, impact... */
#define MEDFW_ADVISORY_NAME_MAX 256u   /* names, titles, ids */
#define MEDFW_ADVISORY_URL_MAX 2048u
#define MEDFW_ADVISORY_VERSION_MAX 64u /* firmware versions, as the release notice */
#define MEDFW_ADVISORY_LIST_MAX 64u    /* items of a text list */
#define MEDFW_ADVISORY_PRODUCTS_MAX 256u
#define MEDFW_ADVISORY_RELEASES_MAX 256u /* per product */
#define MEDFW_ADVISORY_VULNS_MAX 1000u
#define MEDFW_ADVISORY_REVISIONS_MAX 1000u
#define MEDFW_ADVISORY_FINDINGS_MAX 1000000u

/* ------------------------------------------------------------ the input */

struct medfw_advisory_revision {
	const char *number;  /* "1", "2" or "1.0.0": CSAF version_t */
	const char *date;    /* RFC 3339 date-time */
	const char *summary;
};

struct medfw_advisory_link {
	const char *url;     /* http(s), checked */
	const char *summary;
};

struct medfw_advisory_release {
	const char *version;      /* firmware version: [A-Za-z0-9][A-Za-z0-9._+-]* */
	const char *product_id;   /* "<product id>:<version>", the CSAF product id */
	const char *full_name;    /* "<model> firmware <version>" */
	const char *sbom;         /* file name of the SBOM its findings name; NULL */
	const char *purl;         /* canonical purl of the firmware; NULL */
	const char *cpe;          /* CPE 2.3 formatted string of the firmware; NULL */
	const char *sbom_url;     /* where customers get the SBOM; NULL */
	const char *release_date; /* YYYY-MM-DD (also the notice's); NULL */
	const char **fixes;       /* ids of advisory vulnerabilities it fixes: "fixes" and
				   * the notice's reason.cve_ids that the advisory lists */
	size_t fix_count;
	const char *how_to_get;   /* free text; NULL */
	const char *url;          /* the release's download or information page; NULL */
	const char **udi_dis;     /* the product's and the notice's, sorted, unique */
	size_t udi_di_count;
	const struct medfw_release_notice *notice; /* NULL when none */
};

struct medfw_advisory_product {
	const char *id;    /* [a-z0-9][a-z0-9._-]*, unique */
	const char *model; /* the device model, as on its label */
	const char **udi_dis;
	size_t udi_di_count;
	const char **model_numbers;
	size_t model_number_count;
	struct medfw_advisory_release *releases; /* oldest first */
	size_t release_count;
};

struct medfw_advisory_id {
	const char *system_name;
	const char *text;
};

struct medfw_advisory_vuln_input {
	const char *cve;           /* NULL when the vulnerability has none */
	struct medfw_advisory_id *ids;
	size_t id_count;
	const char *display_id;    /* cve, else ids[0].text */
	const char *title;
	const char *description;
	const char *impact;        /* what can happen, in plain words */
	const char *cwe_id, *cwe_name; /* both or neither */
	const char *cvss_vector;   /* a CVSS v3.x vector that overrides the findings'; NULL */
	const char **mitigations;
	size_t mitigation_count;
	const char **compensating_controls;
	size_t compensating_control_count;
	const char **workarounds;
	size_t workaround_count;
	const char *no_fix_category; /* "none_available", "no_fix_planned" or NULL */
	const char *no_fix_details;
	struct medfw_advisory_link *references;
	size_t reference_count;
};

/* A parsed advisory input; everything owned by it (medfw_advisory_input_free). */
struct medfw_advisory_input {
	const char *source;
	const char *publisher_name;
	const char *publisher_namespace; /* URL */
	const char *publisher_contact;   /* NULL when none */
	const char *publisher_issuing_authority; /* NULL when none */
	const char *tracking_id;
	const char *status;              /* "draft", "interim", "final" */
	struct medfw_advisory_revision *revisions; /* by date, at least one */
	size_t revision_count;
	const char *title;
	const char *tlp;                 /* "WHITE" (default), "GREEN", "AMBER", "RED" */
	const char *summary;
	const char *disclaimer;          /* NULL when none */
	const char **recommendations;    /* added to the general recommendations */
	size_t recommendation_count;
	struct medfw_advisory_link *references;
	size_t reference_count;
	struct medfw_advisory_product *products;
	size_t product_count;
	struct medfw_advisory_vuln_input *vulns;
	size_t vuln_count;
	void *priv_; /* storage; not for callers */
};

/* Parse an advisory input of `len` bytes (at most MEDFW_ADVISORY_INPUT_MAX_BYTES).
 * Strict: unknown keys, wrong types, empty strings, malformed ids, dates, URLs,
 * purls, CPEs and UDI-DIs, duplicates (product ids, versions, SBOM names, CVE ids,
 * revision numbers) and a release fixing a vulnerability the input does not list are
 * refused; the message names the JSON path ("advisory input:
 * products[0].releases[1].fixes[0]: ..."). A release's "notice_file" is read
 * relative to `base_dir` (NULL: refused). *out is new (medfw_advisory_input_free),
 * NULL on failure: MEDFW_ERR_TOO_LARGE, MEDFW_ERR_TOO_DEEP, MEDFW_ERR_JSON_SYNTAX,
 * MEDFW_ERR_FIELD_MISSING / FIELD_TYPE / FIELD_VALUE, MEDFW_ERR_NOTICE (a notice,
 * named with its path), MEDFW_ERR_IO / NOT_FOUND (a notice file), MEDFW_ERR_NOMEM. */
enum medfw_err medfw_advisory_input_parse(const char *source, const uint8_t *data, size_t len,
					  const char *base_dir,
					  struct medfw_advisory_input **out,
					  struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Read and parse the file at `path`; notice files are relative to its directory. */
enum medfw_err medfw_advisory_input_load(const char *path, struct medfw_advisory_input **out,
					 struct medfw_diag *diag) MEDFW_WARN_UNUSED;

void medfw_advisory_input_free(struct medfw_advisory_input *in);

/* An input whose releases the caller keeps (medfwd: the releases its repository signs,
 * with their SBOMs and findings). What the caller says about one release: */
struct medfw_advisory_resolved {
	/* Its release notice (new, or NULL: none). The parse takes it, also when the
	 * callback or the parse fails. */
	struct medfw_release_notice *notice;
	/* The name its findings carry as their "sbom" (copied): it replaces the release's
	 * `sbom` (a file name: no '/', one line, at most MEDFW_ADVISORY_NAME_MAX bytes).
	 * NULL: the input's stays. */
	const char *sbom;
};

/* Called once per release, in input order, after the release's own fields were checked
 * (`release->notice` is still NULL; `product` has its id, model and UDI-DIs, its
 * releases are being read). `path` is the release's JSON path
 * ("products[0].releases[1]"). Returns MEDFW_OK with *out filled, or an error with
 * `diag` set (the message naming `path`), which the parse returns as it is. */
typedef enum medfw_err (*medfw_advisory_resolve_fn)(void *user, const char *path,
						     const struct medfw_advisory_product *product,
						     const struct medfw_advisory_release *release,
						     struct medfw_advisory_resolved *out,
						     struct medfw_diag *diag);

/* Parse an advisory input as medfw_advisory_input_parse does, for a caller that knows
 * the releases (medfwd), and read no file: a release's "notice" and "notice_file" are
 * refused (MEDFW_ERR_FIELD_VALUE naming the path), and `resolve` gives each release's
 * notice, checked as one from a notice_file is (its product_version must be the
 * release's version, its release_date agree with the release's; its UDI-DIs and the
 * CVE ids of its reason the advisory lists count as for a notice_file), and the name
 * of its findings. Other errors as medfw_advisory_input_parse. */
enum medfw_err medfw_advisory_input_parse_resolved(const char *source, const uint8_t *data,
						   size_t len, medfw_advisory_resolve_fn resolve,
						   void *user, struct medfw_advisory_input **out,
						   struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ------------------------------------------------------------ the findings */

/* One finding as the advisory needs it (strings owned by the set). */
struct medfw_advisory_finding {
	const char *sbom;            /* the SBOM's name as the matcher was given it */
	const char *vuln_id;
	const char **aliases;
	size_t alias_count;
	const char *component;       /* "name version" */
	enum medfw_finding_status status;
	int vex;                     /* a VEX statement set the status */
	const char *justification;   /* that statement's justification; NULL */
	const char *detail;          /* that statement's impact statement; NULL */
	const char *evidence;        /* the decisive source's comparison for not_affected,
				      * the first source's for undetermined; NULL */
	int kev_listed;
	const char *kev_date_added;  /* NULL when not listed */
	const char *kev_due_date;
	const char *kev_ransomware;  /* knownRansomwareCampaignUse; NULL */
	const char *severity_vector; /* the highest-scored CVSS vector; NULL */
	const char *severity_source;
};

struct medfw_advisory_findings {
	const char *source;
	struct medfw_advisory_finding *items;
	size_t count;
	void *priv_; /* storage; not for callers */
};

/* Parse the JSON of `medfw vuln match --json` ({"findings": [...], ...}); at most
 * MEDFW_ADVISORY_FINDINGS_MAX_BYTES. The fields the advisory reads must have their
 * types and values (status names, KEV dates, a CVSS vector that cvss.h parses);
 * fields it does not read are ignored. *out is new (medfw_advisory_findings_free),
 * NULL on failure with the JSON path ("findings[3].status: ..."). */
enum medfw_err medfw_advisory_findings_parse(const char *source, const uint8_t *data,
					     size_t len, struct medfw_advisory_findings **out,
					     struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* The same from a match result (the strings are copied: the result may be freed). */
enum medfw_err medfw_advisory_findings_from_match(const struct medfw_match_result *result,
						  struct medfw_advisory_findings **out,
						  struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Findings added one by one (medfwd: the findings it keeps per release). An empty set
 * named `source`, for medfw_advisory_findings_add_json and medfw_advisory_build; NULL
 * when out of memory. Freed by medfw_advisory_findings_free. */
struct medfw_advisory_findings *medfw_advisory_findings_new(const char *source);

/* The largest JSON of one finding medfw_advisory_findings_add_json reads. */
#define MEDFW_ADVISORY_FINDING_MAX_BYTES (16u * 1024u * 1024u)

/* Add one finding from its JSON (`len` bytes): an item of the "findings" of
 * `medfw vuln match --json` (medfw_finding_json), checked as
 * medfw_advisory_findings_parse checks one (the message names "findings[N]", N its
 * index in the set), with `sbom` as the name of its SBOM instead of the JSON's "sbom".
 * At most MEDFW_ADVISORY_FINDINGS_MAX findings and MEDFW_ADVISORY_FINDING_MAX_BYTES
 * per JSON (MEDFW_ERR_TOO_LARGE). On failure the set holds the findings it held. */
enum medfw_err medfw_advisory_findings_add_json(struct medfw_advisory_findings *findings,
						const char *sbom, const uint8_t *json, size_t len,
						struct medfw_diag *diag) MEDFW_WARN_UNUSED;

void medfw_advisory_findings_free(struct medfw_advisory_findings *findings);

/* ------------------------------------------------------------ the model */

enum medfw_advisory_status {
	MEDFW_ADVISORY_UNLISTED = 0, /* nothing known: the release is in no status list */
	MEDFW_ADVISORY_KNOWN_AFFECTED = 1,
	MEDFW_ADVISORY_KNOWN_NOT_AFFECTED = 2,
	MEDFW_ADVISORY_FIXED = 3,
	MEDFW_ADVISORY_UNDER_INVESTIGATION = 4,
};

/* The CSAF product_status name ("known_affected", ...); "unlisted"; NULL outside. */
const char *medfw_advisory_status_name(enum medfw_advisory_status status);

/* CSAF VEX flag labels, from the strongest claim to the weakest. */
enum medfw_advisory_flag {
	MEDFW_ADVISORY_FLAG_NONE = 0,
	MEDFW_ADVISORY_FLAG_COMPONENT_NOT_PRESENT = 1,
	MEDFW_ADVISORY_FLAG_CODE_NOT_PRESENT = 2,      /* vulnerable_code_not_present */
	MEDFW_ADVISORY_FLAG_NOT_IN_EXECUTE_PATH = 3,   /* vulnerable_code_not_in_execute_path */
	MEDFW_ADVISORY_FLAG_NOT_CONTROLLABLE = 4,      /* ..._cannot_be_controlled_by_adversary */
	MEDFW_ADVISORY_FLAG_INLINE_MITIGATIONS = 5,    /* inline_mitigations_already_exist */
};

/* The CSAF label; NULL for NONE and outside the enum. */
const char *medfw_advisory_flag_label(enum medfw_advisory_flag flag);

/* The flag of a VEX justification: a CSAF label as such, a CycloneDX justification
 * by the table of docs/advisories.md (code_not_present -> vulnerable_code_not_present,
 * ...; the CycloneDX state false_positive -> component_not_present). A
 * comma-separated list (a CSAF statement covered by several flags) gives the weakest.
 * NONE for NULL and for anything else. */
enum medfw_advisory_flag medfw_advisory_flag_from_justification(const char *justification);

/* One release for one vulnerability. */
struct medfw_advisory_entry {
	size_t product;  /* index into input->products */
	size_t release;  /* index into that product's releases */
	enum medfw_advisory_status status;
	enum medfw_advisory_flag flag; /* known_not_affected: the weakest of the findings'
					* flags; NONE when one of them has none */
	int declared_fix;      /* the release declares the fix */
	const char *components; /* "openssl 1.1.1i, busybox 1.31.1": the components whose
				 * findings decided the status; NULL */
	const char *reason;    /* known_not_affected / under_investigation: why, from the
				* VEX statements and the evidence; NULL */
	size_t finding_count;  /* findings about it */
};

struct medfw_advisory_vuln {
	const struct medfw_advisory_vuln_input *input;
	struct medfw_advisory_entry *entries; /* every release: products in input order,
					       * releases in input order */
	size_t entry_count;
	const size_t *fix_release; /* per product: the index of the first release that
				    * declares the fix, SIZE_MAX when none */
	int has_score;             /* cvss below (v3.x or v2) */
	struct medfw_cvss cvss;
	char vector[MEDFW_CVSS_VECTOR_MAX + 1];
	const char *score_source;  /* "advisory input" or a finding's severity source */
	int kev_listed;
	const char *kev_date_added, *kev_due_date, *kev_ransomware; /* NULL when unknown */
};

struct medfw_advisory {
	const struct medfw_advisory_input *input; /* borrowed */
	struct medfw_advisory_vuln *vulns;        /* in input order */
	size_t vuln_count;
	size_t findings_used;       /* about an advisory vulnerability and release */
	size_t findings_other_sbom; /* their SBOM is no release's "sbom" */
	size_t findings_other_vuln; /* about vulnerabilities the input does not list */
	/* Open findings (affected, under investigation, undetermined) of the advisory's
	 * releases about vulnerabilities the input does not list: the front end warns. */
	const struct medfw_advisory_finding **uncovered; /* borrowed from the findings */
	size_t uncovered_count;
	void *priv_; /* storage; not for callers */
};

/* Build the model. `findings` may be NULL (statuses then come from declared fixes
 * only). *out is new (medfw_advisory_free); it borrows `in` (which must outlive it)
 * and copies what it keeps of `findings`, except `uncovered`, which points into
 * `findings`. Fails with MEDFW_ERR_FIELD_VALUE naming the vulnerability and release
 * for the inconsistencies listed at the top of this file, MEDFW_ERR_NOMEM,
 * MEDFW_ERR_INVALID_ARG; *out is NULL then. */
enum medfw_err medfw_advisory_build(const struct medfw_advisory_input *in,
				    const struct medfw_advisory_findings *findings,
				    struct medfw_advisory **out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

void medfw_advisory_free(struct medfw_advisory *adv);

/* The general security recommendations every advisory carries (network
 * segmentation, exposure, remote access, monitoring, reporting), NULL-terminated. */
const char *const *medfw_advisory_general_recommendations(void);

/* ------------------------------------------------------------ outputs */

enum medfw_advisory_profile {
	MEDFW_ADVISORY_PROFILE_SECURITY_ADVISORY = 1, /* csaf_security_advisory */
	MEDFW_ADVISORY_PROFILE_VEX = 2,               /* csaf_vex */
};

/* The renderings of an advisory. */
enum medfw_advisory_output {
	MEDFW_ADVISORY_OUT_CSAF = 1,
	MEDFW_ADVISORY_OUT_MARKDOWN = 2,
	MEDFW_ADVISORY_OUT_HTML = 3,
};

/* Room for any name medfw_advisory_file_name writes, with its NUL. */
#define MEDFW_ADVISORY_FILE_NAME_MAX (MEDFW_ADVISORY_NAME_MAX + 16u)

/* The file name an advisory is published under, from its tracking id as CSAF 2.0
 * (section 5.1) derives it: lowercase, every run of characters other than a-z, 0-9,
 * '+' and '-' as one '_', then ".json" (CSAF), ".vex.json" (CSAF, the VEX profile),
 * ".md" or ".html" (`profile` is read for CSAF only). "ACME-SA-2024-003" ->
 * "acme-sa-2024-003.json". Writes into out[cap]; MEDFW_ERR_TOO_LARGE when it does not
 * fit, MEDFW_ERR_INVALID_ARG; out is "" on failure. */
enum medfw_err medfw_advisory_file_name(const struct medfw_advisory_input *in,
					enum medfw_advisory_output output,
					enum medfw_advisory_profile profile, char *out, size_t cap)
	MEDFW_WARN_UNUSED;

/* Append the CSAF 2.0 document (UTF-8 JSON, keys sorted, indented, product ids
 * sorted within each list, a final newline) to `out`. The bytes are parsed with
 * medfw_csaf_parse and checked with medfw_csaf_validate before they are appended:
 * a document with a finding fails with MEDFW_ERR_FIELD_VALUE naming the first test
 * and its message, and `report` (may be NULL; zeroed by the caller) receives every
 * finding. On failure `out` keeps its original length. */
enum medfw_err medfw_advisory_csaf(const struct medfw_advisory *adv,
				   enum medfw_advisory_profile profile, struct medfw_buf *out,
				   struct medfw_csaf_report *report, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* Append the readable advisory, in the shape of an FDA safety communication (title,
 * date, who is affected, summary, what can happen, what to do now, the fix, contact,
 * revision history), as CommonMark / GFM Markdown, or as one self-contained HTML file
 * (inline style allowed by its hash in a Content-Security-Policy meta tag that
 * forbids everything else; no script, no external resource). Every string from the
 * inputs goes through medfw_advisory_markdown_escape / medfw_advisory_html_escape.
 * On failure (MEDFW_ERR_TOO_LARGE, MEDFW_ERR_NOMEM) `out` keeps its length. */
enum medfw_err medfw_advisory_markdown(const struct medfw_advisory *adv, struct medfw_buf *out,
				       struct medfw_diag *diag) MEDFW_WARN_UNUSED;
enum medfw_err medfw_advisory_html(const struct medfw_advisory *adv, struct medfw_buf *out,
				   struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Escape untrusted text for HTML element content and quoted attribute values:
 * & < > " ' become character references; control characters other than newline and
 * tab, DEL, C1 controls, bidirectional formatting characters (U+061C, U+200E,
 * U+200F, U+202A-U+202E, U+2066-U+2069) and invalid UTF-8 become U+FFFD. Appends to
 * `out`; MEDFW_ERR_TOO_LARGE leaves it at its original length. */
enum medfw_err medfw_advisory_html_escape(const char *text, struct medfw_buf *out)
	MEDFW_WARN_UNUSED;

/* Escape untrusted text for Markdown so that it is only text: every ASCII
 * punctuation character that CommonMark or GFM give a meaning (links, images,
 * autolinks, raw HTML, entities, emphasis, code, tables, headings, lists, quotes)
 * is backslash-escaped; the characters medfw_advisory_html_escape replaces become
 * U+FFFD. MEDFW_MD_INLINE (table cells, list items) turns newlines and tabs into
 * spaces; MEDFW_MD_BLOCK keeps newlines and drops the indentation at the start of
 * each line (no code block). MEDFW_ERR_TOO_LARGE leaves `out` unchanged. */
enum medfw_md_mode {
	MEDFW_MD_INLINE = 0,
	MEDFW_MD_BLOCK = 1,
};
enum medfw_err medfw_advisory_markdown_escape(const char *text, enum medfw_md_mode mode,
					      struct medfw_buf *out) MEDFW_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
