/* libFuzzer target: the two inputs of medfw vuln advisory that are read from files,
 * the advisory input (medfw_advisory_input_parse, and medfw_advisory_input_parse_resolved
 * as medfwd reads it with releases resolved by the server) and a findings JSON
 * (medfw_advisory_findings_parse), each taken through the model and every rendering.
 *
 * The bytes are tried as an advisory input (with fixed findings) and as findings (with
 * a fixed advisory input). A rejected file returns nothing and a message. An accepted
 * input has what the model relies on (ids, product ids "<id>:<version>", a display id
 * per vulnerability, revisions); a built model has one entry per release and
 * vulnerability with a status in the enum and a flag only on known_not_affected
 * entries; the CSAF rendering either passes the mandatory tests or fails with
 * MEDFW_ERR_FIELD_VALUE and leaves its buffer alone; the HTML has only the elements
 * and attributes the renderer writes, whatever the strings were (no script, no event
 * handler, no attribute broken out of). */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/advisory.h"

#define FUZZ_MAX_INPUT (256u * 1024u)

static const char fixed_input[] =
	"{\"advisory_format\":1,\"publisher\":{\"name\":\"Acme\","
	"\"namespace\":\"https://acme.example\"},\"tracking\":{\"id\":\"ACME-1\","
	"\"status\":\"final\",\"revision_history\":[{\"number\":\"1\","
	"\"date\":\"2024-05-14T09:00:00Z\",\"summary\":\"Initial.\"}]},\"title\":\"T\","
	"\"summary\":\"S\",\"products\":[{\"id\":\"p\",\"model\":\"Pump\",\"releases\":["
	"{\"version\":\"1.0\",\"sbom\":\"a.json\"},{\"version\":\"1.1\",\"sbom\":\"b.json\","
	"\"fixes\":[\"CVE-2022-0778\"]}]}],\"vulnerabilities\":[{\"cve\":\"CVE-2022-0778\","
	"\"title\":\"T\",\"description\":\"D\",\"impact\":\"I\",\"mitigations\":[\"M\"]},"
	"{\"cve\":\"CVE-2022-23748\",\"title\":\"T\",\"description\":\"D\",\"impact\":\"I\","
	"\"workarounds\":[\"W\"]}]}";

static const char fixed_findings[] =
	"{\"findings\":[{\"sbom\":\"dir/a.json\",\"vulnerability\":\"CVE-2022-0778\","
	"\"status\":\"affected\",\"component\":{\"name\":\"openssl\",\"version\":\"1.1.1i\"},"
	"\"severity\":{\"vector\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H\"}},"
	"{\"sbom\":\"b.json\",\"vulnerability\":\"CVE-2022-23748\",\"status\":\"not_affected\","
	"\"component\":{\"name\":\"dante\",\"version\":null},\"vex\":{\"justification\":"
	"\"code_not_reachable\",\"detail\":null},\"kev\":{\"listed\":true,\"date_added\":"
	"\"2025-02-06\",\"due_date\":null}},{\"sbom\":\"a.json\",\"vulnerability\":"
	"\"CVE-2022-23748\",\"status\":\"undetermined\",\"component\":{\"name\":\"dante\"}}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_input(const struct medfw_advisory_input *in)
{
	size_t p, k, n;

	if (in->revision_count == 0 || in->product_count == 0 || in->vuln_count == 0 ||
	    in->title == NULL || in->tlp == NULL || in->status == NULL)
		abort();
	for (p = 0; p < in->product_count; p++) {
		const struct medfw_advisory_product *pr = &in->products[p];

		if (pr->release_count == 0)
			abort();
		for (k = 0; k < pr->release_count; k++) {
			const struct medfw_advisory_release *r = &pr->releases[k];

			n = strlen(pr->id);
			if (strncmp(r->product_id, pr->id, n) != 0 || r->product_id[n] != ':' ||
			    strcmp(r->product_id + n + 1, r->version) != 0 || r->full_name == NULL)
				abort();
			if (r->notice != NULL && strcmp(r->notice->product_version, r->version) != 0)
				abort();
		}
	}
	for (p = 0; p < in->vuln_count; p++)
		if (in->vulns[p].display_id == NULL || in->vulns[p].impact == NULL)
			abort();
}

static int in_list(const char *const *list, const char *s, size_t n)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++)
		if (strlen(list[i]) == n && memcmp(list[i], s, n) == 0)
			return 1;
	return 0;
}

/* Every '<' starts one of the elements the renderer writes, with only its attributes,
 * each value quoted and free of quotes and angle brackets; every '>' ends such a tag:
 * whatever the strings were, they stayed text. */
