//! Mesos's JSON mapping of protobuf messages.
//!
//! Mesos does not use protobuf's canonical JSON mapping. What it writes:
//! - keys are the schema's field names, in declaration order;
//! - a field is written when it is set, or when the schema declares a default
//!   for it (and it is not deprecated); repeated fields only when non-empty;
//! - enums by value name, 64-bit integers as JSON numbers, bytes as base64,
//!   maps as objects.
//!
//! What it reads, and so what we accept:
//! - unknown keys are ignored, `null` means "not set";
//! - numbers may come as strings (`"3"`) and integers as floats (`3.6e+06`,
//!   as mesos-go writes them); a lone value for a repeated field adds one element;
//! - an unknown enum name leaves an optional field unset (so validation can
//!   say it is missing) but is an error for a required one;
//! - every required field must be present after parsing.

use crate::{Error, descriptor_of, required::check_required};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use prost::Message as _;
use prost_reflect::{
    DynamicMessage, FieldDescriptor, Kind, MapKey, MessageDescriptor, ReflectMessage, Value,
};
use serde_json::{Map, Number, Value as Json};

/// Renders `message` as Mesos renders it.
pub fn to_value<M: prost::Message + prost::Name>(message: &M) -> Json {
    let dynamic = DynamicMessage::decode(descriptor_of::<M>(), message.encode_to_vec().as_slice())
        .expect("a generated message re-decodes against its own descriptor");
    dynamic_to_value(&dynamic)
}

/// Renders `message` as compact JSON text.
pub fn to_string<M: prost::Message + prost::Name>(message: &M) -> String {
    to_value(message).to_string()
}

/// Renders a reflected message as Mesos renders it.
pub fn dynamic_to_value(message: &DynamicMessage) -> Json {
    let mut object = Map::new();
    let descriptor = message.descriptor();
    // Declaration order, as Mesos writes: `fields()` iterates by number.
    let declared = descriptor.descriptor_proto().field.iter();
    for field in declared.filter_map(|f| descriptor.get_field(f.number() as u32)) {
        let written = if field.is_list() || field.is_map() {
            message.has_field(&field)
        } else {
            message.has_field(&field) || writes_default(&field)
        };
        if written {
            let value = message.get_field(&field);
            if let Some(json) = known_value_to_json(&field.kind(), &value) {
                object.insert(field.name().to_owned(), json);
            }
        }
    }
    Json::Object(object)
}

/// An enum number the schema does not name (a v0 value read as v1, say) is
/// not written, and dropped from lists: protobuf's C++ parser, which Mesos
/// renders from, keeps such values as unknown fields.
fn known_value_to_json(kind: &Kind, value: &Value) -> Option<Json> {
    let known = |value: &Value| match (kind.as_enum(), value) {
        (Some(descriptor), Value::EnumNumber(n)) => descriptor.get_value(*n).is_some(),
        _ => true,
    };
    match value {
        Value::List(items) => Some(Json::Array(
            items
                .iter()
                .filter(|item| known(item))
                .map(|item| value_to_json(kind, item))
                .collect(),
        )),
        single if !known(single) => None,
        single => Some(value_to_json(kind, single)),
    }
}

fn writes_default(field: &FieldDescriptor) -> bool {
    let proto = field.field_descriptor_proto();
    let deprecated = proto.options.as_ref().and_then(|o| o.deprecated) == Some(true);
    proto.default_value.is_some() && !deprecated
}

fn value_to_json(kind: &Kind, value: &Value) -> Json {
    match value {
        Value::Bool(b) => Json::Bool(*b),
        Value::I32(n) => Json::from(*n),
        Value::I64(n) => Json::from(*n),
        Value::U32(n) => Json::from(*n),
        Value::U64(n) => Json::from(*n),
        Value::F32(n) => float_to_json(f64::from(*n)),
        Value::F64(n) => float_to_json(*n),
        Value::String(s) => Json::String(s.clone()),
        Value::Bytes(b) => Json::String(BASE64.encode(b)),
        Value::EnumNumber(n) => match kind.as_enum().and_then(|e| e.get_value(*n)) {
            Some(name) => Json::String(name.name().to_owned()),
            None => Json::from(*n),
        },
        Value::Message(m) => dynamic_to_value(m),
        Value::List(items) => Json::Array(items.iter().map(|v| value_to_json(kind, v)).collect()),
        Value::Map(entries) => {
            let value_kind = kind
                .as_message()
                .map(|entry| entry.map_entry_value_field().kind())
                .expect("a map field's kind is its entry message");
            let mut object = Map::new();
            for (key, value) in entries {
                object.insert(map_key_to_string(key), value_to_json(&value_kind, value));
            }
            Json::Object(object)
        }
    }
}

