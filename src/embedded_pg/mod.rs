//! Embedded PostgreSQL: when no DATABASE_URL is configured, Vigie runs a private
//! cluster from the PostgreSQL binaries installed on the machine.
//!
//! Layout under `data_dir`: `pgdata/` (the cluster), `run/` (the unix socket
//! folder, unless its path is too long for a socket) and `postgres.log`.
//! The server listens on a unix socket only (`listen_addresses = ''`), with
//! `trust` authentication for the `postgres` superuser on that socket.

use std::fs;

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Context, Result, bail};

mod host;

pub use host::find_bindir;
use host::{
    log_tail, output, percent_encode, postgres_user_if_root, prepare_dirs, sh_quote, socket_dir,
    text,
};

const PORT: u16 = 5432;
const SERVER_BINARIES: [&str; 3] = ["initdb", "pg_ctl", "postgres"];
/// `sun_path` holds 108 bytes including the trailing NUL.
const MAX_SOCKET_PATH: usize = 107;
/// Environment variables that could point the tools at another server or user.
const PG_ENV: &str =
    "PGDATA PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGSERVICE PGOPTIONS PGSSLMODE";
/// Stops the server when the pipe on its stdin closes, i.e. when this process
/// exits or is killed without calling `stop` (std pipes are close-on-exec, so
/// no other process holds the write end). Arguments: pg_ctl, pgdata, socket
/// folder to remove (may be empty).
const WATCHDOG: &str = "trap '' INT HUP; while read -r _; do :; done; \
    \"$0\" -D \"$1\" -m fast -w -t 30 stop >/dev/null 2>&1; if [ -n \"$2\" ]; then rm -rf \"$2\"; fi";

/// Options for [`EmbeddedPostgres::start`].
#[derive(Debug, Clone, Default)]
pub struct EmbeddedOptions {
    /// Extra `-c name=value` server settings, e.g. ("fsync","off") for tests.
    pub settings: Vec<(String, String)>,
    /// When the cluster of this data folder is already running (a `vigie
    /// serve` started it), connect to it instead of refusing; it is then
    /// left running when this handle goes.
    pub join_running: bool,
}

/// A private PostgreSQL server started by [`EmbeddedPostgres::start`]; it is
/// stopped by [`EmbeddedPostgres::stop`], on drop, or by a watchdog process if
/// this process dies first.
pub struct EmbeddedPostgres {
    bindir: PathBuf,
    data_dir: PathBuf,
    pgdata: PathBuf,
    socket_dir: PathBuf,
    /// Short socket folder created under /tmp because `data_dir/run` was unusable.
    tmp_socket_dir: Option<PathBuf>,
    /// (uid, gid) of the `postgres` system user, when we run as root.
    run_as: Option<(u32, u32)>,
    state: Mutex<State>,
}

struct State {
    running: bool,
    watchdog: Option<Child>,
}

impl EmbeddedPostgres {
    /// Finds the binaries, runs initdb when `data_dir/pgdata` has no cluster yet
    /// (superuser `postgres`, trust auth on the socket only, UTF8, locale
    /// C.UTF-8 or C), starts the server listening only on a unix socket in
    /// `data_dir/run`, waits until it accepts connections and creates database
    /// `db_name` if missing. Blocking: call it before the tokio runtime starts
    /// or through `spawn_blocking`. When running as root, the server runs as
    /// the `postgres` system user.
    pub fn start(
        data_dir: &Path,
        db_name: &str,
        opts: &EmbeddedOptions,
    ) -> Result<EmbeddedPostgres> {
        let t0 = Instant::now();
        let bindir = find_bindir()?;
        let run_as = postgres_user_if_root()?;
        let (data_dir, pgdata, run_dir) = prepare_dirs(data_dir, run_as)?;
        let (socket_dir, tmp_socket_dir) = socket_dir(run_dir, run_as)?;
        // Built before starting so that any later error drops it, which stops the server.
        let mut pg = EmbeddedPostgres {
            bindir,
            data_dir,
            pgdata,
            socket_dir,
            tmp_socket_dir,
            run_as,
            state: Mutex::new(State {
                running: false,
                watchdog: None,
            }),
        };

        let mut initdb_ms = 0;
        if !pg.pgdata.join("PG_VERSION").exists() {
            let t = Instant::now();
            pg.initdb(opts)?;
            initdb_ms = t.elapsed().as_millis() as u64;
        }
        if opts.join_running
            && let Some(dir) = pg.running_socket_dir()
        {
            pg.join(dir)?;
            pg.ensure_database(db_name)?;
            tracing::info!(socket = %pg.socket_dir.display(), "joined the running embedded PostgreSQL");
            return Ok(pg);
        }
        pg.refuse_if_running()?;
        let t = Instant::now();
        pg.pg_ctl_start(opts)?;
        let start_ms = t.elapsed().as_millis() as u64;
        let t = Instant::now();
        pg.ensure_database(db_name)?;
        let createdb_ms = t.elapsed().as_millis() as u64;
        tracing::info!(
            bindir = %pg.bindir.display(),
            elapsed_ms = t0.elapsed().as_millis() as u64,
            initdb_ms,
            start_ms,
            createdb_ms,
            "embedded PostgreSQL ready"
        );
        Ok(pg)
    }

