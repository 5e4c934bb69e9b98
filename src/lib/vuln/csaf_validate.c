/* CSAF 2.0 mandatory tests (section 6.1) on a parsed document (include/medfw/csaf.h).
 *
 * Implemented: 6.1.1 to 6.1.10, 6.1.13 to 6.1.33 with the profile tests 6.1.27.1 to
 * 6.1.27.11. Not implemented: 6.1.11 (the CWE name must match the id: needs the CWE
 * catalogue, which medfw does not ship) and 6.1.12 (the language subtags must be
 * registered: needs the IANA language subtag registry; the syntax of lang and
 * source_lang is checked when parsing). */
#include "medfw/csaf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/purl.h"
#include "medfw/version.h"
#include "vuln/advjson_int.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const implemented[] = {
	"6.1.1",    "6.1.2",    "6.1.3",    "6.1.4",    "6.1.5",    "6.1.6",    "6.1.7",
	"6.1.8",    "6.1.9",    "6.1.10",   "6.1.13",   "6.1.14",   "6.1.15",   "6.1.16",
	"6.1.17",   "6.1.18",   "6.1.19",   "6.1.20",   "6.1.21",   "6.1.22",   "6.1.23",
	"6.1.24",   "6.1.25",   "6.1.26",   "6.1.27.1", "6.1.27.2", "6.1.27.3", "6.1.27.4",
	"6.1.27.5", "6.1.27.6", "6.1.27.7", "6.1.27.8", "6.1.27.9", "6.1.27.10", "6.1.27.11",
	"6.1.28",   "6.1.29",   "6.1.30",   "6.1.31",   "6.1.32",   "6.1.33",   NULL,
};

const char *const *medfw_csaf_validator_tests(void)
{
	return implemented;
}

void medfw_csaf_report_free(struct medfw_csaf_report *report)
{
	if (report == NULL)
		return;
	free(report->findings);
	memset(report, 0, sizeof(*report));
}

int medfw_csaf_report_has(const struct medfw_csaf_report *report, const char *test)
{
	size_t i;

	if (report == NULL || test == NULL)
		return 0;
	for (i = 0; i < report->count; i++)
		if (strcmp(report->findings[i].test, test) == 0)
			return 1;
	return 0;
}

struct ctx {
	const struct medfw_csaf_doc *doc;
	struct medfw_csaf_report *report;
	enum medfw_err err; /* MEDFW_ERR_NOMEM once an append failed */
};

static void add(struct ctx *cx, const char *test, const char *fmt, ...) MEDFW_PRINTF(3, 4);

static void add(struct ctx *cx, const char *test, const char *fmt, ...)
{
	struct medfw_csaf_report *r = cx->report;
	struct medfw_csaf_finding *f;
	va_list ap;

	if (cx->err != MEDFW_OK)
		return;
	if (r->count >= MEDFW_CSAF_REPORT_MAX) {
		r->truncated = 1;
		return;
	}
	if (r->count == r->cap) {
		size_t cap = r->cap == 0 ? 16 : r->cap * 2;

		f = realloc(r->findings, cap * sizeof(*f));
		if (f == NULL) {
			cx->err = MEDFW_ERR_NOMEM;
			return;
		}
		r->findings = f;
		r->cap = cap;
	}
	f = &r->findings[r->count++];
	snprintf(f->test, sizeof(f->test), "%s", test);
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
}

static int id_in(const char *const *ids, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(ids[i], id) == 0)
			return 1;
	return 0;
}

static int defined(const struct ctx *cx, const char *id)
{
	return medfw_csaf_product_find(cx->doc, id) != NULL;
}

static void need_defined(struct ctx *cx, const char *const *ids, size_t n, const char *path)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!defined(cx, ids[i]))
			add(cx, "6.1.1", "%s[%zu]: product id %s is not defined", path, i, ids[i]);
}

static void need_group(struct ctx *cx, const char *const *ids, size_t n, const char *path)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (medfw_csaf_group_find(cx->doc, ids[i]) == NULL)
			add(cx, "6.1.4", "%s[%zu]: product group id %s is not defined", path, i, ids[i]);
}

