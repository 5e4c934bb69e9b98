/* medfw-sim: the fleet simulator's command line. One table of commands and one of
 * options are both the --help text and the man page (docs/man/medfw-sim.1 is
 * `medfw-sim --man`). The work is in enroll.c and run.c; docs/sim.md. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

#include "medfw/agent.h"
#include "medfw/num.h"
#include "medfw/roff.h"

#define CMD_ENROLL 1u
#define CMD_RUN 2u

struct command {
	const char *name;
	unsigned id;
	const char *summary;
	const char *help;
};

static const struct command commands[] = {
	{"enroll", CMD_ENROLL, "create and enrol simulated devices",
	 "Create --count device records on the server (CSV import, POST /api/v1/devices/import, "
	 "at most 10,000 rows a request), then for each one a one-time enrolment token, an "
	 "Ed25519 key pair made here, and a real enrolment (POST /device/v1/enrol). The "
	 "enrolled devices are appended to the fleet file with their private keys. Run it "
	 "once per site, model or department: one fleet file holds them all."},
	{"run", CMD_RUN, "simulate the fleet against the server",
	 "Every device of the fleet file checks in on its own period, on a pool of worker "
	 "threads, speaking the agent's protocol: signed check-ins, the director's metadata "
	 "verified against the image repository (Uptane), the install window and the "
	 "clinical state honoured, real downloads checked against the signed length and "
	 "hashes, a simulated reboot and health check, and every phase reported as an update "
	 "event. Stops on SIGINT or SIGTERM or after --duration: requests in flight finish, "
	 "queued events are sent, the fleet file is updated (a next run continues) and the "
	 "statistics are written."},
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

enum opt_id {
	O_SERVER,
	O_CA,
	O_API_TOKEN_FILE,
	O_FLEET,
	O_SITE,
	O_COUNT,
	O_MODEL,
	O_HARDWARE_ID,
	O_DEPARTMENT,
	O_NETWORK_ZONE,
	O_SERIAL_PREFIX,
	O_FIRMWARE_VERSION,
	O_IMAGE_SHA256,
	O_IMAGE_ROOT,
	O_DIRECTOR_ROOT,
	O_INTERVAL,
	O_JITTER,
	O_THREADS,
	O_DURATION,
	O_SESSIONS,
	O_SLOTS,
	O_HEALTH_FAIL_RATE,
	O_DOWNLOAD_FAIL_RATE,
	O_CLINICAL_USE_RATE,
	O_OFFLINE_RATE,
	O_OFFLINE_SECONDS,
	O_REBOOT_SECONDS,
	O_SEED,
	O_STATS,
	O_ONLY_SITE,
	O_VERBOSE,
	O_COUNT_
};

struct option {
	enum opt_id id;
	const char *name;
	const char *arg; /* NULL: a flag */
	unsigned commands;
	unsigned required; /* commands that need it */
	const char *help;
};

