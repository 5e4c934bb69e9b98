/* medfw vuln advisory: a customer security advisory (CSAF 2.0, Markdown, HTML) from the
 * manufacturer's advisory input and the findings of the matcher (docs/advisories.md). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "medfw/advisory.h"
#include "medfw/buf.h"
#include "medfw/sbom.h"
#include "medfw/vex.h"
#include "medfw/vuln_feed.h"
#include "medfw/vuln_matcher.h"

#define CMD "vuln advisory"
#define MAX_INPUTS 256      /* of each repeatable option */
#define MAX_WARNINGS 50     /* uncovered findings listed one by one */

enum format { FORMAT_NONE = 0, FORMAT_CSAF, FORMAT_MARKDOWN, FORMAT_HTML };

struct options {
	const char *input, *findings, *product_map, *out;
	const char *sbom[MAX_INPUTS], *feed[MAX_INPUTS], *vex[MAX_INPUTS];
	size_t sbom_count, feed_count, vex_count;
	enum medfw_advisory_profile profile;
	int profile_given;
	enum format format;
};

static int add_input(const char **list, size_t *count, const char *value, const char *opt)
{
	return cli_add_input(CMD, list, count, MAX_INPUTS, value, opt);
}

static int once(const char **slot, const char *value, const char *opt)
{
	if (*slot != NULL) {
		cli_usage_error(CMD, "%s given twice", opt);
		return 0;
	}
	*slot = value;
	return 1;
}

/* Print the usage error; 0 for parse_args to return. */
#define USAGE(...) (cli_usage_error(CMD, __VA_ARGS__), 0)

static int parse_format(const char *arg, struct options *o)
{
	if (o->format != FORMAT_NONE)
		return USAGE("--format given twice");
	if (strcmp(arg, "csaf") == 0)
		o->format = FORMAT_CSAF;
	else if (strcmp(arg, "markdown") == 0)
		o->format = FORMAT_MARKDOWN;
	else if (strcmp(arg, "html") == 0)
		o->format = FORMAT_HTML;
	else
		return USAGE("--format is csaf, markdown or html");
	return 1;
}

static int parse_profile(const char *arg, struct options *o)
{
	if (strcmp(arg, "security_advisory") == 0)
		o->profile = MEDFW_ADVISORY_PROFILE_SECURITY_ADVISORY;
	else if (strcmp(arg, "vex") == 0)
		o->profile = MEDFW_ADVISORY_PROFILE_VEX;
	else
		return USAGE("--profile is security_advisory or vex");
	o->profile_given = 1;
	return 1;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{"input", required_argument, NULL, 'i'},
		{"findings", required_argument, NULL, 'F'},
		{"sbom", required_argument, NULL, 's'},
		{"feed", required_argument, NULL, 'f'},
		{"vex", required_argument, NULL, 'v'},
		{"product-map", required_argument, NULL, 'm'},
		{"profile", required_argument, NULL, 'p'},
		{"format", required_argument, NULL, 'o'},
		{"out", required_argument, NULL, 'w'},
		{NULL, 0, NULL, 0},
	};
	int c, ok = 1;

	memset(o, 0, sizeof(*o));
	o->profile = MEDFW_ADVISORY_PROFILE_SECURITY_ADVISORY;
	optind = 1;
	while (ok && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i': ok = once(&o->input, optarg, "--input"); break;
		case 'F': ok = once(&o->findings, optarg, "--findings"); break;
		case 'm': ok = once(&o->product_map, optarg, "--product-map"); break;
		case 'w': ok = once(&o->out, optarg, "--out"); break;
		case 's': ok = add_input(o->sbom, &o->sbom_count, optarg, "--sbom"); break;
		case 'f': ok = add_input(o->feed, &o->feed_count, optarg, "--feed"); break;
		case 'v': ok = add_input(o->vex, &o->vex_count, optarg, "--vex"); break;
		case 'p': ok = parse_profile(optarg, o); break;
		case 'o': ok = parse_format(optarg, o); break;
		default: ok = USAGE("unknown option"); break;
		}
	}
	if (!ok)
		return 0;
	if (optind != argc)
		return USAGE("unexpected argument '%s'", argv[optind]);
	if (o->input == NULL || o->out == NULL || o->format == FORMAT_NONE)
		return USAGE("give --input, --format and --out");
	if ((o->findings != NULL) == (o->sbom_count > 0 || o->feed_count > 0))
		return USAGE("give either --findings or --sbom with --feed");
	if (o->findings == NULL && (o->sbom_count == 0 || o->feed_count == 0))
		return USAGE("give at least one --sbom and one --feed");
	if (o->findings != NULL && (o->vex_count > 0 || o->product_map != NULL))
		return USAGE("--vex and --product-map go with --sbom, not --findings");
	if (o->profile_given && o->format != FORMAT_CSAF)
		return USAGE("--profile applies to --format csaf");
	return 1;
}

