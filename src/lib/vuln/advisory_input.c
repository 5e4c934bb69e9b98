/* The advisory input file: strict, bounded parsing (include/medfw/advisory.h,
 * docs/advisories.md). */
#include "medfw/advisory.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/buf.h"
#include "medfw/cpe.h"
#include "medfw/json.h"
#include "medfw/purl.h"
#include "medfw/udi.h"
#include "vuln/advjson_int.h"

#define WHAT "advisory input"
#define ARENA_MAX (64u * 1024u * 1024u)
#define MAX_DEPTH 16u
#define PRODUCT_ID_MAX 64u
#define PATH_MAX_ 4096u

#define REQ (MEDFWI_REQUIRED | MEDFWI_NONEMPTY)

struct storage {
	struct medfwi_arena arena;
	struct medfw_release_notice **notices;
	size_t notice_count;
};

struct parser {
	struct medfwi_jr jr;
	const char *base_dir;
	medfw_advisory_resolve_fn resolve; /* NULL: notices from the input */
	void *resolve_user;
	struct storage *st;
	size_t notice_cap;
};

void medfw_advisory_input_free(struct medfw_advisory_input *in)
{
	struct storage *st;
	size_t i;

	if (in == NULL)
		return;
	st = in->priv_;
	if (st != NULL) {
		for (i = 0; i < st->notice_count; i++)
			medfw_notice_free(st->notices[i]);
		free(st->notices);
		medfwi_arena_free(&st->arena);
		free(st);
	}
	free(in);
}

/* ------------------------------------------------------------ checks */

static enum medfw_err known_keys(const struct parser *ps, const json_t *obj, const char *path,
				 const char *const *allowed)
{
	const char *key;
	json_t *v;
	char q[64];
	size_t i;

	json_object_foreach((json_t *)(uintptr_t)obj, key, v) {
		(void)v;
		for (i = 0; allowed[i] != NULL && strcmp(allowed[i], key) != 0; i++)
			;
		if (allowed[i] == NULL)
			return medfw_diag_set(ps->jr.diag, MEDFW_ERR_FIELD_VALUE,
					      WHAT ": %s: unknown field \"%s\"",
					      path[0] != '\0' ? path : "the document",
					      medfwi_quote(key, q, sizeof(q)));
	}
	return MEDFW_OK;
}

static enum medfw_err bad(const struct parser *ps, const char *path, const char *key,
			  const char *why)
{
	char p[MEDFWI_PATH_MAX];

	medfwi_path_key(p, path, key);
	return medfw_diag_set(ps->jr.diag, MEDFW_ERR_FIELD_VALUE, WHAT ": %s: %s", p, why);
}

/* Free text: no control characters but newline and tab (when multi-line), not
 * blank. */
static int text_ok(const char *s, int multiline)
{
	int blank = 1;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f) {
			if (!multiline || (c != '\n' && c != '\t'))
				return 0;
		} else if (c != ' ') {
			blank = 0;
		}
	}
	return !blank;
}

/* A text field; single-line texts also must not start or end with a space. */
static enum medfw_err get_text(const struct parser *ps, const json_t *obj, const char *path,
			       const char *key, unsigned flags, size_t max, int multiline,
			       const char **out)
{
	enum medfw_err err = medfwi_jr_str(&ps->jr, obj, path, key, flags | MEDFWI_NONEMPTY, max,
					   out);
	size_t n;

	if (err != MEDFW_OK || *out == NULL)
		return err;
	if (!text_ok(*out, multiline))
		return bad(ps, path, key,
			   multiline ? "is blank or has control characters (other than newline "
				       "and tab)"
				     : "is blank or has control characters (one line of text)");
	n = strlen(*out);
	if (!multiline && ((*out)[0] == ' ' || (*out)[n - 1] == ' '))
		return bad(ps, path, key, "starts or ends with a space");
	return MEDFW_OK;
}

/* A list of texts (each checked like get_text), unique. */
static enum medfw_err get_text_list(const struct parser *ps, const json_t *obj,
				    const char *path, const char *key, size_t max_items,
				    size_t max_len, int multiline, const char ***out,
				    size_t *count)
{
	char p[MEDFWI_PATH_MAX];
	enum medfw_err err;
	size_t i;

	err = medfwi_jr_str_array(&ps->jr, obj, path, key, MEDFWI_NONEMPTY | MEDFWI_UNIQUE,
				  max_items, max_len, out, count);
	for (i = 0; err == MEDFW_OK && i < *count; i++) {
		if (!text_ok((*out)[i], multiline)) {
			medfwi_path_item(p, path, key, i);
			err = medfw_diag_set(ps->jr.diag, MEDFW_ERR_FIELD_VALUE,
					     WHAT ": %s: is blank or has control characters", p);
		}
	}
	return err;
}

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* [A-Za-z0-9][A-Za-z0-9<extra>]* (lowercase letters only when lower). */
static int ident_ok(const char *s, const char *extra, int lower)
{
	size_t i;

	if (!is_alnum(s[0]))
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (lower && s[i] >= 'A' && s[i] <= 'Z')
			return 0;
		if (!is_alnum(s[i]) && (i == 0 || strchr(extra, s[i]) == NULL))
			return 0;
	}
	return 1;
}

/* http(s)://host... with only RFC 3986 characters (no quote, space, <, >, \, `). */
static int url_ok(const char *s)
{
	static const char allowed[] = "-._~:/?#[]@!$&()*+,;=%";
	const char *rest;
	size_t i;

	if (strncmp(s, "https://", 8) == 0)
		rest = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		rest = s + 7;
	else
		return 0;
	if (rest[0] == '\0' || rest[0] == '/' || rest[0] == '?' || rest[0] == '#')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!is_alnum(s[i]) && strchr(allowed, s[i]) == NULL)
			return 0;
	return 1;
}

static enum medfw_err get_url(const struct parser *ps, const json_t *obj, const char *path,
			      const char *key, unsigned flags, const char **out)
{
	enum medfw_err err = medfwi_jr_str(&ps->jr, obj, path, key, flags | MEDFWI_NONEMPTY,
					   MEDFW_ADVISORY_URL_MAX, out);

	if (err == MEDFW_OK && *out != NULL && !url_ok(*out))
		return bad(ps, path, key,
			   "is not an http(s) URL (RFC 3986 characters only, percent-encode "
			   "the others)");
	return err;
}

