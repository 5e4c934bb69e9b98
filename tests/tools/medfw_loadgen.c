/* medfw_loadgen — the check-in benchmark's load generator (bench/checkin.sh drives it).
 * Not part of the server; a test tool linked with libmedfw for the store and the
 * RFC 9421 signer.
 *
 *   medfw_loadgen setup --data-dir DIR --devices N --keys KEYFILE [--seed TEXT]
 *       Creates a fresh medfwd SQLite store in DIR (DIR/medfwd.db must not exist) with
 *       one site and N enrolled devices written straight through the store library
 *       (medfw_store_device_create + medfw_store_device_enrol, and one earlier check-in
 *       each, as a fleet in service has: 1000 devices per transaction),
 *       and writes their private keys to KEYFILE.
 *       BENCHMARK ONLY: the keys are derived deterministically from a public seed
 *       (SHA-256 of "medfw-loadgen-v1", the seed and the device index) so that a run
 *       is reproducible. Never use such keys, or this program, for real devices.
 *
 *   medfw_loadgen run --url http://127.0.0.1:PORT/PATH [options]
 *       M connections (one thread each, HTTP/1.1 keep-alive over plain sockets), each
 *       sending requests back to back. With --keys every request carries a fresh
 *       RFC 9421 signature (new created time and random nonce) of the next device in
 *       turn over a check-in JSON body; the same request (method, headers, body) can
 *       be sent to a static server with --method GET so both servers see the same
 *       client doing the same work. Latency (CLOCK_MONOTONIC, from the first byte
 *       sent to the last byte of the response) goes into a log-linear histogram
 *       (< 1.6 % bucket error); the result is one JSON object (see emit_result).
 *
 * Options of `run`:
 *   --url URL             http://IPV4:PORT/path (required; plain HTTP only)
 *   --method M            request method (default POST)
 *   --keys KEYFILE        sign every request as a device from KEYFILE (else unsigned)
 *   --devices N           sign as N devices of KEYFILE, spread evenly over it (default all)
 *   --keyid id|serial     what the signature's keyid names (default id)
 *   --keyid-prefix TEXT   prepended to the keyid (default none; medfwd: "device:")
 *   --connections M       concurrent connections (default 64)
 *   --duration S          measure for S seconds (default 10) ...
 *   --requests N          ... or send exactly N requests (no warm-up)
 *   --warmup S            run S seconds first, not counted (default 2)
 *   --body-size N         pad the check-in body to at least N bytes (default: natural)
 *   --presign N           before the clock starts, build and sign N requests (spread over
 *                         the connections), each with its own created time and nonce, and
 *                         send those first (one pool shared by all connections), so the
 *                         client does no crypto while measuring; once they are used up it
 *                         signs in the loop (counted as live_signed). Created times stay well inside
 *                         medfwd's clock skew window (default 0: sign in the loop)
 *   --session PATH        before the clock starts, open a device session for every
 *                         signing device (POST PATH, e.g. /device/v1/session, signed
 *                         with its Ed25519 key) and sign the measured requests with the
 *                         session's HMAC-SHA256 key (docs/devices.md "Sessions");
 *                         min(M, 16) connections open them; the result gives
 *                         sessions_opened, session_open_s, session_open_connections
 *   --presign-cycle 0|1   1: reuse the pre-signed requests when used up instead of
 *                         signing more (replays: only for a server that does not check,
 *                         i.e. the static nginx peer)
 *   --out FILE            write the JSON result to FILE (default standard output)
 *   --save-response FILE  write the first response body (any status) to FILE
 *   --timeout S           socket send/receive timeout (default 10)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "medfw/buf.h"
#include "medfw/crypto.h"
#include "medfw/ctx.h"
#include "medfw/devsession.h"
#include "medfw/encode.h"
#include "medfw/error.h"
#include "medfw/httpsig.h"
#include "medfw/num.h"
#include "medfw/store.h"

#define KEYFILE_MAX (64u * 1024u * 1024u)
#define DEVICES_MAX 10000000u
#define CONNECTIONS_MAX 4096u
#define BATCH 1000u
#define SEED_MAX 256u
#define PATH_MAX_LEN 1024u
#define BODY_MAX (64u * 1024u)
#define REQ_MAX (BODY_MAX + 3u * MEDFW_HTTPSIG_HEADER_MAX + 4096u)
#define RESP_HEAD_MAX (16u * 1024u)
#define RESP_MAX (1024u * 1024u)
#define SAVE_MAX RESP_MAX

static const char KEYFILE_MAGIC[] = "# medfw_loadgen keys v1";

/* ------------------------------------------------------------------ small helpers */

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int fail(const char *what, enum medfw_err err, const struct medfw_diag *diag)
{
	fprintf(stderr, "medfw_loadgen: %s: %s\n", what, medfw_diag_message(diag, err));
	return 1;
}

