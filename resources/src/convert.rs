//! v0 ↔ v1 `Resource`: the two messages share field names and numbers, so,
//! as Mesos's own `evolve`/`devolve` do, we convert by re-reading the wire
//! bytes of one as the other.

use crate::ResourcesError;
use prost::Message;
use proto::mesos as pb;

pub(crate) fn evolve(resource: &pb::Resource) -> pb::v1::Resource {
    pb::v1::Resource::decode(resource.encode_to_vec().as_slice())
        .expect("v1 Resource has every field of v0 Resource")
}

pub(crate) fn devolve(resource: &pb::v1::Resource) -> Result<pb::Resource, ResourcesError> {
    pb::Resource::decode(resource.encode_to_vec().as_slice())
        .map_err(|e| ResourcesError::Evolve(e.to_string()))
}
