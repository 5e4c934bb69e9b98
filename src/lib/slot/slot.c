/* A/B slots: backend dispatch, the boot state transitions (in the order slot.h
 * documents), writing and reading slots, and the file backend's simulated boot. */
#define _GNU_SOURCE /* sync_file_range */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "medfw/buf.h"
#include "slot_internal.h"

/* The backends medfw_slot_backend_open knows (docs/agent-backends.md: adding one). */
static const struct medfwi_slot_ops *const backends[] = {
	&medfwi_slot_file_ops,
	&medfwi_slot_uboot_ops,
	&medfwi_slot_grub_ops,
};

/* Which backend each backend-specific option belongs to. */
struct backend_option {
	const char *option;
	const char *backend;
	size_t offset;
};

static const struct backend_option backend_options[] = {
	{"state_file", "file", offsetof(struct medfw_slot_config, state_file)},
	{"uboot_config", "uboot", offsetof(struct medfw_slot_config, uboot_config)},
	{"grubenv", "grub", offsetof(struct medfw_slot_config, grubenv)},
	{"grub_editenv", "grub", offsetof(struct medfw_slot_config, grub_editenv)},
};

/* Chunk size of medfw_slot_read. */
#define SLOT_READ_CHUNK (1024u * 1024u)
/* Largest single write(2) asked of the kernel (it caps at about 2 GiB anyway). */
#define SLOT_WRITE_CHUNK (1u << 30)

struct medfw_slot_writer {
	enum medfw_slot_id slot;
	int fd;
	bool is_block;
	bool failed;      /* a write failed: the slot's content is unknown */
	uint64_t dev_size; /* block device: its size */
	uint64_t pos;     /* next byte to write = bytes in the slot so far */
	uint64_t flushed; /* writeback was started for bytes below this */
	char path[];
};

/* Start writeback of what was written every this many bytes, so the final fsync finds
 * little left and the install does not end with one long flush of the whole image. */
#define SLOT_WRITEBACK_STEP (16u * 1024u * 1024u)

enum medfw_err medfwi_slot_path_option(const char *value, const char *option, char **out,
				       struct medfw_diag *diag)
{
	size_t n;

	*out = NULL;
	if (value == NULL || value[0] == 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: not set", option);
	n = strlen(value);
	if (n >= PATH_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: path too long", option);
	if (strchr(value, '\n') != NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: path contains a newline",
				      option);
	*out = strdup(value);
	if (*out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "%s: out of memory", option);
	return MEDFW_OK;
}

static bool slot_ok(enum medfw_slot_id slot)
{
	return slot == MEDFW_SLOT_A || slot == MEDFW_SLOT_B;
}

enum medfw_err medfw_slot_backend_open(struct medfw_ctx *ctx, const struct medfw_slot_config *cfg,
				       struct medfw_slot_backend **out,
				       struct medfw_diag *diag)
{
	static const char *const slot_option[MEDFW_SLOT_COUNT] = {"slot_path[A]", "slot_path[B]"};
	const struct medfwi_slot_ops *ops = NULL;
	struct medfw_slot_backend *b = NULL;
	enum medfw_err err;

	*out = NULL;
	if (cfg == NULL || cfg->backend == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "backend: not set");
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(cfg->backend, backends[i]->name) == 0)
			ops = backends[i];
	if (ops == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "backend: unknown backend (expected file, uboot or grub)");
	for (size_t i = 0; i < sizeof(backend_options) / sizeof(backend_options[0]); i++) {
		const struct backend_option *o = &backend_options[i];
		const char *value = *(const char *const *)((const char *)cfg + o->offset);

		if (value != NULL && strcmp(o->backend, ops->name) != 0)
			return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
					      "%s: an option of the %s backend, not of %s", o->option,
					      o->backend, ops->name);
	}
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "slot backend: out of memory");
	b->ctx = ctx;
	b->ops = ops;
	for (int i = 0; i < MEDFW_SLOT_COUNT; i++) {
		err = medfwi_slot_path_option(cfg->slot_path[i], slot_option[i], &b->slot_path[i],
					      diag);
		if (err != MEDFW_OK)
			goto fail;
	}
	if (strcmp(b->slot_path[MEDFW_SLOT_A], b->slot_path[MEDFW_SLOT_B]) == 0) {
		err = medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				     "slot_path: slots A and B are the same path");
		goto fail;
	}
	err = medfwi_slot_path_option(cfg->booted_slot_file, "booted_slot_file",
				      &b->booted_slot_file, diag);
	if (err != MEDFW_OK)
		goto fail;
	err = ops->open(b, cfg, diag);
	if (err != MEDFW_OK)
		goto fail;
	*out = b;
	return MEDFW_OK;
