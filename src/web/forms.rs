//! Forms that come back with errors: a message per field, the values as
//! typed, and the one way a domain check becomes a field's message.

use std::collections::HashMap;

use crate::domain::values::Invalid;

/// Messages for the fields of a form that came back with errors.
#[derive(Default, Debug)]
pub struct FieldErrors(HashMap<String, String>);

impl FieldErrors {
    /// Notes an error on `field` (the first one stays).
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_insert_with(|| message.into());
    }

    /// The message for `field`, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    /// Whether `field` has an error.
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// Whether there is no error at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The errors in the order of `fields`, for the summary at the top of a
    /// form: (field id, message).
    pub fn in_order(&self, fields: &[&str]) -> Vec<(String, String)> {
        let mut out: Vec<_> = fields
            .iter()
            .filter_map(|f| self.0.get(*f).map(|m| (f.to_string(), m.clone())))
            .collect();
        let mut rest: Vec<_> = self
            .0
            .iter()
            .filter(|(f, _)| !fields.contains(&f.as_str()))
            .map(|(f, m)| (f.clone(), m.clone()))
            .collect();
        rest.sort();
        out.extend(rest);
        out
    }
}

impl FieldErrors {
    /// The value of a domain check, or `None` with its message on `field`.
    pub fn check<T>(&mut self, field: &str, checked: Result<T, Invalid>) -> Option<T> {
        checked.map_err(|e| self.add(field, e.0)).ok()
    }

    /// `value`, or `None` with `message` on `field` when there is none.
    pub fn require<T>(&mut self, field: &str, value: Option<T>, message: &str) -> Option<T> {
        if value.is_none() {
            self.add(field, message);
        }
        value
    }
}

/// Typed values and errors of the case page's forms, kept when one comes back.
#[derive(Default)]
pub struct FormState {
    /// Errors by field id.
    pub errors: FieldErrors,
    values: HashMap<&'static str, String>,
}

impl FormState {
    /// A state with these errors.
    pub fn with(errors: FieldErrors) -> FormState {
        FormState {
            errors,
            values: HashMap::new(),
        }
    }

    /// A state with one error on `field`.
    pub fn error(field: &'static str, message: impl Into<String>) -> FormState {
        let mut f = FormState::default();
        f.errors.add(field, message);
        f
    }

    /// Keeps a typed value.
    pub fn keep(mut self, field: &'static str, value: impl Into<String>) -> FormState {
        self.values.insert(field, value.into());
        self
    }

    /// A typed value, or "".
    pub fn value(&self, field: &str) -> &str {
        self.values.get(field).map(String::as_str).unwrap_or("")
    }

    /// Whether a value was kept for `field` (a form came back).
    pub fn typed(&self, field: &str) -> bool {
        self.values.contains_key(field)
    }

    /// Whether any of `fields` has an error.
    pub fn has_errors_in(&self, fields: &[&str]) -> bool {
        fields.iter().any(|f| self.errors.has(f))
    }
}
