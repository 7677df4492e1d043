//! Correcting a case (the right to rectification): the facts as they should
//! now be, and what changed, before → after, for the timeline.

use chrono::NaiveDate;
use serde::Serialize;

use super::case::{HarassmentKind, Platform, Urgency};
use super::format::date;

/// The facts of a case that the school can correct.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    /// Urgency.
    pub urgency: Urgency,
    /// The victim's class (pupil) or function (staff).
    pub victim_group: String,
    /// What happens.
    pub description: String,
    /// Since when.
    pub started_on: Option<NaiveDate>,
    /// Where.
    pub platforms: Vec<Platform>,
    /// What kinds.
    pub kinds: Vec<HarassmentKind>,
}

/// One corrected fact.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// Which fact (stable code).
    pub field: &'static str,
    /// French label of the fact.
    pub label: &'static str,
    /// The value before, as shown.
    pub before: String,
    /// The value after, as shown.
    pub after: String,
}

fn list<T: Copy + PartialEq>(items: &[T], all: &[T], label: fn(T) -> &'static str) -> String {
    let shown: Vec<&str> = all
        .iter()
        .filter(|v| items.contains(v))
        .map(|v| label(*v))
        .collect();
    if shown.is_empty() {
        "non précisé".to_owned()
    } else {
        shown.join(", ")
    }
}

fn text(value: &str) -> String {
    if value.is_empty() {
        "non précisé".to_owned()
    } else {
        value.to_owned()
    }
}

/// What differs between `before` and `after`, in the form's order; lists
/// compare as sets.
pub fn changes(before: &Facts, after: &Facts) -> Vec<Change> {
    let day = |d: Option<NaiveDate>| d.map(date).unwrap_or_else(|| "non précisée".to_owned());
    let candidates = [
        (
            "urgency",
            "Urgence",
            before.urgency.label().to_owned(),
            after.urgency.label().to_owned(),
        ),
        (
            "victim_group",
            "Classe ou fonction de la victime",
            text(&before.victim_group),
            text(&after.victim_group),
        ),
        (
            "started_on",
            "Début des faits",
            day(before.started_on),
            day(after.started_on),
        ),
        (
            "platforms",
            "Plateformes",
            list(&before.platforms, Platform::ALL, Platform::label),
            list(&after.platforms, Platform::ALL, Platform::label),
        ),
        (
            "kinds",
            "Types de faits",
            list(&before.kinds, HarassmentKind::ALL, HarassmentKind::label),
            list(&after.kinds, HarassmentKind::ALL, HarassmentKind::label),
        ),
        (
            "description",
            "Description des faits",
            before.description.clone(),
            after.description.clone(),
        ),
    ];
    candidates
        .into_iter()
        .filter(|(_, _, b, a)| b != a)
        .map(|(field, label, before, after)| Change {
            field,
            label,
            before,
            after,
        })
        .collect()
}

/// The timeline's text for `changes`: one line per fact.
pub fn summary(changes: &[Change]) -> String {
    changes
        .iter()
        .map(|c| format!("{} : « {} » → « {} »", c.label, c.before, c.after))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts {
            urgency: Urgency::Normal,
            victim_group: "4e B".into(),
            description: "Messages insultants.".into(),
            started_on: NaiveDate::from_ymd_opt(2026, 10, 1),
            platforms: vec![Platform::Snapchat, Platform::Instagram],
            kinds: vec![HarassmentKind::Insults],
        }
    }

    #[test]
    fn nothing_changed_is_no_change_and_lists_compare_as_sets() {
        let mut after = facts();
        after.platforms.reverse();
        assert!(changes(&facts(), &after).is_empty());
    }

    #[test]
    fn each_change_says_before_and_after() {
        let mut after = facts();
        after.urgency = Urgency::Danger;
        after.started_on = None;
        let c = changes(&facts(), &after);
        assert_eq!(c.len(), 2);
        assert_eq!(
            (c[0].field, c[0].before.as_str(), c[0].after.as_str()),
            ("urgency", "Normale", "Danger")
        );
        assert_eq!(c[1].after, "non précisée");
        assert_eq!(
            summary(&c).lines().next(),
            Some("Urgence : « Normale » → « Danger »")
        );
    }
}