fail:
	medfw_slot_backend_close(b);
	return err;
}

void medfw_slot_backend_close(struct medfw_slot_backend *b)
{
	if (b == NULL)
		return;
	if (b->ops != NULL && b->impl != NULL)
		b->ops->close(b->impl);
	for (int i = 0; i < MEDFW_SLOT_COUNT; i++)
		free(b->slot_path[i]);
	free(b->booted_slot_file);
	free(b);
}

const char *medfw_slot_backend_name(const struct medfw_slot_backend *b)
{
	return b != NULL ? b->ops->name : "none";
}

enum medfw_err medfw_slot_load(struct medfw_slot_backend *b, struct medfw_boot_state *out,
			       struct medfw_diag *diag)
{
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	if (b == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no slot backend");
	err = b->ops->load(b, out, diag);
	if (err == MEDFW_OK && !medfwi_boot_state_valid(out))
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s backend: invalid boot state",
				     b->ops->name);
	if (err != MEDFW_OK)
		memset(out, 0, sizeof(*out));
	return err;
}

enum medfw_err medfw_slot_booted(struct medfw_slot_backend *b, enum medfw_slot_id *out,
				 struct medfw_diag *diag)
{
	*out = MEDFW_SLOT_A;
	if (b == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no slot backend");
	return medfw_slot_read_booted(b->booted_slot_file, out, diag);
}

static bool same_state(const struct medfw_boot_state *x, const struct medfw_boot_state *y)
{
	return x->order[0] == y->order[0] && x->order[1] == y->order[1] &&
	       x->left[MEDFW_SLOT_A] == y->left[MEDFW_SLOT_A] &&
	       x->left[MEDFW_SLOT_B] == y->left[MEDFW_SLOT_B] && x->last_good == y->last_good;
}

/* Store `next` (derived from `old` by `what` on `slot`) and log the change. A state
 * in which no slot has tries left is never the result of a transition: the device
 * would not boot at all. */
static enum medfw_err change_state(struct medfw_slot_backend *b, const char *what,
				   enum medfw_slot_id slot, const struct medfw_boot_state *old,
				   const struct medfw_boot_state *next, struct medfw_diag *diag)
{
	char before[MEDFWI_BOOT_STATE_LINE_MAX], after[MEDFWI_BOOT_STATE_LINE_MAX];
	enum medfw_err err;

	medfwi_boot_state_line(old, before);
	medfwi_boot_state_line(next, after);
	if (next->left[MEDFW_SLOT_A] == 0 && next->left[MEDFW_SLOT_B] == 0)
		return medfw_diag_set(diag, MEDFW_ERR_STATE,
				      "%s %s would leave no slot with tries left (%s): refused",
				      what, medfw_slot_name(slot), before);
	if (same_state(old, next)) {
		medfw_log(b->ctx, MEDFW_LOG_DEBUG, "slot.state.unchanged", "%s %s: %s", what,
			  medfw_slot_name(slot), before);
		return MEDFW_OK;
	}
	err = b->ops->store(b, next, diag);
	if (err != MEDFW_OK) {
		medfw_log(b->ctx, MEDFW_LOG_ERROR, "slot.state.error",
			  "%s %s: storing %s failed: %s", what, medfw_slot_name(slot), after,
			  medfw_diag_message(diag, err));
		return err;
	}
	medfw_log(b->ctx, MEDFW_LOG_INFO, "slot.state.change", "%s %s (%s backend): %s -> %s",
		  what, medfw_slot_name(slot), b->ops->name, before, after);
	return MEDFW_OK;
}

enum medfw_err medfw_slot_set_unbootable(struct medfw_slot_backend *b, enum medfw_slot_id slot,
					 struct medfw_diag *diag)
{
	struct medfw_boot_state old, next;
	enum medfw_err err;

