/* Package URL: parse, build, canonical text, comparison (include/medfw/purl.h). */
#include "medfw/purl.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/utf8.h"
#include "vuln/purl_int.h"
#include "vuln/version_int.h"

#define COMPONENT_MAX MEDFW_PURL_MAX_LEN

void medfw_purl_free(struct medfw_purl *purl)
{
	size_t i;

	if (purl == NULL)
		return;
	for (i = 0; i < purl->qualifier_count; i++) {
		free(purl->qualifiers[i].key);
		free(purl->qualifiers[i].value);
	}
	free(purl->qualifiers);
	free(purl->type);
	free(purl->namespace_);
	free(purl->name);
	free(purl->version);
	free(purl->subpath);
	free(purl);
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

static char *dup_range(const char *s, size_t len)
{
	char *p = malloc(len + 1);

	if (p == NULL)
		return NULL;
	if (len > 0)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* A decoded component must be UTF-8 text without NUL. */
static enum medfw_err check_text(const char *s, size_t len, const char *what,
				 struct medfw_diag *diag)
{
	if (memchr(s, '\0', len) != NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "purl: the %s contains NUL", what);
	if (!medfw_utf8_valid((const uint8_t *)s, len))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "purl: the %s is not valid UTF-8 once percent-decoded", what);
	return MEDFW_OK;
}

/* Percent-decode s[0..len) into a new string. */
static enum medfw_err decode(const char *s, size_t len, const char *what, char **out,
			     struct medfw_diag *diag)
{
	char *p;
	size_t i, o = 0;
	enum medfw_err err;

	*out = NULL;
	p = malloc(len + 1);
	if (p == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	for (i = 0; i < len; i++) {
		if (s[i] == '%') {
			int hi, lo;

			if (len - i < 3 || (hi = hex_value(s[i + 1])) < 0 ||
			    (lo = hex_value(s[i + 2])) < 0) {
				free(p);
				return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						      "purl: invalid percent-encoding in the %s", what);
			}
			p[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			p[o++] = s[i];
		}
	}
	p[o] = '\0';
	err = check_text(p, o, what, diag);
	if (err != MEDFW_OK) {
		free(p);
		return err;
	}
	*out = p;
	return MEDFW_OK;
}

static const char *last_of(const char *s, const char *e, char c)
{
	while (e > s) {
		e--;
		if (*e == c)
			return e;
	}
	return NULL;
}

static void lower_ascii(char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		*s = medfwi_to_lower(*s);
}

static void upper_ascii(char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (medfwi_is_lower(*s))
			*s = (char)(*s - 'a' + 'A');
}

/* Join the non-empty (and for a subpath, not "." or "..") '/'-separated segments of
 * already decoded text; NULL result when none is left. `sep_in_segment` is an error
 * message for a decoded segment containing '/' when the input is raw text. */
struct seg_list {
	struct medfw_buf buf;
	size_t count;
};

static enum medfw_err seg_add(struct seg_list *l, const char *seg, struct medfw_diag *diag)
{
	enum medfw_err err = MEDFW_OK;

	if (l->count > 0)
		err = medfw_buf_append_str(&l->buf, "/");
	if (err == MEDFW_OK)
		err = medfw_buf_append_str(&l->buf, seg);
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, "purl: a component is too long");
	l->count++;
	return MEDFW_OK;
}

static char *seg_take(struct seg_list *l)
{
	size_t n;
	char *p;

	if (l->count == 0) {
		medfw_buf_free(&l->buf);
		return NULL;
	}
	p = (char *)medfw_buf_steal(&l->buf, &n);
	return p;
}

/* Split raw text on '/', percent-decode each segment, drop empty ones (and "." and
 * ".." when `is_subpath`); a decoded segment may not contain '/'. */
static enum medfw_err split_raw(const char *s, const char *e, int is_subpath, const char *what,
				char **out, struct medfw_diag *diag)
{
	struct seg_list l;
	enum medfw_err err = MEDFW_OK;

	*out = NULL;
	medfw_buf_init(&l.buf, COMPONENT_MAX);
	l.count = 0;
	while (s < e && err == MEDFW_OK) {
		const char *slash = memchr(s, '/', (size_t)(e - s));
		const char *end = slash != NULL ? slash : e;
		char *seg = NULL;

		if (end > s) {
			err = decode(s, (size_t)(end - s), what, &seg, diag);
			if (err == MEDFW_OK && strchr(seg, '/') != NULL)
				err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						     "purl: a %s segment contains an encoded '/'",
						     what);
			if (err == MEDFW_OK && seg[0] != '\0' &&
			    !(is_subpath && (strcmp(seg, ".") == 0 || strcmp(seg, "..") == 0)))
				err = seg_add(&l, seg, diag);
			free(seg);
		}
		s = end + (slash != NULL ? 1 : 0);
		if (slash == NULL)
			break;
	}
	if (err != MEDFW_OK) {
		medfw_buf_free(&l.buf);
		return err;
	}
	*out = seg_take(&l);
	return MEDFW_OK;
}