static int parse_num(const char *opt, const char *val, uint64_t min, uint64_t max,
		     uint64_t *out)
{
	if (val == NULL || medfw_parse_u64(val, min, max, out) != MEDFW_OK) {
		fprintf(stderr, "medfw_loadgen: %s takes a number %llu..%llu, not '%s'\n", opt,
			(unsigned long long)min, (unsigned long long)max, val ? val : "");
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ keys */

/* Benchmark-only deterministic key seed of device `index`. */
static enum medfw_err derive_seed(const char *seed, uint64_t index, uint8_t out[32])
{
	struct medfw_buf msg;
	size_t len = 0;
	enum medfw_err err;

	medfw_buf_init(&msg, SEED_MAX + 64u);
	err = medfw_buf_append(&msg, "medfw-loadgen-v1", 17); /* with its NUL */
	if (err == MEDFW_OK)
		err = medfw_buf_append(&msg, seed, strlen(seed) + 1);
	if (err == MEDFW_OK)
		err = medfw_buf_printf(&msg, "%llu", (unsigned long long)index);
	if (err == MEDFW_OK)
		err = medfw_hash_oneshot(MEDFW_HASH_SHA256, msg.data, msg.len, out, 32, &len);
	medfw_buf_free(&msg);
	return err;
}

/* An Ed25519 private key from its 32-byte seed, through a PKCS#8 PEM (RFC 8410). */
static enum medfw_err privkey_from_seed(const uint8_t seed[32], struct medfw_privkey **out,
					struct medfw_diag *diag)
{
	static const uint8_t prefix[16] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
					   0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
	uint8_t der[48];
	char b64[MEDFW_BASE64_LEN(48) + 1];
	char pem[160];
	int n;
	enum medfw_err err;

	memcpy(der, prefix, sizeof(prefix));
	memcpy(der + sizeof(prefix), seed, 32);
	/* 48 bytes: base64 without padding is standard base64 */
	err = medfw_base64_nopad_encode(der, sizeof(der), b64, sizeof(b64));
	medfw_wipe(der, sizeof(der));
	if (err != MEDFW_OK)
		return err;
	n = snprintf(pem, sizeof(pem), "-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n",
		     b64);
	medfw_wipe(b64, sizeof(b64));
	if (n < 0 || (size_t)n >= sizeof(pem))
		return MEDFW_ERR_TOO_LARGE;
	err = medfw_privkey_load_pem((const uint8_t *)pem, (size_t)n, NULL, out, diag);
	medfw_wipe(pem, sizeof(pem));
	return err;
}

static enum medfw_err raw_public(const struct medfw_privkey *key, uint8_t out[32],
				 struct medfw_diag *diag)
{
	struct medfw_pubkey *pub = NULL;
	const char *hex;
	size_t len = 0;
	enum medfw_err err = medfw_privkey_public(key, &pub, diag);

	if (err != MEDFW_OK)
		return err;
	hex = json_string_value(json_object_get(json_object_get(medfw_pubkey_json(pub), "keyval"),
						"public"));
	err = hex ? medfw_hex_decode(hex, out, 32, &len) : MEDFW_ERR_KEY_FORMAT;
	if (err == MEDFW_OK && len != 32)
		err = MEDFW_ERR_KEY_FORMAT;
	medfw_pubkey_free(pub);
	return err;
}

/* ------------------------------------------------------------------ setup */

struct setup_state {
	const char *seed;
	int64_t site_id;
	uint64_t next, end;
	struct medfw_buf *keyfile;
	uint8_t (*seeds)[32]; /* per device: key seed and public key, made in parallel */
	uint8_t (*pubs)[32];
	int64_t now;
};

/* The public half of an Ed25519 seed (libmedfw's fast path: ~50 us a key, where
 * building a key object through PKCS#8 costs ~0.6 ms under OpenSSL 3.0). The run path
 * builds every key it signs with through libmedfw's key objects. */
static enum medfw_err raw_public_fast(const uint8_t seed[32], uint8_t out[32])
{
	return medfw_ed25519_public_from_seed(seed, out);
}

static void bench_device(struct medfw_store_device *d, int64_t site_id, uint64_t i)
{
	memset(d, 0, sizeof(*d));
	d->site_id = site_id;
	snprintf(d->serial, sizeof(d->serial), "BENCH-%07llu", (unsigned long long)i);
	snprintf(d->model, sizeof(d->model), "Bench Infusion Pump");
	snprintf(d->hardware_id, sizeof(d->hardware_id), "bench-device");
	snprintf(d->department, sizeof(d->department), "Ward %llu",
		 (unsigned long long)(i % 40u + 1u));
	snprintf(d->location, sizeof(d->location), "Room %llu",
		 (unsigned long long)(i % 997u + 1u));
	snprintf(d->network_zone, sizeof(d->network_zone), "clinical");
	d->vlan = 100 + (int64_t)(i % 8u);
	snprintf(d->firmware_version, sizeof(d->firmware_version), "1.0.0");
	d->image_is_signed_release = MEDFW_TRI_UNKNOWN;
	d->clinical_state = MEDFW_CLINICAL_UNKNOWN;
	d->enrolment_state = MEDFW_ENROLMENT_PENDING;
}

/* One transaction: the next BATCH devices. */
static enum medfw_err setup_batch(struct medfw_store *tx, void *user, struct medfw_diag *diag)
{
	struct setup_state *st = user;
	uint64_t i, end = st->next + BATCH < st->end ? st->next + BATCH : st->end;
	enum medfw_err err = MEDFW_OK;
	size_t mark = st->keyfile->len;

	for (i = st->next; i < end && err == MEDFW_OK; i++) {
		struct medfw_store_device d;
		char hex[65];

		bench_device(&d, st->site_id, i);
		err = medfw_store_device_create(tx, &d, diag);
		if (err == MEDFW_OK)
			err = medfw_store_device_enrol(tx, d.id, st->pubs[i], diag);
		if (err == MEDFW_OK) {
			/* a fleet in service: each device checked in before, within the
			 * last check-in interval (so no first-check-in audit record) */
			struct medfw_store_checkin c;

			memset(&c, 0, sizeof(c));
			snprintf(c.firmware_version, sizeof(c.firmware_version), "1.0.0");
			snprintf(c.agent_version, sizeof(c.agent_version), "0.1.0");
			c.image_is_signed_release = MEDFW_TRI_UNKNOWN;
			c.clinical_state = MEDFW_CLINICAL_IDLE;
			c.now = st->now - (int64_t)(i % 300u);
			err = medfw_store_device_checkin(tx, d.id, &c, diag);
		}
		if (err == MEDFW_OK)
			err = medfw_hex_encode(st->seeds[i], 32, hex, sizeof(hex));
		if (err == MEDFW_OK)
			err = medfw_buf_printf(st->keyfile, "%lld %s %s\n", (long long)d.id, d.serial,
					       hex);
		medfw_wipe(hex, sizeof(hex));
	}
	if (err != MEDFW_OK) /* the transaction may be retried: drop this batch's lines */
		st->keyfile->len = mark;
	return err;
}

static int cmd_setup(int argc, char **argv)
{
	const char *data_dir = NULL, *keys = NULL, *seed = "medfw-bench";
	uint64_t n = 0;
	char path[PATH_MAX_LEN], url[PATH_MAX_LEN + 8];
	struct medfw_ctx *ctx = NULL;
	struct medfw_store *store = NULL;
	struct medfw_store_site site;
	struct medfw_buf keyfile;
	struct medfw_diag diag;
	struct setup_state st;
	uint64_t k;
	struct stat sb;
	enum medfw_err err;
	int64_t t0 = now_ns();
	int i, rc = 1;

	memset(&st, 0, sizeof(st));
	medfw_buf_init(&keyfile, KEYFILE_MAX);
	for (i = 0; i < argc; i += 2) { /* --option value pairs */
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "--data-dir") == 0 && val)
			data_dir = val;
		else if (strcmp(argv[i], "--keys") == 0 && val)
			keys = val;
		else if (strcmp(argv[i], "--seed") == 0 && val)
			seed = val;
		else if (strcmp(argv[i], "--devices") == 0) {
			if (parse_num("--devices", val, 1, DEVICES_MAX, &n))
				return 2;
		} else {
			fprintf(stderr, "medfw_loadgen setup: unknown or incomplete option '%s'\n",
				argv[i]);
			return 2;
		}
	}
	if (data_dir == NULL || keys == NULL || n == 0 || strlen(seed) > SEED_MAX) {
		fprintf(stderr, "usage: medfw_loadgen setup --data-dir DIR --devices N --keys KEYFILE"
				" [--seed TEXT (at most 256 chars)]\n");
		return 2;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/medfwd.db", data_dir) >= sizeof(path) ||
	    (size_t)snprintf(url, sizeof(url), "sqlite:%s", path) >= sizeof(url)) {
		fprintf(stderr, "medfw_loadgen: %s: path too long\n", data_dir);
		return 2;
	}
	if (stat(path, &sb) == 0) {
		fprintf(stderr, "medfw_loadgen: %s exists: setup wants a fresh data dir\n", path);
		return 1;
	}
	medfw_diag_clear(&diag);
	ctx = medfw_ctx_new();
	if (ctx == NULL)
		return fail("setup", MEDFW_ERR_NOMEM, NULL);
	err = medfw_mkdir_p(data_dir, 0700, &diag);
	if (err == MEDFW_OK)
		err = medfw_store_open(ctx, url, &store, &diag);
	if (err != MEDFW_OK) {
		rc = fail(url, err, &diag);
		goto out;
	}
	memset(&site, 0, sizeof(site));
	snprintf(site.name, sizeof(site.name), "Bench Hospital");
	snprintf(site.time_zone, sizeof(site.time_zone), "UTC");
	err = medfw_store_site_create(store, &site, &diag);
	if (err != MEDFW_OK) {
		rc = fail("site create", err, &diag);
		goto out;
	}
	err = medfw_buf_printf(&keyfile,
			       "%s\n# BENCHMARK ONLY: Ed25519 keys derived from a public seed; never"
			       " use them for real devices.\n# seed=%s devices=%llu site_id=%lld\n"
			       "# device_id serial ed25519_seed_hex\n",
			       KEYFILE_MAGIC, seed, (unsigned long long)n, (long long)site.id);
	st.seed = seed;
	st.site_id = site.id;
	st.now = (int64_t)time(NULL);
	st.end = n;
	st.keyfile = &keyfile;
	st.seeds = calloc(n, 32);
	st.pubs = calloc(n, 32);
	if (st.seeds == NULL || st.pubs == NULL) {
		rc = fail("setup", MEDFW_ERR_NOMEM, NULL);
		goto out;
	}
	for (k = 0; k < n && err == MEDFW_OK; k++) {
		err = derive_seed(seed, k, st.seeds[k]);
		if (err == MEDFW_OK)
			err = raw_public_fast(st.seeds[k], st.pubs[k]);
	}
	if (err == MEDFW_OK && n > 0) { /* cross-check the fast path against libmedfw's */
		struct medfw_privkey *key = NULL;
		uint8_t pub[32];

		err = privkey_from_seed(st.seeds[0], &key, &diag);
		if (err == MEDFW_OK)
			err = raw_public(key, pub, &diag);
		if (err == MEDFW_OK && memcmp(pub, st.pubs[0], 32) != 0)
			err = medfw_diag_set(&diag, MEDFW_ERR_CRYPTO, "public key paths disagree");
		medfw_privkey_free(key);
	}
	if (err != MEDFW_OK) {
		rc = fail("key derivation", err, &diag);
		goto out;
	}
	fprintf(stderr, "medfw_loadgen: %llu keys derived (%.1f s)\n", (unsigned long long)n,
		(double)(now_ns() - t0) / 1e9);
	for (st.next = 0; err == MEDFW_OK && st.next < n; st.next += BATCH)
		err = medfw_store_tx(store, setup_batch, &st, &diag);
	if (err != MEDFW_OK) {
		rc = fail("device setup", err, &diag);
		goto out;
	}
	err = medfw_file_write_atomic(keys, keyfile.data, keyfile.len, 0600, &diag);
	if (err != MEDFW_OK) {
		rc = fail(keys, err, &diag);
		goto out;
	}
	fprintf(stderr, "medfw_loadgen: %llu enrolled devices in %s, keys in %s (%.1f s)\n",
		(unsigned long long)n, path, keys, (double)(now_ns() - t0) / 1e9);
	rc = 0;
out:
	if (st.seeds != NULL)
		medfw_wipe(st.seeds, (size_t)n * 32u);
	free(st.seeds);
	free(st.pubs);
	medfw_buf_free(&keyfile);
	medfw_store_close(store);
	medfw_ctx_free(ctx);
	return rc;
}

