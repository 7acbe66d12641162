//! The servers under test: demo processes on loopback ports, and a throw-away
//! PostgreSQL cluster the tool can stop and start.

use crate::http::Conn;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Refuses anything but a loopback host: the tool only ever loads the
/// machine it runs on.
pub fn require_loopback(what: &str, host: &str) -> Result<(), String> {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    if matches!(h, "127.0.0.1" | "localhost" | "::1") {
        Ok(())
    } else {
        Err(format!(
            "{what}: host `{host}` is not loopback (127.0.0.1, localhost or ::1)"
        ))
    }
}

/// The host of `scheme://[user@]host[:port][/...]`.
pub fn url_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(v6) = hostport.strip_prefix('[') {
        return v6.split_once(']').map(|(h, _)| h);
    }
    Some(hostport.split(':').next().unwrap_or(hostport))
}

/// The port of `http://host:port`, 80 when absent.
pub fn url_port(url: &str) -> Option<u16> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    match authority.rsplit_once(':') {
        Some((_, p)) if !p.ends_with(']') => p.parse().ok(),
        _ => Some(80),
    }
}

/// A port nobody listens on right now (bound and released: a tiny race the
/// tool accepts, as the browser harness does).
pub fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// One server the clients talk to.
#[derive(Clone, Debug)]
pub struct Target {
    /// Where to connect.
    pub addr: SocketAddr,
    /// `http://localhost:PORT`: the origin the page would have.
    pub origin: String,
}

impl Target {
    /// The target for a loopback base URL.
    pub fn from_url(url: &str) -> Result<Target, String> {
        let host = url_host(url).ok_or_else(|| format!("--url {url}: not a URL"))?;
        require_loopback("--url", host)?;
        let port = url_port(url).ok_or_else(|| format!("--url {url}: bad port"))?;
        let ip = if host == "::1" { "[::1]" } else { "127.0.0.1" };
        let addr = format!("{ip}:{port}")
            .parse()
            .map_err(|e| format!("--url {url}: {e}"))?;
        Ok(Target {
            addr,
            origin: format!("http://localhost:{port}"),
        })
    }

    /// A connection to this server.
    pub fn conn(&self) -> Conn {
        let host = self.origin.trim_start_matches("http://").to_owned();
        Conn::new(self.addr, host)
    }
}

/// A demo process, killed when dropped.
pub struct Demo {
    child: Child,
    pub target: Target,
    pub log: PathBuf,
}

