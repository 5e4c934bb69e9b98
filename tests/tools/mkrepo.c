/* Test-only: make a published repository with one release, for the end-to-end tests
 * of bundles (until they can drive `medfw repo ...`).
 *   mkrepo REPO IMAGE TARGET NOTICE.json [--targets-keys N] [--targets-threshold T]
 *          [--rotate-root] [--bad-notice]
 * Keys are ed25519, generated in memory and thrown away. --rotate-root publishes root
 * version 2 with a new root key. --bad-notice re-signs the published targets with a
 * release notice that does not validate (security_version -1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/json.h"
#include "medfw/repo.h"

static struct medfw_ctx *ctx;
static struct medfw_diag diag;

static void must(enum medfw_err err, const char *what)
{
	if (err != MEDFW_OK) {
		fprintf(stderr, "mkrepo: %s: %s\n", what, medfw_diag_message(&diag, err));
		exit(1);
	}
}

int main(int argc, char **argv)
{
	struct medfw_privkey *keys[4][3] = {{0}}, *newroot = NULL;
	struct medfw_pubkey *pub = NULL;
	struct medfw_repo_init_opts opts;
	size_t tkeys = 1;
	int64_t tthr = 1;
	int rotate = 0, bad_notice = 0;
	char p1[4096], p2[4096];
	json_error_t jerr;
	json_t *notice;

	if (argc < 5) {
		fprintf(stderr, "usage: mkrepo REPO IMAGE TARGET NOTICE.json [options]\n");
		return 2;
	}
	for (int i = 5; i < argc; i++) {
		if (strcmp(argv[i], "--targets-keys") == 0 && i + 1 < argc)
			tkeys = (size_t)(argv[++i][0] - '0');
		else if (strcmp(argv[i], "--targets-threshold") == 0 && i + 1 < argc)
			tthr = argv[++i][0] - '0';
		else if (strcmp(argv[i], "--rotate-root") == 0)
			rotate = 1;
		else if (strcmp(argv[i], "--bad-notice") == 0)
			bad_notice = 1;
		else
			return 2;
	}
	if (tkeys < 1 || tkeys > 3 || tthr < 1 || tthr > (int64_t)tkeys)
		return 2;
	ctx = medfw_ctx_new();
	notice = json_load_file(argv[4], 0, &jerr);
	if (ctx == NULL || notice == NULL)
		return 1;
	memset(&opts, 0, sizeof(opts));
	for (unsigned r = 0; r < MEDFW_TUF_TOP_ROLES; r++) {
		size_t n = r == MEDFW_TUF_TARGETS ? tkeys : 1;

		for (size_t k = 0; k < n; k++) {
			must(medfw_privkey_generate(MEDFW_KEY_ED25519, &keys[r][k], &diag), "keygen");
			must(medfw_privkey_public(keys[r][k], &pub, &diag), "public key");
			opts.roles[r].keys[k] = pub;
		}
		opts.roles[r].key_count = n;
		opts.roles[r].threshold = r == MEDFW_TUF_TARGETS ? tthr : 1;
		opts.roles[r].expires_seconds = 365 * 86400;
	}
	must(medfw_repo_init(ctx, argv[1], &opts, &diag), "init");
	must(medfw_repo_add_release(ctx, argv[1], argv[2], argv[3], notice, &diag), "release add");
	snprintf(p1, sizeof(p1), "%s/staged/root.json", argv[1]);
	snprintf(p2, sizeof(p2), "%s/staged/targets.json", argv[1]);
	must(medfw_repo_sign_file(ctx, p1, NULL, keys[MEDFW_TUF_ROOT][0], &diag), "sign root");
	for (int64_t k = 0; k < tthr; k++)
		must(medfw_repo_sign_file(ctx, p2, p1, keys[MEDFW_TUF_TARGETS][k], &diag),
		     "sign targets");
	must(medfw_repo_publish(ctx, argv[1], keys[MEDFW_TUF_SNAPSHOT][0],
				keys[MEDFW_TUF_TIMESTAMP][0], &diag),
	     "publish");
	if (rotate) {
		json_t *signed_root = NULL;
		struct medfw_pubkey *np = NULL, *op = NULL;

		must(medfw_privkey_generate(MEDFW_KEY_ED25519, &newroot, &diag), "keygen");
		must(medfw_privkey_public(newroot, &np, &diag), "public key");
		must(medfw_privkey_public(keys[MEDFW_TUF_ROOT][0], &op, &diag), "public key");
		must(medfw_repo_stage_root(ctx, argv[1], &signed_root, &diag), "stage root");
		must(medfw_repo_root_add_key(signed_root, MEDFW_TUF_ROOT, np, &diag), "add key");
		must(medfw_repo_root_remove_key(signed_root, MEDFW_TUF_ROOT, medfw_pubkey_keyid(op),
						&diag),
		     "remove key");
		must(medfw_repo_save_staged_root(ctx, argv[1], signed_root, &diag), "save root");
		snprintf(p2, sizeof(p2), "%s/metadata/1.root.json", argv[1]);
		must(medfw_repo_sign_file(ctx, p1, p2, keys[MEDFW_TUF_ROOT][0], &diag), "sign old");
		must(medfw_repo_sign_file(ctx, p1, p2, newroot, &diag), "sign new");
		must(medfw_repo_publish(ctx, argv[1], keys[MEDFW_TUF_SNAPSHOT][0],
					keys[MEDFW_TUF_TIMESTAMP][0], &diag),
		     "publish root 2");
		json_decref(signed_root);
		medfw_pubkey_free(np);
		medfw_pubkey_free(op);
	}
	if (bad_notice) {
		/* Re-sign the published targets (same version) with a broken notice. */
		struct medfw_buf out;
		json_t *doc, *t, *env;
		const char *name;

		snprintf(p2, sizeof(p2), "%s/metadata/targets.json", argv[1]);
		doc = json_load_file(p2, 0, &jerr);
		if (doc == NULL)
			return 1;
		json_object_foreach(json_object_get(json_object_get(doc, "signed"), "targets"), name, t)
			json_object_set_new(json_object_get(json_object_get(json_object_get(t, "custom"),
									    "medfw"),
							    "release_notice"),
					    "security_version", json_integer(-1));
		env = medfw_tuf_envelope_new(json_object_get(doc, "signed"));
		for (int64_t k = 0; k < tthr; k++)
			must(medfw_tuf_envelope_sign(env, keys[MEDFW_TUF_TARGETS][k], &diag), "sign");
		medfw_buf_init(&out, MEDFW_TUF_TARGETS_MAX_LEN);
		must(medfw_tuf_envelope_serialize(env, &out, &diag), "serialize");
		must(medfw_file_write_atomic(p2, out.data, out.len, 0644, &diag), "write");
		snprintf(p2, sizeof(p2), "%s/metadata/%lld.targets.json", argv[1],
			 (long long)json_integer_value(
				 json_object_get(json_object_get(doc, "signed"), "version")));
		must(medfw_file_write_atomic(p2, out.data, out.len, 0644, &diag), "write");
		medfw_buf_free(&out);
		json_decref(env);
		json_decref(doc);
	}
	for (unsigned r = 0; r < MEDFW_TUF_TOP_ROLES; r++)
		for (size_t k = 0; k < opts.roles[r].key_count; k++) {
			medfw_pubkey_free((struct medfw_pubkey *)(uintptr_t)opts.roles[r].keys[k]);
			medfw_privkey_free(keys[r][k]);
		}
	medfw_privkey_free(newroot);
	json_decref(notice);
	medfw_ctx_free(ctx);
	return 0;
}
