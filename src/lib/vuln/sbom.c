/* SBOM model: format detection, the builder the readers share (allocation, strings,
 * hashes, refs, dependency links), component checks, names. */
#include "vuln/sbom_internal.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/json.h"
#include "medfw/utf8.h"

/* ------------------------------------------------------------------ names */

static const struct {
	const char *name;
	unsigned since; /* CycloneDX 1.x minor version */
} type_names[] = {
	[MEDFW_SBOM_TYPE_APPLICATION] = {"application", 4},
	[MEDFW_SBOM_TYPE_FRAMEWORK] = {"framework", 4},
	[MEDFW_SBOM_TYPE_LIBRARY] = {"library", 4},
	[MEDFW_SBOM_TYPE_CONTAINER] = {"container", 4},
	[MEDFW_SBOM_TYPE_PLATFORM] = {"platform", 5},
	[MEDFW_SBOM_TYPE_OPERATING_SYSTEM] = {"operating-system", 4},
	[MEDFW_SBOM_TYPE_DEVICE] = {"device", 4},
	[MEDFW_SBOM_TYPE_DEVICE_DRIVER] = {"device-driver", 5},
	[MEDFW_SBOM_TYPE_FIRMWARE] = {"firmware", 4},
	[MEDFW_SBOM_TYPE_FILE] = {"file", 4},
	[MEDFW_SBOM_TYPE_MACHINE_LEARNING_MODEL] = {"machine-learning-model", 5},
	[MEDFW_SBOM_TYPE_DATA] = {"data", 5},
	[MEDFW_SBOM_TYPE_CRYPTOGRAPHIC_ASSET] = {"cryptographic-asset", 6},
};
#define TYPE_COUNT (sizeof(type_names) / sizeof(type_names[0]))

static const struct {
	const char *name;
	size_t hex_len;
} hash_algs[] = {
	[MEDFW_SBOM_HASH_MD5] = {"MD5", 32},
	[MEDFW_SBOM_HASH_SHA1] = {"SHA-1", 40},
	[MEDFW_SBOM_HASH_SHA256] = {"SHA-256", 64},
	[MEDFW_SBOM_HASH_SHA384] = {"SHA-384", 96},
	[MEDFW_SBOM_HASH_SHA512] = {"SHA-512", 128},
	[MEDFW_SBOM_HASH_SHA3_256] = {"SHA3-256", 64},
	[MEDFW_SBOM_HASH_SHA3_384] = {"SHA3-384", 96},
	[MEDFW_SBOM_HASH_SHA3_512] = {"SHA3-512", 128},
	[MEDFW_SBOM_HASH_BLAKE2B_256] = {"BLAKE2b-256", 64},
	[MEDFW_SBOM_HASH_BLAKE2B_384] = {"BLAKE2b-384", 96},
	[MEDFW_SBOM_HASH_BLAKE2B_512] = {"BLAKE2b-512", 128},
	[MEDFW_SBOM_HASH_BLAKE3] = {"BLAKE3", 64},
};
#define HASH_ALG_COUNT (sizeof(hash_algs) / sizeof(hash_algs[0]))

static const char *const scope_names[] = {"", "required", "optional", "excluded"};
static const char *const patch_names[] = {"unofficial", "monkey", "backport", "cherry-pick"};
static const char *const issue_names[] = {"defect", "enhancement", "security"};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *medfw_sbom_format_name(enum medfw_sbom_format format)
{
	switch (format) {
	case MEDFW_SBOM_CYCLONEDX:
		return "CycloneDX";
	case MEDFW_SBOM_SPDX:
		return "SPDX";
	}
	return "unknown";
}

const char *medfw_sbom_type_name(enum medfw_sbom_type type)
{
	return (unsigned)type < TYPE_COUNT ? type_names[type].name : "unknown";
}

const char *medfw_sbom_scope_name(enum medfw_sbom_scope scope)
{
	return (unsigned)scope < COUNT(scope_names) ? scope_names[scope] : "unknown";
}

const char *medfw_sbom_hash_alg_name(enum medfw_sbom_hash_alg alg)
{
	return (unsigned)alg < HASH_ALG_COUNT ? hash_algs[alg].name : "unknown";
}

const char *medfw_sbom_patch_type_name(enum medfw_sbom_patch_type type)
{
	return (unsigned)type < COUNT(patch_names) ? patch_names[type] : "unknown";
}

const char *medfw_sbom_issue_type_name(enum medfw_sbom_issue_type type)
{
	return (unsigned)type < COUNT(issue_names) ? issue_names[type] : "unknown";
}

size_t medfw_sbom_hash_hex_len(enum medfw_sbom_hash_alg alg)
{
	return (unsigned)alg < HASH_ALG_COUNT ? hash_algs[alg].hex_len : 0;
}

int medfwi_sbom_type_from_name(const char *name, unsigned minor, enum medfw_sbom_type *out)
{
	for (size_t i = 0; i < TYPE_COUNT; i++)
		if (strcmp(name, type_names[i].name) == 0 && type_names[i].since <= minor) {
			*out = (enum medfw_sbom_type)i;
			return 1;
		}
	return 0;
}

int medfwi_sbom_hash_alg_from_name(const char *name, enum medfw_sbom_hash_alg *out)
{
	for (size_t i = 0; i < HASH_ALG_COUNT; i++)
		if (strcmp(name, hash_algs[i].name) == 0) {
			*out = (enum medfw_sbom_hash_alg)i;
			return 1;
		}
	return 0;
}

