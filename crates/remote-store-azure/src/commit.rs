//! Race-free no-overwrite for block-list (multipart) writes.
//!
//! `Put Block List` honours `If-None-Match: *`, and the glue's
//! [`CreateOnlyCommits`] connector adds it to every commit. SharedKey
//! signs that header, though, so a request `object_store` already signed
//! would be refused (403): [`shared_key_resign`] signs it again with the
//! same key. SAS (signed query) and bearer tokens do not cover headers and
//! are sent as they are.

use std::sync::Arc;

use http::header::AUTHORIZATION;
use object_store::azure::{
    AzureAccessKey, AzureAuthorizer, AzureConfigKey, AzureCredential, MicrosoftAzureBuilder,
};
use object_store::client::{HttpError, HttpErrorKind, HttpRequest};
use remote_store_object_store::{CreateOnlyCommits, Resign};

/// The public, documented key of Azurite's `devstoreaccount1`, which
/// `object_store` signs with in emulator mode when no key is configured.
const EMULATOR_ACCOUNT_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// The connector for the create-only client of a store built by `builder`.
pub(crate) fn create_only_commits(builder: &MicrosoftAzureBuilder) -> CreateOnlyCommits {
    let key = builder
        .get_config_value(&AzureConfigKey::AccessKey)
        .or_else(|| {
            let emulator = builder.get_config_value(&AzureConfigKey::UseEmulator);
            (emulator.as_deref() == Some("true")).then(|| EMULATOR_ACCOUNT_KEY.to_owned())
        })
        .and_then(|k| AzureAccessKey::try_new(&k).ok());
    CreateOnlyCommits::new(crate::backend::http()).with_resign(shared_key_resign(key))
}

fn signing_error(message: &str) -> HttpError {
    HttpError::new(
        HttpErrorKind::Unknown,
        std::io::Error::other(message.to_owned()),
    )
}

/// Replaces a SharedKey signature with one that covers the headers the
/// request has now; leaves other authorizations alone.
fn shared_key_resign(key: Option<AzureAccessKey>) -> Resign {
    Arc::new(move |req: &mut HttpRequest| {
        let Some(signed) = req.headers().get(AUTHORIZATION) else {
            return Ok(()); // SAS: the signature is in the query.
        };
        let Some(rest) = signed
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("SharedKey "))
        else {
            return Ok(()); // Bearer token: headers are not signed.
        };
        // `SharedKey <account>:<signature>`.
        let account = rest
            .rsplit_once(':')
            .map(|(account, _)| account.to_owned())
            .ok_or_else(|| signing_error("malformed SharedKey authorization"))?;
        let key = key.clone().ok_or_else(|| {
            signing_error("cannot sign a conditional commit: the account key is not known")
        })?;
        req.headers_mut().remove(AUTHORIZATION);
        AzureAuthorizer::new(&AzureCredential::AccessKey(key), &account)
            .try_authorize(req)
            .map_err(|e| HttpError::new(HttpErrorKind::Unknown, e))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::client::HttpRequestBody;

    fn signed(credential: &AzureCredential) -> HttpRequest {
        let mut req = HttpRequest::new(HttpRequestBody::empty());
        *req.method_mut() = http::Method::PUT;
        *req.uri_mut() = "http://127.0.0.1:10000/acct/c/k?comp=blocklist"
            .parse()
            .unwrap();
        AzureAuthorizer::new(credential, "acct")
            .try_authorize(&mut req)
            .unwrap();
        req
    }

    fn auth(req: &HttpRequest) -> Option<String> {
        req.headers()
            .get(AUTHORIZATION)
            .map(|v| v.to_str().unwrap().to_owned())
    }

    #[test]
    fn shared_key_is_signed_again_over_the_new_header() {
        let key = AzureAccessKey::try_new(EMULATOR_ACCOUNT_KEY).unwrap();
        let mut req = signed(&AzureCredential::AccessKey(key.clone()));
        let before = auth(&req).unwrap();
        req.headers_mut()
            .insert(http::header::IF_NONE_MATCH, "*".parse().unwrap());
        shared_key_resign(Some(key.clone()))(&mut req).unwrap();
        let after = auth(&req).unwrap();
        assert!(after.starts_with("SharedKey acct:"), "{after}");
        assert_ne!(before, after, "the signature must cover If-None-Match");
        assert_eq!(req.headers().get_all(AUTHORIZATION).iter().count(), 1);
        // Azurite checks the signature itself (tests/it/faults.rs).
    }

    #[test]
    fn bearer_and_sas_are_left_alone() {
        let mut bearer = signed(&AzureCredential::BearerToken("t0ken".into()));
        shared_key_resign(None)(&mut bearer).unwrap();
        assert_eq!(auth(&bearer).as_deref(), Some("Bearer t0ken"));

        let mut sas = signed(&AzureCredential::SASToken(vec![("sig".into(), "x".into())]));
        let uri = sas.uri().clone();
        shared_key_resign(None)(&mut sas).unwrap();
        assert_eq!(auth(&sas), None);
        assert_eq!(sas.uri(), &uri);
    }

    #[test]
    fn shared_key_without_a_key_is_an_error_not_a_silent_unconditional_commit() {
        let key = AzureAccessKey::try_new(EMULATOR_ACCOUNT_KEY).unwrap();
        let mut req = signed(&AzureCredential::AccessKey(key));
        let err = shared_key_resign(None)(&mut req).unwrap_err();
        assert!(err.to_string().contains("account key"), "{err}");
    }
}
