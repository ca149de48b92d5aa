#!/usr/bin/env bash
# The collection round in the browser (issue 16), scripted: start `perfxl serve --demo` on a
# free loopback port, upload one township's workbook through its private link over HTTP (what
# the upload page's form sends), show the check's result, then stop the server with SIGTERM.
# Nothing waits forever: every wait has a deadline, and the server is stopped on any exit.
# Skipped (with a note) when the web components are not installed.
set -euo pipefail
DATA="$OUT/web-demo"
LOG="$OUT/web-demo.log"
JAR="$OUT/web-demo.cookies"
BOOK=examples/county/910002-王虎寨镇.xlsx
if ! "$BIN/python" -c "import starlette, uvicorn, sqlalchemy, jinja2, python_multipart" 2>/dev/null; then
  echo "跳过网页演示：未安装网页组件（pip install 'perfxl[web]'）(web demo skipped)" >&2
  exit 0
fi
command -v curl >/dev/null || { echo "跳过网页演示：没有 curl (web demo skipped: no curl)" >&2; exit 0; }

rm -rf "$DATA" "$LOG" "$JAR"  # the demo's own folder: each run starts from the demo round
echo "+ perfxl serve --data $DATA --port 0 --demo" >&2
PERFXL_ADMIN_PASSWORD="${PERFXL_ADMIN_PASSWORD:-demo-口令-2023}" \
  "$BIN/perfxl" serve --data "$DATA" --host 127.0.0.1 --port 0 --demo 2>"$LOG" &
PID=$!
stop() {
  if kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID" 2>/dev/null || true
    for _ in $(seq 150); do kill -0 "$PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$PID" 2>/dev/null || true
  fi
  wait "$PID" 2>/dev/null || true
}
trap stop EXIT

# Wait for the ready line (at most 2 minutes).
BASE=
for _ in $(seq 600); do
  BASE=$(sed -n 's/^perfxl 网页服务已启动：\(http:[^ ]*\/\)$/\1/p' "$LOG" | head -n 1)
  [ -n "$BASE" ] && break
  kill -0 "$PID" 2>/dev/null || { cat "$LOG" >&2; echo "网页服务未能启动 (serve failed)" >&2; exit 1; }
  sleep 0.2
done
[ -n "$BASE" ] || { cat "$LOG" >&2; echo "网页服务启动超时 (serve timed out)" >&2; exit 1; }
cat "$LOG" >&2

# 王虎寨镇's link, as --demo printed it; its page gives the session cookie and CSRF token.
LINK=$(grep -o "910002 [^：]*：http[^ ]*/u/[A-Za-z0-9_-]*" "$LOG" | head -n 1 | sed 's/^.*：//')
[ -n "$LINK" ] || { echo "没有找到 910002 的上传链接 (no link)" >&2; exit 1; }
echo "+ curl $LINK   (王虎寨镇的上传页面)" >&2
PAGE=$(curl -sS --max-time 60 -c "$JAR" -b "$JAR" "$LINK")
CSRF=$(printf '%s' "$PAGE" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
[ -n "$CSRF" ] || { echo "上传页面没有 csrf 字段 (no csrf field)" >&2; exit 1; }

echo "+ curl -F file=@$BOOK $LINK/upload" >&2
RESULT=$(curl -sS --max-time 300 -c "$JAR" -b "$JAR" -o /dev/null -w '%{http_code} %{redirect_url}' \
  -F "csrf=$CSRF" -F "file=@$BOOK" "$LINK/upload")
CODE=${RESULT%% *}
VERSION_URL=${RESULT#* }
[ "$CODE" = 303 ] || { echo "上传未被接受：HTTP $CODE (upload refused)" >&2; exit 1; }
echo "已上传，结果页面：$VERSION_URL" >&2

# Wait for the check (at most 3 minutes), then say what it found.
STATUS=
for _ in $(seq 900); do
  STATUS=$(curl -sS --max-time 30 -b "$JAR" "$VERSION_URL/status")
  case "$STATUS" in *'"status":"checking"'*) sleep 0.2 ;; *) break ;; esac
done
"$BIN/python" - "$STATUS" <<'EOF'
import json
import sys

s = json.loads(sys.argv[1])
if s.get("status") == "checking":
    sys.exit("检查超时 (check timed out)")
print(f"检查结果：{s['label']}（错误 {s['errors']} 个，警告 {s['warnings']} 个，提示 {s['infos']} 个）", file=sys.stderr)
EOF
curl -sS --max-time 60 -b "$JAR" -o "$OUT/web-demo-result.html" "$VERSION_URL"
echo "结果页面已保存：$OUT/web-demo-result.html；管理页面：${BASE}admin" >&2
stop
trap - EXIT
grep -q "perfxl 网页服务已停止" "$LOG" && echo "网页服务已停止 (server stopped)" >&2
rm -f "$JAR"
