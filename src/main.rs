//! The `paperboat` binary: parses the command line and hands over to the library.
#![forbid(unsafe_code)]

/// jemalloc rather than glibc's malloc: at a million papers the reader holds ~120 MiB less
/// once loaded (glibc keeps the pages freed during the load as holes among the catalog's
/// allocations) and ingest is ~19 % faster. BENCHMARKS.md, "the allocator".
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    paperboat::cli::main()
}
