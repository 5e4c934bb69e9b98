/* CSAF 2.0: bounded parse, resolved product tree and evaluation (include/medfw/csaf.h).
 * The mandatory tests are in csaf_validate.c. */
#include "medfw/csaf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/json.h"
#include "medfw/purl.h"
#include "medfw/vers.h"
#include "medfw/version.h"
#include "vuln/advjson_int.h"
#include "vuln/csaf_int.h"

#define WHAT "CSAF document"
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define TEXT_MAX (1024u * 1024u) /* notes, details */
#define SHORT_MAX 4096u          /* names, titles, ids */
#define URL_MAX 8192u
#define LIST_MAX 100000u         /* any array */
#define ARENA_MAX (512u * 1024u * 1024u)
#define REL_DEPTH_MAX 8          /* relationship chains followed in evaluation */

struct csaf_priv {
	struct medfwi_arena arena;
	const struct medfw_csaf_product **by_id;
	size_t by_id_count;
	const struct medfw_csaf_group **groups_by_id;
	size_t groups_by_id_count;
};

/* ------------------------------------------------------------------ enums */

static const char *const doc_publisher_categories[] = {"coordinator", "discoverer", "other",
						       "translator",  "user",       "vendor", NULL};
static const char *const tracking_statuses[] = {"draft", "final", "interim", NULL};
static const char *const tlp_labels[] = {"AMBER", "GREEN", "RED", "WHITE", NULL};
static const char *const note_categories[] = {"description", "details", "faq", "general",
					      "legal_disclaimer", "other", "summary", NULL};
static const char *const reference_categories[] = {"external", "self", NULL};
static const char *const branch_categories[] = {
	"architecture",    "host_name",       "language",              "legacy",
	"patch_level",     "product_family",  "product_name",          "product_version",
	"product_version_range", "service_pack", "specification",     "vendor",
	NULL};
static const char *const relationship_categories[] = {"default_component_of",
						      "external_component_of", "installed_on",
						      "installed_with", "optional_component_of", NULL};
static const char *const flag_labels[] = {"component_not_present",
					  "inline_mitigations_already_exist",
					  "vulnerable_code_cannot_be_controlled_by_adversary",
					  "vulnerable_code_not_in_execute_path",
					  "vulnerable_code_not_present", NULL};
static const char *const involvement_parties[] = {"coordinator", "discoverer", "other", "user",
						  "vendor", NULL};
static const char *const involvement_statuses[] = {"completed", "contact_attempted", "disputed",
						   "in_progress", "not_contacted", "open", NULL};
static const char *const remediation_categories[] = {"mitigation", "no_fix_planned",
						     "none_available", "vendor_fix", "workaround",
						     NULL};
static const char *const restart_categories[] = {"connected", "dependencies", "machine",
						 "none", "parent", "service", "system",
						 "vulnerable_component", "zone", NULL};
static const char *const threat_categories[] = {"exploit_status", "impact", "target_set", NULL};
static const char *const status_names[MEDFW_CSAF_STATUS_COUNT] = {
	"first_affected",     "first_fixed", "fixed",       "known_affected",
	"known_not_affected", "last_affected", "recommended", "under_investigation"};

const char *medfw_csaf_status_name(enum medfw_csaf_status status)
{
	if ((unsigned)status >= MEDFW_CSAF_STATUS_COUNT)
		return NULL;
	return status_names[status];
}

/* ---------------------------------------------------------------- context */

struct parse {
	struct medfwi_jr jr;
	struct medfw_csaf_doc *doc;
	struct medfw_csaf_product *prods; /* malloc'd while parsing */
	size_t nprods, capprods;
	struct medfw_csaf_branch_step stack[MEDFW_CSAF_MAX_DEPTH];
	size_t depth;
};

static enum medfw_err bad(const struct parse *ps, enum medfw_err err, const char *path,
			  const char *why, const char *value)
{
	char q[64];

	if (value != NULL)
		return medfw_diag_set(ps->jr.diag, err, WHAT ": %s: \"%s\" %s", path,
				      medfwi_quote(value, q, sizeof(q)), why);
	return medfw_diag_set(ps->jr.diag, err, WHAT ": %s: %s", path, why);
}

static const unsigned REQ = MEDFWI_REQUIRED | MEDFWI_NONEMPTY;
static const unsigned OPT = MEDFWI_NONEMPTY;

/* A string field with a value check. */
typedef int (*check_fn)(const char *);

static enum medfw_err str_checked(struct parse *ps, const json_t *obj, const char *path,
				  const char *key, unsigned flags, size_t max, check_fn check,
				  const char *why, const char **out)
{
	char p[MEDFWI_PATH_MAX];
	enum medfw_err err = medfwi_jr_str(&ps->jr, obj, path, key, flags, max, out);

	if (err != MEDFW_OK || *out == NULL || check == NULL || check(*out))
		return err;
	medfwi_path_key(p, path, key);
	return bad(ps, MEDFW_ERR_FIELD_VALUE, p, why, *out);
}

static int is_datetime(const char *s)
{
	struct medfwi_time t;

	return medfwi_time_parse(s, &t);
}

/* format "uri": a scheme and no whitespace (RFC 3986 in outline). */
static int is_uri(const char *s)
{
	size_t i = 0;

	if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
		return 0;
	while ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
	       (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '.' || s[i] == '-')
		i++;
	if (s[i] != ':' || s[i + 1] == '\0')
		return 0;
	for (; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* version_t: an integer without leading zero, or SemVer 2.0.0. */
static int is_version_t(const char *s)
{
	size_t i;

	if (s[0] >= '0' && s[0] <= '9') {
		for (i = 0; s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (s[i] == '\0')
			return !(s[0] == '0' && i > 1);
	}
	return medfw_version_validate(MEDFW_VERSION_SCHEME_SEMVER, s, NULL) == MEDFW_OK;
}

static int is_cve(const char *s)
{
	return medfwi_cve_valid(s, 64);
}

static int is_cwe(const char *s)
{
	size_t i;

	if (strncmp(s, "CWE-", 4) != 0 || s[4] < '1' || s[4] > '9')
		return 0;
	for (i = 5; s[i] != '\0'; i++)
		if (s[i] < '0' || s[i] > '9' || i > 9)
			return 0;
	return 1;
}

/* document.category: ^[^\s\-_\.](.*[^\s\-_\.])?$ */
static int is_category(const char *s)
{
	size_t n = strlen(s);
	const char *bad_edge = " \t\n\r\f\v-_.";

	return n > 0 && strchr(bad_edge, s[0]) == NULL && strchr(bad_edge, s[n - 1]) == NULL;
}

/* tracking.id: ^[\S](.*[\S])?$ */
static int is_tracking_id(const char *s)
{
	size_t n = strlen(s);
	const char *ws = " \t\n\r\f\v";

	return n > 0 && strchr(ws, s[0]) == NULL && strchr(ws, s[n - 1]) == NULL;
}

static int is_hex32(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return i >= 32;
}

/* purl helper: ^pkg:[A-Za-z\.\-\+][A-Za-z0-9\.\-\+]*\/.+ */
static int is_purl_shape(const char *s)
{
	size_t i = 4;

	if (strncmp(s, "pkg:", 4) != 0)
		return 0;
	if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') || s[i] == '.' ||
	      s[i] == '-' || s[i] == '+'))
		return 0;
	while ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
	       (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '-' || s[i] == '+')
		i++;
	return s[i] == '/' && s[i + 1] != '\0' && strlen(s) >= 7;
}

static int alpha_n(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z')))
			return 0;
	return 1;
}

static int alnum_n(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

static int digit_n(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int ascii_ieq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a - 'A' + 'a') : *a;

		if (x != *b)
			return 0;
	}
	return *a == *b;
}

/* lang_t, the schema's BCP 47 pattern: language[-extlang][-script][-region]
 * [-variant]*[-extension]*[-privateuse], or privateuse, or i-default / i-mingo. */
static int is_lang(const char *s)
{
	const char *seg[64];
	size_t len[64], n = 0, i = 0, k;
	const char *p = s;

	if (ascii_ieq(s, "i-default") || ascii_ieq(s, "i-mingo"))
		return 1;
	for (;;) {
		const char *e = strchr(p, '-');
		size_t l = e != NULL ? (size_t)(e - p) : strlen(p);

		if (l == 0 || n == COUNT(seg))
			return 0;
		seg[n] = p;
		len[n++] = l;
		if (e == NULL)
			break;
		p = e + 1;
	}
	if (len[0] == 1 && (seg[0][0] == 'x' || seg[0][0] == 'X')) {
		if (n < 2)
			return 0;
		for (k = 1; k < n; k++)
			if (len[k] > 8 || !alnum_n(seg[k], len[k]))
				return 0;
		return 1;
	}
	/* language */
	if (!alpha_n(seg[0], len[0]) || len[0] < 2 || len[0] > 8)
		return 0;
	i = 1;
	if (len[0] <= 3) /* up to three extlang subtags */
		for (k = 0; k < 3 && i < n && len[i] == 3 && alpha_n(seg[i], 3); k++)
			i++;
	if (i < n && len[i] == 4 && alpha_n(seg[i], 4)) /* script */
		i++;
	if (i < n && ((len[i] == 2 && alpha_n(seg[i], 2)) || (len[i] == 3 && digit_n(seg[i], 3))))
		i++; /* region */
	while (i < n && ((len[i] >= 5 && len[i] <= 8 && alnum_n(seg[i], len[i])) ||
			 (len[i] == 4 && digit_n(seg[i], 1) && alnum_n(seg[i], 4))))
		i++; /* variants */
	while (i < n && len[i] == 1 && seg[i][0] != 'x' && seg[i][0] != 'X' &&
	       alnum_n(seg[i], 1)) { /* extensions */
		i++;
		if (i == n || len[i] < 2 || len[i] > 8 || !alnum_n(seg[i], len[i]))
			return 0;
		while (i < n && len[i] >= 2 && len[i] <= 8 && alnum_n(seg[i], len[i]))
			i++;
	}
	if (i < n && len[i] == 1 && (seg[i][0] == 'x' || seg[i][0] == 'X')) {
		i++;
		if (i == n)
			return 0;
		while (i < n && len[i] <= 8 && alnum_n(seg[i], len[i]))
			i++;
	}
	return i == n;
}

/* -------------------------------------------------------------------- CPE */

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static int out_char(char *out, size_t cap, size_t *o, char c)
{
	if (*o + 1 >= cap)
		return 0;
	out[(*o)++] = c;
	return 1;
}

/* A CPE 2.3 formatted string or a 2.2 URI as lowercase 2.3 formatted text with
 * 13 components. Returns 1, or 0 when it is neither. */
