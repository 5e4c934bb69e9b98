/* Internal: a string-keyed hash map (open addressing, FNV-1a) for the feed set, the
 * matcher's package index and the alias classes. Keys are BORROWED: the caller keeps
 * each key string alive, unchanged, as long as it is in the map. Values are size_t.
 * medfwi_strmap_free releases the table only. */
#ifndef MEDFW_VULN_STRMAP_INT_H
#define MEDFW_VULN_STRMAP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "medfw/error.h"

struct medfwi_strmap_slot {
	const char *key; /* borrowed; NULL: empty */
	uint64_t hash;
	size_t value;
};

struct medfwi_strmap {
	struct medfwi_strmap_slot *slots;
	size_t cap;   /* a power of two, 0 before the first insert */
	size_t count;
};

void medfwi_strmap_init(struct medfwi_strmap *m);
void medfwi_strmap_free(struct medfwi_strmap *m);

/* The value of `key`: 1 and *value set, or 0 when absent. */
int medfwi_strmap_get(const struct medfwi_strmap *m, const char *key, size_t *value);

/* Room for `n` keys in all: a put of a new key cannot fail until count reaches n. */
enum medfw_err medfwi_strmap_reserve(struct medfwi_strmap *m, size_t n);

/* Insert `key` with `value` unless present. *out_value is the value now stored (the
 * old one when the key was there); *out_added 1 when inserted. MEDFW_ERR_NOMEM. */
enum medfw_err medfwi_strmap_put(struct medfwi_strmap *m, const char *key, size_t value,
				 size_t *out_value, int *out_added);

/* Replace the value of a present key (no-op when absent). */
void medfwi_strmap_set(struct medfwi_strmap *m, const char *key, size_t value);

#endif
