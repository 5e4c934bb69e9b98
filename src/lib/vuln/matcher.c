/* The matcher: index, combination of sources, pedigree, VEX, KEV, severity
 * (include/medfw/vuln_matcher.h). */
#include "medfw/vuln_matcher.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/buf.h"
#include "medfw/cpe.h"
#include "medfw/purl.h"
#include "vuln/feed_int.h"
#include "vuln/strmap_int.h"

#define NONE SIZE_MAX
#define KEY_MAX 256u
#define KEV_ID "cisa-kev"

const char *medfw_finding_status_name(enum medfw_finding_status status)
{
	switch (status) {
	case MEDFW_FINDING_AFFECTED:
		return "affected";
	case MEDFW_FINDING_NOT_AFFECTED:
		return "not_affected";
	case MEDFW_FINDING_FIXED:
		return "fixed";
	case MEDFW_FINDING_UNDER_INVESTIGATION:
		return "under_investigation";
	case MEDFW_FINDING_UNDETERMINED:
		break;
	}
	return "undetermined";
}

int medfw_finding_status_open(enum medfw_finding_status status)
{
	return status == MEDFW_FINDING_AFFECTED || status == MEDFW_FINDING_UNDETERMINED ||
	       status == MEDFW_FINDING_UNDER_INVESTIGATION;
}

/* ------------------------------------------------------------------ index */

/* One evaluation unit: a record, or one vulnerability of a CSAF document. */
struct entry {
	size_t rec;
	size_t vi;  /* CSAF vulnerability index */
	size_t id;  /* node of its primary id (class: find(id)) */
};

struct key_ref {
	char *key;
	size_t entry;
};

struct node {
	const char *id; /* borrowed from the record, or one of index->owned */
	size_t parent;
};

struct medfw_vuln_index {
	const struct medfw_feed_set *feeds;
	const struct medfw_product_map *map; /* borrowed; NULL without one */
	const struct medfw_kev_catalog *kev;
	struct medfw_csaf_product_map *csaf_map; /* advisory names, feed products */
	size_t csaf_map_count;
	struct entry *entries;
	size_t entry_count, entry_cap;
	struct key_ref *keys;
	size_t key_count, key_cap;
	struct medfwi_strmap key_index; /* key -> first position in keys[] */
	size_t *unkeyed;
	size_t unkeyed_count, unkeyed_cap;
	struct node *nodes;
	size_t node_count, node_cap;
	struct medfwi_strmap id_index; /* id -> node */
	char **owned;                   /* ids made up here (CSAF without ids) */
	size_t owned_count, owned_cap;
	/* per class root: display id, member nodes and entries */
	const char **display;           /* [node] for roots */
	size_t *member_start, *members; /* members[member_start[r] .. member_start[r + 1]) */
	size_t *entry_start, *class_entries;
	struct medfw_match_problem *problems;
	size_t problem_count, problem_cap;
};

/* Grow an array of `*cap` elements of `size` bytes to hold `need`. */
static int grow(void **arr, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap == 0 ? 16 : *cap;
	void *p;

	if (need <= *cap)
		return 1;
	while (n < need) {
		if (n > SIZE_MAX / 2 / size)
			return 0;
		n *= 2;
	}
	p = realloc(*arr, n * size);
	if (p == NULL)
		return 0;
	*arr = p;
	*cap = n;
	return 1;
}

#define GROW(arr, cap, need) grow((void **)&(arr), &(cap), (need), sizeof(*(arr)))

static enum medfw_err add_problem(struct medfw_match_problem **arr, size_t *count, size_t *cap,
				  const char *source, const char *json_path, const char *fmt, ...)
	MEDFW_PRINTF(6, 7);

static enum medfw_err add_problem(struct medfw_match_problem **arr, size_t *count, size_t *cap,
				  const char *source, const char *json_path, const char *fmt, ...)
{
	struct medfw_match_problem *p;
	va_list ap;

	if (!grow((void **)arr, cap, *count + 1, sizeof(**arr)))
		return MEDFW_ERR_NOMEM;
	p = &(*arr)[(*count)++];
	snprintf(p->source, sizeof(p->source), "%s", source != NULL ? source : "");
	snprintf(p->json_path, sizeof(p->json_path), "%s", json_path != NULL ? json_path : "");
	va_start(ap, fmt);
	vsnprintf(p->message, sizeof(p->message), fmt, ap);
	va_end(ap);
	return MEDFW_OK;
}

void medfw_vuln_index_free(struct medfw_vuln_index *idx)
{
	size_t i;

	if (idx == NULL)
		return;
	for (i = 0; i < idx->key_count; i++)
		free(idx->keys[i].key);
	free(idx->keys);
	medfwi_strmap_free(&idx->key_index);
	for (i = 0; i < idx->owned_count; i++)
		free(idx->owned[i]);
	free(idx->owned);
	medfwi_strmap_free(&idx->id_index);
	free(idx->nodes);
	free(idx->entries);
	free(idx->unkeyed);
	free(idx->csaf_map);
	free(idx->display);
	free(idx->member_start);
	free(idx->members);
	free(idx->entry_start);
	free(idx->class_entries);
	free(idx->problems);
	free(idx);
}

/* The normalised key of a name: ASCII lowercase, '_' '.' and spaces as '-', trimmed.
 * "" when nothing is left or it is too long to be a package name. */