/* A CSAF version_t: an integer without leading zeros, or semantic versioning. */
static int version_t_ok(const char *s)
{
	size_t i, parts = 1;
	int digits = 0;

	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++)
		;
	if (i > 0 && s[i] == '\0')
		return s[0] != '0' || i == 1;
	for (i = 0; s[i] != '\0' && s[i] != '-' && s[i] != '+'; i++) {
		if (s[i] == '.') {
			if (!digits)
				return 0;
			parts++;
			digits = 0;
		} else if (s[i] >= '0' && s[i] <= '9') {
			if (digits == 1 && s[i - 1] == '0')
				return 0; /* leading zero */
			digits = digits > 0 ? 2 : 1;
		} else {
			return 0;
		}
	}
	if (!digits || parts != 3)
		return 0;
	for (; s[i] != '\0'; i++)
		if (!is_alnum(s[i]) && s[i] != '.' && s[i] != '-' && s[i] != '+')
			return 0;
	return 1;
}

static char *arena_dup(struct parser *ps, const char *s)
{
	return medfwi_arena_strndup(ps->jr.arena, s, strlen(s));
}

/* ------------------------------------------------------------ parts */

static enum medfw_err parse_links(struct parser *ps, const json_t *obj, const char *path,
				  struct medfw_advisory_link **out, size_t *count)
{
	static const char *const keys[] = {"url", "summary", NULL};
	char p[MEDFWI_PATH_MAX];
	json_t *arr;
	size_t n, i;
	enum medfw_err err;

	*out = NULL;
	*count = 0;
	err = medfwi_jr_array(&ps->jr, obj, path, "references", MEDFWI_NONEMPTY,
			      MEDFW_ADVISORY_LIST_MAX, &arr, &n);
	if (err != MEDFW_OK || arr == NULL)
		return err;
	*out = medfwi_arena_alloc(ps->jr.arena, n * sizeof(**out));
	if (*out == NULL)
		return medfwi_jr_alloc_failed(&ps->jr);
	for (i = 0; i < n; i++) {
		const json_t *l = json_array_get(arr, i);

		medfwi_path_item(p, path, "references", i);
		err = medfwi_jr_expect_object(&ps->jr, l, p);
		if (err == MEDFW_OK)
			err = known_keys(ps, l, p, keys);
		if (err == MEDFW_OK)
			err = get_url(ps, l, p, "url", MEDFWI_REQUIRED, &(*out)[i].url);
		if (err == MEDFW_OK)
			err = get_text(ps, l, p, "summary", MEDFWI_REQUIRED, MEDFW_ADVISORY_NAME_MAX,
				       0, &(*out)[i].summary);
		if (err != MEDFW_OK)
			return err;
	}
	*count = n;
	return MEDFW_OK;
}

static enum medfw_err parse_publisher(struct parser *ps, const json_t *root,
				      struct medfw_advisory_input *in)
{
	static const char *const keys[] = {"name", "namespace", "contact", "issuing_authority",
					   NULL};
	json_t *o;
	enum medfw_err err;

	err = medfwi_jr_object(&ps->jr, root, "", "publisher", MEDFWI_REQUIRED, &o);
	if (err == MEDFW_OK)
		err = known_keys(ps, o, "publisher", keys);
	if (err == MEDFW_OK)
		err = get_text(ps, o, "publisher", "name", MEDFWI_REQUIRED, MEDFW_ADVISORY_NAME_MAX,
			       0, &in->publisher_name);
	if (err == MEDFW_OK)
		err = get_url(ps, o, "publisher", "namespace", MEDFWI_REQUIRED,
			      &in->publisher_namespace);
	if (err == MEDFW_OK)
		err = get_text(ps, o, "publisher", "contact", 0, MEDFW_ADVISORY_TEXT_MAX, 1,
			       &in->publisher_contact);
	if (err == MEDFW_OK)
		err = get_text(ps, o, "publisher", "issuing_authority", 0,
			       MEDFW_ADVISORY_TEXT_MAX, 1, &in->publisher_issuing_authority);
	return err;
}

static enum medfw_err parse_tracking(struct parser *ps, const json_t *root,
				     struct medfw_advisory_input *in)
{
	static const char *const keys[] = {"id", "status", "revision_history", NULL};
	static const char *const rev_keys[] = {"number", "date", "summary", NULL};
	static const char *const statuses[] = {"draft", "interim", "final", NULL};
	char p[MEDFWI_PATH_MAX];
	struct medfwi_time t, prev = {0, 0};
	json_t *o, *arr;
	size_t n, i, j;
	int status;
	enum medfw_err err;

	err = medfwi_jr_object(&ps->jr, root, "", "tracking", MEDFWI_REQUIRED, &o);
	if (err == MEDFW_OK)
		err = known_keys(ps, o, "tracking", keys);
	if (err == MEDFW_OK)
		err = get_text(ps, o, "tracking", "id", MEDFWI_REQUIRED, MEDFW_ADVISORY_NAME_MAX, 0,
			       &in->tracking_id);
	if (err == MEDFW_OK)
		err = medfwi_jr_enum(&ps->jr, o, "tracking", "status", MEDFWI_REQUIRED, statuses,
				     &status);
	if (err == MEDFW_OK)
		err = medfwi_jr_array(&ps->jr, o, "tracking", "revision_history", REQ,
				      MEDFW_ADVISORY_REVISIONS_MAX, &arr, &n);
	if (err != MEDFW_OK)
		return err;
	in->status = statuses[status];
	in->revisions = medfwi_arena_alloc(ps->jr.arena, n * sizeof(*in->revisions));
	if (in->revisions == NULL)
		return medfwi_jr_alloc_failed(&ps->jr);
	for (i = 0; i < n; i++) {
		struct medfw_advisory_revision *r = &in->revisions[i];
		const json_t *item = json_array_get(arr, i);

		medfwi_path_item(p, "tracking", "revision_history", i);
		err = medfwi_jr_expect_object(&ps->jr, item, p);
		if (err == MEDFW_OK)
			err = known_keys(ps, item, p, rev_keys);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(&ps->jr, item, p, "number", REQ, 64, &r->number);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(&ps->jr, item, p, "date", REQ, 64, &r->date);
		if (err == MEDFW_OK)
			err = get_text(ps, item, p, "summary", MEDFWI_REQUIRED,
				       MEDFW_ADVISORY_TEXT_MAX, 1, &r->summary);
		if (err != MEDFW_OK)
			return err;
		if (!version_t_ok(r->number))
			return bad(ps, p, "number",
				   "is not a CSAF version (an integer, or semantic versioning "
				   "MAJOR.MINOR.PATCH)");
		if (!medfwi_time_parse(r->date, &t))
			return bad(ps, p, "date", "is not an RFC 3339 date-time");
		if (i > 0 && medfwi_time_cmp(&t, &prev) < 0)
			return bad(ps, p, "date", "is earlier than the revision before it "
						  "(list revisions oldest first)");
		prev = t;
		for (j = 0; j < i; j++)
			if (strcmp(in->revisions[j].number, r->number) == 0)
				return bad(ps, p, "number", "is used by an earlier revision");
	}
	in->revision_count = n;
	return MEDFW_OK;
}

