use thiserror::Error;

/// Why bytes or JSON could not become a Mesos message.
#[derive(Debug, Error)]
pub enum Error {
    /// The bytes are not a valid protobuf encoding of the message.
    #[error("Failed to deserialize {type_name}: {source}")]
    Decode {
        type_name: String,
        #[source]
        source: prost::DecodeError,
    },
    /// proto2 `required` fields are absent; paths as protobuf writes them
    /// (`subscribe.framework_info.user`, `tasks[0].name`).
    #[error("Missing required fields: {}", .0.join(", "))]
    MissingRequired(Vec<String>),
    /// The JSON does not fit the message's schema.
    #[error("{0}")]
    Json(String),
}
