/* Fuzz target for the device client's parsers of what a server answers
 * (src/lib/device_client_internal.h): header lines (status line, Content-Length,
 * Content-Range), the Content-Range value, the error JSON turned into a diag text, the
 * sanitiser and the answer to POST /device/v1/session.
 *
 * The whole input goes through each parser. Nothing may crash or leak; every text made
 * for a diag must be NUL-terminated printable ASCII within its buffer; a parsed
 * Content-Range must satisfy first <= last < total; a refused session answer leaves its
 * output zeroed and an accepted one names device 42 and its expiry. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "device_client_internal.h"

#define FUZZ_MAX_BYTES (16u * 1024u)

static void check_text(const char *s, size_t cap)
{
	size_t len = strnlen(s, cap);

	if (len >= cap)
		abort();
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] >= 0x7f)
			abort();
}

static void headers(const uint8_t *data, size_t size)
{
	struct medfwi_devclient_headers h;
	uint64_t first, last, total;
	size_t off = 0;

	memset(&h, 0, sizeof(h));
	while (off < size) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t len = nl == NULL ? size - off : (size_t)(nl - (data + off)) + 1;

		if (medfwi_devclient_header_line(&h, (const char *)data + off, len) &&
		    h.status < 200)
			abort();
		if (h.status != 0 && (h.status < 100 || h.status > 599))
			abort();
		if (h.has_range && !h.bad_range) {
			if (strnlen(h.range, sizeof(h.range)) >= sizeof(h.range))
				abort();
			if (medfwi_devclient_content_range(h.range, &first, &last, &total) == MEDFW_OK &&
			    !(first <= last && last < total))
				abort();
		}
		off += len;
	}
}

static void session_answer(const uint8_t *data, size_t size)
{
	struct medfwi_devclient_session_answer a;
	struct medfw_diag d;
	int64_t id = 0, expires = 0;

	medfw_diag_clear(&d);
	if (medfwi_devclient_parse_session(data, size, 42, &a, &d) != MEDFW_OK) {
		for (size_t i = 0; i < sizeof(a); i++)
			if (((const uint8_t *)&a)[i] != 0)
				abort();
		return;
	}
	if (medfw_devsession_keyid_parse(a.keyid, &id, &expires) != MEDFW_OK || id != 42 ||
	    expires != a.expires)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[MEDFW_DIAG_MSG_MAX], small[17], *value;
	uint64_t first, last, total;
	bool session = false;

	if (size > FUZZ_MAX_BYTES)
		return 0;
	headers(data, size);
	value = calloc(1, size + 1);
	if (value == NULL)
		return 0;
	memcpy(value, data, size);
	if (medfwi_devclient_content_range(value, &first, &last, &total) == MEDFW_OK) {
		if (!(first <= last && last < total))
			abort();
	} else if (first != 0 || last != 0 || total != 0) {
		abort();
	}
	free(value);
	medfwi_devclient_sanitize(data, size, small, sizeof(small));
	check_text(small, sizeof(small));
	medfwi_devclient_error_text(size > 0 ? 100 + data[0] : 500, data, size, false, text,
				    sizeof(text), &session);
	check_text(text, sizeof(text));
	medfwi_devclient_error_text(403, data, size, true, small, sizeof(small), &session);
	check_text(small, sizeof(small));
	session_answer(data, size);
	return 0;
}
