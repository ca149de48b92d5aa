#!/usr/bin/env bash
# Installs the Debian packages perfxl's tests and demo use (LibreOffice headless, pdftoppm, CJK
# fonts; for the tests also chromium + chromedriver and PostgreSQL, which the web app's tests
# drive) when they are missing. Needs root (as on CI) or sudo without a password.
# Usage: bash tools/ensure-system-deps.sh [--optional]
#   --optional  (make demo) when nothing can be installed, say what is missing and exit 0;
#               the demo then skips the steps that need it and says so.
set -euo pipefail
optional=0
[ "${1:-}" = "--optional" ] && optional=1
pkgs=()
command -v soffice >/dev/null 2>&1 || pkgs+=(libreoffice-calc-nogui libreoffice-writer-nogui)
command -v pdftoppm >/dev/null 2>&1 || pkgs+=(poppler-utils)
fc-list 2>/dev/null | grep -i "noto.*cjk" >/dev/null || pkgs+=(fonts-noto-cjk)  # not -q: pipefail + SIGPIPE
# perfxl serve's tests (not the demo): a real browser and a PostgreSQL server the fixture starts
if [ $optional -eq 0 ]; then
  { command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; } \
    || pkgs+=(chromium chromium-driver)
  # Chinese UI strings (选择文件 on a file input, as township clerks see it in the screenshots)
  [ -d /usr/lib/chromium/locales ] && ls /usr/lib/chromium/locales/zh-CN.pak >/dev/null 2>&1 \
    || pkgs+=(chromium-l10n)
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || pkgs+=(postgresql)
fi
[ ${#pkgs[@]} -eq 0 ] && exit 0
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    echo "perfxl needs: ${pkgs[*]} — install them with: sudo apt-get install ${pkgs[*]}" >&2
    exit $((1 - optional))
  fi
fi
echo "installing ${pkgs[*]} (apt-get) ..." >&2
export DEBIAN_FRONTEND=noninteractive
if ! { "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq "${pkgs[@]}" >/dev/null; }; then
  echo "could not install ${pkgs[*]}" >&2
  exit $((1 - optional))
fi