static const struct option options[] = {
	{O_SERVER, "--server", "URL", CMD_ENROLL | CMD_RUN, CMD_ENROLL | CMD_RUN,
	 "The fleet server, https://host:port (or http://host:port, for tests), no path."},
	{O_CA, "--ca", "FILE", CMD_ENROLL | CMD_RUN, 0,
	 "PEM file of the CA of an https server: the only certificate authority trusted."},
	{O_API_TOKEN_FILE, "--api-token-file", "FILE", CMD_ENROLL | CMD_RUN, CMD_ENROLL,
	 "A file holding an API token (one line) of a user with devices.write and "
	 "devices.enrol (enroll), or devices.read (run: only to fetch the director root when "
	 "--director-root is not given). Never logged."},
	{O_FLEET, "--fleet", "FILE", CMD_ENROLL | CMD_RUN, CMD_ENROLL | CMD_RUN,
	 "The fleet file (created mode 0600; it holds the devices' private keys). FILE.lock "
	 "keeps a second medfw-sim away; run keeps the image repository's metadata in "
	 "FILE.image-metadata/."},
	{O_SITE, "--site", "ID", CMD_ENROLL, CMD_ENROLL, "The site (hospital) the devices belong to."},
	{O_COUNT, "--count", "N", CMD_ENROLL, CMD_ENROLL, "How many devices to create (1..10000000)."},
	{O_MODEL, "--model", "M", CMD_ENROLL, CMD_ENROLL, "Their model (1..128 characters)."},
	{O_HARDWARE_ID, "--hardware-id", "HW", CMD_ENROLL, CMD_ENROLL,
	 "Their hardware id, as release notices list it (1..128 characters)."},
	{O_DEPARTMENT, "--department", "D", CMD_ENROLL, 0, "Their department (1..128 characters)."},
	{O_NETWORK_ZONE, "--network-zone", "Z", CMD_ENROLL, 0,
	 "Their network zone (1..64 characters)."},
	{O_SERIAL_PREFIX, "--serial-prefix", "P", CMD_ENROLL, 0,
	 "Serial numbers are P followed by 000001, 000002, ... (default: SIM-, 8 random hex "
	 "digits and -, so that every run's serials are new)."},
	{O_FIRMWARE_VERSION, "--firmware-version", "V", CMD_ENROLL, CMD_ENROLL,
	 "The factory firmware version the devices report until they install another."},
	{O_IMAGE_SHA256, "--image-sha256", "HEX", CMD_ENROLL, 0,
	 "The SHA-256 of the factory image (64 lowercase hex digits), reported at check-in."},
	{O_IMAGE_ROOT, "--image-root", "FILE", CMD_RUN, CMD_RUN,
	 "The image repository's trusted root (1.root.json) the devices ship with."},
	{O_DIRECTOR_ROOT, "--director-root", "FILE", CMD_RUN, 0,
	 "The director root the devices pinned; without it, it is fetched once from GET "
	 "/api/v1/director/root.json with --api-token-file."},
	{O_INTERVAL, "--interval", "S", CMD_RUN, 0,
	 "Seconds between a device's check-ins (1..86400, default 10)."},
	{O_JITTER, "--jitter", "S", CMD_RUN, 0,
	 "Up to S more seconds, chosen at random per check-in (0..86400, default 0)."},
	{O_THREADS, "--threads", "T", CMD_ENROLL | CMD_RUN, 0,
	 "Worker threads, each with one connection to the server (1..1024, default twice the "
	 "processors, at least 4, at most 64)."},
	{O_DURATION, "--duration", "S", CMD_RUN, 0,
	 "Stop after S seconds (default: run until SIGINT or SIGTERM)."},
	{O_SESSIONS, "--sessions", NULL, CMD_RUN, 0,
	 "Each device opens a session (one Ed25519-signed request) and signs its requests with "
	 "the session's HMAC key, renewing it when it expires or is refused."},
	{O_SLOTS, "--slots", "DIR", CMD_RUN, 0,
	 "Write each downloaded image to DIR/DEVICE_ID.img (not fsynced); default: hash and "
	 "count only."},
	{O_HEALTH_FAIL_RATE, "--health-fail-rate", "R", CMD_RUN, 0,
	 "Per install (0..1, default 0): the health check after the simulated reboot fails: "
	 "rolled_back, the device keeps its firmware."},
	{O_DOWNLOAD_FAIL_RATE, "--download-fail-rate", "R", CMD_RUN, 0,
	 "Per download (0..1, default 0): the connection breaks halfway: failed "
	 "(MEDFW_ERR_IO); the device tries again at its next check-in."},
	{O_CLINICAL_USE_RATE, "--clinical-use-rate", "R", CMD_RUN, 0,
	 "Per check-in (0..1, default 0): the device reports clinical_state in_use and defers "
	 "an install."},
	{O_OFFLINE_RATE, "--offline-rate", "R", CMD_RUN, 0,
	 "Per check-in (0..1, default 0): the device goes silent for --offline-seconds "
	 "instead."},
	{O_OFFLINE_SECONDS, "--offline-seconds", "S", CMD_RUN, 0,
	 "How long an offline period lasts (1..604800, default 60)."},
	{O_REBOOT_SECONDS, "--reboot-seconds", "S", CMD_RUN, 0,
	 "How long the simulated reboot after an install takes (0..3600, default 2)."},
	{O_SEED, "--seed", "N", CMD_RUN, 0,
	 "Seed of the simulation's random choices (default 1); not used for keys or nonces."},
	{O_STATS, "--stats", "FILE", CMD_RUN, 0,
	 "Write the statistics as JSON to FILE at the end."},
	{O_ONLY_SITE, "--only-site", "ID", CMD_RUN, 0,
	 "Simulate only the devices of this site; the others stay as they are."},
	{O_VERBOSE, "--verbose", NULL, CMD_ENROLL | CMD_RUN, 0,
	 "Log every failed request and refresh on standard error (default: warnings only)."},
};
#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

