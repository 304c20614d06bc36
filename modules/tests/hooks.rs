//! Hook modules named by `--hooks`, called through the master's
//! `HookManager` across the C ABI.

mod support;

use hooks::HookManager;
use modules::{ModuleError, ModuleManager};
use proto::mesos::{FrameworkInfo, Label, Labels, Resource, SlaveInfo, TaskInfo};
use serde_json::json;
use support::manager_loading;

fn loaded() -> ModuleManager {
    manager_loading(json!([
        {"name": "example_label_decorator", "parameters": [
            {"key": "key", "value": "decorated"}, {"key": "value", "value": "yes"}]},
        {"name": "example_marker_file"},
    ]))
}

fn label(key: &str, value: &str) -> Label {
    Label {
        key: key.to_owned(),
        value: Some(value.to_owned()),
    }
}

#[test]
fn a_hook_module_decorates_the_labels_of_a_launched_task() {
    let mut hooks = HookManager::new();
    loaded()
        .install_hooks("example_label_decorator", &mut hooks)
        .unwrap();
    let task = TaskInfo {
        name: "task".to_owned(),
        labels: Some(Labels {
            labels: vec![label("team", "a")],
        }),
        ..Default::default()
    };
    let labels = hooks.master_launch_task_label_decorator(
        &task,
        &FrameworkInfo::default(),
        &SlaveInfo::default(),
    );
    assert_eq!(
        labels,
        Some(Labels {
            labels: vec![label("team", "a"), label("decorated", "yes")],
        })
    );
}

#[test]
fn hook_points_a_module_does_not_implement_change_nothing() {
    let mut hooks = HookManager::new();
    loaded()
        .install_hooks("example_label_decorator", &mut hooks)
        .unwrap();
    let task = TaskInfo {
        resources: vec![Resource {
            name: "cpus".to_owned(),
            ..Default::default()
        }],
        ..Default::default()
    };
    assert_eq!(
        hooks.master_launch_task_resource_decorator(&task, &[]),
        task.resources
    );
    hooks.master_agent_lost(&SlaveInfo::default());
}

#[test]
fn hooks_must_name_each_loaded_hook_module_once() {
    let manager = loaded();
    let install = |names: &str| {
        manager
            .install_hooks(names, &mut HookManager::new())
            .unwrap_err()
    };
    let error = install("example_label_decorator,example_label_decorator");
    assert!(
        matches!(error, ModuleError::DuplicateHook { .. }),
        "{error}"
    );
    assert_eq!(
        install("missing").to_string(),
        "No module named 'missing' is loaded; add a module of kind 'Hook' with that name to \
         --modules or --modules_dir"
    );
    assert_eq!(
        install("example_marker_file").to_string(),
        "Module 'example_marker_file' is of kind 'Anonymous', not 'Hook'; name a module of kind \
         'Hook'"
    );
}
