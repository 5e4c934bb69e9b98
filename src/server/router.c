/* The router: every route table of routes.c collected, validated once at start-up,
 * and matched segment by segment ({params} capture one decoded segment; a last
 * segment {name*} captures the 1..N remaining segments, joined with '/'). When several
 * routes match, the one with the most literal segments wins, and on a tie the one
 * without a catch-all. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "medfw/utf8.h"

static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};


static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *medfwd_percent_decode(const char *s, size_t len, int plus_is_space)
{
	char *out = malloc(len + 1);
	size_t o = 0;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			int hi, lo;

			if (len - i < 3)
				goto bad;
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				goto bad;
			c = (unsigned char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		}
		if (c < 0x20 || c == 0x7f)
			goto bad; /* %00, raw or encoded control characters */
		out[o++] = (char)c;
	}
	out[o] = 0;
	for (size_t i = 0; i < o;) {
		uint32_t cp;
		size_t n = medfw_utf8_decode((const uint8_t *)out + i, o - i, &cp);

		if (n == 0)
			goto bad;
		i += n;
	}
	return out;
bad:
	free(out);
	return NULL;
}

/* Whether the pattern segment p[0..n) is a catch-all "{name*}". */
static int is_catch_all(const char *p, size_t n)
{
	return n >= 4 && p[0] == '{' && p[n - 2] == '*' && p[n - 1] == '}';
}

/* Check one pattern; count its literal segments. */
static enum medfw_err check_pattern(const struct medfwd_route *r, size_t *out_literals,
				    struct medfw_diag *diag)
{
	const char *p = r->pattern;
	size_t segs = 0, params = 0, literals = 0;
	int method_ok = 0;

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		method_ok |= r->method != NULL && strcmp(r->method, methods[i]) == 0;
	if (!method_ok || r->handler == NULL || r->name == NULL || p == NULL || p[0] != '/')
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "route %s %s: bad method, pattern, handler or name",
				      r->method ? r->method : "?", p ? p : "?");
	while (*p == '/') {
		size_t n;

		p++;
		n = strcspn(p, "/");
		segs++;
		if (n >= 2 && p[0] == '{' && p[n - 1] == '}') {
			size_t name_len = is_catch_all(p, n) ? n - 3 : n - 2;

			if (name_len == 0 ||
			    strspn(p + 1, "abcdefghijklmnopqrstuvwxyz_") != name_len ||
			    (is_catch_all(p, n) && p[n] != 0))
				goto bad; /* a catch-all only as the last segment */
			params++;
		} else if (strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789._-") != n ||
			   (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
			goto bad;
		} else {
			literals++;
		}
		p += n;
	}
	if (*p != 0 || segs > MEDFWD_MAX_SEGMENTS || params > MEDFWD_MAX_PARAMS)
		goto bad;
	*out_literals = literals;
	return MEDFW_OK;
bad:
	return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "route %s %s: bad pattern", r->method,
			      r->pattern);
}

/* Same method and same shape ({params} equal to each other)? */
static int same_shape(const struct medfwd_route *a, const struct medfwd_route *b)
{
	const char *p = a->pattern, *q = b->pattern;

	if (strcmp(a->method, b->method) != 0)
		return 0;
	while (*p != 0 && *q != 0) {
		if (*p == '{' && *q == '{') {
			p += strcspn(p, "}");
			q += strcspn(q, "}");
			if ((p[-1] == '*') != (q[-1] == '*'))
				return 0; /* {a*} and {b}: different shapes */
		}
		if (*p != *q)
			return 0;
		p++;
		q++;
	}
	return *p == *q;
}

enum medfw_err medfwd_router_build(struct medfwd_router *r, int with_selftest,
				   struct medfw_diag *diag)
{
	size_t n = 0, lit;

	memset(r, 0, sizeof(*r));
	for (size_t t = 0; medfwd_route_tables[t] != NULL; t++)
		for (const struct medfwd_route *e = medfwd_route_tables[t]; e->method; e++)
			n++;
	if (with_selftest)
		for (const struct medfwd_route *e = medfwd_routes_selftest; e->method; e++)
			n++;
	r->routes = calloc(n + 1, sizeof(*r->routes));
	if (r->routes == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "router: out of memory");
	for (size_t t = 0; medfwd_route_tables[t] != NULL; t++)
		for (const struct medfwd_route *e = medfwd_route_tables[t]; e->method; e++)
			r->routes[r->n_routes++] = e;
	if (with_selftest)
		for (const struct medfwd_route *e = medfwd_routes_selftest; e->method; e++)
			r->routes[r->n_routes++] = e;
	for (size_t i = 0; i < r->n_routes; i++) {
		enum medfw_err err = check_pattern(r->routes[i], &lit, diag);

		for (size_t j = 0; err == MEDFW_OK && j < i; j++)
			if (same_shape(r->routes[i], r->routes[j]) ||
			    strcmp(r->routes[i]->name, r->routes[j]->name) == 0)
				err = medfw_diag_set(diag, MEDFW_ERR_DUPLICATE_KEYID,
						     "route %s %s (%s) duplicates %s %s (%s)",
						     r->routes[i]->method, r->routes[i]->pattern,
						     r->routes[i]->name, r->routes[j]->method,
						     r->routes[j]->pattern, r->routes[j]->name);
		if (err != MEDFW_OK) {
			medfwd_router_free(r);
			return err;
		}
	}
	return MEDFW_OK;
}

