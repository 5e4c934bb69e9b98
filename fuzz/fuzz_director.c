/* Fuzz target for the device-side director check (medfw_director_verify).
 *
 * The first byte picks which director document the rest replaces (0 timestamp,
 * 1 snapshot, 2 targets); the others are valid documents signed at start-up with a key
 * made then. Nothing may crash or leak; a failure must leave the output zeroed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/crypto.h"
#include "medfw/ctx.h"
#include "medfw/director.h"

#define NOW 1900000000

static struct medfw_ctx *ctx;
static struct medfw_buf root;
static struct medfw_director_metadata md;
static json_t *hashes;

static int64_t fixed_clock(void *user)
{
	(void)user;
	return NOW;
}

static void setup(void)
{
	struct medfw_privkey *key = NULL;
	struct medfw_director_assignment a = {0};

	ctx = medfw_ctx_new();
	medfw_ctx_set_clock(ctx, fixed_clock, NULL);
	hashes = json_pack("{s:s}", "sha256",
			   "aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899");
	a.device_id = 7;
	a.hardware_id = "hw";
	a.version = 1;
	a.target_name = "fw.bin";
	a.target_length = 10;
	a.target_hashes = hashes;
	a.window_start = NOW - 10;
	a.window_end = NOW + 10;
	medfw_buf_init(&root, 1u << 20);
	if (ctx == NULL || hashes == NULL ||
	    medfw_privkey_generate(MEDFW_KEY_ED25519, &key, NULL) != MEDFW_OK ||
	    medfw_director_root_build(key, NOW, &root, NULL) != MEDFW_OK ||
	    medfw_director_metadata_build(key, &a, NOW, &md, NULL) != MEDFW_OK)
		abort();
	medfw_privkey_free(key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct medfw_director_instruction out;
	const uint8_t *doc[3];
	size_t len[3];
	enum medfw_err err;

	if (ctx == NULL)
		setup();
	if (size < 1)
		return 0;
	doc[0] = md.timestamp.data;
	len[0] = md.timestamp.len;
	doc[1] = md.snapshot.data;
	len[1] = md.snapshot.len;
	doc[2] = md.targets.data;
	len[2] = md.targets.len;
	doc[data[0] % 3] = data + 1;
	len[data[0] % 3] = size - 1;
	err = medfw_director_verify(ctx, root.data, root.len, doc[0], len[0], doc[1], len[1],
				    doc[2], len[2], NULL, NULL, 7, "hw", &out, NULL);
	if (err != MEDFW_OK)
		for (size_t i = 0; i < sizeof(out); i++)
			if (((const uint8_t *)&out)[i] != 0)
				abort();
	return 0;
}