/* ------------------------------------------------------------------ key file */

struct device_key {
	int64_t id;
	char keyid[MEDFW_HTTPSIG_STRING_MAX + 1];
	char serial[MEDFW_STORE_SHORT_MAX + 1];
	struct medfw_privkey *key;
	int has_session; /* --session: sign with session_key under session_keyid */
	char session_keyid[MEDFW_DEVSESSION_KEYID_MAX];
	uint8_t session_key[MEDFW_DEVSESSION_KEY_LEN];
};

static void free_devices(struct device_key *dev, size_t n)
{
	size_t i;

	for (i = 0; dev != NULL && i < n; i++) {
		medfw_privkey_free(dev[i].key);
		medfw_wipe(dev[i].session_key, sizeof(dev[i].session_key));
	}
	free(dev);
}

/* Next whitespace-separated field of the line at *p (NUL-terminates it in place). */
static char *next_field(char **p)
{
	char *s = *p, *start;

	while (*s == ' ')
		s++;
	if (*s == '\0')
		return NULL;
	start = s;
	while (*s != '\0' && *s != ' ')
		s++;
	if (*s == ' ')
		*s++ = '\0';
	*p = s;
	return start;
}

/* Read KEYFILE; keep `want` devices (0: all) spread evenly over the file, so that a
 * subset still touches the whole table; build their keys. */
static int load_keys(const char *path, uint64_t want, int keyid_serial, const char *prefix,
		     struct device_key **out, size_t *out_n)
{
	struct medfw_buf file;
	struct medfw_diag diag;
	struct device_key *all = NULL, *dev = NULL;
	uint8_t (*seeds)[32] = NULL;
	size_t total = 0, cap = 0, lineno = 0, n = 0, i;
	char *p, *line, *nl;
	enum medfw_err err;
	int rc = 1;

	*out = NULL;
	*out_n = 0;
	medfw_diag_clear(&diag);
	err = medfw_file_read(path, KEYFILE_MAX, &file, &diag);
	if (err != MEDFW_OK)
		return fail(path, err, &diag);
	if (file.len < sizeof(KEYFILE_MAGIC) - 1 ||
	    memcmp(file.data, KEYFILE_MAGIC, sizeof(KEYFILE_MAGIC) - 1) != 0) {
		fprintf(stderr, "medfw_loadgen: %s: not a medfw_loadgen key file\n", path);
		goto out;
	}
	for (p = (char *)file.data; *p != '\0'; p = nl) {
		char *id_s, *serial, *hex;
		uint64_t id;
		size_t len = 0;

		line = p;
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		else
			*nl++ = '\0';
		lineno++;
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (total == cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			struct device_key *na = realloc(all, ncap * sizeof(*all));
			uint8_t(*ns)[32];

			if (na == NULL) {
				fprintf(stderr, "medfw_loadgen: out of memory\n");
				goto out;
			}
			all = na;
			ns = realloc(seeds, ncap * 32u);
			if (ns == NULL) {
				fprintf(stderr, "medfw_loadgen: out of memory\n");
				goto out;
			}
			seeds = ns;
			cap = ncap;
		}
		id_s = next_field(&line);
		serial = next_field(&line);
		hex = next_field(&line);
		if (id_s == NULL || serial == NULL || hex == NULL ||
		    medfw_parse_u64(id_s, 1, INT64_MAX, &id) != MEDFW_OK ||
		    strlen(serial) > MEDFW_STORE_SHORT_MAX ||
		    medfw_hex_decode(hex, seeds[total], 32, &len) != MEDFW_OK || len != 32) {
			fprintf(stderr, "medfw_loadgen: %s:%zu: malformed line\n", path, lineno);
			goto out;
		}
		memset(&all[total], 0, sizeof(all[total]));
		all[total].id = (int64_t)id;
		snprintf(all[total].serial, sizeof(all[total].serial), "%s", serial);
		if ((size_t)snprintf(all[total].keyid, sizeof(all[total].keyid), "%s%s", prefix,
				     keyid_serial ? serial : id_s) >= sizeof(all[total].keyid)) {
			fprintf(stderr, "medfw_loadgen: keyid too long\n");
			goto out;
		}
		total++;
	}
	if (total == 0 || want > total) {
		fprintf(stderr, "medfw_loadgen: %s holds %zu devices, %llu wanted\n", path, total,
			(unsigned long long)want);
		goto out;
	}
	n = want ? (size_t)want : total;
	dev = calloc(n, sizeof(*dev));
	if (dev == NULL) {
		fprintf(stderr, "medfw_loadgen: out of memory\n");
		goto out;
	}
	/* ~0.6 ms a key (OpenSSL 3.0's PKCS#8 decoder); threads do not help: it is
	 * serialised on OpenSSL's internal locks */
	for (i = 0; i < n; i++) {
		size_t k = (size_t)((uint64_t)i * total / n);

		dev[i] = all[k];
		err = privkey_from_seed(seeds[k], &dev[i].key, &diag);
		if (err != MEDFW_OK) {
			fail(path, err, &diag);
			goto out;
		}
	}
	*out = dev;
	*out_n = n;
	dev = NULL;
	rc = 0;
out:
	free_devices(dev, n);
	free(all);
	if (seeds != NULL)
		medfw_wipe(seeds, cap * 32u);
	free(seeds);
	medfw_buf_free(&file);
	return rc;
}

/* ------------------------------------------------------------------ histogram */

/* Log-linear microsecond histogram: values below 128 are exact, above that 64
 * sub-buckets per power of two (relative bucket width <= 1/64). */
#define HIST_SUB_BITS 6u
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_TOP_BIT 40u /* ~12.7 days in microseconds: anything above is clamped */
#define HIST_BUCKETS ((HIST_TOP_BIT - HIST_SUB_BITS + 2u) * HIST_SUB)

struct hist {
	uint64_t count[HIST_BUCKETS];
	uint64_t n, max, sum;
};

