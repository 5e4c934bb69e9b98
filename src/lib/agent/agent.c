/* The agent's commands: open, enrol, one daemon cycle (check-in, director instruction,
 * verified download into the inactive slot), offline bundle install, status. The
 * install state machine (flip, boot, health, commit, rollback, resume) is in
 * install.c. docs/agent.md describes the whole flow. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_internal.h"
#include "medfw/buf.h"
#include "medfw/bundle.h"
#include "medfw/json.h"
#include "medfw/notice.h"
#include "medfw/num.h"
#include "medfw/tuf_client.h"

#ifndef MEDFW_VERSION_STRING
#define MEDFW_VERSION_STRING "0.0.0"
#endif

const char *medfw_agent_version(void)
{
	return MEDFW_VERSION_STRING;
}

const char *medfw_agent_outcome_name(enum medfw_agent_outcome o)
{
	static const char *const names[] = {"idle",      "deferred",    "rebooting",
					    "committed", "rolled_back", "failed"};

	return (unsigned)o < sizeof(names) / sizeof(names[0]) ? names[o] : "unknown";
}

/* digits ("." digits)*, each component at most 18 digits */
static bool dotted_numeric(const char *s)
{
	for (;;) {
		int n = 0;

		while (*s >= '0' && *s <= '9') {
			s++;
			n++;
		}
		if (n == 0 || n > 18)
			return false;
		if (*s == 0)
			return true;
		if (*s++ != '.')
			return false;
	}
}

enum medfw_err medfw_agent_version_cmp(const char *a, const char *b, int *out)
{
	*out = 0;
	if (!dotted_numeric(a) || !dotted_numeric(b))
		return MEDFW_ERR_FIELD_VALUE;
	for (;;) {
		uint64_t x = 0, y = 0;
		int dx = 0, dy = 0;

		while (*a >= '0' && *a <= '9' && dx < 19) {
			x = x * 10 + (uint64_t)(*a++ - '0');
			dx++;
		}
		while (*b >= '0' && *b <= '9' && dy < 19) {
			y = y * 10 + (uint64_t)(*b++ - '0');
			dy++;
		}
		if (dx == 0 || dy == 0 || (*a != '.' && *a != 0) || (*b != '.' && *b != 0))
			return MEDFW_ERR_FIELD_VALUE;
		if (x != y) {
			*out = x < y ? -1 : 1;
			return MEDFW_OK;
		}
		if (*a == 0 && *b == 0)
			return MEDFW_OK;
		/* "1.2" == "1.2.0" */
		if (*a == 0) {
			for (b++; *b == '0' || *b == '.'; b++)
				;
			*out = *b == 0 ? 0 : -1;
			return MEDFW_OK;
		}
		if (*b == 0) {
			for (a++; *a == '0' || *a == '.'; a++)
				;
			*out = *a == 0 ? 0 : 1;
			return MEDFW_OK;
		}
		a++;
		b++;
	}
}

static enum medfw_err join(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= cap ? MEDFW_ERR_TOO_LARGE : MEDFW_OK;
}

enum medfw_err medfw_agent_open(struct medfw_ctx *ctx, const struct medfw_agent_config *cfg,
				struct medfw_agent **out, struct medfw_diag *diag)
{
	struct medfw_agent *a = calloc(1, sizeof(*a));
	struct medfw_slot_config sc;
	char lock_path[4096];
	enum medfw_err err;
	struct stat st;

	*out = NULL;
	if (a == NULL)
		return MEDFW_ERR_NOMEM;
	a->ctx = ctx;
	a->cfg = cfg;
	a->lock_fd = -1;
	agent_state_init(&a->st);
	err = medfw_mkdir_p(cfg->state_dir, 0700, diag);
	if (err == MEDFW_OK &&
	    (join(a->state_path, sizeof(a->state_path), cfg->state_dir, "state.json") ||
	     join(a->key_path, sizeof(a->key_path), cfg->state_dir, "device-key.pem") ||
	     join(a->director_root_path, sizeof(a->director_root_path), cfg->state_dir,
		  "director-root.json") ||
	     join(a->image_meta_dir, sizeof(a->image_meta_dir), cfg->state_dir, "image-metadata") ||
	     join(lock_path, sizeof(lock_path), cfg->state_dir, "agent.lock")))
		err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "state_dir: path too long");
	if (err == MEDFW_OK) {
		if (cfg->status_file != NULL)
			snprintf(a->status_path, sizeof(a->status_path), "%s", cfg->status_file);
		else if (join(a->status_path, sizeof(a->status_path), cfg->state_dir, "status.json"))
			err = MEDFW_ERR_TOO_LARGE;
	}
	if (err == MEDFW_OK) {
		a->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (a->lock_fd < 0)
			err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", lock_path, strerror(errno));
		else if (flock(a->lock_fd, LOCK_EX | LOCK_NB) != 0)
			err = medfw_diag_set(diag, MEDFW_ERR_STATE,
					     "%s: another medfw-agent is running", lock_path);
	}
	if (err == MEDFW_OK && stat(a->state_path, &st) == 0)
		err = agent_state_load(a->state_path, &a->st, diag);
	if (err == MEDFW_OK) {
		sc = (struct medfw_slot_config){
			.backend = cfg->slot_backend == 0   ? "file"
				   : cfg->slot_backend == 1 ? "uboot"
							    : "grub",
			.slot_path = {cfg->slot_a, cfg->slot_b},
			.booted_slot_file = cfg->booted_slot_file,
		};
		/* Each backend takes its own options only. */
		if (cfg->slot_backend == 0)
			sc.state_file = cfg->boot_state_file;
		else if (cfg->slot_backend == 1)
			sc.uboot_config = cfg->uboot_config;
		else {
			sc.grubenv = cfg->grubenv;
			sc.grub_editenv = cfg->grub_editenv;
		}
		err = medfw_slot_backend_open(ctx, &sc, &a->slots, diag);
	}
	if (err == MEDFW_OK && stat(a->key_path, &st) == 0) {
		struct medfw_buf pem;

		err = medfw_file_read(a->key_path, 16384, &pem, diag);
		if (err == MEDFW_OK)
			err = medfw_privkey_load_pem(pem.data, pem.len, NULL, &a->key, diag);
		if (pem.data != NULL)
			medfw_wipe(pem.data, pem.len);
		medfw_buf_free(&pem);
	}
	if (err == MEDFW_OK) {
		struct medfw_devclient_config dc = {
			.server_url = cfg->server_url,
			.ca_file = cfg->ca_file,
			.pinned_public_key = cfg->pinned_public_key,
			.allow_http = cfg->allow_http != 0,
			.connect_timeout = (uint32_t)cfg->connect_timeout,
			.request_timeout = (uint32_t)cfg->request_timeout,
			.low_speed_time = (uint32_t)cfg->low_speed_time,
			.max_recv_speed = cfg->max_recv_speed,
			.use_sessions = cfg->use_sessions != 0,
		};

		err = medfw_devclient_new(ctx, &dc, &a->client, diag);
	}
	if (err == MEDFW_OK && a->key != NULL && a->st.device_id > 0)
		medfw_devclient_set_identity(a->client, a->st.device_id, a->key);
	if (err != MEDFW_OK) {
		medfw_agent_close(a);
		return err;
	}
	*out = a;
	return MEDFW_OK;
}

