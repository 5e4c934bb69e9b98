/* The device side of the medfwd protocol (include/medfw/device_client.h): the
 * configuration, libcurl's options, signed API calls with sessions, enrolment, the
 * two fetchers, and the parsers of what the server answers. Resumable downloads are in
 * device_client_dl.c.
 *
 * Everything the server sends is untrusted: a body is bounded before it is read (by
 * Content-Length in the header callback) and while it is read; an error body is read
 * up to MEDFWI_DEVCLIENT_ERROR_BODY_MAX bytes, parsed by the bounded JSON parser and
 * sanitised before it reaches a diag. Secrets (the device key, session keys, the
 * enrolment token, X25519 private keys) live in buffers wiped after use and never go
 * into a diag or a log record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "device_client_internal.h"
#include "medfw/buf.h"
#include "medfw/crypto.h"
#include "medfw/encode.h"
#include "medfw/httpsig.h"
#include "medfw/json.h"
#include "medfw/num.h"
#include "medfw/utf8.h"

#define USER_AGENT "medfw-device/" MEDFW_VERSION_STRING
#define TOKEN_MAX 256u          /* an enrolment token ("mfe_...") */
#define ENROL_STRING_MAX 128u   /* agent_version, hardware_id (the server's limit) */
#define METHOD_MAX 16u
#define NONCE_BYTES 16u
#define TIMEOUT_MAX (24u * 3600u)
#define ENROL_BODY_MAX 1024u
#define SESSION_PATH "/device/v1/session"
#define ENROL_PATH "/device/v1/enrol"

/* ---- configuration ---- */

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static bool is_alnum(char ch)
{
	return is_digit(ch) || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* 1..max characters of printable ASCII without space, '"' and '\\': safe to put
 * between JSON quotes as they are. */
static bool json_safe_word(const char *s, size_t max)
{
	size_t len;

	if (s == NULL)
		return false;
	len = strnlen(s, max + 1);
	if (len == 0 || len > max)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '"' || s[i] == '\\')
			return false;
	return true;
}

static enum medfw_err check_server_url(const struct medfw_devclient_config *cfg,
				       struct medfw_diag *diag)
{
	const char *url = cfg->server_url, *host;
	size_t len;

	if (url == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "server_url is missing");
	len = strnlen(url, MEDFWI_DEVCLIENT_SERVER_URL_MAX + 1);
	if (len > MEDFWI_DEVCLIENT_SERVER_URL_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "server_url is longer than %u bytes",
				      MEDFWI_DEVCLIENT_SERVER_URL_MAX);
	if (strncmp(url, "https://", 8) == 0) {
		host = url + 8;
	} else if (strncmp(url, "http://", 7) == 0) {
		if (!cfg->allow_http)
			return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
					      "server_url: http:// is refused unless allow_http "
					      "is set (use https://)");
		host = url + 7;
	} else {
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "server_url must start with https:// (or http://)");
	}
	if (*host == 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "server_url has no host");
	for (const char *p = host; *p != 0; p++)
		if (!is_alnum(*p) && strchr(".-_:[]", *p) == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
					      "server_url must be scheme://host[:port], without "
					      "path, user, query or other characters");
	return MEDFW_OK;
}

static enum medfw_err check_config(const struct medfw_devclient_config *cfg,
				   struct medfw_diag *diag)
{
	enum medfw_err err = check_server_url(cfg, diag);
	bool https = cfg->server_url != NULL && strncmp(cfg->server_url, "https://", 8) == 0;

	if (err != MEDFW_OK)
		return err;
	if (cfg->ca_file != NULL && cfg->ca_file[0] == 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "ca_file is empty");
	if (https && cfg->ca_file == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "ca_file is required for an https:// server_url (the "
				      "server's CA is pinned, the system store is not used)");
	if (cfg->ca_file != NULL && access(cfg->ca_file, R_OK) != 0)
		return medfw_diag_set(diag, MEDFW_ERR_IO, "ca_file %.300s cannot be read",
				      cfg->ca_file);
	if (cfg->pinned_public_key != NULL &&
	    (!json_safe_word(cfg->pinned_public_key, MEDFWI_DEVCLIENT_PIN_MAX) ||
	     strncmp(cfg->pinned_public_key, "sha256//", 8) != 0))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "pinned_public_key must be \"sha256//BASE64[;sha256//...]\"");
	if (cfg->connect_timeout < 1 || cfg->connect_timeout > TIMEOUT_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "connect_timeout must be 1..%u seconds", TIMEOUT_MAX);
	if (cfg->request_timeout < 1 || cfg->request_timeout > TIMEOUT_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "request_timeout must be 1..%u seconds", TIMEOUT_MAX);
	if (cfg->low_speed_time < 1 || cfg->low_speed_time > TIMEOUT_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "low_speed_time must be 1..%u seconds", TIMEOUT_MAX);
	if (cfg->max_recv_speed > (uint64_t)INT64_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "max_recv_speed is too large");
	return MEDFW_OK;
}

static void drop_session(struct medfw_devclient *c)
{
	medfw_wipe(&c->session, sizeof(c->session));
}

static enum medfw_err unsigned_fetch(void *user, const char *url, size_t max_len,
				     struct medfw_buf *out, int *out_http_status,
				     struct medfw_diag *diag);
static enum medfw_err unsigned_fetch_stream(void *user, const char *url, uint64_t max_len,
					    medfw_fetch_write_fn write, void *write_user,
					    int *out_http_status, struct medfw_diag *diag);
static enum medfw_err signed_fetch(void *user, const char *url, size_t max_len,
				   struct medfw_buf *out, int *out_http_status,
				   struct medfw_diag *diag);
static enum medfw_err signed_fetch_stream(void *user, const char *url, uint64_t max_len,
					  medfw_fetch_write_fn write, void *write_user,
					  int *out_http_status, struct medfw_diag *diag);

static char *dup_or_null(const char *s, bool *failed)
{
	char *copy;

	if (s == NULL)
		return NULL;
	copy = strdup(s);
	if (copy == NULL)
		*failed = true;
	return copy;
}

