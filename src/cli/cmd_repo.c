/* medfw repo init | sign | publish | status | rotate-root, medfw release add */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "medfw/json.h"
#include "medfw/num.h"
#include "medfw/repo.h"

#define NOTICE_FILE_MAX (1024u * 1024u)

static const int64_t default_expiry_days[MEDFW_TUF_TOP_ROLES] = {365, 1, 7, 180};

/* "ROLE=VALUE" -> role and value. */
static int split_role(const char *arg, enum medfw_tuf_role_type *role, const char **value)
{
	const char *eq = strchr(arg, '=');
	char name[16];

	if (eq == NULL || (size_t)(eq - arg) >= sizeof(name))
		return -1;
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = 0;
	*value = eq + 1;
	return medfw_tuf_role_parse(name, role) == MEDFW_OK ? 0 : -1;
}

int cmd_repo_init(struct cli *cli, int argc, char **argv)
{
	enum { O_ROOT = 256, O_TARGETS, O_SNAPSHOT, O_TIMESTAMP, O_ROOT_T, O_TARGETS_T, O_EXPIRES,
	       O_NO_CS, O_REPO };
	static const struct option opts[] = {
		{"repo", required_argument, NULL, O_REPO},
		{"root-key", required_argument, NULL, O_ROOT},
		{"targets-key", required_argument, NULL, O_TARGETS},
		{"snapshot-key", required_argument, NULL, O_SNAPSHOT},
		{"timestamp-key", required_argument, NULL, O_TIMESTAMP},
		{"root-threshold", required_argument, NULL, O_ROOT_T},
		{"targets-threshold", required_argument, NULL, O_TARGETS_T},
		{"expires", required_argument, NULL, O_EXPIRES},
		{"no-consistent-snapshot", no_argument, NULL, O_NO_CS},
		{NULL, 0, NULL, 0},
	};
	struct medfw_repo_init_opts init = {.consistent_snapshot = 1};
	struct medfw_pubkey *owned[MEDFW_TUF_TOP_ROLES * MEDFW_REPO_MAX_KEYS_PER_ROLE];
	size_t owned_count = 0;
	const char *repo = NULL;
	struct medfw_diag diag;
	enum medfw_err err = MEDFW_OK;
	int c, rc = CLI_EXIT_FAIL;

	medfw_diag_clear(&diag);
	for (unsigned i = 0; i < MEDFW_TUF_TOP_ROLES; i++) {
		init.roles[i].threshold = 1;
		init.roles[i].expires_seconds = default_expiry_days[i] * 86400;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		enum medfw_tuf_role_type role;
		const char *value;
		uint64_t n;

		switch (c) {
		case O_REPO: repo = optarg; break;
		case O_ROOT: case O_TARGETS: case O_SNAPSHOT: case O_TIMESTAMP: {
			static const enum medfw_tuf_role_type map[] = {MEDFW_TUF_ROOT, MEDFW_TUF_TARGETS,
								       MEDFW_TUF_SNAPSHOT,
								       MEDFW_TUF_TIMESTAMP};
			struct medfw_repo_role_init *r = &init.roles[map[c - O_ROOT]];

			if (r->key_count == MEDFW_REPO_MAX_KEYS_PER_ROLE) {
				rc = cli_usage_error("repo init", "too many keys for one role");
				goto out;
			}
			err = cli_load_pubkey(optarg, &owned[owned_count], &diag);
			if (err != MEDFW_OK) {
				rc = cli_fail("repo init", err, &diag);
				goto out;
			}
			r->keys[r->key_count++] = owned[owned_count++];
			break;
		}
		case O_ROOT_T: case O_TARGETS_T:
			if (medfw_parse_u64(optarg, 1, MEDFW_REPO_MAX_KEYS_PER_ROLE, &n) != MEDFW_OK) {
				rc = cli_usage_error("repo init", "bad threshold '%s'", optarg);
				goto out;
			}
			init.roles[c == O_ROOT_T ? MEDFW_TUF_ROOT : MEDFW_TUF_TARGETS].threshold =
				(int64_t)n;
			break;
		case O_EXPIRES:
			if (split_role(optarg, &role, &value) != 0 ||
			    medfw_parse_u64(value, 1, 36600, &n) != MEDFW_OK) {
				rc = cli_usage_error("repo init", "--expires takes ROLE=DAYS, not '%s'",
						     optarg);
				goto out;
			}
			init.roles[role].expires_seconds = (int64_t)n * 86400;
			break;
		case O_NO_CS: init.consistent_snapshot = 0; break;
		default: rc = cli_usage_error("repo init", "unknown option"); goto out;
		}
	}
	if (optind != argc || repo == NULL) {
		rc = cli_usage_error("repo init", optind != argc ? "unexpected argument" : "--repo is required");
		goto out;
	}
	for (unsigned i = 0; i < MEDFW_TUF_TOP_ROLES; i++) {
		if (init.roles[i].key_count == 0) {
			rc = cli_usage_error("repo init", "--%s-key is required",
					     medfw_tuf_role_name((enum medfw_tuf_role_type)i));
			goto out;
		}
	}
	err = medfw_repo_init(cli->ctx, repo, &init, &diag);
	if (err != MEDFW_OK) {
		rc = cli_fail("repo init", err, &diag);
		goto out;
	}
	printf("Repository created in %s.\nNext: sign %s/staged/root.json with %lld root key(s) "
	       "(medfw repo sign --repo %s --role root --key KEY), add releases, then publish.\n",
	       repo, repo, (long long)init.roles[MEDFW_TUF_ROOT].threshold, repo);
	rc = CLI_EXIT_OK;
out:
	for (size_t i = 0; i < owned_count; i++)
		medfw_pubkey_free(owned[i]);
	return rc;
}

