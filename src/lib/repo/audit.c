/* The repository's hash-chained audit trail (REPO/audit.log). */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "medfw/json.h"
#include "repo_internal.h"

#define AUDIT_FILE "audit.log"
#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

static void line_hash(const uint8_t *line, size_t len, char out[2 * MEDFW_SHA256_LEN + 1])
{
	uint8_t d[MEDFW_SHA256_LEN];
	size_t n;

	if (medfw_hash_oneshot(MEDFW_HASH_SHA256, line, len, d, sizeof(d), &n) != MEDFW_OK ||
	    medfw_hex_encode(d, n, out, 2 * MEDFW_SHA256_LEN + 1) != MEDFW_OK)
		memcpy(out, ZERO_HASH, sizeof(ZERO_HASH));
}

/* Walk the lines of an audit log; for each, check its "prev" against the running hash.
 * Sets *out_last to the hash of the last line. */
static enum medfw_err walk(const struct medfw_buf *log, size_t *out_records,
			   char out_last[2 * MEDFW_SHA256_LEN + 1], struct medfw_diag *diag)
{
	char prev[2 * MEDFW_SHA256_LEN + 1] = ZERO_HASH;
	size_t off = 0, records = 0;

	while (off < log->len) {
		const uint8_t *line = log->data + off;
		const uint8_t *nl = memchr(line, '\n', log->len - off);
		size_t len;
		json_t *rec = NULL;
		const char *got;
		int ok;

		if (nl == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_TRUNCATED,
					      "audit.log: line %zu is not terminated", records + 1);
		len = (size_t)(nl - line);
		ok = medfw_json_parse(line, len, len, 8, &rec, NULL) == MEDFW_OK;
		got = ok ? json_string_value(json_object_get(rec, "prev")) : NULL;
		ok = got != NULL && strcmp(got, prev) == 0;
		json_decref(rec);
		if (!ok)
			return medfw_diag_set(diag, MEDFW_ERR_HASH_MISMATCH,
					      "audit.log: the chain is broken at line %zu", records + 1);
		line_hash(line, len, prev);
		records++;
		off += len + 1;
	}
	*out_records = records;
	memcpy(out_last, prev, sizeof(prev));
	return MEDFW_OK;
}

enum medfw_err medfw_repo_audit_verify(const char *dir, size_t *out_records,
				       struct medfw_diag *diag)
{
	char path[PATH_MAX], last[2 * MEDFW_SHA256_LEN + 1];
	struct medfw_buf log;
	enum medfw_err err;

	*out_records = 0;
	if (medfw_repo_path(dir, AUDIT_FILE, path, sizeof(path)) != MEDFW_OK)
		return MEDFW_ERR_TOO_LARGE;
	err = medfw_file_read(path, MEDFW_REPO_AUDIT_MAX, &log, diag);
	if (err != MEDFW_OK)
		return err;
	err = walk(&log, out_records, last, diag);
	medfw_buf_free(&log);
	return err;
}

enum medfw_err medfwi_repo_audit_check(const char *dir, struct medfw_diag *diag)
{
	struct medfw_diag inner;
	size_t records;
	enum medfw_err err;

	medfw_diag_clear(&inner);
	err = medfw_repo_audit_verify(dir, &records, &inner);
	if (err == MEDFW_ERR_NOT_FOUND)
		return medfw_diag_set(diag, MEDFW_ERR_STATE,
				      "%s: the audit trail (audit.log) is missing", dir);
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, "%s", medfw_diag_message(&inner, err));
	if (records == 0)
		return medfw_diag_set(diag, MEDFW_ERR_STATE, "%s: the audit trail is empty", dir);
	return MEDFW_OK;
}

static void user_name(char *out, size_t cap)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
		snprintf(out, cap, "%s", res->pw_name);
	else
		snprintf(out, cap, "unknown");
}