static void norm_key(const char *in, char *out, size_t cap)
{
	size_t o = 0, n;

	while (*in == ' ' || *in == '\t')
		in++;
	n = strlen(in);
	while (n > 0 && (in[n - 1] == ' ' || in[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= cap) {
		out[0] = '\0';
		return;
	}
	for (; o < n; o++) {
		char c = in[o];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		else if (c == '_' || c == '.' || c == ' ')
			c = '-';
		out[o] = c;
	}
	out[o] = '\0';
}

/* A set of keys for one entry or component, deduplicated. An entry with more names than
 * KEYSET_MAX (or whose names could not all be kept) is evaluated against every
 * component instead. */
#define KEYSET_MAX 1024u

struct keyset {
	char **k;
	size_t n, cap;
	int overflow; /* a name was not kept: too many, or out of memory */
};

static void keyset_free(struct keyset *ks)
{
	size_t i;

	for (i = 0; i < ks->n; i++)
		free(ks->k[i]);
	free(ks->k);
	memset(ks, 0, sizeof(*ks));
}

/* Add the key of `name`: 1 when the set holds it afterwards, 0 when the name gives no
 * key (empty, "n/a", "*", "-", too long) or it could not be kept (overflow set). */
static int keyset_add(struct keyset *ks, const char *name)
{
	char k[KEY_MAX];
	size_t i, len;
	char *copy;

	if (name == NULL)
		return 0;
	norm_key(name, k, sizeof(k));
	if (k[0] == '\0' || strcmp(k, "n/a") == 0 || strcmp(k, "*") == 0 || strcmp(k, "-") == 0)
		return 0;
	for (i = 0; i < ks->n; i++)
		if (strcmp(ks->k[i], k) == 0)
			return 1;
	len = strlen(k);
	copy = ks->n < KEYSET_MAX && GROW(ks->k, ks->cap, ks->n + 1) ? malloc(len + 1) : NULL;
	if (copy == NULL) {
		ks->overflow = 1;
		return 0;
	}
	memcpy(copy, k, len + 1);
	ks->k[ks->n++] = copy;
	return 1;
}

/* The name and the part after its last '/' or ':' ("org.x:artifact", "@scope/pkg",
 * "github.com/owner/repo", "owner/repo"); 1 when one of them is a key. */
static int keyset_add_name(struct keyset *ks, const char *name)
{
	const char *a, *b, *last;
	int keyed;

	if (name == NULL)
		return 0;
	keyed = keyset_add(ks, name);
	a = strrchr(name, '/');
	b = strrchr(name, ':');
	last = a > b ? a : b;
	if (last != NULL && last[1] != '\0')
		keyed |= keyset_add(ks, last + 1);
	return keyed;
}

static void keyset_add_purl(struct keyset *ks, const char *text)
{
	struct medfw_purl *p = NULL;

	if (text == NULL || medfw_purl_parse(text, MEDFW_PURL_LENIENT, &p, NULL) != MEDFW_OK)
		return;
	(void)keyset_add_name(ks, p->name);
	medfw_purl_free(p);
}

/* The product of a CPE name; 0 when it has none usable as a key (ANY, NA, wildcard). */
static int cpe_product_key(const struct medfw_cpe *c, struct keyset *ks)
{
	const struct medfw_cpe_value *v = &c->attr[MEDFW_CPE_PRODUCT];

	if (v->kind != MEDFW_CPE_VALUE || v->has_wildcard)
		return 0;
	return keyset_add(ks, v->text);
}

static void keyset_add_cpe_text(struct keyset *ks, const char *text)
{
	struct medfw_cpe *c = NULL;

	if (text == NULL || medfw_cpe_parse(text, MEDFW_CPE_LENIENT, &c, NULL) != MEDFW_OK)
		return;
	(void)cpe_product_key(c, ks);
	medfw_cpe_free(c);
}

/* "https://github.com/owner/repo(.git)" -> "repo"; 1 when it gave a key. */
static int keyset_add_repo(struct keyset *ks, const char *url)
{
	char buf[KEY_MAX];
	const char *slash;
	size_t n;

	if (url == NULL)
		return 0;
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	if (n >= 4 && strncmp(url + n - 4, ".git", 4) == 0)
		n -= 4;
	if (n == 0 || n >= sizeof(buf))
		return 0;
	memcpy(buf, url, n);
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	return keyset_add(ks, slash != NULL ? slash + 1 : buf);
}

/* An affected entry whose package gives no key (a name already keyed by an earlier
 * entry counts as keyed) is evaluated everywhere. */
static void osv_keys(const struct medfw_osv_record *r, struct keyset *ks, int *unkeyed)
{
	size_t i, k;

	for (i = 0; i < r->affected_count; i++) {
		const struct medfw_osv_affected *a = &r->affected[i];
		int keyed = 0;

		if (a->has_package) {
			keyed |= keyset_add_name(ks, a->name);
			if (a->parsed_purl != NULL)
				keyed |= keyset_add_name(ks, a->parsed_purl->name);
		}
		for (k = 0; k < a->range_count; k++)
			if (a->ranges[k].repo != NULL)
				keyed |= keyset_add_repo(ks, a->ranges[k].repo);
		if (!keyed && a->has_package)
			*unkeyed = 1;
	}
}

static void nvd_keys(const struct medfw_nvd_record *r, struct keyset *ks, int *unkeyed)
{
	size_t c, n, m;

	if (r->withdrawn)
		return;
	for (c = 0; c < r->configuration_count; c++) {
		const struct medfw_nvd_configuration *cfg = &r->configurations[c];

		for (n = 0; n < cfg->node_count; n++) {
			const struct medfw_nvd_node *node = &cfg->nodes[n];

			for (m = 0; m < node->match_count; m++) {
				const struct medfw_nvd_cpe_match *cm = &node->matches[m];

				if (cm->vulnerable && !cpe_product_key(cm->cpe, ks))
					*unkeyed = 1;
			}
		}
	}
}

static void cve5_container_keys(const struct medfw_cve5_container *c, struct keyset *ks)
{
	size_t i, k;

	for (i = 0; i < c->affected_count; i++) {
		const struct medfw_cve5_affected *a = &c->affected[i];

		keyset_add_name(ks, a->product);
		keyset_add_name(ks, a->package_name);
		keyset_add_purl(ks, a->package_url);
		for (k = 0; k < a->cpe_count; k++)
			keyset_add_cpe_text(ks, a->cpes[k]);
	}
}

static void cve5_keys(const struct medfw_cve5_record *r, struct keyset *ks)
{
	size_t i;

	if (r->state == MEDFW_CVE5_REJECTED)
		return;
	cve5_container_keys(&r->cna, ks);
	for (i = 0; i < r->adp_count; i++)
		cve5_container_keys(&r->adp[i], ks);
}

static void csaf_product_keys(const struct medfw_vuln_index *idx,
			      const struct medfw_csaf_product *p, struct keyset *ks, int depth)
{
	size_t i;

	if (p == NULL || depth > 8)
		return;
	if (p->has_helper) {
		keyset_add_purl(ks, p->helper.purl);
		keyset_add_cpe_text(ks, p->helper.cpe);
		for (i = 0; i < p->helper.model_number_count; i++)
			keyset_add(ks, p->helper.model_numbers[i]);
	}
	for (i = 0; i < idx->csaf_map_count; i++) {
		const struct medfw_csaf_product_map *e = &idx->csaf_map[i];

		if (strcmp(e->advisory_product, p->name) == 0 ||
		    (p->product_name != NULL && strcmp(e->advisory_product, p->product_name) == 0))
			keyset_add(ks, e->model);
	}
	if (p->origin == MEDFW_CSAF_FROM_RELATIONSHIP)
		csaf_product_keys(idx, p->component, ks, depth + 1);
}

static void csaf_keys(const struct medfw_vuln_index *idx, const struct medfw_csaf_doc *doc,
		      size_t vi, struct keyset *ks)
{
	const struct medfw_csaf_vulnerability *v = &doc->vulnerabilities[vi];
	size_t s, i;

	for (s = 0; s < MEDFW_CSAF_STATUS_COUNT; s++)
		for (i = 0; i < v->status_count[s]; i++)
			csaf_product_keys(idx, medfw_csaf_product_find(doc, v->status[s][i]), ks, 0);
}

/* ---- alias classes (union-find over ids) */

static size_t find(struct node *nodes, size_t i)
{
	while (nodes[i].parent != i) {
		nodes[i].parent = nodes[nodes[i].parent].parent;
		i = nodes[i].parent;
	}
	return i;
}

static size_t find_const(const struct node *nodes, size_t i)
{
	while (nodes[i].parent != i)
		i = nodes[i].parent;
	return i;
}

/* The node of `id` (added when new); NONE when out of memory. */
static size_t id_node(struct medfw_vuln_index *idx, const char *id)
{
	size_t pos = 0;
	int added = 0;

	if (!GROW(idx->nodes, idx->node_cap, idx->node_count + 1))
		return NONE;
	if (medfwi_strmap_put(&idx->id_index, id, idx->node_count, &pos, &added) != MEDFW_OK)
		return NONE;
	if (added) {
		idx->nodes[idx->node_count].id = id;
		idx->nodes[idx->node_count].parent = idx->node_count;
		idx->node_count++;
	}
	return pos;
}

/* Join `id` to the class of node `to`; 0 when out of memory. */
static int join(struct medfw_vuln_index *idx, size_t to, const char *id)
{
	size_t n = id_node(idx, id), a, b;

	if (n == NONE)
		return 0;
	a = find(idx->nodes, to);
	b = find(idx->nodes, n);
	if (a != b)
		idx->nodes[b].parent = a;
	return 1;
}

/* A CVE or GHSA id (CSAF ids[] also carry bug tracker numbers, which must not join
 * two vulnerabilities). */
static int vuln_id_like(const char *id)
{
	return strncmp(id, "CVE-", 4) == 0 || strncmp(id, "GHSA-", 5) == 0;
}

/* The ids of an entry: *primary and its aliases joined. */
static enum medfw_err entry_ids(struct medfw_vuln_index *idx, const struct medfw_feed_record *rec,
				size_t vi, size_t *primary)
{
	const struct medfw_csaf_vulnerability *v;
	const char *id;
	size_t n, i;
	char label[64];
	char *made;

	switch (rec->format) {
	case MEDFW_FEED_OSV:
		n = id_node(idx, rec->u.osv->id);
		if (n == NONE)
			return MEDFW_ERR_NOMEM;
		for (i = 0; i < rec->u.osv->alias_count; i++)
			if (!join(idx, n, rec->u.osv->aliases[i]))
				return MEDFW_ERR_NOMEM;
		if (rec->u.osv->upstream_count == 1 && !join(idx, n, rec->u.osv->upstream[0]))
			return MEDFW_ERR_NOMEM;
		break;
	case MEDFW_FEED_CSAF:
		v = &rec->u.csaf->vulnerabilities[vi];
		id = v->cve;
		for (i = 0; id == NULL && i < v->id_count; i++)
			if (vuln_id_like(v->ids[i].text))
				id = v->ids[i].text;
		if (id == NULL) {
			/* no CVE or GHSA id: the vulnerability is this document's own */
			snprintf(label, sizeof(label), "#vulnerabilities[%zu]", vi);
			n = strlen(rec->id) + strlen(label) + 1;
			made = malloc(n);
			if (made == NULL || !GROW(idx->owned, idx->owned_cap, idx->owned_count + 1)) {
				free(made);
				return MEDFW_ERR_NOMEM;
			}
			snprintf(made, n, "%s%s", rec->id, label);
			idx->owned[idx->owned_count++] = made;
			id = made;
		}
		n = id_node(idx, id);
		if (n == NONE)
			return MEDFW_ERR_NOMEM;
		/* ids[] also holds bug tracker numbers: only vulnerability ids join */
		for (i = 0; i < v->id_count; i++)
			if (vuln_id_like(v->ids[i].text) && !join(idx, n, v->ids[i].text))
				return MEDFW_ERR_NOMEM;
		break;
	default:
		n = id_node(idx, rec->id);
		if (n == NONE)
			return MEDFW_ERR_NOMEM;
		break;
	}
	*primary = n;
	return MEDFW_OK;
}

/* Preference for a class's display id: CVE, then GHSA, then anything; smaller first. */
static int id_rank(const char *id)
{
	if (strncmp(id, "CVE-", 4) == 0)
		return 0;
	if (strncmp(id, "GHSA-", 5) == 0)
		return 1;
	return 2;
}

static int better_id(const char *a, const char *b)
{
	int ra = id_rank(a), rb = id_rank(b);

	if (ra != rb)
		return ra < rb;
	if (strlen(a) != strlen(b) && ra == 0)
		return strlen(a) < strlen(b); /* CVE-2022-1234 before CVE-2022-12345 */
	return strcmp(a, b) < 0;
}

static int cmp_key(const void *a, const void *b)
{
	const struct key_ref *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c != 0)
		return c;
	return x->entry < y->entry ? -1 : x->entry > y->entry;
}

/* Group nodes and entries by class root (counting sort). */
static enum medfw_err build_classes(struct medfw_vuln_index *idx)
{
	size_t n = idx->node_count, i, r;
	size_t *fill;

	idx->display = calloc(n + 1, sizeof(*idx->display));
	idx->member_start = calloc(n + 2, sizeof(*idx->member_start));
	idx->members = calloc(n + 1, sizeof(*idx->members));
	idx->entry_start = calloc(n + 2, sizeof(*idx->entry_start));
	idx->class_entries = calloc(idx->entry_count + 1, sizeof(*idx->class_entries));
	fill = calloc(n + 1, sizeof(*fill));
	if (idx->display == NULL || idx->member_start == NULL || idx->members == NULL ||
	    idx->entry_start == NULL || idx->class_entries == NULL || fill == NULL) {
		free(fill);
		return MEDFW_ERR_NOMEM;
	}
	for (i = 0; i < n; i++) {
		r = find(idx->nodes, i);
		idx->member_start[r + 1]++;
		if (idx->display[r] == NULL || better_id(idx->nodes[i].id, idx->display[r]))
			idx->display[r] = idx->nodes[i].id;
	}
	for (i = 0; i < n; i++)
		idx->member_start[i + 1] += idx->member_start[i];
	for (i = 0; i < n; i++) {
		r = find(idx->nodes, i);
		idx->members[idx->member_start[r] + fill[r]++] = i;
	}
	memset(fill, 0, (n + 1) * sizeof(*fill));
	for (i = 0; i < idx->entry_count; i++)
		idx->entry_start[find(idx->nodes, idx->entries[i].id) + 1]++;
	for (i = 0; i < n; i++)
		idx->entry_start[i + 1] += idx->entry_start[i];
	for (i = 0; i < idx->entry_count; i++) {
		r = find(idx->nodes, idx->entries[i].id);
		idx->class_entries[idx->entry_start[r] + fill[r]++] = i;
	}
	free(fill);
	return MEDFW_OK;
}

/* Product `product_id` of `doc` when it is the CSAF VEX document `document` (its
 * tracking id) and defines that product, else NULL. */
static const struct medfw_csaf_product *vex_product(const struct medfw_vex_doc *doc,
						    const char *document, const char *product_id)
{
	if (doc->format != MEDFW_VEX_CSAF || doc->csaf == NULL ||
	    doc->csaf->tracking_id == NULL || strcmp(doc->csaf->tracking_id, document) != 0)
		return NULL;
	return medfw_csaf_product_find(doc->csaf, product_id);
}

/* The product map as the CSAF evaluator takes it; csaf_products of loaded feed documents
 * resolved to names. Those of a CSAF VEX document are resolved for its statements at
 * each match (vex_doc_map); one that neither a feed nor one of `vex` defines is a
 * problem. */
static enum medfw_err build_csaf_map(struct medfw_vuln_index *idx,
				     const struct medfw_product_map *map,
				     const struct medfw_vex_doc *const *vex, size_t vex_count)
{
	size_t total = 0, i, k, d, n = 0;

	if (map == NULL)
		return MEDFW_OK;
	for (i = 0; i < map->entry_count; i++)
		total += map->entries[i].advisory_product_count + map->entries[i].csaf_product_count;
	idx->csaf_map = calloc(total + 1, sizeof(*idx->csaf_map));
	if (idx->csaf_map == NULL)
		return MEDFW_ERR_NOMEM;
	for (i = 0; i < map->entry_count; i++) {
		const struct medfw_product_map_entry *e = &map->entries[i];
		struct medfw_csaf_product_map base;
		char path[MEDFW_VEX_JSON_PATH_MAX];

		memset(&base, 0, sizeof(base));
		base.vendor = e->vendor;
		base.model = e->model;
		base.versions = e->versions;
		base.scheme = e->scheme;
		for (k = 0; k < e->advisory_product_count; k++) {
			idx->csaf_map[n] = base;
			idx->csaf_map[n++].advisory_product = e->advisory_products[k];
		}
		for (k = 0; k < e->csaf_product_count; k++) {
			const struct medfw_product_map_csaf *c = &e->csaf_products[k];
			const struct medfw_feed_record *rec =
				medfw_feed_set_find(idx->feeds, MEDFW_FEED_CSAF, c->document);
			const struct medfw_csaf_product *p =
				rec != NULL ? medfw_csaf_product_find(rec->u.csaf, c->product_id)
					    : NULL;

			if (p == NULL) {
				for (d = 0; d < vex_count; d++)
					if (vex_product(vex[d], c->document, c->product_id) != NULL)
						break;
				if (d < vex_count)
					continue; /* a VEX document's: mapped for its statements */
				snprintf(path, sizeof(path), "mappings[%zu].csaf_products[%zu]", i, k);
				if (add_problem(&idx->problems, &idx->problem_count, &idx->problem_cap,
						map->source, path,
						"no loaded CSAF document or given CSAF VEX document %s "
						"defines product %s",
						c->document, c->product_id) != MEDFW_OK)
					return MEDFW_ERR_NOMEM;
				continue;
			}
			idx->csaf_map[n] = base;
			idx->csaf_map[n].vendor = NULL; /* the product is named exactly */
			idx->csaf_map[n++].advisory_product = p->name;
		}
	}
	idx->csaf_map_count = n;
	return MEDFW_OK;
}

static enum medfw_err add_entry(struct medfw_vuln_index *idx, size_t rec, size_t vi)
{
	const struct medfw_feed_record *r = medfw_feed_set_get(idx->feeds, rec);
	struct keyset ks;
	struct entry *e;
	int unkeyed = 0;
	size_t i;
	enum medfw_err err;

	if (!GROW(idx->entries, idx->entry_cap, idx->entry_count + 1))
		return MEDFW_ERR_NOMEM;
	e = &idx->entries[idx->entry_count];
	e->rec = rec;
	e->vi = vi;
	err = entry_ids(idx, r, vi, &e->id);
	if (err != MEDFW_OK)
		return err;
	memset(&ks, 0, sizeof(ks));
	switch (r->format) {
	case MEDFW_FEED_OSV:
		osv_keys(r->u.osv, &ks, &unkeyed);
		break;
	case MEDFW_FEED_NVD:
		nvd_keys(r->u.nvd, &ks, &unkeyed);
		break;
	case MEDFW_FEED_CVE5:
		cve5_keys(r->u.cve5, &ks);
		break;
	case MEDFW_FEED_CSAF:
		csaf_keys(idx, r->u.csaf, vi, &ks);
		break;
	case MEDFW_FEED_KEV:
		break;
	}
	if (ks.overflow)
		unkeyed = 1; /* more names than kept: evaluate it everywhere */
	if (!GROW(idx->keys, idx->key_cap, idx->key_count + ks.n) ||
	    (unkeyed && !GROW(idx->unkeyed, idx->unkeyed_cap, idx->unkeyed_count + 1))) {
		keyset_free(&ks);
		return MEDFW_ERR_NOMEM;
	}
	for (i = 0; i < ks.n; i++) { /* the index takes the key strings */
		idx->keys[idx->key_count].key = ks.k[i];
		idx->keys[idx->key_count++].entry = idx->entry_count;
	}
	ks.n = 0;
	keyset_free(&ks);
	if (unkeyed)
		idx->unkeyed[idx->unkeyed_count++] = idx->entry_count;
	idx->entry_count++;
	return MEDFW_OK;
}

enum medfw_err medfw_vuln_index_new(const struct medfw_feed_set *feeds,
				    const struct medfw_product_map *map,
				    struct medfw_vuln_index **out, struct medfw_diag *diag)
{
	return medfw_vuln_index_new_vex(feeds, map, NULL, 0, out, diag);
}

enum medfw_err medfw_vuln_index_new_vex(const struct medfw_feed_set *feeds,
					const struct medfw_product_map *map,
					const struct medfw_vex_doc *const *vex, size_t vex_count,
					struct medfw_vuln_index **out, struct medfw_diag *diag)
{
	struct medfw_vuln_index *idx;
	const struct medfw_feed_record *kev;
	size_t i, vi, pos = 0;
	int added;
	enum medfw_err err = MEDFW_OK;

	if (out != NULL)
		*out = NULL;
	if (feeds == NULL || out == NULL || (vex == NULL && vex_count > 0))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "vuln index: invalid argument");
	for (i = 0; i < vex_count; i++)
		if (vex[i] == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
					      "vuln index: VEX document %zu missing", i);
	idx = calloc(1, sizeof(*idx));
	if (idx == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "vuln index: out of memory");
	idx->feeds = feeds;
	idx->map = map;
	medfwi_strmap_init(&idx->key_index);
	medfwi_strmap_init(&idx->id_index);
	kev = medfw_feed_set_find(feeds, MEDFW_FEED_KEV, KEV_ID);
	idx->kev = kev != NULL ? kev->u.kev : NULL;
	err = build_csaf_map(idx, map, vex, vex_count);
	for (i = 0; err == MEDFW_OK && i < medfw_feed_set_count(feeds); i++) {
		const struct medfw_feed_record *r = medfw_feed_set_get(feeds, i);

		if (r->format == MEDFW_FEED_KEV)
			continue;
		if (r->format != MEDFW_FEED_CSAF) {
			err = add_entry(idx, i, 0);
			continue;
		}
		for (vi = 0; err == MEDFW_OK && vi < r->u.csaf->vulnerability_count; vi++)
			err = add_entry(idx, i, vi);
	}
	if (err == MEDFW_OK && idx->key_count > 1)
		qsort(idx->keys, idx->key_count, sizeof(*idx->keys), cmp_key);
	if (err == MEDFW_OK)
		err = medfwi_strmap_reserve(&idx->key_index, idx->key_count);
	for (i = 0; err == MEDFW_OK && i < idx->key_count; i++)
		err = medfwi_strmap_put(&idx->key_index, idx->keys[i].key, i, &pos, &added);
	if (err == MEDFW_OK)
		err = build_classes(idx);
	if (err != MEDFW_OK) {
		medfw_vuln_index_free(idx);
		return medfw_diag_set(diag, err, "vuln index: out of memory");
	}
	*out = idx;
	return MEDFW_OK;
}

