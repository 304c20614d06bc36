//! proto2 `required` fields, checked on the wire bytes.
//!
//! prost decodes a message with a missing required field as if the field held
//! its default, so the absence would go unnoticed; Mesos (C++ protobuf) rejects
//! such a message. Rather than decoding twice, we scan the bytes once against
//! the schema, without allocating unless something is missing.

use crate::{Error, descriptor_of};
use prost::bytes::Buf;
use prost::encoding::{WireType, decode_key, decode_varint};
use prost_reflect::{Cardinality, Kind, MessageDescriptor};

/// Decodes `bytes` as `M`, rejecting a message whose required fields (at any
/// depth) are absent, as Mesos does.
pub fn decode<M>(bytes: &[u8]) -> Result<M, Error>
where
    M: prost::Message + prost::Name + Default,
{
    let message = M::decode(bytes).map_err(|source| Error::Decode {
        type_name: M::full_name(),
        source,
    })?;
    check_required(&descriptor_of::<M>(), bytes)?;
    Ok(message)
}

/// Checks that every required field of `descriptor`, at any depth, is present
/// in the encoded message `bytes`. Bytes that are not a valid encoding count
/// as missing nothing: decoding reports those.
pub fn check_required(descriptor: &MessageDescriptor, bytes: &[u8]) -> Result<(), Error> {
    let mut missing = Vec::new();
    let mut path = String::new();
    // A malformed encoding is reported by prost's own decode, not here.
    let _malformed = scan(descriptor, bytes, &mut path, &mut missing).is_none();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::MissingRequired(missing))
    }
}

/// Scans one encoded message; `None` if the bytes are malformed.
fn scan(
    descriptor: &MessageDescriptor,
    mut buf: &[u8],
    path: &mut String,
    missing: &mut Vec<String>,
) -> Option<()> {
    // Required field numbers seen, and how many elements each repeated
    // message field has had so far (for `field[i]` paths). Both stay empty,
    // and so unallocated, for most messages.
    let mut seen_required: Vec<u32> = Vec::new();
    let mut repeated_counts: Vec<(u32, usize)> = Vec::new();

    while buf.has_remaining() {
        let (number, wire_type) = decode_key(&mut buf).ok()?;
        let field = descriptor.get_field(number);
        match wire_type {
            WireType::Varint => {
                decode_varint(&mut buf).ok()?;
            }
            WireType::SixtyFourBit => skip(&mut buf, 8)?,
            WireType::ThirtyTwoBit => skip(&mut buf, 4)?,
            WireType::LengthDelimited => {
                let len = usize::try_from(decode_varint(&mut buf).ok()?).ok()?;
                if buf.len() < len {
                    return None;
                }
                let (body, rest) = buf.split_at(len);
                buf = rest;
                if let Some(field) = &field
                    && let Kind::Message(nested) = field.kind()
                {
                    let mark = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(field.name());
                    if field.is_list() {
                        let index = match repeated_counts.iter_mut().find(|(n, _)| *n == number) {
                            Some((_, count)) => {
                                *count += 1;
                                *count - 1
                            }
                            None => {
                                repeated_counts.push((number, 1));
                                0
                            }
                        };
                        path.push_str(&format!("[{index}]"));
                    }
                    let nested_result = scan(&nested, body, path, missing);
                    path.truncate(mark);
                    nested_result?;
                }
            }
            WireType::StartGroup | WireType::EndGroup => return None,
        }
        if let Some(field) = field
            && field.cardinality() == Cardinality::Required
            && !seen_required.contains(&number)
        {
            seen_required.push(number);
        }
    }

    for field in descriptor.fields() {
        if field.cardinality() == Cardinality::Required && !seen_required.contains(&field.number())
        {
            missing.push(if path.is_empty() {
                field.name().to_owned()
            } else {
                format!("{path}.{}", field.name())
            });
        }
    }
    Some(())
}

fn skip(buf: &mut &[u8], len: usize) -> Option<()> {
    if buf.len() < len {
        return None;
    }
    buf.advance(len);
    Some(())
}
