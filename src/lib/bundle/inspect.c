/* medfw_bundle_inspect_unverified: describe a bundle or a metadata file WITHOUT
 * verifying anything (for `medfw inspect`). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle_internal.h"
#include "medfw/json.h"
#include "medfw/num.h"

static json_t *time_str(int64_t t)
{
	char s[MEDFW_UTC_TIME_LEN + 1];

	if (medfw_format_utc_time(t, s, sizeof(s)) != MEDFW_OK)
		return json_string("?");
	return json_string(s);
}

static json_t *describe_meta(const struct medfw_tuf_meta *m)
{
	json_t *d = json_object(), *sigs = json_array(), *x;

	if (d == NULL || sigs == NULL) {
		json_decref(d);
		json_decref(sigs);
		return NULL;
	}
	json_object_set_new(d, "role", json_string(medfw_tuf_role_name(m->type)));
	json_object_set_new(d, "version", json_integer((json_int_t)m->version));
	json_object_set_new(d, "expires", time_str(m->expires));
	for (size_t i = 0; i < m->sig_count; i++)
		json_array_append_new(sigs, json_string(m->sigs[i].keyid));
	json_object_set_new(d, "signature_keyids", sigs);
	switch (m->type) {
	case MEDFW_TUF_ROOT:
		x = json_object();
		for (unsigned r = 0; x != NULL && r < MEDFW_TUF_TOP_ROLES; r++) {
			const struct medfw_tuf_role_keys *rk = &m->roles[r];
			json_t *ids = json_array();

			for (size_t k = 0; ids != NULL && k < rk->keyid_count; k++)
				json_array_append_new(ids, json_string(rk->keyids[k]));
			json_object_set_new(x, medfw_tuf_role_name((enum medfw_tuf_role_type)r),
					    json_pack("{s:I, s:o*}", "threshold",
						      (json_int_t)rk->threshold, "keyids", ids));
		}
		json_object_set_new(d, "roles", x);
		break;
	case MEDFW_TUF_TIMESTAMP:
	case MEDFW_TUF_SNAPSHOT:
		x = json_object();
		for (size_t i = 0; x != NULL && i < m->meta_count; i++)
			json_object_set_new(x, m->meta[i].name,
					    json_integer((json_int_t)m->meta[i].version));
		json_object_set_new(d, "meta_versions", x);
		break;
	case MEDFW_TUF_TARGETS:
		x = json_object();
		for (size_t i = 0; x != NULL && i < m->target_count; i++) {
			const struct medfw_tuf_target *t = &m->targets[i];
			json_t *n = json_object_get(
				json_object_get(t->custom, MEDFW_NOTICE_CUSTOM_NAMESPACE),
				MEDFW_NOTICE_CUSTOM_KEY);

			json_object_set_new(x, t->path,
					    json_pack("{s:I, s:O, s:O*}", "length",
						      (json_int_t)t->length, "hashes", t->hashes,
						      "release_notice", n));
		}
		json_object_set_new(d, "targets", x);
		x = json_array();
		for (size_t i = 0; x != NULL && i < m->delegated_count; i++)
			json_array_append_new(x, json_string(m->delegated[i].keys.name));
		json_object_set_new(d, "delegated_roles", x);
		break;
	}
	return d;
}

/* Metadata file of unknown role: read signed._type first. */
static enum medfw_err describe_bytes(const uint8_t *data, size_t len, json_t **out,
				     struct medfw_diag *diag)
{
	struct medfw_tuf_meta *m = NULL;
	enum medfw_tuf_role_type type;
	json_t *doc = NULL;
	const char *rtype = NULL;
	enum medfw_err err;

	*out = NULL;
	err = medfw_json_parse(data, len, MEDFW_TUF_TARGETS_MAX_LEN, MEDFW_TUF_MAX_DEPTH, &doc, diag);
	if (err != MEDFW_OK)
		return err;
	rtype = json_string_value(json_object_get(json_object_get(doc, "signed"), "_type"));
	if (rtype == NULL || medfw_tuf_role_parse(rtype, &type) != MEDFW_OK)
		err = medfw_diag_set(diag, MEDFW_ERR_ROLE_TYPE,
				     "not TUF metadata (no known signed._type)");
	if (err == MEDFW_OK)
		err = medfw_tuf_meta_parse_unverified(data, len, MEDFW_TUF_TARGETS_MAX_LEN, type, &m,
						      diag);
	json_decref(doc);
	if (err == MEDFW_OK) {
		*out = describe_meta(m);
		if (*out == NULL)
			err = MEDFW_ERR_NOMEM;
	}
	medfw_tuf_meta_free(m);
	return err;
}

