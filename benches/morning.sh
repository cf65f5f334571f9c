#!/usr/bin/env bash
# The morning benchmark (issue #11): a researcher in tmux at 80x24 with three days of papers
# sorts today by upvotes, reads the five top abstracts to their end, stars three of them and
# goes to yesterday. Counts the key events sent and times the session, start to exit.
#
# The papers come from the project's synthetic generator (src/synth.rs, through
# examples/synth_store.rs): PER_DAY a day for three days, today being the newest. No network:
# every source is disabled. tmux runs on a private socket, killed at the end.
#
# The keys are the ones a user would press, sent one at a time, each after the screen has
# answered the previous one: `S` (sort: newest -> upvotes), Space to open the top paper and
# page through it (at its end Space marks it read and opens the next unread one), `s` on each
# of the first three, and `[` for yesterday. Space is pressed as often as the text needs (it is
# counted): the script watches the list title's unread count to know when a paper was left.
#
# Usage: benches/morning.sh            (prints keys, seconds and the key sequence)
# Env:   PAPERBOAT (binary; default target/release/paperboat, built when missing),
#        SYNTH (default target/release/examples/synth_store), PER_DAY (40), POLL (0.02 s),
#        WAIT_TIMEOUT (20 s for each screen change).
set -u -o pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
PAPERBOAT=${PAPERBOAT:-$REPO/target/release/paperboat}
SYNTH=${SYNTH:-$REPO/target/release/examples/synth_store}
PER_DAY=${PER_DAY:-40}
POLL=${POLL:-0.02}
WAIT_TIMEOUT=${WAIT_TIMEOUT:-20}

if [ ! -x "$PAPERBOAT" ] || [ ! -x "$SYNTH" ]; then
    (cd "$REPO" && cargo build --release --bin paperboat --example synth_store) || exit 1
fi
command -v tmux >/dev/null || { echo "morning.sh: tmux is required" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/paperboat-morning.XXXXXX")
SOCKET="paperboat-morning-$$"
tm() { tmux -L "$SOCKET" -f /dev/null "$@"; }
cleanup() { tm kill-server 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

printf '[sources.hf]\nenabled = false\n' > "$WORK/config.toml"
"$SYNTH" "$WORK/data" "$PER_DAY" 3 >/dev/null || exit 1

KEYS=0
SENT=()
screen() { tm capture-pane -p -t morning 2>/dev/null; }
unread() { screen | grep -o '[0-9]* unread' | head -1 | cut -d' ' -f1; }
now() { date +%s.%N; }
fail() { echo "morning.sh: $*" >&2; screen >&2; exit 1; }

# Waits until the screen differs from $1 (the screen before the key).
wait_change() {
    local before=$1 deadline
    deadline=$(echo "$(now) + $WAIT_TIMEOUT" | bc)
    while [ "$(screen)" = "$before" ]; do
        [ "$(echo "$(now) > $deadline" | bc)" = 1 ] && fail "no answer to ${SENT[-1]}"
        sleep "$POLL"
    done
}

wait_for() {
    local pattern=$1 deadline
    deadline=$(echo "$(now) + $WAIT_TIMEOUT" | bc)
    until screen | grep -q -- "$pattern"; do
        [ "$(echo "$(now) > $deadline" | bc)" = 1 ] && fail "never saw: $pattern"
        sleep "$POLL"
    done
}

# One key, then wait for the screen to answer.
key() {
    local before
    before=$(screen)
    tm send-keys -t morning "$1"
    KEYS=$((KEYS + 1))
    SENT+=("$1")
    wait_change "$before"
}

start=$(now)
tm new-session -d -s morning -x 80 -y 24 \
    "XDG_STATE_HOME='$WORK/state' XDG_DATA_HOME='$WORK/state' '$PAPERBOAT' --config '$WORK/config.toml' --data-dir '$WORK/data'; echo \$? > '$WORK/status'; sleep 5"
wait_for "Today"
ready=$(now)

key S
wait_for "by upvotes"
total=$(unread)
# Read papers 1..5 to their end: Space until the sixth is open (each open marks one read).
key Space
for paper in 1 2 3 4 5; do
    if [ "$paper" -le 3 ]; then key s; fi
    want=$((total - paper - 1))
    while [ "$(unread)" != "$want" ]; do
        key Space
        [ "$KEYS" -gt 100 ] && fail "Space never left paper $paper"
    done
done
key '['
wait_for "Yesterday"
done_at=$(now)
tm send-keys -t morning q
deadline=$(echo "$(now) + $WAIT_TIMEOUT" | bc)
until [ -s "$WORK/status" ]; do
    [ "$(echo "$(now) > $deadline" | bc)" = 1 ] && fail "the reader did not exit"
    sleep "$POLL"
done
end=$(now)
starred=$("$PAPERBOAT" --config "$WORK/config.toml" --data-dir "$WORK/data" list --starred | wc -l)
read_count=$("$PAPERBOAT" --config "$WORK/config.toml" --data-dir "$WORK/data" list --query 'is:read' | wc -l)

echo "keys sent: $KEYS (+ q to quit)"
echo "sequence: ${SENT[*]} q"
printf 'time: first frame to yesterday on screen %.2f s; start to exit %.2f s\n' \
    "$(echo "$done_at - $ready" | bc)" "$(echo "$end - $start" | bc)"
echo "exit status $(cat "$WORK/status"); starred $starred; read $read_count"
