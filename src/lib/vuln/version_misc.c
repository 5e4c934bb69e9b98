/* OpenSSL, intdot, nginx, datetime, lexicographic and medfw's generic scheme. */
#include <stdint.h>
#include <string.h>

#include "medfw/utf8.h"
#include "vuln/version_int.h"

struct run {
	const char *s;
	size_t len;
};

/* ---------------------------------------------------------------- OpenSSL --------- */

enum { OSSL_PRE = -1, OSSL_NONE = 0, OSSL_POST = 1 };

struct ossl {
	struct run num[3];
	int modern;         /* 3.0 and later: SemVer */
	struct run letters; /* legacy letter patch level */
	int label;          /* OSSL_PRE, OSSL_NONE, OSSL_POST */
	int word_rank;      /* pre-release word order */
	struct run word, word_num;
};

static const char *ossl_parse(const char *v, size_t len, struct ossl *o)
{
	static const char *const pre_words[] = {"alpha", "beta", "pre", "rc"};
	static const char *const post_words[] = {"cvs", "dev", "fips"};
	size_t i = 0, k;

	memset(o, 0, sizeof(*o));
	for (k = 0; k < 3; k++) {
		size_t start = i;

		while (i < len && medfwi_is_digit(v[i]))
			i++;
		if (i == start)
			return "not of the form MAJOR.MINOR.PATCH";
		o->num[k].s = v + start;
		o->num[k].len = i - start;
		if (k < 2) {
			if (i >= len || v[i] != '.')
				return "not of the form MAJOR.MINOR.PATCH";
			i++;
		}
	}
	if (medfwi_digits_cmp(o->num[0].s, o->num[0].len, "3", 1) >= 0) {
		o->modern = 1;
		return medfwi_semver_check(v, len);
	}
	o->letters.s = v + i;
	while (i < len && medfwi_is_lower(v[i]))
		i++;
	o->letters.len = (size_t)(v + i - o->letters.s);
	if (i == len)
		return NULL;
	if (v[i] != '-')
		return "unexpected character after the patch level";
	i++;
	o->word.s = v + i;
	while (i < len && medfwi_is_lower(v[i]))
		i++;
	o->word.len = (size_t)(v + i - o->word.s);
	o->word_num.s = v + i;
	while (i < len && medfwi_is_digit(v[i]))
		i++;
	o->word_num.len = (size_t)(v + i - o->word_num.s);
	if (i != len || o->word.len == 0)
		return "label after '-' is not a lowercase word with an optional number";
	for (k = 0; k < sizeof(pre_words) / sizeof(pre_words[0]); k++) {
		if (strlen(pre_words[k]) == o->word.len &&
		    memcmp(pre_words[k], o->word.s, o->word.len) == 0) {
			o->label = OSSL_PRE;
			o->word_rank = (int)k;
			return NULL;
		}
	}
	for (k = 0; k < sizeof(post_words) / sizeof(post_words[0]); k++) {
		if (strlen(post_words[k]) == o->word.len &&
		    memcmp(post_words[k], o->word.s, o->word.len) == 0) {
			o->label = OSSL_POST;
			return NULL;
		}
	}
	return "unknown label (alpha, beta, pre, rc, cvs, dev or fips)";
}

static const char *ossl_check(const char *v, size_t len)
{
	struct ossl o;

	return ossl_parse(v, len, &o);
}

static int ossl_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	struct ossl x, y;
	size_t k;
	int c;

	(void)ossl_parse(a, alen, &x);
	(void)ossl_parse(b, blen, &y);
	for (k = 0; k < 3; k++) {
		c = medfwi_digits_cmp(x.num[k].s, x.num[k].len, y.num[k].s, y.num[k].len);
		if (c != 0)
			return c;
	}
	if (x.modern) /* same major, so both are */
		return medfwi_semver_cmp(a, alen, b, blen);
	/* The letters encode the patch level: a..z, then za..zz; in that encoding the
	 * byte order is the numeric order. */
	c = medfwi_bytes_cmp(x.letters.s, x.letters.len, y.letters.s, y.letters.len);
	if (c != 0)
		return c;
	if (x.label != y.label)
		return x.label < y.label ? -1 : 1;
	if (x.label == OSSL_PRE && x.word_rank != y.word_rank)
		return x.word_rank < y.word_rank ? -1 : 1;
	c = medfwi_bytes_cmp(x.word.s, x.word.len, y.word.s, y.word.len);
	if (c != 0)
		return c;
	return medfwi_digits_cmp(x.word_num.s, x.word_num.len, y.word_num.s, y.word_num.len);
}

