/* The fleet file: one JSON object per simulated device, one per line, after comment
 * lines starting with '#' (docs/sim.md "The fleet file"). It holds every device's
 * PRIVATE KEY (the Ed25519 seed, field "key"): it is created 0600, a file others can
 * read is refused, and the key never goes to a log. Also interned strings, firmware and
 * targets, shared by all devices. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim.h"

#include "medfw/encode.h"
#include "medfw/json.h"
#include "medfw/notice.h"

#define FLEET_FILE_MAX ((size_t)2u << 30) /* 2 GiB: millions of devices */
#define LINE_MAX_BYTES (16u * 1024u)
#define TARGET_NAME_MAX MEDFW_DIRECTOR_TARGET_NAME_MAX

static const char FLEET_HEADER[] =
	"# medfw-sim fleet file, format 1 (docs/sim.md). It holds the PRIVATE KEYS of the\n"
	"# simulated devices (\"key\": each device's Ed25519 seed): keep it mode 0600, never\n"
	"# share, publish or commit it. One device per line; medfw-sim rewrites this file.\n";

/* ---- interning ---- */

enum medfw_err sim_fleet_string(struct sim_fleet *f, const char *s, const char **out)
{
	enum medfw_err err = MEDFW_OK;
	char *copy;

	*out = NULL;
	if (s == NULL)
		return MEDFW_OK;
	pthread_mutex_lock(&f->mu);
	for (size_t i = 0; i < f->n_strings; i++)
		if (strcmp(f->strings[i], s) == 0) {
			*out = f->strings[i];
			goto out;
		}
	if (f->n_strings == f->cap_strings) {
		size_t cap = f->cap_strings ? f->cap_strings * 2 : 16;
		char **n = realloc(f->strings, cap * sizeof(*n));

		if (n == NULL) {
			err = MEDFW_ERR_NOMEM;
			goto out;
		}
		f->strings = n;
		f->cap_strings = cap;
	}
	copy = strdup(s);
	if (copy == NULL) {
		err = MEDFW_ERR_NOMEM;
		goto out;
	}
	f->strings[f->n_strings++] = copy;
	*out = copy;
out:
	pthread_mutex_unlock(&f->mu);
	return err;
}

enum medfw_err sim_fleet_firmware(struct sim_fleet *f, const char *version, const char *sha256,
				  const struct sim_firmware **out)
{
	struct sim_firmware *fw;
	const char *v = NULL;
	enum medfw_err err;

	*out = NULL;
	if (sha256 == NULL)
		sha256 = "";
	err = sim_fleet_string(f, version, &v);
	if (err != MEDFW_OK)
		return err;
	pthread_mutex_lock(&f->mu);
	for (size_t i = 0; i < f->n_firmware; i++)
		if (f->firmware[i]->version == v && strcmp(f->firmware[i]->sha256, sha256) == 0) {
			*out = f->firmware[i];
			goto out;
		}
	if (f->n_firmware == f->cap_firmware) {
		size_t cap = f->cap_firmware ? f->cap_firmware * 2 : 16;
		struct sim_firmware **n = realloc(f->firmware, cap * sizeof(*n));

		if (n == NULL) {
			err = MEDFW_ERR_NOMEM;
			goto out;
		}
		f->firmware = n;
		f->cap_firmware = cap;
	}
	fw = calloc(1, sizeof(*fw));
	if (fw == NULL) {
		err = MEDFW_ERR_NOMEM;
		goto out;
	}
	fw->version = v;
	snprintf(fw->sha256, sizeof(fw->sha256), "%s", sha256);
	f->firmware[f->n_firmware++] = fw;
	*out = fw;
out:
	pthread_mutex_unlock(&f->mu);
	return err;
}

