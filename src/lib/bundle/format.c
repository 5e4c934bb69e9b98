/* Bundle layout: prefix, strict header, metadata files (docs/formats/bundle.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle_internal.h"
#include "medfw/json.h"
#include "medfw/repo.h"

void medfwi_bundle_files_init(struct bundle_files *f)
{
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < MEDFW_BUNDLE_MAX_ROOTS; i++)
		medfw_buf_init(&f->roots[i], MEDFW_TUF_ROOT_MAX_LEN);
	medfw_buf_init(&f->timestamp, MEDFW_TUF_TIMESTAMP_MAX_LEN);
	medfw_buf_init(&f->snapshot, MEDFW_TUF_SNAPSHOT_MAX_LEN);
	medfw_buf_init(&f->targets, MEDFW_TUF_TARGETS_MAX_LEN);
}

void medfwi_bundle_files_free(struct bundle_files *f)
{
	for (size_t i = 0; i < f->root_count; i++)
		medfw_buf_free(&f->roots[i]);
	medfw_buf_free(&f->timestamp);
	medfw_buf_free(&f->snapshot);
	medfw_buf_free(&f->targets);
	for (size_t i = 0; i < f->delegated_count; i++) {
		free(f->delegated[i].name);
		medfw_buf_free(&f->delegated[i].data);
	}
	medfwi_bundle_files_init(f);
}

void medfwi_bundle_header_free(struct bundle_header *h)
{
	json_decref(h->doc);
	memset(h, 0, sizeof(*h));
}

static enum medfw_err bad(struct medfw_diag *diag, const char *msg)
{
	return medfw_diag_set(diag, MEDFW_ERR_BUNDLE_FORMAT, "bundle header: %s", msg);
}

/* Expected position of entry i: roots, then timestamp, snapshot, targets, delegated. */
static enum medfw_err check_entry_order(struct bundle_header *h, struct medfw_diag *diag)
{
	size_t i = 0, n = h->entry_count, roots = 0;
	enum medfw_tuf_role_type t;

	while (i < n && strcmp(h->entries[i].name, "root") == 0) {
		i++;
		roots++;
	}
	if (roots == 0 || roots > MEDFW_BUNDLE_MAX_ROOTS)
		return bad(diag, "metadata must start with 1 to 256 root files");
	if (n - i < 3 || strcmp(h->entries[i].name, "timestamp") != 0 ||
	    strcmp(h->entries[i + 1].name, "snapshot") != 0 ||
	    strcmp(h->entries[i + 2].name, "targets") != 0)
		return bad(diag, "root files must be followed by timestamp, snapshot, targets");
	i += 3;
	if (n - i > MEDFW_BUNDLE_MAX_DELEGATED)
		return bad(diag, "too many delegated targets files");
	for (size_t d = i; d < n; d++) {
		if (medfw_tuf_role_parse(h->entries[d].name, &t) == MEDFW_OK ||
		    h->entries[d].name[0] == 0)
			return bad(diag, "a delegated role cannot be named after a top-level role");
		for (size_t e = i; e < d; e++)
			if (strcmp(h->entries[e].name, h->entries[d].name) == 0)
				return bad(diag, "a delegated role appears twice");
	}
	return MEDFW_OK;
}

static int role_for_entry(const char *name, enum medfw_tuf_role_type *out)
{
	if (medfw_tuf_role_parse(name, out) != MEDFW_OK)
		*out = MEDFW_TUF_TARGETS; /* delegated targets */
	return 1;
}

