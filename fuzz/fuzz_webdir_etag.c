/* libFuzzer target: the If-None-Match header medfwd compares with a dashboard file's
 * ETag (medfw_webdir_etag_matches; RFC 9110 13.1.2). Any bytes are a header value: the
 * comparison never reads past the string, never matches a value that does not contain
 * the tag (or "*"), and always matches the tag itself, with W/ and inside a list. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/webdir.h"

#define FUZZ_MAX_INPUT 8192u

static const char etag[] = "\"0123456789abcdef0123456789abcdef\"";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *header, *list;
	size_t n;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	header = malloc(size + 1);
	if (header == NULL)
		return 0;
	memcpy(header, data, size);
	header[size] = '\0';
	n = strlen(header); /* a NUL inside ends the header, as it does in MHD */
	if (medfw_webdir_etag_matches(header, etag) && strstr(header, etag + 1) == NULL &&
	    strchr(header, '*') == NULL)
		abort(); /* matched without naming the tag's opaque part or "*" */
	/* the tag itself, weak, and after the input in a list always match */
	if (!medfw_webdir_etag_matches(etag, etag) || !medfw_webdir_etag_matches("W/" "\"0123456789abcdef0123456789abcdef\"", etag))
		abort();
	list = malloc(n + sizeof(etag) + 2);
	if (list != NULL) {
		memcpy(list, "  ", 2);
		memcpy(list + 2, etag, sizeof(etag));
		if (!medfw_webdir_etag_matches(list, etag))
			abort();
		free(list);
	}
	medfw_webdir_etag_matches(NULL, etag);
	free(header);
	return 0;
}