static int cpe_normalize(const char *in, char *out, size_t cap)
{
	size_t o = 0, fields = 0;

	if (cap < 16)
		return 0;
	if ((in[0] | 0x20) == 'c' && (in[1] | 0x20) == 'p' && (in[2] | 0x20) == 'e' &&
	    strncmp(in + 3, ":2.3:", 5) == 0) {
		const char *p = in + 8;

		memcpy(out, "cpe:2.3:", 8);
		o = 8;
		fields = 1;
		for (; *p != '\0'; p++) {
			if (*p == '\\') {
				if (p[1] == '\0' || (unsigned char)p[1] < 0x21 || (unsigned char)p[1] > 0x7e)
					return 0;
				if (!out_char(out, cap, &o, '\\') || !out_char(out, cap, &o, lower(p[1])))
					return 0;
				p++;
				continue;
			}
			if (*p == ':') {
				if (o == 0 || out[o - 1] == ':')
					return 0; /* empty component */
				fields++;
			} else if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
				     (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.' ||
				     *p == '*' || *p == '?')) {
				return 0;
			}
			if (!out_char(out, cap, &o, lower(*p)))
				return 0;
		}
		if (fields != 11 || out[o - 1] == ':')
			return 0;
		out[o] = '\0';
		return 1;
	}
	if ((in[0] | 0x20) == 'c' && (in[1] | 0x20) == 'p' && (in[2] | 0x20) == 'e' &&
	    strncmp(in + 3, ":/", 2) == 0) {
		const char *p = in + 5;

		memcpy(out, "cpe:2.3:", 8);
		o = 8;
		for (fields = 0; fields < 7; fields++) {
			size_t start;

			if (fields > 0 && !out_char(out, cap, &o, ':'))
				return 0;
			start = o;
			while (*p != '\0' && *p != ':') {
				char c = *p;

				if (c == '%') {
					unsigned char byte;

					if (!medfwi_pct_byte(p + 1, &byte))
						return 0;
					c = (char)byte;
					p += 3;
					if (c == 0x01 || c == 0x02) { /* 2.2 wildcards */
						if (!out_char(out, cap, &o, c == 0x01 ? '?' : '*'))
							return 0;
						continue;
					}
				} else {
					p++;
				}
				if ((unsigned char)c < 0x21 || (unsigned char)c > 0x7e)
					return 0;
				if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
				      (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.') &&
				    !out_char(out, cap, &o, '\\'))
					return 0;
				if (!out_char(out, cap, &o, lower(c)))
					return 0;
			}
			if (o == start && !out_char(out, cap, &o, '*'))
				return 0; /* empty = ANY */
			if (fields == 0 && !(o - start == 1 && strchr("aho*", out[start]) != NULL))
				return 0;
			if (*p == ':')
				p++;
			else if (*p == '\0') {
				fields++;
				break;
			}
		}
		if (*p != '\0')
			return 0;
		for (; fields < 11; fields++)
			if (!out_char(out, cap, &o, ':') || !out_char(out, cap, &o, '*'))
				return 0;
		out[o] = '\0';
		return 1;
	}
	return 0;
}

static int is_cpe(const char *s)
{
	char buf[1024];

	return strlen(s) >= 5 && cpe_normalize(s, buf, sizeof(buf));
}

/* Split normalised CPE text into its 13 components (pointers into buf, which is
 * modified). */
static int cpe_split(char *buf, char **f)
{
	size_t n = 0;
	char *p = buf;

	f[n++] = p;
	for (; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			continue;
		}
		if (*p == ':') {
			*p = '\0';
			if (n == 13)
				return 0;
			f[n++] = p + 1;
		}
	}
	return n == 13;
}

/* ------------------------------------------------------------- shared parts */

static enum medfw_err parse_notes(struct parse *ps, const json_t *obj, const char *path,
				  struct medfw_csaf_note **out, size_t *count)
{
	char p[MEDFWI_PATH_MAX];
	json_t *arr;
	size_t n, i;
	int cat;
	struct medfw_csaf_note *notes;
	enum medfw_err err;

	*out = NULL;
	*count = 0;
	err = medfwi_jr_array(&ps->jr, obj, path, "notes", MEDFWI_NONEMPTY, LIST_MAX, &arr, &n);
	if (err != MEDFW_OK || arr == NULL)
		return err;
	notes = medfwi_arena_alloc(ps->jr.arena, n * sizeof(*notes));
	if (notes == NULL)
		return medfwi_jr_alloc_failed(&ps->jr);
	for (i = 0; i < n; i++) {
		json_t *it = json_array_get(arr, i);

		medfwi_path_item(p, path, "notes", i);
		err = medfwi_jr_expect_object(&ps->jr, it, p);
		if (err == MEDFW_OK)
			err = medfwi_jr_enum(&ps->jr, it, p, "category", MEDFWI_REQUIRED,
					     note_categories, &cat);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(&ps->jr, it, p, "text", REQ, TEXT_MAX, &notes[i].text);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(&ps->jr, it, p, "title", OPT, SHORT_MAX, &notes[i].title);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(&ps->jr, it, p, "audience", OPT, SHORT_MAX,
					    &notes[i].audience);
		if (err != MEDFW_OK)
			return err;
		notes[i].category = note_categories[cat];
	}
	*out = notes;
	*count = n;
	return MEDFW_OK;
}

static enum medfw_err parse_references(struct parse *ps, const json_t *obj, const char *path,
				       struct medfw_csaf_reference **out, size_t *count)
{
	char p[MEDFWI_PATH_MAX];
	json_t *arr;
	size_t n, i;
	int cat;
	struct medfw_csaf_reference *refs;
	enum medfw_err err;

	*out = NULL;
	*count = 0;
	err = medfwi_jr_array(&ps->jr, obj, path, "references", MEDFWI_NONEMPTY, LIST_MAX, &arr, &n);
	if (err != MEDFW_OK || arr == NULL)
		return err;
	refs = medfwi_arena_alloc(ps->jr.arena, n * sizeof(*refs));
	if (refs == NULL)
		return medfwi_jr_alloc_failed(&ps->jr);
	for (i = 0; i < n; i++) {
		json_t *it = json_array_get(arr, i);

		medfwi_path_item(p, path, "references", i);
		err = medfwi_jr_expect_object(&ps->jr, it, p);
		if (err == MEDFW_OK)
			err = medfwi_jr_enum(&ps->jr, it, p, "category", 0, reference_categories, &cat);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(&ps->jr, it, p, "summary", REQ, SHORT_MAX, &refs[i].summary);
		if (err == MEDFW_OK)
			err = str_checked(ps, it, p, "url", MEDFWI_REQUIRED, URL_MAX, is_uri,
					  "is not a URI", &refs[i].url);
		if (err != MEDFW_OK)
			return err;
		refs[i].category = cat >= 0 ? reference_categories[cat] : "external";
	}
	*out = refs;
	*count = n;
	return MEDFW_OK;
}

/* acknowledgments_t: checked, not kept. */
static enum medfw_err check_acknowledgments(struct parse *ps, const json_t *obj, const char *path)
{
	char p[MEDFWI_PATH_MAX], q[MEDFWI_PATH_MAX];
	json_t *arr;
	size_t n, i, k, m;
	const char *s, **list;
	enum medfw_err err;

	err = medfwi_jr_array(&ps->jr, obj, path, "acknowledgments", MEDFWI_NONEMPTY, LIST_MAX, &arr, &n);
	for (i = 0; err == MEDFW_OK && arr != NULL && i < n; i++) {
		json_t *it = json_array_get(arr, i);

		medfwi_path_item(p, path, "acknowledgments", i);
		err = medfwi_jr_expect_object(&ps->jr, it, p);
		if (err == MEDFW_OK && json_object_size(it) == 0)
			return bad(ps, MEDFW_ERR_FIELD_VALUE, p, "is empty", NULL);
		if (err == MEDFW_OK)
			err = medfwi_jr_str_array(&ps->jr, it, p, "names", MEDFWI_NONEMPTY, LIST_MAX,
						  SHORT_MAX, &list, &m);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(&ps->jr, it, p, "organization", OPT, SHORT_MAX, &s);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(&ps->jr, it, p, "summary", OPT, TEXT_MAX, &s);
		if (err == MEDFW_OK)
			err = medfwi_jr_str_array(&ps->jr, it, p, "urls", MEDFWI_NONEMPTY, LIST_MAX,
						  URL_MAX, &list, &m);
		for (k = 0; err == MEDFW_OK && list != NULL && k < m; k++) {
			if (!is_uri(list[k])) {
				medfwi_path_item(q, p, "urls", k);
				return bad(ps, MEDFW_ERR_FIELD_VALUE, q, "is not a URI", list[k]);
			}
		}
	}
	return err;
}

/* An array of product or group ids (products_t / product_groups_t: at least one,
 * unique, non-empty). */
static enum medfw_err id_list(struct parse *ps, const json_t *obj, const char *path,
			      const char *key, unsigned extra, const char ***out, size_t *count)
{
	return medfwi_jr_str_array(&ps->jr, obj, path, key, MEDFWI_NONEMPTY | MEDFWI_UNIQUE | extra,
				   LIST_MAX, SHORT_MAX, out, count);
}

/* The array items are pairwise different JSON values (uniqueItems on objects). */
static enum medfw_err unique_items(struct parse *ps, const json_t *arr, const char *path,
				   const char *key)
{
	char p[MEDFWI_PATH_MAX];
	size_t i, j, n = json_array_size(arr);

	for (i = 1; i < n; i++)
		for (j = 0; j < i; j++)
			if (json_equal(json_array_get(arr, i), json_array_get(arr, j))) {
				medfwi_path_item(p, path, key, i);
				return bad(ps, MEDFW_ERR_FIELD_VALUE, p,
					   "repeats an earlier item (items must be unique)", NULL);
			}
	return MEDFW_OK;
}

/* ------------------------------------------------------------- document */

static enum medfw_err parse_tracking(struct parse *ps, const json_t *doc)
{
	struct medfw_csaf_doc *d = ps->doc;
	json_t *t, *arr, *gen, *eng;
	char p[MEDFWI_PATH_MAX];
	size_t n, i;
	int st;
	enum medfw_err err;

	err = medfwi_jr_object(&ps->jr, doc, "document", "tracking", MEDFWI_REQUIRED, &t);
	if (err != MEDFW_OK)
		return err;
	err = str_checked(ps, t, "document.tracking", "id", REQ, SHORT_MAX, is_tracking_id,
			  "has leading or trailing whitespace", &d->tracking_id);
	if (err == MEDFW_OK)
		err = medfwi_jr_enum(&ps->jr, t, "document.tracking", "status", MEDFWI_REQUIRED,
				     tracking_statuses, &st);
	if (err == MEDFW_OK)
		err = str_checked(ps, t, "document.tracking", "version", MEDFWI_REQUIRED, 256,
				  is_version_t, "is not an integer or a semantic version",
				  &d->tracking_version);
	if (err == MEDFW_OK)
		err = str_checked(ps, t, "document.tracking", "initial_release_date", MEDFWI_REQUIRED,
				  64, is_datetime, "is not an RFC 3339 date-time",
				  &d->initial_release_date);
	if (err == MEDFW_OK)
		err = str_checked(ps, t, "document.tracking", "current_release_date", MEDFWI_REQUIRED,
				  64, is_datetime, "is not an RFC 3339 date-time",
				  &d->current_release_date);
	if (err == MEDFW_OK)
		err = id_list(ps, t, "document.tracking", "aliases", 0, &d->tracking_aliases,
			      &d->tracking_alias_count);
	if (err == MEDFW_OK)
		err = medfwi_jr_object(&ps->jr, t, "document.tracking", "generator", 0, &gen);
	if (err != MEDFW_OK)
		return err;
	d->tracking_status = tracking_statuses[st];
	if (gen != NULL) {
		err = str_checked(ps, gen, "document.tracking.generator", "date", 0, 64, is_datetime,
				  "is not an RFC 3339 date-time", &d->generator_date);
		if (err == MEDFW_OK)
			err = medfwi_jr_object(&ps->jr, gen, "document.tracking.generator", "engine",
					       MEDFWI_REQUIRED, &eng);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(&ps->jr, eng, "document.tracking.generator.engine", "name",
					    REQ, SHORT_MAX, &d->generator_engine_name);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(&ps->jr, eng, "document.tracking.generator.engine",
					    "version", OPT, SHORT_MAX, &d->generator_engine_version);
		if (err != MEDFW_OK)
			return err;
	}
	err = medfwi_jr_array(&ps->jr, t, "document.tracking", "revision_history", REQ, LIST_MAX,
			      &arr, &n);
	if (err != MEDFW_OK)
		return err;
	d->revisions = medfwi_arena_alloc(ps->jr.arena, n * sizeof(*d->revisions));
	if (d->revisions == NULL)
		return medfwi_jr_alloc_failed(&ps->jr);
	for (i = 0; i < n; i++) {
		json_t *it = json_array_get(arr, i);
		struct medfw_csaf_revision *r = &d->revisions[i];

		medfwi_path_item(p, "document.tracking", "revision_history", i);
		err = medfwi_jr_expect_object(&ps->jr, it, p);
		if (err == MEDFW_OK)
			err = str_checked(ps, it, p, "date", MEDFWI_REQUIRED, 64, is_datetime,
					  "is not an RFC 3339 date-time", &r->date);
		if (err == MEDFW_OK)
			err = str_checked(ps, it, p, "number", MEDFWI_REQUIRED, 256, is_version_t,
					  "is not an integer or a semantic version", &r->number);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(&ps->jr, it, p, "summary", REQ, TEXT_MAX, &r->summary);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(&ps->jr, it, p, "legacy_version", OPT, SHORT_MAX,
					    &r->legacy_version);
		if (err != MEDFW_OK)
			return err;
	}
	d->revision_count = n;
	return MEDFW_OK;
}

