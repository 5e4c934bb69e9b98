/* Test-only: the device client (include/medfw/device_client.h) from the command line,
 * for tests/e2e/test_device_client.py. Every result is one JSON line on stdout:
 * {"ok": true, ...} or {"ok": false, "error": "MEDFW_ERR_...", "message": ..., "status": N}
 * (exit 1); usage errors exit 2.
 *
 *   devclient enrol    COMMON --key FILE --token-file FILE [--hardware-id HW]
 *                      [--agent-version V]        (makes the Ed25519 key FILE if missing)
 *   devclient checkin  COMMON --key FILE --device-id N [--body JSON] [--count N]
 *                      [--pause] [--clock-step S] (--pause: wait for a line on stdin
 *                                                  between requests)
 *   devclient get      COMMON --key FILE --device-id N PATH     (the signed fetcher)
 *   devclient fetch    COMMON URL                               (the unsigned fetcher)
 *   devclient download COMMON --url URL --total N --out FILE [--offset N] [--attempts N]
 *                      (appends to FILE, which must hold exactly `offset` bytes)
 * COMMON: --server URL [--ca FILE] [--pin sha256//...] [--allow-http] [--sessions]
 *         [--rate BYTES_PER_S] [--low-speed-time S] [--log]  (--log: library log
 *         records on stderr) */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "medfw/buf.h"
#include "medfw/crypto.h"
#include "medfw/ctx.h"
#include "medfw/device_client.h"
#include "medfw/json.h"
#include "medfw/num.h"

#define DEFAULT_CHECKIN                                                                     \
	"{\"firmware_version\":\"2.1.0\",\"agent_version\":\"0.2.0\",\"clinical_state\":\"idle\"}"

struct opts {
	const char *cmd, *server, *ca, *pin, *key, *token_file, *hardware_id, *agent_version;
	const char *body, *url, *out, *path;
	bool allow_http, sessions, pause, log;
	uint64_t device_id, rate, low_speed_time, count, clock_step, total, offset, attempts;
};

struct clock {
	int64_t offset;
};

static int64_t tool_clock(void *user)
{
	const struct clock *c = user;

	return (int64_t)time(NULL) + c->offset;
}

static void tool_log(void *user, enum medfw_log_level level, const char *event, const char *msg)
{
	(void)user;
	(void)level;
	fprintf(stderr, "%s %s\n", event, msg);
}

static void print_json(json_t *obj)
{
	char *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);

	if (text != NULL) {
		printf("%s\n", text);
		free(text);
	}
	fflush(stdout);
	json_decref(obj);
}

static int failed(enum medfw_err err, const struct medfw_diag *diag, int status)
{
	print_json(json_pack("{s:b, s:s, s:s, s:i}", "ok", 0, "error", medfw_err_name(err),
			     "message", medfw_diag_message(diag, err), "status", status));
	return 1;
}

static int usage(const char *why)
{
	fprintf(stderr, "devclient: %s (see the comment at the top of tests/tools/devclient.c)\n",
		why);
	return 2;
}

static bool number(const char *s, uint64_t *out)
{
	return s != NULL && medfw_parse_u64(s, 0, UINT64_MAX, out) == MEDFW_OK;
}

