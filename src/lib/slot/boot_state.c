/* The boot state: slot names, the strict text form, the bootloader's choice, and which
 * slot is running (slot.h). Everything read here is untrusted (fuzz/fuzz_boot_state.c). */
#include <stdio.h>
#include <string.h>

#include "medfw/buf.h"
#include "medfw/num.h"
#include "slot_internal.h"

static const char *const var_names[MEDFWI_BOOT_VAR_COUNT] = {
	"BOOT_ORDER",
	"BOOT_A_LEFT",
	"BOOT_B_LEFT",
	"MEDFW_LAST_GOOD",
};

const char *medfw_slot_name(enum medfw_slot_id slot)
{
	switch (slot) {
	case MEDFW_SLOT_A: return "A";
	case MEDFW_SLOT_B: return "B";
	}
	return "?";
}

enum medfw_err medfw_slot_parse(const char *s, enum medfw_slot_id *out)
{
	*out = MEDFW_SLOT_A;
	if (s == NULL)
		return MEDFW_ERR_FIELD_VALUE;
	if (strcmp(s, "A") == 0)
		return MEDFW_OK;
	if (strcmp(s, "B") == 0) {
		*out = MEDFW_SLOT_B;
		return MEDFW_OK;
	}
	return MEDFW_ERR_FIELD_VALUE;
}

enum medfw_slot_id medfw_slot_other(enum medfw_slot_id slot)
{
	return slot == MEDFW_SLOT_A ? MEDFW_SLOT_B : MEDFW_SLOT_A;
}

void medfw_boot_state_initial(struct medfw_boot_state *out)
{
	memset(out, 0, sizeof(*out));
	out->order[0] = MEDFW_SLOT_A;
	out->order[1] = MEDFW_SLOT_B;
	out->left[MEDFW_SLOT_A] = MEDFW_SLOT_TRIES;
	out->left[MEDFW_SLOT_B] = 0;
	out->last_good = MEDFW_SLOT_A;
}

const char *medfwi_boot_var_name(enum medfwi_boot_var var)
{
	if ((unsigned)var >= MEDFWI_BOOT_VAR_COUNT)
		return "?";
	return var_names[var];
}

int medfwi_boot_var_lookup(const char *name, size_t len)
{
	for (int i = 0; i < MEDFWI_BOOT_VAR_COUNT; i++)
		if (strlen(var_names[i]) == len && memcmp(var_names[i], name, len) == 0)
			return i;
	return -1;
}

static bool slot_valid(enum medfw_slot_id s)
{
	return s == MEDFW_SLOT_A || s == MEDFW_SLOT_B;
}

bool medfwi_boot_state_valid(const struct medfw_boot_state *st)
{
	return slot_valid(st->order[0]) && slot_valid(st->order[1]) &&
	       st->order[0] != st->order[1] && st->left[MEDFW_SLOT_A] <= MEDFW_SLOT_TRIES &&
	       st->left[MEDFW_SLOT_B] <= MEDFW_SLOT_TRIES && slot_valid(st->last_good);
}

void medfwi_boot_var_format(const struct medfw_boot_state *st, enum medfwi_boot_var var,
			    char out[MEDFWI_BOOT_VALUE_MAX])
{
	switch (var) {
	case MEDFWI_BOOT_ORDER:
		out[0] = medfw_slot_name(st->order[0])[0];
		out[1] = ' ';
		out[2] = medfw_slot_name(st->order[1])[0];
		out[3] = 0;
		return;
	case MEDFWI_BOOT_A_LEFT:
	case MEDFWI_BOOT_B_LEFT:
		/* valid states have 0..MEDFW_SLOT_TRIES (< 10) tries: one digit */
		out[0] = (char)('0' + st->left[var == MEDFWI_BOOT_A_LEFT ? MEDFW_SLOT_A : MEDFW_SLOT_B] % 10u);
		out[1] = 0;
		return;
	case MEDFWI_BOOT_LAST_GOOD:
		out[0] = medfw_slot_name(st->last_good)[0];
		out[1] = 0;
		return;
	}
	out[0] = 0;
}