/* The same for decoded text (build): segments are separated by '/'. */
static enum medfw_err split_decoded(const char *s, int is_subpath, const char *what,
				    char **out, struct medfw_diag *diag)
{
	struct seg_list l;
	enum medfw_err err = MEDFW_OK;
	size_t len;

	*out = NULL;
	if (s == NULL)
		return MEDFW_OK;
	len = strnlen(s, COMPONENT_MAX + 1);
	if (len > COMPONENT_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "purl: the %s is too long", what);
	err = check_text(s, len, what, diag);
	if (err != MEDFW_OK)
		return err;
	medfw_buf_init(&l.buf, COMPONENT_MAX);
	l.count = 0;
	while (*s != '\0' && err == MEDFW_OK) {
		size_t n = strcspn(s, "/");
		char *seg = dup_range(s, n);

		if (seg == NULL) {
			err = medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
			break;
		}
		if (seg[0] != '\0' &&
		    !(is_subpath && (strcmp(seg, ".") == 0 || strcmp(seg, "..") == 0)))
			err = seg_add(&l, seg, diag);
		free(seg);
		s += n;
		if (*s == '/')
			s++;
	}
	if (err != MEDFW_OK) {
		medfw_buf_free(&l.buf);
		return err;
	}
	*out = seg_take(&l);
	return MEDFW_OK;
}

static enum medfw_err check_type(char *type, struct medfw_diag *diag)
{
	size_t i;

	if (type[0] == '\0')
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "purl: the type is required");
	if (!medfwi_is_alpha(type[0]))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "purl: the type must start with an ASCII letter");
	for (i = 0; type[i] != '\0'; i++)
		if (!medfwi_is_alnum(type[i]) && type[i] != '.' && type[i] != '-')
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "purl: the type may only contain ASCII letters, "
					      "digits, '.' and '-'");
	lower_ascii(type);
	return MEDFW_OK;
}

/* A qualifier key: lowercase ASCII letters, digits, '.', '-', '_', starting with a
 * letter; uppercase is an error in strict mode and lowercased in lenient mode. */
static enum medfw_err check_key(char *key, enum medfw_purl_mode mode, struct medfw_diag *diag)
{
	size_t i;

	if (key[0] == '\0')
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "purl: a qualifier key is empty");
	for (i = 0; key[i] != '\0'; i++) {
		char c = key[i];

		if (medfwi_is_upper(c)) {
			if (mode == MEDFW_PURL_STRICT)
				return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						      "purl: the qualifier key \"%.64s\" must be "
						      "lowercase",
						      key);
			key[i] = medfwi_to_lower(c);
		} else if (!medfwi_is_alnum(c) && c != '.' && c != '-' && c != '_') {
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "purl: a qualifier key may only contain ASCII letters, "
					      "digits, '.', '-' and '_'");
		}
	}
	if (!medfwi_is_alpha(key[0]))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "purl: a qualifier key must start with an ASCII letter");
	return MEDFW_OK;
}

