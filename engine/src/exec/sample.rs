//! Which rows a `TABLESAMPLE` scan keeps (see
//! [`crate::plan::tablesample`]).
//!
//! Each decision draws a number in `[0, 1)` from a hash of the seed and
//! something that identifies what is sampled, and keeps it when the
//! number is below `percentage / 100` (so 0 keeps nothing and 100 keeps
//! everything):
//!
//! * BERNOULLI decides per row, from the row's primary-key bytes: the same
//!   seed keeps the same rows whatever the order or the access path.
//! * SYSTEM decides per group of [`ROWS_PER_GROUP`] consecutive rows of the
//!   scan (the engine's stand-in for PostgreSQL's pages), from the group's
//!   number: all rows of a group are kept or skipped together.
//!
//! Without `REPEATABLE` the seed is random, drawn when the scan starts.
//! The hash is FNV-1a folded through SplitMix64's finaliser: fixed here, so
//! a `REPEATABLE` sample does not change between runs or builds.

use crate::error::Result;

/// How many consecutive rows a SYSTEM sample keeps or skips together.
pub const ROWS_PER_GROUP: u64 = 64;

/// The state of one sampling scan.
#[derive(Debug)]
pub struct Sampler {
    bernoulli: bool,
    /// Keep when the draw is below this (`None`: keep everything).
    threshold: Option<u64>,
    seed: u64,
    /// Rows seen (SYSTEM's group count).
    rows: u64,
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn hash(seed: u64, bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ mix(seed);
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix(h ^ seed.rotate_left(17))
}

impl Sampler {
    /// A sampler keeping `percent` (checked: 0 to 100) percent, with the
    /// `REPEATABLE` seed if any.
    pub fn new(bernoulli: bool, percent: f64, seed: Option<f64>) -> Result<Sampler> {
        let seed = match seed {
            Some(s) => s.to_bits(),
            None => {
                let mut b = [0u8; 8];
                getrandom::getrandom(&mut b).map_err(|e| {
                    crate::error::EngineError::internal(format!("random seed: {e}"))
                })?;
                u64::from_le_bytes(b)
            }
        };
        let threshold = if percent >= 100.0 {
            None
        } else {
            // percent / 100 of the u64 range.
            Some((percent / 100.0 * 18_446_744_073_709_551_616.0) as u64)
        };
        Ok(Sampler {
            bernoulli,
            threshold,
            seed,
            rows: 0,
        })
    }

    /// Whether the next row of the scan, of primary key `key`, is kept.
    pub fn keep(&mut self, key: &[u8]) -> bool {
        let draw = if self.bernoulli {
            hash(self.seed, key)
        } else {
            let group = self.rows / ROWS_PER_GROUP;
            self.rows += 1;
            hash(self.seed, &group.to_be_bytes())
        };
        self.threshold.is_none_or(|t| draw < t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_keeps_nothing_and_hundred_everything() {
        let mut none = Sampler::new(true, 0.0, Some(1.0)).unwrap();
        let mut all = Sampler::new(false, 100.0, None).unwrap();
        for i in 0u32..1000 {
            assert!(!none.keep(&i.to_be_bytes()));
            assert!(all.keep(&i.to_be_bytes()));
        }
    }

    #[test]
    fn a_seed_repeats_and_the_rate_holds() {
        let run = |seed: f64| {
            let mut s = Sampler::new(true, 30.0, Some(seed)).unwrap();
            (0u32..10_000)
                .filter(|i| s.keep(&i.to_be_bytes()))
                .collect::<Vec<_>>()
        };
        let a = run(7.0);
        assert_eq!(a, run(7.0));
        assert_ne!(a, run(8.0));
        assert!((2_700..3_300).contains(&a.len()), "{}", a.len());
    }

    #[test]
    fn system_keeps_whole_groups() {
        let mut s = Sampler::new(false, 50.0, Some(3.0)).unwrap();
        let kept: Vec<bool> = (0u32..6400).map(|i| s.keep(&i.to_be_bytes())).collect();
        for g in kept.chunks(ROWS_PER_GROUP as usize) {
            assert!(g.iter().all(|k| *k == g[0]));
        }
        let groups = kept
            .chunks(ROWS_PER_GROUP as usize)
            .filter(|g| g[0])
            .count();
        assert!((25..75).contains(&groups), "{groups}");
    }
}