impl Demo {
    /// The process id (for /proc/PID/fd).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `bin` on `port` with `database_url`, accepting `origins`, and
/// waits (at most 60 s) until `GET /api/state` answers 200.
pub async fn start_demo(
    bin: &Path,
    port: u16,
    origins: &[String],
    database_url: &str,
    secret: &str,
    log_dir: &Path,
) -> Result<Demo, String> {
    let log = log_dir.join(format!("demo-{port}.log"));
    let out = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    let mut cmd = Command::new(bin);
    cmd.args([
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--rp-id",
        "localhost",
    ])
    .args(["--database-url", database_url])
    .args(["--enumeration-secret", secret]);
    for o in origins {
        cmd.args(["--origin", o]);
    }
    // The flags say everything; the operator's environment must not.
    for var in ["DATABASE_URL", "ORIGINS", "RP_ID", "LISTEN", "ADMIN_USERS"] {
        cmd.env_remove(var);
    }
    let child = cmd
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let target = Target {
        addr: SocketAddr::from(([127, 0, 0, 1], port)),
        origin: format!("http://localhost:{port}"),
    };
    let mut demo = Demo { child, target, log };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(Some(status)) = demo.child.try_wait() {
            return Err(format!(
                "demo on port {port} exited ({status}); log: {}",
                demo.log.display()
            ));
        }
        let mut c = demo.target.conn();
        if let Ok(r) = c
            .request("GET", "/api/state", &[], b"", Duration::from_secs(2))
            .await
            && r.status == 200
        {
            return Ok(demo);
        }
        if Instant::now() > deadline {
            return Err(format!(
                "demo on port {port} did not answer in 60 s; log: {}",
                demo.log.display()
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One demo on a free loopback port, on `database`, its log in `dir`: what
/// every single-server mode starts with.
pub async fn start_one_demo(bin: &Path, dir: &Path, database: &str) -> Result<Demo, String> {
    if !bin.is_file() {
        return Err(format!("no demo binary at {}", bin.display()));
    }
    let port = free_port()?;
    let origin = format!("http://localhost:{port}");
    start_demo(bin, port, &[origin], database, &random_hex(32), dir).await
}

/// A fresh temp directory under /tmp for logs and the SQLite file.
pub fn temp_dir(label: &str) -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("relypass-loadtest-{label}-{}", random_hex(6)));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

/// `n` random bytes as hex.
pub fn random_hex(n: usize) -> String {
    random_bytes(n).iter().map(|b| format!("{b:02x}")).collect()
}

/// `n` random bytes from the OS (zeros if it has none: names then repeat,
/// which the run reports as failed sign-ups rather than hiding).
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    let _ = getrandom::fill(&mut v);
    v
}

/// Open file descriptors of a process (Linux /proc), if readable.
pub fn fd_count(pid: u32) -> Option<usize> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .ok()
        .map(|d| d.count())
}

/// The machine's 1/5/15-minute load averages, as /proc/loadavg has them.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "n/a".into())
}

/// A throw-away PostgreSQL cluster in a temp directory on 127.0.0.1 (as
/// `.ci/with-postgres.sh` makes one), which `outage` stops and restarts.
/// Stopped and removed when dropped.
pub struct Postgres {
    pg_ctl: PathBuf,
    dir: PathBuf,
    data: PathBuf,
    port: u16,
    /// `runuser -u postgres --` when running as root (PostgreSQL refuses root).
    as_user: Option<String>,
    /// Whether the tool made the cluster (and so removes it).
    owned: bool,
}

impl Postgres {
    /// initdb + start, on a free port.
    pub fn create() -> Result<Postgres, String> {
        let initdb = find_pg_bin("initdb")?;
        let pg_ctl = initdb.with_file_name("pg_ctl");
        let dir = temp_dir("pg")?;
        let as_user = running_as_root().then(pg_user);
        if let Some(u) = &as_user {
            run(Command::new("chown").args([u.as_str(), &dir.to_string_lossy()]))?;
        }
        let data = dir.join("data");
        let port = free_port()?;
        let pg = Postgres {
            pg_ctl,
            dir,
            data,
            port,
            as_user,
            owned: true,
        };
        let mut init = pg.command(&initdb);
        init.arg("-D")
            .arg(&pg.data)
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8"])
            .args(["--no-sync", "--no-instructions"]);
        run(&mut init)?;
        pg.start()?;
        Ok(pg)
    }

    /// An existing cluster (`--pgdata`, `--pg-ctl`) listening on `port`;
    /// left in place when dropped.
    pub fn existing(pg_ctl: PathBuf, data: PathBuf, port: u16) -> Postgres {
        Postgres {
            pg_ctl,
            dir: data.clone(),
            data,
            port,
            as_user: running_as_root().then(pg_user),
            owned: false,
        }
    }

    fn command(&self, bin: &Path) -> Command {
        match &self.as_user {
            Some(u) => {
                let mut c = Command::new("runuser");
                c.args(["-u", u, "--"]).arg(bin);
                c
            }
            None => Command::new(bin),
        }
    }

    /// The database URL.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// `pg_ctl start`, waiting until it accepts connections.
    pub fn start(&self) -> Result<(), String> {
        let mut c = self.command(&self.pg_ctl);
        c.arg("-D").arg(&self.data);
        if self.owned {
            let opts = format!(
                "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync=off -c synchronous_commit=off",
                self.port,
                self.dir.display()
            );
            c.arg("-l")
                .arg(self.dir.join("postgres.log"))
                .args(["-o", &opts]);
        }
        c.args(["-w", "-t", "60", "start"]);
        run(&mut c)
    }

    /// `pg_ctl stop -m immediate`: the database vanishes as in a crash.
    pub fn stop_immediate(&self) -> Result<(), String> {
        let mut c = self.command(&self.pg_ctl);
        c.arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "-w", "stop"]);
        run(&mut c)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if self.owned {
            let mut c = self.command(&self.pg_ctl);
            c.arg("-D")
                .arg(&self.data)
                .args(["-m", "fast", "-w", "stop"]);
            let _ = c.stdout(Stdio::null()).stderr(Stdio::null()).status();
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn pg_user() -> String {
    let has_postgres = Command::new("id")
        .args(["-u", "postgres"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if has_postgres { "postgres" } else { "nobody" }.to_owned()
}

/// `name` on PATH, else the newest /usr/lib/postgresql/*/bin/`name`.
fn find_pg_bin(name: &str) -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    }) {
        return Ok(p);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| format!("{name} not found (install PostgreSQL)"))?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("bin").join(name))
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    found
        .pop()
        .ok_or_else(|| format!("{name} not found (install PostgreSQL)"))
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}
