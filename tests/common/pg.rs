//! A throwaway PostgreSQL (PostGIS) cluster for the tests: `initdb` into a temp dir, the server on
//! a free loopback port (as the `postgres` user when the tests run as root, which PostgreSQL
//! refuses), a fresh database with `CREATE EXTENSION postgis` per [`Cluster::database`]. The
//! server is a child of the test process: stopped (fast shutdown) when the cluster is dropped, and
//! by the kernel when the test process exits.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

const BIN: &str = "/usr/lib/postgresql/15/bin";

pub struct Cluster {
    pub port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGINT);
        }
        let _ = self.child.wait();
    }
}

/// What is missing to run PostgreSQL tests, if anything.
pub fn missing() -> Option<String> {
    for tool in ["initdb", "postgres", "psql", "pg_isready"] {
        if !Path::new(BIN).join(tool).exists() {
            return Some(format!("PostgreSQL 15 ({BIN}/{tool}) is missing: apt-get install postgresql-15"));
        }
    }
    if !Path::new("/usr/share/postgresql/15/extension/postgis.control").exists() {
        return Some("PostGIS is missing: apt-get install postgresql-15-postgis-3".into());
    }
    None
}

/// The uid and gid of the `postgres` user (from /etc/passwd) when running as root.
fn run_as() -> Option<(u32, u32)> {
    if unsafe { libc::getuid() } != 0 {
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    let line = passwd.lines().find(|l| l.starts_with("postgres:"))?;
    let f: Vec<&str> = line.split(':').collect();
    Some((f.get(2)?.parse().ok()?, f.get(3)?.parse().ok()?))
}

fn command(tool: &str, user: Option<(u32, u32)>) -> Command {
    let mut cmd = Command::new(PathBuf::from(BIN).join(tool));
    if let Some((uid, gid)) = user {
        std::os::unix::process::CommandExt::gid(&mut cmd, gid);
        std::os::unix::process::CommandExt::uid(&mut cmd, uid);
    }
    cmd
}

impl Cluster {
    /// Starts a cluster; `None` (after `common::skip`) when PostgreSQL or PostGIS is not installed.
    pub fn start() -> Option<Cluster> {
        if let Some(what) = missing() {
            super::skip(&what);
            return None;
        }
        let user = run_as();
        let dir = tempfile::tempdir().unwrap();
        if let Some((uid, gid)) = user {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).unwrap();
        }
        let data = dir.path().join("data");
        let out = command("initdb", user)
            .args(["-D"])
            .arg(&data)
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
            .output()
            .unwrap();
        assert!(out.status.success(), "initdb failed: {}", String::from_utf8_lossy(&out.stderr));
        // postgres cannot be told to pick its own port, so a port picked here may be taken before
        // it binds it: a few tries, each on a new port
        for _ in 0..5 {
            let port = super::free_port();
            let mut cmd = command("postgres", user);
            cmd.arg("-D").arg(&data).args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1"]);
            cmd.arg("-c").arg(format!("unix_socket_directories={}", dir.path().display()));
            cmd.args(["-c", "fsync=off", "-c", "max_connections=200"]);
            cmd.stdout(Stdio::null()).stderr(Stdio::null());
            let mut child = super::spawn_tied(cmd, libc::SIGINT).expect("postgres starts");
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                let ready = Command::new(PathBuf::from(BIN).join("pg_isready"))
                    .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-q"])
                    .status()
                    .is_ok_and(|s| s.success());
                if ready {
                    return Some(Cluster { port, child, _dir: dir });
                }
                // the port picked was taken by another listener before postgres bound it: try another
                if child.try_wait().is_ok_and(|s| s.is_some()) {
                    break;
                }
                assert!(Instant::now() < deadline, "PostgreSQL did not start within 60 s");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        panic!("PostgreSQL did not start on any of 5 ports");
    }

    fn psql(&self, db: &str, sql: &str) {
        let out = Command::new(PathBuf::from(BIN).join("psql"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-qAt"])
            .args(["-d", db, "-c", sql])
            .output()
            .unwrap();
        assert!(out.status.success(), "psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Runs `sql` in database `url`'s database and returns what psql prints (unaligned, tuples only).
    pub fn query(&self, url: &str, sql: &str) -> String {
        let out = Command::new(PathBuf::from(BIN).join("psql"))
            .args(["-v", "ON_ERROR_STOP=1", "-qAt", "-d", url, "-c", sql])
            .output()
            .unwrap();
        assert!(out.status.success(), "psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// A new empty database with PostGIS; its connection URL.
    pub fn database(&self) -> String {
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!("sitrep_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
        self.psql("postgres", &format!("CREATE DATABASE {name}"));
        self.psql(&name, "CREATE EXTENSION postgis");
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

/// The one cluster of this test process (started on first use; `None` when not installed).
pub fn shared() -> Option<&'static Cluster> {
    static CLUSTER: std::sync::OnceLock<Option<Cluster>> = std::sync::OnceLock::new();
    CLUSTER.get_or_init(Cluster::start).as_ref()
}