static const char DESCRIPTION[] =
	"medfw-sim simulates a fleet of medical devices in one process, for tests, load and "
	"the demo. Each simulated device has its own Ed25519 key pair, is enrolled for real "
	"and speaks the protocol of medfw-agent: RFC 9421 signed check-ins, the director's "
	"per-device metadata verified against the manufacturer's image repository, real "
	"downloads checked against the signed length and hashes, and update events. Rates of "
	"health-check failures, download failures, clinical use and offline periods are "
	"settable; the random choices come from a seeded generator (not from the keys' "
	"source).";

static const char FLEET_TEXT[] =
	"One JSON object per device and line, after comment lines starting with #: its id, "
	"site, serial, model, hardware id, private key (the Ed25519 seed, field key), the last "
	"event number it used, its firmware and image, the director versions it accepted and "
	"what it reported for its current instruction (docs/sim.md). The file holds private "
	"keys: it is created with mode 0600, a file others can read is refused, and neither "
	"keys nor tokens are ever logged.";

static void print_usage(FILE *out)
{
	fputs("usage: medfw-sim COMMAND [OPTIONS]\n"
	      "       medfw-sim COMMAND --help | --help | --version | --man\n\n"
	      "The medfw fleet simulator: thousands of simulated devices on the real device "
	      "protocol.\n\nCommands:\n",
	      out);
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-7s %s\n", commands[i].name, commands[i].summary);
	fputs("\n'medfw-sim COMMAND --help' lists its options. Details: medfw-sim(1), docs/sim.md.\n"
	      "Exit status: 0 success, 1 failure, 2 usage error.\n",
	      out);
}

/* `text` from column `col`, wrapped at 79 columns, continuation lines indented. */
static void wrap(FILE *out, const char *text, size_t col, size_t indent)
{
	const char *p = text;
	bool first = true;

	while (*p != 0) {
		size_t n = strcspn(p, " ");

		if (!first && col + 1 + n > 79) {
			fprintf(out, "\n%*s", (int)indent, "");
			col = indent;
		} else if (!first) {
			fputc(' ', out);
			col++;
		}
		fwrite(p, 1, n, out);
		col += n;
		first = false;
		for (p += n; *p == ' '; p++)
			;
	}
	fputc('\n', out);
}

