/* medfw — the command line for people: keys, repositories, releases, bundles,
 * offline verification. A thin front end over libmedfw. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void print_help(FILE *out)
{
	fprintf(out, "Usage: medfw COMMAND [OPTIONS]\n\n"
		     "medfw signs, publishes and verifies medical-device firmware releases\n"
		     "(TUF metadata with a signed release notice).\n\nCommands:\n");
	for (size_t i = 0; i < cli_command_count; i++)
		fprintf(out, "  %-22s %s\n", cli_commands[i].name, cli_commands[i].summary);
	fprintf(out, "\nGeneral options:\n"
		     "  -h, --help             show help (also after any command)\n"
		     "  --version              show the version\n\n"
		     "Exit status: 0 success, 1 an operation or check failed, 2 usage error.\n"
		     "See medfw(1).\n");
}

/* Match the longest command name ("key generate") against argv[1..]. */
static const struct cli_command *find_command(int argc, char **argv, int *out_words)
{
	const struct cli_command *best = NULL;
	int best_words = 0;

	for (size_t i = 0; i < cli_command_count; i++) {
		const char *w = cli_commands[i].name;
		int words = 0, ok = 1;

		while (*w != 0) {
			size_t n = strcspn(w, " ");

			if (1 + words >= argc || strlen(argv[1 + words]) != n ||
			    strncmp(argv[1 + words], w, n) != 0) {
				ok = 0;
				break;
			}
			words++;
			w += n;
			w += strspn(w, " ");
		}
		if (ok && words > best_words) {
			best = &cli_commands[i];
			best_words = words;
		}
	}
	*out_words = best_words;
	return best;
}

int main(int argc, char **argv)
{
	const struct cli_command *cmd;
	struct cli cli = {.prog = "medfw"};
	int words, rc;

	if (argc < 2) {
		print_help(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		print_help(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("medfw %s\n", MEDFW_VERSION_STRING);
		return CLI_EXIT_OK;
	}
	cmd = find_command(argc, argv, &words);
	if (cmd == NULL) {
		fprintf(stderr, "medfw: unknown command '%s'\nTry 'medfw --help'.\n", argv[1]);
		return CLI_EXIT_USAGE;
	}
	/* The command sees argv[0] = its own name, then its arguments. */
	argc -= words;
	argv += words;
	if (cli_wants_help(argc, argv)) {
		fputs(cmd->usage, stdout);
		return CLI_EXIT_OK;
	}
	cli.ctx = medfw_ctx_new();
	if (cli.ctx == NULL)
		return cli_fail("start", MEDFW_ERR_NOMEM, NULL);
	rc = cmd->run(&cli, argc, argv);
	medfw_ctx_free(cli.ctx);
	return rc;
}