/* Add a qualifier (taking ownership of key and value); empty values are dropped. */
static enum medfw_err add_qualifier(struct medfw_purl *p, char *key, char *value,
				    enum medfw_purl_mode mode, struct medfw_diag *diag)
{
	enum medfw_err err = check_key(key, mode, diag);
	size_t i;

	if (err != MEDFW_OK)
		goto fail;
	for (i = 0; i < p->qualifier_count; i++) {
		if (strcmp(p->qualifiers[i].key, key) == 0) {
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					     "purl: the qualifier key \"%.64s\" appears twice", key);
			goto fail;
		}
	}
	if (value[0] == '\0') {
		free(key);
		free(value);
		return MEDFW_OK;
	}
	if (p->qualifier_count == MEDFW_PURL_MAX_QUALIFIERS) {
		err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "purl: more than %u qualifiers",
				     MEDFW_PURL_MAX_QUALIFIERS);
		goto fail;
	}
	/* insertion in key order */
	for (i = p->qualifier_count; i > 0 && strcmp(p->qualifiers[i - 1].key, key) > 0; i--)
		p->qualifiers[i] = p->qualifiers[i - 1];
	p->qualifiers[i].key = key;
	p->qualifiers[i].value = value;
	p->qualifier_count++;
	return MEDFW_OK;
fail:
	free(key);
	free(value);
	return err;
}

const char *medfw_purl_qualifier(const struct medfw_purl *purl, const char *key)
{
	size_t i;

	if (purl == NULL || key == NULL)
		return NULL;
	for (i = 0; i < purl->qualifier_count; i++)
		if (strcmp(purl->qualifiers[i].key, key) == 0)
			return purl->qualifiers[i].value;
	return NULL;
}

/* mlflow: Databricks model names are case-insensitive (lowercased); others keep
 * their case. */
static int is_databricks(const char *url)
{
	static const char suffix[] = "azuredatabricks.net";
	const char *host, *end;
	size_t n, k, sl = sizeof(suffix) - 1;

	if (url == NULL)
		return 0;
	host = strstr(url, "://");
	host = host != NULL ? host + 3 : url;
	end = host + strcspn(host, "/:?#");
	n = (size_t)(end - host);
	if (n < sl)
		return 0;
	for (k = 0; k < sl; k++)
		if (medfwi_to_lower(host[n - sl + k]) != suffix[k])
			return 0;
	return n == sl || host[n - sl - 1] == '.';
}

/* The registered type's rules. */
static enum medfw_err apply_type_rules(struct medfw_purl *p, struct medfw_diag *diag)
{
	const struct medfwi_purl_type *t = medfwi_purl_type_find(p->type);
	size_t i;