/* The input owns the notices of its releases. */
static enum medfw_err keep_notice(struct parser *ps, struct medfw_release_notice **notice)
{
	if (ps->st->notice_count == ps->notice_cap) {
		medfw_notice_free(*notice);
		*notice = NULL;
		return medfw_diag_set(ps->jr.diag, MEDFW_ERR_NOMEM, WHAT ": out of memory");
	}
	ps->st->notices[ps->st->notice_count++] = *notice;
	return MEDFW_OK;
}

/* The release notice of a release: an object, or a file relative to base_dir. */
static enum medfw_err load_notice(struct parser *ps, const json_t *rel, const char *p,
				  struct medfw_release_notice **out)
{
	char path[PATH_MAX_], q[MEDFWI_PATH_MAX];
	const char *file = NULL;
	json_t *obj = NULL, *root = NULL;
	struct medfw_buf b;
	struct medfw_diag d;
	enum medfw_err err;

	*out = NULL;
	err = medfwi_jr_object(&ps->jr, rel, p, "notice", 0, &obj);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(&ps->jr, rel, p, "notice_file", MEDFWI_NONEMPTY, 1024, &file);
	if (err != MEDFW_OK || (obj == NULL && file == NULL))
		return err;
	if (obj != NULL && file != NULL)
		return medfw_diag_set(ps->jr.diag, MEDFW_ERR_FIELD_VALUE,
				      WHAT ": %s: give notice or notice_file, not both", p);
	medfw_diag_clear(&d);
	if (file != NULL) {
		medfwi_path_key(q, p, "notice_file");
		if (!text_ok(file, 0))
			return bad(ps, p, "notice_file", "has control characters");
		if (file[0] != '/' && ps->base_dir == NULL)
			return medfw_diag_set(ps->jr.diag, MEDFW_ERR_FIELD_VALUE,
					      WHAT ": %s: a relative file needs the input's "
						   "directory (load the input from a file)",
					      q);
		if (file[0] == '/')
			snprintf(path, sizeof(path), "%s", file);
		else if ((size_t)snprintf(path, sizeof(path), "%s/%s", ps->base_dir, file) >=
			 sizeof(path))
			return bad(ps, p, "notice_file", "the path is too long");
		err = medfw_file_read(path, MEDFW_ADVISORY_NOTICE_MAX_BYTES, &b, &d);
		if (err == MEDFW_OK) {
			err = medfw_json_parse(b.data, b.len, MEDFW_ADVISORY_NOTICE_MAX_BYTES, 16,
					       &root, &d);
			medfw_buf_free(&b);
		}
		if (err != MEDFW_OK)
			return medfw_diag_set(ps->jr.diag, err, WHAT ": %s: %s", q,
					      medfw_diag_message(&d, err));
		obj = root;
	} else {
		medfwi_path_key(q, p, "notice");
	}
	err = medfw_notice_from_json(obj, out, &d);
	json_decref(root);
	if (err != MEDFW_OK)
		return medfw_diag_set(ps->jr.diag, err, WHAT ": %s: %s", q,
				      medfw_diag_message(&d, err));
	return keep_notice(ps, out);
}

/* The caller's word on a release (medfw_advisory_input_parse_resolved): its notice and
 * the name of its findings; the input may not bring a notice of its own. */
static enum medfw_err resolve_release(struct parser *ps, const json_t *rel, const char *p,
				      const struct medfw_advisory_product *pr,
				      struct medfw_advisory_release *r,
				      struct medfw_release_notice **out)
{
	struct medfw_advisory_resolved res;
	char q[MEDFWI_PATH_MAX];
	const char *own = json_object_get(rel, "notice") != NULL ? "notice"
			  : json_object_get(rel, "notice_file") != NULL ? "notice_file"
									: NULL;
	enum medfw_err err;

	*out = NULL;
	if (own != NULL) {
		medfwi_path_key(q, p, own);
		return medfw_diag_set(ps->jr.diag, MEDFW_ERR_FIELD_VALUE,
				      WHAT ": %s: not accepted here: a release's notice is the one "
					   "kept with the release (medfwd: signed by the repository "
					   "it serves); leave notice and notice_file out",
				      q);
	}
	memset(&res, 0, sizeof(res));
	err = ps->resolve(ps->resolve_user, p, pr, r, &res, ps->jr.diag);
	if (err == MEDFW_OK && res.sbom != NULL &&
	    (res.sbom[0] == '\0' || strlen(res.sbom) > MEDFW_ADVISORY_NAME_MAX ||
	     !text_ok(res.sbom, 0) || strchr(res.sbom, '/') != NULL))
		err = medfw_diag_set(ps->jr.diag, MEDFW_ERR_INVALID_ARG,
				     WHAT ": %s: the name of its findings is no file name", p);
	if (err == MEDFW_OK && res.sbom != NULL && (r->sbom = arena_dup(ps, res.sbom)) == NULL)
		err = medfwi_jr_alloc_failed(&ps->jr);
	if (err != MEDFW_OK) {
		medfw_notice_free(res.notice);
		return err;
	}
	if (res.notice == NULL)
		return MEDFW_OK;
	*out = res.notice;
	return keep_notice(ps, out);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The product's UDI-DIs and the notice's, sorted, unique. */
static enum medfw_err release_udis(struct parser *ps, const struct medfw_advisory_product *pr,
				   struct medfw_advisory_release *r)
{
	size_t n = pr->udi_di_count + (r->notice != NULL ? r->notice->udi_di_count : 0);
	size_t i, k = 0;
	const char **all;

