//! `--help`: every flag, how to give it, what it does and its default.

use std::fmt::Write;

use crate::master::SPECS;

/// The text `mesos-master --help` prints: every flag in name order, with its
/// deprecated name, its help and its default.
pub fn usage() -> String {
    let mut specs: Vec<_> = SPECS.iter().collect();
    specs.sort_by_key(|spec| spec.name);

    let mut usage = String::from(
        "Usage: mesos-master [options]\n\
         \n\
         Every flag can also be set with the environment variable MESOS_<NAME>;\n\
         the command line wins. Values of the form file:///path are read from the file.\n",
    );
    for spec in specs {
        let form = |name: &str| {
            if spec.boolean {
                format!("--[no-]{name}")
            } else {
                format!("--{name}=VALUE")
            }
        };
        let _ = write!(usage, "\n  {}", form(spec.name));
        if let Some(alias) = spec.alias {
            let _ = write!(usage, "  (deprecated: {})", form(alias));
        }
        usage.push('\n');
        for line in spec.help.lines() {
            let _ = writeln!(usage, "      {}", line.trim());
        }
        if let Some(default) = spec.default {
            let _ = writeln!(usage, "      Default: {default}");
        }
    }
    usage
}

#[cfg(test)]
mod tests {
    use super::usage;
    use crate::master::SPECS;

    #[test]
    fn lists_every_flag_with_its_default_and_alias() {
        let usage = usage();
        for spec in SPECS {
            let form = if spec.boolean {
                format!("\n  --[no-]{}", spec.name)
            } else {
                format!("\n  --{}=VALUE", spec.name)
            };
            assert!(usage.contains(&form), "{} missing from --help", spec.name);
            if let Some(alias) = spec.alias {
                assert!(usage.contains(alias), "{alias} missing from --help");
            }
        }
        assert!(
            usage.contains("--agent_ping_timeout=VALUE  (deprecated: --slave_ping_timeout=VALUE)")
        );
        assert!(usage.contains("      Default: 15secs\n"));
        assert!(usage.contains("--[no-]hostname_lookup\n"));
    }

    #[test]
    fn every_flag_has_help() {
        for spec in SPECS {
            assert!(spec.help.trim().len() > 10, "{} has no help", spec.name);
        }
    }
}
