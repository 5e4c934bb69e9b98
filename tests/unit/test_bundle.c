/* Offline bundles: create from a repository built at run time, verify (raw and
 * zstd), and a tamper generator over every region of the file. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include "bundle/bundle_internal.h"
#include "medfw/bundle.h"
#include "medfw/json.h"
#include "medfw/repo.h"

#define DAY 86400
#define TARGET "firmware/pump-4.2.1.bin"
#define HWID "acme-infusion-pump-rev-c"

struct fixture {
	char *dir;
	char repo[512];
	char image[512];
	char root1[600];
	struct medfw_ctx *ctx;
	struct medfw_privkey *keys[4][3]; /* by role */
	struct medfw_buf trusted;         /* 1.root.json */
	size_t image_len;
};

static int64_t fixed_now;
static int64_t fixed_clock(void *user)
{
	(void)user;
	return fixed_now;
}

static json_t *example_notice(void)
{
	char path[1024];
	json_error_t jerr;
	json_t *v;
	const char *src = getenv("MEDFW_SOURCE_DIR");

	assert_non_null(src);
	snprintf(path, sizeof(path), "%s/docs/formats/release-notice.example.json", src);
	v = json_load_file(path, 0, &jerr);
	if (v == NULL)
		fail_msg("%s: %s", path, jerr.text);
	return v;
}

static void must(enum medfw_err err, const struct medfw_diag *d)
{
	if (err != MEDFW_OK)
		fail_msg("%s", medfw_diag_message(d, err));
}

/* A repository with one release; targets threshold `tthr` of `tkeys` keys, signed by
 * `tsign` of them (publish needs tsign >= tthr). */
static void build_repo(struct fixture *f, const char *name, size_t tkeys, int64_t tthr)
{
	struct medfw_repo_init_opts opts;
	struct medfw_diag d;
	char staged_root[600], staged_targets[600];
	json_t *notice = example_notice();

	medfw_diag_clear(&d);
	memset(&opts, 0, sizeof(opts));
	for (unsigned r = 0; r < MEDFW_TUF_TOP_ROLES; r++) {
		size_t n = r == MEDFW_TUF_TARGETS ? tkeys : 1;
		struct medfw_pubkey *pubs[3] = {0};

		for (size_t k = 0; k < n; k++) {
			must(medfw_privkey_generate(MEDFW_KEY_ED25519, &f->keys[r][k], &d), &d);
			must(medfw_privkey_public(f->keys[r][k], &pubs[k], &d), &d);
			opts.roles[r].keys[k] = pubs[k];
		}
		opts.roles[r].key_count = n;
		opts.roles[r].threshold = r == MEDFW_TUF_TARGETS ? tthr : 1;
		opts.roles[r].expires_seconds = 365 * DAY;
	}
	tu_path(f->repo, sizeof(f->repo), f->dir, name);
	must(medfw_repo_init(f->ctx, f->repo, &opts, &d), &d);
	for (unsigned r = 0; r < MEDFW_TUF_TOP_ROLES; r++)
		for (size_t k = 0; k < opts.roles[r].key_count; k++)
			medfw_pubkey_free((struct medfw_pubkey *)(uintptr_t)opts.roles[r].keys[k]);
	must(medfw_repo_add_release(f->ctx, f->repo, f->image, TARGET, notice, &d), &d);
	json_decref(notice);
	snprintf(staged_root, sizeof(staged_root), "%s/staged/root.json", f->repo);
	snprintf(staged_targets, sizeof(staged_targets), "%s/staged/targets.json", f->repo);
	must(medfw_repo_sign_file(f->ctx, staged_root, NULL, f->keys[MEDFW_TUF_ROOT][0], &d), &d);
	for (int64_t k = 0; k < tthr; k++)
		must(medfw_repo_sign_file(f->ctx, staged_targets, staged_root,
					  f->keys[MEDFW_TUF_TARGETS][k], &d),
		     &d);
	must(medfw_repo_publish(f->ctx, f->repo, f->keys[MEDFW_TUF_SNAPSHOT][0],
				f->keys[MEDFW_TUF_TIMESTAMP][0], &d),
	     &d);
	snprintf(f->root1, sizeof(f->root1), "%s/metadata/1.root.json", f->repo);
}