	all = medfwi_arena_alloc(ps->jr.arena, (n > 0 ? n : 1) * sizeof(*all));
	if (all == NULL)
		return medfwi_jr_alloc_failed(&ps->jr);
	for (i = 0; i < pr->udi_di_count; i++)
		all[k++] = pr->udi_dis[i];
	for (i = 0; r->notice != NULL && i < r->notice->udi_di_count; i++)
		all[k++] = r->notice->udi_dis[i];
	if (k > 1)
		qsort(all, k, sizeof(*all), cmp_str);
	for (i = 0, n = 0; i < k; i++)
		if (n == 0 || strcmp(all[n - 1], all[i]) != 0)
			all[n++] = all[i];
	for (i = 0; i < n; i++) {
		all[i] = arena_dup(ps, all[i]); /* the notice's strings are not in the arena */
		if (all[i] == NULL)
			return medfwi_jr_alloc_failed(&ps->jr);
	}
	r->udi_dis = all;
	r->udi_di_count = n;
	return MEDFW_OK;
}

static enum medfw_err canonical_purl(struct parser *ps, const char *p, const char **purl)
{
	struct medfw_purl *pu = NULL;
	struct medfw_buf b;
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	err = medfw_purl_parse(*purl, MEDFW_PURL_STRICT, &pu, &d);
	if (err != MEDFW_OK)
		return medfw_diag_set(ps->jr.diag, err == MEDFW_ERR_NOMEM ? err : MEDFW_ERR_FIELD_VALUE,
				      WHAT ": %s.purl: %s", p, medfw_diag_message(&d, err));
	medfw_buf_init(&b, MEDFW_ADVISORY_URL_MAX * 4);
	err = medfw_purl_to_string(pu, &b, &d);
	medfw_purl_free(pu);
	if (err == MEDFW_OK) {
		*purl = medfwi_arena_strndup(ps->jr.arena, (const char *)b.data, b.len);
		if (*purl == NULL)
			err = medfwi_jr_alloc_failed(&ps->jr);
	} else {
		err = medfw_diag_set(ps->jr.diag, err, WHAT ": %s.purl: %s", p,
				     medfw_diag_message(&d, err));
	}
	medfw_buf_free(&b);
	return err;
}

static enum medfw_err canonical_cpe(struct parser *ps, const char *p, const char **cpe)
{
	struct medfw_cpe *c = NULL;
	struct medfw_buf b;
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	err = medfw_cpe_parse(*cpe, MEDFW_CPE_STRICT, &c, &d);
	if (err != MEDFW_OK)
		return medfw_diag_set(ps->jr.diag, err == MEDFW_ERR_NOMEM ? err : MEDFW_ERR_FIELD_VALUE,
				      WHAT ": %s.cpe: %s", p, medfw_diag_message(&d, err));
	medfw_buf_init(&b, MEDFW_CPE_MAX_LEN * 2);
	err = medfw_cpe_to_string(c, &b, &d);
	medfw_cpe_free(c);
	if (err == MEDFW_OK) {
		*cpe = medfwi_arena_strndup(ps->jr.arena, (const char *)b.data, b.len);
		if (*cpe == NULL)
			err = medfwi_jr_alloc_failed(&ps->jr);
	} else {
		err = medfw_diag_set(ps->jr.diag, err, WHAT ": %s.cpe: %s", p,
				     medfw_diag_message(&d, err));
	}
	medfw_buf_free(&b);
	return err;
}

static enum medfw_err parse_release(struct parser *ps, const json_t *o, const char *p,
				    const struct medfw_advisory_product *pr,
				    struct medfw_advisory_release *r)
{
	static const char *const keys[] = {"version",    "sbom",   "purl",   "cpe",
					   "sbom_url",   "release_date", "fixes", "notice",
					   "notice_file", "how_to_get", "url",  NULL};
	struct medfw_release_notice *notice = NULL;
	char id[PRODUCT_ID_MAX + MEDFW_ADVISORY_VERSION_MAX + 2];
	char name[MEDFW_ADVISORY_NAME_MAX + MEDFW_ADVISORY_VERSION_MAX + 16];
	enum medfw_err err;