enum medfw_err medfw_devclient_new(struct medfw_ctx *ctx, const struct medfw_devclient_config *cfg,
				   struct medfw_devclient **out, struct medfw_diag *diag)
{
	struct medfw_devclient *c = NULL;
	bool nomem = false;
	enum medfw_err err;

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no output for the client");
	*out = NULL;
	if (ctx == NULL || cfg == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no context or configuration");
	err = check_config(cfg, diag);
	if (err != MEDFW_OK)
		return err;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	c->ctx = ctx;
	c->server_url = dup_or_null(cfg->server_url, &nomem);
	c->ca_file = dup_or_null(cfg->ca_file, &nomem);
	c->pinned_public_key = dup_or_null(cfg->pinned_public_key, &nomem);
	c->allow_http = cfg->allow_http;
	c->connect_timeout = cfg->connect_timeout;
	c->request_timeout = cfg->request_timeout;
	c->low_speed_time = cfg->low_speed_time;
	c->max_recv_speed = cfg->max_recv_speed;
	c->use_sessions = cfg->use_sessions;
	c->fetcher.user = c;
	c->fetcher.fetch = unsigned_fetch;
	c->fetcher.fetch_stream = unsigned_fetch_stream;
	c->signed_fetcher.user = c;
	c->signed_fetcher.fetch = signed_fetch;
	c->signed_fetcher.fetch_stream = signed_fetch_stream;
	if (nomem)
		err = medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	else
		err = medfwi_curl_open(&c->api, diag);
	if (err != MEDFW_OK) {
		medfw_devclient_free(c);
		return err;
	}
	*out = c;
	return MEDFW_OK;
}

void medfw_devclient_free(struct medfw_devclient *c)
{
	if (c == NULL)
		return;
	drop_session(c);
	medfwi_curl_close(&c->api);
	free(c->server_url);
	free(c->ca_file);
	free(c->pinned_public_key);
	medfw_wipe(c, sizeof(*c));
	free(c);
}

void medfw_devclient_set_identity(struct medfw_devclient *c, int64_t device_id,
				  const struct medfw_privkey *device_key)
{
	if (c == NULL)
		return;
	drop_session(c);
	c->device_id = device_id;
	c->device_key = device_key;
}

const struct medfw_fetcher *medfw_devclient_fetcher(struct medfw_devclient *c)
{
	return c != NULL ? &c->fetcher : NULL;
}

const struct medfw_fetcher *medfw_devclient_signed_fetcher(struct medfw_devclient *c)
{
	return c != NULL ? &c->signed_fetcher : NULL;
}

/* ---- libcurl ---- */

#define SET(c, opt, val) ((c)->api.easy_setopt((c)->api.easy, (opt), (val)) == CURLE_OK)

enum medfw_err medfwi_devclient_setup(struct medfw_devclient *c, const char *url,
				      enum medfwi_devclient_kind kind, char *errbuf,
				      struct medfw_diag *diag)
{
	/* https only with the pinned CA; without a CA file https is not possible at all
	 * (libcurl would fall back to its default bundle) */
	const char *protocols = c->ca_file == NULL ? "http" : c->allow_http ? "http,https" : "https";
	bool ok;

	errbuf[0] = 0;
	c->api.easy_reset(c->api.easy);
	ok = SET(c, CURLOPT_URL, url) && SET(c, CURLOPT_PROTOCOLS_STR, protocols) &&
	     SET(c, CURLOPT_FOLLOWLOCATION, 0L) && SET(c, CURLOPT_MAXREDIRS, 0L) &&
	     /* no proxy from http_proxy / https_proxy / all_proxy */
	     SET(c, CURLOPT_PROXY, "") && SET(c, CURLOPT_NOPROXY, "*") &&
	     SET(c, CURLOPT_NOSIGNAL, 1L) && SET(c, CURLOPT_TCP_KEEPALIVE, 1L) &&
	     SET(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1) &&
	     SET(c, CURLOPT_CONNECTTIMEOUT, (long)c->connect_timeout) &&
	     /* slow-retrieval attack: below 1 byte/s for low_speed_time, the transfer ends */
	     SET(c, CURLOPT_LOW_SPEED_LIMIT, 1L) &&
	     SET(c, CURLOPT_LOW_SPEED_TIME, (long)c->low_speed_time) &&
	     SET(c, CURLOPT_TIMEOUT, kind == MEDFWI_DEVCLIENT_API ? (long)c->request_timeout : 0L) &&
	     SET(c, CURLOPT_MAX_RECV_SPEED_LARGE,
		 (curl_off_t)(kind == MEDFWI_DEVCLIENT_DOWNLOAD ? c->max_recv_speed : 0)) &&
	     /* the configured CA file is the only trust anchor */
	     SET(c, CURLOPT_CAINFO, c->ca_file) && SET(c, CURLOPT_CAPATH, (char *)NULL) &&
	     SET(c, CURLOPT_SSL_OPTIONS, 0L) && SET(c, CURLOPT_SSL_VERIFYPEER, 1L) &&
	     SET(c, CURLOPT_SSL_VERIFYHOST, 2L) &&
	     SET(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) &&
	     (c->pinned_public_key == NULL ||
	      SET(c, CURLOPT_PINNEDPUBLICKEY, c->pinned_public_key)) &&
	     SET(c, CURLOPT_USERAGENT, USER_AGENT) && SET(c, CURLOPT_ERRORBUFFER, errbuf);
	if (!ok)
		return medfw_diag_set(diag, MEDFW_ERR_FETCH,
				      "cannot set up the transfer (this libcurl refused an option)");
	return MEDFW_OK;
}

enum medfw_err medfwi_devclient_check_url(const struct medfw_devclient *c, const char *url,
					  struct medfw_diag *diag)
{
	size_t len;

