//! [`request_uuid`]: the mocks' per-request ids (Nova's `req-…`, Alibaba's `RequestId`), which
//! only need to be unique and look like the vendor's UUIDs.
//!
//! `uuid::Uuid::new_v4` asks the kernel for 16 random bytes (a `getrandom` system call) each
//! time; profiled under load that was 5% of a mock's CPU for an id nobody checks for
//! unpredictability. Here one random seed per process is mixed with a counter: every id of a
//! process differs (the mix is a bijection of the counter), and ids of two processes differ by
//! their seeds. Resource ids (servers, instances, tokens) still come from `new_v4`: they are
//! made once per resource, and a token is a credential.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// A version-4-shaped UUID, different from every other one this process made.
pub fn request_uuid() -> uuid::Uuid {
    static SEED: OnceLock<u128> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = *SEED.get_or_init(|| uuid::Uuid::new_v4().as_u128());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    // The low 62 bits carry the mixed counter (the variant takes the top two of the low half),
    // so ids repeat only after 2^62 requests.
    let low = (seed as u64 ^ mix(n)) & (u64::MAX >> 2);
    let high = (seed >> 64) as u64;
    let bits = (u128::from(high) << 64) | u128::from(low);
    // Sets the version and variant bits, as `new_v4` does.
    uuid::Builder::from_random_bytes(bits.to_be_bytes()).into_uuid()
}

/// SplitMix64's finaliser: a bijection on `u64` that spreads consecutive counters apart.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_version_4_and_distinct() {
        let ids: std::collections::HashSet<uuid::Uuid> =
            (0..10_000).map(|_| request_uuid()).collect();
        assert_eq!(ids.len(), 10_000);
        for id in ids.iter().take(100) {
            assert_eq!(id.get_version(), Some(uuid::Version::Random), "{id}");
            assert_eq!(id.get_variant(), uuid::Variant::RFC4122, "{id}");
        }
    }
}
