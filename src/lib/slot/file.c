/* The file backend: the boot state is a small text file (medfw_boot_state_format),
 * read bounded and strictly, replaced atomically (tmp + fsync + rename + fsync dir). */
#include <stdlib.h>
#include <string.h>

#include "medfw/buf.h"
#include "slot_internal.h"

struct file_backend {
	char *state_file;
};

static void file_close(void *impl)
{
	struct file_backend *f = impl;

	if (f == NULL)
		return;
	free(f->state_file);
	free(f);
}

static enum medfw_err file_open(struct medfw_slot_backend *b, const struct medfw_slot_config *cfg,
				struct medfw_diag *diag)
{
	struct file_backend *f = calloc(1, sizeof(*f));
	enum medfw_err err;

	if (f == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "file backend: out of memory");
	err = medfwi_slot_path_option(cfg->state_file, "state_file", &f->state_file, diag);
	if (err != MEDFW_OK) {
		file_close(f);
		return err;
	}
	b->impl = f;
	return MEDFW_OK;
}

static enum medfw_err file_load(struct medfw_slot_backend *b, struct medfw_boot_state *out,
				struct medfw_diag *diag)
{
	const struct file_backend *f = b->impl;
	struct medfw_buf text;
	enum medfw_err err;

	/* NOT_FOUND for a device whose state was never stored (medfw_slot_store). */
	err = medfw_file_read(f->state_file, MEDFW_SLOT_STATE_MAX, &text, diag);
	if (err != MEDFW_OK)
		return err;
	err = medfwi_boot_state_parse_at(text.data, text.len, f->state_file, out, diag);
	medfw_buf_free(&text);
	return err;
}

static enum medfw_err file_store(struct medfw_slot_backend *b, const struct medfw_boot_state *st,
				 struct medfw_diag *diag)
{
	const struct file_backend *f = b->impl;
	char text[256];

	if (medfw_boot_state_format(st, text, sizeof(text)) != MEDFW_OK)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: invalid boot state",
				      f->state_file);
	return medfw_file_write_atomic(f->state_file, text, strlen(text), 0644, diag);
}

const struct medfwi_slot_ops medfwi_slot_file_ops = {
	.name = "file",
	.simulates_boot = true,
	.open = file_open,
	.close = file_close,
	.load = file_load,
	.store = file_store,
};