static struct fixture *fixture_new(size_t tkeys, int64_t tthr)
{
	struct fixture *f = calloc(1, sizeof(*f));
	uint8_t img[5000];

	assert_non_null(f);
	f->dir = tu_tmpdir_new();
	f->ctx = medfw_ctx_new();
	fixed_now = (int64_t)time(NULL);
	medfw_ctx_set_clock(f->ctx, fixed_clock, NULL);
	for (size_t i = 0; i < sizeof(img); i++)
		img[i] = (uint8_t)(i * 7 + i / 100);
	f->image_len = sizeof(img);
	tu_path(f->image, sizeof(f->image), f->dir, "image.bin");
	tu_write_file(f->image, img, sizeof(img));
	build_repo(f, "repo", tkeys, tthr);
	tu_read_file(f->root1, &f->trusted);
	return f;
}

static void fixture_free(struct fixture *f)
{
	for (unsigned r = 0; r < 4; r++)
		for (unsigned k = 0; k < 3; k++)
			medfw_privkey_free(f->keys[r][k]);
	medfw_buf_free(&f->trusted);
	medfw_ctx_free(f->ctx);
	tu_tmpdir_free(f->dir);
	free(f);
}

static void make_bundle(struct fixture *f, bool compress, const char *name, char *out, size_t cap)
{
	struct medfw_diag d;

	medfw_diag_clear(&d);
	tu_path(out, cap, f->dir, name);
	must(medfw_bundle_create(f->ctx, f->repo, TARGET, compress, out, &d), &d);
}

/* Verify with an extract destination; assert the code, that the result was cleared
 * on failure and that nothing was extracted. */
static enum medfw_err verify_core(struct fixture *f, const char *bundle,
				  const struct medfw_buf *root, const char *hwid, uint64_t min_sv,
				  const enum medfw_err *wants, size_t nwant)
{
	struct medfw_bundle_policy pol = {.hardware_id = hwid, .min_security_version = min_sv};
	struct medfw_bundle_result res;
	struct medfw_diag d;
	char dest[600];
	enum medfw_err err;

	tu_path(dest, sizeof(dest), f->dir, "extracted.bin");
	unlink(dest);
	pol.extract_path = dest;
	medfw_diag_clear(&d);
	memset(&res, 0xa5, sizeof(res));
	err = medfw_bundle_verify(f->ctx, bundle, root->data, root->len, &pol, &res, &d);
	{
		int ok = 0;

		for (size_t i = 0; i < nwant; i++)
			ok |= err == wants[i];
		if (!ok)
			fail_msg("expected %s, got %s: %s", medfw_err_name(wants[0]),
				 medfw_err_name(err), medfw_diag_message(&d, err));
	}
	if (err != MEDFW_OK) {
		assert_null(res.release_notice);
		tu_assert_zeroed(&res, sizeof(res));
		assert_int_not_equal(access(dest, F_OK), 0);
		assert_true(d.msg[0] != 0);
	} else {
		struct medfw_buf got, want_img;

		assert_non_null(res.release_notice);
		assert_string_equal(res.target_name, TARGET);
		assert_int_equal(res.image_length, f->image_len);
		assert_int_equal(strlen(res.image_sha256_hex), 64);
		tu_read_file(dest, &got);
		tu_read_file(f->image, &want_img);
		assert_int_equal(got.len, want_img.len);
		assert_memory_equal(got.data, want_img.data, got.len);
		medfw_buf_free(&got);
		medfw_buf_free(&want_img);
		unlink(dest);
	}
	medfw_bundle_result_clear(&res);
	return err;
}