int cmd_release_add(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"repo", required_argument, NULL, 'r'},
		{"image", required_argument, NULL, 'i'},
		{"notice", required_argument, NULL, 'n'},
		{"name", required_argument, NULL, 't'},
		{NULL, 0, NULL, 0},
	};
	const char *repo = NULL, *image = NULL, *notice_path = NULL, *name = NULL;
	struct medfw_diag diag;
	struct medfw_buf b;
	json_t *notice = NULL;
	enum medfw_err err;
	int c;

	medfw_diag_clear(&diag);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': repo = optarg; break;
		case 'i': image = optarg; break;
		case 'n': notice_path = optarg; break;
		case 't': name = optarg; break;
		default: return cli_usage_error("release add", "unknown option");
		}
	}
	if (optind != argc || repo == NULL || image == NULL || notice_path == NULL)
		return cli_usage_error("release add", "--repo, --image and --notice are required");
	if (name == NULL) {
		name = strrchr(image, '/');
		name = name != NULL ? name + 1 : image;
	}
	err = medfw_file_read(notice_path, NOTICE_FILE_MAX, &b, &diag);
	if (err == MEDFW_OK) {
		err = medfw_json_parse(b.data, b.len, NOTICE_FILE_MAX, 16, &notice, &diag);
		medfw_buf_free(&b);
	}
	if (err == MEDFW_OK)
		err = medfw_repo_add_release(cli->ctx, repo, image, name, notice, &diag);
	json_decref(notice);
	if (err != MEDFW_OK)
		return cli_fail("release add", err, &diag);
	printf("Staged release %s in %s/staged/targets.json: it needs the targets signatures "
	       "(medfw repo sign --repo %s --role targets --key KEY), then medfw repo publish.\n",
	       name, repo, repo);
	return CLI_EXIT_OK;
}

static enum medfw_err describe_file(const char *path, struct medfw_diag *diag)
{
	struct medfw_buf b, text;
	struct medfw_tuf_meta *meta = NULL;
	enum medfw_err err;
	json_t *doc = NULL;
	enum medfw_tuf_role_type type = MEDFW_TUF_TARGETS;
	const char *t;

