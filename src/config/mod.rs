//! Typed settings from the environment. Secrets are never printed.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};

pub use crate::storage::S3Settings;

mod env;
mod two_factor;

pub use two_factor::TwoFactorSettings;

use env::{number, var};

/// Whether this is a development machine or a production server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    /// Local use: demo data allowed.
    Development,
    /// Production: demo data refused.
    Production,
}

/// Upload limits for evidence files.
#[derive(Clone, Copy, Debug)]
pub struct UploadLimits {
    /// Largest single file, in bytes.
    pub max_file_bytes: usize,
    /// Largest request body, in bytes (all files and fields).
    pub max_request_bytes: usize,
    /// Most files in one request.
    pub max_files: usize,
    /// Most uploads read at once (others wait, then get a "busy" page).
    pub max_concurrent: usize,
}

/// Login attempt limits.
#[derive(Clone, Copy, Debug)]
pub struct LoginLimits {
    /// Attempts allowed per account (e-mail typed) in a burst.
    pub per_account: u32,
    /// Attempts allowed per client IP in a burst.
    pub per_ip: u32,
    /// Time for one attempt to be given back.
    pub replenish: Duration,
}

/// Outgoing mail.
#[derive(Clone, Debug)]
pub struct MailSettings {
    /// `smtp://host:port`, `smtp://…?tls=required` or `smtps://user:pass@host`.
    pub smtp_url: String,
    /// Sender, e.g. `Vigie <no-reply@vigie.example.org>`.
    pub from: String,
    /// The e-Enfance desk address that receives referrals.
    pub helpline_desk: String,
    /// Attempts before a mail is marked dead.
    pub max_attempts: i32,
    /// Delay after the first failed attempt.
    pub retry_base: Duration,
    /// Longest delay between attempts.
    pub retry_max: Duration,
    /// Whether `vigie serve` also runs the outbox worker.
    pub worker_in_serve: bool,
}

/// When items of the helpline queue are overdue.
#[derive(Clone, Copy, Debug)]
pub struct QueueDelays {
    /// A referred case unclaimed for longer.
    pub unclaimed: Duration,
    /// A danger case unclaimed for longer.
    pub danger_unclaimed: Duration,
    /// A platform request without outcome for longer (days).
    pub request_days: i32,
    /// A case in the helpline's hands for longer, on its service clock.
    pub service: Duration,
    /// A question of the helpline the school leaves unanswered for longer
    /// is flagged on its dashboard and reminded once by mail (days).
    pub question_days: i32,
}

/// Public reports: abuse limits and the school's deadline.
#[derive(Clone, Copy, Debug)]
pub struct ReportSettings {
    /// Reports one IP may send in a burst.
    pub per_ip: u32,
    /// Time for one report to be given back to an IP.
    pub replenish: Duration,
    /// Follow-up code attempts one IP may make in a burst.
    pub lookups_per_ip: u32,
    /// Time for one attempt to be given back.
    pub lookup_replenish: Duration,
    /// Working days a school has to handle a report.
    pub due_working_days: u32,
    /// Hours a school has to handle a report in danger.
    pub danger_due_hours: u32,
    /// School searches one IP may make in a burst (one given back a second).
    pub searches_per_ip: u32,
    /// Additions to a report one IP may send in a burst.
    pub additions_per_ip: u32,
    /// Additions one report may receive in a burst.
    pub additions_per_report: u32,
    /// Time for one addition to be given back (to an IP or a report).
    pub addition_replenish: Duration,
    /// Files one report may hold in all (sent with it and added later).
    pub max_files_per_report: i64,
    /// Bytes one report's files may weigh in all.
    pub max_bytes_per_report: i64,
    /// Reports to one school within an hour past which they are flagged as
    /// a suspected flood and its leadership gets an hourly digest instead.
    pub flood_per_hour: i64,
}

/// How long a session may stay unused, and at most last.
#[derive(Clone, Copy, Debug)]
pub struct SessionTimeouts {
    /// Without a request for this long, the session ends.
    pub idle: Duration,
    /// This long after login, the session ends whatever happens.
    pub absolute: Duration,
}

/// How long data is kept (CNIL defaults), in days.
#[derive(Clone, Debug)]
pub struct Retention {
    /// Closed with no follow-up (outcomes `no_follow_up`, `out_of_scope`).
    pub closed_no_follow_up_days: i32,
    /// Closed with a follow-up (resolved, sanctioned, judicial), at most.
    pub closed_with_follow_up_days: i32,
    /// Access and audit trail.
    pub audit_days: i32,
    /// Sent or dead mails (they hold addresses, reporters' included).
    pub mail_days: i32,
    /// Reports the school never decided on (after the helpline was told).
    pub undecided_report_days: i32,
}

