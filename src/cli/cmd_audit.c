/* medfw audit verify */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "medfw/audit.h"
#include "medfw/buf.h"
#include "medfw/json.h"

int cmd_audit_verify(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"server-key", required_argument, NULL, 'k'},
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	const char *key_path = NULL;
	struct medfw_pubkey *key = NULL;
	struct medfw_audit_verify_result r;
	struct medfw_diag diag;
	struct medfw_buf export;
	enum medfw_err err;
	int as_json = 0, c, rc;

	(void)cli;
	medfw_diag_clear(&diag);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k': key_path = optarg; break;
		case 'j': as_json = 1; break;
		default: return cli_usage_error("audit verify", "unknown option");
		}
	}
	if (optind + 1 != argc || key_path == NULL)
		return cli_usage_error("audit verify", "give EXPORT and --server-key");
	err = cli_load_pubkey(key_path, &key, &diag);
	if (err != MEDFW_OK)
		return cli_fail("audit verify", err, &diag);
	err = medfw_file_read(argv[optind], MEDFW_AUDIT_EXPORT_MAX, &export, &diag);
	if (err == MEDFW_OK) {
		err = medfw_audit_verify_export(export.data, export.len, key, &r, &diag);
		medfw_buf_free(&export);
	}
	medfw_pubkey_free(key);
	if (err != MEDFW_OK)
		return cli_fail("audit verify", err, &diag);
	if (as_json) {
		json_t *doc = json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I}", "verified", 1, "records",
					(json_int_t)r.records, "checkpoints", (json_int_t)r.checkpoints,
					"first_seq", (json_int_t)r.first_seq, "last_seq",
					(json_int_t)r.last_seq, "last_checkpoint",
					(json_int_t)r.last_checkpoint, "uncovered",
					(json_int_t)r.uncovered);

		rc = cli_print_json(doc);
		json_decref(doc);
		return rc;
	}
	printf("VERIFIED: %zu records (seq %lld to %lld), hash chain intact, %zu checkpoints "
	       "signed by the server key.\n",
	       r.records, (long long)r.first_seq, (long long)r.last_seq, r.checkpoints);
	if (r.uncovered > 0)
		printf("Note: the last %zu records come after the last checkpoint (seq %lld): "
		       "records cut off after them would not be detected.\n",
		       r.uncovered, (long long)r.last_checkpoint);
	return CLI_EXIT_OK;
}
