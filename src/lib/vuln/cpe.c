/* CPE 2.3 names: formatted string and 2.2 URI bindings, NISTIR 7696 matching
 * (include/medfw/cpe.h). */
#include "medfw/cpe.h"

#include <stdlib.h>
#include <string.h>

#include "vuln/version_int.h"

static const char *const attr_names[MEDFW_CPE_ATTR_COUNT] = {
	"part",	    "vendor",	  "product",   "version",   "update", "edition",
	"language", "sw_edition", "target_sw", "target_hw", "other",
};

const char *medfw_cpe_attr_name(enum medfw_cpe_attr attr)
{
	if ((unsigned)attr >= MEDFW_CPE_ATTR_COUNT)
		return "?";
	return attr_names[attr];
}

const char *medfw_cpe_relation_name(enum medfw_cpe_relation relation)
{
	switch (relation) {
	case MEDFW_CPE_UNDEFINED:
		return "undefined";
	case MEDFW_CPE_EQUAL:
		return "equal";
	case MEDFW_CPE_SUPERSET:
		return "superset";
	case MEDFW_CPE_SUBSET:
		return "subset";
	case MEDFW_CPE_DISJOINT:
		return "disjoint";
	}
	return "undefined";
}

/* ------------------------------------------------------------------ units */

/* One character of a value: a literal (quoted or not) or an unquoted wildcard. */
struct unit {
	char c;
	unsigned char wildcard; /* 1: c is an unquoted '*' or '?' */
};

/* Characters that are written escaped in the formatted string: printable ASCII that
 * is neither a letter, a digit, '_', '.' nor '-'. */
static int is_punct(char c)
{
	return c >= 0x21 && c <= 0x7e && !medfwi_is_alnum(c) && c != '_' && c != '.' &&
	       c != '-';
}

/* Characters that stand for themselves in a formatted string. */
static int is_plain(char c)
{
	return medfwi_is_alnum(c) || c == '_' || c == '.' || c == '-';
}

/* A parsed, not yet assembled attribute. */
struct slot {
	enum medfw_cpe_kind kind;
	char *fs; /* VALUE: canonical formatted-string form (malloc'd) */
};

struct parse_ctx {
	enum medfw_cpe_mode mode;
	const char *binding; /* "formatted string" or "URI", for messages */
	struct medfw_diag *diag;
};

static enum medfw_err fail(const struct parse_ctx *pc, enum medfw_cpe_attr attr,
			   const char *what)
{
	return medfw_diag_set(pc->diag, MEDFW_ERR_FIELD_VALUE, "CPE %s: attribute %s: %s",
			      pc->binding, medfw_cpe_attr_name(attr), what);
}

static enum medfw_err fail_char(const struct parse_ctx *pc, enum medfw_cpe_attr attr,
				const char *what, char c)
{
	unsigned char u = (unsigned char)c;

	if (u >= 0x21 && u <= 0x7e)
		return medfw_diag_set(pc->diag, MEDFW_ERR_FIELD_VALUE,
				      "CPE %s: attribute %s: %s '%c'", pc->binding,
				      medfw_cpe_attr_name(attr), what, c);
	return medfw_diag_set(pc->diag, MEDFW_ERR_FIELD_VALUE,
			      "CPE %s: attribute %s: %s (byte 0x%02x)", pc->binding,
			      medfw_cpe_attr_name(attr), what, (unsigned)u);
}

/* Check where the wildcards are (NISTIR 7695 5.3.2: '*' alone at either end, runs of
 * '?' at either end, never inside) and write the canonical formatted-string form. */
