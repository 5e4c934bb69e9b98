/* A/B slots and boot state (slot.h): the text form, the bootloader's choice, the booted
 * slot, the file / uboot / grub backends and their transitions, writing and reading
 * slots. The uboot and grub backends run against real environment files and are
 * cross-checked with fw_printenv / fw_setenv and grub-editenv. */
#define _GNU_SOURCE
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "medfw/ctx.h"
#include "medfw/slot.h"
#include "slot/slot_internal.h"

#define FW_PRINTENV "/usr/bin/fw_printenv"
#define FW_SETENV "/usr/bin/fw_setenv"
#define GRUB_EDITENV "/usr/bin/grub-editenv"

/* ---- helpers ---- */

static struct medfw_boot_state state_of(enum medfw_slot_id first, unsigned a_left, unsigned b_left,
					enum medfw_slot_id last_good)
{
	struct medfw_boot_state st;

	memset(&st, 0, sizeof(st));
	st.order[0] = first;
	st.order[1] = medfw_slot_other(first);
	st.left[MEDFW_SLOT_A] = a_left;
	st.left[MEDFW_SLOT_B] = b_left;
	st.last_good = last_good;
	return st;
}

static void assert_state(const struct medfw_boot_state *st, enum medfw_slot_id first,
			 unsigned a_left, unsigned b_left, enum medfw_slot_id last_good)
{
	assert_int_equal(st->order[0], first);
	assert_int_equal(st->order[1], medfw_slot_other(first));
	assert_int_equal(st->left[MEDFW_SLOT_A], a_left);
	assert_int_equal(st->left[MEDFW_SLOT_B], b_left);
	assert_int_equal(st->last_good, last_good);
}

static void assert_diag_has(const struct medfw_diag *d, const char *needle)
{
	if (strstr(d->msg, needle) == NULL)
		fail_msg("diag \"%s\" does not mention \"%s\"", d->msg, needle);
}

static void write_str(const char *path, const char *s)
{
	tu_write_file(path, s, strlen(s));
}

/* The whole content of a file as a string (test files are small). */
static char *slurp(const char *path)
{
	struct medfw_buf b;
	uint8_t *data;

	tu_read_file(path, &b);
	data = medfw_buf_steal(&b, NULL);
	if (data == NULL)
		data = (uint8_t *)strdup("");
	assert_non_null(data);
	return (char *)data;
}

/* Run argv (no shell), stdout + stderr into out; returns the exit status. */
static int run_capture(const char *const argv[], char *out, size_t cap)
{
	char *args[16];
	int pfd[2], status = 0, n = 0;
	size_t got = 0;
	pid_t pid;

	for (; argv[n] != NULL; n++) {
		assert_true(n < 15);
		args[n] = strdup(argv[n]);
		assert_non_null(args[n]);
	}
	args[n] = NULL;
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		execv(args[0], args);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		char tmp[512];
		ssize_t k = read(pfd[0], tmp, sizeof(tmp));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		for (ssize_t i = 0; i < k && got + 1 < cap; i++)
			out[got++] = tmp[i];
	}
	out[got] = 0;
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	for (int i = 0; i < n; i++)
		free(args[i]);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void file_copy(const char *from, const char *to)
{
	struct medfw_buf b;

	tu_read_file(from, &b);
	tu_write_file(to, b.data, b.len);
	medfw_buf_free(&b);
}

