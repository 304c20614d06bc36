//! Choosing a backend from the master's flags.

use crate::{
    EmbeddedStorage, InMemoryStorage, StateError, Storage, ZooKeeperConfig, ZooKeeperStorage,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The storage a master keeps its registry in, as its flags choose it.
///
/// The flag values are Mesos's, so existing command lines keep working:
/// `--registry=replicated_log` (Mesos's default) asks for durable storage,
/// which here is the embedded store under `--work_dir`. `--registry=zk` is
/// ours: the registry lives in the ZooKeeper ensemble of `--zk`, so that the
/// masters of an HA cluster share it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// `--registry=in_memory`: nothing survives a restart.
    InMemory,
    /// `--registry=replicated_log`: an [`EmbeddedStorage`] in `dir`.
    Embedded { dir: PathBuf },
    /// `--registry=zk`: a [`ZooKeeperStorage`] in the ensemble of `--zk`,
    /// shared by the masters of an HA cluster. The master builds the config
    /// from `--zk` and `--zk_session_timeout`.
    ZooKeeper(ZooKeeperConfig),
}

impl Backend {
    /// The backend named by `--registry`: kept under `--work_dir` if
    /// durable, in `zookeeper` (built from `--zk`, `None` without it) for
    /// `zk`. `log_storage` is Mesos's older name of `replicated_log`.
    pub fn from_flags(
        registry: &str,
        work_dir: Option<&Path>,
        zookeeper: Option<ZooKeeperConfig>,
    ) -> Result<Self, StateError> {
        match registry {
            "in_memory" => Ok(Backend::InMemory),
            "replicated_log" | "log_storage" => work_dir
                .map(|dir| Backend::Embedded {
                    dir: dir.to_owned(),
                })
                .ok_or(StateError::WorkDirRequired),
            "zk" => zookeeper
                .map(Backend::ZooKeeper)
                .ok_or(StateError::ZkRequired),
            other => Err(StateError::UnknownBackend(other.to_owned())),
        }
    }

    /// Opens the backend, ready to hand to [`crate::State::new`].
    pub async fn open(&self) -> Result<Arc<dyn Storage>, StateError> {
        Ok(match self {
            Backend::InMemory => Arc::new(InMemoryStorage::new()),
            Backend::Embedded { dir } => Arc::new(EmbeddedStorage::open(dir).await?),
            Backend::ZooKeeper(config) => Arc::new(ZooKeeperStorage::open(config).await?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mesos_flag_values_choose_the_backend() {
        assert_eq!(
            Backend::from_flags("in_memory", None, None).unwrap(),
            Backend::InMemory
        );
        for durable in ["replicated_log", "log_storage"] {
            assert_eq!(
                Backend::from_flags(durable, Some(Path::new("w")), None).unwrap(),
                Backend::Embedded { dir: "w".into() }
            );
        }
        let zookeeper = ZooKeeperConfig {
            servers: "127.0.0.1:2181".into(),
            root: "/mesos/registry".into(),
            digest: None,
            session_timeout: std::time::Duration::from_secs(10),
        };
        assert_eq!(
            Backend::from_flags("zk", None, Some(zookeeper.clone())).unwrap(),
            Backend::ZooKeeper(zookeeper)
        );
    }

    #[test]
    fn durable_backend_needs_a_work_dir() {
        assert!(matches!(
            Backend::from_flags("replicated_log", None, None),
            Err(StateError::WorkDirRequired)
        ));
    }

    #[test]
    fn zookeeper_backend_needs_zk() {
        let error = Backend::from_flags("zk", Some(Path::new("w")), None).unwrap_err();
        assert!(matches!(error, StateError::ZkRequired));
        assert!(error.to_string().contains("--zk"), "{error}");
    }

    #[test]
    fn unknown_backend_is_named_in_the_error() {
        let error = Backend::from_flags("leveldb", None, None).unwrap_err();
        assert!(error.to_string().contains("'leveldb'"), "{error}");
    }
}