	err = medfwi_jr_expect_object(&ps->jr, o, p);
	if (err == MEDFW_OK)
		err = known_keys(ps, o, p, keys);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(&ps->jr, o, p, "version", REQ, MEDFW_ADVISORY_VERSION_MAX,
				    &r->version);
	if (err == MEDFW_OK && !ident_ok(r->version, "._+-", 0))
		err = bad(ps, p, "version",
			  "is not a version (letters, digits and . _ + -, starting with a letter "
			  "or digit)");
	if (err == MEDFW_OK)
		err = get_text(ps, o, p, "sbom", 0, MEDFW_ADVISORY_NAME_MAX, 0, &r->sbom);
	if (err == MEDFW_OK && r->sbom != NULL &&
	    (strchr(r->sbom, '/') != NULL || strcmp(r->sbom, ".") == 0 || strcmp(r->sbom, "..") == 0))
		err = bad(ps, p, "sbom", "is not a file name (no directory: the findings' SBOM "
					 "is compared by its last path component)");
	if (err == MEDFW_OK)
		err = medfwi_jr_str(&ps->jr, o, p, "purl", MEDFWI_NONEMPTY, MEDFW_ADVISORY_URL_MAX,
				    &r->purl);
	if (err == MEDFW_OK && r->purl != NULL)
		err = canonical_purl(ps, p, &r->purl);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(&ps->jr, o, p, "cpe", MEDFWI_NONEMPTY, MEDFW_ADVISORY_URL_MAX,
				    &r->cpe);
	if (err == MEDFW_OK && r->cpe != NULL)
		err = canonical_cpe(ps, p, &r->cpe);
	if (err == MEDFW_OK)
		err = get_url(ps, o, p, "sbom_url", 0, &r->sbom_url);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(&ps->jr, o, p, "release_date", MEDFWI_NONEMPTY, 16,
				    &r->release_date);
	if (err == MEDFW_OK && r->release_date != NULL && !medfwi_date_valid(r->release_date))
		err = bad(ps, p, "release_date", "is not a date (YYYY-MM-DD)");
	if (err == MEDFW_OK)
		err = medfwi_jr_str_array(&ps->jr, o, p, "fixes", MEDFWI_NONEMPTY | MEDFWI_UNIQUE,
					  MEDFW_ADVISORY_VULNS_MAX, MEDFW_ADVISORY_NAME_MAX,
					  &r->fixes, &r->fix_count);
	if (err == MEDFW_OK)
		err = get_text(ps, o, p, "how_to_get", 0, MEDFW_ADVISORY_TEXT_MAX, 1,
			       &r->how_to_get);
	if (err == MEDFW_OK)
		err = get_url(ps, o, p, "url", 0, &r->url);
	if (err == MEDFW_OK)
		err = ps->resolve != NULL ? resolve_release(ps, o, p, pr, r, &notice)
					  : load_notice(ps, o, p, &notice);
	if (err != MEDFW_OK)
		return err;
	r->notice = notice;
	if (notice != NULL) {
		if (strcmp(notice->product_version, r->version) != 0)
			return medfw_diag_set(ps->jr.diag, MEDFW_ERR_FIELD_VALUE,
					      WHAT ": %s: the release notice is for version %s, "
						   "not %s",
					      p, notice->product_version, r->version);
		if (r->release_date != NULL && strcmp(r->release_date, notice->release_date) != 0)
			return bad(ps, p, "release_date",
				   "differs from the release notice's release_date");
		if (r->release_date == NULL) {
			r->release_date = arena_dup(ps, notice->release_date);
			if (r->release_date == NULL)
				return medfwi_jr_alloc_failed(&ps->jr);
		}
	}
	snprintf(id, sizeof(id), "%s:%s", pr->id, r->version);
	snprintf(name, sizeof(name), "%s firmware %s", pr->model, r->version);
	r->product_id = arena_dup(ps, id);
	r->full_name = arena_dup(ps, name);
	if (r->product_id == NULL || r->full_name == NULL)
		return medfwi_jr_alloc_failed(&ps->jr);
	return release_udis(ps, pr, r);
}

static enum medfw_err parse_product(struct parser *ps, const json_t *o, const char *p,
				    struct medfw_advisory_product *pr)
{
	static const char *const keys[] = {"id", "model", "udi_dis", "model_numbers", "releases",
					   NULL};
	char q[MEDFWI_PATH_MAX];
	json_t *arr;
	size_t n, i, j;
	enum medfw_err err;

	err = medfwi_jr_expect_object(&ps->jr, o, p);
	if (err == MEDFW_OK)
		err = known_keys(ps, o, p, keys);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(&ps->jr, o, p, "id", REQ, PRODUCT_ID_MAX, &pr->id);
	if (err == MEDFW_OK && !ident_ok(pr->id, "._-", 1))
		err = bad(ps, p, "id",
			  "is not a product id (lowercase letters, digits and . _ -, starting "
			  "with a letter or digit)");
	if (err == MEDFW_OK)
		err = get_text(ps, o, p, "model", MEDFWI_REQUIRED, MEDFW_ADVISORY_NAME_MAX, 0,
			       &pr->model);
	if (err == MEDFW_OK)
		err = medfwi_jr_str_array(&ps->jr, o, p, "udi_dis", MEDFWI_NONEMPTY | MEDFWI_UNIQUE,
					  MEDFW_ADVISORY_LIST_MAX, MEDFW_UDI_HIBCC_MAX_LEN,
					  &pr->udi_dis, &pr->udi_di_count);
	for (i = 0; err == MEDFW_OK && i < pr->udi_di_count; i++) {
		struct medfw_diag d;

		medfw_diag_clear(&d);
		if (medfw_udi_di_validate(pr->udi_dis[i], NULL, &d) != MEDFW_OK) {
			medfwi_path_item(q, p, "udi_dis", i);
			err = medfw_diag_set(ps->jr.diag, MEDFW_ERR_FIELD_VALUE, WHAT ": %s: %s", q,
					     d.msg);
		}
	}
	if (err == MEDFW_OK)
		err = get_text_list(ps, o, p, "model_numbers", MEDFW_ADVISORY_LIST_MAX,
				    MEDFW_ADVISORY_NAME_MAX, 0, &pr->model_numbers,
				    &pr->model_number_count);
	if (err == MEDFW_OK)
		err = medfwi_jr_array(&ps->jr, o, p, "releases", REQ, MEDFW_ADVISORY_RELEASES_MAX,
				      &arr, &n);
	if (err != MEDFW_OK)
		return err;
	pr->releases = medfwi_arena_alloc(ps->jr.arena, n * sizeof(*pr->releases));
	if (pr->releases == NULL)
		return medfwi_jr_alloc_failed(&ps->jr);
	for (i = 0; i < n; i++) {
		medfwi_path_item(q, p, "releases", i);
		err = parse_release(ps, json_array_get(arr, i), q, pr, &pr->releases[i]);
		if (err != MEDFW_OK)
			return err;
		for (j = 0; j < i; j++)
			if (strcmp(pr->releases[j].version, pr->releases[i].version) == 0)
				return bad(ps, q, "version", "is listed twice for this product");
	}
	pr->release_count = n;
	return MEDFW_OK;
}

static enum medfw_err parse_vuln(struct parser *ps, const json_t *o, const char *p,
				 struct medfw_advisory_vuln_input *v)
{
	static const char *const keys[] = {
		"cve",         "ids",         "title",       "cwe",
		"description", "impact",      "cvss_v3",     "mitigations",
		"compensating_controls", "workarounds", "no_fix", "references",
		NULL};
	static const char *const id_keys[] = {"system_name", "text", NULL};
	static const char *const cwe_keys[] = {"id", "name", NULL};
	static const char *const nofix_keys[] = {"category", "details", NULL};
	static const char *const nofix_values[] = {"none_available", "no_fix_planned", NULL};
	char q[MEDFWI_PATH_MAX];
	json_t *arr, *cwe, *nofix;
	size_t n, i;
	int cat;
	enum medfw_err err;