static enum medfw_err inspect_bundle(int fd, uint64_t size, json_t *out, struct medfw_diag *diag)
{
	struct bundle_files *files = malloc(sizeof(*files));
	struct bundle_header hdr;
	json_t *list;
	enum medfw_err err;
	size_t r = 0, dl = 0;

	if (files == NULL)
		return MEDFW_ERR_NOMEM;
	medfwi_bundle_files_init(files);
	err = medfwi_bundle_read_layout(fd, size, &hdr, files, diag);
	if (err != MEDFW_OK) {
		free(files);
		return err;
	}
	list = json_array();
	json_object_set_new(out, "kind", json_string("bundle"));
	json_object_set_new(out, "target", json_string(hdr.target));
	json_object_set_new(out, "image_encoding",
			    json_string(hdr.encoding == BUNDLE_ZSTD ? "zstd" : "raw"));
	json_object_set_new(out, "image_stored_length", json_integer((json_int_t)hdr.stored_length));
	for (size_t e = 0; err == MEDFW_OK && e < hdr.entry_count; e++) {
		const char *name = hdr.entries[e].name;
		const struct medfw_buf *b;
		json_t *d = NULL;

		if (strcmp(name, "root") == 0)
			b = &files->roots[r++];
		else if (strcmp(name, "timestamp") == 0)
			b = &files->timestamp;
		else if (strcmp(name, "snapshot") == 0)
			b = &files->snapshot;
		else if (strcmp(name, "targets") == 0)
			b = &files->targets;
		else
			b = &files->delegated[dl++].data;
		if (describe_bytes(b->data, b->len, &d, NULL) != MEDFW_OK)
			d = json_pack("{s:s, s:s}", "role", name, "error", "unparseable");
		json_object_set_new(d, "file_name", json_string(name));
		json_object_set_new(d, "length", json_integer((json_int_t)b->len));
		json_array_append_new(list, d);
	}
	json_object_set_new(out, "metadata", list);
	medfwi_bundle_header_free(&hdr);
	medfwi_bundle_files_free(files);
	free(files);
	return err;
}

enum medfw_err medfw_bundle_inspect_unverified(struct medfw_ctx *ctx, const char *path,
					       json_t **out, struct medfw_diag *diag)
{
	uint8_t magic[MEDFW_BUNDLE_MAGIC_LEN];
	json_t *d = NULL;
	struct stat st;
	enum medfw_err err;
	ssize_t n;
	int fd;

	(void)ctx;
	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return medfw_diag_set(diag, errno == ENOENT ? MEDFW_ERR_NOT_FOUND : MEDFW_ERR_IO,
				      "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return medfw_diag_set(diag, MEDFW_ERR_IO, "%s: not a regular file", path);
	}
	n = pread(fd, magic, sizeof(magic), 0);
	if (n == (ssize_t)sizeof(magic) &&
	    memcmp(magic, MEDFW_BUNDLE_MAGIC, MEDFW_BUNDLE_MAGIC_LEN) == 0) {
		d = json_object();
		err = d != NULL ? inspect_bundle(fd, (uint64_t)st.st_size, d, diag) : MEDFW_ERR_NOMEM;
	} else {
		struct medfw_buf b;

		err = medfw_file_read(path, MEDFW_TUF_TARGETS_MAX_LEN, &b, diag);
		if (err == MEDFW_OK) {
			err = describe_bytes(b.data, b.len, &d, diag);
			medfw_buf_free(&b);
		}
		if (err == MEDFW_OK)
			json_object_set_new(d, "kind", json_string("metadata"));
	}
	close(fd);
	if (err != MEDFW_OK) {
		json_decref(d);
		return err;
	}
	json_object_set_new(d, "verified", json_false());
	*out = d;
	return MEDFW_OK;
}