static int parse(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->count = 1;
	o->attempts = 3;
	o->low_speed_time = 30;
	o->agent_version = "0.1.0";
	o->body = DEFAULT_CHECKIN;
	if (argc < 2)
		return usage("no command");
	o->cmd = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool num_ok = true, takes = true;

		if (strcmp(a, "--allow-http") == 0 || strcmp(a, "--sessions") == 0 ||
		    strcmp(a, "--pause") == 0 || strcmp(a, "--log") == 0) {
			o->allow_http |= strcmp(a, "--allow-http") == 0;
			o->sessions |= strcmp(a, "--sessions") == 0;
			o->pause |= strcmp(a, "--pause") == 0;
			o->log |= strcmp(a, "--log") == 0;
			takes = false;
		} else if (v == NULL && a[0] == '-')
			return usage("an option without its value");
		else if (strcmp(a, "--server") == 0)
			o->server = v;
		else if (strcmp(a, "--ca") == 0)
			o->ca = v;
		else if (strcmp(a, "--pin") == 0)
			o->pin = v;
		else if (strcmp(a, "--key") == 0)
			o->key = v;
		else if (strcmp(a, "--token-file") == 0)
			o->token_file = v;
		else if (strcmp(a, "--hardware-id") == 0)
			o->hardware_id = v;
		else if (strcmp(a, "--agent-version") == 0)
			o->agent_version = v;
		else if (strcmp(a, "--body") == 0)
			o->body = v;
		else if (strcmp(a, "--url") == 0)
			o->url = v;
		else if (strcmp(a, "--out") == 0)
			o->out = v;
		else if (strcmp(a, "--device-id") == 0)
			num_ok = number(v, &o->device_id);
		else if (strcmp(a, "--rate") == 0)
			num_ok = number(v, &o->rate);
		else if (strcmp(a, "--low-speed-time") == 0)
			num_ok = number(v, &o->low_speed_time);
		else if (strcmp(a, "--count") == 0)
			num_ok = number(v, &o->count);
		else if (strcmp(a, "--clock-step") == 0)
			num_ok = number(v, &o->clock_step);
		else if (strcmp(a, "--total") == 0)
			num_ok = number(v, &o->total);
		else if (strcmp(a, "--offset") == 0)
			num_ok = number(v, &o->offset);
		else if (strcmp(a, "--attempts") == 0)
			num_ok = number(v, &o->attempts);
		else if (a[0] != '-' && o->path == NULL) {
			o->path = a;
			takes = false;
		} else
			return usage("unknown option");
		if (!num_ok)
			return usage("not a number");
		if (takes)
			i++;
	}
	if (o->server == NULL)
		return usage("--server is required");
	return 0;
}

/* Load the device key, or (enrol) make and save it when the file is missing. */
static enum medfw_err load_key(const char *path, bool make, struct medfw_privkey **out,
			       struct medfw_diag *diag)
{
	struct medfw_buf pem;
	enum medfw_err err;

	*out = NULL;
	if (make && access(path, F_OK) != 0) {
		medfw_buf_init(&pem, MEDFW_PRIVKEY_PEM_MAX);
		err = medfw_privkey_generate(MEDFW_KEY_ED25519, out, diag);
		if (err == MEDFW_OK)
			err = medfw_privkey_save_pem(*out, NULL, &pem, diag);
		if (err == MEDFW_OK)
			err = medfw_file_write_new(path, pem.data, pem.len, 0600, diag);
		medfw_buf_free(&pem);
		if (err != MEDFW_OK) {
			medfw_privkey_free(*out);
			*out = NULL;
		}
		return err;
	}
	err = medfw_file_read(path, MEDFW_PRIVKEY_PEM_MAX, &pem, diag);
	if (err == MEDFW_OK)
		err = medfw_privkey_load_pem(pem.data, pem.len, NULL, out, diag);
	medfw_buf_free(&pem);
	return err;
}

static enum medfw_err public_hex(const struct medfw_privkey *key, char out[65],
				 struct medfw_diag *diag)
{
	struct medfw_pubkey *pub = NULL;
	const char *hex;
	enum medfw_err err = medfw_privkey_public(key, &pub, diag);

	if (err != MEDFW_OK)
		return err;
	hex = json_string_value(json_object_get(json_object_get(medfw_pubkey_json(pub), "keyval"),
						"public"));
	if (hex == NULL || strlen(hex) != 64)
		err = medfw_diag_set(diag, MEDFW_ERR_KEY_FORMAT, "not an Ed25519 key");
	else
		memcpy(out, hex, 65);
	medfw_pubkey_free(pub);
	return err;
}

static json_t *body_json(const struct medfw_buf *b)
{
	json_t *doc = NULL;

	if (b->len > 0 && medfw_json_parse(b->data, b->len, b->len, 32, &doc, NULL) == MEDFW_OK)
		return doc;
	return json_stringn(b->len > 0 ? (const char *)b->data : "", b->len);
}

