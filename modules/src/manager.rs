//! The module manager: loads the libraries manifests name, checks the
//! modules they list, and creates instances by name and kind.

use crate::ffi::{self, DescriptorError, Entry, OpenError, RawInstance};
use crate::{Instance, Kind, ModuleError};
use modules_abi as abi;
use proto::mesos::modules::Library as ManifestLibrary;
use proto::mesos::modules::library::Module as ManifestModule;
use proto::mesos::{Modules, Parameter, Parameters};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The modules loaded from `--modules` / `--modules_dir`, by name.
#[derive(Debug, Default)]
pub struct ModuleManager {
    library_path: Vec<PathBuf>,
    /// Descriptors of the libraries opened so far, by the name given to the
    /// dynamic loader, so a library named by several manifests opens once.
    opened: HashMap<String, &'static abi::Library>,
    modules: BTreeMap<String, Loaded>,
}

#[derive(Debug)]
struct Loaded {
    library: String,
    kind: Kind,
    entry: Entry,
    parameters: Vec<Parameter>,
}

impl ModuleManager {
    pub fn new() -> Self {
        Self::default()
    }

    /// Directories searched, in order, for libraries given by `name` or by a
    /// `file` without a `/`, before the dynamic loader's own search
    /// (`LD_LIBRARY_PATH`, the loader's cache, the system directories).
    pub fn with_library_path<P: Into<PathBuf>>(
        mut self,
        dirs: impl IntoIterator<Item = P>,
    ) -> Self {
        self.library_path = dirs.into_iter().map(Into::into).collect();
        self
    }

    /// Loads the manifest given by `--modules` (Mesos's `Modules` JSON).
    pub fn load_manifest(&mut self, manifest: &Value) -> Result<(), ModuleError> {
        self.load(manifest, "--modules")
    }

