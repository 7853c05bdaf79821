//! S3 against two servers on loopback, moto and s3rver, through both
//! faces. (s3s-fs serves the fault tests; see `s3s_config`.)

use remote_store::backends::S3Backend;
use remote_store::s3::S3Config;

use crate::services::var;

pub(crate) fn moto_config() -> S3Config {
    S3Config::new(var("RS_S3_BUCKET"))
        .endpoint(var("RS_S3_ENDPOINT"))
        .allow_http(true)
        .region("us-east-1")
        .credentials("test", "test")
}

/// s3s-fs 0.14.1 checks signatures and keeps data on disk, which the
/// fault tests need. It is not a conformance target: its `If-None-Match`
/// is not atomic (concurrent creators all win) and a `HEAD` of a key that
/// is also a folder answers 500, both artefacts of mapping keys to files.
pub(crate) fn s3s_config() -> S3Config {
    S3Config::new(var("RS_S3S_BUCKET"))
        .endpoint(var("RS_S3S_ENDPOINT"))
        .allow_http(true)
        .region("us-east-1")
        .credentials("test", "test")
        .conditional_put(false)
}

/// s3rver 3.7.1 (Node, from npm): the second S3 implementation the
/// conformance suite runs on. It ignores `If-None-Match`, so no-overwrite
/// writes are not declared race-free there (`conditional_put(false)`).
pub(crate) fn s3rver_config() -> S3Config {
    S3Config::new(var("RS_S3RVER_BUCKET"))
        .endpoint(var("RS_S3RVER_ENDPOINT"))
        .allow_http(true)
        .region("us-east-1")
        .credentials("S3RVER", "S3RVER")
        .conditional_put(false)
}

mod s3rver {
    fn backend() -> super::S3Backend {
        super::S3Backend::new(super::s3rver_config()).expect("S3 config")
    }
    remote_store_conformance::conformance_tests!(async, backend);
}

mod moto {
    fn backend() -> super::S3Backend {
        super::S3Backend::new(super::moto_config()).expect("S3 config")
    }
    remote_store_conformance::conformance_tests!(async, backend);
}