	if (p->name == NULL || p->name[0] == '\0')
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "purl: the name is required");
	if (t == NULL)
		return MEDFW_OK;
	if (t->ns == MEDFWI_NS_REQUIRED && p->namespace_ == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "purl: the type '%s' requires a namespace", p->type);
	if (t->ns == MEDFWI_NS_PROHIBITED && p->namespace_ != NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "purl: the type '%s' does not allow a namespace", p->type);
	if (t->flags & MEDFWI_PURL_NS_LOWER)
		lower_ascii(p->namespace_);
	if (t->flags & MEDFWI_PURL_NS_UPPER)
		upper_ascii(p->namespace_);
	if (t->flags & MEDFWI_PURL_NAME_LOWER)
		lower_ascii(p->name);
	if (t->flags & MEDFWI_PURL_VERSION_LOWER)
		lower_ascii(p->version);
	if (t->flags & MEDFWI_PURL_SUBPATH_LOWER)
		lower_ascii(p->subpath);
	switch (t->special) {
	case MEDFWI_PURL_SP_PYPI: { /* PEP 503: runs of '-', '_', '.' become one '-' */
		size_t o = 0;

		for (i = 0; p->name[i] != '\0'; i++) {
			if (medfwi_in_set(p->name[i], "-_.")) {
				if (o == 0 || p->name[o - 1] != '-')
					p->name[o++] = '-';
			} else {
				p->name[o++] = p->name[i];
			}
		}
		p->name[o] = '\0';
		break;
	}
	case MEDFWI_PURL_SP_MLFLOW:
		if (is_databricks(medfw_purl_qualifier(p, "repository_url")))
			lower_ascii(p->name);
		break;
	case MEDFWI_PURL_SP_CPAN:
		if (strstr(p->name, "::") != NULL)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "purl: a cpan name is a distribution name, without "
					      "\"::\"");
		break;
	case MEDFWI_PURL_SP_CHROME:
		if (strlen(p->name) != 32 || strspn(p->name, "abcdefghijklmnop") != 32)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "purl: a chrome-extension name is 32 letters a-p");
		if (p->version != NULL) {
			const char *v = p->version;
			int parts = 0;

			for (;;) {
				size_t d = strspn(v, "0123456789");

				if (d == 0 || ++parts > 4)
					break;
				v += d;
				if (*v != '.')
					break;
				v++;
			}
			if (*v != '\0' || parts == 0 || parts > 4)
				return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						      "purl: a chrome-extension version is one to "
						      "four dot-separated numbers");
		}
		break;
	case MEDFWI_PURL_SP_PUB:
		if (strspn(p->name, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(p->name))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "purl: a pub name may only contain a-z, 0-9 and '_'");
		break;
	case MEDFWI_PURL_SP_SWID:
		if (p->namespace_ != NULL) {
			const char *slash = strchr(p->namespace_, '/');

			if (slash != NULL && strchr(slash + 1, '/') != NULL)
				return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						      "purl: a swid namespace has at most two "
						      "segments (creator name and regid)");
		}
		break;
	case MEDFWI_PURL_SP_NONE:
	default:
		break;
	}
	if (t->required_qualifier != NULL && medfw_purl_qualifier(p, t->required_qualifier) == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "purl: the type '%s' requires the qualifier '%s'", p->type,
				      t->required_qualifier);
	return MEDFW_OK;
}

