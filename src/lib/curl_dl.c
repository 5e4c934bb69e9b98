/* libcurl loaded with dlopen() (see curl_dl.h). */
#include <dlfcn.h>
#include <string.h>

#include "curl_dl.h"

/* dlsym gives an object pointer; copying it is the portable way to a function. */
static int resolve(void *so, const char *name, void *fn_ptr, size_t fn_size)
{
	void *sym = dlsym(so, name);

	if (sym == NULL || fn_size != sizeof(sym))
		return -1;
	memcpy(fn_ptr, &sym, sizeof(sym));
	return 0;
}

#define RESOLVE(api, field, name) resolve((api)->so, name, &(api)->field, sizeof((api)->field))

enum medfw_err medfwi_curl_open(struct medfwi_curl *api, struct medfw_diag *diag)
{
	const char *why;

	memset(api, 0, sizeof(*api));
	/* RTLD_NODELETE: libcurl and what it pulls in (GnuTLS, nettle, ... with thread-local
	 * storage) stay mapped after dlclose. Unmapping them left stale dynamic-TLS entries
	 * that LeakSanitizer's exit scan tripped over, and a process that makes one client
	 * after another (the agent, the simulator) gains nothing from unloading. */
	api->so = dlopen(MEDFWI_LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (api->so == NULL) {
		why = dlerror();
		return medfw_diag_set(diag, MEDFW_ERR_FETCH, "cannot load %s: %s",
				      MEDFWI_LIBCURL_SONAME, why != NULL ? why : "unknown reason");
	}
	if (RESOLVE(api, global_init, "curl_global_init") != 0 ||
	    RESOLVE(api, global_cleanup, "curl_global_cleanup") != 0 ||
	    RESOLVE(api, easy_init, "curl_easy_init") != 0 ||
	    RESOLVE(api, easy_setopt, "curl_easy_setopt") != 0 ||
	    RESOLVE(api, easy_perform, "curl_easy_perform") != 0 ||
	    RESOLVE(api, easy_getinfo, "curl_easy_getinfo") != 0 ||
	    RESOLVE(api, easy_reset, "curl_easy_reset") != 0 ||
	    RESOLVE(api, easy_cleanup, "curl_easy_cleanup") != 0 ||
	    RESOLVE(api, easy_strerror, "curl_easy_strerror") != 0 ||
	    RESOLVE(api, slist_append, "curl_slist_append") != 0 ||
	    RESOLVE(api, slist_free_all, "curl_slist_free_all") != 0) {
		dlclose(api->so);
		memset(api, 0, sizeof(*api));
		return medfw_diag_set(diag, MEDFW_ERR_FETCH, "%s lacks a needed function",
				      MEDFWI_LIBCURL_SONAME);
	}
	if (api->global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		dlclose(api->so);
		memset(api, 0, sizeof(*api));
		return medfw_diag_set(diag, MEDFW_ERR_FETCH, "cannot initialise libcurl");
	}
	api->easy = api->easy_init();
	if (api->easy == NULL) {
		api->global_cleanup();
		dlclose(api->so);
		memset(api, 0, sizeof(*api));
		return medfw_diag_set(diag, MEDFW_ERR_FETCH, "cannot initialise libcurl");
	}
	return MEDFW_OK;
}

void medfwi_curl_close(struct medfwi_curl *api)
{
	if (api->so == NULL)
		return;
	api->easy_cleanup(api->easy);
	api->global_cleanup();
	dlclose(api->so);
	memset(api, 0, sizeof(*api));
}
