//! Outgoing mail: messages (askama templates, text and HTML), the SMTP transport, and
//! the outbox worker.

pub mod account_mails;
pub mod body;
pub mod messages;
pub mod reminders;
pub mod worker;

use lettre::message::{Mailbox, MultiPart, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::db::outbox::Claimed;

/// Sends mails over SMTP with lettre.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// A mailer for `smtp://host:port`, `smtp://…?tls=required` (STARTTLS) or
    /// `smtps://user:pass@host` (TLS), sending as `from`.
    pub fn new(smtp_url: &str, from: &str) -> anyhow::Result<Mailer> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|e| anyhow::anyhow!("SMTP_URL is not a valid SMTP URL: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = from
            .parse()
            .map_err(|e| anyhow::anyhow!("MAIL_FROM is not a valid address: {e}"))?;
        Ok(Mailer { transport, from })
    }

    /// Sends one queued mail with its stored Message-ID.
    pub async fn send(&self, mail: &Claimed) -> anyhow::Result<()> {
        let builder = Message::builder()
            .from(self.from.clone())
            .to(mail.to_address.parse()?)
            .subject(mail.subject.clone())
            .message_id(Some(mail.message_id.clone()));
        let message = match &mail.body_html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                mail.body_text.clone(),
                html.clone(),
            ))?,
            None => builder
                .header(ContentType::TEXT_PLAIN)
                .body(mail.body_text.clone())?,
        };
        self.transport.send(message).await?;
        Ok(())
    }
}