	if (url == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no URL");
	len = strnlen(url, MEDFW_FETCH_URL_MAX + 1);
	if (len > MEDFW_FETCH_URL_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "URL longer than %d bytes",
				      MEDFW_FETCH_URL_MAX);
	for (size_t i = 0; i < len; i++)
		if (url[i] <= 0x20 || url[i] >= 0x7f)
			return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
					      "URL with a space, control or non-ASCII character");
	if (strncmp(url, "https://", 8) == 0) {
		if (c->ca_file == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
					      "%.300s: https needs a ca_file in the configuration",
					      url);
	} else if (strncmp(url, "http://", 7) == 0) {
		if (!c->allow_http)
			return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
					      "%.300s: http:// is refused unless allow_http is set",
					      url);
	} else {
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%.300s: not an http(s) URL",
				      url);
	}
	return MEDFW_OK;
}

const char *medfwi_devclient_curl_reason(const struct medfw_devclient *c, int rc,
					 const char *errbuf)
{
	if (errbuf != NULL && errbuf[0] != 0)
		return errbuf;
	return c->api.easy_strerror((CURLcode)rc);
}

/* ---- parsers of the server's answers ---- */

int medfwi_devclient_status_line(const char *line, size_t len, int *status)
{
	size_t i = 5;
	int code = 0;

	*status = 0;
	if (len < 5 || memcmp(line, "HTTP/", 5) != 0)
		return 0;
	while (i < len && (is_digit(line[i]) || line[i] == '.'))
		i++;
	if (i == 5 || i >= len || line[i] != ' ')
		return 0;
	i++;
	if (len - i < 3)
		return 0;
	for (size_t k = 0; k < 3; k++) {
		if (!is_digit(line[i + k]))
			return 0;
		code = code * 10 + (line[i + k] - '0');
	}
	i += 3;
	if (i < len && line[i] != ' ' && line[i] != '\r' && line[i] != '\n')
		return 0;
	if (code < 100 || code > 599)
		return 0;
	*status = code;
	return 1;
}

/* The value of header `name` (lowercase) in `line`, trimmed. */
static bool header_value(const char *line, size_t len, const char *name, const char **value,
			 size_t *value_len)
{
	size_t n = strlen(name), start, end;

	if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return false;
	start = n + 1;
	end = len;
	while (start < end && (line[start] == ' ' || line[start] == '\t'))
		start++;
	while (end > start && strchr(" \t\r\n", line[end - 1]) != NULL)
		end--;
	*value = line + start;
	*value_len = end - start;
	return true;
}

int medfwi_devclient_header_line(struct medfwi_devclient_headers *h, const char *line,
				 size_t len)
{
	const char *v;
	size_t vlen;
	int status;

	if (medfwi_devclient_status_line(line, len, &status)) {
		memset(h, 0, sizeof(*h));
		h->status = status;
		return 0;
	}
	if (len == 0 || (len == 1 && line[0] == '\n') ||
	    (len == 2 && line[0] == '\r' && line[1] == '\n'))
		return h->status >= 200;
	if (header_value(line, len, "content-length", &v, &vlen)) {
		char num[24];
		uint64_t n = 0;

		if (vlen == 0 || vlen >= sizeof(num)) {
			h->bad_length = true;
			return 0;
		}
		memcpy(num, v, vlen);
		num[vlen] = 0;
		if (medfw_parse_u64(num, 0, UINT64_MAX, &n) != MEDFW_OK ||
		    (h->has_length && n != h->length))
			h->bad_length = true;
		h->has_length = true;
		h->length = n;
		return 0;
	}
	if (header_value(line, len, "content-range", &v, &vlen)) {
		h->has_range = true;
		h->bad_range = vlen > MEDFWI_DEVCLIENT_RANGE_MAX;
		if (!h->bad_range) {
			memcpy(h->range, v, vlen);
			h->range[vlen] = 0;
		}
	}
	return 0;
}

enum medfw_err medfwi_devclient_content_range(const char *value, uint64_t *first,
					      uint64_t *last, uint64_t *total)
{
	char buf[MEDFWI_DEVCLIENT_RANGE_MAX + 1];
	char *dash, *slash;
	size_t len;

	*first = *last = *total = 0;
	if (value == NULL)
		return MEDFW_ERR_FIELD_VALUE;
	len = strnlen(value, MEDFWI_DEVCLIENT_RANGE_MAX + 1);
	if (len > MEDFWI_DEVCLIENT_RANGE_MAX || len < 6 || memcmp(value, "bytes ", 6) != 0)
		return MEDFW_ERR_FIELD_VALUE;
	memcpy(buf, value + 6, len - 6);
	buf[len - 6] = 0;
	dash = strchr(buf, '-');
	slash = strchr(buf, '/');
	if (dash == NULL || slash == NULL || slash < dash)
		return MEDFW_ERR_FIELD_VALUE;
	*dash = 0;
	*slash = 0;
	if (medfw_parse_u64(buf, 0, UINT64_MAX, first) != MEDFW_OK ||
	    medfw_parse_u64(dash + 1, 0, UINT64_MAX, last) != MEDFW_OK ||
	    medfw_parse_u64(slash + 1, 0, UINT64_MAX, total) != MEDFW_OK || *first > *last ||
	    *last >= *total) {
		*first = *last = *total = 0;
		return MEDFW_ERR_FIELD_VALUE;
	}
	return MEDFW_OK;
}

void medfwi_devclient_sanitize(const uint8_t *in, size_t len, char *out, size_t cap)
{
	size_t i = 0, o = 0;

	if (cap == 0)
		return;
	while (i < len && o + 1 < cap) {
		uint32_t cp = 0;
		size_t n = medfw_utf8_decode(in + i, len - i, &cp);

		if (n == 0) {
			n = 1;
			cp = 0xfffd;
		}
		out[o++] = cp >= 0x20 && cp < 0x7f ? (char)cp : '?';
		i += n;
	}
	out[o] = 0;
}

