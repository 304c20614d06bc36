//! The three kinds of resource value — scalars, ranges and sets — with their
//! arithmetic, their text form (`4`, `[31000-32000, 40000-40010]`, `{a, b}`)
//! and their conversion to and from `proto::mesos::Value` parts.

use crate::Scalar;
use crate::shared::SharedVec;
use proto::mesos::value as pb;
use std::fmt;

/// An inclusive interval of unsigned integers, `begin-end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Range {
    pub begin: u64,
    pub end: u64,
}

impl Range {
    /// How many integers the range holds.
    fn len(self) -> u64 {
        (self.end - self.begin).saturating_add(1)
    }
}

/// A set of integers kept as sorted, disjoint, non-adjacent ranges, so that
/// equality is structural and `contains` is a single merge walk. Copies
/// share the ranges until one of them changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Ranges(SharedVec<Range>);

impl Ranges {
    /// The ranges covering exactly the integers in `ranges`, which may be in
    /// any order, overlap or touch. An inverted range (`begin > end`) that is
    /// not swallowed by a neighbour while merging is an error, as in Mesos.
    pub fn new(ranges: impl IntoIterator<Item = Range>) -> Result<Ranges, String> {
        let mut ranges: Vec<Range> = ranges.into_iter().collect();
        coalesce(&mut ranges);
        if ranges.iter().any(|range| range.begin > range.end) {
            return Err("Invalid ranges resource: begin > end".to_owned());
        }
        Ok(Ranges(SharedVec::from_vec(ranges)))
    }

    /// One range `begin-end`; empty if inverted.
    pub fn single(begin: u64, end: u64) -> Ranges {
        Ranges::new([Range { begin, end }]).unwrap_or_default()
    }

    /// The disjoint ranges, in ascending order.
    pub fn ranges(&self) -> &[Range] {
        &self.0
    }

    /// Whether no integer is covered.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many integers are covered.
    pub fn count(&self) -> u64 {
        self.0
            .iter()
            .fold(0u64, |total, range| total.saturating_add(range.len()))
    }

    /// Whether every integer of `other` is covered by `self`.
    pub fn contains(&self, other: &Ranges) -> bool {
        // Both sides are sorted and disjoint: each range of `other` must sit
        // inside one range of `self`, found by walking forward only.
        let mut mine = self.0.iter().peekable();
        other.0.iter().all(|wanted| {
            while let Some(candidate) = mine.peek() {
                if candidate.end < wanted.begin {
                    mine.next();
                } else {
                    return candidate.begin <= wanted.begin && wanted.end <= candidate.end;
                }
            }
            false
        })
    }

    /// Adds every integer of `other`.
    pub fn add_assign(&mut self, other: &Ranges) {
        if other.0.is_empty() {
            return;
        }
        if self.0.is_empty() {
            self.0.clone_from(&other.0);
            return;
        }
        match self.0.get_mut() {
            Some(ranges) => {
                ranges.extend_from_slice(&other.0);
                coalesce(ranges);
            }
            None => {
                let mut union = Vec::with_capacity(self.0.len() + other.0.len());
                union.extend_from_slice(&self.0);
                union.extend_from_slice(&other.0);
                coalesce(&mut union);
                self.0 = SharedVec::from_vec(union);
            }
        }
    }

    /// Removes every integer of `other`; integers `self` lacks are ignored.
    pub fn sub_assign(&mut self, other: &Ranges) {
        if self.0.is_empty() || other.0.is_empty() {
            return;
        }
        // Each removed range splits at most one range in two: room for the
        // difference is made once, not range by range.
        let room = self.0.len() + other.0.len();
        let mut removed = other.0.iter().peekable();
        match self.0.get_mut() {
            Some(ranges) => {
                // Unshared: the difference is written after the current
                // ranges, which are drained afterwards, so a warm vector is
                // reused rather than replaced.
                let old_len = ranges.len();
                ranges.reserve(room);
                for index in 0..old_len {
                    let left = ranges[index];
                    push_difference(left, &mut removed, ranges);
                }
                ranges.drain(..old_len);
            }
            None => {
                let mut difference = Vec::with_capacity(room);
                for &left in self.0.iter() {
                    push_difference(left, &mut removed, &mut difference);
                }
                self.0 = SharedVec::from_vec(difference);
            }
        }
    }
}

