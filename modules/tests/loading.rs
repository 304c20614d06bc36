//! Loading a real module library: by `file`, by `name` through the library
//! path, from a `--modules_dir`, and the errors that name what is wrong.

mod support;

use modules::{Kind, ModuleError, ModuleManager};
use serde_json::json;
use support::{example_library, manager_loading, manifest};
use testkit::example_module_file_name as example_file_name;

#[test]
fn a_library_given_by_file_loads_the_modules_the_manifest_lists() {
    let manager = manager_loading(json!([
        {"name": "example_label_decorator"},
        {"name": "example_marker_file"},
    ]));
    assert_eq!(manager.names(Kind::Hook), ["example_label_decorator"]);
    assert_eq!(manager.names(Kind::Anonymous), ["example_marker_file"]);
}

#[test]
fn a_library_given_by_name_is_found_as_lib_name_so_in_the_library_path() {
    let dir = example_library().parent().unwrap();
    let mut manager = ModuleManager::new().with_library_path([dir]);
    manager
        .load_manifest(&json!({"libraries": [{
            "name": "modules_example",
            "modules": [{"name": "example_label_decorator"}],
        }]}))
        .unwrap();
    assert!(manager.contains("example_label_decorator", Kind::Hook));

    // A name found nowhere is reported as the file looked for.
    let error = ModuleManager::new()
        .with_library_path([dir])
        .load_manifest(&json!({"libraries": [{"name": "no_such_library"}]}))
        .unwrap_err();
    assert!(matches!(error, ModuleError::OpenLibrary { .. }), "{error}");
    let looked_for = example_file_name().replace("modules_example", "no_such_library");
    assert!(
        error.to_string().starts_with(&format!(
            "Cannot open module library '{looked_for}' (from --modules)"
        )),
        "{error}"
    );
}

#[test]
fn a_modules_dir_loads_every_manifest_in_it() {
    let dir = tempfile::tempdir().unwrap();
    let write = |file: &str, module: &str| {
        let text = manifest(json!([{ "name": module }])).to_string();
        std::fs::write(dir.path().join(file), text).unwrap();
    };
    write("10-hook.json", "example_label_decorator");
    write("20-anonymous", "example_marker_file");
    let mut manager = ModuleManager::new();
    manager.load_dir(dir.path()).unwrap();
    assert!(manager.contains("example_label_decorator", Kind::Hook));
    assert!(manager.contains("example_marker_file", Kind::Anonymous));
}

#[test]
fn loading_the_same_manifest_twice_is_harmless() {
    let manifest = manifest(json!([{"name": "example_label_decorator"}]));
    let mut manager = ModuleManager::new();
    manager.load_manifest(&manifest).unwrap();
    manager.load_manifest(&manifest).unwrap();
    assert_eq!(manager.names(Kind::Hook), ["example_label_decorator"]);
}

#[test]
fn a_module_the_library_does_not_have_is_named_with_what_it_has() {
    let error = ModuleManager::new()
        .load_manifest(&manifest(json!([{"name": "example_authorizer"}])))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "Module library '{}' has no module named 'example_authorizer' (it has: \
             example_label_decorator, example_marker_file, example_fifo_allocator); fix the \
             module name in --modules",
            example_library().display()
        )
    );
}
