/* The agent's install state machine, offline (bundles, the file slot backend, the
 * bootloader played by medfw_slot_simulate_boot): install, flip, boot, health checks,
 * commit, rollback, the bootloader's fallback, resuming an interrupted install, the
 * refusals that must leave the running slot untouched, and the state file's strictness. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent_internal.h"
#include "medfw/bundle.h"
#include "medfw/repo.h"
#include "testutil.h"

#define DAY 86400
#define TARGET "pump/fw-4.2.1.img"
#define HWID "acme-infusion-pump-rev-c"
#define IMAGE_LEN 70000

struct fx {
	char *dir;
	char repo[512], image[512], bundle[512], conf[512];
	char slot_a[512], slot_b[512], bootstate[512], booted[512], clinical[512];
	char health_rc[512], health[512], state_dir[512];
	struct medfw_ctx *ctx;
	struct medfw_agent_config cfg;
	struct medfw_agent *a;
};

static void must(enum medfw_err err, const struct medfw_diag *d)
{
	if (err != MEDFW_OK)
		fail_msg("%s", medfw_diag_message(d, err));
}

static json_t *notice_json(const char *min_agent, int64_t sv)
{
	char path[1024];
	json_error_t jerr;
	json_t *v;

	snprintf(path, sizeof(path), "%s/docs/formats/release-notice.example.json",
		 getenv("MEDFW_SOURCE_DIR"));
	v = json_load_file(path, 0, &jerr);
	assert_non_null(v);
	json_object_set_new(v, "min_agent_version", json_string(min_agent));
	json_object_set_new(v, "security_version", json_integer(sv));
	return v;
}

/* A one-release repository and its bundle. */
static void build_bundle(struct fx *f, const char *min_agent, int64_t sv, const char *name)
{
	struct medfw_repo_init_opts opts;
	struct medfw_privkey *keys[MEDFW_TUF_TOP_ROLES];
	struct medfw_pubkey *pubs[MEDFW_TUF_TOP_ROLES];
	struct medfw_diag d;
	char staged_root[600], staged_targets[600];
	json_t *notice = notice_json(min_agent, sv);

	medfw_diag_clear(&d);
	memset(&opts, 0, sizeof(opts));
	for (unsigned r = 0; r < MEDFW_TUF_TOP_ROLES; r++) {
		must(medfw_privkey_generate(MEDFW_KEY_ED25519, &keys[r], &d), &d);
		must(medfw_privkey_public(keys[r], &pubs[r], &d), &d);
		opts.roles[r].keys[0] = pubs[r];
		opts.roles[r].key_count = 1;
		opts.roles[r].threshold = 1;
		opts.roles[r].expires_seconds = 365 * DAY;
	}
	tu_path(f->repo, sizeof(f->repo), f->dir, name);
	must(medfw_repo_init(f->ctx, f->repo, &opts, &d), &d);
	must(medfw_repo_add_release(f->ctx, f->repo, f->image, TARGET, notice, &d), &d);
	json_decref(notice);
	snprintf(staged_root, sizeof(staged_root), "%s/staged/root.json", f->repo);
	snprintf(staged_targets, sizeof(staged_targets), "%s/staged/targets.json", f->repo);
	must(medfw_repo_sign_file(f->ctx, staged_root, NULL, keys[MEDFW_TUF_ROOT], &d), &d);
	must(medfw_repo_sign_file(f->ctx, staged_targets, staged_root, keys[MEDFW_TUF_TARGETS],
				  &d),
	     &d);
	must(medfw_repo_publish(f->ctx, f->repo, keys[MEDFW_TUF_SNAPSHOT],
				keys[MEDFW_TUF_TIMESTAMP], &d),
	     &d);
	for (unsigned r = 0; r < MEDFW_TUF_TOP_ROLES; r++) {
		medfw_privkey_free(keys[r]);
		medfw_pubkey_free(pubs[r]);
	}
	snprintf(f->bundle, sizeof(f->bundle), "%s/%s.bundle", f->dir, name);
	must(medfw_bundle_create(f->ctx, f->repo, TARGET, false, f->bundle, &d), &d);
}

