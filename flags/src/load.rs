//! Loading [`MasterFlags`] from the command line and the `MESOS_*` environment.
//!
//! The rules are documented at the crate root.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use figment::value::{Dict, Map};
use figment::{Figment, Metadata, Profile, Provider};

use crate::error::one_line;
use crate::master::{SPECS, Spec};
use crate::value::Fetch;
use crate::{FlagsError, MasterFlags};

/// The prefix of the environment variables that set flags: `MESOS_PORT=5050`
/// is `--port=5050` (the rest of the name is case-insensitive).
pub const ENV_PREFIX: &str = "MESOS_";

/// Loaded flags, with the warnings to log once logging is set up.
#[derive(Debug, Clone, PartialEq)]
pub struct Load {
    /// The master's configuration.
    pub flags: MasterFlags,
    /// Deprecated names and forms that were used, and ignored arguments.
    pub warnings: Vec<String>,
}

impl MasterFlags {
    /// Loads the flags from `args` (the command line without the program name)
    /// over `env` (environment variables; only `MESOS_*` ones that name a flag
    /// are used) over the defaults, then validates them.
    ///
    /// This reads nothing but `file://` values, so tests can pass any
    /// environment. When `--help` or `--version` is given, only the values
    /// themselves are checked, not their combination, so that the caller can
    /// print the usage or version even for an incomplete configuration.
    pub fn load_from<A, E, K, V>(args: A, env: E) -> Result<Load, FlagsError>
    where
        A: IntoIterator,
        A::Item: AsRef<str>,
        E: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut warnings = Vec::new();
        let command_line = command_line(args, &mut warnings)?;
        let environment = environment(env)?;

        let figment = Figment::new()
            .merge(Layer::new("defaults", defaults()?))
            .merge(Layer::new(
                "environment",
                parse_layer(&environment, &mut warnings)?,
            ))
            .merge(Layer::new(
                "command line",
                parse_layer(&command_line, &mut warnings)?,
            ));
        let mut flags: MasterFlags = figment
            .extract()
            .map_err(|error| FlagsError::Layering(Box::new(error)))?;

        flags.loaded_aliases = SPECS
            .iter()
            .filter(|spec| {
                command_line
                    .get(spec.name)
                    .or_else(|| environment.get(spec.name))
                    .is_some_and(|given| given.via_alias)
            })
            .map(|spec| spec.name)
            .collect();

        if !(flags.help || flags.version) {
            flags.validate()?;
        }
        Ok(Load { flags, warnings })
    }

    /// [`MasterFlags::load_from`] with this process's arguments and environment.
    pub fn load() -> Result<Load, FlagsError> {
        let lossy = |s: std::ffi::OsString| s.to_string_lossy().into_owned();
        Self::load_from(
            std::env::args_os().skip(1).map(lossy),
            std::env::vars_os().map(|(key, value)| (lossy(key), lossy(value))),
        )
    }
}

/// One flag as found in a source, before its value is parsed.
#[derive(Debug)]
struct Given {
    spec: &'static Spec,
    /// Loaded through the deprecated name.
    via_alias: bool,
    /// `--no-name`.
    negated: bool,
    /// Where it came from, e.g. `--slave_ping_timeout` or `MESOS_PORT`.
    origin: String,
    value: Option<String>,
}

impl Given {
    /// Resolves a lower-case name such as `no-quiet` or `slave_ping_timeout`.
    fn resolve(name: &str, origin: String, value: Option<String>) -> Option<Given> {
        let (negated, name) = match name.strip_prefix("no-") {
            Some(name) => (true, name),
            None => (false, name),
        };
        SPECS.iter().find_map(|spec| {
            let via_alias = spec.alias == Some(name);
            (spec.name == name || via_alias).then(|| Given {
                spec,
                via_alias,
                negated,
                origin: origin.clone(),
                value: value.clone(),
            })
        })
    }

    /// The name the flag was given under.
    fn flag_name(&self) -> &'static str {
        match self.spec.alias {
            Some(alias) if self.via_alias => alias,
            _ => self.spec.name,
        }
    }

    /// The text to parse, after the boolean shorthands.
    fn text(&self) -> Result<&str, FlagsError> {
        let flag = self.flag_name();
        match (self.spec.boolean, self.negated, self.value.as_deref()) {
            (true, false, None | Some("")) => Ok("true"),
            (true, true, None | Some("")) => Ok("false"),
            (true, true, Some(value)) => Err(FlagsError::InvalidValue {
                flag,
                value: one_line(value),
                reason: format!(
                    "'{}' takes no value; use '{}' alone or --{flag}=true|false",
                    self.origin, self.origin
                ),
            }),
            (false, true, _) => Err(FlagsError::NotBoolean {
                flag,
                arg: self.origin.clone(),
            }),
            (_, false, Some(value)) => Ok(value),
            (false, false, None) => Err(FlagsError::MissingValue { flag }),
        }
    }

    fn insert_into(self, given: &mut BTreeMap<&'static str, Given>) -> Result<(), FlagsError> {
        match given.entry(self.spec.name) {
            Entry::Occupied(first) => Err(FlagsError::Duplicate {
                flag: self.spec.name,
                first: first.get().origin.clone(),
                second: self.origin,
            }),
            Entry::Vacant(slot) => {
                slot.insert(self);
                Ok(())
            }
        }
    }
}