void medfwi_boot_state_line(const struct medfw_boot_state *st, char out[MEDFWI_BOOT_STATE_LINE_MAX])
{
	char v[MEDFWI_BOOT_VAR_COUNT][MEDFWI_BOOT_VALUE_MAX];

	for (int i = 0; i < MEDFWI_BOOT_VAR_COUNT; i++)
		medfwi_boot_var_format(st, (enum medfwi_boot_var)i, v[i]);
	snprintf(out, MEDFWI_BOOT_STATE_LINE_MAX, "%s=%s %s=%s %s=%s %s=%s", var_names[0], v[0],
		 var_names[1], v[1], var_names[2], v[2], var_names[3], v[3]);
}

/* " (line N)" or "" into buf. */
static const char *at_line(unsigned line, char *buf, size_t cap)
{
	if (line == 0)
		buf[0] = 0;
	else
		snprintf(buf, cap, " (line %u)", line);
	return buf;
}

static bool value_is(const char *v, size_t len, const char *want)
{
	return strlen(want) == len && memcmp(v, want, len) == 0;
}

static enum medfw_err decode_slot(const char *v, size_t len, enum medfw_slot_id *out)
{
	if (value_is(v, len, "A")) {
		*out = MEDFW_SLOT_A;
		return MEDFW_OK;
	}
	if (value_is(v, len, "B")) {
		*out = MEDFW_SLOT_B;
		return MEDFW_OK;
	}
	return MEDFW_ERR_FIELD_VALUE;
}

static enum medfw_err decode_tries(const char *v, size_t len, unsigned *out)
{
	char digits[8];
	uint64_t n = 0;

	if (len == 0 || len >= sizeof(digits) || memchr(v, 0, len) != NULL)
		return MEDFW_ERR_FIELD_VALUE;
	memcpy(digits, v, len);
	digits[len] = 0;
	if (medfw_parse_u64(digits, 0, MEDFW_SLOT_TRIES, &n) != MEDFW_OK)
		return MEDFW_ERR_FIELD_VALUE;
	*out = (unsigned)n;
	return MEDFW_OK;
}

enum medfw_err medfwi_boot_vars_decode(const struct medfwi_boot_vars *vars, const char *where,
				       struct medfw_boot_state *out, struct medfw_diag *diag)
{
	struct medfw_boot_state st;
	enum medfw_err err = MEDFW_ERR_FIELD_VALUE;
	char lb[24];
	int i;

	memset(out, 0, sizeof(*out));
	memset(&st, 0, sizeof(st));
	for (i = 0; i < MEDFWI_BOOT_VAR_COUNT; i++)
		if (vars->value[i] == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING, "%s: %s is missing", where,
					      var_names[i]);

	i = MEDFWI_BOOT_ORDER;
	if (value_is(vars->value[i], vars->len[i], "A B")) {
		st.order[0] = MEDFW_SLOT_A;
		st.order[1] = MEDFW_SLOT_B;
	} else if (value_is(vars->value[i], vars->len[i], "B A")) {
		st.order[0] = MEDFW_SLOT_B;
		st.order[1] = MEDFW_SLOT_A;
	} else {
		return medfw_diag_set(diag, err, "%s: %s%s must be \"A B\" or \"B A\"", where,
				      var_names[i], at_line(vars->line[i], lb, sizeof(lb)));
	}
	for (i = MEDFWI_BOOT_A_LEFT; i <= MEDFWI_BOOT_B_LEFT; i++) {
		enum medfw_slot_id s = i == MEDFWI_BOOT_A_LEFT ? MEDFW_SLOT_A : MEDFW_SLOT_B;

		if (decode_tries(vars->value[i], vars->len[i], &st.left[s]) != MEDFW_OK)
			return medfw_diag_set(diag, err,
					      "%s: %s%s must be a decimal number of tries 0..%u",
					      where, var_names[i],
					      at_line(vars->line[i], lb, sizeof(lb)), MEDFW_SLOT_TRIES);
	}
	i = MEDFWI_BOOT_LAST_GOOD;
	if (decode_slot(vars->value[i], vars->len[i], &st.last_good) != MEDFW_OK)
		return medfw_diag_set(diag, err, "%s: %s%s must be \"A\" or \"B\"", where,
				      var_names[i], at_line(vars->line[i], lb, sizeof(lb)));
	*out = st;
	return MEDFW_OK;
}

