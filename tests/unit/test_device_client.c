/* The device client against an in-process libmicrohttpd server on 127.0.0.1 (an
 * ephemeral port): resumable downloads (Range, dropped connections, a server ignoring
 * Range, too many bytes, bad Content-Range, HTTP errors, a stalled transfer, the
 * bandwidth limit), signed requests checked by the library's own verifier
 * (medfw_httpsig_verify / _verify_ex) with the device key and with sessions (opening,
 * renewal before expiry, a 401 naming the session, a tampered sealed key), error bodies
 * from the server (bounded, sanitised), enrolment, the fetchers, environment proxies,
 * the configuration's refusals, and TLS with only the configured CA (certificates made
 * at test time with the openssl command; skipped when libmicrohttpd has no TLS). */
#include "testutil.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "device_client_internal.h"
#include "medfw/buf.h"
#include "medfw/crypto.h"
#include "medfw/ctx.h"
#include "medfw/device_client.h"
#include "medfw/devsession.h"
#include "medfw/encode.h"
#include "medfw/httpsig.h"
#include "medfw/json.h"
#include "medfw/num.h"

#define DEVICE_ID 42
#define MAX_RANGES 16
#define MAX_NONCES 64
#define GOOD_TOKEN "mfe_GOODTOKEN7x"
#define DIRECTOR_DOC "{\"signed\":{\"_type\":\"timestamp\",\"version\":7}}"
#define ROOT_DOC "{\"signed\":{\"_type\":\"root\",\"version\":1}}"

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)((i * 131u + 7u) % 251u);
}

/* ---- the test server ---- */

enum file_mode {
	FILE_RANGE = 0,       /* 206 for "bytes=N-", 200 without Range, 416 past the end */
	FILE_IGNORE_RANGE,    /* always 200 with the whole file */
	FILE_LONGER,          /* 200, Content-Length file + extra */
	FILE_LONGER_CHUNKED,  /* 200, chunked, file + extra bytes */
	FILE_BAD_START,       /* 206 starting one byte late */
	FILE_BAD_TOTAL,       /* 206 naming another total */
	FILE_NO_CONTENT_RANGE,/* 206 without Content-Range */
	FILE_NOT_FOUND,       /* 404 */
};

struct srv {
	struct MHD_Daemon *d;
	uint16_t port;
	pthread_mutex_t lock;
	const int64_t *now;
	/* file serving */
	size_t file_len;
	enum file_mode mode;
	size_t extra;
	unsigned drops;          /* responses that drop the connection ... */
	size_t drop_after;       /* ... after this many body bytes */
	unsigned stall_request;  /* this request (1: the first) stalls ... */
	size_t stall_at;         /* ... at this body byte ... */
	unsigned stall_ms;       /* ... this long */
	unsigned file_requests;
	char ranges[MAX_RANGES][48];
	/* the device API */
	uint8_t device_pub[MEDFW_ED25519_RAW_LEN];
	uint8_t master[MEDFW_DEVSESSION_MASTER_LEN];
	int64_t session_lifetime;
	bool refuse_sessions;    /* 401 (field session) to every session-signed request */
	bool tamper_sealed;      /* flip a bit of the sealed session key */
	unsigned session_opens, api_ok, api_refused, requests;
	char last_keyid[MEDFW_HTTPSIG_STRING_MAX + 1];
	enum medfw_httpsig_alg last_alg;
	char last_signature[MEDFW_HTTPSIG_HEADER_MAX + 1];
	char last_content_type[64];
	char last_body[1024];
	char nonces[MAX_NONCES][MEDFW_HTTPSIG_STRING_MAX + 1];
	size_t n_nonces;
	char enrol_body[1024];
};

struct req_state {
	struct medfw_buf body;
};

struct file_resp {
	struct srv *s;
	uint64_t start;      /* file offset of body byte 0 */
	uint64_t len;        /* body length */
	uint64_t drop_after; /* UINT64_MAX: never */
	uint64_t stall_at;   /* UINT64_MAX: never */
	unsigned stall_ms;
};

static ssize_t file_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct file_resp *r = cls;
	uint64_t n;

	if (pos >= r->drop_after)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (pos >= r->stall_at && r->stall_ms > 0) {
		struct timespec ts = {(time_t)(r->stall_ms / 1000u),
				      (long)(r->stall_ms % 1000u) * 1000000L};

		nanosleep(&ts, NULL);
		r->stall_ms = 0;
	}
	if (pos >= r->len)
		return MHD_CONTENT_READER_END_OF_STREAM;
	n = r->len - pos;
	if (n > max)
		n = max;
	if (r->drop_after != UINT64_MAX && n > r->drop_after - pos)
		n = r->drop_after - pos;
	if (r->stall_ms > 0 && pos < r->stall_at && n > r->stall_at - pos)
		n = r->stall_at - pos;
	for (uint64_t i = 0; i < n; i++)
		buf[i] = (char)pattern(r->start + pos + i);
	return (ssize_t)n;
}