/* ------------------------------------------------------------ findings from SBOMs */

struct matched {
	struct medfw_sbom *sbom[MAX_INPUTS];
	struct medfw_vex_doc *vex[MAX_INPUTS];
	struct medfw_product_map *map;
	struct medfw_feed_set *feeds;
	struct medfw_vuln_index *index;
	struct medfw_match_result *result;
};

static void matched_free(struct matched *m)
{
	size_t i;

	medfw_match_result_free(m->result);
	medfw_vuln_index_free(m->index);
	medfw_feed_set_free(m->feeds);
	medfw_product_map_free(m->map);
	for (i = 0; i < MAX_INPUTS; i++) {
		medfw_sbom_free(m->sbom[i]);
		medfw_vex_free(m->vex[i]);
	}
}

static void feed_problems(const struct medfw_feed_set *feeds)
{
	size_t i;

	for (i = 0; i < medfw_feed_set_problem_count(feeds); i++) {
		const struct medfw_feed_problem *p = medfw_feed_set_problem(feeds, i);

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
}

/* Run the matcher as `medfw vuln match` does; the findings are copied out. */
static int match(const struct options *o, struct medfw_advisory_findings **out)
{
	struct matched m;
	struct medfw_match_sbom sboms[MAX_INPUTS];
	struct medfw_buf b;
	struct medfw_diag diag;
	enum medfw_err err;
	size_t i;
	int rc = CLI_EXIT_FAIL;

	memset(&m, 0, sizeof(m));
	medfw_diag_clear(&diag);
	for (i = 0; i < o->sbom_count; i++) {
		err = medfw_file_read(o->sbom[i], MEDFW_SBOM_MAX_BYTES, &b, &diag);
		if (err == MEDFW_OK) {
			err = medfw_sbom_parse(b.data, b.len, NULL, &m.sbom[i], &diag);
			medfw_buf_free(&b);
		}
		if (err != MEDFW_OK) {
			cli_fail_file(CMD, "SBOM", o->sbom[i], err, &diag, CLI_EXIT_FAIL);
			goto done;
		}
		sboms[i].sbom = m.sbom[i];
		sboms[i].source = o->sbom[i];
	}
	for (i = 0; i < o->vex_count; i++) {
		err = medfw_file_read(o->vex[i], MEDFW_VEX_MAX_BYTES, &b, &diag);
		if (err == MEDFW_OK) {
			err = medfw_vex_parse(o->vex[i], b.data, b.len, &m.vex[i], &diag);
			medfw_buf_free(&b);
		}
		if (err != MEDFW_OK) {
			cli_fail_file(CMD, "VEX", o->vex[i], err, &diag, CLI_EXIT_FAIL);
			goto done;
		}
	}
	if (o->product_map != NULL) {
		err = medfw_file_read(o->product_map, MEDFW_PRODUCT_MAP_MAX_BYTES, &b, &diag);
		if (err == MEDFW_OK) {
			err = medfw_product_map_parse(o->product_map, b.data, b.len, &m.map, &diag);
			medfw_buf_free(&b);
		}
		if (err != MEDFW_OK) {
			cli_fail_file(CMD, "product map", o->product_map, err, &diag, CLI_EXIT_FAIL);
			goto done;
		}
	}
	m.feeds = medfw_feed_set_new();
	if (m.feeds == NULL) {
		cli_fail(CMD, MEDFW_ERR_NOMEM, NULL);
		goto done;
	}
	for (i = 0; i < o->feed_count; i++) {
		err = medfw_feed_set_load(m.feeds, o->feed[i], NULL, NULL, NULL, &diag);
		if (err != MEDFW_OK) {
			cli_fail_file(CMD, "feed", o->feed[i], err, &diag, CLI_EXIT_FAIL);
			goto done;
		}
	}
	feed_problems(m.feeds);
	err = medfw_vuln_index_new_vex(m.feeds, m.map, (const struct medfw_vex_doc *const *)m.vex,
				       o->vex_count, &m.index, &diag);
	if (err == MEDFW_OK)
		err = medfw_vuln_match(m.index, sboms, o->sbom_count,
				       (const struct medfw_vex_doc *const *)m.vex, o->vex_count,
				       &m.result, &diag);
	if (err == MEDFW_OK)
		err = medfw_advisory_findings_from_match(m.result, out, &diag);
	if (err != MEDFW_OK) {
		cli_fail(CMD, err, &diag);
		goto done;
	}
	rc = CLI_EXIT_OK;
done:
	matched_free(&m);
	return rc;
}

/* ------------------------------------------------------------ output */

static void warnings(const struct medfw_advisory *adv)
{
	size_t i;

	for (i = 0; i < adv->uncovered_count && i < MAX_WARNINGS; i++) {
		const struct medfw_advisory_finding *f = adv->uncovered[i];

		fputs("medfw " CMD ": warning: ", stderr);
		cli_put_safe(stderr, f->vuln_id, 64);
		fprintf(stderr, " (%s: ", medfw_finding_status_name(f->status));
		cli_put_safe(stderr, f->component, 120);
		fputs(" in ", stderr);
		cli_put_safe(stderr, f->sbom, 200);
		fputs(") is not in the advisory input\n", stderr);
	}
	if (adv->uncovered_count > MAX_WARNINGS)
		fprintf(stderr, "medfw " CMD ": warning: and %zu more open findings not in the "
				"advisory input\n",
			adv->uncovered_count - MAX_WARNINGS);
	if (adv->findings_other_sbom > 0)
		fprintf(stderr,
			"medfw " CMD ": %zu finding%s of SBOMs that no release of the advisory "
			"input names (its \"sbom\") not used\n",
			adv->findings_other_sbom, adv->findings_other_sbom == 1 ? "" : "s");
}

static int render(const struct options *o, const struct medfw_advisory *adv)
{
	struct medfw_csaf_report report;
	struct medfw_buf out;
	struct medfw_diag diag;
	enum medfw_err err;
	size_t i;

	memset(&report, 0, sizeof(report));
	medfw_diag_clear(&diag);
	medfw_buf_init(&out, MEDFW_ADVISORY_OUTPUT_MAX);
	switch (o->format) {
	case FORMAT_CSAF: err = medfw_advisory_csaf(adv, o->profile, &out, &report, &diag); break;
	case FORMAT_MARKDOWN: err = medfw_advisory_markdown(adv, &out, &diag); break;
	default: err = medfw_advisory_html(adv, &out, &diag); break;
	}
	if (err == MEDFW_OK)
		err = medfw_file_write_atomic(o->out, out.data, out.len, 0644, &diag);
	else
		for (i = 0; i < report.count; i++)
			fprintf(stderr, "medfw " CMD ": CSAF mandatory test %s: %s\n",
				report.findings[i].test, report.findings[i].message);
	medfw_buf_free(&out);
	medfw_csaf_report_free(&report);
	if (err != MEDFW_OK)
		return cli_fail(CMD, err, &diag); /* nothing was written */
	return CLI_EXIT_OK;
}

int cmd_vuln_advisory(struct cli *cli, int argc, char **argv)
{
	struct options o;
	struct medfw_advisory_input *in = NULL;
	struct medfw_advisory_findings *findings = NULL;
	struct medfw_advisory *adv = NULL;
	struct medfw_buf b;
	struct medfw_diag diag;
	enum medfw_err err;
	int rc;

	(void)cli;
	if (!parse_args(argc, argv, &o))
		return CLI_EXIT_USAGE;
	medfw_diag_clear(&diag);
	err = medfw_advisory_input_load(o.input, &in, &diag);
	if (err != MEDFW_OK) {
		rc = cli_fail_file(CMD, "advisory input", o.input, err, &diag, CLI_EXIT_FAIL);
		goto done;
	}
	if (o.findings != NULL) {
		err = medfw_file_read(o.findings, MEDFW_ADVISORY_FINDINGS_MAX_BYTES, &b, &diag);
		if (err == MEDFW_OK) {
			err = medfw_advisory_findings_parse(o.findings, b.data, b.len, &findings,
							    &diag);
			medfw_buf_free(&b);
		}
		if (err != MEDFW_OK) {
			rc = cli_fail_file(CMD, "findings", o.findings, err, &diag, CLI_EXIT_FAIL);
			goto done;
		}
	} else if ((rc = match(&o, &findings)) != CLI_EXIT_OK) {
		goto done;
	}
	err = medfw_advisory_build(in, findings, &adv, &diag);
	if (err != MEDFW_OK) {
		rc = cli_fail(CMD, err, &diag);
		goto done;
	}
	warnings(adv);
	rc = render(&o, adv);
done:
	medfw_advisory_free(adv);
	medfw_advisory_findings_free(findings);
	medfw_advisory_input_free(in);
	return rc;
}
