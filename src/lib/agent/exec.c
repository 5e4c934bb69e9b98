/* Programs the agent runs: the clinical-state command, health checks, the reboot
 * command. fork + execve, never a shell; a minimal environment; output bounded; a
 * timeout kills the whole process group. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent_internal.h"
#include "medfw/buf.h"

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum medfw_err agent_exec(const char *path, char *const envp[], uint64_t timeout_seconds,
			  struct agent_exec_result *out, struct medfw_diag *diag)
{
	int pipefd[2];
	size_t got = 0;
	int status = 0;
	pid_t pid;
	int64_t deadline = mono_ms() + (int64_t)timeout_seconds * 1000;
	bool eof = false;

	memset(out, 0, sizeof(*out));
	out->exit_status = -1;
	if (pipe2(pipefd, O_CLOEXEC) != 0)
		return medfw_diag_set(diag, MEDFW_ERR_IO, "%s: pipe: %s", path, strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return medfw_diag_set(diag, MEDFW_ERR_IO, "%s: fork: %s", path, strerror(errno));
	}
	if (pid == 0) {
		char *argv[] = {(char *)(uintptr_t)path, NULL};
		int null = open("/dev/null", O_RDONLY);

		setpgid(0, 0);
		if (null >= 0)
			dup2(null, 0);
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		signal(SIGPIPE, SIG_DFL);
		execve(path, argv, envp);
		_exit(127);
	}
	setpgid(pid, pid);
	close(pipefd[1]);
	while (!eof) {
		int64_t left = deadline - mono_ms();
		struct pollfd p = {pipefd[0], POLLIN, 0};
		char buf[512];
		ssize_t n;
		int r;

		if (left <= 0) {
			out->timed_out = true;
			break;
		}
		r = poll(&p, 1, left > 1000 ? 1000 : (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		n = read(pipefd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			eof = true;
			break;
		}
		for (ssize_t i = 0; i < n && got + 1 < sizeof(out->output); i++) {
			unsigned char c = (unsigned char)buf[i];

			out->output[got++] = (c < 0x20 && c != '\n') || c == 0x7f ? '?' : (char)c;
		}
	}
	close(pipefd[0]);
	out->output[got] = 0;
	/* The program closed its output (or timed out): wait for it, within the deadline. */
	for (;;) {
		pid_t w = waitpid(pid, &status, out->timed_out ? 0 : WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			break;
		if (out->timed_out || mono_ms() >= deadline) {
			out->timed_out = true;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			if (waitpid(pid, &status, 0) < 0)
				status = 0;
			break;
		}
		usleep(10000);
	}
	if (out->timed_out) {
		kill(-pid, SIGKILL);
		out->exit_status = -1;
	} else if (WIFEXITED(status)) {
		out->exit_status = WEXITSTATUS(status);
	}
	return MEDFW_OK;
}

