//! One russh connection (host key check, authentication, two SFTP
//! channels) and the connection slots a backend shares between callers.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex as StdMutex, PoisonError};

use remote_store_core::{Error, ErrorKind, Result};
use russh::client::{self, Handle};
use russh::keys::ssh_encoding::Encode;
use russh::keys::{PrivateKeyWithHashAlg, PublicKeyOrCertificate, load_secret_key};
use russh_sftp::client::error::Error as SftpError;
use russh_sftp::client::{RawSftpSession, SftpSession};
use russh_sftp::protocol::{Packet, StatusCode};
use tokio::sync::Mutex;

use crate::Settings;
use crate::config::Auth;
use crate::hostkey::HostKeyError;
use crate::status::{self, auth_error, connection_error, status_error};

/// Requests russh-sftp's `File` keeps in flight each way, as OpenSSH's
/// client does (its default, 16, reaches ~0.8x OpenSSH on uploads).
const IN_FLIGHT: usize = 64;

/// The SSH channel window this client grants: bytes the server may send
/// before we acknowledge them, so a download moves at most this much per
/// round trip. russh's default, 2 MiB, held one read at 46 MB/s over a
/// link with a 20 ms round trip (OpenSSH's client: 75 MB/s); 8 MiB moved
/// 148 MB/s (`cargo xtask bench sftp`, long-link rows). At most this much
/// per channel waits unread for a slow consumer.
const WINDOW: u32 = 8 * 1024 * 1024;

/// Bytes per WRITE request: OpenSSH's own (its `limits@openssh.com` write
/// length is 261,120), not russh-sftp's 32 KiB default. Still capped by the
/// server's advertised limit.
pub(crate) const WRITE_LEN: usize = 255 * 1024;

/// A live connection: one SSH session, two SFTP channels. `files` carries
/// file transfers (russh-sftp's pipelined `File`); `raw` carries metadata,
/// streamed directory reads and `posix-rename@openssh.com`, which the
/// high-level session does not expose.
pub(crate) struct Conn {
    pub(crate) files: SftpSession,
    pub(crate) raw: RawSftpSession,
    handle: Handle<Client>,
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
    pub(crate) fn check(&self, e: &SftpError) {
        if is_transport(e) {
            self.broken.store(true, Ordering::Release);
        }
    }

    /// Marks the connection dead (a file transfer failed below SFTP).
    pub(crate) fn mark_broken(&self) {
        self.broken.store(true, Ordering::Release);
    }

    fn is_usable(&self) -> bool {
        !self.broken.load(Ordering::Acquire) && !self.handle.is_closed()
    }
}

/// Whether `e` means the connection (not the request) failed.
pub(crate) fn is_transport(e: &SftpError) -> bool {
    match e {
        SftpError::Status(s) => status::is_connection_loss(s.status_code as u32),
        SftpError::Limited(_) => false,
        _ => true,
    }
}

/// Maps a russh-sftp error on store path `path`.
pub(crate) fn map(e: SftpError, path: &str) -> Error {
    match &e {
        SftpError::Status(s) => status_error(s.status_code as u32, path, e),
        SftpError::Timeout => connection_error("request timed out", e).with_path(path),
        SftpError::Limited(_) => Error::new(ErrorKind::Other)
            .with_backend(crate::NAME)
            .with_path(path)
            .with_source(e),
        _ => connection_error("connection failed", e).with_path(path),
    }
}

/// Whether `e` is the SFTP status `code`.
pub(crate) fn is_status(e: &SftpError, code: StatusCode) -> bool {
    matches!(e, SftpError::Status(s) if s.status_code == code)
}

/// The russh event handler: verifies the host key.
pub(crate) struct Client {
    settings: Arc<Settings>,
    refused: Arc<StdMutex<Option<HostKeyError>>>,
}

impl client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let verdict = match key {
            PublicKeyOrCertificate::PublicKey { key, .. } => match key.to_bytes() {
                Ok(blob) => self.settings.host_keys.verify(&blob),
                Err(e) => Err(HostKeyError::File {
                    path: Default::default(),
                    reason: format!("cannot encode the server's key: {e}"),
                }),
            },
            // A host certificate is checked as its plain key (`@cert-authority`
            // lines are not consulted).
            PublicKeyOrCertificate::Certificate(cert) => match cert.public_key().encode_vec() {
                Ok(blob) => self.settings.host_keys.verify(&blob),
                Err(e) => Err(HostKeyError::File {
                    path: Default::default(),
                    reason: format!("cannot encode the server's key: {e}"),
                }),
            },
        };
        match verdict {
            Ok(()) => Ok(true),
            Err(e) => {
                *self.refused.lock().unwrap_or_else(PoisonError::into_inner) = Some(e);
                Ok(false)
            }
        }
    }
}