static void file_free(void *cls)
{
	free(cls);
}

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned status, const char *body,
			       size_t len)
{
	char *copy = malloc(len + 1);
	struct MHD_Response *r;
	enum MHD_Result ret;

	assert_non_null(copy);
	memcpy(copy, body, len);
	r = MHD_create_response_from_buffer(len, copy, MHD_RESPMEM_MUST_FREE);
	assert_non_null(r);
	MHD_add_response_header(r, "Content-Type", "application/json");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result respond_str(struct MHD_Connection *conn, unsigned status, const char *body)
{
	return respond(conn, status, body, strlen(body));
}

/* "bytes=N-": 1 and N */
static int parse_range(const char *v, uint64_t *start)
{
	char num[32];
	size_t len;

	if (v == NULL || strncmp(v, "bytes=", 6) != 0)
		return 0;
	len = strlen(v + 6);
	if (len < 2 || len >= sizeof(num) || v[6 + len - 1] != '-')
		return 0;
	memcpy(num, v + 6, len - 1);
	num[len - 1] = 0;
	return medfw_parse_u64(num, 0, UINT64_MAX, start) == MEDFW_OK;
}

static enum MHD_Result serve_file(struct srv *s, struct MHD_Connection *conn)
{
	const char *range = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Range");
	struct file_resp *r = calloc(1, sizeof(*r));
	struct MHD_Response *resp;
	uint64_t start = 0, size;
	unsigned status = 200;
	char cr[96];
	enum MHD_Result ret;
	bool ranged;

	assert_non_null(r);
	pthread_mutex_lock(&s->lock);
	if (s->file_requests < MAX_RANGES)
		snprintf(s->ranges[s->file_requests], sizeof(s->ranges[0]), "%s",
			 range != NULL ? range : "");
	s->file_requests++;
	r->s = s;
	r->drop_after = UINT64_MAX;
	r->stall_at = UINT64_MAX;
	if (s->drops > 0) {
		s->drops--;
		r->drop_after = s->drop_after;
	}
	if (s->stall_request == s->file_requests) {
		r->stall_at = s->stall_at;
		r->stall_ms = s->stall_ms;
	}
	pthread_mutex_unlock(&s->lock);
	if (s->mode == FILE_NOT_FOUND) {
		free(r);
		return respond_str(conn, 404, "{\"error\":{\"code\":\"not_found\",\"message\":\"no\"}}");
	}
	ranged = parse_range(range, &start) && s->mode != FILE_IGNORE_RANGE &&
		 s->mode != FILE_LONGER && s->mode != FILE_LONGER_CHUNKED;
	if (ranged && start >= s->file_len) {
		free(r);
		snprintf(cr, sizeof(cr), "bytes */%zu", s->file_len);
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		MHD_add_response_header(resp, "Content-Range", cr);
		ret = MHD_queue_response(conn, 416, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	if (!ranged)
		start = 0;
	if (ranged && s->mode == FILE_BAD_START)
		start++;
	r->start = start;
	r->len = s->file_len - start;
	if (s->mode == FILE_LONGER || s->mode == FILE_LONGER_CHUNKED)
		r->len += s->extra;
	size = s->mode == FILE_LONGER_CHUNKED ? MHD_SIZE_UNKNOWN : r->len;
	resp = MHD_create_response_from_callback(size, 16 * 1024, file_reader, r, file_free);
	assert_non_null(resp);
	if (ranged) {
		status = 206;
		snprintf(cr, sizeof(cr), "bytes %llu-%zu/%zu", (unsigned long long)start,
			 s->file_len - 1, s->file_len + (s->mode == FILE_BAD_TOTAL ? 1u : 0u));
		if (s->mode != FILE_NO_CONTENT_RANGE)
			MHD_add_response_header(resp, "Content-Range", cr);
	}
	MHD_add_response_header(resp, "Accept-Ranges", "bytes");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* ---- signature checks: the server side of the library ---- */

struct verify_ctx {
	struct srv *s;
	bool session;
};

static const char *header_of(void *user, const char *name)
{
	return MHD_lookup_connection_value(user, MHD_HEADER_KIND, name);
}

static enum medfw_err key_ed25519(void *user, const char *keyid, struct medfw_pubkey **out)
{
	struct verify_ctx *v = user;
	char want[32];

	snprintf(want, sizeof(want), "device:%d", DEVICE_ID);
	if (strcmp(keyid, want) != 0)
		return MEDFW_ERR_NOT_FOUND;
	return medfw_httpsig_pubkey_from_raw(v->s->device_pub, sizeof(v->s->device_pub), out, NULL);
}

static enum medfw_err key_any(void *user, const char *keyid, enum medfw_httpsig_alg alg,
			      struct medfw_httpsig_key *out)
{
	struct verify_ctx *v = user;
	int64_t id = 0, expires = 0;

	if (medfw_devsession_is_keyid(keyid)) {
		v->session = true;
		if (medfw_devsession_keyid_parse(keyid, &id, &expires) != MEDFW_OK ||
		    id != DEVICE_ID || expires <= *v->s->now)
			return MEDFW_ERR_NOT_FOUND;
		if (alg != MEDFW_HTTPSIG_HMAC_SHA256)
			return MEDFW_ERR_KEY_UNSUPPORTED;
		out->alg = MEDFW_HTTPSIG_HMAC_SHA256;
		return medfw_devsession_derive(v->s->master, keyid, v->s->device_pub, out->secret);
	}
	if (alg != MEDFW_HTTPSIG_ED25519)
		return MEDFW_ERR_KEY_UNSUPPORTED;
	out->alg = MEDFW_HTTPSIG_ED25519;
	return key_ed25519(user, keyid, &out->pub);
}

static enum medfw_err nonce_fresh(void *user, const char *keyid, const char *nonce,
				  int64_t created)
{
	struct verify_ctx *v = user;
	struct srv *s = v->s;
	enum medfw_err err = MEDFW_OK;

	(void)keyid;
	(void)created;
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n_nonces; i++)
		if (strcmp(s->nonces[i], nonce) == 0)
			err = MEDFW_ERR_EXISTS;
	if (err == MEDFW_OK && s->n_nonces < MAX_NONCES)
		snprintf(s->nonces[s->n_nonces++], sizeof(s->nonces[0]), "%s", nonce);
	pthread_mutex_unlock(&s->lock);
	return err;
}

/* Verify the request's signature; on failure answer 401 as medfwd does. */
static bool verified(struct srv *s, struct MHD_Connection *conn, const char *method,
		     const char *url, const struct medfw_buf *body, bool sessions_allowed,
		     enum MHD_Result *ret)
{
	static const char *const required[] = {"@method", "@path", "content-digest"};
	struct medfw_httpsig_request req;
	struct medfw_httpsig_policy policy;
	struct medfw_httpsig_result result;
	struct verify_ctx v = {s, false};
	struct medfw_diag d;
	const char *sig, *ctype;
	char answer[1024];
	enum medfw_err err;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = url;
	req.header = header_of;
	req.header_user = conn;
	req.body = body->data;
	req.body_len = body->len;
	memset(&policy, 0, sizeof(policy));
	policy.label = MEDFW_HTTPSIG_LABEL;
	policy.required = required;
	policy.n_required = 3;
	policy.now = *s->now;
	policy.max_skew = 300;
	medfw_diag_clear(&d);
	if (sessions_allowed) {
		policy.algs = MEDFW_HTTPSIG_ED25519 | MEDFW_HTTPSIG_HMAC_SHA256;
		err = medfw_httpsig_verify_ex(&req, &policy, key_any, &v, nonce_fresh, &v, &result,
					      &d);
	} else {
		policy.algs = MEDFW_HTTPSIG_ED25519;
		err = medfw_httpsig_verify(&req, &policy, key_ed25519, &v, nonce_fresh, &v, &result,
					   &d);
	}
	if (err == MEDFW_OK && v.session && s->refuse_sessions) {
		err = MEDFW_ERR_NOT_FOUND;
		snprintf(d.msg, sizeof(d.msg), "the session has expired");
	}
	pthread_mutex_lock(&s->lock);
	if (err == MEDFW_OK) {
		s->api_ok++;
		snprintf(s->last_keyid, sizeof(s->last_keyid), "%s", result.keyid);
		s->last_alg = result.alg;
		sig = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Signature");
		ctype = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
		snprintf(s->last_signature, sizeof(s->last_signature), "%s", sig != NULL ? sig : "");
		snprintf(s->last_content_type, sizeof(s->last_content_type), "%s",
			 ctype != NULL ? ctype : "");
		snprintf(s->last_body, sizeof(s->last_body), "%.*s", (int)body->len,
			 body->data != NULL ? (const char *)body->data : "");
	} else {
		s->api_refused++;
	}
	pthread_mutex_unlock(&s->lock);
	if (err == MEDFW_OK)
		return true;
	snprintf(answer, sizeof(answer),
		 "{\"error\":{\"code\":\"unauthenticated\",\"message\":\"device request refused: "
		 "%s\"%s}}",
		 medfw_err_name(err), v.session ? ",\"field\":\"session\"" : "");
	*ret = respond_str(conn, 401, answer);
	return false;
}

static enum MHD_Result open_session(struct srv *s, struct MHD_Connection *conn,
				    const struct medfw_buf *body)
{
	uint8_t x[MEDFW_X25519_LEN], key[MEDFW_DEVSESSION_KEY_LEN];
	char keyid[MEDFW_DEVSESSION_KEYID_MAX], sp[65], nonce[25], sealed[97], answer[512];
	struct medfw_devsession_sealed out;
	const char *hex = NULL;
	json_t *doc = NULL;
	int64_t expires = *s->now + s->session_lifetime;
	size_t n = 0;

	assert_int_equal(medfw_json_parse(body->data, body->len, 1024, 4, &doc, NULL), MEDFW_OK);
	assert_int_equal(json_object_size(doc), 1);
	assert_int_equal(medfw_json_get_string(doc, "body", "x25519_public_key", &hex, NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_hex_decode(hex, x, sizeof(x), &n), MEDFW_OK);
	assert_int_equal(n, sizeof(x));
	json_decref(doc);
	assert_int_equal(medfw_devsession_keyid_make(DEVICE_ID, expires, keyid, sizeof(keyid)),
			 MEDFW_OK);
	assert_int_equal(medfw_devsession_derive(s->master, keyid, s->device_pub, key), MEDFW_OK);
	assert_int_equal(medfw_devsession_seal(key, x, keyid, &out), MEDFW_OK);
	if (s->tamper_sealed)
		out.sealed[3] ^= 1;
	assert_int_equal(medfw_hex_encode(out.server_public, 32, sp, sizeof(sp)), MEDFW_OK);
	assert_int_equal(medfw_hex_encode(out.nonce, 12, nonce, sizeof(nonce)), MEDFW_OK);
	assert_int_equal(medfw_hex_encode(out.sealed, 48, sealed, sizeof(sealed)), MEDFW_OK);
	snprintf(answer, sizeof(answer),
		 "{\"keyid\":\"%s\",\"alg\":\"hmac-sha256\",\"expires\":%lld,"
		 "\"server_public_key\":\"%s\",\"nonce\":\"%s\",\"sealed_key\":\"%s\"}",
		 keyid, (long long)expires, sp, nonce, sealed);
	pthread_mutex_lock(&s->lock);
	s->session_opens++;
	pthread_mutex_unlock(&s->lock);
	return respond_str(conn, 200, answer);
}

static enum MHD_Result serve_enrol(struct srv *s, struct MHD_Connection *conn,
				   const struct medfw_buf *body)
{
	json_t *doc = NULL;
	const char *token = NULL;

	snprintf(s->enrol_body, sizeof(s->enrol_body), "%.*s", (int)body->len,
		 body->data != NULL ? (const char *)body->data : "");
	if (medfw_json_parse(body->data, body->len, 1024, 4, &doc, NULL) != MEDFW_OK ||
	    medfw_json_get_string(doc, "body", "token", &token, NULL) != MEDFW_OK) {
		json_decref(doc);
		return respond_str(conn, 400, "{\"error\":{\"code\":\"invalid\",\"message\":\"bad\"}}");
	}
	if (strcmp(token, GOOD_TOKEN) != 0) {
		json_decref(doc);
		return respond_str(conn, 403,
				   "{\"error\":{\"code\":\"forbidden\",\"message\":\"the token is "
				   "unknown, used or expired\",\"field\":\"token\"}}");
	}
	json_decref(doc);
	return respond_str(conn, 200,
			   "{\"device_id\":42,\"keyid\":\"device:42\",\"site_id\":3,"
			   "\"enrolment_state\":\"enrolled\",\"next_checkin_seconds\":300}");
}

static ssize_t endless_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)cls;
	if (pos >= 1024 * 1024)
		return MHD_CONTENT_READER_END_OF_STREAM;
	memset(buf, 'a', max);
	return (ssize_t)max;
}

static enum MHD_Result serve_canned(struct MHD_Connection *conn, const char *url)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *big;

	if (strcmp(url, "/device/v1/err/control") == 0)
		return respond_str(conn, 403,
				   "{\"error\":{\"code\":\"forbidden\",\"message\":\"bad "
				   "\\u001b[31mred\\u001b[0m\\nnext line\\u0007 \\u202e done\","
				   "\"field\":\"tok\\u0001en\"}}");
	if (strcmp(url, "/device/v1/err/garbage") == 0)
		return respond(conn, 502, "<html>\x01\x02\xff oops", 14);
	if (strcmp(url, "/device/v1/err/notfound") == 0)
		return respond_str(conn, 404,
				   "{\"error\":{\"code\":\"not_found\",\"message\":\"no such thing\"}}");
	if (strcmp(url, "/device/v1/err/longmsg") == 0) {
		char xs[5001], body[6000];

		memset(xs, 'x', 5000);
		xs[5000] = 0;
		snprintf(body, sizeof(body), "{\"error\":{\"message\":\"%s\"}}", xs);
		return respond_str(conn, 403, body);
	}
	if (strcmp(url, "/device/v1/err/huge") == 0 || strcmp(url, "/device/v1/big") == 0) {
		big = malloc(1024 * 1024);
		assert_non_null(big);
		memset(big, 'A', 1024 * 1024);
		r = MHD_create_response_from_buffer(1024 * 1024, big, MHD_RESPMEM_MUST_FREE);
		ret = MHD_queue_response(conn, url[11] == 'e' ? 500 : 200, r);
		MHD_destroy_response(r);
		return ret;
	}
	if (strcmp(url, "/device/v1/bigchunked") == 0) {
		r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, endless_reader, NULL, NULL);
		ret = MHD_queue_response(conn, 200, r);
		MHD_destroy_response(r);
		return ret;
	}
	return respond_str(conn, 404, "{\"error\":{\"code\":\"not_found\",\"message\":\"route\"}}");
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
			       const char *method, const char *version, const char *upload_data,
			       size_t *upload_data_size, void **req_cls)
{
	struct srv *s = cls;
	struct req_state *st = *req_cls;
	enum MHD_Result ret = MHD_NO;

	(void)version;
	if (st == NULL) {
		st = calloc(1, sizeof(*st));
		assert_non_null(st);
		medfw_buf_init(&st->body, 64 * 1024);
		*req_cls = st;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		assert_int_equal(medfw_buf_append(&st->body, upload_data, *upload_data_size), MEDFW_OK);
		*upload_data_size = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&s->lock);
	s->requests++;
	pthread_mutex_unlock(&s->lock);
	if (strcmp(url, "/file") == 0)
		return serve_file(s, conn);
	if (strcmp(url, "/repo/metadata/1.root.json") == 0)
		return respond_str(conn, 200, ROOT_DOC);
	if (strcmp(url, "/device/v1/enrol") == 0)
		return serve_enrol(s, conn, &st->body);
	if (strncmp(url, "/device/v1/err/", 15) == 0 || strcmp(url, "/device/v1/big") == 0 ||
	    strcmp(url, "/device/v1/bigchunked") == 0)
		return serve_canned(conn, url);
	if (strcmp(url, "/device/v1/session") == 0) {
		if (!verified(s, conn, method, url, &st->body, false, &ret))
			return ret;
		return open_session(s, conn, &st->body);
	}
	if (strcmp(url, "/device/v1/checkin") == 0) {
		if (!verified(s, conn, method, url, &st->body, true, &ret))
			return ret;
		return respond_str(conn, 200, "{\"next_checkin_seconds\":300,\"director_version\":7}");
	}
	if (strcmp(url, "/device/v1/director/timestamp.json") == 0) {
		if (!verified(s, conn, method, url, &st->body, true, &ret))
			return ret;
		return respond_str(conn, 200, DIRECTOR_DOC);
	}
	return respond_str(conn, 404, "{\"error\":{\"code\":\"not_found\",\"message\":\"route\"}}");
}

