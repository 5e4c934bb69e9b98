/* Native range notations to vers (medfw_vers_from_native).
 *
 * Every notation is read into alternatives (a native "or"), each the intersection
 * of its conditions: one interval plus excluded versions. The union of the
 * alternatives is then merged and written as canonical vers, which is validated
 * by the strict rules before it is returned. */
#include "medfw/vers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vuln/version_int.h"

#define NAT_MAX 64                         /* alternatives, exclusions */
#define NAT_VLEN (MEDFW_VERSION_MAX_LEN + 1)
#define NAT_TEXT_MAX 4096                  /* native range text */

enum { B_NONE = 0, B_INCL = 1, B_EXCL = 2 };

struct nat_bound {
	int kind;
	char v[NAT_VLEN];
};

struct nat_ival {
	struct nat_bound lo, hi;
};

struct nat_excl {
	char v[NAT_VLEN];
	size_t alt; /* the alternative that excluded it */
};

struct nat {
	enum medfw_version_scheme scheme;
	const char *type;
	struct medfw_diag *diag;
	struct nat_ival alt[NAT_MAX];
	size_t nalt;
	struct nat_excl excl[NAT_MAX];
	size_t nexcl;
	/* the alternative being read */
	struct nat_ival cur;
	char cur_ne[NAT_MAX][NAT_VLEN];
	size_t cur_nne;
	int cur_empty;
};

static int vc(const struct nat *st, const char *a, const char *b)
{
	int c = 0;

	if (medfw_version_compare(st->scheme, a, b, &c, NULL) != MEDFW_OK)
		return 0; /* unreachable: versions are validated when added */
	return c;
}

/* The error, quoting at most 80 bytes of the native text (what is not printable
 * ASCII shown as '?': the text is untrusted). */
static enum medfw_err bad(struct nat *st, const char *what, const char *text, size_t len)
{
	char q[81];
	size_t i;

	if (len > 80)
		len = 80;
	for (i = 0; i < len; i++)
		q[i] = (text[i] >= 0x20 && text[i] < 0x7f) ? text[i] : '?';
	q[len] = '\0';
	return medfw_diag_set(st->diag, MEDFW_ERR_FIELD_VALUE, "%s range: %s: \"%s\"", st->type,
			      what, q);
}

static void alt_begin(struct nat *st)
{
	memset(&st->cur, 0, sizeof(st->cur));
	st->cur_nne = 0;
	st->cur_empty = 0;
}

static enum medfw_err set_bound(struct nat_bound *b, int kind, const char *v, size_t len)
{
	if (len >= NAT_VLEN)
		return MEDFW_ERR_TOO_LARGE;
	b->kind = kind;
	memcpy(b->v, v, len);
	b->v[len] = '\0';
	return MEDFW_OK;
}

/* Intersect the current alternative with one condition. */
static enum medfw_err alt_add(struct nat *st, enum medfw_vers_comparator k, const char *v,
			      size_t len)
{
	char tmp[NAT_VLEN];
	struct medfw_diag vd;
	struct nat_bound nb;
	int c;

	if (len == 0)
		return bad(st, "empty version", v, len);
	if (len >= NAT_VLEN)
		return medfw_diag_set(st->diag, MEDFW_ERR_TOO_LARGE, "%s range: version too long",
				      st->type);
	memcpy(tmp, v, len);
	tmp[len] = '\0';
	medfw_diag_clear(&vd);
	if (medfw_version_validate(st->scheme, tmp, &vd) != MEDFW_OK)
		return medfw_diag_set(st->diag, MEDFW_ERR_FIELD_VALUE, "%s range: %s", st->type,
				      medfw_diag_message(&vd, vd.err));
	if (k == MEDFW_VERS_NE) {
		if (st->cur_nne == NAT_MAX)
			return medfw_diag_set(st->diag, MEDFW_ERR_TOO_LARGE,
					      "%s range: too many exclusions", st->type);
		memcpy(st->cur_ne[st->cur_nne++], tmp, len + 1);
		return MEDFW_OK;
	}
	if (k == MEDFW_VERS_EQ || k == MEDFW_VERS_GE || k == MEDFW_VERS_GT) {
		(void)set_bound(&nb, k == MEDFW_VERS_GT ? B_EXCL : B_INCL, tmp, len);
		c = st->cur.lo.kind == B_NONE ? 1 : vc(st, tmp, st->cur.lo.v);
		if (c > 0 || (c == 0 && nb.kind == B_EXCL))
			st->cur.lo = nb;
	}
	if (k == MEDFW_VERS_EQ || k == MEDFW_VERS_LE || k == MEDFW_VERS_LT) {
		(void)set_bound(&nb, k == MEDFW_VERS_LT ? B_EXCL : B_INCL, tmp, len);
		c = st->cur.hi.kind == B_NONE ? -1 : vc(st, tmp, st->cur.hi.v);
		if (c < 0 || (c == 0 && nb.kind == B_EXCL))
			st->cur.hi = nb;
	}
	return MEDFW_OK;
}

/* An alternative that can contain nothing (e.g. node-semver's "<0.0.0-0"). */
static void alt_nothing(struct nat *st)
{
	st->cur_empty = 1;
}

static int ival_has(const struct nat *st, const struct nat_ival *iv, const char *v)
{
	int c;

	if (iv->lo.kind != B_NONE) {
		c = vc(st, v, iv->lo.v);
		if (c < 0 || (c == 0 && iv->lo.kind == B_EXCL))
			return 0;
	}
	if (iv->hi.kind != B_NONE) {
		c = vc(st, v, iv->hi.v);
		if (c > 0 || (c == 0 && iv->hi.kind == B_EXCL))
			return 0;
	}
	return 1;
}

