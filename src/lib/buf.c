/* Bounded byte buffers and atomic file I/O. */
#include "medfw/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

void medfw_buf_init(struct medfw_buf *buf, size_t max)
{
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
	/* One byte is always kept for the terminating NUL, so len + 1 cannot overflow. */
	buf->max = max < SIZE_MAX / 2 ? max : SIZE_MAX / 2;
}

void medfw_buf_free(struct medfw_buf *buf)
{
	if (buf == NULL)
		return;
	if (buf->data != NULL) {
		OPENSSL_cleanse(buf->data, buf->cap);
		free(buf->data);
	}
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
}

void medfw_buf_reset(struct medfw_buf *buf)
{
	buf->len = 0;
	if (buf->data != NULL)
		buf->data[0] = 0;
}

static enum medfw_err buf_reserve(struct medfw_buf *buf, size_t extra)
{
	size_t need, ncap;
	uint8_t *ndata;

	if (extra > buf->max - buf->len || buf->len > buf->max)
		return MEDFW_ERR_TOO_LARGE;
	need = buf->len + extra + 1; /* +1 for the terminating NUL */
	if (need <= buf->cap)
		return MEDFW_OK;
	ncap = buf->cap != 0 ? buf->cap : 256;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	if (ncap > buf->max + 1)
		ncap = buf->max + 1;
	ndata = malloc(ncap);
	if (ndata == NULL)
		return MEDFW_ERR_NOMEM;
	if (buf->data != NULL) {
		memcpy(ndata, buf->data, buf->len);
		OPENSSL_cleanse(buf->data, buf->cap);
		free(buf->data);
	}
	buf->data = ndata;
	buf->cap = ncap;
	return MEDFW_OK;
}

enum medfw_err medfw_buf_append(struct medfw_buf *buf, const void *data, size_t len)
{
	enum medfw_err err = buf_reserve(buf, len);

	if (err != MEDFW_OK)
		return err;
	if (len != 0)
		memcpy(buf->data + buf->len, data, len);
	buf->len += len;
	buf->data[buf->len] = 0;
	return MEDFW_OK;
}

enum medfw_err medfw_buf_append_str(struct medfw_buf *buf, const char *str)
{
	return medfw_buf_append(buf, str, strlen(str));
}

enum medfw_err medfw_buf_printf(struct medfw_buf *buf, const char *fmt, ...)
{
	va_list ap;
	int n;
	enum medfw_err err;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return MEDFW_ERR_INVALID_ARG;
	err = buf_reserve(buf, (size_t)n);
	if (err != MEDFW_OK)
		return err;
	va_start(ap, fmt);
	vsnprintf((char *)buf->data + buf->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf->len += (size_t)n;
	return MEDFW_OK;
}

uint8_t *medfw_buf_steal(struct medfw_buf *buf, size_t *out_len)
{
	uint8_t *data = buf->data;

	if (out_len != NULL)
		*out_len = buf->len;
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
	return data;
}

enum medfw_err medfw_file_read(const char *path, size_t max, struct medfw_buf *out,
			       struct medfw_diag *diag)
{
	enum medfw_err err = MEDFW_OK;
	struct stat st;
	uint8_t chunk[65536];
	int fd;

	medfw_buf_init(out, max);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return medfw_diag_set(diag, errno == ENOENT ? MEDFW_ERR_NOT_FOUND : MEDFW_ERR_IO,
				      "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: not a regular file", path);
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				     "%s: %lld bytes, more than the limit of %zu", path,
				     (long long)st.st_size, max);
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: read: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		err = medfw_buf_append(out, chunk, (size_t)n);
		if (err != MEDFW_OK) {
			medfw_diag_set(diag, err, "%s: more than the limit of %zu bytes", path, max);
			goto out;
		}
	}
	if (out->data == NULL)
		err = medfw_buf_append(out, "", 0); /* empty file: still a valid pointer */
out:
	close(fd);
	if (err != MEDFW_OK)
		medfw_buf_free(out);
	return err;
}

enum medfw_err medfw_write_all(int fd, const void *data, size_t len, const char *what,
			       struct medfw_diag *diag)
{
	const uint8_t *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return medfw_diag_set(diag, MEDFW_ERR_IO, "%s: write: %s", what,
					      strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return MEDFW_OK;
}

static enum medfw_err write_all(int fd, const void *data, size_t len, const char *path,
				struct medfw_diag *diag)
{
	enum medfw_err err = medfw_write_all(fd, data, len, path, diag);

