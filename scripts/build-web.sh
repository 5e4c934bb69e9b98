#!/usr/bin/env bash
# Builds the web dashboard (web/: TypeScript, Preact, Chart.js, bundled by Vite) into
# build/web, which medfwd serves (docs/web.md). Packages come from the npm registry at
# build time, pinned by web/package-lock.json; nothing is fetched when medfwd runs.
#   scripts/build-web.sh              web/ -> build/web
#   scripts/build-web.sh --tests      also the browser tests' packages (tests/browser)
set -euo pipefail
cd "$(dirname "$0")/.."

need_major=20
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "medfw: node and npm are needed to build the dashboard (scripts/install-deps.sh installs Debian's)" >&2
	exit 1
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if (( major < need_major )); then
	echo "medfw: the dashboard's build needs Node.js ${need_major} or later; this is $(node --version)" >&2
	exit 1
fi

# npm ci when the lockfile changed since the last install (or nothing is installed)
install() {
	local dir=$1
	if [[ ! -f $dir/node_modules/.package-lock.json || $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]]; then
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
	fi
}

install web
# rebuilt when a source is newer than the last build (the stamp lives beside build/web:
# medfwd refuses dot files inside the tree it serves)
stamp=build/.web-stamp
if [[ ! -f $stamp || ! -f build/web/index.html ||
      -n $(find web/src web/index.html web/public web/package-lock.json web/vite.config.ts web/tsconfig.json -newer "$stamp" -print -quit) ]]; then
	(cd web && npm run --silent build -- --logLevel warn)
	touch "$stamp"
fi
if [[ "${1:-}" == "--tests" ]]; then
	install tests/browser
fi