	err = medfwi_jr_expect_object(&ps->jr, o, p);
	if (err == MEDFW_OK)
		err = known_keys(ps, o, p, keys);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(&ps->jr, o, p, "cve", MEDFWI_NONEMPTY, 32, &v->cve);
	if (err == MEDFW_OK && v->cve != NULL && !medfwi_cve_valid(v->cve, 19))
		err = bad(ps, p, "cve", "is not a CVE id (CVE-YYYY-NNNN)");
	if (err == MEDFW_OK)
		err = medfwi_jr_array(&ps->jr, o, p, "ids", MEDFWI_NONEMPTY, MEDFW_ADVISORY_LIST_MAX,
				      &arr, &n);
	if (err != MEDFW_OK)
		return err;
	if (arr != NULL) {
		v->ids = medfwi_arena_alloc(ps->jr.arena, n * sizeof(*v->ids));
		if (v->ids == NULL)
			return medfwi_jr_alloc_failed(&ps->jr);
		for (i = 0; i < n; i++) {
			const json_t *item = json_array_get(arr, i);

			medfwi_path_item(q, p, "ids", i);
			err = medfwi_jr_expect_object(&ps->jr, item, q);
			if (err == MEDFW_OK)
				err = known_keys(ps, item, q, id_keys);
			if (err == MEDFW_OK)
				err = get_text(ps, item, q, "system_name", MEDFWI_REQUIRED,
					       MEDFW_ADVISORY_NAME_MAX, 0, &v->ids[i].system_name);
			if (err == MEDFW_OK)
				err = get_text(ps, item, q, "text", MEDFWI_REQUIRED,
					       MEDFW_ADVISORY_NAME_MAX, 0, &v->ids[i].text);
			if (err != MEDFW_OK)
				return err;
		}
		v->id_count = n;
	}
	if (v->cve == NULL && v->id_count == 0)
		return medfw_diag_set(ps->jr.diag, MEDFW_ERR_FIELD_MISSING,
				      WHAT ": %s: needs cve or ids", p);
	v->display_id = v->cve != NULL ? v->cve : v->ids[0].text;
	err = get_text(ps, o, p, "title", MEDFWI_REQUIRED, MEDFW_ADVISORY_NAME_MAX, 0, &v->title);
	if (err == MEDFW_OK)
		err = get_text(ps, o, p, "description", MEDFWI_REQUIRED, MEDFW_ADVISORY_TEXT_MAX, 1,
			       &v->description);
	if (err == MEDFW_OK)
		err = get_text(ps, o, p, "impact", MEDFWI_REQUIRED, MEDFW_ADVISORY_TEXT_MAX, 1,
			       &v->impact);
	if (err == MEDFW_OK)
		err = medfwi_jr_object(&ps->jr, o, p, "cwe", 0, &cwe);
	if (err == MEDFW_OK && cwe != NULL) {
		medfwi_path_key(q, p, "cwe");
		err = known_keys(ps, cwe, q, cwe_keys);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(&ps->jr, cwe, q, "id", REQ, 16, &v->cwe_id);
		if (err == MEDFW_OK) {
			const char *s = v->cwe_id + 4;
			size_t d = strspn(s, "0123456789");

			if (strncmp(v->cwe_id, "CWE-", 4) != 0 || d == 0 || d > 6 || s[d] != '\0' ||
			    s[0] == '0')
				err = bad(ps, q, "id", "is not a CWE id (CWE-N)");
		}
		if (err == MEDFW_OK)
			err = get_text(ps, cwe, q, "name", MEDFWI_REQUIRED, MEDFW_ADVISORY_NAME_MAX, 0,
				       &v->cwe_name);
	}
	if (err == MEDFW_OK)
		err = medfwi_jr_str(&ps->jr, o, p, "cvss_v3", MEDFWI_NONEMPTY, MEDFW_CVSS_VECTOR_MAX,
				    &v->cvss_vector);
	if (err == MEDFW_OK && v->cvss_vector != NULL) {
		struct medfw_cvss c;
		struct medfw_diag d;

		medfw_diag_clear(&d);
		medfwi_path_key(q, p, "cvss_v3");
		if (medfw_cvss_parse(v->cvss_vector, &c, &d) != MEDFW_OK)
			err = medfw_diag_set(ps->jr.diag, MEDFW_ERR_FIELD_VALUE, WHAT ": %s: %s", q,
					     d.msg);
		else if (c.version != MEDFW_CVSS_V30 && c.version != MEDFW_CVSS_V31)
			err = bad(ps, p, "cvss_v3", "is not a CVSS v3.0 or v3.1 vector");
	}
	if (err == MEDFW_OK)
		err = get_text_list(ps, o, p, "mitigations", MEDFW_ADVISORY_LIST_MAX,
				    MEDFW_ADVISORY_TEXT_MAX, 1, &v->mitigations, &v->mitigation_count);
	if (err == MEDFW_OK)
		err = get_text_list(ps, o, p, "compensating_controls", MEDFW_ADVISORY_LIST_MAX,
				    MEDFW_ADVISORY_TEXT_MAX, 1, &v->compensating_controls,
				    &v->compensating_control_count);
	if (err == MEDFW_OK)
		err = get_text_list(ps, o, p, "workarounds", MEDFW_ADVISORY_LIST_MAX,
				    MEDFW_ADVISORY_TEXT_MAX, 1, &v->workarounds, &v->workaround_count);
	if (err == MEDFW_OK)
		err = medfwi_jr_object(&ps->jr, o, p, "no_fix", 0, &nofix);
	if (err == MEDFW_OK && nofix != NULL) {
		medfwi_path_key(q, p, "no_fix");
		err = known_keys(ps, nofix, q, nofix_keys);
		if (err == MEDFW_OK)
			err = medfwi_jr_enum(&ps->jr, nofix, q, "category", MEDFWI_REQUIRED,
					     nofix_values, &cat);
		if (err == MEDFW_OK)
			err = get_text(ps, nofix, q, "details", MEDFWI_REQUIRED,
				       MEDFW_ADVISORY_TEXT_MAX, 1, &v->no_fix_details);
		if (err == MEDFW_OK)
			v->no_fix_category = nofix_values[cat];
	}
	if (err == MEDFW_OK)
		err = parse_links(ps, o, p, &v->references, &v->reference_count);
	return err;
}

static int vuln_named(const struct medfw_advisory_vuln_input *v, const char *id)
{
	size_t i;

	if (v->cve != NULL && strcmp(v->cve, id) == 0)
		return 1;
	for (i = 0; i < v->id_count; i++)
		if (strcmp(v->ids[i].text, id) == 0)
			return 1;
	return 0;
}

static const struct medfw_advisory_vuln_input *find_vuln(const struct medfw_advisory_input *in,
							 const char *id)
{
	size_t i;

	for (i = 0; i < in->vuln_count; i++)
		if (vuln_named(&in->vulns[i], id))
			return &in->vulns[i];
	return NULL;
}

/* Checks across products and vulnerabilities; the notice's CVE ids that the advisory
 * lists become fixes too. */
static enum medfw_err cross_checks(struct parser *ps, struct medfw_advisory_input *in)
{
	char p[MEDFWI_PATH_MAX], q[MEDFWI_PATH_MAX];
	size_t i, j, k, l, m;