enum medfw_err medfwi_bundle_header_parse(const uint8_t *data, size_t len,
					  struct bundle_header *out, struct medfw_diag *diag)
{
	struct medfw_diag inner;
	json_t *doc = NULL, *image, *meta, *v, *e;
	const char *s;
	int64_t n;
	size_t i;
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	medfw_diag_clear(&inner);
	err = medfw_json_parse(data, len, MEDFW_BUNDLE_HEADER_MAX, MEDFW_BUNDLE_HEADER_DEPTH, &doc,
			       &inner);
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, MEDFW_ERR_BUNDLE_FORMAT, "bundle header: %s",
				      medfw_diag_message(&inner, err));
	out->doc = doc;
	if (!json_is_object(doc) || json_object_size(doc) != 4)
		goto fail_keys;
	if (medfw_json_get_int(doc, "header", "format", 0, INT64_MAX, &n, NULL) != MEDFW_OK ||
	    n != MEDFW_BUNDLE_FORMAT_VERSION) {
		err = bad(diag, "\"format\" must be 1");
		goto fail;
	}
	if (medfw_json_get_string(doc, "header", "target", &out->target, NULL) != MEDFW_OK ||
	    out->target[0] == 0 || json_string_length(json_object_get(doc, "target")) !=
					    strlen(out->target) ||
	    strlen(out->target) > MEDFW_BUNDLE_TARGET_NAME_MAX) {
		err = bad(diag, "\"target\" must be a non-empty name of at most 1024 bytes");
		goto fail;
	}
	if (medfw_json_get_object(doc, "header", "image", &image, NULL) != MEDFW_OK ||
	    json_object_size(image) != 2 ||
	    medfw_json_get_string(image, "header", "encoding", &s, NULL) != MEDFW_OK ||
	    medfw_json_get_int(image, "header", "stored_length", 0, MEDFW_IMAGE_MAX_LEN, &n,
			       NULL) != MEDFW_OK) {
		err = bad(diag, "\"image\" must be {\"encoding\", \"stored_length\" <= 64 GiB}");
		goto fail;
	}
	if (strcmp(s, "raw") == 0) {
		out->encoding = BUNDLE_RAW;
	} else if (strcmp(s, "zstd") == 0) {
		out->encoding = BUNDLE_ZSTD;
	} else {
		err = bad(diag, "\"image.encoding\" must be \"raw\" or \"zstd\"");
		goto fail;
	}
	out->stored_length = (uint64_t)n;
	if (medfw_json_get_array(doc, "header", "metadata", &meta, NULL) != MEDFW_OK ||
	    json_array_size(meta) > sizeof(out->entries) / sizeof(out->entries[0])) {
		err = bad(diag, "\"metadata\" must be an array of at most 291 files");
		goto fail;
	}
	json_array_foreach(meta, i, e) {
		enum medfw_tuf_role_type type;
		size_t max;

		if (!json_is_object(e) || json_object_size(e) != 2 ||
		    medfw_json_get_string(e, "header", "name", &out->entries[i].name, NULL) !=
			    MEDFW_OK ||
		    json_string_length(json_object_get(e, "name")) != strlen(out->entries[i].name) ||
		    strlen(out->entries[i].name) > 255 ||
		    medfw_json_get_int(e, "header", "length", 1, INT64_MAX, &n, NULL) != MEDFW_OK) {
			err = bad(diag, "each \"metadata\" entry must be {\"name\", \"length\" >= 1}");
			goto fail;
		}
		role_for_entry(out->entries[i].name, &type);
		max = medfw_tuf_role_max_len(type);
		if ((uint64_t)n > max) {
			err = medfw_diag_set(diag, MEDFW_ERR_BUNDLE_FORMAT,
					     "bundle header: %s metadata of %lld bytes exceeds the "
					     "limit of %zu", out->entries[i].name, (long long)n, max);
			goto fail;
		}
		out->entries[i].length = (size_t)n;
		if ((uint64_t)n > MEDFW_BUNDLE_METADATA_MAX - out->metadata_length) {
			err = bad(diag, "metadata exceeds 32 MiB in total");
			goto fail;
		}
		out->metadata_length += (uint64_t)n;
		out->entry_count = i + 1;
	}
	err = check_entry_order(out, diag);
	if (err != MEDFW_OK)
		goto fail;
	json_object_foreach(doc, s, v) {
		if (strcmp(s, "format") != 0 && strcmp(s, "target") != 0 &&
		    strcmp(s, "image") != 0 && strcmp(s, "metadata") != 0)
			goto fail_keys;
	}
	return MEDFW_OK;
