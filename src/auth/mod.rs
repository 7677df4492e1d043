//! Who is calling: passwords, sessions, the `Actor` and its scopes, CSRF and
//! login rate limits.

pub mod cache;
pub mod csrf;
pub mod password;
pub mod ratelimit;
pub mod session;
pub mod totp;

pub use session::{Actor, CaseScope};