static size_t hist_index(uint64_t v)
{
	unsigned msb, shift;

	if (v < 2u * HIST_SUB)
		return (size_t)v;
	if (v >= (1ull << HIST_TOP_BIT))
		v = (1ull << HIST_TOP_BIT) - 1u;
	msb = 63u - (unsigned)__builtin_clzll(v);
	shift = msb - HIST_SUB_BITS;
	return (size_t)(shift + 1u) * HIST_SUB + (size_t)((v >> shift) - HIST_SUB);
}

/* Middle of bucket idx. */
static double hist_value(size_t idx)
{
	unsigned shift;
	uint64_t lo;

	if (idx < 2u * HIST_SUB)
		return (double)idx;
	shift = (unsigned)(idx / HIST_SUB) - 1u;
	lo = ((uint64_t)(idx % HIST_SUB) + HIST_SUB) << shift;
	return (double)lo + (double)((1ull << shift) - 1u) / 2.0;
}

static void hist_add(struct hist *h, uint64_t us)
{
	h->count[hist_index(us)]++;
	h->n++;
	h->sum += us;
	if (us > h->max)
		h->max = us;
}

static void hist_merge(struct hist *into, const struct hist *h)
{
	size_t i;

	for (i = 0; i < HIST_BUCKETS; i++)
		into->count[i] += h->count[i];
	into->n += h->n;
	into->sum += h->sum;
	if (h->max > into->max)
		into->max = h->max;
}

/* The p-quantile (0 < p <= 1) in microseconds; never above the exact maximum. */
static double hist_quantile(const struct hist *h, double p)
{
	uint64_t rank, seen = 0;
	size_t i;

	if (h->n == 0)
		return 0;
	rank = (uint64_t)((double)h->n * p + 0.999999);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->count[i];
		if (seen >= rank) {
			double v = hist_value(i);
			return v > (double)h->max ? (double)h->max : v;
		}
	}
	return (double)h->max;
}

/* ------------------------------------------------------------------ HTTP client */

struct run_cfg {
	struct sockaddr_in addr;
	char host[64];
	char path[PATH_MAX_LEN];
	char method[16];
	struct device_key *devices;
	size_t n_devices;
	unsigned connections;
	uint64_t requests;      /* 0: duration mode */
	int64_t start_ns, measure_ns, end_ns;
	size_t body_size;
	size_t presign;         /* pre-signed requests per connection */
	int presign_cycle;      /* 1: reuse the pool when used up (static servers only) */
	int timeout_s;
	const char *save_response;
	const char *session_path; /* --session */
};

enum transport_err {
	T_CONNECT = 0,
	T_SEND,
	T_RECV,
	T_TIMEOUT,
	T_CLOSED,
	T_MALFORMED,
	T_TOO_LARGE,
	T_SIGN,
	T_COUNT,
};
static const char *const transport_names[T_COUNT] = {
	"connect", "send", "recv", "timeout", "closed_by_server", "malformed_response",
	"response_too_large", "sign"};

struct worker {
	pthread_t thread;
	const struct run_cfg *cfg;
	struct hist hist;
	uint64_t status[600];
	uint64_t transport[T_COUNT];
	uint64_t sent; /* every request sent, warm-up included */
	uint64_t sent_bytes; /* their bytes (request line, headers, body) */
	size_t resp_min, resp_max;
	uint64_t resp_2xx;
	int fd;
	char *req;
	char *resp;
	size_t resp_len;
	char *body;
	struct medfw_httpsig_headers sig;
	int64_t first_ns, last_ns; /* request-count mode: window */
	char *pool;                /* pre-signed requests, back to back */
	size_t *pool_off;          /* n_pool + 1 offsets into pool */
	size_t n_pool;
	uint64_t live_signed;      /* requests signed in the loop (pool used up) */
	int pool_err;
};

static atomic_uint_fast64_t next_device;
static atomic_uint_fast64_t pool_next;
static struct pooled {
	const char *req;
	size_t len;
} *pool_all; /* every pre-signed request, connections interleaved */
static uint64_t pool_total;
static atomic_uint_fast64_t requests_left;
static pthread_mutex_t save_lock = PTHREAD_MUTEX_INITIALIZER;
static int saved_response;
static unsigned first_status;

static void conn_close(struct worker *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	w->resp_len = 0;
}

static int conn_open(struct worker *w)
{
	struct timeval tv = {.tv_sec = w->cfg->timeout_s, .tv_usec = 0};
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (const struct sockaddr *)&w->cfg->addr, sizeof(w->cfg->addr)) != 0) {
		close(fd);
		return -1;
	}
	w->fd = fd;
	w->resp_len = 0;
	return 0;
}

/* A check-in body as an agent sends it (what it runs, where, its state): the fields of
 * POST /device/v1/checkin in docs/devices.md. */
static size_t build_body(const struct run_cfg *cfg, const struct device_key *dev, uint64_t seq,
			 char *out, size_t cap)
{
	static const char image_sha256[] =
		"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
	uint64_t id = dev ? (uint64_t)dev->id : seq;
	int n = snprintf(out, cap,
			 "{\"firmware_version\":\"1.0.0\",\"image_sha256\":\"%s\","
			 "\"agent_version\":\"0.1.0\",\"clinical_state\":\"%s\","
			 "\"ip\":\"10.%u.%u.%u\",\"mac\":\"02:00:00:%02x:%02x:%02x\","
			 "\"network_zone\":\"clinical\"}",
			 image_sha256, seq % 3u == 0 ? "in_use" : "idle",
			 (unsigned)((id >> 16) & 0xffu), (unsigned)((id >> 8) & 0xffu),
			 (unsigned)(id & 0xffu), (unsigned)((id >> 16) & 0xffu),
			 (unsigned)((id >> 8) & 0xffu), (unsigned)(id & 0xffu));
	size_t len;

	if (n < 0 || (size_t)n >= cap)
		return 0;
	len = (size_t)n;
	/* pad inside the object with spaces (JSON whitespace) up to body_size */
	if (cfg->body_size > len && cfg->body_size < cap) {
		size_t pad = cfg->body_size - len;

		memmove(out + len - 1 + pad, out + len - 1, 2);
		memset(out + len - 1, ' ', pad);
		len = cfg->body_size;
	}
	return len;
}

/* Sign (when keys are loaded) and write the request into w->req; its length or 0. */
static size_t build_request(struct worker *w, uint64_t seq)
{
	const struct run_cfg *cfg = w->cfg;
	const struct device_key *dev = NULL;
	size_t body_len, head_len;
	int n;

	if (cfg->n_devices > 0)
		dev = &cfg->devices[seq % cfg->n_devices];
	body_len = build_body(cfg, dev, seq, w->body, BODY_MAX);
	if (body_len == 0)
		return 0;
	if (dev != NULL) {
		uint8_t rnd[16];
		char nonce[33];
		struct medfw_diag diag;
		enum medfw_err err;

		medfw_diag_clear(&diag);
		err = medfw_random_bytes(rnd, sizeof(rnd));
		if (err == MEDFW_OK)
			err = medfw_hex_encode(rnd, sizeof(rnd), nonce, sizeof(nonce));
		if (err == MEDFW_OK && dev->has_session)
			err = medfw_httpsig_sign_hmac(dev->session_key, sizeof(dev->session_key),
						      dev->session_keyid, cfg->method, cfg->path,
						      NULL, (const uint8_t *)w->body, body_len,
						      (int64_t)time(NULL), nonce, &w->sig, &diag);
		else if (err == MEDFW_OK)
			err = medfw_httpsig_sign(dev->key, dev->keyid, cfg->method, cfg->path, NULL,
						 (const uint8_t *)w->body, body_len,
						 (int64_t)time(NULL), nonce, &w->sig, &diag);
		if (err != MEDFW_OK) {
			static atomic_int reported;
			if (atomic_fetch_add(&reported, 1) == 0)
				fail("sign", err, &diag);
			return 0;
		}
		n = snprintf(w->req, REQ_MAX,
			     "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
			     "Content-Length: %zu\r\nContent-Digest: %s\r\nSignature-Input: %s\r\n"
			     "Signature: %s\r\n\r\n",
			     cfg->method, cfg->path, cfg->host, body_len, w->sig.content_digest,
			     w->sig.signature_input, w->sig.signature);
	} else {
		n = snprintf(w->req, REQ_MAX,
			     "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
			     "Content-Length: %zu\r\n\r\n",
			     cfg->method, cfg->path, cfg->host, body_len);
	}
	if (n < 0 || (size_t)n >= REQ_MAX || body_len > REQ_MAX - (size_t)n)
		return 0;
	head_len = (size_t)n;
	memcpy(w->req + head_len, w->body, body_len);
	return head_len + body_len;
}

