/* `medfw-sim enroll`: N devices created on the server (CSV import, at most 10,000 rows
 * and IMPORT_BODY_MAX bytes a request), then, on T threads, for each: a one-time
 * enrolment token (POST /api/v1/devices/{id}/enrolment-token), an Ed25519 key pair made
 * here (RAND_bytes through medfw_random_bytes) and a real enrolment
 * (POST /device/v1/enrol). The enrolled devices are appended to the fleet file with
 * their private keys; tokens and keys are never logged. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "sim_api.h"

#include "medfw/agent.h"
#include "medfw/json.h"

#define IMPORT_ROWS_MAX 10000u
#define IMPORT_BODY_MAX (768u * 1024u) /* under medfwd's default max_body_bytes (1 MiB) */
#define IMPORT_ANSWER_MAX (1024u * 1024u)
#define TOKEN_ANSWER_MAX 4096u
#define TOKEN_MAX 256u
#define TOKEN_LIFETIME 3600
#define CONNECT_TIMEOUT 10
#define REQUEST_TIMEOUT 120

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct enroll {
	const struct sim_enroll_options *opt;
	struct medfw_ctx *ctx;
	struct sim_fleet *fleet;
	const char *token;
	size_t first, count; /* fleet->dev[first .. first+count) are this run's devices */
	bool *ok;
	pthread_mutex_t mu;
	size_t next;
	size_t failed;
	struct medfw_diag first_error;
	enum medfw_err first_err;
};

static enum medfw_err csv_field(struct medfw_buf *b, const char *s, bool last)
{
	enum medfw_err err = medfw_buf_append(b, "\"", 1);

	for (const char *p = s != NULL ? s : ""; err == MEDFW_OK && *p != 0; p++)
		err = *p == '"' ? medfw_buf_append(b, "\"\"", 2) : medfw_buf_append(b, p, 1);
	if (err == MEDFW_OK)
		err = medfw_buf_append(b, last ? "\"\r\n" : "\",", last ? 3 : 2);
	return err;
}

static enum medfw_err csv_row(struct medfw_buf *b, const struct sim_enroll_options *opt,
			      const char *serial)
{
	char site[24];
	enum medfw_err err;

	snprintf(site, sizeof(site), "%lld", (long long)opt->site_id);
	err = csv_field(b, site, false);
	if (err == MEDFW_OK)
		err = csv_field(b, serial, false);
	if (err == MEDFW_OK)
		err = csv_field(b, opt->model, false);
	if (err == MEDFW_OK)
		err = csv_field(b, opt->hardware_id, false);
	if (err == MEDFW_OK)
		err = csv_field(b, opt->department, false);
	if (err == MEDFW_OK)
		err = csv_field(b, opt->network_zone, false);
	if (err == MEDFW_OK)
		err = csv_field(b, opt->firmware_version, true);
	return err;
}

