/* libFuzzer target: the bundle reader and offline verifier (and the unverified
 * inspector) over arbitrary bytes.
 *
 * The trusted root is tests/fixtures/bundle/1.root.json (public metadata of a test
 * repository whose private keys were discarded) and the clock is fixed inside its
 * validity, so the seeds in fuzz/corpus/fuzz_bundle verify completely and mutations
 * reach every stage: layout, root chain, timestamp, snapshot, targets, notice, image. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "medfw/buf.h"
#include "medfw/bundle.h"

/* 2027-01-01T00:00:00Z: before the fixture expires (2027-11-22, see its README). */
#define FUZZ_NOW 1798761600

static struct medfw_ctx *ctx;
static struct medfw_buf trusted;
static char input_path[64], extract_path[80];

static int64_t fixed_clock(void *user)
{
	(void)user;
	return FUZZ_NOW;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[4096];
	const char *here = __FILE__, *slash = strrchr(here, '/');
	int n;

	(void)argc;
	(void)argv;
	n = snprintf(path, sizeof(path), "%.*s/../tests/fixtures/bundle/1.root.json",
		     slash != NULL ? (int)(slash - here) : 1, slash != NULL ? here : ".");
	if (n < 0 || (size_t)n >= sizeof(path) ||
	    medfw_file_read(path, MEDFW_TUF_ROOT_MAX_LEN, &trusted, NULL) != MEDFW_OK) {
		fprintf(stderr, "fuzz_bundle: cannot read %s\n", path);
		abort();
	}
	ctx = medfw_ctx_new();
	if (ctx == NULL)
		abort();
	medfw_ctx_set_clock(ctx, fixed_clock, NULL);
	snprintf(input_path, sizeof(input_path), "/tmp/fuzz_bundle.%ld.in", (long)getpid());
	snprintf(extract_path, sizeof(extract_path), "/tmp/fuzz_bundle.%ld.out", (long)getpid());
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct medfw_bundle_policy policy = {.hardware_id = "acme-infusion-pump-rev-c",
					     .min_security_version = 1,
					     .extract_path = extract_path};
	struct medfw_bundle_result res;
	json_t *desc = NULL;
	FILE *f = fopen(input_path, "wb");

	if (f == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	if (medfw_bundle_verify(ctx, input_path, trusted.data, trusted.len, &policy, &res, NULL) ==
	    MEDFW_OK) {
		if (res.release_notice == NULL)
			abort();
		medfw_bundle_result_clear(&res);
		unlink(extract_path);
	} else if (res.release_notice != NULL || access(extract_path, F_OK) == 0) {
		abort(); /* failure must clear outputs and write nothing */
	}
	if (medfw_bundle_inspect_unverified(ctx, input_path, &desc, NULL) == MEDFW_OK)
		json_decref(desc);
	unlink(input_path);
	return 0;
}
