/* Distribution package versions: Debian (dpkg), RPM, Arch Linux (pacman), Alpine
 * (apk-tools) and Gentoo (PMS). Each follows the algorithm of the tool that defines
 * the ordering; the sources are named in docs/vuln-matching.md. */
#include <string.h>

#include "vuln/version_int.h"

/* ---------------------------------------------------------------- Debian ---------- */

/* The parts of [epoch:]upstream[-revision]; an absent epoch or revision is empty. */
struct deb_parts {
	const char *epoch, *upstream, *revision;
	size_t epoch_len, upstream_len, revision_len;
};

static const char *deb_split(const char *v, size_t len, struct deb_parts *p)
{
	const char *colon = memchr(v, ':', len);
	const char *rest = v;
	size_t rest_len = len, i;

	memset(p, 0, sizeof(*p));
	if (len == 0)
		return "empty version";
	if (colon != NULL) {
		p->epoch = v;
		p->epoch_len = (size_t)(colon - v);
		if (p->epoch_len == 0)
			return "empty epoch before ':'";
		for (i = 0; i < p->epoch_len; i++)
			if (!medfwi_is_digit(v[i]))
				return "epoch is not a number";
		if (!medfwi_digits_le(v, p->epoch_len, "2147483647"))
			return "epoch is too big";
		rest = colon + 1;
		rest_len = len - p->epoch_len - 1;
	}
	p->upstream = rest;
	p->upstream_len = rest_len;
	p->revision = rest + rest_len;
	for (i = rest_len; i > 0; i--) {
		if (rest[i - 1] == '-') {
			p->upstream_len = i - 1;
			p->revision = rest + i;
			p->revision_len = rest_len - i;
			if (p->revision_len == 0)
				return "empty revision after '-'";
			break;
		}
	}
	if (p->upstream_len == 0)
		return "empty upstream version";
	if (!medfwi_is_digit(p->upstream[0]))
		return "upstream version does not start with a digit";
	for (i = 0; i < p->upstream_len; i++) {
		char c = p->upstream[i];

		if (!medfwi_is_alnum(c) && !medfwi_in_set(c, ".-+~:"))
			return "invalid character in upstream version";
	}
	for (i = 0; i < p->revision_len; i++) {
		char c = p->revision[i];

		if (!medfwi_is_alnum(c) && !medfwi_in_set(c, ".+~"))
			return "invalid character in revision";
	}
	return NULL;
}

static const char *deb_check(const char *v, size_t len)
{
	struct deb_parts p;

	return deb_split(v, len, &p);
}

/* dpkg's character order: '~' before everything (even the end), then the end and
 * digits, then letters, then everything else. */
static int deb_order(const char *s, size_t i, size_t len)
{
	char c;

	if (i >= len)
		return 0;
	c = s[i];
	if (medfwi_is_digit(c))
		return 0;
	if (medfwi_is_alpha(c))
		return (unsigned char)c;
	if (c == '~')
		return -1;
	return (unsigned char)c + 256;
}

/* dpkg's verrevcmp. */
static int deb_verrevcmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0, j = 0;

	while (i < alen || j < blen) {
		size_t di, dj;
		int c;

		while ((i < alen && !medfwi_is_digit(a[i])) || (j < blen && !medfwi_is_digit(b[j]))) {
			int ac = deb_order(a, i, alen), bc = deb_order(b, j, blen);

			if (ac != bc)
				return ac < bc ? -1 : 1;
			i++;
			j++;
		}
		/* past the end of one side, i or j may exceed its length by the loop above
		 * only when both orders were 0 at the end, which ends the loop: clamp. */
		if (i > alen)
			i = alen;
		if (j > blen)
			j = blen;
		di = i;
		while (di < alen && medfwi_is_digit(a[di]))
			di++;
		dj = j;
		while (dj < blen && medfwi_is_digit(b[dj]))
			dj++;
		c = medfwi_digits_cmp(a + i, di - i, b + j, dj - j);
		if (c != 0)
			return c;
		i = di;
		j = dj;
	}
	return 0;
}

static int deb_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	struct deb_parts pa, pb;
	int c;

	(void)deb_split(a, alen, &pa);
	(void)deb_split(b, blen, &pb);
	c = medfwi_digits_cmp(pa.epoch, pa.epoch_len, pb.epoch, pb.epoch_len);
	if (c != 0)
		return c;
	c = deb_verrevcmp(pa.upstream, pa.upstream_len, pb.upstream, pb.upstream_len);
	if (c != 0)
		return c;
	return deb_verrevcmp(pa.revision, pa.revision_len, pb.revision, pb.revision_len);
}

