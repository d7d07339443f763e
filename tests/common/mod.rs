//! Starts the real `sitrep` binary on a free loopback port for integration tests.
#![allow(dead_code)]

pub mod mvt;
pub mod pg;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    pub base: String,
    pub db: PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Kills the server with SIGKILL (no shutdown, no flush) and waits for it.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Resident memory of the server process in KiB (Linux /proc), if readable.
    pub fn rss_kib(&self) -> Option<u64> {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        s.lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }
}

/// News-like text written for the tests (conflict briefs naming towns, provinces and countries),
/// about `bytes` long: sentences vary so that places repeat the way they do in a month of news.
pub fn news_text(bytes: usize, seed: u64) -> String {
    const PLACES: &[&str] = &[
        "Kharkiv",
        "Izium",
        "Kupiansk",
        "Kherson",
        "Zaporizhzhia",
        "Donetsk Oblast",
        "Ukraine",
        "Russia",
        "Goris",
        "Kapan",
        "Syunik Province",
        "Armenia",
        "Azerbaijan",
        "Khan Younis",
        "Rafah",
        "Gaza",
        "Goma",
        "North Kivu",
        "Bunagana",
        "El Fasher",
        "Darfur",
        "Sudan",
        "Bamako",
        "Mali",
        "Mopti",
        "Ouagadougou",
        "Burkina Faso",
        "Aden",
        "Yemen",
        "the Red Sea",
        "Damascus",
        "Syria",
        "Kabul",
    ];
    const FRAMES: &[&str] = &[
        "Shelling was reported near {a} overnight, officials in {b} said.",
        "Aid convoys bound for {a} were held at a checkpoint outside {b} for a third day.",
        "A drone struck a fuel depot in {a}, according to the governor of {b}.",
        "Residents fleeing {a} reached {b} on foot after the road was cut.",
        "Talks between {a} and {b} ended without agreement on the ceasefire line.",
        "Power was restored to parts of {a} after strikes on the grid around {b}.",
    ];
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let mut next = |n: usize| {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((x >> 33) as usize) % n
    };
    let mut out = String::with_capacity(bytes + 200);
    while out.len() < bytes {
        let f = FRAMES[next(FRAMES.len())];
        let s = f.replace("{a}", PLACES[next(PLACES.len())]).replace("{b}", PLACES[next(PLACES.len())]);
        out.push_str(&s);
        out.push(if next(4) == 0 { '\n' } else { ' ' });
    }
    out
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts `sitrep serve` with its own database; `extra` adds flags such as `--no-samples`. The
/// database is a SQLite file, or with `SITREP_TEST_BACKEND=postgres` a fresh database of a
/// throwaway PostgreSQL cluster (see `pg.rs`).
pub fn start(token: Option<&str>, extra: &[&str]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let db = if on_postgres() {
        let cluster = pg::shared().expect("SITREP_TEST_BACKEND=postgres but PostgreSQL is not installed");
        PathBuf::from(cluster.database())
    } else {
        dir.path().join("test.db")
    };
    spawn(db, dir, token, extra)
}

/// Starts `cmd` so that the kernel sends it `signal` when the test process exits. PR_SET_PDEATHSIG
/// fires when the spawning *thread* ends, so the child is spawned from a thread that lives as long
/// as the test process.
pub fn spawn_tied(mut cmd: Command, signal: libc::c_int) -> std::io::Result<Child> {
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, move || {
            libc::prctl(libc::PR_SET_PDEATHSIG, signal);
            Ok(())
        });
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(cmd.spawn());
        loop {
            std::thread::park();
        }
    });
    rx.recv().expect("the spawning thread answers")
}

/// One geoparser on the shipped gazetteer (`data/`, part of every checkout) per test process.
pub fn shipped_parser() -> &'static sitrep::geoparse::Geoparser {
    static G: std::sync::OnceLock<sitrep::geoparse::Geoparser> = std::sync::OnceLock::new();
    G.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data");
        let gaz = sitrep::gazetteer::Gazetteer::load(&dir).expect("the shipped gazetteer loads");
        sitrep::geoparse::Geoparser::new(std::sync::Arc::new(gaz))
    })
}

/// Whether `SITREP_TEST_BACKEND=postgres` asks for servers on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("SITREP_TEST_BACKEND").is_ok_and(|v| v == "postgres")
}

/// Starts `sitrep serve` on an existing database `db`, which the caller keeps.
pub fn start_on(db: &std::path::Path, extra: &[&str]) -> Server {
    spawn(db.to_path_buf(), tempfile::tempdir().unwrap(), None, extra)
}