/* 6.1.1 and 6.1.4: every referenced product and group id is defined. */
static void test_references(struct ctx *cx)
{
	const struct medfw_csaf_doc *d = cx->doc;
	char p[MEDFWI_PATH_MAX];
	size_t i, j, s;

	for (i = 0; i < d->group_count; i++) {
		snprintf(p, sizeof(p), "product_tree.product_groups[%zu].product_ids", i);
		need_defined(cx, d->groups[i].product_ids, d->groups[i].product_id_count, p);
	}
	for (i = 0; i < d->product_count; i++) {
		const struct medfw_csaf_product *pr = &d->products[i];

		if (pr->origin != MEDFW_CSAF_FROM_RELATIONSHIP)
			continue;
		if (!defined(cx, pr->product_reference))
			add(cx, "6.1.1", "%s: product_reference %s is not defined", pr->json_path,
			    pr->product_reference);
		if (!defined(cx, pr->relates_to_product_reference))
			add(cx, "6.1.1", "%s: relates_to_product_reference %s is not defined",
			    pr->json_path, pr->relates_to_product_reference);
	}
	for (i = 0; i < d->vulnerability_count; i++) {
		const struct medfw_csaf_vulnerability *v = &d->vulnerabilities[i];

		for (s = 0; s < MEDFW_CSAF_STATUS_COUNT; s++) {
			snprintf(p, sizeof(p), "vulnerabilities[%zu].product_status.%s", i,
				 medfw_csaf_status_name((enum medfw_csaf_status)s));
			need_defined(cx, v->status[s], v->status_count[s], p);
		}
		for (j = 0; j < v->remediation_count; j++) {
			snprintf(p, sizeof(p), "vulnerabilities[%zu].remediations[%zu].product_ids", i, j);
			need_defined(cx, v->remediations[j].product_ids, v->remediations[j].product_id_count, p);
			snprintf(p, sizeof(p), "vulnerabilities[%zu].remediations[%zu].group_ids", i, j);
			need_group(cx, v->remediations[j].group_ids, v->remediations[j].group_id_count, p);
		}
		for (j = 0; j < v->score_count; j++) {
			snprintf(p, sizeof(p), "vulnerabilities[%zu].scores[%zu].products", i, j);
			need_defined(cx, v->scores[j].products, v->scores[j].product_count, p);
		}
		for (j = 0; j < v->threat_count; j++) {
			snprintf(p, sizeof(p), "vulnerabilities[%zu].threats[%zu].product_ids", i, j);
			need_defined(cx, v->threats[j].product_ids, v->threats[j].product_id_count, p);
			snprintf(p, sizeof(p), "vulnerabilities[%zu].threats[%zu].group_ids", i, j);
			need_group(cx, v->threats[j].group_ids, v->threats[j].group_id_count, p);
		}
		for (j = 0; j < v->flag_count; j++) {
			snprintf(p, sizeof(p), "vulnerabilities[%zu].flags[%zu].product_ids", i, j);
			need_defined(cx, v->flags[j].product_ids, v->flags[j].product_id_count, p);
			snprintf(p, sizeof(p), "vulnerabilities[%zu].flags[%zu].group_ids", i, j);
			need_group(cx, v->flags[j].group_ids, v->flags[j].group_id_count, p);
		}
	}
}

/* 6.1.2, 6.1.5: one definition per product id and group id. */
static void test_multiple_definitions(struct ctx *cx)
{
	const struct medfw_csaf_doc *d = cx->doc;
	size_t i;

	for (i = 0; i < d->product_count; i++) {
		const struct medfw_csaf_product *first = medfw_csaf_product_find(d, d->products[i].product_id);

		if (first != &d->products[i])
			add(cx, "6.1.2", "%s: product id %s is already defined at %s",
			    d->products[i].json_path, d->products[i].product_id, first->json_path);
	}
	for (i = 0; i < d->group_count; i++)
		if (medfw_csaf_group_find(d, d->groups[i].group_id) != &d->groups[i])
			add(cx, "6.1.5", "product_tree.product_groups[%zu]: group id %s is defined twice", i,
			    d->groups[i].group_id);
}

/* 6.1.3: no product id is defined, through relationships, in terms of itself. A
 * depth-first search over the relationship definitions (white/grey/black). */
static void test_circular(struct ctx *cx)
{
	const struct medfw_csaf_doc *d = cx->doc;
	unsigned char *color;
	size_t *stack, *edge, n = d->product_count, i;

	if (n == 0)
		return;
	color = calloc(n, 1);
	stack = malloc(n * sizeof(*stack));
	edge = malloc(n * sizeof(*edge));
	if (color == NULL || stack == NULL || edge == NULL) {
		cx->err = MEDFW_ERR_NOMEM;
		goto done;
	}
	for (i = 0; i < n; i++) {
		size_t top = 0;

		if (color[i] != 0 || d->products[i].origin != MEDFW_CSAF_FROM_RELATIONSHIP)
			continue;
		stack[top] = i;
		edge[top++] = 0;
		color[i] = 1;
		while (top > 0) {
			size_t u = stack[top - 1];
			const struct medfw_csaf_product *pu = &d->products[u];
			const struct medfw_csaf_product *next = NULL;
			size_t w;

			if (pu->origin == MEDFW_CSAF_FROM_RELATIONSHIP && edge[top - 1] < 2)
				next = edge[top - 1]++ == 0 ? pu->component : pu->platform;
			else {
				color[u] = 2;
				top--;
				continue;
			}
			if (next == NULL)
				continue;
			w = (size_t)(next - d->products);
			if (color[w] == 1) {
				add(cx, "6.1.3", "%s: product id %s is defined in terms of itself (via %s)",
				    pu->json_path, pu->product_id, next->product_id);
			} else if (color[w] == 0) {
				color[w] = 1;
				stack[top] = w;
				edge[top++] = 0;
			}
		}
	}
done:
	free(color);
	free(stack);
	free(edge);
}

