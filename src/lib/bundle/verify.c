/* medfw_bundle_verify: metadata chain, release notice policy, then the image streamed
 * through the signed length and hashes in constant memory. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "bundle_internal.h"

/* zstd window limit: 8 MiB keeps decompression memory bounded (RSS budget 16 MiB). */
#define BUNDLE_ZSTD_WINDOW_LOG_MAX 23

void medfw_bundle_result_clear(struct medfw_bundle_result *result)
{
	if (result == NULL)
		return;
	medfw_notice_free(result->release_notice);
	memset(result, 0, sizeof(*result));
}

/* Delegated files come from the bundle, by role name; each may be used once. */
static enum medfw_err fetch_from_bundle(void *user, const char *role, int64_t version,
					const struct medfw_buf **out, struct medfw_diag *diag)
{
	struct bundle_files *files = user;

	(void)version;
	for (size_t i = 0; i < files->delegated_count; i++) {
		if (strcmp(files->delegated[i].name, role) == 0) {
			files->delegated[i].used = 1;
			*out = &files->delegated[i].data;
			return MEDFW_OK;
		}
	}
	return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
			      "delegated role \"%.200s\": not in the bundle", role);
}

/* Where the verified image goes while it is being checked. */
struct sink {
	int fd;
	char tmp_path[PATH_MAX];
	medfw_bundle_sink_fn fn; /* the caller's streaming receiver, or NULL */
	void *fn_user;
};

static enum medfw_err sink_open(struct sink *s, const char *dest, struct medfw_diag *diag)
{
	int n;

	s->fd = -1;
	s->tmp_path[0] = 0;
	if (dest == NULL)
		return MEDFW_OK;
	n = snprintf(s->tmp_path, sizeof(s->tmp_path), "%s.medfw-tmp-XXXXXX", dest);
	if (n < 0 || (size_t)n >= sizeof(s->tmp_path)) {
		s->tmp_path[0] = 0;
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "extract: path too long");
	}
	s->fd = mkstemp(s->tmp_path);
	if (s->fd < 0) {
		s->tmp_path[0] = 0;
		return medfw_diag_set(diag, MEDFW_ERR_IO, "extract: %s: %s", dest, strerror(errno));
	}
	return MEDFW_OK;
}

static enum medfw_err sink_write(struct sink *s, const uint8_t *p, size_t len,
				 struct medfw_diag *diag)
{
	if (s->fn != NULL && len > 0) {
		enum medfw_err err = s->fn(s->fn_user, p, len, diag);

		if (err != MEDFW_OK)
			return err;
	}
	while (s->fd >= 0 && len > 0) {
		ssize_t n = write(s->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return medfw_diag_set(diag, MEDFW_ERR_IO, "extract: write: %s",
					      strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return MEDFW_OK;
}

/* Commit: fsync, rename over dest, fsync the directory. */
static enum medfw_err sink_commit(struct sink *s, const char *dest, struct medfw_diag *diag)
{
	enum medfw_err err = MEDFW_OK;

	if (s->fd < 0)
		return MEDFW_OK;
	if (fchmod(s->fd, 0644) != 0 || fsync(s->fd) != 0)
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "extract: %s: %s", s->tmp_path,
				     strerror(errno));
	if (close(s->fd) != 0 && err == MEDFW_OK)
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "extract: close: %s", strerror(errno));
	s->fd = -1;
	if (err == MEDFW_OK && rename(s->tmp_path, dest) != 0)
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "extract: %s: %s", dest, strerror(errno));
	if (err == MEDFW_OK) {
		s->tmp_path[0] = 0;
		err = medfw_fsync_parent(dest, diag);
	}
	return err;
}

static void sink_abort(struct sink *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (s->tmp_path[0] != 0)
		unlink(s->tmp_path);
	s->tmp_path[0] = 0;
}

static enum medfw_err read_some(int fd, uint8_t *buf, size_t want, size_t *got,
				struct medfw_diag *diag)
{
	for (;;) {
		ssize_t n = read(fd, buf, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return medfw_diag_set(diag, MEDFW_ERR_IO, "image: read: %s", strerror(errno));
		if (n == 0)
			return medfw_diag_set(diag, MEDFW_ERR_TRUNCATED, "image: file ends early");
		*got = (size_t)n;
		return MEDFW_OK;
	}
}

/* Stream stored_length bytes from fd through the hash check (decompressing zstd). */
static enum medfw_err stream_image(int fd, const struct bundle_header *hdr,
				   struct medfw_tuf_hash_check *hc, struct sink *sink,
				   struct medfw_diag *diag)
{
	uint8_t *in = NULL, *outb = NULL;
	size_t out_cap = ZSTD_DStreamOutSize();
	uint64_t left = hdr->stored_length;
	ZSTD_DCtx *dctx = NULL;
	size_t zret = 0;
	enum medfw_err err = MEDFW_OK;

