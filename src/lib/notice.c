/* The medical release notice: strict validation, JSON writing, text rendering. */
#include "medfw/notice.h"
#include "medfw/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/json.h"
#include "medfw/udi.h"

#define PREFIX "release notice"

/* Every failure is MEDFW_ERR_NOTICE and starts with "release notice: ". */
#define FAIL(diag, ...) medfw_diag_set((diag), MEDFW_ERR_NOTICE, PREFIX ": " __VA_ARGS__)

static const char *const severity_names[] = {"none", "low", "medium", "high", "critical"};
#define SEVERITY_COUNT (sizeof(severity_names) / sizeof(severity_names[0]))

static const char *const top_fields[] = {
	"notice_format", "product_version",    "security_version", "hardware_ids",
	"udi_dis",       "release_date",       "min_agent_version", "install",
	"clinical_impact", "reason",           "rollback_supported", "instructions",
	"sbom_target",
};
static const char *const install_fields[] = {"estimated_minutes", "downtime_minutes",
					     "reboot_required"};
static const char *const reason_fields[] = {"summary", "cve_ids", "severity"};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* What a string field may contain. */
enum str_kind {
	KIND_TEXT,    /* free text: newline/tab allowed, no other controls, not blank */
	KIND_VERSION, /* [A-Za-z0-9][A-Za-z0-9._+-]* */
	KIND_HWID,    /* [A-Za-z0-9][A-Za-z0-9._:+/-]* */
	KIND_CVE,     /* CVE-YYYY-NNNN+ */
	KIND_UDI,     /* GS1 GTIN-14 or HIBCC primary */
	KIND_PATH,    /* relative target path, no empty, "." or ".." or dot-first segments */
	KIND_DATE,    /* YYYY-MM-DD, 1970..9999, a real date */
};

/* ---------------------------------------------------------------- helpers */

/* A short, printable rendering of an untrusted value for a diagnostic message. */
static const char *quote(const char *s, char *buf, size_t cap)
{
	size_t i = 0, o = 0;

	while (s[i] != '\0' && i < 40 && o + 5 < cap) {
		unsigned char c = (unsigned char)s[i];

		buf[o++] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? (char)c : '?';
		i++;
	}
	if (s[i] != '\0' && o + 4 < cap) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}


/* C0 controls except tab and newline, DEL, C1 controls, and the bidirectional
 * embedding/override/isolate controls that can make displayed text lie. */
static int forbidden_cp(uint32_t c)
{
	if (c == '\t' || c == '\n')
		return 0;
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069);
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alnum(char c)
{
	return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int in_set(char c, const char *extra)
{
	return is_alnum(c) || (c != '\0' && strchr(extra, c) != NULL);
}

static int is_leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int valid_date(const char *s)
{
	static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	static const int digit_at[] = {1, 1, 1, 1, 0, 1, 1, 0, 1, 1};
	unsigned y, m, d, dim;
	size_t i;

	if (strlen(s) != 10)
		return 0;
	for (i = 0; i < 10; i++)
		if (digit_at[i] ? !is_digit(s[i]) : s[i] != '-')
			return 0;
	y = (unsigned)(s[0] - '0') * 1000u + (unsigned)(s[1] - '0') * 100u +
	    (unsigned)(s[2] - '0') * 10u + (unsigned)(s[3] - '0');
	m = (unsigned)(s[5] - '0') * 10u + (unsigned)(s[6] - '0');
	d = (unsigned)(s[8] - '0') * 10u + (unsigned)(s[9] - '0');
	if (y < 1970 || m < 1 || m > 12 || d < 1)
		return 0;
	dim = mdays[m - 1] + ((m == 2 && is_leap(y)) ? 1u : 0u);
	return d <= dim;
}

static int valid_cve(const char *s)
{
	size_t i, n;

	if (strncmp(s, "CVE-", 4) != 0)
		return 0;
	for (i = 4; i < 8; i++)
		if (!is_digit(s[i]))
			return 0;
	/* year 1999..2999 */
	if (!(strncmp(s + 4, "1999", 4) == 0 || s[4] == '2'))
		return 0;
	if (s[8] != '-')
		return 0;
	for (n = 0; is_digit(s[9 + n]); n++)
		;
	return s[9 + n] == '\0' && n >= 4 && n <= 19;
}

static int valid_path(const char *s)
{
	size_t i;
	int seg_start = 1;

	if (s[0] == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '/') {
			if (seg_start)
				return 0; /* leading '/' or empty segment */
			seg_start = 1;
			continue;
		}
		if (seg_start ? !in_set(s[i], "_+-") : !in_set(s[i], "._+-"))
			return 0;
		seg_start = 0;
	}
	return !seg_start; /* no trailing '/' */
}