static enum medfw_err finish_units(const struct parse_ctx *pc, enum medfw_cpe_attr attr,
				   const struct unit *u, size_t n, struct slot *out)
{
	size_t i, lead = 0, trail = 0, o = 0;
	int all_q = 1;
	char *fs;

	for (i = 0; i < n; i++)
		if (!(u[i].wildcard && u[i].c == '?'))
			all_q = 0;
	if (!all_q) {
		if (u[0].wildcard)
			lead = (u[0].c == '*') ? 1 : 0;
		if (u[0].wildcard && u[0].c == '?')
			while (lead < n && u[lead].wildcard && u[lead].c == '?')
				lead++;
		if (n > lead && u[n - 1].wildcard) {
			if (u[n - 1].c == '*')
				trail = 1;
			else
				while (trail < n - lead && u[n - 1 - trail].wildcard &&
				       u[n - 1 - trail].c == '?')
					trail++;
		}
		if (lead + trail >= n)
			return fail(pc, attr, "a value made only of wildcards");
		for (i = lead; i < n - trail; i++)
			if (u[i].wildcard)
				return fail_char(pc, attr,
						 "wildcard inside the value (only at its ends)",
						 u[i].c);
	}
	fs = malloc(2 * n + 1);
	if (fs == NULL)
		return medfw_diag_set(pc->diag, MEDFW_ERR_NOMEM, "out of memory");
	if (n == 1 && !u[0].wildcard && u[0].c == '-') {
		/* A lone literal hyphen: "-" alone would read back as NA. */
		fs[o++] = '\\';
		fs[o++] = '-';
	} else {
		for (i = 0; i < n; i++) {
			if (!u[i].wildcard && is_punct(u[i].c))
				fs[o++] = '\\';
			fs[o++] = u[i].c;
		}
	}
	fs[o] = '\0';
	out->kind = MEDFW_CPE_VALUE;
	out->fs = fs;
	return MEDFW_OK;
}

/* part: a, o or h; language: an RFC 5646 tag "ll[l][-RR|-nnn]" (strict). */
static enum medfw_err check_attr_value(const struct parse_ctx *pc, enum medfw_cpe_attr attr,
				       const struct slot *s)
{
	const char *v = s->fs;
	size_t n, i;

	if (s->kind != MEDFW_CPE_VALUE)
		return MEDFW_OK;
	if (attr == MEDFW_CPE_PART) {
		if (strcmp(v, "a") != 0 && strcmp(v, "o") != 0 && strcmp(v, "h") != 0)
			return fail(pc, attr, "must be a, o, h, * or -");
		return MEDFW_OK;
	}
	if (attr != MEDFW_CPE_LANGUAGE || pc->mode != MEDFW_CPE_STRICT)
		return MEDFW_OK;
	n = strlen(v);
	for (i = 0; i < n && medfwi_is_lower(v[i]); i++)
		;
	if (i < 2 || i > 3)
		goto bad;
	if (i == n)
		return MEDFW_OK;
	if (v[i] != '-')
		goto bad;
	if (n - i - 1 == 2 && medfwi_is_lower(v[i + 1]) && medfwi_is_lower(v[i + 2]))
		return MEDFW_OK;
	if (n - i - 1 == 3 && medfwi_is_digit(v[i + 1]) && medfwi_is_digit(v[i + 2]) &&
	    medfwi_is_digit(v[i + 3]))
		return MEDFW_OK;
bad:
	return fail(pc, attr, "not a language tag (e.g. \"en\", \"en-us\", \"es-419\")");
}

/* One attribute of a formatted string, s[0..len) with escapes intact. */
static enum medfw_err parse_fs_attr(const struct parse_ctx *pc, enum medfw_cpe_attr attr,
				    const char *s, size_t len, struct unit *u, struct slot *out)
{
	size_t i = 0, n = 0;

	out->kind = MEDFW_CPE_ANY;
	out->fs = NULL;
	if (len == 0)
		return fail(pc, attr, "empty (use * for ANY or - for NA)");
	if (len == 1 && s[0] == '*')
		return MEDFW_OK;
	if (len == 1 && s[0] == '-') {
		out->kind = MEDFW_CPE_NA;
		return MEDFW_OK;
	}
	while (i < len) {
		char c = s[i];

		if (c == '\\') {
			char e;

			if (len - i < 2)
				return fail(pc, attr, "ends with an unpaired backslash");
			e = s[i + 1];
			if (is_punct(e)) {
				u[n].c = e;
			} else if (is_plain(e)) {
				/* "\-" alone is the literal hyphen (a bare "-" is NA). */
				if (pc->mode == MEDFW_CPE_STRICT && !(e == '-' && len == 2))
					return fail_char(pc, attr, "needless escape of", e);
				u[n].c = medfwi_to_lower(e);
			} else {
				return fail_char(pc, attr, "escape of a character that is not printable ASCII", e);
			}
			u[n++].wildcard = 0;
			i += 2;
			continue;
		}
		if (c == '*' || c == '?') {
			u[n].c = c;
			u[n++].wildcard = 1;
		} else if (is_plain(c)) {
			u[n].c = medfwi_to_lower(c);
			u[n++].wildcard = 0;
		} else if (is_punct(c)) {
			if (pc->mode == MEDFW_CPE_STRICT)
				return fail_char(pc, attr, "unescaped character", c);
			u[n].c = c;
			u[n++].wildcard = 0;
		} else {
			return fail_char(pc, attr, "character that is not printable ASCII", c);
		}
		i++;
	}
	return finish_units(pc, attr, u, n, out);
}