fn russh_config(settings: &Settings) -> Result<client::Config> {
    let mut config = client::Config {
        nodelay: true,
        window_size: WINDOW,
        ..Default::default()
    };
    if !settings.config.ciphers.is_empty() {
        let names = settings
            .config
            .ciphers
            .iter()
            .map(|c| {
                russh::cipher::Name::try_from(c.as_str()).map_err(|_| {
                    Error::new(ErrorKind::InvalidConfig)
                        .with_backend(crate::NAME)
                        .with_message(format!("cipher: russh does not know '{c}'"))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        config.preferred.cipher = names.into();
    }
    Ok(config)
}

/// Spawns `work` on [`background_runtime`](remote_store_core::background_runtime),
/// where the engine's connections live. A connection's session tasks
/// (russh's, russh-sftp's) are spawned where it is made; made on the
/// caller's runtime, they would stall whenever that runtime's threads are
/// blocked (a sync face called from async code on a current-thread
/// runtime waits for work only the blocked thread could do) and die with
/// it, although every other caller shares the connection (ADR-0022).
pub(crate) fn spawn_io<F>(work: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    remote_store_core::background_runtime().spawn(work)
}

async fn connect(settings: Arc<Settings>) -> Result<Conn> {
    let config = &settings.config;
    let target = format!("{}:{}", config.host, config.port);
    let refused = Arc::new(StdMutex::new(None));
    let handler = Client {
        settings: settings.clone(),
        refused: refused.clone(),
    };
    let russh_config = Arc::new(russh_config(&settings)?);
    let connecting = client::connect(russh_config, (config.host.as_str(), config.port), handler);
    let mut handle = match tokio::time::timeout(config.connect_timeout, connecting).await {
        Ok(Ok(handle)) => handle,
        Ok(Err(e)) => {
            if let Some(refusal) = refused
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take()
            {
                return Err(refusal.into());
            }
            return Err(connection_error(&format!("cannot connect to {target}"), e));
        }
        Err(e) => {
            return Err(connection_error(
                &format!("connecting to {target} timed out"),
                e,
            ));
        }
    };
    let authenticating = authenticate(&mut handle, &settings);
    tokio::time::timeout(config.connect_timeout, authenticating)
        .await
        .map_err(|e| connection_error(&format!("authenticating on {target} timed out"), e))??;
    let secs = config.io_timeout.as_secs().max(1);
    let files = open_channel(&handle, &target)
        .await
        .map(|stream| {
            SftpSession::new_with_config(
                stream,
                russh_sftp::client::Config {
                    max_concurrent_reads: IN_FLIGHT,
                    max_concurrent_writes: IN_FLIGHT,
                    max_write_packet_len: WRITE_LEN as u32,
                    request_timeout_secs: secs,
                    ..Default::default()
                },
            )
        })?
        .await
        .map_err(|e| connection_error(&format!("starting SFTP on {target}"), e))?;
    let raw = RawSftpSession::new(open_channel(&handle, &target).await?);
    raw.set_timeout(secs);
    raw.init()
        .await
        .map_err(|e| connection_error(&format!("starting SFTP on {target}"), e))?;
    probe_posix_rename(&raw, &settings).await;
    Ok(Conn {
        files,
        raw,
        handle,
        broken: AtomicBool::new(false),
    })
}

/// `posix-rename@openssh.com`: rename, replacing the target atomically.
const POSIX_RENAME: &str = "posix-rename@openssh.com";

fn ssh_string(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&u32::try_from(s.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// Sends `posix-rename@openssh.com`; a status other than OK is an error.
pub(crate) async fn posix_rename(conn: &Conn, from: &str, to: &str) -> Result<(), SftpError> {
    let mut data = Vec::new();
    ssh_string(&mut data, from);
    ssh_string(&mut data, to);
    match conn.raw.extended(POSIX_RENAME, data).await? {
        Packet::Status(s) if s.status_code == StatusCode::Ok => Ok(()),
        Packet::Status(s) => Err(SftpError::Status(s)),
        _ => Err(SftpError::UnexpectedPacket),
    }
}

/// Learns whether the server performs `posix-rename@openssh.com` by
/// renaming a name that does not exist (see [`crate::extensions`]).
async fn probe_posix_rename(raw: &RawSftpSession, settings: &Settings) {
    if settings.posix_rename.known().is_some() {
        return;
    }
    let Ok(probe) = remote_store_core::RemotePath::new("probe") else {
        return;
    };
    let missing = settings.layout.temp_for(&probe);
    let mut data = Vec::new();
    ssh_string(&mut data, &missing);
    ssh_string(&mut data, &missing);
    match raw.extended(POSIX_RENAME, data).await {
        Ok(Packet::Status(s)) => settings.posix_rename.learn(s.status_code as u32),
        Err(SftpError::Status(s)) => settings.posix_rename.learn(s.status_code as u32),
        _ => {}
    }
}

async fn open_channel(
    handle: &Handle<Client>,
    target: &str,
) -> Result<russh::ChannelStream<client::Msg>> {
    let failed =
        |e: russh::Error| connection_error(&format!("opening an SFTP channel on {target}"), e);
    let channel = handle.channel_open_session().await.map_err(failed)?;
    channel
        .request_subsystem(true, "sftp")
        .await
        .map_err(failed)?;
    Ok(channel.into_stream())
}

async fn authenticate(handle: &mut Handle<Client>, settings: &Settings) -> Result<()> {
    let config = &settings.config;
    let user = config.user.as_str();
    let failed = |e: russh::Error| connection_error("authentication", e);
    let (ok, how) = match config.auth.as_ref() {
        Some(Auth::KeyFile { path, passphrase }) => {
            let key = load_secret_key(path, passphrase.as_deref()).map_err(|e| {
                Error::new(ErrorKind::InvalidConfig)
                    .with_backend(crate::NAME)
                    .with_message(format!("key_file: cannot use '{}': {e}", path.display()))
            })?;
            let hash = handle
                .best_supported_rsa_hash()
                .await
                .map_err(failed)?
                .flatten();
            let key = PrivateKeyWithHashAlg::new(Arc::new(key), hash);
            let result = handle
                .authenticate_publickey(user, key)
                .await
                .map_err(failed)?;
            (result.success(), "public key")
        }
        Some(Auth::Password(password)) => {
            let result = handle
                .authenticate_password(user, password)
                .await
                .map_err(failed)?;
            (result.success(), "password")
        }
        Some(Auth::Agent) => (agent_auth(handle, user).await?, "agent"),
        None => (false, "no method"),
    };
    if ok {
        Ok(())
    } else {
        Err(auth_error(user, &config.host, how))
    }
}

async fn agent_auth(handle: &mut Handle<Client>, user: &str) -> Result<bool> {
    let unavailable = |e: russh::keys::Error| {
        Error::new(ErrorKind::PermissionDenied)
            .with_backend(crate::NAME)
            .with_message(format!("ssh-agent: {e}"))
    };
    let mut agent = russh::keys::agent::client::AgentClient::connect_env()
        .await
        .map_err(unavailable)?;
    for identity in agent.request_identities().await.map_err(unavailable)? {
        let russh::keys::agent::AgentIdentity::PublicKey { key, .. } = identity else {
            continue;
        };
        let result = handle
            .authenticate_publickey_with(user, key, None, &mut agent)
            .await;
        if result.is_ok_and(|r| r.success()) {
            return Ok(true);
        }
    }
    Ok(false)
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
    pub(crate) async fn get(&self) -> Result<(Arc<Conn>, bool)> {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.slots.len();
        let mut slot = self.slots[i].lock().await;
        if let Some(conn) = slot.as_ref().filter(|c| c.is_usable()) {
            return Ok((conn.clone(), false));
        }
        *slot = None;
        let connecting = spawn_io(connect(self.settings.clone()));
        let conn = connecting.await.map_err(|e| {
            connection_error("the task making the connection ended without an answer", e)
        })??;
        let conn = Arc::new(conn);
        *slot = Some(conn.clone());
        Ok((conn, true))
    }

    /// Runs `op` on a connection; when a reused connection turns out dead,
    /// once more on a fresh one (every `op` given here is safe to repeat).
    pub(crate) async fn run<T, F, Fut>(&self, path: &str, op: F) -> Result<T>
    where
        F: Fn(Arc<Conn>) -> Fut,
        Fut: Future<Output = Result<T, SftpError>>,
    {
        self.run_on(path, op).await.map(|(_, v)| v)
    }

    /// [`run`](Self::run), also returning the connection `op` ran on.
    pub(crate) async fn run_on<T, F, Fut>(&self, path: &str, op: F) -> Result<(Arc<Conn>, T)>
    where
        F: Fn(Arc<Conn>) -> Fut,
        Fut: Future<Output = Result<T, SftpError>>,
    {
        let (conn, fresh) = self.get().await?;
        match op(conn.clone()).await {
            Ok(v) => Ok((conn, v)),
            Err(e) if is_transport(&e) && !fresh => {
                conn.check(&e);
                let (conn, _) = self.get().await?;
                match op(conn.clone()).await {
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
    pub(crate) async fn close(&self) {
        for slot in &self.slots {
            if let Some(conn) = slot.lock().await.take() {
                let _ = conn
                    .handle
                    .disconnect(russh::Disconnect::ByApplication, "closing", "en")
                    .await;
            }
        }
    }
}

/// Sends a request that creates a server handle (an open file or folder)
/// in a task of its own, so that a caller dropped while the request is in
/// flight (a timeout, a cancelled query) cannot leak the handle: the
/// server answers anyway, and a handle nobody takes any more is given to
/// `release`, which closes it. Leaked handles pile up in the session, and
/// OpenSSH's numbers past 127 do not survive russh-sftp's handles, which
/// are strings (its later requests on such a handle fail).
pub(crate) async fn open_detached<T, Open, Release, Released>(
    open: Open,
    release: Release,
) -> Result<T, SftpError>
where
    T: Send + 'static,
    Open: Future<Output = Result<T, SftpError>> + Send + 'static,
    Release: FnOnce(T) -> Released + Send + 'static,
    Released: Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::oneshot::channel();
    spawn_io(async move {
        if let Err(Ok(orphan)) = tx.send(open.await) {
            release(orphan).await;
        }
    });
    rx.await.unwrap_or_else(|_| {
        Err(SftpError::UnexpectedBehavior(
            "the task opening a handle ended without an answer".to_owned(),
        ))
    })
}

/// A raw handle (a folder's, or a file's opened for ranged reads) that
/// is closed when dropped (in the background), so a call dropped between
/// the open and the close does not leak it.
pub(crate) struct RawHandle {
    conn: Arc<Conn>,
    handle: Option<String>,
}

impl RawHandle {
    /// Opens the folder at `native` on `conn`, cancellation-safe.
    pub(crate) async fn open_dir(conn: Arc<Conn>, native: String) -> Result<RawHandle, SftpError> {
        let raw = conn.clone();
        Self::opened(conn, async move { raw.raw.opendir(native).await }).await
    }

    /// Opens the file at `native` on `conn` for reading, cancellation-safe.
    pub(crate) async fn open_file(conn: Arc<Conn>, native: String) -> Result<RawHandle, SftpError> {
        let raw = conn.clone();
        Self::opened(conn, async move {
            let flags = russh_sftp::protocol::OpenFlags::READ;
            let attrs = russh_sftp::protocol::FileAttributes::default();
            raw.raw.open(native, flags, attrs).await
        })
        .await
    }

    async fn opened(
        conn: Arc<Conn>,
        open: impl Future<Output = Result<russh_sftp::protocol::Handle, SftpError>> + Send + 'static,
    ) -> Result<RawHandle, SftpError> {
        let handle = open_detached(async move { open.await.map(|h| h.handle) }, {
            let conn = conn.clone();
            move |handle| async move {
                let _ = conn.raw.close(handle).await;
            }
        })
        .await?;
        Ok(RawHandle {
            conn,
            handle: Some(handle),
        })
    }

    /// The handle, for `readdir` and `read`.
    pub(crate) fn as_str(&self) -> &str {
        self.handle.as_deref().unwrap_or_default()
    }

    /// Closes the handle now.
    pub(crate) async fn close(mut self) {
        if let Some(handle) = self.handle.take() {
            let _ = self.conn.raw.close(handle).await;
        }
    }

    /// Gives up the handle without closing it (its owner closes it).
    pub(crate) fn into_inner(mut self) -> String {
        self.handle.take().unwrap_or_default()
    }
}

impl Drop for RawHandle {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            let conn = self.conn.clone();
            spawn_io(async move {
                let _ = conn.raw.close(handle).await;
            });
        }
    }
}
