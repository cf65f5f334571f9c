//! Measuring helpers shared by the refresh and splice benches: resident memory from
//! `/proc/self/status` and millisecond percentiles of timed runs.

use std::time::Duration;

/// A `/proc/self/status` memory field (`VmRSS:`, `VmHWM:`) in MiB; NaN where there is none.
pub fn mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with(field))?.to_string();
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The `p` percentile (0–1, nearest rank) of `times` in ms, sorting them; NaN when empty.
pub fn percentile(times: &mut [Duration], p: f64) -> f64 {
    times.sort();
    let index = ((times.len() as f64 - 1.0) * p).round() as usize;
    times.get(index).map_or(f64::NAN, |&d| ms(d))
}
