//! AK/SK signing: `SDK-HMAC-SHA256`, exactly as the official Huawei Cloud SDKs sign a request.
//!
//! Takes [`Credentials`] (an access key, a secret key and, for temporary credentials, a security
//! token; read from `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK` and
//! `HUAWEICLOUD_SDK_SECURITY_TOKEN` by [`Credentials::from_env`]) and gives [`Signed`], a
//! [`Target`] layer that signs every request just before the target under it sends it: so the
//! in-process and the HTTP target both get it, every retry is signed afresh, and the requests the
//! runner keeps for its reports never carry a signature, a key or a token.
//!
//! The algorithm is the one of `huaweicloudsdkcore/signer/signer.py` (checked against vectors the
//! Python SDK computed, `tests/signing/`):
//! - `X-Sdk-Date: YYYYMMDDTHHMMSSZ` (UTC) is added; the security token, when there is one, is
//!   sent as `X-Security-Token`; a request whose `Content-Type` is neither `application/json` nor
//!   `application/bson` gets `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD`.
//! - Every header the request carries is signed except names with `_`, plus `host`: lower-case
//!   names, sorted, values trimmed. `host` is what the transport sends: the target's host, with
//!   `:port` when the port is not the scheme's default ([`authority`]).
//! - Canonical request: `METHOD \n URI \n QUERY \n name:value\n... \n names;joined \n
//!   hex(sha256(body))`, where URI is the path as sent, each segment percent-decoded and encoded
//!   again (everything but `A-Z a-z 0-9 _ . - ~`), always ending in `/`; QUERY is the sorted,
//!   encoded `key=value` pairs; an empty body hashes as the empty string, an unsigned payload as
//!   `UNSIGNED-PAYLOAD`.
//! - `Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<names>, Signature=<hex of
//!   HMAC-SHA256(SK, "SDK-HMAC-SHA256\n<date>\n<hex(sha256(canonical request))>")>`.
//!
//! The reference mock's gateway (`mock::gateway`) checks signatures with [`verify`], which reads
//! the request as it arrived, so a test through a socket proves the signature covers exactly what
//! reqwest sent. Nothing here prints: [`Credentials`]' `Debug` shows only that keys are set.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::{Request, SendFuture, Target};

/// The signing algorithm's name, first word of the `Authorization` header.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";

/// The header carrying the signing time.
pub const DATE_HEADER: &str = "X-Sdk-Date";

/// The header carrying the security token of temporary credentials.
pub const SECURITY_TOKEN_HEADER: &str = "X-Security-Token";

/// The header the SDK adds when the body is not hashed.
pub const CONTENT_SHA256_HEADER: &str = "X-Sdk-Content-Sha256";

/// The body hash of a request whose content type is neither JSON nor BSON.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// The environment variable holding the access key (the official SDKs' name).
pub const AK_VAR: &str = "HUAWEICLOUD_SDK_AK";

/// The environment variable holding the secret key.
pub const SK_VAR: &str = "HUAWEICLOUD_SDK_SK";

/// The environment variable holding the security token of temporary credentials.
pub const SECURITY_TOKEN_VAR: &str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";

/// The environment variable `--project-id` falls back to.
pub const PROJECT_ID_VAR: &str = "HUAWEICLOUD_SDK_PROJECT_ID";

/// How far a request's `X-Sdk-Date` may be from the gateway's clock (API Gateway: 15 minutes).
pub const DATE_TOLERANCE: Duration = Duration::from_secs(15 * 60);

/// The SHA-256 of the empty string, the hash of an empty body.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// What Python's `urllib.parse.quote(s, safe='~')` encodes: all but `A-Za-z0-9_.-~`.
const ENCODED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

/// An access key, a secret key and maybe a security token. The secrets are held as
/// [`SecretString`]s (zeroed on drop) and never shown.
pub struct Credentials {
    access_key: String,
    secret_key: SecretString,
    security_token: Option<SecretString>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key", &"***")
            .field("secret_key", &"***")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "***"),
            )
            .finish()
    }
}