const struct medfwi_version_ops medfwi_deb_ops = {deb_check, deb_cmp};

/* ---------------------------------------------------------------- RPM ------------- */

struct rpm_parts {
	const char *epoch, *version, *release; /* release NULL when absent */
	size_t epoch_len, version_len, release_len;
};

static int rpm_char_ok(char c)
{
	return medfwi_is_alnum(c) || medfwi_in_set(c, "._+~^");
}

static const char *rpm_split(const char *v, size_t len, struct rpm_parts *p)
{
	const char *colon = memchr(v, ':', len);
	const char *rest = v;
	size_t rest_len = len, i;

	memset(p, 0, sizeof(*p));
	if (len == 0)
		return "empty version";
	if (colon != NULL) {
		p->epoch = v;
		p->epoch_len = (size_t)(colon - v);
		if (p->epoch_len == 0)
			return "empty epoch before ':'";
		for (i = 0; i < p->epoch_len; i++)
			if (!medfwi_is_digit(v[i]))
				return "epoch is not a number";
		rest = colon + 1;
		rest_len = len - p->epoch_len - 1;
	}
	p->version = rest;
	p->version_len = rest_len;
	for (i = rest_len; i > 0; i--) {
		if (rest[i - 1] == '-') {
			p->version_len = i - 1;
			p->release = rest + i;
			p->release_len = rest_len - i;
			if (p->release_len == 0)
				return "empty release after '-'";
			break;
		}
	}
	if (p->version_len == 0)
		return "empty version before the release";
	for (i = 0; i < p->version_len; i++)
		if (!rpm_char_ok(p->version[i]))
			return p->version[i] == '-' ? "'-' in the version part"
						    : "invalid character in version";
	for (i = 0; i < p->release_len; i++)
		if (!rpm_char_ok(p->release[i]))
			return "invalid character in release";
	return NULL;
}

static const char *rpm_check(const char *v, size_t len)
{
	struct rpm_parts p;

	return rpm_split(v, len, &p);
}

/* rpm's rpmvercmp: alphanumeric segments, separators ignored, '~' sorts before
 * anything (even the end), '^' after the base version but before any further
 * segment, numbers newer than letters, the side with segments left is newer. */
static int rpmvercmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0, j = 0;

	if (alen == blen && (alen == 0 || memcmp(a, b, alen) == 0))
		return 0;
	while (i < alen || j < blen) {
		size_t si, sj;
		int isnum, c;

		while (i < alen && !medfwi_is_alnum(a[i]) && a[i] != '~' && a[i] != '^')
			i++;
		while (j < blen && !medfwi_is_alnum(b[j]) && b[j] != '~' && b[j] != '^')
			j++;
		if ((i < alen && a[i] == '~') || (j < blen && b[j] == '~')) {
			if (!(i < alen && a[i] == '~'))
				return 1;
			if (!(j < blen && b[j] == '~'))
				return -1;
			i++;
			j++;
			continue;
		}
		if ((i < alen && a[i] == '^') || (j < blen && b[j] == '^')) {
			if (i >= alen)
				return -1;
			if (j >= blen)
				return 1;
			if (a[i] != '^')
				return 1;
			if (b[j] != '^')
				return -1;
			i++;
			j++;
			continue;
		}
		if (!(i < alen && j < blen))
			break;
		si = i;
		sj = j;
		if (medfwi_is_digit(a[i])) {
			while (si < alen && medfwi_is_digit(a[si]))
				si++;
			while (sj < blen && medfwi_is_digit(b[sj]))
				sj++;
			isnum = 1;
		} else {
			while (si < alen && medfwi_is_alpha(a[si]))
				si++;
			while (sj < blen && medfwi_is_alpha(b[sj]))
				sj++;
			isnum = 0;
		}
		if (sj == j)
			return isnum ? 1 : -1;
		if (isnum)
			c = medfwi_digits_cmp(a + i, si - i, b + j, sj - j);
		else
			c = medfwi_bytes_cmp(a + i, si - i, b + j, sj - j);
		if (c != 0)
			return c;
		i = si;
		j = sj;
	}
	if (i >= alen && j >= blen)
		return 0;
	return i < alen ? 1 : -1;
}