static void error_text(const struct medfw_buf *body, char *out, size_t cap)
{
	json_t *doc = NULL;
	const char *m = NULL;

	if (body->len > 0 &&
	    medfw_json_parse(body->data, body->len, IMPORT_ANSWER_MAX, 8, &doc, NULL) == MEDFW_OK)
		m = json_string_value(json_object_get(json_object_get(doc, "error"), "message"));
	snprintf(out, cap, "%.300s", m != NULL ? m : "(no message)");
	for (char *p = out; *p != 0; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	json_decref(doc);
}

/* Import devices [from, to) of this run (their records are in fleet->dev already) and
 * set their ids. */
static enum medfw_err import_chunk(struct enroll *e, struct medfw_sim_api *api, size_t from,
				   size_t to, struct medfw_diag *diag)
{
	struct medfw_buf csv, answer;
	json_t *doc = NULL, *ids;
	int status = 0;
	enum medfw_err err;

	medfw_buf_init(&csv, IMPORT_BODY_MAX + 4096);
	err = medfw_buf_append_str(&csv, "site_id,serial,model,hardware_id,department,"
					 "network_zone,firmware_version\r\n");
	for (size_t i = from; err == MEDFW_OK && i < to; i++)
		err = csv_row(&csv, e->opt, e->fleet->dev[e->first + i].serial);
	if (err != MEDFW_OK) {
		medfw_buf_free(&csv);
		return medfw_diag_set(diag, err, "cannot build the CSV");
	}
	err = medfw_sim_api_call(api, "POST", "/api/v1/devices/import", "text/csv", csv.data,
				 csv.len, IMPORT_ANSWER_MAX, &status, &answer, diag);
	medfw_buf_free(&csv);
	if (err == MEDFW_OK && status != 201) {
		char msg[320];

		error_text(&answer, msg, sizeof(msg));
		err = medfw_diag_set(diag, MEDFW_ERR_REFUSED,
				     "POST /api/v1/devices/import: HTTP %d: %s", status, msg);
	}
	if (err == MEDFW_OK)
		err = medfw_json_parse(answer.data, answer.len, IMPORT_ANSWER_MAX, 4, &doc, diag);
	ids = json_object_get(doc, "ids");
	if (err == MEDFW_OK && (!json_is_array(ids) || json_array_size(ids) != to - from))
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				     "the import answer does not list %zu device ids", to - from);
	for (size_t i = 0; err == MEDFW_OK && i < to - from; i++) {
		json_t *id = json_array_get(ids, i);

		if (!json_is_integer(id) || json_integer_value(id) < 1)
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					     "the import answer has a bad device id");
		else
			e->fleet->dev[e->first + from + i].id = json_integer_value(id);
	}
	json_decref(doc);
	medfw_buf_free(&answer);
	return err;
}

/* A one-time enrolment token for device `id` into `token`. */
static enum medfw_err enrolment_token(struct medfw_sim_api *api, int64_t id, char *token,
				      size_t cap, struct medfw_diag *diag)
{
	char path[96], body[64];
	struct medfw_buf answer;
	json_t *doc = NULL;
	const char *t = NULL;
	int status = 0;
	enum medfw_err err;

	snprintf(path, sizeof(path), "/api/v1/devices/%lld/enrolment-token", (long long)id);
	snprintf(body, sizeof(body), "{\"expires_in\":%d}", TOKEN_LIFETIME);
	err = medfw_sim_api_call(api, "POST", path, "application/json", body, strlen(body),
				 TOKEN_ANSWER_MAX, &status, &answer, diag);
	if (err == MEDFW_OK && status != 201) {
		char msg[320];

		error_text(&answer, msg, sizeof(msg));
		err = medfw_diag_set(diag, MEDFW_ERR_REFUSED, "POST %s: HTTP %d: %s", path, status,
				     msg);
	}
	if (err == MEDFW_OK)
		err = medfw_json_parse(answer.data, answer.len, TOKEN_ANSWER_MAX, 4, &doc, diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_string(doc, "enrolment token answer", "token", &t, diag);
	if (err == MEDFW_OK && (strlen(t) == 0 || strlen(t) >= cap || strlen(t) > TOKEN_MAX))
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "the enrolment token is too long");
	if (err == MEDFW_OK)
		memcpy(token, t, strlen(t) + 1);
	json_decref(doc); /* jansson's memory is wiped when freed (main.c) */
	medfw_buf_free(&answer); /* wiped */
	return err;
}

static enum medfw_err enrol_one(struct enroll *e, struct medfw_sim_api *api,
				struct medfw_devclient *client, struct sim_device *d,
				struct medfw_diag *diag)
{
	struct medfw_devclient_enrolment en;
	uint8_t seed[MEDFW_ED25519_RAW_LEN], pub[MEDFW_ED25519_RAW_LEN];
	char token[TOKEN_MAX + 1], pub_hex[2 * MEDFW_ED25519_RAW_LEN + 1];
	enum medfw_err err;

