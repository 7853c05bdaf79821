//! Refusing copies and moves whose source and destination overlap, by
//! where the two locations lead (`remote_store::transfer::refuse_overlap`).

use remote_store::Result;
use remote_store::transfer::{Location, refuse_overlap as refuse};

use crate::target::Target;

fn location(t: &Target) -> Result<Location<'_>> {
    Ok(Location {
        storage_id: t.store.storage_id(),
        native_path: t.store.native_path(&t.path)?,
        label: &t.label,
    })
}

/// Refuses `verb` from `src` to `dst` when the two are the same place or
/// one lies inside the other, before anything is touched.
///
/// # Errors
/// `InvalidArgument` naming both locations and how they overlap.
pub(crate) fn refuse_overlap(verb: &str, src: &Target, dst: &Target) -> Result<()> {
    refuse(
        verb,
        &location(src)?,
        &location(dst)?,
        src.store.shares_backend(&dst.store),
    )
}
