#!/usr/bin/env bash
# The demo: the standard template, the Suying 2023 example workbook, and what perfxl finds in it.
# Usage: bash tools/demo.sh [OUTDIR]   (make demo runs it with OUTDIR=out)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-out}
BIN=${BIN:-.venv/bin}
mkdir -p "$OUT"
run() { echo "+ perfxl $*" >&2; "$BIN/perfxl" "$@"; }

# The demo's own outputs are made afresh (template and fill refuse to replace a workbook).
rm -f "$OUT/template.xlsx" "$OUT/suying-2023.xlsx"
run template "$OUT/template.xlsx" --projects 3 --unit-code 910001 --unit-name 巨鹿县苏营镇人民政府本级 --year 2024
run fill examples/suying-2023.json "$OUT/suying-2023.xlsx"
run export "$OUT/suying-2023.xlsx" -o "$OUT/suying-2023.json"
# The export ends with its output stamp ("perfxl.output", README "Replacing an existing
# output"): the data compared is the rest.
if cmp -s <(python3 -c 'import json,sys; a, b = (json.load(open(f, encoding="utf-8")) for f in sys.argv[1:]); b.pop("perfxl.output"); print(a == b)' examples/suying-2023.json "$OUT/suying-2023.json") <(echo True); then
  echo "往返一致：$OUT/suying-2023.json 与 examples/suying-2023.json 相同 (round trip ok)" >&2
else
  echo "往返不一致 (round trip differs)" >&2; exit 1
fi
# Later steps appear as their commands land (validate, compute, consolidate, publish).
for step in tools/demo.d/*.sh; do
  [ -e "$step" ] || continue
  OUT="$OUT" BIN="$BIN" bash "$step"
done
echo "完成。输出在 $OUT/ (done; outputs in $OUT/)" >&2
