/* medfw verify: check a bundle offline before it goes near a device. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "medfw/buf.h"
#include "medfw/bundle.h"
#include "medfw/num.h"

static void print_time(int64_t t, char *out, size_t cap)
{
	if (medfw_format_utc_time(t, out, cap) != MEDFW_OK)
		snprintf(out, cap, "?");
}

static int print_json(const struct medfw_bundle_result *res)
{
	json_t *doc, *roles = json_array(), *notice = NULL;
	char *text;

	if (medfw_notice_to_json(res->release_notice, &notice, NULL) != MEDFW_OK)
		notice = json_null();
	for (size_t i = 0; roles != NULL && i < res->role_count; i++) {
		char when[32];

		print_time(res->roles[i].expires, when, sizeof(when));
		json_array_append_new(roles,
				      json_pack("{s:s, s:I, s:s, s:I, s:I}", "role", res->roles[i].role,
						"version", (json_int_t)res->roles[i].version, "expires",
						when, "valid_signatures", (json_int_t)res->roles[i].valid,
						"threshold", (json_int_t)res->roles[i].threshold));
	}
	doc = json_pack("{s:b, s:s, s:I, s:s, s:s, s:I, s:I, s:o, s:o}", "verified", 1, "target",
			res->target_name, "length", (json_int_t)res->image_length, "sha256",
			res->image_sha256_hex, "encoding", res->compressed ? "zstd" : "raw",
			"stored_length", (json_int_t)res->stored_length, "trusted_root_version",
			(json_int_t)res->trusted_root_version, "metadata", roles, "release_notice",
			notice);
	text = doc != NULL ? json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	json_decref(doc);
	if (text == NULL)
		return cli_fail("verify", MEDFW_ERR_NOMEM, NULL);
	printf("%s\n", text);
	free(text);
	return CLI_EXIT_OK;
}

static int print_text(const struct medfw_bundle_result *res, const char *extract)
{
	struct medfw_buf text;
	enum medfw_err err;

	medfw_buf_init(&text, 1024 * 1024);
	err = medfw_notice_print_text(res->release_notice, &text);
	if (err != MEDFW_OK) {
		medfw_buf_free(&text);
		return cli_fail("verify", err, NULL);
	}
	printf("VERIFIED: %s\n\n", res->target_name);
	printf("Release notice (signed by the manufacturer)\n");
	printf("-------------------------------------------\n%s\n", (const char *)text.data);
	medfw_buf_free(&text);
	printf("What was verified\n-----------------\n");
	printf("  target:        %s\n", res->target_name);
	printf("  length:        %llu bytes (%s in the bundle, %llu bytes stored)\n",
	       (unsigned long long)res->image_length, res->compressed ? "zstd" : "raw",
	       (unsigned long long)res->stored_length);
	printf("  sha256:        %s\n", res->image_sha256_hex);
	printf("  trusted root:  version %lld\n", (long long)res->trusted_root_version);
	for (size_t i = 0; i < res->role_count; i++) {
		char when[32];

		print_time(res->roles[i].expires, when, sizeof(when));
		printf("  %-13s  version %lld, %zu of %lld required signatures valid, expires %s\n",
		       res->roles[i].role, (long long)res->roles[i].version, res->roles[i].valid,
		       (long long)res->roles[i].threshold, when);
	}
	if (extract != NULL)
		printf("  extracted to:  %s\n", extract);
	return CLI_EXIT_OK;
}

int cmd_verify(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"trusted-root", required_argument, NULL, 'r'},
		{"hardware-id", required_argument, NULL, 'H'},
		{"min-security-version", required_argument, NULL, 'm'},
		{"extract", required_argument, NULL, 'x'},
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	struct medfw_bundle_policy policy = {.hardware_id = NULL};
	struct medfw_bundle_result res;
	const char *root_path = NULL, *bundle;
	struct medfw_diag diag;
	struct medfw_buf root;
	enum medfw_err err;
	int json = 0, c, rc;

	medfw_diag_clear(&diag);
	memset(&res, 0, sizeof(res));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': root_path = optarg; break;
		case 'H': policy.hardware_id = optarg; break;
		case 'm':
			if (medfw_parse_u64(optarg, 0, INT64_MAX, &policy.min_security_version) !=
			    MEDFW_OK)
				return cli_usage_error("verify", "--min-security-version: not a "
								 "number: '%s'", optarg);
			break;
		case 'x': policy.extract_path = optarg; break;
		case 'j': json = 1; break;
		default: return cli_usage_error("verify", "unknown option or missing value");
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("verify", "expected exactly one BUNDLE");
	if (root_path == NULL)
		return cli_usage_error("verify", "--trusted-root is required");
	bundle = argv[optind];
	err = medfw_file_read(root_path, MEDFW_TUF_ROOT_MAX_LEN, &root, &diag);
	if (err != MEDFW_OK)
		return cli_fail("verify: trusted root", err, &diag);
	err = medfw_bundle_verify(cli->ctx, bundle, root.data, root.len, &policy, &res, &diag);
	medfw_buf_free(&root);
	if (err != MEDFW_OK)
		return cli_fail("verify", err, &diag);
	rc = json ? print_json(&res) : print_text(&res, policy.extract_path);
	medfw_bundle_result_clear(&res);
	return rc;
}
