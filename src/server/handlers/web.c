/* The web dashboard: the single-page app's built files (index.html, assets/...),
 * served by medfwd itself from memory (include/medfw/webdir.h: loaded whole at
 * start-up, never re-read).
 *
 *   GET /                  index.html
 *   GET /ui, /ui/{path*}   index.html: the app's own routes (a deep link or a reload
 *                          of /ui/devices/42 gets the app, which shows the page)
 *   GET /assets/{path*}    that file under assets/ (content-hashed names: cached for
 *                          a year), else 404
 *   GET /favicon.svg, /favicon.ico   when the build has them
 *
 * No authentication and no data: just the files (the app signs in through
 * /api/v1/session and reads everything through the API). Every answer carries the
 * dashboard's headers instead of the API's (a CSP that allows the page's own scripts,
 * styles, images, fonts and API calls and nothing else: no inline script, no other
 * origin, no framing), a Cache-Control and a strong ETag; If-None-Match gets 304. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "medfw/webdir.h"

#ifndef MEDFWD_WEB_DATADIR
#error "MEDFWD_WEB_DATADIR (the installed share/medfw/web) comes from CMakeLists.txt"
#endif

#define CACHE_IMMUTABLE "public, max-age=31536000, immutable"
#define CACHE_REVALIDATE "no-cache"
#define CACHE_NONE "no-store"
#define REL_MAX 1100 /* longer than any path medfw_webdir loads */

struct medfwd_web {
	struct medfw_webdir *files;            /* NULL: the dashboard is off */
	const struct medfw_webdir_file *index; /* in files */
	char dir[PATH_MAX];                    /* where they came from */
	char looked_at[2 * PATH_MAX + 8];      /* off: the places looked at */
};

static const struct medfwd_header dashboard_headers[] = {
	{"Content-Security-Policy",
	 "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
	 "font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; "
	 "form-action 'self'; frame-ancestors 'none'"},
	{"X-Content-Type-Options", "nosniff"},
	{"Referrer-Policy", "no-referrer"},
	{"X-Frame-Options", "DENY"},
	{"Cross-Origin-Opener-Policy", "same-origin"},
	{"Cross-Origin-Resource-Policy", "same-origin"},
	{"Permissions-Policy", "camera=(), microphone=(), geolocation=(), usb=(), serial=()"},
};

/* ---- start-up ---- */

void medfwd_web_free(struct medfwd_web *web)
{
	if (web == NULL)
		return;
	medfw_webdir_free(web->files);
	free(web);
}

static enum medfw_err load_dir(const char *dir, struct medfwd_web *web, struct medfw_diag *diag)
{
	char index[PATH_MAX + 16];
	struct stat st;
	enum medfw_err err;

	if ((size_t)snprintf(web->dir, sizeof(web->dir), "%s", dir) >= sizeof(web->dir))
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "web_dir %s: path too long", dir);
	if (stat(dir, &st) != 0)
		return medfw_diag_set(diag, errno == ENOENT ? MEDFW_ERR_NOT_FOUND : MEDFW_ERR_IO,
				      "web_dir %s: %s", dir,
				      errno == ENOENT ? "no such directory" : strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "web_dir %s: not a directory",
				      dir);
	if ((size_t)snprintf(index, sizeof(index), "%s/index.html", dir) >= sizeof(index))
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "web_dir %s: path too long", dir);
	if (lstat(index, &st) != 0)
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
				      "web_dir %s: no index.html in it (build the web dashboard "
				      "into it, or leave web_dir unset)", dir);
	err = medfw_webdir_load(dir, &web->files, diag);
	if (err != MEDFW_OK)
		return err;
	web->index = medfw_webdir_find(web->files, "index.html");
	if (web->index == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "web_dir %s: index.html is not a regular file", dir);
	return MEDFW_OK;
}

/* <directory of the running medfwd>/../web (build/release/medfwd -> build/web), as
 * a path without "..": the executable's path is canonical (/proc/self/exe). Empty
 * when unknown. */
static void build_tree_dir(char *out, size_t cap)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	out[0] = 0;
	if (n <= 0)
		return;
	exe[n] = 0;
	for (int up = 0; up < 2; up++) { /* drop "medfwd", then its directory */
		slash = strrchr(exe, '/');
		if (slash == NULL)
			return;
		*slash = 0;
	}
	if ((size_t)snprintf(out, cap, "%s/web", exe) >= cap)
		out[0] = 0;
}

/* Where the files come from (or the places looked at). */
static enum medfw_err resolve(const char *web_dir, struct medfwd_web *web,
			      struct medfw_diag *diag)
{
	char build_dir[PATH_MAX], index[PATH_MAX + 16];
	const char *candidates[2];
	struct stat st;

	if (web_dir != NULL)
		return load_dir(web_dir, web, diag);
	build_tree_dir(build_dir, sizeof(build_dir));
	candidates[0] = build_dir;
	candidates[1] = MEDFWD_WEB_DATADIR;
	for (size_t i = 0; i < 2; i++) {
		if (candidates[i][0] == 0 ||
		    (size_t)snprintf(index, sizeof(index), "%s/index.html", candidates[i]) >=
			    sizeof(index) ||
		    lstat(index, &st) != 0)
			continue;
		/* found: a broken installed dashboard stops the start like a set web_dir */
		return load_dir(candidates[i], web, diag);
	}
	snprintf(web->looked_at, sizeof(web->looked_at), "%s, %s",
		 build_dir[0] != 0 ? build_dir : "(the directory of medfwd is unknown)",
		 MEDFWD_WEB_DATADIR);
	return MEDFW_OK;
}

