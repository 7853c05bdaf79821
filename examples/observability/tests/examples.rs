//! Both examples run, and export what the layers observed.

use std::process::Command;

fn run(bin: &str) -> String {
    let out = Command::new(bin).output().expect("the example runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{bin}: {stderr}");
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

#[test]
fn spans_reach_the_opentelemetry_exporter() {
    let out = run(env!("CARGO_BIN_EXE_otel"));
    assert!(out.contains("read 13 bytes"), "{out}");
    assert!(out.contains("q2: not found"), "{out}");
    // One exported span per operation, with the layer's attributes.
    for expected in [
        "Name         : remote_store",
        "op: String(Owned(\"write\"))",
        "op: String(Owned(\"read_bytes\"))",
        "bytes: I64(13)",
        "outcome: String(Owned(\"not_found\"))",
        "backend: String(Owned(\"memory\"))",
        "op: String(Owned(\"list_files\"))",
        "Status       : Error",
    ] {
        assert!(out.contains(expected), "{expected} missing from:\n{out}");
    }
}

#[test]
fn metrics_reach_the_prometheus_endpoint() {
    let out = run(env!("CARGO_BIN_EXE_prometheus"));
    for expected in [
        "remote_store_operations_total{backend=\"memory\",op=\"write\",outcome=\"ok\"} 3",
        "remote_store_operations_total{backend=\"memory\",op=\"read_bytes\",outcome=\"not_found\"} 1",
        "remote_store_errors_total{backend=\"memory\",op=\"read_bytes\",kind=\"not_found\"} 1",
        "remote_store_bytes_total{backend=\"memory\",op=\"write\"} 3072",
        "remote_store_operation_duration_seconds",
        "# HELP remote_store_bytes_total File content read or written",
    ] {
        assert!(out.contains(expected), "{expected} missing from:\n{out}");
    }
}
