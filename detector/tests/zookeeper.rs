//! Leader election against a real ZooKeeper 3.8 (Debian's `zookeeper`,
//! installed by `cargo xtask setup`): the znodes we write are Mesos's, the
//! lowest sequence leads, a lost session loses candidacy and hands over to
//! the next master, and our detector follows nodes written like the golden
//! captures.

mod common;

use common::{
    PATIENCE, SESSION_TIMEOUT, await_masters, children, client, golden_master_json, golden_znode,
    master, patiently,
};
use detector::{
    DetectorError, MasterContender, MasterDetector, ZooKeeperMasterContender,
    ZooKeeperMasterDetector, zookeeper_pair,
};
use flags::ZkUrl;
use proto::mesos::MasterInfo;
use std::time::Instant;
use testkit::{TcpProxy, ZooKeeper};
use zookeeper_client::{Acl, AuthId, CreateMode, Permission};

fn url(text: &str) -> ZkUrl {
    text.parse().unwrap()
}

async fn contender(zk: &str, info: &MasterInfo) -> ZooKeeperMasterContender {
    let contender = ZooKeeperMasterContender::new(&url(zk), SESSION_TIMEOUT).unwrap();
    contender.initialize(info.clone());
    contender
}

fn detector(zk: &str) -> ZooKeeperMasterDetector {
    ZooKeeperMasterDetector::new(&url(zk), SESSION_TIMEOUT).unwrap()
}

async fn leader_after(
    detector: &ZooKeeperMasterDetector,
    previous: Option<&MasterInfo>,
) -> Option<MasterInfo> {
    patiently("a change of leader", detector.detect(previous))
        .await
        .expect("detection")
}

#[tokio::test]
async fn our_znode_is_the_one_mesos_writes() {
    let zk = ZooKeeper::start();
    let info = master(15091);
    let contender = contender(&zk.url("/mesos"), &info).await;
    let candidacy = patiently("contend", contender.contend()).await.unwrap();
    // Contending again while a candidate keeps the same znode.
    let _same = patiently("contend again", contender.contend())
        .await
        .unwrap();

    let reader = client(&zk.address()).await;
    let nodes = children(&reader, "/mesos").await;
    assert_eq!(nodes.len(), 1, "{nodes:?}");
    let name = &nodes[0];
    let sequence = name.strip_prefix("json.info_").expect("json.info_ prefix");
    assert!(
        sequence.len() == 10 && sequence.bytes().all(|b| b.is_ascii_digit()),
        "{name}"
    );
    let (data, stat) = reader.get_data(&format!("/mesos/{name}")).await.unwrap();
    assert_ne!(stat.ephemeral_owner, 0, "the znode is ephemeral");

    // Byte for byte what Mesos writes: compact JSON, fields in declaration
    // order, the same length as the capture's for values of the same length.
    let golden = golden_znode("znodes-1-single-master.json", "/mesos/json.info_0000000001");
    assert_eq!(data.len() as u64, golden["data_len"].as_u64().unwrap());
    let ours: serde_json::Value = serde_json::from_slice(&data).unwrap();
    let keys: Vec<&str> = ours
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "ip",
            "port",
            "pid",
            "hostname",
            "version",
            "address",
            "capabilities"
        ]
    );
    let mut expected = golden_master_json();
    for run_specific in ["id", "pid", "port"] {
        expected[run_specific] = ours[run_specific].clone();
    }
    expected["address"]["port"] = ours["address"]["port"].clone();
    assert_eq!(ours, expected);
    assert_eq!(ours["port"], 15091);

    // Dropping the contender withdraws: its session closes, and ZooKeeper
    // removes the znode then, without waiting for the session timeout.
    let lost = tokio::spawn(candidacy.lost());
    drop(contender);
    patiently("candidacy lost on drop", lost).await.unwrap();
    await_masters(&reader, "/mesos", 0).await;
}