static int rpm_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	struct rpm_parts pa, pb;
	int c;

	(void)rpm_split(a, alen, &pa);
	(void)rpm_split(b, blen, &pb);
	c = medfwi_digits_cmp(pa.epoch, pa.epoch_len, pb.epoch, pb.epoch_len);
	if (c != 0)
		return c;
	c = rpmvercmp(pa.version, pa.version_len, pb.version, pb.version_len);
	if (c != 0)
		return c;
	if (pa.release == NULL || pb.release == NULL)
		return 0; /* rpm: a side without a release matches any release */
	return rpmvercmp(pa.release, pa.release_len, pb.release, pb.release_len);
}

const struct medfwi_version_ops medfwi_rpm_ops = {rpm_check, rpm_cmp};

/* ---------------------------------------------------------------- Arch (alpm) ----- */

struct alpm_parts {
	const char *epoch, *version, *release; /* release NULL when absent */
	size_t epoch_len, version_len, release_len;
};

/* pacman's parseEVR: an epoch is the leading digits when a ':' follows them (empty
 * digits count as 0); the release follows the last '-' of the rest. */
static void alpm_split(const char *v, size_t len, struct alpm_parts *p)
{
	size_t s = 0, i;

	memset(p, 0, sizeof(*p));
	while (s < len && medfwi_is_digit(v[s]))
		s++;
	if (s < len && v[s] == ':') {
		p->epoch = v;
		p->epoch_len = s;
		s++;
	} else {
		s = 0;
	}
	p->version = v + s;
	p->version_len = len - s;
	for (i = len; i > s; i--) {
		if (v[i - 1] == '-') {
			p->version_len = i - 1 - s;
			p->release = v + i;
			p->release_len = len - i;
			break;
		}
	}
}

static const char *alpm_check(const char *v, size_t len)
{
	size_t i;
	int alnum = 0;

	if (len == 0)
		return "empty version";
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c <= 0x20 || c >= 0x7f)
			return "whitespace, control or non-ASCII character";
		if (medfwi_is_alnum(v[i]))
			alnum = 1;
	}
	if (!alnum)
		return "no letter or digit";
	return NULL;
}

/* pacman's rpmvercmp (libalpm/version.c): differs from rpm's in having no '~'/'^'
 * and in comparing separator run lengths and the final leftovers. */
static int alpm_vercmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t one = 0, two = 0, p1 = 0, p2 = 0;

	if (alen == blen && (alen == 0 || memcmp(a, b, alen) == 0))
		return 0;
	while (one < alen && two < blen) {
		int isnum, c;

		while (one < alen && !medfwi_is_alnum(a[one]))
			one++;
		while (two < blen && !medfwi_is_alnum(b[two]))
			two++;
		if (!(one < alen && two < blen))
			break;
		if (one - p1 != two - p2)
			return (one - p1) < (two - p2) ? -1 : 1;
		p1 = one;
		p2 = two;
		if (medfwi_is_digit(a[p1])) {
			while (p1 < alen && medfwi_is_digit(a[p1]))
				p1++;
			while (p2 < blen && medfwi_is_digit(b[p2]))
				p2++;
			isnum = 1;
		} else {
			while (p1 < alen && medfwi_is_alpha(a[p1]))
				p1++;
			while (p2 < blen && medfwi_is_alpha(b[p2]))
				p2++;
			isnum = 0;
		}
		if (two == p2)
			return isnum ? 1 : -1;
		if (isnum)
			c = medfwi_digits_cmp(a + one, p1 - one, b + two, p2 - two);
		else
			c = medfwi_bytes_cmp(a + one, p1 - one, b + two, p2 - two);
		if (c != 0)
			return c;
		one = p1;
		two = p2;
	}
	if (one >= alen && two >= blen)
		return 0;
	/* A remaining alpha string never beats an empty one. */
	if ((one >= alen && !(two < blen && medfwi_is_alpha(b[two]))) ||
	    (one < alen && medfwi_is_alpha(a[one])))
		return -1;
	return 1;
}

static int alpm_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	struct alpm_parts pa, pb;
	int c;

	if (alen == blen && memcmp(a, b, alen) == 0)
		return 0;
	alpm_split(a, alen, &pa);
	alpm_split(b, blen, &pb);
	/* An absent or empty epoch is "0"; epochs compare with the same algorithm. */
	c = alpm_vercmp(pa.epoch_len ? pa.epoch : "0", pa.epoch_len ? pa.epoch_len : 1,
			pb.epoch_len ? pb.epoch : "0", pb.epoch_len ? pb.epoch_len : 1);
	if (c != 0)
		return c;
	c = alpm_vercmp(pa.version, pa.version_len, pb.version, pb.version_len);
	if (c != 0 || pa.release == NULL || pb.release == NULL)
		return c;
	return alpm_vercmp(pa.release, pa.release_len, pb.release, pb.release_len);
}

