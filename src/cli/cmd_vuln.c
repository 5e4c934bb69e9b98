/* medfw vuln match */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "medfw/buf.h"
#include "medfw/json.h"
#include "medfw/sbom.h"
#include "medfw/vex.h"
#include "medfw/vuln_feed.h"
#include "medfw/vuln_matcher.h"

#define CMD "vuln match"
#define MAX_INPUTS 256 /* of each kind of option */

/* Exit status of vuln match (the usage text says the same). */
#define EXIT_CLEAN 0    /* no affected or undetermined finding */
#define EXIT_FINDINGS 1 /* findings to act on or to review */
#define EXIT_BAD_INPUT 2

struct inputs {
	const char *sbom[MAX_INPUTS], *feed[MAX_INPUTS], *vex[MAX_INPUTS];
	size_t sbom_count, feed_count, vex_count;
	const char *product_map;
	int as_json;
};

/* put_safe, then spaces up to `width` columns and one more. */
static void put_padded(FILE *f, const char *s, size_t width)
{
	size_t n = strlen(s);

	cli_put_safe(f, s, width);
	if (n > width) {
		fputc(' ', f);
		return;
	}
	for (; n <= width; n++)
		fputc(' ', f);
}

static int parse_args(int argc, char **argv, struct inputs *in)
{
	static const struct option opts[] = {
		{"sbom", required_argument, NULL, 's'},
		{"feed", required_argument, NULL, 'f'},
		{"vex", required_argument, NULL, 'v'},
		{"product-map", required_argument, NULL, 'm'},
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(in, 0, sizeof(*in));
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!cli_add_input(CMD, in->sbom, &in->sbom_count, MAX_INPUTS, optarg, "--sbom"))
				return 0;
			break;
		case 'f':
			if (!cli_add_input(CMD, in->feed, &in->feed_count, MAX_INPUTS, optarg, "--feed"))
				return 0;
			break;
		case 'v':
			if (!cli_add_input(CMD, in->vex, &in->vex_count, MAX_INPUTS, optarg, "--vex"))
				return 0;
			break;
		case 'm':
			if (in->product_map != NULL) {
				cli_usage_error(CMD, "--product-map given twice");
				return 0;
			}
			in->product_map = optarg;
			break;
		case 'j': in->as_json = 1; break;
		default: cli_usage_error(CMD, "unknown option"); return 0;
		}
	}
	if (optind != argc) {
		cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
		return 0;
	}
	if (in->sbom_count == 0 || in->feed_count == 0) {
		cli_usage_error(CMD, "give at least one --sbom and one --feed");
		return 0;
	}
	return 1;
}

/* Everything loaded, owned here. */
struct loaded {
	struct medfw_sbom *sbom[MAX_INPUTS];
	struct medfw_vex_doc *vex[MAX_INPUTS];
	struct medfw_product_map *map;
	struct medfw_feed_set *feeds;
	struct medfw_vuln_index *index;
	struct medfw_match_result *result;
};

static void unload(struct loaded *ld)
{
	size_t i;

	medfw_match_result_free(ld->result);
	medfw_vuln_index_free(ld->index);
	medfw_feed_set_free(ld->feeds);
	medfw_product_map_free(ld->map);
	for (i = 0; i < MAX_INPUTS; i++) {
		medfw_sbom_free(ld->sbom[i]);
		medfw_vex_free(ld->vex[i]);
	}
}

/* Read a file (bounded) for a parser; errors are bad input. */
static int read_input(const char *what, const char *path, size_t max, struct medfw_buf *out)
{
	struct medfw_diag diag;
	enum medfw_err err;

	medfw_diag_clear(&diag);
	err = medfw_file_read(path, max, out, &diag);
	if (err != MEDFW_OK)
		return cli_fail_file(CMD, what, path, err, &diag, EXIT_BAD_INPUT);
	return CLI_EXIT_OK;
}

