//! What filtering state costs: one approver judging many frameworks, as
//! `/state` does for a principal, under ACL lists of growing length.

use authorizer::{Action, LocalAuthorizer, Object, Subject};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use proto::mesos::FrameworkInfo;
use serde_json::json;

fn frameworks(count: usize) -> Vec<FrameworkInfo> {
    (0..count)
        .map(|index| FrameworkInfo {
            user: format!("user-{}", index % 100),
            name: format!("framework-{index}"),
            ..FrameworkInfo::default()
        })
        .collect()
}

fn view_frameworks(c: &mut Criterion) {
    let frameworks = frameworks(10_000);
    let subject = Subject::principal("principal-0");
    let mut group = c.benchmark_group("view_frameworks_10k");
    for entries in [1, 10, 100] {
        // Every entry names ten users; the asker's entry comes last.
        let acls: Vec<_> = (0..entries)
            .map(|entry| {
                let users: Vec<String> = (0..10)
                    .map(|u| format!("user-{}", entry * 10 + u))
                    .collect();
                json!({"principals": {"values": [format!("principal-{}", entries - 1 - entry)]},
                       "users": {"values": users}})
            })
            .collect();
        let authorizer =
            LocalAuthorizer::from_json(&json!({"permissive": false, "view_frameworks": acls}))
                .unwrap();
        let approver = authorizer.approver_now(Some(&subject), Action::ViewFramework);
        group.bench_with_input(BenchmarkId::from_parameter(entries), &entries, |b, _| {
            b.iter(|| {
                frameworks
                    .iter()
                    .filter(|framework| {
                        approver
                            .approved(Some(&Object::framework(framework)))
                            .unwrap()
                    })
                    .count()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, view_frameworks);
criterion_main!(benches);