enum sgroup { G_AFF, G_NOT, G_FIX, G_UI, G_NONE };

static enum sgroup status_group(size_t s)
{
	switch (s) {
	case MEDFW_CSAF_FIRST_AFFECTED:
	case MEDFW_CSAF_KNOWN_AFFECTED:
	case MEDFW_CSAF_LAST_AFFECTED:
		return G_AFF;
	case MEDFW_CSAF_KNOWN_NOT_AFFECTED:
		return G_NOT;
	case MEDFW_CSAF_FIRST_FIXED:
	case MEDFW_CSAF_FIXED:
		return G_FIX;
	case MEDFW_CSAF_UNDER_INVESTIGATION:
		return G_UI;
	default:
		return G_NONE;
	}
}

/* 6.1.6: affected | not affected | fixed | under investigation are disjoint. */
static void test_contradicting_status(struct ctx *cx)
{
	const struct medfw_csaf_doc *d = cx->doc;
	size_t i, s, t, k;

	for (i = 0; i < d->vulnerability_count; i++) {
		const struct medfw_csaf_vulnerability *v = &d->vulnerabilities[i];

		for (s = 0; s < MEDFW_CSAF_STATUS_COUNT; s++) {
			if (status_group(s) == G_NONE)
				continue;
			for (k = 0; k < v->status_count[s]; k++) {
				for (t = s + 1; t < MEDFW_CSAF_STATUS_COUNT; t++) {
					if (status_group(t) == G_NONE || status_group(t) == status_group(s))
						continue;
					if (id_in(v->status[t], v->status_count[t], v->status[s][k]))
						add(cx, "6.1.6",
						    "vulnerabilities[%zu].product_status: %s is both %s "
						    "and %s",
						    i, v->status[s][k],
						    medfw_csaf_status_name((enum medfw_csaf_status)s),
						    medfw_csaf_status_name((enum medfw_csaf_status)t));
				}
			}
		}
	}
}

static const char *cvss_version_of(const struct medfw_csaf_cvss *c)
{
	if (c->version != NULL)
		return c->version;
	return c->vector_valid ? medfw_cvss_version_name(c->cvss.version) : "?";
}

/* 6.1.7: a product has at most one score per CVSS version in a vulnerability. */
static void test_multiple_scores(struct ctx *cx)
{
	const struct medfw_csaf_doc *d = cx->doc;
	size_t i, a, b, k;

	for (i = 0; i < d->vulnerability_count; i++) {
		const struct medfw_csaf_vulnerability *v = &d->vulnerabilities[i];

		for (a = 0; a < v->score_count; a++) {
			for (b = a + 1; b < v->score_count; b++) {
				const struct medfw_csaf_score *x = &v->scores[a], *y = &v->scores[b];
				int v3 = x->cvss_v3.present && y->cvss_v3.present &&
					 strcmp(cvss_version_of(&x->cvss_v3), cvss_version_of(&y->cvss_v3)) == 0;
				int v2 = x->cvss_v2.present && y->cvss_v2.present;

				if (!v3 && !v2)
					continue;
				for (k = 0; k < x->product_count; k++)
					if (id_in(y->products, y->product_count, x->products[k]))
						add(cx, "6.1.7",
						    "vulnerabilities[%zu].scores[%zu]: %s has a CVSS %s "
						    "score already in scores[%zu]",
						    i, b, x->products[k],
						    v3 ? cvss_version_of(&x->cvss_v3) : "2.0", a);
			}
		}
	}
}

static void check_score(struct ctx *cx, const char *p, const char *what, int given, int computed,
			const char *severity, int v3)
{
	const char *want = medfw_cvss_severity(computed);

	if (given != computed)
		add(cx, "6.1.9", "%s: %sScore is %d.%d, the vector gives %d.%d", p, what, given / 10,
		    given % 10, computed / 10, computed % 10);
	if (v3 && severity != NULL && (want == NULL || strcmp(severity, want) != 0))
		add(cx, "6.1.9", "%s: %sSeverity is %s, the score %d.%d is %s", p, what, severity,
		    computed / 10, computed % 10, want != NULL ? want : "?");
}

