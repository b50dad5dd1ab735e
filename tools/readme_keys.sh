#!/bin/sh
# readme_keys.sh check|update: keep README.md's configuration reference equal
# to `./retrysim keys --markdown` (the key table is the single source).
set -eu
mode=${1:-check}
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.new"' EXIT
"${RETRYSIM:-./retrysim}" keys --markdown > "$tmp"
awk -v ref="$tmp" '
    /<!-- keys:begin -->/ { print; while ((getline l < ref) > 0) print l; skip = 1; next }
    /<!-- keys:end -->/ { skip = 0 }
    !skip { print }
' README.md > "$tmp.new"
if [ "$mode" = update ]; then
    cp "$tmp.new" README.md
elif ! cmp -s "$tmp.new" README.md; then
    echo "README.md's configuration reference is out of date: run sh tools/readme_keys.sh update" >&2
    exit 1
fi
