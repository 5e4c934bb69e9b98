/* vers: parse, validate, canonical text and containment (include/medfw/vers.h). */
#include "medfw/vers.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/utf8.h"
#include "vuln/version_int.h"

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int hex_value(char c)
{
	if (medfwi_is_digit(c))
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Characters a version must percent-encode (besides whitespace, controls and
 * non-ASCII bytes). */
static int vers_reserved(char c)
{
	return medfwi_in_set(c, "<>=!*|%");
}

const char *medfw_vers_comparator_text(enum medfw_vers_comparator comparator)
{
	switch (comparator) {
	case MEDFW_VERS_EQ:
		return "";
	case MEDFW_VERS_NE:
		return "!=";
	case MEDFW_VERS_LT:
		return "<";
	case MEDFW_VERS_LE:
		return "<=";
	case MEDFW_VERS_GT:
		return ">";
	case MEDFW_VERS_GE:
		return ">=";
	case MEDFW_VERS_ANY:
	default:
		return "*";
	}
}

const char *medfw_vers_result_name(enum medfw_vers_result result)
{
	switch (result) {
	case MEDFW_VERS_AFFECTED:
		return "affected";
	case MEDFW_VERS_NOT_AFFECTED:
		return "not_affected";
	case MEDFW_VERS_UNDETERMINED:
	default:
		return "undetermined";
	}
}

void medfw_vers_free(struct medfw_vers *vers)
{
	size_t i;

	if (vers == NULL)
		return;
	for (i = 0; i < vers->constraint_count; i++)
		free(vers->constraints[i].version);
	free(vers->constraints);
	free(vers->type);
	free(vers);
}

static int is_reserved_type(const char *type)
{
	return strcmp(type, "example") == 0 || strcmp(type, "test") == 0;
}

static int is_lower_bound(enum medfw_vers_comparator c)
{
	return c == MEDFW_VERS_GT || c == MEDFW_VERS_GE;
}

static int is_upper_bound(enum medfw_vers_comparator c)
{
	return c == MEDFW_VERS_LT || c == MEDFW_VERS_LE;
}

/* Compare two versions already validated in `scheme`. */
static int vcmp(enum medfw_version_scheme scheme, const char *a, const char *b)
{
	int c = 0;

	if (medfw_version_compare(scheme, a, b, &c, NULL) != MEDFW_OK)
		return 0; /* unreachable: both were validated */
	return c;
}

/* Sort constraints by version, stably (no ANY among them): nothing moves when each
 * pair of neighbours is in order already; otherwise a merge sort, then an
 * insertion pass. For the schemes whose equality is not transitive (rpm and alpm
 * ignoring a missing release, conan's mixed items) the insertion pass makes every
 * pair of neighbours ordered, so sorting the result again changes nothing. */
static enum medfw_err sort_constraints(enum medfw_version_scheme scheme,
				       struct medfw_vers_constraint *c, size_t n,
				       struct medfw_diag *diag)
{
	struct medfw_vers_constraint *tmp;
	size_t width, i, j;

	for (i = 1; i < n && vcmp(scheme, c[i - 1].version, c[i].version) <= 0; i++)
		;
	if (i >= n)
		return MEDFW_OK;
	tmp = calloc(n, sizeof(*tmp));
	if (tmp == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory sorting constraints");
	for (width = 1; width < n; width *= 2) {
		for (i = 0; i < n; i += 2 * width) {
			size_t lo = i, mid = i + width < n ? i + width : n;
			size_t hi = i + 2 * width < n ? i + 2 * width : n;
			size_t a = lo, b = mid, o = lo;

			while (a < mid && b < hi) {
				if (vcmp(scheme, c[b].version, c[a].version) < 0)
					tmp[o++] = c[b++];
				else
					tmp[o++] = c[a++];
			}
			while (a < mid)
				tmp[o++] = c[a++];
			while (b < hi)
				tmp[o++] = c[b++];
		}
		memcpy(c, tmp, n * sizeof(*c));
	}
	free(tmp);
	for (i = 1; i < n; i++) {
		struct medfw_vers_constraint x = c[i];

		for (j = i; j > 0 && vcmp(scheme, c[j - 1].version, x.version) > 0; j--)
			c[j] = c[j - 1];
		c[j] = x;
	}
	return MEDFW_OK;
}

/* Clause 5.4: ignoring '!=', an equality is followed only by an equality, '>' or
 * '>='; ignoring '!=' and equalities, lower and upper bounds alternate. Returns
 * NULL or the rule broken. */
static const char *sequence_problem(const struct medfw_vers_constraint *c, size_t n)
{
	enum medfw_vers_comparator prev = MEDFW_VERS_ANY, prev_bound = MEDFW_VERS_ANY;
	size_t i;

	for (i = 0; i < n; i++) {
		enum medfw_vers_comparator k = c[i].comparator;

		if (k == MEDFW_VERS_NE)
			continue;
		if (prev == MEDFW_VERS_EQ && is_upper_bound(k))
			return "an equality is followed by '<' or '<='";
		prev = k;
		if (k == MEDFW_VERS_EQ)
			continue;
		if (is_upper_bound(prev_bound) && is_upper_bound(k))
			return "two upper bounds ('<', '<=') follow each other";
		if (is_lower_bound(prev_bound) && is_lower_bound(k))
			return "two lower bounds ('>', '>=') follow each other";
		prev_bound = k;
	}
	return NULL;
}

/* Everything after the constraints were read: type rules, versions in the scheme,
 * order, uniqueness, comparator sequence. */
static enum medfw_err finish(struct medfw_vers *v, enum medfw_vers_mode mode,
			     struct medfw_diag *diag)
{
	size_t i;
	enum medfw_err err;
	const char *seq;
	int any = 0;

	for (i = 0; i < v->constraint_count; i++)
		if (v->constraints[i].comparator == MEDFW_VERS_ANY)
			any = 1;
	if (any && v->constraint_count != 1)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "vers: '*' must be the only constraint");
	if ((strcmp(v->type, "all") == 0 || strcmp(v->type, "none") == 0) && !any)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "vers: the type '%s' only allows the constraint '*'", v->type);
	if (any || v->scheme == MEDFW_VERSION_SCHEME_UNKNOWN)
		return MEDFW_OK; /* nothing to order: no ordering is known for this type */
	for (i = 0; i < v->constraint_count; i++) {
		struct medfw_diag vd;

		medfw_diag_clear(&vd);
		err = medfw_version_validate(v->scheme, v->constraints[i].version, &vd);
		if (err == MEDFW_ERR_FIELD_VALUE && (v->constraint_count == 1 ||
						     mode == MEDFW_VERS_LENIENT)) {
			/* kept, but never used to decide containment */
			v->problems |= MEDFW_VERS_PROBLEM_VERSION;
			continue;
		}
		if (err != MEDFW_OK)
			return medfw_diag_set(diag, err,
					      "vers: constraint %zu: %s (the order of the "
					      "constraints cannot be checked)",
					      i + 1, medfw_diag_message(&vd, err));
	}
	if (v->problems & MEDFW_VERS_PROBLEM_VERSION)
		return MEDFW_OK; /* versions that cannot be compared: nothing to order */
	if (mode == MEDFW_VERS_LENIENT) {
		err = sort_constraints(v->scheme, v->constraints, v->constraint_count, diag);
		if (err != MEDFW_OK)
			return err;
	}
	for (i = 1; i < v->constraint_count; i++) {
		int c = vcmp(v->scheme, v->constraints[i - 1].version, v->constraints[i].version);

		if (c > 0)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "vers: constraints are not sorted by version "
					      "(constraint %zu comes after constraint %zu)",
					      i, i + 1);
		if (c == 0) {
			if (mode == MEDFW_VERS_STRICT)
				return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						      "vers: duplicate version in constraints %zu "
						      "and %zu: each version may appear only once",
						      i, i + 1);
			v->problems |= MEDFW_VERS_PROBLEM_DUPLICATE;
		}
	}
	seq = sequence_problem(v->constraints, v->constraint_count);
	if (seq != NULL) {
		if (mode == MEDFW_VERS_STRICT)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "vers: invalid sequence of constraints: %s", seq);
		v->problems |= MEDFW_VERS_PROBLEM_SEQUENCE;
	}
	return MEDFW_OK;
}

