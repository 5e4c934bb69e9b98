/* Fuzz target for the slot layer's untrusted inputs (slot.h): the boot state text (the
 * file backend's file), the booted-slot file (a kernel command line or "A"/"B") and a
 * GRUB environment block. The first byte picks the parser (mod 3), the rest is input.
 *
 * Nothing may crash; a failure must leave the output cleared; a boot state that parses
 * must be valid, format, and parse back to itself; a booted slot is A or B.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/slot.h"
#include "slot/slot_internal.h"

static void check_zeroed(const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (((const uint8_t *)p)[i] != 0)
			abort();
}

/* A state that parsed: valid, and a fixed point of format + parse; select on it
 * either picks a slot whose tries it decrements or finds none. */
static void check_state(const struct medfw_boot_state *st)
{
	struct medfw_boot_state back, sel;
	enum medfw_slot_id s;
	char text[256];
	enum medfw_err err;

	if (!medfwi_boot_state_valid(st))
		abort();
	if (medfw_boot_state_format(st, text, sizeof(text)) != MEDFW_OK)
		abort();
	if (medfw_boot_state_parse((const uint8_t *)text, strlen(text), &back, NULL) != MEDFW_OK)
		abort();
	if (memcmp(st, &back, sizeof(back)) != 0)
		abort();
	sel = *st;
	err = medfw_boot_state_select(&sel, &s);
	if (err == MEDFW_OK) {
		if (st->left[s] == 0 || sel.left[s] != st->left[s] - 1)
			abort();
	} else if (err != MEDFW_ERR_NOT_FOUND || st->left[MEDFW_SLOT_A] != 0 ||
		   st->left[MEDFW_SLOT_B] != 0 || memcmp(&sel, st, sizeof(sel)) != 0) {
		abort();
	}
}

static void fuzz_text(const uint8_t *data, size_t size)
{
	struct medfw_boot_state st;
	struct medfw_diag diag;

	medfw_diag_clear(&diag);
	if (medfw_boot_state_parse(data, size, &st, &diag) != MEDFW_OK) {
		check_zeroed(&st, sizeof(st));
		if (diag.err == MEDFW_OK || memchr(diag.msg, 0, sizeof(diag.msg)) == NULL)
			abort();
		return;
	}
	check_state(&st);
}

static void fuzz_booted(const uint8_t *data, size_t size)
{
	enum medfw_slot_id s = MEDFW_SLOT_B;
	enum medfw_err err = medfwi_slot_parse_booted(data, size, "booted", &s, NULL);

	if (err != MEDFW_OK) {
		if (s != MEDFW_SLOT_A)
			abort();
		return;
	}
	if (s != MEDFW_SLOT_A && s != MEDFW_SLOT_B)
		abort();
}

static void fuzz_grubenv_one(const uint8_t *blk, size_t len)
{
	struct medfw_boot_state st;
	enum medfw_err err = medfwi_grubenv_parse(blk, len, "grubenv", &st, NULL);

	if (err != MEDFW_OK) {
		check_zeroed(&st, sizeof(st));
		return;
	}
	if (medfwi_grubenv_check(blk, len, "grubenv", NULL) != MEDFW_OK)
		abort();
	check_state(&st);
}

static void fuzz_grubenv(const uint8_t *data, size_t size)
{
	uint8_t blk[MEDFWI_GRUBENV_SIZE];

	fuzz_grubenv_one(data, size);
	/* The input as the start of a block padded with '#', as grub-editenv pads it. */
	if (size <= sizeof(blk)) {
		memset(blk, '#', sizeof(blk));
		memcpy(blk, data, size);
		fuzz_grubenv_one(blk, sizeof(blk));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_text(data + 1, size - 1);
		break;
	case 1:
		fuzz_booted(data + 1, size - 1);
		break;
	default:
		fuzz_grubenv(data + 1, size - 1);
		break;
	}
	return 0;
}
