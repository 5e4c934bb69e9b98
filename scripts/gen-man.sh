#!/usr/bin/env bash
# Regenerates docs/man/medfw.1 from the command table (the same source as --help).
#   scripts/gen-man.sh [PATH_TO_MEDFW]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"${1:-$root/build/release/medfw}" --man > "$root/docs/man/medfw.1"