static bool is_sha256_hex(const char *s)
{
	size_t i;

	for (i = 0; s[i] != 0; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == 64;
}

/* Find or add a target (f->mu held). hashes NULL: a stub. */
static enum medfw_err add_target(struct sim_fleet *f, const char *name, int64_t length,
				 const json_t *hashes, const char *url,
				 const struct sim_firmware *fw, uint64_t security_version,
				 const char *min_agent_version, struct sim_target **out)
{
	struct sim_target *t;

	for (t = f->targets; t != NULL; t = t->next)
		if (t->fw == fw && (t->hashes == NULL) == (hashes == NULL) &&
		    strcmp(t->name, name) == 0 && t->length == length &&
		    t->security_version == security_version &&
		    (hashes == NULL || (json_equal(t->hashes, hashes) && strcmp(t->url, url) == 0))) {
			*out = t;
			return MEDFW_OK;
		}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return MEDFW_ERR_NOMEM;
	t->name = strdup(name);
	t->length = length;
	t->fw = fw;
	t->security_version = security_version;
	snprintf(t->min_agent_version, sizeof(t->min_agent_version), "%s", min_agent_version);
	if (hashes != NULL) {
		t->hashes = json_deep_copy(hashes);
		t->url = strdup(url);
	}
	if (t->name == NULL || (hashes != NULL && (t->hashes == NULL || t->url == NULL))) {
		free(t->name);
		json_decref(t->hashes);
		free(t->url);
		free(t);
		return MEDFW_ERR_NOMEM;
	}
	t->next = f->targets;
	f->targets = t;
	*out = t;
	return MEDFW_OK;
}

enum medfw_err sim_fleet_target(struct sim_fleet *f, const struct medfw_tuf_target *t,
				const char *url, struct sim_target **out, struct medfw_diag *diag)
{
	struct medfw_release_notice *notice = NULL;
	const struct sim_firmware *fw = NULL;
	const char *sha;
	enum medfw_err err;

	*out = NULL;
	sha = json_string_value(json_object_get(t->hashes, "sha256"));
	if (sha == NULL || !is_sha256_hex(sha))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%.255s: the image repository gives no sha256", t->path);
	if (strlen(t->path) > TARGET_NAME_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "target name longer than %u bytes",
				      TARGET_NAME_MAX);
	err = medfw_notice_from_target_custom(t->custom, &notice, diag);
	if (err != MEDFW_OK)
		return err;
	if (strlen(notice->product_version) > SIM_VERSION_MAX ||
	    strlen(notice->min_agent_version) > SIM_VERSION_MAX) {
		medfw_notice_free(notice);
		return medfw_diag_set(diag, MEDFW_ERR_NOTICE,
				      "%.255s: a version in the release notice is longer than %u "
				      "characters", t->path, SIM_VERSION_MAX);
	}
	err = sim_fleet_firmware(f, notice->product_version, sha, &fw);
	if (err == MEDFW_OK) {
		pthread_mutex_lock(&f->mu);
		err = add_target(f, t->path, t->length, t->hashes, url, fw,
				 notice->security_version, notice->min_agent_version, out);
		pthread_mutex_unlock(&f->mu);
	}
	medfw_notice_free(notice);
	return err;
}

/* ---- keys ---- */

enum medfw_err sim_key_from_seed(const uint8_t seed[MEDFW_ED25519_RAW_LEN],
				 struct medfw_privkey **out, struct medfw_diag *diag)
{
	return medfw_privkey_from_ed25519_seed(seed, out, diag);
}

/* ---- the fleet ---- */

struct sim_device *sim_fleet_add(struct sim_fleet *f)
{
	struct sim_device *d;

	if (f->n >= SIM_DEVICES_MAX)
		return NULL;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 1024;
		struct sim_device *n = realloc(f->dev, cap * sizeof(*n));

		if (n == NULL)
			return NULL;
		f->dev = n;
		f->cap = cap;
	}
	d = &f->dev[f->n++];
	memset(d, 0, sizeof(*d));
	return d;
}

void sim_outbox_free(struct sim_outbox *o)
{
	if (o == NULL)
		return;
	for (uint32_t i = 0; i < o->n; i++)
		free(o->ev[i].reason);
	free(o);
}

void sim_fleet_free(struct sim_fleet *f)
{
	struct sim_target *t, *next;

	if (f == NULL)
		return;
	for (size_t i = 0; i < f->n; i++) {
		struct sim_device *d = &f->dev[i];

		medfw_wipe(d->seed, sizeof(d->seed));
		medfw_privkey_free(d->key);
		free(d->serial);
		sim_outbox_free(d->outbox);
		medfw_sim_session_free(d->session);
	}
	free(f->dev);
	for (size_t i = 0; i < f->n_strings; i++)
		free(f->strings[i]);
	free(f->strings);
	for (size_t i = 0; i < f->n_firmware; i++)
		free(f->firmware[i]);
	free(f->firmware);
	for (t = f->targets; t != NULL; t = next) {
		next = t->next;
		free(t->name);
		json_decref(t->hashes);
		free(t->url);
		free(t);
	}
	pthread_mutex_destroy(&f->mu);
	if (f->lock_fd >= 0)
		close(f->lock_fd);
	free(f->path);
	free(f);
}

