/* Internal interfaces of the SBOM module: the model builder shared by the CycloneDX and
 * SPDX readers (src/lib/vuln/sbom*.c), string and hash validation, the ref index, JSON
 * paths for error messages. Not a public API. */
#ifndef MEDFW_VULN_SBOM_INTERNAL_H
#define MEDFW_VULN_SBOM_INTERNAL_H

#include <stddef.h>

#include <jansson.h>

#include "medfw/sbom.h"

/* ------------------------------------------------------------------ JSON paths */

#define MEDFWI_SBOM_PATH_MAX 384

/* The path of the value being read, e.g. "components[3].hashes[0].content". A path
 * that does not fit is cut (the message still names its start). */
struct medfwi_sbom_path {
	char buf[MEDFWI_SBOM_PATH_MAX];
	size_t len;
};

/* Append ".key" ("key" at the top) or "[i]"; both return the length to restore. */
size_t medfwi_sbom_path_key(struct medfwi_sbom_path *p, const char *key);
size_t medfwi_sbom_path_index(struct medfwi_sbom_path *p, size_t i);
void medfwi_sbom_path_restore(struct medfwi_sbom_path *p, size_t len);
/* The path, or "(document)" at the top. */
const char *medfwi_sbom_path_str(const struct medfwi_sbom_path *p);

/* ------------------------------------------------------------------ strings */

enum medfwi_sbom_str {
	MEDFWI_STR_NAME,  /* <= MEDFW_SBOM_NAME_MAX bytes, UTF-8 text without controls */
	MEDFWI_STR_LONG,  /* <= MEDFW_SBOM_ID_MAX bytes, UTF-8 text without controls */
	MEDFWI_STR_REF,   /* MEDFWI_STR_LONG, not empty */
	MEDFWI_STR_IDENT, /* purl / CPE: 1..MEDFW_SBOM_ID_MAX bytes of printable ASCII, no
			   * space */
	MEDFWI_STR_TIME,  /* RFC 3339 date-time */
};

/* Check `len` bytes at s (a JSON string value: valid UTF-8, no NUL) as `kind`; the
 * message names `path`. MEDFW_ERR_TOO_LARGE past the bound, MEDFW_ERR_FIELD_VALUE
 * otherwise. */
enum medfw_err medfwi_sbom_check_str(const char *s, size_t len, enum medfwi_sbom_str kind,
				     const char *path, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* 1 when s is an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM), a
 * real calendar date; 't' and 'z' accepted as RFC 3339 allows). */
int medfwi_sbom_valid_timestamp(const char *s);

/* 1 when s is "urn:uuid:" + a lowercase RFC 4122 UUID (CycloneDX serialNumber). */
int medfwi_sbom_valid_serial(const char *s);

/* ------------------------------------------------------------------ building */

enum medfwi_sbom_ref_kind {
	MEDFWI_REF_COMPONENT, /* a component of the model: index into components */
	MEDFWI_REF_OTHER,     /* named in the document but not a component (a service, a
			       * pedigree component, an SPDX snippet) */
};

/* The ref index: every bom-ref / SPDXID registered while reading, sorted once all are
 * known (duplicates are found then) and searched with bsearch. A sorted array rather
 * than a hash table: refs are untrusted, and sorting has no collision worst case. */
struct medfwi_sbom_ref_entry {
	const char *ref;
	const char *path; /* where the ref was read, for duplicate messages */
	enum medfwi_sbom_ref_kind kind;
	size_t index;     /* MEDFWI_REF_COMPONENT: index into components */
	size_t seq;       /* registration order */
};

struct medfwi_sbom_arena_block;

struct medfwi_sbom_private {
	struct medfwi_sbom_arena_block *blocks; /* every string and per-component array */
	struct medfwi_sbom_ref_entry *refs;     /* malloc'ed */
	size_t ref_count, ref_cap;
	int refs_sealed;                         /* sorted and checked for duplicates */
	size_t component_cap;                    /* of sbom->components (malloc'ed) */
};

/* A dependency link being collected: `from` depends on `to`; to == NULL records that
 * `from` has a dependencies entry (possibly an empty one). */
struct medfwi_sbom_edge {
	const char *from, *to;
};

struct medfwi_sbom_builder {
	struct medfw_sbom *sbom;
	size_t max_components;
	struct medfwi_sbom_edge *edges;
	size_t edge_count, edge_cap;
	struct medfwi_sbom_path path;
};

/* Zeroed memory owned by the model; NULL when out of memory or n * size overflows. */
void *medfwi_sbom_alloc(struct medfw_sbom *sbom, size_t n, size_t size);
/* A copy of `len` bytes + NUL owned by the model, or NULL. */
char *medfwi_sbom_strndup(struct medfw_sbom *sbom, const char *s, size_t len);

/* Read the JSON string `v` (at the builder's current path) as `kind` into a copy owned
 * by the model. MEDFW_ERR_FIELD_TYPE when v is not a string. */
