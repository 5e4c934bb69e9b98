/* Uploads over libcurl, loaded with dlopen() (include/medfw/upload.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "curl_dl.h"

#include "medfw/crypto.h"
#include "medfw/upload.h"

#define AUTH_HEADER_MAX 512

struct medfw_uploader {
	struct medfwi_curl api;
	char *ca_file; /* NULL: the system store */
};

enum medfw_err medfw_uploader_new(struct medfw_uploader **out, struct medfw_diag *diag)
{
	struct medfw_uploader *u = calloc(1, sizeof(*u));
	enum medfw_err err;

	*out = NULL;
	if (u == NULL)
		return MEDFW_ERR_NOMEM;
	err = medfwi_curl_open(&u->api, diag);
	if (err != MEDFW_OK) {
		free(u);
		return err;
	}
	*out = u;
	return MEDFW_OK;
}

void medfw_uploader_free(struct medfw_uploader *u)
{
	if (u == NULL)
		return;
	medfwi_curl_close(&u->api);
	free(u->ca_file);
	free(u);
}

enum medfw_err medfw_uploader_set_ca_file(struct medfw_uploader *u, const char *ca_file,
					  struct medfw_diag *diag)
{
	char *copy = NULL;

	if (ca_file != NULL) {
		FILE *f = fopen(ca_file, "r");

		if (f == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_IO, "%s: cannot read the CA file",
					      ca_file);
		fclose(f);
		copy = strdup(ca_file);
		if (copy == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	}
	free(u->ca_file);
	u->ca_file = copy;
	return MEDFW_OK;
}

struct send_state {
	const struct medfw_upload_body *body;
	uint64_t sent;
	int read_error;
	struct medfw_buf *response;
	int too_large;
};

static size_t on_read(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct send_state *st = userdata;
	uint64_t left = st->body->len - st->sent;
	size_t want = size * nmemb;
	ssize_t n;

	if ((uint64_t)want > left)
		want = (size_t)left;
	if (want == 0)
		return 0;
	if (st->body->fd < 0) {
		memcpy(ptr, st->body->data + st->sent, want);
		st->sent += want;
		return want;
	}
	do
		n = read(st->body->fd, ptr, want);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		st->read_error = 1;
		return CURL_READFUNC_ABORT;
	}
	st->sent += (uint64_t)n;
	return (size_t)n;
}

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct send_state *st = userdata;
	size_t len = size * nmemb;

	if (medfw_buf_append(st->response, ptr, len) != MEDFW_OK) {
		st->too_large = 1;
		return 0;
	}
	return len;
}