	if (err == MEDFW_OK && fsync(fd) != 0)
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: fsync: %s", path, strerror(errno));
	return err;
}

enum medfw_err medfw_fsync_parent(const char *path, struct medfw_diag *diag)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n;
	int fd;

	if (slash == NULL) {
		dir[0] = '.';
		dir[1] = 0;
	} else {
		n = (size_t)(slash - path);
		if (n == 0)
			n = 1;
		if (n >= sizeof(dir))
			return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: path too long", path);
		memcpy(dir, path, n);
		dir[n] = 0;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", dir, strerror(errno));
	if (fsync(fd) != 0) {
		close(fd);
		return medfw_diag_set(diag, MEDFW_ERR_IO, "%s: fsync: %s", dir, strerror(errno));
	}
	close(fd);
	return MEDFW_OK;
}

enum medfw_err medfw_file_write_atomic(const char *path, const void *data, size_t len,
				       unsigned mode, struct medfw_diag *diag)
{
	char tmp[PATH_MAX];
	enum medfw_err err;
	int fd, n;

	/* A unique temporary name beside the target, so rename() is atomic. */
	n = snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: path too long", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", tmp, strerror(errno));
	if (fchmod(fd, (mode_t)mode) != 0) {
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: chmod: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return err;
	}
	err = write_all(fd, data, len, tmp, diag);
	if (close(fd) != 0 && err == MEDFW_OK)
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: close: %s", tmp, strerror(errno));
	if (err == MEDFW_OK && rename(tmp, path) != 0)
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: rename: %s", path, strerror(errno));
	if (err != MEDFW_OK) {
		unlink(tmp);
		return err;
	}
	return medfw_fsync_parent(path, diag);
}

enum medfw_err medfw_file_write_new(const char *path, const void *data, size_t len,
				    unsigned mode, struct medfw_diag *diag)
{
	enum medfw_err err;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, (mode_t)mode);

	if (fd < 0)
		return medfw_diag_set(diag, errno == EEXIST ? MEDFW_ERR_EXISTS : MEDFW_ERR_IO,
				      "%s: %s", path, strerror(errno));
	err = write_all(fd, data, len, path, diag);
	if (close(fd) != 0 && err == MEDFW_OK)
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: close: %s", path, strerror(errno));
	if (err != MEDFW_OK) {
		unlink(path);
		return err;
	}
	return medfw_fsync_parent(path, diag);
}

enum medfw_err medfw_mkdir_p(const char *path, unsigned mode, struct medfw_diag *diag)
{
	char tmp[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(tmp))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "bad directory path");
	memcpy(tmp, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (tmp[i] != '/' && tmp[i] != 0)
			continue;
		tmp[i] = 0;
		if (mkdir(tmp, (mode_t)mode) != 0 && errno != EEXIST)
			return medfw_diag_set(diag, MEDFW_ERR_IO, "%s: mkdir: %s", tmp,
					      strerror(errno));
		if (i < len)
			tmp[i] = '/';
	}
	return MEDFW_OK;
}

enum medfw_err medfw_hex_encode(const uint8_t *data, size_t len, char *out, size_t out_cap)
{
	static const char digits[] = "0123456789abcdef";

	if (len > (SIZE_MAX - 1) / 2 || out_cap < 2 * len + 1)
		return MEDFW_ERR_INVALID_ARG;
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 0xf];
	}
	out[2 * len] = 0;
	return MEDFW_OK;
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum medfw_err medfw_hex_decode(const char *hex, uint8_t *out, size_t out_cap, size_t *out_len)
{
	size_t n = strlen(hex);

	*out_len = 0;
	if (n % 2 != 0 || n / 2 > out_cap) {
		memset(out, 0, out_cap);
		return MEDFW_ERR_FIELD_VALUE;
	}
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hex_val(hex[2 * i]), lo = hex_val(hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			memset(out, 0, out_cap);
			return MEDFW_ERR_FIELD_VALUE;
		}
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*out_len = n / 2;
	return MEDFW_OK;
}
