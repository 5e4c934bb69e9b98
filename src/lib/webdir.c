/* The web dashboard's files in memory (include/medfw/webdir.h).
 *
 * The walk goes through directory descriptors (openat / fstatat with
 * AT_SYMLINK_NOFOLLOW / O_NOFOLLOW), so no symbolic link under the root is ever
 * followed, also when one appears while we read. Every directory's names are sorted
 * before they are looked at, so the file named in an error does not depend on the
 * order the file system lists them in. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "medfw/buf.h"
#include "medfw/crypto.h"
#include "medfw/webdir.h"

#define NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"
#define REL_MAX (MEDFW_WEBDIR_MAX_DEPTH * (MEDFW_WEBDIR_MAX_NAME + 1))
#define SHOWN_MAX 1536 /* a path as named in messages (root + relative path) */
#define ETAG_BYTES 16  /* of the SHA-256 */

struct medfw_webdir {
	struct medfw_webdir_file *files; /* sorted by path */
	size_t n, cap;
	size_t n_dirs;
	uint64_t total;
};

struct walk {
	struct medfw_webdir *wd;
	const char *root;
	struct medfw_diag *diag;
};

static const struct {
	const char *ext;
	const char *type;
} content_types[] = {
	{"html", "text/html; charset=utf-8"},
	{"js", "text/javascript; charset=utf-8"},
	{"mjs", "text/javascript; charset=utf-8"},
	{"css", "text/css; charset=utf-8"},
	{"svg", "image/svg+xml"},
	{"png", "image/png"},
	{"ico", "image/x-icon"},
	{"json", "application/json"},
	{"map", "application/json"},
	{"txt", "text/plain; charset=utf-8"},
	{"woff2", "font/woff2"},
	{"webmanifest", "application/manifest+json"},
};

const char *medfw_webdir_content_type(const char *name)
{
	const char *base, *dot;

	if (name == NULL)
		return "application/octet-stream";
	base = strrchr(name, '/');
	base = base != NULL ? base + 1 : name;
	dot = strrchr(base, '.');
	if (dot == NULL || dot == base)
		return "application/octet-stream";
	for (size_t i = 0; i < sizeof(content_types) / sizeof(content_types[0]); i++)
		if (strcasecmp(dot + 1, content_types[i].ext) == 0)
			return content_types[i].type;
	return "application/octet-stream";
}

/* "root/rel/name" for messages; bytes outside printable ASCII become '?' (a name
 * refused for its characters is shown without them reaching a terminal or log). */
static void shown_path(char *out, size_t cap, const char *root, const char *rel,
		       const char *name)
{
	size_t n;

	snprintf(out, cap, "%s/%s%s%s", root, rel, rel[0] != 0 ? "/" : "", name);
	n = strlen(out);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] > 0x7e)
			out[i] = '?';
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_files(const void *a, const void *b)
{
	return strcmp(((const struct medfw_webdir_file *)a)->path,
		      ((const struct medfw_webdir_file *)b)->path);
}