/* Check (and in lenient mode lowercase) a type; returns a new string or NULL with
 * diag set. */
static char *take_type(const char *type, size_t len, enum medfw_vers_mode mode,
		       struct medfw_diag *diag, enum medfw_err *err)
{
	char *out;
	size_t i;

	*err = MEDFW_ERR_FIELD_VALUE;
	if (len == 0) {
		medfw_diag_set(diag, *err, "vers: the type is empty");
		return NULL;
	}
	if (len > MEDFW_VERS_MAX_TYPE_LEN) {
		*err = MEDFW_ERR_TOO_LARGE;
		medfw_diag_set(diag, *err, "vers: the type is longer than %u bytes",
			       MEDFW_VERS_MAX_TYPE_LEN);
		return NULL;
	}
	if (!medfwi_is_alpha(type[0])) {
		medfw_diag_set(diag, *err, "vers: the type must start with an ASCII letter");
		return NULL;
	}
	for (i = 0; i < len; i++) {
		if (!medfwi_is_alnum(type[i]) && type[i] != '.' && type[i] != '-') {
			medfw_diag_set(diag, *err,
				       "vers: the type may only contain ASCII letters, digits, '.' "
				       "and '-'");
			return NULL;
		}
		if (medfwi_is_upper(type[i]) && mode == MEDFW_VERS_STRICT) {
			medfw_diag_set(diag, *err, "vers: the type must be lowercase");
			return NULL;
		}
	}
	out = malloc(len + 1);
	if (out == NULL) {
		*err = MEDFW_ERR_NOMEM;
		medfw_diag_set(diag, *err, "out of memory");
		return NULL;
	}
	for (i = 0; i < len; i++)
		out[i] = medfwi_to_lower(type[i]);
	out[len] = '\0';
	if (strcmp(out, "invalid") == 0) {
		free(out);
		medfw_diag_set(diag, *err,
			       "invalid VERS type: 'invalid' is reserved for intentionally invalid "
			       "VERS notations");
		return NULL;
	}
	*err = MEDFW_OK;
	return out;
}

