//! How each flag type is parsed from its command-line text and rendered back in `/flags`.

use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Bytes, Duration};
use proto::text::format_general;

/// Where the text to parse comes from, given the value on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fetch {
    /// Used as given: path flags keep `file://` for the component that reads them.
    Verbatim,
    /// `file:///path` is replaced by the file's contents (stout's `fetch`).
    FileUri,
    /// As [`Fetch::FileUri`]; a bare absolute path is read too (deprecated, warns).
    FileUriOrAbsolutePath,
}

/// A type a master flag can have.
pub(crate) trait FlagValue: Sized + Serialize {
    /// Boolean flags also load as `--name` and `--no-name`.
    const BOOLEAN: bool = false;
    /// How `file://` values are handled.
    const FETCH: Fetch = Fetch::FileUri;

    /// Parses the (fetched) text; `file` is the path it was read from, if any.
    /// The error is the reason, phrased to complete "Invalid value 'x' for flag 'y': ".
    fn parse_flag(text: &str, file: Option<&str>) -> Result<Self, String>;

    /// The value as Mesos shows it in `/flags`; `None` for an unset optional flag.
    fn render(&self) -> Option<String>;
}

impl FlagValue for bool {
    const BOOLEAN: bool = true;

    fn parse_flag(text: &str, _: Option<&str>) -> Result<Self, String> {
        match text {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err("expected 'true' or 'false' (or '1' / '0')".to_owned()),
        }
    }

    fn render(&self) -> Option<String> {
        Some(self.to_string())
    }
}

impl FlagValue for String {
    fn parse_flag(text: &str, _: Option<&str>) -> Result<Self, String> {
        Ok(text.to_owned())
    }

    fn render(&self) -> Option<String> {
        Some(self.clone())
    }
}

impl FlagValue for PathBuf {
    const FETCH: Fetch = Fetch::Verbatim;

    fn parse_flag(text: &str, _: Option<&str>) -> Result<Self, String> {
        Ok(PathBuf::from(text))
    }

    fn render(&self) -> Option<String> {
        Some(self.to_string_lossy().into_owned())
    }
}

/// Types parsed with `FromStr` and rendered with `Display`, with the reason for a bad value.
macro_rules! from_str_flag_value {
    ($($ty:ty => $reason:expr;)+) => {$(
        impl FlagValue for $ty {
            fn parse_flag(text: &str, _: Option<&str>) -> Result<Self, String> {
                text.parse::<$ty>().map_err($reason)
            }

            fn render(&self) -> Option<String> {
                Some(self.to_string())
            }
        }
    )+};
}

from_str_flag_value! {
    Duration => |e| e.to_string();
    Bytes => |e| e.to_string();
    u16 => |_| "expected a port number from 0 to 65535".to_owned();
    i32 => |_| "expected an integer such as '3'".to_owned();
    usize => |_| "expected a non-negative integer such as '100'".to_owned();
}

impl FlagValue for f64 {
    fn parse_flag(text: &str, _: Option<&str>) -> Result<Self, String> {
        text.parse::<f64>()
            .ok()
            .filter(|value| value.is_finite())
            .ok_or_else(|| "expected a number such as '0.8'".to_owned())
    }

    fn render(&self) -> Option<String> {
        // Plain `ostream << double`: six significant digits.
        Some(format_general(*self, 6))
    }
}

/// A comma-separated list of distinct names, e.g. `gpus,fpgas`.
impl FlagValue for BTreeSet<String> {
    fn parse_flag(text: &str, _: Option<&str>) -> Result<Self, String> {
        let mut names = BTreeSet::new();
        for name in text.split(',').filter(|name| !name.is_empty()) {
            if !names.insert(name.to_owned()) {
                return Err(format!("'{name}' is listed twice; list each name once"));
            }
        }
        Ok(names)
    }

    fn render(&self) -> Option<String> {
        let names: Vec<&str> = self.iter().map(String::as_str).collect();
        Some(format!("{{ {} }}", names.join(", ")))
    }
}

impl<T: FlagValue> FlagValue for Option<T> {
    const BOOLEAN: bool = T::BOOLEAN;
    const FETCH: Fetch = T::FETCH;

    fn parse_flag(text: &str, file: Option<&str>) -> Result<Self, String> {
        T::parse_flag(text, file).map(Some)
    }

    fn render(&self) -> Option<String> {
        self.as_ref().and_then(T::render)
    }
}

/// A flag holding a JSON object (`--acls`, `--firewall_rules`, `--rate_limits`,
/// `--modules`, `--domain`), given inline or read from a file.
///
/// This crate only checks that the text is a JSON object; the crates that own
/// the corresponding Mesos messages turn it into their types.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonObject(serde_json::Map<String, serde_json::Value>);

impl JsonObject {
    /// The object's fields, in the order they were written.
    pub fn fields(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.0
    }

