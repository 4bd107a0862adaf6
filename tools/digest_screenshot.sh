#!/usr/bin/env bash
# Renders a digest preview in headless Chromium at 375 px (a phone) and 800 px (a desktop
# mail client) wide, writes the screenshots as PNG, and fails when the page logs a console
# message, shows a broken image or is wider than the window.
#
#   tools/digest_screenshot.sh [PREVIEW.html] [OUTDIR]
#
# Without PREVIEW.html it runs `aivis demo` in a temporary folder and uses the digest preview
# the demo writes. OUTDIR defaults to ./screenshots. Needs Debian's chromium.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
preview="${1:-}"
out="${2:-screenshots}"
chromium="${CHROMIUM:-chromium}"
command -v "$chromium" >/dev/null || { echo "chromium not found (apt-get install chromium)" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ -z "$preview" ]; then
  aivis="${AIVIS:-$here/target/release/aivis}"
  [ -x "$aivis" ] || aivis="$here/target/debug/aivis"
  [ -x "$aivis" ] || { echo "build aivis first (cargo build)" >&2; exit 2; }
  (cd "$work" && "$aivis" demo --db "$work/aivis-demo.db" >/dev/null)
  preview="$work/aivis-demo.digest.html"
fi
[ -f "$preview" ] || { echo "no such file: $preview" >&2; exit 2; }
mkdir -p "$out"

# A copy of the page, beside its charts, with a check that runs once everything has loaded.
checked="$(dirname "$preview")/.checked-$(basename "$preview")"
cp "$preview" "$checked"
trap 'rm -rf "$work" "$checked"' EXIT
cat >> "$checked" <<'JS'
<script>
window.addEventListener('error', e => console.error('page error: ' + e.message));
window.addEventListener('load', () => {
  for (const img of document.images)
    if (!img.complete || img.naturalWidth === 0) console.error('broken image: ' + img.src);
  const width = document.documentElement.scrollWidth;
  if (width > window.innerWidth) console.error('wider than the window: ' + width + ' px');
  console.log('aivis-check-done ' + document.images.length + ' images');
});
</script>
JS

status=0
for width in 375 800; do
  png="$out/digest-$width.png"
  log="$work/chromium-$width.log"
  timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --enable-logging=stderr --v=0 --window-size="$width,3200" \
    --screenshot="$png" "file://$(realpath "$checked")" 2>"$log" >/dev/null || true
  messages="$(grep -o 'CONSOLE[^"]*"[^"]*"' "$log" | sed 's/^[^"]*"//; s/"$//' || true)"
  if ! grep -q '^aivis-check-done' <<<"$messages"; then
    echo "$width px: the page did not finish loading" >&2; status=1
  fi
  problems="$(grep -v '^aivis-check-done' <<<"$messages" || true)"
  if [ -n "$problems" ]; then
    echo "$width px: $problems" >&2; status=1
  fi
  [ -s "$png" ] || { echo "$width px: no screenshot written" >&2; status=1; }
  echo "$png"
done
exit "$status"