impl Credentials {
    /// Credentials from their parts; none may be empty.
    pub fn new(
        access_key: impl Into<String>,
        secret_key: impl Into<String>,
        security_token: Option<String>,
    ) -> Result<Credentials, String> {
        let access_key = access_key.into();
        let secret_key = secret_key.into();
        if access_key.trim().is_empty() || secret_key.trim().is_empty() {
            return Err("the access key and the secret key must not be empty".into());
        }
        if security_token
            .as_deref()
            .is_some_and(|t| t.trim().is_empty())
        {
            return Err("the security token must not be empty".into());
        }
        Ok(Credentials {
            access_key,
            secret_key: secret_key.into(),
            security_token: security_token.map(SecretString::from),
        })
    }

    /// The credentials in [`AK_VAR`], [`SK_VAR`] and [`SECURITY_TOKEN_VAR`]: `None` when neither
    /// key is set, an error when only one is, or a token comes without them.
    pub fn from_env() -> Result<Option<Credentials>, String> {
        Credentials::from_lookup(|name| std::env::var(name).ok())
    }

    /// As [`Credentials::from_env`], reading variables through `lookup` (for tests).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Credentials>, String> {
        let set = |name: &str| lookup(name).filter(|value| !value.is_empty());
        match (set(AK_VAR), set(SK_VAR), set(SECURITY_TOKEN_VAR)) {
            (None, None, None) => Ok(None),
            (Some(ak), Some(sk), token) => Credentials::new(ak, sk, token).map(Some),
            (None, None, Some(_)) => Err(format!(
                "{SECURITY_TOKEN_VAR} is set but {AK_VAR} and {SK_VAR} are not (temporary credentials need all three)"
            )),
            (Some(_), None, _) => Err(format!("{AK_VAR} is set but {SK_VAR} is not")),
            (None, Some(_), _) => Err(format!("{SK_VAR} is set but {AK_VAR} is not")),
        }
    }

    /// The access key (it names the key pair; shown nowhere by this crate).
    pub fn access_key(&self) -> &str {
        &self.access_key
    }

    /// Whether these are temporary credentials with a security token.
    pub fn has_security_token(&self) -> bool {
        self.security_token.is_some()
    }

    /// Checks a request as it arrived against these credentials, as the gateway does: the
    /// signature ([`verify`]) and, for temporary credentials, a signed `X-Security-Token`
    /// holding the token.
    pub fn verify(&self, exchange: &Exchange<'_>, now: SystemTime) -> Result<(), Refusal> {
        let secret = self.secret_key.expose_secret().as_bytes();
        let signed = verify(exchange, &self.access_key, secret, now)?;
        if let Some(token) = &self.security_token {
            let sent = exchange.header(SECURITY_TOKEN_HEADER);
            if sent != Some(token.expose_secret()) {
                return Err(Refusal("missing or wrong X-Security-Token".into()));
            }
            if !signed.iter().any(|name| name == "x-security-token") {
                return Err(Refusal("X-Security-Token is not signed".into()));
            }
        }
        Ok(())
    }

    /// Signs a request about to be sent at `date` (`YYYYMMDDTHHMMSSZ`, see [`sdk_date`]) to
    /// `host`, with `path` and `query` exactly as the transport will send them: adds
    /// `X-Sdk-Date`, `X-Security-Token` (temporary credentials), `X-Sdk-Content-Sha256` (a body
    /// that is not JSON) and `Authorization` to `headers`, replacing any already there. `host`
    /// is signed but not added: the transport sends it.
    #[allow(clippy::too_many_arguments)]
    pub fn sign(
        &self,
        method: &str,
        host: &str,
        path: &str,
        query: Option<&str>,
        headers: &mut Vec<(String, String)>,
        body: &[u8],
        date: &str,
    ) {
        let ours = [
            DATE_HEADER,
            SECURITY_TOKEN_HEADER,
            CONTENT_SHA256_HEADER,
            "authorization",
            "host",
        ];
        headers.retain(|(name, _)| !ours.iter().any(|o| o.eq_ignore_ascii_case(name)));
        let unsigned = headers.iter().any(|(name, value)| {
            name.eq_ignore_ascii_case("content-type")
                && !value.trim().starts_with("application/json")
                && !value.trim().starts_with("application/bson")
        });
        if unsigned {
            headers.push((CONTENT_SHA256_HEADER.into(), UNSIGNED_PAYLOAD.into()));
        }
        headers.push((DATE_HEADER.into(), date.into()));
        if let Some(token) = &self.security_token {
            headers.push((SECURITY_TOKEN_HEADER.into(), token.expose_secret().into()));
        }
        let mut signed_over = headers.clone();
        signed_over.push(("host".into(), host.into()));
        let exchange = Exchange {
            method,
            path,
            query,
            headers: &signed_over,
            body,
        };
        let names = signed_header_names(&signed_over);
        let signature =
            exchange.signature(self.secret_key.expose_secret().as_bytes(), &names, date);
        headers.push((
            "Authorization".into(),
            format!(
                "{ALGORITHM} Access={}, SignedHeaders={}, Signature={signature}",
                self.access_key,
                names.join(";")
            ),
        ));
    }
}