/* ---- reading ---- */

struct line_ctx {
	struct sim_fleet *f;
	json_t *o;
	char what[96];
	struct medfw_diag *diag;
};

static enum medfw_err field_str(struct line_ctx *c, const char *key, bool required, size_t max,
				const char **out)
{
	const json_t *v = json_object_get(c->o, key);
	size_t len;

	*out = NULL;
	if (v == NULL) {
		if (!required)
			return MEDFW_OK;
		return medfw_diag_set(c->diag, MEDFW_ERR_FIELD_MISSING, "%s: \"%s\" is missing",
				      c->what, key);
	}
	if (!json_is_string(v))
		return medfw_diag_set(c->diag, MEDFW_ERR_FIELD_TYPE, "%s: \"%s\" must be a string",
				      c->what, key);
	len = json_string_length(v);
	if (len == 0 || len > max || strlen(json_string_value(v)) != len)
		return medfw_diag_set(c->diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: \"%s\" must be 1..%zu characters", c->what, key, max);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)json_string_value(v)[i] < 0x20)
			return medfw_diag_set(c->diag, MEDFW_ERR_FIELD_VALUE,
					      "%s: \"%s\" has a control character", c->what, key);
	*out = json_string_value(v);
	return MEDFW_OK;
}

static enum medfw_err field_int(struct line_ctx *c, const json_t *o, const char *key,
				bool required, int64_t min, int64_t max, int64_t *out)
{
	*out = 0;
	if (json_object_get(o, key) == NULL && !required)
		return MEDFW_OK;
	return medfw_json_get_int(o, c->what, key, min, max, out, c->diag);
}

static enum medfw_err field_sha(struct line_ctx *c, const json_t *o, const char *key,
				const char **out)
{
	const json_t *v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL)
		return MEDFW_OK;
	if (!json_is_string(v) || !is_sha256_hex(json_string_value(v)))
		return medfw_diag_set(c->diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: \"%s\" must be 64 lowercase hex digits", c->what, key);
	*out = json_string_value(v);
	return MEDFW_OK;
}

static enum medfw_err check_keys(struct line_ctx *c, json_t *o, const char *const *keys,
				 size_t n, const char *where)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v) {
		size_t i;

		(void)v;
		for (i = 0; i < n && strcmp(keys[i], k) != 0; i++)
			;
		if (i == n)
			return medfw_diag_set(c->diag, MEDFW_ERR_FIELD_VALUE,
					      "%s: unknown field \"%.64s\"%s", c->what, k, where);
	}
	return MEDFW_OK;
}

static enum medfw_err read_instruction(struct line_ctx *c, struct sim_device *d, json_t *ins)
{
	static const char *const keys[] = {"tv",     "rep",    "target", "version", "sha256",
					   "length", "sv",     "window", "phase"};
	const char *target = NULL, *version = NULL, *sha = NULL, *phase = NULL;
	const struct sim_firmware *fw = NULL;
	const json_t *win;
	int64_t tv = 0, rep = 0, length = 0, sv = 0;
	enum medfw_err err;

