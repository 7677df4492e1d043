//! The command line: school import, account creation, the embedded database.

use std::io::Write;
use std::process::{Command, Stdio};

use vigie::domain::status::Role;

use crate::helpers::{TempDir, TestApp};

fn vigie(app: &TestApp, args: &[&str], stdin: &str) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vigie"));
    c.args(args)
        .env("DATABASE_URL", &app.db_url)
        .env("RUST_LOG", "warn");
    with_stdin(c, stdin)
}

/// Runs a command to its end with `stdin` as its standard input.
fn with_stdin(mut c: Command, stdin: &str) -> std::process::Output {
    let mut child = c
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
    // Made on the command line, the account enrols its second factor at
    // its first login.
    let b = app.browser();
    let fields = [
        ("email", "principale@example.org"),
        ("password", "un mot de passe long"),
    ];
    let p = b.submit("/login", "/login", &fields).await;
    assert_eq!(p.location(), "/connexion/activation");
    let (_, p) = b.enrol().await;
    assert_eq!(p.texts("#recovery-codes li").len(), 10);
    assert!(
        b.get("/school")
            .await
            .text(".subtitle")
            .contains("Collège Jean Moulin")
    );

    // The operator moves the account to the lycée: the collège leaves its
    // dashboard at once.
    let out = vigie(
        &app,
        &[
            "account",
            "schools",
            "--email",
            "principale@example.org",
            "--set",
            "0750656P",
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let subtitle = b.get("/school").await.text(".subtitle");
    assert!(
        subtitle.contains("Lycée Victor Hugo") && !subtitle.contains("Collège"),
        "{subtitle}"
    );

    // A lost phone: the next login enrols again; the session ends at once.
    let out = vigie(
        &app,
        &[
            "account",
            "reset-second-factor",
            "--email",
            "principale@example.org",
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(b.get("/school").await.location(), "/login");
    let p = b.submit("/login", "/login", &fields).await;
    assert_eq!(p.location(), "/connexion/activation");

    // Deactivated: no login at all.
    let out = vigie(
        &app,
        &["account", "deactivate", "--email", "principale@example.org"],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let p = app.browser().submit("/login", "/login", &fields).await;
    assert_eq!(p.status, reqwest::StatusCode::UNAUTHORIZED);
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where actor_id is null and action in ('school_attached', 'school_detached', 'two_factor_reset', 'account_deactivated')",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(audited, 4);

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

#[tokio::test]
async fn the_command_line_works_beside_a_running_server_on_the_private_cluster() {
    let dir = TempDir::new();
    let data = dir.0.join("data");
    let port = crate::smtp::free_port();
    let command = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_vigie"));
        c.args(args)
            .env_remove("DATABASE_URL")
            .env("DATA_DIR", &data)
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn");
        c
    };
    let mut server = command(&["serve"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let mut ready = false;
    for _ in 0..600 {
        if reqwest::get(format!("{base}/readyz"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(ready, "vigie serve did not start");

    // While it runs: import a school, add an account (password on stdin).
    let csv = dir.0.join("ecoles.csv");
    std::fs::write(
        &csv,
        "uai,name,town,academie\n0691664K,Collège Jean Moulin,Lyon,Lyon\n",
    )
    .unwrap();
    let run = |args: &[&str], stdin: &str| with_stdin(command(args), stdin);
    let out = run(&["school", "import", csv.to_str().unwrap()], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let args = [
        "account",
        "add",
        "--email",
        "principale@example.org",
        "--role",
        "school_staff",
        "--school",
        "0691664K",
    ];
    let out = run(&args, "girafe tambour nuage poivre\n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The server sees the account at once, and was not disturbed.
    let b = crate::helpers::Browser::at(&base);
    let fields = [
        ("email", "principale@example.org"),
        ("password", "girafe tambour nuage poivre"),
    ];
    let p = b.submit("/login", "/login", &fields).await;
    assert_eq!(p.location(), "/connexion/activation");
    b.enrol().await;
    assert_eq!(b.get("/school").await.status, reqwest::StatusCode::OK);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(server.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    assert!(server.wait().unwrap().success());
    assert!(
        !data.join("pgdata/postmaster.pid").exists(),
        "the server stopped its cluster"
    );
}
