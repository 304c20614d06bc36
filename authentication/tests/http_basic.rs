//! HTTP Basic authentication in front of a libprocess endpoint, over real
//! HTTP: `401` with the realm's challenge when credentials are missing or
//! wrong, the principal when they are right, and the counters.

mod common;

use authentication::{BasicAuthenticator, Credentials, READONLY_REALM};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::{PATIENCE, start_runtime};
use libprocess::{Context, Process, Reply, Request, Response};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Serves `/protected/whoami`, answering with the authenticated principal.
struct Protected {
    authenticator: BasicAuthenticator,
}

impl Process for Protected {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.route(
            "/whoami",
            |this: &mut Protected, _: &mut Context<Protected>, request: Request| -> Reply {
                match this.authenticator.authenticate(&request) {
                    Ok(principal) => Response::ok(principal).into(),
                    Err(unauthorized) => unauthorized.into(),
                }
            },
        );
    }
}

struct Answer {
    status: u16,
    head: String,
    body: String,
}

/// One `GET /protected/whoami` with `authorization` (if any) as the
/// `Authorization` header.
async fn get(address: std::net::SocketAddrV4, authorization: Option<&str>) -> Answer {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let header = authorization.map_or(String::new(), |value| format!("Authorization: {value}\r\n"));
    let request =
        format!("GET /protected/whoami HTTP/1.1\r\nHost: x\r\n{header}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut bytes = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut bytes))
        .await
        .expect("the server answers")
        .unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    Answer {
        status: head[9..12].parse().unwrap(),
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

fn basic(user_and_secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(user_and_secret))
}

#[tokio::test]
async fn basic_authentication_guards_an_endpoint() {
    let runtime = start_runtime().await;
    let credentials = Credentials::parse("ops s3cret\nreader r34d\n").unwrap();
    let authenticator = BasicAuthenticator::new(READONLY_REALM, credentials)
        .with_metrics(runtime.metrics(), "master/http_authentication");
    runtime
        .spawn("protected", Protected { authenticator })
        .unwrap();
    let address = runtime.address();

    let answer = get(address, Some(&basic("ops:s3cret"))).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "ops"));
    let answer = get(address, Some(&basic("reader:r34d"))).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "reader"));

    let refused = [
        None,
        Some(basic("ops:wrong")),
        Some(basic("stranger:s3cret")),
        Some(basic("ops")),
        Some(basic("ops:s3cret:extra")),
        Some(format!("basic {}", STANDARD.encode("ops:s3cret"))),
        Some(format!("Bearer {}", STANDARD.encode("ops:s3cret"))),
        Some("Basic not-base64!".to_owned()),
        Some(format!("Basic  {}", STANDARD.encode("ops:s3cret"))),
    ];
    for authorization in &refused {
        let answer = get(address, authorization.as_deref()).await;
        assert_eq!(answer.status, 401, "{authorization:?}");
        assert!(
            answer
                .head
                .to_ascii_lowercase()
                .contains("\r\nwww-authenticate: basic realm=\"mesos-master-readonly\""),
            "{authorization:?}: {}",
            answer.head
        );
        assert_eq!(answer.body, "401 Unauthorized.");
    }

    let snapshot = runtime.metrics().snapshot();
    assert_eq!(snapshot["master/http_authentication/succeeded"], 2.0);
    // The request without credentials is not an attempt.
    assert_eq!(
        snapshot["master/http_authentication/failed"],
        (refused.len() - 1) as f64
    );
    runtime.shutdown().await;
}

#[test]
fn padding_is_optional_and_the_challenge_names_the_realm() {
    let credentials = Credentials::parse("ops s3cret\n").unwrap();
    let authenticator = BasicAuthenticator::new("mesos-master-readwrite", credentials);
    assert_eq!(authenticator.realm(), "mesos-master-readwrite");
    let unpadded = base64::engine::general_purpose::STANDARD_NO_PAD.encode("ops:s3cret");
    let request = Request::new(http::Method::GET, "/").with_headers(
        [(
            http::header::AUTHORIZATION,
            format!("Basic {unpadded}").parse().unwrap(),
        )]
        .into_iter()
        .collect(),
    );
    assert_eq!(authenticator.authenticate(&request).unwrap(), "ops");
    let unauthorized = authenticator.unauthorized();
    assert_eq!(unauthorized.status(), http::StatusCode::UNAUTHORIZED);
    assert_eq!(
        unauthorized.headers()[http::header::WWW_AUTHENTICATE],
        "Basic realm=\"mesos-master-readwrite\""
    );
}