void medfwi_devclient_error_text(int status, const uint8_t *body, size_t len, bool body_cut,
				 char *out, size_t cap, bool *session_field)
{
	char message[MEDFW_DEVCLIENT_ERROR_MAX + 1], field[MEDFWI_DEVCLIENT_FIELD_MAX + 1];
	json_t *doc = NULL, *error = NULL, *m = NULL, *f = NULL;

	*session_field = false;
	if (cap == 0)
		return;
	if (body_cut) {
		snprintf(out, cap, "HTTP %d (an error body over %u bytes, not read)", status,
			 MEDFWI_DEVCLIENT_ERROR_BODY_MAX);
		return;
	}
	if (len > 0 && medfw_json_parse(body, len, MEDFWI_DEVCLIENT_ERROR_BODY_MAX, 4, &doc, NULL) ==
			       MEDFW_OK)
		error = json_object_get(doc, "error"); /* NULL unless doc is an object */
	if (json_is_object(error)) {
		m = json_object_get(error, "message");
		f = json_object_get(error, "field");
	}
	if (json_is_string(f)) {
		*session_field = json_string_length(f) == 7 &&
				 memcmp(json_string_value(f), "session", 7) == 0;
		medfwi_devclient_sanitize((const uint8_t *)json_string_value(f), json_string_length(f),
					  field, sizeof(field));
	}
	if (!json_is_string(m))
		snprintf(out, cap, "HTTP %d (no error message from the server)", status);
	else {
		medfwi_devclient_sanitize((const uint8_t *)json_string_value(m), json_string_length(m),
					  message, sizeof(message));
		if (json_is_string(f))
			snprintf(out, cap, "HTTP %d: %s (field %s)", status, message, field);
		else
			snprintf(out, cap, "HTTP %d: %s", status, message);
	}
	json_decref(doc);
}

static enum medfw_err hex_field(const json_t *obj, const char *key, uint8_t *out, size_t len,
				struct medfw_diag *diag)
{
	const char *hex;
	size_t n = 0;
	enum medfw_err err = medfw_json_get_string(obj, "session", key, &hex, diag);

	if (err != MEDFW_OK)
		return err;
	if (strlen(hex) != 2 * len || medfw_hex_decode(hex, out, len, &n) != MEDFW_OK || n != len)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "session.%s must be %zu hex digits",
				      key, 2 * len);
	return MEDFW_OK;
}

enum medfw_err medfwi_devclient_parse_session(const uint8_t *body, size_t len, int64_t device_id,
					      struct medfwi_devclient_session_answer *out,
					      struct medfw_diag *diag)
{
	json_t *doc = NULL;
	const char *keyid = NULL, *alg = NULL;
	int64_t expires = 0, kid_device = 0, kid_expires = 0;
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	err = medfw_json_parse(body, len, MEDFWI_DEVCLIENT_SESSION_RESPONSE_MAX, 4, &doc, diag);
	if (err != MEDFW_OK)
		goto out;
	if (!json_is_object(doc)) {
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "the session answer is not an object");
		goto out;
	}
	err = medfw_json_get_string(doc, "session", "keyid", &keyid, diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_string(doc, "session", "alg", &alg, diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_int(doc, "session", "expires", 1, INT64_MAX, &expires, diag);
	if (err != MEDFW_OK)
		goto out;
	if (strlen(keyid) >= sizeof(out->keyid) ||
	    medfw_devsession_keyid_parse(keyid, &kid_device, &kid_expires) != MEDFW_OK) {
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				     "session.keyid is not a session keyid");
		goto out;
	}
	if (kid_device != device_id) {
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				     "session.keyid names device %lld, not this device (%lld)",
				     (long long)kid_device, (long long)device_id);
		goto out;
	}
	if (kid_expires != expires) {
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				     "session.expires differs from the expiry in session.keyid");
		goto out;
	}
	if (strcmp(alg, MEDFW_HTTPSIG_ALG_HMAC) != 0) {
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "session.alg is not \"%s\"",
				     MEDFW_HTTPSIG_ALG_HMAC);
		goto out;
	}
	err = hex_field(doc, "server_public_key", out->sealed.server_public,
			sizeof(out->sealed.server_public), diag);
	if (err == MEDFW_OK)
		err = hex_field(doc, "nonce", out->sealed.nonce, sizeof(out->sealed.nonce), diag);
	if (err == MEDFW_OK)
		err = hex_field(doc, "sealed_key", out->sealed.sealed, sizeof(out->sealed.sealed),
				diag);
	if (err != MEDFW_OK)
		goto out;
	memcpy(out->keyid, keyid, strlen(keyid) + 1);
	out->expires = expires;
out:
	json_decref(doc);
	if (err != MEDFW_OK)
		medfw_wipe(out, sizeof(*out));
	return err;
}

/* ---- one HTTP exchange ---- */

/* Where a 2xx body goes, and how much of it is allowed. */
struct sink {
	medfw_fetch_write_fn write;
	void *user;
	uint64_t max;
};

struct exchange {
	struct medfwi_devclient_headers h;
	const struct sink *sink;
	uint64_t received;          /* 2xx body bytes */
	struct medfw_buf err_body;  /* a non-2xx body, bounded */
	bool err_cut;
	enum medfw_err err;         /* why a callback stopped the transfer */
	struct medfw_diag *diag;
	const char *what;           /* "POST /device/v1/checkin" or the URL */
};

static bool is_2xx(int status)
{
	return status >= 200 && status <= 299;
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *user)
{
	struct exchange *x = user;
	size_t len = size * nitems;

	if (medfwi_devclient_header_line(&x->h, buf, len) && is_2xx(x->h.status) &&
	    x->received == 0) {
		if (x->h.bad_length) {
			x->err = medfw_diag_set(x->diag, MEDFW_ERR_FETCH, "%s: malformed Content-Length",
						x->what);
			return 0;
		}
		if (x->h.has_length && x->h.length > x->sink->max) {
			x->err = medfw_diag_set(x->diag, MEDFW_ERR_TOO_LARGE,
						"%s: the answer announces %llu bytes, more than the "
						"allowed %llu",
						x->what, (unsigned long long)x->h.length,
						(unsigned long long)x->sink->max);
			return 0;
		}
	}
	return len;
}

