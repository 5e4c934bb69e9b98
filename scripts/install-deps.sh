#!/usr/bin/env bash
# Installs the Debian 12 packages medfw needs to build, test, demo and benchmark
# (chromium: the dashboard's browser tests).
# Only what is missing is installed; nothing is downloaded from anywhere but Debian.
#   scripts/install-deps.sh            build + test packages
#   scripts/install-deps.sh --bench    also the peer tools the benchmarks compare against
set -euo pipefail

pkgs=(build-essential cmake pkg-config clang libclang-rt-14-dev
      libssl-dev libjansson-dev libcurl4-openssl-dev libzstd-dev libcmocka-dev
      curl python3 python3-pytest python3-securesystemslib python3-cryptography python3-jsonschema
      libmicrohttpd-dev libargon2-dev libsqlite3-dev libubootenv-dev libubootenv-tool grub-common
      faketime openssl zstd tzdata chromium fonts-dejavu-core)
# the dashboard's build (scripts/build-web.sh) needs Node.js 20 or later and npm; a
# machine that has its own node keeps it, one without gets Debian's
command -v node >/dev/null && command -v npm >/dev/null || pkgs+=(nodejs npm)
if [[ "${1:-}" == "--bench" ]]; then
	pkgs+=(hyperfine rauc mender-artifact mender-client swupdate minisign squashfs-tools time nginx jq wrk)
fi

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "medfw: installing missing Debian packages: ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then
	command -v sudo >/dev/null || { echo "medfw: need root or sudo to install ${missing[*]}" >&2; exit 1; }
	sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
