//! SQL over files on an SFTP server, through remote-store's SFTP backend
//! registered with DataFusion as an `object_store::ObjectStore`.
//!
//! It writes a CSV file with remote-store, has DataFusion query it,
//! write the result as Parquet back to the server (a multipart upload
//! through the adapter) and query that, checks both results, prints
//! them, and removes its folder.
//!
//! Run it with `cargo xtask example datafusion` from the repository (that
//! starts the test sshd), or here with `cargo run` and the `RS_SFTP_*`
//! variables of `cargo xtask services env` set.

use std::error::Error;
use std::sync::Arc;

use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::prelude::{CsvReadOptions, ParquetReadOptions, SessionContext};
use remote_store::AsyncStore;
use remote_store::backends::AsyncSftpBackend;
use remote_store::object_store_adapter::v0_13::ObjectStoreAdapter;
use remote_store::sftp::SftpConfig;
use url::Url;

const TRIPS: &str = "\
city,day,km
Lyon,2026-12-01,12.5
Lyon,2026-12-02,3.0
Oslo,2026-12-01,41.0
Oslo,2026-12-03,7.5
Porto,2026-12-02,18.0
";

const BY_CITY: &str = "\
+-------+-------+------+
| city  | trips | km   |
+-------+-------+------+
| Lyon  | 2     | 15.5 |
| Oslo  | 2     | 48.5 |
| Porto | 1     | 18.0 |
+-------+-------+------+";

const LONG_TRIPS: &str = "\
+-------+------------+------+
| city  | day        | km   |
+-------+------------+------+
| Oslo  | 2026-12-01 | 41.0 |
| Porto | 2026-12-02 | 18.0 |
| Lyon  | 2026-12-01 | 12.5 |
+-------+------------+------+";

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let config = SftpConfig::new(var("RS_SFTP_HOST")?, var("RS_SFTP_USER")?)
        .port(var("RS_SFTP_PORT")?.parse()?)
        .base_path(var("RS_SFTP_DIR")?)
        .key_file(var("RS_SFTP_KEY")?)
        .known_hosts(var("RS_SFTP_KNOWN_HOSTS")?);
    let server = AsyncStore::new(AsyncSftpBackend::new(config)?);
    let folder = format!("datafusion-example-{}", std::process::id());
    let store = server.child(&folder)?;

    let result = run(&store).await;
    server.delete_folder(&folder, true, true).await?;
    result
}

async fn run(store: &AsyncStore) -> Result<(), Box<dyn Error>> {
    // The data arrives the way any other file does: written with remote-store.
    store.write_bytes("trips/2026-12.csv", TRIPS, false).await?;

    // DataFusion finds the store by the URL's scheme and host.
    let ctx = SessionContext::new();
    let base = Url::parse("sftp://example")?;
    ctx.register_object_store(&base, Arc::new(ObjectStoreAdapter::new(store.clone())));

    ctx.register_csv("trips", "sftp://example/trips/", CsvReadOptions::new())
        .await?;
    let by_city = ctx
        .sql("SELECT city, count(*) AS trips, sum(km) AS km FROM trips GROUP BY city ORDER BY city")
        .await?
        .collect()
        .await?;
    show(
        "trips by city (CSV on SFTP)",
        &pretty_format_batches(&by_city)?.to_string(),
        BY_CITY,
    )?;

    // DataFusion writes Parquet back through the adapter's multipart upload.
    ctx.sql(
        "COPY (SELECT * FROM trips) TO 'sftp://example/parquet/trips.parquet' STORED AS PARQUET",
    )
    .await?
    .collect()
    .await?;
    let info = store.get_file_info("parquet/trips.parquet").await?;
    println!("wrote parquet/trips.parquet: {} bytes", info.size);

    ctx.register_parquet(
        "trips_parquet",
        "sftp://example/parquet/",
        ParquetReadOptions::default(),
    )
    .await?;
    let long = ctx
        .sql("SELECT city, day, km FROM trips_parquet WHERE km > 10 ORDER BY km DESC")
        .await?
        .collect()
        .await?;
    show(
        "trips over 10 km (Parquet on SFTP)",
        &pretty_format_batches(&long)?.to_string(),
        LONG_TRIPS,
    )
}

/// Prints a result, and fails when it is not the expected one.
fn show(title: &str, got: &str, expected: &str) -> Result<(), Box<dyn Error>> {
    println!("{title}\n{got}");
    if got != expected {
        return Err(format!("{title}: expected\n{expected}").into());
    }
    Ok(())
}

fn var(name: &str) -> Result<String, Box<dyn Error>> {
    std::env::var(name)
        .map_err(|_| format!("{name} is not set: run `cargo xtask example datafusion`").into())
}
