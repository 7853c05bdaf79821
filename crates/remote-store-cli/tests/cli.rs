//! End-to-end tests of the `rstore` binary on local and memory stores.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use assert_cmd::cargo::CommandCargoExt;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn rstore(dir: &Path, args: &[&str]) -> Run {
    let out = Command::cargo_bin("rstore")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[track_caller]
fn ok(run: Run) -> String {
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    run.stdout
}

/// Plain HTTP (nginx, read-only) can be read but not listed: `ls` says
/// so before any request, whatever the server would answer for a folder.
#[test]
fn ls_over_plain_http_is_refused_by_capability() {
    let dir = tempfile::tempdir().unwrap();
    let served = std::path::Path::new(&std::env::var("RS_HTTP_DIR").unwrap()).join("cli-ls");
    fs::create_dir_all(&served).unwrap();
    fs::write(served.join("a.txt"), "served").unwrap();
    let endpoint = std::env::var("RS_HTTP_ENDPOINT").unwrap();
    let refused = rstore(dir.path(), &["ls", &format!("{endpoint}/cli-ls")]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(refused.stderr.contains("list"), "{}", refused.stderr);
    assert!(!refused.stderr.contains("permission"), "{}", refused.stderr);
    let read = ok(rstore(
        dir.path(),
        &["cat", &format!("{endpoint}/cli-ls/a.txt")],
    ));
    assert_eq!(read, "served");
}

/// A config with two local stores in separate folders of `dir`.
fn config(dir: &Path) -> String {
    fs::create_dir_all(dir.join("one")).unwrap();
    fs::create_dir_all(dir.join("two")).unwrap();
    let path = dir.join("rstore.toml");
    fs::write(
        &path,
        format!(
            "[backends.one]\ntype = \"local\"\nroot = \"{0}/one\"\n\
             [backends.two]\ntype = \"local\"\nroot = \"${{RSTORE_TEST_TWO:-{0}/two}}\"\n\
             [stores.a]\nbackend = \"one\"\n[stores.b]\nbackend = \"two\"\nroot = \"inbox\"\n",
            dir.display()
        ),
    )
    .unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn put_ls_cat_get_on_local_paths() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("hello.txt"), "hello world\n").unwrap();
    ok(rstore(d, &["put", "hello.txt", "up/"]));
    assert_eq!(ok(rstore(d, &["cat", "up/hello.txt"])), "hello world\n");
    let listing = ok(rstore(d, &["ls", "up"]));
    assert_eq!(listing.trim(), "hello.txt");
    let json = ok(rstore(d, &["ls", "--json", "-r", "."]));
    let entries: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut paths: Vec<_> = entries
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_owned())
        .collect();
    paths.sort();
    assert_eq!(paths, ["hello.txt", "up/hello.txt"]);
    assert!(
        entries
            .iter()
            .all(|e| e["size"] == 12 && e["type"] == "file")
    );
    ok(rstore(d, &["get", "up/hello.txt", "copy.txt"]));
    assert_eq!(
        fs::read_to_string(d.join("copy.txt")).unwrap(),
        "hello world\n"
    );
    let stat = ok(rstore(d, &["stat", "--json", "copy.txt"]));
    let stat: serde_json::Value = serde_json::from_str(stat.trim()).unwrap();
    assert_eq!(stat["content_type"], "text/plain");
}

#[test]
fn config_stores_copy_move_remove() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg = config(d);
    let c = cfg.as_str();
    for i in 0..20 {
        fs::create_dir_all(d.join(format!("src/sub{}", i % 3))).unwrap();
        fs::write(
            d.join(format!("src/sub{}/f{i}.txt", i % 3)),
            format!("file {i}"),
        )
        .unwrap();
    }
    assert_eq!(
        ok(rstore(d, &["--config", c, "stores"]))
            .lines()
            .collect::<Vec<_>>(),
        ["a", "b"]
    );
    ok(rstore(
        d,
        &["--config", c, "cp", "-r", "-j", "3", "src", "a:data"],
    ));
    ok(rstore(d, &["--config", c, "cp", "-r", "a:data", "b:copy"]));
    for i in 0..20 {
        let copied = d.join(format!("two/inbox/copy/sub{}/f{i}.txt", i % 3));
        assert_eq!(fs::read_to_string(copied).unwrap(), format!("file {i}"));
    }
    let du = ok(rstore(d, &["--config", c, "du", "b:copy"]));
    assert!(du.starts_with("130\t20\t"), "{du}");
    ok(rstore(
        d,
        &["--config", c, "mv", "b:copy/sub0/f0.txt", "a:moved.txt"],
    ));
    assert!(!d.join("two/inbox/copy/sub0/f0.txt").exists());
    assert_eq!(
        fs::read_to_string(d.join("one/moved.txt")).unwrap(),
        "file 0"
    );
    ok(rstore(
        d,
        &["--config", c, "mv", "a:moved.txt", "a:again.txt"],
    ));
    assert!(d.join("one/again.txt").exists());
    let refused = rstore(d, &["--config", c, "rm", "b:copy"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    ok(rstore(d, &["--config", c, "rm", "-r", "b:copy"]));
    assert!(!d.join("two/inbox/copy").exists());
    ok(rstore(d, &["--config", c, "rm", "-f", "a:nothing-here"]));
    ok(rstore(d, &["--config", c, "mkdir", "a:empty/dir"]));
    assert!(d.join("one/empty/dir").is_dir());
}

#[test]
fn memory_and_caps() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("x.txt"), "x").unwrap();
    // A memory store lives as long as the command: copying into it works.
    ok(rstore(d, &["cp", "x.txt", "memory:///scratch/x.txt"]));
    assert_eq!(ok(rstore(d, &["ls", "memory://"])), "");
    let caps = ok(rstore(d, &["caps", "--json", "memory://"]));
    let caps: serde_json::Value = serde_json::from_str(caps.trim()).unwrap();
    assert_eq!(caps["backend"], "memory");
    assert!(
        caps["capabilities"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "atomic_write")
    );
    let local = ok(rstore(d, &["caps", "."]));
    assert!(local.lines().any(|l| l == "persistent_folders"), "{local}");
    let refused = rstore(d, &["mkdir", "memory:///m"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("exist only while files are stored"),
        "{}",
        refused.stderr
    );
}