void medfw_agent_close(struct medfw_agent *a)
{
	if (a == NULL)
		return;
	medfw_devclient_free(a->client);
	medfw_slot_backend_close(a->slots);
	medfw_privkey_free(a->key);
	agent_state_free(&a->st);
	if (a->lock_fd >= 0)
		close(a->lock_fd);
	free(a);
}

/* ---- enrolment ---- */

static enum medfw_err copy_file(const char *from, const char *to, size_t max,
				struct medfw_diag *diag)
{
	struct medfw_buf b;
	enum medfw_err err = medfw_file_read(from, max, &b, diag);

	if (err == MEDFW_OK)
		err = medfw_file_write_atomic(to, b.data, b.len, 0600, diag);
	medfw_buf_free(&b);
	return err;
}

/* The director root must verify with its own keys and be current. */
static enum medfw_err check_director_root(struct medfw_agent *a, const uint8_t *data, size_t len,
					  struct medfw_diag *diag)
{
	struct medfw_buf pinned;
	enum medfw_err err;

	medfw_buf_init(&pinned, AGENT_ROOT_MAX);
	err = medfw_director_root_update(a->ctx, data, len, NULL, 0, &pinned, NULL, diag);
	medfw_buf_free(&pinned);
	return err;
}

enum medfw_err medfw_agent_enroll(struct medfw_agent *a, const char *token, bool again,
				  struct medfw_diag *diag)
{
	const struct medfw_agent_config *cfg = a->cfg;
	struct medfw_privkey *key = NULL;
	struct medfw_pubkey *pub = NULL;
	struct medfw_devclient_enrolment en;
	struct medfw_buf pem, root;
	char new_key_path[4200], image_root_path[4200];
	const char *pubhex;
	enum medfw_err err;

	if (a->st.device_id > 0 && !again)
		return medfw_diag_set(diag, MEDFW_ERR_STATE,
				      "this device is enrolled already (device %lld); --again "
				      "makes a new key (the server needs a new token)",
				      (long long)a->st.device_id);
	if (a->st.upd.phase != PHASE_NONE)
		return medfw_diag_set(diag, MEDFW_ERR_STATE, "an update is in progress (%s)",
				      agent_phase_name(a->st.upd.phase));
	medfw_buf_init(&pem, 16384);
	medfw_buf_init(&root, AGENT_ROOT_MAX);
	snprintf(new_key_path, sizeof(new_key_path), "%s.new", a->key_path);
	err = medfw_privkey_generate(MEDFW_KEY_ED25519, &key, diag);
	if (err == MEDFW_OK)
		err = medfw_privkey_public(key, &pub, diag);
	if (err == MEDFW_OK) {
		pubhex = json_string_value(
			json_object_get(json_object_get(medfw_pubkey_json(pub), "keyval"), "public"));
		if (pubhex == NULL)
			err = medfw_diag_set(diag, MEDFW_ERR_KEY_FORMAT, "device key: no public key");
	}
	/* The key reaches the disk before the token is spent. */
	if (err == MEDFW_OK)
		err = medfw_privkey_save_pem(key, NULL, &pem, diag);
	if (err == MEDFW_OK)
		err = medfw_file_write_atomic(new_key_path, pem.data, pem.len, 0600, diag);
	if (err == MEDFW_OK)
		err = medfw_devclient_enrol(a->client, token, pubhex, medfw_agent_version(),
					    cfg->hardware_id, &en, diag);
	if (err == MEDFW_OK && rename(new_key_path, a->key_path) != 0)
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", a->key_path, strerror(errno));
	if (err == MEDFW_OK)
		err = medfw_fsync_parent(a->key_path, diag);
	if (err != MEDFW_OK) {
		(void)unlink(new_key_path);
		goto out;
	}
	medfw_privkey_free(a->key);
	a->key = key;
	key = NULL;
	a->st.device_id = en.device_id;
	memset(&a->st.director, 0, sizeof(a->st.director));
	/* Event numbers must never repeat for this device record (the server keeps the first
	 * event of each number): a device whose state was wiped and that enrols again goes on
	 * after the newest number the server holds. */
	if (en.last_event_seq > 0 && (uint64_t)en.last_event_seq > a->st.event_seq)
		a->st.event_seq = (uint64_t)en.last_event_seq;
	medfw_devclient_set_identity(a->client, a->st.device_id, a->key);
	/* Trust anchors: the image repository's root from the device image, the director's
	 * from provisioning or, failing that, from the server over the pinned channel. */
	if (cfg->director_root != NULL) {
		err = medfw_file_read(cfg->director_root, AGENT_ROOT_MAX, &root, diag);
	} else {
		int status = 0;

		err = medfw_devclient_request(a->client, "GET", "/device/v1/director/root.json", NULL,
					      0, AGENT_ROOT_MAX, &root, &status, diag);
	}
	if (err == MEDFW_OK)
		err = check_director_root(a, root.data, root.len, diag);
	if (err == MEDFW_OK)
		err = medfw_file_write_atomic(a->director_root_path, root.data, root.len, 0600, diag);
	if (err == MEDFW_OK)
		err = medfw_mkdir_p(a->image_meta_dir, 0700, diag);
	if (err == MEDFW_OK &&
	    join(image_root_path, sizeof(image_root_path), a->image_meta_dir, "root.json"))
		err = MEDFW_ERR_TOO_LARGE;
	if (err == MEDFW_OK && access(image_root_path, F_OK) != 0)
		err = copy_file(cfg->image_root, image_root_path, AGENT_ROOT_MAX, diag);
	if (err == MEDFW_OK)
		err = agent_save(a, diag);
	if (err == MEDFW_OK)
		medfw_log(a->ctx, MEDFW_LOG_INFO, "agent.enrolled", "enrolled as device %lld (site %lld)",
			  (long long)en.device_id, (long long)en.site_id);
out:
	if (pem.data != NULL)
		medfw_wipe(pem.data, pem.len);
	medfw_buf_free(&pem);
	medfw_buf_free(&root);
	medfw_pubkey_free(pub);
	medfw_privkey_free(key);
	return err;
}