fail_keys:
	err = bad(diag, "must be an object with exactly \"format\", \"target\", \"image\", "
			"\"metadata\"");
fail:
	medfwi_bundle_header_free(out);
	return err;
}

enum medfw_err medfwi_bundle_header_build(const struct bundle_files *files, const char *target,
					  enum bundle_encoding enc, uint64_t stored_length,
					  struct medfw_buf *out, struct medfw_diag *diag)
{
	json_t *doc, *meta;
	enum medfw_err err = MEDFW_OK;

	meta = json_array();
	doc = json_pack("{s:i, s:s, s:{s:s, s:I}, s:O}", "format", MEDFW_BUNDLE_FORMAT_VERSION,
			"target", target, "image", "encoding", enc == BUNDLE_ZSTD ? "zstd" : "raw",
			"stored_length", (json_int_t)stored_length, "metadata", meta);
	if (doc == NULL || meta == NULL)
		err = MEDFW_ERR_NOMEM;
#define ADD(nm, b)                                                                           \
	do {                                                                                 \
		if (err == MEDFW_OK &&                                                       \
		    json_array_append_new(meta, json_pack("{s:s, s:I}", "name", (nm), "length", \
							  (json_int_t)(b).len)) != 0)        \
			err = MEDFW_ERR_NOMEM;                                               \
	} while (0)
	for (size_t i = 0; i < files->root_count; i++)
		ADD("root", files->roots[i]);
	ADD("timestamp", files->timestamp);
	ADD("snapshot", files->snapshot);
	ADD("targets", files->targets);
	for (size_t i = 0; i < files->delegated_count; i++)
		ADD(files->delegated[i].name, files->delegated[i].data);
#undef ADD
	if (err == MEDFW_OK)
		err = medfw_json_canonical(doc, out, diag);
	if (err == MEDFW_OK && out->len > MEDFW_BUNDLE_HEADER_MAX)
		err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "bundle header over 64 KiB");
	json_decref(meta);
	json_decref(doc);
	return err;
}

/* Read exactly len bytes; TRUNCATED at end of file. */
static enum medfw_err read_exact(int fd, void *buf, size_t len, const char *what,
				 struct medfw_diag *diag)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return medfw_diag_set(diag, MEDFW_ERR_IO, "bundle: reading %s: %s", what,
					      strerror(errno));
		if (n == 0)
			return medfw_diag_set(diag, MEDFW_ERR_TRUNCATED,
					      "bundle: truncated: file ends inside %s", what);
		p += n;
		len -= (size_t)n;
	}
	return MEDFW_OK;
}

static enum medfw_err read_into(int fd, size_t len, struct medfw_buf *b, const char *what,
				struct medfw_diag *diag)
{
	uint8_t *tmp = malloc(len);
	enum medfw_err err;

	medfw_buf_reset(b);
	if (tmp == NULL)
		return MEDFW_ERR_NOMEM;
	err = read_exact(fd, tmp, len, what, diag);
	if (err == MEDFW_OK)
		err = medfw_buf_append(b, tmp, len);
	free(tmp);
	return err;
}

enum medfw_err medfwi_bundle_read_layout(int fd, uint64_t file_size, struct bundle_header *hdr,
					 struct bundle_files *files, struct medfw_diag *diag)
{
	uint8_t prefix[MEDFW_BUNDLE_PREFIX_LEN];
	uint8_t *hbytes = NULL;
	uint32_t hlen;
	uint64_t rest, total;
	enum medfw_err err;
	size_t e;