static enum medfw_err check_name(struct walk *w, const char *name, const char *shown,
				 unsigned depth)
{
	size_t n = strlen(name);

	if (name[0] == '.')
		return medfw_diag_set(w->diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: a name starting with '.' (no hidden files in a web "
				      "directory)", shown);
	if (n > MEDFW_WEBDIR_MAX_NAME)
		return medfw_diag_set(w->diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: a name longer than %u bytes", shown, MEDFW_WEBDIR_MAX_NAME);
	if (strspn(name, NAME_CHARS) != n)
		return medfw_diag_set(w->diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: a name may hold only A-Z a-z 0-9 . _ -", shown);
	if (depth > MEDFW_WEBDIR_MAX_DEPTH)
		return medfw_diag_set(w->diag, MEDFW_ERR_TOO_DEEP,
				      "%s: deeper than %u levels (the limit of a web directory)",
				      shown, MEDFW_WEBDIR_MAX_DEPTH);
	return MEDFW_OK;
}

/* Read exactly `size` bytes of fd (a regular file) and make sure nothing follows. */
static enum medfw_err read_exact(struct walk *w, int fd, size_t size, const char *shown,
				 uint8_t **out)
{
	uint8_t *data = malloc(size + 1);
	size_t got = 0;
	uint8_t extra;

	*out = NULL;
	if (data == NULL)
		return medfw_diag_set(w->diag, MEDFW_ERR_NOMEM, "%s: out of memory", shown);
	while (got < size) {
		ssize_t r = read(fd, data + got, size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(data);
			return r < 0 ? medfw_diag_set(w->diag, MEDFW_ERR_IO, "%s: read: %s", shown,
						      strerror(errno))
				     : medfw_diag_set(w->diag, MEDFW_ERR_IO,
						      "%s: became shorter while it was read", shown);
		}
		got += (size_t)r;
	}
	for (;;) {
		ssize_t r = read(fd, &extra, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r != 0) {
			free(data);
			return medfw_diag_set(w->diag, MEDFW_ERR_IO,
					      "%s: changed while it was read", shown);
		}
		break;
	}
	data[size] = 0;
	*out = data;
	return MEDFW_OK;
}

static enum medfw_err add_file(struct walk *w, int dfd, const char *name, const char *rel,
			       const char *shown)
{
	struct medfw_webdir *wd = w->wd;
	struct medfw_webdir_file *f;
	struct stat st;
	uint8_t digest[MEDFW_SHA256_LEN], *data = NULL;
	char hex[2 * ETAG_BYTES + 1];
	size_t dlen = 0;
	enum medfw_err err;
	int fd;

	if (wd->n >= MEDFW_WEBDIR_MAX_FILES)
		return medfw_diag_set(w->diag, MEDFW_ERR_TOO_LARGE,
				      "%s: more than %u files (the limit of a web directory)", shown,
				      MEDFW_WEBDIR_MAX_FILES);
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return medfw_diag_set(w->diag, MEDFW_ERR_IO, "%s: %s", shown,
				      errno == ELOOP ? "a symbolic link (only regular files are "
						       "served)"
						     : strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return medfw_diag_set(w->diag, MEDFW_ERR_IO, "%s: not a regular file", shown);
	}
	if ((uint64_t)st.st_size > MEDFW_WEBDIR_MAX_FILE_BYTES) {
		close(fd);
		return medfw_diag_set(w->diag, MEDFW_ERR_TOO_LARGE,
				      "%s: %lld bytes, more than the limit of one file (%u bytes, "
				      "16 MiB)", shown, (long long)st.st_size,
				      MEDFW_WEBDIR_MAX_FILE_BYTES);
	}
	if ((uint64_t)st.st_size > MEDFW_WEBDIR_MAX_TOTAL_BYTES - wd->total) {
		close(fd);
		return medfw_diag_set(w->diag, MEDFW_ERR_TOO_LARGE,
				      "%s: with its %lld bytes the files add up to more than the "
				      "limit of a web directory (%u bytes, 64 MiB)", shown,
				      (long long)st.st_size, MEDFW_WEBDIR_MAX_TOTAL_BYTES);
	}
	err = read_exact(w, fd, (size_t)st.st_size, shown, &data);
	close(fd);
	if (err != MEDFW_OK)
		return err;
	err = medfw_hash_oneshot(MEDFW_HASH_SHA256, data, (size_t)st.st_size, digest,
				 sizeof(digest), &dlen);
	if (err == MEDFW_OK)
		err = medfw_hex_encode(digest, ETAG_BYTES, hex, sizeof(hex));
	if (err != MEDFW_OK) {
		free(data);
		return medfw_diag_set(w->diag, err, "%s: cannot hash it", shown);
	}
	if (wd->n == wd->cap) {
		size_t cap = wd->cap == 0 ? 16 : wd->cap * 2;
		struct medfw_webdir_file *grown = realloc(wd->files, cap * sizeof(*grown));

		if (grown == NULL) {
			free(data);
			return medfw_diag_set(w->diag, MEDFW_ERR_NOMEM, "out of memory");
		}
		wd->files = grown;
		wd->cap = cap;
	}
	f = &wd->files[wd->n];
	memset(f, 0, sizeof(*f));
	f->path = strdup(rel);
	if (f->path == NULL) {
		free(data);
		return medfw_diag_set(w->diag, MEDFW_ERR_NOMEM, "out of memory");
	}
	f->data = data;
	f->len = (size_t)st.st_size;
	f->content_type = medfw_webdir_content_type(name);
	snprintf(f->etag, sizeof(f->etag), "\"%s\"", hex);
	wd->n++;
	wd->total += (uint64_t)st.st_size;
	return MEDFW_OK;
}

static enum medfw_err walk_dir(struct walk *w, int fd, const char *rel, unsigned depth);

/* One entry `name` of the directory dfd (whose relative path is `rel`). */
static enum medfw_err walk_entry(struct walk *w, int dfd, const char *rel, const char *name,
				 unsigned depth)
{
	char shown[SHOWN_MAX], child[REL_MAX + 1];
	struct stat st;
	enum medfw_err err;
	int fd;

	shown_path(shown, sizeof(shown), w->root, rel, name);
	err = check_name(w, name, shown, depth);
	if (err != MEDFW_OK)
		return err;
	/* depth <= MAX_DEPTH names of <= MAX_NAME bytes each: fits */
	snprintf(child, sizeof(child), "%s%s%s", rel, rel[0] != 0 ? "/" : "", name);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return medfw_diag_set(w->diag, MEDFW_ERR_IO, "%s: %s", shown, strerror(errno));
	if (S_ISREG(st.st_mode))
		return add_file(w, dfd, name, child, shown);
	if (S_ISDIR(st.st_mode)) {
		if (w->wd->n_dirs >= MEDFW_WEBDIR_MAX_DIRS)
			return medfw_diag_set(w->diag, MEDFW_ERR_TOO_LARGE,
					      "%s: more than %u directories (the limit of a web "
					      "directory)", shown, MEDFW_WEBDIR_MAX_DIRS);
		w->wd->n_dirs++;
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return medfw_diag_set(w->diag, MEDFW_ERR_IO, "%s: %s", shown,
					      strerror(errno));
		return walk_dir(w, fd, child, depth);
	}
	return medfw_diag_set(w->diag, MEDFW_ERR_IO, "%s: %s (only regular files are served)",
			      shown,
			      S_ISLNK(st.st_mode)    ? "a symbolic link"
			      : S_ISCHR(st.st_mode)  ? "a character device"
			      : S_ISBLK(st.st_mode)  ? "a block device"
			      : S_ISFIFO(st.st_mode) ? "a FIFO"
			      : S_ISSOCK(st.st_mode) ? "a socket"
						     : "not a regular file");
}

/* The directory open on fd (taken) at relative path `rel`, `depth` names deep. */
static enum medfw_err walk_dir(struct walk *w, int fd, const char *rel, unsigned depth)
{
	const size_t max_entries = MEDFW_WEBDIR_MAX_FILES + MEDFW_WEBDIR_MAX_DIRS;
	DIR *d = fdopendir(fd);
	struct dirent *e;
	char **names = NULL, shown[SHOWN_MAX];
	size_t n = 0, cap = 0;
	enum medfw_err err = MEDFW_OK;

	shown_path(shown, sizeof(shown), w->root, "", rel);
	if (d == NULL) {
		close(fd);
		return medfw_diag_set(w->diag, MEDFW_ERR_IO, "%s: %s", shown, strerror(errno));
	}
	for (;;) {
		errno = 0;
		e = readdir(d);
		if (e == NULL) {
			if (errno != 0)
				err = medfw_diag_set(w->diag, MEDFW_ERR_IO, "%s: %s", shown,
						     strerror(errno));
			break;
		}
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (n >= max_entries) {
			err = medfw_diag_set(w->diag, MEDFW_ERR_TOO_LARGE,
					     "%s: more than %zu entries in one directory (the "
					     "limit of a web directory: %u files, %u directories)",
					     shown, max_entries, MEDFW_WEBDIR_MAX_FILES,
					     MEDFW_WEBDIR_MAX_DIRS);
			break;
		}
		if (n == cap) {
			size_t grown_cap = cap == 0 ? 16 : cap * 2;
			char **grown = realloc(names, grown_cap * sizeof(*grown));

			if (grown == NULL) {
				err = medfw_diag_set(w->diag, MEDFW_ERR_NOMEM, "out of memory");
				break;
			}
			names = grown;
			cap = grown_cap;
		}
		names[n] = strdup(e->d_name);
		if (names[n] == NULL) {
			err = medfw_diag_set(w->diag, MEDFW_ERR_NOMEM, "out of memory");
			break;
		}
		n++;
	}
	if (err == MEDFW_OK && n > 0)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; err == MEDFW_OK && i < n; i++)
		err = walk_entry(w, dirfd(d), rel, names[i], depth + 1);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return err;
}

enum medfw_err medfw_webdir_load(const char *dir, struct medfw_webdir **out,
				 struct medfw_diag *diag)
{
	struct medfw_webdir *wd;
	struct walk w;
	enum medfw_err err;
	int fd;

	*out = NULL;
	if (dir == NULL || dir[0] == 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no web directory given");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return medfw_diag_set(diag, errno == ENOENT ? MEDFW_ERR_NOT_FOUND : MEDFW_ERR_IO,
				      "%s: %s", dir,
				      errno == ENOENT ? "no such directory"
				      : errno == ENOTDIR ? "not a directory"
							 : strerror(errno));
	wd = calloc(1, sizeof(*wd));
	if (wd == NULL) {
		close(fd);
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	}
	w.wd = wd;
	w.root = dir;
	w.diag = diag;
	err = walk_dir(&w, fd, "", 0);
	if (err != MEDFW_OK) {
		medfw_webdir_free(wd);
		return err;
	}
	if (wd->n > 0)
		qsort(wd->files, wd->n, sizeof(*wd->files), cmp_files);
	*out = wd;
	return MEDFW_OK;
}

const struct medfw_webdir_file *medfw_webdir_find(const struct medfw_webdir *wd,
						  const char *path)
{
	struct medfw_webdir_file key;

	if (wd == NULL || path == NULL || wd->n == 0)
		return NULL;
	memset(&key, 0, sizeof(key));
	key.path = path;
	return bsearch(&key, wd->files, wd->n, sizeof(*wd->files), cmp_files);
}

size_t medfw_webdir_count(const struct medfw_webdir *wd)
{
	return wd != NULL ? wd->n : 0;
}

uint64_t medfw_webdir_total_bytes(const struct medfw_webdir *wd)
{
	return wd != NULL ? wd->total : 0;
}

const struct medfw_webdir_file *medfw_webdir_file_at(const struct medfw_webdir *wd, size_t i)
{
	return wd != NULL && i < wd->n ? &wd->files[i] : NULL;
}

int medfw_webdir_etag_matches(const char *header, const char *etag)
{
	const char *p = header, *end;
	size_t elen;

	if (header == NULL || etag == NULL)
		return 0;
	elen = strlen(etag);
	p += strspn(p, " \t");
	if (p[0] == '*' && p[1 + strspn(p + 1, " \t")] == 0)
		return 1;
	for (;;) {
		p += strspn(p, " \t,");
		if (*p == 0)
			return 0;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		if (*p != '"')
			return 0;
		end = strchr(p + 1, '"');
		if (end == NULL)
			return 0;
		if ((size_t)(end + 1 - p) == elen && memcmp(p, etag, elen) == 0)
			return 1;
		p = end + 1;
		p += strspn(p, " \t");
		if (*p != ',' && *p != 0)
			return 0;
	}
}

void medfw_webdir_free(struct medfw_webdir *wd)
{
	if (wd == NULL)
		return;
	for (size_t i = 0; i < wd->n; i++) {
		free((void *)(uintptr_t)wd->files[i].path);
		free((void *)(uintptr_t)wd->files[i].data);
	}
	free(wd->files);
	free(wd);
}
