//! The contract of each operation, written once and shown on its four
//! twins ([`Backend`](crate::Backend), [`AsyncBackend`](crate::AsyncBackend),
//! [`Store`](crate::Store), [`AsyncStore`](crate::AsyncStore)) with
//! `#[doc = contract!(op)]`; a twin adds only what is its own (a default
//! body, the store's root) after it. A test checks that every operation of
//! every twin carries its contract, so the four cannot drift apart.
//!
//! Paths are relative: to the backend's root for a backend, to the store's
//! root for a store (which also validates and normalizes them first, and
//! names store paths in its errors). Sizes and offsets are in bytes.
//! Every I/O operation also fails with `Closed` after `close`, and with
//! `CapabilityNotSupported` when it needs a capability the backend does not
//! declare; a store refuses a path the path rules refuse with
//! `InvalidPath` (see [`RemotePath`](crate::RemotePath)). A store checks in
//! that order, before any I/O: `Closed` first, then capabilities, then the
//! path (ADR-0012). Where an operation says `InvalidPath` "for the root",
//! the store refuses it before calling: a backend never receives its root
//! as a file operand.

/// The contract text of one operation, as a string literal.
macro_rules! contract {
    (name) => {
        "A short name for messages and errors (`\"memory\"`, `\"s3\"`)."
    };
    (capabilities) => {
        "What the backend can do: the operations a store lets through and the \
guarantees it may rely on. Never loses a capability over the backend's \
life, `close` included; a backend that can only learn a guarantee from its \
server adds it once a connection has confirmed it (russh's `AtomicMove`), \
so the answer before the first connection is the least it will have \
(ADR-0012)."
    };
    (exists) => {
        "Whether `path` is a file or a folder. The root always exists.

# Errors
`Closed` after `close`; a failure to reach the storage
(`BackendUnavailable`, `PermissionDenied`, …). A missing path is `Ok(false)`."
    };
    (is_file) => {
        "Whether `path` is a file. The root never is; nothing below a file is.

# Errors
As for `exists`."
    };
    (is_folder) => {
        "Whether `path` is a folder. The root always is; nothing below a file is.

# Errors
As for `exists`."
    };
    (read) => {
        "Opens the file at `path` for streaming reads: the stream pulls from the \
storage as it is consumed, never the whole file at once; an error while \
streaming is an item (an `io::Error` wrapping ours, for a reader). With \
`ReadOptions::range`, only that range (as `read_range`); with \
`ReadOptions::if_match`, only the version with that etag (needs \
`Capability::ConditionalRead`): a reader never mixes two versions. Needs \
`Capability::Read`, and each capability an option needs.

# Errors
`NotFound` when there is no file at `path` (nothing lives below a file); \
`InvalidPath` when `path` is a folder (a backend may answer `NotFound`, the \
stores answer `InvalidPath`: ADR-0012) or the root; `PreconditionFailed` \
when `if_match` is given and the file no longer has that etag (replaced, \
or removed: the version asked for is gone)."
    };
    (read_with_info) => {
        "`read`, and the metadata of the file the stream reads (as \
`get_file_info` reports it: of the whole file, whatever the range), for \
callers that answer with both (object_store's `get`, transfers). The \
metadata describes the bytes: where the backend takes both from one \
opened file (memory, local) or pins the read to the metadata's etag \
(`Capability::ConditionalRead`), exactly; elsewhere the stream is counted, \
and fails with `PreconditionFailed` when it carries another number of \
bytes than the metadata promises (a file replaced by one of the same size \
goes unseen there, as with any unpinned read). A file replaced between \
the metadata and a pinned read is described again (up to 3 times) unless \
the caller gave `if_match`. Needs `Capability::Read` and \
`Capability::Metadata`, and each capability an option needs.

# Errors
As for `read`; `PreconditionFailed` also for a file replaced more often \
than that while being opened."
    };
    (read_range) => {
        "Streams `len` bytes of the file from byte `offset` (to the end when `len` \
is `None`): `read` with `ReadOptions::range`. A range past the end is cut \
at the end; an offset past the end reads nothing. Needs \
`Capability::RangeRead`.

# Errors
As for `read`."
    };
    (read_bytes) => {
        "Reads the whole file (or the range `ReadOptions` asks for) into memory, \
for small files; `read` streams.

# Errors
As for `read`."
    };
    (write) => {
        "Streams `src` into the file at `path`, creating parent folders, and \
returns a `WriteResult` (the size in bytes; etag, version and modification \
time where the storage reports them). If `src` fails, the write fails with \
that error and `path` holds what it held before (its old content, or \
nothing): never a partial file, nor the folders it created. \
`WriteOptions::overwrite` replaces a file \
already there; `WriteOptions::atomic` is `write_atomic`; \
`WriteOptions::if_match` replaces the file only while its etag is the one \
given, a compare-and-swap (needs `Capability::ConditionalWrite`); \
`WriteOptions::verify` asks the backend to compare the storage's digest of \
what it stored with the bytes sent, where the storage's answer carries one \
(`WriteResult::verified`; false when not asked or not possible, never an \
error). Needs `Capability::Write` (`Capability::AtomicWrite` when atomic).

# Errors
`AlreadyExists` when not overwriting and a file is at `path`; the \
error of `src` when it fails; `InvalidPath` for the root, and, where folders \
are real (`Capability::PersistentFolders`), when a folder is at `path` or a \
file is above it (whatever `overwrite`, ADR-0011); `PreconditionFailed` \
when `if_match` is given and the file no longer has that etag (or is \
gone), nothing written; `InvalidArgument` for `if_match` without \
`overwrite`."
    };
    (write_atomic) => {
        "Like `write`, but readers see the old content or the new one, never a \
partial file or a mix (a backend that replaces by moving the old file \
aside, as the ssh2 engine does, may show no file for a moment). Needs \
`Capability::AtomicWrite`.

# Errors
As for `write`."
    };
    (writer) => {
        "A writer sink for the file at `path` (an `io::Write`; on the async face a \
`tokio::io::AsyncWrite`) whose bytes become \
the file, whole, only when the sink is finished (`finish` returns the write \
result), with `WriteOptions` as for `write`. Dropped or aborted unfinished, \
it discards them: `path` keeps what it held before, and nothing the write \
staged or created stays (the async sink's `abort` waits for that clean-up; \
its drop lets it finish in the background). Memory stays bounded whatever \
the size.

# Errors
As for `write`. On a store, the errors `write` finds at the storage \
(`AlreadyExists`, `InvalidPath` for a folder in the way, \
`PreconditionFailed`, …) come from the sink's `write`, `flush` or \
`finish`; once one has, every later call answers it again."
    };
    (delete) => {
        "Deletes the file at `path`. With `missing_ok` (`DeleteOptions`), succeeds \
when there is no \
file to delete (a folder there included: it is left alone).

# Errors
`NotFound` when there is no file and `missing_ok` is false; `InvalidPath` \
when `path` is a folder and not a file (the stores decide it: a backend may \
answer `NotFound`, ADR-0011), or the root. Needs `Capability::Delete`. \
Where the storage's own delete does not say whether there was a file (S3), \
`NotFound` comes from a request before the delete: of two concurrent \
deletes of one file, both may succeed."
    };
    (never_blocks) => {
        "Whether every call returns without waiting on I/O, or on another caller \
for long (an in-memory backend). The `SyncBackendAdapter` then runs the \
backend's calls, and reads its streams, on the async caller's task, \
instead of handing each call to tokio's blocking pool (a hand-off of \
about 20 µs on a small machine). A wrong `true` stalls the caller's \
runtime while the call waits. The default is `false`."
    };
    (delete_batch) => {
        "Deletes the files at `paths`, as [`delete`] does each, and answers one \
result per path, in the order of `paths`. Where the service has a bulk \
delete (S3 `DeleteObjects`, Azure Blob Batch) and `missing_ok` is true, one \
request deletes many files; elsewhere the files go one by one (concurrently \
on an async backend). A path's own failure (`NotFound` when it is missing \
and `missing_ok` is false, `InvalidPath`, `PermissionDenied`, …) is its \
item and never stops the others; a bulk request that failed as a whole \
(the service did not answer) gives its error to each of its paths. The \
same path twice in one batch is deleted concurrently with itself: which \
answer says `NotFound` (without `missing_ok`) depends on the backend and \
the timing.

# Errors
The outer `Err` when the batch could not run at all (`Closed`, \
`CapabilityNotSupported`), or a layer's whole-batch failure (a missed \
deadline, retries given up): the files may be partly deleted then, and \
deleting them again is safe. Needs `Capability::Delete`.

[`delete`]: Self::delete"
    };
    (delete_folder) => {
        "Deletes the folder at `path`, and everything below it when `recursive` \
(`DeleteFolderOptions`) \
(whatever the names: entries a listing cannot return included). The root \
is never removed itself: deleting it empties it.

# Errors
`FolderNotEmpty` when not `recursive` and the folder has entries; \
`NotFound` when there is no folder and `missing_ok` is false (never for \
the root); `InvalidPath` when `path` is a file and not a folder (the stores \
decide it, ADR-0011). Needs `Capability::Delete`."
    };
    (list_files) => {
        "The files directly in the folder `path`, or at any depth when \
`ListOptions::recursive` (which needs `Capability::RecursiveList`), as they \
are listed: \
nothing is buffered whole, and the order is unspecified. A folder that does \
not exist, or a path below a file, lists nothing. An entry that cannot be \
returned as a path is an `Err` item naming it (`Error::is_unlisted`), and \
the listing goes on (ADR-0010). Needs `Capability::List`.

# Errors
The call, or an item, fails when the storage cannot be listed."
    };
    (list_folders) => {
        "The folders directly in the folder `path` (folders that hold only \
folders included), as they are listed; as for `list_files` otherwise.

# Errors
As for `list_files`."
    };
    (get_file_info) => {
        "The metadata of the file at `path`: size in bytes and modification time \
always, etag and content type where the storage has them. Needs \
`Capability::Metadata`.

# Errors
As for `read`."
    };
    (get_folder_info) => {
        "The totals of the folder at `path`, at any depth: number of files and \
their size in bytes. The root is a folder even when nothing was written. \
An entry below that a listing cannot return fails the call (an error with \
`Error::is_unlisted`, naming the entry), never silently left out of the \
totals. Needs `Capability::Metadata`.

# Errors
`NotFound` when there is no folder at `path`; `InvalidPath` when `path` is \
a file (the stores decide it, ADR-0012)."
    };
    (rename) => {
        "Moves the file `src` to `dst`, creating parent folders. Onto itself it \
changes nothing: `Ok` when the file exists and `overwrite` is set, \
`AlreadyExists` when not (`RenameOptions::overwrite`). Atomic where \
`Capability::AtomicMove` is declared. Needs `Capability::Move`.

# Errors
`NotFound` when `src` is missing, whatever `dst` (the source is checked \
first); `AlreadyExists` when `dst` exists and `overwrite` is false (both \
files are left as they were); `InvalidPath` when `src` is a folder or the \
root, when `dst` is the root, and, where folders are real, when `dst` is a \
folder or below a file (ADR-0011, ADR-0012)."
    };
    (copy) => {
        "Copies the file `src` to `dst`, creating parent folders; onto itself as \
`rename` (`CopyOptions::overwrite`). Needs `Capability::Copy`.

# Errors
As for `rename`."
    };
    (glob) => {
        "The files matching a glob `pattern` (relative, like paths; `*` and `?` \
stay within one segment, `**` spans any depth, `[...]` is a class; see \
`glob`), as they are listed. Needs `Capability::Glob`.

# Errors
`InvalidPath` for a pattern the rules refuse; `InvalidArgument` for an \
empty pattern (or one of only `/` and `.`), which would match nothing; as \
for `list_files` otherwise."
    };
    (presign) => {
        "A request for the file at `path` that a plain HTTP client can make \
without credentials: `PresignOptions::method` (`GET` reads the file, `PUT` \
writes it whole), valid for `PresignOptions::expires` (at least one \
second). No I/O: the URL is signed locally, and a `GET` of a file that \
does not exist is only refused when used. The URL carries the \
authorization: treat it as a secret. Needs `Capability::Presign`.

# Errors
`InvalidArgument` for an expiry shorter than a second or longer than the \
service allows (S3: 7 days); `InvalidPath` for the root."
    };
    (close) => {
        "Releases connections and other resources. Afterwards every I/O call \
fails with `Closed` (a stream or listing it returns, on its first item); a \
stream opened before may finish or fail (`Closed`, `BackendUnavailable`), \
never hang or yield wrong data (ADR-0011). Closing twice is fine.

# Errors
A failure while releasing (the backend is closed all the same)."
    };
    (check_health) => {
        "A cheap call that proves the storage is reachable and takes the \
credentials: one round trip where the backend can (S3: one listing page of \
the bucket; SFTP: a connection and a `stat` of the root; local: the root \
folder is there). Meant for readiness probes and start-up checks; it \
changes nothing.

# Errors
`Closed` after `close`; `BackendUnavailable` when the storage cannot be \
reached, `PermissionDenied` for refused credentials, `NotFound` when the \
backend's root (a bucket, a container, a folder) is missing."
    };
    (storage_id) => {
        "Which storage the backend reaches, as a URL-like string without secrets \
(`file://`, `s3://ENDPOINT/BUCKET`, `sftp://USER@HOST:PORT`, …): two \
backends with the same id reach the same storage, and `native_path` names \
places within it, so tools can tell when two stores overlap (a move onto \
its own subtree). `None` when the backend cannot tell; tools then treat \
only the same backend instance as the same storage."
    };
    (native_path) => {
        "The backend-native form of `path` (an OS path, a URL); `to_key` is its \
inverse."
    };
    (to_key) => {
        "Turns a backend-native path back into a path, the inverse of \
`native_path`.

# Errors
`InvalidPath` when `native` lies outside (climbs out with `..`, or is a \
sibling whose name only starts with the root's, ADR-0011)."
    };
}

pub(crate) use contract;

/// The operations every twin documents with [`contract!`]; a new trait
/// method must be added here (the test below fails until it is).
#[cfg(test)]
pub(crate) const OPERATIONS: [&str; 27] = [
    "name",
    "capabilities",
    "exists",
    "is_file",
    "is_folder",
    "read",
    "read_with_info",
    "read_bytes",
    "write",
    "writer",
    "delete",
    "delete_batch",
    "delete_folder",
    "list_files",
    "list_folders",
    "get_file_info",
    "get_folder_info",
    "rename",
    "copy",
    "glob",
    "presign",
    "close",
    "check_health",
    "storage_id",
    "native_path",
    "to_key",
    "never_blocks",
];

/// Operations of the sync backend only. `writer`: a sync backend may take
/// a sink's bytes on the caller's thread, saving the thread and copy of
/// the store's channel; an async backend's write already runs as a task
/// the async sink feeds, so it has nothing to save (ADR-0014).
/// `never_blocks`: a hint for the `SyncBackendAdapter`, which has nothing
/// to ask of an async backend (its calls never block).
#[cfg(test)]
pub(crate) const SYNC_ONLY: [&str; 2] = ["writer", "never_blocks"];

/// Operations of the backend traits that the faces do not offer: hints
/// for the adapters, not calls a user makes.
#[cfg(test)]
pub(crate) const BACKEND_ONLY: [&str; 1] = ["never_blocks"];

/// The faces' short calls for an option (`read` with a range, `write`
/// atomic), documented with [`contract!`] on both stores.
#[cfg(test)]
pub(crate) const FACE_OPERATIONS: [&str; 2] = ["read_range", "write_atomic"];

/// The operations that take options: each face has a `*_with` method.
#[cfg(test)]
pub(crate) const WITH_OPTIONS: [&str; 8] = [
    "read",
    "read_bytes",
    "write",
    "delete",
    "delete_folder",
    "list_files",
    "rename",
    "copy",
];

#[cfg(test)]
mod tests {
    use super::{BACKEND_ONLY, FACE_OPERATIONS, OPERATIONS, SYNC_ONLY, WITH_OPTIONS};

    /// The attribute block (docs and attributes) right above `fn name` in
    /// `source`, or `None` when there is no such function.
    fn attributes_of<'a>(source: &'a str, name: &str) -> Option<Vec<&'a str>> {
        let lines: Vec<&str> = source.lines().collect();
        let at = lines.iter().position(|l| {
            let l = l.trim_start();
            let l = l.strip_prefix("pub ").unwrap_or(l);
            let l = l.strip_prefix("async ").unwrap_or(l);
            l.strip_prefix("fn ").is_some_and(|rest| {
                rest.starts_with(&format!("{name}(")) || rest.starts_with(&format!("{name}<"))
            })
        })?;
        Some(
            lines[..at]
                .iter()
                .rev()
                .map(|l| l.trim())
                .take_while(|l| l.starts_with("///") || l.starts_with("#["))
                .collect(),
        )
    }

    /// Every operation of every twin shows its contract.
    #[test]
    fn every_twin_shows_the_contract_of_every_operation() {
        let twins = [
            ("Backend", include_str!("backend.rs")),
            ("AsyncBackend", include_str!("async_backend.rs")),
            ("Store", include_str!("store.rs")),
            ("AsyncStore", include_str!("async_store.rs")),
        ];
        let mut missing = Vec::new();
        for (i, (twin, source)) in twins.into_iter().enumerate() {
            // The faces also keep the short calls of options (ADR-0013).
            let face_only = if i >= 2 { &FACE_OPERATIONS[..] } else { &[] };
            for op in OPERATIONS.iter().chain(face_only) {
                if twin == "AsyncBackend" && SYNC_ONLY.contains(op) {
                    continue;
                }
                if i >= 2 && BACKEND_ONLY.contains(op) {
                    continue;
                }
                let shown = format!("#[doc = contract!({op})]");
                match attributes_of(source, op) {
                    None => missing.push(format!("{twin}::{op}: no such method")),
                    Some(attrs) if !attrs.contains(&shown.as_str()) => {
                        missing.push(format!("{twin}::{op}: no {shown}"));
                    }
                    Some(_) => {}
                }
            }
        }
        assert!(missing.is_empty(), "{}", missing.join("\n"));
    }

    /// Each face has a `*_with` twin for every operation with options, so
    /// what one face can ask the other can too.
    #[test]
    fn every_face_takes_the_options_of_every_operation() {
        for (face, source) in [
            ("Store", include_str!("store.rs")),
            ("AsyncStore", include_str!("async_store.rs")),
        ] {
            for op in WITH_OPTIONS {
                let with = format!("{op}_with");
                assert!(
                    attributes_of(source, &with).is_some(),
                    "{face} has no {with}"
                );
            }
        }
    }

    /// Every method of the two backend traits is an operation above, so
    /// a new method cannot arrive without its contract.
    #[test]
    fn every_trait_method_is_an_operation() {
        for (twin, source) in [
            ("Backend", include_str!("backend.rs")),
            ("AsyncBackend", include_str!("async_backend.rs")),
        ] {
            let start = source
                .find(&format!("pub trait {twin}:"))
                .expect("the trait");
            let body = &source[start..];
            for name in trait_methods(body) {
                assert!(
                    OPERATIONS.contains(&name),
                    "{twin}::{name} has no contract! entry"
                );
            }
        }
    }

    /// The adapters forward every method: one left out would silently
    /// fall back to the trait's default (refusing, or answering for the
    /// wrong backend).
    #[test]
    fn the_adapters_forward_every_method() {
        for (adapter, source, header) in [
            (
                "SyncBackendAdapter",
                include_str!("adapter/sync_to_async.rs"),
                "impl AsyncBackend for SyncBackendAdapter {",
            ),
            (
                "AsyncBackendBridge",
                include_str!("adapter/async_to_sync.rs"),
                "impl Backend for AsyncBackendBridge {",
            ),
        ] {
            let mut missing = unforwarded(source, header);
            if adapter == "SyncBackendAdapter" {
                missing.retain(|op| !SYNC_ONLY.contains(op));
            }
            assert!(missing.is_empty(), "{adapter} does not forward {missing:?}");
        }
    }

    /// The operations an `impl` block (starting at `header`, ending at the
    /// first `}` in column 0) does not define.
    pub(crate) fn unforwarded<'a>(source: &str, header: &str) -> Vec<&'a str> {
        let start = source.find(header).expect("the impl block");
        let body = &source[start..];
        let body = &body[..body.find("\n}").expect("the end of the impl block")];
        let defined = trait_methods(body);
        OPERATIONS
            .into_iter()
            .filter(|op| !defined.contains(op))
            .collect()
    }

    /// The names of the `fn`s declared at one indentation level (4
    /// spaces) in a trait body.
    pub(crate) fn trait_methods(body: &str) -> Vec<&str> {
        body.lines()
            .filter_map(|l| {
                let l = l.strip_prefix("    ")?;
                let l = l.strip_prefix("async ").unwrap_or(l);
                let rest = l.strip_prefix("fn ")?;
                Some(&rest[..rest.find(['(', '<'])?])
            })
            .collect()
    }
}