	if (!json_is_object(ins))
		return medfw_diag_set(c->diag, MEDFW_ERR_FIELD_TYPE, "%s: \"ins\" must be an object",
				      c->what);
	err = check_keys(c, ins, keys, sizeof(keys) / sizeof(keys[0]), " in \"ins\"");
	if (err == MEDFW_OK)
		err = field_int(c, ins, "tv", true, 1, INT64_MAX, &tv);
	if (err == MEDFW_OK)
		err = field_int(c, ins, "rep", true, 0, SIM_REP_ALL, &rep);
	if (err != MEDFW_OK)
		return err;
	d->ins_tv = tv;
	d->rep = (uint8_t)rep;
	if (json_object_get(ins, "target") == NULL)
		return MEDFW_OK;
	{
		struct line_ctx sub = *c;

		sub.o = ins;
		err = field_str(&sub, "target", true, TARGET_NAME_MAX, &target);
		if (err == MEDFW_OK)
			err = field_str(&sub, "version", true, SIM_VERSION_MAX, &version);
		if (err == MEDFW_OK)
			err = field_str(&sub, "phase", false, 16, &phase);
	}
	if (err == MEDFW_OK)
		err = field_sha(c, ins, "sha256", &sha);
	if (err == MEDFW_OK && sha == NULL)
		err = medfw_diag_set(c->diag, MEDFW_ERR_FIELD_MISSING, "%s: ins.sha256 is missing",
				     c->what);
	if (err == MEDFW_OK)
		err = field_int(c, ins, "length", true, 0, INT64_MAX, &length);
	if (err == MEDFW_OK)
		err = field_int(c, ins, "sv", true, 0, INT64_MAX, &sv);
	if (err != MEDFW_OK)
		return err;
	win = json_object_get(ins, "window");
	if (!json_is_array(win) || json_array_size(win) != 2 ||
	    !json_is_integer(json_array_get(win, 0)) || !json_is_integer(json_array_get(win, 1)))
		return medfw_diag_set(c->diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: ins.window must be [start, end]", c->what);
	d->win_start = json_integer_value(json_array_get(win, 0));
	d->win_end = json_integer_value(json_array_get(win, 1));
	if (phase != NULL && strcmp(phase, "rebooting") != 0)
		return medfw_diag_set(c->diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: ins.phase must be \"rebooting\"", c->what);
	d->phase = phase != NULL ? SIM_PHASE_REBOOTING : SIM_PHASE_NONE;
	err = sim_fleet_firmware(c->f, version, sha, &fw);
	if (err == MEDFW_OK) {
		pthread_mutex_lock(&c->f->mu);
		err = add_target(c->f, target, length, NULL, NULL, fw, (uint64_t)sv, "",
				 &d->ins_target);
		pthread_mutex_unlock(&c->f->mu);
	}
	return err;
}

static enum medfw_err read_device(struct line_ctx *c, struct sim_device *d)
{
	static const char *const keys[] = {"id",  "site", "serial", "model", "hw",    "dept",
					   "zone", "key", "seq",    "fw",    "img",   "minsv",
					   "slot", "dir", "dv",     "fail",  "ins"};
	const char *serial = NULL, *model = NULL, *hw = NULL, *dept = NULL, *zone = NULL;
	const char *key = NULL, *fw = NULL, *img = NULL, *slot = NULL;
	const json_t *dir, *fail;
	json_t *ins;
	int64_t id = 0, site = 0, seq = 0, minsv = 0, dv = 0;
	size_t seed_len = 0;
	enum medfw_err err;

