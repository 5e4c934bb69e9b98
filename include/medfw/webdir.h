/* The web dashboard's files, loaded whole into memory (medfwd serves them).
 *
 * medfw_webdir_load reads every file under a directory once; what it loaded is what
 * is served until the caller frees it (files changed on disk later are not seen).
 * The tree must be plain and small, or loading fails naming the file at fault:
 *
 *   - regular files and directories only: a symbolic link, device, FIFO or socket
 *     anywhere under the directory is refused (the directory itself may be reached
 *     through a symbolic link: it is the operator's choice);
 *   - every name made of A-Z a-z 0-9 . _ - (at most MEDFW_WEBDIR_MAX_NAME bytes),
 *     never starting with '.' (no dotfiles, no "." or ".." tricks);
 *   - at most MEDFW_WEBDIR_MAX_DEPTH names in a relative path ("index.html" is 1,
 *     "assets/app.js" 2), MEDFW_WEBDIR_MAX_FILES files, MEDFW_WEBDIR_MAX_DIRS
 *     directories, MEDFW_WEBDIR_MAX_FILE_BYTES per file and
 *     MEDFW_WEBDIR_MAX_TOTAL_BYTES for all files together.
 *
 * Errors of medfw_webdir_load:
 *   MEDFW_ERR_NOT_FOUND      the directory does not exist;
 *   MEDFW_ERR_IO             it is not a directory, a file cannot be read, or an entry
 *                            is a symbolic link, device, FIFO or socket;
 *   MEDFW_ERR_FIELD_VALUE    a name with other characters or starting with '.';
 *   MEDFW_ERR_TOO_DEEP       a path deeper than MEDFW_WEBDIR_MAX_DEPTH;
 *   MEDFW_ERR_TOO_LARGE      a file, the total, the number of files or directories
 *                            over its limit (the message names the file and the limit);
 *   MEDFW_ERR_NOMEM.
 *
 * Each file gets a Content-Type from its extension (medfw_webdir_content_type) and a
 * strong ETag: the first 16 bytes of its SHA-256 in lowercase hex, in double quotes.
 * A loaded webdir is read-only: lookups from several threads at once are safe.
 */
#ifndef MEDFW_WEBDIR_H
#define MEDFW_WEBDIR_H

#include <stddef.h>
#include <stdint.h>

#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEDFW_WEBDIR_MAX_FILES 1024u
#define MEDFW_WEBDIR_MAX_DIRS 1024u
#define MEDFW_WEBDIR_MAX_DEPTH 4u
#define MEDFW_WEBDIR_MAX_NAME 255u
#define MEDFW_WEBDIR_MAX_FILE_BYTES (16u * 1024u * 1024u)
#define MEDFW_WEBDIR_MAX_TOTAL_BYTES (64u * 1024u * 1024u)
/* '"' + 32 hex digits + '"' */
#define MEDFW_WEBDIR_ETAG_LEN 34u

struct medfw_webdir_file {
	const char *path;         /* relative, '/'-separated: "assets/app-1a2b3c.js" */
	const uint8_t *data;      /* len bytes (never NULL, also for an empty file) */
	size_t len;
	const char *content_type; /* static string */
	char etag[MEDFW_WEBDIR_ETAG_LEN + 1];
};

struct medfw_webdir;

/* Load every file under `dir`. *out is freed by medfw_webdir_free; on failure it is
 * NULL and nothing stays allocated. */
enum medfw_err medfw_webdir_load(const char *dir, struct medfw_webdir **out,
				 struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* The file at exactly `path` (relative, '/'-separated, no leading '/'); NULL when
 * there is none (directories are not files). Borrowed from wd. */
const struct medfw_webdir_file *medfw_webdir_find(const struct medfw_webdir *wd,
						  const char *path);

/* How many files, and their bytes together. */
size_t medfw_webdir_count(const struct medfw_webdir *wd);
uint64_t medfw_webdir_total_bytes(const struct medfw_webdir *wd);

/* The i-th file in byte order of the paths (i < count); NULL past the end. */
const struct medfw_webdir_file *medfw_webdir_file_at(const struct medfw_webdir *wd, size_t i);

/* The Content-Type for a file name by its extension (case-insensitive): html, js,
 * mjs, css, svg, png, ico, json, map, txt, woff2, webmanifest; anything else
 * "application/octet-stream". Static string, never NULL. */
const char *medfw_webdir_content_type(const char *name);

/* Whether an If-None-Match header value (untrusted; RFC 9110 13.1.2: "*" or a
 * comma-separated list of entity tags, W/ allowed, compared weakly) names `etag`
 * (a file's etag, quotes included). A malformed list matches nothing; header NULL
 * (no such header) neither. */
int medfw_webdir_etag_matches(const char *header, const char *etag);

/* wd NULL is a no-op. */
void medfw_webdir_free(struct medfw_webdir *wd);

#ifdef __cplusplus
}
#endif
#endif