	in = malloc(MEDFW_BUNDLE_CHUNK);
	if (in == NULL)
		return MEDFW_ERR_NOMEM;
	if (hdr->encoding == BUNDLE_ZSTD) {
		dctx = ZSTD_createDCtx();
		outb = malloc(out_cap);
		if (dctx == NULL || outb == NULL) {
			err = MEDFW_ERR_NOMEM;
			goto out;
		}
		if (ZSTD_isError(ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax,
							BUNDLE_ZSTD_WINDOW_LOG_MAX))) {
			err = MEDFW_ERR_COMPRESSION;
			goto out;
		}
	}
	while (left > 0) {
		size_t want = left < MEDFW_BUNDLE_CHUNK ? (size_t)left : MEDFW_BUNDLE_CHUNK, got = 0;

		err = read_some(fd, in, want, &got, diag);
		if (err != MEDFW_OK)
			goto out;
		left -= got;
		if (dctx == NULL) {
			err = medfw_tuf_hash_check_update(hc, in, got, diag);
			if (err == MEDFW_OK)
				err = sink_write(sink, in, got, diag);
			if (err != MEDFW_OK)
				goto out;
			continue;
		}
		{
			ZSTD_inBuffer ib = {in, got, 0};

			while (ib.pos < ib.size) {
				ZSTD_outBuffer ob = {outb, out_cap, 0};

				zret = ZSTD_decompressStream(dctx, &ob, &ib);
				if (ZSTD_isError(zret)) {
					err = medfw_diag_set(diag, MEDFW_ERR_COMPRESSION,
							     "image: zstd: %s",
							     ZSTD_getErrorName(zret));
					goto out;
				}
				err = medfw_tuf_hash_check_update(hc, outb, ob.pos, diag);
				if (err == MEDFW_OK)
					err = sink_write(sink, outb, ob.pos, diag);
				if (err != MEDFW_OK)
					goto out;
			}
		}
	}
	if (dctx != NULL) {
		/* Flush what the decoder still holds once the input is consumed. */
		for (int rounds = 0; zret != 0; rounds++) {
			ZSTD_inBuffer ib = {in, 0, 0};
			ZSTD_outBuffer ob = {outb, out_cap, 0};

			zret = ZSTD_decompressStream(dctx, &ob, &ib);
			if (ZSTD_isError(zret) || (ob.pos == 0 && zret != 0) || rounds > 1024) {
				err = medfw_diag_set(diag, MEDFW_ERR_COMPRESSION,
						     "image: zstd stream is truncated or malformed");
				goto out;
			}
			err = medfw_tuf_hash_check_update(hc, outb, ob.pos, diag);
			if (err == MEDFW_OK)
				err = sink_write(sink, outb, ob.pos, diag);
			if (err != MEDFW_OK)
				goto out;
		}
		if (hdr->stored_length == 0)
			err = medfw_diag_set(diag, MEDFW_ERR_COMPRESSION, "image: empty zstd stream");
	}
out:
	ZSTD_freeDCtx(dctx);
	free(outb);
	free(in);
	return err;
}

static enum medfw_err check_policy(const struct medfw_release_notice *notice,
				   const struct medfw_bundle_policy *policy,
				   struct medfw_diag *diag)
{
	if (policy == NULL)
		return MEDFW_OK;
	if (policy->hardware_id != NULL &&
	    !medfw_notice_applies_to_hardware(notice, policy->hardware_id))
		return medfw_diag_set(diag, MEDFW_ERR_HARDWARE,
				      "release notice: not for hardware \"%.128s\"",
				      policy->hardware_id);
	if (notice->security_version < policy->min_security_version)
		return medfw_diag_set(diag, MEDFW_ERR_SECURITY_VERSION,
				      "release notice: security version %llu is below the minimum "
				      "%llu",
				      (unsigned long long)notice->security_version,
				      (unsigned long long)policy->min_security_version);
	return MEDFW_OK;
}

enum medfw_err medfw_bundle_verify(struct medfw_ctx *ctx, const char *bundle_path,
				   const uint8_t *trusted_root, size_t trusted_root_len,
				   const struct medfw_bundle_policy *policy,
				   struct medfw_bundle_result *out, struct medfw_diag *diag)
{
	enum medfw_err result = MEDFW_ERR_STATE; /* fails closed: set to OK in one place */
	enum medfw_err err;
	struct bundle_files *files = NULL;
	struct bundle_header hdr;
	struct bundle_chain chain;
	struct medfw_release_notice *notice = NULL;
	struct medfw_tuf_hash_check *hc = NULL;
	struct medfw_diag inner;
	struct sink sink = {-1, {0}, NULL, NULL};
	const char *dest = policy != NULL ? policy->extract_path : NULL;
	const json_t *sha;
	struct stat st;
	int fd = -1;

	memset(&hdr, 0, sizeof(hdr));
	memset(&chain, 0, sizeof(chain));
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (ctx == NULL || bundle_path == NULL || trusted_root == NULL || out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "bundle verify: missing argument");
	files = malloc(sizeof(*files));
	if (files == NULL)
		return MEDFW_ERR_NOMEM;
	medfwi_bundle_files_init(files);

