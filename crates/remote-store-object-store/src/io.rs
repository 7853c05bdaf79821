//! [`IoConnector`]: HTTP requests sent from a runtime of the backends' own.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame};
use object_store::ClientOptions;
use object_store::client::{
    HttpClient, HttpConnector, HttpError, HttpErrorKind, HttpRequest, HttpResponse,
    HttpResponseBody, HttpService,
};
use tokio::sync::{mpsc, oneshot};

/// Response frames that may wait between the runtime reading them and the
/// caller taking them: backpressure, so a slow reader never makes the
/// runtime buffer a whole object (object_store's own spawning connector
/// uses an unbounded channel).
const FRAMES: usize = 8;

/// An `object_store` connector (`ReqwestConnector` for S3 and Azure), with every request, its connection
/// and its response body run on
/// [`background_runtime`](remote_store_core::background_runtime), not the
/// caller's: a connection is driven by a task spawned where it was opened;
/// opened on the caller's runtime, it stalls whenever that runtime's
/// threads are blocked (a sync face called from async code on a
/// current-thread runtime waits for work only the blocked thread could
/// do) and dies with it, while the pool hands it to every other caller
/// (ADR-0022). The body reaches the caller through a bounded channel.
#[derive(Debug, Default, Clone, Copy)]
pub struct IoConnector<C>(C);

impl<C: HttpConnector> IoConnector<C> {
    /// `inner`'s requests, run on the background runtime.
    pub fn new(inner: C) -> Self {
        IoConnector(inner)
    }
}

impl<C: HttpConnector> HttpConnector for IoConnector<C> {
    fn connect(&self, options: &ClientOptions) -> object_store::Result<HttpClient> {
        Ok(HttpClient::new(OnIoRuntime {
            inner: self.0.connect(options)?,
            runtime: remote_store_core::background_runtime().handle().clone(),
        }))
    }
}

#[derive(Debug)]
struct OnIoRuntime {
    inner: HttpClient,
    runtime: tokio::runtime::Handle,
}

fn interrupted(what: &str) -> HttpError {
    HttpError::new(
        HttpErrorKind::Interrupted,
        std::io::Error::other(what.to_owned()),
    )
}

#[async_trait::async_trait]
impl HttpService for OnIoRuntime {
    async fn call(&self, req: HttpRequest) -> Result<HttpResponse, HttpError> {
        let inner = self.inner.clone();
        let (head, answer) = oneshot::channel();
        let (frames, receiver) = mpsc::channel(FRAMES);
        let worker = self.runtime.spawn(async move {
            let response = match inner.execute(req).await {
                Ok(response) => response,
                Err(e) => {
                    let _ = head.send(Err(e));
                    return;
                }
            };
            let (parts, mut body) = response.into_parts();
            if head.send(Ok(parts)).is_err() {
                return;
            }
            while let Some(frame) =
                std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await
            {
                if frames.send(frame).await.is_err() {
                    return;
                }
            }
        });
        let worker = AbortOnDrop(worker);
        let parts = answer
            .await
            .map_err(|_| interrupted("the request's task ended without an answer"))??;
        Ok(http::Response::from_parts(
            parts,
            HttpResponseBody::new(Frames {
                receiver,
                _worker: worker,
            }),
        ))
    }
}

/// Stops the request's task when its caller lets go of it.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The response body, as the runtime's task hands it over.
struct Frames {
    receiver: mpsc::Receiver<Result<Frame<Bytes>, HttpError>>,
    _worker: AbortOnDrop,
}

impl Body for Frames {
    type Data = Bytes;
    type Error = HttpError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, HttpError>>> {
        self.receiver.poll_recv(cx)
    }
}
