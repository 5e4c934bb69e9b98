/* The product-mapping file of the matcher (include/medfw/vuln_matcher.h). */
#include "medfw/vuln_matcher.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/buf.h"
#include "medfw/json.h"
#include "medfw/vers.h"
#include "medfw/version.h"
#include "vuln/advjson_int.h"

#define WHAT "product map"
#define ARENA_MAX (64u * 1024u * 1024u)
#define NAME_MAX_ 1024u
#define LIST_MAX 1000u

void medfw_product_map_free(struct medfw_product_map *map)
{
	struct medfwi_arena *arena;

	if (map == NULL)
		return;
	arena = map->priv_;
	medfwi_arena_free(arena);
	free(arena);
	free(map);
}

/* Refuse keys outside `allowed` (NULL-terminated). */
static enum medfw_err known_keys(const struct medfwi_jr *jr, const json_t *obj, const char *path,
				 const char *const *allowed)
{
	const char *key;
	json_t *v;
	char q[64];
	size_t i;

	json_object_foreach((json_t *)(uintptr_t)obj, key, v) {
		(void)v;
		for (i = 0; allowed[i] != NULL && strcmp(allowed[i], key) != 0; i++)
			;
		if (allowed[i] == NULL)
			return medfw_diag_set(jr->diag, MEDFW_ERR_FIELD_VALUE,
					      WHAT ": %s: unknown field \"%s\"",
					      path[0] != '\0' ? path : "the document",
					      medfwi_quote(key, q, sizeof(q)));
	}
	return MEDFW_OK;
}

/* An exact release as a vers range ("vers:<scheme>/<release>", encoded as vers wants). */
static enum medfw_err release_range(const struct medfwi_jr *jr, const char *path,
				    const char *scheme, const char *release, const char **out)
{
	struct medfw_vers_constraint_in c = {MEDFW_VERS_EQ, release};
	struct medfw_vers *v = NULL;
	struct medfw_buf text;
	struct medfw_diag d;
	enum medfw_err err;

	*out = NULL;
	medfw_diag_clear(&d);
	err = medfw_vers_new(scheme, &c, 1, MEDFW_VERS_LENIENT, &v, &d);
	if (err != MEDFW_OK)
		return medfw_diag_set(jr->diag, err == MEDFW_ERR_NOMEM ? err : MEDFW_ERR_FIELD_VALUE,
				      WHAT ": %s.release: %s", path, medfw_diag_message(&d, err));
	medfw_buf_init(&text, MEDFW_VERS_MAX_LEN);
	err = medfw_vers_to_string(v, &text, &d);
	medfw_vers_free(v);
	if (err == MEDFW_OK) {
		*out = medfwi_arena_strndup(jr->arena, (const char *)text.data, text.len);
		if (*out == NULL)
			err = medfwi_jr_alloc_failed(jr);
	} else {
		err = medfw_diag_set(jr->diag, err, WHAT ": %s.release: %s", path,
				     medfw_diag_message(&d, err));
	}
	medfw_buf_free(&text);
	return err;
}

static enum medfw_err parse_entry(const struct medfwi_jr *jr, const json_t *obj, const char *p,
				  struct medfw_product_map_entry *e)
{
	static const char *const keys[] = {"model",  "release",           "versions",
					   "vendor", "scheme",            "advisory_products",
					   "csaf_products", NULL};
	static const char *const csaf_keys[] = {"document", "product_id", NULL};
	const unsigned req = MEDFWI_REQUIRED | MEDFWI_NONEMPTY;
	char q[MEDFWI_PATH_MAX];
	const char *release = NULL;
	json_t *arr;
	size_t n, i;
	struct medfw_product_map_csaf *cp;
	struct medfw_diag d;
	enum medfw_err err;