const struct medfwi_version_ops medfwi_openssl_ops = {ossl_check, ossl_cmp};

/* ---------------------------------------------------------------- intdot, nginx --- */

/* intdot: integers separated by dots; interpretation stops at the first character
 * that is neither a digit nor a dot (vers "intdot"). Returns the length of the
 * interpreted prefix. */
static size_t intdot_prefix(const char *v, size_t len)
{
	size_t i = 0;

	while (i < len && (medfwi_is_digit(v[i]) || v[i] == '.'))
		i++;
	return i;
}

static const char *dotted_check(const char *v, size_t len)
{
	size_t i;

	if (len == 0 || !medfwi_is_digit(v[0]))
		return "does not start with a digit";
	for (i = 1; i < len; i++)
		if (v[i] == '.' && v[i - 1] == '.')
			return "empty component between dots";
	return NULL;
}

static const char *intdot_check(const char *v, size_t len)
{
	size_t n = intdot_prefix(v, len);
	const char *err = dotted_check(v, n);

	if (err != NULL)
		return err;
	/* a single trailing dot before the end of the interpretation is tolerated */
	return NULL;
}

static const char *nginx_check(const char *v, size_t len)
{
	if (intdot_prefix(v, len) != len)
		return "not digits separated by dots";
	if (len > 0 && v[len - 1] == '.')
		return "ends with a dot";
	return dotted_check(v, len);
}

/* Component by component, numerically; a missing component is 0. */
static int dotted_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0, j = 0;

	alen = intdot_prefix(a, alen);
	blen = intdot_prefix(b, blen);
	while (i < alen || j < blen) {
		size_t si = i, sj = j;
		int c;

		while (i < alen && a[i] != '.')
			i++;
		while (j < blen && b[j] != '.')
			j++;
		c = medfwi_digits_cmp(a + si, i - si, b + sj, j - sj);
		if (c != 0)
			return c;
		if (i < alen)
			i++;
		if (j < blen)
			j++;
	}
	return 0;
}

const struct medfwi_version_ops medfwi_intdot_ops = {intdot_check, dotted_cmp};
const struct medfwi_version_ops medfwi_nginx_ops = {nginx_check, dotted_cmp};

/* ---------------------------------------------------------------- datetime -------- */

struct instant {
	int64_t seconds; /* since 1970-01-01T00:00:00Z */
	struct run frac; /* fractional second digits, trailing zeros removed */
};

static int two_digits(const char *s, int *out)
{
	if (!medfwi_is_digit(s[0]) || !medfwi_is_digit(s[1]))
		return 0;
	*out = (s[0] - '0') * 10 + (s[1] - '0');
	return 1;
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* RFC 3339 section 5.6 date-time: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM),
 * 'T' and 'Z' in either case. */