    /// Loads every manifest file in `dir` (`--modules_dir`), in the
    /// alphabetical order of their names, stopping at the first error. As in
    /// Mesos, every entry of the directory is read as a manifest.
    pub fn load_dir(&mut self, dir: &Path) -> Result<(), ModuleError> {
        let unreadable = |path: &Path| {
            let path = path.to_owned();
            move |source| ModuleError::ReadManifests { path, source }
        };
        let mut files = std::fs::read_dir(dir)
            .and_then(|entries| {
                entries
                    .map(|entry| entry.map(|entry| entry.path()))
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(unreadable(dir))?;
        files.sort();
        for file in files {
            let origin = format!("'{}'", file.display());
            let text = std::fs::read_to_string(&file).map_err(unreadable(&file))?;
            let manifest = serde_json::from_str(&text).map_err(|e| ModuleError::Manifest {
                origin: origin.clone(),
                reason: format!("not valid JSON ({e})"),
            })?;
            self.load(&manifest, &origin)?;
        }
        Ok(())
    }

    fn load(&mut self, manifest: &Value, origin: &str) -> Result<(), ModuleError> {
        let manifest: Modules =
            proto::json::from_value(manifest).map_err(|e| ModuleError::Manifest {
                origin: origin.to_owned(),
                reason: e.to_string(),
            })?;
        for (index, library) in manifest.libraries.iter().enumerate() {
            let filename = self.locate(library).ok_or(ModuleError::LibraryUnnamed {
                origin: origin.to_owned(),
                number: index + 1,
            })?;
            let descriptor = match self.opened.get(&filename) {
                Some(descriptor) => *descriptor,
                None => {
                    let descriptor = ffi::open(&filename).map_err(|error| {
                        let (origin, library) = (origin.to_owned(), filename.clone());
                        match error {
                            OpenError::Load(reason) => ModuleError::OpenLibrary {
                                origin,
                                library,
                                reason,
                            },
                            OpenError::NotAModuleLibrary(reason) => {
                                ModuleError::NotAModuleLibrary {
                                    origin,
                                    library,
                                    reason,
                                }
                            }
                        }
                    })?;
                    self.opened.insert(filename.clone(), descriptor);
                    descriptor
                }
            };
            self.add(origin, &filename, descriptor, &library.modules)?;
        }
        Ok(())
    }

    /// What to hand the dynamic loader for `library`: its `file`, else
    /// `lib<name>.so`; a bare file name is looked for in the library path
    /// first. `None` when the library has neither.
    fn locate(&self, library: &ManifestLibrary) -> Option<String> {
        let filename = match (&library.file, &library.name) {
            (Some(file), _) => file.clone(),
            (None, Some(name)) => {
                format!(
                    "{}{name}{}",
                    std::env::consts::DLL_PREFIX,
                    std::env::consts::DLL_SUFFIX
                )
            }
            (None, None) => return None,
        };
        if filename.contains('/') {
            return Some(filename);
        }
        let found = self
            .library_path
            .iter()
            .map(|dir| dir.join(&filename))
            .find(|path| path.is_file())
            .and_then(|path| path.to_str().map(str::to_owned));
        Some(found.unwrap_or(filename))
    }

    /// Registers the modules `manifest` lists from the library `library`
    /// described by `descriptor`. Only the listed modules are checked: a
    /// library may hold modules of kinds this master does not load (an
    /// agent's isolator, say) as long as the manifest does not name them.
    fn add(
        &mut self,
        origin: &str,
        library: &str,
        descriptor: &'static abi::Library,
        manifest: &[ManifestModule],
    ) -> Result<(), ModuleError> {
        let entries = ffi::entries(descriptor).map_err(|error| match error {
            DescriptorError::AbiVersion(found) => ModuleError::AbiVersion {
                library: library.to_owned(),
                found,
            },
            DescriptorError::Malformed(reason) => ModuleError::Malformed {
                library: library.to_owned(),
                reason,
            },
        })?;
        for (index, module) in manifest.iter().enumerate() {
            let name = module
                .name
                .as_deref()
                .ok_or_else(|| ModuleError::ModuleUnnamed {
                    origin: origin.to_owned(),
                    library: library.to_owned(),
                    number: index + 1,
                })?;
            let entry = entries
                .iter()
                .find(|entry| entry.name == name)
                .ok_or_else(|| {
                    let available: Vec<&str> =
                        entries.iter().map(|entry| entry.name.as_str()).collect();
                    ModuleError::UnknownModule {
                        origin: origin.to_owned(),
                        library: library.to_owned(),
                        module: name.to_owned(),
                        available: available.join(", "),
                    }
                })?;
            let kind = Kind::from_name(&entry.kind).ok_or_else(|| ModuleError::UnknownKind {
                library: library.to_owned(),
                module: name.to_owned(),
                kind: entry.kind.clone(),
            })?;
            if entry.kind_version != kind.contract_version() {
                return Err(ModuleError::KindVersion {
                    library: library.to_owned(),
                    module: name.to_owned(),
                    kind,
                    found: entry.kind_version,
                });
            }
            // The same manifest loaded twice is harmless, as in Mesos; the
            // same name for anything else is ambiguous.
            if let Some(loaded) = self.modules.get(name) {
                if loaded.library == library && loaded.parameters == module.parameters {
                    continue;
                }
                return Err(ModuleError::Duplicate {
                    module: name.to_owned(),
                    first: loaded.library.clone(),
                    second: library.to_owned(),
                });
            }
            tracing::info!(module = name, %kind, library, description = %entry.description, "loaded module");
            self.modules.insert(
                name.to_owned(),
                Loaded {
                    library: library.to_owned(),
                    kind,
                    entry: entry.clone(),
                    parameters: module.parameters.clone(),
                },
            );
        }
        Ok(())
    }

    /// The names of the loaded modules of `kind`, in alphabetical order.
    pub fn names(&self, kind: Kind) -> Vec<&str> {
        self.modules
            .iter()
            .filter(|(_, loaded)| loaded.kind == kind)
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// Whether a module `name` of `kind` is loaded.
    pub fn contains(&self, name: &str, kind: Kind) -> bool {
        self.modules
            .get(name)
            .is_some_and(|loaded| loaded.kind == kind)
    }

    /// Creates an instance of module `name`, which must be of `kind`, with
    /// the parameters its manifest gave.
    pub fn create(&self, name: &str, kind: Kind) -> Result<Instance, ModuleError> {
        let loaded = self
            .modules
            .get(name)
            .ok_or_else(|| ModuleError::NotLoaded {
                module: name.to_owned(),
                kind,
            })?;
        if loaded.kind != kind {
            return Err(ModuleError::WrongKind {
                module: name.to_owned(),
                kind: loaded.kind,
                wanted: kind,
            });
        }
        let parameters = proto::json::to_value(&Parameters {
            parameter: loaded.parameters.clone(),
        });
        let raw = RawInstance::create(&loaded.entry, parameters.to_string().as_bytes()).map_err(
            |reason| ModuleError::Create {
                module: name.to_owned(),
                reason,
            },
        )?;
        Ok(Instance::new(name.to_owned(), kind, raw))
    }

    /// Creates every loaded `Anonymous` module, as Mesos's master does right
    /// after loading. Keep the instances for the life of the master:
    /// dropping one destroys it.
    pub fn create_anonymous(&self) -> Result<Vec<Instance>, ModuleError> {
        self.names(Kind::Anonymous)
            .into_iter()
            .map(|name| self.create(name, Kind::Anonymous))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::ffi::{CStr, c_void};
    use std::ptr::null;

    extern "C" fn create_nothing(_parameters: abi::Bytes, _error: abi::Output) -> *mut c_void {
        std::ptr::null_mut()
    }
    extern "C" fn call_nothing(
        _instance: *mut c_void,
        _method: abi::Bytes,
        _input: abi::Bytes,
        _output: abi::Output,
    ) -> abi::Status {
        abi::STATUS_UNSUPPORTED
    }
    extern "C" fn destroy_nothing(_instance: *mut c_void) {}

    const fn module(name: &'static CStr, kind: &'static CStr, kind_version: u32) -> abi::Module {
        abi::Module {
            name: name.as_ptr(),
            kind: kind.as_ptr(),
            kind_version,
            description: c"a test module".as_ptr(),
            create: create_nothing,
            call: call_nothing,
            destroy: destroy_nothing,
        }
    }

    static MODULES: [abi::Module; 4] = [
        module(c"hook", c"Hook", 1),
        module(c"anonymous", c"Anonymous", 1),
        module(c"isolator", c"Isolator", 1),
        module(c"future_hook", c"Hook", 2),
    ];
    static LIBRARY: abi::Library = abi::Library {
        abi_version: abi::ABI_VERSION,
        module_count: MODULES.len(),
        modules: MODULES.as_ptr(),
    };
    static NEWER_ABI: abi::Library = abi::Library {
        abi_version: abi::ABI_VERSION + 1,
        module_count: 0,
        modules: null(),
    };
    static UNNAMED_MODULE: [abi::Module; 1] = [abi::Module {
        name: null(),
        ..module(c"", c"Hook", 1)
    }];
    static MALFORMED: abi::Library = abi::Library {
        abi_version: abi::ABI_VERSION,
        module_count: 1,
        modules: UNNAMED_MODULE.as_ptr(),
    };

    fn listed(names: &[&str]) -> Vec<ManifestModule> {
        names
            .iter()
            .map(|name| ManifestModule {
                name: Some((*name).to_owned()),
                parameters: vec![],
            })
            .collect()
    }

    fn add(
        manager: &mut ModuleManager,
        library: &str,
        descriptor: &'static abi::Library,
        names: &[&str],
    ) -> Result<(), ModuleError> {
        manager.add("--modules", library, descriptor, &listed(names))
    }

    #[test]
    fn listed_modules_are_registered_by_name_and_kind() {
        let mut manager = ModuleManager::new();
        add(&mut manager, "libtest.so", &LIBRARY, &["hook", "anonymous"]).unwrap();
        assert_eq!(manager.names(Kind::Hook), ["hook"]);
        assert_eq!(manager.names(Kind::Anonymous), ["anonymous"]);
        assert!(manager.names(Kind::Allocator).is_empty());
        assert!(manager.contains("hook", Kind::Hook));
        assert!(!manager.contains("hook", Kind::Anonymous));
        assert!(!manager.contains("isolator", Kind::Hook));
    }

    #[test]
    fn a_library_built_for_another_abi_version_is_refused() {
        let error = add(&mut ModuleManager::new(), "libnew.so", &NEWER_ABI, &[]).unwrap_err();
        assert!(
            matches!(error, ModuleError::AbiVersion { found: 2, .. }),
            "{error}"
        );
        assert_eq!(
            error.to_string(),
            "Module library 'libnew.so' was built for module ABI version 2, but this master \
             speaks version 1; rebuild the library against that modules-abi"
        );
    }

    #[test]
    fn a_descriptor_without_a_module_name_is_malformed() {
        let error = add(&mut ModuleManager::new(), "libbad.so", &MALFORMED, &[]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Module library 'libbad.so' has a malformed descriptor: module #1 has no UTF-8 name; \
             fix the library"
        );
    }

    #[test]
    fn an_unknown_module_name_lists_what_the_library_has() {
        let error = add(&mut ModuleManager::new(), "libtest.so", &LIBRARY, &["hok"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Module library 'libtest.so' has no module named 'hok' (it has: hook, anonymous, \
             isolator, future_hook); fix the module name in --modules"
        );
    }

    #[test]
    fn a_listed_module_of_a_kind_the_master_does_not_load_is_refused() {
        let error = add(
            &mut ModuleManager::new(),
            "libtest.so",
            &LIBRARY,
            &["isolator"],
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "Module 'isolator' of library 'libtest.so' is of kind 'Isolator', which this master \
             does not load (it loads Allocator, Anonymous, Authorizer, Hook, MasterContender, \
             MasterDetector); remove the module from the manifest"
        );
    }

    #[test]
    fn a_module_for_another_contract_version_of_its_kind_is_refused() {
        let error = add(
            &mut ModuleManager::new(),
            "libtest.so",
            &LIBRARY,
            &["future_hook"],
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "Module 'future_hook' of library 'libtest.so' implements version 2 of kind 'Hook', \
             but this master speaks version 1; rebuild the module for that version"
        );
    }

    #[test]
    fn the_same_module_twice_is_harmless_but_from_two_libraries_is_refused() {
        let mut manager = ModuleManager::new();
        add(&mut manager, "libtest.so", &LIBRARY, &["hook"]).unwrap();
        add(&mut manager, "libtest.so", &LIBRARY, &["hook"]).unwrap();
        let error = add(&mut manager, "libother.so", &LIBRARY, &["hook"]).unwrap_err();
        assert!(matches!(error, ModuleError::Duplicate { .. }), "{error}");
        assert!(
            error
                .to_string()
                .contains("'libtest.so' and again from 'libother.so'")
        );
    }

    #[test]
    fn creating_checks_the_name_and_kind_and_reports_a_failed_creation() {
        let mut manager = ModuleManager::new();
        add(&mut manager, "libtest.so", &LIBRARY, &["hook"]).unwrap();
        let error = manager.create("nope", Kind::Allocator).unwrap_err();
        assert_eq!(
            error.to_string(),
            "No module named 'nope' is loaded; add a module of kind 'Allocator' with that name \
             to --modules or --modules_dir"
        );
        let error = manager.create("hook", Kind::Allocator).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Module 'hook' is of kind 'Hook', not 'Allocator'; name a module of kind 'Allocator'"
        );
        let error = manager.create("hook", Kind::Hook).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Module 'hook' could not be created: the module gave no reason; check its parameters \
             in the manifest"
        );
    }

    #[test]
    fn manifests_that_are_not_mesos_modules_json_are_refused() {
        let mut manager = ModuleManager::new();
        let error = manager.load_manifest(&json!({"libraries": 5})).unwrap_err();
        assert!(matches!(error, ModuleError::Manifest { .. }), "{error}");
        assert!(
            error
                .to_string()
                .starts_with("Bad module manifest in --modules: ")
        );

        let error = manager
            .load_manifest(&json!({"libraries": [{"modules": [{"name": "x"}]}]}))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "Library #1 in --modules has neither 'file' nor 'name'; give its path as 'file' or \
             its name as 'name' (for lib<name>.so)"
        );
    }

    #[test]
    fn a_missing_library_file_is_named_with_the_fix() {
        let error = ModuleManager::new()
            .load_manifest(&json!({"libraries": [{"file": "/nonexistent/libmissing.so"}]}))
            .unwrap_err();
        let message = error.to_string();
        assert!(
            matches!(error, ModuleError::OpenLibrary { .. }),
            "{message}"
        );
        assert!(
            message.starts_with(
                "Cannot open module library '/nonexistent/libmissing.so' (from --modules): "
            ),
            "{message}"
        );
        assert!(message.ends_with("fix its 'file' path, or put it in a directory on the library search path (LD_LIBRARY_PATH)"));
    }

    #[test]
    fn a_shared_library_without_the_descriptor_symbol_is_not_a_module_library() {
        let error = ModuleManager::new()
            .load_manifest(&json!({"libraries": [{"file": "libc.so.6"}]}))
            .unwrap_err();
        let message = error.to_string();
        assert!(
            matches!(error, ModuleError::NotAModuleLibrary { .. }),
            "{message}"
        );
        assert!(message.starts_with("'libc.so.6' (from --modules) is not a module library"));
        assert!(message.ends_with("exports 'mesos_rs_module_library'"));
    }

    #[test]
    fn a_name_is_looked_up_as_lib_name_so_in_the_library_path_first() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("libfound.so"), b"").unwrap();
        let manager = ModuleManager::new().with_library_path([dir.path()]);
        let named = |name: &str| ManifestLibrary {
            name: Some(name.to_owned()),
            ..Default::default()
        };
        let found = dir.path().join("libfound.so").to_str().unwrap().to_owned();
        assert_eq!(manager.locate(&named("found")), Some(found));
        assert_eq!(
            manager.locate(&named("elsewhere")),
            Some("libelsewhere.so".to_owned())
        );
        let file = ManifestLibrary {
            file: Some("./libx.so".to_owned()),
            name: Some("ignored".to_owned()),
            ..Default::default()
        };
        assert_eq!(manager.locate(&file), Some("./libx.so".to_owned()));
    }

    #[test]
    fn a_modules_dir_is_read_in_name_order_and_names_the_bad_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.json"), r#"{"libraries": []}"#).unwrap();
        std::fs::write(dir.path().join("b.json"), "{not json").unwrap();
        std::fs::write(dir.path().join("c.json"), r#"{"libraries": [{}]}"#).unwrap();
        let error = ModuleManager::new().load_dir(dir.path()).unwrap_err();
        let message = error.to_string();
        let bad = format!(
            "Bad module manifest in '{}': not valid JSON",
            dir.path().join("b.json").display()
        );
        assert!(message.starts_with(&bad), "{message}");

        let error = ModuleManager::new()
            .load_dir(&dir.path().join("missing"))
            .unwrap_err();
        assert!(
            matches!(error, ModuleError::ReadManifests { .. }),
            "{error}"
        );
        assert!(error.to_string().ends_with("check the --modules_dir path"));
    }
}