/* 6.1.8 (FIRST's schema), 6.1.9 (scores computed from the vector), 6.1.10
 * (properties consistent with the vector). */
static void test_cvss(struct ctx *cx)
{
	const struct medfw_csaf_doc *d = cx->doc;
	char p[MEDFWI_PATH_MAX];
	size_t i, j, k, w;

	for (i = 0; i < d->vulnerability_count; i++) {
		const struct medfw_csaf_vulnerability *v = &d->vulnerabilities[i];

		for (j = 0; j < v->score_count; j++) {
			const struct medfw_csaf_cvss *objs[2] = {&v->scores[j].cvss_v2, &v->scores[j].cvss_v3};

			for (w = 0; w < 2; w++) {
				const struct medfw_csaf_cvss *c = objs[w];
				int v3 = w == 1;

				if (!c->present)
					continue;
				snprintf(p, sizeof(p), "vulnerabilities[%zu].scores[%zu].%s", i, j,
					 v3 ? "cvss_v3" : "cvss_v2");
				if (c->problem != NULL)
					add(cx, "6.1.8", "%s", c->problem);
				if (!c->vector_valid)
					continue;
				if (c->has_base_score)
					check_score(cx, p, "base", c->base_score, c->cvss.base_score,
						    c->base_severity, v3);
				if (c->has_temporal_score)
					check_score(cx, p, "temporal", c->temporal_score,
						    c->cvss.temporal_score, c->temporal_severity, v3);
				if (c->has_environmental_score)
					check_score(cx, p, "environmental", c->environmental_score,
						    c->cvss.environmental_score,
						    c->environmental_severity, v3);
				for (k = 0; k < c->property_count; k++) {
					int ok = 1;

					if (medfw_cvss_json_property_check(&c->cvss, c->properties[k].name,
									   c->properties[k].value, &ok,
									   NULL) == MEDFW_OK &&
					    !ok)
						add(cx, "6.1.10", "%s.%s: %s does not match the vector %s", p,
						    c->properties[k].name, c->properties[k].value,
						    c->vector);
				}
			}
		}
	}
}

/* 6.1.13: purl helpers are valid package URLs; 6.1.25: one hash per algorithm. */
static void test_helpers(struct ctx *cx)
{
	const struct medfw_csaf_doc *d = cx->doc;
	struct medfw_purl *purl;
	struct medfw_diag diag;
	size_t i, h, a, b;

	for (i = 0; i < d->product_count; i++) {
		const struct medfw_csaf_product *pr = &d->products[i];

		if (!pr->has_helper)
			continue;
		if (pr->helper.purl != NULL) {
			purl = NULL;
			medfw_diag_clear(&diag);
			if (medfw_purl_parse(pr->helper.purl, MEDFW_PURL_STRICT, &purl, &diag) != MEDFW_OK)
				add(cx, "6.1.13", "%s.product_identification_helper.purl: %s", pr->json_path,
				    diag.msg);
			medfw_purl_free(purl);
		}
		for (h = 0; h < pr->helper.hash_count; h++) {
			const struct medfw_csaf_file_hashes *f = &pr->helper.hashes[h];

			for (a = 0; a < f->file_hash_count; a++)
				for (b = a + 1; b < f->file_hash_count; b++)
					if (strcmp(f->file_hashes[a].algorithm, f->file_hashes[b].algorithm) == 0)
						add(cx, "6.1.25",
						    "%s.product_identification_helper.hashes[%zu]: "
						    "algorithm %s is used twice",
						    pr->json_path, h, f->file_hashes[a].algorithm);
		}
	}
}

/* ------------------------------------------------------- revision history */

static int is_integer_version(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return i > 0;
}

/* Compare two version_t values of the same kind (integer or semver). */
static int version_cmp(const char *a, const char *b)
{
	int c = 0;

	if (is_integer_version(a) && is_integer_version(b)) {
		size_t la = strlen(a), lb = strlen(b);

		if (la != lb)
			return la < lb ? -1 : 1;
		c = strcmp(a, b);
		return (c > 0) - (c < 0);
	}
	if (medfw_version_compare(MEDFW_VERSION_SCHEME_SEMVER, a, b, &c, NULL) != MEDFW_OK)
		return 0;
	return c;
}

/* The major version (integer versioning: the number itself), or -1 when too large. */
static long major_of(const char *s)
{
	long m = 0;
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
		if (m > 100000000L)
			return -1;
		m = m * 10 + (s[i] - '0');
	}
	return m;
}

static int has_prerelease(const char *s)
{
	const char *plus = strchr(s, '+');
	const char *dash = strchr(s, '-');

	return dash != NULL && (plus == NULL || dash < plus);
}

static int is_zero_major(const char *s)
{
	return strcmp(s, "0") == 0 || strncmp(s, "0.", 2) == 0;
}

