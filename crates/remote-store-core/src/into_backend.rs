//! How [`Store::new`](crate::Store::new) and
//! [`AsyncStore::new`](crate::AsyncStore::new) accept both kinds of backend.
//!
//! The marker type parameter keeps the impls apart (a type that is a sync
//! backend gets one impl, an async backend the other), so the compiler
//! picks the right wrapping and users never wrap by hand.

use std::sync::Arc;

use crate::adapter::{AsyncBackendBridge, SyncBackendAdapter};
use crate::async_backend::AsyncBackend;
use crate::backend::Backend;

/// Markers that tell the [`IntoBackend`] / [`IntoAsyncBackend`] impls apart.
/// Never named by users.
pub mod marker {
    /// The value is a sync backend.
    #[derive(Debug)]
    pub enum Sync {}
    /// The value is an async backend.
    #[derive(Debug)]
    pub enum Async {}
    /// The value is a shared sync backend.
    #[derive(Debug)]
    pub enum SharedSync {}
    /// The value is a shared async backend.
    #[derive(Debug)]
    pub enum SharedAsync {}
}

/// Anything a [`Store`](crate::Store) can run on: a sync backend (used as
/// is) or an async backend (run on the blocking bridge), owned or shared.
pub trait IntoBackend<M> {
    /// The value as a sync backend.
    fn into_backend(self) -> Arc<dyn Backend>;
}

impl<B: Backend> IntoBackend<marker::Sync> for B {
    fn into_backend(self) -> Arc<dyn Backend> {
        Arc::new(self)
    }
}

impl<B: AsyncBackend> IntoBackend<marker::Async> for B {
    fn into_backend(self) -> Arc<dyn Backend> {
        Arc::new(AsyncBackendBridge::new(self))
    }
}

impl IntoBackend<marker::SharedSync> for Arc<dyn Backend> {
    fn into_backend(self) -> Arc<dyn Backend> {
        self
    }
}

impl IntoBackend<marker::SharedAsync> for Arc<dyn AsyncBackend> {
    fn into_backend(self) -> Arc<dyn Backend> {
        Arc::new(AsyncBackendBridge::from_arc(self))
    }
}

/// Anything an [`AsyncStore`](crate::AsyncStore) can run on: an async
/// backend (used as is) or a sync backend (run through
/// [`SyncBackendAdapter`]), owned or shared.
pub trait IntoAsyncBackend<M> {
    /// The value as an async backend.
    fn into_async_backend(self) -> Arc<dyn AsyncBackend>;
}

impl<B: AsyncBackend> IntoAsyncBackend<marker::Async> for B {
    fn into_async_backend(self) -> Arc<dyn AsyncBackend> {
        Arc::new(self)
    }
}

impl<B: Backend> IntoAsyncBackend<marker::Sync> for B {
    fn into_async_backend(self) -> Arc<dyn AsyncBackend> {
        Arc::new(SyncBackendAdapter::new(self))
    }
}

impl IntoAsyncBackend<marker::SharedAsync> for Arc<dyn AsyncBackend> {
    fn into_async_backend(self) -> Arc<dyn AsyncBackend> {
        self
    }
}

impl IntoAsyncBackend<marker::SharedSync> for Arc<dyn Backend> {
    fn into_async_backend(self) -> Arc<dyn AsyncBackend> {
        Arc::new(SyncBackendAdapter::from_arc(self))
    }
}