static enum medfw_err parse_document(struct parse *ps, const json_t *root)
{
	struct medfw_csaf_doc *d = ps->doc;
	json_t *doc, *pub, *dist, *tlp, *agg;
	int cat, ver, lab;
	static const char *const versions[] = {"2.0", NULL};
	enum medfw_err err;

	err = medfwi_jr_object(&ps->jr, root, "", "document", MEDFWI_REQUIRED, &doc);
	if (err == MEDFW_OK)
		err = str_checked(ps, doc, "document", "category", REQ, SHORT_MAX, is_category,
				  "starts or ends with whitespace, '-', '_' or '.'", &d->category);
	if (err == MEDFW_OK)
		err = medfwi_jr_enum(&ps->jr, doc, "document", "csaf_version", MEDFWI_REQUIRED, versions,
				     &ver);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(&ps->jr, doc, "document", "title", REQ, SHORT_MAX, &d->title);
	if (err == MEDFW_OK)
		err = str_checked(ps, doc, "document", "lang", 0, 64, is_lang,
				  "is not a BCP 47 language tag", &d->lang);
	if (err == MEDFW_OK)
		err = str_checked(ps, doc, "document", "source_lang", 0, 64, is_lang,
				  "is not a BCP 47 language tag", &d->source_lang);
	if (err == MEDFW_OK)
		err = medfwi_jr_object(&ps->jr, doc, "document", "publisher", MEDFWI_REQUIRED, &pub);
	if (err == MEDFW_OK)
		err = medfwi_jr_enum(&ps->jr, pub, "document.publisher", "category", MEDFWI_REQUIRED,
				     doc_publisher_categories, &cat);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(&ps->jr, pub, "document.publisher", "name", REQ, SHORT_MAX,
				    &d->publisher_name);
	if (err == MEDFW_OK)
		err = str_checked(ps, pub, "document.publisher", "namespace", MEDFWI_REQUIRED, URL_MAX,
				  is_uri, "is not a URI", &d->publisher_namespace);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(&ps->jr, pub, "document.publisher", "contact_details", OPT,
				    TEXT_MAX, &d->publisher_contact_details);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(&ps->jr, pub, "document.publisher", "issuing_authority", OPT,
				    TEXT_MAX, &d->publisher_issuing_authority);
	if (err == MEDFW_OK)
		err = parse_tracking(ps, doc);
	if (err == MEDFW_OK)
		err = medfwi_jr_object(&ps->jr, doc, "document", "distribution", 0, &dist);
	if (err != MEDFW_OK)
		return err;
	d->csaf_version = versions[ver];
	d->publisher_category = doc_publisher_categories[cat];
	if (dist != NULL) {
		if (json_object_size(dist) == 0)
			return bad(ps, MEDFW_ERR_FIELD_VALUE, "document.distribution", "is empty", NULL);
		err = medfwi_jr_str(&ps->jr, dist, "document.distribution", "text", OPT, TEXT_MAX,
				    &d->distribution_text);
		if (err == MEDFW_OK)
			err = medfwi_jr_object(&ps->jr, dist, "document.distribution", "tlp", 0, &tlp);
		if (err == MEDFW_OK && tlp != NULL) {
			err = medfwi_jr_enum(&ps->jr, tlp, "document.distribution.tlp", "label",
					     MEDFWI_REQUIRED, tlp_labels, &lab);
			if (err == MEDFW_OK)
				d->tlp_label = tlp_labels[lab];
			if (err == MEDFW_OK)
				err = str_checked(ps, tlp, "document.distribution.tlp", "url", 0, URL_MAX,
						  is_uri, "is not a URI", &d->tlp_url);
		}
		if (err != MEDFW_OK)
			return err;
	}
	err = medfwi_jr_object(&ps->jr, doc, "document", "aggregate_severity", 0, &agg);
	if (err == MEDFW_OK && agg != NULL) {
		err = medfwi_jr_str(&ps->jr, agg, "document.aggregate_severity", "text", REQ, SHORT_MAX,
				    &d->aggregate_severity);
		if (err == MEDFW_OK)
			err = str_checked(ps, agg, "document.aggregate_severity", "namespace", 0, URL_MAX,
					  is_uri, "is not a URI", &d->aggregate_severity_namespace);
	}
	if (err == MEDFW_OK)
		err = parse_notes(ps, doc, "document", &d->notes, &d->note_count);
	if (err == MEDFW_OK)
		err = parse_references(ps, doc, "document", &d->references, &d->reference_count);
	if (err == MEDFW_OK)
		err = check_acknowledgments(ps, doc, "document");
	return err;
}

/* --------------------------------------------------------- product tree */

static enum medfw_err parse_helper(struct parse *ps, const json_t *h, const char *path,
				   struct medfw_csaf_helper *out)
{
	char p[MEDFWI_PATH_MAX], q[MEDFWI_PATH_MAX];
	json_t *arr;
	size_t n, i, k, m;
	enum medfw_err err;

	if (json_object_size(h) == 0)
		return bad(ps, MEDFW_ERR_FIELD_VALUE, path, "is empty", NULL);
	err = str_checked(ps, h, path, "cpe", 0, 1024, is_cpe, "is not a CPE 2.3 string or 2.2 URI",
			  &out->cpe);
	if (err == MEDFW_OK)
		err = str_checked(ps, h, path, "purl", 0, MEDFW_PURL_MAX_LEN, is_purl_shape,
				  "is not a package URL (pkg:type/...)", &out->purl);
	if (err == MEDFW_OK)
		err = medfwi_jr_str_array(&ps->jr, h, path, "model_numbers",
					  MEDFWI_NONEMPTY | MEDFWI_UNIQUE, LIST_MAX, SHORT_MAX,
					  &out->model_numbers, &out->model_number_count);
	if (err == MEDFW_OK)
		err = medfwi_jr_str_array(&ps->jr, h, path, "serial_numbers",
					  MEDFWI_NONEMPTY | MEDFWI_UNIQUE, LIST_MAX, SHORT_MAX,
					  &out->serial_numbers, &out->serial_number_count);
	if (err == MEDFW_OK)
		err = medfwi_jr_str_array(&ps->jr, h, path, "skus", MEDFWI_NONEMPTY, LIST_MAX, SHORT_MAX,
					  &out->skus, &out->sku_count);
	if (err == MEDFW_OK)
		err = medfwi_jr_str_array(&ps->jr, h, path, "sbom_urls", MEDFWI_NONEMPTY, LIST_MAX,
					  URL_MAX, &out->sbom_urls, &out->sbom_url_count);
	for (i = 0; err == MEDFW_OK && i < out->sbom_url_count; i++)
		if (!is_uri(out->sbom_urls[i])) {
			medfwi_path_item(q, path, "sbom_urls", i);
			return bad(ps, MEDFW_ERR_FIELD_VALUE, q, "is not a URI", out->sbom_urls[i]);
		}
	if (err == MEDFW_OK)
		err = medfwi_jr_array(&ps->jr, h, path, "hashes", MEDFWI_NONEMPTY, LIST_MAX, &arr, &n);
	if (err != MEDFW_OK)
		return err;
	if (arr != NULL) {
		out->hashes = medfwi_arena_alloc(ps->jr.arena, n * sizeof(*out->hashes));
		if (out->hashes == NULL)
			return medfwi_jr_alloc_failed(&ps->jr);
		for (i = 0; i < n; i++) {
			json_t *it = json_array_get(arr, i), *fh;
			struct medfw_csaf_file_hashes *f = &out->hashes[i];

			medfwi_path_item(p, path, "hashes", i);
			err = medfwi_jr_expect_object(&ps->jr, it, p);
			if (err == MEDFW_OK)
				err = medfwi_jr_str(&ps->jr, it, p, "filename", REQ, SHORT_MAX,
						    &f->filename);
			if (err == MEDFW_OK)
				err = medfwi_jr_array(&ps->jr, it, p, "file_hashes", REQ, LIST_MAX, &fh, &m);
			if (err != MEDFW_OK)
				return err;
			f->file_hashes = medfwi_arena_alloc(ps->jr.arena, m * sizeof(*f->file_hashes));
			if (f->file_hashes == NULL)
				return medfwi_jr_alloc_failed(&ps->jr);
			for (k = 0; k < m; k++) {
				json_t *h1 = json_array_get(fh, k);

				medfwi_path_item(q, p, "file_hashes", k);
				err = medfwi_jr_expect_object(&ps->jr, h1, q);
				if (err == MEDFW_OK)
					err = medfwi_jr_str(&ps->jr, h1, q, "algorithm", REQ, 64,
							    &f->file_hashes[k].algorithm);
				if (err == MEDFW_OK)
					err = str_checked(ps, h1, q, "value", MEDFWI_REQUIRED, 1024,
							  is_hex32,
							  "is not a hexadecimal digest (32 digits "
							  "or more)",
							  &f->file_hashes[k].value);
				if (err != MEDFW_OK)
					return err;
			}
			f->file_hash_count = m;
		}
		out->hash_count = n;
	}
	err = medfwi_jr_array(&ps->jr, h, path, "x_generic_uris", MEDFWI_NONEMPTY, LIST_MAX, &arr, &n);
	if (err != MEDFW_OK || arr == NULL)
		return err;
	out->x_generic_uris = medfwi_arena_alloc(ps->jr.arena, n * sizeof(*out->x_generic_uris));
	if (out->x_generic_uris == NULL)
		return medfwi_jr_alloc_failed(&ps->jr);
	for (i = 0; i < n; i++) {
		json_t *it = json_array_get(arr, i);

		medfwi_path_item(p, path, "x_generic_uris", i);
		err = medfwi_jr_expect_object(&ps->jr, it, p);
		if (err == MEDFW_OK)
			err = str_checked(ps, it, p, "namespace", MEDFWI_REQUIRED, URL_MAX, is_uri,
					  "is not a URI", &out->x_generic_uris[i].namespace_);
		if (err == MEDFW_OK)
			err = str_checked(ps, it, p, "uri", MEDFWI_REQUIRED, URL_MAX, is_uri,
					  "is not a URI", &out->x_generic_uris[i].uri);
		if (err != MEDFW_OK)
			return err;
	}
	out->x_generic_uri_count = n;
	return MEDFW_OK;
}

/* A new, zeroed product at the end of the list; NULL with *err set on failure. */
static struct medfw_csaf_product *add_product(struct parse *ps, enum medfw_err *err)
{
	struct medfw_csaf_product *np;
	size_t cap;

	if (ps->nprods == ps->capprods) {
		if (ps->nprods >= LIST_MAX) {
			*err = medfw_diag_set(ps->jr.diag, MEDFW_ERR_TOO_LARGE,
					      WHAT ": more than %u products", LIST_MAX);
			return NULL;
		}
		cap = ps->capprods == 0 ? 64 : ps->capprods * 2;
		np = realloc(ps->prods, cap * sizeof(*np));
		if (np == NULL) {
			*err = medfw_diag_set(ps->jr.diag, MEDFW_ERR_NOMEM, WHAT ": out of memory");
			return NULL;
		}
		ps->prods = np;
		ps->capprods = cap;
	}
	np = &ps->prods[ps->nprods++];
	memset(np, 0, sizeof(*np));
	*err = MEDFW_OK;
	return np;
}

/* full_product_name_t at `path` into a new product. */
static enum medfw_err parse_fpn(struct parse *ps, const json_t *obj, const char *path,
				enum medfw_csaf_origin origin, struct medfw_csaf_product **out)
{
	char p[MEDFWI_PATH_MAX];
	struct medfw_csaf_product *prod = NULL;
	json_t *h;
	enum medfw_err err;