	for (i = 0; i < in->vuln_count; i++) {
		const struct medfw_advisory_vuln_input *v = &in->vulns[i];

		for (j = 0; j < i; j++) {
			const struct medfw_advisory_vuln_input *w = &in->vulns[j];
			int same = v->cve != NULL && vuln_named(w, v->cve);

			for (k = 0; !same && k < v->id_count; k++)
				same = vuln_named(w, v->ids[k].text);
			if (same) {
				medfwi_path_item(p, "", "vulnerabilities", i);
				return medfw_diag_set(ps->jr.diag, MEDFW_ERR_FIELD_VALUE,
						      WHAT ": %s: names the same vulnerability as "
							   "vulnerabilities[%zu]",
						      p, j);
			}
		}
	}
	for (i = 0; i < in->product_count; i++) {
		struct medfw_advisory_product *pr = &in->products[i];

		for (j = 0; j < i; j++)
			if (strcmp(in->products[j].id, pr->id) == 0) {
				medfwi_path_item(p, "", "products", i);
				return bad(ps, p, "id", "is used by an earlier product");
			}
		for (k = 0; k < pr->release_count; k++) {
			struct medfw_advisory_release *r = &pr->releases[k];
			const char **fixes;
			size_t n;

			medfwi_path_item(p, "", "products", i);
			medfwi_path_item(q, p, "releases", k);
			for (l = 0; l < r->fix_count; l++)
				if (find_vuln(in, r->fixes[l]) == NULL) {
					medfwi_path_item(p, q, "fixes", l);
					return medfw_diag_set(ps->jr.diag, MEDFW_ERR_FIELD_VALUE,
							      WHAT ": %s: %s is not one of the "
								   "advisory's vulnerabilities",
							      p, r->fixes[l]);
				}
			for (j = 0; r->sbom != NULL && j <= i; j++)
				for (l = 0; l < (j < i ? in->products[j].release_count : k); l++) {
					const char *s = in->products[j].releases[l].sbom;

					if (s != NULL && strcmp(s, r->sbom) == 0)
						return bad(ps, q, "sbom",
							   "is named by another release too");
				}
			if (r->notice == NULL || r->notice->reason.cve_id_count == 0)
				continue;
			n = r->fix_count + r->notice->reason.cve_id_count;
			fixes = medfwi_arena_alloc(ps->jr.arena, n * sizeof(*fixes));
			if (fixes == NULL)
				return medfwi_jr_alloc_failed(&ps->jr);
			for (l = 0; l < r->fix_count; l++)
				fixes[l] = r->fixes[l];
			n = r->fix_count;
			for (l = 0; l < r->notice->reason.cve_id_count; l++) {
				const char *cve = r->notice->reason.cve_ids[l];
				int dup = 0;

				if (find_vuln(in, cve) == NULL)
					continue; /* the release fixes more than this advisory */
				for (m = 0; m < n && !dup; m++)
					dup = strcmp(fixes[m], cve) == 0;
				if (!dup) {
					fixes[n] = arena_dup(ps, cve);
					if (fixes[n++] == NULL)
						return medfwi_jr_alloc_failed(&ps->jr);
				}
			}
			r->fixes = fixes;
			r->fix_count = n;
		}
	}
	return MEDFW_OK;
}

static enum medfw_err parse_root(struct parser *ps, const json_t *root,
				 struct medfw_advisory_input *in)
{
	static const char *const keys[] = {
		"advisory_format", "publisher",  "tracking",        "title",
		"tlp",             "summary",    "disclaimer",      "recommendations",
		"references",      "products",   "vulnerabilities", NULL};
	static const char *const tlps[] = {"WHITE", "GREEN", "AMBER", "RED", NULL};
	char p[MEDFWI_PATH_MAX];
	json_t *fmt, *arr;
	size_t n, i, releases = 0;
	int tlp;
	enum medfw_err err;

