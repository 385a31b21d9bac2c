#!/usr/bin/env bash
# CI for joylink-ffi (called by the workspace's .ci/run):
#   1. include/joylink.h is what gen-header.sh (cbindgen 0.29 + one C89 rewrite) generates from
#      the sources, and it compiles as C89 and C99 (-pedantic -Werror) and as C++98 and C++17;
#   2. the firmware configuration of the static library (no_std, panic = "abort") builds in the
#      ffi-dev AND ffi-release profiles, exports exactly the functions the header declares, and
#      the C test program (tests/c/test_joylink.c) and README's C example, linked against each,
#      pass under valgrind with zero errors (--error-exitcode=1); so do the C firmware example
#      (examples/firmware.c, against the Rust cloud machine) and the WAN C API tests
#      (tests/firmware.rs);
#   3. firmware.sh: the Cortex-M4 image per feature set, against flash-budget.txt.
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
./gen-header.sh "$fresh"
if ! diff -u include/joylink.h "$fresh"; then
  echo "include/joylink.h is out of date; regenerate it: joylink-ffi/gen-header.sh" >&2
  exit 1
fi
if grep -q 'rust_eh_personality\|abort' include/joylink.h; then
  echo "include/joylink.h must not declare rust_eh_personality or abort" >&2
  exit 1
fi

echo "== joylink-ffi: header compiles as C89, C99, C++98, C++17"
hdr_dir="$(mktemp -d)"
trap 'rm -f "$fresh"; rm -rf "$hdr_dir"' EXIT
printf '#include "joylink.h"\nint main(void) { return JL_OK; }\n' > "$hdr_dir/h.c"
cp "$hdr_dir/h.c" "$hdr_dir/h.cpp"
for std in c89 c99; do
  "${CC:-cc}" -std=$std -pedantic -Wall -Wextra -Werror -I include -c "$hdr_dir/h.c" -o "$hdr_dir/h.o"
done
for std in c++98 c++17; do
  "${CXX:-c++}" -std=$std -pedantic -Wall -Wextra -Werror -I include -c "$hdr_dir/h.cpp" -o "$hdr_dir/h.o"
done

command -v valgrind >/dev/null || { echo "valgrind is required (apt-get install -y valgrind)" >&2; exit 1; }

for profile in ffi-dev ffi-release; do
  echo "== joylink-ffi: no_std staticlib, profile $profile"
  cargo rustc -p joylink-ffi --lib --no-default-features --features full --profile "$profile" \
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

  # The README's promise: of the C library, only abort and the mem* functions. Not C library
  # names: compiler runtime helpers (__udivti3: libgcc / compiler-rt) and Rust's own mangled
  # symbols (_R..., _ZN...; core's, resolved inside the archive at link time).
  needed="$(comm -23 <(nm -u "$lib" 2>/dev/null | awk 'NF == 2 { print $2 }' | sort -u) \
    <(nm -g --defined-only "$lib" 2>/dev/null | awk 'NF >= 3 { print $3 }' | sort -u) \
    | grep -vE '^(__|_R|_ZN)' || true)"
  extra="$(grep -vxE 'abort|memcpy|memmove|memset|memcmp|bcmp' <<< "$needed" | grep . || true)"
  if [ -n "$extra" ]; then
    echo "the static library needs C symbols beyond abort and mem*: $extra" >&2
    exit 1
  fi
  echo "C library symbols needed: $(echo $needed)"

  echo "== joylink-ffi: C tests against $lib (valgrind)"
  JOYLINK_FFI_STATICLIB="$lib" JOYLINK_FFI_VALGRIND=require \
    cargo test -p joylink-ffi --test c_program --test firmware --target-dir "$target_dir"
done

"$here/firmware.sh"
echo "== joylink-ffi: ok"