#[test]
fn exit_codes_tell_failures_apart() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg = config(d);
    let c = cfg.as_str();
    // Not found.
    let r = rstore(d, &["cat", "missing.txt"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_eq!(
        r.stderr.lines().count(),
        1,
        "one readable line: {}",
        r.stderr
    );
    assert!(
        r.stderr.starts_with("rstore: local: not found"),
        "{}",
        r.stderr
    );
    // Permission: a link out of a store's root.
    std::os::unix::fs::symlink("/etc", d.join("one/etc-link")).unwrap();
    let r = rstore(d, &["--config", c, "ls", "a:etc-link"]);
    assert_eq!(r.code, 4, "{}", r.stderr);
    // Usage: bad arguments, bad store paths, bad configuration.
    assert_eq!(rstore(d, &["cp", "only-one"]).code, 2);
    assert_eq!(rstore(d, &["--config", c, "cat", "a:../escape"]).code, 2);
    fs::write(d.join("bad.toml"), "[backends.x]\ntype = \"lokal\"\n").unwrap();
    let r = rstore(d, &["--config", "bad.toml", "ls"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("bad.toml: backends.x.type: unknown backend type 'lokal'"),
        "{}",
        r.stderr
    );
    // An SFTP URL without credentials is a configuration error, caught
    // before any connection (or, in a build without SFTP, the message
    // names the feature).
    let r = rstore(d, &["ls", "sftp://me@192.0.2.1/prefix"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("auth: missing") || r.stderr.contains("`sftp` feature"),
        "{}",
        r.stderr
    );
    // Already exists with --no-clobber.
    fs::write(d.join("f.txt"), "1").unwrap();
    fs::write(d.join("g.txt"), "2").unwrap();
    let r = rstore(d, &["cp", "-n", "f.txt", "g.txt"]);
    assert_eq!(r.code, 6, "{}", r.stderr);
    assert_eq!(fs::read_to_string(d.join("g.txt")).unwrap(), "2");
    // -v adds the causes the line does not already say, each once.
    let r = rstore(d, &["-v", "--config", "bad.toml", "ls"]);
    assert_eq!(
        r.stderr.lines().count(),
        1,
        "a cause repeated: {}",
        r.stderr
    );
    fs::write(d.join("broken.toml"), "x = [").unwrap();
    let r = rstore(d, &["-v", "--config", "broken.toml", "ls"]);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert!(
        lines[0].contains("broken.toml: not valid TOML"),
        "{}",
        r.stderr
    );
    assert!(
        lines
            .get(1)
            .is_some_and(|l| l.starts_with("  caused by: ") && l.contains("line 1")),
        "{}",
        r.stderr
    );
    // A file that cannot be read says why on the line itself.
    let r = rstore(d, &["--config", "nope.toml", "ls"]);
    assert!(r.stderr.contains("nope.toml: No such file"), "{}", r.stderr);
}

#[test]
fn config_values_come_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg = config(d);
    fs::create_dir_all(d.join("elsewhere")).unwrap();
    fs::write(d.join("n.txt"), "n").unwrap();
    let out = Command::cargo_bin("rstore")
        .unwrap()
        .current_dir(d)
        .env("RSTORE_TEST_TWO", d.join("elsewhere"))
        .args(["--config", &cfg, "put", "n.txt", "b:n.txt"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(d.join("elsewhere/inbox/n.txt").exists());
}

/// Peak RSS of a running child, read until it exits (Linux).
fn run_measuring_peak_rss(mut cmd: Command) -> (bool, f64) {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0.0f64;
    loop {
        let status = fs::read_to_string(&status_path).unwrap_or_default();
        if let Some(kib) = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            return (status.success(), peak_kib / 1024.0);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_1_gib_copy_between_stores_keeps_memory_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg = config(d);
    // Sparse: 1 GiB of zeros without writing them.
    let big = fs::File::create(d.join("one/big.bin")).unwrap();
    big.set_len(1 << 30).unwrap();
    drop(big);
    let mut cmd = Command::cargo_bin("rstore").unwrap();
    cmd.current_dir(d)
        .args(["--config", &cfg, "cp", "a:big.bin", "b:big.bin"]);
    let (success, peak_mib) = run_measuring_peak_rss(cmd);
    assert!(success);
    assert_eq!(
        fs::metadata(d.join("two/inbox/big.bin")).unwrap().len(),
        1 << 30
    );
    println!("peak RSS of `rstore cp` over 1 GiB: {peak_mib:.1} MiB");
    assert!(
        peak_mib > 0.0 && peak_mib < 48.0,
        "peak RSS {peak_mib:.1} MiB"
    );
}

#[test]
fn the_default_config_follows_os_conventions() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg = config(d);
    fs::create_dir_all(d.join("xdg/remote-store")).unwrap();
    fs::copy(&cfg, d.join("xdg/remote-store/config.toml")).unwrap();
    let out = Command::cargo_bin("rstore")
        .unwrap()
        .current_dir(d)
        .env("XDG_CONFIG_HOME", d.join("xdg"))
        .args(["stores"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "a\nb\n");
}

/// A `#` in a URL is refused with its escape, and nothing is written; the
/// escaped form writes the name as given.
#[test]
fn url_specials_reach_the_name_or_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("src.txt"), "data").unwrap();
    let raw = format!("file://{}/t/report#2.txt", d.display());
    let run = rstore(d, &["put", "src.txt", &raw]);
    assert_eq!(run.code, 2, "stderr: {}", run.stderr);
    assert!(run.stderr.contains("%23"), "{}", run.stderr);
    assert!(!d.join("t").exists(), "nothing may be written");
    let escaped = format!("file://{}/t/report%232.txt", d.display());
    ok(rstore(d, &["put", "src.txt", &escaped]));
    assert_eq!(fs::read(d.join("t/report#2.txt")).unwrap(), b"data");
    assert_eq!(fs::read_dir(d.join("t")).unwrap().count(), 1);
}

/// `${VAR:-default}` takes the default when `VAR` is set but empty, so an
/// empty variable never opens a wider store.
#[test]
fn an_empty_variable_takes_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("data/safe")).unwrap();
    fs::write(d.join("data/outside.txt"), "x").unwrap();
    fs::write(d.join("data/safe/inside.txt"), "y").unwrap();
    let cfg = d.join("c.toml");
    fs::write(
        &cfg,
        format!(
            "[backends.b]\ntype = \"local\"\nroot = \"{}/data/${{SUBDIR:-safe}}\"\n\
             [stores.s]\nbackend = \"b\"\n",
            d.display()
        ),
    )
    .unwrap();
    let out = Command::cargo_bin("rstore")
        .unwrap()
        .current_dir(d)
        .env("SUBDIR", "")
        .args(["--config", cfg.to_str().unwrap(), "ls", "s:"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.trim(), "inside.txt");
}

/// Copying or moving a tree onto itself, into its own subtree, or onto the
/// same folder reached by another name (a config store and a URL) is
/// refused before anything is touched; every file survives.
#[test]
fn overlapping_copies_and_moves_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg = d.join("c.toml");
    fs::write(
        &cfg,
        format!(
            "[backends.b]\ntype = \"local\"\nroot = \"{}\"\n[stores.s]\nbackend = \"b\"\n",
            d.display()
        ),
    )
    .unwrap();
    let c = cfg.to_str().unwrap();
    let files = ["a/one.txt", "a/sub/two.txt", "a/sub/deeper/three.txt"];
    for f in files {
        fs::create_dir_all(d.join(f).parent().unwrap()).unwrap();
        fs::write(d.join(f), f).unwrap();
    }
    std::os::unix::fs::symlink(d.join("a"), d.join("alias")).unwrap();
    let url_a = format!("file://{}/a", d.display());
    let url_one = format!("file://{}/a/one.txt", d.display());
    let cases: Vec<Vec<&str>> = vec![
        vec!["mv", "-r", "a", "a"],
        vec!["mv", "-r", "a", "a/sub/deeper"],
        vec!["mv", "-r", "a/sub", "a"],
        vec!["cp", "-r", "a", "a/sub"],
        vec!["cp", "-r", "a", "a"],
        vec!["--config", c, "mv", "-r", "s:a", &url_a],
        vec!["--config", c, "mv", "s:a/one.txt", &url_one],
        vec!["--config", c, "cp", "s:a/one.txt", &url_one],
        vec!["mv", "a/one.txt", "a/one.txt"],
        vec!["mv", "a/one.txt", "a/"],
        // The same folder through a symbolic link.
        vec!["mv", "-r", "a", "alias/sub"],
        vec!["cp", "-r", "alias", "a/sub"],
    ];
    for args in cases {
        let run = rstore(d, &args);
        assert_eq!(run.code, 2, "{args:?} must be refused: {}", run.stderr);
        assert!(
            run.stderr.contains("same location") || run.stderr.contains("inside the"),
            "{args:?}: {}",
            run.stderr
        );
        for f in files {
            assert_eq!(
                fs::read_to_string(d.join(f)).unwrap(),
                f,
                "{args:?} lost {f}"
            );
        }
    }
    // Siblings with a common prefix are not an overlap.
    ok(rstore(d, &["cp", "-r", "a/sub", "a/sub2"]));
    assert!(d.join("a/sub2/two.txt").exists());
}

/// Names a store cannot address are reported, one by one, and the command
/// fails; everything else is still copied or listed (never exit 0 with
/// files missing).
#[test]
fn unlistable_names_are_reported_and_fail_the_command() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("src")).unwrap();
    fs::write(d.join("src/ok.txt"), "ok").unwrap();
    fs::write(d.join("src/back\\slash.txt"), "b").unwrap();
    fs::write(d.join("src/tab\there.txt"), "t").unwrap();
    fs::write(
        d.join("src")
            .join(std::ffi::OsStr::from_bytes(b"bad\xff.txt")),
        "n",
    )
    .unwrap();
    let run = rstore(d, &["cp", "-r", "src", "dst"]);
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    for name in ["back\\\\slash.txt", "tab\\there.txt", "bad\\xFF.txt"] {
        assert!(
            run.stderr.contains(name),
            "{name} not reported: {}",
            run.stderr
        );
    }
    assert!(
        run.stderr.contains("3 entries could not be listed"),
        "{}",
        run.stderr
    );
    assert_eq!(fs::read_to_string(d.join("dst/ok.txt")).unwrap(), "ok");
    let run = rstore(d, &["ls", "src"]);
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    assert_eq!(run.stdout.trim(), "ok.txt");
    assert!(
        run.stderr.contains("3 entries could not be listed"),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.stderr.matches("tab\\there.txt").count(),
        1,
        "{}",
        run.stderr
    );
    // du totals what it can list, reports the rest, and fails.
    let run = rstore(d, &["du", "src"]);
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    assert!(run.stdout.starts_with("2\t1\t"), "{}", run.stdout);
    assert!(
        run.stderr.contains("3 entries could not be listed"),
        "{}",
        run.stderr
    );
    // mv -r does not delete a source it could not copy whole.
    let run = rstore(d, &["mv", "-r", "src", "moved"]);
    assert_ne!(run.code, 0);
    assert!(d.join("src/back\\slash.txt").exists());
}

