/* Language ecosystem versions: SemVer 2.0.0 (and npm/golang with a "v"), NuGet,
 * PyPI (PEP 440), RubyGems and Conan. */
#include <string.h>

#include "vuln/version_int.h"

struct run {
	const char *s;
	size_t len;
};

/* Runs of up to MEDFW_VERSION_MAX_LEN bytes have at most this many components. */
#define MAX_PARTS (MEDFW_VERSION_MAX_LEN / 2 + 2)

static int all_digits(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (!medfwi_is_digit(s[i]))
			return 0;
	return 1;
}

/* Case-insensitive: does s[i..len) start with the lowercase word w? Returns its
 * length or 0. */
static size_t starts_with_ci(const char *s, size_t len, size_t i, const char *w)
{
	size_t n = strlen(w), k;

	if (len - i < n)
		return 0;
	for (k = 0; k < n; k++)
		if (medfwi_to_lower(s[i + k]) != w[k])
			return 0;
	return n;
}

/* ---------------------------------------------------------------- SemVer ---------- */

struct semver {
	struct run num[3];
	const char *pre; /* NULL when no pre-release */
	size_t pre_len;
};

static int ident_char(char c)
{
	return medfwi_is_alnum(c) || c == '-';
}

/* Dot-separated non-empty identifiers of [0-9A-Za-z-]; numeric ones without
 * leading zeros when `numeric_strict`. */
static const char *semver_idents(const char *s, size_t len, int numeric_strict)
{
	size_t i = 0;

	for (;;) {
		size_t start = i;

		while (i < len && ident_char(s[i]))
			i++;
		if (i == start)
			return "empty identifier";
		if (numeric_strict && all_digits(s + start, i - start) && i - start > 1 &&
		    s[start] == '0')
			return "numeric identifier with a leading zero";
		if (i == len)
			return NULL;
		if (s[i] != '.')
			return "invalid character in identifier";
		i++;
	}
}

static const char *semver_parse(const char *v, size_t len, struct semver *sv)
{
	size_t i = 0, k;
	const char *err;

	memset(sv, 0, sizeof(*sv));
	for (k = 0; k < 3; k++) {
		size_t start = i;

		while (i < len && medfwi_is_digit(v[i]))
			i++;
		if (i == start)
			return "not of the form MAJOR.MINOR.PATCH";
		if (i - start > 1 && v[start] == '0')
			return "number with a leading zero";
		sv->num[k].s = v + start;
		sv->num[k].len = i - start;
		if (k < 2) {
			if (i >= len || v[i] != '.')
				return "not of the form MAJOR.MINOR.PATCH";
			i++;
		}
	}
	if (i < len && v[i] == '-') {
		size_t start = ++i;

		while (i < len && v[i] != '+')
			i++;
		err = semver_idents(v + start, i - start, 1);
		if (err != NULL)
			return err;
		sv->pre = v + start;
		sv->pre_len = i - start;
	}
	if (i < len && v[i] == '+') {
		i++;
		err = semver_idents(v + i, len - i, 0);
		if (err != NULL)
			return err;
		i = len;
	}
	if (i != len)
		return "unexpected character after MAJOR.MINOR.PATCH";
	return NULL;
}

const char *medfwi_semver_check(const char *v, size_t len)
{
	struct semver sv;

	return semver_parse(v, len, &sv);
}

/* Pre-release precedence: identifier by identifier, numeric ones numerically and
 * below alphanumeric ones, alphanumeric ones in ASCII order, more identifiers win. */
static int semver_pre_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0, j = 0;

	for (;;) {
		size_t si = i, sj = j;
		int an, bn, c;

		while (i < alen && a[i] != '.')
			i++;
		while (j < blen && b[j] != '.')
			j++;
		an = all_digits(a + si, i - si);
		bn = all_digits(b + sj, j - sj);
		if (an && bn)
			c = medfwi_digits_cmp(a + si, i - si, b + sj, j - sj);
		else if (an || bn)
			c = an ? -1 : 1;
		else
			c = medfwi_bytes_cmp(a + si, i - si, b + sj, j - sj);
		if (c != 0)
			return c;
		if (i >= alen || j >= blen)
			return (i < alen) - (j < blen);
		i++;
		j++;
	}
}

