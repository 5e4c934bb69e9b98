/* medfwd — the medfw fleet server. A thin front end: options, configuration, data
 * directory lock, signals; the HTTP layer is http.c, the routes are routes.c. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "handlers/app.h"
#include "handlers/rollouts.h"
#include "handlers/vulns.h"
#include "medfw/num.h"
#include "medfw/roff.h"

#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

/* The one table of command-line options: --help and the man page come from it. */
struct cli_option {
	const char *name;
	const char *arg;  /* NULL: a flag */
	const char *help;
};

static const struct cli_option cli_options[] = {
	{"--config", "FILE", "Run the server with the configuration FILE."},
	{"--check-config", "FILE",
	 "Parse FILE, print the effective settings and exit: 0 when valid, 1 when not "
	 "(the error names the file and line)."},
	{"--routes", NULL,
	 "Print the route table, one route per line: METHOD PATTERN AUTH NAME."},
	{"--config-reference", NULL,
	 "Print the configuration reference as Markdown (the table in docs/server.md)."},
	{"--permissions", NULL,
	 "Print the permission matrix of the roles as Markdown (docs/permissions.md)."},
	{"--stop-on-stdin-eof", NULL,
	 "Stop, as on SIGTERM, when standard input is closed (for tests and supervisors: "
	 "the server ends with the process that started it)."},
	{"--max-lifetime", "SECONDS", "Stop, as on SIGTERM, after SECONDS (for tests)."},
	{"--enable-test-routes", NULL,
	 "Also serve the test routes under /api/v1/selftest/, among them a clock the test "
	 "suite moves forward (for the test suite only: never on a server people use)."},
	{"--rotate-director-key", NULL,
	 "With --config FILE: replace the online director key of the stopped server's "
	 "data_dir (refused while a medfwd runs on it): a new key, director root version "
	 "N+1 signed by the old and the new key, the old key file overwritten and "
	 "replaced, the audit record director.key_rotated. Devices follow the root chain "
	 "(docs/director.md)."},
	{"--help", NULL, "Show this help."},
	{"--version", NULL, "Show the version."},
	{"--man", NULL, "Print the man page (roff); docs/man/medfwd.8 is this output."},
};
#define N_CLI (sizeof(cli_options) / sizeof(cli_options[0]))

struct cli_args {
	const char *config, *check_config;
	int routes, config_reference, permissions, stop_on_eof, test_routes, help, version, man;
	int rotate_director_key;
	uint64_t max_lifetime;
};

static void print_help(FILE *out)
{
	fputs("Usage: medfwd --config FILE [--stop-on-stdin-eof] [--max-lifetime SECONDS]\n"
	      "       medfwd --rotate-director-key --config FILE\n"
	      "       medfwd --check-config FILE | --routes | --config-reference | --permissions\n"
	      "       medfwd --man\n\n"
	      "medfwd is the medfw fleet server: HTTP API for people, tools and devices.\n\n"
	      "Options:\n",
	      out);
	for (size_t i = 0; i < N_CLI; i++) {
		char left[64];

		snprintf(left, sizeof(left), "%s%s%s", cli_options[i].name,
			 cli_options[i].arg ? " " : "", cli_options[i].arg ? cli_options[i].arg : "");
		fprintf(out, "  %-26s %s\n", left, cli_options[i].help);
	}
	fputs("\nSignals: SIGTERM or SIGINT stop accepting, finish requests in flight (up to\n"
	      "shutdown_timeout) and exit 0.\n"
	      "Exit status: 0 success, 1 configuration or start-up failure, 2 usage error.\n"
	      "Configuration options: medfwd --config-reference, or medfwd(8).\n",
	      out);
}


