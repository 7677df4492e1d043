//! The one vocabulary of the audit trail: what was done, to which kind of
//! record. A change to a case is audited under its timeline event's code.

use super::case::EventKind;

/// What an audited request did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    /// A sign-in attempt.
    Login,
    /// A case page was read.
    ViewCase,
    /// A case was opened.
    CreateCase,
    /// Its school's leadership read who opened a case and its files.
    ViewAccessLog,
    /// A sealed dossier of a case was made.
    ExportDossier,
    /// The PDF of a case was made.
    ExportDossierPdf,
    /// A change to a case, named by the timeline event it appended.
    Case(EventKind),
    /// An evidence file was stored.
    AddEvidence,
    /// An evidence file was downloaded.
    DownloadEvidence,
    /// An image was shown in the sandboxed preview.
    PreviewEvidence,
    /// A file (of a case or a report) was refused: missing or altered.
    IntegrityFailure,
    /// A public report was sent.
    SubmitReport,
    /// A follow-up code was typed.
    FollowUp,
    /// A reporter added information.
    AddInformation,
    /// The school read a report.
    ViewReport,
    /// The school downloaded a report's file.
    DownloadReportEvidence,
    /// The school declined a report.
    DeclineReport,
    /// The school wrote to a reporter.
    MessageReporter,
    /// The school attached what a reporter added to the case.
    AttachAddition,
    /// An administrator asked for a mail to be sent again.
    RetryMail,
    /// A password reset link was sent.
    PasswordResetAsked,
    /// A password was set through a reset link.
    PasswordReset,
    /// An owner changed their password.
    PasswordChanged,
    /// An owner ended every session of their account.
    SessionsEnded,
    /// An administrator deactivated an account.
    AccountDeactivated,
    /// An administrator reactivated an account.
    AccountReactivated,
    /// An administrator attached an account to a school.
    SchoolAttached,
    /// An administrator detached an account from a school.
    SchoolDetached,
    /// A second-factor code (or recovery code) was typed at login.
    SecondFactor,
    /// An owner enrolled an authenticator app.
    TwoFactorEnrolled,
    /// An owner made new recovery codes.
    RecoveryCodesRenewed,
    /// An administrator reset an account's second factor.
    TwoFactorReset,
    /// An administrator invited someone (or sent the invitation again).
    InvitationSent,
    /// An administrator cancelled an invitation.
    InvitationCancelled,
    /// An invited person chose their password.
    InvitationAccepted,
    /// An administrator changed an account's role.
    RoleChanged,
    /// A national administrator changed an administrator's académies.
    AcademiesChanged,
    /// An administrator imported the list of schools.
    SchoolsImported,
    /// An administrator changed a school's name, town or académie.
    SchoolEdited,
    /// An administrator closed a school.
    SchoolClosed,
    /// An administrator reopened a school.
    SchoolReopened,
}

/// The actions that are not a case's timeline event, in the viewer's order.
pub const PLAIN: [AuditAction; 40] = [
    AuditAction::Login,
    AuditAction::PasswordResetAsked,
    AuditAction::PasswordReset,
    AuditAction::PasswordChanged,
    AuditAction::SessionsEnded,
    AuditAction::AccountDeactivated,
    AuditAction::AccountReactivated,
    AuditAction::SchoolAttached,
    AuditAction::SchoolDetached,
    AuditAction::SecondFactor,
    AuditAction::TwoFactorEnrolled,
    AuditAction::RecoveryCodesRenewed,
    AuditAction::TwoFactorReset,
    AuditAction::InvitationSent,
    AuditAction::InvitationCancelled,
    AuditAction::InvitationAccepted,
    AuditAction::RoleChanged,
    AuditAction::AcademiesChanged,
    AuditAction::SchoolsImported,
    AuditAction::SchoolEdited,
    AuditAction::SchoolClosed,
    AuditAction::SchoolReopened,
    AuditAction::ViewCase,
    AuditAction::CreateCase,
    AuditAction::ViewAccessLog,
    AuditAction::ExportDossier,
    AuditAction::ExportDossierPdf,
    AuditAction::AddEvidence,
    AuditAction::DownloadEvidence,
    AuditAction::PreviewEvidence,
    AuditAction::IntegrityFailure,
    AuditAction::SubmitReport,
    AuditAction::FollowUp,
    AuditAction::AddInformation,
    AuditAction::ViewReport,
    AuditAction::DownloadReportEvidence,
    AuditAction::DeclineReport,
    AuditAction::MessageReporter,
    AuditAction::AttachAddition,
    AuditAction::RetryMail,
];

