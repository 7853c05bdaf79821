//! The operations of the backend traits, by name.

/// The operations of a backend a layer can tell apart (a fault's target,
/// a span's or metric's `op`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Op {
    /// `exists`.
    Exists,
    /// `is_file`.
    IsFile,
    /// `is_folder`.
    IsFolder,
    /// `read` (opening the stream; see [`Faults::break_reads`](crate::Faults::break_reads) for the
    /// stream itself).
    Read,
    /// `read_bytes`.
    ReadBytes,
    /// `write`.
    Write,
    /// `delete`.
    Delete,
    /// `delete_batch`.
    DeleteBatch,
    /// `delete_folder`.
    DeleteFolder,
    /// `list_files`.
    ListFiles,
    /// `list_folders`.
    ListFolders,
    /// `get_file_info`.
    GetFileInfo,
    /// `get_folder_info`.
    GetFolderInfo,
    /// `rename`.
    Rename,
    /// `copy`.
    Copy,
    /// `glob`.
    Glob,
    /// `presign`.
    Presign,
    /// `check_health`.
    CheckHealth,
}

impl Op {
    /// Every operation, in declaration order (`ALL[op as usize] == op`).
    pub(crate) const ALL: [Op; 18] = [
        Op::Exists,
        Op::IsFile,
        Op::IsFolder,
        Op::Read,
        Op::ReadBytes,
        Op::Write,
        Op::Delete,
        Op::DeleteBatch,
        Op::DeleteFolder,
        Op::ListFiles,
        Op::ListFolders,
        Op::GetFileInfo,
        Op::GetFolderInfo,
        Op::Rename,
        Op::Copy,
        Op::Glob,
        Op::Presign,
        Op::CheckHealth,
    ];

    /// The operation's name, as the traits spell it (`get_file_info`).
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Exists => "exists",
            Op::IsFile => "is_file",
            Op::IsFolder => "is_folder",
            Op::Read => "read",
            Op::ReadBytes => "read_bytes",
            Op::Write => "write",
            Op::Delete => "delete",
            Op::DeleteBatch => "delete_batch",
            Op::DeleteFolder => "delete_folder",
            Op::ListFiles => "list_files",
            Op::ListFolders => "list_folders",
            Op::GetFileInfo => "get_file_info",
            Op::GetFolderInfo => "get_folder_info",
            Op::Rename => "rename",
            Op::Copy => "copy",
            Op::Glob => "glob",
            Op::Presign => "presign",
            Op::CheckHealth => "check_health",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Op;

    #[test]
    fn all_is_in_declaration_order() {
        for (i, op) in Op::ALL.iter().enumerate() {
            assert_eq!(*op as usize, i, "{op:?}");
        }
    }
}
