#!/usr/bin/env bash
# paperboat against newsboat on the same synthetic feeds, on this machine, in alternation.
#
# For each feed size N and each of REPS repetitions, both readers do the same work:
#   ingest : one RSS feed of N papers, served on 127.0.0.1, into an empty cache
#            (`paperboat sync` / `newsboat -x reload`): wall time, peak RSS (/usr/bin/time -v),
#            size of what is left on disk (the data dir without logs / cache.db)
#   reader : in a private tmux server (pane WxH), the cache of N papers:
#            start -> list on screen; search for a common word -> results on screen;
#            filter on a rare word -> results on screen; quit -> process gone.
#            paperboat searches and filters with its `/` filter over the All view;
#            newsboat with `/` (search) and `F` (filter `content =~ "…"`), as in
#            ../shared/bench/newsboat_bench.sh, so its figures are comparable with
#            NEWSBOAT_RESULTS.md.
#   floor  : the tmux harness on a trivial program (the latency polling adds): start -> shown,
#            and, for quit, key sent -> a program that exits on that key is gone.
#   sfeed  : a reference row for ingest only (issue #15): sfeed 1.7 (C, Debian) parses the same
#            feed file to TSV (`sfeed < papers_N.rss > feed.tsv`): no fetch, no store, no
#            normalising, so it is the floor of what parsing the XML costs, not a competitor.
# Then prints one table per N: medians (min–max), the ratio newsboat / paperboat and the ratio
# paperboat / sfeed.
#
# Only 127.0.0.1 is contacted: python3 -m http.server, started and stopped here by PID. Every
# wait is bounded. Feeds come from gen_feeds.py (deterministic, seed 1234).
#
# Usage: benches/compare.sh [options]
#   -n "1000 10000 50000"  feed sizes
#   -r 3                   repetitions (the order of the two readers alternates)
#   -o DIR                 output dir (default /tmp/paperboat-compare-<time>)
#   -d DIR                 feed dir, reused across runs (default /tmp/paperboat-compare-feeds)
#   -p 18432               HTTP port on 127.0.0.1
#   -g 200x50              tmux pane size
#   -I                     ingest once per size only (to build the readers' caches)
#   -R                     skip the reader measurements
#   -N                     skip newsboat
#   -F                     skip sfeed
#   -S DIR                 only print the summary of an earlier run's DIR/runs.tsv
# Env: PAPERBOAT (binary; default target/release/paperboat, built when missing),
#      NEWSBOAT (binary; default newsboat, installed with apt-get when missing and possible),
#      SFEED (binary; default sfeed, installed with apt-get when missing and possible),
#      BENCH_SHARED (dir of gen_feeds.py; default ../shared/bench next to the repo),
#      POLL (s between screen polls, 0.01), WAIT_TIMEOUT (s, 300), RUN_TIMEOUT (s, 900),
#      QUIET_PCT (30) / QUIET_MAX (60): before each measured run, wait (at most QUIET_MAX s)
#      until whole-machine CPU busy% over 1 s is at most QUIET_PCT; the busy% is recorded.
set -u -o pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
SIZES="1000 10000 50000"
REPS=3
OUT=""
FEEDS=/tmp/paperboat-compare-feeds
PORT=18432
GEOM=200x50
DO_INGEST=1
DO_READER=1
DO_NEWSBOAT=1
DO_SFEED=1
SUMMARY_ONLY=""
POLL=${POLL:-0.01}
WAIT_TIMEOUT=${WAIT_TIMEOUT:-300}
RUN_TIMEOUT=${RUN_TIMEOUT:-900}
QUIET_PCT=${QUIET_PCT:-30}
QUIET_MAX=${QUIET_MAX:-60}
PAPERBOAT=${PAPERBOAT:-$REPO/target/release/paperboat}
NEWSBOAT=${NEWSBOAT:-newsboat}
SFEED=${SFEED:-sfeed}
BENCH_SHARED=${BENCH_SHARED:-$REPO/../shared/bench}

