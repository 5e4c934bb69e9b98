/* medfw-agent: the device agent's command line. The engine is src/lib/agent. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "medfw/agent.h"
#include "medfw/buf.h"
#include "medfw/crypto.h"
#include "medfw/roff.h"

#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define EXIT_REFUSED 3
#define DEFAULT_CONFIG "/etc/medfw-agent.conf"

struct command {
	const char *name;
	const char *args;
	const char *help;
};

static const struct command commands[] = {
	{"enroll", "--token-file FILE | --token TOKEN [--again]",
	 "Make the device key pair and enrol with a one-time token from the fleet server "
	 "(docs/devices.md). Pins the director root and the image repository root. --again "
	 "replaces an enrolled device's key (needs a new token)."},
	{"run", "[--once]",
	 "The daemon: finish what the last boot left (health checks, commit or rollback), "
	 "then check in every checkin_interval (plus jitter; doubling back-off after "
	 "failures, up to retry_max), follow the director's instruction and install when "
	 "the install window is open and the device is not in clinical use. --once: one "
	 "pass, then exit (exit status 0, or 3 when an update failed or was rolled back)."},
	{"status", "[--json]",
	 "The device id, the running slot, the boot state, what each slot holds, the "
	 "minimum security version and any update in progress."},
	{"install", "BUNDLE [--no-reboot]",
	 "Offline install of a bundle (USB stick, service laptop): the same checks as a "
	 "server update against the device's pinned image root, hardware id, UDI-DI, "
	 "minimum security version and agent version; streamed into the inactive slot; "
	 "refused while the device is in clinical use. Reboots into the new slot unless "
	 "--no-reboot."},
	{"rollback", "[--reason TEXT] [--no-reboot]",
	 "Abandon the update in progress (the new slot is made unbootable; when it is "
	 "running on trial, reboot into the previous one), or, with none, switch back to "
	 "the other slot when it holds a verified image not below the minimum security "
	 "version."},
	{"commit", "",
	 "Commit the slot running on trial now (the health checks still have to pass), "
	 "instead of waiting for the daemon."},
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void print_help(FILE *out)
{
	fputs("usage: medfw-agent [--config FILE] COMMAND [ARGS]\n"
	      "       medfw-agent --help | --version | --man | --config-reference\n\n"
	      "The medfw device agent: verified A/B firmware updates for one medical device.\n\n"
	      "Commands:\n",
	      out);
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].args);
	fputs("\n--config FILE  the configuration (default " DEFAULT_CONFIG ")\n"
	      "Exit status: 0 success, 1 failure, 2 usage error, 3 an update was refused, "
	      "failed or rolled back.\n"
	      "Details: medfw-agent(8), docs/agent.md.\n",
	      out);
}

static void describe(const struct medfw_config_option *o, FILE *out)
{
	const char *type = medfw_config_type_name(o->type);

	if (o->type == MEDFW_CONFIG_CHOICE)
		fprintf(out, "one of %s", o->choices);
	else
		fputs(type, out);
	if (o->flags & MEDFW_CONFIG_REQUIRED)
		fputs("; required", out);
	else if (o->default_value != NULL)
		fprintf(out, "; default %s", o->default_value);
	else
		fputs("; not set by default", out);
}

static void print_config_reference(FILE *out)
{
	for (size_t i = 0; i < medfw_agent_config_option_count; i++) {
		const struct medfw_config_option *o = &medfw_agent_config_options[i];

		fprintf(out, "%s (", o->name);
		describe(o, out);
		fprintf(out, ")\n    %s\n", o->description);
	}
}

static void print_man(FILE *out)
{
	fprintf(out,
		".TH MEDFW-AGENT 8 \"\" \"medfw %s\" \"medfw manual\"\n"
		".SH NAME\nmedfw-agent \\- the medfw device agent\n"
		".SH SYNOPSIS\n.B medfw-agent\n[\\fB\\-\\-config\\fR \\fIFILE\\fR] "
		"\\fICOMMAND\\fR [\\fIARGS\\fR]\n"
		".SH DESCRIPTION\n"
		"medfw-agent runs on the medical device. It checks in with the fleet server\n"
		"(medfwd), verifies the server's per-device instruction against the\n"
		"manufacturer's signed image repository (TUF metadata, Uptane-style), streams the\n"
		"image into the inactive A/B slot while hashing it, switches the boot slot only\n"
		"after the whole image verified, reboots only when the device is not in clinical\n"
		"use and the install window is open, runs the health checks on the new slot, and\n"
		"commits it or rolls back. Every phase is reported to the server.\n"
		".SH COMMANDS\n",
		medfw_agent_version());
	for (size_t i = 0; i < N_COMMANDS; i++) {
		fputs(".TP\n.B ", out);
		medfw_roff_write(out, commands[i].name);
		if (commands[i].args[0]) {
			fputs(" ", out);
			medfw_roff_write(out, commands[i].args);
		}
		fputc('\n', out);
		medfw_roff_write(out, commands[i].help);
		fputc('\n', out);
	}
	fputs(".SH CONFIGURATION\n"
	      "One \\fIkey\\fR = \\fIvalue\\fR per line; lines starting with # are comments.\n"
	      "Unknown keys, duplicate keys and bad values are errors naming the file and line.\n",
	      out);
	for (size_t i = 0; i < medfw_agent_config_option_count; i++) {
		const struct medfw_config_option *o = &medfw_agent_config_options[i];
		char buf[256];
		FILE *m = fmemopen(buf, sizeof(buf), "w");

		if (m != NULL) {
			describe(o, m);
			fclose(m);
		} else {
			buf[0] = 0;
		}
		fprintf(out, ".TP\n.B %s\n", o->name);
		medfw_roff_write(out, buf);
		fputs(".\n", out);
		medfw_roff_write(out, o->description);
		fputc('\n', out);
	}
	fputs(".SH ENVIRONMENT\n.TP\n.B MEDFW_AGENT_FAULT\n"
	      "Power-loss testing only: POINT or POINT@BYTES makes the agent kill itself there\n"
	      "(docs/agent.md).\n"
	      ".SH FILES\n.TP\n\\fIstate_dir\\fR/state.json\nwhat the agent must remember "
	      "across power loss\n.TP\n\\fIstate_dir\\fR/device-key.pem\nthe device's private "
	      "key (mode 0600)\n.TP\n\\fIstate_dir\\fR/status.json\nupdate state and release "
	      "notice for the device's screen\n"
	      ".SH EXIT STATUS\n.TP\n0\nsuccess\n.TP\n1\nfailure; one line on standard error "
	      "names it\n.TP\n2\nusage error\n.TP\n3\nan update was refused, failed or rolled "
	      "back\n"
	      ".SH SEE ALSO\n.BR medfw (1),\n.BR medfwd (8);\ndocs/agent.md, "
	      "docs/agent-backends.md.\n",
	      out);
}

static void log_stderr(void *user, enum medfw_log_level level, const char *event,
		       const char *msg)
{
	static const char *const names[] = {"debug", "info", "warning", "error"};
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	(void)user;
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s medfw-agent %s %s: %s\n", when, names[level & 3], event, msg);
}

static int fail(const char *what, const struct medfw_diag *d, enum medfw_err err)
{
	fprintf(stderr, "medfw-agent: %s: %s\n", what, medfw_diag_message(d, err));
	return EXIT_FAIL;
}

static int outcome_status(enum medfw_agent_outcome o)
{
	return o == MEDFW_AGENT_FAILED || o == MEDFW_AGENT_ROLLED_BACK ? EXIT_REFUSED : 0;
}

static void sleep_interruptible(uint64_t seconds)
{
	for (uint64_t i = 0; i < seconds * 10 && !stop_requested; i++)
		usleep(100000);
}

static uint64_t jitter(uint64_t max)
{
	uint32_t r = 0;

	if (max == 0 || medfw_random_bytes(&r, sizeof(r)) != MEDFW_OK)
		return 0;
	return r % (max + 1);
}

static int cmd_run(struct medfw_agent *a, const struct medfw_agent_config *cfg, bool once)
{
	uint64_t backoff = 0;

	for (;;) {
		enum medfw_agent_outcome o = MEDFW_AGENT_IDLE;
		struct medfw_diag d;
		enum medfw_err err;
		uint64_t wait;

		medfw_diag_clear(&d);
		err = medfw_agent_cycle(a, &o, &d);
		if (err != MEDFW_OK)
			fprintf(stderr, "medfw-agent: cycle: %s\n", medfw_diag_message(&d, err));
		else
			printf("%s\n", medfw_agent_outcome_name(o));
		fflush(stdout);
		if (once)
			return err != MEDFW_OK ? EXIT_FAIL : outcome_status(o);
		if (o == MEDFW_AGENT_REBOOTING) {
			/* The system is going down; if it does not within 10 minutes, go on. */
			sleep_interruptible(600);
		}
		if (err != MEDFW_OK) {
			backoff = backoff == 0 ? cfg->checkin_interval / 8 + 1 : backoff * 2;
			if (backoff > cfg->retry_max)
				backoff = cfg->retry_max;
			wait = backoff;
		} else {
			backoff = 0;
			wait = medfw_agent_next_checkin(a);
		}
		sleep_interruptible(wait + jitter(cfg->checkin_jitter));
		if (stop_requested)
			return 0;
	}
}