	err = medfw_file_read(path, MEDFW_TUF_TARGETS_MAX_LEN, &b, diag);
	if (err != MEDFW_OK)
		return err;
	err = medfw_json_parse(b.data, b.len, b.max, MEDFW_TUF_MAX_DEPTH, &doc, diag);
	t = json_string_value(json_object_get(json_object_get(doc, "signed"), "_type"));
	if (err == MEDFW_OK && (t == NULL || medfw_tuf_role_parse(t, &type) != MEDFW_OK))
		err = medfw_diag_set(diag, MEDFW_ERR_ROLE_TYPE, "%s: not TUF metadata", path);
	json_decref(doc);
	if (err == MEDFW_OK)
		err = medfw_tuf_meta_parse_unverified(b.data, b.len, b.max, type, &meta, diag);
	medfw_buf_free(&b);
	medfw_buf_init(&text, 1024 * 1024);
	if (err == MEDFW_OK)
		err = medfw_repo_describe(meta, &text, diag);
	if (err == MEDFW_OK)
		printf("You are signing %s:\n%s", path, (const char *)text.data);
	medfw_buf_free(&text);
	medfw_tuf_meta_free(meta);
	return err;
}

int cmd_repo_sign(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"repo", required_argument, NULL, 'r'},
		{"role", required_argument, NULL, 'o'},
		{"file", required_argument, NULL, 'f'},
		{"root", required_argument, NULL, 'R'},
		{"key", required_argument, NULL, 'k'},
		{"passphrase-file", required_argument, NULL, 'p'},
		{NULL, 0, NULL, 0},
	};
	const char *repo = NULL, *role = NULL, *file = NULL, *root = NULL, *key_path = NULL,
		   *pass_file = NULL;
	char file_buf[PATH_MAX];
	struct medfw_privkey *key = NULL;
	struct medfw_diag diag;
	enum medfw_err err;
	int c;

	medfw_diag_clear(&diag);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': repo = optarg; break;
		case 'o': role = optarg; break;
		case 'f': file = optarg; break;
		case 'R': root = optarg; break;
		case 'k': key_path = optarg; break;
		case 'p': pass_file = optarg; break;
		default: return cli_usage_error("repo sign", "unknown option");
		}
	}
	if (optind != argc || key_path == NULL || (repo == NULL) == (file == NULL))
		return cli_usage_error("repo sign", "give --key and either --repo with --role, or --file");
	if (repo != NULL && root != NULL)
		return cli_usage_error("repo sign", "--root goes with --file; --repo finds its root");
	if (repo != NULL) {
		char rel[32];

		if (role == NULL || (strcmp(role, "root") != 0 && strcmp(role, "targets") != 0))
			return cli_usage_error("repo sign", "--role must be root or targets");
		snprintf(rel, sizeof(rel), "staged/%s.json", role);
		if (medfw_repo_path(repo, rel, file_buf, sizeof(file_buf)) != MEDFW_OK)
			return cli_usage_error("repo sign", "--repo path too long");
		file = file_buf;
	}
	err = describe_file(file, &diag);
	if (err == MEDFW_OK)
		err = cli_load_privkey(key_path, pass_file, &key, &diag);
	if (err == MEDFW_OK && repo != NULL)
		err = medfw_repo_sign_staged(cli->ctx, repo,
					     strcmp(role, "root") == 0 ? MEDFW_TUF_ROOT
								       : MEDFW_TUF_TARGETS,
					     key, &diag);
	else if (err == MEDFW_OK)
		err = medfw_repo_sign_file(cli->ctx, file, root, key, &diag);
	medfw_privkey_free(key);
	if (err != MEDFW_OK)
		return cli_fail("repo sign", err, &diag);
	printf("Signed %s.\n", file);
	return CLI_EXIT_OK;
}

