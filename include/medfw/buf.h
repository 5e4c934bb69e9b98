/* Bounded byte buffers and file I/O.
 *
 * Every growable buffer has a hard maximum set at init; appending past it fails
 * with MEDFW_ERR_TOO_LARGE and leaves the buffer unchanged. Files are read with a
 * maximum size and written atomically (temporary file, fsync, rename, fsync dir) so
 * a reader never sees a half-written file and a power cut leaves the old or the new.
 */
#ifndef MEDFW_BUF_H
#define MEDFW_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct medfw_buf {
	uint8_t *data; /* always NUL-terminated past len when non-NULL */
	size_t len;
	size_t cap;
	size_t max;    /* hard limit on len */
};

/* Initialise an empty buffer that may grow to `max` bytes. No allocation. */
void medfw_buf_init(struct medfw_buf *buf, size_t max);

/* Free the storage (wiped first) and reset to empty; buf NULL is a no-op. */
void medfw_buf_free(struct medfw_buf *buf);

/* Drop the contents, keeping the storage and the limit. */
void medfw_buf_reset(struct medfw_buf *buf);

enum medfw_err medfw_buf_append(struct medfw_buf *buf, const void *data, size_t len);
enum medfw_err medfw_buf_append_str(struct medfw_buf *buf, const char *str);
enum medfw_err medfw_buf_printf(struct medfw_buf *buf, const char *fmt, ...) MEDFW_PRINTF(2, 3);

/* Hand the storage to the caller (who frees it with free()); the buffer is left
 * empty. Returns NULL for an empty buffer that never allocated. */
uint8_t *medfw_buf_steal(struct medfw_buf *buf, size_t *out_len);

/* Read a whole regular file of at most `max` bytes into `out` (initialised here;
 * the caller frees with medfw_buf_free). On failure `out` is empty. */
enum medfw_err medfw_file_read(const char *path, size_t max, struct medfw_buf *out,
			       struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Write all `len` bytes to fd (retrying short writes and EINTR); `what` names the
 * destination in the error message. No fsync. */
enum medfw_err medfw_write_all(int fd, const void *data, size_t len, const char *what,
			       struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Write `len` bytes to `path` atomically with permissions `mode`. */
enum medfw_err medfw_file_write_atomic(const char *path, const void *data, size_t len,
				       unsigned mode, struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Create a file exclusively (fails with MEDFW_ERR_EXISTS if it exists), write, fsync. */
enum medfw_err medfw_file_write_new(const char *path, const void *data, size_t len,
				    unsigned mode, struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Create a directory (and missing parents) with `mode`; existing is fine. */
enum medfw_err medfw_mkdir_p(const char *path, unsigned mode, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* fsync the directory that contains `path`. */
enum medfw_err medfw_fsync_parent(const char *path, struct medfw_diag *diag);

/* Lowercase hex of `len` bytes into `out` (capacity out_cap >= 2*len+1). */
enum medfw_err medfw_hex_encode(const uint8_t *data, size_t len, char *out, size_t out_cap);

/* Decode a hex string (either case) of even length at most 2*out_cap into `out`;
 * sets *out_len. On failure `out` is zeroed and *out_len is 0. */
enum medfw_err medfw_hex_decode(const char *hex, uint8_t *out, size_t out_cap, size_t *out_len);

#ifdef __cplusplus
}
#endif
#endif
