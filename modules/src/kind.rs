//! The kinds of module this master loads.

use std::fmt;

/// A module kind, with Mesos's name for it.
///
/// Each kind has a method contract (the methods its instances answer, with
/// their JSON input and result) at a version; a library declares the version
/// each of its modules implements and is refused if it differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Allocator,
    Anonymous,
    Authorizer,
    Hook,
    MasterContender,
    MasterDetector,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Allocator,
        Kind::Anonymous,
        Kind::Authorizer,
        Kind::Hook,
        Kind::MasterContender,
        Kind::MasterDetector,
    ];

    /// The name libraries and Mesos use: `"Hook"`, `"MasterContender"`, ...
    pub fn name(self) -> &'static str {
        match self {
            Kind::Allocator => "Allocator",
            Kind::Anonymous => "Anonymous",
            Kind::Authorizer => "Authorizer",
            Kind::Hook => "Hook",
            Kind::MasterContender => "MasterContender",
            Kind::MasterDetector => "MasterDetector",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// The version of this kind's method contract that this master speaks.
    pub fn contract_version(self) -> u32 {
        1
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The kinds' names, for error messages: `Allocator, Anonymous, ...`.
pub(crate) fn known_kinds() -> String {
    Kind::ALL.map(Kind::name).join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_kinds_are_none() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(Kind::from_name("Isolator"), None);
        assert_eq!(Kind::from_name("hook"), None);
    }
}
