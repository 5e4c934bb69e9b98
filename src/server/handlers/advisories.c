/* Customer security advisories from medfwd's own findings (docs/advisories.md, "From the
 * server"):
 *
 *   POST /api/v1/vulnerabilities/advisories
 *        {"input": {advisory input}, "format": "csaf" | "html" | "markdown",
 *         "profile": "full" | "vex"}
 *
 * The advisory input is the one `medfw vuln advisory` reads (include/medfw/advisory.h),
 * without notice or notice_file: each of its releases is the release the served
 * repository signs with the release's version in its notice and an SBOM on the server
 * (narrowed by the product's UDI-DIs, then by the release's "sbom" as the file name of
 * the target or of its notice's sbom_target, when several have that version). The
 * release's notice is the signed one; its findings are the stored ones (those the
 * matcher still produces), in the matcher's order, so the document is byte for byte
 * the one the command line writes from the same SBOMs, feeds, VEX and notices.
 *
 * Answered only when the findings belong to the inputs as they are (the re-evaluation
 * worker has seen every change): a disclosure to customers must not say what the
 * server no longer thinks. It discloses vulnerability information into a file, so it
 * needs vulns.write and manufacturer-wide staff (as the other vulnerability inputs) and
 * is audited (vulnerabilities.advisory_exported); nothing else changes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "medfw/advisory.h"
#include "medfw/crypto.h"
#include "medfw/notice.h"
#include "medfw/store_vuln.h"
#include "medfw/tuf.h"

#define STORED_PAGE 200       /* release SBOM records read per store call */
#define STORED_MAX 100000u    /* releases with an SBOM an export may look through */
#define FINDINGS_PAGE 10000   /* the store's largest finding list */
#define NAMES_LISTED 4        /* releases named in a message about several */
#define KEY_MAX (64u + MEDFW_ADVISORY_VERSION_MAX + 2u) /* "<product id>:<version>" */
#define PATH_MAX_ 96u         /* "products[N].releases[N]" */

enum format { FORMAT_CSAF = 0, FORMAT_HTML, FORMAT_MARKDOWN };

static const struct {
	const char *name;
	const char *content_type;
	enum medfw_advisory_output output;
} formats[] = {
	[FORMAT_CSAF] = {"csaf", "application/json", MEDFW_ADVISORY_OUT_CSAF},
	[FORMAT_HTML] = {"html", "text/html; charset=utf-8", MEDFW_ADVISORY_OUT_HTML},
	[FORMAT_MARKDOWN] = {"markdown", "text/markdown; charset=utf-8",
			     MEDFW_ADVISORY_OUT_MARKDOWN},
};

/* A release with an SBOM on the server. */
struct stored {
	char *target;
	char *version;     /* its notice's product_version */
	char *sbom_target; /* its notice's, "" when none */
};

/* An input release and the stored release it is. */
struct resolved {
	char key[KEY_MAX];   /* "<product id>:<version>": its findings' "sbom" */
	char product[65];    /* the input product's id */
	char path[PATH_MAX_];
	char target[MEDFW_STORE_TARGET_NAME_MAX + 1];
};

/* One export. A failure that is the server's answer rather than the input's (a release
 * it does not know, a repository that does not verify) sets status and code. */
struct export {
	struct medfwd_app *app;
	struct stored *stored; /* by version, then target */
	size_t n_stored;
	int stored_loaded;
	struct medfwd_served_view *view;
	int view_opened; /* 1: view is set, or NULL when nothing is served */
	struct resolved *rel; /* the input's releases, in input order */
	size_t n_rel, cap_rel;
	unsigned status;
	const char *code;
};

/* ---------------------------------------------------------------- helpers */

static void export_free(struct export *x)
{
	for (size_t i = 0; i < x->n_stored; i++) {
		free(x->stored[i].target);
		free(x->stored[i].version);
		free(x->stored[i].sbom_target);
	}
	free(x->stored);
	medfwd_served_view_free(x->view);
	free(x->rel);
}

/* Changing what applies to every site (here: telling customers about it):
 * manufacturer-wide staff only. */
static int require_global(const struct medfwd_request *req, struct medfwd_response *resp)
{
	if (!medfwd_require(req, resp, MEDFWD_PERM_VULNS_WRITE))
		return 0;
	if (medfwd_principal_of(req)->user.site_id != 0) {
		medfwd_respond_error(resp, 403, "forbidden", NULL,
				     "an advisory discloses the findings of every site's devices: "
				     "manufacturer-wide staff only");
		return 0;
	}
	return 1;
}

