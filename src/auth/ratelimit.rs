//! Attempt limits (GCRA: `burst` attempts, one given back every
//! `replenish`), keyed by account or IP and kept in PostgreSQL so that every
//! server process shares one budget (`db::limits`). Keys are stored as a
//! SHA-256 of the limit's name and the key: no address or e-mail in clear.

use std::net::IpAddr;
use std::time::Duration;

use sha2::{Digest, Sha256};

/// One limit: its name (part of every stored key), burst and refill.
pub struct Limiter {
    name: &'static str,
    burst: u32,
    replenish: Duration,
}

impl Limiter {
    /// A limit allowing `burst` attempts per key, refilled one per `replenish`.
    pub fn new(name: &'static str, burst: u32, replenish: Duration) -> Limiter {
        Limiter {
            name,
            burst: burst.max(1),
            replenish: replenish.max(Duration::from_millis(1)),
        }
    }

    /// The stored form of `key` under this limit.
    pub fn digest(&self, key: &str) -> Vec<u8> {
        let mut h = Sha256::new();
        h.update(self.name.as_bytes());
        h.update([0]);
        h.update(key.as_bytes());
        h.finalize().to_vec()
    }

    /// Seconds between two attempts given back.
    pub fn interval_secs(&self) -> f64 {
        self.replenish.as_secs_f64()
    }

    /// How far ahead of now a key's budget may be spent, in seconds.
    pub fn window_secs(&self) -> f64 {
        self.replenish.as_secs_f64() * f64::from(self.burst)
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
    fn keys_are_digests_of_name_and_key() {
        let a = Limiter::new("login_ip", 3, Duration::from_secs(60));
        let b = Limiter::new("report_ip", 3, Duration::from_secs(60));
        assert_ne!(a.digest("1.2.3.4"), b.digest("1.2.3.4"));
        assert_eq!(a.digest("1.2.3.4").len(), 32);
        assert_eq!(a.window_secs(), 180.0);
    }

    #[test]
    fn ipv6_grouped_by_prefix() {
        let a: IpAddr = "2001:db8:1:2:3:4:5:6".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::1".parse().unwrap();
        assert_eq!(ip_key(a), ip_key(b));
    }
}
