//! A real SMTP listener (mailin-embedded) that keeps what it receives.

use std::net::{IpAddr, TcpListener};
use std::sync::{Arc, Mutex};

use mailin_embedded::response::{self, Response};
use mailin_embedded::{Handler, Server, SslConfig};

/// A mail as received, parsed.
#[derive(Clone, Debug)]
pub struct Received {
    /// RCPT TO addresses.
    pub to: Vec<String>,
    /// Message-ID header.
    pub message_id: String,
    /// Decoded Subject.
    pub subject: String,
    /// Decoded plain-text body (the text part of a multipart mail).
    pub body: String,
    /// Decoded HTML part, if any.
    pub html: Option<String>,
}

#[derive(Clone, Default)]
struct Sink {
    inbox: Arc<Mutex<Vec<Received>>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Sink {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let parsed = mailparse::parse_mail(&self.data).expect("a well-formed mail");
        let header = |name: &str| {
            use mailparse::MailHeaderMap;
            parsed.headers.get_first_value(name).unwrap_or_default()
        };
        let mail = Received {
            to: self.to.clone(),
            message_id: header("Message-ID"),
            subject: header("Subject"),
            body: part(&parsed, "text/plain").expect("a text body"),
            html: part(&parsed, "text/html"),
        };
        self.inbox.lock().unwrap().push(mail);
        response::OK
    }

    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        response::OK
    }
}

/// The decoded body of the first part of type `mime` (the mail itself if
/// it has no parts).
fn part(mail: &mailparse::ParsedMail<'_>, mime: &str) -> Option<String> {
    if mail.subparts.is_empty() {
        return (mail.ctype.mimetype == mime).then(|| mail.get_body().expect("a body"));
    }
    mail.subparts.iter().find_map(|p| part(p, mime))
}

/// A port nothing listens on (yet): SMTP "down".
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A listener on `port`, serving on its own thread for the rest of the run.
pub struct SmtpServer {
    inbox: Arc<Mutex<Vec<Received>>>,
}

impl SmtpServer {
    /// Starts listening on `port` (0: any free port); returns it with the port.
    pub fn start(port: u16) -> (SmtpServer, u16) {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("the SMTP port is free");
        let port = listener.local_addr().unwrap().port();
        let sink = Sink::default();
        let inbox = sink.inbox.clone();
        let mut server = Server::new(sink);
        server
            .with_name("smtp.test")
            .with_ssl(SslConfig::None)
            .unwrap()
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        (SmtpServer { inbox }, port)
    }

    /// What arrived so far.
    pub fn received(&self) -> Vec<Received> {
        self.inbox.lock().unwrap().clone()
    }
}
