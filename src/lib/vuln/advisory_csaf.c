/* CSAF 2.0 from the advisory model: security advisory and VEX profiles, validated
 * before the bytes are handed out (include/medfw/advisory.h, docs/advisories.md). */
#include "medfw/advisory.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#ifndef MEDFW_VERSION_STRING
#define MEDFW_VERSION_STRING "unknown"
#endif

#define WHAT "CSAF advisory"

/* Failures collect in w->bad; every helper then only releases what it was given. */
struct writer {
	const struct medfw_advisory *adv;
	int bad;
};

static void put(struct writer *w, json_t *obj, const char *key, json_t *value)
{
	if (w->bad || obj == NULL || value == NULL || json_object_set_new(obj, key, value) != 0) {
		if (!w->bad && obj != NULL && value != NULL)
			value = NULL; /* json_object_set_new released it */
		json_decref(value);
		w->bad = 1;
	}
}

static void push(struct writer *w, json_t *arr, json_t *value)
{
	if (w->bad || arr == NULL || value == NULL || json_array_append_new(arr, value) != 0) {
		if (!w->bad && arr != NULL && value != NULL)
			value = NULL;
		json_decref(value);
		w->bad = 1;
	}
}

static json_t *str(const char *s)
{
	return s != NULL ? json_string(s) : NULL;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A JSON array of the strings, sorted (the array `ids` is sorted in place). */
static json_t *sorted_ids(struct writer *w, const char **ids, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	if (n > 1)
		qsort(ids, n, sizeof(*ids), str_cmp);
	for (i = 0; i < n; i++)
		push(w, arr, str(ids[i]));
	if (w->bad) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static json_t *note(struct writer *w, const char *category, const char *title, const char *text)
{
	json_t *o = json_object();

	put(w, o, "category", str(category));
	put(w, o, "title", str(title));
	put(w, o, "text", str(text));
	return o;
}

static json_t *reference(struct writer *w, const char *summary, const char *url)
{
	json_t *o = json_object();

	put(w, o, "category", str("external"));
	put(w, o, "summary", str(summary));
	put(w, o, "url", str(url));
	return o;
}

static const struct medfw_advisory_release *release_of(const struct medfw_advisory *adv,
						       const struct medfw_advisory_entry *e)
{
	return &adv->input->products[e->product].releases[e->release];
}

/* ------------------------------------------------------------ document */

/* The text of the general recommendations note: ours, then the input's. */
static char *recommendations_text(const struct medfw_advisory_input *in)
{
	const char *const *gen = medfw_advisory_general_recommendations();
	struct medfw_buf b;
	size_t i;
	int err = 0;

	medfw_buf_init(&b, MEDFW_ADVISORY_OUTPUT_MAX);
	for (i = 0; gen[i] != NULL; i++)
		err |= medfw_buf_printf(&b, "%s- %s", b.len > 0 ? "\n" : "", gen[i]) != MEDFW_OK;
	for (i = 0; i < in->recommendation_count; i++)
		err |= medfw_buf_printf(&b, "\n- %s", in->recommendations[i]) != MEDFW_OK;
	if (err) {
		medfw_buf_free(&b);
		return NULL;
	}
	return (char *)medfw_buf_steal(&b, &i);
}

static const char *highest_rating(const struct medfw_advisory *adv)
{
	static const char *const words[] = {"None", "Low", "Medium", "High", "Critical"};
	int best = -1;
	size_t i;

	for (i = 0; i < adv->vuln_count; i++) {
		const struct medfw_advisory_vuln *v = &adv->vulns[i];
		int s = v->cvss.base_score;
		int level;

		if (!v->has_score || v->cvss.version == MEDFW_CVSS_V2)
			continue;
		level = s == 0 ? 0 : s < 40 ? 1 : s < 70 ? 2 : s < 90 ? 3 : 4;
		if (level > best)
			best = level;
	}
	return best >= 0 ? words[best] : NULL;
}

static json_t *document(struct writer *w, enum medfw_advisory_profile profile)
{
	const struct medfw_advisory_input *in = w->adv->input;
	json_t *doc = json_object(), *pub = json_object(), *tr = json_object();
	json_t *revs = json_array(), *notes = json_array(), *gen = json_object();
	json_t *engine = json_object(), *dist = json_object(), *tlp = json_object();
	const char *agg = highest_rating(w->adv);
	char *recs = recommendations_text(in);
	size_t i;

	if (recs == NULL)
		w->bad = 1;
	put(w, doc, "category",
	    str(profile == MEDFW_ADVISORY_PROFILE_VEX ? "csaf_vex" : "csaf_security_advisory"));
	put(w, doc, "csaf_version", str("2.0"));
	put(w, doc, "lang", str("en"));
	put(w, doc, "title", str(in->title));
	put(w, pub, "category", str("vendor"));
	put(w, pub, "name", str(in->publisher_name));
	put(w, pub, "namespace", str(in->publisher_namespace));
	if (in->publisher_contact != NULL)
		put(w, pub, "contact_details", str(in->publisher_contact));
	if (in->publisher_issuing_authority != NULL)
		put(w, pub, "issuing_authority", str(in->publisher_issuing_authority));
	put(w, doc, "publisher", pub);
	for (i = 0; i < in->revision_count; i++) {
		json_t *r = json_object();

		put(w, r, "date", str(in->revisions[i].date));
		put(w, r, "number", str(in->revisions[i].number));
		put(w, r, "summary", str(in->revisions[i].summary));
		push(w, revs, r);
	}
	put(w, engine, "name", str("medfw"));
	put(w, engine, "version", str(MEDFW_VERSION_STRING));
	put(w, gen, "engine", engine);
	put(w, tr, "id", str(in->tracking_id));
	put(w, tr, "status", str(in->status));
	put(w, tr, "version", str(in->revisions[in->revision_count - 1].number));
	put(w, tr, "initial_release_date", str(in->revisions[0].date));
	put(w, tr, "current_release_date", str(in->revisions[in->revision_count - 1].date));
	put(w, tr, "revision_history", revs);
	put(w, tr, "generator", gen);
	put(w, doc, "tracking", tr);
	put(w, tlp, "label", str(in->tlp));
	put(w, dist, "tlp", tlp);
	put(w, doc, "distribution", dist);
	push(w, notes, note(w, "summary", "Summary", in->summary));
	push(w, notes, note(w, "general", "General security recommendations", recs));
	if (in->disclaimer != NULL)
		push(w, notes, note(w, "legal_disclaimer", "Disclaimer", in->disclaimer));
	put(w, doc, "notes", notes);
	if (in->reference_count > 0) {
		json_t *refs = json_array();

		for (i = 0; i < in->reference_count; i++)
			push(w, refs, reference(w, in->references[i].summary, in->references[i].url));
		put(w, doc, "references", refs);
	}
	if (agg != NULL) {
		json_t *a = json_object();

		put(w, a, "text", str(agg));
		put(w, doc, "aggregate_severity", a);
	}
	free(recs);
	return doc;
}

/* ------------------------------------------------------------ product tree */

/* prefix + the UDI-DI, percent-encoded but for letters, digits, '.' and '-' (a HIBCC
 * DI has '+' and may end in ' ', '$', '/' or '%'). */
static void udi_uri(char *out, size_t cap, const char *prefix, const char *di)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = (size_t)snprintf(out, cap, "%s", prefix);

	for (; *di != '\0' && o + 4 < cap; di++) {
		unsigned char c = (unsigned char)*di;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-') {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

static json_t *helper(struct writer *w, const struct medfw_advisory_product *p,
		      const struct medfw_advisory_release *r)
{
	json_t *h = json_object();
	char uri[160];
	size_t i;

	if (r->cpe != NULL)
		put(w, h, "cpe", str(r->cpe));
	if (r->purl != NULL)
		put(w, h, "purl", str(r->purl));
	if (p->model_number_count > 0) {
		json_t *m = json_array();

		for (i = 0; i < p->model_number_count; i++)
			push(w, m, str(p->model_numbers[i]));
		put(w, h, "model_numbers", m);
	}
	if (r->sbom_url != NULL) {
		json_t *s = json_array();

		push(w, s, str(r->sbom_url));
		put(w, h, "sbom_urls", s);
	}
	if (r->udi_di_count > 0) {
		json_t *x = json_array();

		/* UDI-DIs (docs/advisories.md): a GS1 GTIN as its GS1 Digital Link URI, a
		 * HIBCC DI as its AccessGUDID device page */
		for (i = 0; i < r->udi_di_count; i++) {
			json_t *u = json_object();
			const char *di = r->udi_dis[i];

			if (di[0] == '+') {
				udi_uri(uri, sizeof(uri), "https://accessgudid.nlm.nih.gov/devices/",
					di);
				put(w, u, "namespace", str("https://accessgudid.nlm.nih.gov/"));
			} else {
				udi_uri(uri, sizeof(uri), "https://id.gs1.org/01/", di);
				put(w, u, "namespace",
				    str("https://ref.gs1.org/standards/digital-link/"));
			}
			put(w, u, "uri", str(uri));
			push(w, x, u);
		}
		put(w, h, "x_generic_uris", x);
	}
	if (json_object_size(h) == 0) {
		json_decref(h);
		return NULL;
	}
	return h;
}

static json_t *branch(struct writer *w, const char *category, const char *name)
{
	json_t *b = json_object();

	put(w, b, "category", str(category));
	put(w, b, "name", str(name));
	return b;
}

static json_t *product_tree(struct writer *w)
{
	const struct medfw_advisory_input *in = w->adv->input;
	json_t *tree = json_object(), *top = json_array(), *vendor, *models = json_array();
	size_t p, k;

	vendor = branch(w, "vendor", in->publisher_name);
	for (p = 0; p < in->product_count; p++) {
		const struct medfw_advisory_product *pr = &in->products[p];
		json_t *model = branch(w, "product_name", pr->model), *versions = json_array();

		for (k = 0; k < pr->release_count; k++) {
			const struct medfw_advisory_release *r = &pr->releases[k];
			json_t *ver = branch(w, "product_version", r->version);
			json_t *prod = json_object(), *h = helper(w, pr, r);

			put(w, prod, "name", str(r->full_name));
			put(w, prod, "product_id", str(r->product_id));
			if (h != NULL)
				put(w, prod, "product_identification_helper", h);
			put(w, ver, "product", prod);
			push(w, versions, ver);
		}
		put(w, model, "branches", versions);
		push(w, models, model);
	}
	put(w, vendor, "branches", models);
	push(w, top, vendor);
	put(w, tree, "branches", top);
	return tree;
}

/* ------------------------------------------------------------ vulnerabilities */

/* Product ids of the entries with one of the statuses (mask of 1 << status);
 * product < SIZE_MAX: only that product's. */
static size_t collect(const struct medfw_advisory *adv, const struct medfw_advisory_vuln *v,
		      unsigned mask, size_t product, const char **ids)
{
	size_t i, n = 0;

	for (i = 0; i < v->entry_count; i++) {
		const struct medfw_advisory_entry *e = &v->entries[i];

		if ((mask & (1u << e->status)) && (product == SIZE_MAX || e->product == product))
			ids[n++] = release_of(adv, e)->product_id;
	}
	return n;
}

#define M_AFFECTED (1u << MEDFW_ADVISORY_KNOWN_AFFECTED)
#define M_NOT_AFFECTED (1u << MEDFW_ADVISORY_KNOWN_NOT_AFFECTED)
#define M_FIXED (1u << MEDFW_ADVISORY_FIXED)
#define M_UI (1u << MEDFW_ADVISORY_UNDER_INVESTIGATION)

static json_t *product_status(struct writer *w, const struct medfw_advisory_vuln *v,
			      const char **ids)
{
	static const struct {
		const char *name;
		unsigned mask;
	} groups[] = {{"known_affected", M_AFFECTED},
		      {"known_not_affected", M_NOT_AFFECTED},
		      {"fixed", M_FIXED},
		      {"under_investigation", M_UI}};
	const struct medfw_advisory_input *in = w->adv->input;
	json_t *ps = json_object();
	size_t g, n, p;

	for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		n = collect(w->adv, v, groups[g].mask, SIZE_MAX, ids);
		if (n > 0)
			put(w, ps, groups[g].name, sorted_ids(w, ids, n));
	}
	for (p = 0, n = 0; p < in->product_count; p++)
		if (v->fix_release[p] != SIZE_MAX)
			ids[n++] = in->products[p].releases[v->fix_release[p]].product_id;
	if (n > 0)
		put(w, ps, "recommended", sorted_ids(w, ids, n));
	return ps;
}

static void flags(struct writer *w, const struct medfw_advisory_vuln *v, json_t *vo,
		  const char **ids)
{
	json_t *arr = json_array();
	size_t i, n;
	int f;

	for (f = MEDFW_ADVISORY_FLAG_COMPONENT_NOT_PRESENT; f <= MEDFW_ADVISORY_FLAG_INLINE_MITIGATIONS;
	     f++) {
		json_t *o;

		for (i = 0, n = 0; i < v->entry_count; i++)
			if (v->entries[i].status == MEDFW_ADVISORY_KNOWN_NOT_AFFECTED &&
			    v->entries[i].flag == (enum medfw_advisory_flag)f)
				ids[n++] = release_of(w->adv, &v->entries[i])->product_id;
		if (n == 0)
			continue;
		o = json_object();
		put(w, o, "label", str(medfw_advisory_flag_label((enum medfw_advisory_flag)f)));
		put(w, o, "product_ids", sorted_ids(w, ids, n));
		push(w, arr, o);
	}
	if (json_array_size(arr) > 0)
		put(w, vo, "flags", arr);
	else
		json_decref(arr);
}

static json_t *threat(struct writer *w, const char *details, const char **ids, size_t n)
{
	json_t *t = json_object();

	put(w, t, "category", str("impact"));
	put(w, t, "details", str(details));
	if (n > 0)
		put(w, t, "product_ids", sorted_ids(w, ids, n));
	return t;
}

static void threats(struct writer *w, const struct medfw_advisory_vuln *v, json_t *vo,
		    const char **ids)
{
	json_t *arr = json_array();
	struct medfw_buf b;
	size_t i, j, n;

	n = collect(w->adv, v, M_AFFECTED | M_UI, SIZE_MAX, ids);
	push(w, arr, threat(w, v->input->impact, ids, n));
	/* why each known_not_affected release is not affected: one threat per reason */
	medfw_buf_init(&b, MEDFW_ADVISORY_OUTPUT_MAX);
	for (i = 0; i < v->entry_count && !w->bad; i++) {
		const struct medfw_advisory_entry *e = &v->entries[i];
		int seen = 0;

		if (e->status != MEDFW_ADVISORY_KNOWN_NOT_AFFECTED || e->reason == NULL)
			continue;
		for (j = 0; j < i && !seen; j++)
			seen = v->entries[j].status == MEDFW_ADVISORY_KNOWN_NOT_AFFECTED &&
			       v->entries[j].reason != NULL &&
			       strcmp(v->entries[j].reason, e->reason) == 0;
		if (seen)
			continue;
		for (j = i, n = 0; j < v->entry_count; j++)
			if (v->entries[j].status == MEDFW_ADVISORY_KNOWN_NOT_AFFECTED &&
			    v->entries[j].reason != NULL && strcmp(v->entries[j].reason, e->reason) == 0)
				ids[n++] = release_of(w->adv, &v->entries[j])->product_id;
		medfw_buf_reset(&b);
		if (medfw_buf_printf(&b, "Not affected: %s", e->reason) != MEDFW_OK) {
			w->bad = 1;
			break;
		}
		push(w, arr, threat(w, (const char *)b.data, ids, n));
	}
	medfw_buf_free(&b);
	put(w, vo, "threats", arr);
}

static json_t *remediation(struct writer *w, const char *category, const char *details,
			   const char **ids, size_t n)
{
	json_t *r = json_object();

	put(w, r, "category", str(category));
	put(w, r, "details", str(details));
	put(w, r, "product_ids", sorted_ids(w, ids, n));
	return r;
}

static void vendor_fix(struct writer *w, const struct medfw_advisory_vuln *v, size_t p,
		       json_t *arr, const char **ids)
{
	const struct medfw_advisory_product *pr = &w->adv->input->products[p];
	const struct medfw_advisory_release *r = &pr->releases[v->fix_release[p]];
	const struct medfw_release_notice *no = r->notice;
	struct medfw_buf b;
	json_t *o;
	char date[32];
	size_t i, n = 0;

	/* the open releases of this model listed before its fix */
	for (i = 0; i < v->entry_count; i++) {
		const struct medfw_advisory_entry *e = &v->entries[i];

		if (e->product == p && e->release < v->fix_release[p] &&
		    (e->status == MEDFW_ADVISORY_KNOWN_AFFECTED ||
		     e->status == MEDFW_ADVISORY_UNDER_INVESTIGATION))
			ids[n++] = release_of(w->adv, e)->product_id;
	}
	if (n == 0)
		return;
	medfw_buf_init(&b, MEDFW_ADVISORY_OUTPUT_MAX);
	if (medfw_buf_printf(&b, "Update %s to firmware %s or later.", pr->model, r->version) !=
		    MEDFW_OK ||
	    (r->how_to_get != NULL && medfw_buf_printf(&b, " %s", r->how_to_get) != MEDFW_OK) ||
	    (no != NULL &&
	     medfw_buf_printf(&b,
			      " Installing takes about %u minutes; the device is unavailable for "
			      "clinical use for about %u minutes.",
			      (unsigned)no->install.estimated_minutes,
			      (unsigned)no->install.downtime_minutes) != MEDFW_OK)) {
		medfw_buf_free(&b);
		w->bad = 1;
		return;
	}
	o = remediation(w, "vendor_fix", (const char *)b.data, ids, n);
	medfw_buf_free(&b);
	if (r->url != NULL)
		put(w, o, "url", str(r->url));
	if (r->release_date != NULL) {
		snprintf(date, sizeof(date), "%sT00:00:00Z", r->release_date);
		put(w, o, "date", str(date));
	}
	if (no != NULL) {
		json_t *rr = json_object();

		put(w, rr, "category", str(no->install.reboot_required ? "machine" : "none"));
		if (no->install.reboot_required)
			put(w, rr, "details", str("The device restarts to complete the update."));
		put(w, o, "restart_required", rr);
	}
	push(w, arr, o);
}

static void remediations(struct writer *w, const struct medfw_advisory_vuln *v, json_t *vo,
			 const char **ids)
{
	const struct medfw_advisory_vuln_input *vi = v->input;
	const struct medfw_advisory_input *in = w->adv->input;
	json_t *arr = json_array();
	size_t p, i, n;

	for (p = 0; p < in->product_count; p++)
		if (v->fix_release[p] != SIZE_MAX)
			vendor_fix(w, v, p, arr, ids);
	if (vi->no_fix_category != NULL) {
		for (p = 0, n = 0; p < in->product_count; p++)
			if (v->fix_release[p] == SIZE_MAX)
				n += collect(w->adv, v, M_AFFECTED | M_UI, p, ids + n);
		if (n > 0)
			push(w, arr, remediation(w, vi->no_fix_category, vi->no_fix_details, ids, n));
	}
	for (i = 0; i < vi->mitigation_count; i++)
		if ((n = collect(w->adv, v, M_AFFECTED | M_UI, SIZE_MAX, ids)) > 0)
			push(w, arr, remediation(w, "mitigation", vi->mitigations[i], ids, n));
	for (i = 0; i < vi->compensating_control_count; i++)
		if ((n = collect(w->adv, v, M_AFFECTED | M_UI, SIZE_MAX, ids)) > 0)
			push(w, arr,
			     remediation(w, "mitigation", vi->compensating_controls[i], ids, n));
	for (i = 0; i < vi->workaround_count; i++)
		if ((n = collect(w->adv, v, M_AFFECTED | M_UI, SIZE_MAX, ids)) > 0)
			push(w, arr, remediation(w, "workaround", vi->workarounds[i], ids, n));
	if (json_array_size(arr) > 0)
		put(w, vo, "remediations", arr);
	else
		json_decref(arr);
}

static void scores(struct writer *w, const struct medfw_advisory_vuln *v, json_t *vo,
		   const char **ids)
{
	json_t *arr, *s, *c;
	size_t n;
	int t = v->cvss.base_score;
	int v2 = v->cvss.version == MEDFW_CVSS_V2;

	if (!v->has_score)
		return;
	n = collect(w->adv, v, M_AFFECTED | M_UI, SIZE_MAX, ids);
	if (n == 0)
		n = collect(w->adv, v, M_FIXED, SIZE_MAX, ids);
	if (n == 0)
		return;
	arr = json_array();
	s = json_object();
	c = json_object();
	put(w, c, "version", str(medfw_cvss_version_name(v->cvss.version)));
	put(w, c, "vectorString", str(v->vector));
	put(w, c, "baseScore", json_real((double)t / 10.0));
	if (!v2)
		put(w, c, "baseSeverity", str(medfw_cvss_severity(t)));
	put(w, s, v2 ? "cvss_v2" : "cvss_v3", c);
	put(w, s, "products", sorted_ids(w, ids, n));
	push(w, arr, s);
	put(w, vo, "scores", arr);
}

static void vuln_notes(struct writer *w, const struct medfw_advisory_vuln *v, json_t *vo)
{
	json_t *notes = json_array();
	struct medfw_buf b;
	size_t i;

	push(w, notes, note(w, "description", "Description", v->input->description));
	medfw_buf_init(&b, MEDFW_ADVISORY_OUTPUT_MAX);
	for (i = 0; i < v->entry_count && !w->bad; i++) {
		const struct medfw_advisory_entry *e = &v->entries[i];

		if ((e->status != MEDFW_ADVISORY_KNOWN_AFFECTED &&
		     e->status != MEDFW_ADVISORY_UNDER_INVESTIGATION) ||
		    e->components == NULL)
			continue;
		if (medfw_buf_printf(&b, "%s%s%s: %s", b.len > 0 ? "\n" : "",
				     release_of(w->adv, e)->full_name,
				     e->status == MEDFW_ADVISORY_UNDER_INVESTIGATION
					     ? " (under investigation)"
					     : "",
				     e->components) != MEDFW_OK)
			w->bad = 1;
	}
	if (b.len > 0)
		push(w, notes, note(w, "details", "Affected components", (const char *)b.data));
	medfw_buf_reset(&b);
	if (v->kev_listed &&
	    medfw_buf_printf(&b,
			     "%s is in the CISA Known Exploited Vulnerabilities catalog (added %s%s%s; "
			     "known ransomware campaign use: %s): attackers are exploiting it.",
			     v->input->display_id,
			     v->kev_date_added != NULL ? v->kev_date_added : "on an unknown date",
			     v->kev_due_date != NULL ? ", due date for US federal agencies " : "",
			     v->kev_due_date != NULL ? v->kev_due_date : "",
			     v->kev_ransomware != NULL ? v->kev_ransomware : "Unknown") != MEDFW_OK)
		w->bad = 1;
	if (v->kev_listed && !w->bad)
		push(w, notes, note(w, "other", "Known exploited vulnerability", (const char *)b.data));
	medfw_buf_free(&b);
	put(w, vo, "notes", notes);
}

static json_t *vulnerability(struct writer *w, const struct medfw_advisory_vuln *v,
			     const char **ids)
{
	const struct medfw_advisory_vuln_input *vi = v->input;
	json_t *vo = json_object(), *refs = json_array();
	char url[128], summary[128];
	size_t i;

	if (vi->cve != NULL)
		put(w, vo, "cve", str(vi->cve));
	if (vi->id_count > 0) {
		json_t *arr = json_array();

		for (i = 0; i < vi->id_count; i++) {
			json_t *o = json_object();

			put(w, o, "system_name", str(vi->ids[i].system_name));
			put(w, o, "text", str(vi->ids[i].text));
			push(w, arr, o);
		}
		put(w, vo, "ids", arr);
	}
	put(w, vo, "title", str(vi->title));
	if (vi->cwe_id != NULL) {
		json_t *cwe = json_object();

		put(w, cwe, "id", str(vi->cwe_id));
		put(w, cwe, "name", str(vi->cwe_name));
		put(w, vo, "cwe", cwe);
	}
	vuln_notes(w, v, vo);
	put(w, vo, "product_status", product_status(w, v, ids));
	flags(w, v, vo, ids);
	threats(w, v, vo, ids);
	remediations(w, v, vo, ids);
	scores(w, v, vo, ids);
	if (vi->cve != NULL) {
		snprintf(url, sizeof(url), "https://nvd.nist.gov/vuln/detail/%s", vi->cve);
		snprintf(summary, sizeof(summary), "%s in the National Vulnerability Database",
			 vi->cve);
		push(w, refs, reference(w, summary, url));
	}
	for (i = 0; i < vi->reference_count; i++)
		push(w, refs, reference(w, vi->references[i].summary, vi->references[i].url));
	if (json_array_size(refs) > 0)
		put(w, vo, "references", refs);
	else
		json_decref(refs);
	return vo;
}

/* ------------------------------------------------------------ entry point */

static enum medfw_err check(const char *text, size_t len, struct medfw_csaf_report *report,
			    struct medfw_diag *diag)
{
	struct medfw_csaf_doc *doc = NULL;
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	err = medfw_csaf_parse((const uint8_t *)text, len, &doc, &d);
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err == MEDFW_ERR_NOMEM ? err : MEDFW_ERR_FIELD_VALUE,
				      WHAT ": the document does not parse as CSAF 2.0: %s",
				      medfw_diag_message(&d, err));
	err = medfw_csaf_validate(doc, report, &d);
	medfw_csaf_free(doc);
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, WHAT ": %s", medfw_diag_message(&d, err));
	if (report->count > 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      WHAT ": fails mandatory test %s: %s (%zu finding%s)",
				      report->findings[0].test, report->findings[0].message,
				      report->count, report->count == 1 ? "" : "s");
	return MEDFW_OK;
}