/* ---- events ---- */

enum medfw_err medfw_agent_flush_events(struct medfw_agent *a, struct medfw_diag *diag)
{
	while (json_array_size(a->st.outbox) > 0 && a->st.device_id > 0) {
		json_t *batch = json_array(), *body;
		size_t n = json_array_size(a->st.outbox);
		struct medfw_buf resp;
		char *text;
		int status = 0;
		enum medfw_err err;

		if (n > 100)
			n = 100;
		for (size_t i = 0; i < n; i++)
			json_array_append(batch, json_array_get(a->st.outbox, i));
		body = json_pack("{s:o}", "events", batch);
		text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
		json_decref(body);
		if (text == NULL)
			return MEDFW_ERR_NOMEM;
		medfw_buf_init(&resp, MEDFW_DEVCLIENT_RESPONSE_MAX);
		err = medfw_devclient_request(a->client, "POST", "/device/v1/events",
					      (const uint8_t *)text, strlen(text),
					      MEDFW_DEVCLIENT_RESPONSE_MAX, &resp, &status, diag);
		free(text);
		medfw_buf_free(&resp);
		if (err == MEDFW_ERR_REFUSED && status == 400) {
			/* The server refuses the batch as malformed: keeping it would block
			 * every later event. Drop it, say so in the log. */
			medfw_log(a->ctx, MEDFW_LOG_ERROR, "agent.events.refused",
				  "the server refused %zu events: %s", n,
				  medfw_diag_message(diag, err));
		} else if (err != MEDFW_OK) {
			return err;
		}
		for (size_t i = 0; i < n; i++)
			json_array_remove(a->st.outbox, 0);
		err = agent_save(a, diag);
		if (err != MEDFW_OK)
			return err;
	}
	return MEDFW_OK;
}

/* Best effort: events stay queued when the server cannot be reached. */
void agent_flush_quietly(struct medfw_agent *a)
{
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	err = medfw_agent_flush_events(a, &d);
	if (err != MEDFW_OK)
		medfw_log(a->ctx, MEDFW_LOG_WARNING, "agent.events.queued",
			  "%zu events stay queued: %s", json_array_size(a->st.outbox),
			  medfw_diag_message(&d, err));
}

/* ---- one cycle ---- */

struct image_lookup {
	struct medfw_tuf_client *tuf;
};

static enum medfw_err lookup_image(void *user, const char *path,
				   const struct medfw_tuf_target **out, struct medfw_diag *diag)
{
	struct image_lookup *l = user;

	return medfw_tuf_client_get_target_info(l->tuf, path, out, diag);
}

static enum medfw_err update_director_root(struct medfw_agent *a, struct medfw_buf *root,
					   struct medfw_diag *diag)
{
	struct medfw_director_root_file chain[8];
	struct medfw_buf files[8], newest;
	size_t n = 0;
	int64_t version = 0;
	enum medfw_err err;
	json_t *o = NULL;

