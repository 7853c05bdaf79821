//! Presigned URLs used by a plain HTTP client (curl), without credentials:
//! a `GET` reads the file, a `PUT` writes it, on S3 (moto, and s3s-fs,
//! which checks signatures) and Azure (Azurite); a URL used for another
//! method or another file is refused where the server checks signatures.

use std::process::Command;
use std::time::Duration;

use remote_store::backends::{AzureBackend, S3Backend};
use remote_store::{PresignMethod, PresignOptions, PresignedRequest, Store};

/// Runs curl for `request`, sending `body` for a `PUT`: the HTTP status
/// and the response body.
fn curl(request: &PresignedRequest, body: Option<&[u8]>) -> (u16, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "--max-time", "30", "-o"]).arg(&out).args([
        "-w",
        "%{http_code}",
        "-X",
        request.method.as_str(),
    ]);
    for (name, value) in &request.headers {
        cmd.arg("-H").arg(format!("{name}: {value}"));
    }
    if let Some(body) = body {
        let file = dir.path().join("body");
        std::fs::write(&file, body).unwrap();
        // An upload as curl makes it (`-T`): the body as is, without the
        // form content type `--data-binary` would add.
        cmd.arg("-T").arg(&file);
    }
    let output = cmd.arg(&request.url).output().expect("curl");
    let status = String::from_utf8_lossy(&output.stdout).parse().unwrap_or(0);
    assert!(
        status != 0,
        "curl failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (status, std::fs::read(&out).unwrap_or_default())
}

/// `signed`: whether the server checks signatures (moto accepts any
/// request, so a URL for the wrong method proves nothing there).
fn check(store: Store, signed: bool) {
    let folder = format!("presign-{}", std::process::id());
    let store = store.child(&folder).unwrap();
    let minute = Duration::from_secs(60);
    store
        .write_bytes("readme.txt", "signed for reading", true)
        .unwrap();
    let get = store
        .presign(
            "readme.txt",
            &PresignOptions::new(PresignMethod::Get, minute),
        )
        .unwrap();
    let (status, body) = curl(&get, None);
    assert_eq!(status, 200, "GET {}", String::from_utf8_lossy(&body));
    assert_eq!(body, b"signed for reading");

    let put = store
        .presign(
            "upload/new.bin",
            &PresignOptions::new(PresignMethod::Put, minute),
        )
        .unwrap();
    let content: Vec<u8> = (0..100_000).map(|i| (i % 251) as u8).collect();
    let (status, body) = curl(&put, Some(&content));
    assert!(
        (200..300).contains(&status),
        "PUT {status}: {}",
        String::from_utf8_lossy(&body)
    );
    assert_eq!(store.read_bytes("upload/new.bin").unwrap(), content);

    if signed {
        // A URL used for another method, or another file, is refused.
        let wrong = PresignedRequest::new(PresignMethod::Put, get.url.clone());
        let (status, _) = curl(&wrong, Some(b"x"));
        assert!(status >= 400, "a GET URL accepted a PUT ({status})");
        let other = get.url.replace("readme.txt", "other.txt");
        let (status, _) = curl(&PresignedRequest::new(PresignMethod::Get, other), None);
        assert!(
            status >= 400,
            "a URL for another file was accepted ({status})"
        );
        assert_eq!(
            store.read_bytes("readme.txt").unwrap(),
            "signed for reading"
        );
    }
    store.delete_folder("", true, true).unwrap();
}

#[test]
fn s3_moto() {
    let backend = S3Backend::new(crate::s3::moto_config()).unwrap();
    check(Store::new(backend), false);
}

/// s3s-fs checks SigV4 signatures, presigned ones included.
#[test]
fn s3_s3s() {
    let backend = S3Backend::new(crate::s3::s3s_config()).unwrap();
    check(Store::new(backend), true);
}

#[test]
fn azure() {
    let backend = AzureBackend::new(crate::azure::azurite_config()).unwrap();
    check(Store::new(backend), true);
}