/// Pushes what is left of `left` once the ranges of `removed` (sorted,
/// disjoint) are taken out, consuming those that lie wholly before its end.
fn push_difference(
    mut left: Range,
    removed: &mut std::iter::Peekable<std::slice::Iter<'_, Range>>,
    difference: &mut Vec<Range>,
) {
    loop {
        let Some(right) = removed.peek() else {
            difference.push(left);
            return;
        };
        if right.end < left.begin {
            removed.next();
        } else if left.end < right.begin {
            difference.push(left);
            return;
        } else {
            if left.begin < right.begin {
                difference.push(Range {
                    begin: left.begin,
                    end: right.begin - 1,
                });
            }
            if left.end <= right.end {
                return;
            }
            left.begin = right.end + 1;
            removed.next();
        }
    }
}

/// Sorts and merges overlapping or adjacent ranges in place.
fn coalesce(ranges: &mut Vec<Range>) {
    if ranges.len() < 2 {
        return;
    }
    ranges.sort_unstable_by_key(|range| (range.begin, range.end));
    let mut kept = 0;
    for index in 1..ranges.len() {
        let next = ranges[index];
        let current = &mut ranges[kept];
        if next.begin <= current.end.saturating_add(1) {
            current.end = current.end.max(next.end);
        } else {
            kept += 1;
            ranges[kept] = next;
        }
    }
    ranges.truncate(kept + 1);
}
/// `[31000-32000, 40000-40010]`.
impl fmt::Display for Ranges {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (index, range) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}-{}", range.begin, range.end)?;
        }
        f.write_str("]")
    }
}

/// A set of distinct strings (`disks:{sda, sdb}`), in insertion order as
/// Mesos prints them; equality ignores the order.
#[derive(Debug, Clone, Default, Eq)]
pub struct Set(Vec<String>);

impl Set {
    /// The set of `items`; a repeated item is an error, as in Mesos.
    pub fn new(items: impl IntoIterator<Item = String>) -> Result<Set, String> {
        let mut set = Set::default();
        for item in items {
            if set.0.contains(&item) {
                return Err("Invalid set resource: duplicated elements".to_owned());
            }
            set.0.push(item);
        }
        Ok(set)
    }

    /// The items, in insertion order.
    pub fn items(&self) -> &[String] {
        &self.0
    }

    /// Whether the set has no item.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether every item of `other` is in `self`.
    pub fn contains(&self, other: &Set) -> bool {
        other.0.len() <= self.0.len() && other.0.iter().all(|item| self.0.contains(item))
    }

    /// Adds the items of `other` that `self` lacks, after its own.
    pub fn add_assign(&mut self, other: &Set) {
        for item in &other.0 {
            if !self.0.contains(item) {
                self.0.push(item.clone());
            }
        }
    }

    /// Removes the items of `other`; items `self` lacks are ignored.
    pub fn sub_assign(&mut self, other: &Set) {
        self.0.retain(|item| !other.0.contains(item));
    }
}

impl PartialEq for Set {
    fn eq(&self, other: &Set) -> bool {
        self.0.len() == other.0.len() && self.contains(other)
    }
}

/// `{a, b}`.
impl fmt::Display for Set {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{}}}", self.0.join(", "))
    }
}

/// The value of a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Scalar(Scalar),
    Ranges(Ranges),
    Set(Set),
}

impl Value {
    /// Reads the text form of a value, as Mesos does for `--resources`:
    /// spaces are dropped; `[..]` is ranges, `{..}` a set, anything else must
    /// be a non-negative finite number. (Mesos would read other text as a
    /// TEXT value, which no resource may have, so it is an error here.)
    pub fn parse(text: &str) -> Result<Value, String> {
        let text: String = text.chars().filter(|c| *c != ' ').collect();
        if text.is_empty() {
            return Err("Expecting non-empty string".to_owned());
        }
        if !brackets_balance(&text, '{', '}')
            || !brackets_balance(&text, '[', ']')
            || !brackets_balance(&text, '(', ')')
        {
            return Err("Mismatched brackets".to_owned());
        }
        match (text.find('['), text.find('{')) {
            (Some(0), _) => parse_ranges(&text).map(Value::Ranges),
            (Some(_), _) => Err("Unexpected '[' found".to_owned()),
            (None, Some(0)) => Set::new(tokens(&text, &['{', '}', ',', '\n'])).map(Value::Set),
            (None, Some(_)) => Err("Unexpected '{' found".to_owned()),
            (None, None) => parse_scalar(&text).map(Value::Scalar),
        }
    }