	err = medfw_file_read(a->director_root_path, AGENT_ROOT_MAX, root, diag);
	if (err != MEDFW_OK)
		return err;
	err = medfw_json_parse(root->data, root->len, AGENT_ROOT_MAX, 32, &o, diag);
	if (err == MEDFW_OK &&
	    medfw_json_get_int(json_object_get(o, "signed"), "director root", "version", 1,
			       INT64_MAX - 16, &version, diag) != MEDFW_OK)
		err = MEDFW_ERR_FIELD_VALUE;
	json_decref(o);
	if (err != MEDFW_OK)
		return err;
	/* N+1.root.json, N+2... until the server has no newer one (at most 8 a cycle). */
	for (n = 0; n < 8; n++) {
		char path[96];
		int status = 0;
		struct medfw_diag d;

		medfw_diag_clear(&d);
		snprintf(path, sizeof(path), "/device/v1/director/%lld.root.json",
			 (long long)(version + 1 + (int64_t)n));
		medfw_buf_init(&files[n], AGENT_ROOT_MAX);
		err = medfw_devclient_request(a->client, "GET", path, NULL, 0, AGENT_ROOT_MAX,
					      &files[n], &status, &d);
		if (err != MEDFW_OK) {
			medfw_buf_free(&files[n]);
			if (err == MEDFW_ERR_NOT_FOUND)
				err = MEDFW_OK;
			else
				medfw_diag_set(diag, err, "%s", medfw_diag_message(&d, err));
			break;
		}
		chain[n].data = files[n].data;
		chain[n].len = files[n].len;
	}
	if (err == MEDFW_OK && n > 0) {
		medfw_buf_init(&newest, AGENT_ROOT_MAX);
		err = medfw_director_root_update(a->ctx, root->data, root->len, chain, n, &newest,
						 NULL, diag);
		if (err == MEDFW_OK)
			err = medfw_file_write_atomic(a->director_root_path, newest.data, newest.len,
						      0600, diag);
		if (err == MEDFW_OK) {
			medfw_buf_free(root);
			*root = newest;
			medfw_log(a->ctx, MEDFW_LOG_INFO, "agent.director_root",
				  "director root updated through %zu new version(s)", n);
		} else {
			medfw_buf_free(&newest);
		}
	}
	for (size_t i = 0; i < n; i++)
		medfw_buf_free(&files[i]);
	return err;
}

static enum medfw_err fetch_director(struct medfw_agent *a, const char *role,
				     struct medfw_buf *out, struct medfw_diag *diag)
{
	char path[64];
	int status = 0;

	snprintf(path, sizeof(path), "/device/v1/director/%s.json", role);
	medfw_buf_init(out, AGENT_DIRECTOR_META_MAX);
	return medfw_devclient_request(a->client, "GET", path, NULL, 0, AGENT_DIRECTOR_META_MAX,
				       out, &status, diag);
}

static enum medfw_slot_id booted_slot(struct medfw_agent *a)
{
	enum medfw_slot_id s = MEDFW_SLOT_A;

	if (medfw_slot_booted(a->slots, &s, NULL) != MEDFW_OK)
		s = MEDFW_SLOT_A;
	return s;
}

static enum medfw_err checkin(struct medfw_agent *a, int64_t *next, struct medfw_diag *diag)
{
	const struct agent_slot_info *cur = &a->st.slots[booted_slot(a)];
	char why[256];
	bool in_use = agent_in_clinical_use(a, why, sizeof(why));
	json_t *body, *resp = NULL;
	struct medfw_buf out;
	char *text;
	int status = 0;
	int64_t dv = 0;
	enum medfw_err err;

	body = json_pack("{s:s, s:s, s:s}", "firmware_version",
			 cur->valid ? cur->version : a->cfg->factory_version, "agent_version",
			 medfw_agent_version(), "clinical_state", in_use ? "in_use" : "idle");
	if (body != NULL && cur->valid)
		json_object_set_new(body, "image_sha256", json_string(cur->sha256));
	text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (text == NULL)
		return MEDFW_ERR_NOMEM;
	medfw_buf_init(&out, MEDFW_DEVCLIENT_RESPONSE_MAX);
	err = medfw_devclient_request(a->client, "POST", "/device/v1/checkin",
				      (const uint8_t *)text, strlen(text),
				      MEDFW_DEVCLIENT_RESPONSE_MAX, &out, &status, diag);
	free(text);
	if (err == MEDFW_OK)
		err = medfw_json_parse(out.data, out.len, MEDFW_DEVCLIENT_RESPONSE_MAX, 4, &resp,
				       diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_int(resp, "check-in response", "next_checkin_seconds", 1,
					 7 * 86400, next, diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_int(resp, "check-in response", "director_version", 0,
					 INT64_MAX, &dv, diag);
	if (err == MEDFW_OK)
		a->st.director_version_seen = dv;
	json_decref(resp);
	medfw_buf_free(&out);
	return err;
}

static bool is_zstd_target(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && strcmp(name + n - 4, ".zst") == 0;
}

/* The device-side checks of a signed release beyond what the director and TUF already
 * verified: security version, agent version, UDI-DI, size. */
static enum medfw_err check_release(struct medfw_agent *a, const char *target, int64_t length,
				    const struct medfw_release_notice *n, struct medfw_diag *diag)
{
	int cmp = 0;

	if (!medfw_notice_applies_to_hardware(n, a->cfg->hardware_id))
		return medfw_diag_set(diag, MEDFW_ERR_HARDWARE,
				      "%s: the release notice does not list hardware \"%.128s\"",
				      target, a->cfg->hardware_id);
	if (n->security_version < a->st.min_security_version)
		return medfw_diag_set(diag, MEDFW_ERR_SECURITY_VERSION,
				      "%s: security version %llu is below this device's minimum "
				      "%llu (rollback refused)", target,
				      (unsigned long long)n->security_version,
				      (unsigned long long)a->st.min_security_version);
	if (medfw_agent_version_cmp(medfw_agent_version(), n->min_agent_version, &cmp) !=
		    MEDFW_OK ||
	    cmp < 0)
		return medfw_diag_set(diag, MEDFW_ERR_AGENT_VERSION,
				      "%s: needs agent %.64s or newer; this agent is %s", target,
				      n->min_agent_version, medfw_agent_version());
	if (a->cfg->udi_di != NULL && n->udi_di_count > 0) {
		size_t i;

		for (i = 0; i < n->udi_di_count && strcmp(n->udi_dis[i], a->cfg->udi_di) != 0; i++)
			;
		if (i == n->udi_di_count)
			return medfw_diag_set(diag, MEDFW_ERR_HARDWARE,
					      "%s: the release notice does not list UDI-DI %.64s",
					      target, a->cfg->udi_di);
	}
	if (length < 0 || (uint64_t)length > a->cfg->max_image_bytes)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "%s: %lld bytes, more than max_image_bytes", target,
				      (long long)length);
	return MEDFW_OK;
}

static void image_info(struct agent_slot_info *s, const char *target, int64_t length,
		       const json_t *hashes, const struct medfw_release_notice *n)
{
	memset(s, 0, sizeof(*s));
	s->valid = true;
	snprintf(s->target, sizeof(s->target), "%s", target);
	snprintf(s->version, sizeof(s->version), "%s", n->product_version);
	snprintf(s->sha256, sizeof(s->sha256), "%s",
		 json_string_value(json_object_get(hashes, "sha256")) != NULL
			 ? json_string_value(json_object_get(hashes, "sha256"))
			 : "");
	s->length = (uint64_t)length;
	s->security_version = n->security_version;
}

static enum medfw_err report_failure(struct medfw_agent *a, enum medfw_err err,
				     const struct medfw_diag *d, enum medfw_agent_outcome *out)
{
	char reason[AGENT_REASON_MAX + 1], check[65], key[sizeof(a->st.last_report)];

	agent_diag_to_reason(d, err, reason, sizeof(reason), check, sizeof(check));
	*out = MEDFW_AGENT_FAILED;
	snprintf(key, sizeof(key), "failed:%s:%.300s", check,
		 a->st.upd.image.valid ? a->st.upd.image.sha256 : reason);
	if (strcmp(key, a->st.last_report) != 0) {
		(void)agent_event(a, "failed", reason, check, -1, -1);
		snprintf(a->st.last_report, sizeof(a->st.last_report), "%s", key);
	}
	(void)agent_write_status(a, "failed", NULL, reason, -1, -1);
	medfw_log(a->ctx, MEDFW_LOG_ERROR, "agent.update.failed", "%s: %s", check, reason);
	return agent_save(a, NULL);
}

struct dl_ctx {
	struct medfw_agent *a;
	struct agent_writer *w;
	uint64_t received;
	uint64_t fault_at;
	int quarter;
};

static enum medfw_err dl_write(void *user, const void *data, size_t len, struct medfw_diag *diag)
{
	struct dl_ctx *c = user;