static enum medfw_err alt_end(struct nat *st)
{
	struct nat_ival *iv = &st->cur;
	size_t i;
	int c;

	if (st->cur_empty)
		return MEDFW_OK;
	if (iv->lo.kind != B_NONE && iv->hi.kind != B_NONE) {
		c = vc(st, iv->lo.v, iv->hi.v);
		if (c > 0 || (c == 0 && (iv->lo.kind == B_EXCL || iv->hi.kind == B_EXCL)))
			return MEDFW_OK; /* empty */
	}
	for (i = 0; i < st->cur_nne; i++) {
		const char *e = st->cur_ne[i];

		if (!ival_has(st, iv, e))
			continue;
		if (iv->lo.kind == B_INCL && iv->hi.kind == B_INCL && vc(st, iv->lo.v, iv->hi.v) == 0)
			return MEDFW_OK; /* the only version was excluded */
		if (iv->lo.kind == B_INCL && vc(st, e, iv->lo.v) == 0) {
			iv->lo.kind = B_EXCL;
			continue;
		}
		if (iv->hi.kind == B_INCL && vc(st, e, iv->hi.v) == 0) {
			iv->hi.kind = B_EXCL;
			continue;
		}
		if (st->nexcl == NAT_MAX)
			return medfw_diag_set(st->diag, MEDFW_ERR_TOO_LARGE,
					      "%s range: too many exclusions", st->type);
		memcpy(st->excl[st->nexcl].v, e, strlen(e) + 1);
		st->excl[st->nexcl].alt = st->nalt;
		st->nexcl++;
	}
	if (st->nalt == NAT_MAX)
		return medfw_diag_set(st->diag, MEDFW_ERR_TOO_LARGE,
				      "%s range: more than %d alternatives", st->type, NAT_MAX);
	st->alt[st->nalt++] = *iv;
	return MEDFW_OK;
}

/* Lower bounds in order: none first, then by version, inclusive first. */
static int lo_cmp(const struct nat *st, const struct nat_bound *a, const struct nat_bound *b)
{
	int c;

	if (a->kind == B_NONE || b->kind == B_NONE)
		return (a->kind != B_NONE) - (b->kind != B_NONE);
	c = vc(st, a->v, b->v);
	if (c != 0)
		return c;
	return (a->kind == B_EXCL) - (b->kind == B_EXCL);
}

/* Write the union as vers text. */
static enum medfw_err emit(struct nat *st, struct medfw_buf *out)
{
	struct medfw_vers_constraint_in *cons = NULL;
	struct nat_ival *merged = NULL;
	struct medfw_vers *v = NULL;
	size_t nmerged = 0, ncons = 0, i, j;
	enum medfw_err err;

	if (st->nalt == 0)
		return medfw_diag_set(st->diag, MEDFW_ERR_FIELD_VALUE,
				      "%s range: the range contains no version", st->type);
	merged = calloc(st->nalt, sizeof(*merged));
	cons = calloc(2 * st->nalt + NAT_MAX + 1, sizeof(*cons));
	if (merged == NULL || cons == NULL) {
		err = medfw_diag_set(st->diag, MEDFW_ERR_NOMEM, "out of memory");
		goto done;
	}
	/* insertion sort of the alternatives by lower bound (at most NAT_MAX) */
	for (i = 0; i < st->nalt; i++) {
		struct nat_ival x = st->alt[i];

		for (j = nmerged; j > 0 && lo_cmp(st, &merged[j - 1].lo, &x.lo) > 0; j--)
			merged[j] = merged[j - 1];
		merged[j] = x;
		nmerged++;
	}
	/* merge overlapping or touching intervals */
	for (i = 1, j = 0; i < nmerged; i++) {
		struct nat_ival *m = &merged[j], *n = &merged[i];
		int c, joins;

		if (m->hi.kind == B_NONE) {
			joins = 1;
		} else if (n->lo.kind == B_NONE) {
			joins = 1;
		} else {
			c = vc(st, m->hi.v, n->lo.v);
			joins = c > 0 || (c == 0 && (m->hi.kind == B_INCL || n->lo.kind == B_INCL));
		}
		if (!joins) {
			merged[++j] = *n;
			continue;
		}
		if (m->hi.kind == B_NONE)
			continue;
		if (n->hi.kind == B_NONE) {
			m->hi = n->hi;
			continue;
		}
		c = vc(st, n->hi.v, m->hi.v);
		if (c > 0 || (c == 0 && n->hi.kind == B_INCL))
			m->hi = n->hi;
	}
	nmerged = nmerged > 0 ? j + 1 : 0;
	for (i = 0; i < nmerged; i++) {
		struct nat_ival *m = &merged[i];

		if (m->lo.kind == B_INCL && m->hi.kind == B_INCL && vc(st, m->lo.v, m->hi.v) == 0) {
			cons[ncons].comparator = MEDFW_VERS_EQ;
			cons[ncons++].version = m->lo.v;
			continue;
		}
		if (m->lo.kind != B_NONE) {
			cons[ncons].comparator = m->lo.kind == B_INCL ? MEDFW_VERS_GE : MEDFW_VERS_GT;
			cons[ncons++].version = m->lo.v;
		}
		if (m->hi.kind != B_NONE) {
			cons[ncons].comparator = m->hi.kind == B_INCL ? MEDFW_VERS_LE : MEDFW_VERS_LT;
			cons[ncons++].version = m->hi.v;
		}
	}
	/* an exclusion stays unless another alternative contains the version */
	for (i = 0; i < st->nexcl; i++) {
		int keep = 1;
		size_t a, k;

		for (a = 0; a < st->nalt && keep; a++) {
			int excluded_here = 0;

			if (!ival_has(st, &st->alt[a], st->excl[i].v))
				continue;
			for (k = 0; k < st->nexcl; k++)
				if (st->excl[k].alt == a && vc(st, st->excl[k].v, st->excl[i].v) == 0)
					excluded_here = 1;
			if (!excluded_here)
				keep = 0;
		}
		for (k = 0; k < ncons && keep; k++)
			if (cons[k].comparator == MEDFW_VERS_NE &&
			    vc(st, cons[k].version, st->excl[i].v) == 0)
				keep = 0;
		if (keep) {
			cons[ncons].comparator = MEDFW_VERS_NE;
			cons[ncons++].version = st->excl[i].v;
		}
	}
	if (ncons == 0) { /* every version */
		cons[0].comparator = MEDFW_VERS_ANY;
		cons[0].version = NULL;
		ncons = 1;
	}
	/* lenient: sorts the exclusions into place; then every strict rule must hold */
	err = medfw_vers_new(st->type, cons, ncons, MEDFW_VERS_LENIENT, &v, st->diag);
	if (err != MEDFW_OK)
		goto done;
	if (v->problems != 0) {
		err = medfw_diag_set(st->diag, MEDFW_ERR_FIELD_VALUE,
				     "%s range: cannot be written as a valid vers", st->type);
		goto done;
	}
	err = medfw_vers_to_string(v, out, st->diag);
done:
	medfw_vers_free(v);
	free(cons);
	free(merged);
	return err;
}

