//! Reading each section of the settings from the environment, with the
//! defaults `.env.example` documents.

use std::time::Duration;

use anyhow::Context;

use super::{
    Environment, LegalNotice, LoginLimits, MailSettings, QueueDelays, ReportSettings, Retention,
    UploadLimits,
};

impl LegalNotice {
    /// From the LEGAL_* settings; each is required in production.
    pub(super) fn from_env(environment: Environment) -> anyhow::Result<LegalNotice> {
        let field = |name: &str| -> anyhow::Result<String> {
            match var(name) {
                Some(v) => Ok(v),
                None if environment == Environment::Production => {
                    anyhow::bail!("{name} is required in production (legal notices)")
                }
                None => Ok(format!("(à renseigner : réglage {name})")),
            }
        };
        Ok(LegalNotice {
            publisher: field("LEGAL_PUBLISHER")?,
            director: field("LEGAL_DIRECTOR")?,
            host: field("LEGAL_HOST")?,
            controller: field("LEGAL_CONTROLLER")?,
            dpo_contact: field("LEGAL_DPO_CONTACT")?,
            accessibility_contact: field("LEGAL_ACCESSIBILITY_CONTACT")?,
        })
    }
}

impl UploadLimits {
    /// From the environment, with the defaults of `.env.example`.
    pub(super) fn from_env() -> anyhow::Result<UploadLimits> {
        let mib = 1024 * 1024;
        Ok(UploadLimits {
            max_file_bytes: number("UPLOAD_MAX_FILE_MB", 20)? as usize * mib,
            max_request_bytes: number("UPLOAD_MAX_REQUEST_MB", 60)? as usize * mib,
            max_files: number("UPLOAD_MAX_FILES", 10)? as usize,
            max_concurrent: number("UPLOAD_MAX_CONCURRENT", 8)?.max(1) as usize,
        })
    }
}

impl LoginLimits {
    /// From the environment, with the defaults of `.env.example`.
    pub(super) fn from_env() -> anyhow::Result<LoginLimits> {
        Ok(LoginLimits {
            per_account: number("LOGIN_MAX_PER_ACCOUNT", 5)? as u32,
            per_ip: number("LOGIN_MAX_PER_IP", 30)? as u32,
            replenish: Duration::from_secs(number("LOGIN_REPLENISH_SECONDS", 180)?),
        })
    }
}

impl MailSettings {
    /// From the environment, with the defaults of `.env.example`.
    pub(super) fn from_env() -> anyhow::Result<MailSettings> {
        Ok(MailSettings {
            smtp_url: var("SMTP_URL").unwrap_or_else(|| "smtp://127.0.0.1:2525".into()),
            from: var("MAIL_FROM").unwrap_or_else(|| "Vigie <no-reply@vigie.localhost>".into()),
            helpline_desk: var("HELPLINE_DESK_EMAIL")
                .unwrap_or_else(|| "desk@3018.localhost".into()),
            max_attempts: number("MAIL_MAX_ATTEMPTS", 8)? as i32,
            retry_base: Duration::from_secs(number("MAIL_RETRY_BASE_SECONDS", 30)?),
            retry_max: Duration::from_secs(number("MAIL_RETRY_MAX_SECONDS", 3600)?),
            worker_in_serve: number("MAIL_WORKER_IN_SERVE", 1)? == 1,
        })
    }
}

impl QueueDelays {
    /// From the environment, with the defaults of `.env.example`.
    pub(super) fn from_env() -> anyhow::Result<QueueDelays> {
        Ok(QueueDelays {
            unclaimed: Duration::from_secs(3600 * number("QUEUE_UNCLAIMED_HOURS", 24)?),
            danger_unclaimed: Duration::from_secs(
                60 * number("QUEUE_DANGER_UNCLAIMED_MINUTES", 60)?,
            ),
            request_days: number("PLATFORM_REQUEST_OVERDUE_DAYS", 7)? as i32,
            service: Duration::from_secs(3600 * number("QUEUE_SERVICE_HOURS", 72)?),
            question_days: number("QUESTION_REMINDER_DAYS", 3)? as i32,
        })
    }
}

impl ReportSettings {
    /// From the environment, with the defaults of `.env.example`.
    pub(super) fn from_env() -> anyhow::Result<ReportSettings> {
        Ok(ReportSettings {
            per_ip: number("REPORT_MAX_PER_IP", 10)? as u32,
            replenish: Duration::from_secs(number("REPORT_REPLENISH_SECONDS", 360)?),
            lookups_per_ip: number("CODE_LOOKUP_MAX_PER_IP", 10)? as u32,
            lookup_replenish: Duration::from_secs(number("CODE_LOOKUP_REPLENISH_SECONDS", 90)?),
            due_working_days: number("REPORT_DUE_WORKING_DAYS", 2)? as u32,
            danger_due_hours: number("REPORT_DANGER_DUE_HOURS", 4)? as u32,
            searches_per_ip: number("SCHOOL_SEARCH_MAX_PER_IP", 60)? as u32,
            additions_per_ip: number("REPORT_ADDITION_MAX_PER_IP", 10)? as u32,
            additions_per_report: number("REPORT_ADDITION_MAX_PER_REPORT", 10)? as u32,
            addition_replenish: Duration::from_secs(number(
                "REPORT_ADDITION_REPLENISH_SECONDS",
                360,
            )?),
            max_files_per_report: number("REPORT_MAX_FILES", 20)? as i64,
            max_bytes_per_report: number("REPORT_MAX_MB", 100)? as i64 * 1024 * 1024,
            flood_per_hour: number("REPORT_FLOOD_PER_HOUR", 20)? as i64,
        })
    }
}