	if (b == NULL || !slot_ok(slot))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "set unbootable: no such slot");
	err = medfw_slot_load(b, &old, diag);
	if (err != MEDFW_OK)
		return err;
	next = old;
	next.order[0] = medfw_slot_other(slot);
	next.order[1] = slot;
	next.left[slot] = 0;
	return change_state(b, "set unbootable", slot, &old, &next, diag);
}

enum medfw_err medfw_slot_set_trial(struct medfw_slot_backend *b, enum medfw_slot_id slot,
				    unsigned tries, struct medfw_diag *diag)
{
	struct medfw_boot_state old, next;
	enum medfw_err err;

	if (b == NULL || !slot_ok(slot))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "set trial: no such slot");
	if (tries < 1 || tries > MEDFW_SLOT_TRIES)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "set trial %s: tries must be 1..%u, not %u",
				      medfw_slot_name(slot), MEDFW_SLOT_TRIES, tries);
	err = medfw_slot_load(b, &old, diag);
	if (err != MEDFW_OK)
		return err;
	next = old;
	next.order[0] = slot;
	next.order[1] = medfw_slot_other(slot);
	next.left[slot] = tries;
	return change_state(b, "set trial", slot, &old, &next, diag);
}

enum medfw_err medfw_slot_mark_good(struct medfw_slot_backend *b, enum medfw_slot_id slot,
				    struct medfw_diag *diag)
{
	struct medfw_boot_state old, next;
	enum medfw_slot_id running;
	enum medfw_err err;

	if (b == NULL || !slot_ok(slot))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "mark good: no such slot");
	err = medfw_slot_booted(b, &running, diag);
	if (err != MEDFW_OK)
		return err;
	if (running != slot)
		return medfw_diag_set(diag, MEDFW_ERR_STATE,
				      "mark good %s: the running slot is %s; only a slot that "
				      "booted and passed its health checks can be marked good",
				      medfw_slot_name(slot), medfw_slot_name(running));
	err = medfw_slot_load(b, &old, diag);
	if (err != MEDFW_OK)
		return err;
	next = old;
	next.left[slot] = MEDFW_SLOT_TRIES;
	next.last_good = slot;
	return change_state(b, "mark good", slot, &old, &next, diag);
}

enum medfw_err medfw_slot_store(struct medfw_slot_backend *b, const struct medfw_boot_state *st,
				struct medfw_diag *diag)
{
	char before[MEDFWI_BOOT_STATE_LINE_MAX] = "(none)", after[MEDFWI_BOOT_STATE_LINE_MAX];
	struct medfw_boot_state old;
	enum medfw_err err;

	if (b == NULL || st == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "store: no backend or state");
	if (!medfwi_boot_state_valid(st))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "store: not a valid boot state (order must name A and B "
				      "once, tries 0..%u)", MEDFW_SLOT_TRIES);
	if (b->ops->load(b, &old, NULL) == MEDFW_OK)
		medfwi_boot_state_line(&old, before);
	medfwi_boot_state_line(st, after);
	err = b->ops->store(b, st, diag);
	if (err != MEDFW_OK) {
		medfw_log(b->ctx, MEDFW_LOG_ERROR, "slot.state.error", "store: storing %s failed: %s",
			  after, medfw_diag_message(diag, err));
		return err;
	}
	medfw_log(b->ctx, MEDFW_LOG_INFO, "slot.state.change", "store (%s backend): %s -> %s",
		  b->ops->name, before, after);
	return MEDFW_OK;
}

enum medfw_err medfw_slot_simulate_boot(struct medfw_slot_backend *b, enum medfw_slot_id *out,
					struct medfw_diag *diag)
{
	char before[MEDFWI_BOOT_STATE_LINE_MAX], after[MEDFWI_BOOT_STATE_LINE_MAX];
	struct medfw_boot_state old, next;
	enum medfw_slot_id chosen;
	char name[2];
	enum medfw_err err;