/* ---------------------------------------------------------------- helpers --------- */

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *len)
{
	while (*len > 0 && is_space(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && is_space((*s)[*len - 1]))
		(*len)--;
}

/* Next piece of s[0..len) up to `sep` (a string); advances. Returns 0 at the end. */
static int next_piece(const char **s, size_t *len, const char *sep, const char **piece,
		      size_t *plen)
{
	size_t sl = strlen(sep), i;

	if (*s == NULL)
		return 0;
	for (i = 0; i + sl <= *len; i++) {
		if (memcmp(*s + i, sep, sl) == 0) {
			*piece = *s;
			*plen = i;
			*s += i + sl;
			*len -= i + sl;
			return 1;
		}
	}
	*piece = *s;
	*plen = *len;
	*s = NULL;
	*len = 0;
	return 1;
}

/* Write the decimal digits of s[0..len) plus one into out (capacity cap). */
static int inc_digits(const char *s, size_t len, char *out, size_t cap)
{
	size_t i, n;
	int carry = 1;

	while (len > 1 && s[0] == '0') {
		s++;
		len--;
	}
	if (len + 2 > cap)
		return 0;
	n = len + 1;
	out[n] = '\0';
	for (i = len; i > 0; i--) {
		int d = s[i - 1] - '0' + carry;

		carry = d / 10;
		out[i] = (char)('0' + d % 10);
	}
	if (carry) {
		out[0] = '1';
	} else {
		memmove(out, out + 1, len + 1);
	}
	return 1;
}

/* Append to a version being built; returns 0 when it would not fit. */
static int vcat(char *dst, const char *src, size_t srclen)
{
	size_t have = strlen(dst);

	if (have + srclen >= NAT_VLEN)
		return 0;
	memcpy(dst + have, src, srclen);
	dst[have + srclen] = '\0';
	return 1;
}

static int vcats(char *dst, const char *src)
{
	return vcat(dst, src, strlen(src));
}

/* ---------------------------------------------------------------- pypi ------------ */

/* The release numbers of a PEP 440 version for "~=" and ".*": epoch prefix length
 * and the release components. */
static int pep_release(const char *v, size_t len, size_t *epoch_end, size_t starts[],
		       size_t ends[], size_t *n, size_t max)
{
	size_t i = 0, e = 0;

	*n = 0;
	if (i < len && (v[i] == 'v' || v[i] == 'V'))
		i++;
	for (e = i; e < len && medfwi_is_digit(v[e]); e++)
		;
	if (e < len && v[e] == '!')
		i = e + 1;
	*epoch_end = i;
	for (;;) {
		size_t s = i;

		while (i < len && medfwi_is_digit(v[i]))
			i++;
		if (i == s || *n == max)
			return *n > 0;
		starts[*n] = s;
		ends[*n] = i;
		(*n)++;
		if (i + 1 < len && v[i] == '.' && medfwi_is_digit(v[i + 1]))
			i++;
		else
			return 1;
	}
}

/* prefix of the release with its last kept component incremented: keep `keep`
 * components (>= 1), bump the last one. */
static int pep_bumped(const char *v, size_t epoch_end, const size_t starts[], const size_t ends[],
		      size_t keep, const char *suffix, char *out)
{
	char num[NAT_VLEN];
	size_t k;

	out[0] = '\0';
	if (!vcat(out, v, epoch_end))
		return 0;
	for (k = 0; k + 1 < keep; k++) {
		if (!vcat(out, v + starts[k], ends[k] - starts[k]) || !vcats(out, "."))
			return 0;
	}
	if (!inc_digits(v + starts[keep - 1], ends[keep - 1] - starts[keep - 1], num, sizeof(num)))
		return 0;
	return vcats(out, num) && vcats(out, suffix);
}

static enum medfw_err pypi_clause(struct nat *st, const char *s, size_t len)
{
	static const struct {
		const char *op;
		enum medfw_vers_comparator k;
	} ops[] = {{"===", MEDFW_VERS_EQ}, {"~=", MEDFW_VERS_ANY}, {"==", MEDFW_VERS_EQ},
		   {"!=", MEDFW_VERS_NE},  {"<=", MEDFW_VERS_LE},  {">=", MEDFW_VERS_GE},
		   {"<", MEDFW_VERS_LT},   {">", MEDFW_VERS_GT}};
	size_t starts[MEDFW_VERSION_MAX_LEN], ends[MEDFW_VERSION_MAX_LEN], n, epoch_end, k;
	const char *v;
	size_t vlen;
	char buf[NAT_VLEN];
	enum medfw_err err;

	trim(&s, &len);
	for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
		if (len >= strlen(ops[k].op) && memcmp(s, ops[k].op, strlen(ops[k].op)) == 0)
			break;
	if (k == sizeof(ops) / sizeof(ops[0]))
		return bad(st, "a specifier must start with ==, !=, <=, >=, <, >, ~= or ===", s, len);
	v = s + strlen(ops[k].op);
	vlen = len - strlen(ops[k].op);
	trim(&v, &vlen);
	if (vlen >= 2 && v[vlen - 2] == '.' && v[vlen - 1] == '*') {
		/* prefix matching: "== X.*" is [X.dev0, X'.dev0) */
		if (ops[k].k != MEDFW_VERS_EQ || strcmp(ops[k].op, "==") != 0)
			return bad(st, "prefix matching ('.*') is only supported with '=='", s, len);
		vlen -= 2;
		if (!pep_release(v, vlen, &epoch_end, starts, ends, &n, MEDFW_VERSION_MAX_LEN) ||
		    ends[n - 1] != vlen)
			return bad(st, "'.*' must follow release numbers", s, len);
		buf[0] = '\0';
		if (!vcat(buf, v, vlen) || !vcats(buf, ".dev0"))
			return bad(st, "version too long", s, len);
		err = alt_add(st, MEDFW_VERS_GE, buf, strlen(buf));
		if (err != MEDFW_OK)
			return err;
		if (!pep_bumped(v, epoch_end, starts, ends, n, ".dev0", buf))
			return bad(st, "version too long", s, len);
		return alt_add(st, MEDFW_VERS_LT, buf, strlen(buf));
	}
	if (ops[k].k != MEDFW_VERS_ANY)
		return alt_add(st, ops[k].k, v, vlen);
	/* "~= V.N": >= V.N and == V.* */
	if (!pep_release(v, vlen, &epoch_end, starts, ends, &n, MEDFW_VERSION_MAX_LEN) || n < 2)
		return bad(st, "'~=' needs a version with at least two release numbers", s, len);
	err = alt_add(st, MEDFW_VERS_GE, v, vlen);
	if (err != MEDFW_OK)
		return err;
	if (!pep_bumped(v, epoch_end, starts, ends, n - 1, "", buf))
		return bad(st, "version too long", s, len);
	return alt_add(st, MEDFW_VERS_LT, buf, strlen(buf));
}

static enum medfw_err from_pypi(struct nat *st, const char *s, size_t len)
{
	const char *piece;
	size_t plen;
	enum medfw_err err;

	alt_begin(st);
	while (next_piece(&s, &len, ",", &piece, &plen)) {
		err = pypi_clause(st, piece, plen);
		if (err != MEDFW_OK)
			return err;
	}
	return alt_end(st);
}

/* ---------------------------------------------------------------- gem ------------- */

/* Gem::Version#bump: drop the segments from the first letter segment on, then the
 * last one if more than one remains, and increment the last. */
static int gem_bump(const char *v, size_t len, char *out)
{
	size_t starts[MEDFW_VERSION_MAX_LEN], ends[MEDFW_VERSION_MAX_LEN], n = 0, i = 0, k;
	char num[NAT_VLEN];

	while (i < len) {
		if (v[i] == '-' || medfwi_is_alpha(v[i]))
			break; /* a string segment: it and everything after it go */
		if (medfwi_is_digit(v[i])) {
			starts[n] = i;
			while (i < len && medfwi_is_digit(v[i]))
				i++;
			ends[n++] = i;
		} else {
			i++;
		}
	}
	/* a numeric run glued to a letter run ("1a") ends at the letter: fine */
	if (n == 0)
		return 0;
	if (n > 1)
		n--;
	out[0] = '\0';
	for (k = 0; k + 1 < n; k++) {
		char tmp[NAT_VLEN];
		size_t l = ends[k] - starts[k];
		const char *d = v + starts[k];

		while (l > 1 && *d == '0') {
			d++;
			l--;
		}
		memcpy(tmp, d, l);
		tmp[l] = '\0';
		if (!vcats(out, tmp) || !vcats(out, "."))
			return 0;
	}
	if (!inc_digits(v + starts[n - 1], ends[n - 1] - starts[n - 1], num, sizeof(num)))
		return 0;
	return vcats(out, num);
}

static enum medfw_err from_gem(struct nat *st, const char *s, size_t len)
{
	static const struct {
		const char *op;
		enum medfw_vers_comparator k;
	} ops[] = {{"~>", MEDFW_VERS_ANY}, {">=", MEDFW_VERS_GE}, {"<=", MEDFW_VERS_LE},
		   {"!=", MEDFW_VERS_NE},  {"=", MEDFW_VERS_EQ},  {">", MEDFW_VERS_GT},
		   {"<", MEDFW_VERS_LT}};
	const char *piece;
	size_t plen, k;
	char buf[NAT_VLEN];
	enum medfw_err err;

	alt_begin(st);
	while (next_piece(&s, &len, ",", &piece, &plen)) {
		enum medfw_vers_comparator op = MEDFW_VERS_EQ;

		trim(&piece, &plen);
		for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
			size_t ol = strlen(ops[k].op);

			if (plen >= ol && memcmp(piece, ops[k].op, ol) == 0) {
				op = ops[k].k;
				piece += ol;
				plen -= ol;
				break;
			}
		}
		trim(&piece, &plen);
		if (op != MEDFW_VERS_ANY) {
			err = alt_add(st, op, piece, plen);
		} else {
			err = alt_add(st, MEDFW_VERS_GE, piece, plen);
			if (err == MEDFW_OK && !gem_bump(piece, plen, buf))
				err = bad(st, "cannot apply '~>' to this version", piece, plen);
			if (err == MEDFW_OK)
				err = alt_add(st, MEDFW_VERS_LT, buf, strlen(buf));
		}
		if (err != MEDFW_OK)
			return err;
	}
	return alt_end(st);
}