fn command_line<A>(
    args: A,
    warnings: &mut Vec<String>,
) -> Result<BTreeMap<&'static str, Given>, FlagsError>
where
    A: IntoIterator,
    A::Item: AsRef<str>,
{
    let mut given = BTreeMap::new();
    for arg in args {
        let arg = arg.as_ref().trim();
        if arg == "--" {
            break;
        }
        let Some(flag) = arg.strip_prefix("--") else {
            warnings.push(format!(
                "Ignoring argument '{}': flags start with '--'",
                one_line(arg)
            ));
            continue;
        };
        let (name, value) = match flag.split_once('=') {
            Some((name, value)) => (name, Some(value.to_owned())),
            None => (flag, None),
        };
        let origin = format!("--{}", name.to_lowercase());
        Given::resolve(&name.to_lowercase(), origin.clone(), value)
            .ok_or(FlagsError::UnknownFlag {
                arg: one_line(&origin),
            })?
            .insert_into(&mut given)?;
    }
    Ok(given)
}

fn environment<E, K, V>(env: E) -> Result<BTreeMap<&'static str, Given>, FlagsError>
where
    E: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    // Sorted, so that a duplicate is reported the same way every time.
    let variables: BTreeMap<String, String> = env
        .into_iter()
        .map(|(key, value)| (key.as_ref().to_owned(), value.as_ref().to_owned()))
        .collect();
    let mut given = BTreeMap::new();
    for (key, value) in variables {
        let Some(name) = key.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        if let Some(flag) = Given::resolve(&name.to_lowercase(), key.clone(), Some(value)) {
            flag.insert_into(&mut given)?;
        }
    }
    Ok(given)
}

/// The defaults layer: every flag that has a default.
fn defaults() -> Result<Dict, FlagsError> {
    SPECS
        .iter()
        .filter_map(|spec| spec.default.map(|default| (spec, default)))
        .map(|(spec, default)| {
            let value = (spec.parse)(default, None).map_err(|reason| FlagsError::InvalidValue {
                flag: spec.name,
                value: default.to_owned(),
                reason,
            })?;
            Ok((spec.name.to_owned(), value))
        })
        .collect()
}

/// A layer of parsed values, one per flag given in a source.
fn parse_layer(
    given: &BTreeMap<&'static str, Given>,
    warnings: &mut Vec<String>,
) -> Result<Dict, FlagsError> {
    let mut layer = Dict::new();
    for flag in given.values() {
        let name = flag.flag_name();
        if flag.via_alias {
            warnings.push(format!(
                "Loaded deprecated flag '{name}' from '{}'; use '{}' instead",
                flag.origin, flag.spec.name
            ));
        }
        let text = flag.text()?;
        let (contents, file) = fetch(flag.spec.fetch, name, text, warnings)?;
        let value =
            (flag.spec.parse)(&contents, file).map_err(|reason| FlagsError::InvalidValue {
                flag: name,
                value: one_line(text),
                reason,
            })?;
        layer.insert(flag.spec.name.to_owned(), value);
    }
    Ok(layer)
}

/// The text to parse for a flag value, and the file it was read from.
fn fetch<'t>(
    fetch: Fetch,
    flag: &'static str,
    text: &'t str,
    warnings: &mut Vec<String>,
) -> Result<(Cow<'t, str>, Option<&'t str>), FlagsError> {
    let path = match fetch {
        Fetch::Verbatim => None,
        Fetch::FileUri => text.strip_prefix("file://"),
        Fetch::FileUriOrAbsolutePath => text.strip_prefix("file://").or_else(|| {
            let path = text.starts_with('/').then_some(text)?;
            warnings.push(format!(
                "Flag '{flag}' reads '{path}': a bare path is deprecated, write 'file://{path}'"
            ));
            Some(path)
        }),
    };
    match path {
        None => Ok((Cow::Borrowed(text), None)),
        Some(path) => match std::fs::read_to_string(path) {
            Ok(contents) => Ok((Cow::Owned(contents), Some(path))),
            Err(source) => Err(FlagsError::ReadFile {
                flag,
                path: one_line(path),
                source,
            }),
        },
    }
}

/// A figment provider for one source of flags.
struct Layer {
    name: &'static str,
    values: Dict,
}

impl Layer {
    fn new(name: &'static str, values: Dict) -> Layer {
        Layer { name, values }
    }
}

impl Provider for Layer {
    fn metadata(&self) -> Metadata {
        Metadata::named(self.name)
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.values.clone()))
    }
}