enum medfw_err medfw_upload(struct medfw_uploader *u, const char *method, const char *url,
			    const char *bearer_token, const struct medfw_upload_body *body,
			    int *out_status, struct medfw_buf *out_body, struct medfw_diag *diag)
{
	static const struct medfw_upload_body empty = {-1, NULL, 0, NULL};
	struct send_state st;
	struct curl_slist *headers = NULL;
	char auth[AUTH_HEADER_MAX], ctype[128], errbuf[CURL_ERROR_SIZE];
	long status = 0;
	CURLcode rc;
	enum medfw_err err = MEDFW_OK;

	*out_status = 0;
	medfw_buf_init(out_body, MEDFW_UPLOAD_RESPONSE_MAX);
	if (body == NULL)
		body = &empty;
	memset(&st, 0, sizeof(st));
	st.body = body;
	st.response = out_body;
	errbuf[0] = 0;
	snprintf(ctype, sizeof(ctype), "Content-Type: %s",
		 body->content_type != NULL ? body->content_type : "application/octet-stream");
	headers = u->api.slist_append(headers, ctype);
	if (headers != NULL)
		headers = u->api.slist_append(headers, "Expect:");
	if (headers != NULL && bearer_token != NULL) {
		if (snprintf(auth, sizeof(auth), "Authorization: Bearer %s", bearer_token) >=
		    (int)sizeof(auth))
			err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "token too long");
		else
			headers = u->api.slist_append(headers, auth);
	}
	if (err == MEDFW_OK && headers == NULL)
		err = MEDFW_ERR_NOMEM;
	u->api.easy_reset(u->api.easy);
	if (err == MEDFW_OK &&
	    (u->api.easy_setopt(u->api.easy, CURLOPT_URL, url) != CURLE_OK ||
	     u->api.easy_setopt(u->api.easy, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	     u->api.easy_setopt(u->api.easy, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	     u->api.easy_setopt(u->api.easy, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	     u->api.easy_setopt(u->api.easy, CURLOPT_CONNECTTIMEOUT, (long)MEDFW_UPLOAD_CONNECT_TIMEOUT) !=
		     CURLE_OK ||
	     /* no total timeout (images of several GiB on slow links): a stalled transfer
	      * (under 1 byte/s for MEDFW_UPLOAD_STALL_TIMEOUT seconds) is aborted */
	     u->api.easy_setopt(u->api.easy, CURLOPT_LOW_SPEED_LIMIT, 1L) != CURLE_OK ||
	     u->api.easy_setopt(u->api.easy, CURLOPT_LOW_SPEED_TIME, (long)MEDFW_UPLOAD_STALL_TIMEOUT) !=
		     CURLE_OK ||
	     u->api.easy_setopt(u->api.easy, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK ||
	     u->api.easy_setopt(u->api.easy, CURLOPT_USERAGENT, "medfw-push") != CURLE_OK ||
	     u->api.easy_setopt(u->api.easy, CURLOPT_HTTPHEADER, headers) != CURLE_OK ||
	     (strcmp(method, "GET") == 0
		      ? u->api.easy_setopt(u->api.easy, CURLOPT_HTTPGET, 1L) != CURLE_OK
		      : (u->api.easy_setopt(u->api.easy, CURLOPT_UPLOAD, 1L) != CURLE_OK ||
			 u->api.easy_setopt(u->api.easy, CURLOPT_CUSTOMREQUEST, method) != CURLE_OK ||
			 u->api.easy_setopt(u->api.easy, CURLOPT_INFILESIZE_LARGE,
					    (curl_off_t)body->len) != CURLE_OK)) ||
	     u->api.easy_setopt(u->api.easy, CURLOPT_READFUNCTION, on_read) != CURLE_OK ||
	     u->api.easy_setopt(u->api.easy, CURLOPT_READDATA, &st) != CURLE_OK ||
	     u->api.easy_setopt(u->api.easy, CURLOPT_WRITEFUNCTION, on_write) != CURLE_OK ||
	     u->api.easy_setopt(u->api.easy, CURLOPT_WRITEDATA, &st) != CURLE_OK ||
	     (u->ca_file != NULL &&
	      (u->api.easy_setopt(u->api.easy, CURLOPT_CAINFO, u->ca_file) != CURLE_OK ||
	       u->api.easy_setopt(u->api.easy, CURLOPT_CAPATH, (char *)NULL) != CURLE_OK))))
		err = medfw_diag_set(diag, MEDFW_ERR_FETCH, "%s: cannot set up the transfer", url);
	if (err == MEDFW_OK) {
		rc = u->api.easy_perform(u->api.easy);
		u->api.easy_getinfo(u->api.easy, CURLINFO_RESPONSE_CODE, &status);
		if (st.read_error)
			err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: reading the file to send failed",
					     url);
		else if (st.too_large)
			err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
					     "%s: response larger than %u bytes", url,
					     MEDFW_UPLOAD_RESPONSE_MAX);
		else if (rc != CURLE_OK)
			err = medfw_diag_set(diag, MEDFW_ERR_FETCH, "%s: %s", url,
					     errbuf[0] != 0 ? errbuf : u->api.easy_strerror(rc));
	}
	/* the token was in a header buffer: wipe it */
	medfw_wipe(auth, sizeof(auth));
	u->api.easy_setopt(u->api.easy, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
	u->api.slist_free_all(headers);
	if (err == MEDFW_OK)
		*out_status = (status > 0 && status < 1000) ? (int)status : 0;
	else
		medfw_buf_free(out_body);
	return err;
}