	*out = MEDFW_SLOT_A;
	if (b == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no slot backend");
	if (!b->ops->simulates_boot)
		return medfw_diag_set(diag, MEDFW_ERR_STATE,
				      "the %s backend cannot simulate a boot: its bootloader "
				      "boots the device", b->ops->name);
	err = medfw_slot_load(b, &old, diag);
	if (err != MEDFW_OK)
		return err;
	medfwi_boot_state_line(&old, before);
	next = old;
	err = medfw_boot_state_select(&next, &chosen);
	if (err != MEDFW_OK) {
		medfw_log(b->ctx, MEDFW_LOG_ERROR, "slot.boot.none", "simulated boot: %s", before);
		return medfw_diag_set(diag, err, "simulated boot: no slot has tries left (%s)",
				      before);
	}
	medfwi_boot_state_line(&next, after);
	err = b->ops->store(b, &next, diag);
	if (err != MEDFW_OK)
		return err;
	medfw_log(b->ctx, MEDFW_LOG_INFO, "slot.state.change", "simulated boot of %s: %s -> %s",
		  medfw_slot_name(chosen), before, after);
	name[0] = medfw_slot_name(chosen)[0];
	name[1] = '\n';
	err = medfw_file_write_atomic(b->booted_slot_file, name, sizeof(name), 0644, diag);
	if (err != MEDFW_OK)
		return err;
	*out = chosen;
	return MEDFW_OK;
}

/* ---- writing and reading slots ---- */

static enum medfw_err errno_err(int e)
{
	return e == ENOSPC || e == EDQUOT ? MEDFW_ERR_NO_SPACE : MEDFW_ERR_IO;
}

/* The refusals of open_write / open_resume: never the running slot, never a slot the
 * bootloader may still start, never the last slot marked good. Fails closed when the
 * booted slot or the state cannot be read. */
static enum medfw_err check_writable(struct medfw_slot_backend *b, enum medfw_slot_id slot,
				     struct medfw_diag *diag)
{
	struct medfw_boot_state st;
	enum medfw_slot_id running;
	enum medfw_err err;

	if (b == NULL || !slot_ok(slot))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "write: no such slot");
	err = medfw_slot_booted(b, &running, diag);
	if (err != MEDFW_OK)
		return err;
	if (running == slot)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "slot %s (%s) is the running slot: refusing to write it",
				      medfw_slot_name(slot), b->slot_path[slot]);
	err = medfw_slot_load(b, &st, diag);
	if (err != MEDFW_OK)
		return err;
	if (st.left[slot] > 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "slot %s (%s) has %u tries left: set it unbootable before "
				      "writing it", medfw_slot_name(slot), b->slot_path[slot],
				      st.left[slot]);
	/* The committed image is what a device falls back to: kept until another slot
	 * booted and was marked good. */
	if (st.last_good == slot)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "slot %s (%s) holds the last image marked good: mark the "
				      "running slot good before writing it", medfw_slot_name(slot),
				      b->slot_path[slot]);
	return MEDFW_OK;
}

static enum medfw_err open_writer(struct medfw_slot_backend *b, enum medfw_slot_id slot,
				  bool resume, uint64_t offset, struct medfw_slot_writer **out,
				  struct medfw_diag *diag)
{
	const char *path;
	const char *name = medfw_slot_name(slot);
	struct medfw_slot_writer *w = NULL;
	struct stat st;
	enum medfw_err err;
	int flags = O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	size_t plen;
	off_t end;
	int fl;