static int send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t k = send(fd, p, len, MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? T_TIMEOUT : T_SEND;
		p += k;
		len -= (size_t)k;
	}
	return -1;
}

static int ieq_prefix(const char *s, const char *end, const char *name)
{
	size_t n = strlen(name);

	return (size_t)(end - s) >= n && strncasecmp(s, name, n) == 0;
}

/* Read one response into w->resp. Returns -1 on success (status, body offset and
 * length set; *keep 0 when the server will close) or a transport error. */
static int read_response(struct worker *w, unsigned *status, size_t *body_off,
			 size_t *body_len, int *keep)
{
	char *head_end = NULL;
	uint64_t clen = 0;
	int have_clen = 0;
	char *line, *eol;
	size_t head_len = 0;

	*keep = 1;
	for (;;) {
		ssize_t k;

		if (w->resp_len > 0 && head_end == NULL) {
			w->resp[w->resp_len] = '\0';
			head_end = strstr(w->resp, "\r\n\r\n");
			if (head_end == NULL && w->resp_len >= RESP_HEAD_MAX)
				return T_TOO_LARGE;
			if (head_end != NULL) {
				head_len = (size_t)(head_end - w->resp) + 4u;
				/* status line */
				if (w->resp_len < 12 || strncmp(w->resp, "HTTP/1.", 7) != 0 ||
				    w->resp[8] != ' ' || w->resp[9] < '1' || w->resp[9] > '5' ||
				    w->resp[10] < '0' || w->resp[10] > '9' || w->resp[11] < '0' ||
				    w->resp[11] > '9')
					return T_MALFORMED;
				*status = (unsigned)(w->resp[9] - '0') * 100u +
					  (unsigned)(w->resp[10] - '0') * 10u +
					  (unsigned)(w->resp[11] - '0');
				if (w->resp[7] == '0')
					*keep = 0;
				line = strstr(w->resp, "\r\n") + 2;
				while (line < head_end) {
					eol = strstr(line, "\r\n");
					if (ieq_prefix(line, eol, "content-length:")) {
						char num[24];
						const char *v = line + 15;
						size_t vl;

						while (*v == ' ' || *v == '\t')
							v++;
						vl = (size_t)(eol - v);
						while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
							vl--;
						if (vl == 0 || vl >= sizeof(num))
							return T_MALFORMED;
						memcpy(num, v, vl);
						num[vl] = '\0';
						if (medfw_parse_u64(num, 0, RESP_MAX, &clen) != MEDFW_OK)
							return T_TOO_LARGE;
						have_clen = 1;
					} else if (ieq_prefix(line, eol, "connection:")) {
						const char *v = line + 11;
						while (*v == ' ')
							v++;
						if (ieq_prefix(v, eol, "close"))
							*keep = 0;
					} else if (ieq_prefix(line, eol, "transfer-encoding:")) {
						return T_MALFORMED; /* chunked: not needed here */
					}
					line = eol + 2;
				}
				if (!have_clen && *status != 204 && *status != 304 &&
				    *status >= 200)
					return T_MALFORMED;
				if (clen > RESP_MAX - head_len)
					return T_TOO_LARGE;
			}
		}
		if (head_end != NULL && w->resp_len >= head_len + clen)
			break;
		k = recv(w->fd, w->resp + w->resp_len, RESP_MAX - w->resp_len, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? T_TIMEOUT : T_RECV;
		if (k == 0)
			return T_CLOSED;
		w->resp_len += (size_t)k;
	}
	*body_off = head_len;
	*body_len = (size_t)clen;
	/* no pipelining: anything after the response is unexpected */
	if (w->resp_len != head_len + clen)
		return T_MALFORMED;
	w->resp_len = 0;
	return -1;
}

static void save_first(struct worker *w, unsigned status, const char *body, size_t len)
{
	pthread_mutex_lock(&save_lock);
	if (!saved_response) {
		saved_response = 1;
		first_status = status;
		if (w->cfg->save_response != NULL) {
			struct medfw_diag diag;
			enum medfw_err err;

			medfw_diag_clear(&diag);
			err = medfw_file_write_atomic(w->cfg->save_response, body, len, 0644, &diag);
			if (err != MEDFW_OK)
				fail(w->cfg->save_response, err, &diag);
		}
	}
	pthread_mutex_unlock(&save_lock);
}

/* Build w->cfg->presign complete requests, each signed now with its own created time
 * and nonce, so that no signing happens while the clock runs. */
static void *presign_main(void *arg)
{
	struct worker *w = arg;
	size_t cap = 0, used = 0, i, n = w->cfg->presign;

	w->pool_off = calloc(n + 1, sizeof(*w->pool_off));
	if (w->pool_off == NULL) {
		w->pool_err = 1;
		return NULL;
	}
	for (i = 0; i < n; i++) {
		size_t len = build_request(w, atomic_fetch_add(&next_device, 1));

		if (len == 0) {
			w->pool_err = 1;
			return NULL;
		}
		if (len > cap - used) {
			size_t ncap = (cap ? cap * 2 : len * 64) + len;
			char *np = realloc(w->pool, ncap);

			if (np == NULL) {
				w->pool_err = 1;
				return NULL;
			}
			w->pool = np;
			cap = ncap;
		}
		memcpy(w->pool + used, w->req, len);
		w->pool_off[i] = used;
		used += len;
		w->pool_off[i + 1] = used;
	}
	w->n_pool = n;
	return NULL;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const struct run_cfg *cfg = w->cfg;

	w->fd = -1;
	w->resp_min = SIZE_MAX;
	for (;;) {
		int64_t t0, t1;
		size_t req_len, body_off = 0, body_len = 0;
		unsigned status = 0;
		int err, keep = 1;
		uint64_t seq, pick;
		const char *req;

		if (cfg->requests > 0) {
			uint_fast64_t left = atomic_load(&requests_left);
			do {
			} while (left > 0 &&
				 !atomic_compare_exchange_weak(&requests_left, &left, left - 1));
			if (left == 0)
				break;
		} else if (now_ns() >= cfg->end_ns) {
			break;
		}
		if (w->fd < 0 && conn_open(w) != 0) {
			w->transport[T_CONNECT]++;
			nanosleep(&(struct timespec){.tv_sec = 0, .tv_nsec = 10000000}, NULL);
			continue;
		}
		/* one shared pool: a server may serve some connections far more than others */
		pick = pool_total > 0 ? atomic_fetch_add(&pool_next, 1) : 0;
		if (pool_total > 0 && cfg->presign_cycle)
			pick %= pool_total;
		if (pick < pool_total) {
			req = pool_all[pick].req;
			req_len = pool_all[pick].len;
		} else {
			seq = atomic_fetch_add(&next_device, 1);
			req = w->req;
			req_len = build_request(w, seq);
			if (req_len == 0) {
				w->transport[T_SIGN]++;
				continue;
			}
			w->live_signed++;
		}
		t0 = now_ns();
		w->sent++;
		w->sent_bytes += req_len;
		err = send_all(w->fd, req, req_len);
		if (err < 0)
			err = read_response(w, &status, &body_off, &body_len, &keep);
		t1 = now_ns();
		if (cfg->requests > 0 || (t0 >= cfg->measure_ns && t1 <= cfg->end_ns)) {
			if (w->first_ns == 0 || t0 < w->first_ns)
				w->first_ns = t0;
			if (t1 > w->last_ns)
				w->last_ns = t1;
			if (err >= 0) {
				w->transport[err]++;
			} else {
				w->status[status < 600 ? status : 0]++;
				hist_add(&w->hist, (uint64_t)((t1 - t0 + 500) / 1000));
				if (status >= 200 && status < 300) {
					w->resp_2xx++;
					if (body_len < w->resp_min)
						w->resp_min = body_len;
					if (body_len > w->resp_max)
						w->resp_max = body_len;
				}
			}
		}
		if (err < 0 && !saved_response)
			save_first(w, status, w->resp + body_off, body_len);
		if (err >= 0 || !keep)
			conn_close(w);
	}
	conn_close(w);
	return NULL;
}

/* ------------------------------------------------------------------ sessions */

/* One device's session: POST cfg->session_path signed with its Ed25519 key, the
 * answer's sealed key opened with the X25519 key made for it. 0 on success. */
static int open_session(struct worker *w, struct device_key *dev)
{
	const struct run_cfg *cfg = w->cfg;
	uint8_t priv[MEDFW_X25519_LEN], pub[MEDFW_X25519_LEN], rnd[16];
	char pub_hex[2 * MEDFW_X25519_LEN + 1], nonce[33], body[128];
	struct medfw_devsession_sealed sealed;
	struct medfw_diag diag;
	const char *keyid, *fields[3];
	uint8_t *dst[3];
	size_t lens[3], n = 0, body_off = 0, body_len = 0, i;
	unsigned status = 0;
	int len, keep = 1, rc = -1, terr;
	json_t *doc = NULL;
	json_error_t jerr;
	enum medfw_err err;

	medfw_diag_clear(&diag);
	err = medfw_x25519_generate(priv, pub);
	if (err == MEDFW_OK)
		err = medfw_hex_encode(pub, sizeof(pub), pub_hex, sizeof(pub_hex));
	if (err == MEDFW_OK)
		err = medfw_random_bytes(rnd, sizeof(rnd));
	if (err == MEDFW_OK)
		err = medfw_hex_encode(rnd, sizeof(rnd), nonce, sizeof(nonce));
	len = snprintf(body, sizeof(body), "{\"x25519_public_key\":\"%s\"}", pub_hex);
	if (err == MEDFW_OK)
		err = medfw_httpsig_sign(dev->key, dev->keyid, "POST", cfg->session_path, NULL,
					 (const uint8_t *)body, (size_t)len, (int64_t)time(NULL),
					 nonce, &w->sig, &diag);
	if (err != MEDFW_OK) {
		fail("session request", err, &diag);
		goto out;
	}
	len = snprintf(w->req, REQ_MAX,
		       "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
		       "Content-Length: %d\r\nContent-Digest: %s\r\nSignature-Input: %s\r\n"
		       "Signature: %s\r\n\r\n%s",
		       cfg->session_path, cfg->host, len, w->sig.content_digest,
		       w->sig.signature_input, w->sig.signature, body);
	if (w->fd < 0 && conn_open(w) != 0) {
		fprintf(stderr, "medfw_loadgen: session: cannot connect\n");
		goto out;
	}
	terr = send_all(w->fd, w->req, (size_t)len);
	if (terr < 0)
		terr = read_response(w, &status, &body_off, &body_len, &keep);
	if (terr >= 0 || !keep)
		conn_close(w);
	if (terr >= 0 || status != 200) {
		fprintf(stderr, "medfw_loadgen: session of %s: %s %u: %.*s\n", dev->keyid,
			terr >= 0 ? transport_names[terr] : "status", status,
			terr >= 0 ? 0 : (int)(body_len < 300 ? body_len : 300),
			w->resp + body_off);
		goto out;
	}
	doc = json_loadb(w->resp + body_off, body_len, JSON_REJECT_DUPLICATES, &jerr);
	keyid = json_string_value(json_object_get(doc, "keyid"));
	if (keyid == NULL || strlen(keyid) >= sizeof(dev->session_keyid)) {
		fprintf(stderr, "medfw_loadgen: session of %s: no keyid in the answer\n",
			dev->keyid);
		goto out;
	}
	fields[0] = "server_public_key", dst[0] = sealed.server_public,
	lens[0] = sizeof(sealed.server_public);
	fields[1] = "nonce", dst[1] = sealed.nonce, lens[1] = sizeof(sealed.nonce);
	fields[2] = "sealed_key", dst[2] = sealed.sealed, lens[2] = sizeof(sealed.sealed);
	for (i = 0; i < 3; i++) {
		const char *hex = json_string_value(json_object_get(doc, fields[i]));

		if (hex == NULL || medfw_hex_decode(hex, dst[i], lens[i], &n) != MEDFW_OK ||
		    n != lens[i]) {
			fprintf(stderr, "medfw_loadgen: session of %s: bad %s\n", dev->keyid,
				fields[i]);
			goto out;
		}
	}
	snprintf(dev->session_keyid, sizeof(dev->session_keyid), "%s", keyid);
	err = medfw_devsession_open(priv, pub, dev->session_keyid, &sealed, dev->session_key);
	if (err != MEDFW_OK) {
		fail("session key", err, NULL);
		goto out;
	}
	dev->has_session = 1;
	rc = 0;
out:
	medfw_wipe(priv, sizeof(priv));
	json_decref(doc);
	return rc;
}

static atomic_size_t session_next;
static atomic_int session_failed;

static void *session_main(void *arg)
{
	struct worker *w = arg;
	struct device_key *devs = w->cfg->devices;
	size_t i;

	w->fd = -1;
	while (!atomic_load(&session_failed) &&
	       (i = atomic_fetch_add(&session_next, 1)) < w->cfg->n_devices) {
		if (open_session(w, &devs[i]) != 0)
			atomic_store(&session_failed, 1);
	}
	conn_close(w);
	return NULL;
}

/* ------------------------------------------------------------------ run */

static int parse_url(const char *url, struct run_cfg *cfg)
{
	const char *p, *slash, *colon;
	char ip[32], port_s[8];
	uint64_t port;

	if (strncmp(url, "http://", 7) != 0)
		return -1;
	p = url + 7;
	slash = strchr(p, '/');
	if (slash == NULL)
		slash = p + strlen(p);
	colon = memchr(p, ':', (size_t)(slash - p));
	if (colon == NULL || (size_t)(colon - p) >= sizeof(ip) ||
	    (size_t)(slash - colon - 1) >= sizeof(port_s) ||
	    (size_t)(slash - p) >= sizeof(cfg->host))
		return -1;
	memcpy(ip, p, (size_t)(colon - p));
	ip[colon - p] = '\0';
	memcpy(port_s, colon + 1, (size_t)(slash - colon - 1));
	port_s[slash - colon - 1] = '\0';
	if (medfw_parse_u64(port_s, 1, 65535, &port) != MEDFW_OK)
		return -1;
	memset(&cfg->addr, 0, sizeof(cfg->addr));
	cfg->addr.sin_family = AF_INET;
	cfg->addr.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, ip, &cfg->addr.sin_addr) != 1)
		return -1;
	memcpy(cfg->host, p, (size_t)(slash - p));
	cfg->host[slash - p] = '\0';
	if (snprintf(cfg->path, sizeof(cfg->path), "%s", *slash ? slash : "/") >=
	    (int)sizeof(cfg->path))
		return -1;
	return 0;
}