enum medfw_err medfwd_web_load(const char *web_dir, struct medfwd_web **out,
			       struct medfw_diag *diag)
{
	struct medfwd_web *web = calloc(1, sizeof(*web));
	enum medfw_err err;

	*out = NULL;
	if (web == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	err = resolve(web_dir, web, diag);
	if (err != MEDFW_OK) {
		medfwd_web_free(web);
		return err;
	}
	*out = web;
	return MEDFW_OK;
}

void medfwd_web_announce(struct medfw_ctx *ctx, const struct medfwd_web *web)
{
	if (web->files != NULL)
		medfw_log(ctx, MEDFW_LOG_INFO, "web.loaded",
			  "the web dashboard: %zu files, %llu bytes, from %s",
			  medfw_webdir_count(web->files),
			  (unsigned long long)medfw_webdir_total_bytes(web->files), web->dir);
	else
		medfw_log(ctx, MEDFW_LOG_INFO, "web.disabled",
			  "the web dashboard is off: web_dir is not set and none of these has "
			  "an index.html: %s", web->looked_at);
}

/* ---- serving ---- */

static int dashboard_headers_set(struct medfwd_response *resp, const char *cache_control)
{
	medfwd_response_set_security_headers(resp, dashboard_headers,
					     sizeof(dashboard_headers) /
						     sizeof(dashboard_headers[0]));
	return medfwd_response_add_header(resp, "Cache-Control", cache_control);
}

static void not_found(struct medfwd_response *resp, const char *message)
{
	if (dashboard_headers_set(resp, CACHE_NONE) != 0) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return;
	}
	medfwd_respond_error(resp, 404, "not_found", NULL, "%s", message);
}

static void serve(struct medfwd_request *req, struct medfwd_response *resp,
		  const struct medfw_webdir_file *f, const char *cache_control)
{
	if (dashboard_headers_set(resp, cache_control) != 0 ||
	    medfwd_response_add_header(resp, "ETag", f->etag) != 0) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return;
	}
	if (medfw_webdir_etag_matches(medfwd_request_header(req, "If-None-Match"), f->etag))
		medfwd_respond_static(resp, 304, NULL, "", 0);
	else
		medfwd_respond_static(resp, 200, f->content_type, f->data, f->len);
}

/* The dashboard, or NULL after answering 404 (not installed). */
static const struct medfwd_web *web_of(const struct medfwd_request *req,
				       struct medfwd_response *resp)
{
	const struct medfwd_web *web = medfwd_app_of(req)->web;

	if (web == NULL || web->files == NULL) {
		not_found(resp, "the web dashboard is not installed here (web_dir)");
		return NULL;
	}
	return web;
}

/* GET /, /ui and /ui/{path*}: the app (its router shows the page). */
static void web_index(struct medfwd_request *req, struct medfwd_response *resp)
{
	const struct medfwd_web *web = web_of(req, resp);

	if (web != NULL)
		serve(req, resp, web->index, CACHE_REVALIDATE);
}

/* GET /assets/{path*} */
static void web_asset(struct medfwd_request *req, struct medfwd_response *resp)
{
	const struct medfwd_web *web = web_of(req, resp);
	const char *path = medfwd_request_param(req, "path");
	const struct medfw_webdir_file *f = NULL;
	char rel[REL_MAX];

	if (web == NULL)
		return;
	if (path != NULL && (size_t)snprintf(rel, sizeof(rel), "assets/%s", path) < sizeof(rel))
		f = medfw_webdir_find(web->files, rel);
	if (f == NULL) {
		not_found(resp, "no such file of the web dashboard");
		return;
	}
	serve(req, resp, f, CACHE_IMMUTABLE);
}

static void favicon(struct medfwd_request *req, struct medfwd_response *resp, const char *name)
{
	const struct medfwd_web *web = web_of(req, resp);
	const struct medfw_webdir_file *f;

	if (web == NULL)
		return;
	f = medfw_webdir_find(web->files, name);
	if (f == NULL) {
		not_found(resp, "no such file of the web dashboard");
		return;
	}
	serve(req, resp, f, CACHE_REVALIDATE);
}

static void web_favicon_svg(struct medfwd_request *req, struct medfwd_response *resp)
{
	favicon(req, resp, "favicon.svg");
}

static void web_favicon_ico(struct medfwd_request *req, struct medfwd_response *resp)
{
	favicon(req, resp, "favicon.ico");
}

const struct medfwd_route medfwd_routes_web[] = {
	{"GET", "/", web_index, MEDFWD_AUTH_NONE, MEDFWD_BODY_NONE, "web.index"},
	{"GET", "/ui", web_index, MEDFWD_AUTH_NONE, MEDFWD_BODY_NONE, "web.ui.root"},
	{"GET", "/ui/{path*}", web_index, MEDFWD_AUTH_NONE, MEDFWD_BODY_NONE, "web.ui"},
	{"GET", "/assets/{path*}", web_asset, MEDFWD_AUTH_NONE, MEDFWD_BODY_NONE, "web.asset"},
	{"GET", "/favicon.svg", web_favicon_svg, MEDFWD_AUTH_NONE, MEDFWD_BODY_NONE,
	 "web.favicon.svg"},
	{"GET", "/favicon.ico", web_favicon_ico, MEDFWD_AUTH_NONE, MEDFWD_BODY_NONE,
	 "web.favicon.ico"},
	{0},
};