static void completed(void *cls, struct MHD_Connection *conn, void **req_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct req_state *st = *req_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (st != NULL) {
		medfw_buf_free(&st->body);
		free(st);
		*req_cls = NULL;
	}
}

static void srv_start(struct srv *s, const char *cert_pem, const char *key_pem)
{
	struct sockaddr_in addr;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;

	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (cert_pem != NULL)
		s->d = MHD_start_daemon(flags | MHD_USE_TLS, 0, NULL, NULL, handler, s,
					MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_NOTIFY_COMPLETED,
					completed, s, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
					MHD_OPTION_HTTPS_MEM_KEY, key_pem, MHD_OPTION_HTTPS_MEM_CERT,
					cert_pem, MHD_OPTION_END);
	else
		s->d = MHD_start_daemon(flags, 0, NULL, NULL, handler, s, MHD_OPTION_SOCK_ADDR, &addr,
					MHD_OPTION_NOTIFY_COMPLETED, completed, s,
					MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	assert_non_null(s->d);
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	assert_non_null(info);
	s->port = info->port;
	assert_true(s->port > 0);
}

/* ---- the client side ---- */

struct fx {
	struct srv srv;
	int64_t now;
	struct medfw_ctx *ctx;
	struct medfw_privkey *key;
	struct medfw_devclient *c;
	struct medfw_devclient_config cfg;
	char url[128];
	struct medfw_buf log;
};

static int64_t fx_clock(void *user)
{
	return *(const int64_t *)user;
}

static void fx_log(void *user, enum medfw_log_level level, const char *event, const char *msg)
{
	struct medfw_buf *log = user;

	(void)level;
	(void)medfw_buf_printf(log, "%s %s\n", event, msg);
}

static void raw_public(const struct medfw_privkey *key, uint8_t out[32])
{
	struct medfw_pubkey *pub = NULL;
	const char *hex;
	size_t n = 0;

	assert_int_equal(medfw_privkey_public(key, &pub, NULL), MEDFW_OK);
	hex = json_string_value(json_object_get(json_object_get(medfw_pubkey_json(pub), "keyval"),
						"public"));
	assert_non_null(hex);
	assert_int_equal(medfw_hex_decode(hex, out, 32, &n), MEDFW_OK);
	assert_int_equal(n, 32);
	medfw_pubkey_free(pub);
}

/* A server (plain HTTP unless cert_pem) and the config of a client for it. */
static void fx_init_tls(struct fx *f, const char *cert_pem, const char *key_pem)
{
	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->srv.lock, NULL);
	f->now = (int64_t)time(NULL);
	f->srv.now = &f->now;
	f->srv.file_len = 200000;
	f->srv.drop_after = 10000;
	f->srv.session_lifetime = 3600;
	assert_int_equal(medfw_random_bytes(f->srv.master, sizeof(f->srv.master)), MEDFW_OK);
	f->ctx = medfw_ctx_new();
	assert_non_null(f->ctx);
	medfw_ctx_set_clock(f->ctx, fx_clock, &f->now);
	medfw_buf_init(&f->log, 256 * 1024);
	medfw_ctx_set_log(f->ctx, fx_log, &f->log, MEDFW_LOG_DEBUG);
	assert_int_equal(medfw_privkey_generate(MEDFW_KEY_ED25519, &f->key, NULL), MEDFW_OK);
	raw_public(f->key, f->srv.device_pub);
	srv_start(&f->srv, cert_pem, key_pem);
	snprintf(f->url, sizeof(f->url), "%s://127.0.0.1:%u", cert_pem != NULL ? "https" : "http",
		 (unsigned)f->srv.port);
	f->cfg.server_url = f->url;
	f->cfg.allow_http = cert_pem == NULL;
	f->cfg.connect_timeout = 5;
	f->cfg.request_timeout = 10;
	f->cfg.low_speed_time = 5;
}

static void fx_init(struct fx *f)
{
	fx_init_tls(f, NULL, NULL);
}

static void fx_client(struct fx *f)
{
	struct medfw_diag d;

	medfw_diag_clear(&d);
	medfw_devclient_free(f->c);
	f->c = NULL;
	assert_int_equal(medfw_devclient_new(f->ctx, &f->cfg, &f->c, &d), MEDFW_OK);
	medfw_devclient_set_identity(f->c, DEVICE_ID, f->key);
}

static void fx_free(struct fx *f)
{
	medfw_devclient_free(f->c);
	MHD_stop_daemon(f->srv.d);
	medfw_privkey_free(f->key);
	medfw_ctx_free(f->ctx);
	medfw_buf_free(&f->log);
	pthread_mutex_destroy(&f->srv.lock);
}

/* What a download delivered. */
struct received {
	uint8_t *data;
	size_t len, cap;
	unsigned writes;
	unsigned fail_at_write; /* 0: never */
	unsigned progress_calls;
	uint64_t last_done, last_total;
	bool progress_backwards;
};

static enum medfw_err take(void *user, const void *data, size_t len, struct medfw_diag *diag)
{
	struct received *r = user;

	r->writes++;
	if (r->fail_at_write != 0 && r->writes >= r->fail_at_write)
		return medfw_diag_set(diag, MEDFW_ERR_IO, "disk full (test)");
	assert_true(len <= r->cap - r->len); /* never past total */
	memcpy(r->data + r->len, data, len);
	r->len += len;
	return MEDFW_OK;
}

static void progress(void *user, uint64_t done, uint64_t total)
{
	struct received *r = user;

	if (done < r->last_done)
		r->progress_backwards = true;
	r->progress_calls++;
	r->last_done = done;
	r->last_total = total;
}

/* A receiver that already has `have` bytes of the file. */
static void received_init(struct received *r, size_t cap, size_t have)
{
	memset(r, 0, sizeof(*r));
	r->data = malloc(cap + 1);
	assert_non_null(r->data);
	r->cap = cap;
	for (size_t i = 0; i < have; i++)
		r->data[i] = pattern(i);
	r->len = have;
}

static void assert_file_prefix(const struct received *r)
{
	for (size_t i = 0; i < r->len; i++)
		if (r->data[i] != pattern(i))
			fail_msg("byte %zu differs", i);
}

static enum medfw_err fx_download(struct fx *f, struct received *r, uint64_t offset,
				  uint64_t total, unsigned attempts, struct medfw_diag *d)
{
	struct medfw_devclient_download dl;
	char url[160];

	snprintf(url, sizeof(url), "%s/file", f->url);
	memset(&dl, 0, sizeof(dl));
	dl.url = url;
	dl.offset = offset;
	dl.total = total;
	dl.max_attempts = attempts;
	dl.write = take;
	dl.write_user = r;
	dl.progress = progress;
	dl.progress_user = r;
	medfw_diag_clear(d);
	return medfw_devclient_download(f->c, &dl, d);
}

static bool printable(const char *s)
{
	for (; *s != 0; s++)
		if (*s < 0x20 || *s >= 0x7f)
			return false;
	return true;
}

