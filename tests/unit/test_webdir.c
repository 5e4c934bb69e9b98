/* The web dashboard's files in memory: a tree loaded whole, content types, ETags,
 * every refusal naming the file at fault, and the limits at their boundaries. */
#define _XOPEN_SOURCE 700 /* mknod */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "medfw/crypto.h"
#include "medfw/webdir.h"

/* dir/rel, with the parents of rel made on the way. */
static void put(const char *dir, const char *rel, const char *text)
{
	char path[4096];

	tu_path(path, sizeof(path), dir, rel);
	for (char *p = path + strlen(dir) + 1; *p != 0; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
		*p = '/';
	}
	tu_write_file(path, text, strlen(text));
}

/* A file of `size` zero bytes (sparse: costs no disk). */
static void put_sized(const char *dir, const char *rel, off_t size)
{
	char path[4096];
	int fd;

	tu_path(path, sizeof(path), dir, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, size), 0);
	assert_int_equal(close(fd), 0);
}

static void mkdir_in(const char *dir, const char *rel)
{
	char path[4096];

	tu_path(path, sizeof(path), dir, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

/* Loading must fail with `want`, name `needle` (the file) and `also` (the limit or
 * the reason), and leave *out NULL. */
static void refused(const char *dir, enum medfw_err want, const char *needle, const char *also)
{
	struct medfw_webdir *wd = (struct medfw_webdir *)(uintptr_t)1;
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	err = medfw_webdir_load(dir, &wd, &d);
	if (err != want)
		fail_msg("want %s, got %s: %s", medfw_err_name(want), medfw_err_name(err), d.msg);
	assert_null(wd);
	if (strstr(d.msg, needle) == NULL || (also != NULL && strstr(d.msg, also) == NULL))
		fail_msg("message \"%s\" does not name \"%s\" / \"%s\"", d.msg, needle,
			 also != NULL ? also : "");
}

static struct medfw_webdir *loaded(const char *dir)
{
	struct medfw_webdir *wd = NULL;
	struct medfw_diag d;

	medfw_diag_clear(&d);
	if (medfw_webdir_load(dir, &wd, &d) != MEDFW_OK)
		fail_msg("load %s: %s", dir, d.msg);
	assert_non_null(wd);
	return wd;
}

static void test_load_tree(void **state)
{
	char *dir = tu_tmpdir_new();
	struct medfw_webdir *wd;
	const struct medfw_webdir_file *f;

	(void)state;
	put(dir, "index.html", "<!doctype html><title>medfw</title>");
	put(dir, "assets/app-1a2b.js", "console.log(1)");
	put(dir, "assets/app-1a2b.css", "body{}");
	put(dir, "favicon.svg", "<svg/>");
	put(dir, "a/b/c/deep.txt", "four levels");
	put(dir, "assets/empty.json", "");
	mkdir_in(dir, "emptydir");
	wd = loaded(dir);
	assert_int_equal(medfw_webdir_count(wd), 6);
	assert_int_equal(medfw_webdir_total_bytes(wd), 35 + 14 + 6 + 6 + 11 + 0);
	f = medfw_webdir_find(wd, "index.html");
	assert_non_null(f);
	assert_string_equal(f->path, "index.html");
	assert_int_equal(f->len, 35);
	assert_memory_equal(f->data, "<!doctype html><title>medfw</title>", 35);
	assert_string_equal(f->content_type, "text/html; charset=utf-8");
	f = medfw_webdir_find(wd, "assets/app-1a2b.js");
	assert_non_null(f);
	assert_string_equal(f->content_type, "text/javascript; charset=utf-8");
	assert_memory_equal(f->data, "console.log(1)", 14);
	f = medfw_webdir_find(wd, "a/b/c/deep.txt");
	assert_non_null(f);
	assert_string_equal(f->content_type, "text/plain; charset=utf-8");
	f = medfw_webdir_find(wd, "assets/empty.json");
	assert_non_null(f);
	assert_int_equal(f->len, 0);
	assert_non_null(f->data);
	/* exact relative paths only: no directories, no leading '/', no case folding */
	assert_null(medfw_webdir_find(wd, "assets"));
	assert_null(medfw_webdir_find(wd, "emptydir"));
	assert_null(medfw_webdir_find(wd, "/index.html"));
	assert_null(medfw_webdir_find(wd, "INDEX.HTML"));
	assert_null(medfw_webdir_find(wd, "assets//app-1a2b.js"));
	assert_null(medfw_webdir_find(wd, "assets/../index.html"));
	assert_null(medfw_webdir_find(wd, ""));
	/* in byte order of the paths */
	assert_string_equal(medfw_webdir_file_at(wd, 0)->path, "a/b/c/deep.txt");
	assert_string_equal(medfw_webdir_file_at(wd, 5)->path, "index.html");
	assert_null(medfw_webdir_file_at(wd, 6));
	medfw_webdir_free(wd);
	medfw_webdir_free(NULL);
	tu_tmpdir_free(dir);
}

static void test_content_types(void **state)
{
	static const char *const cases[][2] = {
		{"index.html", "text/html; charset=utf-8"},
		{"a.js", "text/javascript; charset=utf-8"},
		{"a.mjs", "text/javascript; charset=utf-8"},
		{"a.css", "text/css; charset=utf-8"},
		{"a.svg", "image/svg+xml"},
		{"a.png", "image/png"},
		{"favicon.ico", "image/x-icon"},
		{"a.json", "application/json"},
		{"app.js.map", "application/json"},
		{"robots.txt", "text/plain; charset=utf-8"},
		{"font.woff2", "font/woff2"},
		{"site.webmanifest", "application/manifest+json"},
		{"INDEX.HTML", "text/html; charset=utf-8"},
		{"assets/x.CSS", "text/css; charset=utf-8"},
		{"a.woff", "application/octet-stream"},
		{"a.htm", "application/octet-stream"},
		{"a.exe", "application/octet-stream"},
		{"README", "application/octet-stream"},
		{"a.", "application/octet-stream"},
		{"html", "application/octet-stream"},
		{"assets.js/readme", "application/octet-stream"},
		{"", "application/octet-stream"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (strcmp(medfw_webdir_content_type(cases[i][0]), cases[i][1]) != 0)
			fail_msg("%s: %s, want %s", cases[i][0],
				 medfw_webdir_content_type(cases[i][0]), cases[i][1]);
	assert_string_equal(medfw_webdir_content_type(NULL), "application/octet-stream");
}

static void test_etags(void **state)
{
	char *dir = tu_tmpdir_new();
	struct medfw_webdir *wd, *again;
	const struct medfw_webdir_file *a, *b, *c;
	uint8_t digest[MEDFW_SHA256_LEN];
	char hex[33], want[35];
	size_t dlen = 0;

	(void)state;
	put(dir, "a.js", "one");
	put(dir, "b.js", "two");
	put(dir, "sub/c.js", "one");
	wd = loaded(dir);
	a = medfw_webdir_find(wd, "a.js");
	b = medfw_webdir_find(wd, "b.js");
	c = medfw_webdir_find(wd, "sub/c.js");
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	/* the quoted hex of the first 16 bytes of the SHA-256 */
	assert_int_equal(medfw_hash_oneshot(MEDFW_HASH_SHA256, "one", 3, digest, sizeof(digest),
					    &dlen), MEDFW_OK);
	assert_int_equal(medfw_hex_encode(digest, 16, hex, sizeof(hex)), MEDFW_OK);
	snprintf(want, sizeof(want), "\"%s\"", hex);
	assert_string_equal(a->etag, want);
	assert_int_equal(strlen(a->etag), MEDFW_WEBDIR_ETAG_LEN);
	assert_string_equal(a->etag, "\"7692c3ad3540bb803c020b3aee66cd88\"");
	/* different content, different tag; same content, same tag */
	assert_string_not_equal(a->etag, b->etag);
	assert_string_equal(a->etag, c->etag);
	/* stable across loads */
	again = loaded(dir);
	assert_string_equal(medfw_webdir_find(again, "b.js")->etag, b->etag);
	medfw_webdir_free(again);
	/* a changed file gets another tag at the next load */
	put(dir, "b.js", "two!");
	again = loaded(dir);
	assert_string_not_equal(medfw_webdir_find(again, "b.js")->etag, b->etag);
	medfw_webdir_free(again);
	medfw_webdir_free(wd);
	tu_tmpdir_free(dir);
}

static void test_if_none_match(void **state)
{
	static const char tag[] = "\"7692c3ad3540bb803c020b3aee66cd88\"";
	static const char *const match[] = {
		"\"7692c3ad3540bb803c020b3aee66cd88\"",
		"W/\"7692c3ad3540bb803c020b3aee66cd88\"",
		"  \"7692c3ad3540bb803c020b3aee66cd88\"  ",
		"\"a\", \"7692c3ad3540bb803c020b3aee66cd88\"",
		"\"a\",W/\"7692c3ad3540bb803c020b3aee66cd88\",\"b\"",
		",, \"x\" ,\t\"7692c3ad3540bb803c020b3aee66cd88\"",
		"*",
		" * ",
	};
	static const char *const no_match[] = {
		"",
		"   ",
		"\"7692c3ad3540bb803c020b3aee66cd8\"",
		"\"7692c3ad3540bb803c020b3aee66cd88",
		"7692c3ad3540bb803c020b3aee66cd88",
		"\"7692C3AD3540BB803C020B3AEE66CD88\"",
		"w/\"7692c3ad3540bb803c020b3aee66cd88\"",
		"W/",
		"\"a\" \"7692c3ad3540bb803c020b3aee66cd88\"",
		"\"a\"x, \"7692c3ad3540bb803c020b3aee66cd88\"",
		"junk, \"7692c3ad3540bb803c020b3aee66cd88\"",
		"*, \"7692c3ad3540bb803c020b3aee66cd88\"",
		"**",
		"\"\"",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(match) / sizeof(match[0]); i++)
		if (!medfw_webdir_etag_matches(match[i], tag))
			fail_msg("[%s] should match", match[i]);
	for (size_t i = 0; i < sizeof(no_match) / sizeof(no_match[0]); i++)
		if (medfw_webdir_etag_matches(no_match[i], tag))
			fail_msg("[%s] should not match", no_match[i]);
	assert_false(medfw_webdir_etag_matches(NULL, tag));
	assert_false(medfw_webdir_etag_matches("*", NULL));
}

static void test_refuses_links_and_special_files(void **state)
{
	char *dir;
	char path[4096], shown[4096];
	struct sockaddr_un sa;
	int fd;

	(void)state;
	/* a symbolic link to a file inside the tree */
	dir = tu_tmpdir_new();
	put(dir, "index.html", "x");
	tu_path(path, sizeof(path), dir, "assets/link.js");
	put(dir, "assets/real.js", "y");
	assert_int_equal(symlink("real.js", path), 0);
	refused(dir, MEDFW_ERR_IO, path, "symbolic link");
	tu_tmpdir_free(dir);
	/* a symbolic link to a directory (outside) */
	dir = tu_tmpdir_new();
	put(dir, "index.html", "x");
	tu_path(path, sizeof(path), dir, "etc");
	assert_int_equal(symlink("/etc", path), 0);
	refused(dir, MEDFW_ERR_IO, path, "symbolic link");
	tu_tmpdir_free(dir);
	/* a dangling one */
	dir = tu_tmpdir_new();
	tu_path(path, sizeof(path), dir, "gone.js");
	assert_int_equal(symlink("nowhere", path), 0);
	refused(dir, MEDFW_ERR_IO, path, "symbolic link");
	tu_tmpdir_free(dir);
	/* a FIFO (it is never opened: loading does not block) */
	dir = tu_tmpdir_new();
	put(dir, "index.html", "x");
	tu_path(path, sizeof(path), dir, "pipe.js");
	assert_int_equal(mkfifo(path, 0644), 0);
	refused(dir, MEDFW_ERR_IO, path, "FIFO");
	tu_tmpdir_free(dir);
	/* a socket */
	dir = tu_tmpdir_new();
	tu_path(path, sizeof(path), dir, "sock");
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	assert_true(strlen(path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	refused(dir, MEDFW_ERR_IO, path, "socket");
	close(fd);
	tu_tmpdir_free(dir);
	/* a device node (making one needs CAP_MKNOD: checked where the test may) */
	dir = tu_tmpdir_new();
	tu_path(path, sizeof(path), dir, "null.js");
	if (mknod(path, S_IFCHR | 0644, makedev(1, 3)) == 0)
		refused(dir, MEDFW_ERR_IO, path, "character device");
	else
		assert_true(errno == EPERM || errno == EACCES);
	tu_tmpdir_free(dir);
	/* the root itself: missing, or a file */
	dir = tu_tmpdir_new();
	tu_path(path, sizeof(path), dir, "none");
	refused(path, MEDFW_ERR_NOT_FOUND, path, "no such directory");
	put(dir, "file", "x");
	tu_path(path, sizeof(path), dir, "file");
	refused(path, MEDFW_ERR_IO, path, "not a directory");
	snprintf(shown, sizeof(shown), "%s", "");
	refused(shown, MEDFW_ERR_INVALID_ARG, "no web directory", NULL);
	tu_tmpdir_free(dir);
}

static void test_refuses_names(void **state)
{
	static const char *const bad[][2] = {
		{".env", "starting with '.'"},
		{"assets/.hidden.js", "starting with '.'"},
		{".git/config", "starting with '.'"},
		{"bad name.js", "A-Z a-z 0-9 . _ -"},
		{"x$.js", "A-Z a-z 0-9 . _ -"},
		{"assets/caf\xc3\xa9.js", "A-Z a-z 0-9 . _ -"},
		{"a\\b.js", "A-Z a-z 0-9 . _ -"},
		{"x:y.js", "A-Z a-z 0-9 . _ -"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *dir = tu_tmpdir_new();
		char want[4096];
		size_t n;

		put(dir, "index.html", "x");
		put(dir, bad[i][0], "bad");
		/* the message names the entry (as far as its first bad part), non-ASCII as '?' */
		snprintf(want, sizeof(want), "%s/%s", dir, bad[i][0]);
		if (strncmp(bad[i][0], ".git/", 5) == 0)
			want[strlen(dir) + 5] = 0;
		n = strlen(want);
		for (size_t k = 0; k < n; k++)
			if ((unsigned char)want[k] > 0x7e)
				want[k] = '?';
		refused(dir, MEDFW_ERR_FIELD_VALUE, want, bad[i][1]);
		tu_tmpdir_free(dir);
	}
}

static void test_depth_limit(void **state)
{
	char *dir = tu_tmpdir_new();
	char want[4096];
	struct medfw_webdir *wd;

	(void)state;
	put(dir, "a/b/c/d.js", "4 levels");
	wd = loaded(dir);
	assert_non_null(medfw_webdir_find(wd, "a/b/c/d.js"));
	medfw_webdir_free(wd);
	put(dir, "a/b/c/d/e.js", "5 levels");
	snprintf(want, sizeof(want), "%s/a/b/c/d/e.js", dir);
	refused(dir, MEDFW_ERR_TOO_DEEP, want, "deeper than 4 levels");
	tu_tmpdir_free(dir);
	/* an empty directory at level 4 is fine, one at level 5 is not */
	dir = tu_tmpdir_new();
	put(dir, "a/b/c/x.js", "");
	mkdir_in(dir, "a/b/c/d");
	medfw_webdir_free(loaded(dir));
	mkdir_in(dir, "a/b/c/d/e");
	snprintf(want, sizeof(want), "%s/a/b/c/d/e", dir);
	refused(dir, MEDFW_ERR_TOO_DEEP, want, "deeper than 4 levels");
	tu_tmpdir_free(dir);
}

static void test_file_count_limit(void **state)
{
	char *dir = tu_tmpdir_new();
	char name[64], want[4096];
	struct medfw_webdir *wd;

	(void)state;
	mkdir_in(dir, "assets");
	for (unsigned i = 0; i < MEDFW_WEBDIR_MAX_FILES; i++) {
		snprintf(name, sizeof(name), "assets/f%04u.js", i);
		put(dir, name, "");
	}
	wd = loaded(dir);
	assert_int_equal(medfw_webdir_count(wd), MEDFW_WEBDIR_MAX_FILES);
	medfw_webdir_free(wd);
	put(dir, "assets/f9999.js", ""); /* the 1025th, last in order */
	snprintf(want, sizeof(want), "%s/assets/f9999.js", dir);
	refused(dir, MEDFW_ERR_TOO_LARGE, want, "more than 1024 files");
	tu_tmpdir_free(dir);
}

static void test_dir_count_limit(void **state)
{
	char *dir = tu_tmpdir_new();
	char name[64], want[4096];

	(void)state;
	for (unsigned i = 0; i < MEDFW_WEBDIR_MAX_DIRS; i++) {
		snprintf(name, sizeof(name), "d%04u", i);
		mkdir_in(dir, name);
	}
	medfw_webdir_free(loaded(dir));
	mkdir_in(dir, "d9999");
	snprintf(want, sizeof(want), "%s/d9999", dir);
	refused(dir, MEDFW_ERR_TOO_LARGE, want, "more than 1024 directories");
	tu_tmpdir_free(dir);
}

static void test_file_size_limit(void **state)
{
	char *dir = tu_tmpdir_new();
	char want[4096];
	struct medfw_webdir *wd;
	const struct medfw_webdir_file *f;

	(void)state;
	put_sized(dir, "big.js", (off_t)MEDFW_WEBDIR_MAX_FILE_BYTES);
	wd = loaded(dir);
	f = medfw_webdir_find(wd, "big.js");
	assert_non_null(f);
	assert_int_equal(f->len, MEDFW_WEBDIR_MAX_FILE_BYTES);
	assert_int_equal(f->data[MEDFW_WEBDIR_MAX_FILE_BYTES - 1], 0);
	medfw_webdir_free(wd);
	put_sized(dir, "big.js", (off_t)MEDFW_WEBDIR_MAX_FILE_BYTES + 1);
	snprintf(want, sizeof(want), "%s/big.js", dir);
	refused(dir, MEDFW_ERR_TOO_LARGE, want, "16777217 bytes, more than the limit of one file");
	tu_tmpdir_free(dir);
}

static void test_total_size_limit(void **state)
{
	char *dir = tu_tmpdir_new();
	char want[4096];
	struct medfw_webdir *wd;

	(void)state;
	/* 4 x 16 MiB = 64 MiB exactly: fine */
	put_sized(dir, "a.bin", (off_t)MEDFW_WEBDIR_MAX_FILE_BYTES);
	put_sized(dir, "b.bin", (off_t)MEDFW_WEBDIR_MAX_FILE_BYTES);
	put_sized(dir, "c.bin", (off_t)MEDFW_WEBDIR_MAX_FILE_BYTES);
	put_sized(dir, "d.bin", (off_t)MEDFW_WEBDIR_MAX_FILE_BYTES);
	put(dir, "e.txt", "");
	wd = loaded(dir);
	assert_int_equal(medfw_webdir_total_bytes(wd), MEDFW_WEBDIR_MAX_TOTAL_BYTES);
	medfw_webdir_free(wd);
	/* one byte more */
	put(dir, "e.txt", "!");
	snprintf(want, sizeof(want), "%s/e.txt", dir);
	refused(dir, MEDFW_ERR_TOO_LARGE, want, "limit of a web directory (67108864 bytes");
	tu_tmpdir_free(dir);
}

static void test_unreadable_file(void **state)
{
	char *dir = tu_tmpdir_new();
	char path[4096];

	(void)state;
	put(dir, "secret.js", "x");
	tu_path(path, sizeof(path), dir, "secret.js");
	assert_int_equal(chmod(path, 0), 0);
	if (access(path, R_OK) == 0) { /* root reads it anyway */
		chmod(path, 0644);
		tu_tmpdir_free(dir);
		skip();
	}
	refused(dir, MEDFW_ERR_IO, path, "Permission denied");
	assert_int_equal(chmod(path, 0644), 0);
	tu_tmpdir_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_tree),
		cmocka_unit_test(test_content_types),
		cmocka_unit_test(test_etags),
		cmocka_unit_test(test_if_none_match),
		cmocka_unit_test(test_refuses_links_and_special_files),
		cmocka_unit_test(test_refuses_names),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_file_count_limit),
		cmocka_unit_test(test_dir_count_limit),
		cmocka_unit_test(test_file_size_limit),
		cmocka_unit_test(test_total_size_limit),
		cmocka_unit_test(test_unreadable_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
