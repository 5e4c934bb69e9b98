/* The libcurl fetcher: bounded, no retries, HTTP status reported.
 *
 * libcurl is loaded with dlopen() when a fetcher is made, not linked: its dependency
 * tree (GnuTLS, LDAP, Kerberos, ...) costs about 4 ms at every process start, and
 * only network commands need it. `medfw verify` of a small bundle is start-up bound. */
#include <stdlib.h>
#include <string.h>

#include "curl_dl.h"
#include "medfw/fetch.h"

struct curl_fetcher {
	struct medfw_fetcher ops; /* first: the public handle points here */
	struct medfwi_curl api;
};

struct stream_state {
	uint64_t max_len;
	uint64_t received;
	medfw_fetch_write_fn write;
	void *write_user;
	enum medfw_err err;       /* why the write callback stopped the transfer */
	struct medfw_diag *diag;
	const char *url;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct stream_state *st = userdata;
	size_t len = size * nmemb;
	enum medfw_err err;

	if (len > st->max_len - st->received) {
		/* Endless data: stop the moment the limit is crossed. */
		st->err = medfw_diag_set(st->diag, MEDFW_ERR_TOO_LARGE,
					 "%s: more than the allowed %llu bytes", st->url,
					 (unsigned long long)st->max_len);
		return 0;
	}
	st->received += len;
	err = st->write(st->write_user, ptr, len, st->diag);
	if (err != MEDFW_OK) {
		st->err = err;
		return 0;
	}
	return len;
}

/* Percent-encode the bytes a URL cannot hold (controls, space, non-ASCII and
 * "<>\\^`{|}), leaving reserved characters alone: what python-requests does to a
 * URL before sending it, so a target path with a space can be fetched. */
static enum medfw_err requote_url(const char *url, char *out, size_t out_cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)url; *p != 0; p++) {
		int bad = *p <= 0x20 || *p >= 0x7f || strchr("\"<>\\^`{|}", *p) != NULL;

		if ((bad ? 3u : 1u) >= out_cap - o)
			return MEDFW_ERR_TOO_LARGE;
		if (bad) {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		} else {
			out[o++] = (char)*p;
		}
	}
	out[o] = 0;
	return MEDFW_OK;
}