# ---- What each reader is asked to do (the one place to change keys and words) -------------
COMMON_WORD=transformer    # in ~74% of papers
RARE_WORD=quasicrystal     # in exactly 1% of papers
PB_VIEW_ALL=3              # paperboat: switch to the All view (a digit waits for a count first)
PB_SEARCH=/                # paperboat: open the filter; the query filters as it is typed
PB_LEAVE=Escape            # paperboat: leave the filter (clears it)
PB_QUIT=q
NB_SEARCH=/                # newsboat: search prompt, then Enter
NB_FILTER=F                # newsboat: filter prompt (in an article list), then Enter
NB_QUIT=q

while getopts "n:r:o:d:p:g:IRNFS:h" opt; do
  case $opt in
    n) SIZES=$OPTARG ;; r) REPS=$OPTARG ;; o) OUT=$OPTARG ;; d) FEEDS=$OPTARG ;;
    p) PORT=$OPTARG ;; g) GEOM=$OPTARG ;; I) DO_INGEST=0 ;; R) DO_READER=0 ;;
    N) DO_NEWSBOAT=0 ;; F) DO_SFEED=0 ;; S) SUMMARY_ONLY=$OPTARG ;;
    h) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) exit 2 ;;
  esac
done

# ---------------------------------------------------------------- summary (python3)
summarize() { # DIR
  python3 - "$1/runs.tsv" <<'EOF'
import collections, statistics, sys
runs = collections.defaultdict(list)
with open(sys.argv[1]) as f:
    next(f)
    for line in f:
        tool, n, rep, metric, value = line.rstrip("\n").split("\t")
        try:
            runs[(int(n), metric, tool)].append(float(value))
        except ValueError:
            pass
rows = [
    ("ingest into an empty cache, wall", "ingest_ms", "ms"),
    ("ingest peak memory", "ingest_rss_kib", "MiB"),
    ("cache on disk", "disk_bytes", "MiB"),
    ("start → list on screen", "start_ms", "ms"),
    ("first frame, the reader's log (after process start)", "first_frame_log_ms", "ms"),
    ("search for a common word → results on screen", "search_ms", "ms"),
    ("filter on a rare word → results on screen", "filter_ms", "ms"),
    ("quit → process gone", "quit_ms", "ms"),
    ("of which: writing the first-screen file (log)", "quit_file_ms", "ms"),
    ("of which: key handled → data dir released (log)", "quit_own_ms", "ms"),
]
def scaled(metric, x):
    if metric == "ingest_rss_kib": return x / 1024
    if metric == "disk_bytes": return x / 1048576
    return x
def fmt(x):
    return "%.0f" % x if x >= 100 else ("%.1f" % x if x >= 10 else "%.2f" % x)
def cell(n, metric, tool):
    xs = [scaled(metric, x) for x in runs.get((n, metric, tool), [])]
    if not xs: return None, "–"
    m = statistics.median(xs)
    return m, "%s (%s–%s)" % (fmt(m), fmt(min(xs)), fmt(max(xs)))
out = []
for n in sorted({k[0] for k in runs if k[0] > 0}):
    reps = len(runs.get((n, "ingest_ms", "paperboat"), runs.get((n, "start_ms", "paperboat"), [])))
    out.append("### %s papers — medians of %d runs (min–max)\n" % (f"{n:,}", reps))
    out.append("| measure | unit | paperboat | newsboat | newsboat / paperboat | sfeed (parse to TSV) | paperboat / sfeed |")
    out.append("|---|---|---|---|---|---|---|")
    for label, metric, unit in rows:
        pm, ps = cell(n, metric, "paperboat")
        nm, ns = cell(n, metric, "newsboat")
        sm, ss = cell(n, metric, "sfeed")
        ratio = "%.1f×" % (nm / pm) if pm and nm else "–"
        sratio = "%.2f×" % (pm / sm) if pm and sm else "–"
        if pm is None and nm is None: continue
        out.append("| %s | %s | %s | %s | %s | %s | %s |" % (label, unit, ps, ns, ratio, ss, sratio))
    hits = []
    for tool in ("paperboat", "newsboat"):
        for metric in ("search_hits", "filter_hits"):
            xs = runs.get((n, metric, tool))
            if xs: hits.append("%s %s %d" % (tool, metric.replace("_hits", ""), statistics.median(xs)))
    busy = sum((runs.get((n, "pre_busy_pct", tool), []) for tool in ("paperboat", "newsboat", "sfeed")), [])
    if hits: out.append("\nhits: " + ", ".join(hits))
    if busy: out.append("machine busy before runs: median %.0f%%, max %.0f%%" % (statistics.median(busy), max(busy)))
    out.append("")
floor = runs.get((0, "floor_ms", "tmux"))
if floor:
    out.append("tmux harness floor (start + first poll of a trivial program): median %.0f ms (%s)\n"
               % (statistics.median(floor), ", ".join("%.0f" % x for x in floor)))
quit_floor = runs.get((0, "quit_floor_ms", "tmux"))
if quit_floor:
    out.append("tmux harness quit floor (key sent -> a trivial program that exits on it is gone): median %.0f ms (%s)\n"
               % (statistics.median(quit_floor), ", ".join("%.0f" % x for x in quit_floor)))
print("\n".join(out))
EOF
}

