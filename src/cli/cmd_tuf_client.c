/* medfw tuf-client: the TUF client workflow with the tuf-conformance CLI protocol.
 * Every failure, usage errors included, exits with status 1 (the protocol's rule). */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "medfw/buf.h"
#include "medfw/fetch.h"
#include "medfw/tuf.h"
#include "medfw/tuf_client.h"

#define MAX_TARGET_NAMES 64
#define WHAT "tuf-client"

struct tuf_client_args {
	const char *metadata_dir;
	const char *metadata_url;
	const char *target_dir;
	const char *target_base_url;
	const char *target_names[MAX_TARGET_NAMES];
	size_t target_count;
};

static int usage_fail(const char *msg)
{
	fprintf(stderr, "medfw: %s: %s (see 'medfw %s --help')\n", WHAT, msg, WHAT);
	return CLI_EXIT_FAIL;
}

/* init: parse and self-verify the trusted root, then store it as root.json. */
static int run_init(const struct tuf_client_args *a, const char *root_file)
{
	struct medfw_tuf_meta *root = NULL;
	struct medfw_buf data;
	struct medfw_diag diag;
	char path[PATH_MAX];
	enum medfw_err err;
	int n;

	medfw_diag_clear(&diag);
	n = snprintf(path, sizeof(path), "%s/root.json", a->metadata_dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return usage_fail("--metadata-dir path too long");
	err = medfw_file_read(root_file, MEDFW_TUF_ROOT_MAX_LEN, &data, &diag);
	if (err == MEDFW_OK)
		err = medfw_tuf_meta_parse_unverified(data.data, data.len, MEDFW_TUF_ROOT_MAX_LEN,
						      MEDFW_TUF_ROOT, &root, &diag);
	if (err == MEDFW_OK)
		err = medfw_tuf_meta_verify_role(root, &root->keys, &root->roles[MEDFW_TUF_ROOT],
						 "trusted root (self-signature)", &diag);
	if (err == MEDFW_OK)
		err = medfw_mkdir_p(a->metadata_dir, 0755, &diag);
	if (err == MEDFW_OK)
		err = medfw_file_write_atomic(path, data.data, data.len, 0644, &diag);
	medfw_tuf_meta_free(root);
	medfw_buf_free(&data);
	if (err != MEDFW_OK)
		return cli_fail(WHAT, err, &diag);
	return CLI_EXIT_OK;
}

static int run_update(struct cli *cli, const struct tuf_client_args *a, int download)
{
	struct medfw_fetcher *fetcher = NULL;
	struct medfw_tuf_client *client = NULL;
	struct medfw_diag diag;
	enum medfw_err err;
	char path[PATH_MAX];

	medfw_diag_clear(&diag);
	err = medfw_fetcher_curl_new(&fetcher, &diag);
	if (err == MEDFW_OK)
		err = medfw_tuf_client_new(cli->ctx, fetcher, a->metadata_dir, a->metadata_url,
					   download ? a->target_base_url : NULL, &client, &diag);
	if (err == MEDFW_OK)
		err = medfw_tuf_client_refresh(client, &diag);
	for (size_t i = 0; download && err == MEDFW_OK && i < a->target_count; i++) {
		const struct medfw_tuf_target *info = NULL;

		err = medfw_tuf_client_get_target_info(client, a->target_names[i], &info, &diag);
		if (err != MEDFW_OK)
			break;
		if (medfw_tuf_client_find_cached_target(client, info, a->target_dir, path,
							sizeof(path), NULL) == MEDFW_OK)
			continue; /* already there and verified: not downloaded again */
		err = medfw_tuf_client_download_target(client, info, a->target_dir, path,
						       sizeof(path), &diag);
	}
	medfw_tuf_client_free(client);
	medfw_fetcher_curl_free(fetcher);
	if (err != MEDFW_OK)
		return cli_fail(WHAT, err, &diag);
	return CLI_EXIT_OK;
}

int cmd_tuf_client(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"metadata-dir", required_argument, NULL, 'm'},
		{"metadata-url", required_argument, NULL, 'u'},
		{"target-name", required_argument, NULL, 'n'},
		{"target-dir", required_argument, NULL, 'd'},
		{"target-base-url", required_argument, NULL, 't'},
		{NULL, 0, NULL, 0},
	};
	struct tuf_client_args a;
	const char *command;
	int c;

	memset(&a, 0, sizeof(a));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm': a.metadata_dir = optarg; break;
		case 'u': a.metadata_url = optarg; break;
		case 'd': a.target_dir = optarg; break;
		case 't': a.target_base_url = optarg; break;
		case 'n':
			if (a.target_count == MAX_TARGET_NAMES)
				return usage_fail("too many --target-name options");
			a.target_names[a.target_count++] = optarg;
			break;
		default: return usage_fail("unknown option or missing option argument");
		}
	}
	if (optind >= argc)
		return usage_fail("missing command: init, refresh or download");
	command = argv[optind++];
	if (a.metadata_dir == NULL)
		return usage_fail("--metadata-dir is required");
	if (strcmp(command, "init") == 0) {
		if (argc - optind != 1)
			return usage_fail("init takes exactly one argument: the trusted root file");
		return run_init(&a, argv[optind]);
	}
	if (optind != argc)
		return usage_fail("unexpected argument after the command");
	if (a.metadata_url == NULL)
		return usage_fail("--metadata-url is required");
	if (strcmp(command, "refresh") == 0)
		return run_update(cli, &a, 0);
	if (strcmp(command, "download") == 0) {
		if (a.target_count == 0 || a.target_dir == NULL || a.target_base_url == NULL)
			return usage_fail("download needs --target-name, --target-dir and "
					  "--target-base-url");
		return run_update(cli, &a, 1);
	}
	return usage_fail("unknown command (expected init, refresh or download)");
}