static int hex_value(char c)
{
	if (medfwi_is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The characters NISTIR 7695 allows percent-encoded in a URI (besides %01, %02). */
static int uri_encodable(int code)
{
	return code >= 0x21 && code <= 0x7e && is_punct((char)code);
}

/* One URI component (already split on ':' and, for a packed edition, on '~'). */
static enum medfw_err parse_uri_attr(const struct parse_ctx *pc, enum medfw_cpe_attr attr,
				     const char *s, size_t len, struct unit *u, struct slot *out)
{
	size_t i = 0, n = 0;

	out->kind = MEDFW_CPE_ANY;
	out->fs = NULL;
	if (len == 0)
		return MEDFW_OK;
	if (len == 1 && s[0] == '-') {
		out->kind = MEDFW_CPE_NA;
		return MEDFW_OK;
	}
	if (len == 1 && s[0] == '*' && pc->mode == MEDFW_CPE_LENIENT)
		return MEDFW_OK;
	while (i < len) {
		char c = s[i];

		if (c == '%') {
			int hi, lo, code;

			if (len - i < 3 || (hi = hex_value(s[i + 1])) < 0 ||
			    (lo = hex_value(s[i + 2])) < 0)
				return fail(pc, attr, "invalid percent-encoding");
			code = hi * 16 + lo;
			if (code == 1 || code == 2) {
				u[n].c = (code == 1) ? '?' : '*';
				u[n++].wildcard = 1;
			} else if (uri_encodable(code)) {
				u[n].c = (char)code;
				u[n++].wildcard = 0;
			} else if (pc->mode == MEDFW_CPE_LENIENT && code >= 0x21 && code <= 0x7e) {
				u[n].c = medfwi_to_lower((char)code);
				u[n++].wildcard = 0;
			} else {
				return medfw_diag_set(pc->diag, MEDFW_ERR_FIELD_VALUE,
						      "CPE URI: attribute %s: percent-encoded byte "
						      "0x%02x is not allowed",
						      medfw_cpe_attr_name(attr), (unsigned)code);
			}
			i += 3;
			continue;
		}
		if (is_plain(c)) {
			u[n].c = medfwi_to_lower(c);
		} else if (c == '~') {
			u[n].c = '~';
		} else if (is_punct(c) && c != ':' && pc->mode == MEDFW_CPE_LENIENT) {
			u[n].c = c;
		} else if (is_punct(c)) {
			return fail_char(pc, attr, "character that must be percent-encoded", c);
		} else {
			return fail_char(pc, attr, "character that is not printable ASCII", c);
		}
		u[n++].wildcard = 0;
		i++;
	}
	return finish_units(pc, attr, u, n, out);
}

/* ---------------------------------------------------------------- assembly */

static size_t unescaped_len(const char *fs)
{
	size_t n = 0;

	for (; *fs != '\0'; fs++) {
		if (*fs == '\\' && fs[1] != '\0')
			fs++;
		n++;
	}
	return n;
}

static char *copy_unescaped(char *dst, const char *fs)
{
	for (; *fs != '\0'; fs++) {
		if (*fs == '\\' && fs[1] != '\0')
			fs++;
		*dst++ = *fs;
	}
	*dst++ = '\0';
	return dst;
}

static int fs_has_wildcard(const char *fs)
{
	size_t i;

	for (i = 0; fs[i] != '\0'; i++) {
		if (fs[i] == '\\' && fs[i + 1] != '\0') {
			i++;
			continue;
		}
		if (fs[i] == '*' || fs[i] == '?')
			return 1;
	}
	return 0;
}

/* One allocation holding the name and all its strings. kinds[i]/fs[i] describe the
 * attributes (fs[i] only for VALUE). */
static struct medfw_cpe *assemble(const enum medfw_cpe_kind kinds[MEDFW_CPE_ATTR_COUNT],
				  const char *const fs[MEDFW_CPE_ATTR_COUNT])
{
	struct medfw_cpe *cpe;
	size_t need = sizeof(*cpe), i;
	char *p;

	for (i = 0; i < MEDFW_CPE_ATTR_COUNT; i++)
		if (kinds[i] == MEDFW_CPE_VALUE)
			need += strlen(fs[i]) + 1 + unescaped_len(fs[i]) + 1;
	cpe = malloc(need);
	if (cpe == NULL)
		return NULL;
	p = (char *)(cpe + 1);
	for (i = 0; i < MEDFW_CPE_ATTR_COUNT; i++) {
		struct medfw_cpe_value *v = &cpe->attr[i];
		size_t len;

		v->kind = kinds[i];
		v->fs = NULL;
		v->text = NULL;
		v->has_wildcard = 0;
		if (kinds[i] != MEDFW_CPE_VALUE)
			continue;
		len = strlen(fs[i]);
		memcpy(p, fs[i], len + 1);
		v->fs = p;
		p += len + 1;
		v->text = p;
		p = copy_unescaped(p, fs[i]);
		v->has_wildcard = fs_has_wildcard(fs[i]);
	}
	return cpe;
}

void medfw_cpe_free(struct medfw_cpe *cpe)
{
	free(cpe);
}

struct medfw_cpe *medfw_cpe_with_any(const struct medfw_cpe *cpe, enum medfw_cpe_attr attr)
{
	enum medfw_cpe_kind kinds[MEDFW_CPE_ATTR_COUNT];
	const char *fs[MEDFW_CPE_ATTR_COUNT];
	size_t i;

	if (cpe == NULL)
		return NULL;
	for (i = 0; i < MEDFW_CPE_ATTR_COUNT; i++) {
		kinds[i] = cpe->attr[i].kind;
		fs[i] = cpe->attr[i].fs;
	}
	if ((unsigned)attr < MEDFW_CPE_ATTR_COUNT) {
		kinds[attr] = MEDFW_CPE_ANY;
		fs[attr] = NULL;
	}
	return assemble(kinds, fs);
}

/* ------------------------------------------------------------------ parsing */

/* Split s[0..len) on separators (unescaped when `escapes`), at most `max` fields.
 * Returns the number of fields, or max + 1 when there are more. */
static size_t split(const char *s, size_t len, char sep, int escapes, size_t max,
		    size_t starts[], size_t lens[])
{
	size_t i, n = 0, start = 0;

	for (i = 0; i <= len; i++) {
		if (escapes && i + 1 < len && s[i] == '\\') {
			i++; /* the escaped character is never a separator */
			continue;
		}
		if (i == len || s[i] == sep) {
			if (n == max)
				return max + 1;
			starts[n] = start;
			lens[n] = i - start;
			n++;
			start = i + 1;
		}
	}
	return n;
}

static int prefix_ci(const char *s, const char *prefix)
{
	for (; *prefix != '\0'; s++, prefix++)
		if (medfwi_to_lower(*s) != *prefix)
			return 0;
	return 1;
}

static enum medfw_err parse_fs(const struct parse_ctx *pc, const char *body, size_t len,
			       struct unit *u, struct slot slots[MEDFW_CPE_ATTR_COUNT])
{
	size_t starts[MEDFW_CPE_ATTR_COUNT], lens[MEDFW_CPE_ATTR_COUNT], n, i;
	enum medfw_err err;

	n = split(body, len, ':', 1, MEDFW_CPE_ATTR_COUNT, starts, lens);
	if (n > MEDFW_CPE_ATTR_COUNT)
		return medfw_diag_set(pc->diag, MEDFW_ERR_FIELD_VALUE,
				      "CPE formatted string: more than %d attributes (a ':' "
				      "inside a value must be escaped as \\:)",
				      MEDFW_CPE_ATTR_COUNT);
	if (n < MEDFW_CPE_ATTR_COUNT &&
	    (pc->mode == MEDFW_CPE_STRICT || n < MEDFW_CPE_PRODUCT + 1))
		return medfw_diag_set(pc->diag, MEDFW_ERR_FIELD_VALUE,
				      "CPE formatted string: %zu attributes, %d required "
				      "(part through other)",
				      n, MEDFW_CPE_ATTR_COUNT);
	for (i = 0; i < n; i++) {
		err = parse_fs_attr(pc, (enum medfw_cpe_attr)i, body + starts[i], lens[i], u,
				    &slots[i]);
		if (err == MEDFW_OK)
			err = check_attr_value(pc, (enum medfw_cpe_attr)i, &slots[i]);
		if (err != MEDFW_OK)
			return err;
	}
	return MEDFW_OK;
}

static enum medfw_err parse_uri(const struct parse_ctx *pc, const char *body, size_t len,
				struct unit *u, struct slot slots[MEDFW_CPE_ATTR_COUNT])
{
	/* URI components: part vendor product version update edition language. */
	size_t starts[7], lens[7], n, i;
	enum medfw_err err;

	n = split(body, len, ':', 0, 7, starts, lens);
	if (n > 7)
		return medfw_diag_set(pc->diag, MEDFW_ERR_FIELD_VALUE,
				      "CPE URI: more than 7 components (part through language)");
	for (i = 0; i < n; i++) {
		const char *c = body + starts[i];
		enum medfw_cpe_attr attr = (i == 6) ? MEDFW_CPE_LANGUAGE : (enum medfw_cpe_attr)i;

		if (i == 5 && lens[i] > 0 && c[0] == '~') {
			/* packed: ~edition~sw_edition~target_sw~target_hw~other */
			static const enum medfw_cpe_attr packed[5] = {
				MEDFW_CPE_EDITION, MEDFW_CPE_SW_EDITION, MEDFW_CPE_TARGET_SW,
				MEDFW_CPE_TARGET_HW, MEDFW_CPE_OTHER};
			size_t ps[5], pl[5], pn, k;

			pn = split(c + 1, lens[i] - 1, '~', 0, 5, ps, pl);
			if (pn != 5)
				return medfw_diag_set(
					pc->diag, MEDFW_ERR_FIELD_VALUE,
					"CPE URI: attribute edition: a packed edition needs five "
					"'~'-separated parts (~edition~sw_edition~target_sw~"
					"target_hw~other)");
			for (k = 0; k < 5; k++) {
				err = parse_uri_attr(pc, packed[k], c + 1 + ps[k], pl[k], u,
						     &slots[packed[k]]);
				if (err != MEDFW_OK)
					return err;
			}
			continue;
		}
		err = parse_uri_attr(pc, attr, c, lens[i], u, &slots[attr]);
		if (err == MEDFW_OK)
			err = check_attr_value(pc, attr, &slots[attr]);
		if (err != MEDFW_OK)
			return err;
	}
	return MEDFW_OK;
}

enum medfw_err medfw_cpe_parse(const char *text, enum medfw_cpe_mode mode,
			       struct medfw_cpe **out, struct medfw_diag *diag)
{
	struct slot slots[MEDFW_CPE_ATTR_COUNT];
	enum medfw_cpe_kind kinds[MEDFW_CPE_ATTR_COUNT];
	const char *fs[MEDFW_CPE_ATTR_COUNT];
	struct parse_ctx pc;
	struct unit *u = NULL;
	enum medfw_err err;
	size_t len, i;
	int uri;

	if (out != NULL)
		*out = NULL;
	if (text == NULL || out == NULL ||
	    (mode != MEDFW_CPE_STRICT && mode != MEDFW_CPE_LENIENT))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "CPE: invalid argument");
	len = strnlen(text, MEDFW_CPE_MAX_LEN + 1);
	if (len > MEDFW_CPE_MAX_LEN)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "CPE: longer than %u bytes",
				      MEDFW_CPE_MAX_LEN);
	for (i = 0; i < MEDFW_CPE_ATTR_COUNT; i++) {
		slots[i].kind = MEDFW_CPE_ANY;
		slots[i].fs = NULL;
	}
	pc.mode = mode;
	pc.diag = diag;
	if (mode == MEDFW_CPE_STRICT ? strncmp(text, "cpe:2.3:", 8) == 0
				     : (len >= 8 && prefix_ci(text, "cpe:2.3:"))) {
		uri = 0;
		pc.binding = "formatted string";
	} else if (mode == MEDFW_CPE_STRICT ? strncmp(text, "cpe:/", 5) == 0
					    : (len >= 5 && prefix_ci(text, "cpe:/"))) {
		uri = 1;
		pc.binding = "URI";
	} else {
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "CPE: must start with \"cpe:2.3:\" (formatted string) or "
				      "\"cpe:/\" (URI)");
	}
	u = malloc((len + 1) * sizeof(*u));
	if (u == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	if (uri)
		err = parse_uri(&pc, text + 5, len - 5, u, slots);
	else
		err = parse_fs(&pc, text + 8, len - 8, u, slots);
	if (err != MEDFW_OK)
		goto done;
	for (i = 0; i < MEDFW_CPE_ATTR_COUNT; i++) {
		kinds[i] = slots[i].kind;
		fs[i] = slots[i].fs;
	}
	*out = assemble(kinds, fs);
	if (*out == NULL)
		err = medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
done:
	for (i = 0; i < MEDFW_CPE_ATTR_COUNT; i++)
		free(slots[i].fs);
	free(u);
	return err;
}