static int load(const struct inputs *in, struct loaded *ld)
{
	struct medfw_buf buf;
	struct medfw_diag diag;
	enum medfw_err err;
	size_t i;
	int rc;

	for (i = 0; i < in->sbom_count; i++) {
		rc = read_input("SBOM", in->sbom[i], MEDFW_SBOM_MAX_BYTES, &buf);
		if (rc != CLI_EXIT_OK)
			return rc;
		medfw_diag_clear(&diag);
		err = medfw_sbom_parse(buf.data, buf.len, NULL, &ld->sbom[i], &diag);
		medfw_buf_free(&buf);
		if (err != MEDFW_OK)
			return cli_fail_file(CMD, "SBOM", in->sbom[i], err, &diag, EXIT_BAD_INPUT);
	}
	for (i = 0; i < in->vex_count; i++) {
		rc = read_input("VEX", in->vex[i], MEDFW_VEX_MAX_BYTES, &buf);
		if (rc != CLI_EXIT_OK)
			return rc;
		medfw_diag_clear(&diag);
		err = medfw_vex_parse(in->vex[i], buf.data, buf.len, &ld->vex[i], &diag);
		medfw_buf_free(&buf);
		if (err != MEDFW_OK)
			return cli_fail_file(CMD, "VEX", in->vex[i], err, &diag, EXIT_BAD_INPUT);
	}
	if (in->product_map != NULL) {
		rc = read_input("product map", in->product_map, MEDFW_PRODUCT_MAP_MAX_BYTES, &buf);
		if (rc != CLI_EXIT_OK)
			return rc;
		medfw_diag_clear(&diag);
		err = medfw_product_map_parse(in->product_map, buf.data, buf.len, &ld->map, &diag);
		medfw_buf_free(&buf);
		if (err != MEDFW_OK)
			return cli_fail_file(CMD, "product map", in->product_map, err, &diag, EXIT_BAD_INPUT);
	}
	ld->feeds = medfw_feed_set_new();
	if (ld->feeds == NULL) {
		cli_fail(CMD, MEDFW_ERR_NOMEM, NULL);
		return EXIT_BAD_INPUT;
	}
	for (i = 0; i < in->feed_count; i++) {
		medfw_diag_clear(&diag);
		err = medfw_feed_set_load(ld->feeds, in->feed[i], NULL, NULL, NULL, &diag);
		if (err != MEDFW_OK)
			return cli_fail_file(CMD, "feed", in->feed[i], err, &diag, EXIT_BAD_INPUT);
	}
	return CLI_EXIT_OK;
}

/* ------------------------------------------------------------------ output */

static void warn_problems(const struct loaded *ld, size_t vex_count)
{
	size_t i, k;

	for (i = 0; i < medfw_feed_set_problem_count(ld->feeds); i++) {
		const struct medfw_feed_problem *p = medfw_feed_set_problem(ld->feeds, i);

		fputs("medfw " CMD ": feed ", stderr);
		cli_put_safe(stderr, p->file, sizeof(p->file));
		if (p->json_path[0] != '\0') {
			fputs(": ", stderr);
			cli_put_safe(stderr, p->json_path, sizeof(p->json_path));
		}
		fputs(": ", stderr);
		cli_put_safe(stderr, p->message, sizeof(p->message));
		fputs(" (skipped)\n", stderr);
	}
	for (i = 0; i < vex_count; i++) {
		for (k = 0; k < ld->vex[i]->problem_count; k++) {
			const struct medfw_vex_problem *p = &ld->vex[i]->problems[k];

			fputs("medfw " CMD ": VEX ", stderr);
			cli_put_safe(stderr, ld->vex[i]->source, 4096);
			fputs(": ", stderr);
			cli_put_safe(stderr, p->json_path, sizeof(p->json_path));
			fputs(": ", stderr);
			cli_put_safe(stderr, p->message, sizeof(p->message));
			fputc('\n', stderr);
		}
	}
	for (i = 0; i < medfw_vuln_index_problem_count(ld->index); i++) {
		const struct medfw_match_problem *p = medfw_vuln_index_problem(ld->index, i);

		fputs("medfw " CMD ": product map ", stderr);
		cli_put_safe(stderr, p->source, sizeof(p->source));
		fputs(": ", stderr);
		cli_put_safe(stderr, p->json_path, sizeof(p->json_path));
		fputs(": ", stderr);
		cli_put_safe(stderr, p->message, sizeof(p->message));
		fputc('\n', stderr);
	}
	for (i = 0; i < ld->result->problem_count; i++) {
		const struct medfw_match_problem *p = &ld->result->problems[i];

		fputs("medfw " CMD ": SBOM ", stderr);
		cli_put_safe(stderr, p->source, sizeof(p->source));
		fputs(": ", stderr);
		cli_put_safe(stderr, p->json_path, sizeof(p->json_path));
		fputs(": ", stderr);
		cli_put_safe(stderr, p->message, sizeof(p->message));
		fputc('\n', stderr);
	}
}