/// The uploads moto (the test S3 server) holds for `key`; moto takes
/// unsigned requests.
fn moto_uploads(key: &str) -> bool {
    use std::io::{Read, Write};
    let endpoint =
        std::env::var("RS_S3_ENDPOINT").expect("RS_S3_ENDPOINT (cargo xtask services up)");
    let host = endpoint.trim_start_matches("http://").to_owned();
    let bucket = std::env::var("RS_S3_BUCKET").unwrap();
    let mut conn = std::net::TcpStream::connect(&host).unwrap();
    write!(
        conn,
        "GET /{bucket}?uploads&prefix={key} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    answer.contains("<UploadId>")
}

/// SIGTERM during an upload: rstore aborts the multipart upload, keeps no
/// object, and exits with 130.
#[test]
fn sigterm_mid_upload_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let big = fs::File::create(d.join("big.bin")).unwrap();
    big.set_len(1 << 30).unwrap();
    let cfg = d.join("c.toml");
    fs::write(
        &cfg,
        format!(
            "[backends.s3]\ntype = \"s3\"\nbucket = \"{}\"\nendpoint = \"{}\"\n\
             region = \"us-east-1\"\nallow_http = \"true\"\naccess_key_id = \"test\"\n\
             secret_access_key = \"test\"\n[stores.s]\nbackend = \"s3\"\n",
            std::env::var("RS_S3_BUCKET").unwrap(),
            std::env::var("RS_S3_ENDPOINT").unwrap()
        ),
    )
    .unwrap();
    let key = format!("sigterm-{}/big.bin", std::process::id());
    let mut child = Command::cargo_bin("rstore")
        .unwrap()
        .current_dir(d)
        .args([
            "--config",
            cfg.to_str().unwrap(),
            "put",
            "big.bin",
            &format!("s:{key}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !moto_uploads(&key) {
        assert!(
            std::time::Instant::now() < deadline,
            "the upload never started"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "rstore ended before the signal"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while moto_uploads(&key) {
        assert!(
            std::time::Instant::now() < deadline,
            "the multipart upload was left"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let run = rstore(
        d,
        &[
            "--config",
            cfg.to_str().unwrap(),
            "stat",
            &format!("s:{key}"),
        ],
    );
    assert_eq!(run.code, 3, "the object must not exist: {}", run.stdout);
}

/// `rm -r` refuses `.`, `..` and the root of a store (as `rm` refuses `/`);
/// `--no-preserve-root` empties a whole store. (The file-system root takes
/// the same path as a store root; it is not tried here, for safety.)
#[test]
fn rm_r_preserves_roots() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("data/inner")).unwrap();
    fs::write(d.join("data/keep.txt"), "k").unwrap();
    fs::write(d.join("data/inner/x.txt"), "x").unwrap();
    let cfg = d.join("c.toml");
    fs::write(
        &cfg,
        format!(
            "[backends.b]\ntype = \"local\"\nroot = \"{}/data\"\n[stores.s]\nbackend = \"b\"\n",
            d.display()
        ),
    )
    .unwrap();
    let c = cfg.to_str().unwrap();
    let inner = d.join("data/inner");
    for args in [
        vec!["rm", "-r", "."],
        vec!["rm", "-r", ".."],
        vec!["rm", "-r", "./"],
        vec!["rm", "-rf", "../inner/."],
        vec!["mv", "-r", ".", "../moved"],
        vec!["--config", c, "rm", "-r", "s:"],
        vec!["--config", c, "rm", "-r", "s:/"],
    ] {
        let run = rstore(&inner, &args);
        assert_eq!(run.code, 2, "{args:?} must be refused: {}", run.stderr);
        assert!(
            run.stderr.contains("refusing to"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            inner.join("x.txt").exists() && d.join("data/keep.txt").exists(),
            "{args:?}"
        );
    }
    ok(rstore(
        d,
        &["--config", c, "rm", "-r", "--no-preserve-root", "s:"],
    ));
    assert_eq!(fs::read_dir(d.join("data")).unwrap().count(), 0);
}

/// Locations that would silently mean something else are refused: an
/// unknown store name (a typo), a one-slash `file:/` URL, a URL ending in a
/// bare `?`; `f/.` names a folder, not a file `f`.
#[test]
fn ambiguous_locations_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("src.txt"), "data").unwrap();
    fs::write(d.join("f"), "old").unwrap();
    let one_slash = format!("file:{}/t/x", d.display());
    let bare_q = format!("file://{}/t/x?", d.display());
    for args in [
        vec!["put", "src.txt", "nosuch:foo"],
        vec!["put", "src.txt", one_slash.as_str()],
        vec!["put", "src.txt", bare_q.as_str()],
    ] {
        let run = rstore(d, &args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
    }
    assert_eq!(
        fs::read_dir(d).unwrap().count(),
        2,
        "nothing may be written"
    );
    // `f/.` is the folder `f`: writing into an existing file is refused.
    let run = rstore(d, &["put", "src.txt", "f/."]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert_eq!(fs::read_to_string(d.join("f")).unwrap(), "old");
    ok(rstore(d, &["put", "src.txt", "./nosuch:foo"]));
    assert!(d.join("nosuch:foo").exists());
}

/// A raw `PUT` to moto, as another tool would write the key (moto wants an
/// authorization header but does not check it).
fn moto_put(key_path: &str, body: &str) {
    use std::io::{Read, Write};
    let endpoint = std::env::var("RS_S3_ENDPOINT").unwrap();
    let host = endpoint.trim_start_matches("http://").to_owned();
    let bucket = std::env::var("RS_S3_BUCKET").unwrap();
    let mut conn = std::net::TcpStream::connect(&host).unwrap();
    write!(
        conn,
        "PUT /{bucket}/{key_path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: AWS4-HMAC-SHA256 \
         Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0\r\n\
         x-amz-content-sha256: UNSIGNED-PAYLOAD\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// A one-level `ls` reports subfolders it cannot name, on a local folder
/// and on S3 (where they are key prefixes no file listing of the level
/// shows), once each, and fails; and a URL's secret options never show in
/// a message.
#[test]
fn ls_reports_unlistable_subfolders_and_hides_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("src/sub\\dir")).unwrap();
    fs::write(d.join("src/sub\\dir/inner.txt"), "i").unwrap();
    fs::write(d.join("src/ok.txt"), "ok").unwrap();
    let run = rstore(d, &["ls", "src"]);
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    assert_eq!(run.stdout.trim(), "ok.txt");
    assert_eq!(
        run.stderr.matches("sub\\\\dir").count(),
        1,
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("1 entry could not be listed"),
        "{}",
        run.stderr
    );

    let prefix = format!("ls-folders-{}", std::process::id());
    moto_put(&format!("{prefix}/ok.txt"), "ok");
    moto_put(&format!("{prefix}//double.txt"), "d");
    moto_put(&format!("{prefix}/./dot.txt"), "d");
    let url = |key: &str| {
        format!(
            "s3://{}/{key}?endpoint={}&allow_http=true&region=us-east-1&access_key_id=test&\
             secret_access_key=SEKRET",
            std::env::var("RS_S3_BUCKET").unwrap(),
            std::env::var("RS_S3_ENDPOINT").unwrap()
        )
    };
    let run = rstore(d, &["ls", &url(&prefix)]);
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    assert_eq!(run.stdout.trim(), "ok.txt");
    for entry in ["entry \"/\"", "entry \"./\""] {
        assert_eq!(
            run.stderr.matches(entry).count(),
            1,
            "{entry}: {}",
            run.stderr
        );
    }
    assert!(!run.stderr.contains("SEKRET"), "{}", run.stderr);
    let run = rstore(d, &["stat", &url(&format!("{prefix}/missing"))]);
    assert_ne!(run.code, 0);
    assert!(!run.stderr.contains("SEKRET"), "{}", run.stderr);
    assert!(
        run.stderr.contains("secret_access_key=***"),
        "{}",
        run.stderr
    );
    ok(rstore(d, &["rm", "-r", &url(&prefix)]));
}

/// `mv -r` deletes exactly what it copied: an empty folder (which is not
/// copied on its own) stays at the source, named in a failure, instead of
/// vanishing; folders emptied by the move go.
#[test]
fn mv_r_never_deletes_what_it_did_not_move() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("src/full/deeper")).unwrap();
    fs::create_dir_all(d.join("src/empty")).unwrap();
    fs::write(d.join("src/a.txt"), "a").unwrap();
    fs::write(d.join("src/full/deeper/b.txt"), "b").unwrap();
    let run = rstore(d, &["mv", "-r", "src", "dst"]);
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    assert!(run.stderr.contains("left in place"), "{}", run.stderr);
    assert_eq!(fs::read_to_string(d.join("dst/a.txt")).unwrap(), "a");
    assert_eq!(
        fs::read_to_string(d.join("dst/full/deeper/b.txt")).unwrap(),
        "b"
    );
    assert!(d.join("src/empty").is_dir(), "the empty folder vanished");
    assert!(!d.join("src/a.txt").exists());
    assert!(
        !d.join("src/full").exists(),
        "a folder emptied by the move stays"
    );
    // Without empty folders, the source is gone and the move succeeds.
    fs::remove_dir(d.join("src/empty")).unwrap();
    fs::write(d.join("src/c.txt"), "c").unwrap();
    ok(rstore(d, &["mv", "-r", "src", "dst2"]));
    assert!(!d.join("src").exists());
    assert_eq!(fs::read_to_string(d.join("dst2/c.txt")).unwrap(), "c");
}

#[test]
fn verbose_logs_each_operation_and_layer_flags_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("a.txt"), "hello").unwrap();
    let run = rstore(d, &["-v", "cat", "a.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "hello");
    let read = run
        .stderr
        .lines()
        .find(|l| l.contains("op=\"read\""))
        .unwrap_or_else(|| panic!("no read span in: {}", run.stderr));
    for field in ["backend=\"local\"", "outcome=\"ok\"", "bytes=5", "a.txt"] {
        assert!(read.contains(field), "{field} missing: {read}");
    }
    // Quiet without -v.
    assert_eq!(rstore(d, &["cat", "a.txt"]).stderr, "");

    // A missing file is tried once, whatever --retries says (NotFound is
    // not transient), and the span says so.
    let run = rstore(d, &["-v", "--retries", "5", "cat", "missing.txt"]);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("outcome=\"not_found\""),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("attempts="), "{}", run.stderr);

    for bad in [
        &["--retries", "-1", "ls"][..],
        &["--retries", "many", "ls"],
        &["--timeout", "0", "ls"],
        &["--timeout", "soon", "ls"],
    ] {
        let run = rstore(d, bad);
        assert_eq!(run.code, 2, "{bad:?}: {}", run.stderr);
    }
    // Layer options in a URL are checked like the configuration's.
    let url = format!("file://{}/?retry.attempts=0", d.display());
    let run = rstore(d, &["ls", &url]);
    assert!(run.stderr.contains("retry.attempts"), "{}", run.stderr);
    assert_ne!(run.code, 0);
    let url = format!("file://{}/?retry.attempts=2&timeout.stall=5", d.display());
    assert!(ok(rstore(d, &["ls", &url])).contains("a.txt"));
}

/// `cp -r` goes on past a file it cannot copy: every other file is
/// copied, each failure is shown, and the exit code follows the first
/// failure's kind (6: already exists, under `-n`).
#[test]
fn cp_r_copies_everything_it_can_and_shows_every_failure() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for name in ["one", "two", "three", "four"] {
        fs::create_dir_all(d.join("src/sub")).unwrap();
        fs::write(d.join("src/sub").join(name), name).unwrap();
    }
    fs::create_dir_all(d.join("dst/sub")).unwrap();
    for name in ["one", "three"] {
        fs::write(d.join("dst/sub").join(name), "kept").unwrap();
    }
    let run = rstore(d, &["cp", "-r", "-n", "-j", "2", "src", "dst"]);
    assert_eq!(run.code, 6, "stderr: {}", run.stderr);
    assert!(
        run.stderr.contains("2 files could not be copied") && run.stderr.contains("2 were"),
        "{}",
        run.stderr
    );
    for (name, want) in [
        ("one", "kept"),
        ("two", "two"),
        ("three", "kept"),
        ("four", "four"),
    ] {
        assert_eq!(
            fs::read_to_string(d.join("dst/sub").join(name)).unwrap(),
            want,
            "{name}"
        );
    }
}

/// `rstore sync`: copies what is missing or changed, resumes by running
/// again, plans with --dry-run (text and JSON), deletes extras only with
/// --delete.
#[test]
fn sync_brings_a_folder_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("src/sub")).unwrap();
    fs::write(d.join("src/a.txt"), "a").unwrap();
    fs::write(d.join("src/sub/b.txt"), "b").unwrap();
    ok(rstore(d, &["sync", "src", "dst"]));
    assert_eq!(fs::read_to_string(d.join("dst/sub/b.txt")).unwrap(), "b");
    // Up to date: nothing planned.
    let plan = ok(rstore(d, &["sync", "--dry-run", "--delete", "src", "dst"]));
    assert_eq!(plan.trim(), "", "{plan}");
    fs::write(d.join("src/a.txt"), "a, longer").unwrap();
    fs::write(d.join("dst/extra.txt"), "e").unwrap();
    let plan = ok(rstore(d, &["sync", "--dry-run", "--delete", "src", "dst"]));
    let lines: Vec<&str> = plan.lines().collect();
    assert_eq!(lines.len(), 2, "{plan}");
    assert!(
        lines[0].starts_with("copy ") && lines[0].ends_with("a.txt"),
        "{plan}"
    );
    assert!(
        lines[1].starts_with("delete ") && lines[1].ends_with("extra.txt"),
        "{plan}"
    );
    assert_eq!(fs::read_to_string(d.join("dst/a.txt")).unwrap(), "a");
    // Without --delete the extra stays.
    ok(rstore(d, &["sync", "src", "dst"]));
    assert_eq!(
        fs::read_to_string(d.join("dst/a.txt")).unwrap(),
        "a, longer"
    );
    assert!(d.join("dst/extra.txt").exists());
    let done = ok(rstore(d, &["--json", "sync", "--delete", "src", "dst"]));
    let event: serde_json::Value = serde_json::from_str(done.trim()).unwrap();
    assert_eq!(event["action"], "delete", "{done}");
    assert_eq!(event["dry_run"], false, "{done}");
    assert!(!d.join("dst/extra.txt").exists());
}