	*out = NULL;
	err = medfwi_jr_expect_object(&ps->jr, obj, path);
	if (err != MEDFW_OK)
		return err;
	prod = add_product(ps, &err);
	if (prod == NULL)
		return err;
	prod->origin = origin;
	prod->json_path = medfwi_arena_strndup(ps->jr.arena, path, strlen(path));
	if (prod->json_path == NULL)
		return medfwi_jr_alloc_failed(&ps->jr);
	err = medfwi_jr_str(&ps->jr, obj, path, "name", REQ, SHORT_MAX, &prod->name);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(&ps->jr, obj, path, "product_id", REQ, SHORT_MAX, &prod->product_id);
	if (err == MEDFW_OK)
		err = medfwi_jr_object(&ps->jr, obj, path, "product_identification_helper", 0, &h);
	if (err == MEDFW_OK && h != NULL) {
		medfwi_path_key(p, path, "product_identification_helper");
		prod->has_helper = 1;
		err = parse_helper(ps, h, p, &prod->helper);
	}
	*out = prod;
	return err;
}

static enum medfw_err parse_branches(struct parse *ps, const json_t *obj, const char *path)
{
	char p[MEDFWI_PATH_MAX], q[MEDFWI_PATH_MAX];
	json_t *arr, *prod_obj;
	size_t n, i, k;
	int cat;
	enum medfw_err err;

	err = medfwi_jr_array(&ps->jr, obj, path, "branches", MEDFWI_NONEMPTY, LIST_MAX, &arr, &n);
	if (err != MEDFW_OK || arr == NULL)
		return err;
	if (ps->depth >= MEDFW_CSAF_MAX_DEPTH)
		return bad(ps, MEDFW_ERR_TOO_DEEP, path, "branches nest too deeply", NULL);
	for (i = 0; i < n; i++) {
		json_t *it = json_array_get(arr, i);
		struct medfw_csaf_branch_step *st = &ps->stack[ps->depth];

		medfwi_path_item(p, path, "branches", i);
		err = medfwi_jr_expect_object(&ps->jr, it, p);
		if (err == MEDFW_OK && json_object_size(it) < 3)
			return bad(ps, MEDFW_ERR_FIELD_VALUE, p,
				   "a branch needs category, name and branches or product", NULL);
		if (err == MEDFW_OK)
			err = medfwi_jr_enum(&ps->jr, it, p, "category", MEDFWI_REQUIRED,
					     branch_categories, &cat);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(&ps->jr, it, p, "name", REQ, SHORT_MAX, &st->name);
		if (err == MEDFW_OK)
			err = medfwi_jr_object(&ps->jr, it, p, "product", 0, &prod_obj);
		if (err != MEDFW_OK)
			return err;
		st->category = branch_categories[cat];
		ps->depth++;
		if (prod_obj != NULL) {
			struct medfw_csaf_product *prod = NULL;
			struct medfw_csaf_branch_step *steps;

			medfwi_path_key(q, p, "product");
			err = parse_fpn(ps, prod_obj, q, MEDFW_CSAF_FROM_BRANCH, &prod);
			if (err != MEDFW_OK)
				return err;
			steps = medfwi_arena_alloc(ps->jr.arena, ps->depth * sizeof(*steps));
			if (steps == NULL)
				return medfwi_jr_alloc_failed(&ps->jr);
			memcpy(steps, ps->stack, ps->depth * sizeof(*steps));
			prod->branch_path = steps;
			prod->branch_depth = ps->depth;
			for (k = 0; k < ps->depth; k++) {
				if (strcmp(steps[k].category, "vendor") == 0)
					prod->vendor = steps[k].name;
				else if (strcmp(steps[k].category, "product_name") == 0)
					prod->product_name = steps[k].name;
				else if (strcmp(steps[k].category, "product_version") == 0)
					prod->version = steps[k].name;
				else if (strcmp(steps[k].category, "product_version_range") == 0)
					prod->version_range = steps[k].name;
			}
		}
		err = parse_branches(ps, it, p);
		ps->depth--;
		if (err != MEDFW_OK)
			return err;
	}
	return MEDFW_OK;
}

static int prod_cmp(const void *a, const void *b)
{
	const struct medfw_csaf_product *x = *(const struct medfw_csaf_product *const *)a;
	const struct medfw_csaf_product *y = *(const struct medfw_csaf_product *const *)b;
	int c = strcmp(x->product_id, y->product_id);

	if (c != 0)
		return c;
	return x < y ? -1 : x > y; /* document order: the first definition first */
}

static int group_cmp(const void *a, const void *b)
{
	const struct medfw_csaf_group *x = *(const struct medfw_csaf_group *const *)a;
	const struct medfw_csaf_group *y = *(const struct medfw_csaf_group *const *)b;
	int c = strcmp(x->group_id, y->group_id);

	if (c != 0)
		return c;
	return x < y ? -1 : x > y;
}

static enum medfw_err parse_product_tree(struct parse *ps, const json_t *root,
					 struct csaf_priv *priv)
{
	struct medfw_csaf_doc *d = ps->doc;
	char p[MEDFWI_PATH_MAX], q[MEDFWI_PATH_MAX];
	json_t *pt, *arr;
	size_t n, i;
	int cat;
	enum medfw_err err;

	err = medfwi_jr_object(&ps->jr, root, "", "product_tree", 0, &pt);
	if (err != MEDFW_OK || pt == NULL)
		return err;
	d->has_product_tree = 1;
	if (json_object_size(pt) == 0)
		return bad(ps, MEDFW_ERR_FIELD_VALUE, "product_tree", "is empty", NULL);
	err = parse_branches(ps, pt, "product_tree");
	if (err == MEDFW_OK)
		err = medfwi_jr_array(&ps->jr, pt, "product_tree", "full_product_names",
				      MEDFWI_NONEMPTY, LIST_MAX, &arr, &n);
	for (i = 0; err == MEDFW_OK && arr != NULL && i < n; i++) {
		struct medfw_csaf_product *prod = NULL;

		medfwi_path_item(p, "product_tree", "full_product_names", i);
		err = parse_fpn(ps, json_array_get(arr, i), p, MEDFW_CSAF_FROM_FULL_PRODUCT_NAMES, &prod);
	}
	if (err == MEDFW_OK)
		err = medfwi_jr_array(&ps->jr, pt, "product_tree", "relationships", MEDFWI_NONEMPTY,
				      LIST_MAX, &arr, &n);
	for (i = 0; err == MEDFW_OK && arr != NULL && i < n; i++) {
		json_t *it = json_array_get(arr, i), *fpn;
		struct medfw_csaf_product *prod = NULL;
		const char *ref, *rel;

		medfwi_path_item(p, "product_tree", "relationships", i);
		err = medfwi_jr_expect_object(&ps->jr, it, p);
		if (err == MEDFW_OK)
			err = medfwi_jr_enum(&ps->jr, it, p, "category", MEDFWI_REQUIRED,
					     relationship_categories, &cat);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(&ps->jr, it, p, "product_reference", REQ, SHORT_MAX, &ref);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(&ps->jr, it, p, "relates_to_product_reference", REQ,
					    SHORT_MAX, &rel);
		if (err == MEDFW_OK)
			err = medfwi_jr_object(&ps->jr, it, p, "full_product_name", MEDFWI_REQUIRED, &fpn);
		if (err != MEDFW_OK)
			break;
		medfwi_path_key(q, p, "full_product_name");
		err = parse_fpn(ps, fpn, q, MEDFW_CSAF_FROM_RELATIONSHIP, &prod);
		if (err != MEDFW_OK)
			break;
		prod->relationship = relationship_categories[cat];
		prod->product_reference = ref;
		prod->relates_to_product_reference = rel;
	}
	if (err == MEDFW_OK)
		err = medfwi_jr_array(&ps->jr, pt, "product_tree", "product_groups", MEDFWI_NONEMPTY,
				      LIST_MAX, &arr, &n);
	if (err != MEDFW_OK)
		return err;
	if (arr != NULL) {
		d->groups = medfwi_arena_alloc(ps->jr.arena, n * sizeof(*d->groups));
		if (d->groups == NULL)
			return medfwi_jr_alloc_failed(&ps->jr);
		for (i = 0; i < n; i++) {
			json_t *it = json_array_get(arr, i);
			struct medfw_csaf_group *g = &d->groups[i];

			medfwi_path_item(p, "product_tree", "product_groups", i);
			err = medfwi_jr_expect_object(&ps->jr, it, p);
			if (err == MEDFW_OK)
				err = medfwi_jr_str(&ps->jr, it, p, "group_id", REQ, SHORT_MAX, &g->group_id);
			if (err == MEDFW_OK)
				err = id_list(ps, it, p, "product_ids", MEDFWI_REQUIRED, &g->product_ids,
					      &g->product_id_count);
			if (err == MEDFW_OK && g->product_id_count < 2) {
				medfwi_path_key(q, p, "product_ids");
				return bad(ps, MEDFW_ERR_FIELD_VALUE, q,
					   "a product group has at least two products", NULL);
			}
			if (err == MEDFW_OK)
				err = medfwi_jr_str(&ps->jr, it, p, "summary", OPT, TEXT_MAX, &g->summary);
			if (err != MEDFW_OK)
				return err;
		}
		d->group_count = n;
	}
	/* the products into the arena, then the indexes */
	if (ps->nprods > 0) {
		d->products = medfwi_arena_alloc(ps->jr.arena, ps->nprods * sizeof(*d->products));
		priv->by_id = medfwi_arena_alloc(ps->jr.arena, ps->nprods * sizeof(*priv->by_id));
		if (d->products == NULL || priv->by_id == NULL)
			return medfwi_jr_alloc_failed(&ps->jr);
		memcpy(d->products, ps->prods, ps->nprods * sizeof(*d->products));
		d->product_count = ps->nprods;
		for (i = 0; i < d->product_count; i++)
			priv->by_id[i] = &d->products[i];
		qsort(priv->by_id, d->product_count, sizeof(*priv->by_id), prod_cmp);
		priv->by_id_count = d->product_count;
	}
	if (d->group_count > 0) {
		priv->groups_by_id = medfwi_arena_alloc(ps->jr.arena,
							d->group_count * sizeof(*priv->groups_by_id));
		if (priv->groups_by_id == NULL)
			return medfwi_jr_alloc_failed(&ps->jr);
		for (i = 0; i < d->group_count; i++)
			priv->groups_by_id[i] = &d->groups[i];
		qsort(priv->groups_by_id, d->group_count, sizeof(*priv->groups_by_id), group_cmp);
		priv->groups_by_id_count = d->group_count;
	}
	for (i = 0; i < d->product_count; i++) {
		struct medfw_csaf_product *prod = &d->products[i];

		if (prod->origin != MEDFW_CSAF_FROM_RELATIONSHIP)
			continue;
		prod->component = medfw_csaf_product_find(d, prod->product_reference);
		prod->platform = medfw_csaf_product_find(d, prod->relates_to_product_reference);
	}
	return MEDFW_OK;
}

/* --------------------------------------------------------- vulnerabilities */

/* A score as tenths; *exact 0 when not a multiple of 0.1 within 0..10. */
static int score_tenths(const json_t *v, int *exact)
{
	double x = json_number_value(v), t = x * 10.0;
	long r;

	if (!(x >= 0.0 && x <= 10.0)) {
		*exact = 0;
		return -1;
	}
	r = (long)(t + 0.5);
	if ((double)r - t > 1e-6 || t - (double)r > 1e-6)
		*exact = 0;
	return (int)r;
}