/// All the settings of a Vigie process.
#[derive(Clone)]
pub struct Config {
    /// Development or production.
    pub environment: Environment,
    /// An existing PostgreSQL server; without it an embedded cluster is started.
    pub database_url: Option<String>,
    /// Folder for the embedded cluster and, by default, evidence files.
    pub data_dir: PathBuf,
    /// Folder where evidence files are stored (unless in S3).
    pub evidence_dir: PathBuf,
    /// The S3-compatible bucket evidence goes to instead, if configured.
    pub evidence_s3: Option<S3Settings>,
    /// Folder where large uploads are spooled while they arrive.
    pub spool_dir: PathBuf,
    /// The installation's Ed25519 key (`SIGNING_KEY`).
    pub seal: crate::domain::seal::Seal,
    /// Second-factor sign-in.
    pub two_factor: TwoFactorSettings,
    /// Where the audit chain's head is mailed each day (`AUDIT_ANCHOR_EMAIL`).
    pub audit_anchor_email: Option<String>,
    /// Address the HTTP server listens on.
    pub bind_addr: SocketAddr,
    /// The URL users reach the site at (links in mails; `https` makes cookies `Secure`).
    pub public_url: String,
    /// A session ends after this long without a request.
    pub session_idle: Duration,
    /// A session ends this long after login, whatever happens.
    pub session_absolute: Duration,
    /// Evidence upload limits.
    pub uploads: UploadLimits,
    /// Login rate limits.
    pub login: LoginLimits,
    /// Time a client has to send its request headers.
    pub header_timeout: Duration,
    /// How many reverse proxies of ours stand in front of Vigie: the client
    /// is read from `X-Forwarded-For` that many entries from the right.
    pub trusted_proxies: usize,
    /// Where `/metrics` is served (`METRICS_ADDR`), never on the public
    /// address; none: not served.
    pub metrics_addr: Option<SocketAddr>,
    /// Outgoing mail.
    pub mail: MailSettings,
    /// Overdue thresholds of the helpline queue.
    pub queue: QueueDelays,
    /// Public reports.
    pub reports: ReportSettings,
    /// How long data is kept.
    pub retention: Retention,
    /// Who publishes, hosts and answers for the service (legal notices).
    pub legal: LegalNotice,
}

/// The legal notices' facts (LEGAL_* settings): required in production; in
/// development the pages say which setting is missing.
#[derive(Debug, Clone)]
pub struct LegalNotice {
    /// The publisher (éditeur), with its address.
    pub publisher: String,
    /// The director of publication.
    pub director: String,
    /// The host (hébergeur), with its address and telephone.
    pub host: String,
    /// The data controller (responsable de traitement).
    pub controller: String,
    /// How to reach the data protection officer (DPO).
    pub dpo_contact: String,
    /// Where to report an accessibility problem.
    pub accessibility_contact: String,
}