static size_t on_body(char *buf, size_t size, size_t nitems, void *user)
{
	struct exchange *x = user;
	size_t len = size * nitems;
	enum medfw_err err;

	if (x->h.status == 0) {
		x->err = medfw_diag_set(x->diag, MEDFW_ERR_FETCH, "%s: no HTTP status line", x->what);
		return 0;
	}
	if (!is_2xx(x->h.status)) {
		if (medfw_buf_append(&x->err_body, buf, len) != MEDFW_OK) {
			x->err_cut = true; /* the status alone is reported */
			return 0;
		}
		return len;
	}
	if (len > x->sink->max - x->received) {
		x->err = medfw_diag_set(x->diag, MEDFW_ERR_TOO_LARGE,
					"%s: the answer is larger than %llu bytes", x->what,
					(unsigned long long)x->sink->max);
		return 0;
	}
	x->received += len;
	err = x->sink->write(x->sink->user, buf, len, x->diag);
	if (err != MEDFW_OK) {
		x->err = err;
		return 0;
	}
	return len;
}

/* Send one request and take its answer: a 2xx body goes to the sink; any other status
 * is MEDFW_ERR_REFUSED (404: MEDFW_ERR_NOT_FOUND) with the server's error text. */
static enum medfw_err exchange(struct medfw_devclient *c, enum medfwi_devclient_kind kind,
			       const char *method, const char *url, const char *what,
			       struct curl_slist *headers, const uint8_t *body, size_t body_len,
			       const struct sink *sink, int *status, bool *session_field,
			       struct medfw_diag *diag)
{
	struct exchange x;
	char errbuf[CURL_ERROR_SIZE], text[MEDFW_DIAG_MSG_MAX];
	bool get = strcmp(method, "GET") == 0, ok;
	CURLcode rc;
	enum medfw_err err;

	*status = 0;
	*session_field = false;
	memset(&x, 0, sizeof(x));
	x.sink = sink;
	x.diag = diag;
	x.what = what;
	medfw_buf_init(&x.err_body, MEDFWI_DEVCLIENT_ERROR_BODY_MAX);
	err = medfwi_devclient_setup(c, url, kind, errbuf, diag);
	if (err != MEDFW_OK)
		goto out;
	ok = (headers == NULL || SET(c, CURLOPT_HTTPHEADER, headers)) &&
	     SET(c, CURLOPT_HEADERFUNCTION, on_header) && SET(c, CURLOPT_HEADERDATA, &x) &&
	     SET(c, CURLOPT_WRITEFUNCTION, on_body) && SET(c, CURLOPT_WRITEDATA, &x);
	if (ok && get)
		ok = SET(c, CURLOPT_HTTPGET, 1L);
	else if (ok)
		ok = SET(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len) &&
		     SET(c, CURLOPT_POSTFIELDS, body != NULL ? (const char *)body : "") &&
		     (strcmp(method, "POST") == 0 || SET(c, CURLOPT_CUSTOMREQUEST, method));
	if (!ok) {
		err = medfw_diag_set(diag, MEDFW_ERR_FETCH, "%s: cannot set up the transfer", what);
		goto out;
	}
	rc = c->api.easy_perform(c->api.easy);
	*status = x.h.status;
	if (x.err != MEDFW_OK) {
		err = x.err;
	} else if (x.h.status != 0 && !is_2xx(x.h.status)) {
		medfwi_devclient_error_text(x.h.status, x.err_body.data, x.err_body.len, x.err_cut, text,
					    sizeof(text), session_field);
		err = medfw_diag_set(diag, x.h.status == 404 ? MEDFW_ERR_NOT_FOUND : MEDFW_ERR_REFUSED,
				     "%s: %s", what, text);
	} else if (rc != CURLE_OK) {
		err = medfw_diag_set(diag, MEDFW_ERR_FETCH, "%s: %s", what,
				     medfwi_devclient_curl_reason(c, rc, errbuf));
	} else if (x.h.status == 0) {
		err = medfw_diag_set(diag, MEDFW_ERR_FETCH, "%s: no HTTP answer", what);
	}
	medfw_log(c->ctx, MEDFW_LOG_DEBUG, "devclient.http", "%s: HTTP %d", what, x.h.status);
out:
	/* the lists and the body belong to the caller: libcurl must not keep pointers */
	(void)SET(c, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
	if (!get)
		(void)SET(c, CURLOPT_POSTFIELDS, (const char *)NULL);
	medfw_buf_free(&x.err_body);
	return err;
}

/* The header lines of an API call; sig may be NULL (unsigned). */
static enum medfw_err api_headers(struct medfw_devclient *c,
				  const struct medfw_httpsig_headers *sig,
				  struct curl_slist **out, struct medfw_diag *diag)
{
	char line[MEDFW_HTTPSIG_HEADER_MAX + 32];
	struct curl_slist *list = NULL, *next;
	const char *fixed[] = {"Content-Type: application/json", "Accept: application/json",
			       "Expect:"};

	*out = NULL;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		next = c->api.slist_append(list, fixed[i]);
		if (next == NULL)
			goto nomem;
		list = next;
	}
	if (sig != NULL) {
		const char *names[] = {"Content-Digest", "Signature-Input", "Signature"};
		const char *values[] = {sig->content_digest, sig->signature_input, sig->signature};

		for (size_t i = 0; i < 3; i++) {
			snprintf(line, sizeof(line), "%s: %s", names[i], values[i]);
			next = c->api.slist_append(list, line);
			if (next == NULL)
				goto nomem;
			list = next;
		}
	}
	*out = list;
	return MEDFW_OK;
nomem:
	c->api.slist_free_all(list);
	return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
}

static enum medfw_err append_to_buf(void *user, const void *data, size_t len,
				    struct medfw_diag *diag)
{
	struct medfw_buf *out = user;

