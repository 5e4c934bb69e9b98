/* libcurl loaded with dlopen(): its dependency tree (GnuTLS, LDAP, Kerberos, ...) costs
 * about 4 ms at every process start, and only network commands need it. Internal to
 * libmedfw (fetch_curl.c, upload_curl.c). */
#ifndef MEDFW_CURL_DL_H
#define MEDFW_CURL_DL_H

#include <curl/curl.h>

#include "medfw/error.h"

#define MEDFWI_LIBCURL_SONAME "libcurl.so.4"

/* The libcurl functions medfw calls, resolved from the loaded library. */
struct medfwi_curl {
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
	CURL *easy; /* one easy handle, made by medfwi_curl_open */
};

/* Load libcurl, resolve every function, curl_global_init, make the easy handle. On
 * failure nothing stays loaded and *api is zeroed. */
enum medfw_err medfwi_curl_open(struct medfwi_curl *api, struct medfw_diag *diag);
/* Undo medfwi_curl_open (a zeroed api is a no-op). */
void medfwi_curl_close(struct medfwi_curl *api);

#endif