static void print_man(FILE *out)
{
	fprintf(out, ".TH MEDFWD 8 \"\" \"medfw %s\" \"medfw manual\"\n"
		     ".SH NAME\nmedfwd \\- the medfw fleet server\n"
		     ".SH SYNOPSIS\n.B medfwd\n\\fB\\-\\-config\\fR \\fIFILE\\fR\n"
		     "[\\fIoptions\\fR]\n"
		     ".SH DESCRIPTION\n"
		     "medfwd serves the medfw HTTP API: JSON under /api/v1 for people and tools,\n"
		     "/device/v1 for devices, /healthz and /metrics (Prometheus text format),\n"
		     "and the web dashboard's files (/, /ui/, /assets/) when they are installed\n"
		     "(web_dir).\n"
		     "It logs one JSON object per line on standard error and never logs request\n"
		     "bodies or credentials. HTTPS is served when tls_cert and tls_key are set;\n"
		     "otherwise run it behind a TLS reverse proxy.\n"
		     ".SH OPTIONS\n",
		MEDFW_VERSION_STRING);
	for (size_t i = 0; i < N_CLI; i++) {
		fputs(".TP\n.B ", out);
		medfw_roff_write(out, cli_options[i].name);
		if (cli_options[i].arg != NULL)
			fprintf(out, " \\fI%s\\fR", cli_options[i].arg);
		fputc('\n', out);
		medfw_roff_write(out, cli_options[i].help);
		fputc('\n', out);
	}
	fputs(".SH CONFIGURATION\n"
	      "One \\fIkey\\fR = \\fIvalue\\fR per line; lines starting with # are comments.\n"
	      "Unknown keys, duplicate keys and bad values are errors naming the file and line.\n"
	      "Durations take s, m, h or d (30s, 8h); sizes take KiB, MiB or GiB.\n",
	      out);
	medfwd_config_print_roff(out);
	fputs(".SH SIGNALS\nSIGTERM and SIGINT stop accepting connections, let requests in "
	      "flight finish\n(up to shutdown_timeout) and exit 0.\n"
	      ".SH FILES\n.TP\n\\fIdata_dir\\fR/medfwd.pid\nthe lock file: one server per data "
	      "directory.\n"
	      ".TP\n\\fIprefix\\fR/share/medfw/web\nthe web dashboard's files when web_dir is "
	      "not set (after \\fIdirectory of medfwd\\fR/../web).\n"
	      ".SH EXIT STATUS\n.TP\n0\nstopped cleanly\n.TP\n1\nconfiguration or start-up "
	      "failure; one line on standard error names it\n.TP\n2\nusage error\n"
	      ".SH SEE ALSO\n.BR medfw (1);\ndocs/server.md and docs/api/openapi.yaml.\n",
	      out);
}

static int usage(const char *what, const char *arg)
{
	fprintf(stderr, "medfwd: %s '%s'\nTry 'medfwd --help'.\n", what, arg);
	return EXIT_USAGE;
}

static int parse_args(int argc, char **argv, struct cli_args *a)
{
	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		const struct cli_option *opt = NULL;
		const char *val = NULL;

		for (size_t j = 0; j < N_CLI; j++)
			if (strcmp(argv[i], cli_options[j].name) == 0)
				opt = &cli_options[j];
		if (strcmp(argv[i], "-h") == 0)
			opt = &cli_options[N_CLI - 3];
		if (opt == NULL)
			return usage("unknown option", argv[i]);
		if (opt->arg != NULL) {
			if (i + 1 >= argc)
				return usage("missing the argument of", opt->name);
			val = argv[++i];
		}
		if (strcmp(opt->name, "--config") == 0)
			a->config = val;
		else if (strcmp(opt->name, "--check-config") == 0)
			a->check_config = val;
		else if (strcmp(opt->name, "--max-lifetime") == 0) {
			if (medfw_parse_u64(val, 1, 365u * 86400u, &a->max_lifetime) != MEDFW_OK)
				return usage("--max-lifetime takes 1..31536000 seconds, not", val);
		} else if (strcmp(opt->name, "--routes") == 0)
			a->routes = 1;
		else if (strcmp(opt->name, "--config-reference") == 0)
			a->config_reference = 1;
		else if (strcmp(opt->name, "--permissions") == 0)
			a->permissions = 1;
		else if (strcmp(opt->name, "--stop-on-stdin-eof") == 0)
			a->stop_on_eof = 1;
		else if (strcmp(opt->name, "--enable-test-routes") == 0)
			a->test_routes = 1;
		else if (strcmp(opt->name, "--rotate-director-key") == 0)
			a->rotate_director_key = 1;
		else if (strcmp(opt->name, "--help") == 0)
			a->help = 1;
		else if (strcmp(opt->name, "--version") == 0)
			a->version = 1;
		else if (strcmp(opt->name, "--man") == 0)
			a->man = 1;
	}
	return EXIT_OK;
}