/* ------------------------------------------------------------------ paths */

size_t medfwi_sbom_path_key(struct medfwi_sbom_path *p, const char *key)
{
	size_t saved = p->len;
	int n;

	if (p->len + 1 >= sizeof(p->buf))
		return saved;
	n = snprintf(p->buf + p->len, sizeof(p->buf) - p->len, "%s%s", p->len == 0 ? "" : ".",
		     key);
	if (n < 0 || (size_t)n >= sizeof(p->buf) - p->len)
		p->len = sizeof(p->buf) - 1; /* cut: keep what fitted */
	else
		p->len += (size_t)n;
	return saved;
}

size_t medfwi_sbom_path_index(struct medfwi_sbom_path *p, size_t i)
{
	size_t saved = p->len;
	int n;

	if (p->len + 1 >= sizeof(p->buf))
		return saved;
	n = snprintf(p->buf + p->len, sizeof(p->buf) - p->len, "[%zu]", i);
	if (n < 0 || (size_t)n >= sizeof(p->buf) - p->len)
		p->len = sizeof(p->buf) - 1;
	else
		p->len += (size_t)n;
	return saved;
}

void medfwi_sbom_path_restore(struct medfwi_sbom_path *p, size_t len)
{
	if (len < sizeof(p->buf)) {
		p->len = len;
		p->buf[len] = '\0';
	}
}

const char *medfwi_sbom_path_str(const struct medfwi_sbom_path *p)
{
	return p->len == 0 ? "(document)" : p->buf;
}

/* ------------------------------------------------------------------ strings */

const char *medfwi_sbom_quote(const char *s, char *buf, size_t cap)
{
	size_t i = 0, o = 0;

	if (cap == 0)
		return "";
	while (s[i] != '\0' && i < 60 && o + 5 < cap) {
		unsigned char c = (unsigned char)s[i];

		buf[o++] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? (char)c : '?';
		i++;
	}
	if (s[i] != '\0' && o + 4 < cap) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

/* C0 and C1 controls, DEL, and the bidirectional embedding/override/isolate controls
 * that can make displayed text lie. */
static int forbidden_cp(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069);
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_hex_lower(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f');
}

int medfwi_sbom_is_hex(const char *hex, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = hex[i];

		if (!(is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return 0;
	}
	return hex[len] == '\0';
}

/* n digits at s as a number, or -1. */
static int digits(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int medfwi_sbom_valid_timestamp(const char *s)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, mo, d, h, mi, se, dim;
	size_t i;

	if (strlen(s) < 20)
		return 0;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	se = digits(s + 17, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
	    se < 0 || se > 60)
		return 0;
	if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
	    s[16] != ':')
		return 0;
	dim = mdays[mo - 1] + ((mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) ? 1 : 0);
	if (d > dim)
		return 0;
	i = 19;
	if (s[i] == '.') {
		i++;
		if (!is_digit(s[i]))
			return 0;
		while (is_digit(s[i]))
			i++;
	}
	if ((s[i] == 'Z' || s[i] == 'z') && s[i + 1] == '\0')
		return 1;
	/* "+HH:MM" / "-HH:MM" and nothing after (length checked before reading) */
	if ((s[i] != '+' && s[i] != '-') || strlen(s + i) != 6 || s[i + 3] != ':')
		return 0;
	h = digits(s + i + 1, 2);
	mi = digits(s + i + 4, 2);
	return h >= 0 && h <= 23 && mi >= 0 && mi <= 59;
}

int medfwi_sbom_valid_serial(const char *s)
{
	static const size_t groups[] = {8, 4, 4, 4, 12};
	size_t g, i;

	if (strncmp(s, "urn:uuid:", 9) != 0)
		return 0;
	s += 9;
	for (g = 0; g < COUNT(groups); g++) {
		for (i = 0; i < groups[g]; i++)
			if (!is_hex_lower(s[i]))
				return 0;
		s += groups[g];
		if (*s != (g + 1 < COUNT(groups) ? '-' : '\0'))
			return 0;
		s++;
	}
	return 1;
}

enum medfw_err medfwi_sbom_check_str(const char *s, size_t len, enum medfwi_sbom_str kind,
				     const char *path, struct medfw_diag *diag)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t max = kind == MEDFWI_STR_NAME ? MEDFW_SBOM_NAME_MAX : MEDFW_SBOM_ID_MAX;
	size_t off = 0, n;
	uint32_t cp;
	char q[80];

	if (len > max)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "%s: %zu bytes, at most %zu allowed", path, len, max);
	if (strlen(s) != len)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s: contains a NUL character",
				      path);
	if (kind == MEDFWI_STR_IDENT) {
		if (len == 0)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s: is empty", path);
		for (off = 0; off < len; off++)
			if (p[off] <= 0x20 || p[off] >= 0x7f)
				return medfw_diag_set(
					diag, MEDFW_ERR_FIELD_VALUE,
					"%s: byte %zu is 0x%02x: only printable ASCII without spaces "
					"is allowed in a purl or CPE",
					path, off + 1, (unsigned)p[off]);
		return MEDFW_OK;
	}
	if (kind == MEDFWI_STR_TIME) {
		if (!medfwi_sbom_valid_timestamp(s))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "%s: \"%s\" is not an RFC 3339 date-time", path,
					      medfwi_sbom_quote(s, q, sizeof(q)));
		return MEDFW_OK;
	}
	if (kind == MEDFWI_STR_REF && len == 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s: is empty", path);
	while (off < len) {
		n = medfw_utf8_decode(p + off, len - off, &cp);
		if (n == 0)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "%s: not valid UTF-8 (byte %zu)", path, off + 1);
		if (forbidden_cp(cp))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "%s: control character U+%04X at byte %zu", path,
					      (unsigned)cp, off + 1);
		off += n;
	}
	return MEDFW_OK;
}