if [ -n "$SUMMARY_ONLY" ]; then summarize "$SUMMARY_ONLY"; exit $?; fi

# ---------------------------------------------------------------- set-up
W=${GEOM%x*}; H=${GEOM#*x}
[ -n "$OUT" ] || OUT=/tmp/paperboat-compare-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT/screens" "$FEEDS"
OUT=$(cd "$OUT" && pwd); FEEDS=$(cd "$FEEDS" && pwd)
LOG=$OUT/bench.log; TSV=$OUT/runs.tsv
: > "$LOG"
printf 'tool\tn\trep\tmetric\tvalue\n' > "$TSV"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy=127.0.0.1 NO_PROXY=127.0.0.1

log() { echo "[$(date +%H:%M:%S)] $*" | tee -a "$LOG" >&2; }
record() { printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >> "$TSV"; }
ms_since() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", (b-a)*1000}'; }
after() { awk -v t="$EPOCHREALTIME" -v d="$1" 'BEGIN{printf "%.6f", t+d}'; }
before() { [[ ${EPOCHREALTIME/./} -lt ${1/./} ]]; }

busy_pct() { # whole-machine CPU busy % over one second
  local a b
  read -r -a a < /proc/stat; sleep 1; read -r -a b < /proc/stat
  local total=$(( (b[1]+b[2]+b[3]+b[4]+b[5]+b[6]+b[7]+b[8]) - (a[1]+a[2]+a[3]+a[4]+a[5]+a[6]+a[7]+a[8]) ))
  local idle=$(( (b[4]+b[5]) - (a[4]+a[5]) ))
  [ "$total" -gt 0 ] || total=1
  echo $(( 100 * (total - idle) / total ))
}
wait_quiet() { # sets BUSY
  local start=$SECONDS
  BUSY=$(busy_pct)
  while [ "$BUSY" -gt "$QUIET_PCT" ] && [ $((SECONDS - start)) -lt "$QUIET_MAX" ]; do
    sleep 3; BUSY=$(busy_pct)
  done
  [ "$BUSY" -le "$QUIET_PCT" ] || log "machine still ${BUSY}% busy after ${QUIET_MAX}s; measuring anyway"
}

HTTP_PID=""; TMUX_PID=""; TMUX_SOCK=pb-compare-$$
TM() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }
cleanup() {
  if [ -n "$TMUX_PID" ] && kill -0 "$TMUX_PID" 2>/dev/null; then kill "$TMUX_PID" 2>/dev/null; fi
  if [ -n "$HTTP_PID" ] && kill -0 "$HTTP_PID" 2>/dev/null; then
    kill "$HTTP_PID" 2>/dev/null; wait "$HTTP_PID" 2>/dev/null
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

need() { command -v "$1" >/dev/null 2>&1; }
for tool in python3 tmux; do need "$tool" || { log "$tool is required"; exit 1; }; done
if [ ! -x /usr/bin/time ]; then
  log "installing /usr/bin/time"
  apt-get install -y time >> "$LOG" 2>&1 || { log "/usr/bin/time is required (apt-get install time)"; exit 1; }
fi
if [ ! -x "$PAPERBOAT" ]; then
  log "building paperboat (cargo build --release)"
  (cd "$REPO" && cargo build --release) >> "$LOG" 2>&1 || { log "cannot build paperboat"; exit 1; }
fi
if [ $DO_NEWSBOAT = 1 ] && ! need "$NEWSBOAT"; then
  log "newsboat is not installed; trying apt-get install -y newsboat"
  apt-get install -y newsboat >> "$LOG" 2>&1 || true
  need "$NEWSBOAT" || { log "newsboat cannot be installed: measuring paperboat alone"; DO_NEWSBOAT=0; }
fi
[ -f "$BENCH_SHARED/gen_feeds.py" ] || { log "no gen_feeds.py in $BENCH_SHARED (set BENCH_SHARED)"; exit 1; }
if [ $DO_SFEED = 1 ] && ! need "$SFEED"; then
  log "sfeed is not installed; trying apt-get install -y sfeed"
  apt-get install -y sfeed >> "$LOG" 2>&1 || true
  need "$SFEED" || { log "sfeed cannot be installed: no reference row"; DO_SFEED=0; }
fi
TOOLS=paperboat; [ $DO_NEWSBOAT = 1 ] && TOOLS="paperboat newsboat"
# sfeed only ingests (a reference row); it never runs in the reader loop.
INGESTERS=$TOOLS; [ $DO_SFEED = 1 ] && INGESTERS="$TOOLS sfeed"

{
  echo "date: $(date -Is)"
  echo "host: $(uname -srm); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') x $(nproc)"
  echo "mem: $(free -h | awk '/Mem:/{print $2}'); load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "paperboat: $PAPERBOAT ($(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?'))"
  [ $DO_NEWSBOAT = 1 ] && echo "newsboat: $("$NEWSBOAT" -v 2>/dev/null | head -1)"
  [ $DO_SFEED = 1 ] && echo "sfeed: $(dpkg-query -W -f '${Version}' sfeed 2>/dev/null || echo '?') ($(command -v "$SFEED"))"
  echo "tmux: $(tmux -V); python: $(python3 -V 2>&1)"
  echo "sizes: $SIZES; reps: $REPS; pane: $GEOM; poll: ${POLL}s"
} > "$OUT/machine.txt"
cat "$OUT/machine.txt" >> "$LOG"

for n in $SIZES; do
  f=$FEEDS/papers_$n.rss
  if [ ! -s "$f" ]; then
    log "generating $f"
    python3 "$BENCH_SHARED/gen_feeds.py" -n "$n" -f rss -o "$f" >> "$LOG" 2>&1 || exit 1
  fi
done
( cd "$FEEDS" && exec python3 -m http.server "$PORT" --bind 127.0.0.1 ) >> "$OUT/http.log" 2>&1 &
HTTP_PID=$!
up=0
for _ in $(seq 1 100); do
  if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$PORT/', timeout=2)" 2>/dev/null; then up=1; break; fi
  sleep 0.1
done
[ $up = 1 ] || { log "http.server did not start"; exit 1; }
log "http.server pid $HTTP_PID serving $FEEDS on 127.0.0.1:$PORT"

# Each run gets its own HOME/XDG tree, so nothing outside the run dir is read or written.
ENV_EXEC=$OUT/.in_run_dir.sh
cat > "$ENV_EXEC" <<'EOF'
#!/bin/sh
d=$1; shift
exec env HOME="$d/home" XDG_CONFIG_HOME="$d/home/.config" XDG_DATA_HOME="$d/home/.local/share" \
  XDG_STATE_HOME="$d/home/.local/state" XDG_CACHE_HOME="$d/home/.cache" "$@"
EOF
chmod +x "$ENV_EXEC"

prepare() { # TOOL DIR N — a fresh run dir with the tool's config
  rm -rf "$2"; mkdir -p "$2/home"
  local url=http://127.0.0.1:$PORT/papers_$3.rss
  if [ "$1" = sfeed ]; then
    return
  elif [ "$1" = paperboat ]; then
    cat > "$2/config.toml" <<EOF
[sync]
max_body_mib = 1024
timeout_secs = 900
[sources.hf]
enabled = false
[[sources.feeds]]
name = "papers"
url = "$url"
EOF
  else
    echo "$url" > "$2/urls"
    printf 'use-proxy no\ndownload-timeout 900\nauto-reload no\nshow-read-feeds yes\n' > "$2/config"
  fi
}
ingest_cmd() { # TOOL DIR N — sets CMD
  if [ "$1" = sfeed ]; then
    CMD=(sh -c 'exec "$0" < "$1" > "$2"' "$SFEED" "$FEEDS/papers_$3.rss" "$2/feed.tsv")
  elif [ "$1" = paperboat ]; then
    CMD=("$PAPERBOAT" --config "$2/config.toml" --data-dir "$2/data" sync)
  else
    CMD=("$NEWSBOAT" -u "$2/urls" -c "$2/cache.db" -C "$2/config" -x reload)
  fi
}
reader_cmd() { # TOOL DIR
  if [ "$1" = paperboat ]; then
    echo "$PAPERBOAT --config $2/config.toml --data-dir $2/data"
  else
    echo "$NEWSBOAT -u $2/urls -c $2/cache.db -C $2/config"
  fi
}
cache_bytes() { # TOOL DIR
  if [ "$1" = paperboat ]; then du -sb --exclude=log "$2/data" | cut -f1
  elif [ "$1" = sfeed ]; then stat -c %s "$2/feed.tsv"
  else stat -c %s "$2/cache.db"; fi
}

declare -A CACHE
ingest() { # TOOL N REP
  local tool=$1 n=$2 rep=$3 d=$OUT/runs/$1-$2-ingest-$3
  prepare "$tool" "$d" "$n"
  ingest_cmd "$tool" "$d" "$n"
  wait_quiet; record "$tool" "$n" "$rep" pre_busy_pct "$BUSY"
  local t0=$EPOCHREALTIME
  /usr/bin/time -v -o "$d/time.txt" timeout "$RUN_TIMEOUT" "$ENV_EXEC" "$d" "${CMD[@]}" \
    > "$d/stdout" 2> "$d/stderr"
  local rc=$? t1=$EPOCHREALTIME
  local ms rss size
  ms=$(ms_since "$t0" "$t1")
  rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$d/time.txt")
  size=$(cache_bytes "$tool" "$d" 2>/dev/null || echo NA)
  log "ingest $tool n=$n rep=$rep rc=$rc ${ms} ms, peak ${rss} KiB, cache ${size} B (busy before ${BUSY}%)"
  if [ "$rc" != 0 ]; then log "  $(tail -2 "$d/stderr" | tr '\n' ' ')"; return; fi
  record "$tool" "$n" "$rep" ingest_ms "$ms"
  record "$tool" "$n" "$rep" ingest_rss_kib "$rss"
  record "$tool" "$n" "$rep" disk_bytes "$size"
  # The newest cache of each reader and size is kept for the reader runs; older ones go.
  if [ -n "${CACHE[$tool-$n]:-}" ] && [ "${CACHE[$tool-$n]}" != "$d" ]; then rm -rf "${CACHE[$tool-$n]}"; fi
  CACHE[$tool-$n]=$d
}

# ---------------------------------------------------------------- tmux harness
TARGET=""
screen() { TM capture-pane -p -t "$TARGET" 2>/dev/null; }
# wait_for TIMEOUT REGEX... — every extended regex must match the screen; sets SEEN_AT, SCREEN
wait_for() {
  local deadline s p all
  deadline=$(after "$1"); shift
  while :; do
    s=$(screen) || { SEEN_AT=$EPOCHREALTIME; SCREEN=""; return 1; }
    all=1
    for p in "$@"; do grep -qE -- "$p" <<< "$s" || { all=0; break; }; done
    if [ $all = 1 ]; then SEEN_AT=$EPOCHREALTIME; SCREEN=$s; return 0; fi
    before "$deadline" || { SCREEN=$s; return 1; }
    sleep "$POLL"
  done
}
wait_gone() { # TIMEOUT
  local deadline; deadline=$(after "$1")
  while TM has-session -t "$TARGET" 2>/dev/null; do
    before "$deadline" || return 1
    sleep "$POLL"
  done
  SEEN_AT=$EPOCHREALTIME
}
# Waits until the pane's process has used no CPU for 300 ms: background loading is done.
wait_idle() { # TIMEOUT
  local pid deadline last now; deadline=$(after "$1")
  pid=$(TM display -p -t "$TARGET" '#{pane_pid}')
  last=""
  while before "$deadline"; do
    now=$(awk '{print $14+$15}' "/proc/$pid/stat" 2>/dev/null) || return 1
    [ "$now" = "$last" ] && return 0
    last=$now; sleep 0.3
  done
  return 1
}
start_session() { # NAME COMMAND
  TARGET=$1
  TM new-session -d -s "$TARGET" -x "$W" -y "$H" "$2"
}

PB_LIST_RE='· [0-9]+ papers · '
PB_ROW_RE='│  ● '
NB_FEEDS_RE='^newsboat [0-9.]+ - Your feeds \('
NB_ROW_RE='^ +1 .*Synthetic Papers'

reader_paperboat() { # N REP
  local n=$1 rep=$2 src=${CACHE[paperboat-$1]:-} d=$OUT/runs/paperboat-$1-reader-$2 t0 ms hits
  [ -n "$src" ] || { log "no paperboat cache for n=$n"; return; }
  rm -rf "$d"; cp -a "$src" "$d"; sync
  wait_quiet; record paperboat "$n" "$rep" pre_busy_pct "$BUSY"
  t0=$EPOCHREALTIME
  start_session "pb$n-$rep" "exec '$ENV_EXEC' '$d' $(reader_cmd paperboat "$d") 2> '$d/reader.stderr'"
  if ! wait_for "$WAIT_TIMEOUT" "$PB_LIST_RE" "$PB_ROW_RE"; then
    log "paperboat n=$n: no list on screen"; echo "$SCREEN" > "$d/fail.txt"; TM kill-session -t "$TARGET"; return
  fi
  ms=$(ms_since "$t0" "$SEEN_AT"); record paperboat "$n" "$rep" start_ms "$ms"
  echo "$SCREEN" > "$OUT/screens/paperboat-$n-$rep-start.txt"
  # The All view, then let the background work (catalog with abstracts, the sync's 304) end.
  TM send-keys -t "$TARGET" "$PB_VIEW_ALL"
  wait_for 30 "All · $n papers" || log "paperboat n=$n: All view not shown"
  wait_for 60 'synced' || log "paperboat n=$n: sync did not finish"
  wait_idle 120 || log "paperboat n=$n: did not settle"
  local kind word
  for kind in search filter; do
    if [ $kind = search ]; then word=$COMMON_WORD; else word=$RARE_WORD; fi
    TM send-keys -t "$TARGET" "$PB_SEARCH"
    wait_for 10 'FILTER' || { log "paperboat: no filter prompt"; break; }
    t0=$EPOCHREALTIME
    TM send-keys -t "$TARGET" -l "$word"
    if wait_for "$WAIT_TIMEOUT" "All · [0-9]+ papers · .* /$word " "$PB_ROW_RE"; then
      ms=$(ms_since "$t0" "$SEEN_AT")
      hits=$(grep -m1 -oE "All · [0-9]+ papers" <<< "$SCREEN" | grep -oE '[0-9]+')
      record paperboat "$n" "$rep" "${kind}_ms" "$ms"; record paperboat "$n" "$rep" "${kind}_hits" "$hits"
      echo "$SCREEN" > "$OUT/screens/paperboat-$n-$rep-$kind.txt"
    else log "paperboat n=$n: $kind '$word' timed out"; fi
    TM send-keys -t "$TARGET" "$PB_LEAVE"
    wait_for 10 'NORMAL' "All · $n papers" || log "paperboat: filter not left"
  done
  t0=$EPOCHREALTIME
  TM send-keys -t "$TARGET" "$PB_QUIT"
  if wait_gone "$WAIT_TIMEOUT"; then record paperboat "$n" "$rep" quit_ms "$(ms_since "$t0" "$SEEN_AT")"
  else log "paperboat n=$n: quit timed out"; TM kill-session -t "$TARGET" 2>/dev/null; fi
  # The reader's own account (its log): the first frame after process start, and what
  # writing the first-screen file added to quit (issue #15).
  local pblog=$d/home/.local/state/paperboat/paperboat.log
  ms=$(grep -m1 'first frame drawn' "$pblog" 2>/dev/null | grep -oE 'ms_since_process_start=[0-9.]+' | cut -d= -f2)
  [ -z "$ms" ] || record paperboat "$n" "$rep" first_frame_log_ms "$ms"
  # Since the keeper (issue #15, quit) the file is usually current at quit: recorded as 0.
  ms=$(grep -m1 'first-screen file written' "$pblog" 2>/dev/null | grep -oE ' ms=[0-9.]+' | cut -d= -f2)
  grep -q 'first-screen file already current' "$pblog" 2>/dev/null && ms=0
  [ -z "$ms" ] || record paperboat "$n" "$rep" quit_file_ms "$ms"
  # The reader's own part of quitting: the key handled -> the data dir released, just before
  # the log's flush and the exit (the kernel's teardown and the harness are the rest).
  ms=$(grep -m1 'quit: data dir released' "$pblog" 2>/dev/null | grep -oE 'ms_since_key=[0-9.]+' | cut -d= -f2)
  [ -z "$ms" ] || record paperboat "$n" "$rep" quit_own_ms "$ms"
  log "reader paperboat n=$n rep=$rep: $(awk -F'\t' -v n="$n" -v r="$rep" '$1=="paperboat" && $2==n && $3==r && $4 ~ /_ms$|_hits$/ && $4 != "ingest_ms" {printf "%s=%s ", $4, $5}' "$TSV")"
  rm -rf "$d"
}

reader_newsboat() { # N REP
  local n=$1 rep=$2 src=${CACHE[newsboat-$1]:-} d=$OUT/runs/newsboat-$1-reader-$2 t0 ms hits
  [ -n "$src" ] || { log "no newsboat cache for n=$n"; return; }
  rm -rf "$d"; cp -a "$src" "$d"; sync
  wait_quiet; record newsboat "$n" "$rep" pre_busy_pct "$BUSY"
  t0=$EPOCHREALTIME
  start_session "nb$n-$rep" "exec '$ENV_EXEC' '$d' $(reader_cmd newsboat "$d") 2> '$d/reader.stderr'"
  if ! wait_for "$WAIT_TIMEOUT" "$NB_FEEDS_RE" "$NB_ROW_RE"; then
    log "newsboat n=$n: no feed list"; echo "$SCREEN" > "$d/fail.txt"; TM kill-session -t "$TARGET"; return
  fi
  ms=$(ms_since "$t0" "$SEEN_AT"); record newsboat "$n" "$rep" start_ms "$ms"
  echo "$SCREEN" > "$OUT/screens/newsboat-$n-$rep-start.txt"
  # search: type the word at the prompt, time from Enter
  TM send-keys -t "$TARGET" "$NB_SEARCH"
  if wait_for 10 '^Search for:'; then
    TM send-keys -t "$TARGET" -l "$COMMON_WORD"
    wait_for 10 "^Search for: $COMMON_WORD" || true
    t0=$EPOCHREALTIME
    TM send-keys -t "$TARGET" Enter
    if wait_for "$WAIT_TIMEOUT" '^newsboat [0-9.]+ - Search results \(' '^ +1 '; then
      ms=$(ms_since "$t0" "$SEEN_AT")
      hits=$(grep -m1 -oE '[0-9]+ total' <<< "$SCREEN" | grep -oE '[0-9]+')
      record newsboat "$n" "$rep" search_ms "$ms"; record newsboat "$n" "$rep" search_hits "${hits:-NA}"
      echo "$SCREEN" > "$OUT/screens/newsboat-$n-$rep-search.txt"
    else log "newsboat n=$n: search timed out"; fi
    TM send-keys -t "$TARGET" "$NB_QUIT"
    wait_for 30 "$NB_FEEDS_RE" || log "newsboat: not back at the feed list"
  fi
  # filter: only in an article list, so open the feed first (not timed)
  TM send-keys -t "$TARGET" Enter
  if wait_for "$WAIT_TIMEOUT" '^newsboat [0-9.]+ - Articles in feed' '^ +1 '; then
    TM send-keys -t "$TARGET" "$NB_FILTER"
    if wait_for 10 '^Filter:'; then
      TM send-keys -t "$TARGET" -l "content =~ \"$RARE_WORD\""
      wait_for 10 '^Filter: content =~' || true
      t0=$EPOCHREALTIME
      TM send-keys -t "$TARGET" Enter
      if wait_for "$WAIT_TIMEOUT" 'matching filter' '^ *[0-9]+ '; then
        ms=$(ms_since "$t0" "$SEEN_AT")
        record newsboat "$n" "$rep" filter_ms "$ms"
        echo "$SCREEN" > "$OUT/screens/newsboat-$n-$rep-filter.txt"
      else log "newsboat n=$n: filter timed out"; fi
    fi
    TM send-keys -t "$TARGET" "$NB_QUIT"
    wait_for 30 "$NB_FEEDS_RE" || log "newsboat: not back at the feed list"
  else log "newsboat n=$n: feed did not open"; fi
  t0=$EPOCHREALTIME
  TM send-keys -t "$TARGET" "$NB_QUIT"
  if wait_gone "$WAIT_TIMEOUT"; then record newsboat "$n" "$rep" quit_ms "$(ms_since "$t0" "$SEEN_AT")"
  else log "newsboat n=$n: quit timed out"; TM kill-session -t "$TARGET" 2>/dev/null; fi
  log "reader newsboat n=$n rep=$rep: $(awk -F'\t' -v n="$n" -v r="$rep" '$1=="newsboat" && $2==n && $3==r && $4 ~ /_ms$|_hits$/ && $4 != "ingest_ms" {printf "%s=%s ", $4, $5}' "$TSV")"
  rm -rf "$d"
}

# ---------------------------------------------------------------- the runs
if [ $DO_READER = 1 ]; then
  TM new-session -d -s hold -x "$W" -y "$H" "sleep 86400" || { log "tmux failed"; exit 1; }
  TMUX_PID=$(TM display -p -t hold '#{pid}')
  for rep in $(seq 1 "$REPS"); do
    t0=$EPOCHREALTIME
    start_session "floor$rep" "printf 'All · 1 papers · 1 unread\n│  ● row\n'; sleep 30"
    if wait_for 10 "$PB_LIST_RE" "$PB_ROW_RE"; then record tmux 0 "$rep" floor_ms "$(ms_since "$t0" "$SEEN_AT")"; fi
    TM kill-session -t "$TARGET" 2>/dev/null
    # The quit floor: a program that exits on the first key, timed as the readers' quit is
    # (send-keys, the pane's process exits, tmux closes the session, the next poll sees it).
    start_session "quitfloor$rep" "exec bash -c 'printf \"All · 1 papers · 1 unread\n│  ● row\n\"; read -rsn1'"
    if wait_for 10 "$PB_LIST_RE" "$PB_ROW_RE"; then
      t0=$EPOCHREALTIME
      TM send-keys -t "$TARGET" "$PB_QUIT"
      if wait_gone 10; then record tmux 0 "$rep" quit_floor_ms "$(ms_since "$t0" "$SEEN_AT")"; fi
    fi
    TM kill-session -t "$TARGET" 2>/dev/null
  done
fi

for n in $SIZES; do
  for rep in $(seq 1 "$REPS"); do
    # Alternate who goes first, so neither always gets the warmer page cache.
    if [ $((rep % 2)) = 1 ]; then order=$TOOLS; else order=$(echo "$TOOLS" | awk '{for(i=NF;i>0;i--) printf "%s ", $i}'); fi
    if [ $((rep % 2)) = 1 ]; then ingesters=$INGESTERS; else ingesters=$(echo "$INGESTERS" | awk '{for(i=NF;i>0;i--) printf "%s ", $i}'); fi
    for tool in $ingesters; do
      if [ $DO_INGEST = 1 ] || [ -z "${CACHE[$tool-$n]:-}" ]; then ingest "$tool" "$n" "$rep"; fi
    done
    if [ $DO_READER = 1 ]; then
      for tool in $order; do "reader_$tool" "$n" "$rep"; done
    fi
  done
done

summarize "$OUT" | tee "$OUT/summary.md"
rm -rf "$OUT/runs"
log "done: $OUT/summary.md (load at end: $(cut -d' ' -f1-3 /proc/loadavg))"