static void write_text(const char *path, const char *text)
{
	tu_write_file(path, text, strlen(text));
}

static void open_agent(struct fx *f, const char *extra)
{
	char text[8192], root[600];
	struct medfw_diag d;

	snprintf(root, sizeof(root), "%s/metadata/1.root.json", f->repo);
	snprintf(text, sizeof(text),
		 "server_url = http://127.0.0.1:9\nallow_http = true\nstate_dir = %s\n"
		 "image_root = %s\nhardware_id = " HWID "\nslot_a = %s\nslot_b = %s\n"
		 "boot_state_file = %s\nbooted_slot_file = %s\nclinical_state_file = %s\n"
		 "health_check = %s\nhealth_check_timeout = 10s\nreboot_command = /bin/true\n%s",
		 f->state_dir, root, f->slot_a, f->slot_b, f->bootstate, f->booted, f->clinical,
		 f->health, extra);
	write_text(f->conf, text);
	medfw_diag_clear(&d);
	memset(&f->cfg, 0, sizeof(f->cfg));
	must(medfw_agent_config_load(f->conf, &f->cfg, &d), &d);
	must(medfw_agent_open(f->ctx, &f->cfg, &f->a, &d), &d);
}

static void close_agent(struct fx *f)
{
	medfw_agent_close(f->a);
	f->a = NULL;
	medfw_agent_config_clear(&f->cfg);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	uint8_t *img = malloc(IMAGE_LEN);
	struct medfw_boot_state bs;
	char text[256];
	char script[1200];

	assert_non_null(f);
	assert_non_null(img);
	f->dir = tu_tmpdir_new();
	f->ctx = medfw_ctx_new();
	for (size_t i = 0; i < IMAGE_LEN; i++)
		img[i] = (uint8_t)(i * 31 + (i >> 9));
	tu_path(f->image, sizeof(f->image), f->dir, "image.bin");
	tu_write_file(f->image, img, IMAGE_LEN);
	free(img);
	build_bundle(f, "0.1.0", 7, "repo");
	tu_path(f->slot_a, sizeof(f->slot_a), f->dir, "slot-a");
	tu_path(f->slot_b, sizeof(f->slot_b), f->dir, "slot-b");
	tu_path(f->bootstate, sizeof(f->bootstate), f->dir, "bootstate");
	tu_path(f->booted, sizeof(f->booted), f->dir, "booted");
	tu_path(f->clinical, sizeof(f->clinical), f->dir, "clinical");
	tu_path(f->health_rc, sizeof(f->health_rc), f->dir, "health-rc");
	tu_path(f->health, sizeof(f->health), f->dir, "health.sh");
	tu_path(f->state_dir, sizeof(f->state_dir), f->dir, "state");
	tu_path(f->conf, sizeof(f->conf), f->dir, "agent.conf");
	write_text(f->slot_a, "factory image");
	write_text(f->slot_b, "");
	medfw_boot_state_initial(&bs);
	assert_int_equal(medfw_boot_state_format(&bs, text, sizeof(text)), MEDFW_OK);
	write_text(f->bootstate, text);
	write_text(f->booted, "A\n");
	write_text(f->clinical, "idle\n");
	write_text(f->health_rc, "0");
	snprintf(script, sizeof(script), "#!/bin/sh\nexit $(cat %s)\n", f->health_rc);
	write_text(f->health, script);
	assert_int_equal(chmod(f->health, 0755), 0);
	open_agent(f, "");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	close_agent(f);
	medfw_ctx_free(f->ctx);
	tu_tmpdir_free(f->dir);
	free(f);
	return 0;
}

static void boot_state(struct fx *f, struct medfw_boot_state *bs)
{
	struct medfw_diag d;

	medfw_diag_clear(&d);
	must(medfw_slot_load(f->a->slots, bs, &d), &d);
}

static enum medfw_slot_id sim_boot(struct fx *f)
{
	enum medfw_slot_id s;
	struct medfw_diag d;

	medfw_diag_clear(&d);
	must(medfw_slot_simulate_boot(f->a->slots, &s, &d), &d);
	return s;
}