/* The server's answer for a failure the caller caused by asking about something the
 * server does not have (status 422) or cannot read now (409, 500). */
static enum medfw_err server_says(struct export *x, unsigned status, const char *code,
				  enum medfw_err err)
{
	if (x->status == 0) {
		x->status = status;
		x->code = code;
	}
	return err;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

static int cmp_stored(const void *a, const void *b)
{
	const struct stored *x = a, *y = b;
	int c = strcmp(x->version, y->version);

	return c != 0 ? c : strcmp(x->target, y->target);
}

/* Every release with an SBOM, once per export (the first release asks). */
static enum medfw_err load_stored(struct export *x, struct medfw_diag *diag)
{
	struct medfw_store_release_sbom *rows;
	int64_t offset = 0, total = 0;
	size_t n = 0;
	enum medfw_err err = MEDFW_OK;

	if (x->stored_loaded)
		return MEDFW_OK;
	rows = calloc(STORED_PAGE, sizeof(*rows));
	if (rows == NULL)
		return server_says(x, 500, "internal",
				   medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory"));
	do {
		err = medfw_store_release_sbom_list(x->app->store, offset, rows, STORED_PAGE, &n,
						    &total, diag);
		if (err == MEDFW_OK && x->n_stored + n > STORED_MAX)
			err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
					     "more than %u releases with an SBOM", STORED_MAX);
		if (err == MEDFW_OK && n > 0) {
			struct stored *grown = realloc(x->stored, (x->n_stored + n) * sizeof(*grown));

			if (grown == NULL)
				err = medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
			else
				x->stored = grown;
		}
		for (size_t i = 0; err == MEDFW_OK && i < n; i++) {
			struct stored *s = &x->stored[x->n_stored];

			s->target = strdup(rows[i].target_name);
			s->version = strdup(rows[i].product_version);
			s->sbom_target = strdup(rows[i].sbom_target);
			x->n_stored++;
			if (s->target == NULL || s->version == NULL || s->sbom_target == NULL)
				err = medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
		}
		offset += (int64_t)n;
	} while (err == MEDFW_OK && n == STORED_PAGE && offset < total);
	free(rows);
	if (err != MEDFW_OK)
		return server_says(x, 500, "internal", err);
	if (x->n_stored > 1)
		qsort(x->stored, x->n_stored, sizeof(*x->stored), cmp_stored);
	x->stored_loaded = 1;
	return MEDFW_OK;
}

/* What a TUF client finds in the served repository now, once per export: every notice
 * comes from the same tree. Nothing served: x->view stays NULL. */
static enum medfw_err open_view(struct export *x, struct medfw_diag *diag)
{
	struct medfw_diag d;
	enum medfw_err err;

	if (x->view_opened)
		return MEDFW_OK;
	medfw_diag_clear(&d);
	err = medfwd_repo_served_view(x->app, &x->view, &d);
	if (err != MEDFW_OK && err != MEDFW_ERR_NOT_FOUND)
		return server_says(x, 409, "conflict",
				   medfw_diag_set(diag, err,
						  "the served repository does not verify now: %s",
						  medfw_diag_message(&d, err)));
	x->view_opened = 1;
	return MEDFW_OK;
}

/* The target `name` as the served repository signs it; NULL when it does not. */
static const struct medfw_tuf_target *served(const struct export *x, const char *name)
{
	size_t lo = 0, hi = x->view != NULL ? medfwd_served_view_count(x->view) : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *at = NULL;
		const struct medfw_tuf_target *t = medfwd_served_view_target(x->view, mid, &at, NULL);
		int cmp = strcmp(name, at);

		if (cmp == 0)
			return t;
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static int shares_udi(const struct medfw_advisory_product *pr,
		      const struct medfw_release_notice *n)
{
	for (size_t i = 0; i < pr->udi_di_count; i++)
		for (size_t k = 0; k < n->udi_di_count; k++)
			if (strcmp(pr->udi_dis[i], n->udi_dis[k]) == 0)
				return 1;
	return 0;
}

/* "a, b, c and 2 more" of the candidates' targets. */
static void list_targets(const struct export *x, const size_t *idx, size_t n, char *out,
			 size_t cap)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && i < NAMES_LISTED && used < cap; i++)
		used += (size_t)snprintf(out + used, cap - used, "%s%.200s", i > 0 ? ", " : "",
					 x->stored[idx[i]].target);
	if (n > NAMES_LISTED && used < cap)
		snprintf(out + used, cap - used, " and %zu more", n - NAMES_LISTED);
}

