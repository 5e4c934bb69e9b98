/* The readable advisory (Markdown and HTML, in the shape of an FDA safety
 * communication) and the escapers every untrusted string goes through
 * (include/medfw/advisory.h, docs/advisories.md). */
#include "medfw/advisory.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/crypto.h"
#include "medfw/encode.h"
#include "medfw/utf8.h"

#ifndef MEDFW_VERSION_STRING
#define MEDFW_VERSION_STRING "unknown"
#endif

#define WHAT "readable advisory"

/* ------------------------------------------------------------ escapers */

/* Characters no rendering carries: controls but newline and tab, DEL, C1 controls,
 * bidirectional formatting characters (Trojan Source). */
static int neutralised(uint32_t cp)
{
	if (cp == '\n' || cp == '\t')
		return 0;
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c || cp == 0x200e ||
	       cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

/* An escape in progress: the text is walked code point by code point (invalid
 * UTF-8 as U+FFFD); the first failed append makes the whole escape fail. */
struct esc {
	struct medfw_buf *out;
	enum medfw_md_mode mode;
	int line_start; /* markdown: 1 at the start of a block, 2 after digits there */
	int failed;
};

static void app(struct esc *e, const void *s, size_t n)
{
	if (!e->failed && medfw_buf_append(e->out, s, n) != MEDFW_OK)
		e->failed = 1;
}

static void app_str(struct esc *e, const char *s)
{
	app(e, s, strlen(s));
}

static void html_cp(struct esc *e, uint32_t cp, const uint8_t *s, size_t n)
{
	switch (cp) {
	case '&': app_str(e, "&amp;"); return;
	case '<': app_str(e, "&lt;"); return;
	case '>': app_str(e, "&gt;"); return;
	case '"': app_str(e, "&quot;"); return;
	case '\'': app_str(e, "&#39;"); return;
	}
	if (n == 0 || neutralised(cp))
		app_str(e, replacement);
	else
		app(e, s, n);
}

/* ASCII punctuation escaped wherever it is: what starts links, images, autolinks
 * (":" of a scheme, "@" of an address, "." of a "www." or bare domain), raw HTML,
 * entities, emphasis, code, tables, strikethrough, math, attributes, ATX headings and
 * their closing sequence, setext underlines. */
static const char md_always[] = "\\`*_{}[]<>&~|:@$^#=!.";
/* Escaped at the start of a block (of the text, of a line in block mode): list
 * markers and thematic breaks; ")" after a run of digits (an ordered list). */
static const char md_block_start[] = "-+";

static void md_cp(struct esc *e, uint32_t cp, const uint8_t *s, size_t n)
{
	int start = e->line_start;

	if (cp == '\n' || cp == '\r' || cp == '\t' || cp == ' ') {
		if (e->mode == MEDFW_MD_BLOCK && cp == '\n') {
			app_str(e, "\n");
			e->line_start = 1;
		} else if (e->line_start != 1) {
			app_str(e, " "); /* no indentation: it could make a code block */
			e->line_start = 0;
		}
		return;
	}
	e->line_start = 0;
	if (n == 0 || neutralised(cp)) {
		app_str(e, replacement);
	} else if (cp < 0x80 && (strchr(md_always, (int)cp) != NULL ||
				 (start == 1 && strchr(md_block_start, (int)cp) != NULL) ||
				 (start == 2 && cp == ')'))) {
		char esc[2] = {'\\', (char)cp};

		app(e, esc, 2);
	} else {
		app(e, s, n);
		if ((start == 1 || start == 2) && cp >= '0' && cp <= '9')
			e->line_start = 2; /* digits at the start: a ")" would end a list marker */
	}
}

static enum medfw_err escape(const char *text, struct medfw_buf *out, int html,
			     enum medfw_md_mode mode)
{
	const uint8_t *s = (const uint8_t *)text;
	size_t len, i = 0, old;
	struct esc e;

	if (out == NULL)
		return MEDFW_ERR_INVALID_ARG;
	if (text == NULL)
		return MEDFW_OK;
	len = strlen(text);
	old = out->len;
	e.out = out;
	e.mode = mode;
	e.line_start = 1;
	e.failed = 0;
	while (i < len && !e.failed) {
		uint32_t cp = 0;
		size_t n = medfw_utf8_decode(s + i, len - i, &cp);

		if (html)
			html_cp(&e, n == 0 ? 0xfffd : cp, s + i, n);
		else
			md_cp(&e, n == 0 ? 0xfffd : cp, s + i, n);
		i += n > 0 ? n : 1;
	}
	if (e.failed) {
		out->len = old;
		if (out->data != NULL)
			out->data[old] = 0;
		return MEDFW_ERR_TOO_LARGE;
	}
	return MEDFW_OK;
}

enum medfw_err medfw_advisory_html_escape(const char *text, struct medfw_buf *out)
{
	return escape(text, out, 1, MEDFW_MD_INLINE);
}

enum medfw_err medfw_advisory_markdown_escape(const char *text, enum medfw_md_mode mode,
					      struct medfw_buf *out)
{
	return escape(text, out, 0, mode);
}

/* ------------------------------------------------------------ document writer */

/* One writer for both formats: the structure is written once, each primitive knows
 * its Markdown and its HTML. Trusted text (ours) goes through raw(), everything from
 * the inputs through text() / block(). */
struct doc {
	struct medfw_buf *out;
	int html;
	int failed;
	size_t list_item; /* ordered lists */
};

static void raw(struct doc *d, const char *s)
{
	if (!d->failed && medfw_buf_append_str(d->out, s) != MEDFW_OK)
		d->failed = 1;
}

static void rawf(struct doc *d, const char *fmt, ...) MEDFW_PRINTF(2, 3);

/* Trusted format with trusted arguments only (numbers, our words). */
static void rawf(struct doc *d, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	raw(d, buf);
}

/* Untrusted text inside a line (headings, list items, table cells). */
static void text(struct doc *d, const char *s)
{
	if (!d->failed && escape(s, d->out, d->html, MEDFW_MD_INLINE) != MEDFW_OK)
		d->failed = 1;
}

/* Untrusted text that keeps its line breaks (a paragraph of its own). */
static void block(struct doc *d, const char *s)
{
	if (d->html) {
		raw(d, "<p class=\"t\">");
		text(d, s);
		raw(d, "</p>\n");
	} else {
		if (!d->failed && escape(s, d->out, 0, MEDFW_MD_BLOCK) != MEDFW_OK)
			d->failed = 1;
		raw(d, "\n\n");
	}
}

static void h_open(struct doc *d, int level)
{
	if (d->html)
		rawf(d, "<h%d>", level);
	else
		rawf(d, "%.*s ", level, "######");
}

static void h_close(struct doc *d, int level)
{
	if (d->html)
		rawf(d, "</h%d>\n", level);
	else
		raw(d, "\n\n");
}

static void heading(struct doc *d, int level, const char *trusted)
{
	h_open(d, level);
	raw(d, trusted);
	h_close(d, level);
}

static void p_open(struct doc *d)
{
	raw(d, d->html ? "<p>" : "");
}

static void p_close(struct doc *d)
{
	raw(d, d->html ? "</p>\n" : "\n\n");
}

static void strong(struct doc *d, const char *trusted)
{
	raw(d, d->html ? "<strong>" : "**");
	raw(d, trusted);
	raw(d, d->html ? "</strong>" : "**");
}

static void list_open(struct doc *d, int ordered)
{
	d->list_item = 0;
	if (d->html)
		raw(d, ordered ? "<ol>\n" : "<ul>\n");
	else
		d->list_item = ordered ? 1 : 0;
}

static void li_open(struct doc *d)
{
	if (d->html)
		raw(d, "<li>");
	else if (d->list_item > 0)
		rawf(d, "%zu. ", d->list_item++);
	else
		raw(d, "- ");
}

static void li_close(struct doc *d)
{
	raw(d, d->html ? "</li>\n" : "\n");
}

static void list_close(struct doc *d, int ordered)
{
	if (d->html)
		raw(d, ordered ? "</ol>\n" : "</ul>\n");
	else
		raw(d, "\n");
}

static void li_text(struct doc *d, const char *s)
{
	li_open(d);
	text(d, s);
	li_close(d);
}

/* A link to a URL the input parser checked (http(s), RFC 3986 characters only). */
static void link(struct doc *d, const char *url)
{
	if (d->html) {
		raw(d, "<a href=\"");
		text(d, url);
		raw(d, "\" rel=\"noopener noreferrer\">");
		text(d, url);
		raw(d, "</a>");
	} else {
		/* an autolink: the URL has no space, '<' or '>' */
		raw(d, "<");
		raw(d, url);
		raw(d, ">");
	}
}

static void table_open(struct doc *d, const char *const *headers, size_t n)
{
	size_t i;

	raw(d, d->html ? "<table>\n<thead><tr>" : "|");
	for (i = 0; i < n; i++) {
		raw(d, d->html ? "<th>" : " ");
		raw(d, headers[i]);
		raw(d, d->html ? "</th>" : " |");
	}
	raw(d, d->html ? "</tr></thead>\n<tbody>\n" : "\n|");
	for (i = 0; !d->html && i < n; i++)
		raw(d, " --- |");
	if (!d->html)
		raw(d, "\n");
}

static void row_open(struct doc *d)
{
	raw(d, d->html ? "<tr>" : "|");
}

static void cell_open(struct doc *d)
{
	raw(d, d->html ? "<td>" : " ");
}

static void cell_close(struct doc *d)
{
	raw(d, d->html ? "</td>" : " |");
}

static void cell(struct doc *d, const char *s)
{
	cell_open(d);
	text(d, s);
	cell_close(d);
}

static void row_close(struct doc *d)
{
	raw(d, d->html ? "</tr>\n" : "\n");
}

static void table_close(struct doc *d)
{
	raw(d, d->html ? "</tbody>\n</table>\n" : "\n");
}

/* ------------------------------------------------------------ helpers */

static const struct medfw_advisory_release *release_of(const struct medfw_advisory *adv,
						       const struct medfw_advisory_entry *e)
{
	return &adv->input->products[e->product].releases[e->release];
}

static const char *rating_word(const struct medfw_advisory_vuln *v)
{
	int s = v->cvss.base_score;

	if (v->cvss.version == MEDFW_CVSS_V2)
		return s < 40 ? "Low" : s < 70 ? "Medium" : "High"; /* NVD's v2 ranges */
	return s == 0 ? "None" : s < 40 ? "Low" : s < 70 ? "Medium" : s < 90 ? "High" : "Critical";
}

/* The date part of an RFC 3339 date-time the input parser checked. */
static void date_of(struct doc *d, const char *datetime)
{
	char day[11];

	snprintf(day, sizeof(day), "%.10s", datetime);
	text(d, day);
}

/* Does any vulnerability give this entry status? */
static int vuln_has(const struct medfw_advisory_vuln *v, size_t entry,
		    enum medfw_advisory_status status)
{
	return v->entries[entry].status == status;
}

/* "Label: id, id." for the vulnerabilities with `status` at `entry`, after `n`
 * earlier groups; returns the new count of groups. */
static int ids_with(struct doc *d, const struct medfw_advisory *adv, size_t entry,
		    enum medfw_advisory_status status, const char *label, int n)
{
	size_t i;
	int k = 0;

	for (i = 0; i < adv->vuln_count; i++) {
		if (!vuln_has(&adv->vulns[i], entry, status))
			continue;
		if (k++ == 0) {
			raw(d, n > 0 ? " " : "");
			raw(d, label);
			raw(d, ": ");
		} else {
			raw(d, ", ");
		}
		text(d, adv->vulns[i].input->display_id);
	}
	if (k > 0)
		raw(d, ".");
	return n + (k > 0);
}

/* ------------------------------------------------------------ sections */

static void header(struct doc *d, const struct medfw_advisory *adv)
{
	const struct medfw_advisory_input *in = adv->input;
	const struct medfw_advisory_revision *last = &in->revisions[in->revision_count - 1];

	h_open(d, 1);
	text(d, in->title);
	h_close(d, 1);
	p_open(d);
	strong(d, "Security advisory");
	raw(d, " ");
	text(d, in->tracking_id);
	raw(d, ", version ");
	text(d, last->number);
	raw(d, " (");
	raw(d, in->status);
	raw(d, "), TLP:");
	raw(d, in->tlp);
	p_close(d);
	p_open(d);
	strong(d, "Date:");
	raw(d, " ");
	date_of(d, last->date);
	if (in->revision_count > 1) {
		raw(d, " (first published ");
		date_of(d, in->revisions[0].date);
		raw(d, ")");
	}
	raw(d, ". ");
	strong(d, "From:");
	raw(d, " ");
	text(d, in->publisher_name);
	raw(d, ".");
	p_close(d);
	if (strcmp(in->status, "final") != 0) {
		p_open(d);
		strong(d, "This advisory is not final");
		raw(d, strcmp(in->status, "draft") == 0
			       ? ": it is a draft and may change before it is published."
			       : ": the investigation goes on and the advisory will be updated.");
		p_close(d);
	}
}

static void who_is_affected(struct doc *d, const struct medfw_advisory *adv)
{
	static const char *const headers[] = {"Device model", "Firmware version", "UDI-DI",
					      "What applies"};
	const struct medfw_advisory_input *in = adv->input;
	size_t p, k, e = 0, i;

	heading(d, 2, "Who is affected");
	p_open(d);
	raw(d, "Find your devices by model, firmware version and UDI-DI (the device identifier "
	       "on the label and in your asset inventory).");
	p_close(d);
	table_open(d, headers, 4);
	for (p = 0; p < in->product_count; p++) {
		const struct medfw_advisory_product *pr = &in->products[p];

		for (k = 0; k < pr->release_count; k++, e++) {
			const struct medfw_advisory_release *r = &pr->releases[k];
			int n = 0;

			row_open(d);
			cell(d, pr->model);
			cell(d, r->version);
			cell_open(d);
			for (i = 0; i < r->udi_di_count; i++) {
				raw(d, i > 0 ? ", " : "");
				text(d, r->udi_dis[i]);
			}
			if (r->udi_di_count == 0)
				raw(d, "-");
			cell_close(d);
			cell_open(d);
			n = ids_with(d, adv, e, MEDFW_ADVISORY_KNOWN_AFFECTED, "Affected by", n);
			n = ids_with(d, adv, e, MEDFW_ADVISORY_UNDER_INVESTIGATION,
				     "Under investigation", n);
			n = ids_with(d, adv, e, MEDFW_ADVISORY_FIXED, "Fixed", n);
			n = ids_with(d, adv, e, MEDFW_ADVISORY_KNOWN_NOT_AFFECTED, "Not affected", n);
			if (n == 0)
				raw(d, "-");
			cell_close(d);
			row_close(d);
		}
	}
	table_close(d);
}

static void summary(struct doc *d, const struct medfw_advisory *adv)
{
	size_t i, kev = 0;

	heading(d, 2, "Summary");
	block(d, adv->input->summary);
	for (i = 0; i < adv->vuln_count; i++)
		kev += adv->vulns[i].kev_listed != 0;
	if (kev > 0) {
		p_open(d);
		strong(d, "Attackers are exploiting");
		rawf(d, " %zu of the vulnerabilities in this advisory: they are in the CISA Known "
			"Exploited Vulnerabilities catalog. Act on them first.",
		     kev);
		p_close(d);
	}
}

/* "Label: full name (components); ..." for the entries with `status`. */
static void entries_item(struct doc *d, const struct medfw_advisory *adv,
			 const struct medfw_advisory_vuln *v, enum medfw_advisory_status status,
			 const char *label, int with_reason)
{
	size_t i;
	int n = 0;

	for (i = 0; i < v->entry_count; i++) {
		const struct medfw_advisory_entry *e = &v->entries[i];
		const char *extra = with_reason && e->reason != NULL ? e->reason : e->components;

		if (e->status != status)
			continue;
		if (n++ == 0) {
			li_open(d);
			strong(d, label);
			raw(d, " ");
		} else {
			raw(d, "; ");
		}
		text(d, release_of(adv, e)->full_name);
		if (extra != NULL) {
			raw(d, " (");
			text(d, extra);
			raw(d, ")");
		}
	}
	if (n > 0)
		li_close(d);
}

static void what_can_happen(struct doc *d, const struct medfw_advisory *adv)
{
	size_t i;

	heading(d, 2, "What can happen");
	for (i = 0; i < adv->vuln_count; i++) {
		const struct medfw_advisory_vuln *v = &adv->vulns[i];
		const struct medfw_advisory_vuln_input *vi = v->input;

		h_open(d, 3);
		text(d, vi->display_id);
		raw(d, ": ");
		text(d, vi->title);
		h_close(d, 3);
		list_open(d, 0);
		li_open(d);
		strong(d, "Severity:");
		if (v->has_score) {
			rawf(d, " %s (CVSS v%s base score %d.%d, vector ", rating_word(v),
			     medfw_cvss_version_name(v->cvss.version), v->cvss.base_score / 10,
			     v->cvss.base_score % 10);
			text(d, v->vector);
			raw(d, ")");
		} else {
			raw(d, " not scored");
		}
		li_close(d);
		li_open(d);
		strong(d, "Known to be exploited (CISA KEV):");
		if (v->kev_listed) {
			raw(d, " Yes, listed since ");
			text(d, v->kev_date_added != NULL ? v->kev_date_added : "an unknown date");
			if (v->kev_ransomware != NULL) {
				raw(d, "; known use in ransomware campaigns: ");
				text(d, v->kev_ransomware);
			}
		} else {
			raw(d, " No");
		}
		li_close(d);
		if (vi->cwe_id != NULL) {
			li_open(d);
			strong(d, "Weakness:");
			raw(d, " ");
			text(d, vi->cwe_id);
			raw(d, " ");
			text(d, vi->cwe_name);
			li_close(d);
		}
		entries_item(d, adv, v, MEDFW_ADVISORY_KNOWN_AFFECTED, "Affected:", 0);
		entries_item(d, adv, v, MEDFW_ADVISORY_UNDER_INVESTIGATION, "Under investigation:", 0);
		entries_item(d, adv, v, MEDFW_ADVISORY_FIXED, "Fixed:", 0);
		entries_item(d, adv, v, MEDFW_ADVISORY_KNOWN_NOT_AFFECTED, "Not affected:", 1);
		list_close(d, 0);
		p_open(d);
		strong(d, "Impact:");
		p_close(d);
		block(d, vi->impact);
		block(d, vi->description);
	}
}

static int open_entries(const struct medfw_advisory_vuln *v)
{
	size_t i;

	for (i = 0; i < v->entry_count; i++)
		if (v->entries[i].status == MEDFW_ADVISORY_KNOWN_AFFECTED ||
		    v->entries[i].status == MEDFW_ADVISORY_UNDER_INVESTIGATION)
			return 1;
	return 0;
}

static void text_list(struct doc *d, const char *label, const char *const *items, size_t n)
{
	size_t i;

	if (n == 0)
		return;
	p_open(d);
	strong(d, label);
	p_close(d);
	list_open(d, 0);
	for (i = 0; i < n; i++)
		li_text(d, items[i]);
	list_close(d, 0);
}

/* The updates that fix a vulnerability for the products with open entries (listed
 * before the fix), and what the input says where there is none. */
static void update_advice(struct doc *d, const struct medfw_advisory *adv,
			  const struct medfw_advisory_vuln *v)
{
	const struct medfw_advisory_input *in = adv->input;
	size_t p, i;
	int without = 0;

	for (p = 0; p < in->product_count; p++) {
		int open = 0;

		for (i = 0; i < v->entry_count; i++)
			open |= v->entries[i].product == p &&
				v->entries[i].release < v->fix_release[p] &&
				(v->entries[i].status == MEDFW_ADVISORY_KNOWN_AFFECTED ||
				 v->entries[i].status == MEDFW_ADVISORY_UNDER_INVESTIGATION);
		if (!open)
			continue;
		if (v->fix_release[p] == SIZE_MAX) {
			without = 1;
			continue;
		}
		p_open(d);
		strong(d, "Update");
		raw(d, " ");
		text(d, in->products[p].model);
		raw(d, " to firmware ");
		text(d, in->products[p].releases[v->fix_release[p]].version);
		raw(d, " or later (see The fix).");
		p_close(d);
	}
	if (without) {
		p_open(d);
		strong(d, "No fix yet.");
		raw(d, " ");
		if (v->input->no_fix_details != NULL)
			text(d, v->input->no_fix_details);
		else
			raw(d, "Apply the measures above until the manufacturer releases one.");
		p_close(d);
	}
}

static void what_to_do(struct doc *d, const struct medfw_advisory *adv)
{
	const struct medfw_advisory_input *in = adv->input;
	const char *const *gen = medfw_advisory_general_recommendations();
	size_t i, n;

	heading(d, 2, "What to do now");
	for (i = 0; i < adv->vuln_count; i++) {
		const struct medfw_advisory_vuln *v = &adv->vulns[i];
		const struct medfw_advisory_vuln_input *vi = v->input;

		if (!open_entries(v))
			continue;
		h_open(d, 3);
		text(d, vi->display_id);
		raw(d, ": ");
		text(d, vi->title);
		h_close(d, 3);
		text_list(d, "Mitigations:", vi->mitigations, vi->mitigation_count);
		text_list(d, "Compensating controls:", vi->compensating_controls,
			  vi->compensating_control_count);
		text_list(d, "Workarounds:", vi->workarounds, vi->workaround_count);
		update_advice(d, adv, v);
	}
	heading(d, 3, "For every device of this advisory");
	for (n = 0; gen[n] != NULL; n++)
		;
	list_open(d, 0);
	for (i = 0; i < n; i++)
		li_text(d, gen[i]);
	for (i = 0; i < in->recommendation_count; i++)
		li_text(d, in->recommendations[i]);
	list_close(d, 0);
}

/* Is release k of product p the fix of some vulnerability? */
static int is_fix(const struct medfw_advisory *adv, size_t p, size_t k)
{
	size_t i;

	for (i = 0; i < adv->vuln_count; i++)
		if (adv->vulns[i].fix_release[p] == k)
			return 1;
	return 0;
}

static void notice_items(struct doc *d, const struct medfw_release_notice *no)
{
	li_open(d);
	strong(d, "Installation:");
	rawf(d,
	     " about %u minutes; the device is unavailable for clinical use for about %u "
	     "minutes; it %s; rolling back to the previous firmware is %s.",
	     (unsigned)no->install.estimated_minutes, (unsigned)no->install.downtime_minutes,
	     no->install.reboot_required ? "restarts" : "does not restart",
	     no->rollback_supported ? "supported" : "not supported");
	li_close(d);
	li_open(d);
	strong(d, "Clinical impact:");
	raw(d, " ");
	text(d, no->clinical_impact);
	li_close(d);
}

static void the_fix(struct doc *d, const struct medfw_advisory *adv)
{
	const struct medfw_advisory_input *in = adv->input;
	size_t p, k, i, fixes = 0;

	heading(d, 2, "The fix");
	for (p = 0; p < in->product_count; p++) {
		const struct medfw_advisory_product *pr = &in->products[p];

		for (k = 0; k < pr->release_count; k++) {
			const struct medfw_advisory_release *r = &pr->releases[k];
			int n = 0;

			if (!is_fix(adv, p, k))
				continue;
			fixes++;
			h_open(d, 3);
			text(d, pr->model);
			raw(d, ": firmware ");
			text(d, r->version);
			h_close(d, 3);
			list_open(d, 0);
			li_open(d);
			strong(d, "Fixes:");
			for (i = 0; i < adv->vuln_count; i++) {
				if (adv->vulns[i].fix_release[p] != k)
					continue;
				raw(d, n++ > 0 ? ", " : " ");
				text(d, adv->vulns[i].input->display_id);
			}
			li_close(d);
			if (r->release_date != NULL) {
				li_open(d);
				strong(d, "Released:");
				raw(d, " ");
				text(d, r->release_date);
				li_close(d);
			}
			if (r->how_to_get != NULL || r->url != NULL) {
				li_open(d);
				strong(d, "How to get it:");
				if (r->how_to_get != NULL) {
					raw(d, " ");
					text(d, r->how_to_get);
				}
				if (r->url != NULL) {
					raw(d, " ");
					link(d, r->url);
				}
				li_close(d);
			}
			if (r->udi_di_count > 0) {
				li_open(d);
				strong(d, "UDI-DI:");
				for (i = 0; i < r->udi_di_count; i++) {
					raw(d, i > 0 ? ", " : " ");
					text(d, r->udi_dis[i]);
				}
				li_close(d);
			}
			if (r->notice != NULL)
				notice_items(d, r->notice);
			list_close(d, 0);
			if (r->notice != NULL && r->notice->instruction_count > 0) {
				p_open(d);
				strong(d, "Steps:");
				p_close(d);
				list_open(d, 1);
				for (i = 0; i < r->notice->instruction_count; i++)
					li_text(d, r->notice->instructions[i]);
				list_close(d, 1);
			}
		}
	}
	/* affected releases without a fix */
	for (i = 0; i < adv->vuln_count; i++) {
		const struct medfw_advisory_vuln *v = &adv->vulns[i];
		int n = 0;

		for (k = 0; k < v->entry_count; k++) {
			const struct medfw_advisory_entry *e = &v->entries[k];

			if (e->status != MEDFW_ADVISORY_KNOWN_AFFECTED ||
			    v->fix_release[e->product] != SIZE_MAX)
				continue;
			if (n++ == 0) {
				p_open(d);
				strong(d, "No fix yet for");
				raw(d, " ");
				text(d, v->input->display_id);
				raw(d, ": ");
			} else {
				raw(d, ", ");
			}
			text(d, release_of(adv, e)->full_name);
		}
		if (n == 0)
			continue;
		raw(d, ".");
		if (v->input->no_fix_details != NULL) {
			raw(d, " ");
			text(d, v->input->no_fix_details);
		} else {
			raw(d, " Apply the mitigations above until a fix is released.");
		}
		p_close(d);
		fixes++;
	}
	if (fixes == 0) {
		p_open(d);
		raw(d, "No firmware update is needed for the vulnerabilities of this advisory.");
		p_close(d);
	}
}

static void contact(struct doc *d, const struct medfw_advisory *adv)
{
	const struct medfw_advisory_input *in = adv->input;
	size_t i, k;

	heading(d, 2, "Contact");
	p_open(d);
	text(d, in->publisher_name);
	raw(d, ", ");
	link(d, in->publisher_namespace);
	p_close(d);
	if (in->publisher_contact != NULL)
		block(d, in->publisher_contact);
	for (i = 0, k = in->reference_count; i < adv->vuln_count; i++)
		k += adv->vulns[i].input->reference_count;
	if (k == 0)
		return;
	list_open(d, 0);
	for (i = 0; i < in->reference_count; i++) {
		li_open(d);
		text(d, in->references[i].summary);
		raw(d, ": ");
		link(d, in->references[i].url);
		li_close(d);
	}
	for (i = 0; i < adv->vuln_count; i++)
		for (k = 0; k < adv->vulns[i].input->reference_count; k++) {
			const struct medfw_advisory_link *l = &adv->vulns[i].input->references[k];

			li_open(d);
			text(d, adv->vulns[i].input->display_id);
			raw(d, ": ");
			text(d, l->summary);
			raw(d, ": ");
			link(d, l->url);
			li_close(d);
		}
	list_close(d, 0);
}

static void revisions(struct doc *d, const struct medfw_advisory *adv)
{
	static const char *const headers[] = {"Version", "Date", "Summary"};
	const struct medfw_advisory_input *in = adv->input;
	size_t i;

	heading(d, 2, "Revision history");
	table_open(d, headers, 3);
	for (i = 0; i < in->revision_count; i++) {
		row_open(d);
		cell(d, in->revisions[i].number);
		cell_open(d);
		date_of(d, in->revisions[i].date);
		cell_close(d);
		cell(d, in->revisions[i].summary);
		row_close(d);
	}
	table_close(d);
	if (in->disclaimer != NULL)
		block(d, in->disclaimer);
	p_open(d);
	raw(d, "Written by medfw " MEDFW_VERSION_STRING " from the manufacturer's advisory input "
	       "and the vulnerability findings of each firmware release. The machine-readable "
	       "version of this advisory is the CSAF 2.0 document ");
	text(d, in->tracking_id);
	raw(d, ".");
	p_close(d);
}

static void body(struct doc *d, const struct medfw_advisory *adv)
{
	header(d, adv);
	who_is_affected(d, adv);
	summary(d, adv);
	what_can_happen(d, adv);
	what_to_do(d, adv);
	the_fix(d, adv);
	contact(d, adv);
	revisions(d, adv);
}

static enum medfw_err finish(struct doc *d, size_t old, struct medfw_diag *diag)
{
	if (!d->failed)
		return MEDFW_OK;
	d->out->len = old;
	if (d->out->data != NULL)
		d->out->data[old] = 0;
	return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, WHAT ": more than %zu bytes",
			      d->out->max);
}