int cmd_repo_publish(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"repo", required_argument, NULL, 'r'},
		{"snapshot-key", required_argument, NULL, 's'},
		{"timestamp-key", required_argument, NULL, 't'},
		{"snapshot-passphrase-file", required_argument, NULL, 'S'},
		{"timestamp-passphrase-file", required_argument, NULL, 'T'},
		{NULL, 0, NULL, 0},
	};
	const char *repo = NULL, *skey = NULL, *tkey = NULL, *spass = NULL, *tpass = NULL;
	struct medfw_privkey *snapshot = NULL, *timestamp = NULL;
	struct medfw_diag diag;
	enum medfw_err err;
	json_t *status = NULL;
	int c;

	medfw_diag_clear(&diag);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': repo = optarg; break;
		case 's': skey = optarg; break;
		case 't': tkey = optarg; break;
		case 'S': spass = optarg; break;
		case 'T': tpass = optarg; break;
		default: return cli_usage_error("repo publish", "unknown option");
		}
	}
	if (optind != argc || repo == NULL || skey == NULL || tkey == NULL)
		return cli_usage_error("repo publish",
				       "--repo, --snapshot-key and --timestamp-key are required");
	err = cli_load_privkey(skey, spass, &snapshot, &diag);
	if (err == MEDFW_OK)
		err = cli_load_privkey(tkey, tpass, &timestamp, &diag);
	if (err == MEDFW_OK)
		err = medfw_repo_publish(cli->ctx, repo, snapshot, timestamp, &diag);
	if (err == MEDFW_OK)
		err = medfw_repo_status(cli->ctx, repo, &status, &diag);
	medfw_privkey_free(snapshot);
	medfw_privkey_free(timestamp);
	if (err != MEDFW_OK)
		return cli_fail("repo publish", err, &diag);
	{
		json_t *p = json_object_get(status, "published");

		printf("Published %s/metadata: root %lld, targets %lld, snapshot %lld, timestamp "
		       "%lld.\n",
		       repo,
		       (long long)json_integer_value(json_object_get(json_object_get(p, "root"), "version")),
		       (long long)json_integer_value(json_object_get(json_object_get(p, "targets"), "version")),
		       (long long)json_integer_value(json_object_get(json_object_get(p, "snapshot"), "version")),
		       (long long)json_integer_value(json_object_get(json_object_get(p, "timestamp"), "version")));
	}
	json_decref(status);
	return CLI_EXIT_OK;
}

static void print_sig_line(const char *what, const json_t *s)
{
	printf("  %s: %lld of %lld required signatures\n", what,
	       (long long)json_integer_value(json_object_get(s, "valid_signatures")),
	       (long long)json_integer_value(json_object_get(s, "threshold")));
}

int cmd_repo_status(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"repo", required_argument, NULL, 'r'},
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	const char *repo = NULL;
	int as_json = 0, c, rc;
	struct medfw_diag diag;
	json_t *status = NULL, *v, *staged, *targets;
	const char *name;
	enum medfw_err err;

	medfw_diag_clear(&diag);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': repo = optarg; break;
		case 'j': as_json = 1; break;
		default: return cli_usage_error("repo status", "unknown option");
		}
	}
	if (optind != argc || repo == NULL)
		return cli_usage_error("repo status", "--repo is required");
	err = medfw_repo_status(cli->ctx, repo, &status, &diag);
	if (err != MEDFW_OK)
		return cli_fail("repo status", err, &diag);
	if (as_json) {
		rc = cli_print_json(status);
		json_decref(status);
		return rc;
	}
	printf("Repository %s\nPublished:\n", repo);
	json_object_foreach(json_object_get(status, "published"), name, v)
		printf("  %-9s version %lld, expires %s%s\n", name,
		       (long long)json_integer_value(json_object_get(v, "version")),
		       json_string_value(json_object_get(v, "expires")),
		       json_is_true(json_object_get(v, "expired")) ? "  EXPIRED" : "");
	if (json_object_size(json_object_get(status, "published")) == 0)
		printf("  nothing yet\n");
	staged = json_object_get(status, "staged");
	printf("Staged:\n");
	if (json_object_size(staged) == 0)
		printf("  nothing\n");
	v = json_object_get(staged, "root");
	if (v != NULL) {
		printf("  root version %lld\n", (long long)json_integer_value(json_object_get(v, "version")));
		print_sig_line("root keys of the new root", json_object_get(v, "own_keys"));
		if (json_object_get(v, "previous_root_keys") != NULL)
			print_sig_line("root keys of the current root",
				       json_object_get(v, "previous_root_keys"));
	}
	v = json_object_get(staged, "targets");
	if (v != NULL) {
		printf("  targets version %lld\n",
		       (long long)json_integer_value(json_object_get(v, "version")));
		if (json_object_get(v, "signatures") != NULL)
			print_sig_line("targets keys", json_object_get(v, "signatures"));
	}
	v = json_object_get(status, "audit");
	printf("Audit trail: %lld records, %s\n",
	       (long long)json_integer_value(json_object_get(v, "records")),
	       json_string_value(json_object_get(v, "detail")));
	targets = json_object_get(status, "targets");
	printf("Targets (%zu):\n", json_array_size(targets));
	for (size_t i = 0; i < json_array_size(targets); i++) {
		json_t *t = json_array_get(targets, i);

		printf("  %s  %lld bytes%s\n", json_string_value(json_object_get(t, "name")),
		       (long long)json_integer_value(json_object_get(t, "length")),
		       json_is_true(json_object_get(t, "published")) ? "" : "  (staged)");
	}
	json_decref(status);
	return CLI_EXIT_OK;
}