static json_t *emit_result(const struct run_cfg *cfg, const char *url, struct worker *w,
			   uint64_t duration_s, uint64_t warmup_s, int64_t setup_ns)
{
	struct hist *all = calloc(1, sizeof(*all));
	json_t *res, *lat, *st, *tr;
	uint64_t status[600] = {0}, transport[T_COUNT] = {0}, sent = 0, resp_2xx = 0, errors = 0;
	uint64_t sent_bytes = 0;
	size_t resp_min = SIZE_MAX, resp_max = 0, i, s;
	int64_t first = 0, last = 0;
	double window;

	if (all == NULL)
		return NULL;
	for (i = 0; i < cfg->connections; i++) {
		hist_merge(all, &w[i].hist);
		for (s = 0; s < 600; s++)
			status[s] += w[i].status[s];
		for (s = 0; s < T_COUNT; s++)
			transport[s] += w[i].transport[s];
		sent += w[i].sent;
		sent_bytes += w[i].sent_bytes;
		resp_2xx += w[i].resp_2xx;
		if (w[i].resp_min < resp_min)
			resp_min = w[i].resp_min;
		if (w[i].resp_max > resp_max)
			resp_max = w[i].resp_max;
		if (w[i].first_ns != 0 && (first == 0 || w[i].first_ns < first))
			first = w[i].first_ns;
		if (w[i].last_ns > last)
			last = w[i].last_ns;
	}
	if (cfg->requests > 0)
		window = last > first ? (double)(last - first) / 1e9 : 0;
	else
		window = (double)duration_s;
	st = json_object();
	for (s = 0; s < 600; s++) {
		char k[8];
		if (status[s] == 0)
			continue;
		snprintf(k, sizeof(k), "%zu", s);
		json_object_set_new(st, k, json_integer((json_int_t)status[s]));
		if (s < 200 || s >= 300)
			errors += status[s];
	}
	tr = json_object();
	for (s = 0; s < T_COUNT; s++) {
		if (transport[s] == 0)
			continue;
		json_object_set_new(tr, transport_names[s], json_integer((json_int_t)transport[s]));
		errors += transport[s];
	}
	lat = json_pack("{s:f,s:f,s:f,s:f,s:f,s:f}", "p50", hist_quantile(all, 0.50) / 1000.0,
			"p90", hist_quantile(all, 0.90) / 1000.0, "p99",
			hist_quantile(all, 0.99) / 1000.0, "p999",
			hist_quantile(all, 0.999) / 1000.0, "max", (double)all->max / 1000.0,
			"mean", all->n ? (double)all->sum / (double)all->n / 1000.0 : 0.0);
	res = json_pack("{s:s,s:s,s:s,s:b,s:I,s:I,s:I,s:I,s:f,s:I,s:I,s:f,s:f,s:o,s:o,s:o,s:I,"
			"s:I,s:I,s:I,s:f}",
			"tool", "medfw_loadgen", "url", url, "method", cfg->method, "signed",
			cfg->n_devices > 0, "devices", (json_int_t)cfg->n_devices, "connections",
			(json_int_t)cfg->connections, "warmup_s", (json_int_t)warmup_s,
			"duration_s", (json_int_t)duration_s, "window_s", window, "requests",
			(json_int_t)all->n, "ok_2xx", (json_int_t)resp_2xx, "requests_per_s",
			window > 0 ? (double)all->n / window : 0.0, "ok_per_s",
			window > 0 ? (double)resp_2xx / window : 0.0, "latency_ms", lat, "status",
			st, "transport_errors", tr, "errors", (json_int_t)errors, "first_status",
			(json_int_t)first_status, "response_body_bytes_min",
			(json_int_t)(resp_2xx ? resp_min : 0), "response_body_bytes_max",
			(json_int_t)resp_max, "key_load_s", (double)setup_ns / 1e9);
	if (res != NULL) {
		json_object_set_new(res, "sent_total", json_integer((json_int_t)sent));
		json_object_set_new(res, "request_bytes_mean",
				    json_real(sent ? (double)sent_bytes / (double)sent : 0.0));
	}
	free(all);
	return res;
}