static int valid_ident(const char *s, const char *extra)
{
	size_t i;

	if (!is_alnum(s[0]))
		return 0;
	for (i = 1; s[i] != '\0'; i++)
		if (!in_set(s[i], extra))
			return 0;
	return 1;
}

/* Validate string value `s` (json length `jlen`) of the given kind. `path` names the
 * field, e.g. "reason.cve_ids[2]". */
static enum medfw_err check_string(const char *s, size_t jlen, enum str_kind kind,
				   size_t max_chars, const char *path, struct medfw_diag *diag)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t chars = 0, off = 0, n;
	int blank = 1;
	uint32_t cp = 0;
	char q[64];

	if (strlen(s) != jlen)
		return FAIL(diag, "%s: contains a NUL character", path);
	while (p[off] != '\0') {
		n = medfw_utf8_decode(p + off, jlen - off, &cp);
		if (n == 0)
			return FAIL(diag, "%s: not valid UTF-8 (byte %zu)", path, off + 1);
		chars++;
		if (forbidden_cp(cp))
			return FAIL(diag,
				    "%s: control character U+%04X at character %zu (only newline "
				    "and tab are allowed)",
				    path, (unsigned)cp, chars);
		if (cp != ' ' && cp != '\t' && cp != '\n')
			blank = 0;
		off += n;
	}
	if (chars == 0)
		return FAIL(diag, "%s: is empty", path);
	if (chars > max_chars)
		return FAIL(diag, "%s: %zu characters, at most %zu allowed", path, chars,
			    max_chars);

	switch (kind) {
	case KIND_TEXT:
		if (blank)
			return FAIL(diag, "%s: is blank", path);
		return MEDFW_OK;
	case KIND_VERSION:
		if (!valid_ident(s, "._+-"))
			return FAIL(diag,
				    "%s: \"%s\" is not a version (letters, digits and . _ + -, "
				    "starting with a letter or digit)",
				    path, quote(s, q, sizeof(q)));
		return MEDFW_OK;
	case KIND_HWID:
		if (!valid_ident(s, "._:+/-"))
			return FAIL(diag,
				    "%s: \"%s\" is not a hardware id (letters, digits and . _ : + "
				    "/ -, starting with a letter or digit)",
				    path, quote(s, q, sizeof(q)));
		return MEDFW_OK;
	case KIND_CVE:
		if (!valid_cve(s))
			return FAIL(diag, "%s: \"%s\" is not a CVE id (CVE-YYYY-NNNN)", path,
				    quote(s, q, sizeof(q)));
		return MEDFW_OK;
	case KIND_UDI: {
		struct medfw_diag local;

		medfw_diag_clear(&local);
		if (medfw_udi_di_validate(s, NULL, &local) != MEDFW_OK)
			return FAIL(diag, "%s: \"%s\" is not a valid UDI-DI: %s", path,
				    quote(s, q, sizeof(q)), local.msg);
		return MEDFW_OK;
	}
	case KIND_PATH:
		if (!valid_path(s))
			return FAIL(diag,
				    "%s: \"%s\" is not a relative target path (segments of "
				    "letters, digits and . _ + -, not starting with '.')",
				    path, quote(s, q, sizeof(q)));
		return MEDFW_OK;
	case KIND_DATE:
		if (!valid_date(s))
			return FAIL(diag,
				    "%s: \"%s\" is not a calendar date YYYY-MM-DD (1970 or later)",
				    path, quote(s, q, sizeof(q)));
		return MEDFW_OK;
	}
	return FAIL(diag, "%s: internal error: unknown string kind", path);
}