const struct medfwi_version_ops medfwi_alpm_ops = {alpm_check, alpm_cmp};

/* ---------------------------------------------------------------- Alpine (apk) ---- */

/* apk-tools (2.12 and later) tokens, in its order: the order decides comparisons
 * between versions of different lengths. */
enum apk_tok {
	APK_INITIAL_DIGIT = 0,
	APK_DIGIT = 1,
	APK_LETTER = 2,
	APK_SUFFIX = 3,
	APK_SUFFIX_NO = 4,
	APK_REVISION_NO = 5,
	APK_END = 6,
	APK_INVALID = 7,
};

/* Suffix values: pre-release ones below "none", post-release ones above. */
enum apk_suffix {
	APK_SUF_INVALID = 0,
	APK_SUF_ALPHA,
	APK_SUF_BETA,
	APK_SUF_PRE,
	APK_SUF_RC,
	APK_SUF_NONE,
	APK_SUF_CVS,
	APK_SUF_SVN,
	APK_SUF_GIT,
	APK_SUF_HG,
	APK_SUF_P,
};

struct apk_tok_state {
	enum apk_tok token;
	enum apk_suffix suffix;
	const char *v; /* the token's text */
	size_t vlen;
	const char *p; /* rest of the version */
	size_t len;
};

static enum apk_suffix apk_suffix_value(const char *s, size_t len)
{
	static const struct {
		const char *word;
		enum apk_suffix value;
	} words[] = {{"alpha", APK_SUF_ALPHA}, {"beta", APK_SUF_BETA}, {"pre", APK_SUF_PRE},
		     {"rc", APK_SUF_RC},       {"cvs", APK_SUF_CVS},   {"svn", APK_SUF_SVN},
		     {"git", APK_SUF_GIT},     {"hg", APK_SUF_HG},     {"p", APK_SUF_P}};
	size_t k;

	if (len == 0)
		return APK_SUF_NONE;
	for (k = 0; k < sizeof(words) / sizeof(words[0]); k++)
		if (strlen(words[k].word) == len && memcmp(words[k].word, s, len) == 0)
			return words[k].value;
	return APK_SUF_INVALID;
}

static void apk_span(struct apk_tok_state *t, int (*in)(char))
{
	size_t n = 0;

	while (n < t->len && in(t->p[n]))
		n++;
	t->v = t->p;
	t->vlen = n;
	t->p += n;
	t->len -= n;
}

static int apk_is_digit(char c)
{
	return medfwi_is_digit(c);
}

static int apk_is_lower(char c)
{
	return medfwi_is_lower(c);
}

static void apk_first(struct apk_tok_state *t, const char *v, size_t len)
{
	t->p = v;
	t->len = len;
	t->suffix = APK_SUF_NONE;
	apk_span(t, apk_is_digit);
	t->token = t->vlen > 0 ? APK_INITIAL_DIGIT : APK_INVALID;
}

/* The next token, checking that it may follow the previous one. */
static void apk_next(struct apk_tok_state *t)
{
	char c;

	if (t->len == 0) {
		t->token = APK_END;
		return;
	}
	c = t->p[0];
	if (medfwi_is_lower(c)) {
		if (t->token > APK_DIGIT)
			goto invalid;
		t->v = t->p;
		t->vlen = 1;
		t->p++;
		t->len--;
		t->token = APK_LETTER;
	} else if (c == '.' || medfwi_is_digit(c)) {
		if (c == '.') {
			if (t->token > APK_DIGIT)
				goto invalid;
			t->p++;
			t->len--;
		}
		apk_span(t, apk_is_digit);
		if (t->token == APK_SUFFIX)
			t->token = APK_SUFFIX_NO;
		else if (t->token == APK_INITIAL_DIGIT || t->token == APK_DIGIT)
			t->token = APK_DIGIT;
		else
			goto invalid;
	} else if (c == '_') {
		if (t->token > APK_SUFFIX_NO)
			goto invalid;
		t->p++;
		t->len--;
		apk_span(t, apk_is_lower);
		t->suffix = apk_suffix_value(t->v, t->vlen);
		if (t->suffix == APK_SUF_INVALID)
			goto invalid;
		t->token = APK_SUFFIX;
	} else if (c == '-') {
		if (t->token >= APK_REVISION_NO || t->len < 2 || t->p[1] != 'r')
			goto invalid;
		t->p += 2;
		t->len -= 2;
		apk_span(t, apk_is_digit);
		t->token = APK_REVISION_NO;
	} else {
		goto invalid;
	}
	return;
invalid:
	t->token = APK_INVALID;
}