enum medfw_err medfw_cpe_to_string(const struct medfw_cpe *cpe, struct medfw_buf *out,
				   struct medfw_diag *diag)
{
	size_t start, i;
	enum medfw_err err;

	if (cpe == NULL || out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "CPE: invalid argument");
	start = out->len;
	err = medfw_buf_append_str(out, "cpe:2.3");
	for (i = 0; i < MEDFW_CPE_ATTR_COUNT && err == MEDFW_OK; i++) {
		const struct medfw_cpe_value *v = &cpe->attr[i];

		err = medfw_buf_append_str(out, ":");
		if (err != MEDFW_OK)
			break;
		if (v->kind == MEDFW_CPE_ANY)
			err = medfw_buf_append_str(out, "*");
		else if (v->kind == MEDFW_CPE_NA)
			err = medfw_buf_append_str(out, "-");
		else
			err = medfw_buf_append_str(out, v->fs);
	}
	if (err != MEDFW_OK) {
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
		return medfw_diag_set(diag, err, "CPE: the formatted string does not fit");
	}
	return MEDFW_OK;
}

/* ----------------------------------------------------------------- matching */

/* Length in bytes of the unit at fs[i] (2 for a quoted pair). */
static size_t unit_len(const char *fs, size_t i)
{
	return (fs[i] == '\\' && fs[i + 1] != '\0') ? 2 : 1;
}

