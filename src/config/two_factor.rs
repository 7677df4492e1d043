//! Second-factor settings: the key that seals the secrets and who must
//! sign in with a code.

use super::Environment;
use anyhow::bail;

use super::env::{self, var};

/// Second-factor sign-in (TOTP).
#[derive(Clone, Debug)]
pub struct TwoFactorSettings {
    /// Seals the secrets at rest (`TWO_FACTOR_KEY`).
    pub key: crate::auth::totp::SecretBox,
    /// Whether school staff need it too (`TWO_FACTOR_SCHOOL_STAFF`, on by
    /// default); the helpline and administrators always do.
    pub school_staff: bool,
}

impl TwoFactorSettings {
    pub(super) fn from_env(
        environment: Environment,
        data_dir: &std::path::Path,
    ) -> anyhow::Result<Self> {
        Ok(TwoFactorSettings {
            key: env::two_factor_key(environment, data_dir)?,
            school_staff: match var("TWO_FACTOR_SCHOOL_STAFF").as_deref() {
                None | Some("required") => true,
                Some("off") => false,
                Some(other) => {
                    bail!("TWO_FACTOR_SCHOOL_STAFF must be required or off, not {other}")
                }
            },
        })
    }

    /// Whether an account of `role` must sign in with a second factor.
    pub fn required_for(&self, role: crate::domain::status::Role) -> bool {
        use crate::domain::status::Role;
        match role {
            Role::SchoolStaff => self.school_staff,
            Role::Helpline | Role::Admin => true,
        }
    }
}
