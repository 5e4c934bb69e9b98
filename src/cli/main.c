/* medfw — the command line for people: keys, repositories, releases, bundles,
 * offline verification. A thin front end over libmedfw. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "medfw/roff.h"

static void print_help(FILE *out)
{
	fprintf(out, "Usage: medfw COMMAND [OPTIONS]\n\n"
		     "medfw signs, publishes and verifies medical-device firmware releases\n"
		     "(TUF metadata with a signed release notice).\n\nCommands:\n");
	for (size_t i = 0; i < cli_command_count; i++)
		fprintf(out, "  %-24s %s\n", cli_commands[i].name, cli_commands[i].summary);
	fprintf(out, "\nGeneral options:\n"
		     "  -h, --help               show help (also after any command)\n"
		     "  --version                show the version\n\n"
		     "Exit status: 0 success, 1 an operation or check failed, 2 usage error.\n"
		     "See medfw(1).\n");
}


/* The man page, generated from the same table as --help (docs/man/medfw.1 is this
 * output; a test keeps them equal). */
static void print_man(FILE *out)
{
	fprintf(out, ".TH MEDFW 1 \"\" \"medfw %s\" \"medfw manual\"\n"
		     ".SH NAME\nmedfw \\- sign, publish and verify medical-device firmware releases\n"
		     ".SH SYNOPSIS\n.B medfw\n.I command\n[\\fIoptions\\fR]\n"
		     ".SH DESCRIPTION\n"
		     "medfw is the command line of the medfw firmware-security platform. It keeps a\n"
		     "manufacturer's TUF image repository (keys, thresholds, offline signing, root\n"
		     "rotation), stages firmware images with their signed release notice, builds\n"
		     "offline bundles, and verifies them the way a device would.\n"
		     "Every command takes \\fB\\-\\-help\\fR.\n"
		     "Passphrases are read from a file or the terminal, never from the command line.\n"
		     ".SH COMMANDS\n",
		MEDFW_VERSION_STRING);
	for (size_t i = 0; i < cli_command_count; i++) {
		fprintf(out, ".SS %s\n", cli_commands[i].name);
		medfw_roff_write(out, cli_commands[i].summary);
		fputs(".\n.PP\n.nf\n", out);
		medfw_roff_write(out, cli_commands[i].usage);
		fputs(".fi\n", out);
	}
	fputs(".SH EXIT STATUS\n.TP\n0\nsuccess\n.TP\n1\nan operation failed or a check did "
	      "not pass; one line on standard error names what failed\n.TP\n2\nusage error\n"
	      ".SH ENVIRONMENT\nTZ and LC_ALL do not change any result; times are UTC.\n"
	      ".SH SEE ALSO\nThe documentation in docs/: ARCHITECTURE.md, errors.md, formats/.\n",
	      out);
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
	if (strcmp(argv[1], "--man") == 0) {
		print_man(stdout);
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