	err = check_keys(c, c->o, keys, sizeof(keys) / sizeof(keys[0]), "");
	if (err == MEDFW_OK)
		err = field_int(c, c->o, "id", true, 1, INT64_MAX, &id);
	if (err == MEDFW_OK)
		err = field_int(c, c->o, "site", true, 1, INT64_MAX, &site);
	if (err == MEDFW_OK)
		err = field_str(c, "serial", true, SIM_STRING_MAX, &serial);
	if (err == MEDFW_OK)
		err = field_str(c, "model", true, SIM_STRING_MAX, &model);
	if (err == MEDFW_OK)
		err = field_str(c, "hw", true, SIM_STRING_MAX, &hw);
	if (err == MEDFW_OK)
		err = field_str(c, "dept", false, SIM_STRING_MAX, &dept);
	if (err == MEDFW_OK)
		err = field_str(c, "zone", false, SIM_ZONE_MAX, &zone);
	if (err == MEDFW_OK)
		err = field_str(c, "key", true, 64, &key);
	if (err == MEDFW_OK)
		err = field_int(c, c->o, "seq", true, 0, (int64_t)1 << 53, &seq);
	if (err == MEDFW_OK)
		err = field_str(c, "fw", true, SIM_VERSION_MAX, &fw);
	if (err == MEDFW_OK)
		err = field_sha(c, c->o, "img", &img);
	if (err == MEDFW_OK)
		err = field_int(c, c->o, "minsv", false, 0, INT64_MAX, &minsv);
	if (err == MEDFW_OK)
		err = field_str(c, "slot", false, 1, &slot);
	if (err == MEDFW_OK)
		err = field_int(c, c->o, "dv", false, 0, INT64_MAX, &dv);
	if (err != MEDFW_OK)
		return err;
	if (strlen(key) != 64 || medfw_hex_decode(key, d->seed, sizeof(d->seed), &seed_len) != MEDFW_OK ||
	    seed_len != sizeof(d->seed))
		return medfw_diag_set(c->diag, MEDFW_ERR_KEY_FORMAT,
				      "%s: \"key\" must be 64 hex digits", c->what);
	if (slot != NULL && strcmp(slot, "A") != 0 && strcmp(slot, "B") != 0)
		return medfw_diag_set(c->diag, MEDFW_ERR_FIELD_VALUE, "%s: \"slot\" must be A or B",
				      c->what);
	d->id = id;
	d->site_id = site;
	d->event_seq = (uint64_t)seq;
	d->min_security_version = (uint64_t)minsv;
	d->slot = slot != NULL && slot[0] == 'B';
	d->dv_seen = dv;
	d->fail_dv = -1;
	d->serial = strdup(serial);
	if (d->serial == NULL)
		return MEDFW_ERR_NOMEM;
	err = sim_fleet_string(c->f, model, &d->model);
	if (err == MEDFW_OK)
		err = sim_fleet_string(c->f, hw, &d->hardware_id);
	if (err == MEDFW_OK)
		err = sim_fleet_string(c->f, dept, &d->department);
	if (err == MEDFW_OK)
		err = sim_fleet_string(c->f, zone, &d->network_zone);
	if (err == MEDFW_OK)
		err = sim_fleet_firmware(c->f, fw, img, &d->fw);
	if (err != MEDFW_OK)
		return err;
	dir = json_object_get(c->o, "dir");
	if (dir != NULL) {
		if (!json_is_array(dir) || json_array_size(dir) != 3)
			return medfw_diag_set(c->diag, MEDFW_ERR_FIELD_VALUE,
					      "%s: \"dir\" must be [timestamp, snapshot, targets]",
					      c->what);
		for (size_t i = 0; i < 3; i++)
			if (!json_is_integer(json_array_get(dir, i)) ||
			    json_integer_value(json_array_get(dir, i)) < 0)
				return medfw_diag_set(c->diag, MEDFW_ERR_FIELD_VALUE,
						      "%s: \"dir\" holds versions >= 0", c->what);
		d->dir.timestamp_version = json_integer_value(json_array_get(dir, 0));
		d->dir.snapshot_version = json_integer_value(json_array_get(dir, 1));
		d->dir.targets_version = json_integer_value(json_array_get(dir, 2));
	}
	fail = json_object_get(c->o, "fail");
	if (fail != NULL) {
		if (!json_is_array(fail) || json_array_size(fail) != 2 ||
		    !json_is_integer(json_array_get(fail, 0)) ||
		    !json_is_integer(json_array_get(fail, 1)) ||
		    json_integer_value(json_array_get(fail, 1)) < 0 ||
		    json_integer_value(json_array_get(fail, 1)) > 255)
			return medfw_diag_set(c->diag, MEDFW_ERR_FIELD_VALUE,
					      "%s: \"fail\" must be [director_version, code]", c->what);
		d->fail_dv = json_integer_value(json_array_get(fail, 0));
		d->fail_code = (uint8_t)json_integer_value(json_array_get(fail, 1));
	}
	ins = json_object_get(c->o, "ins");
	if (ins != NULL)
		return read_instruction(c, d, ins);
	return MEDFW_OK;
}

static int cmp_id(const void *a, const void *b)
{
	const struct sim_device *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static enum medfw_err load(struct sim_fleet *f, struct medfw_diag *diag)
{
	struct medfw_buf file;
	size_t pos = 0, line_no = 0;
	enum medfw_err err;

	err = medfw_file_read(f->path, FLEET_FILE_MAX, &file, diag);
	if (err != MEDFW_OK)
		return err;
	while (err == MEDFW_OK && pos < file.len) {
		const uint8_t *line = file.data + pos;
		const uint8_t *nl = memchr(line, '\n', file.len - pos);
		size_t len = nl != NULL ? (size_t)(nl - line) : file.len - pos;
		struct line_ctx c = {f, NULL, "", diag};
		struct sim_device *d;
		json_t *o = NULL;

		pos += len + (nl != NULL);
		line_no++;
		if (len == 0 || line[0] == '#')
			continue;
		snprintf(c.what, sizeof(c.what), "%s line %zu", "fleet file", line_no);
		if (len > LINE_MAX_BYTES) {
			err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: longer than %u bytes",
					     c.what, LINE_MAX_BYTES);
			break;
		}
		{
			struct medfw_diag pd;

			medfw_diag_clear(&pd);
			err = medfw_json_parse(line, len, LINE_MAX_BYTES, 4, &o, &pd);
			if (err != MEDFW_OK)
				medfw_diag_set(diag, err, "%s: %s", c.what,
					       medfw_diag_message(&pd, err));
		}
		if (err == MEDFW_OK && !json_is_object(o))
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: not a JSON object",
					     c.what);
		if (err == MEDFW_OK) {
			d = sim_fleet_add(f);
			if (d == NULL)
				err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
						     "%s: more than %u devices or out of memory",
						     c.what, SIM_DEVICES_MAX);
			c.o = o;
			if (err == MEDFW_OK)
				err = read_device(&c, d);
		}
		json_decref(o);
	}
	medfw_buf_free(&file); /* wiped: it held the keys */
	if (err != MEDFW_OK)
		return err;
	qsort(f->dev, f->n, sizeof(*f->dev), cmp_id);
	for (size_t i = 1; i < f->n; i++)
		if (f->dev[i].id == f->dev[i - 1].id)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "fleet file: device %lld appears twice",
					      (long long)f->dev[i].id);
	return MEDFW_OK;
}