static struct medfw_purl *purl_alloc(void)
{
	struct medfw_purl *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->qualifiers = calloc(MEDFW_PURL_MAX_QUALIFIERS, sizeof(*p->qualifiers));
	if (p->qualifiers == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

static enum medfw_err parse_qualifiers(struct medfw_purl *p, const char *s, const char *e,
				       enum medfw_purl_mode mode, struct medfw_diag *diag)
{
	while (s < e) {
		const char *amp = memchr(s, '&', (size_t)(e - s));
		const char *end = amp != NULL ? amp : e;
		const char *eq = memchr(s, '=', (size_t)(end - s));
		char *key = NULL, *value = NULL;
		enum medfw_err err;

		if (end > s) {
			if (eq == NULL)
				return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						      "purl: a qualifier is not of the form "
						      "key=value");
			key = dup_range(s, (size_t)(eq - s));
			if (key == NULL)
				return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
			err = decode(eq + 1, (size_t)(end - eq - 1), "qualifier value", &value, diag);
			if (err != MEDFW_OK) {
				free(key);
				return err;
			}
			err = add_qualifier(p, key, value, mode, diag);
			if (err != MEDFW_OK)
				return err;
		}
		s = end + 1;
		if (amp == NULL)
			break;
	}
	return MEDFW_OK;
}

enum medfw_err medfw_purl_parse(const char *text, enum medfw_purl_mode mode,
				struct medfw_purl **out, struct medfw_diag *diag)
{
	struct medfw_purl *p = NULL;
	const char *s, *e, *hash, *q, *colon, *slash, *at, *rest;
	const struct medfwi_purl_type *t;
	size_t len, i;
	enum medfw_err err;

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no output for the purl");
	*out = NULL;
	if (text == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no purl given");
	len = strnlen(text, MEDFW_PURL_MAX_LEN + 1);
	if (len > MEDFW_PURL_MAX_LEN)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "purl: longer than %u bytes",
				      MEDFW_PURL_MAX_LEN);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c <= 0x20 || c >= 0x7f)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "purl: whitespace, control or non-ASCII character at "
					      "offset %zu (percent-encode it)",
					      i);
	}
	p = purl_alloc();
	if (p == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	s = text;
	e = text + len;
	hash = last_of(s, e, '#');
	if (hash != NULL) {
		err = split_raw(hash + 1, e, 1, "subpath", &p->subpath, diag);
		if (err != MEDFW_OK)
			goto fail;
		e = hash;
	}
	q = last_of(s, e, '?');
	if (q != NULL) {
		err = parse_qualifiers(p, q + 1, e, mode, diag);
		if (err != MEDFW_OK)
			goto fail;
		e = q;
	}
	colon = memchr(s, ':', (size_t)(e - s));
	if (colon == NULL || colon - s != 3 || medfwi_to_lower(s[0]) != 'p' ||
	    medfwi_to_lower(s[1]) != 'k' || medfwi_to_lower(s[2]) != 'g') {
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				     "purl: does not start with the scheme 'pkg:'");
		goto fail;
	}
	s = colon + 1;
	while (s < e && *s == '/')
		s++;
	slash = memchr(s, '/', (size_t)(e - s));
	p->type = dup_range(s, (size_t)((slash != NULL ? slash : e) - s));
	if (p->type == NULL) {
		err = medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
		goto fail;
	}
	err = check_type(p->type, diag);
	if (err != MEDFW_OK)
		goto fail;
	t = medfwi_purl_type_find(p->type);
	rest = slash != NULL ? slash + 1 : e;
	/* version */
	if (mode == MEDFW_PURL_STRICT) {
		at = last_of(rest, e, '@');
	} else {
		const char *end = e, *seg;

		while (end > rest && end[-1] == '/')
			end--;
		seg = last_of(rest, end, '/');
		at = last_of(seg != NULL ? seg + 1 : rest, end, '@');
		if (at != NULL)
			e = end;
	}
	if (at != NULL) {
		if (at > rest && at[-1] == '/') {
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					     "purl: the name is empty (a '/' right before '@')");
			goto fail;
		}
		if (e > at + 1) {
			err = decode(at + 1, (size_t)(e - at - 1), "version", &p->version, diag);
			if (err != MEDFW_OK)
				goto fail;
		}
		e = at;
	}
	while (e > rest && e[-1] == '/')
		e--;
	if (t != NULL && (t->flags & MEDFWI_PURL_NAME_PATH)) {
		/* namespace = the first segment, name = the others */
		const char *first = rest;

		while (first < e && *first == '/')
			first++;
		slash = memchr(first, '/', (size_t)(e - first));
		if (slash == NULL) {
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					     "purl: the type '%s' needs a namespace and a name",
					     p->type);
			goto fail;
		}
		err = split_raw(first, slash, 0, "namespace", &p->namespace_, diag);
		if (err == MEDFW_OK)
			err = split_raw(slash + 1, e, 0, "name", &p->name, diag);
	} else {
		slash = last_of(rest, e, '/');
		if (slash != NULL)
			err = split_raw(rest, slash, 0, "namespace", &p->namespace_, diag);
		if (err == MEDFW_OK) {
			const char *nm = slash != NULL ? slash + 1 : rest;

			err = decode(nm, (size_t)(e - nm), "name", &p->name, diag);
		}
	}
	if (err != MEDFW_OK)
		goto fail;
	err = apply_type_rules(p, diag);
	if (err != MEDFW_OK)
		goto fail;
	*out = p;
	return MEDFW_OK;