static int apk_token_cmp(const struct apk_tok_state *a, const struct apk_tok_state *b)
{
	/* a leading zero on either side of a later number: string order, as in the
	 * Gentoo rules */
	if (a->token == APK_DIGIT &&
	    ((a->vlen > 0 && a->v[0] == '0') || (b->vlen > 0 && b->v[0] == '0')))
		return medfwi_bytes_cmp(a->v, a->vlen, b->v, b->vlen);
	switch (a->token) {
	case APK_DIGIT:
	case APK_INITIAL_DIGIT:
	case APK_SUFFIX_NO:
	case APK_REVISION_NO:
		return medfwi_digits_cmp(a->v, a->vlen, b->v, b->vlen);
	case APK_LETTER:
		return (a->v[0] > b->v[0]) - (a->v[0] < b->v[0]);
	case APK_SUFFIX:
		return (a->suffix > b->suffix) - (a->suffix < b->suffix);
	default:
		return medfwi_bytes_cmp(a->v, a->vlen, b->v, b->vlen);
	}
}

static const char *apk_check(const char *v, size_t len)
{
	struct apk_tok_state t;

	if (len == 0)
		return "empty version";
	for (apk_first(&t, v, len); t.token < APK_END; apk_next(&t))
		;
	if (t.token != APK_END)
		return t.p == v ? "does not start with a digit"
				: "not of the form digits[.digits][letter][_suffix[N]][-rN]";
	return NULL;
}

/* apk-tools' apk_version_compare_blob. */
static int apk_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	struct apk_tok_state ta, tb;

	for (apk_first(&ta, a, alen), apk_first(&tb, b, blen);
	     ta.token == tb.token && ta.token < APK_END; apk_next(&ta), apk_next(&tb)) {
		int c = apk_token_cmp(&ta, &tb);

		if (c != 0)
			return c;
	}
	if (ta.token == tb.token)
		return 0;
	/* equal so far: the longer one is newer unless what follows is a pre-release */
	if (ta.token == APK_SUFFIX && ta.suffix < APK_SUF_NONE)
		return -1;
	if (tb.token == APK_SUFFIX && tb.suffix < APK_SUF_NONE)
		return 1;
	if (ta.token > tb.token)
		return -1;
	if (tb.token > ta.token)
		return 1;
	return 0;
}

const struct medfwi_version_ops medfwi_apk_ops = {apk_check, apk_cmp};

/* ---------------------------------------------------------------- Gentoo ---------- */

#define GENTOO_MAX_PARTS 128

enum gentoo_suffix { G_ALPHA = 0, G_BETA = 1, G_PRE = 2, G_RC = 3, G_P = 4 };

struct gentoo_run {
	const char *s;
	size_t len;
};

struct gentoo_ver {
	struct gentoo_run num[GENTOO_MAX_PARTS];
	size_t nnum;
	char letter; /* 0 when absent */
	int suffix[GENTOO_MAX_PARTS];
	struct gentoo_run suffix_num[GENTOO_MAX_PARTS];
	size_t nsuffix;
	struct gentoo_run revision; /* empty = r0 */
};

