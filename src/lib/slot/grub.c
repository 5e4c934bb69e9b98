/* The grub backend: the four variables in a GRUB environment block (grubenv), which
 * the grub.cfg of docs/agent-backends.md reads with load_env and decrements with
 * save_env at every boot.
 *
 * Reading: the block is read and parsed here, strictly (1024 bytes, the signature,
 * NAME=value lines, '#' padding); GRUB's own variables are skipped.
 *
 * Storing: grub-editenv rewrites its file in place (open with O_TRUNC, write, fsync),
 * which a power cut can leave empty. So the current block is copied to a temporary
 * file beside it, `grub-editenv TMP set BOOT_ORDER=.. BOOT_A_LEFT=.. BOOT_B_LEFT=..
 * MEDFW_LAST_GOOD=..` changes all four variables in one run (fork + execve, no shell,
 * a fixed environment, stderr captured), the result is read back and checked, then
 * fsynced and renamed over the grubenv and the directory fsynced: the old block or the
 * new one, never a torn one.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "medfw/buf.h"
#include "slot_internal.h"

/* How much of grub-editenv's output goes into a diag. */
#define EDITENV_OUTPUT_MAX 256u
/* Where grub-editenv is looked for when PATH is not set. */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct grub_backend {
	char *grubenv;
	char *editenv; /* absolute path of grub-editenv */
};

/* ---- the grubenv block ---- */

static enum medfw_err grubenv_scan(const uint8_t *blk, size_t len, const char *where,
				   struct medfwi_boot_vars *vars, struct medfw_diag *diag)
{
	const size_t sig_len = sizeof(MEDFWI_GRUBENV_SIGNATURE) - 1;
	const enum medfw_err bad = MEDFW_ERR_FIELD_VALUE;
	unsigned line = 1;
	size_t off;

	memset(vars, 0, sizeof(*vars));
	if (len < MEDFWI_GRUBENV_SIZE)
		return medfw_diag_set(diag, MEDFW_ERR_TRUNCATED,
				      "%s: %zu bytes; a GRUB environment block has %u", where, len,
				      MEDFWI_GRUBENV_SIZE);
	if (len > MEDFWI_GRUBENV_SIZE)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "%s: %zu bytes; a GRUB environment block has %u", where, len,
				      MEDFWI_GRUBENV_SIZE);
	if (memcmp(blk, MEDFWI_GRUBENV_SIGNATURE, sig_len) != 0)
		return medfw_diag_set(diag, bad, "%s: not a GRUB environment block (no signature)",
				      where);
	if (memchr(blk, 0, len) != NULL)
		return medfw_diag_set(diag, bad, "%s: contains a NUL byte", where);
	off = sig_len;
	while (off < len) {
		size_t start = off, eq;
		int var;

		line++;
		if (blk[off] == '#') { /* a comment, or the padding up to the end */
			const uint8_t *nl = memchr(blk + off, '\n', len - off);

			off = nl != NULL ? (size_t)(nl - blk) + 1 : len;
			continue;
		}
		while (off < len && blk[off] != '=' && blk[off] != '\n')
			off++;
		if (off == len || blk[off] != '=' || off == start)
			return medfw_diag_set(diag, bad, "%s: line %u is not NAME=value", where, line);
		eq = off++;
		/* The value runs to the newline; a backslash escapes the next byte. */
		while (off < len && blk[off] != '\n') {
			if (blk[off] == '\\' && ++off == len)
				break;
			off++;
		}
		if (off >= len)
			return medfw_diag_set(diag, bad, "%s: line %u does not end with a newline",
					      where, line);
		var = medfwi_boot_var_lookup((const char *)blk + start, eq - start);
		if (var >= 0) {
			if (vars->value[var] != NULL)
				return medfw_diag_set(diag, bad, "%s: line %u: %s given a second time",
						      where, line,
						      medfwi_boot_var_name((enum medfwi_boot_var)var));
			vars->value[var] = (const char *)blk + eq + 1;
			vars->len[var] = off - eq - 1;
			vars->line[var] = line;
		}
		off++; /* the newline */
	}
	return MEDFW_OK;
}

enum medfw_err medfwi_grubenv_check(const uint8_t *blk, size_t len, const char *where,
				    struct medfw_diag *diag)
{
	struct medfwi_boot_vars vars;

	return grubenv_scan(blk, len, where, &vars, diag);
}

enum medfw_err medfwi_grubenv_parse(const uint8_t *blk, size_t len, const char *where,
				    struct medfw_boot_state *out, struct medfw_diag *diag)
{
	struct medfwi_boot_vars vars;
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	err = grubenv_scan(blk, len, where, &vars, diag);
	if (err != MEDFW_OK)
		return err;
	return medfwi_boot_vars_decode(&vars, where, out, diag);
}

/* ---- the backend ---- */

static void grub_close(void *impl)
{
	struct grub_backend *g = impl;

	if (g == NULL)
		return;
	free(g->grubenv);
	free(g->editenv);
	free(g);
}

