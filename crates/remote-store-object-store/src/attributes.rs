//! Content type, cache-control and user metadata as object_store
//! [`Attributes`], both ways.

use object_store::{Attribute, Attributes};
use remote_store_core::{FileInfo, WriteOptions};

/// The attributes a write sends.
pub(crate) fn of_write(options: &WriteOptions) -> Attributes {
    let mut attributes = Attributes::new();
    if let Some(content_type) = &options.content_type {
        attributes.insert(Attribute::ContentType, content_type.clone().into());
    }
    if let Some(cache_control) = &options.cache_control {
        attributes.insert(Attribute::CacheControl, cache_control.clone().into());
    }
    for (name, value) in &options.metadata {
        attributes.insert(
            Attribute::Metadata(name.clone().into()),
            value.clone().into(),
        );
    }
    attributes
}

/// `info` with what the service reported of the attributes we keep.
/// Metadata names come back as the service spells them (S3 lowercases,
/// which our names already are).
pub(crate) fn onto_info(mut info: FileInfo, attributes: &Attributes) -> FileInfo {
    for (attribute, value) in attributes {
        let value: &str = value.as_ref();
        info = match attribute {
            Attribute::ContentType => info.with_content_type(value),
            Attribute::CacheControl => info.with_cache_control(value),
            Attribute::Metadata(name) => {
                info.metadata.insert(name.to_string(), value.to_owned());
                info
            }
            _ => info,
        };
    }
    info
}