fail:
	medfw_purl_free(p);
	return err;
}

static enum medfw_err dup_checked(const char *s, const char *what, char **out,
				  struct medfw_diag *diag)
{
	size_t len;
	enum medfw_err err;

	*out = NULL;
	if (s == NULL || s[0] == '\0')
		return MEDFW_OK;
	len = strnlen(s, COMPONENT_MAX + 1);
	if (len > COMPONENT_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "purl: the %s is too long", what);
	err = check_text(s, len, what, diag);
	if (err != MEDFW_OK)
		return err;
	*out = dup_range(s, len);
	if (*out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	return MEDFW_OK;
}

enum medfw_err medfw_purl_build(const struct medfw_purl_parts *parts, enum medfw_purl_mode mode,
				struct medfw_purl **out, struct medfw_diag *diag)
{
	struct medfw_purl *p = NULL;
	const struct medfwi_purl_type *t;
	enum medfw_err err;
	size_t i;

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no output for the purl");
	*out = NULL;
	if (parts == NULL || (parts->qualifiers == NULL && parts->qualifier_count > 0))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no purl components given");
	if (parts->type == NULL || parts->type[0] == '\0')
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "purl: the type is required");
	if (parts->name == NULL || parts->name[0] == '\0')
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "purl: the name is required");
	if (parts->qualifier_count > MEDFW_PURL_MAX_QUALIFIERS)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "purl: more than %u qualifiers",
				      MEDFW_PURL_MAX_QUALIFIERS);
	p = purl_alloc();
	if (p == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	err = dup_checked(parts->type, "type", &p->type, diag);
	if (err == MEDFW_OK)
		err = check_type(p->type, diag);
	if (err != MEDFW_OK)
		goto fail;
	t = medfwi_purl_type_find(p->type);
	err = split_decoded(parts->namespace_, 0, "namespace", &p->namespace_, diag);
	if (err == MEDFW_OK) {
		if (t != NULL && (t->flags & MEDFWI_PURL_NAME_PATH))
			err = split_decoded(parts->name, 0, "name", &p->name, diag);
		else
			err = dup_checked(parts->name, "name", &p->name, diag);
	}
	if (err == MEDFW_OK)
		err = dup_checked(parts->version, "version", &p->version, diag);
	if (err == MEDFW_OK)
		err = split_decoded(parts->subpath, 1, "subpath", &p->subpath, diag);
	for (i = 0; err == MEDFW_OK && i < parts->qualifier_count; i++) {
		const struct medfw_purl_qualifier_in *qi = &parts->qualifiers[i];
		char *key = NULL, *value = NULL;

		if (qi->key == NULL) {
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					     "purl: a qualifier has no key");
			break;
		}
		if (qi->value == NULL || qi->value[0] == '\0')
			continue;
		err = dup_checked(qi->key, "qualifier key", &key, diag);
		if (err == MEDFW_OK && key == NULL)
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					     "purl: a qualifier key is empty");
		if (err == MEDFW_OK)
			err = dup_checked(qi->value, "qualifier value", &value, diag);
		if (err != MEDFW_OK) {
			free(key);
			break;
		}
		err = add_qualifier(p, key, value, mode, diag);
	}
	if (err == MEDFW_OK)
		err = apply_type_rules(p, diag);
	if (err != MEDFW_OK)
		goto fail;
	*out = p;
	return MEDFW_OK;
fail:
	medfw_purl_free(p);
	return err;
}

/* Percent-encode all but ASCII letters, digits, ". - _ ~" and ':'; '/' too unless
 * `keep_slash` (segment separators of namespace, git names and subpaths). */
