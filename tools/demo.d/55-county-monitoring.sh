#!/usr/bin/env bash
# The county's monitoring round (issue 13): each township's July 绩效运行监控表, built from
# its targets workbook of 50-county.sh with `perfxl new monitoring`'s library call and filled
# with a clerk's figures, then consolidated into the county monitoring summary (监控汇总,
# 乡镇执行, 需整改, the 执行率 chart) and its long tables.
# consolidate exits 1 here by design: 观寨乡 has not submitted and two townships carry errors.
set -euo pipefail
echo "+ python tools/make_county_monitoring_demo.py $OUT/county $OUT/county-monitoring 7" >&2
"$BIN/python" tools/make_county_monitoring_demo.py "$OUT/county" "$OUT/county-monitoring" 7
echo "+ perfxl consolidate $OUT/county-monitoring -o $OUT/巨鹿县7月监控汇总.xlsx --expected $OUT/county/units.csv --tables $OUT/county-monitoring-tables" >&2
rc=0
"$BIN/perfxl" consolidate "$OUT/county-monitoring" -o "$OUT/巨鹿县7月监控汇总.xlsx" \
  --expected "$OUT/county/units.csv" --tables "$OUT/county-monitoring-tables" || rc=$?
[ "$rc" -le 1 ] || exit "$rc"