enum medfw_err medfw_advisory_markdown(const struct medfw_advisory *adv, struct medfw_buf *out,
				       struct medfw_diag *diag)
{
	struct doc d = {out, 0, 0, 0};
	size_t old;

	if (adv == NULL || out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, WHAT ": invalid argument");
	old = out->len;
	body(&d, adv);
	return finish(&d, old, diag);
}

/* The only style of the HTML page; the Content-Security-Policy allows it by hash. */
static const char style[] =
	"body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 "
	"1rem;line-height:1.45;color:#1b1b1b;background:#fff}"
	"h1{font-size:1.7rem}h2{border-bottom:1px solid #bbb;padding-bottom:.2rem;margin-top:2rem}"
	"table{border-collapse:collapse;width:100%}"
	"th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top}"
	"th{background:#eee}.t{white-space:pre-line}";

enum medfw_err medfw_advisory_html(const struct medfw_advisory *adv, struct medfw_buf *out,
				   struct medfw_diag *diag)
{
	struct doc d = {out, 1, 0, 0};
	uint8_t digest[MEDFW_SHA256_LEN];
	char b64[64];
	size_t old, dlen;
	enum medfw_err err;

	if (adv == NULL || out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, WHAT ": invalid argument");
	err = medfw_hash_oneshot(MEDFW_HASH_SHA256, style, strlen(style), digest, sizeof(digest),
				 &dlen);
	if (err == MEDFW_OK)
		err = medfw_base64_nopad_encode(digest, dlen, b64, sizeof(b64) - 1);
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, WHAT ": cannot hash the style sheet");
	dlen = strlen(b64); /* 32 bytes: one padding character in standard base64 */
	b64[dlen] = '=';
	b64[dlen + 1] = '\0';
	old = out->len;
	raw(&d, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		"style-src 'sha256-");
	raw(&d, b64);
	raw(&d, "'; base-uri 'none'; form-action 'none'\">\n"
		"<meta name=\"referrer\" content=\"no-referrer\">\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	text(&d, adv->input->title);
	raw(&d, "</title>\n<style>");
	raw(&d, style);
	raw(&d, "</style>\n</head>\n<body>\n<main>\n");
	body(&d, adv);
	raw(&d, "</main>\n</body>\n</html>\n");
	return finish(&d, old, diag);
}