/* ---------------------------------------------------------------- nuget ----------- */

static enum medfw_err from_nuget(struct nat *st, const char *s, size_t len)
{
	const char *comma, *lo, *hi;
	size_t lolen, hilen;
	enum medfw_err err = MEDFW_OK;
	char open, close;

	trim(&s, &len);
	alt_begin(st);
	if (len == 0)
		return bad(st, "empty range", s, len);
	if (s[0] != '[' && s[0] != '(') { /* a bare version is a minimum */
		err = alt_add(st, MEDFW_VERS_GE, s, len);
		return err != MEDFW_OK ? err : alt_end(st);
	}
	open = s[0];
	close = s[len - 1];
	if (len < 3 || (close != ']' && close != ')'))
		return bad(st, "an interval must end with ']' or ')'", s, len);
	comma = memchr(s, ',', len);
	if (comma == NULL) {
		if (open != '[' || close != ']')
			return bad(st, "an exact version is written [version]", s, len);
		lo = s + 1;
		lolen = len - 2;
		trim(&lo, &lolen);
		err = alt_add(st, MEDFW_VERS_EQ, lo, lolen);
		return err != MEDFW_OK ? err : alt_end(st);
	}
	if (memchr(comma + 1, ',', (size_t)(s + len - comma - 1)) != NULL)
		return bad(st, "more than one ',' in an interval", s, len);
	lo = s + 1;
	lolen = (size_t)(comma - lo);
	hi = comma + 1;
	hilen = (size_t)(s + len - 1 - hi);
	trim(&lo, &lolen);
	trim(&hi, &hilen);
	if (lolen == 0 && hilen == 0)
		return bad(st, "an interval needs at least one bound", s, len);
	if (lolen > 0)
		err = alt_add(st, open == '[' ? MEDFW_VERS_GE : MEDFW_VERS_GT, lo, lolen);
	if (err == MEDFW_OK && hilen > 0)
		err = alt_add(st, close == ']' ? MEDFW_VERS_LE : MEDFW_VERS_LT, hi, hilen);
	return err != MEDFW_OK ? err : alt_end(st);
}