/// A request as the server sees it, for computing or checking a signature.
#[derive(Debug, Clone, Copy)]
pub struct Exchange<'a> {
    /// `GET`, `POST`, `DELETE`, ...
    pub method: &'a str,
    /// The path as sent (percent-encoded), without the query.
    pub path: &'a str,
    /// The query as sent, without `?`.
    pub query: Option<&'a str>,
    /// Every header, `host` and `X-Sdk-Date` included (names in any case).
    pub headers: &'a [(String, String)],
    /// The body bytes.
    pub body: &'a [u8],
}

impl Exchange<'_> {
    /// The value of header `name` as signed: the last one of that name, trimmed.
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .rev()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.trim())
    }

    /// The canonical request over the headers `signed` (lower-case, sorted).
    pub fn canonical_request(&self, signed: &[String]) -> String {
        let mut canonical = format!(
            "{}\n{}\n{}\n",
            self.method.to_ascii_uppercase(),
            canonical_uri(self.path),
            canonical_query(self.query.unwrap_or_default())
        );
        for name in signed {
            canonical.push_str(name);
            canonical.push(':');
            canonical.push_str(self.header(name).unwrap_or_default());
            canonical.push('\n');
        }
        canonical.push('\n');
        canonical.push_str(&signed.join(";"));
        canonical.push('\n');
        canonical.push_str(&self.payload_hash());
        canonical
    }

    /// `hex(sha256(body))`, the empty string's hash for no body, or the
    /// `X-Sdk-Content-Sha256` value when the request has one.
    fn payload_hash(&self) -> String {
        if self.body.is_empty() {
            return EMPTY_SHA256.into();
        }
        match self.header(CONTENT_SHA256_HEADER) {
            Some(given) if !given.is_empty() => given.to_owned(),
            _ => hex::encode(Sha256::digest(self.body)),
        }
    }

    /// The hex signature with `secret` over the headers `signed` at `date`.
    pub fn signature(&self, secret: &[u8], signed: &[String], date: &str) -> String {
        let canonical = self.canonical_request(signed);
        let string_to_sign = format!(
            "{ALGORITHM}\n{date}\n{}",
            hex::encode(Sha256::digest(canonical.as_bytes()))
        );
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(string_to_sign.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// The header names the SDK signs: every name without `_`, lower-case, sorted, once each.
pub fn signed_header_names(headers: &[(String, String)]) -> Vec<String> {
    let mut names: Vec<String> = headers
        .iter()
        .map(|(name, _)| name.to_ascii_lowercase())
        .filter(|name| !name.contains('_'))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The path's segments percent-decoded and encoded again, ending in `/`.
fn canonical_uri(path: &str) -> String {
    let decoded = percent_decode_str(path).decode_utf8_lossy();
    let mut uri = decoded
        .split('/')
        .map(|segment| utf8_percent_encode(segment, ENCODED).to_string())
        .collect::<Vec<_>>()
        .join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// The query's `key=value` pairs decoded, sorted and encoded again, joined by `&`.
fn canonical_query(query: &str) -> String {
    let decode = |text: &str| percent_decode_str(text).decode_utf8_lossy().into_owned();
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(key, value)| {
            format!(
                "{}={}",
                utf8_percent_encode(key, ENCODED),
                utf8_percent_encode(value, ENCODED)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// `time` as `X-Sdk-Date` writes it: `YYYYMMDDTHHMMSSZ`, UTC.
pub fn sdk_date(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(time)
        .to_string()
        .replace(['-', ':'], "")
}

/// The time an `X-Sdk-Date` value stands for, if it is one.
pub fn parse_sdk_date(text: &str) -> Option<SystemTime> {
    let bytes = text.as_bytes();
    let well_formed = bytes.len() == 16
        && bytes[8] == b'T'
        && bytes[15] == b'Z'
        && bytes[..8]
            .iter()
            .chain(&bytes[9..15])
            .all(u8::is_ascii_digit);
    if !well_formed {
        return None;
    }
    let rfc3339 = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &text[0..4],
        &text[4..6],
        &text[6..8],
        &text[9..11],
        &text[11..13],
        &text[13..15]
    );
    humantime::parse_rfc3339(&rfc3339).ok()
}

/// The `Host` header a client sends to `base_url`: the host, with `:port` when the URL names a
/// port that is not the scheme's default (as reqwest and hyper send it).
pub fn authority(base_url: &str) -> Option<String> {
    let url = reqwest::Url::parse(base_url).ok()?;
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

/// Why a signature was refused; the text a gateway would answer 401 with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

/// Checks the `SDK-HMAC-SHA256` signature of a request as it arrived, for access key
/// `access_key` with `secret`, at time `now`: a missing or malformed `Authorization`, another
/// access key, a wrong signature, `host` or `X-Sdk-Date` not signed, or a date more than
/// [`DATE_TOLERANCE`] away is refused. Gives the signed header names.
pub fn verify(
    exchange: &Exchange<'_>,
    access_key: &str,
    secret: &[u8],
    now: SystemTime,
) -> Result<Vec<String>, Refusal> {
    let refuse = |why: &str| Err(Refusal(why.to_owned()));
    let Some(authorization) = exchange.header("authorization") else {
        return refuse("no Authorization header");
    };
    let Some(fields) = authorization.strip_prefix(ALGORITHM).map(str::trim) else {
        return refuse("the Authorization header is not SDK-HMAC-SHA256");
    };
    let field = |name: &str| {
        fields
            .split(',')
            .map(str::trim)
            .find_map(|part| part.strip_prefix(name)?.strip_prefix('='))
    };
    let (Some(access), Some(names), Some(given)) =
        (field("Access"), field("SignedHeaders"), field("Signature"))
    else {
        return refuse("the Authorization header lacks Access, SignedHeaders or Signature");
    };
    if access != access_key {
        return refuse("unknown access key");
    }
    let signed: Vec<String> = names.split(';').map(str::to_owned).collect();
    if !signed.iter().any(|n| n == "host") || !signed.iter().any(|n| n == "x-sdk-date") {
        return refuse("host and x-sdk-date must be signed");
    }
    let Some(date) = exchange.header(DATE_HEADER) else {
        return refuse("no X-Sdk-Date header");
    };
    let Some(time) = parse_sdk_date(date) else {
        return refuse("X-Sdk-Date is not YYYYMMDDTHHMMSSZ");
    };
    let skew = match now.duration_since(time) {
        Ok(behind) => behind,
        Err(ahead) => ahead.duration(),
    };
    if skew > DATE_TOLERANCE {
        return refuse("X-Sdk-Date is more than 15 minutes from the gateway's clock");
    }
    let Ok(given) = hex::decode(given) else {
        return refuse("the signature is not hex");
    };
    let expected = exchange.signature(secret, &signed, date);
    let expected = hex::decode(expected).expect("our own hex");
    // Compared through the MAC type for a constant-time comparison.
    let mut mac = Hmac::<Sha256>::new_from_slice(b"compare").expect("any key length");
    mac.update(&expected);
    let reference = mac.finalize().into_bytes();
    let mut mac = Hmac::<Sha256>::new_from_slice(b"compare").expect("any key length");
    mac.update(&given);
    match mac.verify_slice(&reference) {
        Ok(()) => Ok(signed),
        Err(_) => refuse("the signature does not match"),
    }
}

/// A target whose requests are signed with [`Credentials`] just before they are sent.
pub struct Signed {
    inner: Arc<dyn Target>,
    credentials: Credentials,
    host: String,
}

impl Signed {
    /// Signs what `inner` sends with `credentials`; the `host` signed is [`authority`] of
    /// `inner`'s base URL.
    pub fn new(inner: Arc<dyn Target>, credentials: Credentials) -> Result<Signed, String> {
        let base_url = inner.base_url();
        let host =
            authority(&base_url).ok_or_else(|| format!("cannot sign for {base_url:?}: no host"))?;
        Ok(Signed {
            inner,
            credentials,
            host,
        })
    }

    /// `request` as it leaves: signed for now.
    fn signed(&self, request: &Request) -> Request {
        let mut signed = request.clone();
        let url = reqwest::Url::parse(&format!("{}{}", self.inner.base_url(), request.path));
        let (path, query) = match &url {
            Ok(url) => (url.path().to_owned(), url.query().map(str::to_owned)),
            Err(_) => (request.path.clone(), None),
        };
        self.credentials.sign(
            request.method.as_str(),
            &self.host,
            &path,
            query.as_deref(),
            &mut signed.headers,
            &request.body,
            &sdk_date(SystemTime::now()),
        );
        signed
    }
}

impl Target for Signed {
    fn send<'a>(&'a self, request: &'a Request) -> SendFuture<'a> {
        Box::pin(async move {
            let signed = self.signed(request);
            self.inner.send(&signed).await
        })
    }

    fn base_url(&self) -> String {
        self.inner.base_url()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        let time = humantime::parse_rfc3339("2020-06-08T02:39:00Z").unwrap();
        assert_eq!(sdk_date(time), "20200608T023900Z");
        assert_eq!(parse_sdk_date("20200608T023900Z"), Some(time));
        assert_eq!(parse_sdk_date("2020-06-08T02:39:00Z"), None);
        assert_eq!(parse_sdk_date("20200608T023900"), None);
    }

    #[test]
    fn authority_has_the_port_only_when_not_default() {
        assert_eq!(
            authority("http://127.0.0.1:8080").unwrap(),
            "127.0.0.1:8080"
        );
        assert_eq!(
            authority("https://dli.example.com:443").unwrap(),
            "dli.example.com"
        );
        assert_eq!(
            authority("http://dli.example.com:80/x").unwrap(),
            "dli.example.com"
        );
        assert_eq!(
            authority("https://dli.example.com:8443").unwrap(),
            "dli.example.com:8443"
        );
        assert_eq!(authority("http://[::1]:9").unwrap(), "[::1]:9");
    }

    #[test]
    fn credentials_come_in_pairs_and_never_show() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| value.to_string())
            }
        };
        assert!(Credentials::from_lookup(env(&[])).unwrap().is_none());
        assert!(Credentials::from_lookup(env(&[(AK_VAR, "a")])).is_err());
        assert!(Credentials::from_lookup(env(&[(SECURITY_TOKEN_VAR, "t")])).is_err());
        let credentials = Credentials::from_lookup(env(&[
            (AK_VAR, "AKVALUE"),
            (SK_VAR, "SKVALUE"),
            (SECURITY_TOKEN_VAR, "TOKENVALUE"),
        ]))
        .unwrap()
        .unwrap();
        let shown = format!("{credentials:?}");
        for secret in ["AKVALUE", "SKVALUE", "TOKENVALUE"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(credentials.has_security_token());
    }

    #[test]
    fn a_signature_verifies_and_a_changed_byte_does_not() {
        let credentials = Credentials::new("AK", "SK", None).unwrap();
        let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
        let now = SystemTime::now();
        let path = "/v2.0/p/datasource-connection";
        credentials.sign(
            "POST",
            "h:1",
            path,
            None,
            &mut headers,
            b"{}",
            &sdk_date(now),
        );
        headers.push(("Host".into(), "h:1".into()));
        let exchange = Exchange {
            method: "POST",
            path,
            query: None,
            headers: &headers,
            body: b"{}",
        };
        assert!(verify(&exchange, "AK", b"SK", now).is_ok());
        assert!(verify(&exchange, "AK", b"other", now).is_err());
        assert!(verify(&exchange, "BK", b"SK", now).is_err());
        let changed = Exchange {
            body: b"{ }",
            ..exchange
        };
        assert!(verify(&changed, "AK", b"SK", now).is_err());
        let later = now + DATE_TOLERANCE + Duration::from_secs(2);
        assert_eq!(
            verify(&exchange, "AK", b"SK", later),
            Err(Refusal(
                "X-Sdk-Date is more than 15 minutes from the gateway's clock".into()
            ))
        );
    }
}