/* Turn an accessor's FIELD_* error into MEDFW_ERR_NOTICE with its message. */
static enum medfw_err wrap(enum medfw_err err, const struct medfw_diag *local,
			   struct medfw_diag *diag)
{
	if (err == MEDFW_OK)
		return MEDFW_OK;
	return medfw_diag_set(diag, MEDFW_ERR_NOTICE, "%s", local->msg);
}

/* "release notice" for the top level, "release notice: install" for a member. */
static void what_name(char *out, size_t cap, const char *parent)
{
	if (parent[0] == '\0')
		snprintf(out, cap, "%s", PREFIX);
	else
		snprintf(out, cap, "%s: %s", PREFIX, parent);
}

static enum medfw_err check_keys(const json_t *obj, const char *parent,
				 const char *const *allowed, size_t n_allowed,
				 struct medfw_diag *diag)
{
	const char *key;
	json_t *value;
	char q[64];
	size_t i;

	/* jansson's iteration macro is not const-correct; it only reads. */
	json_object_foreach((json_t *)(uintptr_t)obj, key, value) {
		int known = 0;

		(void)value;
		for (i = 0; i < n_allowed && !known; i++)
			known = strcmp(key, allowed[i]) == 0;
		if (!known)
			return FAIL(diag, "%s%sunknown field \"%s\" (not part of notice format %d)",
				    parent, parent[0] != '\0' ? ": " : "", quote(key, q, sizeof(q)),
				    MEDFW_NOTICE_FORMAT);
	}
	return MEDFW_OK;
}

static enum medfw_err dup_str(const char *s, char **out)
{
	*out = strdup(s);
	return *out == NULL ? MEDFW_ERR_NOMEM : MEDFW_OK;
}

/* A required string field of `obj` (at `parent`), validated and copied. */
static enum medfw_err get_str(const json_t *obj, const char *parent, const char *key,
			      enum str_kind kind, size_t max_chars, char **out,
			      struct medfw_diag *diag)
{
	struct medfw_diag local;
	char what[128], path[128];
	const char *s = NULL;
	enum medfw_err err;

	medfw_diag_clear(&local);
	what_name(what, sizeof(what), parent);
	err = wrap(medfw_json_get_string(obj, what, key, &s, &local), &local, diag);
	if (err != MEDFW_OK)
		return err;
	snprintf(path, sizeof(path), "%s%s%s", parent, parent[0] != '\0' ? "." : "", key);
	err = check_string(s, json_string_length(json_object_get(obj, key)), kind, max_chars,
			   path, diag);
	if (err != MEDFW_OK)
		return err;
	return out == NULL ? MEDFW_OK : dup_str(s, out);
}

/* A required array of strings; min_items 0 or 1; unique demands distinct items. */
static enum medfw_err get_str_array(const json_t *obj, const char *parent, const char *key,
				    enum str_kind kind, size_t max_chars, size_t min_items,
				    int unique, char ***out, size_t *out_count,
				    struct medfw_diag *diag)
{
	struct medfw_diag local;
	char what[128], path[128], q[64];
	json_t *arr = NULL;
	enum medfw_err err;
	size_t n, i, j;
	char **items = NULL;