static enum medfw_err verify_with(struct fixture *f, const char *bundle,
				  const struct medfw_buf *root, const char *hwid, uint64_t min_sv,
				  enum medfw_err want)
{
	return verify_core(f, bundle, root, hwid, min_sv, &want, 1);
}

static void expect(struct fixture *f, const char *bundle, enum medfw_err want)
{
	(void)verify_with(f, bundle, &f->trusted, NULL, 0, want);
}

static void test_verify_ok_raw_and_zstd(void **state)
{
	struct fixture *f = fixture_new(1, 1);
	char raw[600], zst[600];
	struct medfw_bundle_result res;
	struct medfw_diag d;

	(void)state;
	make_bundle(f, false, "raw.medfw", raw, sizeof(raw));
	make_bundle(f, true, "zst.medfw", zst, sizeof(zst));
	expect(f, raw, MEDFW_OK);
	expect(f, zst, MEDFW_OK);
	verify_with(f, raw, &f->trusted, HWID, 7, MEDFW_OK);
	medfw_diag_clear(&d);
	must(medfw_bundle_verify(f->ctx, zst, f->trusted.data, f->trusted.len, NULL, &res, &d), &d);
	assert_true(res.compressed);
	assert_int_equal(res.release_notice->security_version, 7);
	assert_int_equal(res.role_count, 4);
	assert_string_equal(res.roles[0].role, "root");
	assert_string_equal(res.roles[3].role, "targets");
	assert_int_equal(res.roles[3].valid, 1);
	assert_int_equal(res.roles[3].threshold, 1);
	medfw_bundle_result_clear(&res);
	fixture_free(f);
}

static void test_policy(void **state)
{
	struct fixture *f = fixture_new(1, 1);
	char raw[600];

	(void)state;
	make_bundle(f, false, "raw.medfw", raw, sizeof(raw));
	verify_with(f, raw, &f->trusted, "acme-ventilator", 0, MEDFW_ERR_HARDWARE);
	verify_with(f, raw, &f->trusted, HWID, 8, MEDFW_ERR_SECURITY_VERSION);
	verify_with(f, raw, &f->trusted, "acme-infusion-pump-rev-d", 7, MEDFW_OK);
	/* Expired metadata: a year and a bit later. */
	fixed_now += 400 * DAY;
	expect(f, raw, MEDFW_ERR_EXPIRED);
	fixed_now -= 400 * DAY;
	fixture_free(f);
}

static void test_wrong_root(void **state)
{
	struct fixture *f = fixture_new(1, 1), *g = fixture_new(1, 1);
	char raw[600];

	(void)state;
	make_bundle(f, false, "raw.medfw", raw, sizeof(raw));
	verify_with(f, raw, &g->trusted, NULL, 0, MEDFW_ERR_THRESHOLD);
	fixture_free(g);
	fixture_free(f);
}

/* ---- tamper generator ---- */

static void write_variant(struct fixture *f, const struct medfw_buf *b, char *out, size_t cap)
{
	tu_path(out, cap, f->dir, "variant.medfw");
	tu_write_file(out, b->data, b->len);
}

/* Offsets of each region of a bundle. */
struct regions {
	size_t header_off, header_len;
	size_t meta_off[16], meta_len[16];
	size_t meta_count;
	size_t image_off;
};

static void find_regions(const struct medfw_buf *b, struct regions *r)
{
	struct bundle_header h;

	memset(r, 0, sizeof(*r));
	r->header_off = 12;
	r->header_len = (size_t)b->data[8] << 24 | (size_t)b->data[9] << 16 |
			(size_t)b->data[10] << 8 | b->data[11];
	assert_int_equal(medfwi_bundle_header_parse(b->data + 12, r->header_len, &h, NULL), MEDFW_OK);
	r->meta_count = h.entry_count;
	size_t off = 12 + r->header_len;
	for (size_t i = 0; i < h.entry_count; i++) {
		r->meta_off[i] = off;
		r->meta_len[i] = h.entries[i].length;
		off += h.entries[i].length;
	}
	r->image_off = off;
	medfwi_bundle_header_free(&h);
}