int medfwi_semver_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	struct semver sa, sb;
	size_t k;
	int c;

	(void)semver_parse(a, alen, &sa);
	(void)semver_parse(b, blen, &sb);
	for (k = 0; k < 3; k++) {
		c = medfwi_digits_cmp(sa.num[k].s, sa.num[k].len, sb.num[k].s, sb.num[k].len);
		if (c != 0)
			return c;
	}
	if (sa.pre == NULL || sb.pre == NULL)
		return (sa.pre == NULL) - (sb.pre == NULL);
	return semver_pre_cmp(sa.pre, sa.pre_len, sb.pre, sb.pre_len);
}

const struct medfwi_version_ops medfwi_semver_ops = {medfwi_semver_check, medfwi_semver_cmp};

/* npm (node-semver) and Go modules write the same versions, optionally led by 'v'. */
static void skip_v(const char **v, size_t *len)
{
	if (*len > 0 && (*v)[0] == 'v') {
		(*v)++;
		(*len)--;
	}
}

static const char *vsemver_check(const char *v, size_t len)
{
	skip_v(&v, &len);
	return medfwi_semver_check(v, len);
}

static int vsemver_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	skip_v(&a, &alen);
	skip_v(&b, &blen);
	return medfwi_semver_cmp(a, alen, b, blen);
}

const struct medfwi_version_ops medfwi_npm_ops = {vsemver_check, vsemver_cmp};
const struct medfwi_version_ops medfwi_golang_ops = {vsemver_check, vsemver_cmp};

/* ---------------------------------------------------------------- NuGet ----------- */

struct nuget {
	struct run num[4];
	size_t nnum;
	const char *rel; /* NULL when none */
	size_t rel_len;
};

static const char *nuget_parse(const char *v, size_t len, struct nuget *n)
{
	size_t i = 0;
	const char *err;

	memset(n, 0, sizeof(*n));
	for (;;) {
		size_t start = i;

		while (i < len && medfwi_is_digit(v[i]))
			i++;
		if (i == start)
			return n->nnum == 0 ? "does not start with a number" : "empty numeric part";
		if (n->nnum == 4)
			return "more than four numeric parts";
		if (!medfwi_digits_le(v + start, i - start, "2147483647"))
			return "numeric part larger than 2147483647";
		n->num[n->nnum].s = v + start;
		n->num[n->nnum].len = i - start;
		n->nnum++;
		if (i < len && v[i] == '.') {
			i++;
			continue;
		}
		break;
	}
	if (i < len && v[i] == '-') {
		size_t start = ++i;

		while (i < len && v[i] != '+')
			i++;
		err = semver_idents(v + start, i - start, 0);
		if (err != NULL)
			return err;
		n->rel = v + start;
		n->rel_len = i - start;
	}
	if (i < len && v[i] == '+') {
		i++;
		err = semver_idents(v + i, len - i, 0);
		if (err != NULL)
			return err;
		i = len;
	}
	if (i != len)
		return "unexpected character after the numeric parts";
	return NULL;
}

static const char *nuget_check(const char *v, size_t len)
{
	struct nuget n;

	return nuget_parse(v, len, &n);
}

static int ci_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t k, n = alen < blen ? alen : blen;

	for (k = 0; k < n; k++) {
		char x = medfwi_to_lower(a[k]), y = medfwi_to_lower(b[k]);

		if (x != y)
			return (unsigned char)x < (unsigned char)y ? -1 : 1;
	}
	return (alen > blen) - (alen < blen);
}