	err = enrolment_token(api, d->id, token, sizeof(token), diag);
	if (err != MEDFW_OK)
		return err;
	err = medfw_random_bytes(seed, sizeof(seed));
	if (err == MEDFW_OK)
		err = medfw_ed25519_public_from_seed(seed, pub);
	if (err == MEDFW_OK)
		err = medfw_hex_encode(pub, sizeof(pub), pub_hex, sizeof(pub_hex));
	if (err != MEDFW_OK)
		err = medfw_diag_set(diag, err, "cannot make a device key");
	if (err == MEDFW_OK)
		err = medfw_devclient_enrol(client, token, pub_hex, medfw_agent_version(),
					    e->opt->hardware_id, &en, diag);
	medfw_wipe(token, sizeof(token));
	if (err == MEDFW_OK && en.device_id != d->id)
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				     "enrolled as device %lld, expected %lld",
				     (long long)en.device_id, (long long)d->id);
	if (err == MEDFW_OK) {
		memcpy(d->seed, seed, sizeof(seed));
		d->event_seq = en.last_event_seq > 0 ? (uint64_t)en.last_event_seq : 0;
	}
	medfw_wipe(seed, sizeof(seed));
	return err;
}

struct enroll_worker {
	struct enroll *e;
	pthread_t thread;
	struct medfw_sim_api *api;
	struct medfw_devclient *client;
};

static void *enroll_main(void *arg)
{
	struct enroll_worker *w = arg;
	struct enroll *e = w->e;

	while (!stop_requested) {
		struct medfw_diag diag;
		enum medfw_err err;
		size_t i;

		pthread_mutex_lock(&e->mu);
		i = e->next < e->count ? e->next++ : e->count;
		pthread_mutex_unlock(&e->mu);
		if (i == e->count)
			break;
		medfw_diag_clear(&diag);
		err = enrol_one(e, w->api, w->client, &e->fleet->dev[e->first + i], &diag);
		pthread_mutex_lock(&e->mu);
		if (err == MEDFW_OK) {
			e->ok[i] = true;
		} else {
			e->failed++;
			if (e->first_err == MEDFW_OK) {
				e->first_err = err;
				medfw_diag_set(&e->first_error, err, "device %lld: %s",
					       (long long)e->fleet->dev[e->first + i].id,
					       medfw_diag_message(&diag, err));
			}
		}
		pthread_mutex_unlock(&e->mu);
	}
	return NULL;
}

static int fail(const char *what, const struct medfw_diag *d, enum medfw_err err)
{
	fprintf(stderr, "medfw-sim: %s: %s\n", what, medfw_diag_message(d, err));
	return SIM_EXIT_FAIL;
}

/* The run's devices, before they have ids. */
static enum medfw_err prepare(struct enroll *e, struct medfw_diag *diag)
{
	const struct sim_enroll_options *opt = e->opt;
	const struct sim_firmware *fw = NULL;
	char prefix[SIM_STRING_MAX + 1];
	enum medfw_err err;
	int width = 6;

