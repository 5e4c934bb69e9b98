/* Sending files to a server over HTTP(S) (medfw push): libcurl, loaded with dlopen()
 * as the fetcher does (src/lib/fetch_curl.c), so only network commands pay for it.
 *
 * One request at a time: METHOD url with a body streamed from an open file or from
 * memory (a GET sends none), an optional bearer token, and the response (status and a
 * bounded body).
 * Redirects are not followed (a token must not travel to another host). */
#ifndef MEDFW_UPLOAD_H
#define MEDFW_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "medfw/buf.h"
#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest response body kept; more is an error (MEDFW_ERR_TOO_LARGE). */
#define MEDFW_UPLOAD_RESPONSE_MAX (64u * 1024u)
#define MEDFW_UPLOAD_CONNECT_TIMEOUT 15
/* A transfer that moves less than 1 byte/s for this long is aborted (no total timeout:
 * a body is streamed from its file, whatever its size). */
#define MEDFW_UPLOAD_STALL_TIMEOUT 120

struct medfw_uploader;

/* Freed by medfw_uploader_free (NULL-safe). MEDFW_ERR_FETCH when libcurl is missing. */
enum medfw_err medfw_uploader_new(struct medfw_uploader **out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;
void medfw_uploader_free(struct medfw_uploader *u);
/* Trust only the CA certificates of the PEM file `ca_file` for https (the system store
 * is not used then); NULL: the system store. The path is copied. */
enum medfw_err medfw_uploader_set_ca_file(struct medfw_uploader *u, const char *ca_file,
					  struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* The request body: `len` bytes from fd (>= 0; read from its current offset) or, when
 * fd < 0, from `data`. */
struct medfw_upload_body {
	int fd;
	const uint8_t *data;
	uint64_t len;
	const char *content_type; /* NULL: application/octet-stream */
};

/* Send the request. Any HTTP status is a success of the transfer: *out_status gets it
 * and out_body (initialised here, freed by the caller) the response body. Transport
 * failures are MEDFW_ERR_FETCH naming the URL. */
enum medfw_err medfw_upload(struct medfw_uploader *u, const char *method, const char *url,
			    const char *bearer_token, const struct medfw_upload_body *body,
			    int *out_status, struct medfw_buf *out_body,
			    struct medfw_diag *diag) MEDFW_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