/* ---------------------------------------------------------------- nginx ----------- */

/* nginx security advisories: "1.5.0+" (this and later in the same branch; a stable
 * branch, even minor, ends before the next minor), "0.7.52-0.8.39", "0.9.10",
 * comma-separated. */
static enum medfw_err from_nginx(struct nat *st, const char *s, size_t len)
{
	const char *piece;
	size_t plen;
	enum medfw_err err;

	while (next_piece(&s, &len, ",", &piece, &plen)) {
		const char *dash;

		trim(&piece, &plen);
		alt_begin(st);
		dash = memchr(piece, '-', plen);
		if (plen > 0 && piece[plen - 1] == '+') {
			const char *dot1 = memchr(piece, '.', plen - 1), *dot2;
			char upper[NAT_VLEN], num[NAT_VLEN];

			err = alt_add(st, MEDFW_VERS_GE, piece, plen - 1);
			if (err != MEDFW_OK)
				return err;
			dot2 = dot1 != NULL ? memchr(dot1 + 1, '.', (size_t)(piece + plen - 1 - dot1 - 1))
					    : NULL;
			if (dot1 == NULL)
				return bad(st, "'+' needs a MAJOR.MINOR version", piece, plen);
			if (dot2 == NULL)
				dot2 = piece + plen - 1;
			if (((dot2[-1] - '0') & 1) == 0) { /* even minor: a stable branch */
				upper[0] = '\0';
				if (!inc_digits(dot1 + 1, (size_t)(dot2 - dot1 - 1), num, sizeof(num)) ||
				    !vcat(upper, piece, (size_t)(dot1 - piece + 1)) ||
				    !vcats(upper, num) || !vcats(upper, ".0"))
					return bad(st, "version too long", piece, plen);
				err = alt_add(st, MEDFW_VERS_LT, upper, strlen(upper));
			}
		} else if (dash != NULL) {
			err = alt_add(st, MEDFW_VERS_GE, piece, (size_t)(dash - piece));
			if (err == MEDFW_OK)
				err = alt_add(st, MEDFW_VERS_LE, dash + 1,
					      (size_t)(piece + plen - dash - 1));
		} else {
			err = alt_add(st, MEDFW_VERS_EQ, piece, plen);
		}
		if (err == MEDFW_OK)
			err = alt_end(st);
		if (err != MEDFW_OK)
			return err;
	}
	return MEDFW_OK;
}

/* ---------------------------------------------------------------- openssl --------- */

static enum medfw_err from_openssl(struct nat *st, const char *s, size_t len)
{
	const char *piece;
	size_t plen;
	enum medfw_err err;

	while (next_piece(&s, &len, ",", &piece, &plen)) {
		trim(&piece, &plen);
		alt_begin(st);
		err = alt_add(st, MEDFW_VERS_EQ, piece, plen);
		if (err == MEDFW_OK)
			err = alt_end(st);
		if (err != MEDFW_OK)
			return err;
	}
	return MEDFW_OK;
}

/* ---------------------------------------------------------------- conan ----------- */