	if (medfw_buf_append(out, data, len) != MEDFW_OK)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "the answer is larger than %zu bytes",
				      out->max);
	return MEDFW_OK;
}

/* ---- signed requests and sessions ---- */

static enum medfw_err sign_request(struct medfw_devclient *c, bool with_session,
				   const char *method, const char *path, const uint8_t *body,
				   size_t body_len, struct medfw_httpsig_headers *out,
				   struct medfw_diag *diag)
{
	uint8_t raw[NONCE_BYTES];
	char nonce[MEDFW_BASE64_LEN(NONCE_BYTES) + 1], keyid[32];
	int64_t created = medfw_ctx_now(c->ctx);
	enum medfw_err err;

	err = medfw_random_bytes(raw, sizeof(raw));
	if (err == MEDFW_OK)
		err = medfw_base64url_encode(raw, sizeof(raw), nonce, sizeof(nonce));
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, "cannot make a request nonce");
	if (with_session)
		return medfw_httpsig_sign_hmac(c->session.key, sizeof(c->session.key),
					       c->session.keyid, method, path, NULL, body, body_len,
					       created, nonce, out, diag);
	snprintf(keyid, sizeof(keyid), "device:%lld", (long long)c->device_id);
	return medfw_httpsig_sign(c->device_key, keyid, method, path, NULL, body, body_len, created,
				  nonce, out, diag);
}

static enum medfw_err open_session(struct medfw_devclient *c, struct medfw_diag *diag)
{
	uint8_t priv[MEDFW_X25519_LEN], pub[MEDFW_X25519_LEN];
	char pub_hex[2 * MEDFW_X25519_LEN + 1], body[128];
	char url[MEDFWI_DEVCLIENT_SERVER_URL_MAX + sizeof(SESSION_PATH)];
	struct medfw_httpsig_headers sig;
	struct medfwi_devclient_session_answer answer;
	struct curl_slist *headers = NULL;
	struct medfw_buf data;
	struct sink sink = {append_to_buf, &data, MEDFWI_DEVCLIENT_SESSION_RESPONSE_MAX};
	int status = 0, n;
	bool session_field = false;
	int64_t now, margin;
	enum medfw_err err;

	drop_session(c);
	memset(&sig, 0, sizeof(sig));
	memset(&answer, 0, sizeof(answer));
	medfw_buf_init(&data, MEDFWI_DEVCLIENT_SESSION_RESPONSE_MAX);
	err = medfw_x25519_generate(priv, pub);
	if (err == MEDFW_OK)
		err = medfw_hex_encode(pub, sizeof(pub), pub_hex, sizeof(pub_hex));
	if (err != MEDFW_OK) {
		err = medfw_diag_set(diag, err, "cannot make an X25519 key for a session");
		goto out;
	}
	n = snprintf(body, sizeof(body), "{\"x25519_public_key\":\"%s\"}", pub_hex);
	snprintf(url, sizeof(url), "%s%s", c->server_url, SESSION_PATH);
	err = sign_request(c, false, "POST", SESSION_PATH, (const uint8_t *)body, (size_t)n, &sig,
			   diag);
	if (err == MEDFW_OK)
		err = api_headers(c, &sig, &headers, diag);
	if (err == MEDFW_OK)
		err = exchange(c, MEDFWI_DEVCLIENT_API, "POST", url, "POST " SESSION_PATH, headers,
			       (const uint8_t *)body, (size_t)n, &sink, &status, &session_field, diag);
	if (err == MEDFW_OK)
		err = medfwi_devclient_parse_session(data.data, data.len, c->device_id, &answer, diag);
	if (err == MEDFW_OK &&
	    medfw_devsession_open(priv, pub, answer.keyid, &answer.sealed, c->session.key) !=
		    MEDFW_OK)
		err = medfw_diag_set(diag, MEDFW_ERR_SIGNATURE,
				     "the session key the server sent does not open (a changed "
				     "answer?)");
	if (err != MEDFW_OK)
		goto out;
	now = medfw_ctx_now(c->ctx);
	memcpy(c->session.keyid, answer.keyid, sizeof(c->session.keyid));
	c->session.expires = answer.expires;
	if (now < 0 || answer.expires <= now) {
		c->session.renew_at = now; /* used for this request only */
	} else {
		margin = (answer.expires - now) / 2;
		if (margin > MEDFWI_DEVCLIENT_SESSION_MARGIN)
			margin = MEDFWI_DEVCLIENT_SESSION_MARGIN;
		c->session.renew_at = answer.expires - margin;
	}
	c->session.open = true;
	medfw_log(c->ctx, MEDFW_LOG_INFO, "devclient.session.opened",
		  "device %lld opened session %s (expires %lld)", (long long)c->device_id,
		  c->session.keyid, (long long)c->session.expires);
out:
	medfw_wipe(priv, sizeof(priv));
	medfw_wipe(&answer, sizeof(answer));
	medfw_wipe(&sig, sizeof(sig));
	c->api.slist_free_all(headers);
	medfw_buf_free(&data);
	if (err != MEDFW_OK)
		drop_session(c);
	return err;
}