/// `--checksum` verifies copies (a file, a tree, a sync) and still
/// refuses what plain copies refuse.
#[test]
fn checksum_verified_copies() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("src/sub")).unwrap();
    fs::write(d.join("src/sub/a.txt"), "a").unwrap();
    fs::write(d.join("src/b.txt"), "").unwrap();
    ok(rstore(d, &["cp", "--checksum", "src/sub/a.txt", "one.txt"]));
    assert_eq!(fs::read_to_string(d.join("one.txt")).unwrap(), "a");
    let r = rstore(d, &["cp", "-n", "--checksum", "src/b.txt", "one.txt"]);
    assert_eq!(r.code, 6, "{}", r.stderr);
    assert_eq!(fs::read_to_string(d.join("one.txt")).unwrap(), "a");
    ok(rstore(d, &["cp", "-r", "--checksum", "src", "tree"]));
    assert_eq!(fs::read_to_string(d.join("tree/sub/a.txt")).unwrap(), "a");
    ok(rstore(d, &["sync", "--checksum", "src", "synced"]));
    assert_eq!(fs::read_to_string(d.join("synced/b.txt")).unwrap(), "");
    let r = rstore(d, &["cp", "--checksum", "src/nope", "x"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
}

/// `sync --dry-run` names files as the locations were written, and
/// refuses a file where a folder belongs.
#[test]
fn sync_plans_speak_in_the_users_terms() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("src/sub")).unwrap();
    fs::write(d.join("src/sub/a.txt"), "a").unwrap();
    let plan = ok(rstore(d, &["sync", "--dry-run", "src", "dst"]));
    assert_eq!(plan.trim(), "copy src/sub/a.txt dst/sub/a.txt", "{plan}");
    let r = rstore(d, &["sync", "src/sub/a.txt", "dst"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("is a file"), "{}", r.stderr);
    fs::write(d.join("file"), "f").unwrap();
    let r = rstore(d, &["sync", "src", "file"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(fs::read_to_string(d.join("file")).unwrap(), "f");
}

#[test]
fn ls_sorts_for_people_and_streams_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Created out of order, so directory order is unlikely to be sorted.
    for name in ["m.txt", "b.txt", "z.txt", "a.txt", "k.txt", "c.txt"] {
        fs::write(d.join(name), "x").unwrap();
    }
    fs::create_dir(d.join("f")).unwrap();
    let listing = ok(rstore(d, &["ls", "."]));
    let names: Vec<&str> = listing.lines().collect();
    assert_eq!(
        names,
        ["a.txt", "b.txt", "c.txt", "f/", "k.txt", "m.txt", "z.txt"]
    );
    let mut unsorted: Vec<String> = ok(rstore(d, &["ls", "-U", "."]))
        .lines()
        .map(str::to_owned)
        .collect();
    unsorted.sort();
    assert_eq!(unsorted, names, "-U shows the same entries");
}

#[test]
fn rm_several_files_answers_each_and_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for name in ["a", "b", "c"] {
        fs::write(d.join(name), "x").unwrap();
    }
    fs::create_dir(d.join("folder")).unwrap();
    let run = rstore(d, &["rm", "a", "missing", "b", "folder", "c"]);
    assert_eq!(
        run.code, 3,
        "not found is the first failure: {}",
        run.stderr
    );
    assert!(run.stderr.contains("missing"), "{}", run.stderr);
    assert!(run.stderr.contains("folder"), "{}", run.stderr);
    assert!(run.stderr.contains("2 of 5"), "{}", run.stderr);
    for gone in ["a", "b", "c"] {
        assert!(!d.join(gone).exists(), "{gone} was not removed");
    }
    assert!(d.join("folder").is_dir(), "a folder went without -r");
    fs::write(d.join("a"), "x").unwrap();
    ok(rstore(d, &["rm", "-f", "a", "missing"]));
    assert!(!d.join("a").exists());
    // -f forgives what is missing, not a folder named as a file.
    fs::write(d.join("a"), "x").unwrap();
    let run = rstore(d, &["rm", "-f", "a", "missing", "folder"]);
    assert_eq!(run.code, 2, "a folder is refused: {}", run.stderr);
    assert!(run.stderr.contains("folder"), "{}", run.stderr);
    assert!(!d.join("a").exists());
}