static int nuget_rel_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0, j = 0;

	for (;;) {
		size_t si = i, sj = j;
		int an, bn, c;

		while (i < alen && a[i] != '.')
			i++;
		while (j < blen && b[j] != '.')
			j++;
		an = all_digits(a + si, i - si);
		bn = all_digits(b + sj, j - sj);
		if (an && bn)
			c = medfwi_digits_cmp(a + si, i - si, b + sj, j - sj);
		else if (an || bn)
			c = an ? -1 : 1;
		else
			c = ci_cmp(a + si, i - si, b + sj, j - sj);
		if (c != 0)
			return c;
		if (i >= alen || j >= blen)
			return (i < alen) - (j < blen);
		i++;
		j++;
	}
}

static int nuget_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	struct nuget na, nb;
	size_t k;
	int c;

	(void)nuget_parse(a, alen, &na);
	(void)nuget_parse(b, blen, &nb);
	for (k = 0; k < 4; k++) {
		c = medfwi_digits_cmp(na.num[k].s, k < na.nnum ? na.num[k].len : 0, nb.num[k].s,
				      k < nb.nnum ? nb.num[k].len : 0);
		if (c != 0)
			return c;
	}
	if (na.rel == NULL || nb.rel == NULL)
		return (na.rel == NULL) - (nb.rel == NULL);
	return nuget_rel_cmp(na.rel, na.rel_len, nb.rel, nb.rel_len);
}

const struct medfwi_version_ops medfwi_nuget_ops = {nuget_check, nuget_cmp};

/* ---------------------------------------------------------------- PyPI (PEP 440) -- */

enum { PRE_NONE = -1, PRE_A = 0, PRE_B = 1, PRE_RC = 2 };

struct pep440 {
	struct run epoch;
	struct run rel[MAX_PARTS];
	size_t nrel;
	int pre;
	struct run pre_num;
	int has_post;
	struct run post_num;
	int has_dev;
	struct run dev_num;
	struct run local[MAX_PARTS];
	size_t nlocal;
};

static int pep_sep(char c)
{
	return c == '-' || c == '_' || c == '.';
}

static size_t read_digits(const char *v, size_t len, size_t i, struct run *r)
{
	size_t start = i;

	while (i < len && medfwi_is_digit(v[i]))
		i++;
	r->s = v + start;
	r->len = i - start;
	return i;
}

/* After a pre/post/dev keyword: an optional separator, then an optional number. */
static size_t pep_number(const char *v, size_t len, size_t i, struct run *num)
{
	if (i < len && pep_sep(v[i]))
		i++;
	return read_digits(v, len, i, num);
}