/// Every action the trail can hold, as (code, French label), for the
/// viewer's filter.
pub fn choices() -> Vec<(&'static str, &'static str)> {
    PLAIN
        .iter()
        .map(|a| (a.code(), a.label()))
        .chain(EventKind::ALL.iter().map(|k| (k.code(), k.label())))
        .collect()
}

/// The French label of a stored code.
pub fn label_of(code: &str) -> &str {
    PLAIN
        .iter()
        .find(|a| a.code() == code)
        .map(|a| a.label())
        .unwrap_or_else(|| EventKind::label_of(code))
}

impl AuditAction {
    /// French label.
    pub fn label(self) -> &'static str {
        match self {
            AuditAction::Login => "Connexion",
            AuditAction::ViewCase => "Lecture d'un dossier",
            AuditAction::CreateCase => "Ouverture d'un dossier",
            AuditAction::ViewAccessLog => "Lecture des consultations d'un dossier",
            AuditAction::ExportDossier => "Dossier scellé exporté",
            AuditAction::ExportDossierPdf => "Dossier PDF généré",
            AuditAction::Case(kind) => kind.label(),
            AuditAction::AddEvidence => "Pièce ajoutée",
            AuditAction::DownloadEvidence => "Pièce téléchargée",
            AuditAction::PreviewEvidence => "Aperçu d'une pièce",
            AuditAction::IntegrityFailure => "Pièce refusée (intégrité)",
            AuditAction::SubmitReport => "Signalement envoyé",
            AuditAction::FollowUp => "Code de suivi saisi",
            AuditAction::AddInformation => "Complément d'un signalant",
            AuditAction::ViewReport => "Lecture d'un signalement",
            AuditAction::DownloadReportEvidence => "Fichier d'un signalement téléchargé",
            AuditAction::DeclineReport => "Signalement non retenu",
            AuditAction::MessageReporter => "Message au signalant",
            AuditAction::AttachAddition => "Complément joint au dossier",
            AuditAction::RetryMail => "Courriel renvoyé",
            AuditAction::PasswordResetAsked => "Lien de nouveau mot de passe envoyé",
            AuditAction::PasswordReset => "Mot de passe choisi par lien",
            AuditAction::PasswordChanged => "Mot de passe changé",
            AuditAction::SessionsEnded => "Déconnexion de toutes les sessions",
            AuditAction::AccountDeactivated => "Compte désactivé",
            AuditAction::AccountReactivated => "Compte réactivé",
            AuditAction::SchoolAttached => "Établissement rattaché à un compte",
            AuditAction::SchoolDetached => "Établissement retiré d'un compte",
            AuditAction::SecondFactor => "Code de connexion (deuxième étape)",
            AuditAction::TwoFactorEnrolled => "Application d'authentification enregistrée",
            AuditAction::RecoveryCodesRenewed => "Codes de secours renouvelés",
            AuditAction::TwoFactorReset => "Deuxième facteur réinitialisé",
            AuditAction::InvitationSent => "Invitation envoyée",
            AuditAction::InvitationCancelled => "Invitation annulée",
            AuditAction::InvitationAccepted => "Invitation acceptée",
            AuditAction::RoleChanged => "Rôle d'un compte modifié",
            AuditAction::AcademiesChanged => "Académies d'un administrateur modifiées",
            AuditAction::SchoolsImported => "Établissements importés (CSV)",
            AuditAction::SchoolEdited => "Établissement modifié",
            AuditAction::SchoolClosed => "Établissement fermé",
            AuditAction::SchoolReopened => "Établissement rouvert",
        }
    }

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            AuditAction::Login => "login",
            AuditAction::ViewCase => "view_case",
            AuditAction::CreateCase => "create_case",
            AuditAction::ViewAccessLog => "view_access_log",
            AuditAction::ExportDossier => "export_dossier",
            AuditAction::ExportDossierPdf => "export_dossier_pdf",
            AuditAction::Case(kind) => kind.code(),
            AuditAction::AddEvidence => "add_evidence",
            AuditAction::DownloadEvidence => "download_evidence",
            AuditAction::PreviewEvidence => "preview_evidence",
            AuditAction::IntegrityFailure => "integrity_failure",
            AuditAction::SubmitReport => "submit_report",
            AuditAction::FollowUp => "follow_up",
            AuditAction::AddInformation => "add_information",
            AuditAction::ViewReport => "view_report",
            AuditAction::DownloadReportEvidence => "download_report_evidence",
            AuditAction::DeclineReport => "decline_report",
            AuditAction::MessageReporter => "message_reporter",
            AuditAction::AttachAddition => "attach_addition",
            AuditAction::RetryMail => "retry_mail",
            AuditAction::PasswordResetAsked => "password_reset_asked",
            AuditAction::PasswordReset => "password_reset",
            AuditAction::PasswordChanged => "password_changed",
            AuditAction::SessionsEnded => "sessions_ended",
            AuditAction::AccountDeactivated => "account_deactivated",
            AuditAction::AccountReactivated => "account_reactivated",
            AuditAction::SchoolAttached => "school_attached",
            AuditAction::SchoolDetached => "school_detached",
            AuditAction::SecondFactor => "second_factor",
            AuditAction::TwoFactorEnrolled => "two_factor_enrolled",
            AuditAction::RecoveryCodesRenewed => "recovery_codes_renewed",
            AuditAction::TwoFactorReset => "two_factor_reset",
            AuditAction::InvitationSent => "invitation_sent",
            AuditAction::InvitationCancelled => "invitation_cancelled",
            AuditAction::InvitationAccepted => "invitation_accepted",
            AuditAction::RoleChanged => "role_changed",
            AuditAction::AcademiesChanged => "academies_changed",
            AuditAction::SchoolsImported => "schools_imported",
            AuditAction::SchoolEdited => "school_edited",
            AuditAction::SchoolClosed => "school_closed",
            AuditAction::SchoolReopened => "school_reopened",
        }
    }

    /// The kind of record this action is about.
    pub fn record_type(self) -> RecordType {
        match self {
            AuditAction::Login
            | AuditAction::PasswordResetAsked
            | AuditAction::PasswordReset
            | AuditAction::PasswordChanged
            | AuditAction::SessionsEnded
            | AuditAction::AccountDeactivated
            | AuditAction::AccountReactivated
            | AuditAction::SchoolAttached
            | AuditAction::SchoolDetached
            | AuditAction::SecondFactor
            | AuditAction::TwoFactorEnrolled
            | AuditAction::RecoveryCodesRenewed
            | AuditAction::TwoFactorReset
            | AuditAction::InvitationSent
            | AuditAction::InvitationCancelled
            | AuditAction::InvitationAccepted
            | AuditAction::RoleChanged
            | AuditAction::AcademiesChanged => RecordType::Account,
            AuditAction::SchoolsImported
            | AuditAction::SchoolEdited
            | AuditAction::SchoolClosed
            | AuditAction::SchoolReopened => RecordType::School,
            AuditAction::ViewCase
            | AuditAction::CreateCase
            | AuditAction::ViewAccessLog
            | AuditAction::ExportDossier
            | AuditAction::ExportDossierPdf
            | AuditAction::Case(_) => RecordType::Case,
            AuditAction::AddEvidence
            | AuditAction::DownloadEvidence
            | AuditAction::PreviewEvidence
            | AuditAction::IntegrityFailure => RecordType::Evidence,
            AuditAction::SubmitReport
            | AuditAction::FollowUp
            | AuditAction::AddInformation
            | AuditAction::ViewReport
            | AuditAction::DownloadReportEvidence
            | AuditAction::DeclineReport
            | AuditAction::MessageReporter
            | AuditAction::AttachAddition => RecordType::Report,
            AuditAction::RetryMail => RecordType::Mail,
        }
    }
}

/// Which kind of record an audit entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordType {
    /// An account.
    Account,
    /// A case.
    Case,
    /// An evidence file of a case.
    Evidence,
    /// A public report (or one of its files).
    Report,
    /// A mail of the outbox.
    Mail,
    /// A school (or, for an import, the list of schools).
    School,
}

impl RecordType {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            RecordType::Account => "account",
            RecordType::Case => "case",
            RecordType::Evidence => "evidence",
            RecordType::Report => "report",
            RecordType::Mail => "mail",
            RecordType::School => "school",
        }
    }
}