	err = medfwi_jr_expect_object(&ps->jr, root, "");
	if (err == MEDFW_OK)
		err = known_keys(ps, root, "", keys);
	if (err != MEDFW_OK)
		return err;
	fmt = json_object_get(root, "advisory_format");
	if (fmt == NULL)
		return medfw_diag_set(ps->jr.diag, MEDFW_ERR_FIELD_MISSING,
				      WHAT ": advisory_format is missing");
	if (!json_is_integer(fmt) || json_integer_value(fmt) != MEDFW_ADVISORY_FORMAT)
		return medfw_diag_set(ps->jr.diag, MEDFW_ERR_FIELD_VALUE,
				      WHAT ": advisory_format: must be %d", MEDFW_ADVISORY_FORMAT);
	err = parse_publisher(ps, root, in);
	if (err == MEDFW_OK)
		err = parse_tracking(ps, root, in);
	if (err == MEDFW_OK)
		err = get_text(ps, root, "", "title", MEDFWI_REQUIRED, MEDFW_ADVISORY_NAME_MAX, 0,
			       &in->title);
	if (err == MEDFW_OK)
		err = medfwi_jr_enum(&ps->jr, root, "", "tlp", 0, tlps, &tlp);
	if (err == MEDFW_OK)
		err = get_text(ps, root, "", "summary", MEDFWI_REQUIRED, MEDFW_ADVISORY_TEXT_MAX, 1,
			       &in->summary);
	if (err == MEDFW_OK)
		err = get_text(ps, root, "", "disclaimer", 0, MEDFW_ADVISORY_TEXT_MAX, 1,
			       &in->disclaimer);
	if (err == MEDFW_OK)
		err = get_text_list(ps, root, "", "recommendations", MEDFW_ADVISORY_LIST_MAX,
				    MEDFW_ADVISORY_TEXT_MAX, 1, &in->recommendations,
				    &in->recommendation_count);
	if (err == MEDFW_OK)
		err = parse_links(ps, root, "", &in->references, &in->reference_count);
	if (err != MEDFW_OK)
		return err;
	in->tlp = tlp >= 0 ? tlps[tlp] : "WHITE";
	/* vulnerabilities first: releases name them */
	err = medfwi_jr_array(&ps->jr, root, "", "vulnerabilities", REQ, MEDFW_ADVISORY_VULNS_MAX,
			      &arr, &n);
	if (err != MEDFW_OK)
		return err;
	in->vulns = medfwi_arena_alloc(ps->jr.arena, n * sizeof(*in->vulns));
	if (in->vulns == NULL)
		return medfwi_jr_alloc_failed(&ps->jr);
	for (i = 0; i < n; i++) {
		medfwi_path_item(p, "", "vulnerabilities", i);
		err = parse_vuln(ps, json_array_get(arr, i), p, &in->vulns[i]);
		if (err != MEDFW_OK)
			return err;
	}
	in->vuln_count = n;
	err = medfwi_jr_array(&ps->jr, root, "", "products", REQ, MEDFW_ADVISORY_PRODUCTS_MAX,
			      &arr, &n);
	if (err != MEDFW_OK)
		return err;
	for (i = 0; i < n; i++) {
		const json_t *rels = json_is_object(json_array_get(arr, i))
					     ? json_object_get(json_array_get(arr, i), "releases")
					     : NULL;

		releases += json_is_array(rels) ? json_array_size(rels) : 0;
	}
	ps->st->notices = calloc(releases > 0 ? releases : 1, sizeof(*ps->st->notices));
	if (ps->st->notices == NULL)
		return medfw_diag_set(ps->jr.diag, MEDFW_ERR_NOMEM, WHAT ": out of memory");
	ps->notice_cap = releases;
	in->products = medfwi_arena_alloc(ps->jr.arena, n * sizeof(*in->products));
	if (in->products == NULL)
		return medfwi_jr_alloc_failed(&ps->jr);
	for (i = 0; i < n; i++) {
		medfwi_path_item(p, "", "products", i);
		err = parse_product(ps, json_array_get(arr, i), p, &in->products[i]);
		if (err != MEDFW_OK)
			return err;
		in->product_count = i + 1;
	}
	return cross_checks(ps, in);
}

static enum medfw_err parse_input(const char *source, const uint8_t *data, size_t len,
				  const char *base_dir, medfw_advisory_resolve_fn resolve,
				  void *user, struct medfw_advisory_input **out,
				  struct medfw_diag *diag)
{
	struct medfw_advisory_input *in = NULL;
	struct parser ps;
	json_t *root = NULL;
	enum medfw_err err;

	if (out != NULL)
		*out = NULL;
	if (source == NULL || data == NULL || out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, WHAT ": invalid argument");
	err = medfw_json_parse(data, len, MEDFW_ADVISORY_INPUT_MAX_BYTES, MAX_DEPTH, &root, diag);
	if (err != MEDFW_OK)
		return err;
	in = calloc(1, sizeof(*in));
	memset(&ps, 0, sizeof(ps));
	ps.st = calloc(1, sizeof(*ps.st));
	if (in == NULL || ps.st == NULL) {
		free(in);
		free(ps.st);
		json_decref(root);
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, WHAT ": out of memory");
	}
	medfwi_arena_init(&ps.st->arena, ARENA_MAX);
	in->priv_ = ps.st;
	ps.jr.arena = &ps.st->arena;
	ps.jr.diag = diag;
	ps.jr.what = WHAT;
	ps.base_dir = base_dir;
	ps.resolve = resolve;
	ps.resolve_user = user;
	in->source = arena_dup(&ps, source);
	err = in->source == NULL ? medfwi_jr_alloc_failed(&ps.jr) : parse_root(&ps, root, in);
	json_decref(root);
	if (err != MEDFW_OK) {
		medfw_advisory_input_free(in);
		return err;
	}
	*out = in;
	return MEDFW_OK;
}

enum medfw_err medfw_advisory_input_parse(const char *source, const uint8_t *data, size_t len,
					  const char *base_dir,
					  struct medfw_advisory_input **out,
					  struct medfw_diag *diag)
{
	return parse_input(source, data, len, base_dir, NULL, NULL, out, diag);
}

enum medfw_err medfw_advisory_input_parse_resolved(const char *source, const uint8_t *data,
						   size_t len, medfw_advisory_resolve_fn resolve,
						   void *user, struct medfw_advisory_input **out,
						   struct medfw_diag *diag)
{
	if (out != NULL)
		*out = NULL;
	if (resolve == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, WHAT ": invalid argument");
	return parse_input(source, data, len, NULL, resolve, user, out, diag);
}

enum medfw_err medfw_advisory_input_load(const char *path, struct medfw_advisory_input **out,
					 struct medfw_diag *diag)
{
	char dir[PATH_MAX_];
	struct medfw_buf b;
	const char *slash;
	enum medfw_err err;

	if (out != NULL)
		*out = NULL;
	if (path == NULL || out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, WHAT ": invalid argument");
	slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, WHAT ": path too long");
	err = medfw_file_read(path, MEDFW_ADVISORY_INPUT_MAX_BYTES, &b, diag);
	if (err != MEDFW_OK)
		return err;
	err = medfw_advisory_input_parse(path, b.data, b.len, dir, out, diag);
	medfw_buf_free(&b);
	return err;
}