static size_t count_units(const char *fs, size_t len)
{
	size_t i = 0, n = 0;

	while (i < len) {
		i += unit_len(fs, i);
		n++;
	}
	return n;
}

/* The character at fs[i] (i >= from) is not escaped: an even number of backslashes
 * precede it (counting back to `from`, where a unit starts). */
static int unquoted_at(const char *fs, size_t from, size_t i)
{
	size_t bs = 0;

	while (i > from && fs[i - 1] == '\\') {
		bs++;
		i--;
	}
	return bs % 2 == 0;
}

/* Does the source pattern (canonical fs with wildcards at its ends) cover the target
 * value (canonical fs without wildcards)? NISTIR 7696 compare_strings: a leading '*'
 * allows any prefix, a leading run of k '?' a prefix of at most k characters, and
 * the same at the end. */
static int pattern_covers(const char *src, const char *tgt)
{
	size_t slen = strlen(src), tlen = strlen(tgt);
	size_t b0 = 0, b1 = slen, lead_q = 0, trail_q = 0, body_len, body_units, tunits;
	size_t i, before;
	int lead_star = 0, trail_star = 0;

	if (src[0] == '*') {
		lead_star = 1;
		b0 = 1;
	} else {
		while (b0 < slen && src[b0] == '?') {
			b0++;
			lead_q++;
		}
	}
	if (b0 == slen) /* only '?': up to lead_q characters */
		return count_units(tgt, tlen) <= lead_q;
	if (b1 > b0 && unquoted_at(src, b0, b1 - 1)) {
		if (src[b1 - 1] == '*') {
			trail_star = 1;
			b1--;
		} else {
			while (b1 > b0 && src[b1 - 1] == '?' && unquoted_at(src, b0, b1 - 1)) {
				b1--;
				trail_q++;
			}
		}
	}
	body_len = b1 - b0;
	body_units = count_units(src + b0, body_len);
	tunits = count_units(tgt, tlen);
	if (body_units > tunits)
		return 0;
	for (i = 0, before = 0; i + body_len <= tlen; i += unit_len(tgt, i), before++) {
		size_t after;

		if (!lead_star && before > lead_q)
			break;
		if (memcmp(tgt + i, src + b0, body_len) != 0)
			continue;
		after = tunits - before - body_units;
		if (trail_star || after <= trail_q)
			return 1;
	}
	return 0;
}

