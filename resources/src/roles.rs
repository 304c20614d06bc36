//! Role names as reservations use them: `*` (nobody), or a `/`-separated
//! hierarchy such as `eng/frontend`.

/// The role of unreserved resources.
pub const UNRESERVED_ROLE: &str = "*";

/// Checks a role name by Mesos's rules: `*`, or non-empty `/`-separated
/// components, none of them `.`, `..` or `*`, none starting with `-`, and no
/// whitespace, backspace or DEL anywhere.
pub fn validate(role: &str) -> Result<(), String> {
    if role == UNRESERVED_ROLE {
        return Ok(());
    }
    if role.starts_with('/') {
        return Err(format!("Role '{role}' cannot start with a slash"));
    }
    if role.ends_with('/') {
        return Err(format!("Role '{role}' cannot end with a slash"));
    }
    if role.contains("//") {
        return Err(format!("Role '{role}' cannot contain two adjacent slashes"));
    }
    if role.is_empty() {
        return Err("Role names cannot be the empty string".to_owned());
    }
    for component in role.split('/') {
        if matches!(component, "." | ".." | "*") {
            return Err(format!(
                "Role '{role}' cannot include '{component}' as a component"
            ));
        }
        if component.starts_with('-') {
            return Err(format!(
                "Role component '{component}' is invalid because it starts with a dash"
            ));
        }
        if component.contains(['\t', '\n', '\x0b', '\x0c', '\r', ' ', '\x7f']) {
            return Err(format!(
                "Role component '{component}' is invalid because it contains backspace or whitespace"
            ));
        }
    }
    Ok(())
}

/// Whether `role` lies strictly below `ancestor` in the hierarchy
/// (`a/b` is below `a`; `a` is not below itself; `ab` is not below `a`).
pub fn is_strict_subrole_of(role: &str, ancestor: &str) -> bool {
    role.len() > ancestor.len()
        && role.as_bytes()[ancestor.len()] == b'/'
        && role.starts_with(ancestor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_star_and_hierarchies() {
        for role in ["*", "a", "eng/frontend", "a.b", "a-b", "x/y/z"] {
            assert_eq!(validate(role), Ok(()), "{role}");
        }
    }

    #[test]
    fn rejects_bad_role_names() {
        for role in [
            "", "/a", "a/", "a//b", ".", "a/..", "a/*", "-a", "a/-b", "a b", "a\tb", "a\x7f",
        ] {
            assert!(validate(role).is_err(), "{role:?}");
        }
    }

    #[test]
    fn strict_subroles() {
        assert!(is_strict_subrole_of("a/b", "a"));
        assert!(is_strict_subrole_of("a/b/c", "a"));
        assert!(!is_strict_subrole_of("a", "a"));
        assert!(!is_strict_subrole_of("ab", "a"));
        assert!(!is_strict_subrole_of("a", "a/b"));
    }
}