/* Revision indexes sorted by (date, number). */
static size_t *sorted_revisions(struct ctx *cx, struct medfwi_time *times)
{
	const struct medfw_csaf_doc *d = cx->doc;
	size_t *idx, i, j, n = d->revision_count;

	idx = malloc((n > 0 ? n : 1) * sizeof(*idx));
	if (idx == NULL) {
		cx->err = MEDFW_ERR_NOMEM;
		return NULL;
	}
	for (i = 0; i < n; i++) {
		size_t x = i;

		for (j = i; j > 0; j--) {
			size_t y = idx[j - 1];
			int c = medfwi_time_cmp(&times[x], &times[y]);

			if (c > 0 || (c == 0 && version_cmp(d->revisions[x].number, d->revisions[y].number) >= 0))
				break;
			idx[j] = y;
		}
		idx[j] = x;
	}
	return idx;
}

static void test_revisions(struct ctx *cx)
{
	const struct medfw_csaf_doc *d = cx->doc;
	const char *status = d->tracking_status, *version = d->tracking_version;
	int released = strcmp(status, "final") == 0 || strcmp(status, "interim") == 0;
	struct medfwi_time *times;
	size_t n = d->revision_count, i, j, *idx = NULL;
	int integers = is_integer_version(version), mixed = 0;
	char stripped_v[300], stripped_l[300];
	const char *latest;

	times = calloc(n > 0 ? n : 1, sizeof(*times));
	if (times == NULL) {
		cx->err = MEDFW_ERR_NOMEM;
		return;
	}
	for (i = 0; i < n; i++) {
		(void)medfwi_time_parse(d->revisions[i].date, &times[i]); /* checked when parsing */
		if (is_integer_version(d->revisions[i].number) != integers)
			mixed = 1;
	}
	/* 6.1.30 */
	if (mixed)
		add(cx, "6.1.30",
		    "document.tracking: version %s and the revision numbers mix integer and semantic "
		    "versioning",
		    version);
	/* 6.1.17, 6.1.20 */
	if ((is_zero_major(version) || (!integers && has_prerelease(version))) &&
	    strcmp(status, "draft") != 0)
		add(cx, "6.1.17", "document.tracking: version %s requires status draft, not %s", version,
		    status);
	if (released && !integers && has_prerelease(version))
		add(cx, "6.1.20", "document.tracking.version: %s has a pre-release part but status is %s",
		    version, status);
	for (i = 0; i < n; i++) {
		const char *num = d->revisions[i].number;

		/* 6.1.18 */
		if (released && is_zero_major(num))
			add(cx, "6.1.18",
			    "document.tracking.revision_history[%zu]: number %s in a %s document", i, num,
			    status);
		/* 6.1.19 */
		if (!is_integer_version(num) && has_prerelease(num))
			add(cx, "6.1.19",
			    "document.tracking.revision_history[%zu]: number %s has a pre-release part",
			    i, num);
		/* 6.1.22 */
		for (j = 0; j < i; j++)
			if (strcmp(d->revisions[j].number, num) == 0)
				add(cx, "6.1.22",
				    "document.tracking.revision_history[%zu]: number %s is already used "
				    "by item %zu",
				    i, num, j);
		/* 6.1.14: ordered by date, numbers ascend */
		for (j = 0; !mixed && j < n; j++)
			if (medfwi_time_cmp(&times[j], &times[i]) < 0 &&
			    version_cmp(d->revisions[j].number, num) >= 0)
				add(cx, "6.1.14",
				    "document.tracking.revision_history[%zu]: number %s is dated after "
				    "item %zu (number %s)",
				    i, num, j, d->revisions[j].number);
	}
	if (n == 0 || mixed)
		goto done;
	idx = sorted_revisions(cx, times);
	if (idx == NULL)
		goto done;
	/* 6.1.16: the version is the number of the latest revision (build metadata, and
	 * for drafts the pre-release, ignored) */
	latest = d->revisions[idx[n - 1]].number;
	snprintf(stripped_v, sizeof(stripped_v), "%s", version);
	snprintf(stripped_l, sizeof(stripped_l), "%s", latest);
	stripped_v[strcspn(stripped_v, "+")] = '\0';
	stripped_l[strcspn(stripped_l, "+")] = '\0';
	if (strcmp(status, "draft") == 0 && !integers) {
		stripped_v[strcspn(stripped_v, "-")] = '\0';
		stripped_l[strcspn(stripped_l, "-")] = '\0';
	}
	if (strcmp(stripped_v, stripped_l) != 0)
		add(cx, "6.1.16",
		    "document.tracking.version: %s, but the latest revision is %s", version, latest);
	/* 6.1.21: no version (major version) skipped, starting at 0 or 1 */
	{
		long first = major_of(d->revisions[idx[0]].number), prev = first;

		if (first != 0 && first != 1)
			add(cx, "6.1.21",
			    "document.tracking.revision_history: the first revision is %s, not 0 or 1",
			    d->revisions[idx[0]].number);
		for (i = 1; i < n; i++) {
			long m = major_of(d->revisions[idx[i]].number);

			if (m != prev && m != prev + 1)
				add(cx, "6.1.21",
				    "document.tracking.revision_history: %s follows %s, a version is "
				    "missing",
				    d->revisions[idx[i]].number, d->revisions[idx[i - 1]].number);
			prev = m;
		}
	}
done:
	free(idx);
	free(times);
}