enum medfw_err medfwi_sbom_str(struct medfwi_sbom_builder *b, const json_t *v,
			       enum medfwi_sbom_str kind, char **out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;
/* The same for obj[key]: *out NULL when absent (or MEDFW_ERR_FIELD_MISSING when
 * `required`). The path is extended by key for the check. */
enum medfw_err medfwi_sbom_field_str(struct medfwi_sbom_builder *b, const json_t *obj,
				     const char *key, enum medfwi_sbom_str kind, int required,
				     char **out, struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* obj[key] when it is an array (NULL when absent); MEDFW_ERR_FIELD_TYPE otherwise. */
enum medfw_err medfwi_sbom_field_array(struct medfwi_sbom_builder *b, const json_t *obj,
				       const char *key, json_t **out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;
/* obj[key] when it is an object (NULL when absent); MEDFW_ERR_FIELD_TYPE otherwise. */
enum medfw_err medfwi_sbom_field_object(struct medfwi_sbom_builder *b, const json_t *obj,
					const char *key, json_t **out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;
/* MEDFW_ERR_FIELD_TYPE naming the current path unless v is an object. */
enum medfw_err medfwi_sbom_expect_object(struct medfwi_sbom_builder *b, const json_t *v,
					 struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* A closed object's allowed keys: `since` is the CycloneDX 1.x minor version that
 * introduced the key (4 for everything CycloneDX 1.4 has; 0 in SPDX tables). */
struct medfwi_sbom_key {
	const char *name;
	unsigned since;
};

/* Refuse any key of obj (at the current path) not in keys[] for `minor`; `what` names
 * the object type in the message ("CycloneDX 1.6 component"). */
enum medfw_err medfwi_sbom_check_keys(struct medfwi_sbom_builder *b, const json_t *obj,
				      const struct medfwi_sbom_key *keys, size_t key_count,
				      unsigned minor, const char *what, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* Validate hash content `v` (at the current path) for `alg` and store it lowercased.
 * `alg_name` is the algorithm as the document spelled it (for the message). */
enum medfw_err medfwi_sbom_hash(struct medfwi_sbom_builder *b, enum medfw_sbom_hash_alg alg,
				const char *alg_name, const json_t *v,
				struct medfw_sbom_hash *out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;
/* 1 when `hex` is exactly `len` hex digits. */
int medfwi_sbom_is_hex(const char *hex, size_t len);

/* Register a ref read at the builder's current path (which is kept for messages). */
enum medfw_err medfwi_sbom_ref_add(struct medfwi_sbom_builder *b, const char *ref,
				   enum medfwi_sbom_ref_kind kind, size_t index,
				   struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Sort the index; a ref registered twice is MEDFW_ERR_FIELD_VALUE naming both paths. */
enum medfw_err medfwi_sbom_ref_seal(struct medfwi_sbom_builder *b, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;
/* The entry for ref in a sealed index, or NULL. */
struct medfwi_sbom_ref_entry *medfwi_sbom_ref_find(const struct medfw_sbom *sbom,
						   const char *ref);

/* A short printable rendering of an untrusted value for a message. */
const char *medfwi_sbom_quote(const char *s, char *buf, size_t cap);

/* Append a copy of *c to the components (MEDFW_ERR_TOO_LARGE past the limit). The
 * components array may move: hold indices, not pointers, across this call. */
enum medfw_err medfwi_sbom_push(struct medfwi_sbom_builder *b,
				const struct medfw_sbom_component *c, size_t *out_index,
				struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Record a dependency link (to NULL: an entry with no dependencies). */
enum medfw_err medfwi_sbom_edge(struct medfwi_sbom_builder *b, const char *from,
				const char *to, struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Final step of both readers: parent_ref from parent, the dependency list from the
 * collected edges (sorted, merged, unique). */
enum medfw_err medfwi_sbom_finish(struct medfwi_sbom_builder *b, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* Check a component as the readers would have (export of hand-filled models). The
 * message starts with `what` (e.g. "components[3]"). */
enum medfw_err medfwi_sbom_check_component(const struct medfw_sbom_component *c,
					   const char *what, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* The readers. `minor` is the CycloneDX 1.x minor version (4, 5 or 6). */
enum medfw_err medfwi_sbom_parse_cyclonedx(struct medfwi_sbom_builder *b, const json_t *root,
					   unsigned minor, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;
enum medfw_err medfwi_sbom_parse_spdx(struct medfwi_sbom_builder *b, const json_t *root,
				      struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Lookup tables shared by readers and checker. Each returns 1 and sets *out when
 * `name` is known (for CycloneDX types: known in 1.`minor`), 0 otherwise. */
int medfwi_sbom_type_from_name(const char *name, unsigned minor, enum medfw_sbom_type *out);
int medfwi_sbom_hash_alg_from_name(const char *name, enum medfw_sbom_hash_alg *out);

#endif
