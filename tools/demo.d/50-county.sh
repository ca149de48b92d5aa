#!/usr/bin/env bash
# Consolidate the generated Julu County township workbooks into one county summary.
# consolidate exits 1 here by design: one township has not submitted and some carry errors.
set -euo pipefail
echo "+ python tools/make_county_demo.py $OUT/county" >&2
"$BIN/python" tools/make_county_demo.py "$OUT/county"
echo "+ perfxl consolidate $OUT/county -o $OUT/巨鹿县汇总.xlsx --expected $OUT/county/units.csv" >&2
rc=0
"$BIN/perfxl" consolidate "$OUT/county" -o "$OUT/巨鹿县汇总.xlsx" --expected "$OUT/county/units.csv" \
  --tables "$OUT/county-tables" || rc=$?
[ "$rc" -le 1 ] || exit "$rc"