	if (opt->serial_prefix != NULL) {
		snprintf(prefix, sizeof(prefix), "%s", opt->serial_prefix);
	} else {
		uint8_t r[4];

		/* unique per run by default: the serial must be unique within the site */
		err = medfw_random_bytes(r, sizeof(r));
		if (err != MEDFW_OK)
			return medfw_diag_set(diag, err, "no random bytes");
		snprintf(prefix, sizeof(prefix), "SIM-%02x%02x%02x%02x-", r[0], r[1], r[2], r[3]);
	}
	for (uint64_t c = opt->count; c >= 1000000; c /= 10)
		width++;
	err = sim_fleet_firmware(e->fleet, opt->firmware_version, opt->image_sha256, &fw);
	e->first = e->fleet->n;
	for (uint64_t i = 0; err == MEDFW_OK && i < opt->count; i++) {
		struct sim_device *d = sim_fleet_add(e->fleet);
		char serial[SIM_STRING_MAX + 32];
		int len;

		if (d == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_NOMEM,
					      "out of memory (or more than %u devices)", SIM_DEVICES_MAX);
		len = snprintf(serial, sizeof(serial), "%s%0*llu", prefix, width,
			       (unsigned long long)(i + 1));
		if (len < 0 || (size_t)len > SIM_STRING_MAX)
			return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
					      "--serial-prefix: serials would be longer than %u "
					      "characters", SIM_STRING_MAX);
		d->site_id = opt->site_id;
		d->serial = strdup(serial);
		d->fw = fw;
		d->fail_dv = -1;
		if (d->serial == NULL)
			err = MEDFW_ERR_NOMEM;
		if (err == MEDFW_OK)
			err = sim_fleet_string(e->fleet, opt->model, &d->model);
		if (err == MEDFW_OK)
			err = sim_fleet_string(e->fleet, opt->hardware_id, &d->hardware_id);
		if (err == MEDFW_OK)
			err = sim_fleet_string(e->fleet, opt->department, &d->department);
		if (err == MEDFW_OK)
			err = sim_fleet_string(e->fleet, opt->network_zone, &d->network_zone);
	}
	e->count = e->fleet->n - e->first;
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, "out of memory");
	return MEDFW_OK;
}