static const char *datetime_parse(const char *v, size_t len, struct instant *t)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int yh, yl, mo, d, h, mi, s, oh = 0, om = 0, leap, max_day;
	int64_t year, offset = 0;
	size_t i;

	memset(t, 0, sizeof(*t));
	if (len < 19)
		return "too short for an RFC 3339 date-time";
	if (!two_digits(v, &yh) || !two_digits(v + 2, &yl) || v[4] != '-' ||
	    !two_digits(v + 5, &mo) || v[7] != '-' || !two_digits(v + 8, &d))
		return "date is not YYYY-MM-DD";
	if (v[10] != 'T' && v[10] != 't')
		return "no 'T' between date and time";
	if (!two_digits(v + 11, &h) || v[13] != ':' || !two_digits(v + 14, &mi) || v[16] != ':' ||
	    !two_digits(v + 17, &s))
		return "time is not HH:MM:SS";
	year = yh * 100 + yl;
	leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	if (mo < 1 || mo > 12)
		return "month out of range";
	max_day = mdays[mo - 1] + (mo == 2 && leap);
	if (d < 1 || d > max_day)
		return "day out of range";
	if (h > 23 || mi > 59 || s > 60)
		return "time out of range";
	i = 19;
	if (i < len && v[i] == '.') {
		size_t start = ++i;

		while (i < len && medfwi_is_digit(v[i]))
			i++;
		if (i == start)
			return "no digits after the decimal point";
		t->frac.s = v + start;
		t->frac.len = i - start;
		while (t->frac.len > 0 && t->frac.s[t->frac.len - 1] == '0')
			t->frac.len--;
	}
	if (i < len && (v[i] == 'Z' || v[i] == 'z')) {
		i++;
	} else if (i + 6 == len && (v[i] == '+' || v[i] == '-')) {
		if (!two_digits(v + i + 1, &oh) || v[i + 3] != ':' || !two_digits(v + i + 4, &om))
			return "offset is not +HH:MM or -HH:MM";
		if (oh > 23 || om > 59)
			return "offset out of range";
		offset = (int64_t)(oh * 3600 + om * 60) * (v[i] == '-' ? -1 : 1);
		i += 6;
	} else {
		return "no time zone ('Z' or an offset)";
	}
	if (i != len)
		return "unexpected characters after the time zone";
	t->seconds = days_from_civil(year, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset;
	return NULL;
}

static const char *datetime_check(const char *v, size_t len)
{
	struct instant t;

	return datetime_parse(v, len, &t);
}

static int datetime_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	struct instant x, y;

	(void)datetime_parse(a, alen, &x);
	(void)datetime_parse(b, blen, &y);
	if (x.seconds != y.seconds)
		return x.seconds < y.seconds ? -1 : 1;
	/* fractions without trailing zeros: byte order is numeric order */
	return medfwi_bytes_cmp(x.frac.s, x.frac.len, y.frac.s, y.frac.len);
}

const struct medfwi_version_ops medfwi_datetime_ops = {datetime_check, datetime_cmp};

/* ---------------------------------------------------------------- lexicographic --- */

static const char *lex_check(const char *v, size_t len)
{
	if (len == 0)
		return "empty version";
	if (!medfw_utf8_valid((const uint8_t *)v, len) || memchr(v, '\0', len) != NULL)
		return "not valid UTF-8";
	return NULL;
}

const struct medfwi_version_ops medfwi_lexicographic_ops = {lex_check, medfwi_bytes_cmp};

/* ---------------------------------------------------------------- generic --------- */

/* Component ranks: pre-release words < zero (and padding) < post-release marks <
 * non-zero numbers. */
enum gen_rank { G_PRE = 0, G_ZERO = 1, G_POST = 2, G_NUM = 3 };

struct gen_comp {
	enum gen_rank rank;
	int sub;      /* pre: word order; post: 0 letter suffix, 1 patch word */
	struct run r; /* the number or the letters */
};

struct gen_ver {
	struct gen_comp c[MEDFW_VERSION_MAX_LEN + 1];
	size_t n;
};

static int word_is(const struct run *w, const char *lower)
{
	size_t k, n = strlen(lower);

	if (w->len != n)
		return 0;
	for (k = 0; k < n; k++)
		if (medfwi_to_lower(w->s[k]) != lower[k])
			return 0;
	return 1;
}