#[test]
fn completions_are_printed_for_each_shell() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = ok(rstore(dir.path(), &["completions", shell]));
        assert!(script.contains("rstore"), "{shell}");
        assert!(script.contains("sync"), "{shell}: subcommands are in it");
    }
    let run = rstore(dir.path(), &["completions", "tcsh"]);
    assert_eq!(run.code, 2, "an unknown shell is a usage error");
}

#[test]
fn sync_json_names_url_destinations_that_work_again() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("src")).unwrap();
    fs::write(d.join("src/a b?#.txt"), "odd name").unwrap();
    let dst = format!("file://{}/dst?create=true", d.display());
    let json = ok(rstore(d, &["--json", "sync", "src", &dst]));
    let copy: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    let shown = copy["dst"].as_str().unwrap();
    assert!(
        shown.ends_with("?create=true"),
        "the options stay last: {shown}"
    );
    assert_eq!(ok(rstore(d, &["cat", shown])), "odd name", "{shown}");
}

/// A store that cannot delete at all (plain HTTP) fails its own files,
/// and the files of the other stores named in the same `rm` still go.
#[test]
fn rm_goes_on_past_a_store_that_cannot_delete() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let served = std::path::Path::new(&std::env::var("RS_HTTP_DIR").unwrap()).join("cli-rm");
    fs::create_dir_all(&served).unwrap();
    fs::write(served.join("kept.txt"), "served").unwrap();
    fs::write(d.join("local.txt"), "x").unwrap();
    let endpoint = std::env::var("RS_HTTP_ENDPOINT").unwrap();
    let remote = format!("{endpoint}/cli-rm/kept.txt");
    let run = rstore(d, &["rm", &remote, "local.txt"]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("kept.txt"), "{}", run.stderr);
    assert!(!d.join("local.txt").exists(), "the local file stayed");
    assert!(served.join("kept.txt").exists());
}