size_t medfw_vuln_index_problem_count(const struct medfw_vuln_index *idx)
{
	return idx != NULL ? idx->problem_count : 0;
}

const struct medfw_match_problem *medfw_vuln_index_problem(const struct medfw_vuln_index *idx,
							  size_t i)
{
	if (idx == NULL || i >= idx->problem_count)
		return NULL;
	return &idx->problems[i];
}

size_t medfw_vuln_index_entry_count(const struct medfw_vuln_index *idx)
{
	return idx != NULL ? idx->entry_count : 0;
}

size_t medfw_vuln_index_unkeyed_count(const struct medfw_vuln_index *idx)
{
	return idx != NULL ? idx->unkeyed_count : 0;
}

/* ------------------------------------------------------------------ match */

/* The converted CPE strings of a view. */
struct view_store {
	const char **cpes; /* what view->cpes points to */
	char **owned;      /* the converted ones (NULL where the original is used) */
	size_t n;
};

/* A finding under construction: its class (a root node, or NONE for a VEX-only finding
 * of an id no record has). */
struct slot {
	size_t cls;
	size_t evidence_cap;
};

/* The product map the statements of one VEX document are applied with. */
struct vex_map {
	const struct medfw_csaf_product_map *map;
	size_t count;
	struct medfw_csaf_product_map *owned; /* when the document has entries of its own */
};

