//! The case status machine (README, "What it does"): one function decides every move.

use serde::{Deserialize, Serialize};

/// Who acts on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "account_role", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// School leadership (head teacher, deputy, CPE).
    SchoolStaff,
    /// e-Enfance helpline desk.
    Helpline,
    /// Ministry or academy administrator: never touches case contents.
    Admin,
}

impl Role {
    /// Every role, for exhaustive tests and forms.
    pub const ALL: [Role; 3] = [Role::SchoolStaff, Role::Helpline, Role::Admin];

    /// The value used in the database and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::SchoolStaff => "school_staff",
            Role::Helpline => "helpline",
            Role::Admin => "admin",
        }
    }

    /// Parses the command-line / database spelling.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// French label.
    pub fn label(self) -> &'static str {
        match self {
            Role::SchoolStaff => "Direction d'établissement",
            Role::Helpline => "e-Enfance (3018)",
            Role::Admin => "Administration",
        }
    }
}

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "case_status", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Handled inside the school.
    Open,
    /// Sent to e-Enfance, not yet claimed.
    Referred,
    /// Claimed by a helpline agent.
    InProgress,
    /// The helpline asked the school a question.
    AwaitingSchool,
    /// The helpline finished its part.
    Returned,
    /// Closed by the school with an outcome.
    Closed,
}

impl CaseStatus {
    /// Every status.
    pub const ALL: [CaseStatus; 6] = [
        CaseStatus::Open,
        CaseStatus::Referred,
        CaseStatus::InProgress,
        CaseStatus::AwaitingSchool,
        CaseStatus::Returned,
        CaseStatus::Closed,
    ];

    /// The value used in URLs and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::Referred => "referred",
            CaseStatus::InProgress => "in_progress",
            CaseStatus::AwaitingSchool => "awaiting_school",
            CaseStatus::Returned => "returned",
            CaseStatus::Closed => "closed",
        }
    }

    /// Parses [`CaseStatus::as_str`].
    pub fn parse(s: &str) -> Option<CaseStatus> {
        CaseStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// French label.
    pub fn label(self) -> &'static str {
        match self {
            CaseStatus::Open => "Ouvert",
            CaseStatus::Referred => "Transmis à e-Enfance",
            CaseStatus::InProgress => "Pris en charge par e-Enfance",
            CaseStatus::AwaitingSchool => "Question posée à l'établissement",
            CaseStatus::Returned => "Retourné par e-Enfance",
            CaseStatus::Closed => "Clos",
        }
    }

    /// Who must act next.
    pub fn owner(self) -> Option<Role> {
        match self {
            CaseStatus::Open | CaseStatus::AwaitingSchool | CaseStatus::Returned => {
                Some(Role::SchoolStaff)
            }
            CaseStatus::Referred | CaseStatus::InProgress => Some(Role::Helpline),
            CaseStatus::Closed => None,
        }
    }

    /// Whether the school has something to do on the case now.
    pub fn waits_for_school(self) -> bool {
        matches!(self, CaseStatus::AwaitingSchool | CaseStatus::Returned)
    }
}

/// Everything that can be done to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseAction {
    /// School sends the case to e-Enfance (from `open`, or again from `returned`).
    Refer,
    /// School takes back a referral nobody claimed.
    Withdraw,
    /// A helpline agent takes the case.
    Claim,
    /// The agent gives the case back to the queue.
    Release,
    /// The case passes to an agent (from the queue, or from another agent).
    Reassign,
    /// The helpline asks the school a question.
    AskSchool,
    /// The school answers the helpline's question.
    Answer,
    /// The helpline returns the case with conclusions.
    Return,
    /// The school closes the case with an outcome.
    Close,
    /// The school reopens a closed case.
    Reopen,
    /// The school adds a note, evidence, a target, an author or a sanction.
    SchoolRecord,
    /// The claiming agent records advice, a platform request, an escalation,
    /// an intervention.
    HelplineRecord,
    /// The school puts the case under legal hold or lifts it (any status,
    /// closed included: that is when it matters).
    LegalHold,
}

impl CaseAction {
    /// Every action.
    pub const ALL: [CaseAction; 13] = [
        CaseAction::Refer,
        CaseAction::Withdraw,
        CaseAction::Claim,
        CaseAction::Release,
        CaseAction::Reassign,
        CaseAction::AskSchool,
        CaseAction::Answer,
        CaseAction::Return,
        CaseAction::Close,
        CaseAction::Reopen,
        CaseAction::SchoolRecord,
        CaseAction::HelplineRecord,
        CaseAction::LegalHold,
    ];

    /// Whether only the agent who claimed the case may take this action.
    pub fn needs_claimer(self) -> bool {
        matches!(
            self,
            CaseAction::Release
                | CaseAction::AskSchool
                | CaseAction::Return
                | CaseAction::HelplineRecord
        )
    }
}

/// Why an action is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// This role never takes this action.
    #[error("this role may not take this action")]
    WrongRole,
    /// The action is not possible in the case's current status.
    #[error("this action is not possible in the current status")]
    WrongStatus,
}