static bool valid_method(const char *method)
{
	size_t len;

	if (method == NULL)
		return false;
	len = strnlen(method, METHOD_MAX + 1);
	if (len == 0 || len > METHOD_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (method[i] < 'A' || method[i] > 'Z')
			return false;
	return true;
}

/* A device route: "/device/..." of unreserved characters and '/' only (no query, no
 * percent-encoding: the signed "@path" is exactly what the server sees). */
static bool valid_device_path(const char *path)
{
	size_t len;

	if (path == NULL || strncmp(path, "/device/", 8) != 0)
		return false;
	len = strnlen(path, MEDFWI_DEVCLIENT_PATH_MAX + 1);
	if (len > MEDFWI_DEVCLIENT_PATH_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_alnum(path[i]) && strchr("/._~-", path[i]) == NULL)
			return false;
	return true;
}

/* A signed request; with sessions, a session is opened first when there is none (or it
 * is about to expire), and once more after a 401 naming the session. */
static enum medfw_err signed_call(struct medfw_devclient *c, const char *method,
				  const char *path, const uint8_t *body, size_t body_len,
				  const struct sink *sink, int *status, struct medfw_diag *diag)
{
	char url[MEDFWI_DEVCLIENT_SERVER_URL_MAX + MEDFWI_DEVCLIENT_PATH_MAX + 1];
	char what[METHOD_MAX + MEDFWI_DEVCLIENT_PATH_MAX + 2];
	struct medfw_diag local;
	bool session_field = false, with_session;
	enum medfw_err err = MEDFW_OK;

	*status = 0;
	if (c->device_key == NULL || c->device_id <= 0)
		return medfw_diag_set(diag, MEDFW_ERR_STATE,
				      "no device identity: enrol, then set the identity");
	if (!valid_method(method))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "the method must be 1..%u A-Z",
				      METHOD_MAX);
	if (!valid_device_path(path))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "a device route is \"/device/...\" of letters, digits and "
				      "/._~- (no query), at most %u bytes",
				      MEDFWI_DEVCLIENT_PATH_MAX);
	if ((body == NULL && body_len > 0) || (strcmp(method, "GET") == 0 && body_len > 0))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s %s: a body without data, or "
				      "a GET with a body", method, path);
	snprintf(url, sizeof(url), "%s%s", c->server_url, path);
	snprintf(what, sizeof(what), "%s %s", method, path);
	for (int attempt = 0; attempt < 2; attempt++) {
		struct medfw_httpsig_headers sig;
		struct curl_slist *headers = NULL;

		medfw_diag_clear(&local);
		memset(&sig, 0, sizeof(sig));
		with_session = c->use_sessions;
		err = MEDFW_OK;
		if (with_session && (!c->session.open || medfw_ctx_now(c->ctx) >= c->session.renew_at))
			err = open_session(c, &local);
		if (err == MEDFW_OK)
			err = sign_request(c, with_session, method, path, body, body_len, &sig, &local);
		if (err == MEDFW_OK)
			err = api_headers(c, &sig, &headers, &local);
		if (err == MEDFW_OK)
			err = exchange(c, MEDFWI_DEVCLIENT_API, method, url, what, headers, body,
				       body_len, sink, status, &session_field, &local);
		c->api.slist_free_all(headers);
		medfw_wipe(&sig, sizeof(sig));
		if (err == MEDFW_ERR_REFUSED && *status == 401 && with_session && session_field &&
		    attempt == 0) {
			medfw_log(c->ctx, MEDFW_LOG_INFO, "devclient.session.refused",
				  "%s: the server refused session %s; opening a new one", what,
				  c->session.keyid);
			drop_session(c);
			continue;
		}
		break;
	}
	if (err != MEDFW_OK)
		medfw_diag_set(diag, err, "%s", medfw_diag_message(&local, err));
	return err;
}