	medfw_diag_clear(&local);
	what_name(what, sizeof(what), parent);
	err = wrap(medfw_json_get_array(obj, what, key, &arr, &local), &local, diag);
	if (err != MEDFW_OK)
		return err;
	n = json_array_size(arr);
	if (n < min_items)
		return FAIL(diag, "%s%s%s: must have at least one item", parent,
			    parent[0] != '\0' ? "." : "", key);
	if (n > MEDFW_NOTICE_ARRAY_MAX)
		return FAIL(diag, "%s%s%s: %zu items, at most %d allowed", parent,
			    parent[0] != '\0' ? "." : "", key, n, MEDFW_NOTICE_ARRAY_MAX);
	for (i = 0; i < n; i++) {
		json_t *v = json_array_get(arr, i);

		snprintf(path, sizeof(path), "%s%s%s[%zu]", parent, parent[0] != '\0' ? "." : "",
			 key, i);
		if (!json_is_string(v))
			return FAIL(diag, "%s: must be a string", path);
		err = check_string(json_string_value(v), json_string_length(v), kind, max_chars,
				   path, diag);
		if (err != MEDFW_OK)
			return err;
		for (j = 0; unique && j < i; j++)
			if (strcmp(json_string_value(v),
				   json_string_value(json_array_get(arr, j))) == 0)
				return FAIL(diag, "%s: \"%s\" repeats item %zu", path,
					    quote(json_string_value(v), q, sizeof(q)), j);
	}
	if (n > 0) {
		items = calloc(n, sizeof(*items));
		if (items == NULL)
			return MEDFW_ERR_NOMEM;
	}
	*out = items;
	for (i = 0; i < n; i++) {
		err = dup_str(json_string_value(json_array_get(arr, i)), &items[i]);
		if (err != MEDFW_OK)
			return err; /* caller frees the partial array via the notice */
		*out_count = i + 1;
	}
	return MEDFW_OK;
}

static enum medfw_err get_int(const json_t *obj, const char *parent, const char *key,
			      int64_t min, int64_t max, int64_t *out, struct medfw_diag *diag)
{
	struct medfw_diag local;
	char what[128];

	medfw_diag_clear(&local);
	what_name(what, sizeof(what), parent);
	return wrap(medfw_json_get_int(obj, what, key, min, max, out, &local), &local, diag);
}

static enum medfw_err get_bool(const json_t *obj, const char *parent, const char *key,
			       bool *out, struct medfw_diag *diag)
{
	struct medfw_diag local;
	char what[128];
	enum medfw_err err;
	int v = 0;

	medfw_diag_clear(&local);
	what_name(what, sizeof(what), parent);
	err = wrap(medfw_json_get_bool(obj, what, key, &v, &local), &local, diag);
	*out = v != 0;
	return err;
}

static enum medfw_err get_obj(const json_t *obj, const char *key, const char *const *allowed,
			      size_t n_allowed, json_t **out, struct medfw_diag *diag)
{
	struct medfw_diag local;
	enum medfw_err err;

	medfw_diag_clear(&local);
	err = wrap(medfw_json_get_object(obj, PREFIX, key, out, &local), &local, diag);
	if (err != MEDFW_OK)
		return err;
	return check_keys(*out, key, allowed, n_allowed, diag);
}

/* ---------------------------------------------------------------- public */

void medfw_notice_free(struct medfw_release_notice *notice)
{
	size_t i;

	if (notice == NULL)
		return;
	free(notice->product_version);
	for (i = 0; notice->hardware_ids != NULL && i < notice->hardware_id_count; i++)
		free(notice->hardware_ids[i]);
	free(notice->hardware_ids);
	for (i = 0; notice->udi_dis != NULL && i < notice->udi_di_count; i++)
		free(notice->udi_dis[i]);
	free(notice->udi_dis);
	free(notice->min_agent_version);
	free(notice->clinical_impact);
	free(notice->reason.summary);
	for (i = 0; notice->reason.cve_ids != NULL && i < notice->reason.cve_id_count; i++)
		free(notice->reason.cve_ids[i]);
	free(notice->reason.cve_ids);
	for (i = 0; notice->instructions != NULL && i < notice->instruction_count; i++)
		free(notice->instructions[i]);
	free(notice->instructions);
	free(notice->sbom_target);
	free(notice);
}

const char *medfw_notice_severity_name(enum medfw_notice_severity severity)
{
	if ((unsigned)severity >= SEVERITY_COUNT)
		return "unknown";
	return severity_names[severity];
}

static enum medfw_err parse_reason(const json_t *root, struct medfw_release_notice *n,
				   struct medfw_diag *diag)
{
	json_t *reason = NULL;
	const char *sev = NULL;
	enum medfw_err err;
	char q[64];
	size_t i;

