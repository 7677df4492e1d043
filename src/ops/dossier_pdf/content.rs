//! What the dossier's template reads: the case's record in French words,
//! as JSON (strings only, shown as text by the template).

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::domain::case::{CaseOutcome, EventKind, HarassmentKind, Platform};
use crate::domain::format;
use crate::ops::reads::CaseRecord;

/// The data the template reads; `slots` gives each evidence file's
/// thumbnail index, if it has one.
pub(super) fn content(
    r: &CaseRecord,
    generated_by: &str,
    at: DateTime<Utc>,
    slots: &[Option<usize>],
) -> Value {
    let c = &r.case;
    json!({
        "reference": c.reference,
        "school_short": c.school_uai,
        "author": generated_by,
        "generated_by": breakable(generated_by),
        "generated_at": format::datetime(at),
        "summary": summary(r),
        "facts": facts(r),
        "sections": sections(r),
        "evidence": evidence(r, slots),
        "seal_note": "Les empreintes SHA-256 identifient chaque pièce : le dossier scellé (archive ZIP exportée de la même page) contient les fichiers d'origine, ce document et leur inventaire signé, vérifiable sur la page « Vérifier un dossier » de Vigie ou avec « vigie dossier verify ».",
    })
}

/// A long word (an address, a link) given places to break.
fn breakable(s: &str) -> String {
    s.split(' ')
        .map(|word| {
            if word.chars().count() <= 16 {
                return word.to_owned();
            }
            word.chars()
                .flat_map(|c| {
                    let cut = "/.?&=_-@".contains(c);
                    std::iter::once(c).chain(cut.then_some('\u{200B}'))
                })
                .collect()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn or_dash(s: &str) -> String {
    if s.trim().is_empty() {
        "—".into()
    } else {
        breakable(s)
    }
}

fn summary(r: &CaseRecord) -> Vec<[String; 2]> {
    let c = &r.case;
    let school = format!("{} (UAI {})", c.school_name, c.school_uai);
    let mut rows = vec![
        ["Établissement".into(), school],
        ["Statut".into(), c.status.label().into()],
        ["Urgence".into(), c.urgency.label().into()],
        ["Ouvert le".into(), format::datetime(c.created_at)],
    ];
    if let Some(at) = c.referred_at {
        rows.push(["Transmis à e-Enfance".into(), format::datetime(at)]);
    }
    if let Some(name) = &c.claimed_by_name {
        rows.push(["Écoutant e-Enfance".into(), name.clone()]);
    }
    if let Some(at) = c.closed_at {
        let outcome = c.outcome.as_deref().map_or("", CaseOutcome::label_of);
        let closed = format!("{} : {outcome}", format::datetime(at));
        rows.push(["Clos le".into(), closed]);
    }
    if let Some(names) = &c.access_names {
        rows.push(["Accès limité".into(), names.clone()]);
    }
    if c.legal_hold {
        let hold = "Conservé pour une procédure (non effacé)";
        rows.push(["Conservation".into(), hold.into()]);
    }
    rows
}

fn facts(r: &CaseRecord) -> Vec<[String; 2]> {
    let c = &r.case;
    let yes = |b: bool| if b { "oui" } else { "non indiqué" };
    let mut victim = format!("{} · {}", c.victim_name, c.victim_kind.label());
    if !c.victim_group.is_empty() {
        victim.push_str(&format!(" · {}", c.victim_group));
    }
    let platforms: Vec<&str> = c.platforms.iter().map(|p| Platform::label_of(p)).collect();
    let kinds: Vec<&str> = c
        .kinds
        .iter()
        .map(|k| HarassmentKind::label_of(k))
        .collect();
    let started = c.started_on.map_or("Non précisé".into(), format::date);
    let checklist = format!(
        "victime mise en sécurité : {} ; preuves conservées : {} ; familles informées : {} ; autorités informées : {}",
        yes(c.victim_secured),
        yes(c.evidence_preserved),
        yes(c.families_informed),
        yes(c.authorities_told)
    );
    vec![
        ["Victime".into(), victim],
        ["Début des faits".into(), started],
        ["Plateformes".into(), platforms.join(", ")],
        ["Types de faits".into(), kinds.join(", ")],
        ["Description".into(), c.description.clone()],
        ["À l'ouverture".into(), checklist],
    ]
}

/// A table of the dossier: title, sentence when empty, column widths (in
/// shares), headers, rows.
fn section(
    title: &str,
    empty: &str,
    widths: &[u32],
    head: &[&str],
    rows: Vec<Vec<String>>,
) -> Value {
    json!({ "title": title, "empty": empty, "widths": widths, "head": head, "rows": rows })
}

fn sections(r: &CaseRecord) -> Vec<Value> {
    let mut all = people(r);
    all.extend([requests(r), escalations(r), interventions(r), sanctions(r)]);
    let events = r.events.iter().filter(|e| !e.internal).map(|e| {
        let by = e.actor_name.as_deref().map_or("—".into(), breakable);
        let note = e.note.as_deref().map_or("—".into(), breakable);
        let what = EventKind::label_of(&e.kind).to_owned();
        vec![format::datetime(e.created_at), what, by, note]
    });
    all.push(section(
        "Historique",
        "Aucun événement.",
        &[2, 2, 2, 6],
        &["Date", "Événement", "Par", "Note"],
        events.collect(),
    ));
    all
}

/// Authors and online targets.
fn people(r: &CaseRecord) -> Vec<Value> {
    let authors = r.authors.iter().map(|a| {
        let kind = a.kind_label().to_owned();
        vec![kind, or_dash(&a.name), or_dash(&a.group_name)]
    });
    let targets = r.targets.iter().map(|t| {
        let platform = Platform::label_of(&t.platform).to_owned();
        vec![platform, breakable(&t.target), format::datetime(t.added_at)]
    });
    vec![
        section(
            "Auteurs présumés",
            "Aucun auteur identifié.",
            &[2, 3, 2],
            &["Qualité", "Nom", "Classe"],
            authors.collect(),
        ),
        section(
            "Comptes et publications en cause",
            "Aucun compte ni publication enregistré.",
            &[2, 5, 2],
            &["Plateforme", "Compte ou publication", "Ajouté le"],
            targets.collect(),
        ),
    ]
}

fn requests(r: &CaseRecord) -> Value {
    let rows = r.requests.iter().map(|q| {
        let answer = match q.outcome_on {
            Some(d) => format!("{} le {}", q.outcome.label(), format::date(d)),
            None => q.outcome.label().to_owned(),
        };
        let delay = match q.pending() {
            true => format!("en attente depuis {} j", q.days()),
            false => format!("{} j", q.days()),
        };
        let target = format!("{} : {}", q.platform_label(), breakable(&q.target));
        let (kind, sent) = (q.kind.label().to_owned(), format::date(q.sent_on));
        let reference = or_dash(&q.platform_reference);
        vec![target, kind, sent, reference, answer, delay]
    });
    section(
        "Demandes aux plateformes",
        "Aucune demande envoyée.",
        &[4, 2, 2, 2, 3, 2],
        &[
            "Compte ou publication",
            "Demande",
            "Envoyée le",
            "Référence",
            "Réponse",
            "Délai",
        ],
        rows.collect(),
    )
}

fn escalations(r: &CaseRecord) -> Value {
    let rows = r
        .escalations
        .iter()
        .map(|e| vec![format::date(e.escalated_on), breakable(&e.reference)]);
    section(
        "Signalements à Pharos / OCLCTIC",
        "Aucun signalement.",
        &[1, 3],
        &["Date", "Référence"],
        rows.collect(),
    )
}

fn interventions(r: &CaseRecord) -> Value {
    let rows = r.interventions.iter().map(|i| {
        let answer = match (i.answer.is_some(), i.accepted(), i.scheduled_on) {
            (false, _, _) => "En attente de la réponse de l'établissement".to_owned(),
            (true, true, Some(d)) => format!("Acceptée, prévue le {}", format::date(d)),
            (true, true, None) => "Acceptée".to_owned(),
            (true, false, _) => "Déclinée".to_owned(),
        };
        let proposed = format::date(i.proposed_on);
        vec![i.topic.clone(), proposed, answer, or_dash(&i.answer_note)]
    });
    section(
        "Interventions proposées",
        "Aucune intervention proposée.",
        &[3, 2, 3, 3],
        &["Thème", "Proposée pour le", "Réponse", "Note"],
        rows.collect(),
    )
}

fn sanctions(r: &CaseRecord) -> Value {
    let rows = r.sanctions.iter().map(|s| {
        let concerns = s.concerns().unwrap_or_else(|| "—".into());
        let (kind, on) = (s.kind.label().to_owned(), format::date(s.decided_on));
        vec![kind, on, concerns, or_dash(&s.note)]
    });
    section(
        "Sanctions éducatives",
        "Aucune sanction enregistrée.",
        &[2, 2, 3, 4],
        &["Sanction", "Décidée le", "Concerne", "Note"],
        rows.collect(),
    )
}

fn evidence(r: &CaseRecord, slots: &[Option<usize>]) -> Vec<Value> {
    let rows = r.evidence.iter().zip(slots).map(|(e, slot)| {
        let who = e.added_by_name.as_deref().unwrap_or("compte supprimé");
        let added = format!(
            "ajoutée par {} le {}",
            breakable(who),
            format::datetime(e.added_at)
        );
        let details = [
            e.type_label().to_owned(),
            format::bytes(e.size_bytes),
            added,
        ];
        let no_preview = match e.is_image() {
            true => "Aperçu indisponible",
            false => "Pas d'aperçu",
        };
        json!({
            "name": breakable(&e.original_name),
            "details": details,
            "sha256": e.sha256,
            "image": slot,
            "no_preview": no_preview,
        })
    });
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_words_get_break_points_and_short_ones_stay() {
        assert_eq!(breakable("Note brève"), "Note brève");
        let url = breakable("https://instagram.example/compte");
        assert_eq!(
            url.replace('\u{200B}', ""),
            "https://instagram.example/compte"
        );
        assert!(url.contains("/\u{200B}compte"));
    }
}