	if (c->fault_at != UINT64_MAX && c->received + len > c->fault_at)
		agent_die();
	c->received += len;
	return agent_writer_write(c->w, data, len, diag);
}

static void dl_progress(void *user, uint64_t done, uint64_t total)
{
	struct dl_ctx *c = user;
	int q = total > 0 ? (int)(done * 4 / total) : 0;

	if (q > c->quarter && q < 4) {
		c->quarter = q;
		(void)agent_event(c->a, "downloading", NULL, NULL, (int64_t)done, (int64_t)total);
	}
	(void)agent_write_status(c->a, "downloading", NULL, NULL, (int64_t)done, (int64_t)total);
}

/* Download the target into the inactive slot and verify it (one pass). */
static enum medfw_err download_install(struct medfw_agent *a, struct medfw_tuf_client *tuf,
				       const struct medfw_tuf_target *t, struct medfw_diag *diag)
{
	struct agent_update *u = &a->st.upd;
	struct dl_ctx c = {a, NULL, 0, agent_fault_offset("download"), 0};
	char url[MEDFW_FETCH_URL_MAX];
	enum medfw_err err;

	u->phase = PHASE_WRITING;
	err = agent_save(a, diag); /* named before the slot is touched */
	if (err == MEDFW_OK)
		err = medfw_slot_set_unbootable(a->slots, u->to, diag);
	if (err == MEDFW_OK)
		err = medfw_tuf_client_target_url(tuf, t, url, sizeof(url), diag);
	if (err == MEDFW_OK)
		err = agent_writer_open(a, u->to, (uint64_t)t->length, t->hashes,
					is_zstd_target(t->path), &c.w, diag);
	if (err != MEDFW_OK)
		return err;
	(void)agent_event(a, "downloading", NULL, NULL, 0, t->length);
	(void)agent_write_status(a, "downloading", NULL, NULL, 0, t->length);
	{
		struct medfw_devclient_download d = {
			.url = url,
			.offset = 0,
			.total = (uint64_t)t->length,
			.max_attempts = (unsigned)a->cfg->download_attempts,
			.write = dl_write,
			.write_user = &c,
			.progress = dl_progress,
			.progress_user = &c,
		};

		err = medfw_devclient_download(a->client, &d, diag);
	}
	if (err != MEDFW_OK) {
		agent_writer_abort(c.w);
		return err;
	}
	err = agent_writer_finish(c.w, diag);
	return err;
}

static enum medfw_err act_on_instruction(struct medfw_agent *a, struct medfw_tuf_client *tuf,
					 const struct medfw_director_instruction *ins,
					 enum medfw_agent_outcome *out, struct medfw_diag *diag)
{
	struct agent_update *u = &a->st.upd;
	const struct medfw_tuf_target *t = NULL;
	struct medfw_release_notice *notice = NULL;
	const json_t *notice_json;
	enum medfw_slot_id booted = booted_slot(a);
	struct agent_slot_info img;
	struct medfw_diag d;
	char why[256];
	enum medfw_err err;