/* Check a decoded version and copy it (datetime: 't'/'z' uppercased in lenient
 * mode, refused in strict mode). */
static enum medfw_err take_version(const struct medfw_vers *v, size_t index, const char *s,
				   size_t len, enum medfw_vers_mode mode, char **out,
				   struct medfw_diag *diag)
{
	char *copy;
	size_t i;

	*out = NULL;
	if (len == 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "vers: constraint %zu has an empty version", index);
	if (len > MEDFW_VERSION_MAX_LEN)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "vers: constraint %zu: version longer than %d bytes", index,
				      MEDFW_VERSION_MAX_LEN);
	if (memchr(s, '\0', len) != NULL || !medfw_utf8_valid((const uint8_t *)s, len))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "vers: constraint %zu: the version is not valid UTF-8 text",
				      index);
	copy = malloc(len + 1);
	if (copy == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	memcpy(copy, s, len);
	copy[len] = '\0';
	if (v->scheme == MEDFW_VERSION_SCHEME_DATETIME) {
		for (i = 0; i < len; i++) {
			if (copy[i] == 't' || copy[i] == 'z') {
				if (mode == MEDFW_VERS_STRICT) {
					free(copy);
					return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
							      "vers: constraint %zu: datetime must "
							      "use uppercase T and Z",
							      index);
				}
				copy[i] = (char)(copy[i] - 'a' + 'A');
			}
		}
	}
	*out = copy;
	return MEDFW_OK;
}

static struct medfw_vers *vers_alloc(size_t count)
{
	struct medfw_vers *v = calloc(1, sizeof(*v));

	if (v == NULL)
		return NULL;
	v->constraints = calloc(count > 0 ? count : 1, sizeof(*v->constraints));
	if (v->constraints == NULL) {
		free(v);
		return NULL;
	}
	return v;
}

