/* The fleet simulator's client for medfwd's people API (/api/v1/...), authenticated
 * with an API token (Authorization: Bearer): device import, enrolment tokens, the
 * director root. Internal to libmedfw's users in this tree (medfw-sim); the device
 * routes go through medfw/device_client.h instead.
 *
 * libcurl is loaded with dlopen (curl_dl.h) and set up as the device client sets it
 * up: https only with the given CA file as the only trust anchor (http:// only when
 * the configuration allows it), no redirects (the token must not travel elsewhere),
 * no proxies from the environment, a connect and a whole-request timeout, and every
 * response body bounded by the caller's limit. The token is kept in memory wiped on
 * free and never logged or put into a diag.
 *
 * One client per thread. Freed by medfw_sim_api_free (NULL-safe). */
#ifndef MEDFW_SIM_API_H
#define MEDFW_SIM_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "medfw/buf.h"
#include "medfw/error.h"

/* Longest API token accepted ("mft_..." tokens are far shorter). */
#define MEDFW_SIM_API_TOKEN_MAX 512u
/* Longest request path ("/api/v1/..." with its query). */
#define MEDFW_SIM_API_PATH_MAX 1024u

struct medfw_sim_api_config {
	const char *server_url; /* "https://host:port" or "http://host:port", no path */
	const char *ca_file;    /* PEM, required for https */
	bool allow_http;
	const char *token;      /* copied */
	uint32_t connect_timeout; /* seconds, >= 1 */
	uint32_t request_timeout; /* seconds, >= 1 */
};

struct medfw_sim_api;

enum medfw_err medfw_sim_api_new(const struct medfw_sim_api_config *cfg,
				 struct medfw_sim_api **out,
				 struct medfw_diag *diag) MEDFW_WARN_UNUSED;
void medfw_sim_api_free(struct medfw_sim_api *api);

/* METHOD server_url+path with an optional body (content_type NULL: none sent when
 * body_len is 0, else application/json). Any HTTP answer is a success of the call:
 * *out_status gets the status and `out` (initialised here with limit max_response,
 * freed by the caller, also on failure) the body. MEDFW_ERR_INVALID_ARG for a path
 * that is not "/api/..." of printable ASCII without spaces, MEDFW_ERR_TOO_LARGE for
 * an answer over max_response, MEDFW_ERR_FETCH for connection / TLS / timeout
 * failures (curl's reason in the diag, never the token). */
enum medfw_err medfw_sim_api_call(struct medfw_sim_api *api, const char *method, const char *path,
				  const char *content_type, const void *body, size_t body_len,
				  size_t max_response, int *out_status, struct medfw_buf *out,
				  struct medfw_diag *diag) MEDFW_WARN_UNUSED;

#endif