	err = get_obj(root, "reason", reason_fields, COUNT(reason_fields), &reason, diag);
	if (err == MEDFW_OK)
		err = get_str(reason, "reason", "summary", KIND_TEXT, MEDFW_NOTICE_TEXT_MAX,
			      &n->reason.summary, diag);
	if (err == MEDFW_OK)
		err = get_str_array(reason, "reason", "cve_ids", KIND_CVE, MEDFW_NOTICE_CVE_MAX,
				    0, 1, &n->reason.cve_ids, &n->reason.cve_id_count, diag);
	if (err == MEDFW_OK) {
		struct medfw_diag local;

		medfw_diag_clear(&local);
		err = wrap(medfw_json_get_string(reason, PREFIX ": reason", "severity", &sev,
						 &local),
			   &local, diag);
	}
	if (err != MEDFW_OK)
		return err;
	for (i = 0; i < SEVERITY_COUNT; i++) {
		if (strcmp(sev, severity_names[i]) == 0 &&
		    strlen(sev) == json_string_length(json_object_get(reason, "severity"))) {
			n->reason.severity = (enum medfw_notice_severity)i;
			return MEDFW_OK;
		}
	}
	return FAIL(diag, "reason.severity: \"%s\" is not one of none, low, medium, high, critical",
		    quote(sev, q, sizeof(q)));
}

static enum medfw_err parse_install(const json_t *root, struct medfw_release_notice *n,
				    struct medfw_diag *diag)
{
	json_t *install = NULL;
	int64_t v = 0;
	enum medfw_err err;

	err = get_obj(root, "install", install_fields, COUNT(install_fields), &install, diag);
	if (err == MEDFW_OK)
		err = get_int(install, "install", "estimated_minutes", 0,
			      MEDFW_NOTICE_MINUTES_MAX, &v, diag);
	if (err == MEDFW_OK) {
		n->install.estimated_minutes = (uint32_t)v;
		err = get_int(install, "install", "downtime_minutes", 0,
			      MEDFW_NOTICE_MINUTES_MAX, &v, diag);
	}
	if (err == MEDFW_OK) {
		n->install.downtime_minutes = (uint32_t)v;
		err = get_bool(install, "install", "reboot_required", &n->install.reboot_required,
			       diag);
	}
	return err;
}

static enum medfw_err parse_notice(const json_t *root, struct medfw_release_notice *n,
				   struct medfw_diag *diag)
{
	enum medfw_err err;
	int64_t v = 0;
	char *date = NULL;

	if (!json_is_object(root))
		return FAIL(diag, "not a JSON object");
	/* The format version first: a newer format is reported as such, not as a
	 * list of unknown fields. */
	err = get_int(root, "", "notice_format", 0, INT64_MAX, &v, diag);
	if (err != MEDFW_OK)
		return err;
	if (v != MEDFW_NOTICE_FORMAT)
		return FAIL(diag, "notice_format: format %lld is not supported (this version "
				  "reads format %d)",
			    (long long)v, MEDFW_NOTICE_FORMAT);
	err = check_keys(root, "", top_fields, COUNT(top_fields), diag);
	if (err == MEDFW_OK)
		err = get_str(root, "", "product_version", KIND_VERSION, MEDFW_NOTICE_VERSION_MAX,
			      &n->product_version, diag);
	if (err == MEDFW_OK)
		err = get_int(root, "", "security_version", 0, INT64_MAX, &v, diag);
	if (err == MEDFW_OK) {
		n->security_version = (uint64_t)v;
		err = get_str_array(root, "", "hardware_ids", KIND_HWID, MEDFW_NOTICE_HWID_MAX, 1,
				    1, &n->hardware_ids, &n->hardware_id_count, diag);
	}
	if (err == MEDFW_OK)
		err = get_str_array(root, "", "udi_dis", KIND_UDI, MEDFW_UDI_HIBCC_MAX_LEN, 0, 1,
				    &n->udi_dis, &n->udi_di_count, diag);
	if (err == MEDFW_OK)
		err = get_str(root, "", "release_date", KIND_DATE, 10, &date, diag);
	if (err == MEDFW_OK) {
		memcpy(n->release_date, date, 11);
		free(date);
		err = get_str(root, "", "min_agent_version", KIND_VERSION,
			      MEDFW_NOTICE_VERSION_MAX, &n->min_agent_version, diag);
	}
	if (err == MEDFW_OK)
		err = parse_install(root, n, diag);
	if (err == MEDFW_OK)
		err = get_str(root, "", "clinical_impact", KIND_TEXT, MEDFW_NOTICE_TEXT_MAX,
			      &n->clinical_impact, diag);
	if (err == MEDFW_OK)
		err = parse_reason(root, n, diag);
	if (err == MEDFW_OK)
		err = get_bool(root, "", "rollback_supported", &n->rollback_supported, diag);
	if (err == MEDFW_OK)
		err = get_str_array(root, "", "instructions", KIND_TEXT, MEDFW_NOTICE_TEXT_MAX, 1,
				    0, &n->instructions, &n->instruction_count, diag);
	if (err == MEDFW_OK)
		err = get_str(root, "", "sbom_target", KIND_PATH, MEDFW_NOTICE_PATH_MAX,
			      &n->sbom_target, diag);
	return err;
}