	memset(hdr, 0, sizeof(*hdr));
	if (file_size < MEDFW_BUNDLE_MAGIC_LEN)
		return medfw_diag_set(diag, MEDFW_ERR_TRUNCATED, "bundle: truncated: file ends inside the magic");
	err = read_exact(fd, prefix, MEDFW_BUNDLE_MAGIC_LEN, "the magic", diag);
	if (err != MEDFW_OK)
		return err;
	if (memcmp(prefix, MEDFW_BUNDLE_MAGIC, MEDFW_BUNDLE_MAGIC_LEN) != 0)
		return medfw_diag_set(diag, MEDFW_ERR_BUNDLE_FORMAT,
				      "bundle: not a medfw bundle (bad magic)");
	err = read_exact(fd, prefix + MEDFW_BUNDLE_MAGIC_LEN,
			 MEDFW_BUNDLE_PREFIX_LEN - MEDFW_BUNDLE_MAGIC_LEN, "the header length", diag);
	if (err != MEDFW_OK)
		return err;
	hlen = (uint32_t)prefix[8] << 24 | (uint32_t)prefix[9] << 16 | (uint32_t)prefix[10] << 8 |
	       prefix[11];
	if (hlen == 0)
		return medfw_diag_set(diag, MEDFW_ERR_BUNDLE_FORMAT, "bundle: empty header");
	if (hlen > MEDFW_BUNDLE_HEADER_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "bundle: header of %u bytes exceeds the limit of %u", hlen,
				      MEDFW_BUNDLE_HEADER_MAX);
	rest = file_size >= MEDFW_BUNDLE_PREFIX_LEN ? file_size - MEDFW_BUNDLE_PREFIX_LEN : 0;
	if (hlen > rest)
		return medfw_diag_set(diag, MEDFW_ERR_TRUNCATED, "bundle: truncated: file ends inside the header");
	hbytes = malloc(hlen);
	if (hbytes == NULL)
		return MEDFW_ERR_NOMEM;
	err = read_exact(fd, hbytes, hlen, "the header", diag);
	if (err == MEDFW_OK)
		err = medfwi_bundle_header_parse(hbytes, hlen, hdr, diag);
	free(hbytes);
	if (err != MEDFW_OK)
		return err;
	/* All terms are bounded (64 KiB, 32 MiB, 64 GiB): the sum cannot overflow. */
	total = MEDFW_BUNDLE_PREFIX_LEN + (uint64_t)hlen + hdr->metadata_length + hdr->stored_length;
	if (file_size < total) {
		err = medfw_diag_set(diag, MEDFW_ERR_TRUNCATED,
				     "bundle: truncated: %llu bytes, the header describes %llu",
				     (unsigned long long)file_size, (unsigned long long)total);
		goto fail;
	}
	if (file_size > total) {
		err = medfw_diag_set(diag, MEDFW_ERR_BUNDLE_FORMAT,
				     "bundle: %llu bytes of trailing data after the image",
				     (unsigned long long)(file_size - total));
		goto fail;
	}
	for (e = 0; e < hdr->entry_count; e++) {
		const char *name = hdr->entries[e].name;
		size_t len = hdr->entries[e].length;
		struct medfw_buf *b;
		char what[300];

		snprintf(what, sizeof(what), "metadata file %zu (%.200s)", e + 1, name);
		if (strcmp(name, "root") == 0) {
			b = &files->roots[files->root_count++];
		} else if (strcmp(name, "timestamp") == 0) {
			b = &files->timestamp;
		} else if (strcmp(name, "snapshot") == 0) {
			b = &files->snapshot;
		} else if (strcmp(name, "targets") == 0) {
			b = &files->targets;
		} else {
			struct bundle_delegated_file *d = &files->delegated[files->delegated_count];

			d->name = strdup(name);
			if (d->name == NULL) {
				err = MEDFW_ERR_NOMEM;
				goto fail;
			}
			medfw_buf_init(&d->data, MEDFW_TUF_TARGETS_MAX_LEN);
			files->delegated_count++;
			b = &d->data;
		}
		err = read_into(fd, len, b, what, diag);
		if (err != MEDFW_OK)
			goto fail;
	}
	return MEDFW_OK;
fail:
	medfwi_bundle_header_free(hdr);
	medfwi_bundle_files_free(files);
	return err;
}