/* ---------------------------------------------------------------- releases */

/* medfw_advisory_resolve_fn: the stored release an input release is, and its notice. */
static enum medfw_err resolve(void *user, const char *path,
			      const struct medfw_advisory_product *pr,
			      const struct medfw_advisory_release *r,
			      struct medfw_advisory_resolved *out, struct medfw_diag *diag)
{
	struct export *x = user;
	struct medfw_release_notice **notices = NULL;
	struct resolved *rec;
	size_t *idx = NULL, lo, hi, n = 0, kept, other_udi = 0, i;
	char names[1024];
	enum medfw_err err;

	err = load_stored(x, diag);
	if (err == MEDFW_OK)
		err = open_view(x, diag);
	if (err != MEDFW_OK)
		return err;
	/* the stored releases of this version: [lo, hi) */
	for (lo = 0, hi = x->n_stored; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(x->stored[mid].version, r->version) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (hi = lo; hi < x->n_stored && strcmp(x->stored[hi].version, r->version) == 0; hi++)
		;
	if (hi > lo) {
		idx = calloc(hi - lo, sizeof(*idx));
		notices = calloc(hi - lo, sizeof(*notices));
		if (idx == NULL || notices == NULL) {
			err = server_says(x, 500, "internal",
					  medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory"));
			goto done;
		}
	}
	/* signed by the served repository now, with a valid notice of this version */
	for (i = lo; i < hi; i++) {
		const struct medfw_tuf_target *t = served(x, x->stored[i].target);
		struct medfw_release_notice *notice = NULL;
		struct medfw_diag d;

		medfw_diag_clear(&d);
		if (t == NULL || medfw_notice_from_target_custom(t->custom, &notice, &d) != MEDFW_OK)
			continue;
		if (strcmp(notice->product_version, r->version) != 0) {
			medfw_notice_free(notice);
			continue;
		}
		/* of this model: a notice listing UDI-DIs names the product's */
		if (pr->udi_di_count > 0 && notice->udi_di_count > 0 && !shares_udi(pr, notice)) {
			medfw_notice_free(notice);
			other_udi++;
			continue;
		}
		idx[n] = i;
		notices[n++] = notice;
	}
	kept = n;
	if (kept > 1 && r->sbom != NULL) {
		kept = 0;
		for (i = 0; i < n; i++) {
			const struct stored *s = &x->stored[idx[i]];

			if (strcmp(base_name(s->target), r->sbom) == 0 ||
			    (s->sbom_target[0] != '\0' && strcmp(base_name(s->sbom_target), r->sbom) == 0)) {
				struct medfw_release_notice *tmp = notices[kept];
				size_t ti = idx[kept];

				notices[kept] = notices[i];
				idx[kept] = idx[i];
				notices[i] = tmp;
				idx[i] = ti;
				kept++;
			}
		}
		if (kept == 0) {
			list_targets(x, idx, n, names, sizeof(names));
			err = server_says(
				x, 422, "ambiguous_release",
				medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					       "advisory input: %s: %zu releases with an SBOM have "
					       "version %s (%s), none of them with the file name "
					       "\"%.200s\" (its \"sbom\") as target or SBOM target",
					       path, n, r->version, names, r->sbom));
			goto done;
		}
	}
	if (kept == 0) {
		err = server_says(x, 422, "unknown_release",
				  medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
						 "advisory input: %s: no release of version %s with an "
						 "SBOM on this server is signed by the repository it "
						 "serves%s",
						 path, r->version,
						 other_udi > 0 ? " for this product (the notices of that "
								 "version name other UDI-DIs)"
							       : ""));
		goto done;
	}
	if (kept > 1) {
		list_targets(x, idx, kept, names, sizeof(names));
		err = server_says(x, 422, "ambiguous_release",
				  medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						 "advisory input: %s: %zu releases with an SBOM have "
						 "version %s (%s): give the release's \"sbom\" as the "
						 "file name of its target or of its SBOM target",
						 path, kept, r->version, names));
		goto done;
	}
	/* the same release twice: for two products (one version twice for the same product
	 * is the parser's to refuse) */
	for (i = 0; i < x->n_rel; i++)
		if (strcmp(x->rel[i].target, x->stored[idx[0]].target) == 0 &&
		    strcmp(x->rel[i].product, pr->id) != 0) {
			err = server_says(x, 422, "ambiguous_release",
					  medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
							 "advisory input: %s: is the same release "
							 "(%.200s) as %s",
							 path, x->stored[idx[0]].target, x->rel[i].path));
			goto done;
		}
	if (x->n_rel == x->cap_rel) {
		size_t cap = x->cap_rel > 0 ? x->cap_rel * 2 : 16;

		rec = realloc(x->rel, cap * sizeof(*rec));
		if (rec == NULL) {
			err = server_says(x, 500, "internal",
					  medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory"));
			goto done;
		}
		x->rel = rec;
		x->cap_rel = cap;
	}
	rec = &x->rel[x->n_rel++];
	snprintf(rec->key, sizeof(rec->key), "%s:%s", pr->id, r->version);
	snprintf(rec->product, sizeof(rec->product), "%s", pr->id);
	snprintf(rec->path, sizeof(rec->path), "%s", path);
	snprintf(rec->target, sizeof(rec->target), "%s", x->stored[idx[0]].target);
	out->notice = notices[0];
	out->sbom = rec->key;
	notices[0] = NULL;
done:
	for (i = 0; i < n; i++)
		medfw_notice_free(notices[i]);
	free(notices);
	free(idx);
	return err;
}

