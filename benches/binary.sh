#!/usr/bin/env bash
# The real reader on an existing store (issue #15): peak and held memory, and `q` → process gone.
#
# Starts the release binary in a private tmux server (pane 160x48, sources off, logs under a
# temp dir) on a copy-free data dir, waits for the list, then for the log's "catalog loaded"
# line (every row, abstract and the text index ready: "loaded"), waits HOLD s more and reads
# VmRSS ("held") and VmHWM ("peak") from /proc, then the bytes the process read and wrote
# (/proc/PID/io rchar, wchar) during the load and over the IDLE s after it. Then sends `q` and
# waits on a pidfd (python3) until the whole process has exited ("quit"; before 2026-12-07
# night: until its main thread was a zombie, which missed the teardown). REPS runs in a row;
# one line each, tab-separated.
#
# Usage: benches/binary.sh DATA_DIR [REPS]
#   DATA_DIR  a store, e.g. /tmp/paperboat-bench-refresh-1000000 (benches/refresh.rs builds it)
# Env: PAPERBOAT (binary; default target/release/paperboat), HOLD (s after loading, default
#   10), IDLE (s after loading over which idle I/O is counted, at least HOLD; default 60),
#   LOADED=cpu for a binary older than the "catalog loaded" line: loaded once the process used
#   under 30 ms of CPU in a second (its timers take ~7; a guess that can come early or late)
set -u -o pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
DATA=${1:?usage: benches/binary.sh DATA_DIR [REPS]}
REPS=${2:-3}
PAPERBOAT=${PAPERBOAT:-$REPO/target/release/paperboat}
HOLD=${HOLD:-10}
IDLE=${IDLE:-60}
[ "$IDLE" -ge "$HOLD" ] || IDLE=$HOLD
WORK=$(mktemp -d /tmp/paperboat-binary-XXXXXX)
SOCKET=$WORK/tmux.sock
TM() { tmux -S "$SOCKET" "$@"; }
trap 'TM kill-server 2>/dev/null; rm -rf "$WORK"' EXIT

# Sources off; HF's linked-repo lookups for the shown paper go to a closed local port.
printf '[sources.hf]\nenabled = false\nbase_url = "http://127.0.0.1:9"\n' > "$WORK/config.toml"
ms_since() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", (b-a)*1000}'; }
status_mib() { awk -v f="$2:" '$1==f {printf "%.0f", $2/1024}' "/proc/$1/status" 2>/dev/null; }
# rchar and wchar: every byte through read/write calls, page cache hits included.
io_bytes() { awk -v f="$2:" '$1==f {print $2}' "/proc/$1/io" 2>/dev/null; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null; }
# The reader logs to $XDG_STATE_HOME/paperboat/paperboat.log.
LOG=$WORK/state/paperboat/paperboat.log

printf 'rep\tlist_ms\tloaded_s\tpeak_mib\theld_mib\tquit_ms\tload_read_mb\tload_written_mb'
printf '\tidle_read_kb\tidle_written_kb\tloadavg\n'
for rep in $(seq 1 "$REPS"); do
  t0=$EPOCHREALTIME
  TM new-session -d -s pb -x 160 -y 48 \
    "exec env XDG_STATE_HOME='$WORK/state' XDG_CACHE_HOME='$WORK/cache' \
       '$PAPERBOAT' --config '$WORK/config.toml' --data-dir '$DATA'"
  pid=$(TM display -p -t pb '#{pane_pid}')
  until TM capture-pane -p -t pb 2>/dev/null | grep -qE '[0-9]+ papers'; do sleep 0.005; done
  list_ms=$(ms_since "$t0" "$EPOCHREALTIME")
  if [ "${LOADED:-log}" = cpu ]; then
    last=0
    while now=$(cpu_ticks "$pid") && [ $((now - last)) -ge 3 ]; do last=$now; sleep 1; done
    loaded_s=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a-1}')
  else
    # The loader logged the full catalog (one line per load; the first is this one).
    until grep -q 'catalog loaded' "$LOG" 2>/dev/null; do
      [ -d "/proc/$pid" ] || { echo "paperboat exited before loading" >&2; exit 1; }
      sleep 0.05
    done
    loaded_s=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}')
  fi
  read0=$(io_bytes "$pid" rchar)
  written0=$(io_bytes "$pid" wchar)
  sleep "$HOLD"
  held=$(status_mib "$pid" VmRSS)
  peak=$(status_mib "$pid" VmHWM)
  sleep $((IDLE - HOLD))
  idle_read=$(( ($(io_bytes "$pid" rchar) - read0) / 1024 ))
  idle_written=$(( ($(io_bytes "$pid" wchar) - written0) / 1024 ))
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  # Gone = the whole process exited, as its parent (a shell: the prompt) learns it: a pidfd
  # turns readable then, whoever reaps it and when (tmux reaps late, 1.6–2 s). Not the main
  # thread turning zombie: it does before the last thread has exited and the kernel has torn
  # down the address space (at 1M papers ~150–280 ms of the quit, issue #15 "night: quit").
  coproc GONE { python3 -c '
import os, select, sys, time
fd = os.pidfd_open(int(sys.argv[1])); print("ready", flush=True)
p = select.poll(); p.register(fd, select.POLLIN); p.poll()
print("%.6f" % time.time(), flush=True)' "$pid"; }
  read -r _ <&"${GONE[0]}"
  t0=$EPOCHREALTIME
  TM send-keys -t pb q
  read -r gone <&"${GONE[0]}"
  quit_ms=$(ms_since "$t0" "$gone")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$list_ms" "$loaded_s" "$peak" \
    "$held" "$quit_ms" $((read0 / 1000000)) $((written0 / 1000000)) "$idle_read" "$idle_written" "$load"
  TM kill-server 2>/dev/null
  rm -rf "$WORK/state"
  sleep 1
done