enum medfw_err sim_fleet_open(const char *path, bool create, struct sim_fleet **out,
			      struct medfw_diag *diag)
{
	struct sim_fleet *f;
	char lock_path[4200];
	struct stat st;
	enum medfw_err err = MEDFW_OK;

	*out = NULL;
	if (strlen(path) > 4000)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "fleet file: path too long");
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return MEDFW_ERR_NOMEM;
	f->lock_fd = -1;
	pthread_mutex_init(&f->mu, NULL);
	f->path = strdup(path);
	if (f->path == NULL) {
		sim_fleet_free(f);
		return MEDFW_ERR_NOMEM;
	}
	snprintf(lock_path, sizeof(lock_path), "%s.lock", path);
	f->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (f->lock_fd < 0)
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", lock_path, strerror(errno));
	else if (flock(f->lock_fd, LOCK_EX | LOCK_NB) != 0)
		err = medfw_diag_set(diag, MEDFW_ERR_STATE,
				     "%s: another medfw-sim is using this fleet file", path);
	if (err == MEDFW_OK) {
		if (stat(path, &st) != 0) {
			if (errno != ENOENT || !create)
				err = medfw_diag_set(diag, errno == ENOENT ? MEDFW_ERR_NOT_FOUND
									   : MEDFW_ERR_IO,
						     "fleet file %s: %s", path, strerror(errno));
		} else if (!S_ISREG(st.st_mode)) {
			err = medfw_diag_set(diag, MEDFW_ERR_IO, "fleet file %s is not a regular file",
					     path);
		} else if ((st.st_mode & 077) != 0) {
			err = medfw_diag_set(diag, MEDFW_ERR_STATE,
					     "fleet file %s holds private keys but others may read "
					     "it (mode %03o): chmod 600 it", path,
					     (unsigned)(st.st_mode & 0777));
		} else {
			err = load(f, diag);
		}
	}
	if (err != MEDFW_OK) {
		sim_fleet_free(f);
		return err;
	}
	*out = f;
	return MEDFW_OK;
}

/* ---- writing ---- */

/* One device's line, the key first; appended to `out` (which is wiped when freed). */
static enum medfw_err device_line(const struct sim_device *d, struct medfw_buf *out)
{
	char key[2 * MEDFW_ED25519_RAW_LEN + 1];
	json_t *o;
	char *text;
	enum medfw_err err;