/* One cvss_v2 / cvss_v3 object, read without requiring its fields (6.1.8). */
static enum medfw_err parse_cvss(struct parse *ps, const json_t *obj, const char *path,
				 const char *key, int v3, struct medfw_csaf_cvss *c)
{
	char p[MEDFWI_PATH_MAX], msg[MEDFWI_PATH_MAX + MEDFW_DIAG_MSG_MAX + 128];
	json_t *o, *v;
	const char *k;
	size_t n = 0, i;
	enum medfw_err err;

	err = medfwi_jr_object(&ps->jr, obj, path, key, 0, &o);
	if (err != MEDFW_OK || o == NULL)
		return err;
	medfwi_path_key(p, path, key);
	c->present = 1;
	c->scores_exact = 1;
	msg[0] = '\0';
	c->properties = medfwi_arena_alloc(ps->jr.arena, (json_object_size(o) + 1) * sizeof(*c->properties));
	if (c->properties == NULL)
		return medfwi_jr_alloc_failed(&ps->jr);
	json_object_foreach((json_t *)(uintptr_t)o, k, v) {
		int is_score = strcmp(k, "baseScore") == 0 || strcmp(k, "temporalScore") == 0 ||
			       strcmp(k, "environmentalScore") == 0;

		if (is_score) {
			int t;

			if (!json_is_number(v)) {
				if (msg[0] == '\0')
					snprintf(msg, sizeof(msg), "%s.%s must be a number", p, k);
				continue;
			}
			t = score_tenths(v, &c->scores_exact);
			if (k[0] == 'b') {
				c->has_base_score = 1;
				c->base_score = t;
			} else if (k[0] == 't') {
				c->has_temporal_score = 1;
				c->temporal_score = t;
			} else {
				c->has_environmental_score = 1;
				c->environmental_score = t;
			}
			continue;
		}
		if (!json_is_string(v)) {
			if (msg[0] == '\0')
				snprintf(msg, sizeof(msg), "%s.%s must be a string", p, k);
			continue;
		}
		if (json_string_length(v) > 256)
			return bad(ps, MEDFW_ERR_TOO_LARGE, p, "has a property longer than 256 bytes", NULL);
		{
			const char *s = medfwi_arena_strndup(ps->jr.arena, json_string_value(v),
							     json_string_length(v));

			if (s == NULL)
				return medfwi_jr_alloc_failed(&ps->jr);
			if (strcmp(k, "version") == 0)
				c->version = s;
			else if (strcmp(k, "vectorString") == 0)
				c->vector = s;
			else if (strcmp(k, "baseSeverity") == 0)
				c->base_severity = s;
			else if (strcmp(k, "temporalSeverity") == 0)
				c->temporal_severity = s;
			else if (strcmp(k, "environmentalSeverity") == 0)
				c->environmental_severity = s;
			else {
				c->properties[n].name = medfwi_arena_strndup(ps->jr.arena, k, strlen(k));
				if (c->properties[n].name == NULL)
					return medfwi_jr_alloc_failed(&ps->jr);
				c->properties[n++].value = s;
			}
		}
	}
	c->property_count = n;
	/* FIRST's schema, as test 6.1.8 reads it */
	if (msg[0] == '\0' && c->version == NULL)
		snprintf(msg, sizeof(msg), "%s.version is missing", p);
	if (msg[0] == '\0' && c->vector == NULL)
		snprintf(msg, sizeof(msg), "%s.vectorString is missing", p);
	if (msg[0] == '\0' && !c->has_base_score)
		snprintf(msg, sizeof(msg), "%s.baseScore is missing", p);
	if (msg[0] == '\0' && v3 && c->base_severity == NULL)
		snprintf(msg, sizeof(msg), "%s.baseSeverity is missing", p);
	if (msg[0] == '\0' && !c->scores_exact)
		snprintf(msg, sizeof(msg), "%s: a score is not one of 0.0, 0.1, ..., 10.0", p);
	if (c->vector != NULL) {
		struct medfw_diag d;

		medfw_diag_clear(&d);
		c->vector_valid = medfw_cvss_parse(c->vector, &c->cvss, &d) == MEDFW_OK;
		if (c->vector_valid && (v3 ? (c->cvss.version != MEDFW_CVSS_V30 &&
					      c->cvss.version != MEDFW_CVSS_V31)
					   : c->cvss.version != MEDFW_CVSS_V2)) {
			c->vector_valid = 0;
			snprintf(d.msg, sizeof(d.msg), "a CVSS %s vector in %s",
				 medfw_cvss_version_name(c->cvss.version), key);
		}
		if (!c->vector_valid && msg[0] == '\0')
			snprintf(msg, sizeof(msg), "%s.vectorString: %s", p, d.msg);
	}
	if (msg[0] == '\0' && c->version != NULL && c->vector_valid &&
	    strcmp(c->version, medfw_cvss_version_name(c->cvss.version)) != 0)
		snprintf(msg, sizeof(msg), "%s.version \"%s\" does not match the vector", p,
			 c->version);
	for (i = 0; msg[0] == '\0' && c->vector_valid && i < c->property_count; i++) {
		int ok;
		enum medfw_err e = medfw_cvss_json_property_check(&c->cvss, c->properties[i].name,
								  c->properties[i].value, &ok, NULL);

		if (e == MEDFW_ERR_FIELD_VALUE)
			snprintf(msg, sizeof(msg), "%s.%s: \"%s\" is not an allowed value", p,
				 c->properties[i].name, c->properties[i].value);
	}
	if (msg[0] != '\0') {
		c->problem = medfwi_arena_strndup(ps->jr.arena, msg, strlen(msg));
		if (c->problem == NULL)
			return medfwi_jr_alloc_failed(&ps->jr);
	}
	return MEDFW_OK;
}

static enum medfw_err parse_vulnerability(struct parse *ps, const json_t *it, const char *p,
					  struct medfw_csaf_vulnerability *v)
{
	char q[MEDFWI_PATH_MAX], r[MEDFWI_PATH_MAX];
	json_t *arr, *cwe, *status;
	size_t n, i, s;
	int k;
	enum medfw_err err;

	err = medfwi_jr_expect_object(&ps->jr, it, p);
	if (err == MEDFW_OK && json_object_size(it) == 0)
		return bad(ps, MEDFW_ERR_FIELD_VALUE, p, "is empty", NULL);
	if (err == MEDFW_OK)
		err = str_checked(ps, it, p, "cve", 0, 64, is_cve, "is not a CVE id", &v->cve);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(&ps->jr, it, p, "title", OPT, SHORT_MAX, &v->title);
	if (err == MEDFW_OK)
		err = str_checked(ps, it, p, "discovery_date", 0, 64, is_datetime,
				  "is not an RFC 3339 date-time", &v->discovery_date);
	if (err == MEDFW_OK)
		err = str_checked(ps, it, p, "release_date", 0, 64, is_datetime,
				  "is not an RFC 3339 date-time", &v->release_date);
	if (err == MEDFW_OK)
		err = medfwi_jr_object(&ps->jr, it, p, "cwe", 0, &cwe);
	if (err == MEDFW_OK && cwe != NULL) {
		medfwi_path_key(q, p, "cwe");
		err = str_checked(ps, cwe, q, "id", MEDFWI_REQUIRED, 16, is_cwe, "is not a CWE id",
				  &v->cwe_id);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(&ps->jr, cwe, q, "name", REQ, SHORT_MAX, &v->cwe_name);
	}
	if (err == MEDFW_OK)
		err = parse_notes(ps, it, p, &v->notes, &v->note_count);
	if (err == MEDFW_OK)
		err = parse_references(ps, it, p, &v->references, &v->reference_count);
	if (err == MEDFW_OK)
		err = check_acknowledgments(ps, it, p);
	if (err != MEDFW_OK)
		return err;

	/* ids */
	err = medfwi_jr_array(&ps->jr, it, p, "ids", MEDFWI_NONEMPTY, LIST_MAX, &arr, &n);
	if (err == MEDFW_OK && arr != NULL)
		err = unique_items(ps, arr, p, "ids");
	if (err != MEDFW_OK)
		return err;
	if (arr != NULL) {
		v->ids = medfwi_arena_alloc(ps->jr.arena, n * sizeof(*v->ids));
		if (v->ids == NULL)
			return medfwi_jr_alloc_failed(&ps->jr);
		for (i = 0; i < n; i++) {
			json_t *x = json_array_get(arr, i);

			medfwi_path_item(q, p, "ids", i);
			err = medfwi_jr_expect_object(&ps->jr, x, q);
			if (err == MEDFW_OK)
				err = medfwi_jr_str(&ps->jr, x, q, "system_name", REQ, SHORT_MAX,
						    &v->ids[i].system_name);
			if (err == MEDFW_OK)
				err = medfwi_jr_str(&ps->jr, x, q, "text", REQ, SHORT_MAX, &v->ids[i].text);
			if (err != MEDFW_OK)
				return err;
		}
		v->id_count = n;
	}

	/* involvements */
	err = medfwi_jr_array(&ps->jr, it, p, "involvements", MEDFWI_NONEMPTY, LIST_MAX, &arr, &n);
	if (err == MEDFW_OK && arr != NULL)
		err = unique_items(ps, arr, p, "involvements");
	if (err != MEDFW_OK)
		return err;
	if (arr != NULL) {
		v->involvements = medfwi_arena_alloc(ps->jr.arena, n * sizeof(*v->involvements));
		if (v->involvements == NULL)
			return medfwi_jr_alloc_failed(&ps->jr);
		for (i = 0; i < n; i++) {
			json_t *x = json_array_get(arr, i);
			struct medfw_csaf_involvement *inv = &v->involvements[i];
			int party, st;

			medfwi_path_item(q, p, "involvements", i);
			err = medfwi_jr_expect_object(&ps->jr, x, q);
			if (err == MEDFW_OK)
				err = medfwi_jr_enum(&ps->jr, x, q, "party", MEDFWI_REQUIRED,
						     involvement_parties, &party);
			if (err == MEDFW_OK)
				err = medfwi_jr_enum(&ps->jr, x, q, "status", MEDFWI_REQUIRED,
						     involvement_statuses, &st);
			if (err == MEDFW_OK)
				err = str_checked(ps, x, q, "date", 0, 64, is_datetime,
						  "is not an RFC 3339 date-time", &inv->date);
			if (err == MEDFW_OK)
				err = medfwi_jr_str(&ps->jr, x, q, "summary", OPT, TEXT_MAX, &inv->summary);
			if (err != MEDFW_OK)
				return err;
			inv->party = involvement_parties[party];
			inv->status = involvement_statuses[st];
		}
		v->involvement_count = n;
	}

	/* product_status */
	err = medfwi_jr_object(&ps->jr, it, p, "product_status", 0, &status);
	if (err != MEDFW_OK)
		return err;
	if (status != NULL) {
		medfwi_path_key(q, p, "product_status");
		v->has_product_status = 1;
		if (json_object_size(status) == 0)
			return bad(ps, MEDFW_ERR_FIELD_VALUE, q, "is empty", NULL);
		for (s = 0; s < MEDFW_CSAF_STATUS_COUNT; s++) {
			err = id_list(ps, status, q, status_names[s], 0, &v->status[s], &v->status_count[s]);
			if (err != MEDFW_OK)
				return err;
		}
	}

	/* flags */
	err = medfwi_jr_array(&ps->jr, it, p, "flags", MEDFWI_NONEMPTY, LIST_MAX, &arr, &n);
	if (err == MEDFW_OK && arr != NULL)
		err = unique_items(ps, arr, p, "flags");
	if (err != MEDFW_OK)
		return err;
	if (arr != NULL) {
		v->flags = medfwi_arena_alloc(ps->jr.arena, n * sizeof(*v->flags));
		if (v->flags == NULL)
			return medfwi_jr_alloc_failed(&ps->jr);
		for (i = 0; i < n; i++) {
			json_t *x = json_array_get(arr, i);
			struct medfw_csaf_flag *f = &v->flags[i];

			medfwi_path_item(q, p, "flags", i);
			err = medfwi_jr_expect_object(&ps->jr, x, q);
			if (err == MEDFW_OK)
				err = medfwi_jr_enum(&ps->jr, x, q, "label", MEDFWI_REQUIRED, flag_labels, &k);
			if (err == MEDFW_OK)
				err = str_checked(ps, x, q, "date", 0, 64, is_datetime,
						  "is not an RFC 3339 date-time", &f->date);
			if (err == MEDFW_OK)
				err = id_list(ps, x, q, "product_ids", 0, &f->product_ids,
					      &f->product_id_count);
			if (err == MEDFW_OK)
				err = id_list(ps, x, q, "group_ids", 0, &f->group_ids, &f->group_id_count);
			if (err != MEDFW_OK)
				return err;
			f->label = flag_labels[k];
		}
		v->flag_count = n;
	}