/* ---- downloads ---- */

static void test_download_whole_and_resumed(void **state)
{
	struct fx f;
	struct received r;
	struct medfw_diag d;

	(void)state;
	fx_init(&f);
	fx_client(&f);
	received_init(&r, f.srv.file_len, 0);
	assert_int_equal(fx_download(&f, &r, 0, f.srv.file_len, 1, &d), MEDFW_OK);
	assert_int_equal(r.len, f.srv.file_len);
	assert_file_prefix(&r);
	assert_string_equal(f.srv.ranges[0], "");
	assert_true(r.progress_calls >= 1);
	assert_int_equal(r.last_done, f.srv.file_len);
	assert_int_equal(r.last_total, f.srv.file_len);
	assert_false(r.progress_backwards);
	free(r.data);

	/* resume: the caller has 5000 bytes, the rest comes with Range */
	received_init(&r, f.srv.file_len, 5000);
	assert_int_equal(fx_download(&f, &r, 5000, f.srv.file_len, 1, &d), MEDFW_OK);
	assert_int_equal(r.len, f.srv.file_len);
	assert_file_prefix(&r);
	assert_int_equal(f.srv.file_requests, 2);
	assert_string_equal(f.srv.ranges[1], "bytes=5000-");
	free(r.data);

	/* nothing left: no request, one final progress call */
	received_init(&r, f.srv.file_len, f.srv.file_len);
	assert_int_equal(fx_download(&f, &r, f.srv.file_len, f.srv.file_len, 1, &d), MEDFW_OK);
	assert_int_equal(f.srv.file_requests, 2);
	assert_int_equal(r.writes, 0);
	assert_int_equal(r.progress_calls, 1);
	assert_int_equal(r.last_done, f.srv.file_len);
	free(r.data);

	/* bad arguments change nothing */
	received_init(&r, f.srv.file_len, 0);
	assert_int_equal(fx_download(&f, &r, 0, f.srv.file_len, 0, &d), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(fx_download(&f, &r, 7, 6, 1, &d), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(f.srv.file_requests, 2);
	free(r.data);
	fx_free(&f);
}

static void test_download_resumes_after_dropped_connections(void **state)
{
	struct fx f;
	struct received r;
	struct medfw_diag d;
	uint64_t prev = 0, start = 0;

	(void)state;
	fx_init(&f);
	fx_client(&f);
	f.srv.drops = 2;
	received_init(&r, f.srv.file_len, 0);
	assert_int_equal(fx_download(&f, &r, 0, f.srv.file_len, 4, &d), MEDFW_OK);
	/* the concatenation of what each attempt delivered is the file, each byte once */
	assert_int_equal(r.len, f.srv.file_len);
	assert_file_prefix(&r);
	assert_int_equal(f.srv.file_requests, 3);
	assert_string_equal(f.srv.ranges[0], "");
	for (unsigned i = 1; i < 3; i++) {
		assert_true(parse_range(f.srv.ranges[i], &start));
		assert_true(start > prev && start <= 2 * f.srv.drop_after);
		prev = start;
	}
	assert_false(r.progress_backwards);
	assert_int_equal(r.last_done, f.srv.file_len);
	free(r.data);

	/* the attempts run out: TRUNCATED, what was delivered is a prefix of the file */
	f.srv.drops = 5;
	f.srv.file_requests = 0;
	received_init(&r, f.srv.file_len, 0);
	assert_int_equal(fx_download(&f, &r, 0, f.srv.file_len, 3, &d), MEDFW_ERR_TRUNCATED);
	assert_int_equal(f.srv.file_requests, 3);
	assert_true(r.len > 0 && r.len <= 3 * f.srv.drop_after);
	assert_file_prefix(&r);
	assert_non_null(strstr(d.msg, "after 3 attempts"));
	assert_non_null(strstr((const char *)f.log.data, "devclient.download.retry"));
	free(r.data);
	fx_free(&f);
}

static void test_download_range_ignored(void **state)
{
	struct fx f;
	struct received r;
	struct medfw_diag d;

	(void)state;
	fx_init(&f);
	fx_client(&f);
	f.srv.mode = FILE_IGNORE_RANGE;
	/* a dropped first attempt, then a 200 with the whole file: the start is skipped */
	f.srv.drops = 1;
	received_init(&r, f.srv.file_len, 0);
	assert_int_equal(fx_download(&f, &r, 0, f.srv.file_len, 2, &d), MEDFW_OK);
	assert_int_equal(r.len, f.srv.file_len);
	assert_file_prefix(&r);
	assert_int_equal(f.srv.file_requests, 2);
	assert_string_not_equal(f.srv.ranges[1], "");
	free(r.data);
	/* a resumed download answered with 200 */
	received_init(&r, f.srv.file_len, 7000);
	assert_int_equal(fx_download(&f, &r, 7000, f.srv.file_len, 1, &d), MEDFW_OK);
	assert_int_equal(r.len, f.srv.file_len);
	assert_file_prefix(&r);
	assert_string_equal(f.srv.ranges[2], "bytes=7000-");
	free(r.data);
	fx_free(&f);
}

static void test_download_more_than_total(void **state)
{
	struct fx f;
	struct received r;
	struct medfw_diag d;

	(void)state;
	fx_init(&f);
	fx_client(&f);
	f.srv.extra = 100;
	/* Content-Length announces more: refused before any byte */
	f.srv.mode = FILE_LONGER;
	received_init(&r, f.srv.file_len, 0);
	assert_int_equal(fx_download(&f, &r, 0, f.srv.file_len, 3, &d), MEDFW_ERR_TOO_LARGE);
	assert_int_equal(r.len, 0);
	assert_int_equal(f.srv.file_requests, 1);
	free(r.data);
	/* no Content-Length: stopped at the chunk that would cross total */
	f.srv.mode = FILE_LONGER_CHUNKED;
	received_init(&r, f.srv.file_len, 0);
	assert_int_equal(fx_download(&f, &r, 0, f.srv.file_len, 3, &d), MEDFW_ERR_TOO_LARGE);
	assert_true(r.len <= f.srv.file_len);
	assert_file_prefix(&r);
	assert_int_equal(f.srv.file_requests, 2);
	free(r.data);
	/* the same when resuming */
	received_init(&r, f.srv.file_len, 1000);
	assert_int_equal(fx_download(&f, &r, 1000, f.srv.file_len, 3, &d), MEDFW_ERR_TOO_LARGE);
	assert_true(r.len <= f.srv.file_len);
	assert_file_prefix(&r);
	free(r.data);
	/* a smaller total than the file: TOO_LARGE too (the signed length rules) */
	f.srv.mode = FILE_RANGE;
	received_init(&r, f.srv.file_len, 0);
	assert_int_equal(fx_download(&f, &r, 0, f.srv.file_len - 1, 1, &d), MEDFW_ERR_TOO_LARGE);
	assert_int_equal(r.len, 0);
	free(r.data);
	/* ... and a larger one: the server announces fewer bytes */
	received_init(&r, f.srv.file_len + 1, 0);
	assert_int_equal(fx_download(&f, &r, 0, f.srv.file_len + 1, 3, &d), MEDFW_ERR_TRUNCATED);
	assert_int_equal(r.len, 0);
	free(r.data);
	fx_free(&f);
}

static void test_download_refusals(void **state)
{
	static const enum file_mode bad_206[] = {FILE_BAD_START, FILE_BAD_TOTAL,
						 FILE_NO_CONTENT_RANGE};
	struct fx f;
	struct received r;
	struct medfw_diag d;
	unsigned before;

	(void)state;
	fx_init(&f);
	fx_client(&f);
	for (size_t i = 0; i < 3; i++) {
		f.srv.mode = bad_206[i];
		before = f.srv.file_requests;
		received_init(&r, f.srv.file_len, 100);
		assert_int_equal(fx_download(&f, &r, 100, f.srv.file_len, 3, &d), MEDFW_ERR_FETCH);
		assert_int_equal(r.len, 100);
		assert_int_equal(f.srv.file_requests, before + 1); /* not retried */
		assert_true(strstr(d.msg, "Content-Range") != NULL);
		free(r.data);
	}
	/* 404, 416: the status, no retry */
	f.srv.mode = FILE_NOT_FOUND;
	before = f.srv.file_requests;
	received_init(&r, f.srv.file_len, 0);
	assert_int_equal(fx_download(&f, &r, 0, f.srv.file_len, 3, &d), MEDFW_ERR_FETCH);
	assert_non_null(strstr(d.msg, "HTTP 404"));
	assert_int_equal(f.srv.file_requests, before + 1);
	assert_int_equal(r.len, 0);
	free(r.data);
	f.srv.mode = FILE_RANGE;
	f.srv.file_len = 1000;
	received_init(&r, 3000, 2000);
	assert_int_equal(fx_download(&f, &r, 2000, 3000, 3, &d), MEDFW_ERR_FETCH);
	assert_non_null(strstr(d.msg, "HTTP 416"));
	assert_int_equal(f.srv.file_requests, before + 2);
	free(r.data);
	/* the writer's error ends the download at once */
	f.srv.file_len = 200000;
	received_init(&r, f.srv.file_len, 0);
	r.fail_at_write = 2;
	assert_int_equal(fx_download(&f, &r, 0, f.srv.file_len, 3, &d), MEDFW_ERR_IO);
	assert_string_equal(d.msg, "disk full (test)");
	assert_int_equal(f.srv.file_requests, before + 3);
	free(r.data);
	fx_free(&f);
}

static void test_download_stall_times_out_and_resumes(void **state)
{
	struct fx f;
	struct received r;
	struct medfw_diag d;
	uint64_t start = 0;

	(void)state;
	fx_init(&f);
	f.cfg.low_speed_time = 1;
	fx_client(&f);
	/* the first answer drops after 10000 bytes, the second sends nothing at all:
	 * below 1 byte/s for low_speed_time, then a third attempt from the same byte */
	f.srv.drops = 1;
	f.srv.stall_request = 2;
	f.srv.stall_at = 0;
	f.srv.stall_ms = 4000;
	received_init(&r, f.srv.file_len, 0);
	assert_int_equal(fx_download(&f, &r, 0, f.srv.file_len, 3, &d), MEDFW_OK);
	assert_int_equal(r.len, f.srv.file_len);
	assert_file_prefix(&r);
	assert_int_equal(f.srv.file_requests, 3);
	assert_true(parse_range(f.srv.ranges[1], &start) && start > 0);
	assert_string_equal(f.srv.ranges[1], f.srv.ranges[2]);
	assert_non_null(strstr((const char *)f.log.data, "too slow")); /* curl's reason, logged */
	free(r.data);
	fx_free(&f);
}

static void test_download_bandwidth_limit(void **state)
{
	struct fx f;
	struct received r;
	struct medfw_diag d;
	struct timespec t0, t1;
	double secs;

	(void)state;
	fx_init(&f);
	f.srv.file_len = 256 * 1024;
	f.cfg.max_recv_speed = 1024 * 1024;
	fx_client(&f);
	received_init(&r, f.srv.file_len, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(fx_download(&f, &r, 0, f.srv.file_len, 1, &d), MEDFW_OK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(secs >= 0.2);
	assert_int_equal(r.len, f.srv.file_len);
	assert_file_prefix(&r);
	/* ~4 progress calls a second, plus the first and the final one */
	assert_true(r.progress_calls >= 2);
	assert_true((double)r.progress_calls <= 4.0 * secs + 3.0);
	free(r.data);
	fx_free(&f);
}

/* ---- signed requests ---- */

static void assert_no_secrets_logged(struct fx *f, const char *signature)
{
	const char *log = f->log.data != NULL ? (const char *)f->log.data : "";

	if (signature[0] != 0)
		assert_null(strstr(log, signature + 6)); /* after "sig1=:" */
	assert_null(strstr(log, "Signature"));
}

static void test_signed_with_device_key(void **state)
{
	static const char body[] = "{\"firmware_version\":\"2.1.0\",\"clinical_state\":\"idle\"}";
	struct fx f;
	struct medfw_buf resp;
	struct medfw_diag d;
	int status = 0;
	const struct medfw_fetcher *sf;
	char want[64];

	(void)state;
	fx_init(&f);
	assert_int_equal(medfw_devclient_new(f.ctx, &f.cfg, &f.c, &d), MEDFW_OK);
	medfw_buf_init(&resp, 4096);
	/* no identity yet */
	assert_int_equal(medfw_devclient_request(f.c, "POST", "/device/v1/checkin",
						 (const uint8_t *)body, strlen(body), 4096, &resp,
						 &status, &d),
			 MEDFW_ERR_STATE);
	medfw_devclient_set_identity(f.c, DEVICE_ID, f.key);
	assert_int_equal(medfw_buf_append_str(&resp, "kept:"), MEDFW_OK);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_devclient_request(f.c, "POST", "/device/v1/checkin",
						 (const uint8_t *)body, strlen(body), 4096, &resp,
						 &status, &d),
			 MEDFW_OK);
	assert_int_equal(status, 200);
	assert_string_equal((const char *)resp.data,
			    "kept:{\"next_checkin_seconds\":300,\"director_version\":7}");
	assert_int_equal(f.srv.api_ok, 1);
	assert_int_equal(f.srv.last_alg, MEDFW_HTTPSIG_ED25519);
	snprintf(want, sizeof(want), "device:%d", DEVICE_ID);
	assert_string_equal(f.srv.last_keyid, want);
	assert_string_equal(f.srv.last_content_type, "application/json");
	assert_string_equal(f.srv.last_body, body);
	/* the same request again: a fresh nonce, accepted */
	assert_int_equal(medfw_devclient_request(f.c, "POST", "/device/v1/checkin",
						 (const uint8_t *)body, strlen(body), 4096, &resp,
						 &status, &d),
			 MEDFW_OK);
	assert_int_equal(f.srv.api_ok, 2);
	assert_int_equal(f.srv.n_nonces, 2);
	assert_string_not_equal(f.srv.nonces[0], f.srv.nonces[1]);
	assert_int_equal(f.srv.session_opens, 0);
	/* the signed fetcher: director metadata by server path */
	sf = medfw_devclient_signed_fetcher(f.c);
	medfw_buf_free(&resp);
	assert_int_equal(sf->fetch(sf->user, "/device/v1/director/timestamp.json", 4096, &resp,
				   &status, &d),
			 MEDFW_OK);
	assert_int_equal(status, 200);
	assert_string_equal((const char *)resp.data, DIRECTOR_DOC);
	assert_int_equal(f.srv.api_ok, 3);
	medfw_buf_free(&resp);
	/* a signed 404 through the fetcher: MEDFW_ERR_FETCH with the status */
	assert_int_equal(sf->fetch(sf->user, "/device/v1/director/nothing.json", 4096, &resp,
				   &status, &d),
			 MEDFW_ERR_FETCH);
	assert_int_equal(status, 404);
	assert_int_equal(resp.len, 0);
	/* routes the client refuses to sign, before any request */
	medfw_buf_init(&resp, 4096);
	status = -1;
	assert_int_equal(medfw_devclient_request(f.c, "GET", "/device/v1/checkin?x=1", NULL, 0,
						 4096, &resp, &status, &d),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(status, 0);
	assert_int_equal(medfw_devclient_request(f.c, "GET", "/api/v1/devices", NULL, 0, 4096,
						 &resp, &status, &d),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_devclient_request(f.c, "get", "/device/v1/checkin", NULL, 0, 4096,
						 &resp, &status, &d),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_devclient_request(f.c, "GET", "/device/v1/checkin",
						 (const uint8_t *)body, 3, 4096, &resp, &status, &d),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(f.srv.requests, 4);
	assert_no_secrets_logged(&f, f.srv.last_signature);
	medfw_buf_free(&resp);
	fx_free(&f);
}

static enum medfw_err checkin(struct fx *f, int *status, struct medfw_diag *d)
{
	static const char body[] = "{\"clinical_state\":\"idle\"}";
	struct medfw_buf resp;
	enum medfw_err err;

	medfw_buf_init(&resp, 4096);
	medfw_diag_clear(d);
	err = medfw_devclient_request(f->c, "POST", "/device/v1/checkin", (const uint8_t *)body,
				      strlen(body), 4096, &resp, status, d);
	if (err == MEDFW_OK)
		assert_string_equal((const char *)resp.data,
				    "{\"next_checkin_seconds\":300,\"director_version\":7}");
	else
		assert_int_equal(resp.len, 0);
	medfw_buf_free(&resp);
	return err;
}

static void test_signed_with_sessions(void **state)
{
	struct fx f;
	struct medfw_diag d;
	int status = 0;
	char prefix[32], first_keyid[MEDFW_HTTPSIG_STRING_MAX + 1], key_hex[65];
	uint8_t zero[sizeof(struct medfwi_devclient_session)];
	int64_t expires;

	(void)state;
	fx_init(&f);
	f.cfg.use_sessions = true;
	fx_client(&f);
	/* the first request opens a session (signed with the device key), then is signed
	 * with the session's HMAC key */
	assert_int_equal(checkin(&f, &status, &d), MEDFW_OK);
	assert_int_equal(f.srv.session_opens, 1);
	assert_int_equal(f.srv.api_ok, 2);
	assert_int_equal(f.srv.last_alg, MEDFW_HTTPSIG_HMAC_SHA256);
	snprintf(prefix, sizeof(prefix), "s1.%d.", DEVICE_ID);
	assert_memory_equal(f.srv.last_keyid, prefix, strlen(prefix));
	snprintf(first_keyid, sizeof(first_keyid), "%s", f.srv.last_keyid);
	assert_true(f.c->session.open);
	assert_string_equal(f.c->session.keyid, first_keyid);
	assert_int_equal(medfw_hex_encode(f.c->session.key, 32, key_hex, sizeof(key_hex)), MEDFW_OK);
	/* the next one reuses it */
	assert_int_equal(checkin(&f, &status, &d), MEDFW_OK);
	assert_int_equal(f.srv.session_opens, 1);
	assert_string_equal(f.srv.last_keyid, first_keyid);
	/* less than a minute before it expires: a new session first */
	expires = f.c->session.expires;
	f.now = expires - 30;
	assert_int_equal(checkin(&f, &status, &d), MEDFW_OK);
	assert_int_equal(f.srv.session_opens, 2);
	assert_string_not_equal(f.srv.last_keyid, first_keyid);
	/* the server no longer knows the session (its secret changed): 401 naming the
	 * session, a new session, the request once more */
	assert_int_equal(medfw_random_bytes(f.srv.master, sizeof(f.srv.master)), MEDFW_OK);
	f.srv.api_refused = 0;
	assert_int_equal(checkin(&f, &status, &d), MEDFW_OK);
	assert_int_equal(status, 200);
	assert_int_equal(f.srv.api_refused, 1);
	assert_int_equal(f.srv.session_opens, 3);
	/* a server that refuses every session: one retry only, then its refusal */
	f.srv.refuse_sessions = true;
	f.srv.api_refused = 0;
	assert_int_equal(checkin(&f, &status, &d), MEDFW_ERR_REFUSED);
	assert_int_equal(status, 401);
	assert_int_equal(f.srv.api_refused, 2);
	assert_int_equal(f.srv.session_opens, 4);
	assert_string_equal(d.msg, "POST /device/v1/checkin: HTTP 401: device request refused: "
				   "MEDFW_ERR_NOT_FOUND (field session)");
	/* a changed sealed key does not open: no session, nothing sent with it */
	f.srv.refuse_sessions = false;
	f.srv.tamper_sealed = true;
	medfw_devclient_set_identity(f.c, DEVICE_ID, f.key);
	f.srv.api_ok = 0;
	assert_int_equal(checkin(&f, &status, &d), MEDFW_ERR_SIGNATURE);
	assert_int_equal(f.srv.api_ok, 1); /* the session request itself */
	assert_false(f.c->session.open);
	/* set_identity ends a session and wipes its key */
	f.srv.tamper_sealed = false;
	assert_int_equal(checkin(&f, &status, &d), MEDFW_OK);
	assert_true(f.c->session.open);
	medfw_devclient_set_identity(f.c, DEVICE_ID, f.key);
	memset(zero, 0, sizeof(zero));
	assert_memory_equal(&f.c->session, zero, sizeof(zero));
	/* no key, keyid-derived secret or signature in the log */
	assert_null(strstr((const char *)f.log.data, key_hex));
	assert_no_secrets_logged(&f, f.srv.last_signature);
	assert_non_null(strstr((const char *)f.log.data, "devclient.session.opened"));
	fx_free(&f);
}

/* ---- errors from the server ---- */

static void test_error_bodies_bounded_and_sanitised(void **state)
{
	struct fx f;
	struct medfw_buf resp;
	struct medfw_diag d;
	int status = 0;

	(void)state;
	fx_init(&f);
	fx_client(&f);
	medfw_buf_init(&resp, 1024 * 1024);
	assert_int_equal(medfw_buf_append_str(&resp, "before"), MEDFW_OK);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_devclient_request(f.c, "POST", "/device/v1/err/control", NULL, 0,
						 4096, &resp, &status, &d),
			 MEDFW_ERR_REFUSED);
	assert_int_equal(status, 403);
	assert_string_equal(d.msg, "POST /device/v1/err/control: HTTP 403: bad ?[31mred?[0m?next "
				   "line? ? done (field tok?en)");
	medfw_diag_clear(&d);
	assert_int_equal(medfw_devclient_request(f.c, "GET", "/device/v1/err/huge", NULL, 0, 4096,
						 &resp, &status, &d),
			 MEDFW_ERR_REFUSED);
	assert_int_equal(status, 500);
	assert_string_equal(d.msg, "GET /device/v1/err/huge: HTTP 500 (an error body over 8192 "
				   "bytes, not read)");
	medfw_diag_clear(&d);
	assert_int_equal(medfw_devclient_request(f.c, "GET", "/device/v1/err/garbage", NULL, 0,
						 4096, &resp, &status, &d),
			 MEDFW_ERR_REFUSED);
	assert_string_equal(d.msg, "GET /device/v1/err/garbage: HTTP 502 (no error message from "
				   "the server)");
	medfw_diag_clear(&d);
	assert_int_equal(medfw_devclient_request(f.c, "GET", "/device/v1/err/longmsg", NULL, 0,
						 4096, &resp, &status, &d),
			 MEDFW_ERR_REFUSED);
	assert_true(strlen(d.msg) < MEDFW_DIAG_MSG_MAX);
	assert_non_null(strstr(d.msg, "HTTP 403: xxxxxxxx"));
	assert_true(printable(d.msg));
	medfw_diag_clear(&d);
	assert_int_equal(medfw_devclient_request(f.c, "GET", "/device/v1/err/notfound", NULL, 0,
						 4096, &resp, &status, &d),
			 MEDFW_ERR_NOT_FOUND);
	assert_string_equal(d.msg, "GET /device/v1/err/notfound: HTTP 404: no such thing");
	/* a 2xx body over the limit: announced, or only sent */
	medfw_diag_clear(&d);
	assert_int_equal(medfw_devclient_request(f.c, "GET", "/device/v1/big", NULL, 0,
						 MEDFW_DEVCLIENT_RESPONSE_MAX, &resp, &status, &d),
			 MEDFW_ERR_TOO_LARGE);
	assert_non_null(strstr(d.msg, "announces 1048576 bytes"));
	medfw_diag_clear(&d);
	assert_int_equal(medfw_devclient_request(f.c, "GET", "/device/v1/bigchunked", NULL, 0,
						 MEDFW_DEVCLIENT_RESPONSE_MAX, &resp, &status, &d),
			 MEDFW_ERR_TOO_LARGE);
	/* the caller's buffer is as it was after every failure */
	assert_int_equal(resp.len, 6);
	assert_string_equal((const char *)resp.data, "before");
	medfw_buf_free(&resp);
	fx_free(&f);
}

static void error_text(int status, const char *body, char *out, size_t cap, bool *session)
{
	medfwi_devclient_error_text(status, (const uint8_t *)body, strlen(body), false, out, cap,
				    session);
}

static void test_parsers(void **state)
{
	uint64_t a, b, t;
	int status;
	char out[64];
	bool session;
	struct medfwi_devclient_headers h;

	(void)state;
	assert_int_equal(medfwi_devclient_content_range("bytes 5-9/10", &a, &b, &t), MEDFW_OK);
	assert_true(a == 5 && b == 9 && t == 10);
	assert_int_equal(medfwi_devclient_content_range("bytes 0-0/1", &a, &b, &t), MEDFW_OK);
	{
		static const char *const bad[] = {"bytes 5-9/9", "bytes 9-5/10", "bytes */10",
						  "bits 5-9/10", "bytes 05-9/10", "bytes 5-9/",
						  "bytes -5/10", "bytes 5/10-9", "bytes 5-9/10 ",
						  "bytes 1-2/99999999999999999999", ""};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			assert_int_equal(medfwi_devclient_content_range(bad[i], &a, &b, &t),
					 MEDFW_ERR_FIELD_VALUE);
			assert_true(a == 0 && b == 0 && t == 0);
		}
	}
	assert_true(medfwi_devclient_status_line("HTTP/1.1 206 Partial Content\r\n", 30, &status));
	assert_int_equal(status, 206);
	assert_true(medfwi_devclient_status_line("HTTP/2 404\r\n", 12, &status));
	assert_int_equal(status, 404);
	assert_false(medfwi_devclient_status_line("HTTP/1.1 20\r\n", 13, &status));
	assert_false(medfwi_devclient_status_line("HTTP/1.1 2000\r\n", 15, &status));
	assert_false(medfwi_devclient_status_line("HTTP/1.1 099\r\n", 14, &status));
	assert_false(medfwi_devclient_status_line("Content-Length: 5\r\n", 19, &status));
	/* headers: interim answers reset, a repeated Content-Length must agree */
	memset(&h, 0, sizeof(h));
	assert_int_equal(medfwi_devclient_header_line(&h, "HTTP/1.1 100 Continue\r\n", 23), 0);
	assert_int_equal(medfwi_devclient_header_line(&h, "\r\n", 2), 0);
	assert_int_equal(medfwi_devclient_header_line(&h, "HTTP/1.1 200 OK\r\n", 17), 0);
	assert_int_equal(medfwi_devclient_header_line(&h, "content-LENGTH:  12 \r\n", 22), 0);
	assert_true(h.has_length && !h.bad_length && h.length == 12);
	assert_int_equal(medfwi_devclient_header_line(&h, "Content-Length: 13\r\n", 20), 0);
	assert_true(h.bad_length);
	assert_int_equal(medfwi_devclient_header_line(&h, "Content-Range: bytes 1-2/3\r\n", 28), 0);
	assert_string_equal(h.range, "bytes 1-2/3");
	assert_int_equal(medfwi_devclient_header_line(&h, "\r\n", 2), 1);
	/* sanitising */
	medfwi_devclient_sanitize((const uint8_t *)"a\x01\xe2\x80\xae\xff\x7f" "b", 8, out,
				  sizeof(out));
	assert_string_equal(out, "a????b");
	medfwi_devclient_sanitize((const uint8_t *)"abcdef", 6, out, 4);
	assert_string_equal(out, "abc");
	/* error text */
	error_text(401, "{\"error\":{\"message\":\"m\",\"field\":\"session\"}}", out,
		   sizeof(out), &session);
	assert_string_equal(out, "HTTP 401: m (field session)");
	assert_true(session);
	error_text(401, "{\"error\":{\"message\":\"m\",\"field\":\"sessions\"}}", out,
		   sizeof(out), &session);
	assert_false(session);
	error_text(400, "[1,2]", out, sizeof(out), &session);
	assert_string_equal(out, "HTTP 400 (no error message from the server)");
	error_text(400, "{\"error\":{\"message\":7}}", out, sizeof(out), &session);
	assert_string_equal(out, "HTTP 400 (no error message from the server)");
}

static void test_session_answer_checked(void **state)
{
	struct medfwi_devclient_session_answer a;
	char keyid[MEDFW_DEVSESSION_KEYID_MAX], body[600];
	const char *hexes = "\"server_public_key\":\"" "0101010101010101010101010101010101010101010101010101010101010101"
			    "\",\"nonce\":\"020202020202020202020202\",\"sealed_key\":\""
			    "030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303\"";
	struct medfw_diag d;

	(void)state;
	assert_int_equal(medfw_devsession_keyid_make(DEVICE_ID, 2000000000, keyid, sizeof(keyid)),
			 MEDFW_OK);
	snprintf(body, sizeof(body), "{\"keyid\":\"%s\",\"alg\":\"hmac-sha256\",\"expires\":2000000000,%s}",
		 keyid, hexes);
	assert_int_equal(medfwi_devclient_parse_session((const uint8_t *)body, strlen(body),
							DEVICE_ID, &a, NULL),
			 MEDFW_OK);
	assert_string_equal(a.keyid, keyid);
	assert_int_equal(a.expires, 2000000000);
	assert_int_equal(a.sealed.sealed[47], 3);
	/* another device's keyid, another expiry, another alg, short hex */
	medfw_diag_clear(&d);
	assert_int_equal(medfwi_devclient_parse_session((const uint8_t *)body, strlen(body), 43, &a,
							&d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(d.msg, "not this device"));
	tu_assert_zeroed(&a, sizeof(a));
	snprintf(body, sizeof(body), "{\"keyid\":\"%s\",\"alg\":\"hmac-sha256\",\"expires\":2000000001,%s}",
		 keyid, hexes);
	assert_int_equal(medfwi_devclient_parse_session((const uint8_t *)body, strlen(body),
							DEVICE_ID, &a, NULL),
			 MEDFW_ERR_FIELD_VALUE);
	snprintf(body, sizeof(body), "{\"keyid\":\"%s\",\"alg\":\"ed25519\",\"expires\":2000000000,%s}",
		 keyid, hexes);
	assert_int_equal(medfwi_devclient_parse_session((const uint8_t *)body, strlen(body),
							DEVICE_ID, &a, NULL),
			 MEDFW_ERR_FIELD_VALUE);
	snprintf(body, sizeof(body), "{\"keyid\":\"%s\",\"alg\":\"hmac-sha256\",\"expires\":2000000000,"
		 "\"server_public_key\":\"01\",\"nonce\":\"02\",\"sealed_key\":\"03\"}", keyid);
	medfw_diag_clear(&d);
	assert_int_equal(medfwi_devclient_parse_session((const uint8_t *)body, strlen(body),
							DEVICE_ID, &a, &d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(d.msg, "server_public_key"));
	assert_int_equal(medfwi_devclient_parse_session((const uint8_t *)"{\"keyid\":1}", 11,
							DEVICE_ID, &a, NULL),
			 MEDFW_ERR_FIELD_TYPE);
	tu_assert_zeroed(&a, sizeof(a));
}

/* ---- enrolment ---- */

static void test_enrol(void **state)
{
	struct fx f;
	struct medfw_devclient_enrolment e;
	struct medfw_diag d;
	const char *pub = "3f5c0000000000000000000000000000000000000000000000000000000000e1";
	char want[512];
	unsigned before;

	(void)state;
	fx_init(&f);
	assert_int_equal(medfw_devclient_new(f.ctx, &f.cfg, &f.c, &d), MEDFW_OK);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_devclient_enrol(f.c, GOOD_TOKEN, pub, "0.1.0", "mx-rev-b", &e, &d),
			 MEDFW_OK);
	assert_int_equal(e.device_id, 42);
	assert_int_equal(e.site_id, 3);
	assert_int_equal(e.next_checkin_seconds, 300);
	snprintf(want, sizeof(want),
		 "{\"token\":\"%s\",\"public_key\":\"%s\",\"agent_version\":\"0.1.0\","
		 "\"hardware_id\":\"mx-rev-b\"}",
		 GOOD_TOKEN, pub);
	assert_string_equal(f.srv.enrol_body, want);
	/* without hardware id; a refused token: the server's words, never the token */
	medfw_diag_clear(&d);
	assert_int_equal(medfw_devclient_enrol(f.c, "mfe_usedtoken", pub, "0.1.0", NULL, &e, &d),
			 MEDFW_ERR_REFUSED);
	assert_non_null(strstr(f.srv.enrol_body, "\"agent_version\":\"0.1.0\"}"));
	assert_string_equal(d.msg, "POST /device/v1/enrol: HTTP 403: the token is unknown, used or "
				   "expired (field token)");
	tu_assert_zeroed(&e, sizeof(e));
	/* bad input: refused before anything is sent, without echoing the token */
	before = f.srv.requests;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_devclient_enrol(f.c, "mfe_\"quoted", pub, "0.1.0", NULL, &e, &d),
			 MEDFW_ERR_INVALID_ARG);
	assert_null(strstr(d.msg, "quoted"));
	assert_int_equal(medfw_devclient_enrol(f.c, "", pub, "0.1.0", NULL, &e, &d),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_devclient_enrol(f.c, GOOD_TOKEN, "3f5c", "0.1.0", NULL, &e, &d),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_devclient_enrol(f.c, GOOD_TOKEN, pub, "0.1 0", NULL, &e, &d),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_devclient_enrol(f.c, GOOD_TOKEN, pub, "0.1.0", "a\\b", &e, &d),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(f.srv.requests, before);
	assert_null(strstr((const char *)f.log.data, GOOD_TOKEN));
	assert_null(strstr((const char *)f.log.data, "mfe_usedtoken"));
	assert_non_null(strstr((const char *)f.log.data, "devclient.enrolled"));
	fx_free(&f);
}

/* ---- fetchers, proxies, configuration ---- */

static enum medfw_err to_buf(void *user, const void *data, size_t len, struct medfw_diag *diag)
{
	(void)diag;
	return medfw_buf_append(user, data, len);
}

static void test_unsigned_fetcher_and_proxies(void **state)
{
	struct fx f;
	const struct medfw_fetcher *fe;
	struct medfw_buf out;
	struct medfw_diag d;
	char url[160];
	int status = 0;
	static const char *const proxies[] = {"http_proxy", "HTTP_PROXY", "https_proxy",
					      "HTTPS_PROXY", "all_proxy", "ALL_PROXY"};

	(void)state;
	fx_init(&f);
	fx_client(&f);
	/* environment proxies are not used (a proxy that does not exist) */
	for (size_t i = 0; i < 6; i++)
		setenv(proxies[i], "http://127.0.0.1:9", 1);
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
	fe = medfw_devclient_fetcher(f.c);
	snprintf(url, sizeof(url), "%s/repo/metadata/1.root.json", f.url);
	medfw_diag_clear(&d);
	assert_int_equal(fe->fetch(fe->user, url, 4096, &out, &status, &d), MEDFW_OK);
	assert_int_equal(status, 200);
	assert_string_equal((const char *)out.data, ROOT_DOC);
	medfw_buf_free(&out);
	/* bounded */
	assert_int_equal(fe->fetch(fe->user, url, 10, &out, &status, &d), MEDFW_ERR_TOO_LARGE);
	assert_int_equal(out.len, 0);
	/* a 404 */
	snprintf(url, sizeof(url), "%s/repo/metadata/2.root.json", f.url);
	assert_int_equal(fe->fetch(fe->user, url, 4096, &out, &status, &d), MEDFW_ERR_FETCH);
	assert_int_equal(status, 404);
	assert_int_equal(out.len, 0);
	/* streaming */
	snprintf(url, sizeof(url), "%s/file", f.url);
	medfw_buf_init(&out, 300000);
	assert_int_equal(fe->fetch_stream(fe->user, url, f.srv.file_len, to_buf, &out, &status, &d),
			 MEDFW_OK);
	assert_int_equal(out.len, f.srv.file_len);
	medfw_buf_reset(&out);
	assert_int_equal(fe->fetch_stream(fe->user, url, f.srv.file_len - 1, to_buf, &out, &status,
					  &d),
			 MEDFW_ERR_TOO_LARGE);
	medfw_buf_free(&out);
	/* not http(s), or http without allow_http */
	assert_int_equal(fe->fetch(fe->user, "file:///etc/passwd", 4096, &out, &status, &d),
			 MEDFW_ERR_INVALID_ARG);
	for (size_t i = 0; i < 6; i++)
		unsetenv(proxies[i]);
	fx_free(&f);
}

static void test_config_refusals(void **state)
{
	struct fx f;
	struct medfw_devclient *c = (struct medfw_devclient *)&f; /* must be reset to NULL */
	struct medfw_devclient_config cfg;
	struct medfw_diag d;
	char dir_ca[512], *dir;
	struct received r;
	const struct medfw_fetcher *fe;
	struct medfw_buf out;
	char url[160];
	int status = 0;
	unsigned before;

	(void)state;
	fx_init(&f);
	dir = tu_tmpdir_new();
	tu_path(dir_ca, sizeof(dir_ca), dir, "ca.pem");
	tu_write_file(dir_ca, "-----BEGIN CERTIFICATE-----\n", 28);
	medfw_devclient_free(NULL);

	cfg = f.cfg;
	cfg.allow_http = false;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_devclient_new(f.ctx, &cfg, &c, &d), MEDFW_ERR_INVALID_ARG);
	assert_null(c);
	assert_non_null(strstr(d.msg, "allow_http"));
	cfg.server_url = "https://127.0.0.1:1";
	medfw_diag_clear(&d);
	assert_int_equal(medfw_devclient_new(f.ctx, &cfg, &c, &d), MEDFW_ERR_INVALID_ARG);
	assert_non_null(strstr(d.msg, "ca_file"));
	cfg.ca_file = "/nonexistent/ca.pem";
	assert_int_equal(medfw_devclient_new(f.ctx, &cfg, &c, &d), MEDFW_ERR_IO);
	cfg.ca_file = dir_ca;
	{
		static const char *const bad[] = {"https://127.0.0.1:1/", "https://u@127.0.0.1",
						  "ftp://127.0.0.1", "https://", "https://a b",
						  "127.0.0.1:80"};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			cfg.server_url = bad[i];
			assert_int_equal(medfw_devclient_new(f.ctx, &cfg, &c, &d),
					 MEDFW_ERR_INVALID_ARG);
		}
	}
	cfg.server_url = "https://127.0.0.1:1";
	cfg.connect_timeout = 0;
	assert_int_equal(medfw_devclient_new(f.ctx, &cfg, &c, &d), MEDFW_ERR_INVALID_ARG);
	cfg.connect_timeout = 5;
	cfg.request_timeout = 0;
	assert_int_equal(medfw_devclient_new(f.ctx, &cfg, &c, &d), MEDFW_ERR_INVALID_ARG);
	cfg.request_timeout = 5;
	cfg.low_speed_time = 0;
	assert_int_equal(medfw_devclient_new(f.ctx, &cfg, &c, &d), MEDFW_ERR_INVALID_ARG);
	cfg.low_speed_time = 5;
	cfg.pinned_public_key = "md5//abc";
	assert_int_equal(medfw_devclient_new(f.ctx, &cfg, &c, &d), MEDFW_ERR_INVALID_ARG);
	cfg.pinned_public_key = NULL;
	assert_int_equal(medfw_devclient_new(NULL, &cfg, &c, &d), MEDFW_ERR_INVALID_ARG);
	assert_null(c);

	/* an https-only client refuses http:// URLs before sending anything */
	assert_int_equal(medfw_devclient_new(f.ctx, &cfg, &c, &d), MEDFW_OK);
	f.c = c;
	before = f.srv.requests;
	received_init(&r, f.srv.file_len, 0);
	snprintf(url, sizeof(url), "%s/file", f.url);
	{
		struct medfw_devclient_download dl = {url, 0, f.srv.file_len, 1, take, &r, NULL, NULL};

		medfw_diag_clear(&d);
		assert_int_equal(medfw_devclient_download(c, &dl, &d), MEDFW_ERR_INVALID_ARG);
		assert_non_null(strstr(d.msg, "allow_http"));
	}
	fe = medfw_devclient_fetcher(c);
	assert_int_equal(fe->fetch(fe->user, url, 4096, &out, &status, &d), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(f.srv.requests, before);
	assert_int_equal(r.len, 0);
	free(r.data);
	tu_tmpdir_free(dir);
	fx_free(&f);
}

/* ---- TLS ---- */

static int run_quiet(const char *const args[])
{
	char *argv[32];
	pid_t pid;
	int status = 0, null;
	size_t n = 0;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (; args[n] != NULL && n < 31; n++)
			argv[n] = strdup(args[n]);
		argv[n] = NULL;
		null = open("/dev/null", O_WRONLY);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct pki {
	char *dir;
	char ca[512], ca_key[512], other_ca[512], other_ca_key[512];
	char cert[512], key[512], csr[512], ext[512], pub_der[512];
	struct medfw_buf cert_pem, key_pem;
	char pin[128];
};

static bool make_ca(const char *cert, const char *key, const char *cn)
{
	char subj[128];
	const char *argv[] = {"openssl", "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt",
			"ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out",
			      cert, "-days", "2", "-subj", subj, NULL};

	snprintf(subj, sizeof(subj), "/CN=%s", cn);
	return run_quiet(argv) == 0;
}

/* CA, a server certificate for IP 127.0.0.1 it signed, another CA, the pin of the
 * server's key. false when the openssl command is not there. */
static bool pki_make(struct pki *p)
{
	struct medfw_buf der;
	uint8_t digest[32];
	size_t n = 0;
	char b64[64];

	memset(p, 0, sizeof(*p));
	p->dir = tu_tmpdir_new();
	tu_path(p->ca, sizeof(p->ca), p->dir, "ca.pem");
	tu_path(p->ca_key, sizeof(p->ca_key), p->dir, "ca.key");
	tu_path(p->other_ca, sizeof(p->other_ca), p->dir, "other-ca.pem");
	tu_path(p->other_ca_key, sizeof(p->other_ca_key), p->dir, "other-ca.key");
	tu_path(p->cert, sizeof(p->cert), p->dir, "server.pem");
	tu_path(p->key, sizeof(p->key), p->dir, "server.key");
	tu_path(p->csr, sizeof(p->csr), p->dir, "server.csr");
	tu_path(p->ext, sizeof(p->ext), p->dir, "server.ext");
	tu_path(p->pub_der, sizeof(p->pub_der), p->dir, "server.pub.der");
	if (!make_ca(p->ca, p->ca_key, "medfw test CA"))
		return false;
	assert_true(make_ca(p->other_ca, p->other_ca_key, "another CA"));
	tu_write_file(p->ext, "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
			      "extendedKeyUsage=serverAuth\n", 83);
	{
		const char *req[] = {"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
			       "ec_paramgen_curve:P-256", "-nodes", "-keyout", p->key, "-out",
			       p->csr, "-subj", "/CN=medfw-test-server", NULL};
		const char *sign[] = {"openssl", "x509", "-req", "-in", p->csr, "-CA", p->ca, "-CAkey",
				p->ca_key, "-CAcreateserial", "-days", "2", "-extfile", p->ext,
				"-out", p->cert, NULL};
		const char *pub[] = {"openssl", "pkey", "-in", p->key, "-pubout", "-outform", "DER",
			       "-out", p->pub_der, NULL};

		assert_int_equal(run_quiet(req), 0);
		assert_int_equal(run_quiet(sign), 0);
		assert_int_equal(run_quiet(pub), 0);
	}
	tu_read_file(p->cert, &p->cert_pem);
	tu_read_file(p->key, &p->key_pem);
	tu_read_file(p->pub_der, &der);
	assert_int_equal(medfw_hash_oneshot(MEDFW_HASH_SHA256, der.data, der.len, digest,
					    sizeof(digest), &n),
			 MEDFW_OK);
	assert_int_equal(medfw_base64_nopad_encode(digest, 32, b64, sizeof(b64)), MEDFW_OK);
	snprintf(p->pin, sizeof(p->pin), "sha256//%s=", b64);
	medfw_buf_free(&der);
	return true;
}

static void pki_free(struct pki *p)
{
	medfw_buf_free(&p->cert_pem);
	medfw_buf_free(&p->key_pem);
	tu_tmpdir_free(p->dir);
}

static void test_tls_pinned_ca(void **state)
{
	struct pki p;
	struct fx f;
	struct received r;
	struct medfw_diag d;
	int status = 0;
	char localhost[128];

	(void)state;
	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		skip();
	}
	if (!pki_make(&p)) {
		pki_free(&p);
		skip();
	}
	fx_init_tls(&f, (const char *)p.cert_pem.data, (const char *)p.key_pem.data);
	/* the server's CA: downloads and signed requests work */
	f.cfg.ca_file = p.ca;
	fx_client(&f);
	received_init(&r, f.srv.file_len, 0);
	assert_int_equal(fx_download(&f, &r, 0, f.srv.file_len, 1, &d), MEDFW_OK);
	assert_int_equal(r.len, f.srv.file_len);
	assert_file_prefix(&r);
	free(r.data);
	assert_int_equal(checkin(&f, &status, &d), MEDFW_OK);
	assert_int_equal(f.srv.api_ok, 1);
	/* with its key pinned too */
	f.cfg.pinned_public_key = p.pin;
	fx_client(&f);
	assert_int_equal(checkin(&f, &status, &d), MEDFW_OK);
	/* another pinned key: refused */
	f.cfg.pinned_public_key = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
	fx_client(&f);
	assert_int_equal(checkin(&f, &status, &d), MEDFW_ERR_FETCH);
	assert_int_equal(status, 0);
	f.cfg.pinned_public_key = NULL;
	/* another CA: refused, for requests and downloads */
	f.cfg.ca_file = p.other_ca;
	fx_client(&f);
	assert_int_equal(checkin(&f, &status, &d), MEDFW_ERR_FETCH);
	assert_int_equal(status, 0);
	received_init(&r, f.srv.file_len, 0);
	assert_int_equal(fx_download(&f, &r, 0, f.srv.file_len, 3, &d), MEDFW_ERR_FETCH);
	assert_int_equal(r.len, 0);
	free(r.data);
	/* the right CA, but a name the certificate is not for */
	snprintf(localhost, sizeof(localhost), "https://localhost:%u", (unsigned)f.srv.port);
	f.cfg.ca_file = p.ca;
	f.cfg.server_url = localhost;
	fx_client(&f);
	assert_int_equal(checkin(&f, &status, &d), MEDFW_ERR_FETCH);
	assert_int_equal(f.srv.api_ok, 2);
	fx_free(&f);
	pki_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parsers),
		cmocka_unit_test(test_session_answer_checked),
		cmocka_unit_test(test_config_refusals),
		cmocka_unit_test(test_download_whole_and_resumed),
		cmocka_unit_test(test_download_resumes_after_dropped_connections),
		cmocka_unit_test(test_download_range_ignored),
		cmocka_unit_test(test_download_more_than_total),
		cmocka_unit_test(test_download_refusals),
		cmocka_unit_test(test_download_stall_times_out_and_resumes),
		cmocka_unit_test(test_download_bandwidth_limit),
		cmocka_unit_test(test_signed_with_device_key),
		cmocka_unit_test(test_signed_with_sessions),
		cmocka_unit_test(test_error_bodies_bounded_and_sanitised),
		cmocka_unit_test(test_enrol),
		cmocka_unit_test(test_unsigned_fetcher_and_proxies),
		cmocka_unit_test(test_tls_pinned_ca),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