/* grub-editenv's absolute path: the option, or the first executable on PATH. */
static enum medfw_err find_editenv(const char *option, char **out, struct medfw_diag *diag)
{
	const char *path = getenv("PATH");
	char cand[PATH_MAX];
	enum medfw_err err;

	*out = NULL;
	if (option != NULL) {
		err = medfwi_slot_path_option(option, "grub_editenv", out, diag);
		if (err != MEDFW_OK)
			return err;
		if (option[0] != '/' || access(option, X_OK) != 0) {
			free(*out);
			*out = NULL;
			return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
					      "grub_editenv: %s is not an absolute path of an "
					      "executable", option);
		}
		return MEDFW_OK;
	}
	if (path == NULL || path[0] == 0)
		path = DEFAULT_PATH;
	while (*path != 0) {
		size_t n = strcspn(path, ":");
		int len;

		if (n > 0 && path[0] == '/') {
			len = snprintf(cand, sizeof(cand), "%.*s/grub-editenv", (int)n, path);
			if (len > 0 && (size_t)len < sizeof(cand) && access(cand, X_OK) == 0)
				return medfwi_slot_path_option(cand, "grub_editenv", out, diag);
		}
		path += n;
		if (*path == ':')
			path++;
	}
	return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
			      "grub_editenv: not set and no grub-editenv on PATH");
}

static enum medfw_err grub_open(struct medfw_slot_backend *b, const struct medfw_slot_config *cfg,
				struct medfw_diag *diag)
{
	struct grub_backend *g = calloc(1, sizeof(*g));
	enum medfw_err err;

	if (g == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "grub backend: out of memory");
	err = medfwi_slot_path_option(cfg->grubenv, "grubenv", &g->grubenv, diag);
	if (err == MEDFW_OK && g->grubenv[0] != '/')
		/* absolute, so that it can never be taken for an option of grub-editenv */
		err = medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "grubenv: must be an absolute path");
	if (err == MEDFW_OK)
		err = find_editenv(cfg->grub_editenv, &g->editenv, diag);
	if (err != MEDFW_OK) {
		grub_close(g);
		return err;
	}
	b->impl = g;
	return MEDFW_OK;
}

static enum medfw_err read_block(const char *path, const char *what, struct medfw_buf *out,
				 struct medfw_diag *diag)
{
	enum medfw_err err = medfw_file_read(path, MEDFW_SLOT_STATE_MAX, out, NULL);

	if (err == MEDFW_ERR_NOT_FOUND)
		return medfw_diag_set(diag, err, "%s %s does not exist (create it with "
				      "grub-editenv FILE create)", what, path);
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, "%s %s: cannot read it (%s)", what, path,
				      medfw_strerror(err));
	return MEDFW_OK;
}

static enum medfw_err grub_load(struct medfw_slot_backend *b, struct medfw_boot_state *out,
				struct medfw_diag *diag)
{
	const struct grub_backend *g = b->impl;
	struct medfw_buf blk;
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	err = read_block(g->grubenv, "grubenv", &blk, diag);
	if (err != MEDFW_OK)
		return err;
	err = medfwi_grubenv_parse(blk.data, blk.len, g->grubenv, out, diag);
	medfw_buf_free(&blk);
	return err;
}

/* Printable, one line, for a diag. */
static void clean_output(char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			s[i] = ' ';
	while (n > 0 && s[n - 1] == ' ')
		s[--n] = 0;
}

