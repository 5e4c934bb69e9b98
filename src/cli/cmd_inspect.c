/* medfw inspect: an UNVERIFIED description of a bundle or a metadata file. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "commands.h"
#include "medfw/bundle.h"

static void print_meta(const json_t *m)
{
	const char *key;
	json_t *v;

	printf("  %s", json_string_value(json_object_get(m, "role")));
	if (json_object_get(m, "error") != NULL) {
		printf(": %s\n", json_string_value(json_object_get(m, "error")));
		return;
	}
	printf(" version %lld, expires %s, %zu signature(s)\n",
	       (long long)json_integer_value(json_object_get(m, "version")),
	       json_string_value(json_object_get(m, "expires")),
	       json_array_size(json_object_get(m, "signature_keyids")));
	json_object_foreach(json_object_get(m, "roles"), key, v)
		printf("    role %-10s threshold %lld of %zu key(s)\n", key,
		       (long long)json_integer_value(json_object_get(v, "threshold")),
		       json_array_size(json_object_get(v, "keyids")));
	json_object_foreach(json_object_get(m, "meta_versions"), key, v)
		printf("    %s version %lld\n", key, (long long)json_integer_value(v));
	json_object_foreach(json_object_get(m, "targets"), key, v)
		printf("    target %s (%lld bytes)%s\n", key,
		       (long long)json_integer_value(json_object_get(v, "length")),
		       json_object_get(v, "release_notice") != NULL ? ", with release notice" : "");
}

int cmd_inspect(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	struct medfw_diag diag;
	enum medfw_err err;
	json_t *d = NULL;
	int json = 0, c;

	medfw_diag_clear(&diag);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'j')
			return cli_usage_error("inspect", "unknown option");
		json = 1;
	}
	if (argc - optind != 1)
		return cli_usage_error("inspect", "expected exactly one FILE");
	err = medfw_bundle_inspect_unverified(cli->ctx, argv[optind], &d, &diag);
	if (err != MEDFW_OK)
		return cli_fail("inspect", err, &diag);
	if (json) {
		char *text = json_dumps(d, JSON_INDENT(2) | JSON_SORT_KEYS);

		if (text != NULL)
			printf("%s\n", text);
		free(text);
	} else {
		json_t *list = json_object_get(d, "metadata"), *m;
		size_t i;

		printf("UNVERIFIED: nothing below was checked; use 'medfw verify'.\n");
		if (list != NULL) {
			printf("bundle: target %s, image %s, %lld bytes stored\n",
			       json_string_value(json_object_get(d, "target")),
			       json_string_value(json_object_get(d, "image_encoding")),
			       (long long)json_integer_value(json_object_get(d, "image_stored_length")));
			json_array_foreach(list, i, m)
				print_meta(m);
		} else {
			print_meta(d);
		}
	}
	json_decref(d);
	return CLI_EXIT_OK;
}
