/* Strict `key = value` configuration files from one option table (see config.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/buf.h"
#include "medfw/config.h"
#include "medfw/utf8.h"
#include "medfw/num.h"

/* The parsed form of one value, before it is stored. */
struct value {
	uint64_t u;
	char *str; /* STRING / PATH: owned */
};

const char *medfw_config_type_name(enum medfw_config_type type)
{
	switch (type) {
	case MEDFW_CONFIG_STRING: return "string";
	case MEDFW_CONFIG_PATH: return "path";
	case MEDFW_CONFIG_INT: return "integer";
	case MEDFW_CONFIG_BOOL: return "boolean";
	case MEDFW_CONFIG_DURATION: return "duration";
	case MEDFW_CONFIG_SIZE: return "size";
	case MEDFW_CONFIG_CHOICE: return "choice";
	}
	return "unknown";
}


/* Split "123unit" into the number and the unit (the first non-digit onwards). */
static enum medfw_err number_with_unit(const char *value, const char *const *units,
				       const uint64_t *scales, size_t n_units, uint64_t *out)
{
	char digits[32];
	size_t nd = strspn(value, "0123456789");
	uint64_t n = 0;
	const char *unit = value + nd;

	*out = 0;
	if (nd == 0 || nd >= sizeof(digits))
		return MEDFW_ERR_FIELD_VALUE;
	memcpy(digits, value, nd);
	digits[nd] = 0;
	if (medfw_parse_u64(digits, 0, UINT64_MAX, &n) != MEDFW_OK)
		return MEDFW_ERR_FIELD_VALUE;
	for (size_t i = 0; i < n_units; i++) {
		if (strcmp(unit, units[i]) == 0) {
			if (n != 0 && scales[i] > UINT64_MAX / n)
				return MEDFW_ERR_FIELD_VALUE;
			*out = n * scales[i];
			return MEDFW_OK;
		}
	}
	return MEDFW_ERR_FIELD_VALUE;
}

/* Index of `value` in "a|b|c", or -1. */
static long choice_index(const char *choices, const char *value)
{
	size_t vlen = strlen(value);
	long idx = 0;

	for (const char *p = choices; p != NULL && *p != 0; idx++) {
		size_t n = strcspn(p, "|");

		if (n == vlen && strncmp(p, value, n) == 0)
			return idx;
		p += n;
		if (*p == '|')
			p++;
	}
	return -1;
}

/* Parse `value` as `opt`; `where` prefixes messages ("FILE:LINE: "). */
static enum medfw_err parse_value(const struct medfw_config_option *opt, const char *value,
				  const char *where, struct value *out, struct medfw_diag *diag)
{
	static const char *const dur_units[] = {"", "s", "m", "h", "d"};
	static const uint64_t dur_scales[] = {1, 1, 60, 3600, 86400};
	static const char *const size_units[] = {"", "B", "KiB", "MiB", "GiB"};
	static const uint64_t size_scales[] = {1, 1, 1024, 1024 * 1024, 1024 * 1024 * 1024};
	enum medfw_err err = MEDFW_OK;
	long idx;

	memset(out, 0, sizeof(*out));
	if (opt->type == MEDFW_CONFIG_PATH && value[0] != '/')
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s%s: '%s' is not an absolute path", where, opt->name,
				      value);
	switch (opt->type) {
	case MEDFW_CONFIG_PATH:
	case MEDFW_CONFIG_STRING:
		out->str = strdup(value);
		return out->str == NULL ? medfw_diag_set(diag, MEDFW_ERR_NOMEM, "%sout of memory",
							  where)
					: MEDFW_OK;
	case MEDFW_CONFIG_BOOL:
		if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 ||
		    strcmp(value, "on") == 0)
			out->u = 1;
		else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0 ||
			 strcmp(value, "off") == 0)
			out->u = 0;
		else
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "%s%s: '%s' is not a boolean (true or false)",
					      where, opt->name, value);
		return MEDFW_OK;
	case MEDFW_CONFIG_CHOICE:
		idx = choice_index(opt->choices, value);
		if (idx < 0)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "%s%s: '%s' is not one of %s", where, opt->name,
					      value, opt->choices != NULL ? opt->choices : "");
		out->u = (uint64_t)idx;
		return MEDFW_OK;
	case MEDFW_CONFIG_INT:
		err = medfw_parse_u64(value, 0, UINT64_MAX, &out->u);
		break;
	case MEDFW_CONFIG_DURATION:
		err = number_with_unit(value, dur_units, dur_scales, 5, &out->u);
		break;
	case MEDFW_CONFIG_SIZE:
		err = number_with_unit(value, size_units, size_scales, 5, &out->u);
		break;
	default:
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s%s: bad option type",
				      where, opt->name);
	}
	if (err != MEDFW_OK) {
		out->u = 0;
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s%s: '%s' is not a valid %s%s",
				      where, opt->name, value, medfw_config_type_name(opt->type),
				      opt->type == MEDFW_CONFIG_DURATION
					      ? " (e.g. 30s, 15m, 8h, 2d)"
				      : opt->type == MEDFW_CONFIG_SIZE ? " (e.g. 4096, 64KiB, 1MiB)"
								       : "");
	}
	if (out->u < opt->min || out->u > opt->max) {
		out->u = 0;
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s%s: %s is out of range (%llu..%llu%s)", where, opt->name,
				      value, (unsigned long long)opt->min,
				      (unsigned long long)opt->max,
				      opt->type == MEDFW_CONFIG_DURATION ? " seconds"
				      : opt->type == MEDFW_CONFIG_SIZE   ? " bytes"
									 : "");
	}
	return MEDFW_OK;
}