#[tokio::test]
async fn three_contenders_the_lowest_leads_and_a_cut_leader_hands_over_within_the_session_timeout()
{
    let zk = ZooKeeper::start();
    // The first master reaches ZooKeeper through a proxy that we can cut,
    // as a crash or a partition would.
    let proxy = TcpProxy::start(zk.address()).await;
    let (a, b, c) = (master(15091), master(15092), master(15093));
    let contender_a = contender(&format!("zk://{}/mesos", proxy.address()), &a).await;
    let candidacy_a = patiently("a contends", contender_a.contend())
        .await
        .unwrap();
    let contender_b = contender(&zk.url("/mesos"), &b).await;
    let candidacy_b = patiently("b contends", contender_b.contend())
        .await
        .unwrap();
    let contender_c = contender(&zk.url("/mesos"), &c).await;
    let candidacy_c = patiently("c contends", contender_c.contend())
        .await
        .unwrap();

    let detector = detector(&zk.url("/mesos"));
    assert_eq!(leader_after(&detector, None).await, Some(a.clone()));

    let lost_a = tokio::spawn(candidacy_a.lost());
    let lost_b = tokio::spawn(candidacy_b.lost());
    let lost_c = tokio::spawn(candidacy_c.lost());
    let cut = Instant::now();
    proxy.cut();

    // The cut master gives up once the session timeout passes without
    // ZooKeeper, and ZooKeeper expires its session and znode about then.
    patiently("a loses its candidacy", lost_a).await.unwrap();
    assert_eq!(leader_after(&detector, Some(&a)).await, Some(b.clone()));
    let failover = cut.elapsed();
    eprintln!("failover after the cut: {failover:?} (session timeout {SESSION_TIMEOUT:?})");
    assert!(
        failover < SESSION_TIMEOUT * 2,
        "failover took {failover:?} with a {SESSION_TIMEOUT:?} session timeout"
    );
    assert!(!lost_b.is_finished() && !lost_c.is_finished());

    // A leader that stops cleanly hands over at once.
    drop(contender_b);
    patiently("b withdraws", lost_b).await.unwrap();
    assert_eq!(leader_after(&detector, Some(&b)).await, Some(c.clone()));
    assert!(!lost_c.is_finished());
}

#[tokio::test]
async fn a_connection_back_within_the_session_timeout_keeps_the_candidacy() {
    let zk = ZooKeeper::start();
    let proxy = TcpProxy::start(zk.address()).await;
    let a = master(15091);
    let contender = contender(&format!("zk://{}/mesos", proxy.address()), &a).await;
    let candidacy = patiently("contend", contender.contend()).await.unwrap();
    let lost = tokio::spawn(candidacy.lost());

    proxy.reset(); // The client reconnects through the proxy at once.
    tokio::time::sleep(SESSION_TIMEOUT * 3).await;

    assert!(
        !lost.is_finished(),
        "a brief disconnection lost the candidacy"
    );
    let detector = detector(&zk.url("/mesos"));
    assert_eq!(leader_after(&detector, None).await, Some(a));
}

#[tokio::test]
async fn zookeeper_gone_beyond_the_session_timeout_loses_candidacy_and_leadership() {
    let mut zk = ZooKeeper::start();
    let a = master(15091);
    let contender = contender(&zk.url("/mesos"), &a).await;
    let candidacy = patiently("contend", contender.contend()).await.unwrap();
    let detector = detector(&zk.url("/mesos"));
    assert_eq!(leader_after(&detector, None).await, Some(a.clone()));

    zk.kill();
    patiently("candidacy lost", candidacy.lost()).await;
    assert_eq!(leader_after(&detector, Some(&a)).await, None);

    // Once ZooKeeper is back, contending again opens a new session and the
    // detector follows the group again.
    zk.restart();
    let candidacy = patiently("contend again", contender.contend())
        .await
        .unwrap();
    assert_eq!(leader_after(&detector, None).await, Some(a));
    drop(candidacy);
}

