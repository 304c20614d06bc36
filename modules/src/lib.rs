//! Mesos module manifests (--modules, --modules_dir) and the registry of module kinds the master loads.
