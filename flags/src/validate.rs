//! Checks on the loaded values that Mesos makes while starting: the flag
//! validators, plus the pure flag checks of `main.cpp` and `Master::initialize`,
//! so that a bad configuration fails at once with a message naming the flag.
//!
//! Checks that need more than the flags (reading `--credentials`, parsing
//! `--agent_removal_rate_limit`, `--weights` or `--min_allocatable_resources`,
//! loading modules) belong to the crates that use those values.

use crate::{Duration, FlagsError, MasterFlags};

impl MasterFlags {
    pub(crate) fn validate(&self) -> Result<(), FlagsError> {
        self.check_values()?;
        self.check_exclusive_flags()?;
        self.check_allocator()?;
        self.check_registry()?;
        self.check_authn_authz()
    }

    fn check_values(&self) -> Result<(), FlagsError> {
        if self.registry_strict {
            return Err(invalid(
                "registry_strict",
                "true",
                "Mesos disabled the strict registry; remove the flag or pass --registry_strict=false",
            ));
        }
        let ping = self.agent_ping_timeout;
        if ping < Duration::from_secs(1) || ping > Duration::from_mins(15) {
            return Err(invalid(
                "agent_ping_timeout",
                ping,
                "must be from 1secs to 15mins, e.g. --agent_ping_timeout=15secs",
            ));
        }
        if self.max_agent_ping_timeouts < 1 {
            return Err(invalid(
                "max_agent_ping_timeouts",
                self.max_agent_ping_timeouts,
                "must be at least 1, e.g. --max_agent_ping_timeouts=5",
            ));
        }
        if self.agent_reregister_timeout < Duration::from_mins(10) {
            return Err(invalid(
                "agent_reregister_timeout",
                self.agent_reregister_timeout,
                "must be at least 10mins, e.g. --agent_reregister_timeout=10mins",
            ));
        }
        self.check_recovery_agent_removal_limit()?;
        if let Some(timeout) = self.offer_timeout
            && timeout <= Duration::ZERO
        {
            return Err(invalid(
                "offer_timeout",
                timeout,
                "must be greater than zero; leave it unset for offers that never time out",
            ));
        }
        if !matches!(self.logging_level.as_str(), "INFO" | "WARNING" | "ERROR") {
            return Err(invalid(
                "logging_level",
                &self.logging_level,
                "must be one of INFO, WARNING, ERROR",
            ));
        }
        if let Some(domain) = &self.domain
            && !domain.fields().contains_key("fault_domain")
        {
            return Err(invalid(
                "domain",
                domain,
                "must define 'fault_domain', e.g. {\"fault_domain\": {\"region\": {\"name\": \"r1\"}, \"zone\": {\"name\": \"z1\"}}}",
            ));
        }
        Ok(())
    }

    fn check_recovery_agent_removal_limit(&self) -> Result<(), FlagsError> {
        let limit = &self.recovery_agent_removal_limit;
        let percent = limit
            .strip_suffix('%')
            .and_then(|number| number.parse::<f64>().ok());
        match percent {
            Some(percent) if (0.0..=100.0).contains(&percent) => Ok(()),
            _ => Err(invalid(
                "recovery_agent_removal_limit",
                limit,
                "expected a percentage from 0% to 100%, e.g. --recovery_agent_removal_limit=100%",
            )),
        }
    }