/* ------------------------------------------------------------------ arena */

#define ARENA_BLOCK (64u * 1024u)

struct medfwi_sbom_arena_block {
	struct medfwi_sbom_arena_block *next;
	size_t used, cap;
	max_align_t data[];
};

static void *arena_alloc(struct medfw_sbom *sbom, size_t size, size_t align)
{
	struct medfwi_sbom_private *priv = sbom->priv_;
	struct medfwi_sbom_arena_block *blk = priv->blocks;
	size_t off, cap;

	if (blk != NULL) {
		off = (blk->used + align - 1) & ~(align - 1);
		if (off <= blk->cap && size <= blk->cap - off) {
			blk->used = off + size;
			return (unsigned char *)blk->data + off;
		}
	}
	cap = size > ARENA_BLOCK / 4 ? size : ARENA_BLOCK;
	if (cap > SIZE_MAX - sizeof(*blk))
		return NULL;
	blk = calloc(1, sizeof(*blk) + cap);
	if (blk == NULL)
		return NULL;
	blk->cap = cap;
	blk->used = size;
	if (size > ARENA_BLOCK / 4 && priv->blocks != NULL) {
		/* A big allocation gets a block of its own behind the current one, which
		 * keeps serving small allocations. */
		blk->next = priv->blocks->next;
		priv->blocks->next = blk;
	} else {
		blk->next = priv->blocks;
		priv->blocks = blk;
	}
	return blk->data;
}

void *medfwi_sbom_alloc(struct medfw_sbom *sbom, size_t n, size_t size)
{
	if (n == 0 || size == 0)
		return NULL;
	if (n > SIZE_MAX / size)
		return NULL;
	return arena_alloc(sbom, n * size, alignof(max_align_t));
}

char *medfwi_sbom_strndup(struct medfw_sbom *sbom, const char *s, size_t len)
{
	char *copy;

	if (len == SIZE_MAX)
		return NULL;
	copy = arena_alloc(sbom, len + 1, 1);
	if (copy == NULL)
		return NULL;
	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

/* ------------------------------------------------------------------ builder */

static enum medfw_err nomem(struct medfwi_sbom_builder *b, struct medfw_diag *diag)
{
	return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "%s: out of memory",
			      medfwi_sbom_path_str(&b->path));
}

enum medfw_err medfwi_sbom_expect_object(struct medfwi_sbom_builder *b, const json_t *v,
					 struct medfw_diag *diag)
{
	if (!json_is_object(v))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: must be an object",
				      medfwi_sbom_path_str(&b->path));
	return MEDFW_OK;
}

enum medfw_err medfwi_sbom_str(struct medfwi_sbom_builder *b, const json_t *v,
			       enum medfwi_sbom_str kind, char **out, struct medfw_diag *diag)
{
	const char *s;
	size_t len;
	enum medfw_err err;

	*out = NULL;
	if (!json_is_string(v))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: must be a string",
				      medfwi_sbom_path_str(&b->path));
	s = json_string_value(v);
	len = json_string_length(v);
	err = medfwi_sbom_check_str(s, len, kind, medfwi_sbom_path_str(&b->path), diag);
	if (err != MEDFW_OK)
		return err;
	*out = medfwi_sbom_strndup(b->sbom, s, len);
	return *out == NULL ? nomem(b, diag) : MEDFW_OK;
}

enum medfw_err medfwi_sbom_field_str(struct medfwi_sbom_builder *b, const json_t *obj,
				     const char *key, enum medfwi_sbom_str kind, int required,
				     char **out, struct medfw_diag *diag)
{
	const json_t *v = json_object_get(obj, key);
	size_t saved;
	enum medfw_err err;

	*out = NULL;
	saved = medfwi_sbom_path_key(&b->path, key);
	if (v == NULL)
		err = required ? medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
						"%s: required field missing",
						medfwi_sbom_path_str(&b->path))
			       : MEDFW_OK;
	else
		err = medfwi_sbom_str(b, v, kind, out, diag);
	medfwi_sbom_path_restore(&b->path, saved);
	return err;
}

static enum medfw_err field_typed(struct medfwi_sbom_builder *b, const json_t *obj,
				  const char *key, int want_array, json_t **out,
				  struct medfw_diag *diag)
{
	json_t *v = json_object_get(obj, key);
	size_t saved;
	enum medfw_err err = MEDFW_OK;

	*out = NULL;
	if (v == NULL)
		return MEDFW_OK;
	if (want_array ? json_is_array(v) : json_is_object(v)) {
		*out = v;
		return MEDFW_OK;
	}
	saved = medfwi_sbom_path_key(&b->path, key);
	err = medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: must be %s",
			     medfwi_sbom_path_str(&b->path), want_array ? "an array" : "an object");
	medfwi_sbom_path_restore(&b->path, saved);
	return err;
}