static int cmd_enrol(struct medfw_devclient *c, const struct opts *o)
{
	struct medfw_privkey *key = NULL;
	struct medfw_devclient_enrolment e;
	struct medfw_buf token;
	struct medfw_diag d;
	char hex[65];
	enum medfw_err err;

	medfw_diag_clear(&d);
	if (o->key == NULL || o->token_file == NULL)
		return usage("enrol needs --key and --token-file");
	medfw_buf_init(&token, 0);
	err = load_key(o->key, true, &key, &d);
	if (err == MEDFW_OK)
		err = public_hex(key, hex, &d);
	if (err == MEDFW_OK)
		err = medfw_file_read(o->token_file, 4096, &token, &d);
	/* one line: the token without its newline */
	while (err == MEDFW_OK && token.len > 0 &&
	       (token.data[token.len - 1] == '\n' || token.data[token.len - 1] == '\r'))
		token.data[--token.len] = 0;
	if (err == MEDFW_OK)
		err = medfw_devclient_enrol(c, (const char *)token.data, hex, o->agent_version,
					    o->hardware_id, &e, &d);
	medfw_buf_free(&token);
	medfw_privkey_free(key);
	if (err != MEDFW_OK)
		return failed(err, &d, 0);
	print_json(json_pack("{s:b, s:I, s:I, s:I, s:s}", "ok", 1, "device_id",
			     (json_int_t)e.device_id, "site_id", (json_int_t)e.site_id,
			     "next_checkin_seconds", (json_int_t)e.next_checkin_seconds, "public_key",
			     hex));
	return 0;
}

static int cmd_checkin(struct medfw_devclient *c, const struct opts *o, struct clock *clk)
{
	char line[64];

	for (uint64_t i = 0; i < o->count; i++) {
		struct medfw_buf resp;
		struct medfw_diag d;
		int status = 0;
		enum medfw_err err;

		if (i > 0) {
			if (o->pause && fgets(line, sizeof(line), stdin) == NULL)
				return usage("stdin closed during --pause");
			clk->offset += (int64_t)o->clock_step;
		}
		medfw_diag_clear(&d);
		medfw_buf_init(&resp, MEDFW_DEVCLIENT_RESPONSE_MAX);
		err = medfw_devclient_request(c, "POST", "/device/v1/checkin",
					      (const uint8_t *)o->body, strlen(o->body),
					      MEDFW_DEVCLIENT_RESPONSE_MAX, &resp, &status, &d);
		if (err != MEDFW_OK) {
			medfw_buf_free(&resp);
			return failed(err, &d, status);
		}
		print_json(json_pack("{s:b, s:i, s:o}", "ok", 1, "status", status, "body",
				     body_json(&resp)));
		medfw_buf_free(&resp);
	}
	return 0;
}

static int cmd_fetch(struct medfw_devclient *c, const struct opts *o, bool signed_fetch)
{
	const struct medfw_fetcher *f =
		signed_fetch ? medfw_devclient_signed_fetcher(c) : medfw_devclient_fetcher(c);
	struct medfw_buf out;
	struct medfw_diag d;
	int status = 0;
	enum medfw_err err;

	if (o->path == NULL)
		return usage("which path or URL?");
	medfw_diag_clear(&d);
	err = f->fetch(f->user, o->path, MEDFW_JSON_MAX_BYTES, &out, &status, &d);
	if (err != MEDFW_OK)
		return failed(err, &d, status);
	print_json(json_pack("{s:b, s:i, s:o}", "ok", 1, "status", status, "body", body_json(&out)));
	medfw_buf_free(&out);
	return 0;
}

struct sink {
	int fd;
	uint64_t written;
	unsigned progress_calls;
	uint64_t last_done, last_total;
};

static enum medfw_err to_file(void *user, const void *data, size_t len, struct medfw_diag *diag)
{
	struct sink *s = user;
	enum medfw_err err = medfw_write_all(s->fd, data, len, "the output file", diag);

	if (err == MEDFW_OK)
		s->written += len;
	return err;
}

static void on_progress(void *user, uint64_t done, uint64_t total)
{
	struct sink *s = user;

	s->progress_calls++;
	s->last_done = done;
	s->last_total = total;
}