static int read_token(const char *path, char *out, size_t cap)
{
	struct medfw_buf b;
	struct medfw_diag d;
	enum medfw_err err;
	size_t n;

	medfw_diag_clear(&d);
	err = medfw_file_read(path, 4096, &b, &d);
	if (err != MEDFW_OK)
		return fail("token file", &d, err);
	n = b.len;
	while (n > 0 && (b.data[n - 1] == '\n' || b.data[n - 1] == '\r' || b.data[n - 1] == ' '))
		n--;
	if (n == 0 || n >= cap) {
		medfw_buf_free(&b);
		fprintf(stderr, "medfw-agent: %s: no token in the file\n", path);
		return EXIT_USAGE;
	}
	memcpy(out, b.data, n);
	out[n] = 0;
	medfw_wipe(b.data, b.len);
	medfw_buf_free(&b);
	return 0;
}

int main(int argc, char **argv)
{
	const char *config_path = DEFAULT_CONFIG, *cmd = NULL, *token = NULL, *token_file = NULL;
	const char *bundle = NULL, *reason = NULL;
	bool once = false, json = false, again = false, reboot = true;
	struct medfw_agent_config cfg;
	struct medfw_agent *a = NULL;
	struct medfw_ctx *ctx;
	struct medfw_diag d;
	enum medfw_agent_outcome o = MEDFW_AGENT_IDLE;
	enum medfw_err err;
	char tokbuf[1024];
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
			print_help(stdout);
			return 0;
		} else if (strcmp(s, "--version") == 0) {
			printf("medfw-agent %s\n", medfw_agent_version());
			return 0;
		} else if (strcmp(s, "--man") == 0) {
			print_man(stdout);
			return 0;
		} else if (strcmp(s, "--config-reference") == 0) {
			print_config_reference(stdout);
			return 0;
		} else if (strcmp(s, "--config") == 0 && i + 1 < argc) {
			config_path = argv[++i];
		} else if (strcmp(s, "--token") == 0 && i + 1 < argc) {
			token = argv[++i];
		} else if (strcmp(s, "--token-file") == 0 && i + 1 < argc) {
			token_file = argv[++i];
		} else if (strcmp(s, "--reason") == 0 && i + 1 < argc) {
			reason = argv[++i];
		} else if (strcmp(s, "--once") == 0) {
			once = true;
		} else if (strcmp(s, "--json") == 0) {
			json = true;
		} else if (strcmp(s, "--again") == 0) {
			again = true;
		} else if (strcmp(s, "--no-reboot") == 0) {
			reboot = false;
		} else if (s[0] == '-') {
			fprintf(stderr, "medfw-agent: unknown option '%s'\nTry 'medfw-agent --help'.\n",
				s);
			return EXIT_USAGE;
		} else if (cmd == NULL) {
			cmd = s;
		} else if (strcmp(cmd, "install") == 0 && bundle == NULL) {
			bundle = s;
		} else {
			fprintf(stderr, "medfw-agent: unexpected argument '%s'\n", s);
			return EXIT_USAGE;
		}
	}
	if (cmd == NULL) {
		print_help(stderr);
		return EXIT_USAGE;
	}
	{
		size_t i;

		for (i = 0; i < N_COMMANDS && strcmp(commands[i].name, cmd) != 0; i++)
			;
		if (i == N_COMMANDS) {
			fprintf(stderr, "medfw-agent: unknown command '%s'\nTry 'medfw-agent --help'.\n",
				cmd);
			return EXIT_USAGE;
		}
	}
	if (strcmp(cmd, "install") == 0 && bundle == NULL) {
		fprintf(stderr, "medfw-agent: install needs a BUNDLE\n");
		return EXIT_USAGE;
	}
	if (strcmp(cmd, "enroll") == 0 && (token == NULL) == (token_file == NULL)) {
		fprintf(stderr, "medfw-agent: enroll needs --token-file FILE or --token TOKEN\n");
		return EXIT_USAGE;
	}
	if (token_file != NULL) {
		rc = read_token(token_file, tokbuf, sizeof(tokbuf));
		if (rc != 0)
			return rc;
		token = tokbuf;
	}
	memset(&cfg, 0, sizeof(cfg));
	medfw_diag_clear(&d);
	err = medfw_agent_config_load(config_path, &cfg, &d);
	if (err != MEDFW_OK)
		return fail("configuration", &d, err);
	ctx = medfw_ctx_new();
	if (ctx == NULL) {
		medfw_agent_config_clear(&cfg);
		return EXIT_FAIL;
	}
	medfw_ctx_set_log(ctx, log_stderr, NULL, MEDFW_LOG_INFO);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	err = medfw_agent_open(ctx, &cfg, &a, &d);
	if (err != MEDFW_OK) {
		rc = fail("start", &d, err);
		goto out;
	}
	if (strcmp(cmd, "enroll") == 0) {
		err = medfw_agent_enroll(a, token, again, &d);
		rc = err != MEDFW_OK ? fail("enroll", &d, err) : 0;
		if (err == MEDFW_OK)
			printf("enrolled\n");
	} else if (strcmp(cmd, "run") == 0) {
		rc = cmd_run(a, &cfg, once);
	} else if (strcmp(cmd, "status") == 0) {
		json_t *st = NULL;

		err = medfw_agent_status(a, &st, &d);
		if (err != MEDFW_OK) {
			rc = fail("status", &d, err);
		} else {
			char *text = json_dumps(st, json ? JSON_COMPACT | JSON_SORT_KEYS
							 : JSON_INDENT(2) | JSON_SORT_KEYS);

			if (text != NULL)
				printf("%s\n", text);
			free(text);
			json_decref(st);
		}
	} else if (strcmp(cmd, "install") == 0) {
		err = medfw_agent_install_bundle(a, bundle, reboot, &o, &d);
		rc = err != MEDFW_OK ? fail("install", &d, err) : outcome_status(o);
		if (err != MEDFW_OK && o == MEDFW_AGENT_FAILED)
			rc = EXIT_REFUSED;
		if (err == MEDFW_OK)
			printf("%s\n", medfw_agent_outcome_name(o));
	} else if (strcmp(cmd, "rollback") == 0) {
		err = medfw_agent_rollback(a, reason, reboot, &o, &d);
		rc = err != MEDFW_OK ? fail("rollback", &d, err) : 0;
		if (err == MEDFW_OK)
			printf("%s\n", medfw_agent_outcome_name(o));
	} else if (strcmp(cmd, "commit") == 0) {
		err = medfw_agent_commit(a, &o, &d);
		rc = err != MEDFW_OK ? fail("commit", &d, err) : 0;
		if (err == MEDFW_OK)
			printf("%s\n", medfw_agent_outcome_name(o));
	}
out:
	if (token == tokbuf)
		medfw_wipe(tokbuf, sizeof(tokbuf));
	medfw_agent_close(a);
	medfw_ctx_free(ctx);
	medfw_agent_config_clear(&cfg);
	return rc;
}
