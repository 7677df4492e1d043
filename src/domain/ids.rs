//! One newtype per kind of id, so that ids of different things cannot be mixed.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, sqlx::Type)]
        #[sqlx(transparent)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new random id.
            pub fn new() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }
    };
}

id_type!(
    /// A school (établissement).
    SchoolId
);
id_type!(
    /// A user account.
    AccountId
);
id_type!(
    /// A case (dossier).
    CaseId
);
id_type!(
    /// An evidence file (pièce).
    EvidenceId
);
id_type!(
    /// An online target: an account or a post on a platform.
    TargetId
);
id_type!(
    /// A report (signalement) sent through the public form.
    ReportId
);
id_type!(
    /// A request to a platform (account closure, removal, preservation).
    RequestId
);
