#!/usr/bin/env bash
# Generates include/joylink.h (or the file given as $1) from the sources: cbindgen 0.29, then the
# one rewrite cbindgen has no option for — the comma after an enum's last enumerator, which C89
# and C++98 refuse under -pedantic. ci.sh runs this script into a temporary file and diffs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/include/joylink.h}"
cd "$here"
cbindgen --quiet --config cbindgen.toml --crate joylink-ffi --output "$out"
perl -0pi -e 's/,\n(\s*)\}/\n$1}/g' "$out"
