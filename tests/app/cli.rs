//! The command line: school import, account creation, the embedded database.

use std::io::Write;
use std::process::{Command, Stdio};

use vigie::domain::status::Role;

use crate::helpers::{TempDir, TestApp};

fn vigie(app: &TestApp, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(args)
        .env("DATABASE_URL", &app.db_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn schools_import_from_csv_all_or_nothing_and_accounts_log_in() {
    let app = TestApp::spawn().await;
    let dir = TempDir::new();
    let good = dir.0.join("ecoles.csv");
    std::fs::write(&good, "uai,name,town,academie\n0691664K,Collège Jean Moulin,Lyon,Lyon\n0750656P,Lycée Victor Hugo,Paris,Paris\n").unwrap();
    let out = vigie(&app, &["school", "import", good.to_str().unwrap()], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(app.count("schools").await, 2);

    let bad = dir.0.join("mauvais.csv");
    std::fs::write(&bad, "uai,name,town,academie\n0130001A,Collège A,Marseille,Aix-Marseille\nPASUNUAI,Collège B,Nice,Nice\n").unwrap();
    let out = vigie(&app, &["school", "import", bad.to_str().unwrap()], "");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 3"));
    assert_eq!(app.count("schools").await, 2, "a bad line imports nothing");

    let out = vigie(
        &app,
        &[
            "account",
            "add",
            "--email",
            "Principale@Example.org",
            "--role",
            "school_staff",
            "--school",
            "0691664K",
            "--name",
            "Mme Martin",
        ],
        "un mot de passe long\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let b = app.browser();
    b.login("principale@example.org", "un mot de passe long")
        .await;
    assert!(
        b.get("/school")
            .await
            .text(".subtitle")
            .contains("Collège Jean Moulin")
    );

    let out = vigie(
        &app,
        &[
            "account",
            "add",
            "--email",
            "x@example.org",
            "--role",
            "helpline",
        ],
        "court\n",
    );
    assert!(!out.status.success(), "a short password is refused");
    let out = vigie(
        &app,
        &[
            "account",
            "add",
            "--email",
            "y@example.org",
            "--role",
            "school_staff",
        ],
        "un mot de passe long\n",
    );
    assert!(!out.status.success(), "school staff need a school");
    let out = vigie(
        &app,
        &[
            "account",
            "add",
            "--email",
            "z@example.org",
            "--role",
            "chef",
        ],
        "un mot de passe long\n",
    );
    assert!(!out.status.success());
    let _ = Role::Helpline;
}

#[test]
fn without_database_url_migrate_runs_on_a_private_cluster_that_keeps_its_data() {
    let dir = TempDir::new();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_vigie"))
            .args(args)
            .env_remove("DATABASE_URL")
            .env("DATA_DIR", dir.0.join("data"))
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = run(&["demo"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.0.join("data/pgdata/PG_VERSION").exists());
    // Second start: the data is still there (the demo seeding sees it and does nothing).
    let out = run(&["demo"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The cluster was stopped when the command ended.
    assert!(!dir.0.join("data/pgdata/postmaster.pid").exists());
}

#[test]
fn demo_data_is_refused_in_production() {
    let dir = TempDir::new();
    let out = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["demo"])
        .env_remove("DATABASE_URL")
        .env("VIGIE_ENV", "production")
        .env("DATA_DIR", dir.0.join("data"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("production"));
}
