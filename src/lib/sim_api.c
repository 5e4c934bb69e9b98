/* The fleet simulator's people-API client (sim_api.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "curl_dl.h"
#include "sim_api.h"

#include "medfw/crypto.h"

#define SERVER_URL_MAX 1024u
#define TIMEOUT_MAX (24u * 3600u)
#define AUTH_HEADER_MAX (MEDFW_SIM_API_TOKEN_MAX + 32u)
#define METHOD_MAX 8u

struct medfw_sim_api {
	struct medfwi_curl curl;
	char *server_url;
	char *ca_file;
	bool allow_http;
	uint32_t connect_timeout;
	uint32_t request_timeout;
	char token[MEDFW_SIM_API_TOKEN_MAX + 1];
};

/* Printable ASCII without space, at most max bytes, at least one. */
static bool printable_word(const char *s, size_t max)
{
	size_t n;

	if (s == NULL)
		return false;
	n = strnlen(s, max + 1);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return false;
	return true;
}

static enum medfw_err check_config(const struct medfw_sim_api_config *cfg,
				   struct medfw_diag *diag)
{
	const char *url = cfg->server_url;

	if (!printable_word(url, SERVER_URL_MAX))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "server URL: 1..%u printable characters without spaces",
				      SERVER_URL_MAX);
	if (strncmp(url, "https://", 8) == 0) {
		if (cfg->ca_file == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
					      "an https:// server needs a CA file (the server's CA "
					      "is pinned, the system store is not used)");
	} else if (strncmp(url, "http://", 7) == 0) {
		if (!cfg->allow_http)
			return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
					      "server URL: http:// is not allowed here");
	} else {
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "server URL must start with https:// or http://");
	}
	if (strchr(strchr(url, ':') + 3, '/') != NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "server URL must be scheme://host[:port], without a path");
	if (cfg->ca_file != NULL && access(cfg->ca_file, R_OK) != 0)
		return medfw_diag_set(diag, MEDFW_ERR_IO, "CA file %.300s cannot be read",
				      cfg->ca_file);
	if (!printable_word(cfg->token, MEDFW_SIM_API_TOKEN_MAX))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "the API token must be 1..%u printable characters without "
				      "spaces", MEDFW_SIM_API_TOKEN_MAX);
	if (cfg->connect_timeout < 1 || cfg->connect_timeout > TIMEOUT_MAX ||
	    cfg->request_timeout < 1 || cfg->request_timeout > TIMEOUT_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "timeouts must be 1..%u seconds",
				      TIMEOUT_MAX);
	return MEDFW_OK;
}

enum medfw_err medfw_sim_api_new(const struct medfw_sim_api_config *cfg,
				 struct medfw_sim_api **out, struct medfw_diag *diag)
{
	struct medfw_sim_api *api;
	enum medfw_err err;

	*out = NULL;
	err = check_config(cfg, diag);
	if (err != MEDFW_OK)
		return err;
	api = calloc(1, sizeof(*api));
	if (api == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	api->server_url = strdup(cfg->server_url);
	api->ca_file = cfg->ca_file != NULL ? strdup(cfg->ca_file) : NULL;
	api->allow_http = cfg->allow_http;
	api->connect_timeout = cfg->connect_timeout;
	api->request_timeout = cfg->request_timeout;
	memcpy(api->token, cfg->token, strlen(cfg->token) + 1);
	if (api->server_url == NULL || (cfg->ca_file != NULL && api->ca_file == NULL))
		err = medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	else
		err = medfwi_curl_open(&api->curl, diag);
	if (err != MEDFW_OK) {
		medfw_sim_api_free(api);
		return err;
	}
	*out = api;
	return MEDFW_OK;
}

void medfw_sim_api_free(struct medfw_sim_api *api)
{
	if (api == NULL)
		return;
	medfwi_curl_close(&api->curl);
	free(api->server_url);
	free(api->ca_file);
	medfw_wipe(api, sizeof(*api));
	free(api);
}

struct answer {
	struct medfw_buf *body;
	bool too_large;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *user)
{
	struct answer *a = user;
	size_t len = size * nmemb;

	if (medfw_buf_append(a->body, ptr, len) != MEDFW_OK) {
		a->too_large = true;
		return 0;
	}
	return len;
}

#define SET(api, opt, val) ((api)->curl.easy_setopt((api)->curl.easy, (opt), (val)) == CURLE_OK)

enum medfw_err medfw_sim_api_call(struct medfw_sim_api *api, const char *method, const char *path,
				  const char *content_type, const void *body, size_t body_len,
				  size_t max_response, int *out_status, struct medfw_buf *out,
				  struct medfw_diag *diag)
{
	char url[SERVER_URL_MAX + MEDFW_SIM_API_PATH_MAX + 1], auth[AUTH_HEADER_MAX];
	char ctype[128], errbuf[CURL_ERROR_SIZE];
	struct curl_slist *headers = NULL, *h;
	struct answer a = {out, false};
	const char *protocols;
	bool ok;
	long status = 0;
	CURLcode rc;
	enum medfw_err err = MEDFW_OK;

