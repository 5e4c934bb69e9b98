/* libFuzzer target: maintenance window JSON (rules, blackouts, dates) read through the
 * project's bounded JSON parser, and the schedule built from what was accepted.
 *
 * The input is one JSON value or an array of them. Each value is tried as a rule and
 * as a blackout: a rejection leaves a zeroed output and a message; an accepted value
 * must survive to_json -> from_json unchanged. Accepted rules and blackouts then form
 * schedules in UTC and in a zone with DST whose answers must be consistent. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "medfw/json.h"
#include "medfw/tz.h"
#include "medfw/window.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RULES 8
#define MAX_BLACKOUTS 4

static int all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

/* A footer-only TZif file (version 2) with the EU rule for Central Europe. */
static struct medfw_tz *berlin_like(void)
{
	static const char footer[] = "\nCET-1CEST,M3.5.0,M10.5.0/3\n";
	uint8_t file[2 * 44 + 2 * 7 + sizeof(footer)];
	struct medfw_tz *tz = NULL;
	size_t off = 0;
	int h;

	memset(file, 0, sizeof(file));
	for (h = 0; h < 2; h++) {
		memcpy(file + off, "TZif2", 5);
		file[off + 39] = 1; /* typecnt */
		file[off + 43] = 1; /* charcnt */
		off += 44 + 7;      /* one ttinfo (UTC) and one NUL designation */
	}
	memcpy(file + off, footer, sizeof(footer) - 1);
	off += sizeof(footer) - 1;
	if (medfw_tz_parse(file, off, "Europe/Berlin", &tz, NULL) != MEDFW_OK)
		abort();
	return tz;
}

static void check_schedule(const struct medfw_window_schedule *s)
{
	static const int64_t nows[] = {0, 1774746000 - 86400, 1792890000 - 3600, 2216250000};
	size_t i;

	for (i = 0; i < sizeof(nows) / sizeof(nows[0]); i++) {
		struct medfw_diag d;
		int64_t a = -1, b = -1;
		enum medfw_err err;

		medfw_diag_clear(&d);
		err = medfw_window_next(s, nows[i], &a, &b, &d);
		if (err == MEDFW_OK) {
			if (!(a < b && b > nows[i]) ||
			    medfw_window_open(s, nows[i]) != (a <= nows[i]) ||
			    !medfw_window_open(s, a > nows[i] ? a : nows[i]) ||
			    (b - a < 86400 &&
			     b < nows[i] + (MEDFW_WINDOW_HORIZON_DAYS - 2) * 86400 &&
			     medfw_window_open(s, b)))
				abort();
		} else if (err != MEDFW_ERR_NOT_FOUND || a != 0 || b != 0 || d.msg[0] == '\0') {
			abort();
		}
	}
}

static void try_value(const json_t *v, struct medfw_window_rule *rules, size_t *n_rules,
		      struct medfw_blackout *bos, size_t *n_bos)
{
	struct medfw_window_rule r, r2;
	struct medfw_blackout b, b2;
	struct medfw_diag d;
	json_t *out;

	medfw_diag_clear(&d);
	if (medfw_window_rule_from_json(v, &r, &d) == MEDFW_OK) {
		out = medfw_window_rule_to_json(&r);
		if (out == NULL || medfw_window_rule_from_json(out, &r2, NULL) != MEDFW_OK ||
		    memcmp(&r, &r2, sizeof(r)) != 0)
			abort();
		json_decref(out);
		if (*n_rules < MAX_RULES)
			rules[(*n_rules)++] = r;
	} else if (!all_zero(&r, sizeof(r)) || strncmp(d.msg, "window rule: ", 13) != 0) {
		abort();
	}
	medfw_diag_clear(&d);
	if (medfw_blackout_from_json(v, &b, &d) == MEDFW_OK) {
		out = medfw_blackout_to_json(&b);
		if (out == NULL || medfw_blackout_from_json(out, &b2, NULL) != MEDFW_OK ||
		    memcmp(&b, &b2, sizeof(b)) != 0)
			abort();
		json_decref(out);
		if (*n_bos < MAX_BLACKOUTS)
			bos[(*n_bos)++] = b;
	} else if (!all_zero(&b, sizeof(b)) || strncmp(d.msg, "blackout: ", 10) != 0) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct medfw_tz *utc, *cet;
	struct medfw_window_rule rules[MAX_RULES];
	struct medfw_blackout bos[MAX_BLACKOUTS];
	struct medfw_window_schedule s;
	size_t n_rules = 0, n_bos = 0, i;
	json_t *root = NULL;
	char text[16];
	int64_t days;

	if (utc == NULL) {
		if (medfw_tz_load(NULL, "UTC", &utc, NULL) != MEDFW_OK)
			abort();
		cet = berlin_like();
	}
	/* The raw bytes as a date. */
	if (size < sizeof(text)) {
		memcpy(text, data, size);
		text[size] = '\0';
		if (medfw_date_parse(text, &days, NULL) == MEDFW_OK) {
			char back[MEDFW_DATE_LEN + 1];

			if (medfw_date_format(days, back, sizeof(back)) != MEDFW_OK ||
			    strcmp(back, text) != 0)
				abort();
		} else if (days != 0) {
			abort();
		}
	}
	if (medfw_json_parse(data, size, 64u * 1024u, 16, &root, NULL) != MEDFW_OK)
		return 0;
	if (json_is_array(root)) {
		for (i = 0; i < json_array_size(root) && i < 32; i++)
			try_value(json_array_get(root, i), rules, &n_rules, bos, &n_bos);
	} else {
		try_value(root, rules, &n_rules, bos, &n_bos);
	}
	json_decref(root);

	memset(&s, 0, sizeof(s));
	s.rules = rules;
	s.rule_count = n_rules;
	s.blackouts = bos;
	s.blackout_count = n_bos;
	s.tz = utc;
	check_schedule(&s);
	s.tz = cet;
	check_schedule(&s);
	s.not_before = 1774746000;
	check_schedule(&s);
	return 0;
}