static int print_routes(void)
{
	static const char *const auth[] = {"none", "session", "token", "device",
					       "device-key"};
	struct medfwd_router r;
	struct medfw_diag diag = {0};
	enum medfw_err err = medfwd_router_build(&r, 0, &diag);

	if (err != MEDFW_OK) {
		fprintf(stderr, "medfwd: %s\n", medfw_diag_message(&diag, err));
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < r.n_routes; i++)
		printf("%s %s %s %s\n", r.routes[i]->method, r.routes[i]->pattern,
		       auth[r.routes[i]->auth], r.routes[i]->name);
	medfwd_router_free(&r);
	return EXIT_OK;
}

static int check_config(const char *path)
{
	struct medfwd_config cfg;
	struct medfw_diag diag = {0};
	enum medfw_err err = medfwd_config_load(path, &cfg, &diag);

	if (err != MEDFW_OK) {
		fprintf(stderr, "medfwd: %s\n", medfw_diag_message(&diag, err));
		return EXIT_FAIL;
	}
	printf("%s: OK\n", path);
	for (size_t i = 0; i < medfwd_config_option_count; i++) {
		const struct medfw_config_option *o = &medfwd_config_options[i];
		const uint8_t *field = (const uint8_t *)&cfg + o->offset;
		const char *s;
		uint64_t u;
		unsigned c;
		int b;

		switch (o->type) {
		case MEDFW_CONFIG_STRING:
		case MEDFW_CONFIG_PATH:
			memcpy(&s, field, sizeof(s));
			printf("%s = %s\n", o->name, s != NULL ? s : "(none)");
			break;
		case MEDFW_CONFIG_BOOL:
			memcpy(&b, field, sizeof(b));
			printf("%s = %s\n", o->name, b ? "true" : "false");
			break;
		case MEDFW_CONFIG_CHOICE: {
			const char *p = o->choices;

			memcpy(&c, field, sizeof(c));
			for (unsigned k = 0; k < c; k++)
				p += strcspn(p, "|") + 1;
			printf("%s = %.*s\n", o->name, (int)strcspn(p, "|"), p);
			break;
		}
		default:
			memcpy(&u, field, sizeof(u));
			printf("%s = %llu\n", o->name, (unsigned long long)u);
			break;
		}
	}
	medfwd_config_free(&cfg);
	return EXIT_OK;
}

/* medfwd --rotate-director-key: under the data directory lock the server holds while
 * it runs, so a running server's key is never swapped under it. */
static int rotate_director_key(const char *config)
{
	struct medfwd_config cfg;
	struct medfwd_director_rotation rot;
	struct medfw_diag diag = {0};
	struct medfw_ctx *ctx = NULL;
	enum medfw_err err;
	int lock_fd = -1;

	err = medfwd_config_load(config, &cfg, &diag);
	if (err != MEDFW_OK) {
		fprintf(stderr, "medfwd: %s\n", medfw_diag_message(&diag, err));
		return EXIT_FAIL;
	}
	ctx = medfw_ctx_new();
	err = ctx != NULL ? medfwd_datadir_open(cfg.data_dir, &lock_fd, &diag)
			  : medfw_diag_set(&diag, MEDFW_ERR_NOMEM, "out of memory");
	if (err == MEDFW_OK)
		err = medfwd_director_rotate_key(ctx, cfg.data_dir, &rot, &diag);
	if (err == MEDFW_OK)
		printf("medfwd: director key rotated: root v%lld, key %s replaces %s\n",
		       (long long)rot.root_version, rot.new_key_id, rot.old_key_id);
	else
		fprintf(stderr, "medfwd: director key rotation: %s\n",
			medfw_diag_message(&diag, err));
	if (lock_fd >= 0)
		close(lock_fd);
	medfw_ctx_free(ctx);
	medfwd_config_free(&cfg);
	return err == MEDFW_OK ? EXIT_OK : EXIT_FAIL;
}

