#!/usr/bin/env bash
# Installs the Debian packages the project needs (idempotent; skipped when all are present).

#   poppler-utils      pdftotext / pdftoppm for letter tests
#   fonts-noto-cjk     the CJK font letters are rendered with
#   chromium           headless browser for the public-page tests (Playwright drives the system browser)
set -euo pipefail

PACKAGES=(poppler-utils fonts-noto-cjk chromium)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if ! command -v apt-get >/dev/null; then
  echo "missing system packages (${missing[*]}) and no apt-get: install them by hand" >&2; exit 1
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing system packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