    /// Whether the value holds nothing: zero, no range, no item.
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Scalar(scalar) => scalar.is_zero(),
            Value::Ranges(ranges) => ranges.is_empty(),
            Value::Set(set) => set.is_empty(),
        }
    }

    /// The protobuf `Value.Type` of this value.
    pub fn value_type(&self) -> pb::Type {
        match self {
            Value::Scalar(_) => pb::Type::Scalar,
            Value::Ranges(_) => pb::Type::Ranges,
            Value::Set(_) => pb::Type::Set,
        }
    }

    pub(crate) fn same_type(&self, other: &Value) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }

    /// Whether `other` (of the same type) is no more than `self`.
    pub(crate) fn contains(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Scalar(mine), Value::Scalar(theirs)) => theirs <= mine,
            (Value::Ranges(mine), Value::Ranges(theirs)) => mine.contains(theirs),
            (Value::Set(mine), Value::Set(theirs)) => mine.contains(theirs),
            _ => false,
        }
    }

    /// `self += other` for values of the same type (others are ignored:
    /// callers only combine resources of one type).
    pub(crate) fn add_assign(&mut self, other: &Value) {
        match (self, other) {
            (Value::Scalar(mine), Value::Scalar(theirs)) => *mine += *theirs,
            (Value::Ranges(mine), Value::Ranges(theirs)) => mine.add_assign(theirs),
            (Value::Set(mine), Value::Set(theirs)) => mine.add_assign(theirs),
            _ => {}
        }
    }

    /// `self -= other` for values of the same type.
    pub(crate) fn sub_assign(&mut self, other: &Value) {
        match (self, other) {
            (Value::Scalar(mine), Value::Scalar(theirs)) => *mine -= *theirs,
            (Value::Ranges(mine), Value::Ranges(theirs)) => mine.sub_assign(theirs),
            (Value::Set(mine), Value::Set(theirs)) => mine.sub_assign(theirs),
            _ => {}
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Scalar(scalar) => scalar.fmt(f),
            Value::Ranges(ranges) => ranges.fmt(f),
            Value::Set(set) => set.fmt(f),
        }
    }
}

impl From<&Ranges> for pb::Ranges {
    fn from(ranges: &Ranges) -> pb::Ranges {
        pb::Ranges {
            range: ranges
                .0
                .iter()
                .map(|range| pb::Range {
                    begin: range.begin,
                    end: range.end,
                })
                .collect(),
        }
    }
}

impl From<&Set> for pb::Set {
    fn from(set: &Set) -> pb::Set {
        pb::Set {
            item: set.0.clone(),
        }
    }
}

/// Mesos's bracket check: never more closers than openers, and as many of
/// each in the end.
fn brackets_balance(text: &str, open: char, close: char) -> bool {
    let mut depth: i64 = 0;
    for c in text.chars() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth < 0 {
                return false;
            }
        }
    }
    depth == 0
}

/// The non-empty pieces of `text` between any of `delimiters`.
fn tokens(text: &str, delimiters: &[char]) -> impl Iterator<Item = String> {
    text.split(delimiters)
        .filter(|token| !token.is_empty())
        .map(str::to_owned)
        .collect::<Vec<_>>()
        .into_iter()
}

fn parse_ranges(text: &str) -> Result<Ranges, String> {
    let bounds: Vec<String> = tokens(text, &['[', ']', '-', ',', '\n']).collect();
    if !bounds.len().is_multiple_of(2) {
        return Err("Expecting one or more \"ranges\"".to_owned());
    }
    let ranges = bounds
        .chunks(2)
        .map(|pair| match (pair[0].parse(), pair[1].parse()) {
            (Ok(begin), Ok(end)) => Ok(Range { begin, end }),
            _ => Err(format!("Expecting non-negative integers in '{}'", pair[0])),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ranges::new(ranges)
}

fn parse_scalar(text: &str) -> Result<Scalar, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("'{text}' is not a scalar, ranges or set"))?;
    check_input_scalar(value)
        .map_err(|reason| format!("Invalid scalar value '{text}': {reason}"))?;
    let scalar = Scalar::from_f64(value);
    // A positive value that rounds away to nothing is a mistake, not a zero.
    if value != 0.0 && scalar.is_zero() {
        return Err(format!(
            "Invalid scalar value '{text}': rounds to 0 at three decimals"
        ));
    }
    Ok(scalar)
}

