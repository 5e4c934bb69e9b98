/* Shared helpers for the cmocka unit tests. */
#ifndef MEDFW_TESTUTIL_H
#define MEDFW_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "medfw/buf.h"

/* A fresh private temporary directory (mkdtemp under $TMPDIR or /tmp); the
 * returned string is freed by tu_tmpdir_free, which also removes the tree. */
char *tu_tmpdir_new(void);
void tu_tmpdir_free(char *dir);

/* path joined into a static-size buffer owned by the caller. */
void tu_path(char *out, size_t cap, const char *dir, const char *name);

/* Path of a file under ../shared/testdata (from $MEDFW_SHARED_DIR). */
void tu_shared_path(char *out, size_t cap, const char *rel);

/* Read a whole file or fail the test. */
void tu_read_file(const char *path, struct medfw_buf *out);

/* Write a file or fail the test. */
void tu_write_file(const char *path, const void *data, size_t len);

/* Assert every byte of p[0..n) is zero. */
void tu_assert_zeroed(const void *p, size_t n);

/* A new SQLite database at `path` made by the store's migrations of versions 1 to
 * `version` (what an older medfwd left), then `sql` run on it (rows to migrate); the
 * test fails unless that returns `sql_result` (an SQLite result code). */
void tu_sqlite_at_version(const char *path, int64_t version, const char *sql, int sql_result);

#endif