	medfw_diag_clear(&d);
	if (!ins->has_target) {
		if (u->phase == PHASE_INSTALLED && strcmp(u->source, "server") == 0) {
			/* The director withdrew the instruction before the flip. */
			err = medfw_slot_set_unbootable(a->slots, u->to, diag);
			if (err != MEDFW_OK)
				return err;
			(void)agent_event(a, "failed", "the server withdrew the update before it "
					  "was switched to", "CANCELLED", -1, -1);
			memset(u, 0, sizeof(*u));
			(void)agent_write_status(a, "up_to_date", NULL, NULL, -1, -1);
		}
		return MEDFW_OK;
	}
	err = medfw_tuf_client_get_target_info(tuf, ins->target_name, &t, &d);
	if (err == MEDFW_OK)
		err = medfw_notice_from_target_custom(t->custom, &notice, &d);
	if (err != MEDFW_OK)
		return report_failure(a, err, &d, out);
	notice_json = json_object_get(json_object_get(t->custom, MEDFW_NOTICE_CUSTOM_NAMESPACE),
				      MEDFW_NOTICE_CUSTOM_KEY);
	image_info(&img, t->path, t->length, t->hashes, notice);
	/* Already running it, or it was rolled back here: nothing to do. */
	if (a->st.slots[booted].valid && strcmp(a->st.slots[booted].sha256, img.sha256) == 0) {
		medfw_notice_free(notice);
		return MEDFW_OK;
	}
	if (u->phase == PHASE_INSTALLED) {
		if (strcmp(u->image.sha256, img.sha256) != 0) {
			/* Another release replaced the one waiting: drop the old one. */
			err = medfw_slot_set_unbootable(a->slots, u->to, diag);
			memset(u, 0, sizeof(*u));
			if (err != MEDFW_OK)
				goto out;
		} else {
			if (!ins->in_window)
				err = medfw_diag_set(&d, MEDFW_ERR_STATE, "outside the install window");
			medfw_notice_free(notice);
			if (err != MEDFW_OK) {
				*out = MEDFW_AGENT_DEFERRED;
				(void)agent_write_status(a, "deferred", notice_json,
							 "outside the install window", -1, -1);
				return agent_save(a, diag);
			}
			return agent_after_install(a, true, out, diag);
		}
	}
	if (u->phase != PHASE_NONE)
		goto out;
	{
		char key[sizeof(a->st.last_report)];

		snprintf(key, sizeof(key), "rolled_back:%s:%lld", img.sha256,
			 (long long)ins->versions.targets_version);
		if (strcmp(a->st.last_report, key) == 0)
			goto out;
	}
	memset(u, 0, sizeof(*u));
	u->image = img;
	u->from = booted;
	u->to = medfw_slot_other(booted);
	u->rollback_supported = notice->rollback_supported;
	snprintf(u->source, sizeof(u->source), "server");
	err = check_release(a, t->path, t->length, notice, &d);
	if (err != MEDFW_OK) {
		err = report_failure(a, err, &d, out);
		memset(u, 0, sizeof(*u));
		goto out;
	}
	/* Offered once; not again while the same release waits (deferred). */
	if (strncmp(a->st.last_report, "deferred:", 9) != 0 &&
	    agent_first_report(a, "offered", ""))
		(void)agent_event(a, "offered", NULL, NULL, -1, -1);
	(void)agent_write_status(a, "update_available", notice_json, NULL, -1, -1);
	if (!ins->in_window || agent_in_clinical_use(a, why, sizeof(why))) {
		char reason[300];
		char start[32] = "";

		if (!ins->in_window) {
			(void)medfw_format_utc_time(ins->window_start, start, sizeof(start));
			snprintf(reason, sizeof(reason), "outside the install window (opens %s)", start);
		} else {
			snprintf(reason, sizeof(reason), "%s", why);
		}
		if (agent_first_report(a, "deferred", reason))
			(void)agent_event(a, "deferred", reason, NULL, -1, -1);
		(void)agent_write_status(a, "deferred", notice_json, reason, -1, -1);
		memset(u, 0, sizeof(*u));
		*out = MEDFW_AGENT_DEFERRED;
		err = agent_save(a, diag);
		goto out;
	}
	err = download_install(a, tuf, t, &d);
	if (err != MEDFW_OK) {
		enum medfw_err e2;

		/* The slot stays unbootable; nothing else changed. */
		e2 = report_failure(a, err, &d, out);
		memset(u, 0, sizeof(*u));
		err = e2 != MEDFW_OK ? e2 : agent_save(a, diag);
		goto out;
	}
	u->phase = PHASE_INSTALLED;
	(void)agent_event(a, "verified", NULL, NULL, -1, -1);
	(void)agent_event(a, "installed", NULL, NULL, -1, -1);
	err = agent_save(a, diag);
	if (err == MEDFW_OK)
		err = agent_after_install(a, true, out, diag);
out:
	medfw_notice_free(notice);
	return err;
}

enum medfw_err medfw_agent_cycle(struct medfw_agent *a, enum medfw_agent_outcome *out,
				 struct medfw_diag *diag)
{
	struct medfw_director_instruction ins;
	struct medfw_buf root, ts, snap, tg;
	struct medfw_tuf_client *tuf = NULL;
	struct image_lookup lk;
	char meta_url[1200], target_url[1200];
	enum medfw_agent_outcome resumed;
	int64_t next = 0;
	enum medfw_err err;