static int problem_json(json_t *arr, const char *kind, const char *file, const char *json_path,
			const char *error, const char *message)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s?, s:s}", "kind", kind, "file", file,
			      "json_path", json_path, "error", error, "message", message);

	return o == NULL || json_array_append_new(arr, o) != 0;
}

static json_t *problems_json(const struct loaded *ld, size_t vex_count)
{
	json_t *arr = json_array();
	size_t i, k;
	int bad = arr == NULL;

	for (i = 0; !bad && i < medfw_feed_set_problem_count(ld->feeds); i++) {
		const struct medfw_feed_problem *p = medfw_feed_set_problem(ld->feeds, i);

		bad = problem_json(arr, "feed", p->file, p->json_path, medfw_err_name(p->err),
				   p->message);
	}
	for (i = 0; !bad && i < vex_count; i++)
		for (k = 0; !bad && k < ld->vex[i]->problem_count; k++)
			bad = problem_json(arr, "vex", ld->vex[i]->source,
					   ld->vex[i]->problems[k].json_path, NULL,
					   ld->vex[i]->problems[k].message);
	for (i = 0; !bad && i < medfw_vuln_index_problem_count(ld->index); i++) {
		const struct medfw_match_problem *p = medfw_vuln_index_problem(ld->index, i);

		bad = problem_json(arr, "product_map", p->source, p->json_path, NULL, p->message);
	}
	for (i = 0; !bad && i < ld->result->problem_count; i++) {
		const struct medfw_match_problem *p = &ld->result->problems[i];

		bad = problem_json(arr, "sbom", p->source, p->json_path, NULL, p->message);
	}
	if (bad) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

struct counts {
	size_t status[5];
	size_t kev_open;
};

static void count(const struct medfw_match_result *r, struct counts *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < r->finding_count; i++) {
		const struct medfw_finding *f = &r->findings[i];

		if ((unsigned)f->status < 5)
			c->status[f->status]++;
		if (f->kev.listed && medfw_finding_status_open(f->status))
			c->kev_open++;
	}
}

/* obj[key] = value (stolen); failures collect in *bad, later values are released. */
static void put(json_t *obj, const char *key, json_t *value, int *bad)
{
	if (*bad || value == NULL || json_object_set_new(obj, key, value) != 0) {
		if (!*bad && value != NULL)
			value = NULL; /* json_object_set_new released it */
		json_decref(value);
		*bad = 1;
	}
}

static json_t *count_json(size_t n)
{
	return json_integer((json_int_t)n);
}

