#!/usr/bin/env bash
# The monitoring stage (绩效运行监控表, issue 13): a fresh July workbook carried from the Suying
# targets, then the committed example a clerk has filled in: validated, exported, and its
# 执行率 and red/yellow/green lights computed.
set -euo pipefail
run() { echo "+ perfxl $*" >&2; "$BIN/perfxl" "$@"; }
run new monitoring "$OUT/suying-2023.xlsx" -o "$OUT/suying-2023-7月监控.xlsx" --month 7
run validate examples/suying-2023-monitoring.xlsx | tail -n 2
run export examples/suying-2023-monitoring.xlsx -o "$OUT/suying-2023-monitoring.json"
run compute examples/suying-2023-monitoring.xlsx -o "$OUT/suying-2023-监控-预警.xlsx" | tail -n 3