static const char *gen_parse(const char *v, size_t len, struct gen_ver *g)
{
	static const struct {
		const char *word;
		int order;
		int needs_number; /* single letters only mean this before a number */
	} pre_words[] = {{"dev", 0, 0},	 {"snapshot", 0, 0}, {"alpha", 1, 0}, {"a", 1, 1},
			 {"beta", 2, 0}, {"b", 2, 1},	     {"pre", 3, 0},   {"preview", 3, 0},
			 {"rc", 4, 0},	 {"c", 4, 1}};
	static const char *const post_words[] = {"p", "pl", "patch", "post"};
	size_t i = 0, k;

	g->n = 0;
	if (len >= 2 && (v[0] == 'v' || v[0] == 'V') && medfwi_is_digit(v[1])) {
		v++;
		len--;
	}
	if (len == 0 || !medfwi_is_digit(v[0]))
		return "does not start with a digit";
	while (i < len) {
		size_t start = i;
		struct gen_comp *c = &g->c[g->n];

		if (medfwi_is_digit(v[i])) {
			while (i < len && medfwi_is_digit(v[i]))
				i++;
			c->r.s = v + start;
			c->r.len = i - start;
			c->rank = medfwi_digits_cmp(c->r.s, c->r.len, "", 0) == 0 ? G_ZERO : G_NUM;
			c->sub = 0;
			g->n++;
		} else if (medfwi_is_alpha(v[i])) {
			int after_digit = medfwi_is_digit(v[i - 1]); /* i > 0: v[0] is a digit */
			int before_digit;

			while (i < len && medfwi_is_alpha(v[i]))
				i++;
			before_digit = i < len && medfwi_is_digit(v[i]);
			c->r.s = v + start;
			c->r.len = i - start;
			c->rank = G_NUM + 1; /* unset */
			for (k = 0; k < sizeof(pre_words) / sizeof(pre_words[0]); k++) {
				if (word_is(&c->r, pre_words[k].word) &&
				    (!pre_words[k].needs_number || before_digit)) {
					c->rank = G_PRE;
					c->sub = pre_words[k].order;
					break;
				}
			}
			for (k = 0; c->rank > G_NUM && k < sizeof(post_words) / sizeof(post_words[0]);
			     k++) {
				if (word_is(&c->r, post_words[k])) {
					c->rank = G_POST;
					c->sub = 1;
				}
			}
			if (c->rank > G_NUM && after_digit && !before_digit) {
				c->rank = G_POST; /* a letter patch level: 1.1.1n, 2.8.123e */
				c->sub = 0;
			}
			if (c->rank > G_NUM)
				return "unknown word (not a pre-release, patch or letter suffix)";
			g->n++;
		} else if (medfwi_in_set(v[i], ".-_+~")) {
			i++;
		} else {
			return "invalid character (letters, digits and . - _ + ~ only)";
		}
	}
	return NULL;
}

static const char *generic_check(const char *v, size_t len)
{
	struct gen_ver g;

	return gen_parse(v, len, &g);
}

static int gen_comp_cmp(const struct gen_comp *a, const struct gen_comp *b)
{
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	switch (a->rank) {
	case G_NUM:
		return medfwi_digits_cmp(a->r.s, a->r.len, b->r.s, b->r.len);
	case G_PRE:
		return (a->sub > b->sub) - (a->sub < b->sub);
	case G_POST:
		if (a->sub != b->sub)
			return a->sub < b->sub ? -1 : 1;
		if (a->sub == 0) { /* letter suffixes, case-insensitive */
			size_t k, n = a->r.len < b->r.len ? a->r.len : b->r.len;

			for (k = 0; k < n; k++) {
				char x = medfwi_to_lower(a->r.s[k]), y = medfwi_to_lower(b->r.s[k]);

				if (x != y)
					return x < y ? -1 : 1;
			}
			return (a->r.len > b->r.len) - (a->r.len < b->r.len);
		}
		return 0;
	case G_ZERO:
	default:
		return 0;
	}
}

struct gen_pair {
	struct gen_ver a, b;
};

static int generic_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	static const struct gen_comp pad = {G_ZERO, 0, {NULL, 0}};
	struct gen_pair p;
	size_t k, n;

	(void)gen_parse(a, alen, &p.a);
	(void)gen_parse(b, blen, &p.b);
	n = p.a.n > p.b.n ? p.a.n : p.b.n;
	for (k = 0; k < n; k++) {
		int c = gen_comp_cmp(k < p.a.n ? &p.a.c[k] : &pad, k < p.b.n ? &p.b.c[k] : &pad);

		if (c != 0)
			return c;
	}
	return 0;
}

const struct medfwi_version_ops medfwi_generic_ops = {generic_check, generic_cmp};