/// JSON has no NaN or infinities; Mesos never puts them in its messages.
fn float_to_json(n: f64) -> Json {
    Number::from_f64(n).map_or(Json::Null, Json::Number)
}

fn map_key_to_string(key: &MapKey) -> String {
    match key {
        MapKey::Bool(b) => b.to_string(),
        MapKey::I32(n) => n.to_string(),
        MapKey::I64(n) => n.to_string(),
        MapKey::U32(n) => n.to_string(),
        MapKey::U64(n) => n.to_string(),
        MapKey::String(s) => s.clone(),
    }
}

/// Parses JSON text into `M`, as Mesos parses request bodies.
pub fn from_str<M>(text: &str) -> Result<M, Error>
where
    M: prost::Message + prost::Name + Default,
{
    let value: Json = serde_json::from_str(text).map_err(|e| Error::Json(e.to_string()))?;
    from_value(&value)
}

/// Converts a JSON value into `M`, as Mesos does.
pub fn from_value<M>(value: &Json) -> Result<M, Error>
where
    M: prost::Message + prost::Name + Default,
{
    let dynamic = dynamic_from_value(&descriptor_of::<M>(), value)?;
    dynamic.transcode_to::<M>().map_err(|source| Error::Decode {
        type_name: M::full_name(),
        source,
    })
}

/// Converts a JSON value into a reflected message of type `descriptor`,
/// checking required fields.
pub fn dynamic_from_value(
    descriptor: &MessageDescriptor,
    value: &Json,
) -> Result<DynamicMessage, Error> {
    let Json::Object(object) = value else {
        return Err(Error::Json("Expecting a JSON object".to_owned()));
    };
    let mut message = DynamicMessage::new(descriptor.clone());
    parse_object(&mut message, object)?;
    check_required(descriptor, &message.encode_to_vec())?;
    Ok(message)
}

fn parse_object(message: &mut DynamicMessage, object: &Map<String, Json>) -> Result<(), Error> {
    let descriptor = message.descriptor();
    for (name, value) in object {
        if let Some(field) = descriptor.get_field_by_name(name) {
            parse_field(message, &field, value)?;
        }
    }
    Ok(())
}

fn parse_field(
    message: &mut DynamicMessage,
    field: &FieldDescriptor,
    value: &Json,
) -> Result<(), Error> {
    match value {
        Json::Null => Ok(()),
        Json::Array(items) => {
            if !field.is_list() {
                return Err(not_expecting("array", field));
            }
            items
                .iter()
                .try_for_each(|item| parse_field(message, field, item))
        }
        Json::Object(object) if field.is_map() => {
            let entry = field.kind();
            let entry = entry
                .as_message()
                .expect("a map field's kind is its entry message");
            for (key, value) in object {
                let key = map_key(&entry.map_entry_key_field(), key)?;
                let value_field = entry.map_entry_value_field();
                let Some(value) = scalar_or_message(&value_field, value)? else {
                    continue;
                };
                message
                    .get_field_mut(field)
                    .as_map_mut()
                    .expect("map field")
                    .insert(key, value);
            }
            Ok(())
        }
        Json::Object(object) if !field.is_list() && matches!(field.kind(), Kind::Message(_)) => {
            // Like protobuf's MutableMessage: a message given twice merges.
            let nested = message
                .get_field_mut(field)
                .as_message_mut()
                .expect("message field");
            parse_object(nested, object)
        }
        _ => {
            let Some(parsed) = scalar_or_message(field, value)? else {
                return Ok(());
            };
            if field.is_list() {
                message
                    .get_field_mut(field)
                    .as_list_mut()
                    .expect("list field")
                    .push(parsed);
            } else {
                message.set_field(field, parsed);
            }
            Ok(())
        }
    }
}

/// One JSON value for one element of `field`; `None` when Mesos would
/// leave it unset (an unknown name of an optional enum).
fn scalar_or_message(field: &FieldDescriptor, value: &Json) -> Result<Option<Value>, Error> {
    let kind = field.kind();
    match value {
        Json::Object(object) => match &kind {
            Kind::Message(descriptor) => {
                let mut nested = DynamicMessage::new(descriptor.clone());
                parse_object(&mut nested, object)?;
                Ok(Some(Value::Message(nested)))
            }
            _ => Err(not_expecting("object", field)),
        },
        Json::String(text) => string_value(field, &kind, text),
        Json::Number(number) => number_value(field, &kind, number).map(Some),
        Json::Bool(b) => match kind {
            Kind::Bool => Ok(Some(Value::Bool(*b))),
            _ => Err(not_expecting("boolean", field)),
        },
        Json::Null => Ok(None),
        Json::Array(_) => Err(not_expecting("array", field)),
    }
}