	/* threats */
	err = medfwi_jr_array(&ps->jr, it, p, "threats", MEDFWI_NONEMPTY, LIST_MAX, &arr, &n);
	if (err != MEDFW_OK)
		return err;
	if (arr != NULL) {
		v->threats = medfwi_arena_alloc(ps->jr.arena, n * sizeof(*v->threats));
		if (v->threats == NULL)
			return medfwi_jr_alloc_failed(&ps->jr);
		for (i = 0; i < n; i++) {
			json_t *x = json_array_get(arr, i);
			struct medfw_csaf_threat *t = &v->threats[i];

			medfwi_path_item(q, p, "threats", i);
			err = medfwi_jr_expect_object(&ps->jr, x, q);
			if (err == MEDFW_OK)
				err = medfwi_jr_enum(&ps->jr, x, q, "category", MEDFWI_REQUIRED,
						     threat_categories, &k);
			if (err == MEDFW_OK)
				err = medfwi_jr_str(&ps->jr, x, q, "details", REQ, TEXT_MAX, &t->details);
			if (err == MEDFW_OK)
				err = str_checked(ps, x, q, "date", 0, 64, is_datetime,
						  "is not an RFC 3339 date-time", &t->date);
			if (err == MEDFW_OK)
				err = id_list(ps, x, q, "product_ids", 0, &t->product_ids,
					      &t->product_id_count);
			if (err == MEDFW_OK)
				err = id_list(ps, x, q, "group_ids", 0, &t->group_ids, &t->group_id_count);
			if (err != MEDFW_OK)
				return err;
			t->category = threat_categories[k];
		}
		v->threat_count = n;
	}

	/* remediations */
	err = medfwi_jr_array(&ps->jr, it, p, "remediations", MEDFWI_NONEMPTY, LIST_MAX, &arr, &n);
	if (err != MEDFW_OK)
		return err;
	if (arr != NULL) {
		v->remediations = medfwi_arena_alloc(ps->jr.arena, n * sizeof(*v->remediations));
		if (v->remediations == NULL)
			return medfwi_jr_alloc_failed(&ps->jr);
		for (i = 0; i < n; i++) {
			json_t *x = json_array_get(arr, i), *rr;
			struct medfw_csaf_remediation *m = &v->remediations[i];

			medfwi_path_item(q, p, "remediations", i);
			err = medfwi_jr_expect_object(&ps->jr, x, q);
			if (err == MEDFW_OK)
				err = medfwi_jr_enum(&ps->jr, x, q, "category", MEDFWI_REQUIRED,
						     remediation_categories, &k);
			if (err == MEDFW_OK)
				err = medfwi_jr_str(&ps->jr, x, q, "details", REQ, TEXT_MAX, &m->details);
			if (err == MEDFW_OK)
				err = str_checked(ps, x, q, "date", 0, 64, is_datetime,
						  "is not an RFC 3339 date-time", &m->date);
			if (err == MEDFW_OK)
				err = str_checked(ps, x, q, "url", 0, URL_MAX, is_uri, "is not a URI", &m->url);
			if (err == MEDFW_OK)
				err = medfwi_jr_str_array(&ps->jr, x, q, "entitlements", MEDFWI_NONEMPTY,
							  LIST_MAX, TEXT_MAX, &m->entitlements,
							  &m->entitlement_count);
			if (err == MEDFW_OK)
				err = id_list(ps, x, q, "product_ids", 0, &m->product_ids,
					      &m->product_id_count);
			if (err == MEDFW_OK)
				err = id_list(ps, x, q, "group_ids", 0, &m->group_ids, &m->group_id_count);
			if (err == MEDFW_OK)
				err = medfwi_jr_object(&ps->jr, x, q, "restart_required", 0, &rr);
			if (err == MEDFW_OK && rr != NULL) {
				int rc;

				medfwi_path_key(r, q, "restart_required");
				err = medfwi_jr_enum(&ps->jr, rr, r, "category", MEDFWI_REQUIRED,
						     restart_categories, &rc);
				if (err == MEDFW_OK)
					m->restart_category = restart_categories[rc];
				if (err == MEDFW_OK)
					err = medfwi_jr_str(&ps->jr, rr, r, "details", OPT, TEXT_MAX,
							    &m->restart_details);
			}
			if (err != MEDFW_OK)
				return err;
			m->category = remediation_categories[k];
		}
		v->remediation_count = n;
	}

	/* scores */
	err = medfwi_jr_array(&ps->jr, it, p, "scores", MEDFWI_NONEMPTY, LIST_MAX, &arr, &n);
	if (err != MEDFW_OK)
		return err;
	if (arr != NULL) {
		v->scores = medfwi_arena_alloc(ps->jr.arena, n * sizeof(*v->scores));
		if (v->scores == NULL)
			return medfwi_jr_alloc_failed(&ps->jr);
		for (i = 0; i < n; i++) {
			json_t *x = json_array_get(arr, i);
			struct medfw_csaf_score *sc = &v->scores[i];

			medfwi_path_item(q, p, "scores", i);
			err = medfwi_jr_expect_object(&ps->jr, x, q);
			if (err == MEDFW_OK && json_object_size(x) < 2)
				return bad(ps, MEDFW_ERR_FIELD_VALUE, q,
					   "a score needs products and a CVSS object", NULL);
			if (err == MEDFW_OK)
				err = id_list(ps, x, q, "products", MEDFWI_REQUIRED, &sc->products,
					      &sc->product_count);
			if (err == MEDFW_OK)
				err = parse_cvss(ps, x, q, "cvss_v2", 0, &sc->cvss_v2);
			if (err == MEDFW_OK)
				err = parse_cvss(ps, x, q, "cvss_v3", 1, &sc->cvss_v3);
			if (err != MEDFW_OK)
				return err;
		}
		v->score_count = n;
	}
	return MEDFW_OK;
}

static enum medfw_err parse_vulnerabilities(struct parse *ps, const json_t *root)
{
	struct medfw_csaf_doc *d = ps->doc;
	char p[MEDFWI_PATH_MAX];
	json_t *arr;
	size_t n, i;
	enum medfw_err err;

	err = medfwi_jr_array(&ps->jr, root, "", "vulnerabilities", MEDFWI_NONEMPTY, LIST_MAX, &arr, &n);
	if (err != MEDFW_OK || arr == NULL)
		return err;
	d->has_vulnerabilities = 1;
	d->vulnerabilities = medfwi_arena_alloc(ps->jr.arena, n * sizeof(*d->vulnerabilities));
	if (d->vulnerabilities == NULL)
		return medfwi_jr_alloc_failed(&ps->jr);
	for (i = 0; i < n; i++) {
		medfwi_path_item(p, "", "vulnerabilities", i);
		err = parse_vulnerability(ps, json_array_get(arr, i), p, &d->vulnerabilities[i]);
		if (err != MEDFW_OK)
			return err;
	}
	d->vulnerability_count = n;
	return MEDFW_OK;
}

void medfw_csaf_free(struct medfw_csaf_doc *doc)
{
	struct csaf_priv *priv;

	if (doc == NULL)
		return;
	priv = doc->priv_;
	medfwi_arena_free(&priv->arena);
	free(priv);
}

enum medfw_err medfw_csaf_parse(const uint8_t *data, size_t len, struct medfw_csaf_doc **out,
				struct medfw_diag *diag)
{
	struct csaf_priv *priv;
	struct parse ps;
	json_t *root = NULL;
	enum medfw_err err;

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, WHAT ": no output");
	*out = NULL;
	if (data == NULL && len > 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, WHAT ": no data");
	err = medfw_json_parse(data, len, MEDFW_CSAF_MAX_BYTES, MEDFW_CSAF_MAX_DEPTH, &root, diag);
	if (err != MEDFW_OK)
		return err;
	priv = calloc(1, sizeof(*priv));
	if (priv == NULL) {
		json_decref(root);
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, WHAT ": out of memory");
	}
	medfwi_arena_init(&priv->arena, ARENA_MAX);
	memset(&ps, 0, sizeof(ps));
	ps.jr.arena = &priv->arena;
	ps.jr.diag = diag;
	ps.jr.what = WHAT;
	ps.doc = medfwi_arena_alloc(&priv->arena, sizeof(*ps.doc));
	if (ps.doc == NULL) {
		err = medfwi_jr_alloc_failed(&ps.jr);
		free(priv);
		json_decref(root);
		return err;
	}
	ps.doc->priv_ = priv;
	err = medfwi_jr_expect_object(&ps.jr, root, "");
	if (err == MEDFW_OK)
		err = parse_document(&ps, root);
	if (err == MEDFW_OK)
		err = parse_product_tree(&ps, root, priv);
	if (err == MEDFW_OK)
		err = parse_vulnerabilities(&ps, root);
	free(ps.prods);
	json_decref(root);
	if (err != MEDFW_OK) {
		medfw_csaf_free(ps.doc);
		return err;
	}
	*out = ps.doc;
	return MEDFW_OK;
}

const struct medfw_csaf_product *medfw_csaf_product_find(const struct medfw_csaf_doc *doc,
							 const char *product_id)
{
	const struct csaf_priv *priv;
	size_t lo = 0, hi, mid;
	int c;

	if (doc == NULL || product_id == NULL)
		return NULL;
	priv = doc->priv_;
	hi = priv->by_id_count;
	while (lo < hi) { /* the first element not below product_id */
		mid = lo + (hi - lo) / 2;
		c = strcmp(priv->by_id[mid]->product_id, product_id);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < priv->by_id_count && strcmp(priv->by_id[lo]->product_id, product_id) == 0)
		return priv->by_id[lo];
	return NULL;
}

const struct medfw_csaf_group *medfw_csaf_group_find(const struct medfw_csaf_doc *doc,
						     const char *group_id)
{
	const struct csaf_priv *priv;
	size_t lo = 0, hi, mid;

	if (doc == NULL || group_id == NULL)
		return NULL;
	priv = doc->priv_;
	hi = priv->groups_by_id_count;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(priv->groups_by_id[mid]->group_id, group_id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < priv->groups_by_id_count && strcmp(priv->groups_by_id[lo]->group_id, group_id) == 0)
		return priv->groups_by_id[lo];
	return NULL;
}