    /// The object as a JSON value, e.g. for `serde_json::from_value`.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::Value::Object(self.0.clone())
    }
}

impl fmt::Display for JsonObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&serde_json::Value::Object(self.0.clone()).to_string())
    }
}

impl FlagValue for JsonObject {
    const FETCH: Fetch = Fetch::FileUriOrAbsolutePath;

    fn parse_flag(text: &str, _: Option<&str>) -> Result<Self, String> {
        match serde_json::from_str(text) {
            Ok(serde_json::Value::Object(fields)) => Ok(JsonObject(fields)),
            Ok(_) => Err("expected a JSON object ('{...}') or a file:// path to one".to_owned()),
            Err(error) => Err(format!(
                "not valid JSON ({error}); pass a JSON object or a file:// path to one"
            )),
        }
    }

    fn render(&self) -> Option<String> {
        Some(self.to_string())
    }
}

// Layered as its JSON text so that figment replaces the object as a whole
// instead of merging the fields of two layers.
impl Serialize for JsonObject {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for JsonObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        JsonObject::parse_flag(&text, None).map_err(serde::de::Error::custom)
    }
}

/// A value that may be secret (`--zk` with credentials): given inline, or as
/// `file:///path` whose contents are the value. `/flags` shows the path, never
/// the contents of the file.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct SecurePathOrValue {
    /// The value itself (the file's contents when read from a file).
    pub value: String,
    /// The file the value was read from.
    pub path: Option<PathBuf>,
}

impl fmt::Debug for SecurePathOrValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(path) => f
                .debug_struct("SecurePathOrValue")
                .field("path", path)
                .finish_non_exhaustive(),
            None => f
                .debug_struct("SecurePathOrValue")
                .field("value", &self.value)
                .finish(),
        }
    }
}

impl FlagValue for SecurePathOrValue {
    fn parse_flag(text: &str, file: Option<&str>) -> Result<Self, String> {
        Ok(SecurePathOrValue {
            value: text.to_owned(),
            path: file.map(PathBuf::from),
        })
    }

    fn render(&self) -> Option<String> {
        Some(match &self.path {
            Some(path) => path.to_string_lossy().into_owned(),
            None => self.value.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::{FlagValue, JsonObject, SecurePathOrValue};

    #[test]
    fn booleans_accept_what_stout_accepts() {
        assert_eq!(bool::parse_flag("true", None), Ok(true));
        assert_eq!(bool::parse_flag("1", None), Ok(true));
        assert_eq!(bool::parse_flag("false", None), Ok(false));
        assert_eq!(bool::parse_flag("0", None), Ok(false));
        assert!(bool::parse_flag("yes", None).is_err());
        assert!(bool::parse_flag("True", None).is_err());
    }

    #[test]
    fn numbers_render_as_mesos_prints_them() {
        assert_eq!(0.8f64.render().as_deref(), Some("0.8"));
        assert_eq!(f64::parse_flag("0.75", None), Ok(0.75));
        assert!(f64::parse_flag("inf", None).is_err());
        assert_eq!(usize::parse_flag("102400", None), Ok(102_400));
        assert!(usize::parse_flag("-1", None).is_err());
        assert!(u16::parse_flag("70000", None).is_err());
    }

    #[test]
    fn name_sets_render_like_stout_sets() {
        let set = BTreeSet::<String>::parse_flag("gpus,fpgas", None).unwrap();
        assert_eq!(set.render().as_deref(), Some("{ fpgas, gpus }"));
        assert!(BTreeSet::<String>::parse_flag("gpus,gpus", None).is_err());
    }

    #[test]
    fn json_flags_must_be_objects() {
        let object = JsonObject::parse_flag(r#"{"b": 1, "a": [true]}"#, None).unwrap();
        assert_eq!(object.render().as_deref(), Some(r#"{"b":1,"a":[true]}"#));
        assert!(JsonObject::parse_flag("[1]", None).is_err());
        let error = JsonObject::parse_flag("{", None).unwrap_err();
        assert!(!error.contains('\n'), "{error}");
    }

    #[test]
    fn secure_values_read_from_a_file_show_the_path() {
        let inline = SecurePathOrValue::parse_flag("zk://a:2181/mesos", None).unwrap();
        assert_eq!(inline.render().as_deref(), Some("zk://a:2181/mesos"));
        let secret = SecurePathOrValue::parse_flag("zk://u:p@a/m", Some("/etc/zk")).unwrap();
        assert_eq!(secret.render().as_deref(), Some("/etc/zk"));
        assert_eq!(secret.value, "zk://u:p@a/m");
        assert!(!format!("{secret:?}").contains("u:p"));
    }

    #[test]
    fn unset_optionals_render_nothing() {
        assert_eq!(Option::<String>::None.render(), None);
        assert_eq!(Some(3i32).render().as_deref(), Some("3"));
    }
}