/* Wait for SIGTERM/SIGINT (blocked in every thread), stdin EOF or the lifetime. */
static const char *wait_for_stop(const sigset_t *stop_signals, const struct cli_args *a)
{
	struct timespec tick = {0, 100 * 1000 * 1000}, start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		int sig = sigtimedwait(stop_signals, NULL, &tick);

		if (sig == SIGTERM)
			return "SIGTERM";
		if (sig == SIGINT)
			return "SIGINT";
		if (a->stop_on_eof) {
			struct pollfd pfd = {STDIN_FILENO, POLLIN, 0};

			if (poll(&pfd, 1, 0) > 0) {
				char junk[256];
				ssize_t n = read(STDIN_FILENO, junk, sizeof(junk));

				if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
					return "stdin closed";
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (a->max_lifetime != 0 && (uint64_t)(now.tv_sec - start.tv_sec) >= a->max_lifetime)
			return "max lifetime reached";
	}
}

static int run(const struct cli_args *a)
{
	static const enum medfw_log_level levels[] = {MEDFW_LOG_DEBUG, MEDFW_LOG_INFO,
						      MEDFW_LOG_WARNING, MEDFW_LOG_ERROR};
	struct medfwd_config cfg;
	struct medfwd_log log;
	struct medfwd_server srv;
	struct medfw_ctx *ctx = NULL;
	struct medfw_diag diag = {0};
	enum medfw_err err;
	sigset_t stop_signals;
	int lock_fd = -1, rc = EXIT_FAIL, srv_ready = 0, app_ready = 0;
	struct medfwd_app app;
	struct medfwd_web *web = NULL;
	const char *reason;
	uint64_t left;

	err = medfwd_config_load(a->config, &cfg, &diag);
	if (err != MEDFW_OK) {
		fprintf(stderr, "medfwd: %s\n", medfw_diag_message(&diag, err));
		return EXIT_FAIL;
	}
	medfwd_log_init(&log, (enum medfwd_log_format)cfg.log_format, levels[cfg.log_level & 3]);
	/* Block the stop signals before any thread exists, so every thread inherits the
	 * mask and only sigtimedwait() below receives them: no signal handler, no flag. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	signal(SIGPIPE, SIG_IGN);
	ctx = medfw_ctx_new();
	if (ctx == NULL) {
		err = medfw_diag_set(&diag, MEDFW_ERR_NOMEM, "out of memory");
		goto out;
	}
	medfw_ctx_set_log(ctx, medfwd_log_ctx_sink, &log, log.min_level);
	if (a->test_routes)
		medfwd_test_clock_install(ctx);
	/* before anything is made in data_dir: a bad web_dir changes nothing */
	err = medfwd_web_load(cfg.web_dir, &web, &diag);
	if (err != MEDFW_OK)
		goto out;
	err = medfwd_datadir_open(cfg.data_dir, &lock_fd, &diag);
	if (err != MEDFW_OK)
		goto out;
	err = medfwd_server_init(&srv, &cfg, ctx, &log, a->test_routes, &diag);
	if (err != MEDFW_OK)
		goto out;
	srv_ready = 1;
	err = medfwd_app_init(&app, &cfg, ctx, &diag);
	if (err != MEDFW_OK)
		goto out;
	app_ready = 1;
	app.web = web; /* the app frees it from here */
	web = NULL;
	err = medfwd_device_statement_init(&app, cfg.device_statement_keys, &diag);
	if (err != MEDFW_OK)
		goto out;
	medfwd_server_set_app(&srv, &app);
	medfwd_server_set_authenticator(&srv, medfwd_app_authenticate, &app);
	(void)medfwd_devices_metrics_install(&srv, &app);
	err = medfwd_rollouts_start(&app, (int64_t)cfg.rollout_tick, &diag);
	if (err != MEDFW_OK)
		goto out;
	(void)medfwd_rollouts_metrics_install(&srv, &app);
	err = medfwd_vulns_start(&app, (int64_t)cfg.vuln_eval_delay,
				 (int64_t)cfg.vuln_exposure_interval, &diag);
	if (err != MEDFW_OK)
		goto out;
	(void)medfwd_vulns_metrics_install(&srv, &app);
	err = medfwd_server_start(&srv, &diag);
	if (err != MEDFW_OK)
		goto out;
	printf("medfwd listening on %s://%s%s%s:%u\n", srv.tls ? "https" : "http",
	       strchr(cfg.listen_address, ':') ? "[" : "", cfg.listen_address,
	       strchr(cfg.listen_address, ':') ? "]" : "", srv.port);
	fflush(stdout);
	medfwd_app_announce(&app);
	medfwd_log_record(&log, MEDFW_LOG_INFO, "server.start",
			  json_pack("{s:s,s:s,s:i,s:b,s:s,s:i}", "version", MEDFW_VERSION_STRING,
				    "address", cfg.listen_address, "port", (int)srv.port, "tls",
				    srv.tls, "data_dir", cfg.data_dir, "routes",
				    (int)srv.router.n_routes));
	medfwd_web_announce(ctx, app.web);
	reason = wait_for_stop(&stop_signals, a);
	medfwd_log_record(&log, MEDFW_LOG_INFO, "server.stopping",
			  json_pack("{s:s,s:I}", "reason", reason, "in_flight",
				    (json_int_t)atomic_load(&srv.metrics.in_flight)));
	left = medfwd_server_stop(&srv);
	medfwd_rollouts_stop(&app);
	medfwd_vulns_stop(&app);
	medfwd_log_record(&log, left ? MEDFW_LOG_WARNING : MEDFW_LOG_INFO, "server.stopped",
			  json_pack("{s:I}", "abandoned_requests", (json_int_t)left));
	rc = EXIT_OK;
out:
	if (err != MEDFW_OK) {
		fprintf(stderr, "medfwd: %s\n", medfw_diag_message(&diag, err));
		medfwd_log_record(&log, MEDFW_LOG_ERROR, "server.fail",
				  json_pack("{s:s}", "msg", medfw_diag_message(&diag, err)));
	}
	if (srv_ready)
		medfwd_server_free(&srv);
	if (app_ready) {
		medfwd_rollouts_stop(&app);
		medfwd_vulns_stop(&app);
		medfwd_device_statement_free(&app);
		medfwd_app_free(&app);
	}
	medfwd_web_free(web);
	if (lock_fd >= 0)
		close(lock_fd);
	medfw_ctx_free(ctx);
	medfwd_log_destroy(&log);
	medfwd_config_free(&cfg);
	return rc;
}

int main(int argc, char **argv)
{
	struct cli_args a;
	int rc = parse_args(argc, argv, &a);

	if (rc != EXIT_OK)
		return rc;
	if (a.help) {
		print_help(stdout);
		return EXIT_OK;
	}
	if (a.version) {
		printf("medfwd %s\n", MEDFW_VERSION_STRING);
		return EXIT_OK;
	}
	if (a.man) {
		print_man(stdout);
		return EXIT_OK;
	}
	if (a.routes)
		return print_routes();
	if (a.permissions) {
		medfwd_permissions_print_markdown(stdout);
		return EXIT_OK;
	}
	if (a.config_reference) {
		medfwd_config_print_markdown(stdout);
		return EXIT_OK;
	}
	if (a.check_config != NULL)
		return check_config(a.check_config);
	if (a.config == NULL) {
		print_help(stderr);
		return EXIT_USAGE;
	}
	if (a.rotate_director_key)
		return rotate_director_key(a.config);
	return run(&a);
}