/* ---------------------------------------------------------------- findings */

struct add_ctx {
	struct medfw_advisory_findings *set;
	const char *key;
};

static enum medfw_err add_finding(void *user, const struct medfw_store_finding *f,
				  const char *detail, size_t len, struct medfw_diag *diag)
{
	struct add_ctx *c = user;

	/* what the matcher no longer produces is no finding of the inputs as they are */
	if (f->status == MEDFW_STORE_FINDING_UNMATCHED)
		return MEDFW_OK;
	return medfw_advisory_findings_add_json(c->set, c->key, (const uint8_t *)detail, len,
						diag);
}

/* The stored findings of the resolved releases, each release's in the matcher's order
 * (the store lists them by priority). */
static enum medfw_err read_findings(const struct export *x,
				    struct medfw_advisory_findings **out,
				    struct medfw_diag *diag)
{
	struct medfw_store_finding_filter *filter = calloc(1, sizeof(*filter));
	struct add_ctx c;
	enum medfw_err err = MEDFW_OK;

	*out = NULL;
	c.set = medfw_advisory_findings_new("medfwd findings");
	if (filter == NULL || c.set == NULL) {
		free(filter);
		medfw_advisory_findings_free(c.set);
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; err == MEDFW_OK && i < x->n_rel; i++) {
		int64_t offset = 0, total = 0;

		memset(filter, 0, sizeof(*filter));
		filter->kev = -1;
		snprintf(filter->target_name, sizeof(filter->target_name), "%s", x->rel[i].target);
		c.key = x->rel[i].key;
		do {
			err = medfw_store_finding_list(x->app->store, filter, offset, FINDINGS_PAGE,
						       add_finding, &c, &total, diag);
			offset += FINDINGS_PAGE;
		} while (err == MEDFW_OK && offset < total);
	}
	free(filter);
	if (err != MEDFW_OK) {
		medfw_advisory_findings_free(c.set);
		return err;
	}
	*out = c.set;
	return MEDFW_OK;
}

/* 1 when the findings belong to the inputs as they are; else a 409 answer. `*evaluated`
 * the generation they were computed from (compared with `expect` when not negative). */
static int findings_current(struct medfwd_app *app, struct medfwd_response *resp,
			    int64_t expect, int64_t *evaluated)
{
	struct medfw_diag diag;
	int64_t generation = 0;
	enum medfw_err err;

	medfw_diag_clear(&diag);
	err = medfw_store_vuln_generation(app->store, &generation, evaluated, &diag);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		return 0;
	}
	if (expect >= 0 && *evaluated != expect) {
		medfwd_respond_error(resp, 409, "evaluation_pending", NULL,
				     "the findings were re-evaluated while the advisory was "
				     "written: export it again");
		return 0;
	}
	if (*evaluated < generation) {
		medfwd_respond_error(resp, 409, "evaluation_pending", NULL,
				     "the findings are being re-evaluated after a change (inputs "
				     "generation %lld, findings of %lld): export when GET "
				     "/api/v1/vulnerabilities/evaluation shows evaluated_generation "
				     ">= %lld",
				     (long long)generation, (long long)*evaluated,
				     (long long)generation);
		return 0;
	}
	return 1;
}

/* ---------------------------------------------------------------- the route */

