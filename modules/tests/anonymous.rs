//! Anonymous modules: created with their manifest parameters right after
//! loading, and destroyed only when the master drops them.

mod support;

use modules::{Kind, ModuleError};
use serde_json::json;
use support::manager_loading;

#[test]
fn every_anonymous_module_is_created_with_its_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("marker");
    let manager = manager_loading(json!([
        {"name": "example_label_decorator", "parameters": [
            {"key": "key", "value": "k"}, {"key": "value", "value": "v"}]},
        {"name": "example_marker_file", "parameters": [
            {"key": "path", "value": marker.to_str().unwrap()}]},
    ]));
    assert!(!marker.exists());
    let anonymous = manager.create_anonymous().unwrap();
    assert_eq!(anonymous.len(), 1);
    assert_eq!(anonymous[0].module(), "example_marker_file");
    assert_eq!(anonymous[0].kind(), Kind::Anonymous);
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "created\n");
}

#[test]
fn a_module_that_refuses_its_parameters_fails_creation_with_its_reason() {
    let manager = manager_loading(json!([{"name": "example_marker_file"}]));
    let error = manager.create_anonymous().unwrap_err();
    assert!(matches!(error, ModuleError::Create { .. }), "{error}");
    assert_eq!(
        error.to_string(),
        "Module 'example_marker_file' could not be created: parameter 'path' is required; check \
         its parameters in the manifest"
    );
}