/* ------------------------------------------------------- document level */

static int ascii_ieq_n(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char x = (a[i] >= 'A' && a[i] <= 'Z') ? (char)(a[i] - 'A' + 'a') : a[i];
		char y = (b[i] >= 'A' && b[i] <= 'Z') ? (char)(b[i] - 'A' + 'a') : b[i];

		if (x != y || x == '\0')
			return x == y;
	}
	return 1;
}

/* Lowercase without '-', '_' and whitespace. */
static void squash(const char *in, char *out, size_t cap)
{
	size_t o = 0;

	for (; *in != '\0' && o + 1 < cap; in++) {
		if (*in == '-' || *in == '_' || *in == ' ' || *in == '\t' || *in == '\n' || *in == '\r')
			continue;
		out[o++] = (*in >= 'A' && *in <= 'Z') ? (char)(*in - 'A' + 'a') : *in;
	}
	out[o] = '\0';
}

static const char *const profile_values[] = {"csaf_security_incident_response",
					     "csaf_informational_advisory",
					     "csaf_security_advisory", "csaf_vex"};
static const char *const profile_names[] = {"Security incident response", "Informational Advisory",
					    "Security Advisory", "VEX"};

static void test_category(struct ctx *cx)
{
	const char *cat = cx->doc->category;
	char a[512], b[64];
	size_t i;

	if (strcmp(cat, "csaf_base") == 0)
		return;
	for (i = 0; i < COUNT(profile_values); i++)
		if (strcmp(cat, profile_values[i]) == 0)
			return;
	if (ascii_ieq_n(cat, "csaf_", 5)) {
		add(cx, "6.1.26", "document.category: %s uses the reserved prefix csaf_", cat);
		return;
	}
	squash(cat, a, sizeof(a));
	for (i = 0; i < COUNT(profile_values); i++) {
		squash(profile_values[i], b, sizeof(b));
		if (strcmp(a, b) == 0)
			add(cx, "6.1.26", "document.category: %s is the value of a profile", cat);
		squash(profile_names[i], b, sizeof(b));
		if (strcmp(a, b) == 0)
			add(cx, "6.1.26", "document.category: %s is the name of a profile", cat);
	}
}

static void test_document(struct ctx *cx)
{
	const struct medfw_csaf_doc *d = cx->doc;
	size_t i, j;

	/* 6.1.15 */
	if (strcmp(d->publisher_category, "translator") == 0 && d->source_lang == NULL)
		add(cx, "6.1.15", "document.source_lang is missing although the publisher is a translator");
	/* 6.1.28 */
	if (d->lang != NULL && d->source_lang != NULL && ascii_ieq_n(d->lang, d->source_lang, 64))
		add(cx, "6.1.28", "document: lang and source_lang are both %s", d->lang);
	/* 6.1.23 */
	for (i = 0; i < d->vulnerability_count; i++)
		for (j = 0; j < i && d->vulnerabilities[i].cve != NULL; j++)
			if (d->vulnerabilities[j].cve != NULL &&
			    strcmp(d->vulnerabilities[i].cve, d->vulnerabilities[j].cve) == 0)
				add(cx, "6.1.23", "vulnerabilities[%zu].cve: %s is also vulnerabilities[%zu]",
				    i, d->vulnerabilities[i].cve, j);
	test_category(cx);
}

