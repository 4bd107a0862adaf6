#!/usr/bin/env bash
# Installs what the tests need besides Rust and PostgreSQL, only what is missing, from Debian's
# packages: python3-aiosmtpd (the real SMTP server the mail tests start; only Debian's
# /usr/bin/python3 sees it), openssl (their throwaway TLS certificates) and chromium (the
# digest rendered headless). Runs apt-get as root, or through sudo.
set -euo pipefail

missing=()
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || missing+=(python3-aiosmtpd)
command -v openssl >/dev/null || missing+=(openssl)
command -v chromium >/dev/null || missing+=(chromium)
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
echo "installing ${missing[*]}"
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq "${missing[@]}"
