/* Shared plumbing of the medfw command line. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "medfw/buf.h"
#include "medfw/crypto.h"

int cli_fail(const char *what, enum medfw_err err, const struct medfw_diag *diag)
{
	fprintf(stderr, "medfw: %s: %s\n", what, medfw_diag_message(diag, err));
	return CLI_EXIT_FAIL;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "medfw %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'medfw %s --help'.\n", cmd);
	return CLI_EXIT_USAGE;
}

int cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	}
	return 0;
}

static void strip_newline(char *s)
{
	size_t n = strcspn(s, "\r\n");

	s[n] = 0;
}

enum medfw_err cli_read_passphrase(const char *file, const char *prompt, char *out,
				   size_t out_cap, struct medfw_diag *diag)
{
	struct termios old, noecho;
	FILE *tty;
	int restore = 0;

	out[0] = 0;
	if (file != NULL) {
		struct medfw_buf b;
		enum medfw_err err = medfw_file_read(file, out_cap - 1, &b, diag);

		if (err != MEDFW_OK)
			return err;
		memcpy(out, b.data, b.len);
		out[b.len] = 0;
		medfw_buf_free(&b);
		strip_newline(out);
		return MEDFW_OK;
	}
	if (prompt == NULL)
		return MEDFW_OK;
	tty = fopen("/dev/tty", "r+");
	if (tty == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_IO,
				      "no terminal to ask for the passphrase: use --passphrase-file");
	fputs(prompt, tty);
	fflush(tty);
	if (tcgetattr(fileno(tty), &old) == 0) {
		noecho = old;
		noecho.c_lflag &= ~(tcflag_t)ECHO;
		restore = tcsetattr(fileno(tty), TCSAFLUSH, &noecho) == 0;
	}
	if (fgets(out, (int)out_cap, tty) == NULL)
		out[0] = 0;
	if (restore)
		tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputs("\n", tty);
	fclose(tty);
	strip_newline(out);
	return MEDFW_OK;
}