struct run {
	const struct medfw_vuln_index *idx;
	const struct medfw_vex_doc *const *vex;
	size_t vex_count;
	struct vex_map *vex_maps; /* parallel to vex */
	struct medfw_match_result *res;
	size_t finding_cap, problem_cap;
	struct slot *slots; /* parallel to res->findings */
	size_t slot_cap;
	size_t *stamp;      /* per entry: the component serial that last saw it */
	size_t serial;
	/* the component being matched */
	const struct medfw_match_sbom *sbom;
	size_t sbom_index, comp_index, first_finding;
	const struct medfw_sbom_component *comp;
	struct medfw_vuln_component view, product_view;
	struct view_store view_store, product_store;
	int reported;       /* a problem about this component was reported */
	struct medfw_diag *diag;
};

static void view_store_free(struct view_store *vs)
{
	size_t i;

	for (i = 0; vs->owned != NULL && i < vs->n; i++)
		free(vs->owned[i]);
	free(vs->owned);
	free(vs->cpes);
	memset(vs, 0, sizeof(*vs));
}

/* The component as evaluators see it: 2.2 CPE URIs converted to 2.3 formatted strings
 * (vuln_match.h), empty versions absent, the supplier (else the publisher). */
static enum medfw_err make_view(const struct medfw_sbom_component *c,
				struct medfw_vuln_component *view, struct view_store *vs)
{
	size_t i;

	memset(view, 0, sizeof(*view));
	memset(vs, 0, sizeof(*vs));
	view->name = c->name;
	view->group = c->group;
	view->version = c->version != NULL && c->version[0] != '\0' ? c->version : NULL;
	view->purl = c->purl;
	view->supplier = c->supplier != NULL ? c->supplier : c->publisher;
	if (c->cpe_count == 0)
		return MEDFW_OK;
	vs->cpes = calloc(c->cpe_count, sizeof(*vs->cpes));
	vs->owned = calloc(c->cpe_count, sizeof(*vs->owned));
	vs->n = c->cpe_count;
	if (vs->cpes == NULL || vs->owned == NULL) {
		view_store_free(vs);
		return MEDFW_ERR_NOMEM;
	}
	for (i = 0; i < c->cpe_count; i++) {
		struct medfw_cpe *cpe = NULL;
		struct medfw_buf b;
		enum medfw_err err;

		vs->cpes[i] = c->cpes[i];
		if (strncmp(c->cpes[i], "cpe:/", 5) != 0 && strncmp(c->cpes[i], "CPE:/", 5) != 0)
			continue;
		err = medfw_cpe_parse(c->cpes[i], MEDFW_CPE_LENIENT, &cpe, NULL);
		if (err == MEDFW_ERR_NOMEM) {
			view_store_free(vs);
			return err;
		}
		if (err != MEDFW_OK)
			continue; /* the evaluators report it, naming the CPE */
		medfw_buf_init(&b, MEDFW_CPE_MAX_LEN + 1);
		if (medfw_cpe_to_string(cpe, &b, NULL) == MEDFW_OK) {
			vs->owned[i] = (char *)medfw_buf_steal(&b, NULL);
			if (vs->owned[i] != NULL)
				vs->cpes[i] = vs->owned[i];
		}
		medfw_buf_free(&b);
		medfw_cpe_free(cpe);
	}
	view->cpes = vs->cpes;
	view->cpe_count = vs->n;
	return MEDFW_OK;
}

/* ---- evaluation */

static enum medfw_err evaluate(struct run *rn, const struct entry *e,
			       struct medfw_vuln_verdict *v)
{
	const struct medfw_feed_record *r = medfw_feed_set_get(rn->idx->feeds, e->rec);
	struct medfw_diag d;
	enum medfw_err err = MEDFW_OK;

	medfw_diag_clear(&d);
	switch (r->format) {
	case MEDFW_FEED_OSV:
		err = medfw_osv_evaluate(r->u.osv, &rn->view, v, &d);
		break;
	case MEDFW_FEED_NVD:
		err = medfw_nvd_evaluate(r->u.nvd, &rn->view, v, &d);
		break;
	case MEDFW_FEED_CVE5:
		err = medfw_cve5_evaluate(r->u.cve5, &rn->view, v, &d);
		break;
	case MEDFW_FEED_CSAF:
		err = medfw_csaf_evaluate(r->u.csaf, e->vi, &rn->view, rn->idx->csaf_map,
					  rn->idx->csaf_map_count, v, &d);
		break;
	case MEDFW_FEED_KEV:
		v->outcome = MEDFW_VULN_NOT_RELEVANT;
		break;
	}
	rn->res->evaluations++;
	if (err == MEDFW_ERR_NOMEM)
		return medfw_diag_set(rn->diag, err, "match: out of memory");
	if (err != MEDFW_OK) {
		/* the component cannot be read by this evaluator: not safe, a review item */
		memset(v, 0, sizeof(*v));
		v->outcome = MEDFW_VULN_UNDETERMINED;
		medfwi_ev_printf(v->rule, sizeof(v->rule), "%s %s", medfw_feed_format_name(r->format),
			 r->id);
		medfwi_ev_printf(v->comparison, sizeof(v->comparison),
			 "the component cannot be evaluated: %s", medfw_diag_message(&d, err));
		if (!rn->reported) {
			char path[MEDFW_VEX_JSON_PATH_MAX];

			rn->reported = 1;
			snprintf(path, sizeof(path), "component %s", rn->comp->ref);
			if (add_problem(&rn->res->problems, &rn->res->problem_count, &rn->problem_cap,
					rn->sbom->source, path, "%s", medfw_diag_message(&d, err)) !=
			    MEDFW_OK)
				return medfw_diag_set(rn->diag, MEDFW_ERR_NOMEM, "match: out of memory");
		}
	}
	return MEDFW_OK;
}