static int print_json(const struct loaded *ld, const struct inputs *in, const struct counts *c)
{
	json_t *doc = json_object(), *findings = json_array(), *feeds = json_object();
	json_t *summary = json_object();
	char *text = NULL;
	size_t i;
	int bad = doc == NULL;
	enum medfw_feed_format f;

	for (i = 0; findings != NULL && !bad && i < ld->result->finding_count; i++)
		bad = json_array_append_new(findings, medfw_finding_json(&ld->result->findings[i])) !=
		      0;
	for (f = MEDFW_FEED_OSV; feeds != NULL && f <= MEDFW_FEED_KEV; f++)
		put(feeds, medfw_feed_format_name(f),
		    count_json(medfw_feed_set_format_count(ld->feeds, f)), &bad);
	if (summary != NULL) {
		put(summary, "sboms", count_json(in->sbom_count), &bad);
		put(summary, "components", count_json(ld->result->components), &bad);
		put(summary, "evaluations", count_json(ld->result->evaluations), &bad);
		put(summary, "feed_records", feeds, &bad);
		feeds = NULL;
		put(summary, "feed_problems", count_json(medfw_feed_set_problem_count(ld->feeds)),
		    &bad);
		put(summary, "findings", count_json(ld->result->finding_count), &bad);
		put(summary, "affected", count_json(c->status[MEDFW_FINDING_AFFECTED]), &bad);
		put(summary, "undetermined", count_json(c->status[MEDFW_FINDING_UNDETERMINED]),
		    &bad);
		put(summary, "under_investigation",
		    count_json(c->status[MEDFW_FINDING_UNDER_INVESTIGATION]), &bad);
		put(summary, "fixed", count_json(c->status[MEDFW_FINDING_FIXED]), &bad);
		put(summary, "not_affected", count_json(c->status[MEDFW_FINDING_NOT_AFFECTED]),
		    &bad);
		put(summary, "kev_open", count_json(c->kev_open), &bad);
	}
	json_decref(feeds);
	put(doc, "findings", findings, &bad);
	put(doc, "problems", problems_json(ld, in->vex_count), &bad);
	put(doc, "summary", summary, &bad);
	if (!bad)
		text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(4));
	json_decref(doc);
	if (text == NULL) {
		cli_fail(CMD, MEDFW_ERR_NOMEM, NULL);
		return EXIT_BAD_INPUT;
	}
	puts(text);
	free(text);
	return CLI_EXIT_OK;
}

static void print_finding(const struct medfw_finding *f)
{
	char sev[32] = "-";
	size_t i;

	if (f->severity.score_tenths != MEDFW_CVSS_NO_SCORE)
		snprintf(sev, sizeof(sev), "%d.%d %s", f->severity.score_tenths / 10,
			 f->severity.score_tenths % 10,
			 f->severity.version == MEDFW_CVSS_V2
				 ? "(v2)"
				 : medfw_cvss_severity(f->severity.score_tenths));
	/* the id and the component are untrusted: printed sanitised */
	printf("%-4zu %-19s ", f->priority, medfw_finding_status_name(f->status));
	put_padded(stdout, f->vuln_id, 20);
	printf("%-15s %-4s ", sev, f->kev.listed ? "KEV" : "-");
	cli_put_safe(stdout, f->component->name, 60);
	if (f->component->version != NULL && f->component->version[0] != '\0') {
		fputc(' ', stdout);
		cli_put_safe(stdout, f->component->version, 40);
	}
	fputs("  [", stdout);
	cli_put_safe(stdout, f->sbom_source, 200);
	fputs("]\n", stdout);
	for (i = 0; i < f->evidence_count; i++) {
		const struct medfw_finding_evidence *e = &f->evidence[i];

		printf("     %-12s %s: ", medfw_vuln_outcome_name(e->verdict.outcome),
		       medfw_feed_format_name(e->format));
		cli_put_safe(stdout, e->verdict.rule, MEDFW_VULN_EVIDENCE_MAX);
		fputs("\n                  ", stdout);
		cli_put_safe(stdout, e->verdict.comparison, MEDFW_VULN_EVIDENCE_MAX);
		if (e->verdict.fixed_version[0] != '\0') {
			fputs(" (fixed in ", stdout);
			cli_put_safe(stdout, e->verdict.fixed_version, 128);
			fputc(')', stdout);
		}
		fputc('\n', stdout);
	}
	if (f->pedigree) {
		fputs("     pedigree     ", stdout);
		cli_put_safe(stdout, f->pedigree_rule, MEDFW_VULN_EVIDENCE_MAX);
		fputc('\n', stdout);
	}
	if (f->vex != NULL) {
		fputs("     vex          ", stdout);
		cli_put_safe(stdout, f->vex->state, 40);
		if (f->vex->justification != NULL) {
			fputs(" (", stdout);
			cli_put_safe(stdout, f->vex->justification, 200);
			fputc(')', stdout);
		}
		fputs(" from ", stdout);
		cli_put_safe(stdout, f->vex_doc->source, 200);
		fputc(' ', stdout);
		cli_put_safe(stdout, f->vex->json_path, MEDFW_VEX_JSON_PATH_MAX);
		fputs(": ", stdout);
		cli_put_safe(stdout, f->vex_rule, MEDFW_VULN_EVIDENCE_MAX);
		fputc('\n', stdout);
	}
	if (f->kev.listed) {
		fputs("     kev          added ", stdout);
		cli_put_safe(stdout, f->kev.date_added, 16);
		fputs(", due ", stdout);
		cli_put_safe(stdout, f->kev.due_date != NULL ? f->kev.due_date : "-", 16);
		if (f->kev.ransomware != NULL) {
			fputs(", ransomware use ", stdout);
			cli_put_safe(stdout, f->kev.ransomware, 32);
		}
		fputs(" (", stdout);
		fputs(f->kev.source, stdout);
		fputs(")\n", stdout);
	}
}

