/* The registered purl types' rules, from the purl specification's type definitions
 * (purl-spec types/TYPE-definition.json; npm and pypi as registered upstream). A type
 * not listed here is valid under the general rules alone. */
#include <string.h>

#include "vuln/purl_int.h"

#define NSL MEDFWI_PURL_NS_LOWER
#define NAL MEDFWI_PURL_NAME_LOWER
#define VEL MEDFWI_PURL_VERSION_LOWER
#define SPL MEDFWI_PURL_SUBPATH_LOWER
#define NSU MEDFWI_PURL_NS_UPPER
#define NPA MEDFWI_PURL_NAME_PATH

#define OPT MEDFWI_NS_OPTIONAL
#define REQ MEDFWI_NS_REQUIRED
#define PRO MEDFWI_NS_PROHIBITED

#define NOSP MEDFWI_PURL_SP_NONE
#define NODEF {{NULL, NULL}, {NULL, NULL}}

/* Sorted by type name. */
static const struct medfwi_purl_type purl_types[] = {
	{"alpm", REQ, NSL | NAL, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_ALPM},
	{"apk", REQ, NSL | NAL, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_APK},
	{"bazel", PRO, 0, NOSP, NULL, {{"repository_url", "https://bcr.bazel.build"}, {NULL, NULL}},
	 MEDFW_VERSION_SCHEME_UNKNOWN},
	{"bitbucket", REQ, NSL | NAL, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_UNKNOWN},
	{"bitnami", PRO, NAL, NOSP, NULL, {{"arch", "amd64"}, {NULL, NULL}},
	 MEDFW_VERSION_SCHEME_UNKNOWN},
	{"brew", OPT, NSL | NAL, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_UNKNOWN},
	{"cargo", PRO, 0, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_SEMVER},
	{"chrome-extension", PRO, NAL, MEDFWI_PURL_SP_CHROME, NULL, NODEF,
	 MEDFW_VERSION_SCHEME_UNKNOWN},
	{"cocoapods", PRO, 0, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_UNKNOWN},
	{"composer", REQ, NSL | NAL, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_UNKNOWN},
	{"conan", OPT, 0, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_CONAN},
	{"conda", PRO, 0, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_UNKNOWN},
	{"cpan", OPT, NSU, MEDFWI_PURL_SP_CPAN, NULL, {{"ext", "tar.gz"}, {NULL, NULL}},
	 MEDFW_VERSION_SCHEME_UNKNOWN},
	{"cran", PRO, 0, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_UNKNOWN},
	{"deb", REQ, NSL | NAL, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_DEB},
	{"docker", OPT, 0, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_UNKNOWN},
	{"gem", PRO, 0, NOSP, NULL, {{"platform", "ruby"}, {NULL, NULL}},
	 MEDFW_VERSION_SCHEME_GEM},
	{"generic", OPT, 0, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_GENERIC},
	{"git", REQ, NPA, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_UNKNOWN},
	{"github", REQ, NSL | NAL, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_UNKNOWN},
	{"golang", REQ, 0, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_GOLANG},
	{"hackage", PRO, 0, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_UNKNOWN},
	{"hex", OPT, NSL | NAL, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_SEMVER},
	{"huggingface", REQ, VEL, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_UNKNOWN},
	{"julia", PRO, 0, NOSP, "uuid", NODEF, MEDFW_VERSION_SCHEME_UNKNOWN},
	{"luarocks", OPT, NSL | NAL, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_UNKNOWN},
	{"maven", REQ, 0, NOSP, NULL, {{"type", "jar"}, {NULL, NULL}}, MEDFW_VERSION_SCHEME_UNKNOWN},
	{"mlflow", PRO, 0, MEDFWI_PURL_SP_MLFLOW, NULL, NODEF, MEDFW_VERSION_SCHEME_UNKNOWN},
	{"npm", OPT, NSL | NAL, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_NPM},
	{"nuget", PRO, 0, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_NUGET},
	{"oci", PRO, NAL | VEL, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_UNKNOWN},
	{"opam", PRO, 0, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_UNKNOWN},
	{"otp", PRO, NAL | SPL, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_UNKNOWN},
	{"pub", PRO, NAL, MEDFWI_PURL_SP_PUB, NULL, NODEF, MEDFW_VERSION_SCHEME_SEMVER},
	{"pypi", PRO, NAL, MEDFWI_PURL_SP_PYPI, NULL, NODEF, MEDFW_VERSION_SCHEME_PYPI},
	{"qpkg", REQ, NSL, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_UNKNOWN},
	{"rpm", REQ, NSL, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_RPM},
	{"swid", OPT, 0, MEDFWI_PURL_SP_SWID, "tag_id", NODEF, MEDFW_VERSION_SCHEME_UNKNOWN},
	{"swift", REQ, 0, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_SEMVER},
	{"vcpkg", PRO, 0, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_UNKNOWN},
	{"vscode-extension", REQ, NSL | NAL | VEL, NOSP, NULL,
	 {{"platform", "universal"}, {NULL, NULL}}, MEDFW_VERSION_SCHEME_UNKNOWN},
	{"yocto", OPT, NSL, NOSP, NULL, NODEF, MEDFW_VERSION_SCHEME_UNKNOWN},
};

const struct medfwi_purl_type *medfwi_purl_type_find(const char *type)
{
	size_t lo = 0, hi = sizeof(purl_types) / sizeof(purl_types[0]);

	if (type == NULL)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(type, purl_types[mid].type);

		if (c == 0)
			return &purl_types[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}