static int cmd_run(int argc, char **argv)
{
	struct run_cfg cfg;
	const char *url = NULL, *keys = NULL, *out_path = NULL, *prefix = "";
	uint64_t duration = 10, warmup = 2, n_dev = 0, conns = 64, v, presign_total = 0;
	int keyid_serial = 0, i, rc = 1;
	struct worker *w = NULL;
	json_t *res = NULL;
	int64_t t_keys, t_presign = 0, t_session = 0, cpu0 = 0, cpu1 = 0;
	unsigned started = 0, k, session_threads = 0;

	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.method, sizeof(cfg.method), "POST");
	cfg.timeout_s = 10;
	for (i = 0; i < argc; i += 2) { /* --option value pairs */
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (val == NULL) {
			fprintf(stderr, "medfw_loadgen run: %s needs a value\n", opt);
			return 2;
		}
		if (strcmp(opt, "--url") == 0)
			url = val;
		else if (strcmp(opt, "--keys") == 0)
			keys = val;
		else if (strcmp(opt, "--out") == 0)
			out_path = val;
		else if (strcmp(opt, "--save-response") == 0)
			cfg.save_response = val;
		else if (strcmp(opt, "--keyid-prefix") == 0)
			prefix = val;
		else if (strcmp(opt, "--keyid") == 0 &&
			 (strcmp(val, "id") == 0 || strcmp(val, "serial") == 0))
			keyid_serial = strcmp(val, "serial") == 0;
		else if (strcmp(opt, "--method") == 0 && strlen(val) > 0 &&
			 strlen(val) < sizeof(cfg.method) && strspn(val, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == strlen(val))
			snprintf(cfg.method, sizeof(cfg.method), "%s", val);
		else if (strcmp(opt, "--devices") == 0) {
			if (parse_num(opt, val, 1, DEVICES_MAX, &n_dev))
				return 2;
		} else if (strcmp(opt, "--connections") == 0) {
			if (parse_num(opt, val, 1, CONNECTIONS_MAX, &conns))
				return 2;
		} else if (strcmp(opt, "--duration") == 0) {
			if (parse_num(opt, val, 1, 3600, &duration))
				return 2;
		} else if (strcmp(opt, "--warmup") == 0) {
			if (parse_num(opt, val, 0, 3600, &warmup))
				return 2;
		} else if (strcmp(opt, "--requests") == 0) {
			if (parse_num(opt, val, 1, UINT64_MAX / 2, &cfg.requests))
				return 2;
		} else if (strcmp(opt, "--body-size") == 0) {
			if (parse_num(opt, val, 0, BODY_MAX - 1, &v))
				return 2;
			cfg.body_size = (size_t)v;
		} else if (strcmp(opt, "--presign") == 0) {
			if (parse_num(opt, val, 0, 10000000, &v))
				return 2;
			presign_total = v;
		} else if (strcmp(opt, "--session") == 0 && val[0] == '/' &&
			   strlen(val) < PATH_MAX_LEN) {
			cfg.session_path = val;
		} else if (strcmp(opt, "--presign-cycle") == 0 &&
			   (strcmp(val, "0") == 0 || strcmp(val, "1") == 0)) {
			cfg.presign_cycle = val[0] == '1';
		} else if (strcmp(opt, "--timeout") == 0) {
			if (parse_num(opt, val, 1, 600, &v))
				return 2;
			cfg.timeout_s = (int)v;
		} else {
			fprintf(stderr, "medfw_loadgen run: unknown option or bad value: %s %s\n",
				opt, val);
			return 2;
		}
	}
	if (url == NULL || parse_url(url, &cfg) != 0) {
		fprintf(stderr, "medfw_loadgen run: --url http://IPV4:PORT/PATH is required\n");
		return 2;
	}
	cfg.connections = (unsigned)conns;
	t_keys = now_ns();
	if (keys != NULL &&
	    load_keys(keys, n_dev, keyid_serial, prefix, &cfg.devices, &cfg.n_devices) != 0)
		return 1;
	t_keys = now_ns() - t_keys;
	w = calloc(cfg.connections, sizeof(*w));
	if (w == NULL)
		goto out;
	for (k = 0; k < cfg.connections; k++) {
		w[k].cfg = &cfg;
		w[k].req = malloc(REQ_MAX);
		w[k].resp = malloc(RESP_MAX + 1);
		w[k].body = malloc(BODY_MAX);
		if (w[k].req == NULL || w[k].resp == NULL || w[k].body == NULL) {
			fprintf(stderr, "medfw_loadgen: out of memory\n");
			goto out;
		}
	}
	if (cfg.session_path != NULL) {
		unsigned threads = cfg.connections < 16 ? cfg.connections : 16, built;

		t_session = now_ns();
		session_threads = threads;

		if (cfg.n_devices == 0) {
			fprintf(stderr, "medfw_loadgen: --session needs --keys\n");
			goto out;
		}
		for (built = 0; built < threads; built++)
			if (pthread_create(&w[built].thread, NULL, session_main, &w[built]) != 0)
				break;
		for (k = 0; k < built; k++)
			pthread_join(w[k].thread, NULL);
		if (built != threads || atomic_load(&session_failed)) {
			fprintf(stderr, "medfw_loadgen: opening sessions failed\n");
			goto out;
		}
		t_session = now_ns() - t_session;
		fprintf(stderr, "medfw_loadgen: %zu sessions opened in %.1f s\n", cfg.n_devices,
			(double)t_session / 1e9);
	}
	cfg.presign = (size_t)((presign_total + cfg.connections - 1) / cfg.connections);
	if (cfg.presign > 0) {
		unsigned built = 0;

		t_presign = now_ns();
		for (built = 0; built < cfg.connections; built++)
			if (pthread_create(&w[built].thread, NULL, presign_main, &w[built]) != 0)
				break;
		for (k = 0; k < built; k++)
			pthread_join(w[k].thread, NULL);
		for (k = 0; k < cfg.connections; k++) {
			if (k >= built || w[k].pool_err) {
				fprintf(stderr, "medfw_loadgen: pre-signing failed\n");
				goto out;
			}
		}
		pool_all = calloc(cfg.presign * cfg.connections, sizeof(*pool_all));
		if (pool_all == NULL) {
			fprintf(stderr, "medfw_loadgen: out of memory\n");
			goto out;
		}
		for (i = 0; (size_t)i < cfg.presign; i++) {
			for (k = 0; k < cfg.connections; k++) {
				struct pooled *pp = &pool_all[(size_t)i * cfg.connections + k];

				pp->req = w[k].pool + w[k].pool_off[i];
				pp->len = w[k].pool_off[i + 1] - w[k].pool_off[i];
			}
		}
		pool_total = (uint64_t)cfg.presign * cfg.connections;
		t_presign = now_ns() - t_presign;
		fprintf(stderr, "medfw_loadgen: %zu requests pre-signed in %.1f s\n",
			cfg.presign * cfg.connections, (double)t_presign / 1e9);
	}
	atomic_store(&requests_left, cfg.requests);
	cfg.start_ns = now_ns();
	cfg.measure_ns = cfg.requests > 0 ? cfg.start_ns : cfg.start_ns + (int64_t)warmup * 1000000000;
	cfg.end_ns = cfg.measure_ns + (int64_t)duration * 1000000000;
	for (started = 0; started < cfg.connections; started++) {
		if (pthread_create(&w[started].thread, NULL, worker_main, &w[started]) != 0) {
			fprintf(stderr, "medfw_loadgen: cannot start thread %u\n", started);
			break;
		}
	}
	/* the client's own CPU use over the measured window (it shares the cores) */
	if (cfg.requests == 0 && started == cfg.connections) {
		struct timespec until = {.tv_sec = (time_t)(cfg.measure_ns / 1000000000),
					 .tv_nsec = (long)(cfg.measure_ns % 1000000000)};

		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR)
			;
		cpu0 = cpu_ns();
		until.tv_sec = (time_t)(cfg.end_ns / 1000000000);
		until.tv_nsec = (long)(cfg.end_ns % 1000000000);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR)
			;
		cpu1 = cpu_ns();
	}
	for (k = 0; k < started; k++)
		pthread_join(w[k].thread, NULL);
	if (started != cfg.connections)
		goto out;
	res = emit_result(&cfg, url, w, cfg.requests > 0 ? 0 : duration,
			  cfg.requests > 0 ? 0 : warmup, t_keys);
	if (res != NULL) {
		uint64_t live = 0;

		for (k = 0; k < cfg.connections; k++)
			live += w[k].live_signed;
		json_object_set_new(res, "presigned", json_integer((json_int_t)(cfg.presign * cfg.connections)));
		json_object_set_new(res, "presign_cycle", json_boolean(cfg.presign_cycle));
		json_object_set_new(res, "signature",
				    json_string(cfg.session_path != NULL ? "hmac-sha256 (session)"
						: cfg.n_devices > 0      ? "ed25519"
									 : "none"));
		json_object_set_new(res, "presign_s", json_real((double)t_presign / 1e9));
		if (cfg.session_path != NULL) {
			json_object_set_new(res, "sessions_opened",
					    json_integer((json_int_t)cfg.n_devices));
			json_object_set_new(res, "session_open_s", json_real((double)t_session / 1e9));
			json_object_set_new(res, "session_open_connections",
					    json_integer((json_int_t)session_threads));
		}
		json_object_set_new(res, "live_signed", json_integer((json_int_t)live));
		if (cpu1 > cpu0)
			json_object_set_new(res, "client_cpu_cores",
					    json_real((double)(cpu1 - cpu0) / 1e9 / (double)duration));
	}
	if (res == NULL) {
		fprintf(stderr, "medfw_loadgen: out of memory\n");
		goto out;
	}
	if (out_path != NULL ? json_dump_file(res, out_path, JSON_INDENT(2) | JSON_SORT_KEYS) != 0
			     : json_dumpf(res, stdout, JSON_INDENT(2) | JSON_SORT_KEYS) != 0) {
		fprintf(stderr, "medfw_loadgen: cannot write the result\n");
		goto out;
	}
	if (out_path == NULL)
		putchar('\n');
	fprintf(stderr,
		"medfw_loadgen: %s %s: %.0f req/s (%lld ok), p50 %.2f ms, p99 %.2f ms, max %.2f "
		"ms, errors %lld\n",
		cfg.method, url, json_real_value(json_object_get(res, "requests_per_s")),
		(long long)json_integer_value(json_object_get(res, "ok_2xx")),
		json_real_value(json_object_get(json_object_get(res, "latency_ms"), "p50")),
		json_real_value(json_object_get(json_object_get(res, "latency_ms"), "p99")),
		json_real_value(json_object_get(json_object_get(res, "latency_ms"), "max")),
		(long long)json_integer_value(json_object_get(res, "errors")));
	rc = 0;
out:
	json_decref(res);
	for (k = 0; w != NULL && k < cfg.connections; k++) {
		free(w[k].req);
		free(w[k].resp);
		free(w[k].body);
		free(w[k].pool);
		free(w[k].pool_off);
	}
	free(w);
	free(pool_all);
	free_devices(cfg.devices, cfg.n_devices);
	return rc;
}

static int usage(FILE *f)
{
	fputs("usage: medfw_loadgen setup --data-dir DIR --devices N --keys KEYFILE [--seed TEXT]\n"
	      "       medfw_loadgen run --url http://IPV4:PORT/PATH [--method M] [--keys KEYFILE]\n"
	      "           [--devices N] [--keyid id|serial] [--keyid-prefix TEXT]\n"
	      "           [--connections M] [--duration S | --requests N] [--warmup S]\n"
	      "           [--body-size N] [--presign N] [--presign-cycle 0|1] [--timeout S]\n"
	      "           [--session PATH]\n"
	      "           [--out FILE] [--save-response FILE]\n"
	      "Benchmark tool only: setup derives device keys from a public seed.\n",
	      f);
	return f == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "setup") == 0)
		return cmd_setup(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 2, argv + 2);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return usage(stdout);
	return usage(stderr);
}
