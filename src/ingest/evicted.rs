//! Which visitors may have a session set aside in the database (pure).
//!
//! To keep memory bounded, the sessionizer holds at most a fixed number of open sessions; the
//! oldest ones, already committed, are evicted and must be found again in the database when
//! their visitor returns within the session timeout. Asking the database for every new
//! visitor would be slow, so evicted visitor keys go into Bloom filters (about 10 bits a key,
//! about 1% false positives: a false positive costs one lookup that finds nothing, never a
//! wrong count). Filters are kept per time generation (`last_hit_at / timeout`), so keys of
//! sessions that can no longer continue are dropped a generation later.

use std::collections::BTreeMap;

use super::sessionize::VisitorKey;

/// Keys the first filter of a generation holds before a larger one is added.
const FIRST_CAPACITY: usize = 1 << 16;
/// Bits per key; with [`HASHES`] hash functions this gives about 1% false positives.
const BITS_PER_KEY: usize = 10;
const HASHES: u64 = 7;

/// One fixed-size Bloom filter over visitor keys (already uniform: SHA-256 prefixes).
#[derive(Debug)]
struct Bloom {
    words: Vec<u64>,
    /// Number of bits minus one (a power of two minus one).
    mask: u64,
    len: usize,
    capacity: usize,
}

impl Bloom {
    fn with_capacity(capacity: usize) -> Bloom {
        let bits = (capacity * BITS_PER_KEY).next_power_of_two().max(64);
        Bloom {
            words: vec![0; bits / 64],
            mask: bits as u64 - 1,
            len: 0,
            capacity,
        }
    }

    /// The bit positions of `key` (double hashing over its two halves).
    fn positions(&self, key: &VisitorKey) -> impl Iterator<Item = u64> + use<> {
        let mut halves = [0u8; 8];
        halves.copy_from_slice(&key[..8]);
        let h1 = u64::from_le_bytes(halves);
        halves.copy_from_slice(&key[8..]);
        let h2 = u64::from_le_bytes(halves) | 1;
        let mask = self.mask;
        (0..HASHES).map(move |i| h1.wrapping_add(i.wrapping_mul(h2)) & mask)
    }

    fn insert(&mut self, key: &VisitorKey) {
        for bit in self.positions(key) {
            self.words[(bit / 64) as usize] |= 1 << (bit % 64);
        }
        self.len += 1;
    }

    fn may_contain(&self, key: &VisitorKey) -> bool {
        self.positions(key)
            .all(|bit| self.words[(bit / 64) as usize] & (1 << (bit % 64)) != 0)
    }

    fn is_full(&self) -> bool {
        self.len >= self.capacity
    }

    fn bytes(&self) -> usize {
        self.words.len() * 8
    }
}

/// Evicted visitors, by time generation.
#[derive(Debug)]
pub struct EvictedVisitors {
    /// Seconds per generation (the session timeout).
    span: i64,
    generations: BTreeMap<i64, Vec<Bloom>>,
}

impl EvictedVisitors {
    /// `span`: the session timeout in seconds (at least 1).
    pub fn new(span: i64) -> EvictedVisitors {
        EvictedVisitors {
            span: span.max(1),
            generations: BTreeMap::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.generations.is_empty()
    }

    /// Remembers that `key`'s session, last seen at `last_hit_at`, is only in the database.
    pub fn insert(&mut self, key: &VisitorKey, last_hit_at: i64) {
        let filters = self
            .generations
            .entry(last_hit_at.div_euclid(self.span))
            .or_default();
        if filters.last().is_none_or(Bloom::is_full) {
            let capacity = filters.last().map_or(FIRST_CAPACITY, |f| f.capacity * 2);
            filters.push(Bloom::with_capacity(capacity));
        }
        if let Some(filter) = filters.last_mut() {
            filter.insert(key);
        }
    }

    /// False when `key` certainly has no evicted session; true when it may have one.
    pub fn may_contain(&self, key: &VisitorKey) -> bool {
        self.generations
            .values()
            .flatten()
            .any(|filter| filter.may_contain(key))
    }

    /// Forgets keys whose sessions ended before `horizon` (they can no longer continue).
    pub fn forget_before(&mut self, horizon: i64) {
        // A generation holds last hits in [g * span, (g + 1) * span): drop it once all of
        // them are before the horizon.
        let keep_from = horizon.div_euclid(self.span);
        self.generations = self.generations.split_off(&keep_from);
    }

    /// Memory the filters take, in bytes.
    pub fn bytes(&self) -> usize {
        self.generations.values().flatten().map(Bloom::bytes).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    fn key(i: u64) -> VisitorKey {
        let digest = Sha256::digest(i.to_le_bytes());
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        key
    }

    #[test]
    fn inserted_keys_are_always_found_and_others_rarely() {
        let mut evicted = EvictedVisitors::new(1800);
        for i in 0..200_000 {
            evicted.insert(&key(i), 1_000 + (i as i64 % 3_000));
        }
        assert!((0..200_000).all(|i| evicted.may_contain(&key(i))));
        let false_positives = (1_000_000..1_100_000)
            .filter(|i| evicted.may_contain(&key(*i)))
            .count();
        // Two generations, each at most ~1% (filters grow as they fill).
        assert!(false_positives < 3_000, "{false_positives} false positives");
        assert!(evicted.bytes() < 1_000_000, "{} bytes", evicted.bytes());
    }

    #[test]
    fn old_generations_are_forgotten() {
        let mut evicted = EvictedVisitors::new(100);
        evicted.insert(&key(1), 50);
        evicted.insert(&key(2), 250);
        evicted.forget_before(200);
        assert!(!evicted.may_contain(&key(1)));
        assert!(evicted.may_contain(&key(2)));
        evicted.forget_before(10_000);
        assert!(evicted.is_empty());
    }

    #[test]
    fn negative_times_fall_in_their_own_generation() {
        let mut evicted = EvictedVisitors::new(100);
        evicted.insert(&key(3), -150);
        evicted.forget_before(-100);
        assert!(!evicted.may_contain(&key(3)));
    }
}