static void assert_same_file(const char *x, const char *y)
{
	struct medfw_buf a, b;

	tu_read_file(x, &a);
	tu_read_file(y, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	medfw_buf_free(&a);
	medfw_buf_free(&b);
}

/* Paths of one device in a temporary directory. */
struct dev {
	char *dir;
	char slot[MEDFW_SLOT_COUNT][4096];
	char state[4096];
	char booted[4096];
	char env[4096];    /* uboot: environment file; grub: grubenv */
	char config[4096]; /* uboot: fw_env.config */
	struct medfw_slot_config cfg;
	struct medfw_slot_backend *b;
};

static void dev_init(struct dev *d, const char *backend)
{
	memset(d, 0, sizeof(*d));
	d->dir = tu_tmpdir_new();
	tu_path(d->slot[0], sizeof(d->slot[0]), d->dir, "slot-a.img");
	tu_path(d->slot[1], sizeof(d->slot[1]), d->dir, "slot-b.img");
	tu_path(d->state, sizeof(d->state), d->dir, "boot-state");
	tu_path(d->booted, sizeof(d->booted), d->dir, "cmdline");
	tu_path(d->env, sizeof(d->env), d->dir, strcmp(backend, "grub") == 0 ? "grubenv" : "uboot.env");
	tu_path(d->config, sizeof(d->config), d->dir, "fw_env.config");
	d->cfg.backend = backend;
	d->cfg.slot_path[0] = d->slot[0];
	d->cfg.slot_path[1] = d->slot[1];
	d->cfg.booted_slot_file = d->booted;
	if (strcmp(backend, "file") == 0)
		d->cfg.state_file = d->state;
	else if (strcmp(backend, "uboot") == 0)
		d->cfg.uboot_config = d->config;
	else
		d->cfg.grubenv = d->env;
}

static void dev_open(struct dev *d, struct medfw_ctx *ctx)
{
	struct medfw_diag diag;
	enum medfw_err err;

	medfw_diag_clear(&diag);
	err = medfw_slot_backend_open(ctx, &d->cfg, &d->b, &diag);
	if (err != MEDFW_OK)
		fail_msg("backend open: %s", medfw_diag_message(&diag, err));
}

static void dev_free(struct dev *d)
{
	medfw_slot_backend_close(d->b);
	tu_tmpdir_free(d->dir);
}

static void set_booted(struct dev *d, const char *content)
{
	write_str(d->booted, content);
}

static void load_ok(struct medfw_slot_backend *b, struct medfw_boot_state *st)
{
	struct medfw_diag diag;
	enum medfw_err err;

	medfw_diag_clear(&diag);
	err = medfw_slot_load(b, st, &diag);
	if (err != MEDFW_OK)
		fail_msg("load: %s", medfw_diag_message(&diag, err));
}

#define CHECK_OK(expr)                                                                           \
	do {                                                                                     \
		struct medfw_diag d_;                                                            \
		enum medfw_err e_;                                                               \
		medfw_diag_clear(&d_);                                                           \
		e_ = (expr);                                                                     \
		if (e_ != MEDFW_OK)                                                              \
			fail_msg("%s: %s", #expr, medfw_diag_message(&d_, e_));                   \
	} while (0)

/* A non-NULL writer pointer that a refusing open must clear. */
#define SENTINEL ((struct medfw_slot_writer *)(uintptr_t)0x1)

/* A deterministic image of n bytes. */
static uint8_t *image_new(size_t n, uint32_t seed)
{
	uint8_t *p = malloc(n);

	assert_non_null(p);
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
	return p;
}

/* medfw_slot_read callback: compares against an expected image. */
struct readback {
	const uint8_t *want;
	size_t off;
	size_t chunks;
	size_t largest;
	size_t fail_at_chunk; /* 0: never */
};

static enum medfw_err readback_fn(void *user, const void *data, size_t len,
				  struct medfw_diag *diag)
{
	struct readback *r = user;

	r->chunks++;
	if (len > r->largest)
		r->largest = len;
	if (r->fail_at_chunk != 0 && r->chunks == r->fail_at_chunk)
		return medfw_diag_set(diag, MEDFW_ERR_HASH_MISMATCH, "callback refused chunk %zu",
				      r->chunks);
	if (memcmp(data, r->want + r->off, len) != 0)
		return medfw_diag_set(diag, MEDFW_ERR_HASH_MISMATCH, "differs at %zu", r->off);
	r->off += len;
	return MEDFW_OK;
}

/* Write an image into slot through the writer API in uneven chunks. */
static void write_image(struct medfw_slot_backend *b, enum medfw_slot_id slot, const uint8_t *img,
			size_t n)
{
	struct medfw_slot_writer *w = NULL;
	size_t off = 0, step = 7;

	CHECK_OK(medfw_slot_open_write(b, slot, &w, &d_));
	while (off < n) {
		size_t k = n - off < step ? n - off : step;

		CHECK_OK(medfw_slot_write(w, img + off, k, &d_));
		off += k;
		step = step * 3 + 1;
	}
	assert_int_equal(medfw_slot_written(w), n);
	CHECK_OK(medfw_slot_finish(w, &d_));
}

static void check_image(struct medfw_slot_backend *b, enum medfw_slot_id slot, const uint8_t *img,
			size_t n)
{
	struct readback r = {.want = img};

	CHECK_OK(medfw_slot_read(b, slot, n, readback_fn, &r, &d_));
	assert_int_equal(r.off, n);
}

/* Log records for the log test. */
struct log_rec {
	char events[16][32];
	char msgs[16][1024];
	int n;
};

static void log_sink(void *user, enum medfw_log_level level, const char *event, const char *msg)
{
	struct log_rec *r = user;

	(void)level;
	if (r->n >= 16)
		return;
	snprintf(r->events[r->n], sizeof(r->events[r->n]), "%s", event);
	snprintf(r->msgs[r->n], sizeof(r->msgs[r->n]), "%s", msg);
	r->n++;
}

/* ---- names and the text form ---- */

static void test_names(void **state)
{
	enum medfw_slot_id s = MEDFW_SLOT_B;

	(void)state;
	assert_string_equal(medfw_slot_name(MEDFW_SLOT_A), "A");
	assert_string_equal(medfw_slot_name(MEDFW_SLOT_B), "B");
	assert_string_equal(medfw_slot_name((enum medfw_slot_id)7), "?");
	assert_int_equal(medfw_slot_other(MEDFW_SLOT_A), MEDFW_SLOT_B);
	assert_int_equal(medfw_slot_other(MEDFW_SLOT_B), MEDFW_SLOT_A);
	assert_int_equal(medfw_slot_parse("B", &s), MEDFW_OK);
	assert_int_equal(s, MEDFW_SLOT_B);
	assert_int_equal(medfw_slot_parse("A", &s), MEDFW_OK);
	assert_int_equal(s, MEDFW_SLOT_A);
	s = MEDFW_SLOT_B;
	assert_int_equal(medfw_slot_parse("b", &s), MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(s, MEDFW_SLOT_A);
	s = MEDFW_SLOT_B;
	assert_int_equal(medfw_slot_parse("B ", &s), MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(s, MEDFW_SLOT_A);
	assert_int_equal(medfw_slot_parse("", &s), MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_slot_parse(NULL, &s), MEDFW_ERR_FIELD_VALUE);
}

static void test_initial_and_format(void **state)
{
	struct medfw_boot_state st;
	char text[128];

	(void)state;
	medfw_boot_state_initial(&st);
	assert_state(&st, MEDFW_SLOT_A, MEDFW_SLOT_TRIES, 0, MEDFW_SLOT_A);
	assert_int_equal(medfw_boot_state_format(&st, text, sizeof(text)), MEDFW_OK);
	assert_string_equal(text, "BOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\nMEDFW_LAST_GOOD=A\n");
	st = state_of(MEDFW_SLOT_B, 1, 2, MEDFW_SLOT_B);
	assert_int_equal(medfw_boot_state_format(&st, text, sizeof(text)), MEDFW_OK);
	assert_string_equal(text, "BOOT_ORDER=B A\nBOOT_A_LEFT=1\nBOOT_B_LEFT=2\nMEDFW_LAST_GOOD=B\n");

	/* Too small a buffer: TOO_LARGE and the buffer cleared. */
	memset(text, 'x', sizeof(text));
	assert_int_equal(medfw_boot_state_format(&st, text, 20), MEDFW_ERR_TOO_LARGE);
	tu_assert_zeroed(text, 20);

	/* Invalid states are never formatted. */
	st = state_of(MEDFW_SLOT_A, 3, 0, MEDFW_SLOT_A);
	st.order[1] = MEDFW_SLOT_A;
	assert_int_equal(medfw_boot_state_format(&st, text, sizeof(text)), MEDFW_ERR_INVALID_ARG);
	assert_string_equal(text, "");
	st = state_of(MEDFW_SLOT_A, 4, 0, MEDFW_SLOT_A);
	assert_int_equal(medfw_boot_state_format(&st, text, sizeof(text)), MEDFW_ERR_INVALID_ARG);
	st = state_of(MEDFW_SLOT_A, 3, 0, (enum medfw_slot_id)2);
	assert_int_equal(medfw_boot_state_format(&st, text, sizeof(text)), MEDFW_ERR_INVALID_ARG);
}

static void test_parse_round_trip_all_states(void **state)
{
	char text[128];
	int n = 0;

	(void)state;
	for (int first = 0; first < 2; first++)
		for (unsigned a = 0; a <= MEDFW_SLOT_TRIES; a++)
			for (unsigned b = 0; b <= MEDFW_SLOT_TRIES; b++)
				for (int good = 0; good < 2; good++) {
					struct medfw_boot_state st =
						state_of((enum medfw_slot_id)first, a, b,
							 (enum medfw_slot_id)good);
					struct medfw_boot_state back;

					assert_int_equal(medfw_boot_state_format(&st, text, sizeof(text)),
							 MEDFW_OK);
					assert_int_equal(medfw_boot_state_parse((const uint8_t *)text,
										strlen(text), &back,
										NULL),
							 MEDFW_OK);
					assert_memory_equal(&st, &back, sizeof(st));
					n++;
				}
	assert_int_equal(n, 64);
}

struct refusal {
	const char *text;
	enum medfw_err err;
	const char *names; /* what the diag must mention */
};

static void test_parse_refusals(void **state)
{
	static const struct refusal cases[] = {
		{"", MEDFW_ERR_FIELD_MISSING, "BOOT_ORDER is missing"},
		{"BOOT_ORDER=A B\nBOOT_A_LEFT=3\nMEDFW_LAST_GOOD=A\n", MEDFW_ERR_FIELD_MISSING,
		 "BOOT_B_LEFT is missing"},
		{"BOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\n", MEDFW_ERR_FIELD_MISSING,
		 "MEDFW_LAST_GOOD is missing"},
		{"BOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\nMEDFW_LAST_GOOD=A\nFOO=1\n",
		 MEDFW_ERR_FIELD_VALUE, "line 5: unknown variable \"FOO\""},
		{"boot_order=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\nMEDFW_LAST_GOOD=A\n",
		 MEDFW_ERR_FIELD_VALUE, "unknown variable \"boot_order\""},
		{"BOOT_ORDER =A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\nMEDFW_LAST_GOOD=A\n",
		 MEDFW_ERR_FIELD_VALUE, "line 1: unknown variable (not a plain name)"},
		{"BOOT_ORDER=A B\nBOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\nMEDFW_LAST_GOOD=A\n",
		 MEDFW_ERR_FIELD_VALUE, "line 2: BOOT_ORDER given a second time"},
		{"BOOT_ORDER=A A\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\nMEDFW_LAST_GOOD=A\n",
		 MEDFW_ERR_FIELD_VALUE, "BOOT_ORDER (line 1) must be"},
		{"BOOT_ORDER=A\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\nMEDFW_LAST_GOOD=A\n",
		 MEDFW_ERR_FIELD_VALUE, "BOOT_ORDER"},
		{"BOOT_ORDER=A  B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\nMEDFW_LAST_GOOD=A\n",
		 MEDFW_ERR_FIELD_VALUE, "BOOT_ORDER"},
		{"BOOT_ORDER=a b\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\nMEDFW_LAST_GOOD=A\n",
		 MEDFW_ERR_FIELD_VALUE, "BOOT_ORDER"},
		{"BOOT_ORDER=B A \nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\nMEDFW_LAST_GOOD=A\n",
		 MEDFW_ERR_FIELD_VALUE, "BOOT_ORDER"},
		{"BOOT_ORDER=A B\r\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\nMEDFW_LAST_GOOD=A\n",
		 MEDFW_ERR_FIELD_VALUE, "BOOT_ORDER"},
		{"BOOT_ORDER=A B\nBOOT_A_LEFT=4\nBOOT_B_LEFT=0\nMEDFW_LAST_GOOD=A\n",
		 MEDFW_ERR_FIELD_VALUE, "BOOT_A_LEFT (line 2) must be a decimal number of tries 0..3"},
		{"BOOT_ORDER=A B\nBOOT_A_LEFT=03\nBOOT_B_LEFT=0\nMEDFW_LAST_GOOD=A\n",
		 MEDFW_ERR_FIELD_VALUE, "BOOT_A_LEFT"},
		{"BOOT_ORDER=A B\nBOOT_A_LEFT=-1\nBOOT_B_LEFT=0\nMEDFW_LAST_GOOD=A\n",
		 MEDFW_ERR_FIELD_VALUE, "BOOT_A_LEFT"},
		{"BOOT_ORDER=A B\nBOOT_A_LEFT=\nBOOT_B_LEFT=0\nMEDFW_LAST_GOOD=A\n",
		 MEDFW_ERR_FIELD_VALUE, "BOOT_A_LEFT"},
		{"BOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT= 1\nMEDFW_LAST_GOOD=A\n",
		 MEDFW_ERR_FIELD_VALUE, "BOOT_B_LEFT"},
		{"BOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0x1\nMEDFW_LAST_GOOD=A\n",
		 MEDFW_ERR_FIELD_VALUE, "BOOT_B_LEFT"},
		{"BOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=99999999999999999999999\n"
		 "MEDFW_LAST_GOOD=A\n",
		 MEDFW_ERR_FIELD_VALUE, "BOOT_B_LEFT"},
		{"BOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\nMEDFW_LAST_GOOD=C\n",
		 MEDFW_ERR_FIELD_VALUE, "MEDFW_LAST_GOOD (line 4) must be \"A\" or \"B\""},
		{"BOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\nMEDFW_LAST_GOOD=A", MEDFW_ERR_FIELD_VALUE,
		 "line 4 does not end with a newline"},
		{"BOOT_ORDER=A B\n\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\nMEDFW_LAST_GOOD=A\n",
		 MEDFW_ERR_FIELD_VALUE, "line 2 is not NAME=value"},
		{"# comment\nBOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\nMEDFW_LAST_GOOD=A\n",
		 MEDFW_ERR_FIELD_VALUE, "line 1 is not NAME=value"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct medfw_boot_state st;
		struct medfw_diag d;

		medfw_diag_clear(&d);
		memset(&st, 0x5a, sizeof(st));
		assert_int_equal(medfw_boot_state_parse((const uint8_t *)cases[i].text,
							strlen(cases[i].text), &st, &d),
				 cases[i].err);
		tu_assert_zeroed(&st, sizeof(st));
		assert_diag_has(&d, "boot state: ");
		assert_diag_has(&d, cases[i].names);
	}
}

static void test_parse_nul_and_size(void **state)
{
	static const char with_nul[] = "BOOT_ORDER=A B\nBOOT_A_LEFT=3\0\nBOOT_B_LEFT=0\nMEDFW_LAST_GOOD=A\n";
	uint8_t big[MEDFW_SLOT_STATE_MAX + 1];
	struct medfw_boot_state st;
	struct medfw_diag d;

	(void)state;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_boot_state_parse((const uint8_t *)with_nul, sizeof(with_nul) - 1, &st,
						&d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_diag_has(&d, "BOOT_A_LEFT");
	tu_assert_zeroed(&st, sizeof(st));
	memset(big, '#', sizeof(big));
	medfw_diag_clear(&d);
	assert_int_equal(medfw_boot_state_parse(big, sizeof(big), &st, &d), MEDFW_ERR_TOO_LARGE);
	tu_assert_zeroed(&st, sizeof(st));
}

/* ---- the bootloader's choice ---- */

static void test_select(void **state)
{
	struct medfw_boot_state st, before;
	enum medfw_slot_id s = MEDFW_SLOT_B;

	(void)state;
	/* A committed slot: each boot decrements it. */
	medfw_boot_state_initial(&st);
	for (unsigned left = MEDFW_SLOT_TRIES; left > 0; left--) {
		assert_int_equal(medfw_boot_state_select(&st, &s), MEDFW_OK);
		assert_int_equal(s, MEDFW_SLOT_A);
		assert_state(&st, MEDFW_SLOT_A, left - 1, 0, MEDFW_SLOT_A);
	}
	/* ... and with B at 0 nothing is left: NOT_FOUND, nothing changed. */
	before = st;
	s = MEDFW_SLOT_B;
	assert_int_equal(medfw_boot_state_select(&st, &s), MEDFW_ERR_NOT_FOUND);
	assert_int_equal(s, MEDFW_SLOT_A);
	assert_memory_equal(&st, &before, sizeof(st));

	/* A trial of B with 2 tries: B, B, then the fall back to A. */
	st = state_of(MEDFW_SLOT_B, 3, 2, MEDFW_SLOT_A);
	assert_int_equal(medfw_boot_state_select(&st, &s), MEDFW_OK);
	assert_int_equal(s, MEDFW_SLOT_B);
	assert_state(&st, MEDFW_SLOT_B, 3, 1, MEDFW_SLOT_A);
	assert_int_equal(medfw_boot_state_select(&st, &s), MEDFW_OK);
	assert_int_equal(s, MEDFW_SLOT_B);
	assert_state(&st, MEDFW_SLOT_B, 3, 0, MEDFW_SLOT_A);
	assert_int_equal(medfw_boot_state_select(&st, &s), MEDFW_OK);
	assert_int_equal(s, MEDFW_SLOT_A);
	assert_state(&st, MEDFW_SLOT_B, 2, 0, MEDFW_SLOT_A);

	/* Invalid input is refused unchanged. */
	st = state_of(MEDFW_SLOT_A, 5, 0, MEDFW_SLOT_A);
	before = st;
	assert_int_equal(medfw_boot_state_select(&st, &s), MEDFW_ERR_INVALID_ARG);
	assert_memory_equal(&st, &before, sizeof(st));
}

/* ---- the booted slot ---- */

static void test_read_booted(void **state)
{
	static const struct {
		const char *content;
		enum medfw_err err;
		enum medfw_slot_id slot;
	} cases[] = {
		{"B\n", MEDFW_OK, MEDFW_SLOT_B},
		{"A", MEDFW_OK, MEDFW_SLOT_A},
		{"B", MEDFW_OK, MEDFW_SLOT_B},
		{"console=ttyS0,115200 root=/dev/mmcblk0p3 medfw.slot=B rw quiet\n", MEDFW_OK,
		 MEDFW_SLOT_B},
		{"medfw.slot=A", MEDFW_OK, MEDFW_SLOT_A},
		{"ro medfw.slot=\"B\"\n", MEDFW_OK, MEDFW_SLOT_B},
		{"ro \"medfw.slot=B\"\n", MEDFW_OK, MEDFW_SLOT_B},
		{"x=\"a medfw.slot=A b\" medfw.slot=B\n", MEDFW_OK, MEDFW_SLOT_B},
		{"medfw.slot=B medfw.slot=B\n", MEDFW_OK, MEDFW_SLOT_B},
		{"\tmedfw.slot=A\t-- medfw.slot=B\n", MEDFW_OK, MEDFW_SLOT_A},
		{"root=/dev/sda2 -- medfw.slot=B\n", MEDFW_ERR_NOT_FOUND, MEDFW_SLOT_A},
		{"root=/dev/sda2 quiet\n", MEDFW_ERR_NOT_FOUND, MEDFW_SLOT_A},
		{"", MEDFW_ERR_NOT_FOUND, MEDFW_SLOT_A},
		{"AB\n", MEDFW_ERR_NOT_FOUND, MEDFW_SLOT_A},
		{"B\n\n", MEDFW_ERR_NOT_FOUND, MEDFW_SLOT_A},
		{"xmedfw.slot=B\n", MEDFW_ERR_NOT_FOUND, MEDFW_SLOT_A},
		{"medfw.slot=C\n", MEDFW_ERR_FIELD_VALUE, MEDFW_SLOT_A},
		{"medfw.slot=\n", MEDFW_ERR_FIELD_VALUE, MEDFW_SLOT_A},
		{"medfw.slot=AB\n", MEDFW_ERR_FIELD_VALUE, MEDFW_SLOT_A},
		{"medfw.slot=\"B\n", MEDFW_ERR_FIELD_VALUE, MEDFW_SLOT_A},
		{"medfw.slot=A medfw.slot=B\n", MEDFW_ERR_FIELD_VALUE, MEDFW_SLOT_A},
		{"medfw.slot=B medfw.slot=F\n", MEDFW_ERR_FIELD_VALUE, MEDFW_SLOT_A},
	};
	char *dir = tu_tmpdir_new();
	char path[4096], missing[4096];
	uint8_t big[MEDFW_SLOT_STATE_MAX + 1];
	enum medfw_slot_id s;
	struct medfw_diag d;

	(void)state;
	tu_path(path, sizeof(path), dir, "cmdline");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_str(path, cases[i].content);
		medfw_diag_clear(&d);
		s = MEDFW_SLOT_B;
		if (medfw_slot_read_booted(path, &s, &d) != cases[i].err)
			fail_msg("case %zu (%s): %s", i, cases[i].content, d.msg);
		assert_int_equal(s, cases[i].slot);
		if (cases[i].err != MEDFW_OK)
			assert_diag_has(&d, path);
	}
	/* A NUL byte, an oversized file, a missing file. */
	tu_write_file(path, "B\0", 2);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_slot_read_booted(path, &s, &d), MEDFW_ERR_FIELD_VALUE);
	assert_diag_has(&d, "NUL");
	memset(big, 'x', sizeof(big));
	tu_write_file(path, big, sizeof(big));
	assert_int_equal(medfw_slot_read_booted(path, &s, NULL), MEDFW_ERR_TOO_LARGE);
	tu_path(missing, sizeof(missing), dir, "no-such-file");
	medfw_diag_clear(&d);
	assert_int_equal(medfw_slot_read_booted(missing, &s, &d), MEDFW_ERR_NOT_FOUND);
	assert_diag_has(&d, "no-such-file");
	tu_tmpdir_free(dir);
}

/* ---- opening backends ---- */

static void expect_open_error(struct medfw_slot_config *cfg, const char *mention)
{
	struct medfw_slot_backend *b = (struct medfw_slot_backend *)cfg; /* must be cleared */
	struct medfw_diag d;

	medfw_diag_clear(&d);
	assert_int_equal(medfw_slot_backend_open(NULL, cfg, &b, &d), MEDFW_ERR_INVALID_ARG);
	assert_null(b);
	assert_diag_has(&d, mention);
}

static void test_backend_open_refusals(void **state)
{
	struct dev dv;
	struct medfw_slot_config cfg;
	char script[4096];

	(void)state;
	dev_init(&dv, "file");
	cfg = dv.cfg;
	cfg.backend = NULL;
	expect_open_error(&cfg, "backend: not set");
	cfg.backend = "lilo";
	expect_open_error(&cfg, "backend: unknown");
	cfg = dv.cfg;
	cfg.slot_path[1] = NULL;
	expect_open_error(&cfg, "slot_path[B]: not set");
	cfg.slot_path[1] = "";
	expect_open_error(&cfg, "slot_path[B]: not set");
	cfg.slot_path[1] = dv.slot[0];
	expect_open_error(&cfg, "same path");
	cfg = dv.cfg;
	cfg.slot_path[0] = "/dev/x\nslot";
	expect_open_error(&cfg, "slot_path[A]: path contains a newline");
	cfg = dv.cfg;
	cfg.booted_slot_file = NULL;
	expect_open_error(&cfg, "booted_slot_file: not set");
	cfg = dv.cfg;
	cfg.state_file = NULL;
	expect_open_error(&cfg, "state_file: not set");
	cfg = dv.cfg;
	cfg.grubenv = "/boot/grub/grubenv";
	expect_open_error(&cfg, "grubenv: an option of the grub backend, not of file");

	cfg = dv.cfg;
	cfg.backend = "uboot";
	expect_open_error(&cfg, "state_file: an option of the file backend");
	cfg.state_file = NULL;
	expect_open_error(&cfg, "uboot_config: not set");
	cfg.uboot_config = dv.config; /* does not exist */
	expect_open_error(&cfg, "uboot_config:");
	write_str(dv.config, "# nothing but a comment\n");
	expect_open_error(&cfg, "no usable environment line");

	cfg = dv.cfg;
	cfg.backend = "grub";
	cfg.state_file = NULL;
	expect_open_error(&cfg, "grubenv: not set");
	cfg.grubenv = "grubenv";
	expect_open_error(&cfg, "grubenv: must be an absolute path");
	cfg.grubenv = dv.env;
	cfg.grub_editenv = "grub-editenv";
	expect_open_error(&cfg, "grub_editenv: grub-editenv is not an absolute path");
	tu_path(script, sizeof(script), dv.dir, "not-executable");
	write_str(script, "#!/bin/sh\n");
	chmod(script, 0644);
	cfg.grub_editenv = script;
	expect_open_error(&cfg, "not-executable is not an absolute path of an executable");
	dev_free(&dv);
}

/* ---- the file backend ---- */

static void test_file_update_flow(void **state)
{
	struct medfw_boot_state st;
	struct medfw_diag d;
	struct dev dv;
	enum medfw_slot_id s;
	const size_t n = 3u * 1024u * 1024u + 123u;
	uint8_t *img = image_new(n, 42);
	char *text;

	(void)state;
	dev_init(&dv, "file");
	dev_open(&dv, NULL);
	assert_string_equal(medfw_slot_backend_name(dv.b), "file");

	/* A new device: no state yet. */
	medfw_diag_clear(&d);
	assert_int_equal(medfw_slot_load(dv.b, &st, &d), MEDFW_ERR_NOT_FOUND);
	assert_diag_has(&d, dv.state);
	medfw_boot_state_initial(&st);
	CHECK_OK(medfw_slot_store(dv.b, &st, &d_));
	text = slurp(dv.state);
	assert_string_equal(text, "BOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\nMEDFW_LAST_GOOD=A\n");
	free(text);

	/* First boot: A, and the agent commits it. */
	CHECK_OK(medfw_slot_simulate_boot(dv.b, &s, &d_));
	assert_int_equal(s, MEDFW_SLOT_A);
	text = slurp(dv.booted);
	assert_string_equal(text, "A\n");
	free(text);
	CHECK_OK(medfw_slot_booted(dv.b, &s, &d_));
	assert_int_equal(s, MEDFW_SLOT_A);
	load_ok(dv.b, &st);
	assert_state(&st, MEDFW_SLOT_A, 2, 0, MEDFW_SLOT_A);
	CHECK_OK(medfw_slot_mark_good(dv.b, MEDFW_SLOT_A, &d_));
	load_ok(dv.b, &st);
	assert_state(&st, MEDFW_SLOT_A, 3, 0, MEDFW_SLOT_A);

	/* Update A -> B. 1: B unbootable before a byte is written. */
	CHECK_OK(medfw_slot_set_unbootable(dv.b, MEDFW_SLOT_B, &d_));
	load_ok(dv.b, &st);
	assert_state(&st, MEDFW_SLOT_A, 3, 0, MEDFW_SLOT_A);
	/* 2: write and verify B. */
	write_image(dv.b, MEDFW_SLOT_B, img, n);
	check_image(dv.b, MEDFW_SLOT_B, img, n);
	/* 3: the trial. */
	CHECK_OK(medfw_slot_set_trial(dv.b, MEDFW_SLOT_B, 2, &d_));
	load_ok(dv.b, &st);
	assert_state(&st, MEDFW_SLOT_B, 3, 2, MEDFW_SLOT_A);
	/* 4: reboot into B. */
	CHECK_OK(medfw_slot_simulate_boot(dv.b, &s, &d_));
	assert_int_equal(s, MEDFW_SLOT_B);
	load_ok(dv.b, &st);
	assert_state(&st, MEDFW_SLOT_B, 3, 1, MEDFW_SLOT_A);
	/* Only the running slot can be committed. */
	medfw_diag_clear(&d);
	assert_int_equal(medfw_slot_mark_good(dv.b, MEDFW_SLOT_A, &d), MEDFW_ERR_STATE);
	assert_diag_has(&d, "the running slot is B");
	/* 5: health checks passed. */
	CHECK_OK(medfw_slot_mark_good(dv.b, MEDFW_SLOT_B, &d_));
	text = slurp(dv.state);
	assert_string_equal(text, "BOOT_ORDER=B A\nBOOT_A_LEFT=3\nBOOT_B_LEFT=3\nMEDFW_LAST_GOOD=B\n");
	free(text);
	/* And the next boots stay on B. */
	CHECK_OK(medfw_slot_simulate_boot(dv.b, &s, &d_));
	assert_int_equal(s, MEDFW_SLOT_B);
	free(img);
	dev_free(&dv);
}

static void test_file_failed_update_falls_back(void **state)
{
	struct medfw_boot_state st;
	struct dev dv;
	enum medfw_slot_id s;
	uint8_t *img = image_new(4096, 7);

	(void)state;
	dev_init(&dv, "file");
	dev_open(&dv, NULL);
	st = state_of(MEDFW_SLOT_A, 3, 0, MEDFW_SLOT_A);
	CHECK_OK(medfw_slot_store(dv.b, &st, &d_));
	CHECK_OK(medfw_slot_simulate_boot(dv.b, &s, &d_));
	CHECK_OK(medfw_slot_mark_good(dv.b, MEDFW_SLOT_A, &d_));

	/* Health checks fail in B: the agent sets B unbootable and reboots into A. */
	CHECK_OK(medfw_slot_set_unbootable(dv.b, MEDFW_SLOT_B, &d_));
	write_image(dv.b, MEDFW_SLOT_B, img, 4096);
	CHECK_OK(medfw_slot_set_trial(dv.b, MEDFW_SLOT_B, 1, &d_));
	CHECK_OK(medfw_slot_simulate_boot(dv.b, &s, &d_));
	assert_int_equal(s, MEDFW_SLOT_B);
	load_ok(dv.b, &st);
	assert_state(&st, MEDFW_SLOT_B, 3, 0, MEDFW_SLOT_A);
	CHECK_OK(medfw_slot_set_unbootable(dv.b, MEDFW_SLOT_B, &d_));
	load_ok(dv.b, &st);
	assert_state(&st, MEDFW_SLOT_A, 3, 0, MEDFW_SLOT_A);
	CHECK_OK(medfw_slot_simulate_boot(dv.b, &s, &d_));
	assert_int_equal(s, MEDFW_SLOT_A);
	CHECK_OK(medfw_slot_mark_good(dv.b, MEDFW_SLOT_A, &d_));
	load_ok(dv.b, &st);
	assert_state(&st, MEDFW_SLOT_A, 3, 0, MEDFW_SLOT_A);

	/* B never comes up (the agent never runs): after its tries the bootloader goes
	 * back to A by itself. */
	CHECK_OK(medfw_slot_set_unbootable(dv.b, MEDFW_SLOT_B, &d_));
	CHECK_OK(medfw_slot_set_trial(dv.b, MEDFW_SLOT_B, 2, &d_));
	CHECK_OK(medfw_slot_simulate_boot(dv.b, &s, &d_));
	assert_int_equal(s, MEDFW_SLOT_B);
	CHECK_OK(medfw_slot_simulate_boot(dv.b, &s, &d_));
	assert_int_equal(s, MEDFW_SLOT_B);
	CHECK_OK(medfw_slot_simulate_boot(dv.b, &s, &d_));
	assert_int_equal(s, MEDFW_SLOT_A);
	load_ok(dv.b, &st);
	assert_state(&st, MEDFW_SLOT_B, 2, 0, MEDFW_SLOT_A);
	CHECK_OK(medfw_slot_mark_good(dv.b, MEDFW_SLOT_A, &d_));
	load_ok(dv.b, &st);
	assert_state(&st, MEDFW_SLOT_B, 3, 0, MEDFW_SLOT_A);
	free(img);
	dev_free(&dv);
}

static void test_file_refusals_change_nothing(void **state)
{
	struct medfw_boot_state st;
	struct medfw_diag d;
	struct dev dv;
	enum medfw_slot_id s = MEDFW_SLOT_B;
	char saved[4096], booted_saved[4096];

	(void)state;
	dev_init(&dv, "file");
	dev_open(&dv, NULL);
	tu_path(saved, sizeof(saved), dv.dir, "saved");
	tu_path(booted_saved, sizeof(booted_saved), dv.dir, "booted-saved");

	/* No slot has tries left: the simulated boot finds nothing and changes nothing. */
	st = state_of(MEDFW_SLOT_B, 0, 0, MEDFW_SLOT_A);
	CHECK_OK(medfw_slot_store(dv.b, &st, &d_));
	set_booted(&dv, "A\n");
	file_copy(dv.state, saved);
	file_copy(dv.booted, booted_saved);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_slot_simulate_boot(dv.b, &s, &d), MEDFW_ERR_NOT_FOUND);
	assert_int_equal(s, MEDFW_SLOT_A);
	assert_diag_has(&d, "no slot has tries left");
	assert_same_file(dv.state, saved);
	assert_same_file(dv.booted, booted_saved);

	/* A transition that would leave no slot bootable is refused. */
	st = state_of(MEDFW_SLOT_B, 0, 2, MEDFW_SLOT_A);
	CHECK_OK(medfw_slot_store(dv.b, &st, &d_));
	file_copy(dv.state, saved);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_slot_set_unbootable(dv.b, MEDFW_SLOT_B, &d), MEDFW_ERR_STATE);
	assert_diag_has(&d, "no slot with tries left");
	assert_same_file(dv.state, saved);

	/* Bad arguments. */
	medfw_diag_clear(&d);
	assert_int_equal(medfw_slot_set_trial(dv.b, MEDFW_SLOT_A, 0, &d), MEDFW_ERR_INVALID_ARG);
	assert_diag_has(&d, "tries must be 1..3");
	assert_int_equal(medfw_slot_set_trial(dv.b, MEDFW_SLOT_A, 4, NULL), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_slot_set_unbootable(dv.b, (enum medfw_slot_id)2, NULL),
			 MEDFW_ERR_INVALID_ARG);
	st = state_of(MEDFW_SLOT_A, 9, 0, MEDFW_SLOT_A);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_slot_store(dv.b, &st, &d), MEDFW_ERR_INVALID_ARG);
	assert_diag_has(&d, "not a valid boot state");
	assert_same_file(dv.state, saved);

	/* A state file that does not parse is an error, never guessed, and every
	 * transition on it fails without writing. */
	write_str(dv.state, "BOOT_ORDER=A B\nBOOT_A_LEFT=7\nBOOT_B_LEFT=0\nMEDFW_LAST_GOOD=A\n");
	file_copy(dv.state, saved);
	medfw_diag_clear(&d);
	memset(&st, 0x5a, sizeof(st));
	assert_int_equal(medfw_slot_load(dv.b, &st, &d), MEDFW_ERR_FIELD_VALUE);
	tu_assert_zeroed(&st, sizeof(st));
	assert_diag_has(&d, dv.state);
	assert_diag_has(&d, "BOOT_A_LEFT");
	assert_int_equal(medfw_slot_set_unbootable(dv.b, MEDFW_SLOT_B, NULL), MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_slot_set_trial(dv.b, MEDFW_SLOT_B, 1, NULL), MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_slot_mark_good(dv.b, MEDFW_SLOT_A, NULL), MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_slot_simulate_boot(dv.b, &s, NULL), MEDFW_ERR_FIELD_VALUE);
	assert_same_file(dv.state, saved);
	/* Oversized state file. */
	{
		char big[MEDFW_SLOT_STATE_MAX + 2];

		memset(big, '#', sizeof(big));
		tu_write_file(dv.state, big, sizeof(big));
		assert_int_equal(medfw_slot_load(dv.b, &st, NULL), MEDFW_ERR_TOO_LARGE);
	}
	dev_free(&dv);
}

static void test_state_changes_are_logged(void **state)
{
	struct medfw_ctx *ctx = medfw_ctx_new();
	struct medfw_boot_state st;
	struct log_rec rec;
	struct dev dv;
	int found = 0;

	(void)state;
	memset(&rec, 0, sizeof(rec));
	assert_non_null(ctx);
	medfw_ctx_set_log(ctx, log_sink, &rec, MEDFW_LOG_INFO);
	dev_init(&dv, "file");
	dev_open(&dv, ctx);
	st = state_of(MEDFW_SLOT_A, 2, 3, MEDFW_SLOT_A);
	CHECK_OK(medfw_slot_store(dv.b, &st, &d_));
	CHECK_OK(medfw_slot_set_unbootable(dv.b, MEDFW_SLOT_B, &d_));
	for (int i = 0; i < rec.n; i++) {
		if (strcmp(rec.events[i], "slot.state.change") != 0 ||
		    strstr(rec.msgs[i], "set unbootable B") == NULL)
			continue;
		found++;
		assert_non_null(strstr(rec.msgs[i], "BOOT_ORDER=A B BOOT_A_LEFT=2 BOOT_B_LEFT=3 "
						    "MEDFW_LAST_GOOD=A -> BOOT_ORDER=A B "
						    "BOOT_A_LEFT=2 BOOT_B_LEFT=0 MEDFW_LAST_GOOD=A"));
	}
	assert_int_equal(found, 1);
	dev_free(&dv);
	medfw_ctx_free(ctx);
}

/* ---- writers ---- */

static void test_writer_refusals(void **state)
{
	struct medfw_slot_writer *w;
	struct medfw_boot_state st;
	struct medfw_diag d;
	struct dev dv;
	char sub[4096];

	(void)state;
	dev_init(&dv, "file");
	dev_open(&dv, NULL);
	st = state_of(MEDFW_SLOT_A, 2, 1, MEDFW_SLOT_A);
	CHECK_OK(medfw_slot_store(dv.b, &st, &d_));

	/* Without a booted-slot file nobody knows what runs: fail closed. */
	medfw_diag_clear(&d);
	w = SENTINEL;
	assert_int_equal(medfw_slot_open_write(dv.b, MEDFW_SLOT_B, &w, &d), MEDFW_ERR_NOT_FOUND);
	assert_null(w);
	set_booted(&dv, "root=/dev/mmcblk0p2 medfw.slot=A\n");
	/* The running slot. */
	medfw_diag_clear(&d);
	w = SENTINEL;
	assert_int_equal(medfw_slot_open_write(dv.b, MEDFW_SLOT_A, &w, &d), MEDFW_ERR_INVALID_ARG);
	assert_null(w);
	assert_diag_has(&d, "slot A");
	assert_diag_has(&d, "running slot");
	/* A slot the bootloader may still start. */
	medfw_diag_clear(&d);
	assert_int_equal(medfw_slot_open_write(dv.b, MEDFW_SLOT_B, &w, &d), MEDFW_ERR_INVALID_ARG);
	assert_diag_has(&d, "slot B");
	assert_diag_has(&d, "has 1 tries left");
	medfw_diag_clear(&d);
	w = SENTINEL;
	assert_int_equal(medfw_slot_open_resume(dv.b, MEDFW_SLOT_B, 0, &w, &d), MEDFW_ERR_INVALID_ARG);
	assert_diag_has(&d, "tries left");
	assert_null(w);
	assert_int_equal(access(dv.slot[1], F_OK), -1); /* nothing created */

	/* B on trial and running, not yet committed: A is still the image to fall back to. */
	st = state_of(MEDFW_SLOT_B, 0, 2, MEDFW_SLOT_A);
	CHECK_OK(medfw_slot_store(dv.b, &st, &d_));
	set_booted(&dv, "medfw.slot=B\n");
	medfw_diag_clear(&d);
	w = SENTINEL;
	assert_int_equal(medfw_slot_open_write(dv.b, MEDFW_SLOT_A, &w, &d), MEDFW_ERR_INVALID_ARG);
	assert_null(w);
	assert_diag_has(&d, "slot A");
	assert_diag_has(&d, "last image marked good");
	assert_int_equal(access(dv.slot[0], F_OK), -1);
	st = state_of(MEDFW_SLOT_A, 2, 1, MEDFW_SLOT_A);
	CHECK_OK(medfw_slot_store(dv.b, &st, &d_));
	set_booted(&dv, "root=/dev/mmcblk0p2 medfw.slot=A\n");

	/* Unbootable now; but the slot path must be a file or a block device. */
	CHECK_OK(medfw_slot_set_unbootable(dv.b, MEDFW_SLOT_B, &d_));
	assert_int_equal(mkdir(dv.slot[1], 0700), 0);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_slot_open_write(dv.b, MEDFW_SLOT_B, &w, &d), MEDFW_ERR_INVALID_ARG);
	assert_diag_has(&d, "not a regular file or a block device");
	assert_int_equal(rmdir(dv.slot[1]), 0);

	/* A slot in a directory that is gone: IO naming the slot and the reason. */
	tu_path(sub, sizeof(sub), dv.dir, "gone/slot-b.img");
	dv.cfg.slot_path[1] = sub;
	medfw_slot_backend_close(dv.b);
	dev_open(&dv, NULL);
	medfw_diag_clear(&d);
	w = SENTINEL;
	assert_int_equal(medfw_slot_open_write(dv.b, MEDFW_SLOT_B, &w, &d), MEDFW_ERR_IO);
	assert_null(w);
	assert_diag_has(&d, "slot B");
	assert_diag_has(&d, "gone/slot-b.img");
	assert_diag_has(&d, strerror(ENOENT));

	/* A character device (here /dev/full) is not a slot. */
	dv.cfg.slot_path[1] = "/dev/full";
	medfw_slot_backend_close(dv.b);
	dev_open(&dv, NULL);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_slot_open_write(dv.b, MEDFW_SLOT_B, &w, &d), MEDFW_ERR_INVALID_ARG);
	assert_diag_has(&d, "/dev/full");

	/* Bad writer arguments. */
	assert_int_equal(medfw_slot_write(NULL, "x", 1, NULL), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_slot_finish(NULL, NULL), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_slot_written(NULL), 0);
	medfw_slot_abort(NULL);
	dev_free(&dv);
}