	*out = MEDFW_AGENT_IDLE;
	if (a->st.device_id <= 0 || a->key == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_STATE,
				      "not enrolled: run medfw-agent enroll first");
	err = agent_resume(a, out, diag);
	if (err != MEDFW_OK || *out == MEDFW_AGENT_REBOOTING)
		return err;
	resumed = *out;
	*out = MEDFW_AGENT_IDLE;
	err = checkin(a, &next, diag);
	if (err == MEDFW_OK)
		a->next_checkin = next;
	if (err == MEDFW_OK)
		err = medfw_agent_flush_events(a, diag);
	if (err != MEDFW_OK)
		return err;
	medfw_buf_init(&root, AGENT_ROOT_MAX);
	medfw_buf_init(&ts, 0);
	medfw_buf_init(&snap, 0);
	medfw_buf_init(&tg, 0);
	snprintf(meta_url, sizeof(meta_url), "%s/repo/metadata", a->cfg->server_url);
	snprintf(target_url, sizeof(target_url), "%s/repo/targets/", a->cfg->server_url);
	{
		struct medfw_diag md;

		medfw_diag_clear(&md);
		err = update_director_root(a, &root, &md);
		if (err == MEDFW_OK)
			err = fetch_director(a, "timestamp", &ts, &md);
		if (err == MEDFW_OK)
			err = fetch_director(a, "snapshot", &snap, &md);
		if (err == MEDFW_OK)
			err = fetch_director(a, "targets", &tg, &md);
		if (err == MEDFW_OK)
			err = medfw_tuf_client_new(a->ctx, medfw_devclient_fetcher(a->client),
						   a->image_meta_dir, meta_url, target_url, &tuf, &md);
		if (err == MEDFW_OK)
			err = medfw_tuf_client_refresh(tuf, &md);
		if (err == MEDFW_ERR_FETCH || err == MEDFW_ERR_REFUSED || err == MEDFW_ERR_NOMEM) {
			/* The server or the network: try again later (the daemon backs off). */
			medfw_diag_set(diag, err, "%s", medfw_diag_message(&md, err));
		} else if (err != MEDFW_OK) {
			/* Metadata that does not verify (garbage, a bad signature, expired,
			 * rolled back...): refused and reported, like a bad instruction. */
			enum medfw_agent_outcome ignored;

			err = report_failure(a, err, &md, &ignored);
			*out = MEDFW_AGENT_FAILED;
			agent_flush_quietly(a);
			goto done;
		}
	}
	if (err == MEDFW_OK) {
		struct medfw_diag d;
		enum medfw_agent_outcome ignored;

		medfw_diag_clear(&d);
		lk.tuf = tuf;
		err = medfw_director_verify_lookup(a->ctx, root.data, root.len, ts.data, ts.len,
						   snap.data, snap.len, tg.data, tg.len,
						   &a->st.director, lookup_image, &lk,
						   a->st.device_id, a->cfg->hardware_id, &ins, &d);
		if (medfw_director_inconsistent(err)) {
			/* The director re-signs this device's documents at each hour (and at a
			 * new instruction): a timestamp fetched just before and a snapshot just
			 * after do not match. Fetch the three again, once, before refusing. */
			medfw_buf_free(&ts);
			medfw_buf_free(&snap);
			medfw_buf_free(&tg);
			medfw_diag_clear(&d);
			err = fetch_director(a, "timestamp", &ts, &d);
			if (err == MEDFW_OK)
				err = fetch_director(a, "snapshot", &snap, &d);
			if (err == MEDFW_OK)
				err = fetch_director(a, "targets", &tg, &d);
			if (err == MEDFW_OK)
				err = medfw_director_verify_lookup(
					a->ctx, root.data, root.len, ts.data, ts.len, snap.data,
					snap.len, tg.data, tg.len, &a->st.director, lookup_image, &lk,
					a->st.device_id, a->cfg->hardware_id, &ins, &d);
			if (err == MEDFW_ERR_FETCH || err == MEDFW_ERR_REFUSED ||
			    err == MEDFW_ERR_NOMEM) {
				medfw_diag_set(diag, err, "%s", medfw_diag_message(&d, err));
				goto done;
			}
		}
		if (err != MEDFW_OK) {
			/* A bad instruction (mixed-and-matched, rolled back, expired, for other
			 * hardware) is refused and reported; nothing is installed. */
			err = report_failure(a, err, &d, &ignored);
			*out = MEDFW_AGENT_FAILED;
			agent_flush_quietly(a);
			goto done;
		}
	}
	if (err == MEDFW_OK) {
		a->st.director = ins.versions;
		err = act_on_instruction(a, tuf, &ins, out, diag);
	}
	if (err == MEDFW_OK && *out != MEDFW_AGENT_REBOOTING)
		agent_flush_quietly(a);
done:
	/* What finishing the last boot's update did is this cycle's outcome unless the
	 * cycle itself did something. */
	if (*out == MEDFW_AGENT_IDLE)
		*out = resumed;
	medfw_tuf_client_free(tuf);
	medfw_buf_free(&root);
	medfw_buf_free(&ts);
	medfw_buf_free(&snap);
	medfw_buf_free(&tg);
	return err;
}

uint64_t medfw_agent_next_checkin(const struct medfw_agent *a)
{
	return a->next_checkin > 0 ? (uint64_t)a->next_checkin : a->cfg->checkin_interval;
}

/* ---- offline bundle ---- */

struct bundle_ctx {
	struct medfw_agent *a;
	struct agent_writer *w;
	enum medfw_slot_id to;
	uint64_t fault_at, received;
};

static enum medfw_err bundle_check(void *user, const struct medfw_bundle_release_info *info,
				   struct medfw_diag *diag)
{
	struct bundle_ctx *c = user;
	struct medfw_agent *a = c->a;
	struct agent_update *u = &a->st.upd;
	enum medfw_err err;

	err = check_release(a, info->target_name, info->image_length, info->notice, diag);
	if (err != MEDFW_OK)
		return err;
	memset(u, 0, sizeof(*u));
	image_info(&u->image, info->target_name, info->image_length, info->hashes, info->notice);
	u->from = medfw_slot_other(c->to);
	u->to = c->to;
	u->rollback_supported = info->notice->rollback_supported;
	snprintf(u->source, sizeof(u->source), "bundle");
	u->phase = PHASE_WRITING;
	(void)agent_event(a, "offered", "offline bundle", NULL, -1, -1);
	err = agent_save(a, diag);
	if (err == MEDFW_OK)
		err = medfw_slot_set_unbootable(a->slots, c->to, diag);
	if (err == MEDFW_OK)
		err = agent_writer_open(a, c->to, (uint64_t)info->image_length, NULL, false, &c->w,
					diag);
	return err;
}

static enum medfw_err bundle_sink(void *user, const void *data, size_t len,
				  struct medfw_diag *diag)
{
	struct bundle_ctx *c = user;

