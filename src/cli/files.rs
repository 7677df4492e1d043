//! Commands about what must hold up outside Vigie: moving stored files to
//! object storage, checking their integrity, checking the audit chain.

use std::time::Instant;

use anyhow::Context;

use crate::config::Config;
use crate::db;

pub(super) async fn migrate_storage(config: &Config, pool: &sqlx::PgPool) -> anyhow::Result<()> {
    let Some(s3) = &config.evidence_s3 else {
        anyhow::bail!("set EVIDENCE_STORE=s3://bucket (and S3_*) to say where the files go");
    };
    let from = crate::storage::LocalStorage::new(&config.evidence_dir)?;
    let to = crate::storage::S3Storage::new(s3)?;
    crate::storage::Storage::check(&to)
        .await
        .context("the object store does not answer")?;
    let m = crate::ops::move_store::migrate(pool, &from, &to).await?;
    println!(
        "Files copied and verified: {} ({} MB); already in the store and verified: {}; missing from {}: {}; copy with a wrong hash (removed): {}.",
        m.copied,
        m.bytes / (1024 * 1024),
        m.already,
        config.evidence_dir.display(),
        m.missing.len(),
        m.altered.len()
    );
    for key in &m.missing {
        println!("missing: {key}");
    }
    for key in &m.altered {
        println!("wrong hash: {key}");
    }
    anyhow::ensure!(
        m.missing.is_empty() && m.altered.is_empty(),
        "some files were not migrated"
    );
    Ok(())
}

pub(super) async fn verify_evidence(config: &Config, pool: &sqlx::PgPool) -> anyhow::Result<()> {
    let storage = crate::storage::open(&config.evidence_dir, config.evidence_s3.as_ref())?;
    let started = Instant::now();
    let (run, bad) =
        crate::ops::integrity::verify_all(pool, storage.as_ref(), chrono::Utc::now()).await?;
    println!(
        "Files checked: {}; missing: {}; altered: {} ({:.1} s).",
        run.checked,
        run.missing,
        run.altered,
        started.elapsed().as_secs_f64()
    );
    for (key, problem) in &bad {
        let what = match problem {
            db::integrity::Problem::Missing => "missing",
            db::integrity::Problem::Altered => "altered",
        };
        println!("{what}: {key}");
    }
    anyhow::ensure!(bad.is_empty(), "some files are missing or altered");
    Ok(())
}

pub(super) async fn verify_audit(config: &Config, pool: &sqlx::PgPool) -> anyhow::Result<()> {
    let started = Instant::now();
    let report = crate::ops::audit_chain::verify(pool, &config.seal).await?;
    let from = match report.from_checkpoint {
        Some(seq) => format!("from the signed checkpoint after entry {seq}"),
        None => "from the start".to_owned(),
    };
    println!(
        "Audit chain: {} entries checked {from} ({:.1} s).",
        report.rows,
        started.elapsed().as_secs_f64()
    );
    if let Some(b) = &report.first_break {
        match b.id {
            Some(id) => println!("First break: entry {} (row id {id}): {}.", b.seq, b.why),
            None => println!("First break at entry {}: {}.", b.seq, b.why),
        }
        anyhow::bail!("the audit chain is broken");
    }
    println!("Intact.");
    Ok(())
}

pub(super) fn verify_dossier(config: &Config, path: &std::path::Path) -> anyhow::Result<()> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let v = crate::ops::dossier::verify(file, &config.seal).map_err(anyhow::Error::msg)?;
    println!("Dossier {}, generated {}.", v.case_reference, v.generated);
    println!(
        "Signature: {}.",
        if v.genuine {
            "genuine (this installation's key)"
        } else {
            "NOT this installation's key"
        }
    );
    for f in &v.altered {
        println!("altered: {f}");
    }
    for f in &v.missing {
        println!("missing: {f}");
    }
    for f in &v.extra {
        println!("not in the manifest: {f}");
    }
    anyhow::ensure!(v.holds(), "the dossier does not hold");
    println!("Genuine and intact.");
    Ok(())
}
