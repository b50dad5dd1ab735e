#!/bin/sh
# readme_keys.sh check|update: keep README.md's generated references equal
# to their single sources: the configuration reference (between
# <!-- keys:begin/end -->) to `retrysim keys --markdown` (the key table in
# config/cfg.c), the metric reference (<!-- metrics:begin/end -->) to
# `retrysim metrics --markdown` (models/metrics.h).
set -eu
mode=${1:-check}
bin=${RETRYSIM:-./retrysim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" keys --markdown > "$tmp/keys"
"$bin" metrics --markdown > "$tmp/metrics"
cp README.md "$tmp/readme"
for block in keys metrics; do
    awk -v ref="$tmp/$block" -v b="<!-- $block:begin -->" -v e="<!-- $block:end -->" '
        index($0, b) == 1 { print; while ((getline l < ref) > 0) print l; skip = 1; next }
        index($0, e) == 1 { skip = 0 }
        !skip { print }
    ' "$tmp/readme" > "$tmp/new"
    mv "$tmp/new" "$tmp/readme"
done
if [ "$mode" = update ]; then
    cp "$tmp/readme" README.md
elif ! cmp -s "$tmp/readme" README.md; then
    echo "README.md's generated references are out of date: run sh tools/readme_keys.sh update" >&2
    exit 1
fi