/* The main part of a Conan version: before the last '-' of what precedes the last
 * '+'. */
static size_t conan_main_len(const char *v, size_t len)
{
	size_t i;

	for (i = len; i > 0; i--)
		if (v[i - 1] == '+') {
			len = i - 1;
			break;
		}
	for (i = len; i > 0; i--)
		if (v[i - 1] == '-')
			return i - 1;
	return len;
}

/* Item `index` of the main part, or 0 when there is none. */
static int conan_item(const char *v, size_t len, size_t index, const char **item, size_t *ilen)
{
	size_t i = 0, n = 0;

	len = conan_main_len(v, len);
	for (;;) {
		size_t start = i;

		while (i < len && v[i] != '.')
			i++;
		if (n == index) {
			*item = v + start;
			*ilen = i - start;
			return 1;
		}
		if (i >= len)
			return 0;
		n++;
		i++;
	}
}

static int all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!medfwi_is_digit(s[i]))
			return 0;
	return len > 0;
}

/* Conan's upper_bound(index): the items before index (numbers written without
 * leading zeros), the item at index plus one, then "-" (below every pre-release). */
static int conan_upper(const char *v, size_t len, size_t index, char *out)
{
	char num[NAT_VLEN];
	const char *item;
	size_t ilen, k;

	out[0] = '\0';
	for (k = 0; k <= index; k++) {
		if (!conan_item(v, len, k, &item, &ilen))
			return 0;
		if (all_digits(item, ilen))
			while (ilen > 1 && item[0] == '0') {
				item++;
				ilen--;
			}
		if (k < index) {
			if (!vcat(out, item, ilen) || !vcats(out, "."))
				return 0;
			continue;
		}
		if (!all_digits(item, ilen) || !inc_digits(item, ilen, num, sizeof(num)))
			return 0;
	}
	return vcats(out, num) && vcats(out, "-");
}

static size_t conan_main_items(const char *v, size_t len)
{
	size_t i, n = 1;

	len = conan_main_len(v, len);
	for (i = 0; i < len; i++)
		if (v[i] == '.')
			n++;
	return n;
}

static int conan_item_is_zero(const char *v, size_t len, size_t index)
{
	const char *item;
	size_t ilen, i;

	if (!conan_item(v, len, index, &item, &ilen) || !all_digits(item, ilen))
		return 0;
	for (i = 0; i < ilen; i++)
		if (item[i] != '0')
			return 0;
	return 1;
}

static enum medfw_err conan_condition(struct nat *st, const char *c, size_t len)
{
	enum medfw_vers_comparator k = MEDFW_VERS_EQ;
	char op = 0, buf[NAT_VLEN];
	size_t index, n;
	enum medfw_err err;

	if ((len == 1 && c[0] == '*') || (len == 2 && memcmp(c, "*-", 2) == 0))
		return alt_add(st, MEDFW_VERS_GE, "0.0.0", 5);
	if (c[0] == '>' || c[0] == '<') {
		int eq = len > 1 && c[1] == '=';

		k = c[0] == '>' ? (eq ? MEDFW_VERS_GE : MEDFW_VERS_GT)
				: (eq ? MEDFW_VERS_LE : MEDFW_VERS_LT);
		c += eq ? 2 : 1;
		len -= eq ? 2 : 1;
	} else if (c[0] == '~' || c[0] == '^' || c[0] == '=') {
		op = c[0];
		c++;
		len--;
	}
	/* a trailing '-' only asks for pre-releases to be included */
	if (len > 1 && c[len - 1] == '-')
		len--;
	if (len == 0)
		return bad(st, "a condition without a version", c, len);
	if (op != '~' && op != '^')
		return alt_add(st, k, c, len);
	err = alt_add(st, MEDFW_VERS_GE, c, len);
	if (err != MEDFW_OK)
		return err;
	n = conan_main_items(c, len);
	if (op == '~') {
		index = n > 1 ? 1 : 0;
	} else {
		for (index = 0; index < n && conan_item_is_zero(c, len, index); index++)
			;
		if (index == n)
			return bad(st, "'^' needs a non-zero item", c, len);
	}
	if (!conan_upper(c, len, index, buf))
		return bad(st, "cannot compute the upper bound (not a number)", c, len);
	return alt_add(st, MEDFW_VERS_LT, buf, strlen(buf));
}

static enum medfw_err from_conan(struct nat *st, const char *s, size_t len)
{
	const char *comma = memchr(s, ',', len), *alt, *opt;
	size_t altlen, optlen;
	enum medfw_err err;

	if (comma != NULL) { /* options after the expression */
		const char *o = comma + 1;
		size_t olen = (size_t)(s + len - o);

		while (next_piece(&o, &olen, ",", &opt, &optlen)) {
			trim(&opt, &optlen);
			if (!((optlen == 18 && memcmp(opt, "include_prerelease", 18) == 0) ||
			      (optlen > 19 && memcmp(opt, "include_prerelease=", 19) == 0) ||
			      (optlen > 6 && memcmp(opt, "loose=", 6) == 0)))
				return bad(st, "unknown option", opt, optlen);
		}
		len = (size_t)(comma - s);
	}
	while (next_piece(&s, &len, "||", &alt, &altlen)) {
		const char *cond;
		size_t clen, seen = 0;

		trim(&alt, &altlen);
		if (altlen == 0)
			return bad(st, "empty alternative", alt, altlen);
		alt_begin(st);
		while (next_piece(&alt, &altlen, " ", &cond, &clen)) {
			trim(&cond, &clen);
			if (clen == 0)
				continue;
			err = conan_condition(st, cond, clen);
			if (err != MEDFW_OK)
				return err;
			seen++;
		}
		if (seen == 0)
			return bad(st, "empty alternative", alt, altlen);
		err = alt_end(st);
		if (err != MEDFW_OK)
			return err;
	}
	return MEDFW_OK;
}