static void assert_file_equal(const char *a, const char *b)
{
	struct medfw_buf x, y;

	tu_read_file(a, &x);
	tu_read_file(b, &y);
	assert_int_equal(x.len, y.len);
	assert_memory_equal(x.data, y.data, x.len);
	medfw_buf_free(&x);
	medfw_buf_free(&y);
}

static void assert_untouched(struct fx *f)
{
	struct medfw_boot_state bs;
	struct medfw_buf a;

	boot_state(f, &bs);
	assert_int_equal(bs.order[0], MEDFW_SLOT_A);
	assert_int_equal(bs.left[MEDFW_SLOT_B], 0);
	assert_int_equal(bs.last_good, MEDFW_SLOT_A);
	tu_read_file(f->slot_a, &a);
	assert_int_equal(a.len, strlen("factory image"));
	assert_memory_equal(a.data, "factory image", a.len);
	medfw_buf_free(&a);
	assert_int_equal(f->a->st.upd.phase, PHASE_NONE);
}

static bool outbox_has(struct fx *f, const char *type, const char *check)
{
	for (size_t i = 0; i < json_array_size(f->a->st.outbox); i++) {
		json_t *e = json_array_get(f->a->st.outbox, i);

		if (strcmp(json_string_value(json_object_get(e, "type")), type) == 0 &&
		    (check == NULL ||
		     (json_is_string(json_object_get(e, "check")) &&
		      strcmp(json_string_value(json_object_get(e, "check")), check) == 0)))
			return true;
	}
	return false;
}

static void install(struct fx *f)
{
	enum medfw_agent_outcome o;
	struct medfw_diag d;

	medfw_diag_clear(&d);
	must(medfw_agent_install_bundle(f->a, f->bundle, true, &o, &d), &d);
	assert_int_equal(o, MEDFW_AGENT_REBOOTING);
}

static void test_install_boot_commit(void **state)
{
	struct fx *f = *state;
	struct medfw_boot_state bs;
	enum medfw_agent_outcome o;
	struct medfw_diag d;

	install(f);
	assert_file_equal(f->slot_b, f->image);
	boot_state(f, &bs);
	assert_int_equal(bs.order[0], MEDFW_SLOT_B);
	assert_int_equal(bs.left[MEDFW_SLOT_B], 3);
	assert_int_equal(f->a->st.upd.phase, PHASE_REBOOTING);
	/* the state survives a restart of the agent */
	close_agent(f);
	open_agent(f, "");
	assert_int_equal(f->a->st.upd.phase, PHASE_REBOOTING);
	assert_int_equal(sim_boot(f), MEDFW_SLOT_B);
	medfw_diag_clear(&d);
	must(agent_resume(f->a, &o, &d), &d);
	assert_int_equal(o, MEDFW_AGENT_COMMITTED);
	boot_state(f, &bs);
	assert_int_equal(bs.last_good, MEDFW_SLOT_B);
	assert_int_equal(bs.left[MEDFW_SLOT_B], MEDFW_SLOT_TRIES);
	assert_int_equal(bs.left[MEDFW_SLOT_A], 0); /* below the new minimum */
	assert_int_equal(f->a->st.min_security_version, 7);
	assert_true(f->a->st.slots[MEDFW_SLOT_B].valid);
	assert_string_equal(f->a->st.slots[MEDFW_SLOT_B].version, "4.2.1");
	assert_true(outbox_has(f, "committed", NULL));
	assert_true(outbox_has(f, "verified", NULL));
	/* every later boot of the committed slot resets its tries */
	assert_int_equal(sim_boot(f), MEDFW_SLOT_B);
	must(agent_resume(f->a, &o, &d), &d);
	boot_state(f, &bs);
	assert_int_equal(bs.left[MEDFW_SLOT_B], MEDFW_SLOT_TRIES);
}

