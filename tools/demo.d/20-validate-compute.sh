#!/usr/bin/env bash
# Validate the Suying workbook (annotated copy), compute its percentages, publish it.
set -euo pipefail
run() { echo "+ perfxl $*" >&2; "$BIN/perfxl" "$@"; }
run validate "$OUT/suying-2023.xlsx" --annotate "$OUT/suying-2023-校验.xlsx" | tail -n 3
run validate "$OUT/suying-2023.xlsx" --format json > "$OUT/suying-2023-problems.json"
run compute "$OUT/suying-2023.xlsx" -o "$OUT/suying-2023-进度.xlsx" | tail -n 3
run publish "$OUT/suying-2023.xlsx" -o "$OUT/suying-2023-公开.docx" --pdf