#[tokio::test]
async fn the_detector_follows_znodes_written_like_the_golden_captures() {
    let zk = ZooKeeper::start();
    let writer = client(&zk.address()).await;
    let open = CreateMode::Persistent.with_acls(zookeeper_client::Acls::anyone_all());
    let ephemeral = CreateMode::Ephemeral.with_acls(zookeeper_client::Acls::anyone_all());
    let sequential =
        CreateMode::EphemeralSequential.with_acls(zookeeper_client::Acls::anyone_all());
    let detector = detector(&zk.url("/mesos"));

    // The layout of znodes-2-leader-and-standby.json, in the order Mesos
    // created it: the replicated log's directory first, hence `…0001`.
    let capture = "znodes-2-leader-and-standby.json";
    writer.mkdir("/mesos", &open).await.unwrap();
    writer
        .create("/mesos/log_replicas", b"", &open)
        .await
        .unwrap();
    let replica = golden_znode(capture, "/mesos/log_replicas/0000000000");
    writer
        .create(
            "/mesos/log_replicas/0000000000",
            replica["data_text"].as_str().unwrap().as_bytes(),
            &ephemeral,
        )
        .await
        .unwrap();
    let mut masters = Vec::new();
    for node in ["/mesos/json.info_0000000001", "/mesos/json.info_0000000002"] {
        let json = golden_znode(capture, node)["data_json"].clone();
        let (_, sequence) = writer
            .create(
                "/mesos/json.info_",
                json.to_string().as_bytes(),
                &sequential,
            )
            .await
            .unwrap();
        assert_eq!(format!("/mesos/json.info_{sequence}"), node);
        masters.push(proto::json::from_value::<MasterInfo>(&json).unwrap());
    }
    // A legacy protobuf node and a stranger are not masters to us.
    writer
        .create("/mesos/info_", b"\x0a\x01x", &sequential)
        .await
        .unwrap();
    writer.create("/mesos/zzz", b"", &ephemeral).await.unwrap();

    let leader = leader_after(&detector, None).await.unwrap();
    assert_eq!(leader, masters[0]);
    assert_eq!(leader.pid(), "master@127.0.0.1:15091");

    // znodes-3-after-failover.json: the first master's nodes are gone.
    writer
        .delete("/mesos/json.info_0000000001", None)
        .await
        .unwrap();
    writer
        .delete("/mesos/log_replicas/0000000000", None)
        .await
        .unwrap();
    assert_eq!(
        leader_after(&detector, Some(&leader)).await,
        Some(masters[1].clone())
    );

    writer
        .delete("/mesos/json.info_0000000002", None)
        .await
        .unwrap();
    assert_eq!(leader_after(&detector, Some(&masters[1])).await, None);
}

#[tokio::test]
async fn a_leading_znode_without_a_master_info_is_a_detection_error() {
    let zk = ZooKeeper::start();
    let writer = client(&zk.address()).await;
    let detector = detector(&zk.url("/mesos"));
    let sequential =
        CreateMode::EphemeralSequential.with_acls(zookeeper_client::Acls::anyone_all());
    writer
        .mkdir(
            "/mesos",
            &CreateMode::Persistent.with_acls(zookeeper_client::Acls::anyone_all()),
        )
        .await
        .unwrap();
    let (_, sequence) = writer
        .create("/mesos/json.info_", b"master@127.0.0.1:5050", &sequential)
        .await
        .unwrap();

    let error = patiently("detection", detector.detect(None))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, DetectorError::BadLeader { node, .. } if node.ends_with(&sequence.to_string())),
        "{error}"
    );

    // A good master behind it takes over once the bad node goes.
    let a = master(15091);
    let contender = contender(&zk.url("/mesos"), &a).await;
    let _candidacy = patiently("contend", contender.contend()).await.unwrap();
    writer
        .delete(&format!("/mesos/json.info_{sequence}"), None)
        .await
        .unwrap();
    let leader = patiently("detection recovers", async {
        loop {
            match detector.detect(None).await {
                Ok(leader) => break leader,
                Err(_still_bad) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            }
        }
    })
    .await;
    assert_eq!(leader, Some(a));
}