static void check_html(const struct medfw_buf *b)
{
	static const char *const tags[] = {
		"!DOCTYPE", "html", "head", "meta", "title", "style", "body", "main", "h1", "h2",
		"h3", "p", "strong", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td",
		"a", NULL};
	static const char *const attrs[] = {"lang",  "charset", "http-equiv", "content", "name",
					    "class", "href",    "rel",        "html", /* DOCTYPE */
					    NULL};
	const char *s = (const char *)b->data, *end;

	if (s == NULL)
		abort();
	end = s + b->len;
	while (s < end) {
		size_t n;

		if (*s == '>')
			abort(); /* a '>' outside a tag */
		if (*s++ != '<')
			continue;
		if (*s == '/')
			s++;
		n = strspn(s, "!ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
		if (!in_list(tags, s, n))
			abort();
		s += n;
		for (;;) {
			s += strspn(s, " ");
			if (*s == '>') {
				s++;
				break;
			}
			n = strspn(s, "abcdefghijklmnopqrstuvwxyz-");
			if (!in_list(attrs, s, n))
				abort();
			s += n;
			if (*s != '=')
				continue;
			if (s[1] != '"')
				abort();
			s += 2;
			n = strcspn(s, "\"<>");
			if (s[n] != '"')
				abort();
			s += n + 1;
		}
	}
}

static void run(const struct medfw_advisory_input *in, const struct medfw_advisory_findings *f)
{
	struct medfw_advisory *adv = NULL;
	struct medfw_buf b;
	size_t i, k;

	if (medfw_advisory_build(in, f, &adv, NULL) != MEDFW_OK) {
		if (adv != NULL)
			abort();
		return;
	}
	for (i = 0; i < adv->vuln_count; i++) {
		const struct medfw_advisory_vuln *v = &adv->vulns[i];

		for (k = 0; k < v->entry_count; k++) {
			const struct medfw_advisory_entry *e = &v->entries[k];

			if (e->status > MEDFW_ADVISORY_UNDER_INVESTIGATION ||
			    (e->flag != MEDFW_ADVISORY_FLAG_NONE &&
			     e->status != MEDFW_ADVISORY_KNOWN_NOT_AFFECTED) ||
			    (e->declared_fix && e->status != MEDFW_ADVISORY_FIXED))
				abort();
		}
	}
	medfw_buf_init(&b, MEDFW_ADVISORY_OUTPUT_MAX);
	switch (medfw_advisory_csaf(adv, MEDFW_ADVISORY_PROFILE_VEX, &b, NULL, NULL)) {
	case MEDFW_OK: break;
	case MEDFW_ERR_FIELD_VALUE:
		if (b.len != 0)
			abort();
		break;
	default: abort();
	}
	medfw_buf_reset(&b);
	if (medfw_advisory_markdown(adv, &b, NULL) != MEDFW_OK)
		abort();
	medfw_buf_reset(&b);
	if (medfw_advisory_html(adv, &b, NULL) != MEDFW_OK)
		abort();
	check_html(&b);
	medfw_buf_free(&b);
	medfw_advisory_free(adv);
}

/* medfwd's resolver stand-in: no notice, the findings' name from the version; a
 * version starting with '9' is a release the server does not know. */
static enum medfw_err resolve(void *user, const char *path,
			      const struct medfw_advisory_product *product,
			      const struct medfw_advisory_release *release,
			      struct medfw_advisory_resolved *out, struct medfw_diag *diag)
{
	static char name[96];

	(void)user;
	(void)product;
	if (release->version[0] == '9')
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "%s: no such release", path);
	snprintf(name, sizeof(name), "r-%.64s.cdx.json", release->version);
	out->notice = NULL;
	out->sbom = name;
	return MEDFW_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct medfw_advisory_input *base_in;
	static struct medfw_advisory_findings *base_findings;
	struct medfw_advisory_input *in = NULL;
	struct medfw_advisory_findings *f = NULL;
	struct medfw_diag d;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (base_in == NULL &&
	    (medfw_advisory_input_parse("fixed.json", (const uint8_t *)fixed_input,
					strlen(fixed_input), NULL, &base_in, NULL) != MEDFW_OK ||
	     medfw_advisory_findings_parse("fixed.json", (const uint8_t *)fixed_findings,
					   strlen(fixed_findings), &base_findings,
					   NULL) != MEDFW_OK))
		abort();
	medfw_diag_clear(&d);
	if (medfw_advisory_input_parse("fuzz.json", data, size, NULL, &in, &d) != MEDFW_OK) {
		if (in != NULL || d.msg[0] == '\0')
			abort();
	} else {
		check_input(in);
		run(in, base_findings);
		medfw_advisory_input_free(in);
	}
	/* as medfwd reads it: no file, releases resolved by the server */
	medfw_diag_clear(&d);
	in = NULL;
	if (medfw_advisory_input_parse_resolved("fuzz.json", data, size, resolve, NULL, &in,
						&d) != MEDFW_OK) {
		if (in != NULL || d.msg[0] == '\0')
			abort();
	} else {
		check_input(in);
		run(in, base_findings);
		medfw_advisory_input_free(in);
	}
	medfw_diag_clear(&d);
	if (medfw_advisory_findings_parse("fuzz.json", data, size, &f, &d) != MEDFW_OK) {
		if (f != NULL || d.msg[0] == '\0')
			abort();
	} else {
		run(base_in, f);
		medfw_advisory_findings_free(f);
	}
	return 0;
}