enum medfw_err medfw_repo_audit(struct medfw_ctx *ctx, const char *dir, const char *event,
				json_t *details, struct medfw_diag *diag)
{
	char path[PATH_MAX], last[2 * MEDFW_SHA256_LEN + 1], user[256];
	struct medfw_buf log, line;
	enum medfw_err err;
	json_t *rec = NULL;
	size_t records;
	int fd;

	if (details == NULL)
		details = json_object();
	medfw_buf_init(&line, 64 * 1024);
	if (medfw_repo_path(dir, AUDIT_FILE, path, sizeof(path)) != MEDFW_OK) {
		json_decref(details);
		return MEDFW_ERR_TOO_LARGE;
	}
	fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		json_decref(details);
		return medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", path, strerror(errno));
	}
	if (flock(fd, LOCK_EX) != 0) {
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: lock: %s", path, strerror(errno));
		goto out;
	}
	err = medfw_file_read(path, MEDFW_REPO_AUDIT_MAX, &log, diag);
	if (err != MEDFW_OK)
		goto out;
	/* Never extend a broken chain: the break must stay visible. */
	err = walk(&log, &records, last, diag);
	medfw_buf_free(&log);
	if (err != MEDFW_OK)
		goto out;
	user_name(user, sizeof(user));
	rec = json_object();
	if (rec == NULL || json_object_update(rec, details) != 0 ||
	    json_object_set_new(rec, "time", medfw_tuf_time_json(medfw_ctx_now(ctx))) != 0 ||
	    json_object_set_new(rec, "event", json_string(event)) != 0 ||
	    json_object_set_new(rec, "uid", json_integer((json_int_t)geteuid())) != 0 ||
	    json_object_set_new(rec, "user", json_string(user)) != 0 ||
	    json_object_set_new(rec, "prev", json_string(last)) != 0) {
		err = MEDFW_ERR_NOMEM;
		goto out;
	}
	err = medfw_json_canonical(rec, &line, diag);
	if (err == MEDFW_OK && memchr(line.data, '\n', line.len) != NULL)
		err = medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "audit record contains a newline");
	if (err == MEDFW_OK)
		err = medfw_buf_append(&line, "\n", 1);
	if (err == MEDFW_OK && (write(fd, line.data, line.len) != (ssize_t)line.len || fsync(fd) != 0))
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: write: %s", path, strerror(errno));
	if (err == MEDFW_OK)
		medfw_log(ctx, MEDFW_LOG_INFO, event, "%s", (const char *)line.data);
out:
	close(fd); /* releases the lock */
	json_decref(rec);
	json_decref(details);
	medfw_buf_free(&line);
	return err;
}

enum medfw_err medfw_repo_sign_staged(struct medfw_ctx *ctx, const char *dir,
				      enum medfw_tuf_role_type role,
				      const struct medfw_privkey *key, struct medfw_diag *diag)
{
	char file[PATH_MAX], root[PATH_MAX];
	struct medfw_tuf_meta *signed_meta = NULL;
	struct medfw_pubkey *pub = NULL;
	enum medfw_err err;
	const char *root_path = NULL;

	if (role != MEDFW_TUF_ROOT && role != MEDFW_TUF_TARGETS)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "only root and targets are signed offline");
	if (medfw_repo_path(dir, role == MEDFW_TUF_ROOT ? "staged/root.json" : "staged/targets.json",
			    file, sizeof(file)) != MEDFW_OK)
		return MEDFW_ERR_TOO_LARGE;
	/* Targets count against the root in force after publishing (the staged one if
	 * any); a new root also counts keys of the published root. */
	if (role == MEDFW_TUF_TARGETS &&
	    medfw_repo_path(dir, "staged/root.json", root, sizeof(root)) == MEDFW_OK &&
	    access(root, F_OK) == 0)
		root_path = root;
	else if (medfw_repo_path(dir, "metadata/root.json", root, sizeof(root)) == MEDFW_OK &&
		 access(root, F_OK) == 0)
		root_path = root;
	err = medfwi_repo_audit_check(dir, diag);
	if (err == MEDFW_OK)
		err = medfw_repo_sign_file(ctx, file, root_path, key, diag);
	if (err == MEDFW_OK)
		err = medfw_privkey_public(key, &pub, diag);
	if (err == MEDFW_OK)
		err = medfwi_repo_load_meta(dir, role == MEDFW_TUF_ROOT ? "staged/root.json"
									 : "staged/targets.json",
					    role, 0, &signed_meta, diag);
	if (err == MEDFW_OK)
		err = medfw_repo_audit(ctx, dir, "repo.sign",
				       json_pack("{s:s, s:I, s:s}", "role", medfw_tuf_role_name(role),
						 "version", (json_int_t)signed_meta->version, "keyid",
						 medfw_pubkey_keyid(pub)),
				       diag);
	medfw_tuf_meta_free(signed_meta);
	medfw_pubkey_free(pub);
	return err;
}
