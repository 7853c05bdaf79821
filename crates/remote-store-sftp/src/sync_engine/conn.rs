//! One libssh2 connection (TCP, handshake, host key, authentication, SFTP
//! channel) and the small set of them a backend shares between callers.

use std::net::{TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use remote_store_core::{Error, ErrorKind, Result};
use ssh2::{ErrorCode, MethodType, Session, Sftp};

use crate::Settings;
use crate::config::Auth;
use crate::status::{self, auth_error, connection_error, status_error};

/// libssh2 session error codes that mean bad credentials, not a broken link.
const AUTHENTICATION_FAILED: i32 = -18;
const PUBLICKEY_UNVERIFIED: i32 = -19;
/// libssh2 could not read the key file.
const FILE: i32 = -16;

/// A live connection. libssh2 serializes calls on one session, so several
/// callers may share it; each holds an `Arc` while it streams.
pub(crate) struct Conn {
    pub(crate) sftp: Sftp,
    session: Session,
    broken: AtomicBool,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("broken", &self.broken)
            .finish_non_exhaustive()
    }
}

impl Conn {
    /// Marks the connection dead if `e` says the link is gone.
    pub(crate) fn check(&self, e: &ssh2::Error) {
        if is_transport(e) {
            self.broken.store(true, Ordering::Release);
        }
    }

    /// Marks the connection dead (a transfer failed below SFTP).
    pub(crate) fn mark_broken(&self) {
        self.broken.store(true, Ordering::Release);
    }

    fn is_broken(&self) -> bool {
        self.broken.load(Ordering::Acquire)
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        if !self.is_broken() {
            // A polite goodbye, but never a long wait for a dead server.
            self.session.set_timeout(1000);
            let _ = self.session.disconnect(None, "closing", None);
        }
    }
}

/// Whether `e` means the connection (not the request) failed.
pub(crate) fn is_transport(e: &ssh2::Error) -> bool {
    match e.code() {
        ErrorCode::Session(code) => !matches!(code, AUTHENTICATION_FAILED | PUBLICKEY_UNVERIFIED),
        ErrorCode::SFTP(code) => code >= 0 && status::is_connection_loss(code as u32),
    }
}

/// Maps a libssh2 error on store path `path`.
pub(crate) fn map(e: ssh2::Error, path: &str) -> Error {
    match e.code() {
        ErrorCode::SFTP(code) if code >= 0 => status_error(code as u32, path, e),
        ErrorCode::Session(AUTHENTICATION_FAILED | PUBLICKEY_UNVERIFIED) => {
            Error::new(ErrorKind::PermissionDenied)
                .with_backend(crate::NAME)
                .with_path(path)
                .with_source(e)
        }
        _ => connection_error("connection failed", e).with_path(path),
    }
}

