//! ACL entities and the two relations the local authorizer decides with.
//!
//! An ACL entry pairs a subject entity with an object entity, each
//! `Some(values)`, `Any` or `None` (Mesos's `ACL.Entity`). A request names
//! one principal (or anyone, when unauthenticated) and one object (or
//! anything): an [`Ask`]. The first entry whose subject and object both
//! *match* the request decides, by whether both *allow* it:
//!
//! | request \ ACL | `Any`           | `None`          | `Some(vs)`                      |
//! |---------------|-----------------|-----------------|---------------------------------|
//! | `One(v)`      | matches, allows | matches, denies | matches and allows iff v ∈ vs   |
//! | `Any`         | matches, allows | matches, denies | does not match                  |

use proto::mesos::acl::Entity as ProtoEntity;
use proto::mesos::acl::entity::Type;

/// An ACL entry's side.
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
}

/// A request's side: one named thing, or anything. Borrowed, so judging an
/// object allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ask<'a> {
    One(&'a str),
    Any,
}

impl<'a> Ask<'a> {
    pub(crate) fn from(value: Option<&'a str>) -> Ask<'a> {
        value.map_or(Ask::Any, Ask::One)
    }

    /// Whether an ACL entity applies to this request.
    pub(crate) fn matches(self, acl: &Entity) -> bool {
        match (self, acl) {
            (_, Entity::Any | Entity::None) => true,
            (Ask::Any, Entity::Some(_)) => false,
            (Ask::One(value), Entity::Some(values)) => values.iter().any(|v| v == value),
        }
    }

    /// Whether an applicable ACL entity permits this request.
    pub(crate) fn allowed_by(self, acl: &Entity) -> bool {
        match (self, acl) {
            (_, Entity::Any) => true,
            (_, Entity::None) | (Ask::Any, Entity::Some(_)) => false,
            (Ask::One(value), Entity::Some(values)) => values.iter().any(|v| v == value),
        }
    }
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
pub(crate) fn decide(acls: &[Acl], subject: Ask<'_>, object: Ask<'_>, permissive: bool) -> bool {
    acls.iter()
        .find(|acl| subject.matches(&acl.subjects) && object.matches(&acl.objects))
        .map_or(permissive, |acl| {
            subject.allowed_by(&acl.subjects) && object.allowed_by(&acl.objects)
        })
}
