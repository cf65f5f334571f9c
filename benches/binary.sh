#!/usr/bin/env bash
# The real reader on an existing store (issue #15): peak and held memory, and `q` → process gone.
#
# Starts the release binary in a private tmux server (pane 160x48, sources off, logs under a
# temp dir) on a copy-free data dir, waits for the list, then until the process has used no CPU
# for a whole second (the background catalog load is done: "loaded"), waits 10 s more and reads
# VmRSS ("held") and VmHWM ("peak") from /proc. Then sends `q` and polls every millisecond until
# the process has exited (a zombie counts as gone: tmux reaps it late) ("quit"). REPS runs in a
# row; one line each, tab-separated.
#
# Usage: benches/binary.sh DATA_DIR [REPS]
#   DATA_DIR  a store, e.g. /tmp/paperboat-bench-refresh-1000000 (benches/refresh.rs builds it)
# Env: PAPERBOAT (binary; default target/release/paperboat), HOLD (s after loading, default 10)
set -u -o pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
DATA=${1:?usage: benches/binary.sh DATA_DIR [REPS]}
REPS=${2:-3}
PAPERBOAT=${PAPERBOAT:-$REPO/target/release/paperboat}
HOLD=${HOLD:-10}
WORK=$(mktemp -d /tmp/paperboat-binary-XXXXXX)
SOCKET=$WORK/tmux.sock
TM() { tmux -S "$SOCKET" "$@"; }
trap 'TM kill-server 2>/dev/null; rm -rf "$WORK"' EXIT

# Sources off; HF's linked-repo lookups for the shown paper go to a closed local port.
printf '[sources.hf]\nenabled = false\nbase_url = "http://127.0.0.1:9"\n' > "$WORK/config.toml"
ms_since() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", (b-a)*1000}'; }
status_mib() { awk -v f="$2:" '$1==f {printf "%.0f", $2/1024}' "/proc/$1/status" 2>/dev/null; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null; }

printf 'rep\tlist_ms\tloaded_s\tpeak_mib\theld_mib\tquit_ms\tloadavg\n'
for rep in $(seq 1 "$REPS"); do
  t0=$EPOCHREALTIME
  TM new-session -d -s pb -x 160 -y 48 \
    "exec env XDG_STATE_HOME='$WORK/state' XDG_CACHE_HOME='$WORK/cache' \
       '$PAPERBOAT' --config '$WORK/config.toml' --data-dir '$DATA'"
  pid=$(TM display -p -t pb '#{pane_pid}')
  until TM capture-pane -p -t pb 2>/dev/null | grep -qE '[0-9]+ papers'; do sleep 0.005; done
  list_ms=$(ms_since "$t0" "$EPOCHREALTIME")
  # Loaded: no CPU used over one second.
  last=""
  while now=$(cpu_ticks "$pid") && [ "$now" != "$last" ]; do last=$now; sleep 1; done
  loaded_s=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a-1}')
  sleep "$HOLD"
  held=$(status_mib "$pid" VmRSS)
  peak=$(status_mib "$pid" VmHWM)
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  t0=$EPOCHREALTIME
  TM send-keys -t pb q
  # Gone = exited: a zombie waits for tmux to reap it (seen: 1.6–2 s later), which is not ours.
  while state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) && [ "$state" != Z ]; do
    sleep 0.001
  done
  quit_ms=$(ms_since "$t0" "$EPOCHREALTIME")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$list_ms" "$loaded_s" "$peak" "$held" "$quit_ms" "$load"
  TM kill-server 2>/dev/null
  sleep 1
done
