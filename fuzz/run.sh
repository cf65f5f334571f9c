#!/usr/bin/env bash
# Runs paperboat's fuzz targets with cargo-fuzz (needs a nightly toolchain and
# `cargo install cargo-fuzz`). Usage: fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
# Each target starts from the committed seeds in fuzz/seeds/<target> and keeps what it finds in
# fuzz/corpus/<target> (not committed). A crash stops that target and leaves its input in
# fuzz/artifacts/<target>; replay it with `cargo +nightly fuzz run <target> <file>`.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-300}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(hf_json arxiv_feed generic_feed feed_encodings config_keymap arxiv_id text_normalize query)
fi
# No sanitizer: paperboat forbids unsafe code; debug assertions catch overflow.
cargo +nightly fuzz build -s none --debug-assertions
for target in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$target"
  # -timeout: a single input taking longer than 10 s counts as a hang (a crash).
  cargo +nightly fuzz run -s none --debug-assertions "$target" \
    "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1
done