	*out = NULL;
	err = check_writable(b, slot, diag);
	if (err != MEDFW_OK)
		return err;
	path = b->slot_path[slot];
	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
			return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
					      "slot %s (%s): not a regular file or a block device",
					      name, path);
		if (S_ISREG(st.st_mode) && !resume)
			flags |= O_TRUNC;
	} else if (errno == ENOENT && !resume) {
		flags |= O_CREAT | O_TRUNC;
	} else {
		return medfw_diag_set(diag, MEDFW_ERR_IO, "slot %s (%s): %s", name, path,
				      strerror(errno));
	}
	plen = strlen(path);
	w = calloc(1, sizeof(*w) + plen + 1);
	if (w == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "slot %s: out of memory", name);
	memcpy(w->path, path, plen + 1);
	w->slot = slot;
	/* O_NONBLOCK: a FIFO put there since the stat must not block the open. */
	w->fd = open(path, flags, 0600);
	if (w->fd < 0) {
		err = medfw_diag_set(diag, errno_err(errno), "slot %s (%s): open: %s", name, path,
				     strerror(errno));
		free(w);
		return err;
	}
	if (fstat(w->fd, &st) != 0 || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))) {
		err = medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				     "slot %s (%s): not a regular file or a block device", name,
				     path);
		goto fail;
	}
	fl = fcntl(w->fd, F_GETFL);
	if (fl < 0 || fcntl(w->fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "slot %s (%s): fcntl: %s", name, path,
				     strerror(errno));
		goto fail;
	}
	w->is_block = S_ISBLK(st.st_mode);
	if (w->is_block) {
		end = lseek(w->fd, 0, SEEK_END);
		if (end < 0) {
			err = medfw_diag_set(diag, MEDFW_ERR_IO, "slot %s (%s): size: %s", name,
					     path, strerror(errno));
			goto fail;
		}
		w->dev_size = (uint64_t)end;
	}
	if (resume) {
		uint64_t size = w->is_block ? w->dev_size : (uint64_t)st.st_size;

		if (offset > size) {
			err = medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
					     "slot %s (%s): resume offset %llu is beyond its %llu "
					     "bytes", name, path, (unsigned long long)offset,
					     (unsigned long long)size);
			goto fail;
		}
		if (!w->is_block && ftruncate(w->fd, (off_t)offset) != 0) {
			err = medfw_diag_set(diag, errno_err(errno), "slot %s (%s): truncate: %s",
					     name, path, strerror(errno));
			goto fail;
		}
		w->pos = offset;
		w->flushed = offset;
	}
	medfw_log(b->ctx, MEDFW_LOG_INFO, "slot.write.open", "slot %s (%s): writing from byte %llu",
		  name, path, (unsigned long long)w->pos);
	*out = w;
	return MEDFW_OK;
fail:
	medfw_slot_abort(w);
	return err;
}

enum medfw_err medfw_slot_open_write(struct medfw_slot_backend *b, enum medfw_slot_id slot,
				     struct medfw_slot_writer **out, struct medfw_diag *diag)
{
	return open_writer(b, slot, false, 0, out, diag);
}

enum medfw_err medfw_slot_open_resume(struct medfw_slot_backend *b, enum medfw_slot_id slot,
				      uint64_t offset, struct medfw_slot_writer **out,
				      struct medfw_diag *diag)
{
	if (offset > (uint64_t)INT64_MAX) {
		*out = NULL;
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "resume offset out of range");
	}
	return open_writer(b, slot, true, offset, out, diag);
}

enum medfw_err medfw_slot_write(struct medfw_slot_writer *w, const void *data, size_t len,
				struct medfw_diag *diag)
{
	const uint8_t *p = data;
	const char *name;

	if (w == NULL || (data == NULL && len != 0))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "slot write: no writer or data");
	name = medfw_slot_name(w->slot);
	if (w->failed)
		return medfw_diag_set(diag, MEDFW_ERR_STATE,
				      "slot %s (%s): an earlier write failed", name, w->path);
	if ((uint64_t)len > (uint64_t)INT64_MAX - w->pos) {
		w->failed = true;
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "slot %s (%s): image too large",
				      name, w->path);
	}
	if (w->is_block && (w->pos > w->dev_size || (uint64_t)len > w->dev_size - w->pos)) {
		w->failed = true;
		return medfw_diag_set(diag, MEDFW_ERR_NO_SPACE,
				      "slot %s (%s): the image is larger than the device "
				      "(%llu bytes)", name, w->path,
				      (unsigned long long)w->dev_size);
	}
	while (len > 0) {
		size_t chunk = len < SLOT_WRITE_CHUNK ? len : SLOT_WRITE_CHUNK;
		ssize_t n = pwrite(w->fd, p, chunk, (off_t)w->pos);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;

			w->failed = true;
			return medfw_diag_set(diag, errno_err(e), "slot %s (%s): write at byte %llu: %s",
					      name, w->path, (unsigned long long)w->pos, strerror(e));
		}
		p += n;
		len -= (size_t)n;
		w->pos += (uint64_t)n;
	}
	if (w->pos - w->flushed >= SLOT_WRITEBACK_STEP) {
		/* Asynchronous: SYNC_FILE_RANGE_WRITE only queues the pages for writeback. A
		 * failure here is not an error: the fsync in medfw_slot_finish decides. */
		(void)sync_file_range(w->fd, (off_t)w->flushed, (off_t)(w->pos - w->flushed),
				      SYNC_FILE_RANGE_WRITE);
		w->flushed = w->pos;
	}
	return MEDFW_OK;
}

uint64_t medfw_slot_written(const struct medfw_slot_writer *w)
{
	return w != NULL ? w->pos : 0;
}

