#!/usr/bin/env bash
# The county's self-evaluation round (issue 14): each township's 绩效自评表, built from its
# targets workbook of 50-county.sh with `perfxl new evaluation`'s library call and filled with a
# clerk's year-end figures, then consolidated into the county self-evaluation summary (自评汇总,
# 乡镇得分, 低分项目, the grade distribution chart) and its long tables.
# consolidate exits 1 here by design: 观寨乡 has not submitted, and the targets' planted mistakes
# (王虎寨镇's funds, 西郭城镇's text amounts, 堤村乡's empty 指标值) are errors.
set -euo pipefail
echo "+ python tools/make_county_evaluation_demo.py $OUT/county $OUT/county-evaluation" >&2
"$BIN/python" tools/make_county_evaluation_demo.py "$OUT/county" "$OUT/county-evaluation"
echo "+ perfxl consolidate $OUT/county-evaluation -o $OUT/巨鹿县绩效自评汇总.xlsx --expected $OUT/county/units.csv --tables $OUT/county-evaluation-tables" >&2
rc=0
"$BIN/perfxl" consolidate "$OUT/county-evaluation" -o "$OUT/巨鹿县绩效自评汇总.xlsx" \
  --expected "$OUT/county/units.csv" --tables "$OUT/county-evaluation-tables" || rc=$?
[ "$rc" -le 1 ] || exit "$rc"