/* packaging's VERSION_PATTERN, case-insensitive, without surrounding whitespace. */
static const char *pep440_parse(const char *v, size_t len, struct pep440 *p)
{
	static const struct {
		const char *word;
		int kind;
	} pre_words[] = {{"alpha", PRE_A}, {"a", PRE_A},	   {"beta", PRE_B}, {"b", PRE_B},
			 {"preview", PRE_RC}, {"pre", PRE_RC}, {"rc", PRE_RC}, {"c", PRE_RC}};
	static const char *const post_words[] = {"post", "rev", "r"};
	size_t i = 0, j, k, n;
	struct run first;

	memset(p, 0, sizeof(*p));
	p->pre = PRE_NONE;
	if (i < len && (v[i] == 'v' || v[i] == 'V'))
		i++;
	i = read_digits(v, len, i, &first);
	if (first.len == 0)
		return "does not start with a release number";
	if (i < len && v[i] == '!') {
		p->epoch = first;
		i = read_digits(v, len, i + 1, &first);
		if (first.len == 0)
			return "no release number after the epoch";
	}
	p->rel[p->nrel++] = first;
	while (i + 1 < len && v[i] == '.' && medfwi_is_digit(v[i + 1])) {
		if (p->nrel == MAX_PARTS)
			return "too many release components";
		i = read_digits(v, len, i + 1, &p->rel[p->nrel]);
		p->nrel++;
	}
	/* pre-release */
	j = i < len && pep_sep(v[i]) ? i + 1 : i;
	for (k = 0; k < sizeof(pre_words) / sizeof(pre_words[0]); k++) {
		n = starts_with_ci(v, len, j, pre_words[k].word);
		if (n > 0) {
			p->pre = pre_words[k].kind;
			i = pep_number(v, len, j + n, &p->pre_num);
			break;
		}
	}
	/* post-release: "-N" or [sep](post|rev|r)[sep][N] */
	if (i + 1 < len && v[i] == '-' && medfwi_is_digit(v[i + 1])) {
		p->has_post = 1;
		i = read_digits(v, len, i + 1, &p->post_num);
	} else {
		j = i < len && pep_sep(v[i]) ? i + 1 : i;
		for (k = 0; k < sizeof(post_words) / sizeof(post_words[0]); k++) {
			n = starts_with_ci(v, len, j, post_words[k]);
			if (n > 0) {
				p->has_post = 1;
				i = pep_number(v, len, j + n, &p->post_num);
				break;
			}
		}
	}
	/* development release */
	j = i < len && pep_sep(v[i]) ? i + 1 : i;
	n = starts_with_ci(v, len, j, "dev");
	if (n > 0) {
		p->has_dev = 1;
		i = pep_number(v, len, j + n, &p->dev_num);
	}
	/* local version label */
	if (i < len && v[i] == '+') {
		i++;
		for (;;) {
			size_t start = i;

			while (i < len && medfwi_is_alnum(v[i]))
				i++;
			if (i == start)
				return "empty local version segment";
			if (p->nlocal == MAX_PARTS)
				return "too many local version segments";
			p->local[p->nlocal].s = v + start;
			p->local[p->nlocal].len = i - start;
			p->nlocal++;
			if (i < len && pep_sep(v[i])) {
				i++;
				continue;
			}
			break;
		}
	}
	if (i != len)
		return "not a PEP 440 version";
	return NULL;
}

static const char *pypi_check(const char *v, size_t len)
{
	struct pep440 p;

	return pep440_parse(v, len, &p);
}

/* Release tuples compare with trailing zeros removed. */
static int pep_release_cmp(const struct pep440 *a, const struct pep440 *b)
{
	size_t na = a->nrel, nb = b->nrel, k;

	while (na > 0 && medfwi_digits_cmp(a->rel[na - 1].s, a->rel[na - 1].len, "", 0) == 0)
		na--;
	while (nb > 0 && medfwi_digits_cmp(b->rel[nb - 1].s, b->rel[nb - 1].len, "", 0) == 0)
		nb--;
	for (k = 0; k < na && k < nb; k++) {
		int c = medfwi_digits_cmp(a->rel[k].s, a->rel[k].len, b->rel[k].s, b->rel[k].len);

		if (c != 0)
			return c;
	}
	return (na > nb) - (na < nb);
}

/* Keys with -infinity / +infinity as in packaging's _cmpkey: rank -1, 0 (a value)
 * or 1, then the value. */
static int key_cmp(int ra, const struct run *va, int rb, const struct run *vb)
{
	if (ra != rb)
		return ra < rb ? -1 : 1;
	if (ra != 0)
		return 0;
	return medfwi_digits_cmp(va->s, va->len, vb->s, vb->len);
}

static int pep_pre_cmp(const struct pep440 *a, const struct pep440 *b)
{
	/* a dev release of a final version sorts before its pre-releases */
	int ra = a->pre != PRE_NONE ? 0 : (!a->has_post && a->has_dev) ? -1 : 1;
	int rb = b->pre != PRE_NONE ? 0 : (!b->has_post && b->has_dev) ? -1 : 1;

	if (ra != rb)
		return ra < rb ? -1 : 1;
	if (ra != 0)
		return 0;
	if (a->pre != b->pre)
		return a->pre < b->pre ? -1 : 1;
	return medfwi_digits_cmp(a->pre_num.s, a->pre_num.len, b->pre_num.s, b->pre_num.len);
}

