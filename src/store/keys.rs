//! Key encodings of the day-chunk layout (schema v1 and v2): day/part keys and user buckets.

use chrono::{Datelike, NaiveDate};

use crate::model::PaperId;

/// The most list rows (and bodies) one chunk value holds; a bigger day gets more parts. Small
/// enough that a chunk of full records (~55 KB raw, ~20 KB compressed) stays under sled's blob
/// threshold (see the layout notes in `mod.rs`). Smaller parts cost more than they save: at 4
/// a part, compressed, ingesting 50k papers peaked at 147 MiB against 93 MiB at 32.
pub(super) const PART_ROWS: usize = 32;

/// How many keys the `user` tree may have, whatever the number of papers read or starred.
pub(super) const USER_BUCKETS: u64 = 256;

/// Where a chunk of one day's papers lives: the day as `YYYYMMDD` (u32 big-endian) then the
/// part number (u16 big-endian), so byte order is day order and a day is one key range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct ChunkKey {
    pub day: NaiveDate,
    pub part: u16,
}

impl ChunkKey {
    pub const LEN: usize = 6;

    /// The key of `part` of `day`, or `None` for a day before year 0 (no key can hold it).
    pub fn new(day: NaiveDate, part: u16) -> Option<ChunkKey> {
        day_code(day).map(|_| ChunkKey { day, part })
    }

    pub fn to_bytes(self) -> [u8; Self::LEN] {
        // `new` and `from_bytes` only build keys for encodable days.
        let code = day_code(self.day).unwrap_or(0);
        let mut bytes = [0u8; Self::LEN];
        bytes[..4].copy_from_slice(&code.to_be_bytes());
        bytes[4..].copy_from_slice(&self.part.to_be_bytes());
        bytes
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<ChunkKey> {
        let code = u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?);
        let part = u16::from_be_bytes(bytes.get(4..Self::LEN)?.try_into().ok()?);
        if bytes.len() != Self::LEN {
            return None;
        }
        let year = i32::try_from(code / 10_000).ok()?;
        let day = NaiveDate::from_ymd_opt(year, (code / 100) % 100, code % 100)?;
        Some(ChunkKey { day, part })
    }

    /// The inclusive key range that holds every part of `day`.
    pub fn day_range(day: NaiveDate) -> Option<([u8; Self::LEN], [u8; Self::LEN])> {
        Some((
            ChunkKey::new(day, 0)?.to_bytes(),
            ChunkKey::new(day, u16::MAX)?.to_bytes(),
        ))
    }
}

impl std::fmt::Display for ChunkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} part {}", self.day, self.part)
    }
}

/// `YYYYMMDD` as a number; `None` before year 0, which no feed date can honestly be.
fn day_code(day: NaiveDate) -> Option<u32> {
    let year = u32::try_from(day.year()).ok()?;
    Some(year * 10_000 + day.month() * 100 + day.day())
}

/// True when `day` can be filed under a chunk key.
pub(super) fn is_fileable(day: NaiveDate) -> bool {
    day_code(day).is_some()
}

/// The `user` tree key holding `id`'s state: one of [`USER_BUCKETS`] one-byte keys.
pub(super) fn user_bucket(id: &PaperId) -> [u8; 1] {
    // The modulus keeps the value below 256, so the narrowing cannot lose anything.
    [(crate::text::stable_hash(id.as_str()) % USER_BUCKETS) as u8]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_keys_round_trip_and_sort_by_day_then_part() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let keys = [
            ChunkKey::new(day(2025, 12, 31), 3).unwrap(),
            ChunkKey::new(day(2026, 1, 1), 0).unwrap(),
            ChunkKey::new(day(2026, 1, 1), 1).unwrap(),
            ChunkKey::new(day(2026, 7, 13), 0).unwrap(),
        ];
        for pair in keys.windows(2) {
            assert!(pair[0].to_bytes() < pair[1].to_bytes());
        }
        for key in keys {
            assert_eq!(ChunkKey::from_bytes(&key.to_bytes()), Some(key));
        }
        assert_eq!(ChunkKey::from_bytes(&[0, 1, 2]), None);
        assert_eq!(ChunkKey::new(day(-3, 1, 1), 0), None);
    }
}