enum medfw_err medfwi_sbom_field_array(struct medfwi_sbom_builder *b, const json_t *obj,
				       const char *key, json_t **out, struct medfw_diag *diag)
{
	return field_typed(b, obj, key, 1, out, diag);
}

enum medfw_err medfwi_sbom_field_object(struct medfwi_sbom_builder *b, const json_t *obj,
					const char *key, json_t **out, struct medfw_diag *diag)
{
	return field_typed(b, obj, key, 0, out, diag);
}

enum medfw_err medfwi_sbom_check_keys(struct medfwi_sbom_builder *b, const json_t *obj,
				      const struct medfwi_sbom_key *keys, size_t key_count,
				      unsigned minor, const char *what, struct medfw_diag *diag)
{
	const char *key;
	json_t *value;
	char q[80];

	json_object_foreach((json_t *)(uintptr_t)obj, key, value) {
		size_t i;

		(void)value;
		for (i = 0; i < key_count; i++)
			if (strcmp(key, keys[i].name) == 0 && keys[i].since <= minor)
				break;
		if (i == key_count)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "%s: unknown field \"%s\" (a %s has no such field)",
					      medfwi_sbom_path_str(&b->path),
					      medfwi_sbom_quote(key, q, sizeof(q)), what);
	}
	return MEDFW_OK;
}

enum medfw_err medfwi_sbom_hash(struct medfwi_sbom_builder *b, enum medfw_sbom_hash_alg alg,
				const char *alg_name, const json_t *v,
				struct medfw_sbom_hash *out, struct medfw_diag *diag)
{
	const char *path = medfwi_sbom_path_str(&b->path);
	size_t want = medfw_sbom_hash_hex_len(alg), len;
	const char *hex;
	char *copy;

	out->hex = NULL;
	out->alg = alg;
	if (!json_is_string(v))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: must be a string", path);
	hex = json_string_value(v);
	len = json_string_length(v);
	if (alg == MEDFW_SBOM_HASH_BLAKE3 && (len == 96 || len == 128))
		want = len;
	if (len != want || !medfwi_sbom_is_hex(hex, len)) {
		if (alg == MEDFW_SBOM_HASH_BLAKE3)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "%s: not 64, 96 or 128 hex digits for %s", path,
					      alg_name);
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: not %zu hex digits for %s", path, want, alg_name);
	}
	copy = medfwi_sbom_strndup(b->sbom, hex, len);
	if (copy == NULL)
		return nomem(b, diag);
	for (size_t i = 0; i < len; i++)
		if (copy[i] >= 'A' && copy[i] <= 'F')
			copy[i] = (char)(copy[i] - 'A' + 'a');
	out->hex = copy;
	return MEDFW_OK;
}

/* ------------------------------------------------------------------ refs */

enum medfw_err medfwi_sbom_ref_add(struct medfwi_sbom_builder *b, const char *ref,
				   enum medfwi_sbom_ref_kind kind, size_t index,
				   struct medfw_diag *diag)
{
	struct medfwi_sbom_private *priv = b->sbom->priv_;
	struct medfwi_sbom_ref_entry *e;

	if (priv->ref_count == priv->ref_cap) {
		size_t cap = priv->ref_cap == 0 ? 64 : priv->ref_cap * 2;
		struct medfwi_sbom_ref_entry *grown;

		if (cap > SIZE_MAX / sizeof(*grown))
			return nomem(b, diag);
		grown = realloc(priv->refs, cap * sizeof(*grown));
		if (grown == NULL)
			return nomem(b, diag);
		priv->refs = grown;
		priv->ref_cap = cap;
	}
	e = &priv->refs[priv->ref_count];
	e->ref = ref;
	e->kind = kind;
	e->index = index;
	e->seq = priv->ref_count;
	e->path = medfwi_sbom_strndup(b->sbom, b->path.buf, b->path.len);
	if (e->path == NULL)
		return nomem(b, diag);
	priv->ref_count++;
	priv->refs_sealed = 0;
	return MEDFW_OK;
}

static int ref_entry_cmp(const void *a, const void *b)
{
	const struct medfwi_sbom_ref_entry *x = a, *y = b;
	int c = strcmp(x->ref, y->ref);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : (x->seq > y->seq ? 1 : 0);
}

enum medfw_err medfwi_sbom_ref_seal(struct medfwi_sbom_builder *b, struct medfw_diag *diag)
{
	struct medfwi_sbom_private *priv = b->sbom->priv_;
	char q[80];

	if (priv->ref_count > 1)
		qsort(priv->refs, priv->ref_count, sizeof(priv->refs[0]), ref_entry_cmp);
	for (size_t i = 1; i < priv->ref_count; i++)
		if (strcmp(priv->refs[i - 1].ref, priv->refs[i].ref) == 0)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "%s: \"%s\" is already used at %s (refs must be "
					      "unique in a document)",
					      priv->refs[i].path,
					      medfwi_sbom_quote(priv->refs[i].ref, q, sizeof(q)),
					      priv->refs[i - 1].path);
	priv->refs_sealed = 1;
	return MEDFW_OK;
}

static int ref_key_cmp(const void *key, const void *entry)
{
	return strcmp(key, ((const struct medfwi_sbom_ref_entry *)entry)->ref);
}

