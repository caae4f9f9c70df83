#!/usr/bin/env bash
# weft show --html, opened in headless Chromium: the DOM after the page's script ran has one
# lane per thread, the failing step marked, the wait-for arrows drawn and a hostile thread name
# escaped; a screenshot is produced and is not blank. Exits 77 (skipped) without chromium.
set -euo pipefail
weft="$1"
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then echo "chromium not installed: skipped"; exit 77; fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$weft" explore abba-deadlock --strategy pct --seed 1 --trace-dir "$dir/traces" >/dev/null && fail "no deadlock found"
trace=$(ls "$dir"/traces/*.wtrace | head -1)
sed 's/^thread 1 .*/thread 1 <script>document.title="owned"<\/script>/' "$trace" > "$dir/hostile.wtrace"
"$weft" show --html "$dir/hostile.wtrace" > "$dir/page.html"
grep -E -q '(src|href)="http' "$dir/page.html" && fail "the page fetches something"

flags=(--headless --no-sandbox --disable-gpu --no-first-run --disable-extensions --user-data-dir="$dir/profile")
timeout 120 "$chromium" "${flags[@]}" --dump-dom "file://$dir/page.html" > "$dir/dom.html" 2>"$dir/chromium.log" \
  || { cat "$dir/chromium.log"; fail "chromium --dump-dom failed"; }
lanes=$(grep -o 'class="lane"' "$dir/dom.html" | wc -l)
[ "$lanes" -eq 3 ] || fail "expected 3 lanes, found $lanes"
marked=$(grep -o 'class="step fail"' "$dir/dom.html" | wc -l)
[ "$marked" -eq 1 ] || fail "expected 1 failing step, found $marked"
grep -q 'id="s6"[^>]*>' "$dir/dom.html" || fail "no step 6"
grep -q 'class="step fail" id="s6"' "$dir/dom.html" || fail "the failing step is not the last step of t2"
# The script ran: three wait-for arrows (t0 joins t1, t1 waits for t2, t2 waits for t1).
grep -q 'data-links-drawn="3"' "$dir/dom.html" || fail "the wait-for cycle was not drawn"
[ "$(grep -o 'class="link-line"' "$dir/dom.html" | wc -l)" -eq 3 ] || fail "expected 3 arrows"
grep -q 't1 &lt;script&gt;document.title="owned"&lt;/script&gt;' "$dir/dom.html" || fail "thread name not shown escaped"
grep -q '<script>document.title' "$dir/dom.html" && fail "hostile thread name reached the DOM as markup"
grep -q '<title>weft trace: abba-deadlock</title>' "$dir/dom.html" || fail "the hostile name ran as a script"

timeout 120 "$chromium" "${flags[@]}" --window-size=1200,800 --screenshot="$dir/shot.png" "file://$dir/page.html" \
  >/dev/null 2>>"$dir/chromium.log" || { cat "$dir/chromium.log"; fail "chromium --screenshot failed"; }
[ -s "$dir/shot.png" ] || fail "no screenshot"
[ "$(head -c 8 "$dir/shot.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "not a PNG"
size=$(stat -c %s "$dir/shot.png")
# A blank 1200x800 page compresses to a few kB; lanes, text and arrows make tens of kB.
[ "$size" -gt 20000 ] || fail "screenshot of $size bytes looks blank"
echo "ok: 3 lanes, failing step marked, 3 arrows, hostile name escaped, screenshot $size bytes"