    fn check_exclusive_flags(&self) -> Result<(), FlagsError> {
        if self.ip.is_some() && self.ip_discovery_command.is_some() {
            return Err(FlagsError::Conflict {
                flag: "ip",
                other: "ip_discovery_command",
                fix: "keep only one of them",
            });
        }
        if self.modules.is_some() && self.modules_dir.is_some() {
            return Err(FlagsError::Conflict {
                flag: "modules",
                other: "modules_dir",
                fix: "keep only one of them",
            });
        }
        match (
            self.zk.is_some(),
            self.master_contender.is_some(),
            self.master_detector.is_some(),
        ) {
            (true, true, _) => Err(FlagsError::Conflict {
                flag: "zk",
                other: "master_contender",
                fix: "use either --zk or the --master_contender/--master_detector modules",
            }),
            (true, _, true) => Err(FlagsError::Conflict {
                flag: "zk",
                other: "master_detector",
                fix: "use either --zk or the --master_contender/--master_detector modules",
            }),
            (false, true, false) => Err(FlagsError::Required {
                flag: "master_detector",
                when: "with --master_contender".to_owned(),
                fix: "give both module flags or neither",
            }),
            (false, false, true) => Err(FlagsError::Required {
                flag: "master_contender",
                when: "with --master_detector".to_owned(),
                fix: "give both module flags or neither",
            }),
            _ => Ok(()),
        }
    }

    /// The built-in allocator supports the sorter pairs drf/drf and random/random.
    fn check_allocator(&self) -> Result<(), FlagsError> {
        if !matches!(self.allocator.as_str(), "hierarchical" | "HierarchicalDRF") {
            return Ok(());
        }
        for (flag, sorter) in [
            ("role_sorter", &self.role_sorter),
            ("framework_sorter", &self.framework_sorter),
        ] {
            if !matches!(sorter.as_str(), "drf" | "random") {
                return Err(invalid(flag, sorter, "must be 'drf' or 'random'"));
            }
        }
        if self.role_sorter != self.framework_sorter {
            return Err(invalid(
                "framework_sorter",
                &self.framework_sorter,
                &format!(
                    "must equal --role_sorter ('{}') with the hierarchical allocator",
                    self.role_sorter
                ),
            ));
        }
        Ok(())
    }

    fn check_registry(&self) -> Result<(), FlagsError> {
        match self.registry.as_str() {
            "in_memory" => Ok(()),
            // `log_storage` is the older name of the replicated log.
            "replicated_log" | "log_storage" => {
                let when = || format!("with --registry={}", self.registry);
                if self.work_dir.is_none() {
                    return Err(FlagsError::Required {
                        flag: "work_dir",
                        when: when(),
                        fix: "pass --work_dir=/var/lib/mesos/master (or --registry=in_memory for tests)",
                    });
                }
                if self.zk.is_some() && self.quorum.is_none() {
                    return Err(FlagsError::Required {
                        flag: "quorum",
                        when: format!("{} and --zk", when()),
                        fix: "pass --quorum with a majority of the masters, e.g. --quorum=2 for 3 masters",
                    });
                }
                Ok(())
            }
            // Ours: the registry in the ZooKeeper ensemble the masters elect in.
            "zk" if self.zk.is_none() => Err(FlagsError::Required {
                flag: "zk",
                when: "with --registry=zk".to_owned(),
                fix: "pass --zk=zk://host1:2181,host2:2181/mesos (the registry is kept under its path), \
                      or use --registry=replicated_log",
            }),
            "zk" => Ok(()),
            other => Err(invalid(
                "registry",
                other,
                "must be 'replicated_log', 'in_memory' or 'zk'",
            )),
        }
    }

    fn check_authn_authz(&self) -> Result<(), FlagsError> {
        for (flag, names) in [
            ("authenticators", &self.authenticators),
            ("authorizers", &self.authorizers),
        ] {
            if names.is_empty() || names.contains(',') {
                return Err(invalid(flag, names, "give exactly one name"));
            }
        }
        if self.authenticate_http_frameworks && self.http_framework_authenticators.is_none() {
            return Err(FlagsError::Required {
                flag: "http_framework_authenticators",
                when: "with --authenticate_http_frameworks".to_owned(),
                fix: "pass --http_framework_authenticators=basic (or a module name)",
            });
        }
        Ok(())
    }
}

fn invalid(flag: &'static str, value: impl ToString, reason: &str) -> FlagsError {
    FlagsError::InvalidValue {
        flag,
        value: crate::error::one_line(&value.to_string()),
        reason: reason.to_owned(),
    }
}