fn connect(settings: &Settings) -> Result<Conn> {
    let config = &settings.config;
    let target = format!("{}:{}", config.host, config.port);
    let unavailable =
        |what: &str, e: std::io::Error| connection_error(&format!("{what} {target}"), e);
    let addrs = (config.host.as_str(), config.port)
        .to_socket_addrs()
        .map_err(|e| unavailable("cannot resolve", e))?;
    let mut last = None;
    let mut tcp = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, config.connect_timeout) {
            Ok(stream) => {
                tcp = Some(stream);
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    let tcp = tcp.ok_or_else(|| {
        unavailable(
            "cannot connect to",
            last.unwrap_or_else(|| std::io::ErrorKind::NotFound.into()),
        )
    })?;
    let _ = tcp.set_nodelay(true);
    let handshake = |e: ssh2::Error| connection_error(&format!("SSH handshake with {target}"), e);
    let mut session = Session::new().map_err(handshake)?;
    session.set_tcp_stream(tcp);
    session.set_timeout(millis(config.connect_timeout));
    if !config.ciphers.is_empty() {
        let ciphers = config.ciphers.join(",");
        for way in [MethodType::CryptCs, MethodType::CryptSc] {
            session.method_pref(way, &ciphers).map_err(|e| {
                Error::new(ErrorKind::InvalidConfig)
                    .with_backend(crate::NAME)
                    .with_message(format!("cipher: libssh2 refuses '{ciphers}'"))
                    .with_source(e)
            })?;
        }
    }
    session.handshake().map_err(handshake)?;
    let (blob, _) = session.host_key().ok_or_else(|| {
        connection_error(
            "the server sent no host key",
            std::io::Error::other(target.clone()),
        )
    })?;
    settings.host_keys.verify(blob)?;
    authenticate(&session, settings)?;
    session.set_timeout(millis(config.io_timeout));
    let sftp = session
        .sftp()
        .map_err(|e| connection_error(&format!("opening the SFTP channel on {target}"), e))?;
    Ok(Conn {
        sftp,
        session,
        broken: AtomicBool::new(false),
    })
}

fn authenticate(session: &Session, settings: &Settings) -> Result<()> {
    let config = &settings.config;
    let user = config.user.as_str();
    let refused = |how: &str, e: ssh2::Error| match e.code() {
        ErrorCode::Session(AUTHENTICATION_FAILED | PUBLICKEY_UNVERIFIED) => {
            auth_error(user, &config.host, how).with_source(e)
        }
        ErrorCode::Session(FILE) => Error::new(ErrorKind::InvalidConfig)
            .with_backend(crate::NAME)
            .with_message(format!("key_file: cannot use it ({e})"))
            .with_source(e),
        _ => connection_error("authentication", e),
    };
    match config.auth.as_ref() {
        Some(Auth::KeyFile { path, passphrase }) => session
            .userauth_pubkey_file(user, None, path, passphrase.as_deref())
            .map_err(|e| refused("public key", e))?,
        Some(Auth::Password(password)) => session
            .userauth_password(user, password)
            .map_err(|e| refused("password", e))?,
        Some(Auth::Agent) => {
            let mut agent = session.agent().map_err(|e| refused("agent", e))?;
            agent.connect().map_err(|e| refused("agent", e))?;
            agent.list_identities().map_err(|e| refused("agent", e))?;
            let identities = agent.identities().map_err(|e| refused("agent", e))?;
            for identity in identities {
                if agent.userauth(user, &identity).is_ok() {
                    break;
                }
            }
        }
        None => {}
    }
    if session.authenticated() {
        Ok(())
    } else {
        Err(auth_error(user, &config.host, "no method succeeded"))
    }
}

fn millis(d: std::time::Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

/// A fixed number of connection slots, handed out round-robin. A slot
/// whose connection broke reconnects on its next use.
#[derive(Debug)]
pub(crate) struct Pool {
    settings: Arc<Settings>,
    slots: Vec<Mutex<Option<Arc<Conn>>>>,
    next: AtomicUsize,
}

impl Pool {
    pub(crate) fn new(settings: Arc<Settings>) -> Self {
        let slots = (0..settings.config.connections)
            .map(|_| Mutex::new(None))
            .collect();
        Pool {
            settings,
            slots,
            next: AtomicUsize::new(0),
        }
    }

    /// A connection, and whether it was made just now.
    pub(crate) fn get(&self) -> Result<(Arc<Conn>, bool)> {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.slots.len();
        let mut slot = lock(&self.slots[i]);
        if let Some(conn) = slot.as_ref().filter(|c| !c.is_broken()) {
            return Ok((conn.clone(), false));
        }
        *slot = None;
        let conn = Arc::new(connect(&self.settings)?);
        *slot = Some(conn.clone());
        Ok((conn, true))
    }

    /// Runs `op` on a connection. When a reused connection turns out dead
    /// (the server restarted, the link dropped while idle), `op` runs once
    /// more on a fresh one: every `op` given here is safe to repeat.
    pub(crate) fn run<T>(
        &self,
        path: &str,
        op: impl Fn(&Sftp) -> Result<T, ssh2::Error>,
    ) -> Result<T> {
        self.run_on(path, op).map(|(_, v)| v)
    }

    /// [`run`](Self::run), also returning the connection `op` ran on (for
    /// handles that must keep it alive).
    pub(crate) fn run_on<T>(
        &self,
        path: &str,
        op: impl Fn(&Sftp) -> Result<T, ssh2::Error>,
    ) -> Result<(Arc<Conn>, T)> {
        let (conn, fresh) = self.get()?;
        match op(&conn.sftp) {
            Ok(v) => Ok((conn, v)),
            Err(e) if is_transport(&e) && !fresh => {
                conn.check(&e);
                let (conn, _) = self.get()?;
                match op(&conn.sftp) {
                    Ok(v) => Ok((conn, v)),
                    Err(e) => {
                        conn.check(&e);
                        Err(map(e, path))
                    }
                }
            }
            Err(e) => {
                conn.check(&e);
                Err(map(e, path))
            }
        }
    }

    /// Drops every connection.
    pub(crate) fn close(&self) {
        for slot in &self.slots {
            lock(slot).take();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