static void store_value(const struct medfw_config_option *opt, void *out, struct value *v)
{
	uint8_t *field = (uint8_t *)out + opt->offset;
	int b;
	unsigned c;

	switch (opt->type) {
	case MEDFW_CONFIG_STRING:
	case MEDFW_CONFIG_PATH:
		free(*(char **)(void *)field);
		memcpy(field, &v->str, sizeof(char *));
		v->str = NULL;
		break;
	case MEDFW_CONFIG_BOOL:
		b = v->u != 0;
		memcpy(field, &b, sizeof(b));
		break;
	case MEDFW_CONFIG_CHOICE:
		c = (unsigned)v->u;
		memcpy(field, &c, sizeof(c));
		break;
	default:
		memcpy(field, &v->u, sizeof(uint64_t));
		break;
	}
}

enum medfw_err medfw_config_check_value(const struct medfw_config_option *opt,
					const char *value, struct medfw_diag *diag)
{
	struct value v;
	enum medfw_err err;

	if (opt == NULL || value == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "config: no option or value");
	err = parse_value(opt, value, "", &v, diag);
	free(v.str);
	return err;
}

void medfw_config_clear(const struct medfw_config_option *opts, size_t n_opts, void *out,
			size_t out_size)
{
	if (out == NULL)
		return;
	for (size_t i = 0; opts != NULL && i < n_opts; i++) {
		if (opts[i].type == MEDFW_CONFIG_STRING || opts[i].type == MEDFW_CONFIG_PATH) {
			char *s;

			memcpy(&s, (uint8_t *)out + opts[i].offset, sizeof(s));
			free(s);
		}
	}
	memset(out, 0, out_size);
}

static int is_blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* Parse one line (no line end, checked for control bytes and UTF-8) into `out`. */
static enum medfw_err parse_line(const struct medfw_config_option *opts, size_t n_opts,
				 const char *where, char *line, void *out, uint8_t *seen,
				 struct medfw_diag *diag)
{
	char *key, *value, *eq, *end;
	const struct medfw_config_option *opt = NULL;
	struct value v;
	enum medfw_err err;
	size_t i;