static int same_opt(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* 6.1.24, 6.1.29, 6.1.32, 6.1.33 */
static void test_vulnerability_items(struct ctx *cx)
{
	const struct medfw_csaf_doc *d = cx->doc;
	size_t i, j, k, f, q;

	for (i = 0; i < d->vulnerability_count; i++) {
		const struct medfw_csaf_vulnerability *v = &d->vulnerabilities[i];

		for (j = 0; j < v->involvement_count; j++)
			for (k = 0; k < j; k++)
				if (strcmp(v->involvements[j].party, v->involvements[k].party) == 0 &&
				    same_opt(v->involvements[j].date, v->involvements[k].date))
					add(cx, "6.1.24",
					    "vulnerabilities[%zu].involvements[%zu]: party %s and date "
					    "repeat involvements[%zu]",
					    i, j, v->involvements[j].party, k);
		for (j = 0; j < v->remediation_count; j++)
			if (v->remediations[j].product_id_count == 0 && v->remediations[j].group_id_count == 0)
				add(cx, "6.1.29",
				    "vulnerabilities[%zu].remediations[%zu]: no product_ids or group_ids", i, j);
		for (j = 0; j < v->flag_count; j++)
			if (v->flags[j].product_id_count == 0 && v->flags[j].group_id_count == 0)
				add(cx, "6.1.32", "vulnerabilities[%zu].flags[%zu]: no product_ids or group_ids",
				    i, j);
		/* 6.1.33: at most one flag per product */
		for (f = 0; f < v->flag_count; f++) {
			const struct medfw_csaf_flag *fl = &v->flags[f];
			size_t total = fl->product_id_count;

			for (q = 0; q < fl->group_id_count; q++) {
				const struct medfw_csaf_group *g = medfw_csaf_group_find(d, fl->group_ids[q]);

				total += g != NULL ? g->product_id_count : 0;
			}
			for (k = 0; k < total; k++) {
				const char *id = NULL;
				size_t rest = k, e;

				if (rest < fl->product_id_count) {
					id = fl->product_ids[rest];
				} else {
					rest -= fl->product_id_count;
					for (q = 0; q < fl->group_id_count && id == NULL; q++) {
						const struct medfw_csaf_group *g =
							medfw_csaf_group_find(d, fl->group_ids[q]);
						size_t gn = g != NULL ? g->product_id_count : 0;

						if (rest < gn)
							id = g->product_ids[rest];
						else
							rest -= gn;
					}
				}
				if (id == NULL)
					continue;
				for (e = 0; e < f; e++) {
					const struct medfw_csaf_flag *o = &v->flags[e];
					int hit = id_in(o->product_ids, o->product_id_count, id);

					for (q = 0; !hit && q < o->group_id_count; q++) {
						const struct medfw_csaf_group *g =
							medfw_csaf_group_find(d, o->group_ids[q]);

						hit = g != NULL && id_in(g->product_ids, g->product_id_count, id);
					}
					if (hit) {
						add(cx, "6.1.33",
						    "vulnerabilities[%zu].flags[%zu]: %s already has the flag "
						    "in flags[%zu]",
						    i, f, id, e);
						break;
					}
				}
			}
		}
	}
}

/* 6.1.31: a product_version branch names one version, not a range. */
static void test_version_ranges(struct ctx *cx)
{
	static const char *const words[] = {"after", "all", "before", "earlier", "later", "prior",
					    "versions"};
	const struct medfw_csaf_doc *d = cx->doc;
	size_t i, k, w;

	for (i = 0; i < d->product_count; i++) {
		const struct medfw_csaf_product *p = &d->products[i];

		for (k = 0; k < p->branch_depth; k++) {
			const char *name = p->branch_path[k].name, *s;
			int found = strchr(name, '<') != NULL || strchr(name, '>') != NULL;

			if (strcmp(p->branch_path[k].category, "product_version") != 0)
				continue;
			for (s = name; !found && *s != '\0';) {
				size_t len = strcspn(s, " \t\n\r");

				for (w = 0; w < COUNT(words) && !found; w++)
					found = len == strlen(words[w]) && ascii_ieq_n(s, words[w], len);
				s += len;
				s += strspn(s, " \t\n\r");
			}
			if (found)
				add(cx, "6.1.31", "%s: the product_version branch \"%s\" names a version range",
				    p->json_path, name);
		}
	}
}

/* 6.1.27.x: the profiles' required parts. */
static int covered(const struct medfw_csaf_doc *d, const char *const *pids, size_t np,
		   const char *const *gids, size_t ng, const char *id)
{
	size_t i;

	if (id_in(pids, np, id))
		return 1;
	for (i = 0; i < ng; i++) {
		const struct medfw_csaf_group *g = medfw_csaf_group_find(d, gids[i]);

		if (g != NULL && id_in(g->product_ids, g->product_id_count, id))
			return 1;
	}
	return 0;
}

static void test_profiles(struct ctx *cx)
{
	const struct medfw_csaf_doc *d = cx->doc;
	const char *cat = d->category;
	int sir = strcmp(cat, "csaf_security_incident_response") == 0;
	int info = strcmp(cat, "csaf_informational_advisory") == 0;
	int adv = strcmp(cat, "csaf_security_advisory") == 0;
	int vex = strcmp(cat, "csaf_vex") == 0;
	size_t i, j, k;

	if (sir || info) {
		int notes = 0, external = 0;

		for (i = 0; i < d->note_count; i++)
			notes |= strcmp(d->notes[i].category, "description") == 0 ||
				 strcmp(d->notes[i].category, "details") == 0 ||
				 strcmp(d->notes[i].category, "general") == 0 ||
				 strcmp(d->notes[i].category, "summary") == 0;
		for (i = 0; i < d->reference_count; i++)
			external |= strcmp(d->references[i].category, "external") == 0;
		if (!notes)
			add(cx, "6.1.27.1",
			    "document.notes: no note of category description, details, general or summary");
		if (!external)
			add(cx, "6.1.27.2", "document.references: no reference of category external");
	}
	if (info && d->has_vulnerabilities)
		add(cx, "6.1.27.3", "vulnerabilities: an informational advisory has none");
	if ((adv || vex) && !d->has_product_tree)
		add(cx, "6.1.27.4", "product_tree is missing");
	if ((adv || vex) && !d->has_vulnerabilities)
		add(cx, "6.1.27.11", "vulnerabilities is missing");
	for (i = 0; (adv || vex) && i < d->vulnerability_count; i++) {
		const struct medfw_csaf_vulnerability *v = &d->vulnerabilities[i];

		if (v->note_count == 0)
			add(cx, "6.1.27.5", "vulnerabilities[%zu].notes is missing", i);
		if (adv && !v->has_product_status)
			add(cx, "6.1.27.6", "vulnerabilities[%zu].product_status is missing", i);
		if (!vex)
			continue;
		if (v->status_count[MEDFW_CSAF_FIXED] == 0 && v->status_count[MEDFW_CSAF_KNOWN_AFFECTED] == 0 &&
		    v->status_count[MEDFW_CSAF_KNOWN_NOT_AFFECTED] == 0 &&
		    v->status_count[MEDFW_CSAF_UNDER_INVESTIGATION] == 0)
			add(cx, "6.1.27.7",
			    "vulnerabilities[%zu].product_status: none of fixed, known_affected, "
			    "known_not_affected, under_investigation",
			    i);
		if (v->cve == NULL && v->id_count == 0)
			add(cx, "6.1.27.8", "vulnerabilities[%zu]: neither cve nor ids", i);
		for (j = 0; j < v->status_count[MEDFW_CSAF_KNOWN_NOT_AFFECTED]; j++) {
			const char *id = v->status[MEDFW_CSAF_KNOWN_NOT_AFFECTED][j];
			int ok = 0;

			for (k = 0; k < v->flag_count && !ok; k++)
				ok = covered(d, v->flags[k].product_ids, v->flags[k].product_id_count,
					     v->flags[k].group_ids, v->flags[k].group_id_count, id);
			for (k = 0; k < v->threat_count && !ok; k++)
				ok = strcmp(v->threats[k].category, "impact") == 0 &&
				     covered(d, v->threats[k].product_ids, v->threats[k].product_id_count,
					     v->threats[k].group_ids, v->threats[k].group_id_count, id);
			if (!ok)
				add(cx, "6.1.27.9",
				    "vulnerabilities[%zu]: known_not_affected %s has no impact statement "
				    "(flag or impact threat)",
				    i, id);
		}
		for (j = 0; j < v->status_count[MEDFW_CSAF_KNOWN_AFFECTED]; j++) {
			const char *id = v->status[MEDFW_CSAF_KNOWN_AFFECTED][j];
			int ok = 0;

			for (k = 0; k < v->remediation_count && !ok; k++)
				ok = covered(d, v->remediations[k].product_ids,
					     v->remediations[k].product_id_count,
					     v->remediations[k].group_ids, v->remediations[k].group_id_count,
					     id);
			if (!ok)
				add(cx, "6.1.27.10",
				    "vulnerabilities[%zu]: known_affected %s has no action statement "
				    "(remediation)",
				    i, id);
		}
	}
}

enum medfw_err medfw_csaf_validate(const struct medfw_csaf_doc *doc,
				   struct medfw_csaf_report *report, struct medfw_diag *diag)
{
	struct ctx cx;

	if (doc == NULL || report == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "csaf validate: no document or report");
	cx.doc = doc;
	cx.report = report;
	cx.err = MEDFW_OK;
	test_references(&cx);
	test_multiple_definitions(&cx);
	test_circular(&cx);
	test_contradicting_status(&cx);
	test_multiple_scores(&cx);
	test_cvss(&cx);
	test_helpers(&cx);
	test_revisions(&cx);
	test_document(&cx);
	test_vulnerability_items(&cx);
	test_version_ranges(&cx);
	test_profiles(&cx);
	if (cx.err != MEDFW_OK)
		return medfw_diag_set(diag, cx.err, "csaf validate: out of memory");
	return MEDFW_OK;
}
