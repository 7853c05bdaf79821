//! A loopback TCP proxy that breaks connections on demand: it resets the
//! first connections it accepts (the client's request arrives and is
//! answered with a TCP reset) and relays every later one to the upstream.

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
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(client) = conn else { continue };
                if count.fetch_add(1, Ordering::SeqCst) < resets {
                    // Let the request arrive, then close with it unread:
                    // the kernel answers with a reset.
                    std::thread::sleep(Duration::from_millis(100));
                    drop(client);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                relay(client, server);
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
    let pipe = |mut from: TcpStream, mut to: TcpStream| {
        std::thread::spawn(move || {
            let mut buf = [0u8; 64 * 1024];
            while let Ok(n) = from.read(&mut buf) {
                if n == 0 || to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            let _ = to.shutdown(std::net::Shutdown::Write);
        });
    };
    pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
    pipe(server, client);
}
