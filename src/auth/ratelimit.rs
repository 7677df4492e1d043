//! Attempt limits kept by the `governor` crate (GCRA), keyed by account or IP.
//!
//! Limits live in the process: with N server processes an attacker gets N
//! times the budget, which still bounds guessing.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// A keyed limiter: `burst` attempts, one given back every `replenish`.
pub struct Limiter {
    inner: DefaultKeyedRateLimiter<String>,
}

impl Limiter {
    /// A limiter allowing `burst` attempts per key, refilled one per `replenish`.
    pub fn new(burst: u32, replenish: Duration) -> Limiter {
        let burst = NonZeroU32::new(burst.max(1)).expect("non-zero");
        let quota = Quota::with_period(replenish.max(Duration::from_millis(1)))
            .expect("non-zero period")
            .allow_burst(burst);
        Limiter {
            inner: RateLimiter::keyed(quota),
        }
    }

    /// Takes one attempt for `key`; false when the key has none left.
    pub fn check(&self, key: &str) -> bool {
        self.inner.check_key(&key.to_owned()).is_ok()
    }

    /// Forgets keys that are back to a full budget (memory bound).
    pub fn prune(&self) {
        self.inner.retain_recent();
    }
}

/// The key for a client address: IPv6 clients are grouped by /64.
pub fn ip_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refuse_per_key() {
        let l = Limiter::new(3, Duration::from_secs(3600));
        assert!(l.check("a") && l.check("a") && l.check("a"));
        assert!(!l.check("a"));
        assert!(l.check("b"));
    }

    #[test]
    fn ipv6_grouped_by_prefix() {
        let a: IpAddr = "2001:db8:1:2:3:4:5:6".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::1".parse().unwrap();
        assert_eq!(ip_key(a), ip_key(b));
    }
}