	*out_status = 0;
	medfw_buf_init(out, max_response);
	if (!printable_word(method, METHOD_MAX) || !printable_word(path, MEDFW_SIM_API_PATH_MAX) ||
	    strncmp(path, "/api/", 5) != 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "not an API request: the path must be /api/... of printable "
				      "characters");
	if (content_type != NULL && !printable_word(content_type, 64))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "bad content type");
	snprintf(url, sizeof(url), "%s%s", api->server_url, path);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", api->token);
	snprintf(ctype, sizeof(ctype), "Content-Type: %s",
		 content_type != NULL ? content_type : "application/json");
	headers = api->curl.slist_append(NULL, auth);
	if (headers != NULL && (h = api->curl.slist_append(headers, "Expect:")) != NULL)
		headers = h;
	else
		err = MEDFW_ERR_NOMEM;
	if (err == MEDFW_OK && body_len > 0) {
		h = api->curl.slist_append(headers, ctype);
		if (h == NULL)
			err = MEDFW_ERR_NOMEM;
	}
	if (err != MEDFW_OK) {
		err = medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
		goto out;
	}
	protocols = api->ca_file == NULL ? "http" : api->allow_http ? "http,https" : "https";
	errbuf[0] = 0;
	api->curl.easy_reset(api->curl.easy);
	ok = SET(api, CURLOPT_URL, url) && SET(api, CURLOPT_PROTOCOLS_STR, protocols) &&
	     SET(api, CURLOPT_FOLLOWLOCATION, 0L) && SET(api, CURLOPT_PROXY, "") &&
	     SET(api, CURLOPT_NOPROXY, "*") && SET(api, CURLOPT_NOSIGNAL, 1L) &&
	     SET(api, CURLOPT_CONNECTTIMEOUT, (long)api->connect_timeout) &&
	     SET(api, CURLOPT_TIMEOUT, (long)api->request_timeout) &&
	     SET(api, CURLOPT_CAINFO, api->ca_file) && SET(api, CURLOPT_CAPATH, (char *)NULL) &&
	     SET(api, CURLOPT_SSL_VERIFYPEER, 1L) && SET(api, CURLOPT_SSL_VERIFYHOST, 2L) &&
	     SET(api, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) &&
	     SET(api, CURLOPT_USERAGENT, "medfw-sim") && SET(api, CURLOPT_ERRORBUFFER, errbuf) &&
	     SET(api, CURLOPT_HTTPHEADER, headers) && SET(api, CURLOPT_WRITEFUNCTION, on_body) &&
	     SET(api, CURLOPT_WRITEDATA, &a);
	if (ok && strcmp(method, "GET") == 0)
		ok = SET(api, CURLOPT_HTTPGET, 1L);
	else if (ok)
		ok = SET(api, CURLOPT_POSTFIELDS, body_len > 0 ? (const char *)body : "") &&
		     SET(api, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len) &&
		     (strcmp(method, "POST") == 0 || SET(api, CURLOPT_CUSTOMREQUEST, method));
	if (!ok) {
		err = medfw_diag_set(diag, MEDFW_ERR_FETCH, "%s %s: cannot set up the transfer",
				     method, path);
		goto out;
	}
	rc = api->curl.easy_perform(api->curl.easy);
	api->curl.easy_getinfo(api->curl.easy, CURLINFO_RESPONSE_CODE, &status);
	if (a.too_large)
		err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s %s: answer larger than %zu bytes",
				     method, path, max_response);
	else if (rc != CURLE_OK)
		err = medfw_diag_set(diag, MEDFW_ERR_FETCH, "%s %s: %s", method, path,
				     errbuf[0] != 0 ? errbuf : api->curl.easy_strerror(rc));
	else if (status < 100 || status > 599)
		err = medfw_diag_set(diag, MEDFW_ERR_FETCH, "%s %s: no HTTP status", method, path);
out:
	/* the header list held the token */
	api->curl.easy_setopt(api->curl.easy, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
	for (h = headers; h != NULL; h = h->next)
		if (h->data != NULL)
			medfw_wipe(h->data, strlen(h->data));
	api->curl.slist_free_all(headers);
	medfw_wipe(auth, sizeof(auth));
	if (err == MEDFW_OK)
		*out_status = (int)status;
	else
		medfw_buf_reset(out);
	return err;
}