struct medfwi_sbom_ref_entry *medfwi_sbom_ref_find(const struct medfw_sbom *sbom,
						   const char *ref)
{
	const struct medfwi_sbom_private *priv = sbom->priv_;

	if (priv == NULL || !priv->refs_sealed || priv->ref_count == 0)
		return NULL;
	return bsearch(ref, priv->refs, priv->ref_count, sizeof(priv->refs[0]), ref_key_cmp);
}

size_t medfw_sbom_find(const struct medfw_sbom *sbom, const char *ref)
{
	const struct medfwi_sbom_ref_entry *e;

	if (sbom == NULL || ref == NULL)
		return MEDFW_SBOM_NONE;
	if (sbom->priv_ == NULL || !sbom->priv_->refs_sealed) {
		/* a model filled in by hand has no index */
		for (size_t i = 0; i < sbom->component_count; i++)
			if (sbom->components[i].ref != NULL &&
			    strcmp(sbom->components[i].ref, ref) == 0)
				return i;
		return MEDFW_SBOM_NONE;
	}
	e = medfwi_sbom_ref_find(sbom, ref);
	if (e == NULL || e->kind != MEDFWI_REF_COMPONENT)
		return MEDFW_SBOM_NONE;
	return e->index;
}

/* ------------------------------------------------------------------ components */

enum medfw_err medfwi_sbom_push(struct medfwi_sbom_builder *b,
				const struct medfw_sbom_component *c, size_t *out_index,
				struct medfw_diag *diag)
{
	struct medfw_sbom *sbom = b->sbom;
	struct medfwi_sbom_private *priv = sbom->priv_;

	if (sbom->component_count >= b->max_components)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "%s: more than %zu components",
				      medfwi_sbom_path_str(&b->path), b->max_components);
	if (sbom->component_count == priv->component_cap) {
		size_t cap = priv->component_cap == 0 ? 16 : priv->component_cap * 2;
		struct medfw_sbom_component *grown;

		if (cap > b->max_components)
			cap = b->max_components;
		if (cap > SIZE_MAX / sizeof(*grown))
			return nomem(b, diag);
		grown = realloc(sbom->components, cap * sizeof(*grown));
		if (grown == NULL)
			return nomem(b, diag);
		sbom->components = grown;
		priv->component_cap = cap;
	}
	sbom->components[sbom->component_count] = *c;
	*out_index = sbom->component_count++;
	return MEDFW_OK;
}

enum medfw_err medfwi_sbom_edge(struct medfwi_sbom_builder *b, const char *from,
				const char *to, struct medfw_diag *diag)
{
	if (b->edge_count == b->edge_cap) {
		size_t cap = b->edge_cap == 0 ? 64 : b->edge_cap * 2;
		struct medfwi_sbom_edge *grown;

		if (cap > SIZE_MAX / sizeof(*grown))
			return nomem(b, diag);
		grown = realloc(b->edges, cap * sizeof(*grown));
		if (grown == NULL)
			return nomem(b, diag);
		b->edges = grown;
		b->edge_cap = cap;
	}
	b->edges[b->edge_count].from = from;
	b->edges[b->edge_count].to = to;
	b->edge_count++;
	return MEDFW_OK;
}

static int edge_cmp(const void *a, const void *b)
{
	const struct medfwi_sbom_edge *x = a, *y = b;
	int c = strcmp(x->from, y->from);

	if (c != 0)
		return c;
	if (x->to == NULL || y->to == NULL)
		return (x->to != NULL) - (y->to != NULL);
	return strcmp(x->to, y->to);
}

enum medfw_err medfwi_sbom_finish(struct medfwi_sbom_builder *b, struct medfw_diag *diag)
{
	struct medfw_sbom *sbom = b->sbom;
	struct medfwi_sbom_edge *e = b->edges;
	size_t n = b->edge_count, groups = 0, i, j, g;

	for (i = 0; i < sbom->component_count; i++) {
		struct medfw_sbom_component *c = &sbom->components[i];

		c->parent_ref = c->parent == MEDFW_SBOM_NONE ? NULL
							    : sbom->components[c->parent].ref;
	}
	if (n == 0)
		return MEDFW_OK;
	qsort(e, n, sizeof(e[0]), edge_cmp);
	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(e[i].from, e[i - 1].from) != 0)
			groups++;
	sbom->dependencies = medfwi_sbom_alloc(sbom, groups, sizeof(sbom->dependencies[0]));
	if (sbom->dependencies == NULL)
		return nomem(b, diag);
	for (i = 0, g = 0; i < n; i = j, g++) {
		struct medfw_sbom_dependency *d = &sbom->dependencies[g];
		size_t count = 0;

		for (j = i; j < n && strcmp(e[j].from, e[i].from) == 0; j++)
			if (e[j].to != NULL &&
			    (j == i || e[j - 1].to == NULL || strcmp(e[j].to, e[j - 1].to) != 0))
				count++;
		d->ref = e[i].from;
		if (count == 0)
			continue;
		d->depends_on = medfwi_sbom_alloc(sbom, count, sizeof(d->depends_on[0]));
		if (d->depends_on == NULL)
			return nomem(b, diag);
		for (size_t k = i; k < j; k++)
			if (e[k].to != NULL &&
			    (k == i || e[k - 1].to == NULL || strcmp(e[k].to, e[k - 1].to) != 0))
				d->depends_on[d->depends_on_count++] = e[k].to;
	}
	sbom->dependency_count = groups;
	return MEDFW_OK;
}

/* ------------------------------------------------------------------ component check */