enum medfw_err medfw_vers_new(const char *type, const struct medfw_vers_constraint_in *constraints,
			      size_t count, enum medfw_vers_mode mode, struct medfw_vers **out,
			      struct medfw_diag *diag)
{
	struct medfw_vers *v = NULL;
	enum medfw_err err;
	size_t i;

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no output for the range");
	*out = NULL;
	if (type == NULL || (constraints == NULL && count > 0))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no type or constraints given");
	if (count == 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "vers: no constraints");
	if (count > MEDFW_VERS_MAX_CONSTRAINTS)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "vers: more than %u constraints",
				      MEDFW_VERS_MAX_CONSTRAINTS);
	v = vers_alloc(count);
	if (v == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	v->type = take_type(type, strnlen(type, MEDFW_VERS_MAX_TYPE_LEN + 1), mode, diag, &err);
	if (v->type == NULL)
		goto fail;
	v->scheme = medfw_version_scheme_from_name(v->type);
	for (i = 0; i < count; i++) {
		enum medfw_vers_comparator k = constraints[i].comparator;

		if (k > MEDFW_VERS_GE) {
			err = medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
					     "vers: constraint %zu has an unknown comparator", i + 1);
			goto fail;
		}
		v->constraints[i].comparator = k;
		v->constraint_count = i + 1;
		if (k == MEDFW_VERS_ANY)
			continue;
		if (constraints[i].version == NULL) {
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					     "vers: constraint %zu has no version", i + 1);
			goto fail;
		}
		err = take_version(v, i + 1, constraints[i].version,
				   strnlen(constraints[i].version, MEDFW_VERSION_MAX_LEN + 1), mode,
				   &v->constraints[i].version, diag);
		if (err != MEDFW_OK)
			goto fail;
	}
	err = finish(v, mode, diag);
	if (err != MEDFW_OK)
		goto fail;
	*out = v;
	return MEDFW_OK;
fail:
	medfw_vers_free(v);
	return err;
}

/* Percent-decode one raw version into buf (capacity MEDFW_VERSION_MAX_LEN). */
static enum medfw_err decode_version(const struct medfw_vers *v, size_t index, const char *raw,
				     size_t len, enum medfw_vers_mode mode, char *buf,
				     size_t *out_len, struct medfw_diag *diag)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		char c = raw[i];

		if (c == '%') {
			int hi, lo;

			if (len - i < 3 || (hi = hex_value(raw[i + 1])) < 0 ||
			    (lo = hex_value(raw[i + 2])) < 0)
				return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						      "vers: constraint %zu: invalid percent-encoding "
						      "in version",
						      index);
			if (mode == MEDFW_VERS_STRICT &&
			    (medfwi_is_lower(raw[i + 1]) || medfwi_is_lower(raw[i + 2])))
				return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						      "vers: constraint %zu: percent-encoding in "
						      "version is not canonical (uppercase hex "
						      "digits)",
						      index);
			c = (char)(hi * 16 + lo);
			if (c == ':' && v->scheme == MEDFW_VERSION_SCHEME_DATETIME &&
			    mode == MEDFW_VERS_STRICT)
				return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						      "vers: constraint %zu: datetime time colons "
						      "must be unencoded",
						      index);
			i += 2;
		} else if (vers_reserved(c)) {
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "vers: constraint %zu: the character '%c' in a version "
					      "must be percent-encoded",
					      index, c);
		}
		if (o == MEDFW_VERSION_MAX_LEN)
			return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
					      "vers: constraint %zu: version longer than %d bytes",
					      index, MEDFW_VERSION_MAX_LEN);
		buf[o++] = c;
	}
	*out_len = o;
	return MEDFW_OK;
}