/* Run argv[0] with argv (no shell), stdin from /dev/null, stdout and stderr captured. */
static enum medfw_err run_editenv(char *const argv[], struct medfw_diag *diag)
{
	char env_lc[] = "LC_ALL=C";
	char env_path[] = "PATH=" DEFAULT_PATH;
	char *const envp[] = {env_lc, env_path, NULL};
	char output[EDITENV_OUTPUT_MAX + 1];
	size_t got = 0;
	int pfd[2] = {-1, -1};
	int devnull, status = 0;
	pid_t pid, w;

	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0)
		return medfw_diag_set(diag, MEDFW_ERR_IO, "/dev/null: %s", strerror(errno));
	if (pipe(pfd) != 0 || fcntl(pfd[0], F_SETFD, FD_CLOEXEC) != 0 ||
	    fcntl(pfd[1], F_SETFD, FD_CLOEXEC) != 0) {
		int e = errno;

		close(devnull);
		if (pfd[0] >= 0) {
			close(pfd[0]);
			close(pfd[1]);
		}
		return medfw_diag_set(diag, MEDFW_ERR_IO, "grub-editenv: pipe: %s", strerror(e));
	}
	pid = fork();
	if (pid == 0) {
		/* The child: only async-signal-safe calls. Duplicates above 2 first, so that
		 * dup2 always makes a new descriptor (without close-on-exec). */
		int out_fd = fcntl(pfd[1], F_DUPFD, 3);
		int in_fd = fcntl(devnull, F_DUPFD, 3);

		if (out_fd < 0 || in_fd < 0 || dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 ||
		    dup2(out_fd, 2) < 0)
			_exit(126);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	close(devnull);
	close(pfd[1]);
	if (pid < 0) {
		int e = errno;

		close(pfd[0]);
		return medfw_diag_set(diag, MEDFW_ERR_IO, "grub-editenv: fork: %s", strerror(e));
	}
	for (;;) {
		char sink[512];
		ssize_t n = read(pfd[0], sink, sizeof(sink));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n && got < EDITENV_OUTPUT_MAX; i++)
			output[got++] = sink[i];
	}
	output[got] = 0;
	close(pfd[0]);
	do
		w = waitpid(pid, &status, 0);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return medfw_diag_set(diag, MEDFW_ERR_IO, "grub-editenv: wait: %s", strerror(errno));
	clean_output(output);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return MEDFW_OK;
	if (WIFEXITED(status))
		return medfw_diag_set(diag, MEDFW_ERR_IO, "%s exited with status %d%s%s", argv[0],
				      WEXITSTATUS(status), got > 0 ? ": " : "", output);
	return medfw_diag_set(diag, MEDFW_ERR_IO, "%s was killed by signal %d", argv[0],
			      WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static enum medfw_err grub_store(struct medfw_slot_backend *b, const struct medfw_boot_state *st,
				 struct medfw_diag *diag)
{
	const struct grub_backend *g = b->impl;
	char assign[MEDFWI_BOOT_VAR_COUNT][40];
	char tmp[PATH_MAX], set[] = "set";
	char *argv[4 + MEDFWI_BOOT_VAR_COUNT];
	struct medfw_boot_state back;
	struct medfw_buf cur, done;
	enum medfw_err err;
	struct stat sb;
	bool have_tmp = false;
	int fd = -1, n;

	medfw_buf_init(&done, 0);
	err = read_block(g->grubenv, "grubenv", &cur, diag);
	if (err != MEDFW_OK)
		return err;
	/* Never hand grub-editenv a block we cannot read ourselves. */
	err = medfwi_grubenv_check(cur.data, cur.len, g->grubenv, diag);
	if (err != MEDFW_OK)
		goto out;
	if (stat(g->grubenv, &sb) != 0) {
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", g->grubenv, strerror(errno));
		goto out;
	}
	n = snprintf(tmp, sizeof(tmp), "%s.medfw-XXXXXX", g->grubenv);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "grubenv: path too long");
		goto out;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	have_tmp = true;
	if (fchmod(fd, sb.st_mode & 0777) != 0) {
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: chmod: %s", tmp, strerror(errno));
		goto out;
	}
	err = medfw_write_all(fd, cur.data, cur.len, tmp, diag);
	if (err != MEDFW_OK)
		goto out;
	if (close(fd) != 0) {
		fd = -1;
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: close: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;

	/* grub-editenv TMP set NAME=value x4: one run, all four variables. */
	argv[0] = g->editenv;
	argv[1] = tmp;
	argv[2] = set;
	for (int i = 0; i < MEDFWI_BOOT_VAR_COUNT; i++) {
		char value[MEDFWI_BOOT_VALUE_MAX];

		medfwi_boot_var_format(st, (enum medfwi_boot_var)i, value);
		snprintf(assign[i], sizeof(assign[i]), "%s=%s",
			 medfwi_boot_var_name((enum medfwi_boot_var)i), value);
		argv[3 + i] = assign[i];
	}
	argv[3 + MEDFWI_BOOT_VAR_COUNT] = NULL;
	err = run_editenv(argv, diag);
	if (err != MEDFW_OK)
		goto out;

	/* What GRUB will read: parsed strictly, and exactly the state asked for. */
	err = read_block(tmp, "grub-editenv's output", &done, diag);
	if (err != MEDFW_OK)
		goto out;
	err = medfwi_grubenv_parse(done.data, done.len, tmp, &back, diag);
	if (err != MEDFW_OK)
		goto out;
	if (back.order[0] != st->order[0] || back.order[1] != st->order[1] ||
	    back.left[MEDFW_SLOT_A] != st->left[MEDFW_SLOT_A] ||
	    back.left[MEDFW_SLOT_B] != st->left[MEDFW_SLOT_B] || back.last_good != st->last_good) {
		err = medfw_diag_set(diag, MEDFW_ERR_IO,
				     "%s: grub-editenv wrote a different boot state", tmp);
		goto out;
	}
	fd = open(tmp, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: fsync: %s", tmp, strerror(errno));
		goto out;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, g->grubenv) != 0) {
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: rename: %s", g->grubenv,
				     strerror(errno));
		goto out;
	}
	have_tmp = false;
	err = medfw_fsync_parent(g->grubenv, diag);
out:
	if (fd >= 0)
		close(fd);
	if (have_tmp)
		unlink(tmp);
	medfw_buf_free(&cur);
	medfw_buf_free(&done);
	return err;
}

const struct medfwi_slot_ops medfwi_slot_grub_ops = {
	.name = "grub",
	.simulates_boot = false,
	.open = grub_open,
	.close = grub_close,
	.load = grub_load,
	.store = grub_store,
};