	key = line;
	while (is_blank((uint8_t)*key))
		key++;
	if (*key == 0 || *key == '#')
		return MEDFW_OK;
	eq = strchr(key, '=');
	if (eq == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_USAGE,
				      "%sexpected 'key = value' (no '=' on this line)", where);
	end = eq;
	while (end > key && is_blank((uint8_t)end[-1]))
		end--;
	*end = 0;
	if (*key == 0)
		return medfw_diag_set(diag, MEDFW_ERR_USAGE, "%sno key before '='", where);
	if (key[strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789_")] != 0)
		return medfw_diag_set(diag, MEDFW_ERR_USAGE,
				      "%sbad key '%s' (keys are lowercase letters, digits and _)",
				      where, key);
	value = eq + 1;
	while (is_blank((uint8_t)*value))
		value++;
	end = value + strlen(value);
	while (end > value && is_blank((uint8_t)end[-1]))
		end--;
	*end = 0;
	for (i = 0; i < n_opts; i++) {
		if (strcmp(opts[i].name, key) == 0) {
			opt = &opts[i];
			break;
		}
	}
	if (opt == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_USAGE, "%sunknown option '%s'", where, key);
	if (seen[i])
		return medfw_diag_set(diag, MEDFW_ERR_USAGE, "%s%s is set twice", where, key);
	seen[i] = 1;
	if (*value == 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s%s: empty value (leave the line out for the default)",
				      where, key);
	err = parse_value(opt, value, where, &v, diag);
	if (err != MEDFW_OK)
		return err;
	store_value(opt, out, &v);
	return MEDFW_OK;
}

enum medfw_err medfw_config_parse(const struct medfw_config_option *opts, size_t n_opts,
				  const char *name, const uint8_t *text, size_t len, void *out,
				  size_t out_size, struct medfw_diag *diag)
{
	enum medfw_err err = MEDFW_OK;
	uint8_t *seen = NULL;
	char *line = NULL;
	char where[256];
	size_t off = 0, lineno = 0;

	if (opts == NULL || out == NULL || (text == NULL && len != 0))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "config: missing argument");
	if (name == NULL)
		name = "config";
	memset(out, 0, out_size);
	if (len > MEDFW_CONFIG_MAX_BYTES) {
		err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				     "%s: larger than %u bytes", name, MEDFW_CONFIG_MAX_BYTES);
		goto out;
	}
	seen = calloc(n_opts + 1, 1);
	line = malloc(MEDFW_CONFIG_MAX_LINE + 1);
	if (seen == NULL || line == NULL) {
		err = medfw_diag_set(diag, MEDFW_ERR_NOMEM, "%s: out of memory", name);
		goto out;
	}
	/* Defaults first: a bad default is a bug in the table, reported as such. */
	for (size_t i = 0; i < n_opts; i++) {
		struct value v;

		if (opts[i].default_value == NULL)
			continue;
		snprintf(where, sizeof(where), "%s: default of ", name);
		err = parse_value(&opts[i], opts[i].default_value, where, &v, diag);
		if (err != MEDFW_OK)
			goto out;
		store_value(&opts[i], out, &v);
	}
	while (off < len) {
		size_t n = 0;

		lineno++;
		snprintf(where, sizeof(where), "%s:%zu: ", name, lineno);
		while (n < len - off && text[off + n] != '\n') {
			uint8_t c = text[off + n];
			size_t seq = 1;
			uint32_t cp;

			if (c == '\r' && n + 1 < len - off && text[off + n + 1] == '\n') {
				n++;
				continue;
			}
			if ((c < 0x20 && c != '\t') || c == 0x7f) {
				err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						     "%scontrol character 0x%02x in column %zu",
						     where, c, n + 1);
				goto out;
			}
			if (c >= 0x80) {
				seq = medfw_utf8_decode(text + off + n, len - off - n, &cp);
				if (seq == 0) {
					err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
							     "%sinvalid UTF-8 in column %zu",
							     where, n + 1);
					goto out;
				}
			}
			n += seq;
			if (n > MEDFW_CONFIG_MAX_LINE) {
				err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
						     "%sline longer than %u bytes", where,
						     MEDFW_CONFIG_MAX_LINE);
				goto out;
			}
		}
		memcpy(line, text + off, n);
		line[n] = 0;
		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = 0;
		off += n;
		if (off < len)
			off++; /* the '\n' */
		err = parse_line(opts, n_opts, where, line, out, seen, diag);
		if (err != MEDFW_OK)
			goto out;
	}
	for (size_t i = 0; i < n_opts; i++) {
		if ((opts[i].flags & MEDFW_CONFIG_REQUIRED) != 0 && !seen[i]) {
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
					     "%s: required option '%s' is not set", name,
					     opts[i].name);
			goto out;
		}
	}
out:
	if (err != MEDFW_OK)
		medfw_config_clear(opts, n_opts, out, out_size);
	free(seen);
	free(line);
	return err;
}

enum medfw_err medfw_config_load(const struct medfw_config_option *opts, size_t n_opts,
				 const char *path, void *out, size_t out_size,
				 struct medfw_diag *diag)
{
	struct medfw_buf text;
	enum medfw_err err;

	if (out != NULL)
		memset(out, 0, out_size);
	if (path == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "config: no path");
	err = medfw_file_read(path, MEDFW_CONFIG_MAX_BYTES, &text, diag);
	if (err != MEDFW_OK)
		return err;
	err = medfw_config_parse(opts, n_opts, path, text.data, text.len, out, out_size, diag);
	medfw_buf_free(&text);
	return err;
}
