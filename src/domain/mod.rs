//! Pure types and rules: no axum, no SQL.

pub mod audit;
pub mod case;
pub mod correction;
pub mod deadline;
pub mod followup;
pub mod format;
pub mod histogram;
pub mod holidays;
pub mod ids;
pub mod school_csv;
pub mod seal;
pub mod status;
pub mod upload;
pub mod values;
