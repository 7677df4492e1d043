//! The closed sets a case is described with, with their French labels.

use serde::{Deserialize, Serialize};

/// Defines a closed set of values stored as text, with its French labels.
macro_rules! closed_set {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $code:literal : $label:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $code)] $variant),+
        }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and submitted code.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The French label.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// Parses a code.
            pub fn parse(code: &str) -> Option<$name> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }

            /// The label of a stored code, or the code itself if unknown.
            pub fn label_of(code: &str) -> &str {
                Self::parse(code).map(Self::label).unwrap_or(code)
            }

            /// The known values among submitted codes, each once, in the
            /// order given: repeated or unknown codes cannot grow what is
            /// stored beyond the set itself.
            pub fn parse_set<S: AsRef<str>>(codes: &[S]) -> Vec<$name> {
                let mut set = Vec::new();
                for v in codes.iter().filter_map(|c| Self::parse(c.as_ref())) {
                    if !set.contains(&v) {
                        set.push(v);
                    }
                }
                set
            }
        }
    };
}

closed_set!(
    /// Where the harassment happens.
    Platform {
        Facebook = "facebook": "Facebook",
        Instagram = "instagram": "Instagram",
        Snapchat = "snapchat": "Snapchat",
        TikTok = "tiktok": "TikTok",
        WhatsApp = "whatsapp": "WhatsApp",
        X = "x": "X (Twitter)",
        YouTube = "youtube": "YouTube",
        Discord = "discord": "Discord",
        Telegram = "telegram": "Telegram",
        OnlineGame = "online_game": "Jeu en ligne",
        Sms = "sms": "SMS",
        Other = "other": "Autre",
    }
);

closed_set!(
    /// What kind of harassment.
    HarassmentKind {
        Insults = "insults": "Insultes ou moqueries",
        Threats = "threats": "Menaces",
        Rumours = "rumours": "Rumeurs",
        Impersonation = "impersonation": "Usurpation d'identité ou faux compte",
        NonConsensualImages = "images": "Diffusion d'images sans consentement",
        Sextortion = "sextortion": "Chantage sexuel (sextorsion)",
        Exclusion = "exclusion": "Exclusion, mise à l'écart",
        Doxxing = "doxxing": "Divulgation d'informations personnelles",
        Other = "other": "Autre",
    }
);

closed_set!(
    /// Who the alleged author is.
    AuthorKind {
        Pupil = "pupil": "Élève de l'établissement",
        Unknown = "unknown": "Inconnu",
        Adult = "adult": "Adulte",
        Outside = "outside": "Personne extérieure à l'établissement",
    }
);

closed_set!(
    /// Who the victim is.
    #[derive(sqlx::Type)]
    #[sqlx(type_name = "victim_kind", rename_all = "snake_case")]
    VictimKind {
        Pupil = "pupil": "Élève",
        Staff = "staff": "Membre du personnel",
    }
);

closed_set!(
    /// How urgent a case is; `Danger` means risk to life or safety, threats,
    /// sextortion.
    #[derive(sqlx::Type, PartialOrd, Ord)]
    #[sqlx(type_name = "urgency", rename_all = "snake_case")]
    Urgency {
        Normal = "normal": "Normale",
        High = "high": "Élevée",
        Danger = "danger": "Danger",
    }
);

closed_set!(
    /// What a timeline entry records.
    EventKind {
        Created = "created": "Dossier ouvert",
        Note = "note": "Note",
        EvidenceAdded = "evidence_added": "Pièces ajoutées",
        TargetAdded = "target_added": "Cible en ligne ajoutée",
        AuthorAdded = "author_added": "Auteur présumé ajouté",
        Referred = "referred": "Transmis à e-Enfance",
        Withdrawn = "withdrawn": "Transmission retirée",
        Claimed = "claimed": "Pris en charge par e-Enfance",
        Released = "released": "Remis dans la file d'attente",
        Reassigned = "reassigned": "Confié à un autre écoutant",
        Question = "question": "Question à l'établissement",
        Answer = "answer": "Réponse de l'établissement",
        Returned = "returned": "Retourné à l'établissement",
        Advice = "advice": "Conseil donné",
        PlatformRequest = "platform_request": "Demande à une plateforme",
        PlatformOutcome = "platform_outcome": "Réponse d'une plateforme",
        Escalation = "escalation": "Signalement à Pharos / OCLCTIC",
        Intervention = "intervention": "Intervention proposée",
        Sanction = "sanction": "Sanction éducative",
        Closed = "closed": "Dossier clos",
        Reopened = "reopened": "Dossier rouvert",
        LegalHold = "legal_hold": "Conservé pour une procédure",
        LegalHoldLifted = "legal_hold_lifted": "Fin de la conservation pour procédure",
        Corrected = "corrected": "Dossier corrigé",
        InternalNote = "internal_note": "Note interne e-Enfance",
        InterventionAnswer = "intervention_answer": "Réponse à l'intervention proposée",
    }
);

