#!/bin/sh
# fuzz/deps.sh: the fuzz targets need clang with libFuzzer. clang alone is
# not always enough: libFuzzer (libclang_rt.fuzzer-*.a) is in Debian's
# libclang-rt-14-dev, which clang only recommends, so an install without
# recommends (as tools/deps.sh does) lacks it. libclang-rt-dev pulls in the
# version that matches the default clang.
#   deps.sh check    print what is missing (nothing if clang links -fsanitize=fuzzer)
#   deps.sh ensure   nothing missing: print nothing. Missing and root: install
#                    it. Missing otherwise: print the command to run, exit 1.
CC=${FUZZ_CC:-clang}
PKGS="clang libclang-rt-dev"

works() {
    command -v "$CC" >/dev/null 2>&1 || return 1
    tmp=$(mktemp -d) || return 1
    printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' >"$tmp/t.c"
    "$CC" -fsanitize=fuzzer,address,undefined -o "$tmp/t" "$tmp/t.c" >/dev/null 2>&1
    rc=$?
    rm -rf "$tmp"
    return $rc
}

case "${1:-check}" in
check)
    works || echo "$PKGS" ;;
ensure)
    works && exit 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "retrysim fuzz: installing $PKGS" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends $PKGS >&2
        works && exit 0
    fi
    echo "the fuzz targets need $CC with libFuzzer; run: sudo apt-get install -y $PKGS"
    exit 1 ;;
*)
    echo "usage: $0 check|ensure" >&2; exit 2 ;;
esac