/* Offset of the first signature's hex digits inside a metadata region. */
static size_t sig_hex_offset(const struct medfw_buf *b, size_t off, size_t len)
{
	const char *needle = "\"sig\":";
	size_t n = strlen(needle);

	for (size_t i = off; i + n < off + len; i++) {
		if (memcmp(b->data + i, needle, n) == 0) {
			i += n;
			while (b->data[i] == ' ' || b->data[i] == '"')
				i++;
			return i;
		}
	}
	fail_msg("no signature found at %zu+%zu: %.60s", off, len, (const char *)b->data + off);
	return 0;
}

static void flip_hex(uint8_t *p)
{
	*p = *p == '0' ? '1' : '0';
}

static void tamper_suite(struct fixture *f, const char *bundle, bool compressed)
{
	struct medfw_buf orig, b;
	struct regions r;
	char var[600];
	/* Expected code for a bad signature in: root 1 (trusted), timestamp, snapshot,
	 * targets. The snapshot is checked against the timestamp's hash first. */
	const enum medfw_err sig_want[] = {MEDFW_ERR_THRESHOLD, MEDFW_ERR_THRESHOLD,
					   MEDFW_ERR_HASH_MISMATCH, MEDFW_ERR_THRESHOLD};

	tu_read_file(bundle, &orig);
	find_regions(&orig, &r);
	assert_int_equal(r.meta_count, 4);
	medfw_buf_init(&b, orig.len + 4096);

#define RESET()                                                                               \
	do {                                                                                  \
		medfw_buf_reset(&b);                                                          \
		assert_int_equal(medfw_buf_append(&b, orig.data, orig.len), MEDFW_OK);        \
	} while (0)

	/* magic */
	for (size_t i = 0; i < 8; i++) {
		RESET();
		b.data[i] ^= 0x20;
		write_variant(f, &b, var, sizeof(var));
		expect(f, var, MEDFW_ERR_BUNDLE_FORMAT);
	}
	/* header length field */
	{
		const struct {
			uint32_t v;
			enum medfw_err want;
		} cases[] = {
			{0, MEDFW_ERR_BUNDLE_FORMAT},
			{(uint32_t)r.header_len - 1, MEDFW_ERR_BUNDLE_FORMAT},
			{(uint32_t)r.header_len + 1, MEDFW_ERR_BUNDLE_FORMAT},
			{MEDFW_BUNDLE_HEADER_MAX + 1, MEDFW_ERR_TOO_LARGE},
			{0xffffffffu, MEDFW_ERR_TOO_LARGE},
		};
		for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
			RESET();
			b.data[8] = (uint8_t)(cases[c].v >> 24);
			b.data[9] = (uint8_t)(cases[c].v >> 16);
			b.data[10] = (uint8_t)(cases[c].v >> 8);
			b.data[11] = (uint8_t)cases[c].v;
			write_variant(f, &b, var, sizeof(var));
			expect(f, var, cases[c].want);
		}
	}
	/* every header byte: the layout no longer adds up, or names another target */
	for (size_t i = r.header_off; i < r.header_off + r.header_len; i++) {
		const enum medfw_err any[] = {MEDFW_ERR_BUNDLE_FORMAT, MEDFW_ERR_TRUNCATED,
					      MEDFW_ERR_NOT_FOUND};

		RESET();
		b.data[i] ^= 0x01;
		write_variant(f, &b, var, sizeof(var));
		verify_core(f, var, &f->trusted, NULL, 0, any, 3);
	}
	/* a bad signature in each metadata file: the exact check that catches it */
	for (size_t m = 0; m < r.meta_count; m++) {
		RESET();
		flip_hex(&b.data[sig_hex_offset(&b, r.meta_off[m], r.meta_len[m]) + 10]);
		write_variant(f, &b, var, sizeof(var));
		expect(f, var, sig_want[m]);
	}
	/* every 7th byte of each metadata file: rejected, whatever the check */
	for (size_t m = 0; m < r.meta_count; m++) {
		for (size_t i = r.meta_off[m]; i < r.meta_off[m] + r.meta_len[m]; i += 7) {
			enum medfw_err err;
			struct medfw_bundle_result res;

			RESET();
			b.data[i] ^= 0x01;
			write_variant(f, &b, var, sizeof(var));
			err = medfw_bundle_verify(f->ctx, var, f->trusted.data, f->trusted.len, NULL,
						  &res, NULL);
			if (err == MEDFW_OK)
				fail_msg("metadata file %zu byte %zu: accepted", m,
					 i - r.meta_off[m]);
			assert_null(res.release_notice);
		}
	}
	/* image bytes */
	for (size_t i = r.image_off; i < orig.len; i += (orig.len - r.image_off) / 13 + 1) {
		const enum medfw_err zany[] = {MEDFW_ERR_HASH_MISMATCH, MEDFW_ERR_COMPRESSION,
					       MEDFW_ERR_LENGTH_MISMATCH};

		RESET();
		b.data[i] ^= 0x40;
		write_variant(f, &b, var, sizeof(var));
		if (compressed)
			verify_core(f, var, &f->trusted, NULL, 0, zany, 3);
		else
			expect(f, var, MEDFW_ERR_HASH_MISMATCH);
	}
	/* truncation anywhere */
	for (size_t len = 0; len < orig.len; len += len < 64 ? 1 : 97) {
		RESET();
		b.len = len;
		write_variant(f, &b, var, sizeof(var));
		expect(f, var, MEDFW_ERR_TRUNCATED);
	}
	/* trailing data */
	RESET();
	assert_int_equal(medfw_buf_append(&b, "x", 1), MEDFW_OK);
	write_variant(f, &b, var, sizeof(var));
	expect(f, var, MEDFW_ERR_BUNDLE_FORMAT);
	/* an oversize declared metadata length (beyond the role's cap) */
	{
		struct medfw_buf h;
		char big[64];

		RESET();
		medfw_buf_init(&h, 1 << 20);
		assert_int_equal(medfw_buf_append(&h, b.data + 12, r.header_len), MEDFW_OK);
		snprintf(big, sizeof(big), "%u", MEDFW_TUF_TIMESTAMP_MAX_LEN + 1);
		/* swap the timestamp length digits for a too large number, same width not
		 * needed: rebuild the file around the new header */
		{
			char *p = strstr((char *)h.data, "\"timestamp\"}");
			const char *ts = "\"length\":";
			char *q;

			(void)p;
			q = strstr((char *)h.data, "\"name\":\"timestamp\"");
			assert_non_null(q);
			q = q - 1; /* the entry's "{" ... find its length key before name */
			while (q > (char *)h.data && strncmp(q, ts, strlen(ts)) != 0)
				q--;
			assert_true(strncmp(q, ts, strlen(ts)) == 0);
			{
				struct medfw_buf nh;
				char *digits = q + strlen(ts);
				size_t nd = strspn(digits, "0123456789");

				medfw_buf_init(&nh, 1 << 20);
				assert_int_equal(medfw_buf_append(&nh, h.data,
								  (size_t)(digits - (char *)h.data)),
						 MEDFW_OK);
				assert_int_equal(medfw_buf_append_str(&nh, big), MEDFW_OK);
				assert_int_equal(medfw_buf_append_str(&nh, digits + nd), MEDFW_OK);
				medfw_buf_reset(&b);
				assert_int_equal(medfw_buf_append(&b, orig.data, 8), MEDFW_OK);
				{
					uint8_t l[4] = {(uint8_t)(nh.len >> 24), (uint8_t)(nh.len >> 16),
							(uint8_t)(nh.len >> 8), (uint8_t)nh.len};

					assert_int_equal(medfw_buf_append(&b, l, 4), MEDFW_OK);
				}
				assert_int_equal(medfw_buf_append(&b, nh.data, nh.len), MEDFW_OK);
				assert_int_equal(medfw_buf_append(&b, orig.data + 12 + r.header_len,
								  orig.len - 12 - r.header_len),
						 MEDFW_OK);
				medfw_buf_free(&nh);
			}
		}
		medfw_buf_free(&h);
		write_variant(f, &b, var, sizeof(var));
		expect(f, var, MEDFW_ERR_BUNDLE_FORMAT);
	}
	/* wrong offsets: two metadata files swapped (lengths kept in the header) */
	RESET();
	memcpy(b.data + r.meta_off[1], orig.data + r.meta_off[2], r.meta_len[1] < r.meta_len[2] ? r.meta_len[1] : r.meta_len[2]);
	write_variant(f, &b, var, sizeof(var));
	{
		const enum medfw_err any[] = {MEDFW_ERR_JSON_SYNTAX, MEDFW_ERR_ROLE_TYPE};

		verify_core(f, var, &f->trusted, NULL, 0, any, 2);
	}