	o = json_pack("{s:I, s:I, s:s, s:s, s:s}", "id", (json_int_t)d->id, "site",
		      (json_int_t)d->site_id, "serial", d->serial, "model", d->model, "hw",
		      d->hardware_id);
	if (o == NULL)
		return MEDFW_ERR_NOMEM;
	if (d->department != NULL)
		json_object_set_new(o, "dept", json_string(d->department));
	if (d->network_zone != NULL)
		json_object_set_new(o, "zone", json_string(d->network_zone));
	json_object_set_new(o, "seq", json_integer((json_int_t)d->event_seq));
	json_object_set_new(o, "fw", json_string(d->fw->version));
	if (d->fw->sha256[0] != 0)
		json_object_set_new(o, "img", json_string(d->fw->sha256));
	json_object_set_new(o, "minsv", json_integer((json_int_t)d->min_security_version));
	json_object_set_new(o, "slot", json_string(d->slot ? "B" : "A"));
	json_object_set_new(o, "dir", json_pack("[I, I, I]", (json_int_t)d->dir.timestamp_version,
						(json_int_t)d->dir.snapshot_version,
						(json_int_t)d->dir.targets_version));
	json_object_set_new(o, "dv", json_integer((json_int_t)d->dv_seen));
	if (d->fail_dv >= 0 && d->fail_code != 0)
		json_object_set_new(o, "fail", json_pack("[I, i]", (json_int_t)d->fail_dv,
							 (int)d->fail_code));
	if (d->ins_tv > 0) {
		json_t *ins = json_pack("{s:I, s:i}", "tv", (json_int_t)d->ins_tv, "rep", (int)d->rep);

		if (ins != NULL && d->ins_target != NULL) {
			const struct sim_target *t = d->ins_target;

			json_object_set_new(ins, "target", json_string(t->name));
			json_object_set_new(ins, "version", json_string(t->fw->version));
			json_object_set_new(ins, "sha256", json_string(t->fw->sha256));
			json_object_set_new(ins, "length", json_integer((json_int_t)t->length));
			json_object_set_new(ins, "sv", json_integer((json_int_t)t->security_version));
			json_object_set_new(ins, "window",
					    json_pack("[I, I]", (json_int_t)d->win_start,
						      (json_int_t)d->win_end));
			if (d->phase == SIM_PHASE_REBOOTING)
				json_object_set_new(ins, "phase", json_string("rebooting"));
		}
		json_object_set_new(o, "ins", ins);
	}
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (text == NULL || text[0] != '{' || text[1] == '}') {
		free(text);
		return MEDFW_ERR_NOMEM;
	}
	if (medfw_hex_encode(d->seed, sizeof(d->seed), key, sizeof(key)) != MEDFW_OK) {
		free(text);
		return MEDFW_ERR_INVALID_ARG;
	}
	/* {"key":"...", then the rest: the key never passes through jansson here */
	err = medfw_buf_printf(out, "{\"key\":\"%s\",%s\n", key, text + 1);
	medfw_wipe(key, sizeof(key));
	free(text);
	return err;
}

enum medfw_err sim_fleet_append(struct sim_fleet *f, size_t from, size_t to,
				struct medfw_diag *diag)
{
	struct medfw_buf b;
	struct stat st;
	int fd;
	enum medfw_err err = MEDFW_OK;
	bool fresh;

	medfw_buf_init(&b, FLEET_FILE_MAX);
	fd = open(f->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", f->path, strerror(errno));
	fresh = fstat(fd, &st) == 0 && st.st_size == 0;
	if (fresh)
		err = medfw_buf_append_str(&b, FLEET_HEADER);
	for (size_t i = from; err == MEDFW_OK && i < to; i++)
		err = device_line(&f->dev[i], &b);
	if (err != MEDFW_OK)
		err = medfw_diag_set(diag, err, "%s: cannot format the devices", f->path);
	if (err == MEDFW_OK)
		err = medfw_write_all(fd, b.data, b.len, f->path, diag);
	if (err == MEDFW_OK && fsync(fd) != 0)
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: fsync: %s", f->path, strerror(errno));
	close(fd);
	if (err == MEDFW_OK && fresh)
		err = medfw_fsync_parent(f->path, diag);
	medfw_buf_free(&b);
	return err;
}

enum medfw_err sim_fleet_save(struct sim_fleet *f, struct medfw_diag *diag)
{
	struct medfw_buf b;
	enum medfw_err err;

	medfw_buf_init(&b, FLEET_FILE_MAX);
	err = medfw_buf_append_str(&b, FLEET_HEADER);
	for (size_t i = 0; err == MEDFW_OK && i < f->n; i++)
		err = device_line(&f->dev[i], &b);
	if (err != MEDFW_OK)
		err = medfw_diag_set(diag, err, "%s: cannot format the devices", f->path);
	else
		err = medfw_file_write_atomic(f->path, b.data, b.len, 0600, diag);
	medfw_buf_free(&b);
	return err;
}
