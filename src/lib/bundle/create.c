/* medfw_bundle_create: collect a target's metadata chain and image from a repository,
 * verify them, write the bundle atomically and verify what was written. */
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
#include "medfw/repo.h"

#define CREATE_ZSTD_LEVEL 3
#define CREATE_ZSTD_WINDOW_LOG 22 /* within the verifier's limit (23) */

struct repo_source {
	const char *dir;
	struct bundle_files *files;
};

static enum medfw_err read_meta(const char *dir, const char *rel, size_t max,
				struct medfw_buf *out, struct medfw_diag *diag)
{
	char path[PATH_MAX];
	struct medfw_buf b;
	enum medfw_err err;

	if (medfw_repo_path(dir, rel, path, sizeof(path)) != MEDFW_OK)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: path too long", dir);
	err = medfw_file_read(path, max, &b, diag);
	if (err != MEDFW_OK)
		return err;
	medfw_buf_reset(out);
	err = medfw_buf_append(out, b.data, b.len);
	medfw_buf_free(&b);
	return err;
}

/* Delegated targets come from REPO/metadata/VERSION.ROLE.json. */
static enum medfw_err fetch_from_repo(void *user, const char *role, int64_t version,
				      const struct medfw_buf **out, struct medfw_diag *diag)
{
	struct repo_source *src = user;
	struct bundle_files *f = src->files;
	struct bundle_delegated_file *d;
	char rel[400];
	enum medfw_err err;

	if (f->delegated_count >= MEDFW_BUNDLE_MAX_DELEGATED)
		return MEDFW_ERR_TOO_LARGE;
	if (snprintf(rel, sizeof(rel), "metadata/%lld.%s.json", (long long)version, role) >=
	    (int)sizeof(rel))
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "role name too long");
	d = &f->delegated[f->delegated_count];
	d->name = strdup(role);
	if (d->name == NULL)
		return MEDFW_ERR_NOMEM;
	medfw_buf_init(&d->data, MEDFW_TUF_TARGETS_MAX_LEN);
	f->delegated_count++;
	err = read_meta(src->dir, rel, MEDFW_TUF_TARGETS_MAX_LEN, &d->data, diag);
	d->used = 1;
	*out = &d->data;
	return err;
}

static enum medfw_err collect(const char *dir, struct bundle_files *f, struct medfw_diag *diag)
{
	struct medfw_tuf_meta *ts = NULL, *snap = NULL;
	const struct medfw_tuf_metafile *mf;
	enum medfw_err err = MEDFW_OK;
	char rel[128];

	for (size_t v = 1; v <= MEDFW_BUNDLE_MAX_ROOTS; v++) {
		char path[PATH_MAX];

		snprintf(rel, sizeof(rel), "metadata/%zu.root.json", v);
		if (medfw_repo_path(dir, rel, path, sizeof(path)) != MEDFW_OK)
			return MEDFW_ERR_TOO_LARGE;
		if (access(path, F_OK) != 0)
			break;
		err = read_meta(dir, rel, MEDFW_TUF_ROOT_MAX_LEN, &f->roots[f->root_count], diag);
		if (err != MEDFW_OK)
			return err;
		f->root_count++;
	}
	if (f->root_count == 0)
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
				      "%s: no published root (metadata/1.root.json)", dir);
	err = read_meta(dir, "metadata/timestamp.json", MEDFW_TUF_TIMESTAMP_MAX_LEN, &f->timestamp,
			diag);
	if (err == MEDFW_OK)
		err = medfw_tuf_meta_parse_unverified(f->timestamp.data, f->timestamp.len,
						      MEDFW_TUF_TIMESTAMP_MAX_LEN,
						      MEDFW_TUF_TIMESTAMP, &ts, diag);
	if (err == MEDFW_OK) {
		mf = medfw_tuf_meta_file(ts, "snapshot.json");
		snprintf(rel, sizeof(rel), "metadata/%lld.snapshot.json", (long long)mf->version);
		err = read_meta(dir, rel, MEDFW_TUF_SNAPSHOT_MAX_LEN, &f->snapshot, diag);
	}
	if (err == MEDFW_OK)
		err = medfw_tuf_meta_parse_unverified(f->snapshot.data, f->snapshot.len,
						      MEDFW_TUF_SNAPSHOT_MAX_LEN, MEDFW_TUF_SNAPSHOT,
						      &snap, diag);
	if (err == MEDFW_OK) {
		mf = medfw_tuf_meta_file(snap, "targets.json");
		if (mf == NULL)
			err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
					     "snapshot: no entry for targets.json");
	}
	if (err == MEDFW_OK) {
		snprintf(rel, sizeof(rel), "metadata/%lld.targets.json", (long long)mf->version);
		err = read_meta(dir, rel, MEDFW_TUF_TARGETS_MAX_LEN, &f->targets, diag);
	}
	medfw_tuf_meta_free(ts);
	medfw_tuf_meta_free(snap);
	return err;
}