	fd = open(bundle_path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		err = medfw_diag_set(diag, errno == ENOENT ? MEDFW_ERR_NOT_FOUND : MEDFW_ERR_IO,
				     "%s: %s", bundle_path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: not a regular file", bundle_path);
		goto out;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	err = medfwi_bundle_read_layout(fd, (uint64_t)st.st_size, &hdr, files, diag);
	if (err != MEDFW_OK)
		goto out;

	err = medfwi_bundle_verify_meta(ctx, trusted_root, trusted_root_len, files, hdr.target,
					fetch_from_bundle, files, &chain, diag);
	if (err != MEDFW_OK)
		goto out;
	for (size_t i = 0; i < files->delegated_count; i++) {
		if (!files->delegated[i].used) {
			err = medfw_diag_set(diag, MEDFW_ERR_BUNDLE_FORMAT,
					     "bundle: delegated role \"%.200s\" is not on the path "
					     "to the target", files->delegated[i].name);
			goto out;
		}
	}

	/* The release notice, signed with the target. */
	medfw_diag_clear(&inner);
	err = medfw_notice_from_target_custom(chain.target->custom, &notice, &inner);
	if (err != MEDFW_OK) {
		err = medfw_diag_set(diag, err, "target %.200s: %s", chain.target->path,
				     medfw_diag_message(&inner, err));
		goto out;
	}
	err = check_policy(notice, policy, diag);
	if (err != MEDFW_OK)
		goto out;
	if (policy != NULL && policy->check != NULL) {
		struct medfw_bundle_release_info info = {
			.target_name = chain.target->path,
			.notice = notice,
			.image_length = chain.target->length,
			.hashes = chain.target->hashes,
			.compressed = hdr.encoding == BUNDLE_ZSTD,
		};

		err = policy->check(policy->check_user, &info, diag);
		if (err != MEDFW_OK)
			goto out;
	}

	/* The image: its length and hashes come from the signed target only. */
	if (chain.target->length > MEDFW_IMAGE_MAX_LEN) {
		err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "target %.200s: longer than 64 GiB",
				     chain.target->path);
		goto out;
	}
	if (hdr.encoding == BUNDLE_RAW && hdr.stored_length != (uint64_t)chain.target->length) {
		err = medfw_diag_set(diag, MEDFW_ERR_LENGTH_MISMATCH,
				     "image: %llu bytes in the bundle, signed length is %lld",
				     (unsigned long long)hdr.stored_length,
				     (long long)chain.target->length);
		goto out;
	}
	err = medfw_tuf_hash_check_new(chain.target->length, chain.target->hashes, "image", &hc,
				       diag);
	if (err == MEDFW_OK)
		err = sink_open(&sink, dest, diag);
	if (err == MEDFW_OK && policy != NULL) {
		sink.fn = policy->sink;
		sink.fn_user = policy->sink_user;
	}
	if (err == MEDFW_OK)
		err = stream_image(fd, &hdr, hc, &sink, diag);
	if (err == MEDFW_OK)
		err = medfw_tuf_hash_check_finish(hc, diag);
	if (err != MEDFW_OK)
		goto out;
	err = sink_commit(&sink, dest, diag);
	if (err != MEDFW_OK)
		goto out;

	/* Every check passed. */
	out->release_notice = notice;
	notice = NULL;
	snprintf(out->target_name, sizeof(out->target_name), "%s", chain.target->path);
	out->image_length = (uint64_t)chain.target->length;
	sha = json_object_get(chain.target->hashes, "sha256");
	if (json_is_string(sha))
		snprintf(out->image_sha256_hex, sizeof(out->image_sha256_hex), "%s",
			 json_string_value(sha));
	out->compressed = hdr.encoding == BUNDLE_ZSTD;
	out->stored_length = hdr.stored_length;
	out->trusted_root_version = chain.trusted_root_version;
	memcpy(out->roles, chain.roles, sizeof(out->roles));
	out->role_count = chain.role_count;
	result = MEDFW_OK;
	medfw_log(ctx, MEDFW_LOG_INFO, "bundle.verify.ok", "bundle %s: target %s verified",
		  bundle_path, out->target_name);
out:
	if (result != MEDFW_OK) {
		sink_abort(&sink);
		medfw_bundle_result_clear(out);
		if (err == MEDFW_OK)
			err = MEDFW_ERR_STATE;
		medfw_log(ctx, MEDFW_LOG_WARNING, "bundle.verify.fail", "bundle %s: %s",
			  bundle_path, medfw_diag_message(diag, err));
	}
	medfw_tuf_hash_check_free(hc);
	medfw_notice_free(notice);
	medfwi_bundle_chain_free(&chain);
	medfwi_bundle_header_free(&hdr);
	medfwi_bundle_files_free(files);
	free(files);
	if (fd >= 0)
		close(fd);
	return result == MEDFW_OK ? MEDFW_OK : err;
}
