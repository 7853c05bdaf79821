//! A loopback TCP proxy that breaks connections on demand: it resets the
//! first connections it accepts (the client's request arrives and is
//! answered with a TCP reset), or lets the first connections stall (one
//! direction stops moving bytes, the connection stays open), and relays
//! every later one to the upstream.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A running proxy (its threads live as long as the test process).
pub(crate) struct Proxy {
    /// The port it listens on, on 127.0.0.1.
    pub(crate) port: u16,
    accepted: Arc<AtomicUsize>,
}

impl Proxy {
    /// A proxy to `upstream` (`host:port`) that resets the first `resets`
    /// connections.
    pub(crate) fn resetting(upstream: String, resets: usize) -> Proxy {
        Proxy::serve(move |client, nth| {
            if nth < resets {
                // Let the request arrive, then close with it unread: the
                // kernel answers with a reset.
                std::thread::sleep(Duration::from_millis(100));
                drop(client);
                return;
            }
            if let Ok(server) = TcpStream::connect(&upstream) {
                relay(client, server);
            }
        })
    }

    /// A proxy to `upstream` whose first `stalls` connections stop moving
    /// bytes in one direction after `after` bytes (`download`: from the
    /// server; else to it), and stay open.
    pub(crate) fn stalling(upstream: String, stalls: usize, after: usize, download: bool) -> Proxy {
        Proxy::serve(move |client, nth| {
            let Ok(server) = TcpStream::connect(&upstream) else {
                return;
            };
            let limit = (nth < stalls).then_some(after);
            let (down, up) = match download {
                true => (limit, None),
                false => (None, limit),
            };
            pipe(client.try_clone().unwrap(), server.try_clone().unwrap(), up);
            pipe(server, client, down);
        })
    }

    /// Listens on a loopback port and hands each connection, with its
    /// number (from 0), to `handle`.
    fn serve(handle: impl Fn(TcpStream, usize) + Send + 'static) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(client) = conn else { continue };
                handle(client, count.fetch_add(1, Ordering::SeqCst));
            }
        });
        Proxy { port, accepted }
    }

    /// Connections accepted so far, the reset ones included.
    pub(crate) fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

fn relay(client: TcpStream, server: TcpStream) {
    pipe(
        client.try_clone().unwrap(),
        server.try_clone().unwrap(),
        None,
    );
    pipe(server, client, None);
}

/// Copies `from` to `to` on a thread of its own; with `stall_after`, stops
/// after that many bytes (`Some(0)`: before the first) and holds both ends
/// open, moving nothing.
fn pipe(mut from: TcpStream, mut to: TcpStream, stall_after: Option<usize>) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 64 * 1024];
        let mut moved = 0;
        loop {
            if stall_after.is_some_and(|limit| moved >= limit) {
                // Stalled: hold the connection, move nothing, until the
                // receiving side closes (or a minute passes).
                let started = std::time::Instant::now();
                let mut sink = [0u8; 1];
                while started.elapsed() < Duration::from_secs(60)
                    && to.peek(&mut sink).is_ok_and(|n| n > 0)
                {
                    std::thread::sleep(Duration::from_millis(50));
                }
                return;
            }
            let Ok(n) = from.read(&mut buf) else { break };
            let n = match stall_after {
                Some(limit) => n.min(limit - moved),
                None => n,
            };
            if n == 0 || to.write_all(&buf[..n]).is_err() {
                break;
            }
            moved += n;
        }
        let _ = to.shutdown(std::net::Shutdown::Write);
    });
}