#[tokio::test]
async fn credentials_authenticate_with_digest_and_protect_our_znodes_as_mesos_does() {
    let zk = ZooKeeper::start();
    let secured = format!("zk://alice:secret@{}/secure/mesos", zk.address());
    let a = master(15091);
    let contender = contender(&secured, &a).await;
    let _candidacy = patiently("contend", contender.contend()).await.unwrap();

    let stranger = client(&zk.address()).await;
    let node = format!(
        "/secure/mesos/{}",
        children(&stranger, "/secure/mesos").await[0]
    );
    for path in ["/secure", "/secure/mesos", node.as_str()] {
        let (acl, _) = stranger.get_acl(path).await.unwrap();
        assert_eq!(acl.len(), 2, "{path}: {acl:?}");
        assert_eq!(
            acl[0],
            Acl::new(Permission::READ, AuthId::anyone()),
            "{path}"
        );
        assert_eq!(acl[1].permission(), Permission::ALL, "{path}");
        assert_eq!(acl[1].scheme(), "digest", "{path}");
        assert!(acl[1].id().starts_with("alice:"), "{path}: {acl:?}");
    }

    // Anyone reads (agents and frameworks need no credentials to detect);
    // only alice may remove or replace the master's znode.
    let detector = detector(&zk.url("/secure/mesos"));
    assert_eq!(leader_after(&detector, None).await, Some(a.clone()));
    assert!(matches!(
        stranger.delete(&node, None).await,
        Err(zookeeper_client::Error::NoAuth)
    ));
    assert!(matches!(
        stranger.set_data(&node, b"{}", None).await,
        Err(zookeeper_client::Error::NoAuth)
    ));
    let alice = zookeeper_client::Client::connector()
        .with_auth("digest", b"alice:secret")
        .connect(&zk.address())
        .await
        .unwrap();
    alice.delete(&node, None).await.unwrap();
    assert_eq!(leader_after(&detector, Some(&a)).await, None);
}

#[tokio::test]
async fn the_zk_flag_from_a_file_elects_and_a_root_path_is_refused() {
    let zk = ZooKeeper::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("zk");
    std::fs::write(&file, format!("{}\n", zk.url("/mesos"))).unwrap();
    let flags = flags::MasterFlags::load_from(
        [
            format!("--zk=file://{}", file.display()),
            "--quorum=1".to_owned(),
            "--registry=in_memory".to_owned(),
        ],
        Vec::<(String, String)>::new(),
    )
    .unwrap()
    .flags;
    let zk_flag = flags.zk.as_ref().unwrap();
    let (contender, detector) =
        zookeeper_pair(&zk_flag.value, flags.zk_session_timeout.to_std()).unwrap();
    let a = master(15091);
    contender.initialize(a.clone());
    let _candidacy = patiently("contend", contender.contend()).await.unwrap();
    assert_eq!(
        patiently("detect", detector.detect(None)).await.unwrap(),
        Some(a)
    );

    let root = zookeeper_pair(&format!("zk://{}/", zk.address()), PATIENCE).unwrap_err();
    assert!(matches!(root, DetectorError::InvalidZk(_)), "{root}");
    let scheme = zookeeper_pair("http://h/mesos", PATIENCE).unwrap_err();
    assert!(matches!(scheme, DetectorError::InvalidZk(_)), "{scheme}");
    let uninitialized = ZooKeeperMasterContender::new(&url(&zk.url("/m")), PATIENCE).unwrap();
    assert_eq!(
        uninitialized.contend().await.unwrap_err(),
        DetectorError::NotInitialized
    );
}
