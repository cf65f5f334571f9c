//! A short, deterministic run of every fuzz target inside `cargo test` (the long runs use
//! cargo-fuzz, see `fuzz/run.sh`): the committed seeds and every input that once crashed a
//! target (`fuzz/regressions/<target>/`) are replayed, then proptest feeds random bytes and
//! mutated seeds. The target bodies are the very ones cargo-fuzz runs (`fuzz/src/lib.rs`).

#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod fuzz_bodies;

use std::path::{Path, PathBuf};

use fuzz_bodies::TARGETS;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files under `fuzz/<kind>/<target>/`, sorted (none when the folder is missing).
fn inputs(kind: &str, target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(fuzz_dir().join(kind).join(target)) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect()
}

fn all_seeds() -> Vec<Vec<u8>> {
    TARGETS
        .iter()
        .flat_map(|(name, _)| inputs("seeds", name))
        .map(|(_, bytes)| bytes)
        .collect()
}

#[test]
fn every_target_has_seeds_and_replays_them_and_its_regressions() {
    let mut replayed = 0;
    for (name, target) in TARGETS {
        let seeds = inputs("seeds", name);
        assert!(
            !seeds.is_empty(),
            "{name} has no seeds in fuzz/seeds/{name}"
        );
        for (path, bytes) in seeds.iter().chain(&inputs("regressions", name)) {
            eprintln!("{name}: {}", path.display());
            target(bytes);
            replayed += 1;
        }
    }
    assert!(replayed >= TARGETS.len());
}

#[test]
fn committed_seeds_stay_small() {
    let total: usize = TARGETS
        .iter()
        .flat_map(|(name, _)| {
            inputs("seeds", name)
                .into_iter()
                .chain(inputs("regressions", name))
        })
        .map(|(_, bytes)| bytes.len())
        .sum();
    assert!(
        total < 100 * 1024,
        "committed fuzz inputs are {total} bytes"
    );
}

/// One edit of a seed: overwrite, insert or delete a byte, or cut the rest.
#[derive(Debug, Clone)]
enum Edit {
    Set(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Edit::Set(at, b)),
        3 => (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Edit::Insert(at, b)),
        2 => any::<usize>().prop_map(Edit::Delete),
        1 => any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn mutate(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for edit in edits {
        let len = bytes.len();
        match *edit {
            Edit::Set(at, byte) if len > 0 => bytes[at % len] = byte,
            Edit::Insert(at, byte) => bytes.insert(at % (len + 1), byte),
            Edit::Delete(at) if len > 0 => {
                bytes.remove(at % len);
            }
            Edit::Truncate(at) => bytes.truncate(at % (len + 1)),
            _ => {}
        }
    }
    bytes
}

proptest! {
    // A fixed seed: every run tries the same cases (failures found are kept in the
    // `.proptest-regressions` file beside this one and replayed first).
    #![proptest_config(ProptestConfig {
        cases: 256,
        rng_seed: RngSeed::Fixed(0x0070_6170_6572),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_bytes_never_break_a_target(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        for (_, target) in TARGETS {
            target(&bytes);
        }
    }

    #[test]
    fn mutated_seeds_never_break_a_target(
        seed in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..24),
    ) {
        let seeds = all_seeds();
        let bytes = mutate(seeds[seed.index(seeds.len())].clone(), &edits);
        for (_, target) in TARGETS {
            target(&bytes);
        }
    }
}