enum medfw_cpe_relation medfw_cpe_compare_value(const struct medfw_cpe_value *source,
						const struct medfw_cpe_value *target)
{
	if (source == NULL || target == NULL)
		return MEDFW_CPE_UNDEFINED;
	if (target->kind == MEDFW_CPE_VALUE && target->has_wildcard)
		return MEDFW_CPE_UNDEFINED;
	if (source->kind == target->kind && source->kind != MEDFW_CPE_VALUE)
		return MEDFW_CPE_EQUAL;
	if (source->kind == MEDFW_CPE_ANY)
		return MEDFW_CPE_SUPERSET;
	if (target->kind == MEDFW_CPE_ANY)
		return MEDFW_CPE_SUBSET;
	if (source->kind == MEDFW_CPE_NA || target->kind == MEDFW_CPE_NA)
		return MEDFW_CPE_DISJOINT;
	if (!source->has_wildcard)
		return strcmp(source->fs, target->fs) == 0 ? MEDFW_CPE_EQUAL : MEDFW_CPE_DISJOINT;
	return pattern_covers(source->fs, target->fs) ? MEDFW_CPE_SUPERSET : MEDFW_CPE_DISJOINT;
}

void medfw_cpe_compare(const struct medfw_cpe *source, const struct medfw_cpe *target,
		       enum medfw_cpe_relation out[MEDFW_CPE_ATTR_COUNT])
{
	size_t i;

