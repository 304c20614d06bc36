//! The conformance suite against [`ZooKeeperStorage`] on a private ZooKeeper
//! server, and what only a shared, size-limited store has to get right:
//! values beyond ZooKeeper's 1 MB limit, a second client seeing the first's
//! writes, digest credentials, a lost server, and an expired session.

mod conformance;

use state::{Backend, State, StateError, Storage, ZooKeeperConfig, ZooKeeperStorage};
use std::sync::Arc;
use std::time::Duration;
use testkit::ZooKeeper;

fn config(server: &ZooKeeper, root: &str) -> ZooKeeperConfig {
    ZooKeeperConfig {
        servers: server.address(),
        root: root.to_owned(),
        digest: None,
        session_timeout: Duration::from_secs(10),
    }
}

async fn open() -> (Arc<dyn Storage>, ZooKeeper) {
    let server = ZooKeeper::start();
    let storage = ZooKeeperStorage::open(&config(&server, "/mesos/state"))
        .await
        .unwrap();
    (Arc::new(storage), server)
}

conformance_suite!(open);

/// Random bytes do not compress: a value that stays several megabytes
/// after deflate must be chunked.
fn incompressible(len: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(len + 16);
    while bytes.len() < len {
        bytes.extend(uuid::Uuid::new_v4().as_bytes());
    }
    bytes.truncate(len);
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incompressible_values_beyond_the_znode_limit_round_trip_and_replace_each_other() {
    let (storage, _server) = open().await;
    let state = State::new(storage);
    let mut variable = state.fetch("registry").await.unwrap();
    for len in [3 * 1024 * 1024, 1024, 2 * 1024 * 1024 + 7] {
        let value = incompressible(len);
        variable = state
            .store(variable.mutate(value.clone()))
            .await
            .unwrap()
            .unwrap();
        let fetched = state.fetch("registry").await.unwrap();
        assert_eq!(fetched, variable);
        assert!(
            fetched.value() == value.as_slice(),
            "a {len}-byte value came back damaged"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_client_sees_the_first_ones_writes_and_races_with_it() {
    let server = ZooKeeper::start();
    let open = || async {
        State::new(Arc::new(
            ZooKeeperStorage::open(&config(&server, "/shared"))
                .await
                .unwrap(),
        ))
    };
    let (first, second) = (open().await, open().await);

    let stored = first
        .store(
            first
                .fetch("registry")
                .await
                .unwrap()
                .mutate(incompressible(1_500_000)),
        )
        .await
        .unwrap()
        .unwrap();
    let seen = second.fetch("registry").await.unwrap();
    assert_eq!(seen, stored);

    // The second master takes over; the first one's next store loses.
    second
        .store(seen.mutate(b"taken over".to_vec()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        first.store(stored.mutate(b"stale".to_vec())).await.unwrap(),
        None
    );
    assert_eq!(
        first.fetch("registry").await.unwrap().value(),
        b"taken over"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_digest_credentials_others_can_read_but_not_write() {
    let server = ZooKeeper::start();
    let owner = ZooKeeperConfig {
        digest: Some("mesos:secret".into()),
        ..config(&server, "/secured")
    };
    let state = State::new(Backend::ZooKeeper(owner).open().await.unwrap());
    let stored = state
        .store(
            state
                .fetch("registry")
                .await
                .unwrap()
                .mutate(b"agents".to_vec()),
        )
        .await
        .unwrap()
        .unwrap();

    let stranger = State::new(Arc::new(
        ZooKeeperStorage::open(&config(&server, "/secured"))
            .await
            .unwrap(),
    ));
    let seen = stranger.fetch("registry").await.unwrap();
    assert_eq!(seen, stored);
    let error = stranger
        .store(seen.mutate(b"mine now".to_vec()))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            StateError::ZooKeeper(zookeeper_client::Error::NoAuth)
        ),
        "{error:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_server_is_an_error_not_a_hang_and_data_survives_its_restart() {
    let (storage, mut server) = open().await;
    let state = State::new(storage);
    let stored = state
        .store(
            state
                .fetch("registry")
                .await
                .unwrap()
                .mutate(b"agents".to_vec()),
        )
        .await
        .unwrap()
        .unwrap();

    server.kill();
    let failed = tokio::time::timeout(Duration::from_secs(60), state.fetch("registry")).await;
    assert!(matches!(failed, Ok(Err(_))), "{failed:?}");

    server.restart();
    let reopened = State::new(Arc::new(
        ZooKeeperStorage::open(&config(&server, "/mesos/state"))
            .await
            .unwrap(),
    ));
    assert_eq!(reopened.fetch("registry").await.unwrap(), stored);
}

/// A session ZooKeeper expired is replaced by the next operation: the
/// operations after it work again (here on an ensemble that lost every
/// znode, so the layout is made anew and the old entry is gone).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_session_is_replaced_by_a_new_one() {
    let (storage, mut server) = open().await;
    let state = State::new(storage);
    let empty = state.fetch("registry").await.unwrap();
    state
        .store(empty.mutate(b"v1".to_vec()))
        .await
        .unwrap()
        .unwrap();

    server.restart_empty();
    // Operations fail until the client hears that its session expired.
    let started = std::time::Instant::now();
    let fetched = loop {
        match state.fetch("registry").await {
            Ok(fetched) => break fetched,
            Err(error) => {
                assert!(
                    started.elapsed() < Duration::from_secs(60),
                    "no new session: {error}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    assert!(fetched.value().is_empty(), "the new ensemble has no entry");
    let stored = state
        .store(fetched.mutate(b"v2".to_vec()))
        .await
        .unwrap()
        .expect("nobody races us");
    assert_eq!(state.fetch("registry").await.unwrap(), stored);
}

#[tokio::test]
async fn an_unreachable_ensemble_is_an_open_error_naming_it() {
    let port = testkit::free_port();
    let config = ZooKeeperConfig {
        servers: format!("127.0.0.1:{port}"),
        root: "/mesos".into(),
        digest: None,
        session_timeout: Duration::from_secs(2),
    };
    let opened =
        tokio::time::timeout(Duration::from_secs(60), ZooKeeperStorage::open(&config)).await;
    let error = opened.expect("open gives up").unwrap_err();
    assert!(error.to_string().contains(&config.servers), "{error}");
}
