//! [`forward_async_backend!`]: implements `AsyncBackend` for a wrapper by
//! forwarding every method to an inner backend, so service crates (S3,
//! Azure) can keep their own type — and with it their typed native handle —
//! without repeating two dozen methods.

/// `forward_async_backend!(MyType, field)` implements `AsyncBackend` for
/// `MyType` by calling `self.field` for every method.
#[macro_export]
macro_rules! forward_async_backend {
    ($ty:ty, $field:ident) => {
        #[$crate::__private::async_trait]
        impl $crate::__private::AsyncBackend for $ty {
            fn name(&self) -> &str {
                self.$field.name()
            }
            fn capabilities(&self) -> $crate::__private::Capabilities {
                self.$field.capabilities()
            }
            async fn exists(
                &self,
                p: &$crate::__private::RemotePath,
            ) -> $crate::__private::Result<bool> {
                self.$field.exists(p).await
            }
            async fn is_file(
                &self,
                p: &$crate::__private::RemotePath,
            ) -> $crate::__private::Result<bool> {
                self.$field.is_file(p).await
            }
            async fn is_folder(
                &self,
                p: &$crate::__private::RemotePath,
            ) -> $crate::__private::Result<bool> {
                self.$field.is_folder(p).await
            }
            async fn read(
                &self,
                p: &$crate::__private::RemotePath,
                o: &$crate::__private::ReadOptions,
            ) -> $crate::__private::Result<$crate::__private::ByteStream> {
                self.$field.read(p, o).await
            }
            async fn read_bytes(
                &self,
                p: &$crate::__private::RemotePath,
                o: &$crate::__private::ReadOptions,
            ) -> $crate::__private::Result<$crate::__private::Bytes> {
                self.$field.read_bytes(p, o).await
            }
            async fn write(
                &self,
                p: &$crate::__private::RemotePath,
                src: $crate::__private::ByteStream,
                o: &$crate::__private::WriteOptions,
            ) -> $crate::__private::Result<$crate::__private::WriteResult> {
                self.$field.write(p, src, o).await
            }
            async fn delete(
                &self,
                p: &$crate::__private::RemotePath,
                o: &$crate::__private::DeleteOptions,
            ) -> $crate::__private::Result<()> {
                self.$field.delete(p, o).await
            }
            async fn delete_folder(
                &self,
                p: &$crate::__private::RemotePath,
                o: &$crate::__private::DeleteFolderOptions,
            ) -> $crate::__private::Result<()> {
                self.$field.delete_folder(p, o).await
            }
            async fn list_files(
                &self,
                p: &$crate::__private::RemotePath,
                o: &$crate::__private::ListOptions,
            ) -> $crate::__private::Result<$crate::__private::FileStream> {
                self.$field.list_files(p, o).await
            }
            async fn list_folders(
                &self,
                p: &$crate::__private::RemotePath,
            ) -> $crate::__private::Result<$crate::__private::FolderStream> {
                self.$field.list_folders(p).await
            }
            async fn get_file_info(
                &self,
                p: &$crate::__private::RemotePath,
            ) -> $crate::__private::Result<$crate::__private::FileInfo> {
                self.$field.get_file_info(p).await
            }
            async fn get_folder_info(
                &self,
                p: &$crate::__private::RemotePath,
            ) -> $crate::__private::Result<$crate::__private::FolderInfo> {
                self.$field.get_folder_info(p).await
            }
            async fn rename(
                &self,
                src: &$crate::__private::RemotePath,
                dst: &$crate::__private::RemotePath,
                o: &$crate::__private::RenameOptions,
            ) -> $crate::__private::Result<()> {
                self.$field.rename(src, dst, o).await
            }
            async fn copy(
                &self,
                src: &$crate::__private::RemotePath,
                dst: &$crate::__private::RemotePath,
                o: &$crate::__private::CopyOptions,
            ) -> $crate::__private::Result<()> {
                self.$field.copy(src, dst, o).await
            }
            async fn glob(
                &self,
                pattern: &str,
            ) -> $crate::__private::Result<$crate::__private::FileStream> {
                self.$field.glob(pattern).await
            }
            async fn presign(
                &self,
                p: &$crate::__private::RemotePath,
                o: &$crate::__private::PresignOptions,
            ) -> $crate::__private::Result<$crate::__private::PresignedRequest> {
                self.$field.presign(p, o).await
            }
            async fn close(&self) -> $crate::__private::Result<()> {
                self.$field.close().await
            }
            fn storage_id(&self) -> Option<String> {
                self.$field.storage_id()
            }
            fn native_path(&self, p: &$crate::__private::RemotePath) -> String {
                self.$field.native_path(p)
            }
            fn to_key(
                &self,
                native: &str,
            ) -> $crate::__private::Result<$crate::__private::RemotePath> {
                self.$field.to_key(native)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    /// The names of the functions declared in `source` (after `fn `).
    fn functions(source: &str) -> Vec<&str> {
        source
            .lines()
            .filter_map(|l| {
                let l = l.trim_start();
                let l = l.strip_prefix("async ").unwrap_or(l);
                let rest = l.strip_prefix("fn ")?;
                Some(&rest[..rest.find(['(', '<'])?])
            })
            .collect()
    }

    /// The macro forwards every method of `AsyncBackend`: one left out
    /// would silently fall back to the trait's default (refusing a
    /// capability the wrapped backend has, or answering `None`).
    #[test]
    fn forwards_every_method() {
        let core = include_str!("../../remote-store-core/src/async_backend.rs");
        let start = core.find("pub trait AsyncBackend:").expect("the trait");
        let forwarded = functions(include_str!("forward.rs"));
        let missing: Vec<&str> = functions(&core[start..])
            .into_iter()
            .filter(|m| !forwarded.contains(m))
            .collect();
        assert!(missing.is_empty(), "not forwarded: {missing:?}");
    }
}