/* Copy (or compress) the image from in_fd to out_fd; *stored gets the bytes written. */
static enum medfw_err copy_image(int in_fd, int out_fd, bool compress, uint64_t *stored,
				 struct medfw_diag *diag)
{
	size_t out_cap = ZSTD_CStreamOutSize();
	uint8_t *in = malloc(MEDFW_BUNDLE_CHUNK), *outb = malloc(out_cap);
	ZSTD_CCtx *cctx = NULL;
	enum medfw_err err = MEDFW_OK;

	*stored = 0;
	if (in == NULL || outb == NULL) {
		err = MEDFW_ERR_NOMEM;
		goto out;
	}
	if (compress) {
		cctx = ZSTD_createCCtx();
		if (cctx == NULL ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel,
							 CREATE_ZSTD_LEVEL)) ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog,
							 CREATE_ZSTD_WINDOW_LOG)) ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1))) {
			err = MEDFW_ERR_COMPRESSION;
			goto out;
		}
	}
	for (;;) {
		ssize_t n = read(in_fd, in, MEDFW_BUNDLE_CHUNK);
		int last;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = medfw_diag_set(diag, MEDFW_ERR_IO, "image: read: %s", strerror(errno));
			goto out;
		}
		last = n == 0;
		if (cctx == NULL) {
			if (last)
				break;
			err = medfw_write_all(out_fd, in, (size_t)n, "bundle", diag);
			*stored += (uint64_t)n;
		} else {
			ZSTD_inBuffer ib = {in, (size_t)n, 0};
			ZSTD_EndDirective mode = last ? ZSTD_e_end : ZSTD_e_continue;
			size_t rem;

			do {
				ZSTD_outBuffer ob = {outb, out_cap, 0};

				rem = ZSTD_compressStream2(cctx, &ob, &ib, mode);
				if (ZSTD_isError(rem)) {
					err = medfw_diag_set(diag, MEDFW_ERR_COMPRESSION, "zstd: %s",
							     ZSTD_getErrorName(rem));
					goto out;
				}
				err = medfw_write_all(out_fd, outb, ob.pos, "bundle", diag);
				*stored += ob.pos;
			} while (err == MEDFW_OK && (last ? rem != 0 : ib.pos < ib.size));
			if (last)
				break;
		}
		if (err != MEDFW_OK)
			goto out;
	}
out:
	ZSTD_freeCCtx(cctx);
	free(in);
	free(outb);
	return err;
}

static enum medfw_err copy_fd(int in_fd, int out_fd, struct medfw_diag *diag)
{
	uint8_t *buf = malloc(MEDFW_BUNDLE_CHUNK);
	enum medfw_err err = MEDFW_OK;

	if (buf == NULL)
		return MEDFW_ERR_NOMEM;
	for (;;) {
		ssize_t n = read(in_fd, buf, MEDFW_BUNDLE_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = medfw_diag_set(diag, MEDFW_ERR_IO, "read: %s", strerror(errno));
			break;
		}
		if (n == 0)
			break;
		err = medfw_write_all(out_fd, buf, (size_t)n, "bundle", diag);
		if (err != MEDFW_OK)
			break;
	}
	free(buf);
	return err;
}

static int make_temp(const char *base, const char *suffix, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s%s", base, suffix);

	if (n < 0 || (size_t)n >= cap) {
		out[0] = 0;
		return -1;
	}
	n = mkstemp(out);
	if (n < 0)
		out[0] = 0;
	return n;
}

enum medfw_err medfw_bundle_create(struct medfw_ctx *ctx, const char *repo_dir,
				   const char *target_name, bool compress, const char *out_path,
				   struct medfw_diag *diag)
{
	struct bundle_files *files = NULL;
	struct bundle_chain chain;
	struct repo_source src;
	struct medfw_bundle_result check;
	struct medfw_buf hdr;
	char image_path[PATH_MAX], rel[PATH_MAX], tmp_bundle[PATH_MAX], tmp_image[PATH_MAX];
	uint8_t prefix[MEDFW_BUNDLE_PREFIX_LEN];
	uint64_t stored = 0;
	int img_fd = -1, zimg_fd = -1, out_fd = -1;
	enum medfw_err err;

	memset(&chain, 0, sizeof(chain));
	tmp_bundle[0] = 0;
	tmp_image[0] = 0;
	medfw_buf_init(&hdr, MEDFW_BUNDLE_HEADER_MAX);
	if (ctx == NULL || repo_dir == NULL || target_name == NULL || out_path == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "bundle create: missing argument");
	files = malloc(sizeof(*files));
	if (files == NULL)
		return MEDFW_ERR_NOMEM;
	medfwi_bundle_files_init(files);
	src.dir = repo_dir;
	src.files = files;

	/* 1. The repository's metadata must verify, from its own first root. */
	err = collect(repo_dir, files, diag);
	if (err == MEDFW_OK)
		err = medfwi_bundle_verify_meta(ctx, files->roots[0].data, files->roots[0].len, files,
						target_name, fetch_from_repo, &src, &chain, diag);
	if (err != MEDFW_OK)
		goto out;

