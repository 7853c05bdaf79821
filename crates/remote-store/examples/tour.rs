//! A tour of every operation, on the sync and the async face, printing
//! what each call did. Run it with `cargo run --example tour`.

use std::io::{Read, Seek, SeekFrom, Write};

use futures::TryStreamExt;
use remote_store::backends::{AsyncMemoryBackend, MemoryBackend};
use remote_store::{AsyncStore, Capability, ErrorKind, ReadOptions, Result, Store, WriteOptions};

fn main() -> Result<()> {
    println!("== sync Store over MemoryBackend ==");
    sync_tour(Store::new(MemoryBackend::new()).child("tour")?)?;
    println!("\n== sync Store over AsyncMemoryBackend (blocking bridge) ==");
    sync_tour(Store::new(AsyncMemoryBackend::new()).child("tour")?)?;

    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    println!("\n== AsyncStore over AsyncMemoryBackend ==");
    rt.block_on(async_tour(
        AsyncStore::new(AsyncMemoryBackend::new()).child("tour")?,
    ))?;
    println!("\n== AsyncStore over MemoryBackend (SyncBackendAdapter) ==");
    rt.block_on(async_tour(
        AsyncStore::new(MemoryBackend::new()).child("tour")?,
    ))
}

fn sync_tour(store: Store) -> Result<()> {
    println!(
        "backend {:?}, root '{}', capabilities: {}",
        store.name(),
        store.root(),
        store.capabilities()
    );
    store.write_bytes("docs/readme.txt", "hello, storage\n", false)?;
    println!("write_bytes docs/readme.txt");
    store.write("data/numbers.csv", &b"n\n1\n2\n3\n"[..], false)?;
    println!("write data/numbers.csv (streamed from a reader)");
    store.write_atomic("data/config.json", &br#"{"v":1}"#[..], false)?;
    println!("write_atomic data/config.json");
    // Every option of an operation, in one struct (`*_with`); every write
    // says what it stored.
    let options = WriteOptions::new().overwrite(true).atomic(true);
    let written = store.write_with("data/config.json", &br#"{"v":2}"#[..], &options)?;
    println!(
        "write_with data/config.json (overwrite, atomic) -> {} bytes, etag {:?}",
        written.size, written.etag
    );
    // A writer sink, for serializers and format crates that want an
    // `io::Write`: the file appears whole on `finish`, never if dropped.
    let mut out = store.writer("data/report.csv", false)?;
    writeln!(out, "region,total")?;
    writeln!(out, "north,10")?;
    let written = out.finish()?;
    println!("writer data/report.csv -> {} bytes", written.size);
    // Compare-and-swap: replace only the version read; a writer holding a
    // stale etag is refused (`PreconditionFailed`) and changes nothing.
    let etag = store.get_file_info("data/config.json")?.etag;
    let etag = etag.expect("the memory backend reports etags");
    let swap = WriteOptions::new().if_match(&etag);
    store.write_with("data/config.json", &br#"{"v":3}"#[..], &swap)?;
    let stale = store.write_with("data/config.json", &br#"{"v":4}"#[..], &swap);
    println!(
        "compare-and-swap from {etag}: ok; again from {etag} -> {}",
        stale.unwrap_err()
    );
    // Random access: `Read + Seek` on range reads, pinned to the version
    // it opened (for zip, parquet and other formats that seek).
    let mut seekable = store.open_seekable("data/report.csv")?;
    seekable.seek(SeekFrom::Start(13))?;
    let mut row = String::new();
    seekable.read_to_string(&mut row)?;
    println!("open_seekable data/report.csv at 13 -> {row:?}");
    // Attributes kept with the file where the backend keeps them: a content
    // type (guessed from the extension when not given), cache-control and
    // user metadata, returned by `get_file_info`.
    let tagged = WriteOptions::new()
        .overwrite(true)
        .cache_control("max-age=60")
        .metadata("source", "tour");
    store.write_with("data/report.csv", &b"region,total\n"[..], &tagged)?;
    let info = store.get_file_info("data/report.csv")?;
    println!(
        "write_with attributes -> content type {:?}, cache-control {:?}, metadata {:?}",
        info.content_type, info.cache_control, info.metadata
    );
    let again = store.write_bytes("docs/readme.txt", "clobber", false);
    println!(
        "write_bytes again without overwrite -> {}",
        again.unwrap_err()
    );

    let mut text = String::new();
    store
        .read("docs/readme.txt")?
        .read_to_string(&mut text)
        .expect("utf-8");
    println!("read docs/readme.txt -> {text:?}");
    let head = store.read_range("data/numbers.csv", 0, Some(4))?;
    println!(
        "read_range data/numbers.csv [0, 4) -> {:?}",
        String::from_utf8_lossy(&read_all(head))
    );
    println!(
        "read_bytes data/config.json -> {:?}",
        store.read_bytes("data/config.json")?
    );
    // The metadata of exactly the bytes read, from one call.
    let (info, stream) = store.read_with_info("data/numbers.csv", &ReadOptions::new())?;
    println!(
        "read_with_info data/numbers.csv -> {} bytes, etag {:?}, {:?}",
        info.size,
        info.etag,
        String::from_utf8_lossy(&read_all(stream))
    );

    println!(
        "exists docs -> {}, is_file docs -> {}, is_folder docs -> {}",
        store.exists("docs")?,
        store.is_file("docs")?,
        store.is_folder("docs")?
    );
    let info = store.get_file_info("data/numbers.csv")?;
    println!(
        "get_file_info data/numbers.csv -> {} bytes, etag {:?}",
        info.size, info.etag
    );
    let folder = store.get_folder_info("")?;
    println!(
        "get_folder_info / -> {} files, {} bytes",
        folder.file_count, folder.total_size
    );

    for f in store.list_files("", true)? {
        println!("list_files (recursive) -> {}", f?.path);
    }
    for d in store.list_folders("")? {
        println!("list_folders -> {}", d?);
    }
    for f in store.glob("**/*.csv")? {
        println!("glob **/*.csv -> {}", f?.path);
    }

    store.copy("data/numbers.csv", "backup/numbers.csv", false)?;
    println!("copy data/numbers.csv -> backup/numbers.csv");
    store.rename("backup/numbers.csv", "backup/old.csv", false)?;
    println!("rename backup/numbers.csv -> backup/old.csv");
    store.delete("backup/old.csv", false)?;
    println!(
        "delete backup/old.csv; is_folder backup -> {} (folders vanish when empty here: persistent_folders = {})",
        store.is_folder("backup")?,
        store.supports(Capability::PersistentFolders)
    );
    let refused = store.delete_folder("data", false, false).unwrap_err();
    println!("delete_folder data (not recursive) -> {refused}");
    store.delete_folder("data", true, false)?;
    println!("delete_folder data (recursive) -> done");

    let native = store.native_path("docs/readme.txt")?;
    println!(
        "native_path docs/readme.txt -> {native}; to_key back -> {}",
        store.to_key(&native)?
    );
    let bad = store.read_bytes("../escape").unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::InvalidPath);
    println!("read_bytes ../escape -> {bad}");
    store.close()?;
    println!(
        "close; read after close -> {}",
        store.read_bytes("docs/readme.txt").unwrap_err()
    );
    Ok(())
}

async fn async_tour(store: AsyncStore) -> Result<()> {
    println!("backend {:?}, root '{}'", store.name(), store.root());
    store.write_bytes("a/one.txt", "one", false).await?;
    let chunks = futures::stream::iter(["two ", "in ", "chunks"].map(|s| Ok(s.into())));
    store.write("a/two.txt", chunks, false).await?;
    println!("write_bytes a/one.txt; write a/two.txt from a stream of chunks");
    let content = store.read_bytes("a/two.txt").await?;
    println!("read_bytes a/two.txt -> {content:?}");
    let listed: Vec<_> = store.list_files("a", false).await?.try_collect().await?;
    println!(
        "list_files a -> {:?}",
        listed.iter().map(|f| f.path.as_str()).collect::<Vec<_>>()
    );
    store.rename("a/one.txt", "b/one.txt", false).await?;
    let globbed: Vec<_> = store.glob("*/*.txt").await?.try_collect().await?;
    println!(
        "rename a/one.txt -> b/one.txt; glob */*.txt -> {:?}",
        globbed.iter().map(|f| f.path.as_str()).collect::<Vec<_>>()
    );
    store.delete_folder("", true, false).await?;
    println!(
        "delete_folder / (recursive); is_folder a -> {}",
        store.is_folder("a").await?
    );
    store.close().await
}

fn read_all(mut r: impl Read) -> Vec<u8> {
    let mut buf = Vec::new();
    r.read_to_end(&mut buf).expect("read");
    buf
}
