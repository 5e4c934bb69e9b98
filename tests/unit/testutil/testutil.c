/* Shared helpers for the cmocka unit tests. */
#define _XOPEN_SOURCE 700
#include "testutil.h"
#include <sqlite3.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store_internal.h"

char *tu_tmpdir_new(void)
{
	const char *base = getenv("TMPDIR");
	char tmpl[4096];
	char *dir;

	snprintf(tmpl, sizeof(tmpl), "%s/medfw-test-XXXXXX", base != NULL ? base : "/tmp");
	dir = mkdtemp(tmpl);
	assert_non_null(dir);
	dir = strdup(dir);
	assert_non_null(dir);
	return dir;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tu_tmpdir_free(char *dir)
{
	if (dir == NULL)
		return;
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

void tu_path(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	assert_true(n > 0 && (size_t)n < cap);
}

void tu_shared_path(char *out, size_t cap, const char *rel)
{
	const char *shared = getenv("MEDFW_SHARED_DIR");
	int n;

	if (shared == NULL)
		shared = "../shared";
	n = snprintf(out, cap, "%s/testdata/%s", shared, rel);
	assert_true(n > 0 && (size_t)n < cap);
}

void tu_read_file(const char *path, struct medfw_buf *out)
{
	enum medfw_err err = medfw_file_read(path, 64u * 1024u * 1024u, out, NULL);

	if (err != MEDFW_OK)
		fail_msg("cannot read %s: %s", path, medfw_strerror(err));
}

void tu_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

void tu_assert_zeroed(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			fail_msg("byte %zu is 0x%02x, expected zero", i, b[i]);
}

void tu_sqlite_at_version(const char *path, int64_t version, const char *sql, int sql_result)
{
	char rows[64];
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE schema_version (version INTEGER PRIMARY KEY,"
					  " applied_at INTEGER NOT NULL)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	for (size_t i = 0; medfwi_sqlite_migrations[i].sql != NULL; i++)
		if (medfwi_sqlite_migrations[i].version <= version)
			assert_int_equal(sqlite3_exec(db, medfwi_sqlite_migrations[i].sql, NULL, NULL,
						      NULL),
					 SQLITE_OK);
	for (int64_t v = 1; v <= version; v++) {
		snprintf(rows, sizeof(rows), "INSERT INTO schema_version VALUES (%lld, 0)",
			 (long long)v);
		assert_int_equal(sqlite3_exec(db, rows, NULL, NULL, NULL), SQLITE_OK);
	}
	if (sql != NULL)
		assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), sql_result);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}