struct checker {
	struct medfwi_sbom_path path;
	struct medfw_diag *diag;
};

static enum medfw_err check_field(struct checker *ck, const char *key, const char *value,
				  enum medfwi_sbom_str kind, int required)
{
	size_t saved = medfwi_sbom_path_key(&ck->path, key);
	enum medfw_err err = MEDFW_OK;

	if (value == NULL) {
		if (required)
			err = medfw_diag_set(ck->diag, MEDFW_ERR_FIELD_MISSING, "%s: missing",
					     medfwi_sbom_path_str(&ck->path));
	} else {
		err = medfwi_sbom_check_str(value, strlen(value), kind,
					    medfwi_sbom_path_str(&ck->path), ck->diag);
	}
	medfwi_sbom_path_restore(&ck->path, saved);
	return err;
}

static enum medfw_err check_enum(struct checker *ck, const char *key, unsigned value,
				 size_t count)
{
	size_t saved;
	enum medfw_err err = MEDFW_OK;

	if (value < count)
		return MEDFW_OK;
	saved = medfwi_sbom_path_key(&ck->path, key);
	err = medfw_diag_set(ck->diag, MEDFW_ERR_INVALID_ARG, "%s: %u is not a known value",
			     medfwi_sbom_path_str(&ck->path), value);
	medfwi_sbom_path_restore(&ck->path, saved);
	return err;
}

static enum medfw_err check_identities(struct checker *ck, const char *key,
				       const struct medfw_sbom_identity *ids, size_t count)
{
	size_t saved = medfwi_sbom_path_key(&ck->path, key), s2;
	enum medfw_err err = MEDFW_OK;

	for (size_t i = 0; i < count && err == MEDFW_OK; i++) {
		const struct medfw_sbom_identity *id = &ids[i];

		s2 = medfwi_sbom_path_index(&ck->path, i);
		err = check_enum(ck, "type", (unsigned)id->type, TYPE_COUNT);
		if (err == MEDFW_OK)
			err = check_field(ck, "bom-ref", id->ref, MEDFWI_STR_REF, 0);
		if (err == MEDFW_OK)
			err = check_field(ck, "name", id->name, MEDFWI_STR_NAME, 1);
		if (err == MEDFW_OK)
			err = check_field(ck, "group", id->group, MEDFWI_STR_NAME, 0);
		if (err == MEDFW_OK)
			err = check_field(ck, "version", id->version, MEDFWI_STR_NAME, 0);
		if (err == MEDFW_OK)
			err = check_field(ck, "purl", id->purl, MEDFWI_STR_IDENT, 0);
		if (err == MEDFW_OK)
			err = check_field(ck, "cpe", id->cpe, MEDFWI_STR_IDENT, 0);
		medfwi_sbom_path_restore(&ck->path, s2);
	}
	medfwi_sbom_path_restore(&ck->path, saved);
	return err;
}

static enum medfw_err check_pedigree(struct checker *ck, const struct medfw_sbom_pedigree *pd)
{
	size_t saved = medfwi_sbom_path_key(&ck->path, "pedigree"), s2, s3;
	enum medfw_err err;

	err = check_identities(ck, "ancestors", pd->ancestors, pd->ancestor_count);
	if (err == MEDFW_OK)
		err = check_identities(ck, "descendants", pd->descendants, pd->descendant_count);
	if (err == MEDFW_OK)
		err = check_identities(ck, "variants", pd->variants, pd->variant_count);
	s2 = medfwi_sbom_path_key(&ck->path, "commits");
	for (size_t i = 0; i < pd->commit_count && err == MEDFW_OK; i++) {
		s3 = medfwi_sbom_path_index(&ck->path, i);
		err = check_field(ck, "uid", pd->commits[i].uid, MEDFWI_STR_LONG, 0);
		if (err == MEDFW_OK)
			err = check_field(ck, "url", pd->commits[i].url, MEDFWI_STR_LONG, 0);
		medfwi_sbom_path_restore(&ck->path, s3);
	}
	medfwi_sbom_path_restore(&ck->path, s2);
	s2 = medfwi_sbom_path_key(&ck->path, "patches");
	for (size_t i = 0; i < pd->patch_count && err == MEDFW_OK; i++) {
		const struct medfw_sbom_patch *pt = &pd->patches[i];

		s3 = medfwi_sbom_path_index(&ck->path, i);
		err = check_enum(ck, "type", (unsigned)pt->type, COUNT(patch_names));
		if (err == MEDFW_OK)
			err = check_field(ck, "diff.url", pt->diff_url, MEDFWI_STR_LONG, 0);
		for (size_t r = 0; r < pt->resolves_count && err == MEDFW_OK; r++) {
			const struct medfw_sbom_issue *is = &pt->resolves[r];
			size_t s4 = medfwi_sbom_path_key(&ck->path, "resolves");

			medfwi_sbom_path_index(&ck->path, r);
			err = check_enum(ck, "type", (unsigned)is->type, COUNT(issue_names));
			if (err == MEDFW_OK)
				err = check_field(ck, "id", is->id, MEDFWI_STR_NAME, 0);
			if (err == MEDFW_OK)
				err = check_field(ck, "name", is->name, MEDFWI_STR_NAME, 0);
			if (err == MEDFW_OK)
				err = check_field(ck, "source.name", is->source_name,
						  MEDFWI_STR_NAME, 0);
			if (err == MEDFW_OK)
				err = check_field(ck, "source.url", is->source_url,
						  MEDFWI_STR_LONG, 0);
			medfwi_sbom_path_restore(&ck->path, s4);
		}
		medfwi_sbom_path_restore(&ck->path, s3);
	}
	medfwi_sbom_path_restore(&ck->path, s2);
	medfwi_sbom_path_restore(&ck->path, saved);
	return err;
}