int cmd_repo_rotate_root(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"repo", required_argument, NULL, 'r'},
		{"add-key", required_argument, NULL, 'a'},
		{"remove-key", required_argument, NULL, 'd'},
		{"threshold", required_argument, NULL, 't'},
		{NULL, 0, NULL, 0},
	};
	const char *repo = NULL;
	struct medfw_diag diag;
	json_t *root = NULL;
	enum medfw_err err = MEDFW_OK;
	int c, changes = 0;

	medfw_diag_clear(&diag);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if (c == 'r')
			repo = optarg;
		else if (c == '?')
			return cli_usage_error("repo rotate-root", "unknown option");
	if (optind != argc || repo == NULL)
		return cli_usage_error("repo rotate-root", "--repo is required");
	err = medfw_repo_stage_root(cli->ctx, repo, &root, &diag);
	if (err != MEDFW_OK)
		return cli_fail("repo rotate-root", err, &diag);
	optind = 1;
	while (err == MEDFW_OK && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		enum medfw_tuf_role_type role;
		const char *value;
		uint64_t n;
		struct medfw_pubkey *key = NULL;

		if (c == 'r')
			continue;
		if (split_role(optarg, &role, &value) != 0) {
			json_decref(root);
			return cli_usage_error("repo rotate-root", "expected ROLE=VALUE, not '%s'", optarg);
		}
		changes++;
		if (c == 'a') {
			err = cli_load_pubkey(value, &key, &diag);
			if (err == MEDFW_OK)
				err = medfw_repo_root_add_key(root, role, key, &diag);
			medfw_pubkey_free(key);
		} else if (c == 'd') {
			err = medfw_repo_root_remove_key(root, role, value, &diag);
		} else if (medfw_parse_u64(value, 1, MEDFW_REPO_MAX_KEYS_PER_ROLE, &n) != MEDFW_OK) {
			json_decref(root);
			return cli_usage_error("repo rotate-root", "bad threshold '%s'", value);
		} else {
			err = medfw_repo_root_set_threshold(root, role, (int64_t)n, &diag);
		}
	}
	if (err == MEDFW_OK && changes == 0)
		err = medfw_diag_set(&diag, MEDFW_ERR_USAGE, "nothing to change: give --add-key, "
							   "--remove-key or --threshold");
	if (err == MEDFW_OK)
		err = medfw_repo_save_staged_root(cli->ctx, repo, root, &diag);
	if (err == MEDFW_OK)
		printf("Staged root version %lld in %s/staged/root.json: it needs the threshold of "
		       "the current root keys and of the new root keys (medfw repo sign --role root), "
		       "then medfw repo publish.\n",
		       (long long)json_integer_value(json_object_get(root, "version")), repo);
	json_decref(root);
	if (err != MEDFW_OK)
		return cli_fail("repo rotate-root", err, &diag);
	return CLI_EXIT_OK;
}