/* ---------------------------------------------------------------- npm ------------- */

/* A node-semver partial version: up to three numbers, 'x', 'X' or '*' (or absent)
 * meaning any, and for a full version a pre-release/build tail. */
struct partial {
	int n; /* numbers given before the first wildcard or the end: 0..3 */
	const char *num[3];
	size_t len[3];
	const char *tail; /* "-pre+build" after a full version */
	size_t tail_len;
};

static int parse_partial(const char *s, size_t len, struct partial *p)
{
	size_t i = 0, k;
	int wild = 0;

	memset(p, 0, sizeof(*p));
	if (i < len && (s[i] == 'v' || s[i] == '='))
		i++;
	if (i < len && s[i] == 'v')
		i++;
	for (k = 0; k < 3; k++) {
		size_t start = i;

		if (i < len && (s[i] == 'x' || s[i] == 'X' || s[i] == '*')) {
			wild = 1;
			i++;
		} else {
			while (i < len && medfwi_is_digit(s[i]))
				i++;
			if (i == start)
				return k == 0 && i == len; /* "" is like "*" */
			if (wild)
				return 0; /* a number after a wildcard */
			p->num[k] = s + start;
			p->len[k] = i - start;
			p->n = (int)k + 1;
		}
		if (i == len)
			return 1;
		if (s[i] != '.')
			break;
		i++;
		if (k == 2)
			return 0;
	}
	if (p->n < 3 || (s[i] != '-' && s[i] != '+'))
		return 0;
	p->tail = s + i;
	p->tail_len = len - i;
	return 1;
}

/* Write M.m.p from a partial, zeros for the missing numbers, plus a suffix. */
static int pv(const struct partial *p, int with_tail, const char *suffix, char *out)
{
	int k;

	out[0] = '\0';
	for (k = 0; k < 3; k++) {
		if (k > 0 && !vcats(out, "."))
			return 0;
		if (k < p->n ? !vcat(out, p->num[k], p->len[k]) : !vcats(out, "0"))
			return 0;
	}
	if (with_tail && p->tail != NULL && !vcat(out, p->tail, p->tail_len))
		return 0;
	return vcats(out, suffix);
}

/* Version with number `at` incremented, the following ones zero, then "-0". */
static int pv_bump(const struct partial *p, int at, char *out)
{
	char num[NAT_VLEN];
	int k;

	out[0] = '\0';
	for (k = 0; k < 3; k++) {
		if (k > 0 && !vcats(out, "."))
			return 0;
		if (k < at) {
			if (!vcat(out, p->num[k], p->len[k]))
				return 0;
		} else if (k == at) {
			if (!inc_digits(p->num[k], p->len[k], num, sizeof(num)) || !vcats(out, num))
				return 0;
		} else if (!vcats(out, "0")) {
			return 0;
		}
	}
	return vcats(out, "-0");
}

static int is_zero_num(const struct partial *p, int k)
{
	size_t i;

	for (i = 0; i < p->len[k]; i++)
		if (p->num[k][i] != '0')
			return 0;
	return 1;
}

/* Add an npm condition; ">=0.0.0" is no bound at all, as node-semver's own
 * normalisation (replaceGTE0) has it. */
static enum medfw_err add2(struct nat *st, enum medfw_vers_comparator k, const char *v)
{
	if (k == MEDFW_VERS_GE && strcmp(v, "0.0.0") == 0)
		return MEDFW_OK;
	return alt_add(st, k, v, strlen(v));
}

static enum medfw_err npm_comparator(struct nat *st, const char *c, size_t len)
{
	char lo[NAT_VLEN], hi[NAT_VLEN];
	struct partial p;
	char op[3] = {0, 0, 0};
	enum medfw_err err = MEDFW_OK;

	if (len >= 2 && (memcmp(c, ">=", 2) == 0 || memcmp(c, "<=", 2) == 0 ||
			 memcmp(c, "~>", 2) == 0)) {
		memcpy(op, c, 2);
		c += 2;
		len -= 2;
	} else if (len >= 1 && medfwi_in_set(c[0], "<>=~^")) {
		op[0] = c[0];
		c++;
		len--;
	}
	trim(&c, &len);
	if (!parse_partial(c, len, &p))
		return bad(st, "not a node-semver comparator", c, len);
	if (op[0] == '~') { /* ~ and ~> */
		if (p.n == 0)
			return add2(st, MEDFW_VERS_GE, "0.0.0");
		if (!pv(&p, 1, "", lo) || !pv_bump(&p, p.n == 1 ? 0 : 1, hi))
			return bad(st, "version too long", c, len);
		err = add2(st, MEDFW_VERS_GE, lo);
		return err != MEDFW_OK ? err : add2(st, MEDFW_VERS_LT, hi);
	}
	if (op[0] == '^') {
		int at;

		if (p.n == 0)
			return add2(st, MEDFW_VERS_GE, "0.0.0");
		if (p.n == 1 || !is_zero_num(&p, 0))
			at = 0;
		else if (p.n == 2 || !is_zero_num(&p, 1))
			at = 1;
		else
			at = 2;
		if (!pv(&p, 1, "", lo) || !pv_bump(&p, at, hi))
			return bad(st, "version too long", c, len);
		err = add2(st, MEDFW_VERS_GE, lo);
		return err != MEDFW_OK ? err : add2(st, MEDFW_VERS_LT, hi);
	}
	if (p.n == 3) { /* a full version */
		enum medfw_vers_comparator k = MEDFW_VERS_EQ;

		if (strcmp(op, ">=") == 0)
			k = MEDFW_VERS_GE;
		else if (strcmp(op, "<=") == 0)
			k = MEDFW_VERS_LE;
		else if (op[0] == '>')
			k = MEDFW_VERS_GT;
		else if (op[0] == '<')
			k = MEDFW_VERS_LT;
		if (!pv(&p, 1, "", lo))
			return bad(st, "version too long", c, len);
		return add2(st, k, lo);
	}
	/* X-ranges */
	if (p.n == 0) {
		if (strcmp(op, ">") == 0 || strcmp(op, "<") == 0)
			alt_nothing(st);
		else
			err = add2(st, MEDFW_VERS_GE, "0.0.0");
		return err;
	}
	if (!pv(&p, 0, "", lo) || !pv_bump(&p, p.n - 1, hi))
		return bad(st, "version too long", c, len);
	if (strcmp(op, ">") == 0) /* ">1.2" is ">=1.3.0": the bump without "-0" */
		return alt_add(st, MEDFW_VERS_GE, hi, strlen(hi) - 2);
	if (strcmp(op, ">=") == 0)
		return add2(st, MEDFW_VERS_GE, lo);
	if (strcmp(op, "<") == 0)
		return vcats(lo, "-0") ? add2(st, MEDFW_VERS_LT, lo)
				       : bad(st, "version too long", c, len);
	if (strcmp(op, "<=") == 0)
		return add2(st, MEDFW_VERS_LT, hi);
	err = add2(st, MEDFW_VERS_GE, lo);
	return err != MEDFW_OK ? err : add2(st, MEDFW_VERS_LT, hi);
}

