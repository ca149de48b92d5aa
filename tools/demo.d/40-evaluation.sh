#!/usr/bin/env bash
# The self-evaluation stage (绩效自评表, issue 14): a fresh workbook carried from the Suying July
# monitoring workbook (its 调整后预算数 become the 全年预算数), then the committed example a
# clerk has filled in at year end: validated, exported, and its scores, 总分 and 自评等级 computed.
set -euo pipefail
run() { echo "+ perfxl $*" >&2; "$BIN/perfxl" "$@"; }
run new evaluation examples/suying-2023-monitoring.xlsx -o "$OUT/suying-2023-自评.xlsx"
run validate examples/suying-2023-evaluation.xlsx | tail -n 2
run export examples/suying-2023-evaluation.xlsx -o "$OUT/suying-2023-evaluation.json"
run compute examples/suying-2023-evaluation.xlsx -o "$OUT/suying-2023-自评-得分.xlsx" | tail -n 3