static void print_table(const struct loaded *ld, const struct inputs *in, const struct counts *c)
{
	size_t i;
	enum medfw_feed_format f;

	printf("%-4s %-19s %-20s %-15s %-4s %s\n", "PRIO", "STATUS", "VULNERABILITY", "SEVERITY",
	       "KEV", "COMPONENT");
	for (i = 0; i < ld->result->finding_count; i++)
		print_finding(&ld->result->findings[i]);
	printf("\n%zu findings in %zu components of %zu SBOMs: %zu affected, %zu undetermined, "
	       "%zu under investigation, %zu fixed, %zu not affected (%zu open KEV-listed).\n",
	       ld->result->finding_count, ld->result->components, in->sbom_count,
	       c->status[MEDFW_FINDING_AFFECTED], c->status[MEDFW_FINDING_UNDETERMINED],
	       c->status[MEDFW_FINDING_UNDER_INVESTIGATION], c->status[MEDFW_FINDING_FIXED],
	       c->status[MEDFW_FINDING_NOT_AFFECTED], c->kev_open);
	printf("Feed records:");
	for (f = MEDFW_FEED_OSV; f <= MEDFW_FEED_KEV; f++)
		printf(" %s %zu%s", medfw_feed_format_name(f), medfw_feed_set_format_count(ld->feeds, f),
		       f < MEDFW_FEED_KEV ? "," : "");
	printf("; %zu skipped.\n", medfw_feed_set_problem_count(ld->feeds));
}

int cmd_vuln_match(struct cli *cli, int argc, char **argv)
{
	struct inputs in;
	struct loaded ld;
	struct medfw_match_sbom sboms[MAX_INPUTS];
	struct medfw_diag diag;
	struct counts c;
	enum medfw_err err;
	size_t i;
	int rc;

	(void)cli;
	if (!parse_args(argc, argv, &in))
		return CLI_EXIT_USAGE;
	memset(&ld, 0, sizeof(ld));
	rc = load(&in, &ld);
	if (rc != CLI_EXIT_OK)
		goto done;
	medfw_diag_clear(&diag);
	err = medfw_vuln_index_new_vex(ld.feeds, ld.map, (const struct medfw_vex_doc *const *)ld.vex,
				       in.vex_count, &ld.index, &diag);
	for (i = 0; i < in.sbom_count; i++) {
		sboms[i].sbom = ld.sbom[i];
		sboms[i].source = in.sbom[i];
	}
	if (err == MEDFW_OK)
		err = medfw_vuln_match(ld.index, sboms, in.sbom_count,
				       (const struct medfw_vex_doc *const *)ld.vex, in.vex_count,
				       &ld.result, &diag);
	if (err != MEDFW_OK) {
		cli_fail(CMD, err, &diag); /* no result: never "clean" */
		rc = EXIT_BAD_INPUT;
		goto done;
	}
	warn_problems(&ld, in.vex_count);
	count(ld.result, &c);
	rc = in.as_json ? print_json(&ld, &in, &c) : (print_table(&ld, &in, &c), CLI_EXIT_OK);
	if (rc == CLI_EXIT_OK)
		rc = c.status[MEDFW_FINDING_AFFECTED] + c.status[MEDFW_FINDING_UNDETERMINED] +
				     c.status[MEDFW_FINDING_UNDER_INVESTIGATION] >
			     0
			     ? EXIT_FINDINGS
			     : EXIT_CLEAN;
done:
	unload(&ld);
	return rc;
}