static void make_env(struct medfw_agent *a, char env[6][1200], char *envp[7])
{
	const struct agent_update *u = &a->st.upd;

	snprintf(env[0], sizeof(env[0]), "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	snprintf(env[1], sizeof(env[1]), "LC_ALL=C");
	snprintf(env[2], sizeof(env[2]), "MEDFW_SLOT=%s",
		 u->phase != PHASE_NONE ? medfw_slot_name(u->to) : "");
	snprintf(env[3], sizeof(env[3]), "MEDFW_TARGET=%s", u->image.valid ? u->image.target : "");
	snprintf(env[4], sizeof(env[4]), "MEDFW_VERSION=%s", u->image.valid ? u->image.version : "");
	snprintf(env[5], sizeof(env[5]), "MEDFW_STATE_DIR=%s", a->cfg->state_dir);
	for (int i = 0; i < 6; i++)
		envp[i] = env[i];
	envp[6] = NULL;
}

/* The first word of s: "idle" / "in_use" / other. */
static int clinical_word(const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	n = strcspn(s, " \t\r\n");
	if (n == 4 && strncmp(s, "idle", 4) == 0)
		return 0;
	if (n == 6 && strncmp(s, "in_use", 6) == 0)
		return 1;
	return -1;
}

bool agent_in_clinical_use(struct medfw_agent *a, char *why, size_t why_cap)
{
	const struct medfw_agent_config *c = a->cfg;
	int w;

	if (c->clinical_state_file != NULL) {
		struct medfw_buf text;
		struct medfw_diag d;
		char first[64];

		medfw_diag_clear(&d);
		if (medfw_file_read(c->clinical_state_file, 4096, &text, &d) != MEDFW_OK) {
			snprintf(why, why_cap, "clinical state unknown (%s): treated as in use",
				 medfw_diag_message(&d, d.err));
			return true;
		}
		snprintf(first, sizeof(first), "%.*s", (int)(text.len < 63 ? text.len : 63),
			 text.len ? (const char *)text.data : "");
		medfw_buf_free(&text);
		w = clinical_word(first);
	} else {
		char env[6][1200];
		char *envp[7];
		struct agent_exec_result r;
		struct medfw_diag d;

		medfw_diag_clear(&d);
		make_env(a, env, envp);
		if (agent_exec(c->clinical_state_command, envp, 30, &r, &d) != MEDFW_OK ||
		    r.exit_status != 0) {
			snprintf(why, why_cap,
				 "clinical state unknown (%s %s): treated as in use",
				 c->clinical_state_command,
				 r.timed_out ? "timed out" : "failed");
			return true;
		}
		w = clinical_word(r.output);
	}
	if (w == 0)
		return false;
	snprintf(why, why_cap, "%s", w == 1 ? "in_use" : "clinical state unknown: treated as in use");
	return true;
}

static int name_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static enum medfw_err run_check(struct medfw_agent *a, const char *path, struct medfw_diag *diag)
{
	char env[6][1200];
	char *envp[7];
	struct agent_exec_result r;
	enum medfw_err err;

	make_env(a, env, envp);
	agent_fault("health");
	err = agent_exec(path, envp, a->cfg->health_check_timeout, &r, diag);
	if (err != MEDFW_OK)
		return err;
	if (r.timed_out)
		return medfw_diag_set(diag, MEDFW_ERR_HEALTH_CHECK,
				      "health check %s: no result within %llu s", path,
				      (unsigned long long)a->cfg->health_check_timeout);
	if (r.exit_status != 0)
		return medfw_diag_set(diag, MEDFW_ERR_HEALTH_CHECK,
				      "health check %s: exit status %d: %.200s", path,
				      r.exit_status, r.output);
	medfw_log(a->ctx, MEDFW_LOG_INFO, "agent.health.ok", "health check %s passed", path);
	return MEDFW_OK;
}

enum medfw_err agent_health_check(struct medfw_agent *a, struct medfw_diag *diag)
{
	const char *hc = a->cfg->health_check;
	struct stat st;
	enum medfw_err err = MEDFW_OK;
	DIR *d;
	struct dirent *e;
	char *names[256];
	size_t n = 0;

	if (hc == NULL)
		return MEDFW_OK;
	if (stat(hc, &st) != 0)
		return medfw_diag_set(diag, MEDFW_ERR_HEALTH_CHECK, "health check %s: %s", hc,
				      strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return run_check(a, hc, diag);
	d = opendir(hc);
	if (d == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_HEALTH_CHECK, "health checks %s: %s", hc,
				      strerror(errno));
	while ((e = readdir(d)) != NULL && n < sizeof(names) / sizeof(names[0])) {
		char p[4096];

		if (e->d_name[0] == '.')
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", hc, e->d_name) >= (int)sizeof(p))
			continue;
		if (stat(p, &st) != 0 || !S_ISREG(st.st_mode) || access(p, X_OK) != 0)
			continue;
		names[n] = strdup(p);
		if (names[n] == NULL) {
			err = MEDFW_ERR_NOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (size_t i = 0; i < n; i++) {
		if (err == MEDFW_OK)
			err = run_check(a, names[i], diag);
		free(names[i]);
	}
	return err;
}

enum medfw_err agent_reboot(struct medfw_agent *a, struct medfw_diag *diag)
{
	char env[6][1200];
	char *envp[7];
	struct agent_exec_result r;
	enum medfw_err err;

	make_env(a, env, envp);
	medfw_log(a->ctx, MEDFW_LOG_WARNING, "agent.reboot", "running %s",
		  a->cfg->reboot_command);
	err = agent_exec(a->cfg->reboot_command, envp, 120, &r, diag);
	if (err != MEDFW_OK)
		return err;
	if (r.timed_out || r.exit_status != 0)
		return medfw_diag_set(diag, MEDFW_ERR_IO, "reboot command %s: %s %d: %.200s",
				      a->cfg->reboot_command, r.timed_out ? "timed out" : "exit",
				      r.exit_status, r.output);
	return MEDFW_OK;
}
