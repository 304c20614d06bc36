//! Disk sources, persistent volumes and shared resources.

mod common;

use common::{resource, volume};
use proto::mesos::resource::disk_info::source::Type as SourceType;
use resources::{Resources, Scalar};
use serde_json::json;

fn disk_from(source: serde_json::Value, mb: f64) -> Resources {
    Resources::from(resource(
        json!({"name": "disk", "type": "SCALAR", "scalar": {"value": mb}, "disk": {"source": source}}),
    ))
}

#[test]
fn path_disks_combine_but_mount_disks_stay_whole() {
    let path = json!({"type": "PATH", "path": {"root": "/tmp"}});
    assert_eq!(
        (&disk_from(path.clone(), 10.0) + &disk_from(path.clone(), 20.0)).len(),
        1
    );
    assert!(disk_from(path.clone(), 30.0).contains(&disk_from(path, 10.0)));

    let mount = json!({"type": "MOUNT", "mount": {"root": "/mnt"}});
    let two = &disk_from(mount.clone(), 10.0) + &disk_from(mount.clone(), 10.0);
    assert_eq!(two.len(), 2, "MOUNT disks never combine");
    assert!(!disk_from(mount.clone(), 30.0).contains(&disk_from(mount.clone(), 10.0)));
    assert!(disk_from(mount.clone(), 30.0).contains(&disk_from(mount.clone(), 30.0)));
    // A part of a MOUNT disk cannot be taken away, only all of it.
    assert_eq!(
        &disk_from(mount.clone(), 30.0) - &disk_from(mount.clone(), 10.0),
        disk_from(mount.clone(), 30.0)
    );
    assert!((&disk_from(mount.clone(), 30.0) - &disk_from(mount, 30.0)).is_empty());
}

#[test]
fn raw_disks_with_an_identity_are_exclusive() {
    let anonymous = json!({"type": "RAW"});
    assert_eq!(
        (&disk_from(anonymous.clone(), 1.0) + &disk_from(anonymous, 1.0)).len(),
        1
    );
    let identified = json!({"type": "RAW", "id": "disk-1", "vendor": "csi", "profile": "fast"});
    assert_eq!(
        (&disk_from(identified.clone(), 1.0) + &disk_from(identified.clone(), 1.0)).len(),
        2
    );
    assert_eq!(
        disk_from(identified, 1.0).to_string(),
        "disk[RAW(csi,disk-1,fast)]:1"
    );
}

#[test]
fn disk_sources_print_like_mesos() {
    assert_eq!(
        disk_from(json!({"type": "MOUNT", "mount": {"root": "/mnt"}}), 5.0).to_string(),
        "disk[MOUNT:/mnt]:5"
    );
    assert_eq!(
        disk_from(json!({"type": "PATH"}), 5.0).to_string(),
        "disk[PATH]:5"
    );
    assert!(
        disk_from(json!({"type": "BLOCK"}), 5.0)
            .iter()
            .all(|r| r.is_disk(SourceType::Block))
    );
}

#[test]
fn persistent_volumes_never_combine_and_are_matched_one_to_one() {
    let one = Resources::from(volume(64.0, "role1", "id1", "path1", false));
    assert_eq!(
        one.to_string(),
        "disk(reservations: [(STATIC,role1)])[id1:path1]:64"
    );
    // The same volume twice is two entries, and one volume does not contain both.
    let twice = &one + &one;
    assert_eq!(twice.len(), 2);
    assert!(twice.contains(&twice));
    assert!(!one.contains(&twice));
    assert_eq!(twice.persistent_volumes(), twice);
    // Different IDs are different volumes.
    let other = Resources::from(volume(64.0, "role1", "id2", "path1", false));
    assert!(!one.contains(&other));
    // The volume's mount point and the persistence principal are not identity.
    assert_eq!(
        one,
        Resources::from(volume(64.0, "role1", "id1", "elsewhere", false))
    );
}

#[test]
fn shared_volumes_count_their_holders() {
    let shared = Resources::from(volume(64.0, "role1", "id1", "path1", true));
    assert_eq!(
        shared.to_string(),
        "disk(reservations: [(STATIC,role1)])[id1:path1]<SHARED>:64<1>"
    );
    let twice = &shared + &shared;
    assert_eq!(
        twice.to_string(),
        "disk(reservations: [(STATIC,role1)])[id1:path1]<SHARED>:64<2>"
    );
    assert_eq!(twice.len(), 1);
    assert_eq!(twice.count(shared.iter().next().unwrap()), 2);
    assert!(twice.contains(&shared));
    assert!(!shared.contains(&twice));
    assert_eq!(&twice - &shared, shared);
    assert!((&shared - &twice).is_empty());
    assert_eq!(twice.shared(), twice);
    assert!(twice.non_shared().is_empty());
    // Shared and non-shared copies of one volume are different resources.
    let unshared = Resources::from(volume(64.0, "role1", "id1", "path1", false));
    assert_eq!((&shared + &unshared).len(), 2);
    assert!(!shared.contains(&unshared));
    // Written to protos once, whatever the count (as Mesos does).
    assert_eq!(twice.to_protos().len(), 1);
}

#[test]
fn scalar_arithmetic_beside_shared_volumes() {
    let shared = Resources::from(volume(50.0, "role1", "1", "path", true));
    let mut total = common::parse("cpus:1;mem:5");
    total += &shared;
    total += &shared;
    total += &common::parse("cpus:1");
    assert_eq!(total.cpus(), Some(Scalar::from_f64(2.0)));
    assert_eq!(total.disk(), Some(Scalar::from_f64(50.0)));
    assert_eq!(total.count(shared.iter().next().unwrap()), 2);
    total -= &shared;
    assert_eq!(total.count(shared.iter().next().unwrap()), 1);
    total -= &shared;
    assert_eq!(total, common::parse("cpus:2;mem:5"));
}