static void test_health_failure_rolls_back(void **state)
{
	struct fx *f = *state;
	struct medfw_boot_state bs;
	enum medfw_agent_outcome o;
	struct medfw_diag d;

	install(f);
	write_text(f->health_rc, "4");
	assert_int_equal(sim_boot(f), MEDFW_SLOT_B);
	medfw_diag_clear(&d);
	must(agent_resume(f->a, &o, &d), &d);
	assert_int_equal(o, MEDFW_AGENT_REBOOTING);
	assert_int_equal(f->a->st.upd.phase, PHASE_ROLLING_BACK);
	boot_state(f, &bs);
	assert_int_equal(bs.left[MEDFW_SLOT_B], 0);
	assert_int_equal(sim_boot(f), MEDFW_SLOT_A);
	must(agent_resume(f->a, &o, &d), &d);
	assert_int_equal(o, MEDFW_AGENT_ROLLED_BACK);
	assert_true(outbox_has(f, "rolled_back", "MEDFW_ERR_HEALTH_CHECK"));
	assert_int_equal(f->a->st.min_security_version, 0);
	assert_untouched(f);
}

static void test_bootloader_fallback(void **state)
{
	struct fx *f = *state;
	enum medfw_agent_outcome o;
	struct medfw_diag d;

	install(f);
	for (int i = 0; i < 3; i++)
		assert_int_equal(sim_boot(f), MEDFW_SLOT_B); /* the agent never gets to run */
	assert_int_equal(sim_boot(f), MEDFW_SLOT_A);
	medfw_diag_clear(&d);
	must(agent_resume(f->a, &o, &d), &d);
	assert_int_equal(o, MEDFW_AGENT_ROLLED_BACK);
	assert_true(outbox_has(f, "rolled_back", "BOOT"));
	assert_untouched(f);
}

static void test_interrupted_write_starts_over(void **state)
{
	struct fx *f = *state;
	enum medfw_agent_outcome o;
	struct medfw_diag d;

	/* as a power loss in the middle of the write leaves it */
	f->a->st.upd.phase = PHASE_WRITING;
	f->a->st.upd.from = MEDFW_SLOT_A;
	f->a->st.upd.to = MEDFW_SLOT_B;
	snprintf(f->a->st.upd.source, sizeof(f->a->st.upd.source), "server");
	write_text(f->slot_b, "half an ima");
	medfw_diag_clear(&d);
	must(agent_save(f->a, &d), &d);
	close_agent(f);
	open_agent(f, "");
	must(agent_resume(f->a, &o, &d), &d);
	assert_int_equal(o, MEDFW_AGENT_FAILED);
	assert_true(outbox_has(f, "failed", "INTERRUPTED"));
	assert_untouched(f);
	/* and the next install goes through */
	install(f);
	assert_file_equal(f->slot_b, f->image);
}

static void refused(struct fx *f, enum medfw_err want)
{
	enum medfw_agent_outcome o;
	struct medfw_diag d;

	medfw_diag_clear(&d);
	assert_int_equal(medfw_agent_install_bundle(f->a, f->bundle, true, &o, &d), want);
	assert_true(strlen(d.msg) > 0);
	assert_untouched(f);
}

static void test_refusals(void **state)
{
	struct fx *f = *state;
	struct medfw_buf b;

	/* wrong hardware */
	close_agent(f);
	{
		char text[4096];
		struct medfw_buf conf;

		open_agent(f, "");
		close_agent(f);
		tu_read_file(f->conf, &conf);
		snprintf(text, sizeof(text), "%.*s", (int)conf.len, (const char *)conf.data);
		medfw_buf_free(&conf);
		*strstr(text, HWID) = 'X';
		write_text(f->conf, text);
		memset(&f->cfg, 0, sizeof(f->cfg));
		{
			struct medfw_diag d;

			medfw_diag_clear(&d);
			must(medfw_agent_config_load(f->conf, &f->cfg, &d), &d);
			must(medfw_agent_open(f->ctx, &f->cfg, &f->a, &d), &d);
		}
	}
	refused(f, MEDFW_ERR_HARDWARE);
	close_agent(f);
	open_agent(f, "");
	/* the notice lists UDI-DIs, not this device's */
	close_agent(f);
	open_agent(f, "udi_di = 00012345678905\n");
	refused(f, MEDFW_ERR_HARDWARE);
	close_agent(f);
	open_agent(f, "udi_di = 09506000134352\n"); /* listed: not a refusal reason */
	/* security version below the stored minimum */
	f->a->st.min_security_version = 8;
	refused(f, MEDFW_ERR_SECURITY_VERSION);
	f->a->st.min_security_version = 0;
	/* in clinical use, or unknown */
	write_text(f->clinical, "in_use\n");
	refused(f, MEDFW_ERR_STATE);
	write_text(f->clinical, "surgery?\n");
	refused(f, MEDFW_ERR_STATE);
	write_text(f->clinical, "idle\n");
	/* a tampered image: the slot was written, but stays unbootable */
	tu_read_file(f->bundle, &b);
	b.data[b.len - 100] ^= 1;
	tu_write_file(f->bundle, b.data, b.len);
	medfw_buf_free(&b);
	refused(f, MEDFW_ERR_HASH_MISMATCH);
	assert_true(outbox_has(f, "failed", "MEDFW_ERR_HASH_MISMATCH"));
	/* a bundle signed by another repository's keys: not this device's trusted root */
	build_bundle(f, "0.1.0", 7, "repo-other");
	refused(f, MEDFW_ERR_THRESHOLD);
}