/// Mesos accepts a user-supplied scalar only if it is a normal, non-negative
/// number or zero.
pub(crate) fn check_input_scalar(value: f64) -> Result<(), &'static str> {
    if value.is_nan() {
        Err("NaN not supported")
    } else if value.is_infinite() {
        Err("Infinite values not supported")
    } else if value.is_subnormal() {
        Err("Subnormal values not supported")
    } else if value < 0.0 {
        Err("Negative values not supported")
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(pairs: &[(u64, u64)]) -> Ranges {
        Ranges::new(pairs.iter().map(|&(begin, end)| Range { begin, end })).unwrap()
    }

    #[test]
    fn ranges_coalesce_overlapping_and_adjacent() {
        assert_eq!(
            ranges(&[(5, 9), (1, 3), (4, 4), (20, 30), (25, 26)]),
            ranges(&[(1, 9), (20, 30)])
        );
        assert_eq!(ranges(&[(1, 3), (1, 3)]).ranges().len(), 1);
        assert_eq!(ranges(&[(0, u64::MAX), (5, 6)]), ranges(&[(0, u64::MAX)]));
    }

    #[test]
    fn inverted_range_is_rejected_unless_merged_away() {
        assert!(Ranges::new([Range { begin: 5, end: 3 }]).is_err());
        assert_eq!(
            Ranges::new([Range { begin: 1, end: 10 }, Range { begin: 5, end: 3 }]).unwrap(),
            ranges(&[(1, 10)])
        );
    }

    #[test]
    fn ranges_subtraction_splits_and_trims() {
        let mut left = ranges(&[(1, 10), (20, 30)]);
        left.sub_assign(&ranges(&[(3, 4), (8, 22), (30, 40)]));
        assert_eq!(left, ranges(&[(1, 2), (5, 7), (23, 29)]));

        let mut whole = ranges(&[(1, 10)]);
        whole.sub_assign(&ranges(&[(0, 11)]));
        assert!(whole.is_empty());

        let mut untouched = ranges(&[(5, 6)]);
        untouched.sub_assign(&ranges(&[(1, 2), (8, 9)]));
        assert_eq!(untouched, ranges(&[(5, 6)]));
    }

    #[test]
    fn ranges_containment() {
        let outer = ranges(&[(1, 10), (20, 30)]);
        assert!(outer.contains(&ranges(&[(2, 3), (20, 30)])));
        assert!(outer.contains(&Ranges::default()));
        assert!(!outer.contains(&ranges(&[(9, 21)])));
        assert!(!outer.contains(&ranges(&[(31, 31)])));
        assert_eq!(outer.count(), 21);
    }

    #[test]
    fn sets_ignore_order_and_duplicates_on_add() {
        let mut left = Set::new(["a".into(), "b".into()]).unwrap();
        left.add_assign(&Set::new(["b".into(), "c".into()]).unwrap());
        assert_eq!(left.to_string(), "{a, b, c}");
        assert_eq!(
            left,
            Set::new(["c".into(), "a".into(), "b".into()]).unwrap()
        );
        left.sub_assign(&Set::new(["a".into(), "z".into()]).unwrap());
        assert_eq!(left.to_string(), "{b, c}");
        assert!(Set::new(["a".into(), "a".into()]).is_err());
    }

    #[test]
    fn parses_each_kind_of_value() {
        assert_eq!(
            Value::parse(" 4.5 ").unwrap(),
            Value::Scalar(Scalar::from_f64(4.5))
        );
        assert_eq!(
            Value::parse("[1-2, 3-4,10-20]").unwrap(),
            Value::Ranges(ranges(&[(1, 4), (10, 20)]))
        );
        assert_eq!(Value::parse("{a, b}").unwrap().to_string(), "{a, b}");
        assert_eq!(Value::parse("{}").unwrap(), Value::Set(Set::default()));
        assert_eq!(
            Value::parse("[]").unwrap(),
            Value::Ranges(Ranges::default())
        );
    }

    #[test]
    fn rejects_malformed_values() {
        for bad in [
            "", "  ", "[1-2", "{a", "1[2]", "1{2}", "[1-2-3]", "[a-b]", "-1", "abc", "nan", "inf",
            "1e-310", "0.0001",
        ] {
            assert!(Value::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
