//! A crate that needs `Read + Seek` reads members of a zip archive stored
//! on each backend, through `Store::open_seekable`: the archive's central
//! directory at the end, then each member where it lies.

use std::io::{Cursor, Read, Write};

use remote_store::backends::{
    AsyncSftpBackend, AzureBackend, LocalBackend, MemoryBackend, S3Backend, SftpBackend,
};
use remote_store::{Bytes, Store};
use zip::ZipArchive;
use zip::write::{SimpleFileOptions, ZipWriter};

/// A unique folder per run, so runs never meet on shared servers.
fn folder() -> String {
    format!("zip-members-{:016x}", random_u64())
}

fn random_u64() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

/// An archive of two stored members: a small text and 3 MiB of data (so
/// the reader fetches many windows), and the members' content.
fn archive() -> (Bytes, Vec<(&'static str, Vec<u8>)>) {
    let members = vec![
        (
            "notes/readme.txt",
            b"members of an archive in a store\n".to_vec(),
        ),
        (
            "data/big.bin",
            (0..3 * 1024 * 1024 + 7).map(|i| (i % 251) as u8).collect(),
        ),
    ];
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in &members {
        zip.start_file(*name, SimpleFileOptions::default()).unwrap();
        zip.write_all(content).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    (Bytes::from(bytes), members)
}

fn check(store: Store) {
    let store = store.child(folder()).unwrap();
    let (bytes, members) = archive();
    store.write_bytes("archive.zip", &bytes, false).unwrap();
    let reader = store.open_seekable("archive.zip").unwrap();
    assert_eq!(reader.len(), bytes.len() as u64);
    let mut archive = ZipArchive::new(reader).unwrap();
    // Backwards, so the reader seeks both ways.
    for (name, content) in members.iter().rev() {
        let mut member = archive.by_name(name).unwrap();
        let mut got = Vec::new();
        member.read_to_end(&mut got).unwrap();
        assert!(
            got == *content,
            "{name}: {} bytes, want {}",
            got.len(),
            content.len()
        );
    }
    store.delete_folder("", true, true).unwrap();
}

#[test]
fn memory() {
    check(Store::new(MemoryBackend::new()));
}

#[test]
fn local() {
    let dir = tempfile::tempdir().unwrap();
    check(Store::new(LocalBackend::new(dir.path()).unwrap()));
}

#[test]
fn s3_moto() {
    check(Store::new(
        S3Backend::new(crate::s3::moto_config()).unwrap(),
    ));
}

#[test]
fn azure() {
    check(Store::new(
        AzureBackend::new(crate::azure::azurite_config()).unwrap(),
    ));
}

#[test]
fn sftp_ssh2() {
    check(Store::new(SftpBackend::new(crate::sftp::config()).unwrap()));
}

#[test]
fn sftp_russh() {
    check(Store::new(
        AsyncSftpBackend::new(crate::sftp::config()).unwrap(),
    ));
}
