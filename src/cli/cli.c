/* Shared plumbing of the medfw command line. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "medfw/buf.h"
#include "medfw/crypto.h"
#include "medfw/json.h"

int cli_fail(const char *what, enum medfw_err err, const struct medfw_diag *diag)
{
	fprintf(stderr, "medfw: %s: %s\n", what, medfw_diag_message(diag, err));
	return CLI_EXIT_FAIL;
}

void cli_put_safe(FILE *f, const char *s, size_t max)
{
	size_t i;

	for (i = 0; s != NULL && s[i] != '\0' && i < max; i++)
		fputc((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f ? s[i] : '?', f);
	if (s != NULL && s[i] != '\0')
		fputs("...", f);
}

int cli_fail_file(const char *cmd, const char *what, const char *file, enum medfw_err err,
		  const struct medfw_diag *diag, int status)
{
	const char *msg = medfw_diag_message(diag, err);
	size_t n = strlen(file);

	fprintf(stderr, "medfw %s: %s ", cmd, what);
	cli_put_safe(stderr, file, 4096);
	/* file errors already start with the path */
	if (strncmp(msg, file, n) == 0 && msg[n] == ':')
		msg += n + 1 + (msg[n + 1] == ' ');
	fputs(": ", stderr);
	cli_put_safe(stderr, msg, MEDFW_DIAG_MSG_MAX);
	fputc('\n', stderr);
	return status;
}

int cli_add_input(const char *cmd, const char **list, size_t *count, size_t max,
		  const char *value, const char *opt)
{
	if (*count >= max) {
		cli_usage_error(cmd, "more than %zu %s options", max, opt);
		return 0;
	}
	list[(*count)++] = value;
	return 1;
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

#define CLI_PASSPHRASE_MAX 1024

enum medfw_err cli_load_privkey(const char *path, const char *pass_file,
				struct medfw_privkey **out, struct medfw_diag *diag)
{
	char passphrase[CLI_PASSPHRASE_MAX], prompt[512];
	struct medfw_buf pem;
	struct medfw_diag inner;
	enum medfw_err err;

	*out = NULL;
	err = medfw_file_read(path, MEDFW_PRIVKEY_PEM_MAX, &pem, diag);
	if (err != MEDFW_OK)
		return err;
	medfw_diag_clear(&inner);
	err = medfw_privkey_load_pem(pem.data, pem.len, NULL, out, &inner);
	if (err == MEDFW_ERR_BAD_PASSPHRASE) {
		snprintf(prompt, sizeof(prompt), "Passphrase for %s: ", path);
		err = cli_read_passphrase(pass_file, prompt, passphrase, sizeof(passphrase), diag);
		if (err == MEDFW_OK) {
			medfw_diag_clear(&inner);
			err = medfw_privkey_load_pem(pem.data, pem.len, passphrase, out, &inner);
		}
		medfw_wipe(passphrase, sizeof(passphrase));
	}
	medfw_buf_free(&pem);
	if (err != MEDFW_OK)
		medfw_diag_set(diag, err, "%s: %s", path, medfw_diag_message(&inner, err));
	return err;
}

enum medfw_err cli_load_pubkey(const char *path, struct medfw_pubkey **out,
			       struct medfw_diag *diag)
{
	struct medfw_buf b;
	json_t *obj = NULL;
	struct medfw_diag inner;
	enum medfw_err err;

	*out = NULL;
	medfw_diag_clear(&inner);
	err = medfw_file_read(path, MEDFW_PUBKEY_PEM_MAX * 2, &b, diag);
	if (err != MEDFW_OK)
		return err;
	err = medfw_json_parse(b.data, b.len, b.max, 4, &obj, &inner);
	if (err == MEDFW_OK)
		err = medfw_pubkey_from_json(obj, out, &inner);
	json_decref(obj);
	medfw_buf_free(&b);
	if (err != MEDFW_OK)
		medfw_diag_set(diag, err, "%s: %s", path, medfw_diag_message(&inner, err));
	return err;
}

int cli_print_json(const void *json_value)
{
	char *text = json_dumps(json_value, JSON_INDENT(2) | JSON_SORT_KEYS);

	if (text == NULL)
		return cli_fail("output", MEDFW_ERR_NOMEM, NULL);
	puts(text);
	free(text);
	return CLI_EXIT_OK;
}