fn string_value(field: &FieldDescriptor, kind: &Kind, text: &str) -> Result<Option<Value>, Error> {
    match kind {
        Kind::String => Ok(Some(Value::String(text.to_owned()))),
        Kind::Bytes => BASE64
            .decode(text)
            .map(|bytes| Some(Value::Bytes(bytes.into())))
            .map_err(|e| {
                Error::Json(format!(
                    "Failed to base64 decode bytes field '{}': {e}",
                    field.name()
                ))
            }),
        Kind::Enum(descriptor) => match descriptor.get_value_by_name(text) {
            Some(value) => Ok(Some(Value::EnumNumber(value.number()))),
            None if field.cardinality() == prost_reflect::Cardinality::Required => {
                Err(Error::Json(format!("Failed to find enum for '{text}'")))
            }
            None => Ok(None),
        },
        Kind::Double | Kind::Float => {
            let number = match text {
                "Infinity" => f64::INFINITY,
                "-Infinity" => f64::NEG_INFINITY,
                _ => parse_number(field, text)?.as_f64().unwrap_or(f64::NAN),
            };
            Ok(Some(if matches!(kind, Kind::Float) {
                Value::F32(number as f32)
            } else {
                Value::F64(number)
            }))
        }
        Kind::Bool => match text {
            "true" => Ok(Some(Value::Bool(true))),
            "false" => Ok(Some(Value::Bool(false))),
            _ => Err(Error::Json(format!(
                "Failed to parse '{text}' as a JSON boolean for field '{}'",
                field.name()
            ))),
        },
        Kind::Message(_) => Err(not_expecting("string", field)),
        _ => number_value(field, kind, &parse_number(field, text)?).map(Some),
    }
}

fn parse_number(field: &FieldDescriptor, text: &str) -> Result<Number, Error> {
    serde_json::from_str::<Number>(text).map_err(|e| {
        Error::Json(format!(
            "Failed to parse '{text}' as a JSON number for field '{}': {e}",
            field.name()
        ))
    })
}

/// Converts like stout's `JSON::Number::as<T>()`: a C-style cast from
/// whichever of integer or double the number holds.
fn number_value(field: &FieldDescriptor, kind: &Kind, number: &Number) -> Result<Value, Error> {
    macro_rules! cast {
        ($t:ty) => {
            if let Some(n) = number.as_i64() {
                n as $t
            } else if let Some(n) = number.as_u64() {
                n as $t
            } else {
                number.as_f64().unwrap_or_default() as $t
            }
        };
    }
    Ok(match kind {
        Kind::Double => Value::F64(cast!(f64)),
        Kind::Float => Value::F32(cast!(f32)),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => Value::I64(cast!(i64)),
        Kind::Uint64 | Kind::Fixed64 => Value::U64(cast!(u64)),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => Value::I32(cast!(i32)),
        Kind::Uint32 | Kind::Fixed32 => Value::U32(cast!(u32)),
        _ => return Err(not_expecting("number", field)),
    })
}

fn map_key(field: &FieldDescriptor, key: &str) -> Result<MapKey, Error> {
    let invalid = || {
        Error::Json(format!(
            "Invalid map key '{key}' for field '{}'",
            field.name()
        ))
    };
    Ok(match field.kind() {
        Kind::String => MapKey::String(key.to_owned()),
        Kind::Bool => MapKey::Bool(key.parse().map_err(|_| invalid())?),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => {
            MapKey::I32(key.parse().map_err(|_| invalid())?)
        }
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => {
            MapKey::I64(key.parse().map_err(|_| invalid())?)
        }
        Kind::Uint32 | Kind::Fixed32 => MapKey::U32(key.parse().map_err(|_| invalid())?),
        Kind::Uint64 | Kind::Fixed64 => MapKey::U64(key.parse().map_err(|_| invalid())?),
        _ => return Err(invalid()),
    })
}

fn not_expecting(json_type: &str, field: &FieldDescriptor) -> Error {
    Error::Json(format!(
        "Not expecting a JSON {json_type} for field '{}'",
        field.name()
    ))
}