static int pep_local_cmp(const struct pep440 *a, const struct pep440 *b)
{
	size_t k;

	if (a->nlocal == 0 || b->nlocal == 0)
		return (a->nlocal > 0) - (b->nlocal > 0);
	for (k = 0; k < a->nlocal && k < b->nlocal; k++) {
		int an = all_digits(a->local[k].s, a->local[k].len);
		int bn = all_digits(b->local[k].s, b->local[k].len);
		int c;

		if (an && bn)
			c = medfwi_digits_cmp(a->local[k].s, a->local[k].len, b->local[k].s,
					      b->local[k].len);
		else if (an || bn)
			c = an ? 1 : -1; /* numeric segments sort after alphanumeric ones */
		else
			c = ci_cmp(a->local[k].s, a->local[k].len, b->local[k].s, b->local[k].len);
		if (c != 0)
			return c;
	}
	return (a->nlocal > b->nlocal) - (a->nlocal < b->nlocal);
}

struct pep_pair {
	struct pep440 a, b;
};

static int pypi_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	struct pep_pair p;
	int c;

	(void)pep440_parse(a, alen, &p.a);
	(void)pep440_parse(b, blen, &p.b);
	c = medfwi_digits_cmp(p.a.epoch.s, p.a.epoch.len, p.b.epoch.s, p.b.epoch.len);
	if (c == 0)
		c = pep_release_cmp(&p.a, &p.b);
	if (c == 0)
		c = pep_pre_cmp(&p.a, &p.b);
	if (c == 0)
		c = key_cmp(p.a.has_post ? 0 : -1, &p.a.post_num, p.b.has_post ? 0 : -1,
			    &p.b.post_num);
	if (c == 0)
		c = key_cmp(p.a.has_dev ? 0 : 1, &p.a.dev_num, p.b.has_dev ? 0 : 1, &p.b.dev_num);
	if (c == 0)
		c = pep_local_cmp(&p.a, &p.b);
	return c;
}

const struct medfwi_version_ops medfwi_pypi_ops = {pypi_check, pypi_cmp};

/* ---------------------------------------------------------------- RubyGems -------- */

/* A Gem::Version segment: a number (digits) or a string (letters). */
struct gem_seg {
	int is_num;
	struct run r;
};

struct gem_ver {
	struct gem_seg seg[MEDFW_VERSION_MAX_LEN + 1];
	size_t n;
};

/* Gem::Version::ANCHORED_VERSION_PATTERN without the surrounding whitespace:
 * [0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)? or empty. */
static const char *gem_check(const char *v, size_t len)
{
	size_t i = 0;

	if (len == 0)
		return NULL; /* Gem::Version.new("") is "0" */
	while (i < len && medfwi_is_digit(v[i]))
		i++;
	if (i == 0)
		return "does not start with a digit";
	while (i < len && v[i] == '.') {
		size_t start = ++i;

		while (i < len && medfwi_is_alnum(v[i]))
			i++;
		if (i == start)
			return "empty segment after '.'";
	}
	if (i < len && v[i] == '-') {
		for (;;) {
			size_t start = ++i;

			while (i < len && ident_char(v[i]))
				i++;
			if (i == start)
				return "empty pre-release segment";
			if (i < len && v[i] == '.')
				continue;
			break;
		}
	}
	return i == len ? NULL : "invalid character";
}