const struct medfw_csaf_cvss *medfw_csaf_cvss_for(const struct medfw_csaf_doc *doc,
						  size_t vuln_index, const char *product_id)
{
	const struct medfw_csaf_vulnerability *v;
	size_t i, j, w;

	if (doc == NULL || product_id == NULL || vuln_index >= doc->vulnerability_count)
		return NULL;
	v = &doc->vulnerabilities[vuln_index];
	for (w = 0; w < 2; w++) {
		for (i = 0; i < v->score_count; i++) {
			const struct medfw_csaf_cvss *c = w == 0 ? &v->scores[i].cvss_v3
							       : &v->scores[i].cvss_v2;

			if (!c->present || !c->vector_valid)
				continue;
			for (j = 0; j < v->scores[i].product_count; j++)
				if (strcmp(v->scores[i].products[j], product_id) == 0)
					return c;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------- evaluation */

/* Copy with truncation. */
static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (cap == 0)
		return;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void put(char *buf, size_t cap, const char *fmt, ...) MEDFW_PRINTF(3, 4);

static void put(char *buf, size_t cap, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 1 >= cap)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, cap - len, fmt, ap);
	va_end(ap);
}

enum mkind {
	M_NONE = 0,
	M_IN = 1,    /* the product denotes the component at its version */
	M_OUT = 2,   /* same identity, the version is decidably not the product's */
	M_UNDET = 3, /* same identity, the version cannot be decided */
};

struct match {
	enum mkind kind;
	char how[200];
	char cmp[300];
	char version[MEDFW_VERSION_MAX_LEN + 1]; /* the product's exact version, "" if none */
	enum medfw_version_scheme scheme;
};

struct eval {
	const struct medfw_csaf_doc *doc;
	const struct medfw_vuln_component *c;
	const struct medfw_purl *cp;
	const struct medfw_csaf_product_map *map;
	size_t map_count;
};

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Is V in a range given as vers text or as a vls constraint list of `type`? */
static void range_test(const char *range, const char *type, const char *v, struct match *m)
{
	char text[1024], q[64];
	enum medfw_vers_result res = MEDFW_VERS_UNDETERMINED;
	struct medfw_diag d;

	if (starts_with(range, "vers:"))
		snprintf(text, sizeof(text), "%s", range);
	else
		snprintf(text, sizeof(text), "vers:%s/%s", type, range);
	medfw_diag_clear(&d);
	if (medfw_vers_contains_text(text, v, &res, &d) != MEDFW_OK)
		res = MEDFW_VERS_UNDETERMINED;
	medfwi_quote(v, q, sizeof(q));
	if (res == MEDFW_VERS_AFFECTED) {
		m->kind = M_IN;
		put(m->cmp, sizeof(m->cmp), "%s in %s", q, text);
	} else if (res == MEDFW_VERS_NOT_AFFECTED) {
		m->kind = M_OUT;
		put(m->cmp, sizeof(m->cmp), "%s not in %s", q, text);
	} else {
		m->kind = M_UNDET;
		put(m->cmp, sizeof(m->cmp), "%s against \"%s\": %s", q, range, d.msg);
	}
}

/* V against one exact version in `scheme`. */
static void exact_test(const char *exact, enum medfw_version_scheme s, const char *v,
		       struct match *m)
{
	char q[64];
	int c = 0;
	struct medfw_diag d;

	snprintf(m->version, sizeof(m->version), "%s", exact);
	m->scheme = s;
	medfwi_quote(v, q, sizeof(q));
	if (strcmp(exact, v) == 0) {
		m->kind = M_IN;
		put(m->cmp, sizeof(m->cmp), "version %s is the product's version", q);
		return;
	}
	medfw_diag_clear(&d);
	if (medfw_version_compare(s, v, exact, &c, &d) != MEDFW_OK) {
		m->kind = M_UNDET;
		put(m->cmp, sizeof(m->cmp), "%s against product version %s: %s", q, exact, d.msg);
		return;
	}
	m->kind = c == 0 ? M_IN : M_OUT;
	put(m->cmp, sizeof(m->cmp), "%s %s %s %s", medfw_version_scheme_name(s), q,
	    c == 0 ? "==" : "!=", exact);
}

/* The product's own version or range (branch path), in vers type `type`. */
static void own_version(const struct medfw_csaf_product *p, const char *type, const char *v,
			struct match *m)
{
	const char *range = p->version_range, *exact = p->version;
	enum medfw_version_scheme s = medfw_version_scheme_from_name(type);

	if (v == NULL || v[0] == '\0') {
		m->kind = M_UNDET;
		put(m->cmp, sizeof(m->cmp), "the component has no version");
		return;
	}
	if (range == NULL && exact != NULL && starts_with(exact, "vers:")) {
		range = exact; /* vers text written as a product_version (ICSMA) */
		exact = NULL;
	}
	if (range != NULL) {
		range_test(range, type, v, m);
		return;
	}
	if (exact != NULL) {
		exact_test(exact, s, v, m);
		return;
	}
	m->kind = M_IN;
	put(m->cmp, sizeof(m->cmp), "the product names no version (every version)");
}

static int map_matches(const struct medfw_csaf_product_map *e, const struct medfw_csaf_product *p,
		       const struct medfw_vuln_component *c)
{
	if (e->model == NULL || e->advisory_product == NULL || c->name == NULL ||
	    strcmp(e->model, c->name) != 0)
		return 0;
	if (e->vendor != NULL && (p->vendor == NULL || strcmp(e->vendor, p->vendor) != 0))
		return 0;
	return strcmp(e->advisory_product, p->name) == 0 ||
	       (p->product_name != NULL && strcmp(e->advisory_product, p->product_name) == 0);
}

static void match_product(const struct eval *ev, const struct medfw_csaf_product *p, int depth,
			  struct match *m);

static void match_purl(const struct eval *ev, const struct medfw_csaf_product *p, struct match *m)
{
	struct medfw_purl *pp = NULL;
	enum medfw_purl_match pm = MEDFW_PURL_MATCH_UNDETERMINED;
	enum medfw_version_scheme s;
	struct medfw_diag d;
	int c = 0;

	if (medfw_purl_parse(p->helper.purl, MEDFW_PURL_LENIENT, &pp, NULL) != MEDFW_OK)
		return;
	if (!medfw_purl_same_package(pp, ev->cp)) {
		medfw_purl_free(pp);
		return;
	}
	put(m->how, sizeof(m->how), "purl %s", p->helper.purl);
	if (pp->version == NULL) {
		own_version(p, ev->cp->type, ev->c->version, m);
		medfw_purl_free(pp);
		return;
	}
	s = medfw_purl_version_scheme(pp->type);
	snprintf(m->version, sizeof(m->version), "%s", pp->version);
	m->scheme = s;
	if (ev->cp->version == NULL) {
		m->kind = M_UNDET;
		put(m->cmp, sizeof(m->cmp), "the component purl has no version");
	} else if (strcmp(pp->version, ev->cp->version) != 0 &&
		   (medfw_version_compare(s, ev->cp->version, pp->version, &c, NULL) != MEDFW_OK)) {
		m->kind = M_UNDET;
		put(m->cmp, sizeof(m->cmp), "versions %s and %s cannot be compared", ev->cp->version,
		    pp->version);
	} else if (c != 0) {
		m->kind = M_OUT;
		put(m->cmp, sizeof(m->cmp), "%s %s != %s", medfw_version_scheme_name(s),
		    ev->cp->version, pp->version);
	} else {
		medfw_diag_clear(&d);
		if (medfw_purl_match(pp, ev->cp, &pm, &d) != MEDFW_OK)
			pm = MEDFW_PURL_MATCH_UNDETERMINED;
		if (pm == MEDFW_PURL_MATCH) {
			m->kind = M_IN;
			put(m->cmp, sizeof(m->cmp), "purl matches at version %s", ev->cp->version);
		} else if (pm == MEDFW_PURL_NO_MATCH) {
			m->kind = M_NONE; /* same version, another build (qualifiers) */
			m->how[0] = '\0';
		} else {
			m->kind = M_UNDET;
			put(m->cmp, sizeof(m->cmp), "%s", d.msg);
		}
	}
	medfw_purl_free(pp);
}

static void match_cpe(const struct eval *ev, const struct medfw_csaf_product *p, struct match *m)
{
	char pn[1024], cn[1024], pb[1024], cb[1024], *pf[13], *cf[13];
	size_t i, k;
	int open_attr;

	if (!cpe_normalize(p->helper.cpe, pn, sizeof(pn)))
		return;
	for (i = 0; i < ev->c->cpe_count; i++) {
		if (ev->c->cpes[i] == NULL || !cpe_normalize(ev->c->cpes[i], cn, sizeof(cn)))
			continue;
		if (strcmp(pn, cn) == 0) {
			m->kind = M_IN;
			put(m->how, sizeof(m->how), "cpe %s", p->helper.cpe);
			put(m->cmp, sizeof(m->cmp), "the component's CPE is the product's");
			return;
		}
		memcpy(pb, pn, sizeof(pb));
		memcpy(cb, cn, sizeof(cb));
		open_attr = 0;
		if (!cpe_split(pb, pf) || !cpe_split(cb, cf))
			continue;
		if (strcmp(pf[2], cf[2]) != 0 || strcmp(pf[3], cf[3]) != 0 || strcmp(pf[4], cf[4]) != 0)
			continue;
		/* the other attributes: a value on both sides that differs is another
		 * product; ANY on one side only leaves it open */
		for (k = 6; k < 13; k++) {
			if (strcmp(pf[k], cf[k]) == 0)
				continue;
			if (strcmp(pf[k], "*") != 0 && strcmp(cf[k], "*") != 0)
				break;
			open_attr = 1;
		}
		if (k < 13)
			continue;
		put(m->how, sizeof(m->how), "cpe %s", p->helper.cpe);
		if (open_attr) {
			m->kind = M_UNDET;
			put(m->cmp, sizeof(m->cmp),
			    "the CPEs differ in an attribute one of them leaves open (ANY)");
		} else if (strcmp(pf[5], "*") == 0) {
			own_version(p, "generic", ev->c->version, m);
		} else if (strcmp(pf[5], "-") != 0 && strcmp(cf[5], "*") != 0 &&
			   strcmp(cf[5], "-") != 0) {
			exact_test(pf[5], MEDFW_VERSION_SCHEME_GENERIC, cf[5], m);
		} else {
			m->kind = M_UNDET;
			put(m->cmp, sizeof(m->cmp), "CPE versions %s and %s cannot be compared", pf[5],
			    cf[5]);
		}
		return;
	}
}

static void match_product(const struct eval *ev, const struct medfw_csaf_product *p, int depth,
			  struct match *m)
{
	const struct medfw_vuln_component *c = ev->c;
	size_t i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < ev->map_count; i++) {
		const struct medfw_csaf_product_map *e = &ev->map[i];

		if (!map_matches(e, p, c))
			continue;
		put(m->how, sizeof(m->how), "product mapping \"%s\" -> %s", e->advisory_product, e->model);
		if (c->version == NULL || c->version[0] == '\0') {
			m->kind = M_UNDET;
			put(m->cmp, sizeof(m->cmp), "the component has no version");
		} else if (e->versions != NULL) {
			range_test(e->versions, "generic", c->version, m);
		} else {
			own_version(p, e->scheme != NULL ? e->scheme : "generic", c->version, m);
		}
		return;
	}
	if (p->has_helper && p->helper.purl != NULL && ev->cp != NULL) {
		match_purl(ev, p, m);
		if (m->kind != M_NONE)
			return;
		memset(m, 0, sizeof(*m));
	}
	if (p->has_helper && p->helper.cpe != NULL && c->cpe_count > 0) {
		match_cpe(ev, p, m);
		if (m->kind != M_NONE)
			return;
		memset(m, 0, sizeof(*m));
	}
	if (p->has_helper && c->name != NULL) {
		for (i = 0; i < p->helper.model_number_count; i++) {
			if (strcmp(p->helper.model_numbers[i], c->name) != 0)
				continue;
			put(m->how, sizeof(m->how), "model number %s", c->name);
			own_version(p, "generic", c->version, m);
			return;
		}
	}
	if (p->origin == MEDFW_CSAF_FROM_RELATIONSHIP && p->component != NULL && depth < REL_DEPTH_MAX) {
		struct match inner;

		match_product(ev, p->component, depth + 1, &inner);
		if (inner.kind == M_NONE)
			return;
		*m = inner;
		m->how[0] = '\0';
		put(m->how, sizeof(m->how), "%s, as %s %s", inner.how, p->relationship,
		    p->platform != NULL ? p->platform->name : p->relates_to_product_reference);
	}
}

static int id_in(const char *const *ids, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(ids[i], id) == 0)
			return 1;
	return 0;
}

/* Do product_ids / group_ids name product `id`? */
static int covers(const struct medfw_csaf_doc *doc, const char *const *pids, size_t np,
		  const char *const *gids, size_t ng, const char *id)
{
	size_t i;

	if (id_in(pids, np, id))
		return 1;
	for (i = 0; i < ng; i++) {
		const struct medfw_csaf_group *g = medfw_csaf_group_find(doc, gids[i]);

		if (g != NULL && id_in(g->product_ids, g->product_id_count, id))
			return 1;
	}
	return 0;
}

