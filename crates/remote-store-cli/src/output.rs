//! Printing results: aligned text for people, one JSON object per line for
//! scripts (`--json`), so listings stream either way.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use remote_store::{FileInfo, FolderInfo, RemotePath};
use serde_json::json;

/// A time as `YYYY-MM-DDTHH:MM:SSZ` (UTC).
pub(crate) fn timestamp(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

pub(crate) struct Printer {
    pub(crate) json: bool,
    out: std::io::StdoutLock<'static>,
}

impl Printer {
    pub(crate) fn new(json: bool) -> Self {
        Printer {
            json,
            out: std::io::stdout().lock(),
        }
    }

    fn line(&mut self, text: &str) -> std::io::Result<()> {
        writeln!(self.out, "{text}")
    }

    pub(crate) fn file(&mut self, info: &FileInfo, long: bool) -> std::io::Result<()> {
        if self.json {
            let value = json!({
                "type": "file",
                "path": info.path.as_str(),
                "size": info.size,
                "modified": info.modified.map(timestamp),
                "content_type": info.content_type,
                "etag": info.etag,
            });
            return self.line(&value.to_string());
        }
        if long {
            let modified = info.modified.map(timestamp).unwrap_or_else(|| "-".into());
            self.line(&format!("{:>14}  {modified:20}  {}", info.size, info.path))
        } else {
            self.line(info.path.as_str())
        }
    }

    pub(crate) fn folder(&mut self, path: &RemotePath, long: bool) -> std::io::Result<()> {
        if self.json {
            let value = json!({ "type": "folder", "path": path.as_str() });
            return self.line(&value.to_string());
        }
        if long {
            self.line(&format!("{:>14}  {:20}  {path}/", "-", "-"))
        } else {
            self.line(&format!("{path}/"))
        }
    }

    pub(crate) fn folder_info(&mut self, info: &FolderInfo) -> std::io::Result<()> {
        if self.json {
            let value = json!({
                "type": "folder",
                "path": info.path.as_str(),
                "file_count": info.file_count,
                "total_size": info.total_size,
                "modified": info.modified.map(timestamp),
            });
            return self.line(&value.to_string());
        }
        self.line(&format!(
            "folder {}\n  files: {}\n  size: {}\n  modified: {}",
            display_path(&info.path),
            info.file_count,
            info.total_size,
            info.modified.map(timestamp).unwrap_or_else(|| "-".into())
        ))
    }

    pub(crate) fn file_info(&mut self, info: &FileInfo) -> std::io::Result<()> {
        if self.json {
            return self.file(info, true);
        }
        self.line(&format!(
            "file {}\n  size: {}\n  modified: {}\n  content type: {}\n  etag: {}",
            info.path,
            info.size,
            info.modified.map(timestamp).unwrap_or_else(|| "-".into()),
            info.content_type.as_deref().unwrap_or("-"),
            info.etag.as_deref().unwrap_or("-"),
        ))
    }

    pub(crate) fn usage(&mut self, info: &FolderInfo) -> std::io::Result<()> {
        if self.json {
            return self.folder_info(info);
        }
        self.line(&format!(
            "{}\t{}\t{}",
            info.total_size,
            info.file_count,
            display_path(&info.path)
        ))
    }

    pub(crate) fn text(&mut self, text: &str) -> std::io::Result<()> {
        self.line(text)
    }

    pub(crate) fn value(&mut self, value: serde_json::Value) -> std::io::Result<()> {
        self.line(&value.to_string())
    }
}

fn display_path(path: &RemotePath) -> String {
    if path.is_root() {
        "/".into()
    } else {
        path.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_are_utc_iso() {
        assert_eq!(timestamp(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_795_305_600 + 3661); // 2026-11-22
        assert_eq!(timestamp(t), "2026-11-22T01:01:01Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(timestamp(leap), "2000-02-29T00:00:00Z");
    }
}