/* Gem::Version#segments after "-" became ".pre.": digit and letter runs. */
static void gem_segments(const char *v, size_t len, struct gem_ver *g)
{
	static const char pre[] = "pre";
	size_t i = 0;

	g->n = 0;
	while (i < len) {
		size_t start = i;

		if (v[i] == '-') {
			g->seg[g->n].is_num = 0;
			g->seg[g->n].r.s = pre;
			g->seg[g->n].r.len = 3;
			g->n++;
			i++;
		} else if (medfwi_is_digit(v[i])) {
			while (i < len && medfwi_is_digit(v[i]))
				i++;
			g->seg[g->n].is_num = 1;
			g->seg[g->n].r.s = v + start;
			g->seg[g->n].r.len = i - start;
			g->n++;
		} else if (medfwi_is_alpha(v[i])) {
			while (i < len && medfwi_is_alpha(v[i]))
				i++;
			g->seg[g->n].is_num = 0;
			g->seg[g->n].r.s = v + start;
			g->seg[g->n].r.len = i - start;
			g->n++;
		} else {
			i++;
		}
	}
}

static int gem_is_zero(const struct gem_seg *s)
{
	return s->is_num && medfwi_digits_cmp(s->r.s, s->r.len, "", 0) == 0;
}

/* canonical_segments: trailing zeros dropped from the numeric prefix and from the
 * rest separately. */
static void gem_canonical(struct gem_ver *g)
{
	size_t first_str = 0, end, k, o;

	while (first_str < g->n && g->seg[first_str].is_num)
		first_str++;
	end = first_str;
	while (end > 0 && gem_is_zero(&g->seg[end - 1]))
		end--;
	o = end;
	k = g->n;
	while (k > first_str && gem_is_zero(&g->seg[k - 1]))
		k--;
	memmove(&g->seg[o], &g->seg[first_str], (k - first_str) * sizeof(g->seg[0]));
	g->n = o + (k - first_str);
}

struct gem_pair {
	struct gem_ver a, b;
};

/* Gem::Version#<=> */
static int gem_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	struct gem_pair p;
	size_t k, n;

	if (alen == blen && memcmp(a, b, alen) == 0)
		return 0;
	gem_segments(a, alen, &p.a);
	gem_segments(b, blen, &p.b);
	gem_canonical(&p.a);
	gem_canonical(&p.b);
	n = p.a.n > p.b.n ? p.a.n : p.b.n;
	for (k = 0; k < n; k++) {
		static const struct gem_seg zero = {1, {"0", 1}};
		const struct gem_seg *l = k < p.a.n ? &p.a.seg[k] : &zero;
		const struct gem_seg *r = k < p.b.n ? &p.b.seg[k] : &zero;
		int c;

		if (l->is_num != r->is_num)
			return l->is_num ? 1 : -1;
		if (l->is_num)
			c = medfwi_digits_cmp(l->r.s, l->r.len, r->r.s, r->r.len);
		else
			c = medfwi_bytes_cmp(l->r.s, l->r.len, r->r.s, r->r.len);
		if (c != 0)
			return c;
	}
	return 0;
}

const struct medfwi_version_ops medfwi_gem_ops = {gem_check, gem_cmp};

/* ---------------------------------------------------------------- Conan ----------- */

/* Conan 2's Version: main items "." separated, after the last "-" a pre-release,
 * after the last "+" a build (itself a version with main items and a pre-release).
 * An item is a number when it is all digits, else a string; trailing zero items
 * do not count. */
struct conan_items {
	struct run item[MAX_PARTS];
	size_t n;
};

struct conan_ver {
	struct conan_items main, pre, bmain, bpre;
	int has_pre, has_build, bhas_pre;
};

static void conan_items(const char *s, size_t len, struct conan_items *it)
{
	size_t i = 0;

	it->n = 0;
	for (;;) {
		size_t start = i;

		while (i < len && s[i] != '.')
			i++;
		if (it->n < MAX_PARTS) {
			it->item[it->n].s = s + start;
			it->item[it->n].len = i - start;
			it->n++;
		}
		if (i >= len)
			break;
		i++;
	}
	/* nonzero items: drop trailing items equal to the number 0 */
	while (it->n > 0 && all_digits(it->item[it->n - 1].s, it->item[it->n - 1].len) &&
	       medfwi_digits_cmp(it->item[it->n - 1].s, it->item[it->n - 1].len, "", 0) == 0)
		it->n--;
}