fn spawn(db: PathBuf, dir: tempfile::TempDir, token: Option<&str>, extra: &[&str]) -> Server {
    // port 0: the kernel picks a port the server holds from the start, and the server names it
    // on stderr ("serving http://ADDR/"). A port picked here and bound later by the server can
    // be handed to another test's listener in between (CI saw "Address already in use").
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sitrep"));
    cmd.arg("serve").arg("--db").arg(&db).arg("--addr").arg("127.0.0.1:0");
    cmd.args(extra);
    cmd.env_remove("SITREP_TOKEN");
    // every answer current, so a test reads its own writes at once (a `--tile-stale-ms` in
    // `extra` overrides it: tests/tiles_http.rs checks the default behaviour)
    cmd.env("SITREP_TILE_STALE_MS", "0");
    if let Some(t) = token {
        cmd.arg("--token").arg(t);
    }
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).stdout(Stdio::null()).stderr(Stdio::piped());
    // Servers kept in a `static` are never dropped: the kernel stops the server when the test
    // process exits, so no test run leaves a server behind.
    let mut child = spawn_tied(cmd, libc::SIGTERM).expect("sitrep starts");
    // the server's stderr goes on to the test's stderr, line by line; the line naming the
    // address it listens on is also sent back here
    let stderr = child.stderr.take().unwrap();
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::{BufRead, Write};
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split_once("serving http://").map(|(_, r)| r) {
                let addr: String = rest.chars().take_while(|c| *c != '/').collect();
                let _ = addr_tx.send(addr);
            }
            let _ = writeln!(std::io::stderr(), "{line}");
        }
    });
    let mut server = Server { base: String::new(), db, child, _dir: dir };
    let deadline = Instant::now() + Duration::from_secs(120);
    let addr = loop {
        match addr_rx.recv_timeout(Duration::from_millis(200)) {
            Ok(addr) => break addr,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                let _ = server.child.wait();
            }
        }
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!("sitrep serve exited before answering /health ({status}); its stderr is above");
        }
        assert!(Instant::now() < deadline, "sitrep did not start listening within 120 s");
    };
    let base = format!("http://{addr}");
    server.base = base.clone();
    let client = reqwest::blocking::Client::new();
    loop {
        if let Ok(r) = client.get(format!("{base}/health")).send() {
            if r.status().is_success() {
                return server;
            }
        }
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!("sitrep serve exited before answering /health ({status}); its stderr is above");
        }
        assert!(Instant::now() < deadline, "sitrep did not answer /health within 120 s");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A test's optional dependency (../shared, GDAL, a Python package) is missing: skip with a note,
/// unless `SITREP_REQUIRE_ALL=1` (set by `.ci/run`, where everything is installed), where a
/// missing dependency is a failure instead of a silent skip.
pub fn skip(what: &str) {
    if std::env::var("SITREP_REQUIRE_ALL").is_ok_and(|v| v == "1") {
        panic!("SITREP_REQUIRE_ALL=1 but {what}: install it (see .ci/run)");
    }
    eprintln!("skipping: {what}");
}

pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().timeout(Duration::from_secs(60)).build().unwrap()
}

/// The seed article from ../shared when present (never copied into the project).
pub fn seed_article() -> Option<String> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/seed/border-incident-article.txt");
    std::fs::read_to_string(p).ok()
}

/// The XYZ tile holding a lon/lat position at zoom `z` (Web Mercator).
#[allow(dead_code)] // not every test binary draws tiles
pub fn tile_of(lon: f64, lat: f64, z: u8) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n).floor() as u32;
    let lat = lat.to_radians();
    let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor() as u32;
    (x, y)
}

/// Polls `ready` every 50 ms for up to `limit`; how long it took to become true, `None` if it
/// did not.
pub fn within(limit: Duration, mut ready: impl FnMut() -> bool) -> Option<Duration> {
    let t = Instant::now();
    loop {
        if ready() {
            return Some(t.elapsed());
        }
        if t.elapsed() >= limit {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Subscribes to a server-sent event stream (`/api/events`); its lines arrive on the receiver.
/// Returns once the subscription is open, so nothing sent after the call is missed.
pub fn listen(url: &str) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead;
    let r = reqwest::blocking::Client::new().get(url).send().unwrap();
    assert!(r.status().is_success(), "GET {url}: {}", r.status());
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(r).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

/// Waits up to `limit` for an event named `name` whose data line contains `needle`.
pub fn await_event(rx: &std::sync::mpsc::Receiver<String>, name: &str, needle: &str, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    let mut current = String::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(line) => {
                if let Some(ev) = line.strip_prefix("event:") {
                    current = ev.trim().to_string();
                } else if line.starts_with("data:") && current == name && line.contains(needle) {
                    return true;
                }
            }
            Err(_) => return false,
        }
    }
    false
}