void medfwd_router_free(struct medfwd_router *r)
{
	if (r == NULL)
		return;
	free(r->routes);
	memset(r, 0, sizeof(*r));
}

void medfwd_match_free(struct medfwd_match *m)
{
	for (size_t i = 0; i < m->n_params; i++)
		free(m->param_values[i]);
	memset(m, 0, sizeof(*m));
}

/* Does `pattern` match the segments? Counts literal segments matched and tells
 * whether a catch-all took the rest. */
static int match_pattern(const char *pattern, char *const *segs, size_t n_segs,
			 size_t *out_literals, int *out_catch_all)
{
	const char *p = pattern;
	size_t i = 0, literals = 0;

	*out_catch_all = 0;
	while (*p == '/') {
		size_t n;

		p++;
		n = strcspn(p, "/");
		if (i >= n_segs)
			return 0;
		if (is_catch_all(p, n)) {
			for (; i < n_segs; i++)
				if (segs[i][0] == 0)
					return 0; /* no empty segment in a catch-all */
			*out_catch_all = 1;
			break;
		}
		if (p[0] == '{') {
			if (segs[i][0] == 0)
				return 0; /* a parameter is never empty */
		} else if (strlen(segs[i]) != n || memcmp(segs[i], p, n) != 0) {
			return 0;
		} else {
			literals++;
		}
		i++;
		p += n;
	}
	*out_literals = literals;
	return i == n_segs;
}

/* segs[0]/segs[1]/... as one malloc()ed string. */
static char *join_segments(char *const *segs, size_t n)
{
	size_t len = 0, o = 0;
	char *out;

	for (size_t i = 0; i < n; i++)
		len += strlen(segs[i]) + 1;
	out = malloc(len + 1);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(segs[i]);

		if (i > 0)
			out[o++] = '/';
		memcpy(out + o, segs[i], k);
		o += k;
	}
	out[o] = 0;
	return out;
}

static void add_allow(char *allow, size_t cap, const char *method)
{
	size_t len = strlen(allow);

	if (strstr(allow, method) != NULL)
		return;
	snprintf(allow + len, cap - len, "%s%s", len ? ", " : "", method);
}

enum medfwd_match_result medfwd_router_match(const struct medfwd_router *r, const char *method,
					     char *const *segments, size_t n_segments,
					     struct medfwd_match *out, char *allow,
					     size_t allow_cap)
{
	const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;
	size_t best = SIZE_MAX, best_lit = 0, lit;
	int path_seen = 0, catch_all = 0, best_catch_all = 0;
	const char *p;

	memset(out, 0, sizeof(*out));
	allow[0] = 0;
	for (size_t i = 0; i < r->n_routes; i++) {
		if (!match_pattern(r->routes[i]->pattern, segments, n_segments, &lit, &catch_all))
			continue;
		path_seen = 1;
		add_allow(allow, allow_cap, r->routes[i]->method);
		if (strcmp(r->routes[i]->method, "GET") == 0)
			add_allow(allow, allow_cap, "HEAD");
		if (strcmp(r->routes[i]->method, want) != 0)
			continue;
		if (best == SIZE_MAX || lit > best_lit ||
		    (lit == best_lit && best_catch_all && !catch_all)) {
			best = i;
			best_lit = lit;
			best_catch_all = catch_all;
		}
	}
	if (best == SIZE_MAX)
		return path_seen ? MEDFWD_MATCH_NO_METHOD : MEDFWD_MATCH_NO_PATH;
	out->route = best;
	p = r->routes[best]->pattern;
	for (size_t i = 0; *p == '/'; i++) {
		size_t n;

		p++;
		n = strcspn(p, "/");
		if (p[0] == '{' && out->n_params < MEDFWD_MAX_PARAMS) {
			int all = is_catch_all(p, n);

			out->param_names[out->n_params] = p + 1;
			out->param_name_lens[out->n_params] = all ? n - 3 : n - 2;
			out->param_values[out->n_params] =
				all ? join_segments(segments + i, n_segments - i) : strdup(segments[i]);
			if (out->param_values[out->n_params] == NULL) {
				medfwd_match_free(out);
				return MEDFWD_MATCH_NO_PATH;
			}
			out->n_params++;
		}
		p += n;
	}
	return MEDFWD_MATCH_FOUND;
}