enum medfw_err medfw_advisory_csaf(const struct medfw_advisory *adv,
				   enum medfw_advisory_profile profile, struct medfw_buf *out,
				   struct medfw_csaf_report *report, struct medfw_diag *diag)
{
	struct medfw_csaf_report local;
	struct writer w;
	json_t *doc = NULL, *vulns;
	const char **ids = NULL;
	char *text = NULL;
	size_t i, len, n = 0;
	enum medfw_err err;

	if (adv == NULL || out == NULL ||
	    (profile != MEDFW_ADVISORY_PROFILE_SECURITY_ADVISORY &&
	     profile != MEDFW_ADVISORY_PROFILE_VEX))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, WHAT ": invalid argument");
	memset(&local, 0, sizeof(local));
	if (report == NULL)
		report = &local;
	w.adv = adv;
	w.bad = 0;
	for (i = 0; i < adv->vuln_count; i++)
		if (adv->vulns[i].entry_count > n)
			n = adv->vulns[i].entry_count;
	ids = malloc((n > 0 ? n : 1) * sizeof(*ids));
	if (ids == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, WHAT ": out of memory");
	doc = json_object();
	vulns = json_array();
	put(&w, doc, "document", document(&w, profile));
	put(&w, doc, "product_tree", product_tree(&w));
	for (i = 0; i < adv->vuln_count && !w.bad; i++)
		push(&w, vulns, vulnerability(&w, &adv->vulns[i], ids));
	put(&w, doc, "vulnerabilities", vulns);
	free(ids);
	if (!w.bad)
		text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(3));
	json_decref(doc);
	if (text == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, WHAT ": out of memory");
	len = strlen(text);
	err = check(text, len, report, diag);
	if (err == MEDFW_OK) {
		size_t old = out->len;

		err = medfw_buf_append(out, text, len);
		if (err == MEDFW_OK)
			err = medfw_buf_append(out, "\n", 1);
		if (err != MEDFW_OK) {
			out->len = old;
			if (out->data != NULL)
				out->data[old] = 0;
			err = medfw_diag_set(diag, err, WHAT ": more than %zu bytes", out->max);
		}
	}
	free(text);
	medfw_csaf_report_free(&local);
	return err;
}