static void test_writer_truncates_resumes_and_reads(void **state)
{
	struct medfw_slot_writer *w = NULL;
	struct medfw_boot_state st;
	struct readback r;
	struct medfw_diag d;
	struct stat sb;
	struct dev dv;
	uint8_t *img = image_new(5000, 3), *other = image_new(9000, 4);

	(void)state;
	dev_init(&dv, "file");
	dev_open(&dv, NULL);
	st = state_of(MEDFW_SLOT_A, 3, 0, MEDFW_SLOT_A);
	CHECK_OK(medfw_slot_store(dv.b, &st, &d_));
	set_booted(&dv, "A\n");

	/* An older, longer image in the slot is truncated away; mode 0600. */
	tu_write_file(dv.slot[1], other, 9000);
	assert_int_equal(chmod(dv.slot[1], 0644), 0);
	write_image(dv.b, MEDFW_SLOT_B, img, 5000);
	assert_int_equal(stat(dv.slot[1], &sb), 0);
	assert_int_equal(sb.st_size, 5000);
	check_image(dv.b, MEDFW_SLOT_B, img, 5000);
	assert_int_equal(unlink(dv.slot[1]), 0);
	write_image(dv.b, MEDFW_SLOT_B, img, 5000);
	assert_int_equal(stat(dv.slot[1], &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	/* Interrupted after 3000 bytes of a new image (the power cut: abort). */
	CHECK_OK(medfw_slot_open_write(dv.b, MEDFW_SLOT_B, &w, &d_));
	CHECK_OK(medfw_slot_write(w, other, 3000, &d_));
	medfw_slot_abort(w);
	/* Resume at 2000: the rest of the file is cut, the writer continues there. */
	CHECK_OK(medfw_slot_open_resume(dv.b, MEDFW_SLOT_B, 2000, &w, &d_));
	assert_int_equal(medfw_slot_written(w), 2000);
	assert_int_equal(stat(dv.slot[1], &sb), 0);
	assert_int_equal(sb.st_size, 2000);
	CHECK_OK(medfw_slot_write(w, other + 2000, 7000, &d_));
	assert_int_equal(medfw_slot_written(w), 9000);
	CHECK_OK(medfw_slot_finish(w, &d_));
	check_image(dv.b, MEDFW_SLOT_B, other, 9000);

	/* Resume past the end, or of a slot that does not exist. */
	medfw_diag_clear(&d);
	w = SENTINEL;
	assert_int_equal(medfw_slot_open_resume(dv.b, MEDFW_SLOT_B, 9001, &w, &d),
			 MEDFW_ERR_INVALID_ARG);
	assert_null(w);
	assert_diag_has(&d, "resume offset 9001 is beyond its 9000 bytes");
	assert_int_equal(unlink(dv.slot[1]), 0);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_slot_open_resume(dv.b, MEDFW_SLOT_B, 0, &w, &d), MEDFW_ERR_IO);
	assert_diag_has(&d, "slot B");

	/* Reading: more than the slot holds, a callback error, and the chunk size. */
	write_image(dv.b, MEDFW_SLOT_B, img, 5000);
	memset(&r, 0, sizeof(r));
	r.want = img;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_slot_read(dv.b, MEDFW_SLOT_B, 5001, readback_fn, &r, &d),
			 MEDFW_ERR_TRUNCATED);
	assert_diag_has(&d, "holds 5000 bytes");
	assert_int_equal(r.chunks, 0);
	r.fail_at_chunk = 1;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_slot_read(dv.b, MEDFW_SLOT_B, 5000, readback_fn, &r, &d),
			 MEDFW_ERR_HASH_MISMATCH);
	assert_diag_has(&d, "callback refused");
	assert_int_equal(medfw_slot_read(dv.b, MEDFW_SLOT_B, 10, NULL, NULL, NULL),
			 MEDFW_ERR_INVALID_ARG);
	free(img);
	free(other);

	/* A 2.5 MiB image comes back in chunks of at most 1 MiB. */
	{
		const size_t n = 5u * 512u * 1024u;
		uint8_t *big = image_new(n, 9);

		write_image(dv.b, MEDFW_SLOT_B, big, n);
		memset(&r, 0, sizeof(r));
		r.want = big;
		CHECK_OK(medfw_slot_read(dv.b, MEDFW_SLOT_B, n, readback_fn, &r, &d_));
		assert_int_equal(r.off, n);
		assert_int_equal(r.largest, 1024u * 1024u);
		assert_int_equal(r.chunks, 3);
		/* Reading the running slot is fine (hashing it). */
		tu_write_file(dv.slot[0], big, 100);
		memset(&r, 0, sizeof(r));
		r.want = big;
		CHECK_OK(medfw_slot_read(dv.b, MEDFW_SLOT_A, 100, readback_fn, &r, &d_));
		free(big);
	}
	dev_free(&dv);
}