/* The finding of class `cls` for the current component (created when missing);
 * NONE when out of memory. */
static size_t finding_for(struct run *rn, size_t cls, const char *vuln_id)
{
	struct medfw_finding *f;
	size_t i;

	for (i = rn->first_finding; i < rn->res->finding_count; i++) {
		if (cls != NONE ? rn->slots[i].cls == cls
				: (rn->slots[i].cls == NONE &&
				   strcmp(rn->res->findings[i].vuln_id, vuln_id) == 0))
			return i;
	}
	if (!grow((void **)&rn->res->findings, &rn->finding_cap, rn->res->finding_count + 1,
		  sizeof(*rn->res->findings)) ||
	    !GROW(rn->slots, rn->slot_cap, rn->res->finding_count + 1))
		return NONE;
	i = rn->res->finding_count++;
	f = &rn->res->findings[i];
	memset(f, 0, sizeof(*f));
	rn->slots[i].cls = cls;
	rn->slots[i].evidence_cap = 0;
	f->sbom_index = rn->sbom_index;
	f->sbom_source = rn->sbom->source;
	f->component_index = rn->comp_index;
	f->component = rn->comp;
	f->vuln_id = cls != NONE ? rn->idx->display[cls] : vuln_id;
	f->sources_outcome = MEDFW_VULN_NOT_RELEVANT;
	f->severity.score_tenths = MEDFW_CVSS_NO_SCORE;
	return i;
}

static enum medfw_err add_evidence(struct run *rn, size_t fi, const struct entry *e,
				   const struct medfw_vuln_verdict *v)
{
	const struct medfw_feed_record *r = medfw_feed_set_get(rn->idx->feeds, e->rec);
	struct medfw_finding *f = &rn->res->findings[fi];
	struct medfw_finding_evidence *ev;

	if (!grow((void **)&f->evidence, &rn->slots[fi].evidence_cap, f->evidence_count + 1,
		  sizeof(*f->evidence)))
		return medfw_diag_set(rn->diag, MEDFW_ERR_NOMEM, "match: out of memory");
	ev = &f->evidence[f->evidence_count++];
	ev->format = r->format;
	ev->record_id = r->id;
	ev->file = r->file;
	ev->json_path = r->json_path;
	ev->verdict = *v;
	return MEDFW_OK;
}

/* ---- the class of a finding */

static size_t class_member_count(const struct medfw_vuln_index *idx, size_t cls)
{
	return idx->member_start[cls + 1] - idx->member_start[cls];
}

static const char *class_member(const struct medfw_vuln_index *idx, size_t cls, size_t i)
{
	return idx->nodes[idx->members[idx->member_start[cls] + i]].id;
}

