//! `PutOptions` (mode, tags, attributes) as our `WriteOptions`: each is
//! served where the store declares it, and refused with `NotImplemented`
//! otherwise, never silently weaker.

use super::object_store;
use object_store::{Attribute, Attributes, PutMode, TagSet};
use remote_store_core::{Capabilities, Capability, FileInfo, WriteOptions};

use super::error::not_implemented;

/// The write options of a put in `mode`, with `attributes` and `tags`.
pub(crate) fn write_options(
    caps: Capabilities,
    mode: &PutMode,
    attributes: &Attributes,
    tags: &TagSet,
) -> object_store::Result<WriteOptions> {
    let mut options = match mode {
        PutMode::Overwrite => WriteOptions::new().overwrite(true),
        // object_store promises an atomic create: only where our
        // no-overwrite write is race-free.
        PutMode::Create if caps.contains(Capability::ExclusiveWrite) => WriteOptions::new(),
        PutMode::Create => {
            return Err(not_implemented(
                "put with PutMode::Create (the store has no race-free no-overwrite write)",
            ));
        }
        PutMode::Update(version) => {
            match (&version.e_tag, caps.contains(Capability::ConditionalWrite)) {
                (Some(etag), true) => WriteOptions::new().if_match(etag.clone()),
                (None, _) => {
                    return Err(not_implemented(
                        "put with PutMode::Update without an e_tag (versions are not kept here)",
                    ));
                }
                (Some(_), false) => {
                    return Err(not_implemented(
                        "put with PutMode::Update (the store has no compare-and-swap write)",
                    ));
                }
            }
        }
    };
    if !tags.encoded().is_empty() {
        return Err(not_implemented("put with tags"));
    }
    for (attribute, value) in attributes {
        let value = value.as_ref().to_owned();
        options = match attribute {
            Attribute::ContentType if caps.contains(Capability::ContentType) => {
                options.content_type(value)
            }
            Attribute::CacheControl if caps.contains(Capability::CacheControl) => {
                options.cache_control(value)
            }
            Attribute::Metadata(name) if caps.contains(Capability::UserMetadata) => {
                options.metadata(name.as_ref(), value)
            }
            other => {
                return Err(not_implemented(format!(
                    "put with the attribute {other:?} (the store does not keep it)"
                )));
            }
        };
    }
    Ok(options)
}

/// The attributes a stored file carries, as object_store's.
pub(crate) fn attributes(info: &FileInfo) -> Attributes {
    let mut attributes = Attributes::new();
    if let Some(v) = &info.content_type {
        attributes.insert(Attribute::ContentType, v.clone().into());
    }
    if let Some(v) = &info.cache_control {
        attributes.insert(Attribute::CacheControl, v.clone().into());
    }
    for (name, value) in &info.metadata {
        attributes.insert(
            Attribute::Metadata(name.clone().into()),
            value.clone().into(),
        );
    }
    attributes
}

/// A no-overwrite write that keeps `info`'s attributes (the store that
/// reported them keeps them).
pub(crate) fn keeping_attributes(info: &FileInfo) -> WriteOptions {
    let mut options = WriteOptions::new();
    if let Some(v) = &info.content_type {
        options = options.content_type(v.clone());
    }
    if let Some(v) = &info.cache_control {
        options = options.cache_control(v.clone());
    }
    for (name, value) in &info.metadata {
        options = options.metadata(name.clone(), value.clone());
    }
    options
}
