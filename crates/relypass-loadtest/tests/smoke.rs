//! A short `load` run against the debug demo binary: 4 clients for 3 s on a
//! fresh SQLite file, every sign-up signing in again, no 5xx. Skipped (with a
//! message) when the demo has not been built: `cargo build -p relypass-demo`.

use std::path::PathBuf;
use std::process::Command;

#[test]
fn load_smoke_run_against_the_sqlite_demo() {
    let demo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/debug/relypass-demo");
    if !demo.is_file() {
        eprintln!(
            "skipped: no demo binary at {} (cargo build -p relypass-demo)",
            demo.display()
        );
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_loadtest"))
        .args(["load", "--clients", "4", "--duration", "3", "--bin"])
        .arg(&demo)
        .output()
        .expect("loadtest runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "loadtest failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("| SQLite, 1 server | 4 |"), "{stdout}");
}

#[test]
fn refuses_a_host_that_is_not_loopback() {
    let out = Command::new(env!("CARGO_BIN_EXE_loadtest"))
        .args(["load", "--url", "http://192.0.2.1:8080", "--duration", "1"])
        .output()
        .expect("loadtest runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not loopback"));
}