enum medfw_err medfw_notice_from_json(const json_t *notice_obj,
				      struct medfw_release_notice **out,
				      struct medfw_diag *diag)
{
	struct medfw_release_notice *n = NULL;
	enum medfw_err err;

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, PREFIX ": no output given");
	*out = NULL;
	if (notice_obj == NULL)
		return FAIL(diag, "missing");
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, PREFIX ": out of memory");
	err = parse_notice(notice_obj, n, diag);
	if (err == MEDFW_ERR_NOMEM)
		medfw_diag_set(diag, err, PREFIX ": out of memory");
	if (err != MEDFW_OK) {
		medfw_notice_free(n);
		return err;
	}
	*out = n;
	return MEDFW_OK;
}

enum medfw_err medfw_notice_from_target_custom(const json_t *custom,
					       struct medfw_release_notice **out,
					       struct medfw_diag *diag)
{
	json_t *ns;

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, PREFIX ": no output given");
	*out = NULL;
	if (!json_is_object(custom))
		return FAIL(diag, "target has no \"custom\" object");
	ns = json_object_get(custom, MEDFW_NOTICE_CUSTOM_NAMESPACE);
	if (!json_is_object(ns))
		return FAIL(diag, "target custom has no \"%s\" object",
			    MEDFW_NOTICE_CUSTOM_NAMESPACE);
	if (json_object_get(ns, MEDFW_NOTICE_CUSTOM_KEY) == NULL)
		return FAIL(diag, "missing: target custom has no \"%s.%s\"",
			    MEDFW_NOTICE_CUSTOM_NAMESPACE, MEDFW_NOTICE_CUSTOM_KEY);
	return medfw_notice_from_json(json_object_get(ns, MEDFW_NOTICE_CUSTOM_KEY), out, diag);
}

/* ---------------------------------------------------------------- writing */

/* Setters for to_json: a NULL string is left out (validation then names it as
 * missing); strings go in unchecked so validation reports bad UTF-8 by field. */
static int set_new(json_t *obj, const char *key, json_t *v)
{
	return v == NULL || json_object_set_new(obj, key, v) != 0 ? -1 : 0;
}

static int set_str(json_t *obj, const char *key, const char *s)
{
	return s == NULL ? 0 : set_new(obj, key, json_stringn_nocheck(s, strlen(s)));
}

static int set_str_array(json_t *obj, const char *key, char *const *items, size_t count)
{
	json_t *arr;
	size_t i;

	if (items == NULL && count > 0)
		return 0; /* left out: reported as missing */
	arr = json_array();
	if (arr == NULL)
		return -1;
	for (i = 0; i < count; i++) {
		json_t *v = items[i] == NULL ? json_null()
					     : json_stringn_nocheck(items[i], strlen(items[i]));

		if (json_array_append_new(arr, v) != 0) {
			json_decref(arr);
			return -1;
		}
	}
	return set_new(obj, key, arr);
}