enum medfw_err medfw_slot_finish(struct medfw_slot_writer *w, struct medfw_diag *diag)
{
	enum medfw_err err = MEDFW_OK;
	const char *name;

	if (w == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "slot finish: no writer");
	name = medfw_slot_name(w->slot);
	if (w->failed)
		err = medfw_diag_set(diag, MEDFW_ERR_STATE, "slot %s (%s): an earlier write failed",
				     name, w->path);
	else if (w->is_block && w->pos > w->dev_size)
		err = medfw_diag_set(diag, MEDFW_ERR_NO_SPACE,
				     "slot %s (%s): %llu bytes written to a %llu-byte device", name,
				     w->path, (unsigned long long)w->pos,
				     (unsigned long long)w->dev_size);
	else if (fsync(w->fd) != 0)
		err = medfw_diag_set(diag, errno_err(errno), "slot %s (%s): fsync: %s", name,
				     w->path, strerror(errno));
	if (close(w->fd) != 0 && err == MEDFW_OK)
		err = medfw_diag_set(diag, errno_err(errno), "slot %s (%s): close: %s", name,
				     w->path, strerror(errno));
	/* A slot file created by open_write: its directory entry must survive too. */
	if (err == MEDFW_OK && !w->is_block)
		err = medfw_fsync_parent(w->path, diag);
	free(w);
	return err;
}

void medfw_slot_abort(struct medfw_slot_writer *w)
{
	if (w == NULL)
		return;
	if (w->fd >= 0)
		close(w->fd);
	free(w);
}

enum medfw_err medfw_slot_read(struct medfw_slot_backend *b, enum medfw_slot_id slot,
			       uint64_t len, medfw_slot_read_fn fn, void *user,
			       struct medfw_diag *diag)
{
	enum medfw_err err = MEDFW_OK;
	const char *path, *name;
	uint8_t *chunk = NULL;
	struct stat st;
	uint64_t size, pos = 0;
	int fd;

	if (b == NULL || !slot_ok(slot) || fn == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "slot read: bad arguments");
	path = b->slot_path[slot];
	name = medfw_slot_name(slot);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return medfw_diag_set(diag, errno == ENOENT ? MEDFW_ERR_NOT_FOUND : MEDFW_ERR_IO,
				      "slot %s (%s): open: %s", name, path, strerror(errno));
	if (fstat(fd, &st) != 0 || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))) {
		err = medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				     "slot %s (%s): not a regular file or a block device", name, path);
		goto out;
	}
	if (S_ISBLK(st.st_mode)) {
		off_t end = lseek(fd, 0, SEEK_END);

		if (end < 0) {
			err = medfw_diag_set(diag, MEDFW_ERR_IO, "slot %s (%s): size: %s", name,
					     path, strerror(errno));
			goto out;
		}
		size = (uint64_t)end;
	} else {
		size = (uint64_t)st.st_size;
	}
	if (len > size) {
		err = medfw_diag_set(diag, MEDFW_ERR_TRUNCATED,
				     "slot %s (%s) holds %llu bytes, fewer than the %llu to read",
				     name, path, (unsigned long long)size, (unsigned long long)len);
		goto out;
	}
	chunk = malloc(SLOT_READ_CHUNK);
	if (chunk == NULL) {
		err = medfw_diag_set(diag, MEDFW_ERR_NOMEM, "slot %s: out of memory", name);
		goto out;
	}
	while (pos < len) {
		size_t want = len - pos < SLOT_READ_CHUNK ? (size_t)(len - pos) : SLOT_READ_CHUNK;
		ssize_t n = pread(fd, chunk, want, (off_t)pos);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = medfw_diag_set(diag, MEDFW_ERR_IO, "slot %s (%s): read at byte %llu: %s",
					     name, path, (unsigned long long)pos, strerror(errno));
			goto out;
		}
		if (n == 0) {
			err = medfw_diag_set(diag, MEDFW_ERR_TRUNCATED,
					     "slot %s (%s) ended at byte %llu, before %llu", name,
					     path, (unsigned long long)pos, (unsigned long long)len);
			goto out;
		}
		err = fn(user, chunk, (size_t)n, diag);
		if (err != MEDFW_OK)
			goto out;
		pos += (uint64_t)n;
	}
out:
	free(chunk);
	close(fd);
	return err;
}