	for (i = 0; i < MEDFW_CPE_ATTR_COUNT; i++)
		out[i] = (source == NULL || target == NULL)
				 ? MEDFW_CPE_UNDEFINED
				 : medfw_cpe_compare_value(&source->attr[i], &target->attr[i]);
}

int medfw_cpe_match(const struct medfw_cpe *source, const struct medfw_cpe *target)
{
	enum medfw_cpe_relation r[MEDFW_CPE_ATTR_COUNT];
	size_t i;

	if (source == NULL || target == NULL)
		return 0;
	medfw_cpe_compare(source, target, r);
	for (i = 0; i < MEDFW_CPE_ATTR_COUNT; i++)
		if (r[i] != MEDFW_CPE_EQUAL && r[i] != MEDFW_CPE_SUPERSET)
			return 0;
	return 1;
}

int medfw_cpe_disjoint(const struct medfw_cpe *source, const struct medfw_cpe *target)
{
	enum medfw_cpe_relation r[MEDFW_CPE_ATTR_COUNT];
	size_t i;

	if (source == NULL || target == NULL)
		return 0;
	medfw_cpe_compare(source, target, r);
	for (i = 0; i < MEDFW_CPE_ATTR_COUNT; i++)
		if (r[i] == MEDFW_CPE_DISJOINT)
			return 1;
	return 0;
}

int medfw_cpe_equal(const struct medfw_cpe *a, const struct medfw_cpe *b)
{
	enum medfw_cpe_relation r[MEDFW_CPE_ATTR_COUNT];
	size_t i;

	if (a == NULL || b == NULL)
		return 0;
	medfw_cpe_compare(a, b, r);
	for (i = 0; i < MEDFW_CPE_ATTR_COUNT; i++)
		if (r[i] != MEDFW_CPE_EQUAL)
			return 0;
	return 1;
}