/// The one rule of the case lifecycle: `(status, action, role)` gives the new
/// status, or why it is refused. Actions that record something return the
/// same status.
pub fn transition(
    status: CaseStatus,
    action: CaseAction,
    role: Role,
) -> Result<CaseStatus, Refusal> {
    use CaseAction as A;
    use CaseStatus as S;

    let actor = match action {
        A::Refer
        | A::Withdraw
        | A::Answer
        | A::Close
        | A::Reopen
        | A::SchoolRecord
        | A::LegalHold => Role::SchoolStaff,
        A::Claim | A::Release | A::Reassign | A::AskSchool | A::Return | A::HelplineRecord => {
            Role::Helpline
        }
    };
    if role != actor {
        return Err(Refusal::WrongRole);
    }
    let next = match (status, action) {
        (S::Open | S::Returned, A::Refer) => S::Referred,
        (S::Referred, A::Withdraw) => S::Open,
        (S::Referred, A::Claim) => S::InProgress,
        (S::InProgress, A::Release) => S::Referred,
        (S::Referred | S::InProgress, A::Reassign) => S::InProgress,
        (S::AwaitingSchool, A::Reassign) => S::AwaitingSchool,
        (S::InProgress, A::AskSchool) => S::AwaitingSchool,
        (S::AwaitingSchool, A::Answer) => S::InProgress,
        (S::InProgress, A::Return) => S::Returned,
        (S::Open | S::Returned, A::Close) => S::Closed,
        (S::Closed, A::Reopen) => S::Open,
        (s, A::SchoolRecord) if s != S::Closed => s,
        (s, A::LegalHold) => s,
        (s @ (S::InProgress | S::AwaitingSchool), A::HelplineRecord) => s,
        _ => return Err(Refusal::WrongStatus),
    };
    Ok(next)
}

/// Whether `role` may take `action` on a case in `status`.
pub fn allowed(status: CaseStatus, action: CaseAction, role: Role) -> bool {
    transition(status, action, role).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use CaseAction as A;
    use CaseStatus as S;
    use Role as R;

    /// The lifecycle table, plus the recording actions, written out in full.
    const ALLOWED: &[(S, A, R, S)] = &[
        (S::Open, A::Refer, R::SchoolStaff, S::Referred),
        (S::Referred, A::Withdraw, R::SchoolStaff, S::Open),
        (S::Referred, A::Claim, R::Helpline, S::InProgress),
        (S::InProgress, A::Release, R::Helpline, S::Referred),
        (S::Referred, A::Reassign, R::Helpline, S::InProgress),
        (S::InProgress, A::Reassign, R::Helpline, S::InProgress),
        (
            S::AwaitingSchool,
            A::Reassign,
            R::Helpline,
            S::AwaitingSchool,
        ),
        (S::InProgress, A::AskSchool, R::Helpline, S::AwaitingSchool),
        (S::AwaitingSchool, A::Answer, R::SchoolStaff, S::InProgress),
        (S::InProgress, A::Return, R::Helpline, S::Returned),
        (S::Returned, A::Refer, R::SchoolStaff, S::Referred),
        (S::Open, A::Close, R::SchoolStaff, S::Closed),
        (S::Returned, A::Close, R::SchoolStaff, S::Closed),
        (S::Closed, A::Reopen, R::SchoolStaff, S::Open),
        (S::Open, A::SchoolRecord, R::SchoolStaff, S::Open),
        (S::Referred, A::SchoolRecord, R::SchoolStaff, S::Referred),
        (
            S::InProgress,
            A::SchoolRecord,
            R::SchoolStaff,
            S::InProgress,
        ),
        (
            S::AwaitingSchool,
            A::SchoolRecord,
            R::SchoolStaff,
            S::AwaitingSchool,
        ),
        (S::Returned, A::SchoolRecord, R::SchoolStaff, S::Returned),
        (S::Open, A::LegalHold, R::SchoolStaff, S::Open),
        (S::Referred, A::LegalHold, R::SchoolStaff, S::Referred),
        (S::InProgress, A::LegalHold, R::SchoolStaff, S::InProgress),
        (
            S::AwaitingSchool,
            A::LegalHold,
            R::SchoolStaff,
            S::AwaitingSchool,
        ),
        (S::Returned, A::LegalHold, R::SchoolStaff, S::Returned),
        (S::Closed, A::LegalHold, R::SchoolStaff, S::Closed),
        (S::InProgress, A::HelplineRecord, R::Helpline, S::InProgress),
        (
            S::AwaitingSchool,
            A::HelplineRecord,
            R::Helpline,
            S::AwaitingSchool,
        ),
    ];

    #[test]
    fn every_combination_matches_the_table() {
        let mut checked = 0;
        for status in S::ALL {
            for action in A::ALL {
                for role in R::ALL {
                    let expected = ALLOWED
                        .iter()
                        .find(|(s, a, r, _)| *s == status && *a == action && *r == role)
                        .map(|(_, _, _, to)| *to);
                    let got = transition(status, action, role).ok();
                    assert_eq!(got, expected, "{status:?} {action:?} {role:?}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 6 * 13 * 3);
    }

    #[test]
    fn admin_never_acts_on_a_case() {
        for status in S::ALL {
            for action in A::ALL {
                assert_eq!(
                    transition(status, action, R::Admin),
                    Err(Refusal::WrongRole)
                );
            }
        }
    }

    #[test]
    fn closed_case_takes_no_record() {
        assert_eq!(
            transition(S::Closed, A::SchoolRecord, R::SchoolStaff),
            Err(Refusal::WrongStatus)
        );
    }

    #[test]
    fn every_status_but_closed_has_an_owner() {
        for s in S::ALL {
            assert_eq!(s.owner().is_none(), s == S::Closed);
        }
    }

    #[test]
    fn status_strings_round_trip() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
        for r in R::ALL {
            assert_eq!(R::parse(r.as_str()), Some(r));
        }
    }
}