	if (c->fault_at != UINT64_MAX && c->received + len > c->fault_at)
		agent_die();
	c->received += len;
	return agent_writer_write(c->w, data, len, diag);
}

enum medfw_err medfw_agent_install_bundle(struct medfw_agent *a, const char *bundle_path,
					  bool reboot, enum medfw_agent_outcome *out,
					  struct medfw_diag *diag)
{
	struct bundle_ctx c = {a, NULL, MEDFW_SLOT_A, agent_fault_offset("download"), 0};
	struct medfw_bundle_result res;
	struct medfw_buf root;
	struct medfw_diag d;
	char why[256], root_path[4200];
	enum medfw_err err;

	*out = MEDFW_AGENT_IDLE;
	medfw_diag_clear(&d);
	err = agent_resume(a, out, diag);
	if (err != MEDFW_OK || *out == MEDFW_AGENT_REBOOTING)
		return err;
	if (a->st.upd.phase != PHASE_NONE)
		return medfw_diag_set(diag, MEDFW_ERR_STATE,
				      "an update is in progress (%s): finish or roll it back first",
				      agent_phase_name(a->st.upd.phase));
	if (agent_in_clinical_use(a, why, sizeof(why)))
		return medfw_diag_set(diag, MEDFW_ERR_STATE,
				      "the device is in clinical use (%s): install later", why);
	c.to = medfw_slot_other(booted_slot(a));
	/* The trusted image root: the newest one this device verified, else the one it
	 * shipped with. */
	if (join(root_path, sizeof(root_path), a->image_meta_dir, "root.json") ||
	    access(root_path, R_OK) != 0)
		snprintf(root_path, sizeof(root_path), "%s", a->cfg->image_root);
	err = medfw_file_read(root_path, AGENT_ROOT_MAX, &root, diag);
	if (err != MEDFW_OK)
		return err;
	{
		struct medfw_bundle_policy pol = {
			.hardware_id = a->cfg->hardware_id,
			.min_security_version = a->st.min_security_version,
			.check = bundle_check,
			.check_user = &c,
			.sink = bundle_sink,
			.sink_user = &c,
		};

		err = medfw_bundle_verify(a->ctx, bundle_path, root.data, root.len, &pol, &res, &d);
	}
	medfw_buf_free(&root);
	if (err == MEDFW_OK && c.w != NULL) {
		err = agent_writer_finish(c.w, &d);
		c.w = NULL;
	}
	if (err != MEDFW_OK) {
		enum medfw_agent_outcome ignored;

		agent_writer_abort(c.w);
		medfw_bundle_result_clear(&res);
		(void)report_failure(a, err, &d, &ignored);
		memset(&a->st.upd, 0, sizeof(a->st.upd));
		(void)agent_save(a, NULL);
		agent_flush_quietly(a);
		*out = MEDFW_AGENT_FAILED;
		return medfw_diag_set(diag, err, "%s", medfw_diag_message(&d, err));
	}
	medfw_bundle_result_clear(&res);
	a->st.upd.phase = PHASE_INSTALLED;
	(void)agent_event(a, "verified", "offline bundle", NULL, -1, -1);
	(void)agent_event(a, "installed", NULL, NULL, -1, -1);
	err = agent_save(a, diag);
	if (err == MEDFW_OK)
		err = agent_after_install(a, reboot, out, diag);
	return err;
}

/* ---- status ---- */

enum medfw_err medfw_agent_status(struct medfw_agent *a, json_t **out, struct medfw_diag *diag)
{
	struct medfw_boot_state bs;
	enum medfw_slot_id booted;
	enum medfw_err err;
	const struct agent_update *u = &a->st.upd;
	json_t *o;

	*out = NULL;
	err = medfw_slot_booted(a->slots, &booted, diag);
	if (err == MEDFW_OK)
		err = medfw_slot_load(a->slots, &bs, diag);
	if (err != MEDFW_OK)
		return err;
	o = json_pack("{s:s, s:I, s:s, s:s, s:I, s:{s:[s,s], s:{s:i, s:i}, s:s}, s:s, "
		      "s:{s:o, s:o}, s:I}",
		      "agent_version", medfw_agent_version(), "device_id",
		      (json_int_t)a->st.device_id, "hardware_id", a->cfg->hardware_id,
		      "backend", medfw_slot_backend_name(a->slots), "min_security_version",
		      (json_int_t)a->st.min_security_version, "boot", "order",
		      medfw_slot_name(bs.order[0]), medfw_slot_name(bs.order[1]), "left", "A",
		      (int)bs.left[0], "B", (int)bs.left[1], "last_good",
		      medfw_slot_name(bs.last_good), "booted", medfw_slot_name(booted), "slots",
		      "A", agent_slot_json(&a->st.slots[0]), "B",
		      agent_slot_json(&a->st.slots[1]), "events_queued", (json_int_t)json_array_size(a->st.outbox));
	if (o == NULL)
		return MEDFW_ERR_NOMEM;
	if (u->phase != PHASE_NONE)
		json_object_set_new(o, "update",
				    json_pack("{s:s, s:s, s:s, s:s, s:o, s:s}", "phase",
					      agent_phase_name(u->phase), "source", u->source,
					      "from", medfw_slot_name(u->from), "to",
					      medfw_slot_name(u->to), "image",
					      agent_slot_json(&u->image), "reason", u->reason));
	else
		json_object_set_new(o, "update", json_null());
	*out = o;
	return MEDFW_OK;
}
