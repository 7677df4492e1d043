//! The embedded cluster against the machine's real PostgreSQL binaries.

use super::host::usable_socket_dir;
use super::*;

/// Removes a temporary folder on drop (declare it before the server).
struct TempDir(PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn psql_url(pg: &EmbeddedPostgres, url: &str, sql: &str) -> String {
    let out = Command::new(pg.psql_bin())
        .args("-X -q -t -A -v ON_ERROR_STOP=1".split(' '))
        .args([url, "-c", sql])
        .output()
        .expect("run psql");
    assert!(out.status.success(), "psql failed: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn finds_the_server_binaries() {
    let bindir = find_bindir().expect("PostgreSQL binaries");
    assert!(bindir.is_absolute());
    assert_eq!(bindir.canonicalize().unwrap(), bindir);
    for bin in SERVER_BINARIES {
        assert!(bindir.join(bin).is_file(), "{bin} in {}", bindir.display());
    }
}

#[test]
fn url_and_socket_path_rules() {
    assert_eq!(percent_encode("/tmp/a b,c", true), "/tmp/a%20b%2Cc");
    assert_eq!(percent_encode("my/db", false), "my%2Fdb");
    assert!(usable_socket_dir(Path::new("/var/lib/vigie/run")));
    assert!(!usable_socket_dir(&Path::new("/tmp").join("x".repeat(100))));
    assert!(!usable_socket_dir(Path::new("/tmp/a,b")));
    assert_eq!(sh_quote("it's"), r"'it'\''s'");
}

#[test]
fn cluster_starts_restarts_and_keeps_data() {
    let tmp = TempDir(PathBuf::from(format!(
        "/tmp/vigie-pgtest-{:016x}",
        rand::random::<u64>()
    )));
    let opts = EmbeddedOptions {
        settings: vec![("fsync".into(), "off".into())],
        join_running: false,
    };
    let pg = EmbeddedPostgres::start(&tmp.0, "vigie_test", &opts).expect("first start");
    let url = pg.database_url("vigie_test");
    assert!(
        url.contains("?host=/") && url.contains("sslmode=disable"),
        "{url}"
    );
    assert_eq!(psql_url(&pg, &url, "select 1"), "1");
    psql_url(
        &pg,
        &url,
        "create table kept (v text); insert into kept values ('still here')",
    );
    pg.stop().expect("stop");
    pg.stop().expect("second stop is a no-op");
    drop(pg);

    let pg = EmbeddedPostgres::start(&tmp.0, "vigie_test", &opts).expect("restart");
    let url = pg.database_url("vigie_test");
    assert_eq!(psql_url(&pg, &url, "select v from kept"), "still here");
    assert_eq!(psql_url(&pg, &url, "show listen_addresses"), "");

    // A second process on the same folder: refused, unless it joins; a
    // joined handle leaves the server running when it goes.
    let refused = EmbeddedPostgres::start(&tmp.0, "vigie_test", &opts)
        .err()
        .unwrap();
    assert!(refused.to_string().contains("already running"), "{refused}");
    let join = EmbeddedOptions {
        join_running: true,
        ..opts.clone()
    };
    let joined = EmbeddedPostgres::start(&tmp.0, "vigie_test", &join).expect("join");
    let joined_url = joined.database_url("vigie_test");
    assert_eq!(
        psql_url(&joined, &joined_url, "select v from kept"),
        "still here"
    );
    drop(joined);
    assert_eq!(psql_url(&pg, &url, "select v from kept"), "still here");
    pg.stop().expect("final stop");
    assert!(!pg.is_running());
}