/* Does statement `s` name the vulnerability of finding `fi`? */
static int names_finding(const struct run *rn, size_t fi, const struct medfw_vex_statement *s)
{
	const struct medfw_finding *f = &rn->res->findings[fi];
	size_t cls = rn->slots[fi].cls, i;

	if (cls == NONE) {
		if (medfw_vex_names(s, f->vuln_id))
			return 1;
		for (i = 0; i < f->alias_count; i++)
			if (medfw_vex_names(s, f->aliases[i]))
				return 1;
		return 0;
	}
	for (i = 0; i < class_member_count(rn->idx, cls); i++)
		if (medfw_vex_names(s, class_member(rn->idx, cls, i)))
			return 1;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* f->aliases: the class's other ids, sorted. */
static enum medfw_err set_aliases(struct run *rn, size_t fi, const struct medfw_vex_statement *s)
{
	struct medfw_finding *f = &rn->res->findings[fi];
	size_t cls = rn->slots[fi].cls, n, i, k = 0;
	const char **a;

	n = cls != NONE ? class_member_count(rn->idx, cls) : (s != NULL ? s->alias_count + 1 : 0);
	if (n <= 1)
		return MEDFW_OK;
	a = calloc(n, sizeof(*a));
	if (a == NULL)
		return medfw_diag_set(rn->diag, MEDFW_ERR_NOMEM, "match: out of memory");
	for (i = 0; i < n; i++) {
		const char *id = cls != NONE ? class_member(rn->idx, cls, i)
					     : (i == 0 ? s->vuln_id : s->aliases[i - 1]);

		if (strcmp(id, f->vuln_id) != 0)
			a[k++] = id;
	}
	if (k > 1)
		qsort(a, k, sizeof(*a), cmp_str);
	f->aliases = a;
	f->alias_count = k;
	return MEDFW_OK;
}

/* ---- combination, pedigree, VEX, KEV, severity */

static void combine(struct medfw_finding *f)
{
	size_t i;
	int aff = 0, na = 0, und = 0;

	for (i = 0; i < f->evidence_count; i++) {
		switch (f->evidence[i].verdict.outcome) {
		case MEDFW_VULN_AFFECTED:
			aff = 1;
			break;
		case MEDFW_VULN_NOT_AFFECTED:
			na = 1;
			break;
		case MEDFW_VULN_UNDETERMINED:
			und = 1;
			break;
		case MEDFW_VULN_NOT_RELEVANT:
			break;
		}
	}
	if (aff)
		f->sources_outcome = MEDFW_VULN_AFFECTED;
	else if (na)
		f->sources_outcome = MEDFW_VULN_NOT_AFFECTED;
	else if (und)
		f->sources_outcome = MEDFW_VULN_UNDETERMINED;
	else
		f->sources_outcome = MEDFW_VULN_NOT_RELEVANT;
}

static int finding_has_id(const struct run *rn, size_t fi, const char *id)
{
	const struct medfw_finding *f = &rn->res->findings[fi];
	size_t cls = rn->slots[fi].cls, i;

	if (strcmp(f->vuln_id, id) == 0)
		return 1;
	if (cls == NONE) {
		for (i = 0; i < f->alias_count; i++)
			if (strcmp(f->aliases[i], id) == 0)
				return 1;
		return 0;
	}
	for (i = 0; i < class_member_count(rn->idx, cls); i++)
		if (strcmp(class_member(rn->idx, cls, i), id) == 0)
			return 1;
	return 0;
}

static void apply_pedigree(struct run *rn, size_t fi)
{
	const struct medfw_sbom_pedigree *pd = rn->comp->pedigree;
	struct medfw_finding *f = &rn->res->findings[fi];
	size_t p, k;

	if (pd == NULL)
		return;
	for (p = 0; p < pd->patch_count; p++) {
		const struct medfw_sbom_patch *pt = &pd->patches[p];

		for (k = 0; k < pt->resolves_count; k++) {
			const struct medfw_sbom_issue *is = &pt->resolves[k];

			if (is->id == NULL || !finding_has_id(rn, fi, is->id))
				continue;
			f->pedigree = 1;
			medfwi_ev_printf(f->pedigree_rule, sizeof(f->pedigree_rule),
				 "pedigree.patches[%zu].resolves[%zu]: %s patch resolves %s%s%s", p,
				 k, medfw_sbom_patch_type_name(pt->type), is->id,
				 pt->diff_url != NULL ? ", diff " : "",
				 pt->diff_url != NULL ? pt->diff_url : "");
			return;
		}
	}
}

/* The best statement for finding `fi` (component and, when the component is not the
 * product itself, the SBOM's product). */
static enum medfw_err apply_vex(struct run *rn, size_t fi)
{
	struct medfw_finding *f = &rn->res->findings[fi];
	const struct medfw_sbom *sbom = rn->sbom->sbom;
	const struct medfw_vex_statement *best = NULL;
	enum medfw_vex_status best_status = MEDFW_VEX_STATUS_NONE;
	int best_direct = 0;
	char why[MEDFW_VULN_EVIDENCE_MAX], best_why[MEDFW_VULN_EVIDENCE_MAX] = "";
	size_t d, i;
	int pass;
	enum medfw_err err;

	for (d = 0; d < rn->vex_count; d++) {
		const struct medfw_vex_doc *doc = rn->vex[d];

		for (i = 0; i < doc->statement_count; i++) {
			const struct medfw_vex_statement *s = &doc->statements[i];

			if (!names_finding(rn, fi, s))
				continue;
			for (pass = 0; pass < 2; pass++) {
				enum medfw_vex_status st = MEDFW_VEX_STATUS_NONE;
				const struct medfw_sbom_component *c = rn->comp;
				const struct medfw_vuln_component *view = &rn->view;

				if (pass == 1) {
					if (sbom->product == MEDFW_SBOM_NONE ||
					    sbom->product == rn->comp_index)
						break;
					c = &sbom->components[sbom->product];
					view = &rn->product_view;
				}
				err = medfw_vex_applies(doc, s, sbom, c, view, rn->vex_maps[d].map,
							rn->vex_maps[d].count, &st, why,
							sizeof(why), rn->diag);
				if (err != MEDFW_OK)
					return err;
				if (st == MEDFW_VEX_STATUS_NONE)
					continue;
				if (best == NULL || medfw_vex_precedes(s, st, pass == 0, best,
								       best_status, best_direct)) {
					best = s;
					best_status = st;
					best_direct = pass == 0;
					f->vex_doc = doc;
					memcpy(best_why, why, sizeof(best_why));
				}
				break;
			}
		}
	}
	if (best == NULL)
		return MEDFW_OK;
	f->vex = best;
	f->vex_direct = best_direct;
	medfwi_ev_printf(f->vex_rule, sizeof(f->vex_rule), "%s%s (%s)", best_direct ? "" : "product: ",
		 best_why, medfw_vex_status_name(best_status));
	switch (best_status) {
	case MEDFW_VEX_AFFECTED:
		f->status = MEDFW_FINDING_AFFECTED;
		break;
	case MEDFW_VEX_NOT_AFFECTED:
		f->status = MEDFW_FINDING_NOT_AFFECTED;
		break;
	case MEDFW_VEX_FIXED:
		f->status = MEDFW_FINDING_FIXED;
		break;
	case MEDFW_VEX_UNDER_INVESTIGATION:
	case MEDFW_VEX_STATUS_NONE:
		f->status = MEDFW_FINDING_UNDER_INVESTIGATION;
		break;
	}
	return MEDFW_OK;
}

static void set_kev(const struct run *rn, size_t fi)
{
	const struct medfw_vuln_index *idx = rn->idx;
	struct medfw_finding *f = &rn->res->findings[fi];
	size_t cls = rn->slots[fi].cls, i, n;
	const struct medfw_kev_entry *k;

	n = cls != NONE ? class_member_count(idx, cls) : 1 + f->alias_count;
	for (i = 0; idx->kev != NULL && i < n; i++) {
		const char *id = cls != NONE ? class_member(idx, cls, i)
					     : (i == 0 ? f->vuln_id : f->aliases[i - 1]);

		k = medfw_kev_lookup(idx->kev, id);
		if (k == NULL)
			continue;
		f->kev.listed = 1;
		f->kev.date_added = k->date_added;
		f->kev.due_date = k->due_date;
		f->kev.ransomware = k->known_ransomware_campaign_use;
		f->kev.source = "CISA KEV catalog";
		return;
	}
	if (cls == NONE)
		return;
	for (i = idx->entry_start[cls]; i < idx->entry_start[cls + 1]; i++) {
		const struct medfw_feed_record *r =
			medfw_feed_set_get(idx->feeds, idx->entries[idx->class_entries[i]].rec);

		if (r->format == MEDFW_FEED_NVD && r->u.nvd->cisa_exploit_add != NULL) {
			f->kev.listed = 1;
			f->kev.date_added = r->u.nvd->cisa_exploit_add;
			f->kev.due_date = r->u.nvd->cisa_action_due;
			f->kev.source = "NVD cisaExploitAdd";
			return;
		}
	}
}

/* One scored vector: kept when it beats the current severity (higher score, then a
 * newer CVSS version). `stated` is the record's own score (v4.0 is not computed). */
static void consider(struct medfw_finding_severity *sev, const char *vector, int stated,
		     const char *source_fmt, const char *record, const char *who)
{
	struct medfw_cvss c;
	int score;

	if (vector == NULL || medfw_cvss_parse(vector, &c, NULL) != MEDFW_OK)
		return;
	score = c.base_score != MEDFW_CVSS_NO_SCORE ? c.base_score : stated;
	if (score < 0 || score > 100)
		return;
	if (sev->score_tenths != MEDFW_CVSS_NO_SCORE &&
	    (score < sev->score_tenths ||
	     (score == sev->score_tenths && (int)c.version <= (int)sev->version)))
		return;
	sev->score_tenths = score;
	sev->version = c.version;
	medfwi_ev_printf(sev->vector, sizeof(sev->vector), "%s", vector);
	medfwi_ev_printf(sev->source, sizeof(sev->source), "%s %s%s%s%s", source_fmt, record,
		 who != NULL ? " (" : "", who != NULL ? who : "", who != NULL ? ")" : "");
}

static void severity_of(const struct medfw_feed_record *r, size_t vi,
			struct medfw_finding_severity *sev)
{
	const char *fmt = medfw_feed_format_name(r->format);
	size_t i, k;

	switch (r->format) {
	case MEDFW_FEED_OSV:
		for (i = 0; i < r->u.osv->severity_count; i++)
			if (r->u.osv->severity[i].type != MEDFW_OSV_UBUNTU)
				consider(sev, r->u.osv->severity[i].score, MEDFW_CVSS_NO_SCORE, fmt,
					 r->id, NULL);
		for (k = 0; k < r->u.osv->affected_count; k++) {
			const struct medfw_osv_affected *a = &r->u.osv->affected[k];

			for (i = 0; i < a->severity_count; i++)
				if (a->severity[i].type != MEDFW_OSV_UBUNTU)
					consider(sev, a->severity[i].score, MEDFW_CVSS_NO_SCORE, fmt,
						 r->id, NULL);
		}
		break;
	case MEDFW_FEED_NVD:
		for (i = 0; i < r->u.nvd->metric_count; i++)
			consider(sev, r->u.nvd->metrics[i].vector,
				 (int)r->u.nvd->metrics[i].base_score_tenths, fmt, r->id,
				 r->u.nvd->metrics[i].source);
		break;
	case MEDFW_FEED_CVE5:
		for (i = 0; i < r->u.cve5->cna.metric_count; i++)
			consider(sev, r->u.cve5->cna.metrics[i].vector,
				 (int)r->u.cve5->cna.metrics[i].base_score_tenths, fmt, r->id,
				 r->u.cve5->cna.provider);
		for (k = 0; k < r->u.cve5->adp_count; k++)
			for (i = 0; i < r->u.cve5->adp[k].metric_count; i++)
				consider(sev, r->u.cve5->adp[k].metrics[i].vector,
					 (int)r->u.cve5->adp[k].metrics[i].base_score_tenths, fmt,
					 r->id, r->u.cve5->adp[k].provider);
		break;
	case MEDFW_FEED_CSAF: {
		const struct medfw_csaf_vulnerability *v = &r->u.csaf->vulnerabilities[vi];

		for (i = 0; i < v->score_count; i++) {
			if (v->scores[i].cvss_v3.present && v->scores[i].cvss_v3.vector_valid)
				consider(sev, v->scores[i].cvss_v3.vector,
					 v->scores[i].cvss_v3.base_score, fmt, r->id, NULL);
			if (v->scores[i].cvss_v2.present && v->scores[i].cvss_v2.vector_valid)
				consider(sev, v->scores[i].cvss_v2.vector,
					 v->scores[i].cvss_v2.base_score, fmt, r->id, NULL);
		}
		break;
	}
	case MEDFW_FEED_KEV:
		break;
	}
}

static void set_severity(const struct run *rn, size_t fi)
{
	const struct medfw_vuln_index *idx = rn->idx;
	size_t cls = rn->slots[fi].cls, i;

	if (cls == NONE)
		return;
	for (i = idx->entry_start[cls]; i < idx->entry_start[cls + 1]; i++) {
		const struct entry *e = &idx->entries[idx->class_entries[i]];

		severity_of(medfw_feed_set_get(idx->feeds, e->rec), e->vi,
			    &rn->res->findings[fi].severity);
	}
}

/* The class of a VEX statement's vulnerability in the index, or NONE. */
static size_t statement_class(const struct medfw_vuln_index *idx,
			      const struct medfw_vex_statement *s)
{
	size_t n, i;

	if (medfwi_strmap_get(&idx->id_index, s->vuln_id, &n))
		return find_const(idx->nodes, n);
	for (i = 0; i < s->alias_count; i++)
		if (medfwi_strmap_get(&idx->id_index, s->aliases[i], &n))
			return find_const(idx->nodes, n);
	return NONE;
}

/* AFFECTED / UNDER_INVESTIGATION statements about this component that no source
 * matched become findings. */
static enum medfw_err vex_only(struct run *rn)
{
	size_t d, i, fi, before = rn->res->finding_count;
	enum medfw_err err;

	for (d = 0; d < rn->vex_count; d++) {
		const struct medfw_vex_doc *doc = rn->vex[d];

		for (i = 0; i < doc->statement_count; i++) {
			const struct medfw_vex_statement *s = &doc->statements[i];
			enum medfw_vex_status st = MEDFW_VEX_STATUS_NONE;
			size_t cls, k;
			int known = 0;

			if (s->status != MEDFW_VEX_AFFECTED &&
			    s->status != MEDFW_VEX_UNDER_INVESTIGATION)
				continue;
			for (k = rn->first_finding; k < before && !known; k++)
				known = names_finding(rn, k, s);
			if (known)
				continue;
			err = medfw_vex_applies(doc, s, rn->sbom->sbom, rn->comp, &rn->view,
						rn->vex_maps[d].map, rn->vex_maps[d].count, &st,
						NULL, 0, rn->diag);
			if (err != MEDFW_OK)
				return err;
			if (st != MEDFW_VEX_AFFECTED && st != MEDFW_VEX_UNDER_INVESTIGATION)
				continue;
			cls = statement_class(rn->idx, s);
			fi = finding_for(rn, cls, s->vuln_id);
			if (fi == NONE)
				return medfw_diag_set(rn->diag, MEDFW_ERR_NOMEM, "match: out of memory");
			if (fi >= before && rn->res->findings[fi].aliases == NULL) {
				err = set_aliases(rn, fi, s);
				if (err != MEDFW_OK)
					return err;
			}
		}
	}
	return MEDFW_OK;
}

/* Candidates of the current component: the entries sharing a key, and the unkeyed (every
 * entry when the component's own keys could not all be kept). */
static enum medfw_err match_component(struct run *rn)
{
	const struct medfw_vuln_index *idx = rn->idx;
	const struct medfw_sbom_component *c = rn->comp;
	struct keyset ks;
	struct medfw_vuln_verdict v;
	size_t i, k, pos, fi, cls, before;
	enum medfw_err err = MEDFW_OK;

	memset(&ks, 0, sizeof(ks));
	(void)keyset_add_name(&ks, c->name);
	keyset_add_purl(&ks, c->purl);
	for (i = 0; i < c->cpe_count; i++)
		keyset_add_cpe_text(&ks, c->cpes[i]);
	rn->serial++;
	for (k = 0; k <= ks.n && err == MEDFW_OK; k++) {
		size_t start, end;

		if (k < ks.n) {
			if (!medfwi_strmap_get(&idx->key_index, ks.k[k], &start))
				continue;
			for (end = start; end < idx->key_count &&
					  strcmp(idx->keys[end].key, ks.k[k]) == 0;
			     end++)
				;
		} else {
			start = 0;
			end = ks.overflow ? idx->entry_count : idx->unkeyed_count;
		}
		for (pos = start; pos < end && err == MEDFW_OK; pos++) {
			size_t ei = k < ks.n ? idx->keys[pos].entry
					     : (ks.overflow ? pos : idx->unkeyed[pos]);
			const struct entry *e = &idx->entries[ei];

			if (rn->stamp[ei] == rn->serial)
				continue;
			rn->stamp[ei] = rn->serial;
			err = evaluate(rn, e, &v);
			if (err != MEDFW_OK || v.outcome == MEDFW_VULN_NOT_RELEVANT)
				continue;
			cls = find_const(idx->nodes, e->id);
			fi = finding_for(rn, cls, NULL);
			if (fi == NONE)
				err = medfw_diag_set(rn->diag, MEDFW_ERR_NOMEM, "match: out of memory");
			else
				err = add_evidence(rn, fi, e, &v);
		}
	}
	keyset_free(&ks);
	before = rn->res->finding_count;
	for (fi = rn->first_finding; err == MEDFW_OK && fi < before; fi++)
		err = set_aliases(rn, fi, NULL);
	if (err == MEDFW_OK)
		err = vex_only(rn);
	for (fi = rn->first_finding; err == MEDFW_OK && fi < rn->res->finding_count; fi++) {
		struct medfw_finding *f = &rn->res->findings[fi];

		combine(f);
		switch (f->sources_outcome) {
		case MEDFW_VULN_AFFECTED:
			f->status = MEDFW_FINDING_AFFECTED;
			break;
		case MEDFW_VULN_NOT_AFFECTED:
			f->status = MEDFW_FINDING_NOT_AFFECTED;
			break;
		case MEDFW_VULN_UNDETERMINED:
		case MEDFW_VULN_NOT_RELEVANT:
			f->status = MEDFW_FINDING_UNDETERMINED;
			break;
		}
		apply_pedigree(rn, fi);
		if (f->pedigree)
			f->status = MEDFW_FINDING_FIXED;
		err = apply_vex(rn, fi);
		set_kev(rn, fi);
		set_severity(rn, fi);
	}
	return err;
}

/* ---- order */

static int status_rank(enum medfw_finding_status s)
{
	switch (s) {
	case MEDFW_FINDING_AFFECTED:
		return 0;
	case MEDFW_FINDING_UNDER_INVESTIGATION:
		return 1;
	case MEDFW_FINDING_UNDETERMINED:
		return 2;
	case MEDFW_FINDING_FIXED:
		return 3;
	case MEDFW_FINDING_NOT_AFFECTED:
		return 4;
	}
	return 2;
}

static int cmp_finding(const void *pa, const void *pb)
{
	const struct medfw_finding *a = pa, *b = pb;
	int oa = medfw_finding_status_open(a->status), ob = medfw_finding_status_open(b->status);
	int ra, rb, c;

	if (oa != ob)
		return ob - oa;
	if (a->kev.listed != b->kev.listed)
		return b->kev.listed - a->kev.listed;
	ra = a->kev.ransomware != NULL && strcmp(a->kev.ransomware, "Known") == 0;
	rb = b->kev.ransomware != NULL && strcmp(b->kev.ransomware, "Known") == 0;
	if (ra != rb)
		return rb - ra;
	if (a->severity.score_tenths != b->severity.score_tenths)
		return b->severity.score_tenths - a->severity.score_tenths;
	if (status_rank(a->status) != status_rank(b->status))
		return status_rank(a->status) - status_rank(b->status);
	c = strcmp(a->vuln_id, b->vuln_id);
	if (c != 0)
		return c;
	if (a->sbom_index != b->sbom_index)
		return a->sbom_index < b->sbom_index ? -1 : 1;
	if (a->component_index != b->component_index)
		return a->component_index < b->component_index ? -1 : 1;
	return 0;
}

/* The product map for the statements of VEX document `doc`: the entries whose
 * csaf_products name one of its products (first: they name that product exactly, as
 * build_csaf_map does for a feed document), then the index's. */
static enum medfw_err vex_doc_map(const struct medfw_vuln_index *idx,
				  const struct medfw_vex_doc *doc, struct vex_map *out)
{
	const struct medfw_product_map *map = idx->map;
	struct medfw_csaf_product_map *owned = NULL;
	size_t n = 0, i, k;
	int fill;

	out->map = idx->csaf_map;
	out->count = idx->csaf_map_count;
	out->owned = NULL;
	if (map == NULL || doc->format != MEDFW_VEX_CSAF)
		return MEDFW_OK;
	for (fill = 0; fill < 2; fill++) {
		for (i = 0; i < map->entry_count; i++) {
			const struct medfw_product_map_entry *e = &map->entries[i];

			for (k = 0; k < e->csaf_product_count; k++) {
				const struct medfw_csaf_product *p =
					vex_product(doc, e->csaf_products[k].document,
						    e->csaf_products[k].product_id);

				if (p == NULL)
					continue;
				if (fill) {
					owned[n].vendor = NULL; /* the product is named exactly */
					owned[n].advisory_product = p->name;
					owned[n].model = e->model;
					owned[n].versions = e->versions;
					owned[n].scheme = e->scheme;
				}
				n++;
			}
		}
		if (fill)
			break;
		if (n == 0)
			return MEDFW_OK;
		if (n > SIZE_MAX / sizeof(*owned) - idx->csaf_map_count)
			return MEDFW_ERR_NOMEM;
		owned = calloc(n + idx->csaf_map_count, sizeof(*owned));
		if (owned == NULL)
			return MEDFW_ERR_NOMEM;
		n = 0;
	}
	if (idx->csaf_map_count > 0)
		memcpy(owned + n, idx->csaf_map, idx->csaf_map_count * sizeof(*owned));
	out->map = owned;
	out->count = n + idx->csaf_map_count;
	out->owned = owned;
	return MEDFW_OK;
}

void medfw_match_result_free(struct medfw_match_result *res)
{
	size_t i;

	if (res == NULL)
		return;
	for (i = 0; i < res->finding_count; i++) {
		free(res->findings[i].evidence);
		free((void *)(uintptr_t)res->findings[i].aliases);
	}
	free(res->findings);
	free(res->problems);
	free(res);
}

enum medfw_err medfw_vuln_match(const struct medfw_vuln_index *idx,
				const struct medfw_match_sbom *sboms, size_t sbom_count,
				const struct medfw_vex_doc *const *vex, size_t vex_count,
				struct medfw_match_result **out, struct medfw_diag *diag)
{
	struct run rn;
	size_t s, c, i;
	enum medfw_err err = MEDFW_OK;

	if (out != NULL)
		*out = NULL;
	if (idx == NULL || out == NULL || (sboms == NULL && sbom_count > 0) ||
	    (vex == NULL && vex_count > 0))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "match: invalid argument");
	for (s = 0; s < sbom_count; s++)
		if (sboms[s].sbom == NULL || sboms[s].source == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "match: SBOM %zu missing",
					      s);
	for (i = 0; i < vex_count; i++)
		if (vex[i] == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
					      "match: VEX document %zu missing", i);
	memset(&rn, 0, sizeof(rn));
	rn.idx = idx;
	rn.vex = vex;
	rn.vex_count = vex_count;
	rn.diag = diag;
	rn.res = calloc(1, sizeof(*rn.res));
	rn.stamp = calloc(idx->entry_count + 1, sizeof(*rn.stamp));
	rn.vex_maps = calloc(vex_count + 1, sizeof(*rn.vex_maps));
	if (rn.res == NULL || rn.stamp == NULL || rn.vex_maps == NULL) {
		err = medfw_diag_set(diag, MEDFW_ERR_NOMEM, "match: out of memory");
		goto done;
	}
	for (i = 0; i < vex_count; i++) {
		err = vex_doc_map(idx, vex[i], &rn.vex_maps[i]);
		if (err != MEDFW_OK) {
			err = medfw_diag_set(diag, err, "match: out of memory");
			goto done;
		}
	}
	for (s = 0; s < sbom_count && err == MEDFW_OK; s++) {
		const struct medfw_sbom *sb = sboms[s].sbom;

		rn.sbom = &sboms[s];
		rn.sbom_index = s;
		memset(&rn.product_view, 0, sizeof(rn.product_view));
		if (sb->product != MEDFW_SBOM_NONE) {
			err = make_view(&sb->components[sb->product], &rn.product_view,
					&rn.product_store);
			if (err != MEDFW_OK) {
				err = medfw_diag_set(diag, err, "match: out of memory");
				break;
			}
		}
		for (c = 0; c < sb->component_count && err == MEDFW_OK; c++) {
			if (sb->components[c].scope == MEDFW_SBOM_SCOPE_EXCLUDED)
				continue;
			rn.comp_index = c;
			rn.comp = &sb->components[c];
			rn.first_finding = rn.res->finding_count;
			rn.reported = 0;
			err = make_view(rn.comp, &rn.view, &rn.view_store);
			if (err != MEDFW_OK) {
				err = medfw_diag_set(diag, err, "match: out of memory");
				break;
			}
			rn.res->components++;
			err = match_component(&rn);
			view_store_free(&rn.view_store);
		}
		view_store_free(&rn.product_store);
	}
	if (err == MEDFW_OK && rn.res->finding_count > 1)
		qsort(rn.res->findings, rn.res->finding_count, sizeof(*rn.res->findings),
		      cmp_finding);
	for (i = 0; err == MEDFW_OK && i < rn.res->finding_count; i++)
		rn.res->findings[i].priority = i + 1;
done:
	for (i = 0; rn.vex_maps != NULL && i < vex_count; i++)
		free(rn.vex_maps[i].owned);
	free(rn.vex_maps);
	free(rn.stamp);
	free(rn.slots);
	if (err != MEDFW_OK) {
		medfw_match_result_free(rn.res);
		return err;
	}
	*out = rn.res;
	return MEDFW_OK;
}

