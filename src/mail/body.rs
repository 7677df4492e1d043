//! One shape for every mail Vigie sends — greeting, why, the facts that
//! identify the case (never its content), a warning if any, the link, a
//! closing line — rendered twice from askama templates: plain text and an
//! accessible HTML part (language, title, real text, a link that says where
//! it goes).

use askama::Template;

/// What a mail says.
pub struct MailBody {
    /// Subject, also the HTML part's title.
    pub subject: String,
    /// Why the mail is sent, one paragraph each.
    pub intro: Vec<String>,
    /// Identifying facts: label, value (a reference, an urgency, a school).
    pub facts: Vec<(&'static str, String)>,
    /// A warning shown before the link (a danger).
    pub warning: Option<String>,
    /// What to do: the sentence, the link's words and the address.
    pub action: Option<Action>,
    /// The closing paragraph.
    pub closing: String,
}

/// The link a mail asks its reader to follow.
pub struct Action {
    /// The sentence before the link.
    pub sentence: String,
    /// The link's words (HTML part).
    pub label: String,
    /// The address.
    pub url: String,
}

/// A mail rendered in both forms.
pub struct Rendered {
    /// The subject.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}

#[derive(Template)]
#[template(path = "mail/body.txt")]
struct TextPart<'a> {
    b: &'a MailBody,
}

#[derive(Template)]
#[template(path = "mail/body.html")]
struct HtmlPart<'a> {
    b: &'a MailBody,
}

impl Rendered {
    /// The outbox row of this mail, of `kind`, to `to`, about `case`.
    pub fn mail<'a>(
        &'a self,
        kind: &'a str,
        to: &'a str,
        case: Option<crate::domain::ids::CaseId>,
    ) -> crate::db::outbox::NewMail<'a> {
        crate::db::outbox::NewMail {
            kind,
            to,
            subject: &self.subject,
            text: &self.text,
            html: &self.html,
            case,
        }
    }
}

impl MailBody {
    /// Both parts of the mail.
    pub fn render(&self) -> askama::Result<Rendered> {
        Ok(Rendered {
            subject: self.subject.clone(),
            text: TextPart { b: self }.render()?,
            html: HtmlPart { b: self }.render()?,
        })
    }
}

/// The closing line of mails about a case: why nothing of it is in the mail.
pub const NO_DETAIL: &str =
    "Pour protéger les personnes concernées, ce message ne contient aucun détail du dossier.";

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> MailBody {
        MailBody {
            subject: "Dossier transmis 2026-000001".into(),
            intro: vec!["Un établissement vous transmet un dossier <urgent>.".into()],
            facts: vec![("Référence", "2026-000001".into())],
            warning: Some("danger".into()),
            action: Some(Action {
                sentence: "Le dossier est dans votre file d'attente :".into(),
                label: "Ouvrir le dossier 2026-000001".into(),
                url: "https://vigie.example/helpline/cases/1?a=1&b=2".into(),
            }),
            closing: NO_DETAIL.into(),
        }
    }

    #[test]
    fn both_parts_say_the_same_and_only_html_is_escaped() {
        let r = body().render().unwrap();
        assert!(
            r.text
                .contains("Un établissement vous transmet un dossier <urgent>.")
        );
        assert!(r.text.contains("Référence : 2026-000001"));
        assert!(
            r.text
                .contains("https://vigie.example/helpline/cases/1?a=1&b=2")
        );
        assert!(
            r.html.contains("dossier &#60;urgent&#62;.")
                || r.html.contains("dossier &lt;urgent&gt;.")
        );
        assert!(r.html.contains(r#"<html lang="fr">"#));
        assert!(
            r.html
                .contains("<title>Dossier transmis 2026-000001</title>")
        );
        assert!(r.html.contains(">Ouvrir le dossier 2026-000001</a>"));
        assert!(r.html.contains("ATTENTION") || r.html.contains("Attention"));
    }
}