	/* 2. The image, compressed into a temporary file first when asked (the header
	 * needs its stored length). */
	if (snprintf(rel, sizeof(rel), "targets/%s", target_name) >= (int)sizeof(rel) ||
	    medfw_repo_path(repo_dir, rel, image_path, sizeof(image_path)) != MEDFW_OK) {
		err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "target name too long");
		goto out;
	}
	img_fd = open(image_path, O_RDONLY | O_CLOEXEC);
	if (img_fd < 0) {
		err = medfw_diag_set(diag, errno == ENOENT ? MEDFW_ERR_NOT_FOUND : MEDFW_ERR_IO,
				     "%s: %s", image_path, strerror(errno));
		goto out;
	}
	if (compress) {
		zimg_fd = make_temp(out_path, ".zst-XXXXXX", tmp_image, sizeof(tmp_image));
		if (zimg_fd < 0) {
			err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", out_path, strerror(errno));
			goto out;
		}
		err = copy_image(img_fd, zimg_fd, true, &stored, diag);
		if (err == MEDFW_OK && lseek(zimg_fd, 0, SEEK_SET) != 0)
			err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: seek", tmp_image);
	} else {
		struct stat st;

		if (fstat(img_fd, &st) != 0 || !S_ISREG(st.st_mode))
			err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: not a regular file", image_path);
		else
			stored = (uint64_t)st.st_size;
	}
	if (err != MEDFW_OK)
		goto out;

	/* 3. Prefix, header, metadata, image into a temporary file beside out_path. */
	err = medfwi_bundle_header_build(files, target_name, compress ? BUNDLE_ZSTD : BUNDLE_RAW,
					 stored, &hdr, diag);
	if (err != MEDFW_OK)
		goto out;
	out_fd = make_temp(out_path, ".tmp-XXXXXX", tmp_bundle, sizeof(tmp_bundle));
	if (out_fd < 0) {
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", out_path, strerror(errno));
		goto out;
	}
	memcpy(prefix, MEDFW_BUNDLE_MAGIC, MEDFW_BUNDLE_MAGIC_LEN);
	prefix[8] = (uint8_t)(hdr.len >> 24);
	prefix[9] = (uint8_t)(hdr.len >> 16);
	prefix[10] = (uint8_t)(hdr.len >> 8);
	prefix[11] = (uint8_t)hdr.len;
	err = medfw_write_all(out_fd, prefix, sizeof(prefix), "bundle", diag);
	if (err == MEDFW_OK)
		err = medfw_write_all(out_fd, hdr.data, hdr.len, "bundle", diag);
	for (size_t i = 0; err == MEDFW_OK && i < files->root_count; i++)
		err = medfw_write_all(out_fd, files->roots[i].data, files->roots[i].len, "bundle", diag);
	if (err == MEDFW_OK)
		err = medfw_write_all(out_fd, files->timestamp.data, files->timestamp.len, "bundle", diag);
	if (err == MEDFW_OK)
		err = medfw_write_all(out_fd, files->snapshot.data, files->snapshot.len, "bundle", diag);
	if (err == MEDFW_OK)
		err = medfw_write_all(out_fd, files->targets.data, files->targets.len, "bundle", diag);
	for (size_t i = 0; err == MEDFW_OK && i < files->delegated_count; i++)
		err = medfw_write_all(out_fd, files->delegated[i].data.data,
				      files->delegated[i].data.len, "bundle", diag);
	if (err == MEDFW_OK)
		err = copy_fd(compress ? zimg_fd : img_fd, out_fd, diag);
	if (err == MEDFW_OK && (fchmod(out_fd, 0644) != 0 || fsync(out_fd) != 0))
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", tmp_bundle, strerror(errno));
	if (err != MEDFW_OK)
		goto out;

	/* 4. What was written must verify exactly as a hospital will verify it. */
	err = medfw_bundle_verify(ctx, tmp_bundle, files->roots[0].data, files->roots[0].len, NULL,
				  &check, diag);
	medfw_bundle_result_clear(&check);
	if (err == MEDFW_OK && rename(tmp_bundle, out_path) != 0)
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", out_path, strerror(errno));
	if (err == MEDFW_OK) {
		tmp_bundle[0] = 0;
		err = medfw_fsync_parent(out_path, diag);
	}
	if (err == MEDFW_OK)
		medfw_log(ctx, MEDFW_LOG_INFO, "bundle.create", "bundle %s of target %s written",
			  out_path, target_name);
out:
	if (out_fd >= 0)
		close(out_fd);
	if (tmp_bundle[0] != 0)
		unlink(tmp_bundle);
	if (zimg_fd >= 0)
		close(zimg_fd);
	if (tmp_image[0] != 0)
		unlink(tmp_image);
	if (img_fd >= 0)
		close(img_fd);
	medfw_buf_free(&hdr);
	medfwi_bundle_chain_free(&chain);
	medfwi_bundle_files_free(files);
	free(files);
	return err;
}
