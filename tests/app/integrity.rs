//! Evidence integrity: a file altered or lost in the store is refused at
//! download (audited, raised to administrators), named by the full
//! verification and by `vigie evidence verify`; restored, it is served again
//! and the alert goes.

use std::process::Command;

use chrono::Utc;
use reqwest::StatusCode;
use vigie::domain::status::Role;
use vigie::storage::LocalStorage;

use crate::helpers::{TestApp, png};

#[tokio::test]
async fn an_altered_or_missing_file_is_refused_named_and_raised_until_restored() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    // One small file, one over 1 MiB (checked, then streamed).
    let big: Vec<u8> = [png(), vec![7; 1_500_000]].concat();
    let case = b
        .open_case(
            &[("victim_name", "Nom Confidentiel")],
            vec![
                ("evidence", "a.png", png()),
                ("evidence", "b.png", big.clone()),
            ],
        )
        .await;
    let page = b.get(&format!("/school/cases/{case}")).await;
    assert!(
        page.texts(".evidence")
            .iter()
            .all(|t| t.contains("pas encore revérifiée"))
    );
    let hrefs: Vec<String> = page
        .html()
        .select(&scraper::Selector::parse(".evidence a[download]").unwrap())
        .map(|a| a.value().attr("href").unwrap().to_owned())
        .collect();
    let (status, _, body) = b.get_bytes(&hrefs[1]).await;
    assert_eq!(
        (status, body.len()),
        (StatusCode::OK, big.len()),
        "{}",
        String::from_utf8_lossy(&body)
    );
    let page = b.get(&format!("/school/cases/{case}")).await;
    let items = page.texts(".evidence");
    assert!(items[0].contains("pas encore revérifiée"), "{items:?}");
    assert!(items[1].contains("Intégrité vérifiée le"), "{items:?}");

    // One byte changed in the small file; the big one deleted.
    let keys: Vec<(String, String)> =
        sqlx::query_as("select storage_key, original_name from evidence order by original_name")
            .fetch_all(&app.db)
            .await
            .unwrap();
    let local = LocalStorage::new(&app.evidence_dir).unwrap();
    let small_path = local.path(&keys[0].0).unwrap();
    let mut bytes = std::fs::read(&small_path).unwrap();
    bytes[20] ^= 1;
    std::fs::write(&small_path, &bytes).unwrap();
    std::fs::rename(
        local.path(&keys[1].0).unwrap(),
        app.evidence_dir.join("aside"),
    )
    .unwrap();

    for href in &hrefs {
        let p = b.get(href).await;
        assert_eq!(p.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(p.text("h1").contains("Fichier non remis"), "{}", p.body);
        assert!(p.body.contains("empreinte SHA-256"));
    }
    let failures: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action = 'integrity_failure' and result = 'denied'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(failures, 2);

    // Administrators see where, never what.
    let admin = app.logged_in(Role::Admin).await;
    let overview = admin.get("/admin").await;
    let alerts = overview.text("section[aria-labelledby=integrite-titre]");
    assert!(
        alerts.contains("2 pièces introuvables ou modifiées"),
        "{alerts}"
    );
    assert!(alerts.contains("contenu modifié") && alerts.contains("fichier introuvable"));
    assert!(alerts.contains("0691664K"));
    assert!(!overview.body.contains("a.png") && !overview.body.contains("Confidentiel"));

    // The command line names both and fails.
    let out = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["evidence", "verify"])
        .env("DATABASE_URL", &app.db_url)
        .env("EVIDENCE_DIR", &app.evidence_dir)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(
        said.contains("Files checked: 2; missing: 1; altered: 1"),
        "{said}"
    );
    assert!(said.contains(&format!("altered: {}", keys[0].0)));
    assert!(said.contains(&format!("missing: {}", keys[1].0)));

    // Restored from a backup: the weekly run finds them intact, the alerts
    // go, and the files are served again.
    bytes[20] ^= 1;
    std::fs::write(&small_path, &bytes).unwrap();
    std::fs::rename(
        app.evidence_dir.join("aside"),
        local.path(&keys[1].0).unwrap(),
    )
    .unwrap();
    sqlx::query("delete from verification_runs")
        .execute(&app.db)
        .await
        .unwrap();
    let ran = vigie::jobs::verify_if_due(&app.db, &local, Utc::now())
        .await
        .unwrap();
    assert!(ran);
    assert!(
        !vigie::jobs::verify_if_due(&app.db, &local, Utc::now())
            .await
            .unwrap(),
        "not twice in a week"
    );
    assert_eq!(app.count("integrity_alerts").await, 0);
    let overview = admin.get("/admin").await;
    assert!(
        overview
            .body
            .contains("Aucune pièce introuvable ni modifiée")
    );
    assert!(
        overview
            .body
            .contains("2 fichiers relus, 0 introuvable, 0 modifié")
    );
    let (status, _, body) = b.get_bytes(&hrefs[0]).await;
    assert_eq!((status, &body[..]), (StatusCode::OK, &png()[..]));
}