static void print_command_help(FILE *out, const struct command *c)
{
	fprintf(out, "usage: medfw-sim %s OPTIONS\n\n", c->name);
	wrap(out, c->help, 0, 0);
	fputs("\nOptions (* required):\n", out);
	for (size_t i = 0; i < N_OPTIONS; i++) {
		const struct option *o = &options[i];
		char head[64];
		int n;

		if (!(o->commands & c->id))
			continue;
		n = snprintf(head, sizeof(head), " %c%s%s%s", (o->required & c->id) ? '*' : ' ',
			     o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		if (n < 0)
			continue;
		if (n > 25)
			fprintf(out, "%s\n%27s", head, "");
		else
			fprintf(out, "%-27s", head);
		wrap(out, o->help, 27, 27);
	}
	if (c->id == CMD_RUN)
		fputs("One of --director-root and --api-token-file is required.\n", out);
}

static void print_man(FILE *out)
{
	fprintf(out, ".TH MEDFW-SIM 1 \"\" \"medfw %s\" \"medfw manual\"\n"
		     ".SH NAME\nmedfw-sim \\- the medfw fleet simulator\n"
		     ".SH SYNOPSIS\n",
		medfw_agent_version());
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, ".B medfw-sim %s\n\\fIOPTIONS\\fR\n.br\n", commands[i].name);
	fputs(".B medfw-sim\n\\fB\\-\\-help\\fR | \\fB\\-\\-version\\fR | \\fB\\-\\-man\\fR\n"
	      ".SH DESCRIPTION\n",
	      out);
	medfw_roff_write(out, DESCRIPTION);
	fputs("\n.SH COMMANDS\n", out);
	for (size_t i = 0; i < N_COMMANDS; i++) {
		const struct command *c = &commands[i];

		fprintf(out, ".SS %s\n", c->name);
		medfw_roff_write(out, c->help);
		fputc('\n', out);
		for (size_t k = 0; k < N_OPTIONS; k++) {
			const struct option *o = &options[k];

			if (!(o->commands & c->id))
				continue;
			fputs(".TP\n.B ", out);
			medfw_roff_write(out, o->name);
			if (o->arg != NULL) {
				fputs(" \\fI", out);
				medfw_roff_write(out, o->arg);
				fputs("\\fR", out);
			}
			fputc('\n', out);
			medfw_roff_write(out, o->help);
			if (o->required & c->id)
				fputs(" Required.", out);
			fputc('\n', out);
		}
	}
	fputs(".SH FLEET FILE\n", out);
	medfw_roff_write(out, FLEET_TEXT);
	fputs("\n.SH STATISTICS\n", out);
	medfw_roff_write(out, "With --stats, run writes one JSON object: devices, seconds, "
			      "checkins_ok, checkins_failed, checkins_per_second, "
			      "checkin_latency_ms (p50, p99, max), downloads, download_bytes, "
			      "download_failures, events (by type), committed, rolled_back, failed, "
			      "deferred, events_sent, events_duplicates, events_dropped, "
			      "http_errors (by status; no_answer for connection failures and "
			      "timeouts), director_fetches, director_errors, offline_periods, "
			      "cycles, cpu_seconds and max_rss_kib.");
	fputs("\n.SH EXIT STATUS\n.TP\n0\nsuccess\n.TP\n1\nfailure; a line on standard error "
	      "names it\n.TP\n2\nusage error\n"
	      ".SH SEE ALSO\n.BR medfw-agent (8),\n.BR medfwd (8);\ndocs/sim.md, "
	      "docs/devices.md, docs/director.md.\n",
	      out);
}

/* ---- helpers shared with the commands ---- */

int64_t sim_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sim_log_stderr(void *user, enum medfw_log_level level, const char *event, const char *msg)
{
	static const char *const names[] = {"debug", "info", "warning", "error"};
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	(void)user;
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s medfw-sim %s %s: %s\n", when, names[level & 3], event, msg);
}