/* The child of test_writer_no_space: exit 0 when the write failed as it must, 77 when
 * the system lets no process mount a tmpfs, else a code naming the failed check. */
static int no_space_child(struct dev *dv, const char *mnt)
{
	struct medfw_slot_writer *w = NULL;
	struct medfw_diag d;
	enum medfw_err err;
	static uint8_t chunk[16384];
	int i;

	if (unshare(CLONE_NEWNS) != 0) {
		uid_t uid = geteuid();
		gid_t gid = getegid();
		char map[64];
		int fd;

		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
			return 77;
		fd = open("/proc/self/setgroups", O_WRONLY);
		if (fd >= 0) {
			if (write(fd, "deny", 4) != 4)
				return 77;
			close(fd);
		}
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
		fd = open("/proc/self/uid_map", O_WRONLY);
		if (fd < 0 || write(fd, map, strlen(map)) < 0)
			return 77;
		close(fd);
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
		fd = open("/proc/self/gid_map", O_WRONLY);
		if (fd < 0 || write(fd, map, strlen(map)) < 0)
			return 77;
		close(fd);
	}
	/* Private first, so the tmpfs never shows outside this process. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return 77;
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=64k") != 0)
		return 77;
	if (medfw_slot_open_write(dv->b, MEDFW_SLOT_B, &w, &d) != MEDFW_OK)
		return 2;
	medfw_diag_clear(&d);
	for (i = 0; i < 64; i++) {
		err = medfw_slot_write(w, chunk, sizeof(chunk), &d);
		if (err != MEDFW_OK)
			break;
	}
	if (err != MEDFW_ERR_NO_SPACE)
		return 3;
	if (strstr(d.msg, "slot B") == NULL || strstr(d.msg, strerror(ENOSPC)) == NULL)
		return 4;
	/* After a failed write the writer refuses to go on or to commit. */
	if (medfw_slot_write(w, chunk, 1, NULL) != MEDFW_ERR_STATE)
		return 5;
	if (medfw_slot_finish(w, NULL) != MEDFW_ERR_STATE)
		return 6;
	return 0;
}