/* One constraint of the text: comparator, then the raw version. */
static enum medfw_err read_constraint(struct medfw_vers *v, size_t index, const char *s,
				      size_t len, enum medfw_vers_mode mode,
				      struct medfw_diag *diag)
{
	static const struct {
		const char *text;
		enum medfw_vers_comparator k;
	} ops[] = {{">=", MEDFW_VERS_GE}, {"<=", MEDFW_VERS_LE}, {"!=", MEDFW_VERS_NE},
		   {"<", MEDFW_VERS_LT},   {">", MEDFW_VERS_GT},   {"=", MEDFW_VERS_EQ}};
	struct medfw_vers_constraint *c = &v->constraints[index - 1];
	char buf[MEDFW_VERSION_MAX_LEN];
	size_t k, n = 0;
	enum medfw_err err;

	if (mode == MEDFW_VERS_LENIENT) {
		while (len > 0 && s[0] == ' ') {
			s++;
			len--;
		}
		while (len > 0 && s[len - 1] == ' ')
			len--;
	}
	if (len == 1 && s[0] == '*')
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "vers: '*' must be the only constraint");
	c->comparator = MEDFW_VERS_EQ;
	for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
		size_t ol = strlen(ops[k].text);

		if (len >= ol && memcmp(s, ops[k].text, ol) == 0) {
			if (ops[k].k == MEDFW_VERS_EQ && mode == MEDFW_VERS_STRICT)
				return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						      "vers: constraint %zu starts with '=': "
						      "equality is written as a bare version",
						      index);
			c->comparator = ops[k].k;
			s += ol;
			len -= ol;
			break;
		}
	}
	if (mode == MEDFW_VERS_LENIENT)
		while (len > 0 && s[0] == ' ') {
			s++;
			len--;
		}
	if (len == 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "vers: constraint %zu has an empty version", index);
	err = decode_version(v, index, s, len, mode, buf, &n, diag);
	if (err != MEDFW_OK)
		return err;
	return take_version(v, index, buf, n, mode, &c->version, diag);
}

enum medfw_err medfw_vers_parse(const char *text, enum medfw_vers_mode mode,
				struct medfw_vers **out, struct medfw_diag *diag)
{
	struct medfw_vers *v = NULL;
	const char *colon, *slash, *cons, *end, *p;
	size_t len, i, count;
	enum medfw_err err;

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no output for the range");
	*out = NULL;
	if (text == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no vers text given");
	len = strnlen(text, MEDFW_VERS_MAX_LEN + 1);
	if (len > MEDFW_VERS_MAX_LEN)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "vers: longer than %u bytes",
				      MEDFW_VERS_MAX_LEN);
	end = text + len;
	if (mode == MEDFW_VERS_LENIENT) {
		while (text < end && is_ws(*text))
			text++;
		while (end > text && is_ws(end[-1]))
			end--;
	}
	for (p = text; p < end; p++) {
		unsigned char c = (unsigned char)*p;

		if (is_ws(*p) && (mode == MEDFW_VERS_STRICT || c != ' '))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "vers: non-canonical VERS: whitespace is not permitted");
		if (c < 0x20 || c >= 0x7f)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "vers: control or non-ASCII character at offset %zu "
					      "(percent-encode it)",
					      (size_t)(p - text));
	}
	colon = memchr(text, ':', (size_t)(end - text));
	if (colon == NULL || colon - text != 4 ||
	    (mode == MEDFW_VERS_STRICT ? memcmp(text, "vers", 4) != 0
				       : (medfwi_to_lower(text[0]) != 'v' ||
					  medfwi_to_lower(text[1]) != 'e' ||
					  medfwi_to_lower(text[2]) != 'r' ||
					  medfwi_to_lower(text[3]) != 's')))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "vers: does not start with the scheme 'vers:'");
	slash = memchr(colon + 1, '/', (size_t)(end - colon - 1));
	if (slash == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "vers: no '/' between the type and the constraints");
	cons = slash + 1;
	if (cons == end)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "vers: no constraints");
	if (*cons == '|')
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "vers: non-canonical VERS: leading pipe is not permitted");
	if (end[-1] == '|')
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "vers: non-canonical VERS: trailing pipe is not permitted");
	count = 1;
	for (p = cons; p < end; p++) {
		if (*p != '|')
			continue;
		if (p[1] == '|')
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "vers: non-canonical VERS: consecutive pipes are not "
					      "permitted");
		count++;
	}
	if (count > MEDFW_VERS_MAX_CONSTRAINTS)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "vers: more than %u constraints",
				      MEDFW_VERS_MAX_CONSTRAINTS);
	v = vers_alloc(count);
	if (v == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	v->type = take_type(colon + 1, (size_t)(slash - colon - 1), mode, diag, &err);
	if (v->type == NULL)
		goto fail;
	v->scheme = medfw_version_scheme_from_name(v->type);
	if ((size_t)(end - cons) == 1 && *cons == '*') {
		v->constraints[0].comparator = MEDFW_VERS_ANY;
		v->constraint_count = 1;
	} else {
		p = cons;
		for (i = 0; i < count; i++) {
			const char *bar = memchr(p, '|', (size_t)(end - p));
			const char *stop = bar != NULL ? bar : end;

			v->constraint_count = i + 1;
			err = read_constraint(v, i + 1, p, (size_t)(stop - p), mode, diag);
			if (err != MEDFW_OK)
				goto fail;
			p = stop + 1;
		}
	}
	err = finish(v, mode, diag);
	if (err != MEDFW_OK)
		goto fail;
	*out = v;
	return MEDFW_OK;
fail:
	medfw_vers_free(v);
	return err;
}