static enum medfw_err npm_range(struct nat *st, const char *s, size_t len)
{
	const char *hy = NULL, *tok;
	size_t i, tlen;
	enum medfw_err err;

	for (i = 0; i + 3 <= len; i++)
		if (memcmp(s + i, " - ", 3) == 0) {
			hy = s + i;
			break;
		}
	if (hy != NULL) { /* hyphen range A - B */
		struct partial a, b;
		const char *as = s, *bs = hy + 3;
		size_t al = (size_t)(hy - s), bl = (size_t)(s + len - bs);
		char lo[NAT_VLEN], hi[NAT_VLEN];

		trim(&as, &al);
		trim(&bs, &bl);
		if (!parse_partial(as, al, &a) || !parse_partial(bs, bl, &b))
			return bad(st, "not a hyphen range", s, len);
		if (a.n > 0) {
			if (!pv(&a, 1, "", lo))
				return bad(st, "version too long", s, len);
			err = add2(st, MEDFW_VERS_GE, lo);
			if (err != MEDFW_OK)
				return err;
		}
		if (b.n == 3) {
			if (!pv(&b, 1, "", hi))
				return bad(st, "version too long", s, len);
			return add2(st, MEDFW_VERS_LE, hi);
		}
		if (b.n > 0) {
			if (!pv_bump(&b, b.n - 1, hi))
				return bad(st, "version too long", s, len);
			return add2(st, MEDFW_VERS_LT, hi);
		}
		return MEDFW_OK;
	}
	/* comparators separated by spaces; an operator may be followed by spaces */
	i = 0;
	while (i < len) {
		size_t start;

		while (i < len && is_space(s[i]))
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && medfwi_in_set(s[i], "<>=~^"))
			i++;
		while (i < len && is_space(s[i]))
			i++;
		while (i < len && !is_space(s[i]))
			i++;
		tok = s + start;
		tlen = i - start;
		err = npm_comparator(st, tok, tlen);
		if (err != MEDFW_OK)
			return err;
	}
	return MEDFW_OK;
}

static enum medfw_err from_npm(struct nat *st, const char *s, size_t len)
{
	const char *alt;
	size_t altlen;
	enum medfw_err err;

	while (next_piece(&s, &len, "||", &alt, &altlen)) {
		trim(&alt, &altlen);
		alt_begin(st);
		if (altlen == 0)
			err = add2(st, MEDFW_VERS_GE, "0.0.0");
		else
			err = npm_range(st, alt, altlen);
		if (err == MEDFW_OK)
			err = alt_end(st);
		if (err != MEDFW_OK)
			return err;
	}
	return MEDFW_OK;
}

/* ---------------------------------------------------------------- entry ----------- */

enum medfw_err medfw_vers_from_native(const char *type, const char *native,
				      struct medfw_buf *out, struct medfw_diag *diag)
{
	static const struct {
		const char *type;
		enum medfw_err (*fn)(struct nat *, const char *, size_t);
	} conv[] = {{"pypi", from_pypi},   {"gem", from_gem},	  {"nuget", from_nuget},
		    {"nginx", from_nginx}, {"conan", from_conan}, {"openssl", from_openssl},
		    {"npm", from_npm}};
	struct nat *st;
	size_t len, k;
	enum medfw_err err;

	if (type == NULL || native == NULL || out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no type, range or output");
	for (k = 0; k < sizeof(conv) / sizeof(conv[0]); k++)
		if (strcmp(conv[k].type, type) == 0)
			break;
	if (k == sizeof(conv) / sizeof(conv[0]))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "no native range converter for the type '%.40s'", type);
	len = strnlen(native, NAT_TEXT_MAX + 1);
	if (len > NAT_TEXT_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "%s range: longer than %d bytes", type, NAT_TEXT_MAX);
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	st->type = conv[k].type;
	st->scheme = medfw_version_scheme_from_name(type);
	st->diag = diag;
	err = conv[k].fn(st, native, len);
	if (err == MEDFW_OK)
		err = emit(st, out);
	free(st);
	return err;
}