static void test_writer_no_space(void **state)
{
	struct medfw_boot_state st;
	struct dev dv;
	char mnt[4096], slot[4096];
	int status = 0;
	pid_t pid;

	(void)state;
	dev_init(&dv, "file");
	tu_path(mnt, sizeof(mnt), dv.dir, "small");
	assert_int_equal(mkdir(mnt, 0700), 0);
	tu_path(slot, sizeof(slot), mnt, "slot-b.img");
	dv.cfg.slot_path[1] = slot;
	dev_open(&dv, NULL);
	st = state_of(MEDFW_SLOT_A, 3, 0, MEDFW_SLOT_A);
	CHECK_OK(medfw_slot_store(dv.b, &st, &d_));
	set_booted(&dv, "A\n");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(no_space_child(&dv, mnt));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	dev_free(&dv);
	if (WEXITSTATUS(status) == 77)
		skip(); /* no mount namespace for a small tmpfs on this system */
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- the uboot backend ---- */

static void uboot_printenv(struct dev *dv, const char *var, char *out, size_t cap)
{
	const char *argv[] = {FW_PRINTENV, "-c", dv->config, var, NULL};

	assert_int_equal(run_capture(argv, out, cap), 0);
}

static void uboot_setenv(struct dev *dv, const char *var, const char *value)
{
	char out[1024];
	const char *argv[] = {FW_SETENV, "-c", dv->config, var, value, NULL};

	if (run_capture(argv, out, sizeof(out)) != 0)
		fail_msg("fw_setenv %s: %s", var, out);
}

/* A fresh environment with the board's defaults, as fw_setenv -f creates it. */
static void uboot_create_env(struct dev *dv, const char *config_text, size_t env_size)
{
	char defenv[4096], out[1024];
	const char *argv[] = {FW_SETENV, "-c", dv->config, "-f", defenv, "bootdelay", "1", NULL};
	uint8_t *zero = calloc(1, env_size);

	assert_non_null(zero);
	tu_write_file(dv->env, zero, env_size);
	free(zero);
	write_str(dv->config, config_text);
	tu_path(defenv, sizeof(defenv), dv->dir, "default.env");
	write_str(defenv, "bootcmd=run medfw_boot\nbootdelay=3\n");
	if (run_capture(argv, out, sizeof(out)) != 0)
		fail_msg("fw_setenv -f: %s", out);
}

static void test_uboot_backend(void **state)
{
	struct medfw_boot_state st;
	struct medfw_diag d;
	struct dev dv;
	enum medfw_slot_id s;
	char cfgtext[8192], out[4096], saved[4096];
	uint8_t *zero;

	(void)state;
	dev_init(&dv, "uboot");
	snprintf(cfgtext, sizeof(cfgtext), "# one copy\n%s 0x0 0x4000\n", dv.env);
	write_str(dv.config, cfgtext);
	zero = calloc(1, 0x4000);
	assert_non_null(zero);
	tu_write_file(dv.env, zero, 0x4000);
	free(zero);
	tu_path(saved, sizeof(saved), dv.dir, "saved");
	dev_open(&dv, NULL);
	assert_string_equal(medfw_slot_backend_name(dv.b), "uboot");

	/* An environment without a valid CRC is neither read nor written over. */
	file_copy(dv.env, saved);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_slot_load(dv.b, &st, &d), MEDFW_ERR_STATE);
	assert_diag_has(&d, "no copy has a valid CRC");
	medfw_boot_state_initial(&st);
	assert_int_equal(medfw_slot_store(dv.b, &st, NULL), MEDFW_ERR_STATE);
	assert_same_file(dv.env, saved);

	/* The board's environment: our variables are missing until stored. */
	uboot_create_env(&dv, cfgtext, 0x4000);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_slot_load(dv.b, &st, &d), MEDFW_ERR_FIELD_MISSING);
	assert_diag_has(&d, "U-Boot environment of");
	assert_diag_has(&d, "BOOT_ORDER is missing");
	medfw_boot_state_initial(&st);
	CHECK_OK(medfw_slot_store(dv.b, &st, &d_));
	uboot_printenv(&dv, NULL, out, sizeof(out));
	assert_non_null(strstr(out, "BOOT_ORDER=A B\n"));
	assert_non_null(strstr(out, "BOOT_A_LEFT=3\n"));
	assert_non_null(strstr(out, "BOOT_B_LEFT=0\n"));
	assert_non_null(strstr(out, "MEDFW_LAST_GOOD=A\n"));
	assert_non_null(strstr(out, "bootcmd=run medfw_boot\n")); /* the board's are kept */

	/* U-Boot boots A (its script decrements BOOT_A_LEFT) with medfw.slot=A. */
	uboot_setenv(&dv, "BOOT_A_LEFT", "2");
	set_booted(&dv, "console=ttymxc0 root=/dev/mmcblk2p2 medfw.slot=A rootwait\n");
	CHECK_OK(medfw_slot_mark_good(dv.b, MEDFW_SLOT_A, &d_));
	uboot_printenv(&dv, "BOOT_A_LEFT", out, sizeof(out));
	assert_string_equal(out, "BOOT_A_LEFT=3\n");

	/* Update to B. */
	CHECK_OK(medfw_slot_set_unbootable(dv.b, MEDFW_SLOT_B, &d_));
	{
		uint8_t *img = image_new(70000, 5);

		write_image(dv.b, MEDFW_SLOT_B, img, 70000);
		check_image(dv.b, MEDFW_SLOT_B, img, 70000);
		free(img);
	}
	CHECK_OK(medfw_slot_set_trial(dv.b, MEDFW_SLOT_B, 3, &d_));
	uboot_printenv(&dv, "BOOT_ORDER", out, sizeof(out));
	assert_string_equal(out, "BOOT_ORDER=B A\n");
	uboot_printenv(&dv, "BOOT_B_LEFT", out, sizeof(out));
	assert_string_equal(out, "BOOT_B_LEFT=3\n");
	uboot_setenv(&dv, "BOOT_B_LEFT", "2");
	set_booted(&dv, "console=ttymxc0 root=/dev/mmcblk2p3 medfw.slot=B rootwait\n");
	CHECK_OK(medfw_slot_mark_good(dv.b, MEDFW_SLOT_B, &d_));
	load_ok(dv.b, &st);
	assert_state(&st, MEDFW_SLOT_B, 3, 3, MEDFW_SLOT_B);
	uboot_printenv(&dv, "MEDFW_LAST_GOOD", out, sizeof(out));
	assert_string_equal(out, "MEDFW_LAST_GOOD=B\n");

	/* A value the bootloader script or a person broke: named, nothing written. */
	uboot_setenv(&dv, "BOOT_A_LEFT", "9");
	file_copy(dv.env, saved);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_slot_set_unbootable(dv.b, MEDFW_SLOT_A, &d), MEDFW_ERR_FIELD_VALUE);
	assert_diag_has(&d, "BOOT_A_LEFT must be a decimal number of tries 0..3");
	assert_same_file(dv.env, saved);

	/* Only the file backend plays the bootloader. */
	medfw_diag_clear(&d);
	assert_int_equal(medfw_slot_simulate_boot(dv.b, &s, &d), MEDFW_ERR_STATE);
	assert_diag_has(&d, "uboot backend cannot simulate a boot");
	dev_free(&dv);
}