/* ------------------------------------------------------------------ JSON */

/* Set obj[key] = value (stolen, also on failure); `*bad` collects failures and makes
 * later calls only release their value. */
static void put(json_t *obj, const char *key, json_t *value, int *bad)
{
	if (*bad || value == NULL || json_object_set_new(obj, key, value) != 0) {
		if (!*bad && value != NULL)
			value = NULL; /* json_object_set_new released it */
		json_decref(value);
		*bad = 1;
	}
}

static json_t *str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *component_json(const struct medfw_sbom_component *c)
{
	json_t *o = json_object(), *cpes = json_array();
	size_t i;
	int bad = o == NULL;

	for (i = 0; cpes != NULL && !bad && i < c->cpe_count; i++)
		bad = json_array_append_new(cpes, json_string(c->cpes[i])) != 0;
	put(o, "ref", str_or_null(c->ref), &bad);
	put(o, "name", str_or_null(c->name), &bad);
	put(o, "version", str_or_null(c->version), &bad);
	put(o, "purl", str_or_null(c->purl), &bad);
	put(o, "cpes", cpes, &bad);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *evidence_json(const struct medfw_finding_evidence *e)
{
	json_t *o = json_object();
	int bad = o == NULL;

	put(o, "source", json_string(medfw_feed_format_name(e->format)), &bad);
	put(o, "record", str_or_null(e->record_id), &bad);
	put(o, "file", str_or_null(e->file), &bad);
	put(o, "json_path", str_or_null(e->json_path), &bad);
	put(o, "outcome", json_string(medfw_vuln_outcome_name(e->verdict.outcome)), &bad);
	put(o, "rule", json_string(e->verdict.rule), &bad);
	put(o, "comparison", json_string(e->verdict.comparison), &bad);
	put(o, "fixed_version",
	    str_or_null(e->verdict.fixed_version[0] != '\0' ? e->verdict.fixed_version : NULL),
	    &bad);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *vex_json(const struct medfw_finding *f)
{
	const struct medfw_vex_statement *s = f->vex;
	json_t *o;
	int bad;

	if (s == NULL)
		return json_null();
	o = json_object();
	bad = o == NULL;
	put(o, "status", json_string(medfw_finding_status_name(f->status)), &bad);
	put(o, "state", str_or_null(s->state), &bad);
	put(o, "vulnerability", str_or_null(s->vuln_id), &bad);
	put(o, "justification", str_or_null(s->justification), &bad);
	put(o, "detail", str_or_null(s->detail), &bad);
	put(o, "response", str_or_null(s->response), &bad);
	put(o, "timestamp", str_or_null(s->timestamp), &bad);
	put(o, "file", str_or_null(f->vex_doc->source), &bad);
	put(o, "json_path", str_or_null(s->json_path), &bad);
	put(o, "scope", json_string(f->vex_direct ? "component" : "product"), &bad);
	put(o, "rule", json_string(f->vex_rule), &bad);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *kev_json(const struct medfw_finding_kev *k)
{
	json_t *o = json_object();
	int bad = o == NULL;

	put(o, "listed", json_boolean(k->listed), &bad);
	put(o, "date_added", str_or_null(k->date_added), &bad);
	put(o, "due_date", str_or_null(k->due_date), &bad);
	put(o, "known_ransomware_campaign_use", str_or_null(k->ransomware), &bad);
	put(o, "source", str_or_null(k->source), &bad);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *severity_json(const struct medfw_finding_severity *s)
{
	json_t *o;
	int bad;

	if (s->score_tenths == MEDFW_CVSS_NO_SCORE)
		return json_null();
	o = json_object();
	bad = o == NULL;
	put(o, "base_score", json_real(s->score_tenths / 10.0), &bad);
	put(o, "cvss_version", json_string(medfw_cvss_version_name(s->version)), &bad);
	put(o, "vector", json_string(s->vector), &bad);
	put(o, "rating",
	    str_or_null(s->version == MEDFW_CVSS_V2 ? NULL : medfw_cvss_severity(s->score_tenths)),
	    &bad);
	put(o, "source", json_string(s->source), &bad);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *medfw_finding_json(const struct medfw_finding *f)
{
	json_t *o, *aliases, *evidence;
	size_t i;
	int bad;

	if (f == NULL)
		return NULL;
	o = json_object();
	aliases = json_array();
	evidence = json_array();
	bad = o == NULL;
	for (i = 0; aliases != NULL && !bad && i < f->alias_count; i++)
		bad = json_array_append_new(aliases, json_string(f->aliases[i])) != 0;
	for (i = 0; evidence != NULL && !bad && i < f->evidence_count; i++)
		bad = json_array_append_new(evidence, evidence_json(&f->evidence[i])) != 0;
	put(o, "priority", json_integer((json_int_t)f->priority), &bad);
	put(o, "sbom", str_or_null(f->sbom_source), &bad);
	put(o, "component", component_json(f->component), &bad);
	put(o, "vulnerability", json_string(f->vuln_id), &bad);
	put(o, "aliases", aliases, &bad);
	put(o, "status", json_string(medfw_finding_status_name(f->status)), &bad);
	put(o, "sources_outcome", json_string(medfw_vuln_outcome_name(f->sources_outcome)), &bad);
	put(o, "evidence", evidence, &bad);
	put(o, "pedigree", f->pedigree ? json_string(f->pedigree_rule) : json_null(), &bad);
	put(o, "vex", vex_json(f), &bad);
	put(o, "kev", kev_json(&f->kev), &bad);
	put(o, "severity", severity_json(&f->severity), &bad);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}