static int body_options(const struct medfwd_request *req, struct medfwd_response *resp,
			enum format *format, enum medfw_advisory_profile *profile,
			const char **profile_name)
{
	static const char *const allowed[] = {"input", "format", "profile", NULL};
	const char *f, *p;
	json_t *in;
	size_t i;

	if (!medfwd_body_only(req, resp, allowed) ||
	    !medfwd_body_string(req, resp, "format", 16, 1, &f) ||
	    !medfwd_body_string(req, resp, "profile", 16, 0, &p))
		return 0;
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(f, formats[i].name) == 0)
			break;
	if (i == sizeof(formats) / sizeof(formats[0])) {
		medfwd_respond_error(resp, 400, "invalid", "format",
				     "\"format\" must be csaf, html or markdown");
		return 0;
	}
	*format = (enum format)i;
	*profile = MEDFW_ADVISORY_PROFILE_SECURITY_ADVISORY;
	*profile_name = NULL;
	if (p != NULL && *format != FORMAT_CSAF) {
		medfwd_respond_error(resp, 400, "invalid", "profile",
				     "\"profile\" applies to the csaf format only");
		return 0;
	}
	if (p != NULL && strcmp(p, "vex") == 0)
		*profile = MEDFW_ADVISORY_PROFILE_VEX;
	else if (p != NULL && strcmp(p, "full") != 0) {
		medfwd_respond_error(resp, 400, "invalid", "profile",
				     "\"profile\" must be full or vex");
		return 0;
	}
	if (*format == FORMAT_CSAF)
		*profile_name = *profile == MEDFW_ADVISORY_PROFILE_VEX ? "vex" : "full";
	in = json_object_get(req->json, "input");
	if (in == NULL) {
		medfwd_respond_error(resp, 400, "missing_field", "input",
				     "missing field \"input\": the advisory input "
				     "(docs/advisories.md)");
		return 0;
	}
	if (!json_is_object(in)) {
		medfwd_respond_error(resp, 400, "invalid_advisory_input", "input",
				     "\"input\" must be the advisory input, a JSON object "
				     "(docs/advisories.md)");
		return 0;
	}
	return 1;
}

/* The advisory input of the body, its releases resolved; NULL with a response set. */
static struct medfw_advisory_input *parse_body_input(struct export *x,
						     const struct medfwd_request *req,
						     struct medfwd_response *resp)
{
	struct medfw_advisory_input *in = NULL;
	struct medfw_diag diag;
	char *text = json_dumps(json_object_get(req->json, "input"), JSON_COMPACT);
	enum medfw_err err;

	if (text == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return NULL;
	}
	medfw_diag_clear(&diag);
	err = medfw_advisory_input_parse_resolved("input", (const uint8_t *)text, strlen(text),
						  resolve, x, &in, &diag);
	free(text);
	if (err == MEDFW_OK)
		return in;
	if (x->status == 500) {
		/* internal details stay in the server's log */
		medfwd_respond_error(resp, 500, "internal", NULL, "internal error (%s)",
				     medfw_err_name(err));
		return NULL;
	}
	if (x->status != 0) {
		medfwd_respond_error(resp, x->status, x->code, "input", "%s",
				     medfw_diag_message(&diag, err));
		return NULL;
	}
	switch (err) {
	case MEDFW_ERR_FIELD_MISSING:
	case MEDFW_ERR_FIELD_TYPE:
	case MEDFW_ERR_FIELD_VALUE:
	case MEDFW_ERR_JSON_SYNTAX:
	case MEDFW_ERR_TOO_DEEP:
	case MEDFW_ERR_NOTICE:
		medfwd_respond_error(resp, 400, "invalid_advisory_input", "input", "%s",
				     medfw_diag_message(&diag, err));
		break;
	case MEDFW_ERR_TOO_LARGE:
		medfwd_respond_error(resp, 413, "too_large", "input", "%s",
				     medfw_diag_message(&diag, err));
		break;
	default:
		medfwd_respond_error(resp, 500, "internal", NULL, "internal error (%s)",
				     medfw_err_name(err));
		break;
	}
	return NULL;
}

/* The document; 0 with a response set. */
static int render(const struct medfw_advisory *adv, enum format format,
		  enum medfw_advisory_profile profile, struct medfw_buf *out,
		  struct medfwd_response *resp)
{
	struct medfw_csaf_report report;
	struct medfw_diag diag;
	enum medfw_err err;