/* A variable name for a message: echoed only when it is short and plain. */
static void safe_name(const uint8_t *p, size_t n, char *out, size_t cap)
{
	bool plain = n > 0 && n < 33 && n < cap - 2;

	for (size_t i = 0; plain && i < n; i++)
		plain = (p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z') ||
			(p[i] >= '0' && p[i] <= '9') || p[i] == '_' || p[i] == '.' || p[i] == '-';
	if (!plain) {
		snprintf(out, cap, "(not a plain name)");
		return;
	}
	out[0] = '"';
	memcpy(out + 1, p, n);
	out[n + 1] = '"';
	out[n + 2] = 0;
}

enum medfw_err medfwi_boot_state_parse_at(const uint8_t *text, size_t len, const char *where,
					  struct medfw_boot_state *out, struct medfw_diag *diag)
{
	struct medfwi_boot_vars vars;
	enum medfw_err err = MEDFW_ERR_FIELD_VALUE;
	unsigned line = 0;
	size_t off = 0;
	char name[40];

	memset(out, 0, sizeof(*out));
	memset(&vars, 0, sizeof(vars));
	if (len > MEDFW_SLOT_STATE_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: %zu bytes, more than %u", where,
				      len, MEDFW_SLOT_STATE_MAX);
	while (off < len) {
		const uint8_t *start = text + off;
		const uint8_t *nl = memchr(start, '\n', len - off);
		const uint8_t *eq;
		size_t n;
		int var;

		line++;
		if (nl == NULL)
			return medfw_diag_set(diag, err, "%s: line %u does not end with a newline",
					      where, line);
		n = (size_t)(nl - start);
		eq = memchr(start, '=', n);
		if (eq == NULL)
			return medfw_diag_set(diag, err, "%s: line %u is not NAME=value", where, line);
		var = medfwi_boot_var_lookup((const char *)start, (size_t)(eq - start));
		if (var < 0) {
			safe_name(start, (size_t)(eq - start), name, sizeof(name));
			return medfw_diag_set(diag, err, "%s: line %u: unknown variable %s", where, line,
					      name);
		}
		if (vars.value[var] != NULL)
			return medfw_diag_set(diag, err, "%s: line %u: %s given a second time", where,
					      line, var_names[var]);
		vars.value[var] = (const char *)eq + 1;
		vars.len[var] = n - (size_t)(eq - start) - 1;
		vars.line[var] = line;
		off += n + 1;
	}
	return medfwi_boot_vars_decode(&vars, where, out, diag);
}

enum medfw_err medfw_boot_state_parse(const uint8_t *text, size_t len,
				      struct medfw_boot_state *out, struct medfw_diag *diag)
{
	return medfwi_boot_state_parse_at(text, len, "boot state", out, diag);
}

enum medfw_err medfw_boot_state_format(const struct medfw_boot_state *st, char *out,
				       size_t out_cap)
{
	char v[MEDFWI_BOOT_VAR_COUNT][MEDFWI_BOOT_VALUE_MAX];
	int n;

	if (out_cap > 0)
		out[0] = 0;
	if (!medfwi_boot_state_valid(st))
		return MEDFW_ERR_INVALID_ARG;
	for (int i = 0; i < MEDFWI_BOOT_VAR_COUNT; i++)
		medfwi_boot_var_format(st, (enum medfwi_boot_var)i, v[i]);
	n = snprintf(out, out_cap, "%s=%s\n%s=%s\n%s=%s\n%s=%s\n", var_names[0], v[0],
		     var_names[1], v[1], var_names[2], v[2], var_names[3], v[3]);
	if (n < 0 || (size_t)n >= out_cap) {
		if (out_cap > 0)
			memset(out, 0, out_cap);
		return MEDFW_ERR_TOO_LARGE;
	}
	return MEDFW_OK;
}

enum medfw_err medfw_boot_state_select(struct medfw_boot_state *st, enum medfw_slot_id *out)
{
	*out = MEDFW_SLOT_A;
	if (!medfwi_boot_state_valid(st))
		return MEDFW_ERR_INVALID_ARG;
	for (int i = 0; i < MEDFW_SLOT_COUNT; i++) {
		enum medfw_slot_id s = st->order[i];

		if (st->left[s] > 0) {
			st->left[s]--;
			*out = s;
			return MEDFW_OK;
		}
	}
	return MEDFW_ERR_NOT_FOUND;
}

static bool is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

enum medfw_err medfwi_slot_parse_booted(const uint8_t *data, size_t len, const char *where,
					enum medfw_slot_id *out, struct medfw_diag *diag)
{
	static const char key[] = "medfw.slot=";
	const size_t key_len = sizeof(key) - 1;
	bool found = false;
	size_t off = 0;

	*out = MEDFW_SLOT_A;
	if (len > MEDFW_SLOT_STATE_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: %zu bytes, more than %u", where,
				      len, MEDFW_SLOT_STATE_MAX);
	if (memchr(data, 0, len) != NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s: contains a NUL byte", where);
	/* Just the slot's name, as the simulated boot writes it. */
	if ((len == 1 || (len == 2 && data[1] == '\n')) && (data[0] == 'A' || data[0] == 'B')) {
		*out = data[0] == 'A' ? MEDFW_SLOT_A : MEDFW_SLOT_B;
		return MEDFW_OK;
	}
	/* A kernel command line: words split at white space outside double quotes. */
	while (off < len) {
		size_t start, end;
		bool quoted = false;
		enum medfw_slot_id s;

		while (off < len && is_space(data[off]))
			off++;
		if (off == len)
			break;
		start = off;
		while (off < len && (quoted || !is_space(data[off]))) {
			if (data[off] == '"')
				quoted = !quoted;
			off++;
		}
		end = off;
		if (end - start == 2 && data[start] == '-' && data[start + 1] == '-')
			break; /* the rest is init's */
		/* The kernel takes "medfw.slot=A" and medfw.slot="A" as medfw.slot=A. */
		if (end - start >= 2 && data[start] == '"' && data[end - 1] == '"') {
			start++;
			end--;
		}
		if (end - start < key_len || memcmp(data + start, key, key_len) != 0)
			continue;
		start += key_len;
		if (end - start >= 2 && data[start] == '"' && data[end - 1] == '"') {
			start++;
			end--;
		}
		if (decode_slot((const char *)data + start, end - start, &s) != MEDFW_OK) {
			*out = MEDFW_SLOT_A;
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "%s: medfw.slot= must be A or B", where);
		}
		if (found && s != *out) {
			*out = MEDFW_SLOT_A;
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "%s: medfw.slot= given twice with different slots",
					      where);
		}
		found = true;
		*out = s;
	}
	if (!found)
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
				      "%s: neither \"A\"/\"B\" nor a medfw.slot= word", where);
	return MEDFW_OK;
}

enum medfw_err medfw_slot_read_booted(const char *path, enum medfw_slot_id *out,
				      struct medfw_diag *diag)
{
	struct medfw_buf content;
	enum medfw_err err;

	*out = MEDFW_SLOT_A;
	if (path == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "booted_slot_file: not set");
	err = medfw_file_read(path, MEDFW_SLOT_STATE_MAX, &content, diag);
	if (err != MEDFW_OK)
		return err;
	err = medfwi_slot_parse_booted(content.data, content.len, path, out, diag);
	medfw_buf_free(&content);
	return err;
}
