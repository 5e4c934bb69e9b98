/* A string-keyed hash map (src/lib/vuln/strmap_int.h). */
#include "vuln/strmap_int.h"

#include <stdlib.h>
#include <string.h>

#define MIN_CAP 64u

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

void medfwi_strmap_init(struct medfwi_strmap *m)
{
	m->slots = NULL;
	m->cap = 0;
	m->count = 0;
}

void medfwi_strmap_free(struct medfwi_strmap *m)
{
	if (m == NULL)
		return;
	free(m->slots);
	medfwi_strmap_init(m);
}

/* The slot holding `key`, or the empty slot where it would go. */
static struct medfwi_strmap_slot *find(const struct medfwi_strmap *m, const char *key,
				       uint64_t h)
{
	size_t i = (size_t)h & (m->cap - 1);

	for (;;) {
		struct medfwi_strmap_slot *s = &m->slots[i];

		if (s->key == NULL || (s->hash == h && strcmp(s->key, key) == 0))
			return s;
		i = (i + 1) & (m->cap - 1);
	}
}

/* A table of `cap` slots (a power of two) with the present keys moved in. */
static enum medfw_err grow(struct medfwi_strmap *m, size_t cap)
{
	struct medfwi_strmap old = *m;
	size_t i;

	if (cap > SIZE_MAX / sizeof(*m->slots))
		return MEDFW_ERR_NOMEM;
	m->slots = calloc(cap, sizeof(*m->slots));
	if (m->slots == NULL) {
		m->slots = old.slots;
		return MEDFW_ERR_NOMEM;
	}
	m->cap = cap;
	for (i = 0; i < old.cap; i++) {
		if (old.slots[i].key != NULL)
			*find(m, old.slots[i].key, old.slots[i].hash) = old.slots[i];
	}
	free(old.slots);
	return MEDFW_OK;
}

enum medfw_err medfwi_strmap_reserve(struct medfwi_strmap *m, size_t n)
{
	size_t cap = m->cap == 0 ? MIN_CAP : m->cap;

	while (n > cap / 2) {
		if (cap > SIZE_MAX / 4)
			return MEDFW_ERR_NOMEM;
		cap *= 2;
	}
	return cap == m->cap ? MEDFW_OK : grow(m, cap);
}

int medfwi_strmap_get(const struct medfwi_strmap *m, const char *key, size_t *value)
{
	const struct medfwi_strmap_slot *s;

	if (m->cap == 0)
		return 0;
	s = find(m, key, fnv1a(key));
	if (s->key == NULL)
		return 0;
	*value = s->value;
	return 1;
}

enum medfw_err medfwi_strmap_put(struct medfwi_strmap *m, const char *key, size_t value,
				 size_t *out_value, int *out_added)
{
	uint64_t h = fnv1a(key);
	struct medfwi_strmap_slot *s;

	*out_added = 0;
	if (m->cap == 0 || m->count + 1 > m->cap / 2) {
		if (grow(m, m->cap == 0 ? MIN_CAP : m->cap * 2) != MEDFW_OK)
			return MEDFW_ERR_NOMEM;
	}
	s = find(m, key, h);
	if (s->key != NULL) {
		*out_value = s->value;
		return MEDFW_OK;
	}
	s->key = key;
	s->hash = h;
	s->value = value;
	m->count++;
	*out_value = value;
	*out_added = 1;
	return MEDFW_OK;
}

void medfwi_strmap_set(struct medfwi_strmap *m, const char *key, size_t value)
{
	struct medfwi_strmap_slot *s;

	if (m->cap == 0)
		return;
	s = find(m, key, fnv1a(key));
	if (s->key != NULL)
		s->value = value;
}