static enum medfw_err encode(struct medfw_buf *out, const char *s, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	enum medfw_err err = MEDFW_OK;

	for (; err == MEDFW_OK && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (medfwi_is_alnum((char)c) || medfwi_in_set((char)c, ".-_~:") ||
		    (keep_slash && c == '/')) {
			err = medfw_buf_append(out, s, 1);
		} else {
			char enc[3] = {'%', hex[c >> 4], hex[c & 15]};

			err = medfw_buf_append(out, enc, 3);
		}
	}
	return err;
}

enum medfw_err medfw_purl_to_string(const struct medfw_purl *purl, struct medfw_buf *out,
				    struct medfw_diag *diag)
{
	size_t start, i;
	enum medfw_err err;

	if (purl == NULL || out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no purl or output buffer");
	start = out->len;
	err = medfw_buf_append_str(out, "pkg:");
	if (err == MEDFW_OK)
		err = medfw_buf_append_str(out, purl->type);
	if (err == MEDFW_OK)
		err = medfw_buf_append_str(out, "/");
	if (err == MEDFW_OK && purl->namespace_ != NULL) {
		err = encode(out, purl->namespace_, 1);
		if (err == MEDFW_OK)
			err = medfw_buf_append_str(out, "/");
	}
	if (err == MEDFW_OK) {
		const struct medfwi_purl_type *t = medfwi_purl_type_find(purl->type);

		err = encode(out, purl->name, t != NULL && (t->flags & MEDFWI_PURL_NAME_PATH));
	}
	if (err == MEDFW_OK && purl->version != NULL) {
		err = medfw_buf_append_str(out, "@");
		if (err == MEDFW_OK)
			err = encode(out, purl->version, 0);
	}
	for (i = 0; err == MEDFW_OK && i < purl->qualifier_count; i++) {
		err = medfw_buf_append_str(out, i == 0 ? "?" : "&");
		if (err == MEDFW_OK)
			err = medfw_buf_append_str(out, purl->qualifiers[i].key);
		if (err == MEDFW_OK)
			err = medfw_buf_append_str(out, "=");
		if (err == MEDFW_OK)
			err = encode(out, purl->qualifiers[i].value, 0);
	}
	if (err == MEDFW_OK && purl->subpath != NULL) {
		err = medfw_buf_append_str(out, "#");
		if (err == MEDFW_OK)
			err = encode(out, purl->subpath, 1);
	}
	if (err != MEDFW_OK) {
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
		return medfw_diag_set(diag, err, "purl: the canonical text does not fit");
	}
	return MEDFW_OK;
}

static int str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

int medfw_purl_same_package(const struct medfw_purl *a, const struct medfw_purl *b)
{
	if (a == NULL || b == NULL)
		return 0;
	return str_eq(a->type, b->type) && str_eq(a->namespace_, b->namespace_) &&
	       str_eq(a->name, b->name);
}

int medfw_purl_equal(const struct medfw_purl *a, const struct medfw_purl *b)
{
	size_t i;

	if (!medfw_purl_same_package(a, b) || !str_eq(a->version, b->version) ||
	    !str_eq(a->subpath, b->subpath) || a->qualifier_count != b->qualifier_count)
		return 0;
	for (i = 0; i < a->qualifier_count; i++)
		if (!str_eq(a->qualifiers[i].key, b->qualifiers[i].key) ||
		    !str_eq(a->qualifiers[i].value, b->qualifiers[i].value))
			return 0;
	return 1;
}

enum medfw_version_scheme medfw_purl_version_scheme(const char *type)
{
	const struct medfwi_purl_type *t = medfwi_purl_type_find(type);