enum medfw_err medfw_notice_to_json(const struct medfw_release_notice *notice, json_t **out,
				    struct medfw_diag *diag)
{
	struct medfw_release_notice *check = NULL;
	json_t *root = NULL, *install = NULL, *reason = NULL;
	enum medfw_err err = MEDFW_ERR_NOMEM;
	int rc = 0;

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, PREFIX ": no output given");
	*out = NULL;
	if (notice == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, PREFIX ": no notice given");
	if (notice->security_version > (uint64_t)INT64_MAX)
		return FAIL(diag, "security_version: %llu is above %lld",
			    (unsigned long long)notice->security_version, (long long)INT64_MAX);
	if (memchr(notice->release_date, '\0', sizeof(notice->release_date)) == NULL)
		return FAIL(diag, "release_date: not terminated");
	if ((unsigned)notice->reason.severity >= SEVERITY_COUNT)
		return FAIL(diag, "reason.severity: %d is not a severity",
			    (int)notice->reason.severity);

	root = json_object();
	install = json_object();
	reason = json_object();
	if (root == NULL || install == NULL || reason == NULL)
		goto cleanup;
	rc |= set_new(root, "notice_format", json_integer(MEDFW_NOTICE_FORMAT));
	rc |= set_str(root, "product_version", notice->product_version);
	rc |= set_new(root, "security_version", json_integer((json_int_t)notice->security_version));
	rc |= set_str_array(root, "hardware_ids", notice->hardware_ids, notice->hardware_id_count);
	rc |= set_str_array(root, "udi_dis", notice->udi_dis, notice->udi_di_count);
	rc |= set_str(root, "release_date", notice->release_date);
	rc |= set_str(root, "min_agent_version", notice->min_agent_version);
	rc |= set_new(install, "estimated_minutes",
		      json_integer((json_int_t)notice->install.estimated_minutes));
	rc |= set_new(install, "downtime_minutes",
		      json_integer((json_int_t)notice->install.downtime_minutes));
	rc |= set_new(install, "reboot_required", json_boolean(notice->install.reboot_required));
	rc |= json_object_set(root, "install", install);
	rc |= set_str(root, "clinical_impact", notice->clinical_impact);
	rc |= set_str(reason, "summary", notice->reason.summary);
	rc |= set_str_array(reason, "cve_ids", notice->reason.cve_ids, notice->reason.cve_id_count);
	rc |= set_str(reason, "severity", medfw_notice_severity_name(notice->reason.severity));
	rc |= json_object_set(root, "reason", reason);
	rc |= set_new(root, "rollback_supported", json_boolean(notice->rollback_supported));
	rc |= set_str_array(root, "instructions", notice->instructions, notice->instruction_count);
	rc |= set_str(root, "sbom_target", notice->sbom_target);
	if (rc != 0)
		goto cleanup;

	/* What we hand out to be signed passes the same validation as what we read. */
	err = medfw_notice_from_json(root, &check, diag);
	if (err != MEDFW_OK)
		goto cleanup;
	*out = root;
	root = NULL;
cleanup:
	if (err == MEDFW_ERR_NOMEM)
		medfw_diag_set(diag, err, PREFIX ": out of memory");
	medfw_notice_free(check);
	json_decref(install);
	json_decref(reason);
	json_decref(root);
	return err;
}

bool medfw_notice_applies_to_hardware(const struct medfw_release_notice *notice,
				      const char *hardware_id)
{
	size_t i;

	if (notice == NULL || hardware_id == NULL || notice->hardware_ids == NULL)
		return false;
	for (i = 0; i < notice->hardware_id_count; i++)
		if (notice->hardware_ids[i] != NULL && strcmp(notice->hardware_ids[i], hardware_id) == 0)
			return true;
	return false;
}

/* ---------------------------------------------------------------- text */

static const char *str_or(const char *s)
{
	return s == NULL ? "(not given)" : s;
}