impl EventKind {
    /// Whether only the helpline reads this entry (never the school).
    pub fn is_internal(self) -> bool {
        self == EventKind::InternalNote
    }
}

closed_set!(
    /// How a school closes a case.
    CaseOutcome {
        Resolved = "resolved": "Situation résolue",
        Sanctioned = "sanctioned": "Résolue avec sanction éducative",
        Judicial = "judicial": "Suite judiciaire (plainte, signalement au procureur)",
        NoFollowUp = "no_follow_up": "Sans suite",
        OutOfScope = "out_of_scope": "Hors du champ du cyberharcèlement",
    }
);

closed_set!(
    /// What the helpline asks a platform.
    #[derive(sqlx::Type)]
    #[sqlx(type_name = "request_kind", rename_all = "snake_case")]
    RequestKind {
        AccountClosure = "account_closure": "Fermeture du compte",
        ContentRemoval = "content_removal": "Retrait du contenu",
        DataPreservation = "data_preservation": "Conservation des données",
    }
);

closed_set!(
    /// What became of a platform request.
    #[derive(sqlx::Type)]
    #[sqlx(type_name = "request_outcome", rename_all = "snake_case")]
    RequestOutcome {
        Pending = "pending": "En attente de réponse",
        Done = "done": "Obtenu",
        Refused = "refused": "Refusé",
        NoAnswer = "no_answer": "Sans réponse",
    }
);

closed_set!(
    /// Educational sanctions a school may decide.
    #[derive(sqlx::Type)]
    #[sqlx(type_name = "sanction_kind", rename_all = "snake_case")]
    SanctionKind {
        Warning = "warning": "Avertissement",
        Reprimand = "reprimand": "Blâme",
        ResponsibilityMeasure = "responsibility_measure": "Mesure de responsabilisation",
        ClassExclusion = "class_exclusion": "Exclusion temporaire de la classe",
        SchoolExclusion = "school_exclusion": "Exclusion temporaire de l'établissement",
        PermanentExclusion = "permanent_exclusion": "Exclusion définitive",
    }
);

closed_set!(
    /// The kind of advice the helpline gives.
    AdviceKind {
        Technical = "technical": "Technique",
        Legal = "legal": "Juridique",
        Psychological = "psychological": "Psychologique",
    }
);

closed_set!(
    /// Who sends a public report.
    #[derive(sqlx::Type)]
    #[sqlx(type_name = "reporter_kind", rename_all = "snake_case")]
    ReporterKind {
        Parent = "parent": "Un parent ou un proche",
        PupilVictim = "pupil_victim": "L'élève victime",
        StaffVictim = "staff_victim": "Le membre du personnel victime",
        Witness = "witness": "Un témoin",
    }
);

closed_set!(
    /// Where a report stands.
    #[derive(sqlx::Type)]
    #[sqlx(type_name = "report_status", rename_all = "snake_case")]
    ReportStatus {
        Received = "received": "Reçu",
        CaseOpened = "case_opened": "Dossier ouvert",
        Declined = "declined": "Non retenu",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_keeps_each_known_value_once() {
        let typed: Vec<String> = std::iter::repeat_n("tiktok".to_owned(), 100_000)
            .chain(["x".into(), "nope".into(), "tiktok".into()])
            .collect();
        assert_eq!(
            Platform::parse_set(&typed),
            vec![Platform::TikTok, Platform::X]
        );
    }

    #[test]
    fn codes_round_trip() {
        for p in Platform::ALL {
            assert_eq!(Platform::parse(p.code()), Some(*p));
        }
        for k in HarassmentKind::ALL {
            assert_eq!(HarassmentKind::parse(k.code()), Some(*k));
        }
        for a in AuthorKind::ALL {
            assert_eq!(AuthorKind::parse(a.code()), Some(*a));
        }
        for u in Urgency::ALL {
            assert_eq!(Urgency::parse(u.code()), Some(*u));
        }
        for v in VictimKind::ALL {
            assert_eq!(VictimKind::parse(v.code()), Some(*v));
        }
        assert_eq!(Platform::ALL.len(), 12);
        assert_eq!(HarassmentKind::ALL.len(), 9);
        assert_eq!(Platform::label_of("nope"), "nope");
    }
}