static void test_state_is_strict(void **state)
{
	struct fx *f = *state;
	char path[600];
	struct medfw_diag d;
	struct medfw_buf text;
	char bad[8192];

	medfw_diag_clear(&d);
	must(agent_save(f->a, &d), &d);
	close_agent(f);
	snprintf(path, sizeof(path), "%s/state.json", f->state_dir);
	tu_read_file(path, &text);
	snprintf(bad, sizeof(bad), "{\"surprise\":1,%.*s", (int)text.len - 1,
		 (const char *)text.data + 1);
	medfw_buf_free(&text);
	write_text(path, bad);
	memset(&f->cfg, 0, sizeof(f->cfg));
	must(medfw_agent_config_load(f->conf, &f->cfg, &d), &d);
	assert_int_equal(medfw_agent_open(f->ctx, &f->cfg, &f->a, &d), MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(d.msg, "surprise"));
	write_text(path, "{\"format\":1}");
	medfw_diag_clear(&d);
	assert_int_equal(medfw_agent_open(f->ctx, &f->cfg, &f->a, &d), MEDFW_ERR_FIELD_MISSING);
	unlink(path);
	medfw_diag_clear(&d);
	must(medfw_agent_open(f->ctx, &f->cfg, &f->a, &d), &d);
}

static void test_second_agent_refused(void **state)
{
	struct fx *f = *state;
	struct medfw_agent *b = NULL;
	struct medfw_diag d;

	medfw_diag_clear(&d);
	assert_int_equal(medfw_agent_open(f->ctx, &f->cfg, &b, &d), MEDFW_ERR_STATE);
	assert_null(b);
	assert_non_null(strstr(d.msg, "another medfw-agent"));
}

static void test_version_cmp(void **state)
{
	int c = 9;

	(void)state;
	assert_int_equal(medfw_agent_version_cmp("1.10.0", "1.9", &c), MEDFW_OK);
	assert_int_equal(c, 1);
	assert_int_equal(medfw_agent_version_cmp("0.1.0", "1.3.0", &c), MEDFW_OK);
	assert_int_equal(c, -1);
	assert_int_equal(medfw_agent_version_cmp("1.2", "1.2.0", &c), MEDFW_OK);
	assert_int_equal(c, 0);
	assert_int_equal(medfw_agent_version_cmp("1.2.0.1", "1.2", &c), MEDFW_OK);
	assert_int_equal(c, 1);
	assert_int_equal(medfw_agent_version_cmp("1.2", "1.2.0.1", &c), MEDFW_OK);
	assert_int_equal(c, -1);
	assert_int_equal(medfw_agent_version_cmp("1.2-rc1", "1.2", &c), MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_agent_version_cmp("", "1", &c), MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_agent_version_cmp("1..2", "1", &c), MEDFW_ERR_FIELD_VALUE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_install_boot_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_health_failure_rolls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bootloader_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interrupted_write_starts_over, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_is_strict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_agent_refused, setup, teardown),
		cmocka_unit_test(test_version_cmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