enum medfw_err medfwi_sbom_check_component(const struct medfw_sbom_component *c,
					   const char *what, struct medfw_diag *diag)
{
	struct checker ck;
	enum medfw_err err;
	size_t saved, i;

	memset(&ck, 0, sizeof(ck));
	ck.diag = diag;
	medfwi_sbom_path_key(&ck.path, what);
	err = check_enum(&ck, "type", (unsigned)c->type, TYPE_COUNT);
	if (err == MEDFW_OK)
		err = check_enum(&ck, "scope", (unsigned)c->scope, COUNT(scope_names));
	if (err == MEDFW_OK)
		err = check_field(&ck, "bom-ref", c->ref, MEDFWI_STR_REF, 1);
	if (err == MEDFW_OK)
		err = check_field(&ck, "name", c->name, MEDFWI_STR_NAME, 1);
	if (err == MEDFW_OK)
		err = check_field(&ck, "group", c->group, MEDFWI_STR_NAME, 0);
	if (err == MEDFW_OK)
		err = check_field(&ck, "version", c->version, MEDFWI_STR_NAME, 0);
	if (err == MEDFW_OK)
		err = check_field(&ck, "supplier.name", c->supplier, MEDFWI_STR_NAME, 0);
	if (err == MEDFW_OK)
		err = check_field(&ck, "author", c->author, MEDFWI_STR_NAME, 0);
	if (err == MEDFW_OK)
		err = check_field(&ck, "publisher", c->publisher, MEDFWI_STR_NAME, 0);
	if (err == MEDFW_OK)
		err = check_field(&ck, "purl", c->purl, MEDFWI_STR_IDENT, 0);
	if (err == MEDFW_OK && (c->cpe_count > 0 && c->cpes == NULL))
		err = medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s.cpes: NULL array", what);
	saved = medfwi_sbom_path_key(&ck.path, "cpes");
	for (i = 0; i < c->cpe_count && err == MEDFW_OK; i++) {
		size_t s2 = medfwi_sbom_path_index(&ck.path, i);

		if (c->cpes[i] == NULL)
			err = medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: NULL",
					     medfwi_sbom_path_str(&ck.path));
		else
			err = medfwi_sbom_check_str(c->cpes[i], strlen(c->cpes[i]),
						    MEDFWI_STR_IDENT,
						    medfwi_sbom_path_str(&ck.path), diag);
		medfwi_sbom_path_restore(&ck.path, s2);
	}
	medfwi_sbom_path_restore(&ck.path, saved);
	saved = medfwi_sbom_path_key(&ck.path, "hashes");
	for (i = 0; i < c->hash_count && err == MEDFW_OK; i++) {
		const struct medfw_sbom_hash *h = &c->hashes[i];
		size_t s2 = medfwi_sbom_path_index(&ck.path, i), want, len;

		err = check_enum(&ck, "alg", (unsigned)h->alg, HASH_ALG_COUNT);
		if (err == MEDFW_OK) {
			want = medfw_sbom_hash_hex_len(h->alg);
			len = h->hex == NULL ? 0 : strlen(h->hex);
			if (h->alg == MEDFW_SBOM_HASH_BLAKE3 && (len == 96 || len == 128))
				want = len;
			for (size_t k = 0; k < len; k++)
				if (!is_hex_lower(h->hex[k]))
					len = 0;
			if (len != want)
				err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						     "%s.content: not %zu lowercase hex digits "
						     "for %s",
						     medfwi_sbom_path_str(&ck.path), want,
						     medfw_sbom_hash_alg_name(h->alg));
		}
		medfwi_sbom_path_restore(&ck.path, s2);
	}
	medfwi_sbom_path_restore(&ck.path, saved);
	saved = medfwi_sbom_path_key(&ck.path, "licenses");
	for (i = 0; i < c->license_count && err == MEDFW_OK; i++) {
		const struct medfw_sbom_license *l = &c->licenses[i];
		size_t s2 = medfwi_sbom_path_index(&ck.path, i);

		err = check_enum(&ck, "kind", (unsigned)l->kind, 3);
		if (err == MEDFW_OK)
			err = check_field(&ck, "value", l->value,
					  l->kind == MEDFW_SBOM_LICENSE_EXPRESSION ? MEDFWI_STR_LONG
										   : MEDFWI_STR_NAME,
					  1);
		medfwi_sbom_path_restore(&ck.path, s2);
	}
	medfwi_sbom_path_restore(&ck.path, saved);
	if (err == MEDFW_OK && c->pedigree != NULL)
		err = check_pedigree(&ck, c->pedigree);
	return err;
}

/* ------------------------------------------------------------------ parse */

static void sbom_free_parts(struct medfw_sbom *sbom)
{
	struct medfwi_sbom_private *priv = sbom->priv_;

	if (priv != NULL) {
		struct medfwi_sbom_arena_block *blk = priv->blocks;

		while (blk != NULL) {
			struct medfwi_sbom_arena_block *next = blk->next;

			free(blk);
			blk = next;
		}
		free(priv->refs);
		free(priv);
	}
	free(sbom->components);
}