/* Which copy of a redundant environment holds `needle` (0, 1; -1: neither, 2: both). */
static int copy_with(const char *env, size_t copy_size, const char *needle)
{
	struct medfw_buf b;
	int in[2] = {0, 0};
	size_t nl = strlen(needle);

	tu_read_file(env, &b);
	assert_int_equal(b.len, 2 * copy_size);
	for (int c = 0; c < 2; c++)
		for (size_t i = c * copy_size; i + nl <= (c + 1) * copy_size; i++)
			if (memcmp(b.data + i, needle, nl) == 0)
				in[c] = 1;
	medfw_buf_free(&b);
	return in[0] && in[1] ? 2 : in[0] ? 0 : in[1] ? 1 : -1;
}

static void test_uboot_redundant_env(void **state)
{
	struct medfw_boot_state st;
	struct dev dv;
	char cfgtext[9000], out[4096];
	const size_t size = 0x2000;
	int newest;

	(void)state;
	dev_init(&dv, "uboot");
	/* Two copies in one file, as on a board with CONFIG_SYS_REDUNDAND_ENVIRONMENT. */
	snprintf(cfgtext, sizeof(cfgtext), "%s 0x0 0x2000\n%s 0x2000 0x2000\n", dv.env, dv.env);
	uboot_create_env(&dv, cfgtext, 2 * size);
	dev_open(&dv, NULL);
	st = state_of(MEDFW_SLOT_A, 3, 0, MEDFW_SLOT_A);
	CHECK_OK(medfw_slot_store(dv.b, &st, &d_));
	set_booted(&dv, "medfw.slot=A\n");
	CHECK_OK(medfw_slot_set_trial(dv.b, MEDFW_SLOT_B, 2, &d_));
	uboot_printenv(&dv, "BOOT_ORDER", out, sizeof(out));
	assert_string_equal(out, "BOOT_ORDER=B A\n");

	/* The new state went to one copy; the other still holds the old one. */
	newest = copy_with(dv.env, size, "BOOT_ORDER=B A");
	assert_true(newest == 0 || newest == 1);
	assert_int_equal(copy_with(dv.env, size, "BOOT_ORDER=A B"), 1 - newest);

	/* A power cut in the middle of writing that copy (its CRC fails): the old state is
	 * what U-Boot and medfw read, whole. */
	{
		struct medfw_buf b;

		tu_read_file(dv.env, &b);
		b.data[(size_t)newest * size + 8] ^= 0x20;
		tu_write_file(dv.env, b.data, b.len);
		medfw_buf_free(&b);
	}
	load_ok(dv.b, &st);
	assert_state(&st, MEDFW_SLOT_A, 3, 0, MEDFW_SLOT_A);
	uboot_printenv(&dv, "BOOT_ORDER", out, sizeof(out));
	assert_string_equal(out, "BOOT_ORDER=A B\n");

	/* And the next store goes on from there. */
	CHECK_OK(medfw_slot_set_trial(dv.b, MEDFW_SLOT_B, 1, &d_));
	load_ok(dv.b, &st);
	assert_state(&st, MEDFW_SLOT_B, 3, 1, MEDFW_SLOT_A);
	dev_free(&dv);
}

