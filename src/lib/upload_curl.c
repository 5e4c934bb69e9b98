/* Uploads over libcurl, loaded with dlopen() (include/medfw/upload.h). */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "medfw/crypto.h"
#include "medfw/upload.h"

#define LIBCURL_SONAME "libcurl.so.4"
#define AUTH_HEADER_MAX 512

struct medfw_uploader {
	void *so;
	CURLcode (*global_init)(long flags);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
	CURLcode (*easy_perform)(CURL *curl);
	CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
	void (*easy_reset)(CURL *curl);
	void (*easy_cleanup)(CURL *curl);
	const char *(*easy_strerror)(CURLcode code);
	struct curl_slist *(*slist_append)(struct curl_slist *list, const char *s);
	void (*slist_free_all)(struct curl_slist *list);
	CURL *easy;
};

static int resolve(void *so, const char *name, void *fn_ptr, size_t fn_size)
{
	void *sym = dlsym(so, name);

	if (sym == NULL || fn_size != sizeof(sym))
		return -1;
	memcpy(fn_ptr, &sym, sizeof(sym));
	return 0;
}

#define RESOLVE(u, field, name) resolve((u)->so, name, &(u)->field, sizeof((u)->field))

enum medfw_err medfw_uploader_new(struct medfw_uploader **out, struct medfw_diag *diag)
{
	struct medfw_uploader *u = calloc(1, sizeof(*u));
	const char *why;

	*out = NULL;
	if (u == NULL)
		return MEDFW_ERR_NOMEM;
	u->so = dlopen(LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (u->so == NULL) {
		why = dlerror();
		free(u);
		return medfw_diag_set(diag, MEDFW_ERR_FETCH, "cannot load %s: %s", LIBCURL_SONAME,
				      why != NULL ? why : "unknown reason");
	}
	if (RESOLVE(u, global_init, "curl_global_init") != 0 ||
	    RESOLVE(u, global_cleanup, "curl_global_cleanup") != 0 ||
	    RESOLVE(u, easy_init, "curl_easy_init") != 0 ||
	    RESOLVE(u, easy_setopt, "curl_easy_setopt") != 0 ||
	    RESOLVE(u, easy_perform, "curl_easy_perform") != 0 ||
	    RESOLVE(u, easy_getinfo, "curl_easy_getinfo") != 0 ||
	    RESOLVE(u, easy_reset, "curl_easy_reset") != 0 ||
	    RESOLVE(u, easy_cleanup, "curl_easy_cleanup") != 0 ||
	    RESOLVE(u, easy_strerror, "curl_easy_strerror") != 0 ||
	    RESOLVE(u, slist_append, "curl_slist_append") != 0 ||
	    RESOLVE(u, slist_free_all, "curl_slist_free_all") != 0 ||
	    u->global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		dlclose(u->so);
		free(u);
		return medfw_diag_set(diag, MEDFW_ERR_FETCH, "cannot initialise %s", LIBCURL_SONAME);
	}
	u->easy = u->easy_init();
	if (u->easy == NULL) {
		u->global_cleanup();
		dlclose(u->so);
		free(u);
		return medfw_diag_set(diag, MEDFW_ERR_FETCH, "cannot initialise libcurl");
	}
	*out = u;
	return MEDFW_OK;
}

void medfw_uploader_free(struct medfw_uploader *u)
{
	if (u == NULL)
		return;
	u->easy_cleanup(u->easy);
	u->global_cleanup();
	dlclose(u->so);
	free(u);
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
	headers = u->slist_append(headers, ctype);
	if (headers != NULL)
		headers = u->slist_append(headers, "Expect:");
	if (headers != NULL && bearer_token != NULL) {
		if (snprintf(auth, sizeof(auth), "Authorization: Bearer %s", bearer_token) >=
		    (int)sizeof(auth))
			err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "token too long");
		else
			headers = u->slist_append(headers, auth);
	}
	if (err == MEDFW_OK && headers == NULL)
		err = MEDFW_ERR_NOMEM;
	u->easy_reset(u->easy);
	if (err == MEDFW_OK &&
	    (u->easy_setopt(u->easy, CURLOPT_URL, url) != CURLE_OK ||
	     u->easy_setopt(u->easy, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	     u->easy_setopt(u->easy, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	     u->easy_setopt(u->easy, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	     u->easy_setopt(u->easy, CURLOPT_CONNECTTIMEOUT, (long)MEDFW_UPLOAD_CONNECT_TIMEOUT) !=
		     CURLE_OK ||
	     u->easy_setopt(u->easy, CURLOPT_TIMEOUT, (long)MEDFW_UPLOAD_TIMEOUT) != CURLE_OK ||
	     u->easy_setopt(u->easy, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK ||
	     u->easy_setopt(u->easy, CURLOPT_USERAGENT, "medfw-push") != CURLE_OK ||
	     u->easy_setopt(u->easy, CURLOPT_HTTPHEADER, headers) != CURLE_OK ||
	     u->easy_setopt(u->easy, CURLOPT_UPLOAD, 1L) != CURLE_OK ||
	     u->easy_setopt(u->easy, CURLOPT_CUSTOMREQUEST, method) != CURLE_OK ||
	     u->easy_setopt(u->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)body->len) != CURLE_OK ||
	     u->easy_setopt(u->easy, CURLOPT_READFUNCTION, on_read) != CURLE_OK ||
	     u->easy_setopt(u->easy, CURLOPT_READDATA, &st) != CURLE_OK ||
	     u->easy_setopt(u->easy, CURLOPT_WRITEFUNCTION, on_write) != CURLE_OK ||
	     u->easy_setopt(u->easy, CURLOPT_WRITEDATA, &st) != CURLE_OK))
		err = medfw_diag_set(diag, MEDFW_ERR_FETCH, "%s: cannot set up the transfer", url);
	if (err == MEDFW_OK) {
		rc = u->easy_perform(u->easy);
		u->easy_getinfo(u->easy, CURLINFO_RESPONSE_CODE, &status);
		if (st.read_error)
			err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: reading the file to send failed",
					     url);
		else if (st.too_large)
			err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
					     "%s: response larger than %u bytes", url,
					     MEDFW_UPLOAD_RESPONSE_MAX);
		else if (rc != CURLE_OK)
			err = medfw_diag_set(diag, MEDFW_ERR_FETCH, "%s: %s", url,
					     errbuf[0] != 0 ? errbuf : u->easy_strerror(rc));
	}
	/* the token was in a header buffer: wipe it */
	medfw_wipe(auth, sizeof(auth));
	u->easy_setopt(u->easy, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
	u->slist_free_all(headers);
	if (err == MEDFW_OK)
		*out_status = (status > 0 && status < 1000) ? (int)status : 0;
	else
		medfw_buf_free(out_body);
	return err;
}