/// `mv -r` deletes a source only if it is still the version its copy
/// began from: a file rewritten while the move runs (here, after its own
/// copy, while a slow one goes on) is kept, named, and fails the move;
/// the others are moved.
#[test]
fn mv_r_keeps_a_source_rewritten_during_the_move() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let src = d.join("src");
    fs::create_dir_all(&src).unwrap();
    fs::write(src.join("small.txt"), "old").unwrap();
    fs::write(src.join("other.txt"), "other").unwrap();
    // 3 MiB at 1 MiB/s (reads and writes share the limit): the move runs
    // for seconds after the small files were copied.
    fs::write(src.join("slow.bin"), vec![7u8; 3 << 20]).unwrap();
    let url = format!("file://{}?limits.bandwidth=1048576", src.display());
    let child = Command::cargo_bin("rstore")
        .unwrap()
        .current_dir(d)
        .args(["mv", "-r", &url, "out"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !d.join("out/small.txt").exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "small.txt never copied"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    fs::write(src.join("small.txt"), "new, longer").unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("changed after its copy began"), "{stderr}");
    assert_eq!(fs::read(src.join("small.txt")).unwrap(), b"new, longer");
    assert_eq!(fs::read(d.join("out/small.txt")).unwrap(), b"old");
    assert!(!src.join("other.txt").exists(), "other.txt was not moved");
    assert!(!src.join("slow.bin").exists(), "slow.bin was not moved");
    assert_eq!(fs::read(d.join("out/other.txt")).unwrap(), b"other");
}

/// `cat` of a file cut short while it is read exits 1 (the output is not
/// the file), and of a file left alone exits 0 with its bytes.
#[test]
fn cat_fails_when_the_file_changes_while_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = d.join("slow.bin");
    fs::write(&file, vec![7u8; 3 << 20]).unwrap();
    let url =
        |path: &std::path::Path| format!("file://{}?limits.bandwidth=1048576", path.display());
    let whole = Command::cargo_bin("rstore")
        .unwrap()
        .args(["cat", &format!("file://{}", file.display())])
        .output()
        .unwrap();
    assert_eq!(whole.status.code(), Some(0));
    assert_eq!(whole.stdout.len(), 3 << 20);
    // 3 MiB at 1 MiB/s: cut to 1 MiB after the first bytes are out.
    let mut child = Command::cargo_bin("rstore")
        .unwrap()
        .args(["cat", &url(&file)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    fs::OpenOptions::new()
        .write(true)
        .open(&file)
        .unwrap()
        .set_len(1 << 20)
        .unwrap();
    let mut rest = Vec::new();
    std::io::Read::read_to_end(&mut stdout, &mut rest).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("changed while it was read"), "{stderr}");
}