static enum medfw_err curl_fetch_stream(void *user, const char *url, uint64_t max_len,
					medfw_fetch_write_fn write, void *write_user,
					int *out_http_status, struct medfw_diag *diag)
{
	struct curl_fetcher *cf = user;
	struct stream_state st = {.max_len = max_len, .write = write, .write_user = write_user,
				  .err = MEDFW_OK, .diag = diag, .url = url};
	char errbuf[CURL_ERROR_SIZE], quoted[3 * MEDFW_FETCH_URL_MAX + 1];
	long status = 0;
	CURLcode rc;

	*out_http_status = 0;
	if (strlen(url) > MEDFW_FETCH_URL_MAX ||
	    requote_url(url, quoted, sizeof(quoted)) != MEDFW_OK)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "URL too long");
	errbuf[0] = 0;
	cf->api.easy_reset(cf->api.easy);
	if (cf->api.easy_setopt(cf->api.easy, CURLOPT_URL, quoted) != CURLE_OK ||
	    cf->api.easy_setopt(cf->api.easy, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    cf->api.easy_setopt(cf->api.easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    cf->api.easy_setopt(cf->api.easy, CURLOPT_FOLLOWLOCATION, 1L) != CURLE_OK ||
	    cf->api.easy_setopt(cf->api.easy, CURLOPT_MAXREDIRS, (long)MEDFW_FETCH_MAX_REDIRECTS) !=
		    CURLE_OK ||
	    cf->api.easy_setopt(cf->api.easy, CURLOPT_FAILONERROR, 1L) != CURLE_OK ||
	    cf->api.easy_setopt(cf->api.easy, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    cf->api.easy_setopt(cf->api.easy, CURLOPT_CONNECTTIMEOUT, (long)MEDFW_FETCH_CONNECT_TIMEOUT) !=
		    CURLE_OK ||
	    cf->api.easy_setopt(cf->api.easy, CURLOPT_LOW_SPEED_TIME, (long)MEDFW_FETCH_LOW_SPEED_TIME) !=
		    CURLE_OK ||
	    cf->api.easy_setopt(cf->api.easy, CURLOPT_LOW_SPEED_LIMIT,
			     (long)MEDFW_FETCH_LOW_SPEED_BYTES) != CURLE_OK ||
	    cf->api.easy_setopt(cf->api.easy, CURLOPT_MAXFILESIZE_LARGE,
			     (curl_off_t)(max_len > INT64_MAX ? INT64_MAX : max_len)) !=
		    CURLE_OK ||
	    cf->api.easy_setopt(cf->api.easy, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK ||
	    cf->api.easy_setopt(cf->api.easy, CURLOPT_USERAGENT, "medfw-tuf-client") != CURLE_OK ||
	    cf->api.easy_setopt(cf->api.easy, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK ||
	    cf->api.easy_setopt(cf->api.easy, CURLOPT_WRITEDATA, &st) != CURLE_OK)
		return medfw_diag_set(diag, MEDFW_ERR_FETCH, "%s: cannot set up the transfer", url);
	rc = cf->api.easy_perform(cf->api.easy);
	cf->api.easy_getinfo(cf->api.easy, CURLINFO_RESPONSE_CODE, &status);
	*out_http_status = (status > 0 && status < 1000) ? (int)status : 0;
	if (st.err != MEDFW_OK)
		return st.err;
	if (rc == CURLE_FILESIZE_EXCEEDED)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: more than the allowed %llu bytes",
				      url, (unsigned long long)max_len);
	if (rc == CURLE_HTTP_RETURNED_ERROR)
		return medfw_diag_set(diag, MEDFW_ERR_FETCH, "%s: HTTP status %ld", url, status);
	if (rc != CURLE_OK)
		return medfw_diag_set(diag, MEDFW_ERR_FETCH, "%s: %s", url,
				      errbuf[0] != 0 ? errbuf : cf->api.easy_strerror(rc));
	if (status < 200 || status > 299)
		return medfw_diag_set(diag, MEDFW_ERR_FETCH, "%s: HTTP status %ld", url, status);
	return MEDFW_OK;
}

static enum medfw_err append_to_buf(void *write_user, const void *data, size_t len,
				    struct medfw_diag *diag)
{
	struct medfw_buf *out = write_user;

	if (medfw_buf_append(out, data, len) != MEDFW_OK)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "response larger than %zu bytes",
				      out->max);
	return MEDFW_OK;
}

static enum medfw_err curl_fetch(void *user, const char *url, size_t max_len,
				 struct medfw_buf *out, int *out_http_status,
				 struct medfw_diag *diag)
{
	enum medfw_err err;

	medfw_buf_init(out, max_len);
	err = curl_fetch_stream(user, url, max_len, append_to_buf, out, out_http_status, diag);
	if (err != MEDFW_OK)
		medfw_buf_free(out);
	return err;
}

enum medfw_err medfw_fetcher_curl_new(struct medfw_fetcher **out, struct medfw_diag *diag)
{
	struct curl_fetcher *cf;
	enum medfw_err err;

	*out = NULL;
	cf = calloc(1, sizeof(*cf));
	if (cf == NULL)
		return MEDFW_ERR_NOMEM;
	err = medfwi_curl_open(&cf->api, diag);
	if (err != MEDFW_OK) {
		free(cf);
		return err;
	}
	cf->ops.user = cf;
	cf->ops.fetch = curl_fetch;
	cf->ops.fetch_stream = curl_fetch_stream;
	*out = &cf->ops;
	return MEDFW_OK;
}

void medfw_fetcher_curl_free(struct medfw_fetcher *fetcher)
{
	struct curl_fetcher *cf;

	if (fetcher == NULL)
		return;
	cf = fetcher->user;
	medfwi_curl_close(&cf->api);
	free(cf);
}