/* ---- the grub backend ---- */

static void grub_run(struct dev *dv, const char *op, const char *arg, char *out, size_t cap)
{
	const char *argv[] = {GRUB_EDITENV, dv->env, op, arg, NULL};

	if (run_capture(argv, out, cap) != 0)
		fail_msg("grub-editenv %s: %s", op, out);
}

static void test_grub_backend(void **state)
{
	struct medfw_boot_state st;
	struct medfw_diag d;
	struct dev dv;
	enum medfw_slot_id s;
	char out[4096], saved[4096];

	(void)state;
	dev_init(&dv, "grub");
	tu_path(saved, sizeof(saved), dv.dir, "saved");
	dev_open(&dv, NULL); /* grub-editenv from PATH */
	assert_string_equal(medfw_slot_backend_name(dv.b), "grub");

	medfw_diag_clear(&d);
	assert_int_equal(medfw_slot_load(dv.b, &st, &d), MEDFW_ERR_NOT_FOUND);
	assert_diag_has(&d, "grub-editenv FILE create");
	grub_run(&dv, "create", NULL, out, sizeof(out));
	grub_run(&dv, "set", "saved_entry=medfw", out, sizeof(out));
	medfw_diag_clear(&d);
	assert_int_equal(medfw_slot_load(dv.b, &st, &d), MEDFW_ERR_FIELD_MISSING);
	assert_diag_has(&d, "BOOT_ORDER is missing");

	medfw_boot_state_initial(&st);
	CHECK_OK(medfw_slot_store(dv.b, &st, &d_));
	grub_run(&dv, "list", NULL, out, sizeof(out));
	assert_string_equal(out, "saved_entry=medfw\nBOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\n"
				 "MEDFW_LAST_GOOD=A\n");

	/* GRUB boots A: its grub.cfg decrements BOOT_A_LEFT with save_env. */
	grub_run(&dv, "set", "BOOT_A_LEFT=2", out, sizeof(out));
	set_booted(&dv, "BOOT_IMAGE=/vmlinuz-a root=/dev/sda2 ro medfw.slot=A\n");
	CHECK_OK(medfw_slot_mark_good(dv.b, MEDFW_SLOT_A, &d_));
	CHECK_OK(medfw_slot_set_unbootable(dv.b, MEDFW_SLOT_B, &d_));
	{
		uint8_t *img = image_new(10000, 11);

		write_image(dv.b, MEDFW_SLOT_B, img, 10000);
		check_image(dv.b, MEDFW_SLOT_B, img, 10000);
		free(img);
	}
	CHECK_OK(medfw_slot_set_trial(dv.b, MEDFW_SLOT_B, 3, &d_));
	grub_run(&dv, "list", NULL, out, sizeof(out));
	assert_string_equal(out, "saved_entry=medfw\nBOOT_ORDER=B A\nBOOT_A_LEFT=3\nBOOT_B_LEFT=3\n"
				 "MEDFW_LAST_GOOD=A\n");
	grub_run(&dv, "set", "BOOT_B_LEFT=2", out, sizeof(out));
	set_booted(&dv, "BOOT_IMAGE=/vmlinuz-b root=/dev/sda3 ro medfw.slot=B\n");
	/* Health checks failed in B: back to A. */
	CHECK_OK(medfw_slot_set_unbootable(dv.b, MEDFW_SLOT_B, &d_));
	grub_run(&dv, "list", NULL, out, sizeof(out));
	assert_string_equal(out, "saved_entry=medfw\nBOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\n"
				 "MEDFW_LAST_GOOD=A\n");
	load_ok(dv.b, &st);
	assert_state(&st, MEDFW_SLOT_A, 3, 0, MEDFW_SLOT_A);

	/* A broken value: named, nothing written. */
	grub_run(&dv, "set", "BOOT_B_LEFT=x", out, sizeof(out));
	file_copy(dv.env, saved);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_slot_set_trial(dv.b, MEDFW_SLOT_B, 1, &d), MEDFW_ERR_FIELD_VALUE);
	assert_diag_has(&d, dv.env);
	assert_diag_has(&d, "BOOT_B_LEFT");
	assert_same_file(dv.env, saved);

	/* A truncated grubenv is not handed to grub-editenv. */
	tu_write_file(dv.env, MEDFWI_GRUBENV_SIGNATURE, strlen(MEDFWI_GRUBENV_SIGNATURE));
	file_copy(dv.env, saved);
	medfw_boot_state_initial(&st);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_slot_store(dv.b, &st, &d), MEDFW_ERR_TRUNCATED);
	assert_diag_has(&d, "1024");
	assert_same_file(dv.env, saved);

	medfw_diag_clear(&d);
	assert_int_equal(medfw_slot_simulate_boot(dv.b, &s, &d), MEDFW_ERR_STATE);
	dev_free(&dv);
}

