//! What the embedded cluster needs from the machine: the server binaries,
//! the postgres user when run as root, folders it can use, and running
//! commands.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use anyhow::{Context, Result, anyhow, bail};

use super::{MAX_SOCKET_PATH, PORT, SERVER_BINARIES};

/// Finds the folder holding `initdb`, `pg_ctl` and `postgres`: first a PATH
/// folder holding all three (symlinks resolved, so the other tools come from
/// the same install), then `pg_config --bindir`, then the highest
/// `/usr/lib/postgresql/*/bin`. The error says where it looked and what to do.
pub fn find_bindir() -> Result<PathBuf> {
    let has_all = |dir: &Path| SERVER_BINARIES.iter().all(|b| dir.join(b).is_file());
    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        // Symlinks (e.g. /usr/local/bin/initdb) resolve to the real install folder.
        let real = dir.join("initdb").canonicalize().ok();
        if has_all(&dir)
            && let Some(real) = real.as_deref().and_then(Path::parent)
            && has_all(real)
        {
            return Ok(real.to_path_buf());
        }
    }
    if let Ok(out) = Command::new("pg_config")
        .arg("--bindir")
        .stderr(Stdio::null())
        .output()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && dir.is_absolute() && has_all(&dir) {
            return Ok(dir.canonicalize().unwrap_or(dir));
        }
    }
    let mut versions: Vec<(Vec<u32>, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let version = name
                .split('.')
                .map(str::parse::<u32>)
                .collect::<Result<Vec<u32>, _>>()
                .ok()?;
            let bin = entry.path().join("bin");
            has_all(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    bail!(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found: looked in every PATH folder, \
         in `pg_config --bindir` and in /usr/lib/postgresql/*/bin. Either install PostgreSQL \
         (`apt-get install postgresql` on Debian/Ubuntu, or your distribution's PostgreSQL server package, \
         e.g. `dnf install postgresql-server`), or set DATABASE_URL to an existing PostgreSQL server."
    )
}

/// The `postgres` system user's (uid, gid) when running as root, else None.
pub(super) fn postgres_user_if_root() -> Result<Option<(u32, u32)>> {
    if !nix::unistd::geteuid().is_root() {
        return Ok(None);
    }
    match nix::unistd::User::from_name("postgres") {
        Ok(Some(user)) => Ok(Some((user.uid.as_raw(), user.gid.as_raw()))),
        _ => bail!(
            "running as root, but PostgreSQL refuses to run as root and there is no `postgres` system user \
             to run it as. Install PostgreSQL (`apt-get install postgresql` creates that user), run Vigie \
             as a normal user, or set DATABASE_URL to an existing PostgreSQL server."
        ),
    }
}

/// Checks that `uid`/`gid` (without supplementary groups) can enter every parent of `dir`.
pub(super) fn check_traversable(dir: &Path, uid: u32, gid: u32) -> Result<()> {
    for parent in dir.ancestors().skip(1) {
        let meta =
            fs::metadata(parent).with_context(|| format!("cannot inspect {}", parent.display()))?;
        let mode = meta.mode();
        let ok = mode & 0o001 != 0
            || (meta.uid() == uid && mode & 0o100 != 0)
            || (meta.gid() == gid && mode & 0o010 != 0);
        if !ok {
            bail!(
                "the postgres system user cannot enter {} (needed to reach the data folder {}). \
                 Choose a DATA_DIR under /var/lib (e.g. /var/lib/vigie) or /tmp, or allow it with `chmod o+x {}`.",
                parent.display(),
                dir.display(),
                parent.display()
            );
        }
    }
    Ok(())
}

/// Whether `dir/.s.PGSQL.5432` fits in a unix socket address and libpq can name `dir`.
pub(super) fn usable_socket_dir(dir: &Path) -> bool {
    let len = dir.as_os_str().len() + format!("/.s.PGSQL.{PORT}").len();
    len <= MAX_SOCKET_PATH && !dir.to_string_lossy().contains(',')
}

pub(super) fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Percent-encodes everything but unreserved characters (and `/` if `keep_slash`).
pub(super) fn percent_encode(s: &str, keep_slash: bool) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            b'/' if keep_slash => "/".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub(super) fn output(mut cmd: Command, what: &str) -> Result<Output> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    cmd.output()
        .with_context(|| format!("cannot run {what} ({program})"))
}

pub(super) fn text(out: &Output) -> String {
    let mut s = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let err = String::from_utf8_lossy(&out.stderr);
    if !err.trim().is_empty() {
        s.push('\n');
        s.push_str(err.trim());
    }
    s
}

pub(super) fn log_tail(log: &Path, lines: usize) -> String {
    let content = fs::read(log).unwrap_or_default();
    let content = String::from_utf8_lossy(&content);
    let all: Vec<&str> = content.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Makes the data folder and its `pgdata` and `run` folders (owned by the
/// server's user when started as root); returns them, canonical.
pub(super) fn prepare_dirs(
    data_dir: &Path,
    run_as: Option<(u32, u32)>,
) -> Result<(PathBuf, PathBuf, PathBuf)> {
    fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create data folder {}", data_dir.display()))?;
    let data_dir = data_dir
        .canonicalize()
        .with_context(|| format!("cannot resolve data folder {}", data_dir.display()))?;
    let path_str = data_dir
        .to_str()
        .ok_or_else(|| anyhow!("data folder path is not UTF-8"))?;
    // pg_ctl builds a shell command with the data and log paths in double quotes.
    if path_str.contains(['"', '$', '`', '\\', '\n']) {
        bail!(
            "data folder {path_str} contains a character (\" $ ` \\ or newline) PostgreSQL tools cannot handle; choose another DATA_DIR"
        );
    }
    // Evidence lives here by default: no other local account may look in.
    fs::set_permissions(&data_dir, fs::Permissions::from_mode(0o700))?;
    let pgdata = data_dir.join("pgdata");
    let run_dir = data_dir.join("run");
    for dir in [&pgdata, &run_dir] {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    fs::set_permissions(&run_dir, fs::Permissions::from_mode(0o700))?;
    let log = data_dir.join("postgres.log");
    if let Some((uid, gid)) = run_as {
        for path in [&data_dir, &pgdata, &run_dir, &log] {
            if path.exists() {
                std::os::unix::fs::chown(path, Some(uid), Some(gid)).with_context(|| {
                    format!("cannot give {} to the postgres user", path.display())
                })?;
            }
        }
        check_traversable(&data_dir, uid, gid)?;
    }
    Ok((data_dir, pgdata, run_dir))
}

/// The socket folder: `run_dir`, or a private one under /tmp when its path
/// is too long for a unix socket (returned second, to remove at the end).
pub(super) fn socket_dir(
    run_dir: PathBuf,
    run_as: Option<(u32, u32)>,
) -> Result<(PathBuf, Option<PathBuf>)> {
    if usable_socket_dir(&run_dir) {
        return Ok((run_dir, None));
    }
    // Too long for a unix socket (or has a comma, which libpq reads as a host list).
    let dir = PathBuf::from(format!("/tmp/vigie-pg-{:016x}", rand::random::<u64>()));
    fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))?;
    if let Some((uid, gid)) = run_as {
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid))?;
    }
    Ok((dir.clone(), Some(dir)))
}