static int cmd_download(struct medfw_devclient *c, const struct opts *o)
{
	struct medfw_devclient_download dl;
	struct sink s;
	struct stat st;
	struct medfw_diag d;
	enum medfw_err err;

	if (o->url == NULL || o->out == NULL || o->total == 0 || o->attempts == 0 ||
	    o->attempts > 100)
		return usage("download needs --url, --out, --total and 1..100 --attempts");
	memset(&s, 0, sizeof(s));
	medfw_diag_clear(&d);
	s.fd = open(o->out, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (s.fd < 0 || fstat(s.fd, &st) != 0 || (uint64_t)st.st_size != o->offset) {
		if (s.fd >= 0)
			close(s.fd);
		return usage("--out must exist with exactly --offset bytes (or not at all for 0)");
	}
	memset(&dl, 0, sizeof(dl));
	dl.url = o->url;
	dl.offset = o->offset;
	dl.total = o->total;
	dl.max_attempts = (unsigned)o->attempts;
	dl.write = to_file;
	dl.write_user = &s;
	dl.progress = on_progress;
	dl.progress_user = &s;
	err = medfw_devclient_download(c, &dl, &d);
	if (close(s.fd) != 0 && err == MEDFW_OK)
		err = medfw_diag_set(&d, MEDFW_ERR_IO, "closing the output file failed");
	if (err != MEDFW_OK)
		return failed(err, &d, 0);
	print_json(json_pack("{s:b, s:I, s:i, s:[I,I]}", "ok", 1, "delivered",
			     (json_int_t)s.written, "progress_calls", (int)s.progress_calls,
			     "last_progress", (json_int_t)s.last_done, (json_int_t)s.last_total));
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct clock clk = {0};
	struct medfw_devclient_config cfg;
	struct medfw_devclient *c = NULL;
	struct medfw_privkey *key = NULL;
	struct medfw_ctx *ctx;
	struct medfw_diag d;
	enum medfw_err err;
	int rc = parse(argc, argv, &o);

	if (rc != 0)
		return rc;
	ctx = medfw_ctx_new();
	if (ctx == NULL)
		return 1;
	medfw_ctx_set_clock(ctx, tool_clock, &clk);
	if (o.log)
		medfw_ctx_set_log(ctx, tool_log, NULL, MEDFW_LOG_DEBUG);
	memset(&cfg, 0, sizeof(cfg));
	cfg.server_url = o.server;
	cfg.ca_file = o.ca;
	cfg.pinned_public_key = o.pin;
	cfg.allow_http = o.allow_http;
	cfg.connect_timeout = 10;
	cfg.request_timeout = 30;
	cfg.low_speed_time = (uint32_t)(o.low_speed_time > 3600 ? 3600 : o.low_speed_time);
	cfg.max_recv_speed = o.rate;
	cfg.use_sessions = o.sessions;
	medfw_diag_clear(&d);
	err = medfw_devclient_new(ctx, &cfg, &c, &d);
	if (err != MEDFW_OK) {
		rc = failed(err, &d, 0);
		goto out;
	}
	if (strcmp(o.cmd, "checkin") == 0 || strcmp(o.cmd, "get") == 0) {
		if (o.key == NULL || o.device_id == 0 || o.device_id > INT64_MAX) {
			rc = usage("needs --key and --device-id");
			goto out;
		}
		err = load_key(o.key, false, &key, &d);
		if (err != MEDFW_OK) {
			rc = failed(err, &d, 0);
			goto out;
		}
		medfw_devclient_set_identity(c, (int64_t)o.device_id, key);
	}
	if (strcmp(o.cmd, "enrol") == 0)
		rc = cmd_enrol(c, &o);
	else if (strcmp(o.cmd, "checkin") == 0)
		rc = cmd_checkin(c, &o, &clk);
	else if (strcmp(o.cmd, "get") == 0)
		rc = cmd_fetch(c, &o, true);
	else if (strcmp(o.cmd, "fetch") == 0)
		rc = cmd_fetch(c, &o, false);
	else if (strcmp(o.cmd, "download") == 0)
		rc = cmd_download(c, &o);
	else
		rc = usage("unknown command");
out:
	medfw_devclient_free(c);
	medfw_privkey_free(key);
	medfw_ctx_free(ctx);
	return rc;
}