	memset(&report, 0, sizeof(report));
	medfw_diag_clear(&diag);
	switch (format) {
	case FORMAT_CSAF: err = medfw_advisory_csaf(adv, profile, out, &report, &diag); break;
	case FORMAT_HTML: err = medfw_advisory_html(adv, out, &diag); break;
	default: err = medfw_advisory_markdown(adv, out, &diag); break;
	}
	medfw_csaf_report_free(&report);
	if (err == MEDFW_ERR_FIELD_VALUE && format == FORMAT_CSAF)
		medfwd_respond_error(resp, 422, "csaf_invalid", "input", "%s",
				     medfw_diag_message(&diag, err));
	else if (err != MEDFW_OK)
		medfwd_respond_medfw_error(resp, err, &diag);
	return err == MEDFW_OK;
}

static json_t *releases_json(const struct export *x)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr != NULL && i < x->n_rel; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s}", "product", x->rel[i].key,
						     "release", x->rel[i].target));
	return arr;
}

static void export_advisory(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *who = medfwd_principal_of(req);
	struct medfw_advisory_input *in = NULL;
	struct medfw_advisory_findings *findings = NULL;
	struct medfw_advisory *adv = NULL;
	struct medfw_buf doc;
	struct medfw_diag diag;
	struct export x;
	enum format format = FORMAT_CSAF;
	enum medfw_advisory_profile profile = MEDFW_ADVISORY_PROFILE_SECURITY_ADVISORY;
	const char *profile_name = NULL;
	char file[MEDFW_ADVISORY_FILE_NAME_MAX], disposition[MEDFW_ADVISORY_FILE_NAME_MAX + 40];
	char sha[65] = "";
	uint8_t digest[32];
	size_t n = 0;
	int64_t evaluated = 0;
	enum medfw_err err;

	memset(&x, 0, sizeof(x));
	x.app = app;
	medfw_buf_init(&doc, MEDFW_ADVISORY_OUTPUT_MAX);
	if (!require_global(req, resp) ||
	    !body_options(req, resp, &format, &profile, &profile_name) ||
	    !findings_current(app, resp, -1, &evaluated))
		goto out;
	in = parse_body_input(&x, req, resp);
	if (in == NULL)
		goto out;
	medfw_diag_clear(&diag);
	err = read_findings(&x, &findings, &diag);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		goto out;
	}
	if (!findings_current(app, resp, evaluated, &evaluated))
		goto out;
	medfw_diag_clear(&diag);
	err = medfw_advisory_build(in, findings, &adv, &diag);
	if (err == MEDFW_ERR_FIELD_VALUE) {
		medfwd_respond_error(resp, 422, "inconsistent_advisory", "input", "%s",
				     medfw_diag_message(&diag, err));
		goto out;
	}
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		goto out;
	}
	if (!render(adv, format, profile, &doc, resp))
		goto out;
	if (medfw_advisory_file_name(in, formats[format].output, profile, file, sizeof(file)) !=
		    MEDFW_OK ||
	    medfw_hash_oneshot(MEDFW_HASH_SHA256, doc.data, doc.len, digest, sizeof(digest), &n) !=
		    MEDFW_OK ||
	    medfw_hex_encode(digest, n, sha, sizeof(sha)) != MEDFW_OK) {
		medfwd_respond_error(resp, 500, "internal", NULL, "cannot name or hash the advisory");
		goto out;
	}
	/* a disclosure leaves the server only when it is on the record */
	if (medfwd_audit(app, req, medfwd_actor_of(who), 0, "vulnerabilities.advisory_exported",
			 json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:I, s:o}", "tracking_id",
				   in->tracking_id, "version",
				   in->revisions[in->revision_count - 1].number, "format",
				   formats[format].name, "profile",
				   profile_name != NULL ? json_string(profile_name) : json_null(),
				   "file", file, "sha256", sha, "bytes", (json_int_t)doc.len,
				   "releases", releases_json(&x))) != MEDFW_OK) {
		medfwd_respond_error(resp, 500, "internal", NULL,
				     "the export could not be recorded in the audit trail");
		goto out;
	}
	snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s\"", file);
	medfwd_respond_bytes(resp, 200, formats[format].content_type, doc.data, doc.len);
	(void)medfwd_response_add_header(resp, "Content-Disposition", disposition);
out:
	medfw_buf_free(&doc);
	medfw_advisory_free(adv);
	medfw_advisory_findings_free(findings);
	medfw_advisory_input_free(in);
	export_free(&x);
}

const struct medfwd_route medfwd_routes_advisories[] = {
	{"POST", "/api/v1/vulnerabilities/advisories", export_advisory, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_JSON, "vulnerabilities.advisories.export"},
	{0},
};
