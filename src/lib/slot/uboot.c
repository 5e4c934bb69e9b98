/* The uboot backend: the four variables in the U-Boot environment through libubootenv
 * (a fw_env.config naming the environment device or file, one line per copy).
 *
 * A state is stored with one libuboot_env_store: with two copies configured
 * (redundant environment) libubootenv writes the copy that is not current and bumps
 * its flag, so a power cut leaves the old copy valid (old state) or the new one (new
 * state). With one copy the write is in place and a cut mid-write leaves a bad CRC,
 * and U-Boot its built-in default environment (docs/agent-backends.md).
 *
 * The environment must already be valid: medfw never writes an environment whose
 * CRC fails, because that would replace the board's default environment (bootcmd and
 * all) with our four variables. Create it once with `fw_setenv -f DEFAULT_ENV`.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libuboot.h>

#include "slot_internal.h"

struct uboot_backend {
	struct uboot_ctx *env;
	char where[PATH_MAX + 32]; /* "U-Boot environment of CONFIG" for messages */
};

static void uboot_close(void *impl)
{
	struct uboot_backend *u = impl;

	if (u == NULL)
		return;
	if (u->env != NULL)
		libuboot_exit(u->env);
	free(u);
}

static enum medfw_err uboot_open(struct medfw_slot_backend *b, const struct medfw_slot_config *cfg,
				 struct medfw_diag *diag)
{
	struct uboot_backend *u = NULL;
	char *config = NULL;
	enum medfw_err err;
	int ret;

	err = medfwi_slot_path_option(cfg->uboot_config, "uboot_config", &config, diag);
	if (err != MEDFW_OK)
		return err;
	u = calloc(1, sizeof(*u));
	if (u == NULL) {
		err = medfw_diag_set(diag, MEDFW_ERR_NOMEM, "uboot backend: out of memory");
		goto out;
	}
	snprintf(u->where, sizeof(u->where), "U-Boot environment of %s", config);
	ret = libuboot_initialize(&u->env, NULL);
	if (ret < 0) {
		u->env = NULL;
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "uboot_config: libubootenv: %s",
				     strerror(-ret));
		goto out;
	}
	ret = libuboot_read_config(u->env, config);
	if (ret < 0) {
		err = medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				     "uboot_config: %s: no usable environment line "
				     "(DEVICE OFFSET SIZE [SECTOR_SIZE [SECTORS]]): %s",
				     config, strerror(-ret));
		goto out;
	}
	b->impl = u;
	u = NULL;
out:
	uboot_close(u);
	free(config);
	return err;
}

/* libuboot_open, accepting only an environment with a valid copy. */
static enum medfw_err env_open(struct uboot_backend *u, struct medfw_diag *diag)
{
	int ret = libuboot_open(u->env);

	if (ret == 0)
		return MEDFW_OK;
	libuboot_close(u->env);
	if (ret == -ENODATA)
		return medfw_diag_set(diag, MEDFW_ERR_STATE,
				      "%s: no copy has a valid CRC; medfw will not write over it "
				      "(create it with fw_setenv -f DEFAULT_ENV)", u->where);
	return medfw_diag_set(diag, MEDFW_ERR_IO, "%s: cannot read it: %s", u->where,
			      strerror(ret < 0 ? -ret : EIO));
}

/* Read our four variables from an opened environment. */
static enum medfw_err env_decode(struct uboot_backend *u, struct medfw_boot_state *out,
				 struct medfw_diag *diag)
{
	struct medfwi_boot_vars vars;
	char *values[MEDFWI_BOOT_VAR_COUNT] = {NULL};
	enum medfw_err err = MEDFW_OK;
	int i;

	memset(&vars, 0, sizeof(vars));
	for (i = 0; i < MEDFWI_BOOT_VAR_COUNT; i++) {
		values[i] = libuboot_get_env(u->env, medfwi_boot_var_name((enum medfwi_boot_var)i));
		if (values[i] == NULL)
			continue;
		vars.value[i] = values[i];
		vars.len[i] = strnlen(values[i], MEDFW_SLOT_STATE_MAX + 1u);
		if (vars.len[i] > MEDFW_SLOT_STATE_MAX) {
			err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: %s: longer than %u bytes",
					     u->where, medfwi_boot_var_name((enum medfwi_boot_var)i),
					     MEDFW_SLOT_STATE_MAX);
			goto out;
		}
	}
	err = medfwi_boot_vars_decode(&vars, u->where, out, diag);
out:
	for (i = 0; i < MEDFWI_BOOT_VAR_COUNT; i++)
		free(values[i]);
	if (err != MEDFW_OK)
		memset(out, 0, sizeof(*out));
	return err;
}

static enum medfw_err uboot_load(struct medfw_slot_backend *b, struct medfw_boot_state *out,
				 struct medfw_diag *diag)
{
	struct uboot_backend *u = b->impl;
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	err = env_open(u, diag);
	if (err != MEDFW_OK)
		return err;
	err = env_decode(u, out, diag);
	libuboot_close(u->env);
	return err;
}

static enum medfw_err uboot_store(struct medfw_slot_backend *b, const struct medfw_boot_state *st,
				  struct medfw_diag *diag)
{
	struct uboot_backend *u = b->impl;
	struct medfw_boot_state back;
	char value[MEDFWI_BOOT_VALUE_MAX];
	enum medfw_err err;
	int ret;

	err = env_open(u, diag);
	if (err != MEDFW_OK)
		return err;
	for (int i = 0; i < MEDFWI_BOOT_VAR_COUNT; i++) {
		const char *name = medfwi_boot_var_name((enum medfwi_boot_var)i);

		medfwi_boot_var_format(st, (enum medfwi_boot_var)i, value);
		ret = libuboot_set_env(u->env, name, value);
		if (ret < 0) {
			libuboot_close(u->env);
			return medfw_diag_set(diag, MEDFW_ERR_IO, "%s: cannot set %s: %s", u->where,
					      name, strerror(-ret));
		}
	}
	/* All four in one write of the environment. */
	ret = libuboot_env_store(u->env);
	libuboot_close(u->env);
	if (ret < 0)
		return medfw_diag_set(diag, MEDFW_ERR_IO, "%s: writing it failed: %s", u->where,
				      strerror(-ret));
	/* Read back what the bootloader will see. */
	err = uboot_load(b, &back, diag);
	if (err != MEDFW_OK)
		return err;
	if (back.order[0] != st->order[0] || back.order[1] != st->order[1] ||
	    back.left[MEDFW_SLOT_A] != st->left[MEDFW_SLOT_A] ||
	    back.left[MEDFW_SLOT_B] != st->left[MEDFW_SLOT_B] || back.last_good != st->last_good)
		return medfw_diag_set(diag, MEDFW_ERR_IO,
				      "%s: read back a different boot state than was written",
				      u->where);
	return MEDFW_OK;
}

const struct medfwi_slot_ops medfwi_slot_uboot_ops = {
	.name = "uboot",
	.simulates_boot = false,
	.open = uboot_open,
	.close = uboot_close,
	.load = uboot_load,
	.store = uboot_store,
};