    /// A URL for database `db` over the unix socket as user `postgres`, e.g.
    /// `postgres://postgres@localhost:5432/vigie?host=/data/run&sslmode=disable`.
    /// Accepted by sqlx 0.8 (`PgConnectOptions::from_str`: a `host` query value
    /// starting with `/` is a socket folder) and by libpq/psql alike.
    pub fn database_url(&self, db: &str) -> String {
        format!(
            "postgres://postgres@localhost:{PORT}/{}?host={}&sslmode=disable",
            percent_encode(db, false),
            percent_encode(&self.socket_dir.to_string_lossy(), true)
        )
    }

    /// Stops the server (pg_ctl stop -m fast, fallback immediate). Idempotent.
    pub fn stop(&self) -> Result<()> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(mut watchdog) = state.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
        if state.running {
            if let Err(fast) = self.pg_ctl_stop("fast")
                && self.is_running()
            {
                tracing::warn!(error = %fast, "fast shutdown of embedded PostgreSQL failed, trying immediate");
                self.pg_ctl_stop("immediate")
                    .context("cannot stop the embedded PostgreSQL")?;
            }
            state.running = false;
        }
        if let Some(dir) = &self.tmp_socket_dir {
            let _ = fs::remove_dir_all(dir);
        }
        Ok(())
    }

    fn initdb(&self, opts: &EmbeddedOptions) -> Result<()> {
        let no_sync = opts
            .settings
            .iter()
            .any(|(k, v)| k == "fsync" && v == "off");
        let mut failure = String::new();
        // C.UTF-8 is missing on some systems; initdb empties pgdata after a failure.
        for locale in ["C.UTF-8", "C"] {
            let mut cmd = self.server_cmd("initdb");
            cmd.arg("-D").arg(&self.pgdata);
            cmd.args("-U postgres -E UTF8 --auth-local=trust --auth-host=reject".split(' '));
            cmd.arg(format!("--locale={locale}"));
            if no_sync {
                cmd.arg("--no-sync");
            }
            let out = output(cmd, "initdb")?;
            if out.status.success() {
                return Ok(());
            }
            failure = text(&out);
        }
        bail!("initdb failed for {}:\n{failure}", self.pgdata.display())
    }

    /// The socket folder of the server running on this cluster (the fifth
    /// line of `postmaster.pid`), if one runs.
    fn running_socket_dir(&self) -> Option<PathBuf> {
        if !self.is_running() {
            return None;
        }
        let pid_file = fs::read_to_string(self.pgdata.join("postmaster.pid")).ok()?;
        let mut lines = pid_file.lines();
        let pid = lines.next()?.trim();
        let comm = fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
        if !matches!(comm.trim(), "postgres" | "postmaster") {
            return None;
        }
        let dir = lines.nth(3)?.trim();
        (!dir.is_empty()).then(|| PathBuf::from(dir))
    }

    /// Uses the running server at `socket_dir`: nothing of it is stopped or
    /// removed when this handle goes.
    fn join(&mut self, socket_dir: PathBuf) -> Result<()> {
        if let Some(tmp) = self.tmp_socket_dir.take() {
            let _ = fs::remove_dir_all(tmp);
        }
        self.socket_dir = socket_dir;
        Ok(())
    }

    fn refuse_if_running(&self) -> Result<()> {
        if !self.is_running() {
            return Ok(());
        }
        let pid_file = self.pgdata.join("postmaster.pid");
        let pid = fs::read_to_string(&pid_file).unwrap_or_default();
        let pid = pid.lines().next().unwrap_or("?").trim().to_owned();
        // A crashed run whose PID now belongs to an unrelated process (e.g. after a
        // container restart): the lock is stale and postgres would refuse to start.
        if let Ok(comm) = fs::read_to_string(format!("/proc/{pid}/comm"))
            && !matches!(comm.trim(), "postgres" | "postmaster")
        {
            tracing::warn!(pid = %pid, "removing stale postmaster.pid of the embedded PostgreSQL");
            fs::remove_file(&pid_file)?;
            return Ok(());
        }
        bail!(
            "a PostgreSQL server (PID {pid}) is already running on {} — probably another Vigie using the same data folder. \
             Stop it first ({} -D {} stop{}) or use another DATA_DIR.",
            self.pgdata.display(),
            self.bindir.join("pg_ctl").display(),
            self.pgdata.display(),
            if self.run_as.is_some() {
                ", as the postgres user"
            } else {
                ""
            }
        )
    }

    fn pg_ctl_start(&self, opts: &EmbeddedOptions) -> Result<()> {
        // pg_ctl passes `-o` through /bin/sh, so every value is shell-quoted; the
        // socket folder is also double-quoted for PostgreSQL's list syntax.
        let socket = format!("unix_socket_directories=\"{}\"", self.socket_dir.display());
        let mut server_opts = format!(
            "-c listen_addresses= -c port={PORT} -c unix_socket_permissions=0700 -c {}",
            sh_quote(&socket)
        );
        for (name, value) in &opts.settings {
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            {
                bail!("invalid PostgreSQL setting name {name:?}");
            }
            server_opts.push_str(&format!(" -c {}", sh_quote(&format!("{name}={value}"))));
        }
        let log = self.data_dir.join("postgres.log");
        let mut cmd = self.server_cmd("pg_ctl");
        cmd.arg("-D").arg(&self.pgdata).arg("-l").arg(&log);
        cmd.args(["-w", "-t", "60", "-o", server_opts.as_str(), "start"]);
        let out = output(cmd, "pg_ctl start")?;
        if !out.status.success() {
            bail!(
                "the embedded PostgreSQL did not start:\n{}\nLast lines of {}:\n{}",
                text(&out),
                log.display(),
                log_tail(&log, 20)
            );
        }
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.running = true;
        match self.spawn_watchdog() {
            Ok(child) => state.watchdog = Some(child),
            Err(e) => tracing::warn!(error = %e, "no watchdog for the embedded PostgreSQL"),
        }
        Ok(())
    }

    fn spawn_watchdog(&self) -> Result<Child> {
        let tmp = self.tmp_socket_dir.as_deref().unwrap_or(Path::new(""));
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c")
            .arg(WATCHDOG)
            .arg(self.bindir.join("pg_ctl"))
            .arg(&self.pgdata)
            .arg(tmp);
        self.prepare(&mut cmd, true);
        // Own process group: a terminal Ctrl-C must not kill the watchdog.
        cmd.process_group(0)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        Ok(cmd.spawn()?)
    }

    fn ensure_database(&self, db: &str) -> Result<()> {
        let exists = format!(
            "SELECT 1 FROM pg_database WHERE datname = '{}'",
            db.replace('\'', "''")
        );
        if self.psql(&exists)?.trim() == "1" {
            return Ok(());
        }
        self.psql(&format!("CREATE DATABASE \"{}\"", db.replace('"', "\"\"")))
            .with_context(|| format!("cannot create database {db:?}"))?;
        Ok(())
    }

    /// Runs one SQL statement in database `postgres` with psql; returns its output.
    fn psql(&self, sql: &str) -> Result<String> {
        let mut cmd = Command::new(self.psql_bin());
        cmd.args("-X -q -t -A -v ON_ERROR_STOP=1 -U postgres -d postgres -h".split(' '));
        cmd.arg(&self.socket_dir)
            .arg("-p")
            .arg(PORT.to_string())
            .arg("-c")
            .arg(sql);
        self.prepare(&mut cmd, false);
        let out = output(cmd, "psql")?;
        if !out.status.success() {
            bail!("psql failed: {}", text(&out));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// psql from the server's folder (Debian), else from PATH.
    fn psql_bin(&self) -> PathBuf {
        let psql = self.bindir.join("psql");
        if psql.is_file() {
            psql
        } else {
            PathBuf::from("psql")
        }
    }

    fn is_running(&self) -> bool {
        let mut cmd = self.server_cmd("pg_ctl");
        cmd.arg("status").arg("-D").arg(&self.pgdata);
        // Exit code 0: running; 3: not running; 4: no cluster.
        matches!(cmd.output(), Ok(out) if out.status.success())
    }

    fn pg_ctl_stop(&self, mode: &str) -> Result<()> {
        let mut cmd = self.server_cmd("pg_ctl");
        cmd.arg("-D")
            .arg(&self.pgdata)
            .args(["-m", mode, "-w", "-t", "30", "stop"]);
        let out = output(cmd, "pg_ctl stop")?;
        if !out.status.success() {
            bail!("pg_ctl stop -m {mode} failed: {}", text(&out));
        }
        Ok(())
    }

    /// A command for a server binary (initdb, pg_ctl, postgres), run as the
    /// `postgres` user when we are root.
    fn server_cmd(&self, name: &str) -> Command {
        let mut cmd = Command::new(self.bindir.join(name));
        self.prepare(&mut cmd, true);
        cmd
    }

    fn prepare(&self, cmd: &mut Command, as_server: bool) {
        cmd.current_dir(&self.data_dir).stdin(Stdio::null());
        for var in PG_ENV.split(' ') {
            cmd.env_remove(var);
        }
        if as_server && let Some((uid, gid)) = self.run_as {
            // When the parent is root, std calls setgroups(0, NULL) before
            // setuid, so no supplementary group of root is kept (no need for
            // `runuser -u postgres --`).
            cmd.uid(uid).gid(gid);
        }
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            tracing::warn!(error = %e, "cannot stop the embedded PostgreSQL");
        }
    }
}

#[cfg(test)]
mod tests;