/* Append text with every line after the first indented by `indent`. */
static enum medfw_err append_indented(struct medfw_buf *out, const char *text,
				      const char *indent)
{
	enum medfw_err err = MEDFW_OK;
	const char *p = str_or(text), *nl;

	while (err == MEDFW_OK && (nl = strchr(p, '\n')) != NULL) {
		err = medfw_buf_append(out, p, (size_t)(nl - p) + 1);
		if (err == MEDFW_OK)
			err = medfw_buf_append_str(out, indent);
		p = nl + 1;
	}
	if (err == MEDFW_OK)
		err = medfw_buf_append_str(out, p);
	if (err == MEDFW_OK)
		err = medfw_buf_append_str(out, "\n");
	return err;
}

static enum medfw_err append_list(struct medfw_buf *out, char *const *items, size_t count)
{
	enum medfw_err err = MEDFW_OK;
	size_t i;

	if (count == 0 || items == NULL)
		return medfw_buf_append_str(out, "none listed\n");
	for (i = 0; i < count && err == MEDFW_OK; i++)
		err = medfw_buf_printf(out, "%s%s", i > 0 ? ", " : "", str_or(items[i]));
	if (err == MEDFW_OK)
		err = medfw_buf_append_str(out, "\n");
	return err;
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static enum medfw_err render(const struct medfw_release_notice *n, struct medfw_buf *out)
{
	enum medfw_err err;
	size_t i;

	err = medfw_buf_printf(out,
			       "FIRMWARE RELEASE NOTICE\n"
			       "Product version:     %s\n"
			       "Security version:    %llu\n"
			       "Release date:        %s\n"
			       "Minimum agent:       %s\n"
			       "Hardware:            ",
			       str_or(n->product_version),
			       (unsigned long long)n->security_version, n->release_date,
			       str_or(n->min_agent_version));
	if (err == MEDFW_OK)
		err = append_list(out, n->hardware_ids, n->hardware_id_count);
	if (err == MEDFW_OK)
		err = medfw_buf_append_str(out, "UDI-DI:              ");
	if (err == MEDFW_OK)
		err = append_list(out, n->udi_dis, n->udi_di_count);
	if (err == MEDFW_OK)
		err = medfw_buf_printf(
			out,
			"\nINSTALLATION\n"
			"Estimated time:      %u minutes\n"
			"Downtime:            %u minutes (device unavailable for clinical use)\n"
			"Reboot required:     %s\n"
			"Rollback supported:  %s\n",
			(unsigned)n->install.estimated_minutes,
			(unsigned)n->install.downtime_minutes, yes_no(n->install.reboot_required),
			yes_no(n->rollback_supported));
	if (err == MEDFW_OK)
		err = medfw_buf_append_str(out, "\nCLINICAL IMPACT\n  ");
	if (err == MEDFW_OK)
		err = append_indented(out, n->clinical_impact, "  ");
	if (err == MEDFW_OK)
		err = medfw_buf_printf(out, "\nWHY THIS UPDATE\nSeverity:            %s\nCVE ids:             ",
				       medfw_notice_severity_name(n->reason.severity));
	if (err == MEDFW_OK)
		err = append_list(out, n->reason.cve_ids, n->reason.cve_id_count);
	if (err == MEDFW_OK)
		err = medfw_buf_append_str(out, "  ");
	if (err == MEDFW_OK)
		err = append_indented(out, n->reason.summary, "  ");
	if (err == MEDFW_OK)
		err = medfw_buf_append_str(out, "\nINSTRUCTIONS\n");
	for (i = 0; err == MEDFW_OK && n->instructions != NULL && i < n->instruction_count; i++) {
		err = medfw_buf_printf(out, "%3zu. ", i + 1);
		if (err == MEDFW_OK)
			err = append_indented(out, n->instructions[i], "     ");
	}
	if (err == MEDFW_OK)
		err = medfw_buf_printf(out, "\nSBOM target:         %s\n", str_or(n->sbom_target));
	return err;
}

enum medfw_err medfw_notice_print_text(const struct medfw_release_notice *notice,
				       struct medfw_buf *out)
{
	enum medfw_err err;
	size_t orig;

	if (notice == NULL || out == NULL)
		return MEDFW_ERR_INVALID_ARG;
	orig = out->len;
	err = render(notice, out);
	if (err != MEDFW_OK) {
		out->len = orig;
		if (out->data != NULL)
			out->data[orig] = 0;
	}
	return err;
}
