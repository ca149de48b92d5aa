#!/usr/bin/env bash
# Validate the Suying workbook (annotated copy), compute its percentages, publish it.
set -euo pipefail
run() { echo "+ perfxl $*" >&2; "$BIN/perfxl" "$@"; }
run validate "$OUT/suying-2023.xlsx" --annotate "$OUT/suying-2023-校验.xlsx" | tail -n 3
run validate "$OUT/suying-2023.xlsx" --format json > "$OUT/suying-2023-problems.json"
run compute "$OUT/suying-2023.xlsx" -o "$OUT/suying-2023-进度.xlsx" | tail -n 3
if command -v soffice >/dev/null 2>&1 || command -v libreoffice >/dev/null 2>&1; then
  run publish "$OUT/suying-2023.xlsx" -o "$OUT/suying-2023-公开.docx" --pdf
else
  echo "跳过 PDF：本机未安装 LibreOffice（sudo apt-get install libreoffice-writer-nogui），只生成 Word 文档。" >&2
  echo "(skipped the PDF: LibreOffice is not installed; the Word document is written)" >&2
  run publish "$OUT/suying-2023.xlsx" -o "$OUT/suying-2023-公开.docx"
fi
