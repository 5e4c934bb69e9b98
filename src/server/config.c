/* medfwd's configuration: the one option table. It parses the file, and it is the
 * documentation (man page CONFIGURATION section and docs/server.md's reference,
 * both generated from it and kept in sync by tests/e2e/test_server.py). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <microhttpd.h>

#include "internal.h"
#include "medfw/roff.h"

#define KIB 1024u
#define MIB (1024u * 1024u)
#define DAY 86400u

#define OPT(name, type, def, min, max, choices, flags, desc)                                 \
	{#name, MEDFW_CONFIG_##type, def, min, max, choices, flags,                           \
	 offsetof(struct medfwd_config, name), desc}

const struct medfw_config_option medfwd_config_options[] = {
	OPT(listen_address, STRING, "127.0.0.1", 0, 0, NULL, 0,
	    "Numeric IPv4 or IPv6 address to listen on. Use 0.0.0.0 or :: for every interface."),
	OPT(listen_port, INT, "8443", 0, 65535, NULL, 0,
	    "TCP port. 0 picks a free port; the first line on standard output names it."),
	OPT(data_dir, PATH, NULL, 0, 0, NULL, MEDFW_CONFIG_REQUIRED,
	    "Directory of the server's state (database, keys, lock file). Created with mode "
	    "0700 when missing. One medfwd per directory: a second one refuses to start."),
	OPT(tls_cert, PATH, NULL, 0, 0, NULL, 0,
	    "PEM certificate chain for HTTPS. Set together with tls_key; without both, medfwd "
	    "speaks plain HTTP (put it behind a TLS reverse proxy such as nginx then)."),
	OPT(tls_key, PATH, NULL, 0, 0, NULL, 0,
	    "PEM private key (unencrypted) of tls_cert. Keep it readable by the server only."),
	OPT(web_dir, PATH, NULL, 0, 0, NULL, 0,
	    "Directory of the web dashboard's built files (index.html, assets/), loaded whole "
	    "into memory at start and served under /, /assets/ and /ui/ (docs/server.md, "
	    "\"Web dashboard\"). Set: it must be a directory with an index.html of regular "
	    "files only, else medfwd does not start. Not set: the first of "
	    "<directory of medfwd>/../web (the build tree) and the installed "
	    "share/medfw/web that has an index.html; none: the dashboard is off (log record "
	    "web.disabled) and / answers 404."),
	OPT(threads, INT, "0", 0, 1024, NULL, 0,
	    "Worker threads (each runs an epoll loop). 0 means one per CPU core."),
	OPT(connection_limit, INT, "1024", 1, 1000000, NULL, 0,
	    "Most connections open at once; more are refused."),
	OPT(per_ip_connection_limit, INT, "0", 0, 1000000, NULL, 0,
	    "Most connections from one client address. 0 means no limit (for many devices "
	    "behind one NAT or proxy)."),
	OPT(request_timeout, DURATION, "30s", 1, DAY, NULL, 0,
	    "A connection idle this long (no bytes received while a request is pending or "
	    "between requests) is closed."),
	OPT(shutdown_timeout, DURATION, "10s", 0, 3600, NULL, 0,
	    "On SIGTERM or SIGINT, how long to wait for requests in flight before stopping."),
	OPT(max_body_bytes, SIZE, "1MiB", KIB, 256u * MIB, NULL, 0,
	    "Largest request body; larger ones get 413 (refused from Content-Length before "
	    "the body is read)."),
	OPT(max_target_bytes, SIZE, "4GiB", KIB, 1024ull * 1024u * MIB, NULL, 0,
	    "Largest firmware image (target) uploaded to the hosted repository. Uploads are "
	    "streamed to a file in the staging directory, hashed on the way, never held in "
	    "memory (max_body_bytes does not apply to them); larger ones get 413, from "
	    "Content-Length before any byte is read."),
	OPT(max_json_depth, INT, "32", 1, 128, NULL, 0,
	    "Deepest nesting of a JSON request body (a top-level object is depth 1)."),
	OPT(log_format, CHOICE, "json", 0, 0, "json|text", 0,
	    "Log records on standard error: one JSON object per line, or readable text."),
	OPT(log_level, CHOICE, "info", 0, 0, "debug|info|warning|error", 0,
	    "Least severe log level written."),
	OPT(device_clock_skew, DURATION, "5m", 0, 3600, NULL, 0,
	    "How far a device's signed request time may differ from the server's clock."),
	OPT(device_session_lifetime, DURATION, "24h", 60, 7u * DAY, NULL, 0,
	    "How long a device session (an HMAC key a device agrees with its own key, to "
	    "sign its requests cheaply) lasts; the device then opens a new one."),
	OPT(session_lifetime, DURATION, "8h", 300, 30u * DAY, NULL, 0,
	    "A person's session ends this long after login, active or not."),
	OPT(session_idle_timeout, DURATION, "30m", 60, DAY, NULL, 0,
	    "A person's session ends after this long without a request."),
	OPT(device_statement_keys, PATH, NULL, 0, 0, NULL, 0,
	    "JSON file of the manufacturer public keys (TUF key objects: {\"keys\": "
	    "{KEYID: KEY, ...}}) whose signed device statements enrol pending devices "
	    "(POST /device/v1/enrol-statement; docs/devices.md). Read and checked at start-up; "
	    "not set: statement enrolment is refused. Only the operator can change it: no web "
	    "account can add a trusted manufacturer key."),
	OPT(rollout_tick, DURATION, "10s", 1, 3600, NULL, 0,
	    "How often the rollout engine makes a pass over the unfinished rollouts (starts "
	    "them, takes in matching devices, moves members along by their update events, "
	    "gives install instructions, opens waves, pauses on errors). People's actions "
	    "wake it at once."),
	OPT(vuln_eval_delay, DURATION, "2s", 0, 300, NULL, 0,
	    "How long the vulnerability re-evaluation waits after a change to its inputs (a "
	    "feed import, an SBOM, VEX, the product map) for more changes to evaluate with it "
	    "(at most 15 times this, and a minute, after the first). Requests are answered "
	    "when the change is stored; the evaluation runs in the background."),
	OPT(vuln_exposure_interval, DURATION, "60s", 1, 3600, NULL, 0,
	    "After check-ins in which devices report another image, the sites' exposures to "
	    "vulnerabilities (due dates, closing when the fixing release runs) are brought up "
	    "to date at most this often. Reading a report or a device's findings always "
	    "brings them up to date first."),
};

const size_t medfwd_config_option_count =
	sizeof(medfwd_config_options) / sizeof(medfwd_config_options[0]);

enum medfw_err medfwd_config_load(const char *path, struct medfwd_config *out,
				  struct medfw_diag *diag)
{
	enum medfw_err err;

	err = medfw_config_load(medfwd_config_options, medfwd_config_option_count, path, out,
				sizeof(*out), diag);
	if (err != MEDFW_OK)
		return err;
	if ((out->tls_cert == NULL) != (out->tls_key == NULL)) {
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
				     "%s: tls_cert and tls_key must be set together", path);
		goto fail;
	}
	if (out->tls_cert != NULL && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				     "%s: tls_cert: this libmicrohttpd is built without TLS; "
				     "remove tls_cert/tls_key and terminate TLS in a reverse "
				     "proxy (see docs/server.md)", path);
		goto fail;
	}
	return MEDFW_OK;
fail:
	medfwd_config_free(out);
	return err;
}

void medfwd_config_free(struct medfwd_config *cfg)
{
	medfw_config_clear(medfwd_config_options, medfwd_config_option_count, cfg, sizeof(*cfg));
}

const char *medfwd_config_default_text(const struct medfw_config_option *opt)
{
	if (opt->flags & MEDFW_CONFIG_REQUIRED)
		return "(required)";
	return opt->default_value != NULL ? opt->default_value : "(none)";
}

/* "integer 0..65535", "duration 1..86400 s", "one of json|text", "path". */
static void describe_type(const struct medfw_config_option *opt, char *out, size_t cap)
{
	const char *type = medfw_config_type_name(opt->type);

	switch (opt->type) {
	case MEDFW_CONFIG_INT:
		snprintf(out, cap, "%s %llu..%llu", type, (unsigned long long)opt->min,
			 (unsigned long long)opt->max);
		break;
	case MEDFW_CONFIG_DURATION:
		snprintf(out, cap, "%s %llu..%llu seconds", type, (unsigned long long)opt->min,
			 (unsigned long long)opt->max);
		break;
	case MEDFW_CONFIG_SIZE:
		snprintf(out, cap, "%s %llu..%llu bytes", type, (unsigned long long)opt->min,
			 (unsigned long long)opt->max);
		break;
	case MEDFW_CONFIG_CHOICE:
		snprintf(out, cap, "one of %s", opt->choices);
		break;
	default:
		snprintf(out, cap, "%s", type);
		break;
	}
}

void medfwd_config_print_markdown(FILE *out)
{
	char type[96];

	fputs("| option | type | default | meaning |\n|---|---|---|---|\n", out);
	for (size_t i = 0; i < medfwd_config_option_count; i++) {
		const struct medfw_config_option *opt = &medfwd_config_options[i];

		describe_type(opt, type, sizeof(type));
		fprintf(out, "| `%s` | %s | `%s` | %s |\n", opt->name, type,
			medfwd_config_default_text(opt), opt->description);
	}
}

void medfwd_config_print_roff(FILE *out)
{
	char type[96];

	for (size_t i = 0; i < medfwd_config_option_count; i++) {
		const struct medfw_config_option *opt = &medfwd_config_options[i];

		describe_type(opt, type, sizeof(type));
		fprintf(out, ".TP\n.B %s\n%s; default %s.\n", opt->name, type,
			medfwd_config_default_text(opt));
		medfw_roff_write(out, opt->description);
		fputc('\n', out);
	}
}
