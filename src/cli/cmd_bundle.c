/* medfw bundle create */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "medfw/bundle.h"

int cmd_bundle_create(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"repo", required_argument, NULL, 'r'},
		{"target", required_argument, NULL, 't'},
		{"out", required_argument, NULL, 'o'},
		{"compress", no_argument, NULL, 'z'},
		{NULL, 0, NULL, 0},
	};
	const char *repo = NULL, *target = NULL, *out = NULL;
	bool compress = false;
	struct medfw_diag diag;
	enum medfw_err err;
	int c;

	medfw_diag_clear(&diag);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': repo = optarg; break;
		case 't': target = optarg; break;
		case 'o': out = optarg; break;
		case 'z': compress = true; break;
		default: return cli_usage_error("bundle create", "unknown option or missing value");
		}
	}
	if (optind != argc)
		return cli_usage_error("bundle create", "unexpected argument '%s'", argv[optind]);
	if (repo == NULL || target == NULL || out == NULL)
		return cli_usage_error("bundle create", "--repo, --target and --out are required");
	err = medfw_bundle_create(cli->ctx, repo, target, compress, out, &diag);
	if (err != MEDFW_OK)
		return cli_fail("bundle create", err, &diag);
	printf("wrote %s (target %s, %s)\n", out, target, compress ? "zstd" : "raw");
	return CLI_EXIT_OK;
}