	return t != NULL ? t->scheme : MEDFW_VERSION_SCHEME_UNKNOWN;
}

const char *medfw_purl_match_name(enum medfw_purl_match match)
{
	switch (match) {
	case MEDFW_PURL_MATCH:
		return "match";
	case MEDFW_PURL_NO_MATCH:
		return "no_match";
	case MEDFW_PURL_MATCH_UNDETERMINED:
	default:
		return "undetermined";
	}
}

/* The version to compare: rpm carries the epoch in a qualifier. */
static const char *effective_version(const struct medfw_purl *p, char *buf, size_t cap)
{
	const char *epoch = medfw_purl_qualifier(p, "epoch");
	size_t el, vl;

	if (strcmp(p->type, "rpm") != 0 || epoch == NULL || strchr(p->version, ':') != NULL)
		return p->version;
	el = strlen(epoch);
	vl = strlen(p->version);
	if (el + vl + 2 > cap)
		return p->version;
	memcpy(buf, epoch, el);
	buf[el] = ':';
	memcpy(buf + el + 1, p->version, vl + 1);
	return buf;
}

enum medfw_err medfw_purl_match(const struct medfw_purl *affected,
				const struct medfw_purl *component, enum medfw_purl_match *out,
				struct medfw_diag *diag)
{
	const struct medfwi_purl_type *t;
	const char *missing = NULL, *av, *cv;
	char abuf[2 * MEDFW_VERSION_MAX_LEN], cbuf[2 * MEDFW_VERSION_MAX_LEN];
	enum medfw_version_scheme scheme;
	size_t i, k;
	int c = 0;

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no output for the match");
	*out = MEDFW_PURL_MATCH_UNDETERMINED;
	if (affected == NULL || component == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no purls to match");
	*out = MEDFW_PURL_NO_MATCH;
	if (!medfw_purl_same_package(affected, component))
		return MEDFW_OK;
	if (affected->subpath != NULL && component->subpath != NULL &&
	    strcmp(affected->subpath, component->subpath) != 0)
		return MEDFW_OK;
	t = medfwi_purl_type_find(affected->type);
	for (i = 0; i < affected->qualifier_count; i++) {
		const char *key = affected->qualifiers[i].key;
		const char *have = medfw_purl_qualifier(component, key);

		if (strcmp(affected->type, "rpm") == 0 && strcmp(key, "epoch") == 0)
			continue; /* part of the version, compared there */
		for (k = 0; have == NULL && t != NULL && k < 2; k++)
			if (t->defaults[k].key != NULL && strcmp(t->defaults[k].key, key) == 0)
				have = t->defaults[k].value;
		if (have == NULL) {
			if (missing == NULL)
				missing = key;
			continue;
		}
		if (strcmp(have, affected->qualifiers[i].value) != 0)
			return MEDFW_OK;
	}
	if (affected->version != NULL) {
		if (component->version == NULL) {
			*out = MEDFW_PURL_MATCH_UNDETERMINED;
			medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				       "purl: the component has no version to compare");
			return MEDFW_OK;
		}
		av = effective_version(affected, abuf, sizeof(abuf));
		cv = effective_version(component, cbuf, sizeof(cbuf));
		scheme = t != NULL ? t->scheme : MEDFW_VERSION_SCHEME_UNKNOWN;
		if (strcmp(av, cv) != 0) {
			struct medfw_diag vd;

			medfw_diag_clear(&vd);
			if (scheme == MEDFW_VERSION_SCHEME_UNKNOWN ||
			    medfw_version_compare(scheme, av, cv, &c, &vd) != MEDFW_OK) {
				*out = MEDFW_PURL_MATCH_UNDETERMINED;
				medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					       "purl: the versions differ and cannot be compared: %s",
					       scheme == MEDFW_VERSION_SCHEME_UNKNOWN
						       ? "no version scheme is known for the type"
						       : medfw_diag_message(&vd, vd.err));
				return MEDFW_OK;
			}
			if (c != 0)
				return MEDFW_OK; /* another version */
		}
	}
	if (missing != NULL) {
		*out = MEDFW_PURL_MATCH_UNDETERMINED;
		medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
			       "purl: the component does not say its qualifier '%.64s'", missing);
		return MEDFW_OK;
	}
	*out = MEDFW_PURL_MATCH;
	return MEDFW_OK;
}