impl Config {
    /// Reads the settings from the environment (and `.env` if present).
    pub fn from_env() -> anyhow::Result<Config> {
        let _ = dotenvy::dotenv();
        let environment = match var("VIGIE_ENV").as_deref() {
            None | Some("development") => Environment::Development,
            Some("production") => Environment::Production,
            Some(_) => bail!("VIGIE_ENV must be `development` or `production`"),
        };
        let data_dir = PathBuf::from(var("DATA_DIR").unwrap_or_else(|| "./data".into()));
        let evidence_dir = var("EVIDENCE_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("evidence"));
        let bind_addr = var("BIND_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .context("BIND_ADDR must be an address such as 127.0.0.1:3000")?;
        let public_url = var("PUBLIC_URL")
            .unwrap_or_else(|| format!("http://{bind_addr}"))
            .trim_end_matches('/')
            .to_owned();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            bail!("PUBLIC_URL must start with http:// or https://");
        }
        Ok(Config {
            environment,
            database_url: var("DATABASE_URL"),
            evidence_s3: env::s3_settings()?,
            seal: env::seal(environment, &data_dir)?,
            two_factor: TwoFactorSettings::from_env(environment, &data_dir)?,
            audit_anchor_email: var("AUDIT_ANCHOR_EMAIL"),
            spool_dir: var("UPLOAD_SPOOL_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| data_dir.join("spool")),
            data_dir,
            evidence_dir,
            bind_addr,
            public_url,
            session_idle: Duration::from_secs(60 * number("SESSION_IDLE_MINUTES", 30)?),
            session_absolute: Duration::from_secs(3600 * number("SESSION_ABSOLUTE_HOURS", 10)?),
            uploads: UploadLimits::from_env()?,
            login: LoginLimits::from_env()?,
            trusted_proxies: number("TRUSTED_PROXIES", 0)? as usize,
            metrics_addr: var("METRICS_ADDR")
                .map(|a| a.parse())
                .transpose()
                .context("METRICS_ADDR must be an address such as 127.0.0.1:9464")?,
            header_timeout: Duration::from_secs(number("HEADER_TIMEOUT_SECONDS", 10)?.max(1)),
            mail: MailSettings::from_env()?,
            queue: QueueDelays::from_env()?,
            reports: ReportSettings::from_env()?,
            retention: Retention::from_env()?,
            legal: LegalNotice::from_env(environment)?,
        })
    }

    /// Settings for tests: development mode, given folders, default limits.
    pub fn for_tests(data_dir: PathBuf) -> Config {
        let mib = 1024 * 1024;
        Config {
            environment: Environment::Development,
            database_url: None,
            evidence_dir: data_dir.join("evidence"),
            evidence_s3: None,
            spool_dir: data_dir.join("spool"),
            seal: crate::domain::seal::Seal::from_seed([7; 32]),
            two_factor: TwoFactorSettings {
                key: crate::auth::totp::SecretBox::new([9; 32]),
                school_staff: true,
            },
            audit_anchor_email: None,
            data_dir,
            bind_addr: "127.0.0.1:0".parse().expect("valid address"),
            public_url: "http://127.0.0.1".into(),
            session_idle: Duration::from_secs(30 * 60),
            session_absolute: Duration::from_secs(10 * 3600),
            uploads: UploadLimits {
                max_file_bytes: 20 * mib,
                max_request_bytes: 60 * mib,
                max_files: 10,
                max_concurrent: 8,
            },
            login: LoginLimits {
                per_account: 5,
                per_ip: 30,
                replenish: Duration::from_secs(180),
            },
            trusted_proxies: 0,
            metrics_addr: None,
            header_timeout: Duration::from_secs(10),
            mail: MailSettings {
                smtp_url: "smtp://127.0.0.1:1".into(),
                from: "Vigie <no-reply@vigie.test>".into(),
                helpline_desk: "desk@3018.test".into(),
                max_attempts: 5,
                retry_base: Duration::from_secs(30),
                retry_max: Duration::from_secs(3600),
                worker_in_serve: false,
            },
            queue: QueueDelays {
                unclaimed: Duration::from_secs(24 * 3600),
                danger_unclaimed: Duration::from_secs(3600),
                request_days: 7,
                service: Duration::from_secs(72 * 3600),
                question_days: 3,
            },
            reports: ReportSettings {
                per_ip: 10,
                replenish: Duration::from_secs(360),
                lookups_per_ip: 10,
                lookup_replenish: Duration::from_secs(90),
                due_working_days: 2,
                danger_due_hours: 4,
                searches_per_ip: 60,
                additions_per_ip: 10,
                additions_per_report: 10,
                addition_replenish: Duration::from_secs(360),
                max_files_per_report: 20,
                max_bytes_per_report: 100 * 1024 * 1024,
                flood_per_hour: 20,
            },
            retention: Retention {
                closed_no_follow_up_days: 61,
                closed_with_follow_up_days: 1095,
                audit_days: 365,
                mail_days: 30,
                undecided_report_days: 365,
            },
            legal: LegalNotice {
                publisher: "Ministère de l'Éducation nationale (essai)".into(),
                director: "La directrice de la publication (essai)".into(),
                host: "Hébergeur d'essai".into(),
                controller: "Le responsable de traitement (essai)".into(),
                dpo_contact: "dpd@example.org".into(),
                accessibility_contact: "accessibilite@example.org".into(),
            },
        }
    }

    /// The host of `PUBLIC_URL`, used in Message-IDs.
    pub fn message_domain(&self) -> &str {
        let rest = self
            .public_url
            .split_once("://")
            .map(|(_, r)| r)
            .unwrap_or(&self.public_url);
        let host = rest.split(['/', ':']).next().unwrap_or("vigie");
        if host.is_empty() { "vigie" } else { host }
    }

    /// The session timeouts.
    pub fn session_timeouts(&self) -> SessionTimeouts {
        SessionTimeouts {
            idle: self.session_idle,
            absolute: self.session_absolute,
        }
    }

    /// Whether cookies must be `Secure` (the public URL is https).
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}