/* Only the grubenv and the files the test made may be in the directory. */
static void assert_no_tmp_left(const char *dir)
{
	char out[4096];
	const char *argv[] = {"/bin/ls", "-a", dir, NULL};

	assert_int_equal(run_capture(argv, out, sizeof(out)), 0);
	assert_null(strstr(out, "medfw-"));
}

static void test_grub_editenv_failures(void **state)
{
	struct medfw_boot_state st;
	struct medfw_diag d;
	struct dev dv;
	char out[5000], saved[4096], script[4096];

	(void)state;
	dev_init(&dv, "grub");
	tu_path(saved, sizeof(saved), dv.dir, "saved");
	tu_path(script, sizeof(script), dv.dir, "fake-editenv");
	grub_run(&dv, "create", NULL, out, sizeof(out));
	dv.cfg.grub_editenv = GRUB_EDITENV;
	dev_open(&dv, NULL);
	st = state_of(MEDFW_SLOT_A, 3, 0, MEDFW_SLOT_A);
	CHECK_OK(medfw_slot_store(dv.b, &st, &d_));
	set_booted(&dv, "A\n");
	file_copy(dv.env, saved);
	medfw_slot_backend_close(dv.b);

	/* grub-editenv fails: exit status and its stderr in the diag, grubenv unchanged. */
	write_str(script, "#!/bin/sh\necho \"grub-editenv: error: disk on fire\" >&2\nexit 2\n");
	assert_int_equal(chmod(script, 0755), 0);
	dv.cfg.grub_editenv = script;
	dev_open(&dv, NULL);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_slot_set_trial(dv.b, MEDFW_SLOT_B, 1, &d), MEDFW_ERR_IO);
	assert_diag_has(&d, "exited with status 2: grub-editenv: error: disk on fire");
	assert_same_file(dv.env, saved);
	assert_no_tmp_left(dv.dir);
	medfw_slot_backend_close(dv.b);

	/* It "succeeds" without writing what was asked: caught before the rename. */
	write_str(script, "#!/bin/sh\nexit 0\n");
	dev_open(&dv, NULL);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_slot_set_trial(dv.b, MEDFW_SLOT_B, 1, &d), MEDFW_ERR_IO);
	assert_diag_has(&d, "grub-editenv wrote a different boot state");
	assert_same_file(dv.env, saved);
	assert_no_tmp_left(dv.dir);
	medfw_slot_backend_close(dv.b);

	/* It gets exactly one "set" with all four variables, no shell in between. */
	{
		char args[4096];

		tu_path(args, sizeof(args), dv.dir, "args");
		snprintf(out, sizeof(out),
			 "#!/bin/sh\nfor a in \"$@\"; do echo \"[$a]\"; done > %s\n"
			 "exec " GRUB_EDITENV " \"$@\"\n", args);
		write_str(script, out);
		dev_open(&dv, NULL);
		CHECK_OK(medfw_slot_set_trial(dv.b, MEDFW_SLOT_B, 1, &d_));
		{
			char *got = slurp(args);
			char want[8192];

			snprintf(want, sizeof(want),
				 "[%s.medfw-", dv.env);
			assert_non_null(strstr(got, want));
			assert_non_null(strstr(got, "]\n[set]\n[BOOT_ORDER=B A]\n[BOOT_A_LEFT=3]\n"
						    "[BOOT_B_LEFT=1]\n[MEDFW_LAST_GOOD=A]\n"));
			free(got);
		}
		load_ok(dv.b, &st);
		assert_state(&st, MEDFW_SLOT_B, 3, 1, MEDFW_SLOT_A);
		assert_no_tmp_left(dv.dir);
	}
	dev_free(&dv);
}

static void test_grubenv_parse(void **state)
{
	uint8_t blk[MEDFWI_GRUBENV_SIZE + 1];
	struct medfw_boot_state st;
	struct medfw_diag d;
	const char *vars = "BOOT_ORDER=B A\nBOOT_A_LEFT=1\nBOOT_B_LEFT=2\nMEDFW_LAST_GOOD=B\n";
	size_t sig = strlen(MEDFWI_GRUBENV_SIGNATURE);
	size_t off;

	(void)state;
#define BLOCK(body)                                                                              \
	do {                                                                                     \
		memset(blk, '#', sizeof(blk));                                                   \
		memcpy(blk, MEDFWI_GRUBENV_SIGNATURE, sig);                                      \
		memcpy(blk + sig, body, strlen(body));                                           \
	} while (0)

	BLOCK(vars);
	assert_int_equal(medfwi_grubenv_parse(blk, MEDFWI_GRUBENV_SIZE, "g", &st, NULL), MEDFW_OK);
	assert_state(&st, MEDFW_SLOT_B, 1, 2, MEDFW_SLOT_B);
	/* Comments and GRUB's variables (escaped newline included) are skipped. */
	BLOCK("# a comment\nsaved_entry=x\\\ny\nBOOT_ORDER=B A\nnext_entry=\\\\\n"
	      "BOOT_A_LEFT=1\nBOOT_B_LEFT=2\nMEDFW_LAST_GOOD=B\n");
	assert_int_equal(medfwi_grubenv_parse(blk, MEDFWI_GRUBENV_SIZE, "g", &st, NULL), MEDFW_OK);
	assert_state(&st, MEDFW_SLOT_B, 1, 2, MEDFW_SLOT_B);

	/* Sizes. */
	medfw_diag_clear(&d);
	assert_int_equal(medfwi_grubenv_parse(blk, MEDFWI_GRUBENV_SIZE - 1, "g", &st, &d),
			 MEDFW_ERR_TRUNCATED);
	tu_assert_zeroed(&st, sizeof(st));
	assert_int_equal(medfwi_grubenv_parse(blk, MEDFWI_GRUBENV_SIZE + 1, "g", &st, NULL),
			 MEDFW_ERR_TOO_LARGE);
	/* Signature. */
	BLOCK(vars);
	blk[2] = 'g';
	medfw_diag_clear(&d);
	assert_int_equal(medfwi_grubenv_parse(blk, MEDFWI_GRUBENV_SIZE, "g", &st, &d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_diag_has(&d, "no signature");
	/* A NUL byte in the padding. */
	BLOCK(vars);
	blk[MEDFWI_GRUBENV_SIZE - 1] = 0;
	assert_int_equal(medfwi_grubenv_parse(blk, MEDFWI_GRUBENV_SIZE, "g", &st, NULL),
			 MEDFW_ERR_FIELD_VALUE);
	/* Duplicates of ours, a line without '=', an escaped value of ours. */
	BLOCK("BOOT_ORDER=B A\nBOOT_A_LEFT=1\nBOOT_A_LEFT=1\nBOOT_B_LEFT=2\nMEDFW_LAST_GOOD=B\n");
	medfw_diag_clear(&d);
	assert_int_equal(medfwi_grubenv_parse(blk, MEDFWI_GRUBENV_SIZE, "g", &st, &d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_diag_has(&d, "BOOT_A_LEFT given a second time");
	BLOCK("BOOT_ORDER=B A\nnonsense\n");
	medfw_diag_clear(&d);
	assert_int_equal(medfwi_grubenv_parse(blk, MEDFWI_GRUBENV_SIZE, "g", &st, &d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_diag_has(&d, "line 3 is not NAME=value");
	BLOCK("=x\n");
	assert_int_equal(medfwi_grubenv_check(blk, MEDFWI_GRUBENV_SIZE, "g", NULL),
			 MEDFW_ERR_FIELD_VALUE);
	BLOCK("BOOT_ORDER=B\\ A\nBOOT_A_LEFT=1\nBOOT_B_LEFT=2\nMEDFW_LAST_GOOD=B\n");
	medfw_diag_clear(&d);
	assert_int_equal(medfwi_grubenv_parse(blk, MEDFWI_GRUBENV_SIZE, "g", &st, &d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_diag_has(&d, "BOOT_ORDER");
	/* A value running into the end of the block. */
	BLOCK("");
	off = MEDFWI_GRUBENV_SIZE - 6;
	memcpy(blk + off, "\nX=abc", 6);
	medfw_diag_clear(&d);
	assert_int_equal(medfwi_grubenv_check(blk, MEDFWI_GRUBENV_SIZE, "g", &d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_diag_has(&d, "does not end with a newline");
	memcpy(blk + off, "\nX=ab\\", 6);
	assert_int_equal(medfwi_grubenv_check(blk, MEDFWI_GRUBENV_SIZE, "g", NULL),
			 MEDFW_ERR_FIELD_VALUE);
	/* Without our variables: structurally fine, not a boot state. */
	BLOCK("");
	assert_int_equal(medfwi_grubenv_check(blk, MEDFWI_GRUBENV_SIZE, "g", NULL), MEDFW_OK);
	assert_int_equal(medfwi_grubenv_parse(blk, MEDFWI_GRUBENV_SIZE, "g", &st, NULL),
			 MEDFW_ERR_FIELD_MISSING);
#undef BLOCK
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_initial_and_format),
		cmocka_unit_test(test_parse_round_trip_all_states),
		cmocka_unit_test(test_parse_refusals),
		cmocka_unit_test(test_parse_nul_and_size),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_read_booted),
		cmocka_unit_test(test_backend_open_refusals),
		cmocka_unit_test(test_file_update_flow),
		cmocka_unit_test(test_file_failed_update_falls_back),
		cmocka_unit_test(test_file_refusals_change_nothing),
		cmocka_unit_test(test_state_changes_are_logged),
		cmocka_unit_test(test_writer_refusals),
		cmocka_unit_test(test_writer_truncates_resumes_and_reads),
		cmocka_unit_test(test_writer_no_space),
		cmocka_unit_test(test_uboot_backend),
		cmocka_unit_test(test_uboot_redundant_env),
		cmocka_unit_test(test_grub_backend),
		cmocka_unit_test(test_grub_editenv_failures),
		cmocka_unit_test(test_grubenv_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