int sim_read_secret_file(const char *path, char *out, size_t cap)
{
	struct medfw_buf b;
	struct medfw_diag d;
	enum medfw_err err;
	size_t n;

	medfw_diag_clear(&d);
	err = medfw_file_read(path, 4096, &b, &d);
	if (err != MEDFW_OK) {
		fprintf(stderr, "medfw-sim: token file: %s\n", medfw_diag_message(&d, err));
		return SIM_EXIT_FAIL;
	}
	n = b.len;
	while (n > 0 && (b.data[n - 1] == '\n' || b.data[n - 1] == '\r' || b.data[n - 1] == ' '))
		n--;
	if (n == 0 || n >= cap || memchr(b.data, '\n', n) != NULL) {
		medfw_buf_free(&b);
		fprintf(stderr, "medfw-sim: %s: not one token on one line\n", path);
		return SIM_EXIT_USAGE;
	}
	memcpy(out, b.data, n);
	out[n] = 0;
	medfw_buf_free(&b); /* wiped */
	return 0;
}

/* jansson's memory is wiped when freed: the fleet file's keys and the enrolment tokens
 * pass through it. */
static void *json_alloc(size_t n)
{
	return malloc(n);
}

static void json_release(void *p)
{
	if (p != NULL)
		medfw_wipe(p, malloc_usable_size(p));
	free(p);
}

/* ---- parsing ---- */

static int usage_error(const char *cmd, const char *fmt, ...) MEDFW_PRINTF(2, 3);

static int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "medfw-sim: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'medfw-sim %s --help'.\n", cmd);
	return SIM_EXIT_USAGE;
}

static bool parse_number(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	return medfw_parse_u64(s, min, max, out) == MEDFW_OK;
}

/* A rate: 0..1 with at most 6 decimals ("0", "1", "0.25", "1.0"), in millionths. */
static bool parse_rate(const char *s, uint32_t *out)
{
	uint64_t whole = 0, frac = 0;
	size_t i = 0, digits = 0;

	while (s[i] >= '0' && s[i] <= '9' && i < 2)
		whole = whole * 10 + (uint64_t)(s[i++] - '0');
	if (i == 0 && s[i] != '.')
		return false;
	if (s[i] == '.') {
		i++;
		while (s[i] >= '0' && s[i] <= '9' && digits < 6) {
			frac = frac * 10 + (uint64_t)(s[i++] - '0');
			digits++;
		}
		if (digits == 0)
			return false;
		for (size_t k = digits; k < 6; k++)
			frac *= 10;
	}
	if (s[i] != 0 || whole > 1 || (whole == 1 && frac > 0))
		return false;
	*out = (uint32_t)(whole * SIM_RATE_ONE + frac);
	return true;
}

/* 1..max bytes of printable characters (UTF-8 allowed, no control characters). */
static bool text_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
			return false;
	return true;
}

static bool sha256_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != 0; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == 64;
}

static unsigned default_threads(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned t = cpus > 0 ? (unsigned)cpus * 2 : 4;

	return t < 4 ? 4 : t > 64 ? 64 : t;
}

