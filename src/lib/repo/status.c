/* Repository status: what is staged, who signed, what expires when. */
#include <stdio.h>
#include <string.h>

#include "medfw/json.h"
#include "medfw/num.h"
#include "repo_internal.h"

static json_t *time_or_null(int64_t t)
{
	json_t *j = medfw_tuf_time_json(t);

	return j != NULL ? j : json_null();
}

/* Signatures of `meta` toward `role`: which listed keys signed validly. */
static json_t *signature_status(const struct medfw_tuf_meta *meta,
				const struct medfw_tuf_keyring *keys,
				const struct medfw_tuf_role_keys *role)
{
	json_t *signed_by = json_array(), *missing = json_array();

	for (size_t i = 0; signed_by != NULL && missing != NULL && i < role->keyid_count; i++) {
		struct medfw_tuf_role_keys one = {role->name, &role->keyids[i], 1, 1};

		json_array_append_new(medfw_tuf_meta_count_valid(meta, keys, &one) == 1 ? signed_by
											 : missing,
				      json_string(role->keyids[i]));
	}
	return json_pack("{s:I, s:I, s:o, s:o}", "valid_signatures",
			 (json_int_t)json_array_size(signed_by), "threshold",
			 (json_int_t)role->threshold, "signed_by", signed_by, "missing", missing);
}

static json_t *meta_summary(const struct medfw_tuf_meta *m)
{
	return json_pack("{s:I, s:o}", "version", (json_int_t)m->version, "expires",
			 time_or_null(m->expires));
}

enum medfw_err medfw_repo_status(struct medfw_ctx *ctx, const char *dir, json_t **out,
				 struct medfw_diag *diag)
{
	static const char *const published_files[MEDFW_TUF_TOP_ROLES] = {
		"metadata/root.json", "metadata/timestamp.json", "metadata/snapshot.json",
		"metadata/targets.json"};
	struct medfw_tuf_meta *pub[MEDFW_TUF_TOP_ROLES] = {0}, *staged_root = NULL,
			      *staged_targets = NULL;
	struct repo_settings settings;
	json_t *doc = NULL, *published, *staged, *targets;
	const struct medfw_tuf_meta *root, *tlist;
	int64_t now = medfw_ctx_now(ctx);
	enum medfw_err err;

	*out = NULL;
	err = medfwi_repo_load_settings(dir, &settings, diag);
	for (unsigned i = 0; err == MEDFW_OK && i < MEDFW_TUF_TOP_ROLES; i++)
		err = medfwi_repo_load_meta(dir, published_files[i], (enum medfw_tuf_role_type)i, 1,
					    &pub[i], diag);
	if (err == MEDFW_OK)
		err = medfwi_repo_load_meta(dir, "staged/root.json", MEDFW_TUF_ROOT, 1, &staged_root,
					    diag);
	if (err == MEDFW_OK)
		err = medfwi_repo_load_meta(dir, "staged/targets.json", MEDFW_TUF_TARGETS, 1,
					    &staged_targets, diag);
	if (err != MEDFW_OK)
		goto out;
	doc = json_object();
	published = json_object();
	staged = json_object();
	targets = json_array();
	if (doc == NULL || published == NULL || staged == NULL || targets == NULL) {
		json_decref(published);
		json_decref(staged);
		json_decref(targets);
		err = MEDFW_ERR_NOMEM;
		goto out;
	}
	json_object_set_new(doc, "published", published);
	json_object_set_new(doc, "staged", staged);
	json_object_set_new(doc, "targets", targets);
	json_object_set_new(doc, "now", time_or_null(now));
	for (unsigned i = 0; i < MEDFW_TUF_TOP_ROLES; i++) {
		json_t *s;

		if (pub[i] == NULL)
			continue;
		s = meta_summary(pub[i]);
		json_object_set_new(s, "expired", json_boolean(medfw_tuf_meta_is_expired(pub[i], now)));
		json_object_set_new(published, medfw_tuf_role_name((enum medfw_tuf_role_type)i), s);
	}
	root = staged_root != NULL ? staged_root : pub[MEDFW_TUF_ROOT];
	if (staged_root != NULL) {
		json_t *s = meta_summary(staged_root);

		json_object_set_new(s, "own_keys",
				    signature_status(staged_root, &staged_root->keys,
						     medfw_tuf_root_role(staged_root, MEDFW_TUF_ROOT)));
		if (pub[MEDFW_TUF_ROOT] != NULL)
			json_object_set_new(s, "previous_root_keys",
					    signature_status(staged_root, &pub[MEDFW_TUF_ROOT]->keys,
							     medfw_tuf_root_role(pub[MEDFW_TUF_ROOT],
										 MEDFW_TUF_ROOT)));
		json_object_set_new(staged, "root", s);
	}
	if (staged_targets != NULL) {
		json_t *s = meta_summary(staged_targets);

		if (root != NULL)
			json_object_set_new(s, "signatures",
					    signature_status(staged_targets, &root->keys,
							     medfw_tuf_root_role(root, MEDFW_TUF_TARGETS)));
		json_object_set_new(staged, "targets", s);
	}
	{
		struct medfw_diag adiag;
		size_t records = 0;
		enum medfw_err aerr;

		medfw_diag_clear(&adiag);
		aerr = medfw_repo_audit_verify(dir, &records, &adiag);
		json_object_set_new(doc, "audit",
				    json_pack("{s:I, s:b, s:s}", "records", (json_int_t)records,
					      "chain_ok", aerr == MEDFW_OK, "detail",
					      aerr == MEDFW_OK ? "hash chain intact"
							       : medfw_diag_message(&adiag, aerr)));
	}
	tlist = staged_targets != NULL ? staged_targets : pub[MEDFW_TUF_TARGETS];
	for (size_t i = 0; tlist != NULL && i < tlist->target_count; i++) {
		const struct medfw_tuf_target *t = &tlist->targets[i];
		int published_already = pub[MEDFW_TUF_TARGETS] != NULL &&
					medfw_tuf_targets_find(pub[MEDFW_TUF_TARGETS], t->path) != NULL;

		json_array_append_new(targets,
				      json_pack("{s:s, s:I, s:b}", "name", t->path, "length",
						(json_int_t)t->length, "published", published_already));
	}
out:
	for (unsigned i = 0; i < MEDFW_TUF_TOP_ROLES; i++)
		medfw_tuf_meta_free(pub[i]);
	medfw_tuf_meta_free(staged_root);
	medfw_tuf_meta_free(staged_targets);
	if (err == MEDFW_OK)
		*out = doc;
	else
		json_decref(doc);
	return err;
}
