#!/usr/bin/env bash
# Installs the Debian packages the tests use (LibreOffice headless, pdftoppm, CJK fonts)
# when they are missing. Needs root (as on CI); otherwise prints what to install.
set -euo pipefail
pkgs=()
command -v soffice >/dev/null 2>&1 || pkgs+=(libreoffice-calc-nogui libreoffice-writer-nogui)
command -v pdftoppm >/dev/null 2>&1 || pkgs+=(poppler-utils)
fc-list 2>/dev/null | grep -qi "noto.*cjk" || pkgs+=(fonts-noto-cjk)
[ ${#pkgs[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "perfxl tests need: ${pkgs[*]} — install them with: sudo apt-get install ${pkgs[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${pkgs[@]}" >/dev/null