static const char *gentoo_parse(const char *v, size_t len, struct gentoo_ver *g)
{
	static const struct {
		const char *word;
		int kind;
	} words[] = {{"alpha", G_ALPHA}, {"beta", G_BETA}, {"pre", G_PRE}, {"rc", G_RC}, {"p", G_P}};
	size_t i = 0;

	memset(g, 0, sizeof(*g));
	for (;;) {
		size_t start = i;

		while (i < len && medfwi_is_digit(v[i]))
			i++;
		if (i == start)
			return g->nnum == 0 ? "does not start with a digit" : "empty numeric component";
		if (g->nnum == GENTOO_MAX_PARTS)
			return "too many components";
		g->num[g->nnum].s = v + start;
		g->num[g->nnum].len = i - start;
		g->nnum++;
		if (i < len && v[i] == '.' && i + 1 < len && medfwi_is_digit(v[i + 1])) {
			i++;
			continue;
		}
		break;
	}
	if (i < len && medfwi_is_lower(v[i]))
		g->letter = v[i++];
	while (i < len && v[i] == '_') {
		size_t k, start;

		i++;
		for (k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
			size_t wl = strlen(words[k].word);

			if (len - i >= wl && memcmp(v + i, words[k].word, wl) == 0 &&
			    (i + wl == len || !medfwi_is_lower(v[i + wl])))
				break;
		}
		if (k == sizeof(words) / sizeof(words[0]))
			return "unknown suffix (not _alpha, _beta, _pre, _rc or _p)";
		if (g->nsuffix == GENTOO_MAX_PARTS)
			return "too many suffixes";
		i += strlen(words[k].word);
		start = i;
		while (i < len && medfwi_is_digit(v[i]))
			i++;
		g->suffix[g->nsuffix] = words[k].kind;
		g->suffix_num[g->nsuffix].s = v + start;
		g->suffix_num[g->nsuffix].len = i - start;
		g->nsuffix++;
	}
	if (i + 2 <= len && v[i] == '-' && v[i + 1] == 'r') {
		size_t start = i + 2;

		i = start;
		while (i < len && medfwi_is_digit(v[i]))
			i++;
		if (i == start)
			return "revision -r without a number";
		g->revision.s = v + start;
		g->revision.len = i - start;
	}
	if (i != len)
		return "not of the form N[.N]...[letter][_suffix[N]]...[-rN]";
	return NULL;
}

static const char *gentoo_check(const char *v, size_t len)
{
	struct gentoo_ver g;

	return gentoo_parse(v, len, &g);
}

/* Trailing zeros stripped, for the string comparison of components with a leading
 * zero (PMS algorithm 3.3). */
static int gentoo_stripped_cmp(struct gentoo_run a, struct gentoo_run b)
{
	while (a.len > 0 && a.s[a.len - 1] == '0')
		a.len--;
	while (b.len > 0 && b.s[b.len - 1] == '0')
		b.len--;
	return medfwi_bytes_cmp(a.s, a.len, b.s, b.len);
}

/* PMS algorithms 3.1-3.7. */
static int gentoo_cmp_parsed(const struct gentoo_ver *a, const struct gentoo_ver *b)
{
	size_t i, n;
	int c;

	c = medfwi_digits_cmp(a->num[0].s, a->num[0].len, b->num[0].s, b->num[0].len);
	if (c != 0)
		return c;
	n = a->nnum < b->nnum ? a->nnum : b->nnum;
	for (i = 1; i < n; i++) {
		if (a->num[i].s[0] == '0' || b->num[i].s[0] == '0')
			c = gentoo_stripped_cmp(a->num[i], b->num[i]);
		else
			c = medfwi_digits_cmp(a->num[i].s, a->num[i].len, b->num[i].s, b->num[i].len);
		if (c != 0)
			return c;
	}
	if (a->nnum != b->nnum)
		return a->nnum < b->nnum ? -1 : 1;
	if (a->letter != b->letter)
		return (unsigned char)a->letter < (unsigned char)b->letter ? -1 : 1;
	n = a->nsuffix < b->nsuffix ? a->nsuffix : b->nsuffix;
	for (i = 0; i < n; i++) {
		if (a->suffix[i] != b->suffix[i])
			return a->suffix[i] < b->suffix[i] ? -1 : 1;
		c = medfwi_digits_cmp(a->suffix_num[i].s, a->suffix_num[i].len, b->suffix_num[i].s,
				      b->suffix_num[i].len);
		if (c != 0)
			return c;
	}
	if (a->nsuffix > b->nsuffix)
		return a->suffix[n] == G_P ? 1 : -1;
	if (b->nsuffix > a->nsuffix)
		return b->suffix[n] == G_P ? -1 : 1;
	return medfwi_digits_cmp(a->revision.s, a->revision.len, b->revision.s, b->revision.len);
}

struct gentoo_pair {
	struct gentoo_ver a, b;
};

static int gentoo_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	struct gentoo_pair p;

	(void)gentoo_parse(a, alen, &p.a);
	(void)gentoo_parse(b, blen, &p.b);
	return gentoo_cmp_parsed(&p.a, &p.b);
}

const struct medfwi_version_ops medfwi_gentoo_ops = {gentoo_check, gentoo_cmp};
