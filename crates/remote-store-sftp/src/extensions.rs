//! What the server allows of the SFTP extensions we rely on, learned once
//! per backend: shared by the engines that send them.
//!
//! OpenSSH advertises `posix-rename@openssh.com` in its version packet
//! even when an administrator prohibits it (`internal-sftp -P
//! posix-rename`); the request is then refused with "permission denied".
//! So support is learned by asking: a probe renames a name that does not
//! exist, which a server that allows the request answers with "no such
//! file".

use std::sync::atomic::{AtomicU8, Ordering};

use crate::status::{NO_SUCH_FILE, PERMISSION_DENIED};

/// `SSH_FX_OK`.
const OK: u32 = 0;
/// `SSH_FX_OP_UNSUPPORTED`.
const OP_UNSUPPORTED: u32 = 8;

// 0: not known yet.
const ALLOWED: u8 = 1;
const REFUSED: u8 = 2;

/// Whether the server performs `posix-rename@openssh.com`.
#[derive(Debug, Default)]
pub(crate) struct PosixRename(AtomicU8);

impl PosixRename {
    /// `None` until a probe has answered.
    pub(crate) fn known(&self) -> Option<bool> {
        match self.0.load(Ordering::Acquire) {
            ALLOWED => Some(true),
            REFUSED => Some(false),
            _ => None,
        }
    }

    /// Records the status the server answered to a probe; an answer that
    /// says nothing either way leaves it unknown.
    pub(crate) fn learn(&self, status: u32) {
        let verdict = match status {
            OK | NO_SUCH_FILE => ALLOWED,
            PERMISSION_DENIED | OP_UNSUPPORTED => REFUSED,
            _ => return,
        };
        self.0.store(verdict, Ordering::Release);
    }

    /// Records that a real request was refused as unsupported.
    pub(crate) fn refused(&self) {
        self.0.store(REFUSED, Ordering::Release);
    }

    /// Whether a commit should try the extension: unless known refused.
    pub(crate) fn worth_trying(&self) -> bool {
        self.known() != Some(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_answers() {
        let cases = [
            (NO_SUCH_FILE, Some(true)),
            (OK, Some(true)),
            (PERMISSION_DENIED, Some(false)),
            (OP_UNSUPPORTED, Some(false)),
            (4, None), // a plain failure says nothing
        ];
        for (status, want) in cases {
            let p = PosixRename::default();
            assert_eq!(p.known(), None);
            assert!(p.worth_trying());
            p.learn(status);
            assert_eq!(p.known(), want, "status {status}");
            assert_eq!(p.worth_trying(), want != Some(false));
        }
        let p = PosixRename::default();
        p.refused();
        assert_eq!(p.known(), Some(false));
    }
}
