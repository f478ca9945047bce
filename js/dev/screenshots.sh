#!/usr/bin/env bash
# Screenshot the harness states with headless Chromium (Debian's /usr/bin/chromium).
# Usage: bash js/dev/screenshots.sh [OUTDIR]   (serves the repo on 127.0.0.1:8765 meanwhile)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-/tmp/studio-shots}"
mkdir -p "$out"
python3 -m http.server 8765 --bind 127.0.0.1 --directory "$repo" >/dev/null 2>&1 &
server=$!
trap 'kill $server' EXIT
sleep 1
shot() { # name query width height
  timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --virtual-time-budget=3000 \
    --screenshot="$out/$1.png" --window-size="$3,$4" "http://127.0.0.1:8765/js/dev/harness.html?$2" >/dev/null 2>&1
  echo "$out/$1.png"
}
shot binary "state=binary" 1240 2300
shot binary-dark "state=binary&theme=dark" 1240 2300
shot regression "state=regression" 1240 2200
shot readonly "state=readonly" 1240 1700
shot configuring "state=configuring" 1240 1500
shot failed "state=failed" 1240 700
shot forecast "state=forecast" 1240 2600
shot empty "state=empty" 1240 1100
shot narrow "state=binary&width=640" 700 3400