int sim_cmd_enroll(const struct sim_enroll_options *opt)
{
	struct enroll e;
	struct enroll_worker *workers = NULL;
	struct medfw_sim_api *api = NULL;
	struct medfw_diag diag;
	char token[MEDFW_SIM_API_TOKEN_MAX + 1];
	size_t imported = 0, kept = 0;
	unsigned n_workers = 0, started = 0;
	enum medfw_err err;
	int rc = SIM_EXIT_OK;

	memset(&e, 0, sizeof(e));
	medfw_diag_clear(&diag);
	pthread_mutex_init(&e.mu, NULL);
	e.opt = opt;
	token[0] = 0;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = sim_read_secret_file(opt->api_token_file, token, sizeof(token));
	if (rc != 0)
		goto out;
	e.ctx = medfw_ctx_new();
	if (e.ctx == NULL) {
		rc = SIM_EXIT_FAIL;
		goto out;
	}
	medfw_ctx_set_log(e.ctx, sim_log_stderr, NULL,
			  opt->verbose ? MEDFW_LOG_INFO : MEDFW_LOG_WARNING);
	err = sim_fleet_open(opt->fleet_path, true, &e.fleet, &diag);
	if (err != MEDFW_OK) {
		rc = fail("fleet", &diag, err);
		goto out;
	}
	err = prepare(&e, &diag);
	e.ok = err == MEDFW_OK ? calloc(e.count > 0 ? e.count : 1, sizeof(*e.ok)) : NULL;
	if (err == MEDFW_OK && e.ok == NULL)
		err = MEDFW_ERR_NOMEM;
	if (err != MEDFW_OK) {
		rc = fail("enroll", &diag, err);
		goto out;
	}
	{
		struct medfw_sim_api_config ac = {
			.server_url = opt->server_url,
			.ca_file = opt->ca_file,
			.allow_http = strncmp(opt->server_url, "http://", 7) == 0,
			.token = token,
			.connect_timeout = CONNECT_TIMEOUT,
			.request_timeout = REQUEST_TIMEOUT,
		};

		n_workers = (unsigned)(opt->threads < e.count ? opt->threads : e.count);
		workers = calloc(n_workers, sizeof(*workers));
		err = workers != NULL ? medfw_sim_api_new(&ac, &api, &diag) : MEDFW_ERR_NOMEM;
		for (unsigned i = 0; err == MEDFW_OK && i < n_workers; i++) {
			struct medfw_devclient_config dc = {
				.server_url = opt->server_url,
				.ca_file = opt->ca_file,
				.allow_http = ac.allow_http,
				.connect_timeout = CONNECT_TIMEOUT,
				.request_timeout = REQUEST_TIMEOUT,
				.low_speed_time = 30,
			};

			workers[i].e = &e;
			err = medfw_sim_api_new(&ac, &workers[i].api, &diag);
			if (err == MEDFW_OK)
				err = medfw_devclient_new(e.ctx, &dc, &workers[i].client, &diag);
		}
	}
	if (err != MEDFW_OK) {
		rc = fail("client", &diag, err);
		goto out;
	}
	/* the device records: chunks of at most 10,000 rows and IMPORT_BODY_MAX bytes */
	while (imported < e.count && !stop_requested) {
		size_t rows = e.count - imported, row_bytes;

		row_bytes = 40 + strlen(opt->model) + strlen(opt->hardware_id) +
			    (opt->department != NULL ? strlen(opt->department) : 0) +
			    (opt->network_zone != NULL ? strlen(opt->network_zone) : 0) +
			    strlen(opt->firmware_version) + SIM_STRING_MAX;
		if (rows > IMPORT_ROWS_MAX)
			rows = IMPORT_ROWS_MAX;
		if (rows > IMPORT_BODY_MAX / row_bytes)
			rows = IMPORT_BODY_MAX / row_bytes;
		err = import_chunk(&e, api, imported, imported + rows, &diag);
		if (err != MEDFW_OK) {
			rc = fail("import", &diag, err);
			break;
		}
		imported += rows;
	}
	/* enrol what was imported, even after a refused chunk: no record is left behind */
	e.count = imported;
	for (; started < n_workers && imported > 0; started++)
		if (pthread_create(&workers[started].thread, NULL, enroll_main, &workers[started]) != 0)
			break;
	for (unsigned i = 0; i < started; i++)
		pthread_join(workers[i].thread, NULL);
	if (imported > 0 && started == 0) {
		fprintf(stderr, "medfw-sim: cannot start threads\n");
		rc = SIM_EXIT_FAIL;
	}
	/* keep the enrolled devices, in order, and append them */
	for (size_t i = 0; i < e.count; i++) {
		struct sim_device *src = &e.fleet->dev[e.first + i];

		if (!e.ok[i])
			continue;
		if (e.first + kept != e.first + i) {
			struct sim_device *dst = &e.fleet->dev[e.first + kept];

			free(dst->serial);
			*dst = *src;
			src->serial = NULL;
			medfw_wipe(src->seed, sizeof(src->seed));
		}
		kept++;
	}
	for (size_t i = e.first + kept; i < e.fleet->n; i++) {
		free(e.fleet->dev[i].serial);
		e.fleet->dev[i].serial = NULL;
		medfw_wipe(e.fleet->dev[i].seed, sizeof(e.fleet->dev[i].seed));
	}
	e.fleet->n = e.first + kept;
	if (kept > 0) {
		err = sim_fleet_append(e.fleet, e.first, e.first + kept, &diag);
		if (err != MEDFW_OK)
			rc = fail("fleet file", &diag, err);
	}
	if (e.failed > 0)
		rc = fail("enrolment", &e.first_error, e.first_err);
	if (stop_requested && kept < opt->count) {
		fprintf(stderr, "medfw-sim: interrupted\n");
		rc = SIM_EXIT_FAIL;
	}
	printf("medfw-sim: enrolled %zu of %llu devices of site %lld into %s\n", kept,
	       (unsigned long long)opt->count, (long long)opt->site_id, opt->fleet_path);
	if (imported > kept)
		fprintf(stderr, "medfw-sim: %zu device records were created but not enrolled "
				"(they stay pending on the server)\n",
			imported - kept);
out:
	medfw_wipe(token, sizeof(token));
	if (workers != NULL)
		for (unsigned i = 0; i < n_workers; i++) {
			medfw_sim_api_free(workers[i].api);
			medfw_devclient_free(workers[i].client);
		}
	free(workers);
	medfw_sim_api_free(api);
	free(e.ok);
	sim_fleet_free(e.fleet);
	medfw_ctx_free(e.ctx);
	pthread_mutex_destroy(&e.mu);
	return rc;
}
