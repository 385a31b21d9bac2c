#!/usr/bin/env bash
# CI for joylink-ffi (called by the workspace's .ci/run):
#   1. include/joylink.h is what cbindgen generates from the sources (cbindgen 0.29);
#   2. the firmware configuration of the static library (no_std, panic = "abort") builds in the
#      ffi-dev AND ffi-release profiles, exports exactly the functions the header declares, and
#      the C test program (tests/c/test_joylink.c) and README's C example, linked against each,
#      pass under valgrind with zero errors (--error-exitcode=1).
# Needs: cargo, cbindgen 0.29 (`cargo install cbindgen --version ^0.29 --locked`), a C compiler
# (`cc` or $CC), valgrind, nm.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
cd "$here"

echo "== joylink-ffi: header is current"
version="$(cbindgen --version)"
case "$version" in
  "cbindgen 0.29."*) ;;
  *) echo "need cbindgen 0.29.x, found: $version" >&2; exit 1 ;;
esac
# Generate into a temporary file and diff (`cbindgen --verify` would also fail, but it rewrites
# the committed file as a side effect and shows no diff).
fresh="$(mktemp)"
trap 'rm -f "$fresh"' EXIT
cbindgen --quiet --config cbindgen.toml --crate joylink-ffi --output "$fresh"
if ! diff -u include/joylink.h "$fresh"; then
  echo "include/joylink.h is out of date; regenerate it (from joylink-ffi/):" >&2
  echo "  cbindgen --config cbindgen.toml --crate joylink-ffi --output include/joylink.h" >&2
  exit 1
fi
if grep -q 'rust_eh_personality\|abort' include/joylink.h; then
  echo "include/joylink.h must not declare rust_eh_personality or abort" >&2
  exit 1
fi

command -v valgrind >/dev/null || { echo "valgrind is required (apt-get install -y valgrind)" >&2; exit 1; }

for profile in ffi-dev ffi-release; do
  echo "== joylink-ffi: no_std staticlib, profile $profile"
  cargo rustc -p joylink-ffi --lib --no-default-features --profile "$profile" \
    --crate-type staticlib --target-dir "$target_dir"
  lib="$target_dir/$profile/libjoylink_ffi.a"

  # Every exported jl_ function is declared in the header, and vice versa.
  exported="$(nm -g --defined-only "$lib" 2>/dev/null | awk '$2 == "T" && $3 ~ /^jl_/ { print $3 }' | sort -u)"
  declared="$(grep -oE '\bjl_[a-z0-9_]+\(' include/joylink.h | tr -d '(' | sort -u)"
  if [ "$exported" != "$declared" ]; then
    echo "exported jl_ symbols and header declarations differ:" >&2
    diff <(echo "$exported") <(echo "$declared") >&2 || true
    exit 1
  fi

  echo "== joylink-ffi: C tests against $lib (valgrind)"
  JOYLINK_FFI_STATICLIB="$lib" JOYLINK_FFI_VALGRIND=require \
    cargo test -p joylink-ffi --test c_program --target-dir "$target_dir"
done
echo "== joylink-ffi: ok"