int medfwi_csaf_covers(const struct medfw_csaf_doc *doc, const char *const *pids, size_t np,
		       const char *const *gids, size_t ng, const char *id)
{
	return covers(doc, pids, np, gids, ng, id);
}

enum medfw_err medfwi_csaf_denotes(const struct medfw_csaf_doc *doc,
				   const struct medfw_csaf_product *p,
				   const struct medfw_vuln_component *c,
				   const struct medfw_csaf_product_map *map, size_t map_count,
				   enum medfwi_csaf_denotes *out, char *how, size_t how_cap)
{
	struct medfw_purl *cp = NULL;
	struct eval ev;
	struct match m;

	*out = MEDFWI_CSAF_NONE;
	if (how_cap > 0)
		how[0] = '\0';
	if (c->purl != NULL && c->purl[0] != '\0' &&
	    medfw_purl_parse(c->purl, MEDFW_PURL_LENIENT, &cp, NULL) == MEDFW_ERR_NOMEM)
		return MEDFW_ERR_NOMEM;
	ev.doc = doc;
	ev.c = c;
	ev.cp = cp;
	ev.map = map;
	ev.map_count = map_count;
	match_product(&ev, p, 0, &m);
	medfw_purl_free(cp);
	switch (m.kind) {
	case M_IN:
		*out = MEDFWI_CSAF_IN;
		break;
	case M_OUT:
		*out = MEDFWI_CSAF_OUT;
		break;
	case M_UNDET:
		*out = MEDFWI_CSAF_UNDET;
		break;
	case M_NONE:
		return MEDFW_OK;
	}
	if (how_cap > 0)
		snprintf(how, how_cap, "%s; %s", m.how, m.cmp);
	return MEDFW_OK;
}

enum sgroup {
	G_AFFECTED = 0,
	G_NOT_AFFECTED = 1,
	G_FIXED = 2,
	G_INVESTIGATION = 3,
	G_NONE = 4,
};

static enum sgroup group_of(size_t s)
{
	switch (s) {
	case MEDFW_CSAF_FIRST_AFFECTED:
	case MEDFW_CSAF_KNOWN_AFFECTED:
	case MEDFW_CSAF_LAST_AFFECTED:
		return G_AFFECTED;
	case MEDFW_CSAF_KNOWN_NOT_AFFECTED:
		return G_NOT_AFFECTED;
	case MEDFW_CSAF_FIRST_FIXED:
	case MEDFW_CSAF_FIXED:
		return G_FIXED;
	case MEDFW_CSAF_UNDER_INVESTIGATION:
		return G_INVESTIGATION;
	default:
		return G_NONE;
	}
}

/* Is product `id` listed in a status group other than `g`? (6.1.6) */
static int contradicts(const struct medfw_csaf_vulnerability *v, enum sgroup g, const char *id)
{
	size_t s;

	for (s = 0; s < MEDFW_CSAF_STATUS_COUNT; s++) {
		enum sgroup o = group_of(s);

		if (o != G_NONE && o != g && id_in(v->status[s], v->status_count[s], id))
			return 1;
	}
	return 0;
}

/* The impact statement for a not-affected product: flag labels and impact threats.
 * Returns 1 when there is at least one. */
static int justification(const struct medfw_csaf_doc *doc, const struct medfw_csaf_vulnerability *v,
			 const char *id, char *out, size_t cap)
{
	size_t i;
	int found = 0;

	for (i = 0; i < v->flag_count; i++) {
		const struct medfw_csaf_flag *f = &v->flags[i];

		if (covers(doc, f->product_ids, f->product_id_count, f->group_ids, f->group_id_count, id)) {
			put(out, cap, "; flag %s", f->label);
			found = 1;
		}
	}
	for (i = 0; i < v->threat_count; i++) {
		const struct medfw_csaf_threat *t = &v->threats[i];

		if (strcmp(t->category, "impact") == 0 &&
		    covers(doc, t->product_ids, t->product_id_count, t->group_ids, t->group_id_count, id)) {
			put(out, cap, "; impact: %s", t->details);
			found = 1;
		}
	}
	return found;
}

static void vuln_label(const struct medfw_csaf_vulnerability *v, size_t index, char *out, size_t cap)
{
	if (v->cve != NULL)
		snprintf(out, cap, "%s", v->cve);
	else if (v->id_count > 0)
		snprintf(out, cap, "%s %s", v->ids[0].system_name, v->ids[0].text);
	else
		snprintf(out, cap, "vulnerabilities[%zu]", index);
}

/* The version of a fixed product of the same identity above the component's. */
static void find_fixed_version(const struct eval *ev, const struct medfw_csaf_vulnerability *v,
			       char *out, size_t cap)
{
	static const size_t fixed_lists[] = {MEDFW_CSAF_FIRST_FIXED, MEDFW_CSAF_FIXED};
	struct match m;
	size_t k, i;
	int c;

	for (k = 0; k < COUNT(fixed_lists); k++) {
		size_t s = fixed_lists[k];

		for (i = 0; i < v->status_count[s]; i++) {
			const struct medfw_csaf_product *p = medfw_csaf_product_find(ev->doc, v->status[s][i]);

			if (p == NULL)
				continue;
			match_product(ev, p, 0, &m);
			if (m.kind != M_OUT || m.version[0] == '\0' || ev->c->version == NULL)
				continue;
			if (medfw_version_compare(m.scheme, ev->c->version, m.version, &c, NULL) == MEDFW_OK &&
			    c < 0) {
				copy_str(out, cap, m.version);
				return;
			}
		}
	}
}

struct candidate {
	int set;
	struct medfw_vuln_verdict v;
};

static void make(struct candidate *cand, enum medfw_vuln_outcome o, const char *rule,
		 const struct match *m, const char *extra)
{
	if (cand->set)
		return;
	cand->set = 1;
	memset(&cand->v, 0, sizeof(cand->v));
	cand->v.outcome = o;
	put(cand->v.rule, sizeof(cand->v.rule), "%s", rule);
	put(cand->v.comparison, sizeof(cand->v.comparison), "%s; %s%s", m->how, m->cmp, extra);
}

enum medfw_err medfw_csaf_evaluate(const struct medfw_csaf_doc *doc, size_t vuln_index,
				   const struct medfw_vuln_component *c,
				   const struct medfw_csaf_product_map *map, size_t map_count,
				   struct medfw_vuln_verdict *out, struct medfw_diag *diag)
{
	/* the order in which status lists are looked at */
	static const size_t order[] = {
		MEDFW_CSAF_KNOWN_AFFECTED, MEDFW_CSAF_FIRST_AFFECTED, MEDFW_CSAF_LAST_AFFECTED,
		MEDFW_CSAF_UNDER_INVESTIGATION, MEDFW_CSAF_KNOWN_NOT_AFFECTED, MEDFW_CSAF_FIXED,
		MEDFW_CSAF_FIRST_FIXED,
	};
	const struct medfw_csaf_vulnerability *v;
	struct medfw_purl *cp = NULL;
	struct candidate aff, und, na, na_out;
	int affected_identity = 0; /* an affected product has the component's identity */
	struct eval ev;
	struct match m;
	char label[160], rule[MEDFW_VULN_EVIDENCE_MAX], extra[MEDFW_VULN_EVIDENCE_MAX];
	size_t k, i;
	enum medfw_err err;

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "csaf evaluate: no output");
	memset(out, 0, sizeof(*out));
	if (doc == NULL || c == NULL || (map == NULL && map_count > 0) ||
	    vuln_index >= doc->vulnerability_count)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "csaf evaluate: no document, component or vulnerability %zu",
				      vuln_index);
	if (c->purl != NULL && c->purl[0] != '\0') {
		err = medfw_purl_parse(c->purl, MEDFW_PURL_LENIENT, &cp, NULL);
		if (err == MEDFW_ERR_NOMEM)
			return medfw_diag_set(diag, err, "csaf evaluate: out of memory");
	}
	v = &doc->vulnerabilities[vuln_index];
	ev.doc = doc;
	ev.c = c;
	ev.cp = cp;
	ev.map = map;
	ev.map_count = map_count;
	memset(&aff, 0, sizeof(aff));
	memset(&und, 0, sizeof(und));
	memset(&na, 0, sizeof(na));
	memset(&na_out, 0, sizeof(na_out));
	vuln_label(v, vuln_index, label, sizeof(label));
	for (k = 0; k < COUNT(order) && !aff.set; k++) {
		size_t s = order[k];
		enum sgroup g = group_of(s);

		for (i = 0; i < v->status_count[s] && !aff.set; i++) {
			const char *id = v->status[s][i];
			const struct medfw_csaf_product *p = medfw_csaf_product_find(doc, id);
			int contra;

			if (p == NULL)
				continue; /* undefined product id: test 6.1.1 */
			match_product(&ev, p, 0, &m);
			if (m.kind == M_NONE)
				continue;
			rule[0] = '\0';
			put(rule, sizeof(rule), "%s %s product_status.%s %s (%s)", doc->tracking_id, label,
			    status_names[s], id, p->name);
			contra = contradicts(v, g, id);
			extra[0] = '\0';
			if (g == G_AFFECTED)
				affected_identity = 1;
			if (m.kind == M_UNDET) {
				make(&und, MEDFW_VULN_UNDETERMINED, rule, &m, "");
			} else if (m.kind == M_IN && contra) {
				make(&und, MEDFW_VULN_UNDETERMINED, rule, &m,
				     "; the product is in contradicting status groups (6.1.6)");
			} else if (m.kind == M_IN && g == G_AFFECTED) {
				for (size_t r = 0; r < v->remediation_count; r++) {
					const struct medfw_csaf_remediation *rm = &v->remediations[r];

					if (covers(doc, rm->product_ids, rm->product_id_count, rm->group_ids,
						   rm->group_id_count, id)) {
						put(extra, sizeof(extra), "; remediation %s", rm->category);
						break;
					}
				}
				make(&aff, MEDFW_VULN_AFFECTED, rule, &m, extra);
				find_fixed_version(&ev, v, aff.v.fixed_version, sizeof(aff.v.fixed_version));
			} else if (m.kind == M_IN && g == G_INVESTIGATION) {
				make(&und, MEDFW_VULN_UNDETERMINED, rule, &m, "; under investigation");
			} else if (m.kind == M_IN && g == G_NOT_AFFECTED) {
				if (justification(doc, v, id, extra, sizeof(extra)) ||
				    strcmp(doc->category, "csaf_vex") != 0)
					make(&na, MEDFW_VULN_NOT_AFFECTED, rule, &m, extra);
				else
					make(&und, MEDFW_VULN_UNDETERMINED, rule, &m,
					     "; known_not_affected without the impact statement the VEX "
					     "profile requires (6.1.27.9)");
			} else if (m.kind == M_IN && g == G_FIXED) {
				make(&na, MEDFW_VULN_NOT_AFFECTED, rule, &m, "; fixed");
			} else if (m.kind == M_OUT && g == G_AFFECTED) {
				make(&na_out, MEDFW_VULN_NOT_AFFECTED, rule, &m,
				     "; outside the affected product's versions");
			} else if (m.kind == M_OUT && g == G_FIXED && m.version[0] != '\0' &&
				   c->version != NULL) {
				int cmp = 0;

				if (medfw_version_compare(m.scheme, c->version, m.version, &cmp, NULL) ==
					    MEDFW_OK &&
				    cmp < 0 && !affected_identity) {
					make(&und, MEDFW_VULN_UNDETERMINED, rule, &m,
					     "; older than this fixed version, and the document lists "
					     "no affected version");
					copy_str(und.v.fixed_version, sizeof(und.v.fixed_version),
						 m.version);
				}
			}
		}
	}
	medfw_purl_free(cp);
	if (aff.set)
		*out = aff.v;
	else if (und.set)
		*out = und.v;
	else if (na.set)
		*out = na.v; /* an explicit statement before a version outside a range */
	else if (na_out.set)
		*out = na_out.v;
	else
		out->outcome = MEDFW_VULN_NOT_RELEVANT;
	return MEDFW_OK;
}