enum medfw_err medfw_devclient_request(struct medfw_devclient *c, const char *method,
				       const char *path, const uint8_t *body, size_t body_len,
				       size_t max_response, struct medfw_buf *response,
				       int *http_status, struct medfw_diag *diag)
{
	struct sink sink = {append_to_buf, response, max_response};
	size_t before;
	int status = 0;
	enum medfw_err err;

	if (http_status != NULL)
		*http_status = 0;
	if (c == NULL || response == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no client or response buffer");
	before = response->len;
	err = signed_call(c, method, path, body, body_len, &sink, &status, diag);
	if (http_status != NULL)
		*http_status = status;
	if (err != MEDFW_OK && response->data != NULL && response->len > before) {
		/* a failed call leaves the caller's buffer as it was */
		medfw_wipe(response->data + before, response->len - before);
		response->len = before;
	}
	return err;
}

/* ---- enrolment ---- */

static bool is_hex64(const char *s)
{
	if (s == NULL || strnlen(s, 65) != 64)
		return false;
	for (size_t i = 0; i < 64; i++)
		if (!is_digit(s[i]) && !((s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return true;
}

enum medfw_err medfw_devclient_enrol(struct medfw_devclient *c, const char *token,
				     const char *public_key_hex, const char *agent_version,
				     const char *hardware_id,
				     struct medfw_devclient_enrolment *out,
				     struct medfw_diag *diag)
{
	char url[MEDFWI_DEVCLIENT_SERVER_URL_MAX + sizeof(ENROL_PATH)];
	struct medfw_buf body, answer;
	struct sink sink = {append_to_buf, &answer, MEDFW_DEVCLIENT_RESPONSE_MAX};
	struct curl_slist *headers = NULL;
	struct medfw_diag local;
	json_t *doc = NULL;
	int64_t device_id = 0, site_id = 0, next = 0, last_seq = 0;
	int status = 0;
	bool session_field = false;
	enum medfw_err err;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (c == NULL || out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no client or output");
	/* the token is never echoed, not even in a refusal */
	if (!json_safe_word(token, TOKEN_MAX))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "the enrolment token is empty, longer than %u bytes or has "
				      "characters a token cannot have",
				      TOKEN_MAX);
	if (!is_hex64(public_key_hex))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "public_key must be 64 hex digits (a raw Ed25519 key)");
	if (!json_safe_word(agent_version, ENROL_STRING_MAX))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "agent_version must be 1..%u printable characters without "
				      "space, quote or backslash",
				      ENROL_STRING_MAX);
	if (hardware_id != NULL && !json_safe_word(hardware_id, ENROL_STRING_MAX))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "hardware_id must be 1..%u printable characters without "
				      "space, quote or backslash",
				      ENROL_STRING_MAX);
	medfw_buf_init(&body, ENROL_BODY_MAX);
	medfw_buf_init(&answer, MEDFW_DEVCLIENT_RESPONSE_MAX);
	medfw_diag_clear(&local);
	err = medfw_buf_printf(&body,
			       "{\"token\":\"%s\",\"public_key\":\"%s\",\"agent_version\":\"%s\"",
			       token, public_key_hex, agent_version);
	if (err == MEDFW_OK && hardware_id != NULL)
		err = medfw_buf_printf(&body, ",\"hardware_id\":\"%s\"", hardware_id);
	if (err == MEDFW_OK)
		err = medfw_buf_append_str(&body, "}");
	if (err != MEDFW_OK) {
		err = medfw_diag_set(&local, err, "cannot build the enrolment request");
		goto out;
	}
	snprintf(url, sizeof(url), "%s%s", c->server_url, ENROL_PATH);
	err = api_headers(c, NULL, &headers, &local);
	if (err == MEDFW_OK)
		err = exchange(c, MEDFWI_DEVCLIENT_API, "POST", url, "POST " ENROL_PATH, headers,
			       body.data, body.len, &sink, &status, &session_field, &local);
	if (err == MEDFW_ERR_NOT_FOUND)
		err = MEDFW_ERR_REFUSED;
	if (err != MEDFW_OK)
		goto out;
	err = medfw_json_parse(answer.data, answer.len, MEDFW_DEVCLIENT_RESPONSE_MAX, 4, &doc, &local);
	if (err == MEDFW_OK && !json_is_object(doc))
		err = medfw_diag_set(&local, MEDFW_ERR_FIELD_TYPE, "the enrolment answer is not an "
				     "object");
	if (err == MEDFW_OK)
		err = medfw_json_get_int(doc, "enrolment", "device_id", 1, INT64_MAX, &device_id,
					 &local);
	if (err == MEDFW_OK)
		err = medfw_json_get_int(doc, "enrolment", "site_id", 0, INT64_MAX, &site_id, &local);
	if (err == MEDFW_OK)
		err = medfw_json_get_int(doc, "enrolment", "next_checkin_seconds", 0, INT32_MAX,
					 &next, &local);
	/* The newest event number the server holds for this device (optional: older servers
	 * do not say). */
	if (err == MEDFW_OK && json_object_get(doc, "last_event_seq") != NULL)
		err = medfw_json_get_int(doc, "enrolment", "last_event_seq", 0, INT64_MAX,
					 &last_seq, &local);
	if (err != MEDFW_OK)
		goto out;
	out->device_id = device_id;
	out->site_id = site_id;
	out->next_checkin_seconds = next;
	out->last_event_seq = last_seq;
	medfw_log(c->ctx, MEDFW_LOG_INFO, "devclient.enrolled", "enrolled as device %lld of site %lld",
		  (long long)device_id, (long long)site_id);
out:
	json_decref(doc);
	c->api.slist_free_all(headers);
	medfw_buf_free(&body); /* wiped: it held the token */
	medfw_buf_free(&answer);
	if (err != MEDFW_OK)
		medfw_diag_set(diag, err, "%s", medfw_diag_message(&local, err));
	return err;
}

/* ---- fetchers ---- */

/* The fetcher contract: any non-2xx answer is MEDFW_ERR_FETCH (the status tells). */
static enum medfw_err as_fetch_error(enum medfw_err err, struct medfw_diag *local,
				     struct medfw_diag *diag)
{
	if (err == MEDFW_OK)
		return MEDFW_OK;
	if (err == MEDFW_ERR_REFUSED || err == MEDFW_ERR_NOT_FOUND)
		err = MEDFW_ERR_FETCH;
	return medfw_diag_set(diag, err, "%s", medfw_diag_message(local, err));
}

static enum medfw_err unsigned_get(struct medfw_devclient *c, enum medfwi_devclient_kind kind,
				   const char *url, const struct sink *sink, int *status,
				   struct medfw_diag *diag)
{
	struct medfw_diag local;
	bool session_field = false;
	enum medfw_err err;

	medfw_diag_clear(&local);
	*status = 0;
	err = medfwi_devclient_check_url(c, url, &local);
	if (err == MEDFW_OK)
		err = exchange(c, kind, "GET", url, url, NULL, NULL, 0, sink, status, &session_field,
			       &local);
	return as_fetch_error(err, &local, diag);
}

static enum medfw_err unsigned_fetch(void *user, const char *url, size_t max_len,
				     struct medfw_buf *out, int *out_http_status,
				     struct medfw_diag *diag)
{
	struct sink sink = {append_to_buf, out, max_len};
	enum medfw_err err;

	medfw_buf_init(out, max_len);
	err = unsigned_get(user, MEDFWI_DEVCLIENT_FETCH, url, &sink, out_http_status, diag);
	if (err != MEDFW_OK)
		medfw_buf_free(out);
	return err;
}

static enum medfw_err unsigned_fetch_stream(void *user, const char *url, uint64_t max_len,
					    medfw_fetch_write_fn write, void *write_user,
					    int *out_http_status, struct medfw_diag *diag)
{
	struct sink sink = {write, write_user, max_len};

	return unsigned_get(user, MEDFWI_DEVCLIENT_DOWNLOAD, url, &sink, out_http_status, diag);
}

static enum medfw_err signed_fetch(void *user, const char *url, size_t max_len,
				   struct medfw_buf *out, int *out_http_status,
				   struct medfw_diag *diag)
{
	struct sink sink = {append_to_buf, out, max_len};
	struct medfw_diag local;
	enum medfw_err err;

	medfw_buf_init(out, max_len);
	medfw_diag_clear(&local);
	err = signed_call(user, "GET", url, NULL, 0, &sink, out_http_status, &local);
	if (err != MEDFW_OK)
		medfw_buf_free(out);
	return as_fetch_error(err, &local, diag);
}

static enum medfw_err signed_fetch_stream(void *user, const char *url, uint64_t max_len,
					  medfw_fetch_write_fn write, void *write_user,
					  int *out_http_status, struct medfw_diag *diag)
{
	struct sink sink = {write, write_user, max_len};
	struct medfw_diag local;

	medfw_diag_clear(&local);
	return as_fetch_error(signed_call(user, "GET", url, NULL, 0, &sink, out_http_status, &local),
			      &local, diag);
}
