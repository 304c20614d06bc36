//! ACL entities and the two relations the local authorizer decides with.
//!
//! An ACL entry pairs a subject entity with an object entity; a request is
//! turned into the same shape. An entity is `Some(values)`, `Any` or
//! `None` (Mesos's `ACL.Entity`). The first entry whose subject and object
//! both *match* the request decides, by whether both *allow* it:
//!
//! | request \ ACL | `Any`            | `None`          | `Some(vs)`                 |
//! |---------------|------------------|-----------------|----------------------------|
//! | `Some(rs)`    | matches, allows  | matches, denies | matches and allows iff rs ⊆ vs |
//! | `Any`         | matches, allows  | matches, denies | does not match             |
//! | `None`        | does not match   | matches, allows | does not match             |

use proto::mesos::acl::Entity as ProtoEntity;
use proto::mesos::acl::entity::Type;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Entity {
    Some(Vec<String>),
    Any,
    None,
}

impl Entity {
    pub(crate) fn one(value: &str) -> Entity {
        Entity::Some(vec![value.to_owned()])
    }

    /// Whether an ACL entity `acl` applies to this request entity.
    pub(crate) fn matches(&self, acl: &Entity) -> bool {
        match (self, acl) {
            (Entity::None, acl) => *acl == Entity::None,
            (_, Entity::Any | Entity::None) => true,
            (Entity::Any, Entity::Some(_)) => false,
            (Entity::Some(values), Entity::Some(allowed)) => subset(values, allowed),
        }
    }

    /// Whether an applicable ACL entity `acl` permits this request entity.
    pub(crate) fn allowed_by(&self, acl: &Entity) -> bool {
        match (self, acl) {
            (Entity::None, acl) => *acl == Entity::None,
            (_, Entity::Any) => true,
            (_, Entity::None) | (Entity::Any, Entity::Some(_)) => false,
            (Entity::Some(values), Entity::Some(allowed)) => subset(values, allowed),
        }
    }
}

fn subset(values: &[String], allowed: &[String]) -> bool {
    values.iter().all(|value| allowed.contains(value))
}

impl From<&ProtoEntity> for Entity {
    fn from(entity: &ProtoEntity) -> Self {
        match entity.r#type() {
            Type::Some => Entity::Some(entity.values.clone()),
            Type::Any => Entity::Any,
            Type::None => Entity::None,
        }
    }
}

/// One ACL entry of any action: who, and to what.
#[derive(Debug, Clone)]
pub(crate) struct Acl {
    pub subjects: Entity,
    pub objects: Entity,
}

impl Acl {
    pub(crate) fn new(subjects: &ProtoEntity, objects: &ProtoEntity) -> Acl {
        Acl {
            subjects: subjects.into(),
            objects: objects.into(),
        }
    }
}

/// The decision of the first entry of `acls` that applies, or `permissive`
/// when none does.
pub(crate) fn decide(acls: &[Acl], subject: &Entity, object: &Entity, permissive: bool) -> bool {
    acls.iter()
        .find(|acl| subject.matches(&acl.subjects) && object.matches(&acl.objects))
        .map_or(permissive, |acl| {
            subject.allowed_by(&acl.subjects) && object.allowed_by(&acl.objects)
        })
}