	err = medfwi_jr_expect_object(jr, obj, p);
	if (err == MEDFW_OK)
		err = known_keys(jr, obj, p, keys);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(jr, obj, p, "model", req, NAME_MAX_, &e->model);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(jr, obj, p, "release", MEDFWI_NONEMPTY, NAME_MAX_, &release);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(jr, obj, p, "versions", MEDFWI_NONEMPTY, MEDFW_VERS_MAX_LEN,
				    &e->versions);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(jr, obj, p, "vendor", MEDFWI_NONEMPTY, NAME_MAX_, &e->vendor);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(jr, obj, p, "scheme", MEDFWI_NONEMPTY, 64, &e->scheme);
	if (err == MEDFW_OK)
		err = medfwi_jr_str_array(jr, obj, p, "advisory_products",
					  MEDFWI_NONEMPTY | MEDFWI_UNIQUE, LIST_MAX, NAME_MAX_,
					  &e->advisory_products, &e->advisory_product_count);
	if (err == MEDFW_OK)
		err = medfwi_jr_array(jr, obj, p, "csaf_products", MEDFWI_NONEMPTY, LIST_MAX, &arr,
				      &n);
	if (err != MEDFW_OK)
		return err;
	if (e->scheme != NULL && medfw_version_scheme_from_name(e->scheme) ==
					 MEDFW_VERSION_SCHEME_UNKNOWN)
		return medfw_diag_set(jr->diag, MEDFW_ERR_FIELD_VALUE,
				      WHAT ": %s.scheme: \"%s\" has no version ordering", p,
				      medfwi_quote(e->scheme, q, sizeof(q)));
	if (release != NULL && e->versions != NULL)
		return medfw_diag_set(jr->diag, MEDFW_ERR_FIELD_VALUE,
				      WHAT ": %s: give release or versions, not both", p);
	if (release != NULL) {
		err = release_range(jr, p, e->scheme != NULL ? e->scheme : "generic", release,
				    &e->versions);
		if (err != MEDFW_OK)
			return err;
	} else if (e->versions != NULL) {
		/* checked now, so that a typo is not an "undetermined" at every match */
		struct medfw_vers *v = NULL;

		medfw_diag_clear(&d);
		err = medfw_vers_parse(e->versions, MEDFW_VERS_LENIENT, &v, &d);
		medfw_vers_free(v);
		if (err != MEDFW_OK)
			return medfw_diag_set(jr->diag,
					      err == MEDFW_ERR_NOMEM ? err : MEDFW_ERR_FIELD_VALUE,
					      WHAT ": %s.versions: %s", p,
					      medfw_diag_message(&d, err));
	}
	if (arr != NULL) {
		cp = medfwi_arena_alloc(jr->arena, n * sizeof(*cp));
		if (cp == NULL)
			return medfwi_jr_alloc_failed(jr);
		for (i = 0; i < n; i++) {
			const json_t *c = json_array_get(arr, i);

			medfwi_path_item(q, p, "csaf_products", i);
			err = medfwi_jr_expect_object(jr, c, q);
			if (err == MEDFW_OK)
				err = known_keys(jr, c, q, csaf_keys);
			if (err == MEDFW_OK)
				err = medfwi_jr_str(jr, c, q, "document", req, NAME_MAX_,
						    &cp[i].document);
			if (err == MEDFW_OK)
				err = medfwi_jr_str(jr, c, q, "product_id", req, NAME_MAX_,
						    &cp[i].product_id);
			if (err != MEDFW_OK)
				return err;
		}
		e->csaf_products = cp;
		e->csaf_product_count = n;
	}
	if (e->advisory_product_count == 0 && e->csaf_product_count == 0)
		return medfw_diag_set(jr->diag, MEDFW_ERR_FIELD_MISSING,
				      WHAT ": %s: needs advisory_products or csaf_products", p);
	return MEDFW_OK;
}

enum medfw_err medfw_product_map_parse(const char *source, const uint8_t *data, size_t len,
				       struct medfw_product_map **out, struct medfw_diag *diag)
{
	static const char *const top_keys[] = {"mappings", NULL};
	struct medfw_product_map *map = NULL;
	struct medfw_product_map_entry *entries;
	struct medfwi_arena *arena = NULL;
	struct medfwi_jr jr;
	char p[MEDFWI_PATH_MAX];
	json_t *root = NULL, *arr;
	size_t n = 0, i;
	enum medfw_err err;

	if (out != NULL)
		*out = NULL;
	if (source == NULL || data == NULL || out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, WHAT ": invalid argument");
	err = medfw_json_parse(data, len, MEDFW_PRODUCT_MAP_MAX_BYTES, 8, &root, diag);
	if (err != MEDFW_OK)
		return err;
	map = calloc(1, sizeof(*map));
	arena = calloc(1, sizeof(*arena));
	if (map == NULL || arena == NULL) {
		free(map);
		free(arena);
		json_decref(root);
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, WHAT ": out of memory");
	}
	medfwi_arena_init(arena, ARENA_MAX);
	map->priv_ = arena;
	jr.arena = arena;
	jr.diag = diag;
	jr.what = WHAT;
	err = medfwi_jr_expect_object(&jr, root, "");
	if (err == MEDFW_OK)
		err = known_keys(&jr, root, "", top_keys);
	if (err == MEDFW_OK)
		err = medfwi_jr_array(&jr, root, "", "mappings", MEDFWI_REQUIRED,
				      MEDFW_PRODUCT_MAP_MAX_ENTRIES, &arr, &n);
	if (err == MEDFW_OK) {
		map->source = medfwi_arena_strndup(arena, source, strlen(source));
		entries = medfwi_arena_alloc(arena, (n > 0 ? n : 1) * sizeof(*entries));
		if (map->source == NULL || entries == NULL)
			err = medfwi_jr_alloc_failed(&jr);
		for (i = 0; err == MEDFW_OK && i < n; i++) {
			medfwi_path_item(p, "", "mappings", i);
			err = parse_entry(&jr, json_array_get(arr, i), p, &entries[i]);
		}
		if (err == MEDFW_OK) {
			map->entries = entries;
			map->entry_count = n;
		}
	}
	json_decref(root);
	if (err != MEDFW_OK) {
		medfw_product_map_free(map);
		return err;
	}
	*out = map;
	return MEDFW_OK;
}