enum medfw_err medfw_vers_to_string(const struct medfw_vers *vers, struct medfw_buf *out,
				    struct medfw_diag *diag)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t start, i, k;
	enum medfw_err err;

	if (vers == NULL || out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no range or output buffer");
	start = out->len;
	err = medfw_buf_append_str(out, "vers:");
	if (err == MEDFW_OK)
		err = medfw_buf_append_str(out, vers->type);
	if (err == MEDFW_OK)
		err = medfw_buf_append_str(out, "/");
	for (i = 0; err == MEDFW_OK && i < vers->constraint_count; i++) {
		const struct medfw_vers_constraint *c = &vers->constraints[i];

		if (i > 0)
			err = medfw_buf_append_str(out, "|");
		if (err == MEDFW_OK)
			err = medfw_buf_append_str(out, medfw_vers_comparator_text(c->comparator));
		for (k = 0; err == MEDFW_OK && c->version != NULL && c->version[k] != '\0'; k++) {
			unsigned char b = (unsigned char)c->version[k];
			char enc[3] = {'%', hex[b >> 4], hex[b & 15]};

			if (b <= 0x20 || b >= 0x7f || vers_reserved((char)b))
				err = medfw_buf_append(out, enc, 3);
			else
				err = medfw_buf_append(out, &c->version[k], 1);
		}
	}
	if (err != MEDFW_OK) {
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
		return medfw_diag_set(diag, err, "vers: the canonical text does not fit");
	}
	return MEDFW_OK;
}