#undef RESET
	medfw_buf_free(&b);
	medfw_buf_free(&orig);
}

static void test_tamper_zstd(void **state)
{
	struct fixture *f = fixture_new(1, 1);
	char zst[600];

	(void)state;
	make_bundle(f, true, "zst.medfw", zst, sizeof(zst));
	tamper_suite(f, zst, true);
	fixture_free(f);
}

static void test_tamper_raw(void **state)
{
	struct fixture *f = fixture_new(1, 1);
	char raw[600];

	(void)state;
	make_bundle(f, false, "raw.medfw", raw, sizeof(raw));
	tamper_suite(f, raw, false);
	fixture_free(f);
}

/* ---- signed-content variants: rebuild a bundle around a modified targets file ---- */

typedef void (*targets_mut)(struct fixture *f, json_t *env);

static void rebuild_with_targets(struct fixture *f, const char *in, const char *out, targets_mut mut)
{
	struct bundle_files *files = calloc(1, sizeof(*files));
	struct bundle_header h;
	struct medfw_buf whole, hdr, nt;
	json_t *env;
	json_error_t jerr;
	FILE *fp;
	int fd;
	size_t image_off;

	assert_non_null(files);
	medfwi_bundle_files_init(files);
	tu_read_file(in, &whole);
	fd = open(in, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(medfwi_bundle_read_layout(fd, whole.len, &h, files, NULL), MEDFW_OK);
	close(fd);
	image_off = whole.len - h.stored_length;
	env = json_loadb((const char *)files->targets.data, files->targets.len, 0, &jerr);
	assert_non_null(env);
	mut(f, env);
	medfw_buf_init(&nt, MEDFW_TUF_TARGETS_MAX_LEN);
	assert_int_equal(medfw_tuf_envelope_serialize(env, &nt, NULL), MEDFW_OK);
	json_decref(env);
	medfw_buf_reset(&files->targets);
	assert_int_equal(medfw_buf_append(&files->targets, nt.data, nt.len), MEDFW_OK);
	medfw_buf_free(&nt);
	medfw_buf_init(&hdr, MEDFW_BUNDLE_HEADER_MAX);
	assert_int_equal(medfwi_bundle_header_build(files, h.target, h.encoding, h.stored_length,
						    &hdr, NULL),
			 MEDFW_OK);
	fp = fopen(out, "wb");
	assert_non_null(fp);
	fwrite(MEDFW_BUNDLE_MAGIC, 1, 8, fp);
	fputc((int)(hdr.len >> 24) & 0xff, fp);
	fputc((int)(hdr.len >> 16) & 0xff, fp);
	fputc((int)(hdr.len >> 8) & 0xff, fp);
	fputc((int)hdr.len & 0xff, fp);
	fwrite(hdr.data, 1, hdr.len, fp);
	for (size_t i = 0; i < files->root_count; i++)
		fwrite(files->roots[i].data, 1, files->roots[i].len, fp);
	fwrite(files->timestamp.data, 1, files->timestamp.len, fp);
	fwrite(files->snapshot.data, 1, files->snapshot.len, fp);
	fwrite(files->targets.data, 1, files->targets.len, fp);
	fwrite(whole.data + image_off, 1, whole.len - image_off, fp);
	assert_int_equal(fclose(fp), 0);
	medfw_buf_free(&hdr);
	medfw_buf_free(&whole);
	medfwi_bundle_header_free(&h);
	medfwi_bundle_files_free(files);
	free(files);
}

static void drop_one_signature(struct fixture *f, json_t *env)
{
	(void)f;
	assert_int_equal(json_array_size(json_object_get(env, "signatures")), 2);
	assert_int_equal(json_array_remove(json_object_get(env, "signatures"), 1), 0);
}

static void break_notice_and_resign(struct fixture *f, json_t *env)
{
	json_t *t = json_object_get(json_object_get(json_object_get(env, "signed"), "targets"), TARGET);
	json_t *n = json_object_get(json_object_get(json_object_get(t, "custom"), "medfw"),
				    "release_notice");

	assert_non_null(n);
	json_object_set_new(n, "security_version", json_integer(-1));
	json_array_clear(json_object_get(env, "signatures"));
	assert_int_equal(medfw_tuf_envelope_sign(env, f->keys[MEDFW_TUF_TARGETS][0], NULL), MEDFW_OK);
}

static void test_targets_below_threshold(void **state)
{
	struct fixture *f = fixture_new(3, 2);
	char raw[600], bad[600];

	(void)state;
	make_bundle(f, false, "raw.medfw", raw, sizeof(raw));
	expect(f, raw, MEDFW_OK);
	tu_path(bad, sizeof(bad), f->dir, "bad.medfw");
	rebuild_with_targets(f, raw, bad, drop_one_signature);
	expect(f, bad, MEDFW_ERR_THRESHOLD);
	fixture_free(f);
}

static void test_bad_notice(void **state)
{
	struct fixture *f = fixture_new(1, 1);
	char raw[600], bad[600];

	(void)state;
	make_bundle(f, false, "raw.medfw", raw, sizeof(raw));
	tu_path(bad, sizeof(bad), f->dir, "bad.medfw");
	rebuild_with_targets(f, raw, bad, break_notice_and_resign);
	expect(f, bad, MEDFW_ERR_NOTICE);
	fixture_free(f);
}

static void test_create_refuses_unverified_repo(void **state)
{
	struct fixture *f = fixture_new(3, 2);
	char path[700], out[600];
	struct medfw_buf b;
	struct medfw_diag d;
	json_t *env;
	json_error_t jerr;

	(void)state;
	/* Published targets with one of two required signatures. */
	snprintf(path, sizeof(path), "%s/metadata/1.targets.json", f->repo);
	tu_read_file(path, &b);
	env = json_loadb((const char *)b.data, b.len, 0, &jerr);
	medfw_buf_free(&b);
	drop_one_signature(f, env);
	medfw_buf_init(&b, MEDFW_TUF_TARGETS_MAX_LEN);
	assert_int_equal(medfw_tuf_envelope_serialize(env, &b, NULL), MEDFW_OK);
	tu_write_file(path, b.data, b.len);
	medfw_buf_free(&b);
	json_decref(env);
	tu_path(out, sizeof(out), f->dir, "x.medfw");
	medfw_diag_clear(&d);
	assert_int_equal(medfw_bundle_create(f->ctx, f->repo, TARGET, false, out, &d),
			 MEDFW_ERR_THRESHOLD);
	assert_int_not_equal(access(out, F_OK), 0);
	assert_int_equal(medfw_bundle_create(f->ctx, f->repo, "no/such", false, out, &d),
			 MEDFW_ERR_THRESHOLD);
	fixture_free(f);
}

static void test_root_rotation(void **state)
{
	struct fixture *f = fixture_new(1, 1);
	struct medfw_privkey *newroot = NULL;
	struct medfw_pubkey *np = NULL, *op = NULL;
	struct medfw_bundle_result res;
	struct medfw_buf root2;
	struct medfw_diag d;
	json_t *signed_root = NULL;
	char staged[600], r2[600], raw[600];

	(void)state;
	medfw_diag_clear(&d);
	must(medfw_privkey_generate(MEDFW_KEY_ED25519, &newroot, &d), &d);
	must(medfw_privkey_public(newroot, &np, &d), &d);
	must(medfw_privkey_public(f->keys[MEDFW_TUF_ROOT][0], &op, &d), &d);
	must(medfw_repo_stage_root(f->ctx, f->repo, &signed_root, &d), &d);
	must(medfw_repo_root_add_key(signed_root, MEDFW_TUF_ROOT, np, &d), &d);
	must(medfw_repo_root_remove_key(signed_root, MEDFW_TUF_ROOT, medfw_pubkey_keyid(op), &d), &d);
	must(medfw_repo_save_staged_root(f->ctx, f->repo, signed_root, &d), &d);
	snprintf(staged, sizeof(staged), "%s/staged/root.json", f->repo);
	must(medfw_repo_sign_file(f->ctx, staged, f->root1, f->keys[MEDFW_TUF_ROOT][0], &d), &d);
	must(medfw_repo_sign_file(f->ctx, staged, f->root1, newroot, &d), &d);
	must(medfw_repo_publish(f->ctx, f->repo, f->keys[MEDFW_TUF_SNAPSHOT][0],
				f->keys[MEDFW_TUF_TIMESTAMP][0], &d),
	     &d);
	make_bundle(f, true, "rot.medfw", raw, sizeof(raw));
	must(medfw_bundle_verify(f->ctx, raw, f->trusted.data, f->trusted.len, NULL, &res, &d), &d);
	assert_int_equal(res.trusted_root_version, 1);
	assert_int_equal(res.roles[0].version, 2);
	medfw_bundle_result_clear(&res);
	/* From root 2: root 1 in the bundle is older and skipped. */
	snprintf(r2, sizeof(r2), "%s/metadata/2.root.json", f->repo);
	tu_read_file(r2, &root2);
	verify_with(f, raw, &root2, NULL, 0, MEDFW_OK);
	medfw_buf_free(&root2);
	json_decref(signed_root);
	medfw_pubkey_free(np);
	medfw_pubkey_free(op);
	medfw_privkey_free(newroot);
	fixture_free(f);
}

static void test_inspect(void **state)
{
	struct fixture *f = fixture_new(1, 1);
	char raw[600];
	json_t *d = NULL;

	(void)state;
	make_bundle(f, false, "raw.medfw", raw, sizeof(raw));
	assert_int_equal(medfw_bundle_inspect_unverified(f->ctx, raw, &d, NULL), MEDFW_OK);
	assert_true(json_is_false(json_object_get(d, "verified")));
	assert_int_equal(json_array_size(json_object_get(d, "metadata")), 4);
	json_decref(d);
	assert_int_equal(medfw_bundle_inspect_unverified(f->ctx, f->root1, &d, NULL), MEDFW_OK);
	assert_string_equal(json_string_value(json_object_get(d, "role")), "root");
	json_decref(d);
	fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify_ok_raw_and_zstd),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_wrong_root),
		cmocka_unit_test(test_tamper_raw),
		cmocka_unit_test(test_tamper_zstd),
		cmocka_unit_test(test_targets_below_threshold),
		cmocka_unit_test(test_bad_notice),
		cmocka_unit_test(test_create_refuses_unverified_repo),
		cmocka_unit_test(test_root_rotation),
		cmocka_unit_test(test_inspect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