int main(int argc, char **argv)
{
	const struct command *cmd = NULL;
	const char *val[O_COUNT_] = {0};
	bool flag[O_COUNT_] = {0};
	const char *name;
	uint64_t n;

	json_set_alloc_funcs(json_alloc, json_release);
	if (argc < 2) {
		print_usage(stderr);
		return SIM_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		print_usage(stdout);
		return SIM_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("medfw-sim %s\n", medfw_agent_version());
		return SIM_EXIT_OK;
	}
	if (strcmp(argv[1], "--man") == 0) {
		print_man(stdout);
		return SIM_EXIT_OK;
	}
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			cmd = &commands[i];
	if (cmd == NULL) {
		fprintf(stderr, "medfw-sim: unknown command '%s'\nTry 'medfw-sim --help'.\n",
			argv[1]);
		return SIM_EXIT_USAGE;
	}
	name = cmd->name;
	for (int i = 2; i < argc; i++) {
		const struct option *o = NULL;

		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			print_command_help(stdout, cmd);
			return SIM_EXIT_OK;
		}
		for (size_t k = 0; k < N_OPTIONS; k++)
			if (strcmp(argv[i], options[k].name) == 0 && (options[k].commands & cmd->id))
				o = &options[k];
		if (o == NULL)
			return usage_error(name, "%s: unknown option '%s'", name, argv[i]);
		if (val[o->id] != NULL || flag[o->id])
			return usage_error(name, "%s given twice", o->name);
		if (o->arg == NULL) {
			flag[o->id] = true;
			continue;
		}
		if (i + 1 >= argc)
			return usage_error(name, "%s needs a value (%s)", o->name, o->arg);
		val[o->id] = argv[++i];
	}
	for (size_t k = 0; k < N_OPTIONS; k++)
		if ((options[k].required & cmd->id) && val[options[k].id] == NULL)
			return usage_error(name, "%s is required", options[k].name);
	if (strncmp(val[O_SERVER], "http://", 7) != 0 && strncmp(val[O_SERVER], "https://", 8) != 0)
		return usage_error(name, "--server: %s is not http(s)://host:port", val[O_SERVER]);
	if (strncmp(val[O_SERVER], "https://", 8) == 0 && val[O_CA] == NULL)
		return usage_error(name, "--server %s needs --ca FILE (the server's CA is pinned)",
				   val[O_SERVER]);
	if (val[O_THREADS] != NULL && !parse_number(val[O_THREADS], 1, SIM_THREADS_MAX, &n))
		return usage_error(name, "--threads: 1..1024, not '%s'", val[O_THREADS]);

	if (cmd->id == CMD_ENROLL) {
		struct sim_enroll_options eo = {
			.server_url = val[O_SERVER],
			.ca_file = val[O_CA],
			.api_token_file = val[O_API_TOKEN_FILE],
			.fleet_path = val[O_FLEET],
			.model = val[O_MODEL],
			.hardware_id = val[O_HARDWARE_ID],
			.department = val[O_DEPARTMENT],
			.network_zone = val[O_NETWORK_ZONE],
			.serial_prefix = val[O_SERIAL_PREFIX],
			.firmware_version = val[O_FIRMWARE_VERSION],
			.image_sha256 = val[O_IMAGE_SHA256],
			.threads = val[O_THREADS] != NULL ? n : default_threads(),
			.verbose = flag[O_VERBOSE],
		};
		uint64_t site = 0;

		if (!parse_number(val[O_SITE], 1, INT64_MAX, &site))
			return usage_error(name, "--site: a site id (a positive number), not '%s'", val[O_SITE]);
		eo.site_id = (int64_t)site;
		if (!parse_number(val[O_COUNT], 1, SIM_DEVICES_MAX, &eo.count))
			return usage_error(name, "--count: 1..10000000, not '%s'", val[O_COUNT]);
		if (!text_ok(eo.model, SIM_STRING_MAX))
			return usage_error(name, "--model: 1..128 characters, no control "
						 "characters");
		if (!text_ok(eo.hardware_id, SIM_STRING_MAX))
			return usage_error(name, "--hardware-id: 1..128 characters, no control "
						 "characters");
		if (eo.department != NULL && !text_ok(eo.department, SIM_STRING_MAX))
			return usage_error(name, "--department: 1..128 characters, no control "
						 "characters");
		if (eo.network_zone != NULL && !text_ok(eo.network_zone, SIM_ZONE_MAX))
			return usage_error(name, "--network-zone: 1..64 characters, no control "
						 "characters");
		if (eo.serial_prefix != NULL && !text_ok(eo.serial_prefix, SIM_STRING_MAX - 10))
			return usage_error(name, "--serial-prefix: 1..118 characters, no control "
						 "characters");
		if (!text_ok(eo.firmware_version, SIM_VERSION_MAX))
			return usage_error(name, "--firmware-version: 1..64 characters, no control "
						 "characters");
		if (eo.image_sha256 != NULL && !sha256_ok(eo.image_sha256))
			return usage_error(name, "--image-sha256: 64 lowercase hex digits, not "
						 "'%s'", eo.image_sha256);
		return sim_cmd_enroll(&eo);
	}
	{
		struct sim_run_options ro = {
			.server_url = val[O_SERVER],
			.ca_file = val[O_CA],
			.fleet_path = val[O_FLEET],
			.image_root = val[O_IMAGE_ROOT],
			.director_root_file = val[O_DIRECTOR_ROOT],
			.api_token_file = val[O_API_TOKEN_FILE],
			.stats_path = val[O_STATS],
			.slots_dir = val[O_SLOTS],
			.interval = 10,
			.jitter = 0,
			.threads = val[O_THREADS] != NULL ? n : default_threads(),
			.duration = 0,
			.offline_seconds = 60,
			.reboot_seconds = 2,
			.seed = 1,
			.sessions = flag[O_SESSIONS],
			.verbose = flag[O_VERBOSE],
		};
		static const struct {
			enum opt_id id;
			uint64_t min, max;
			size_t offset;
		} numbers[] = {
			{O_INTERVAL, 1, 86400, offsetof(struct sim_run_options, interval)},
			{O_JITTER, 0, 86400, offsetof(struct sim_run_options, jitter)},
			{O_DURATION, 1, 100u * 365u * 86400u, offsetof(struct sim_run_options, duration)},
			{O_OFFLINE_SECONDS, 1, 7u * 86400u,
			 offsetof(struct sim_run_options, offline_seconds)},
			{O_REBOOT_SECONDS, 0, 3600, offsetof(struct sim_run_options, reboot_seconds)},
			{O_SEED, 0, UINT64_MAX, offsetof(struct sim_run_options, seed)},
		};
		static const struct {
			enum opt_id id;
			size_t offset;
		} rates[] = {
			{O_HEALTH_FAIL_RATE, offsetof(struct sim_run_options, health_fail_ppm)},
			{O_DOWNLOAD_FAIL_RATE, offsetof(struct sim_run_options, download_fail_ppm)},
			{O_CLINICAL_USE_RATE, offsetof(struct sim_run_options, clinical_use_ppm)},
			{O_OFFLINE_RATE, offsetof(struct sim_run_options, offline_ppm)},
		};

		for (size_t k = 0; k < sizeof(numbers) / sizeof(numbers[0]); k++) {
			const char *v = val[numbers[k].id];
			char range[64];

			if (v == NULL)
				continue;
			if (!parse_number(v, numbers[k].min, numbers[k].max,
					  (uint64_t *)((char *)&ro + numbers[k].offset))) {
				snprintf(range, sizeof(range), "%llu..%llu",
					 (unsigned long long)numbers[k].min,
					 (unsigned long long)numbers[k].max);
				for (size_t i = 0; i < N_OPTIONS; i++)
					if (options[i].id == numbers[k].id)
						return usage_error(name, "%s: a whole number in %s",
								   options[i].name, range);
			}
		}
		for (size_t k = 0; k < sizeof(rates) / sizeof(rates[0]); k++) {
			const char *v = val[rates[k].id];

			if (v == NULL)
				continue;
			if (!parse_rate(v, (uint32_t *)((char *)&ro + rates[k].offset)))
				for (size_t i = 0; i < N_OPTIONS; i++)
					if (options[i].id == rates[k].id)
						return usage_error(name, "%s: a rate from 0 to 1 (at most "
									 "6 decimals), not '%s'",
								   options[i].name, v);
		}
		if (val[O_ONLY_SITE] != NULL) {
			uint64_t site = 0;

			if (!parse_number(val[O_ONLY_SITE], 1, INT64_MAX, &site))
				return usage_error(name, "--only-site: a site id, not '%s'", val[O_ONLY_SITE]);
			ro.only_site = (int64_t)site;
		}
		if (ro.director_root_file == NULL && ro.api_token_file == NULL)
			return usage_error(name, "--director-root FILE or --api-token-file FILE is "
						 "required");
		return sim_cmd_run(&ro);
	}
}