impl Retention {
    /// From the environment, with the defaults of `.env.example`.
    pub(super) fn from_env() -> anyhow::Result<Retention> {
        Ok(Retention {
            closed_no_follow_up_days: number("RETENTION_NO_FOLLOW_UP_DAYS", 61)? as i32,
            closed_with_follow_up_days: number("RETENTION_WITH_FOLLOW_UP_DAYS", 1095)? as i32,
            audit_days: number("RETENTION_AUDIT_DAYS", 365)? as i32,
            mail_days: number("RETENTION_MAIL_DAYS", 30)? as i32,
            undecided_report_days: number("RETENTION_UNDECIDED_REPORT_DAYS", 365)? as i32,
        })
    }
}

pub(super) fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

pub(super) fn number(name: &str, default: u64) -> anyhow::Result<u64> {
    match var(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .with_context(|| format!("{name} must be a whole number")),
    }
}

/// `EVIDENCE_STORE=s3://bucket` with `S3_*`: evidence in object storage;
/// unset or `local`: in `EVIDENCE_DIR`.
pub(super) fn s3_settings() -> anyhow::Result<Option<super::S3Settings>> {
    let store = var("EVIDENCE_STORE").unwrap_or_else(|| "local".into());
    if store == "local" {
        return Ok(None);
    }
    let Some(bucket) = store.strip_prefix("s3://").filter(|b| b.len() >= 3) else {
        anyhow::bail!("EVIDENCE_STORE must be `local` or `s3://bucket-name`");
    };
    let required = |name: &str| {
        var(name).with_context(|| format!("{name} is required with EVIDENCE_STORE={store}"))
    };
    Ok(Some(super::S3Settings {
        bucket: bucket.trim_end_matches('/').to_owned(),
        endpoint: var("S3_ENDPOINT"),
        region: var("S3_REGION").unwrap_or_else(|| "us-east-1".into()),
        access_key_id: required("S3_ACCESS_KEY_ID")?,
        secret_access_key: required("S3_SECRET_ACCESS_KEY")?,
    }))
}

/// `SIGNING_KEY` (base64 of a 32-byte Ed25519 seed), required in production;
/// in development, a key made once and kept in `DATA_DIR/signing.key`.
pub(super) fn seal(
    environment: super::Environment,
    data_dir: &std::path::Path,
) -> anyhow::Result<crate::domain::seal::Seal> {
    let seed = key_bytes("SIGNING_KEY", "signing.key", environment, data_dir)?;
    Ok(crate::domain::seal::Seal::from_seed(seed))
}

/// `TWO_FACTOR_KEY` (base64 of 32 bytes), which seals second-factor
/// secrets; as `SIGNING_KEY`, made once in `DATA_DIR/two_factor.key` in
/// development.
pub(super) fn two_factor_key(
    environment: super::Environment,
    data_dir: &std::path::Path,
) -> anyhow::Result<crate::auth::totp::SecretBox> {
    let key = key_bytes("TWO_FACTOR_KEY", "two_factor.key", environment, data_dir)?;
    Ok(crate::auth::totp::SecretBox::new(key))
}

/// 32 secret bytes from the base64 in `name`, required in production; in
/// development, made once and kept (mode 600) in `DATA_DIR/file`.
fn key_bytes(
    name: &str,
    file: &str,
    environment: super::Environment,
    data_dir: &std::path::Path,
) -> anyhow::Result<[u8; 32]> {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    let decode =
        |text: &str| -> Option<[u8; 32]> { STANDARD.decode(text.trim()).ok()?.try_into().ok() };
    if let Some(text) = var(name) {
        return decode(&text).with_context(|| {
            format!("{name} must be the base64 of 32 bytes (openssl rand -base64 32)")
        });
    }
    anyhow::ensure!(
        environment == super::Environment::Development,
        "{name} is required in production (openssl rand -base64 32)"
    );
    let path = data_dir.join(file);
    if let Ok(text) = std::fs::read_to_string(&path) {
        return decode(&text).with_context(|| format!("{} is not a key", path.display()));
    }
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::create_dir_all(data_dir)?;
    let text = STANDARD.encode(rand::random::<[u8; 32]>());
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(decode(&text).expect("a key just made"))
}