static const char *last_of(const char *s, size_t len, char c)
{
	size_t i;

	for (i = len; i > 0; i--)
		if (s[i - 1] == c)
			return s + i - 1;
	return NULL;
}

/* Split "main[-pre]" into items. */
static void conan_main_pre(const char *s, size_t len, struct conan_items *main,
			   struct conan_items *pre, int *has_pre)
{
	const char *dash = last_of(s, len, '-');

	*has_pre = dash != NULL;
	if (dash != NULL) {
		conan_items(dash + 1, len - (size_t)(dash + 1 - s), pre);
		len = (size_t)(dash - s);
	}
	conan_items(s, len, main);
}

static void conan_parse(const char *v, size_t len, struct conan_ver *cv)
{
	const char *plus = last_of(v, len, '+');

	memset(cv, 0, sizeof(*cv));
	cv->has_build = plus != NULL;
	if (plus != NULL) {
		conan_main_pre(plus + 1, len - (size_t)(plus + 1 - v), &cv->bmain, &cv->bpre,
			       &cv->bhas_pre);
		len = (size_t)(plus - v);
	}
	conan_main_pre(v, len, &cv->main, &cv->pre, &cv->has_pre);
}

static const char *conan_check(const char *v, size_t len)
{
	size_t i, items = 1;

	if (len == 0)
		return "empty version";
	for (i = 0; i < len; i++) {
		if (!medfwi_is_alnum(v[i]) && !medfwi_in_set(v[i], ".-+"))
			return "invalid character (letters, digits, '.', '-' and '+' only)";
		if (v[i] == '.')
			items++;
	}
	if (items > MAX_PARTS)
		return "too many items";
	return NULL;
}

/* An item's text as Conan compares mixed items: a number without leading zeros. */
static struct run conan_text(struct run r)
{
	if (all_digits(r.s, r.len)) {
		while (r.len > 1 && r.s[0] == '0') {
			r.s++;
			r.len--;
		}
	}
	return r;
}

static int conan_item_cmp(struct run a, struct run b)
{
	if (all_digits(a.s, a.len) && all_digits(b.s, b.len))
		return medfwi_digits_cmp(a.s, a.len, b.s, b.len);
	a = conan_text(a);
	b = conan_text(b);
	return medfwi_bytes_cmp(a.s, a.len, b.s, b.len);
}

static int conan_items_cmp(const struct conan_items *a, const struct conan_items *b)
{
	size_t k;

	for (k = 0; k < a->n && k < b->n; k++) {
		int c = conan_item_cmp(a->item[k], b->item[k]);

		if (c != 0)
			return c;
	}
	return (a->n > b->n) - (a->n < b->n);
}

/* Version.__lt__/__eq__ for "main[-pre]" versions without a build. */
static int conan_mp_cmp(const struct conan_items *am, int apre, const struct conan_items *ap,
			const struct conan_items *bm, int bpre, const struct conan_items *bp)
{
	int c = conan_items_cmp(am, bm);

	if (apre && bpre)
		return c != 0 ? c : conan_items_cmp(ap, bp);
	if (apre != bpre && c == 0)
		return apre ? -1 : 1; /* a pre-release sorts before its release */
	return c;
}

static int conan_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	struct conan_ver va, vb;
	int c;

	conan_parse(a, alen, &va);
	conan_parse(b, blen, &vb);
	c = conan_mp_cmp(&va.main, va.has_pre, &va.pre, &vb.main, vb.has_pre, &vb.pre);
	if (c != 0)
		return c;
	/* Equal main (and pre-release): the build decides; no build sorts first. */
	if (!va.has_build || !vb.has_build)
		return va.has_build - vb.has_build;
	return conan_mp_cmp(&va.bmain, va.bhas_pre, &va.bpre, &vb.bmain, vb.bhas_pre, &vb.bpre);
}

const struct medfwi_version_ops medfwi_conan_ops = {conan_check, conan_cmp};