void medfw_sbom_free(struct medfw_sbom *sbom)
{
	if (sbom == NULL)
		return;
	sbom_free_parts(sbom);
	free(sbom);
}

/* Which format and version: sets *format and *minor (CycloneDX 1.x) or refuses. */
static enum medfw_err detect(struct medfwi_sbom_builder *b, const json_t *root,
			     enum medfw_sbom_format *format, unsigned *minor,
			     struct medfw_diag *diag)
{
	static const char *const cdx_versions[] = {"1.4", "1.5", "1.6"};
	const json_t *bom_format = json_object_get(root, "bomFormat");
	const json_t *spdx_version = json_object_get(root, "spdxVersion");
	const char *v;
	char q[80];
	enum medfw_err err;

	if (bom_format != NULL) {
		if (!json_is_string(bom_format))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE,
					      "bomFormat: must be a string");
		v = json_string_value(bom_format);
		if (strcmp(v, "CycloneDX") != 0)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "bomFormat: \"%s\" is not \"CycloneDX\"",
					      medfwi_sbom_quote(v, q, sizeof(q)));
		err = medfwi_sbom_field_str(b, root, "specVersion", MEDFWI_STR_NAME, 1,
					    &b->sbom->spec_version, diag);
		if (err != MEDFW_OK)
			return err;
		for (size_t i = 0; i < COUNT(cdx_versions); i++)
			if (strcmp(b->sbom->spec_version, cdx_versions[i]) == 0) {
				*format = MEDFW_SBOM_CYCLONEDX;
				*minor = 4u + (unsigned)i;
				return MEDFW_OK;
			}
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "specVersion: CycloneDX \"%s\" is not supported (1.4, 1.5 "
				      "and 1.6 are)",
				      medfwi_sbom_quote(b->sbom->spec_version, q, sizeof(q)));
	}
	if (spdx_version != NULL) {
		if (!json_is_string(spdx_version))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE,
					      "spdxVersion: must be a string");
		v = json_string_value(spdx_version);
		if (strcmp(v, "SPDX-2.3") != 0 && strcmp(v, "SPDX-2.2") != 0)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "spdxVersion: \"%s\" is not supported (SPDX-2.3 "
					      "and SPDX-2.2 JSON are)",
					      medfwi_sbom_quote(v, q, sizeof(q)));
		b->sbom->spec_version = medfwi_sbom_strndup(b->sbom, v, strlen(v));
		if (b->sbom->spec_version == NULL)
			return nomem(b, diag);
		*format = MEDFW_SBOM_SPDX;
		*minor = 0;
		return MEDFW_OK;
	}
	return medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
			      "(document): neither \"bomFormat\" (CycloneDX) nor "
			      "\"spdxVersion\" (SPDX): not an SBOM this reader knows");
}

enum medfw_err medfw_sbom_parse(const uint8_t *data, size_t len,
				const struct medfw_sbom_limits *limits, struct medfw_sbom **out,
				struct medfw_diag *diag)
{
	struct medfwi_sbom_builder b;
	struct medfw_sbom *sbom = NULL;
	json_t *root = NULL;
	size_t max_bytes = MEDFW_SBOM_MAX_BYTES;
	unsigned max_depth = MEDFW_SBOM_MAX_DEPTH, minor = 0;
	enum medfw_sbom_format format = MEDFW_SBOM_CYCLONEDX;
	enum medfw_err err;

	memset(&b, 0, sizeof(b));
	b.max_components = MEDFW_SBOM_MAX_COMPONENTS;
	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "SBOM: no output");
	*out = NULL;
	if (data == NULL && len != 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "SBOM: no input");
	if (limits != NULL) {
		if (limits->max_bytes != 0)
			max_bytes = limits->max_bytes;
		if (limits->max_depth != 0)
			max_depth = limits->max_depth;
		if (limits->max_components != 0)
			b.max_components = limits->max_components;
	}
	if (max_depth > MEDFW_SBOM_DEPTH_CEILING)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "SBOM: max_depth %u above the ceiling of %u", max_depth,
				      MEDFW_SBOM_DEPTH_CEILING);
	err = medfw_json_parse(data, len, max_bytes, max_depth, &root, diag);
	if (err != MEDFW_OK)
		return err;
	if (!json_is_object(root)) {
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE,
				     "(document): not a JSON object, so not an SBOM");
		goto out;
	}
	sbom = calloc(1, sizeof(*sbom));
	if (sbom == NULL || (sbom->priv_ = calloc(1, sizeof(*sbom->priv_))) == NULL) {
		err = medfw_diag_set(diag, MEDFW_ERR_NOMEM, "SBOM: out of memory");
		goto out;
	}
	sbom->product = MEDFW_SBOM_NONE;
	b.sbom = sbom;
	err = detect(&b, root, &format, &minor, diag);
	if (err != MEDFW_OK)
		goto out;
	sbom->format = format;
	if (format == MEDFW_SBOM_CYCLONEDX)
		err = medfwi_sbom_parse_cyclonedx(&b, root, minor, diag);
	else
		err = medfwi_sbom_parse_spdx(&b, root, diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_finish(&b, diag);
	if (err == MEDFW_OK) {
		*out = sbom;
		sbom = NULL;
	}
out:
	free(b.edges);
	medfw_sbom_free(sbom);
	json_decref(root);
	return err;
}