enum medfw_err medfw_vers_contains(const struct medfw_vers *vers, const char *version,
				   enum medfw_vers_result *out, struct medfw_diag *diag)
{
	struct medfw_diag vd;
	size_t i, nbounds = 0, first = 0, last = 0, prev = 0;
	int only_ne = 1;
	enum medfw_err err;

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no output for the result");
	*out = MEDFW_VERS_UNDETERMINED;
	if (vers == NULL || version == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no range or version given");
	if (strcmp(vers->type, "none") == 0) {
		*out = MEDFW_VERS_NOT_AFFECTED;
		return MEDFW_OK;
	}
	if (vers->constraint_count == 1 && vers->constraints[0].comparator == MEDFW_VERS_ANY) {
		*out = MEDFW_VERS_AFFECTED;
		return MEDFW_OK;
	}
	if (vers->scheme == MEDFW_VERSION_SCHEME_UNKNOWN) {
		medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
			       is_reserved_type(vers->type)
				       ? "no version ordering is defined for the reserved VERS "
					 "type: %s"
				       : "no version ordering is known for the VERS type: %s",
			       vers->type);
		return MEDFW_OK;
	}
	if (vers->problems != 0) {
		medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
			       "the range cannot be interpreted: %s",
			       (vers->problems & MEDFW_VERS_PROBLEM_VERSION)
				       ? "a constraint's version is not valid in the type's scheme"
			       : (vers->problems & MEDFW_VERS_PROBLEM_DUPLICATE)
				       ? "a version appears more than once"
				       : "its comparators do not alternate as clause 5.4 requires");
		return MEDFW_OK;
	}
	medfw_diag_clear(&vd);
	err = medfw_version_validate(vers->scheme, version, &vd);
	if (err != MEDFW_OK) {
		medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s", medfw_diag_message(&vd, err));
		return MEDFW_OK;
	}
	for (i = 0; i < vers->constraint_count; i++) {
		const struct medfw_vers_constraint *c = &vers->constraints[i];
		int eq = vcmp(vers->scheme, version, c->version) == 0;

		if (eq && (c->comparator == MEDFW_VERS_EQ || c->comparator == MEDFW_VERS_LE ||
			   c->comparator == MEDFW_VERS_GE)) {
			*out = MEDFW_VERS_AFFECTED;
			return MEDFW_OK;
		}
	}
	for (i = 0; i < vers->constraint_count; i++) {
		const struct medfw_vers_constraint *c = &vers->constraints[i];

		if (c->comparator != MEDFW_VERS_NE) {
			only_ne = 0;
			continue;
		}
		if (vcmp(vers->scheme, version, c->version) == 0) {
			*out = MEDFW_VERS_NOT_AFFECTED;
			return MEDFW_OK;
		}
	}
	if (only_ne) { /* only exclusions: every other version */
		*out = MEDFW_VERS_AFFECTED;
		return MEDFW_OK;
	}
	/* The bounds ('<', '<=', '>', '>='), pairwise in order. */
	for (i = 0; i < vers->constraint_count; i++) {
		enum medfw_vers_comparator kc = vers->constraints[i].comparator;

		if (!is_lower_bound(kc) && !is_upper_bound(kc))
			continue;
		if (nbounds == 0)
			first = i;
		last = i;
		nbounds++;
	}
	*out = MEDFW_VERS_NOT_AFFECTED;
	if (nbounds == 0)
		return MEDFW_OK;
	if (is_upper_bound(vers->constraints[first].comparator) &&
	    vcmp(vers->scheme, version, vers->constraints[first].version) < 0) {
		*out = MEDFW_VERS_AFFECTED;
		return MEDFW_OK;
	}
	if (is_lower_bound(vers->constraints[last].comparator) &&
	    vcmp(vers->scheme, version, vers->constraints[last].version) > 0) {
		*out = MEDFW_VERS_AFFECTED;
		return MEDFW_OK;
	}
	for (i = first; i <= last; i++) {
		enum medfw_vers_comparator kc = vers->constraints[i].comparator;

		if (!is_lower_bound(kc) && !is_upper_bound(kc))
			continue;
		if (i != first && is_lower_bound(vers->constraints[prev].comparator) &&
		    is_upper_bound(kc) &&
		    vcmp(vers->scheme, version, vers->constraints[prev].version) > 0 &&
		    vcmp(vers->scheme, version, vers->constraints[i].version) < 0) {
			*out = MEDFW_VERS_AFFECTED;
			return MEDFW_OK;
		}
		prev = i;
	}
	return MEDFW_OK;
}

enum medfw_err medfw_vers_contains_text(const char *vers_text, const char *version,
					enum medfw_vers_result *out, struct medfw_diag *diag)
{
	struct medfw_vers *v = NULL;
	enum medfw_err err;

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no output for the result");
	*out = MEDFW_VERS_UNDETERMINED;
	if (vers_text == NULL || version == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no range or version given");
	err = medfw_vers_parse(vers_text, MEDFW_VERS_LENIENT, &v, diag);
	if (err == MEDFW_ERR_NOMEM)
		return err;
	if (err != MEDFW_OK)
		return MEDFW_OK; /* unreadable range: undetermined, reason in diag */
	err = medfw_vers_contains(v, version, out, diag);
	medfw_vers_free(v);
	return err;
}
