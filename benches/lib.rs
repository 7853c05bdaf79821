//! Helpers shared by the benchmarks in `benches/`; `cargo xtask bench` runs
//! them and writes `docs/benchmarks.md`.

/// Peak resident set of this process since the last
/// [`reset_peak_rss`], in MiB (Linux; NaN elsewhere).
pub fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Resets the peak resident set to the current one.
pub fn reset_peak_rss() {
    // "5" resets VmHWM to the current RSS (Linux >= 4.0).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A loopback server setting: from the environment (`cargo xtask bench`
/// sets it), else from the file `cargo xtask services up` writes.
///
/// # Panics
/// When neither has it: the servers are not up.
pub fn service_var(name: &str) -> String {
    if let Ok(v) = std::env::var(name) {
        return v;
    }
    let home = std::env::var("HOME").unwrap_or_default();
    let file = format!("{home}/.cache/remote-store/services/run/services.env");
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}=")).map(str::to_owned))
        .unwrap_or_else(|| panic!("{name}: run `cargo xtask services up` first"))
}

/// CPU time (user + system, all threads) this process has used, from
/// `/proc/self/stat` (Linux; zero elsewhere). Ticks are `USER_HZ`, which
/// Linux fixes at 100 for user space.
pub fn process_cpu() -> std::time::Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) in parentheses;
    // utime and stime are fields 14 and 15, i.e. 12th and 13th after it.
    let ticks: u64 = stat
        .rsplit_once(')')
        .map(|(_, rest)| {
            rest.split_whitespace()
                .skip(11)
                .take(2)
                .filter_map(|t| t.parse::<u64>().ok())
                .sum()
        })
        .unwrap_or(0);
    std::time::Duration::from_millis(ticks * 10)
}

/// A number from the environment variable `name`, else `default`.
pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The median of `values` (the upper one of an even count).
///
/// # Panics
/// When `values` is empty.
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The median of per-round ratios and their range, as `1.02× (0.95–1.10)`.
pub fn ratio_spread(ratios: Vec<f64>) -> String {
    let (lo, hi) = ratios
        .iter()
        .fold((f64::MAX, 0.0f64), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    format!("{:.2}× ({lo:.2}–{hi:.2})", median(ratios))
}

/// A loopback TCP relay to `upstream` (`host:port`) that delays every
/// byte by `one_way` in each direction without limiting throughput (each
/// chunk is due `one_way` after it arrived): a long link, for benchmarks
/// of what latency does to a transfer. Returns the port it listens on,
/// on 127.0.0.1; its threads live as long as the process.
///
/// # Panics
/// When it cannot listen.
pub fn delay_relay(upstream: &str, one_way: std::time::Duration) -> u16 {
    use std::net::{TcpListener, TcpStream};
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener.local_addr().expect("its address").port();
    let upstream = upstream.to_owned();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(&upstream) else {
                continue;
            };
            let (Ok(client_out), Ok(server_out)) = (client.try_clone(), server.try_clone()) else {
                continue;
            };
            delayed_pipe(client, server_out, one_way);
            delayed_pipe(server, client_out, one_way);
        }
    });
    port
}

/// Copies `from` to `to`, each chunk written `delay` after it was read: a
/// reader thread and a writer thread joined by a channel.
fn delayed_pipe(
    mut from: std::net::TcpStream,
    mut to: std::net::TcpStream,
    delay: std::time::Duration,
) {
    use std::io::{Read, Write};
    use std::time::Instant;
    let _ = to.set_nodelay(true);
    let (tx, rx) = std::sync::mpsc::channel::<(Instant, Vec<u8>)>();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx
                        .send((Instant::now() + delay, buf[..n].to_vec()))
                        .is_err()
                    {
                        break;
                    }
                }
            }
        }
    });
    std::thread::spawn(move || {
        for (due, chunk) in rx {
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
            if to.write_all(&chunk).is_err() {
                break;
            }
        }
        let _ = to.shutdown(std::net::Shutdown::Write);
    });
}
