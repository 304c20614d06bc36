//! [`SharedVec`]: a vector that copies share until one of them changes.
//!
//! The allocator keeps several copies of every agent's resources (its
//! total, what is available, what each framework holds, what is in use),
//! most of which never change after they are made. Sharing makes such a
//! copy a reference count instead of an allocation per entry and per range
//! list; the first change to a shared copy pays for the copy it makes.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

/// Copy-on-write `Vec<T>`, read as a slice; an empty one allocates nothing.
pub(crate) struct SharedVec<T>(Option<Arc<Vec<T>>>);

impl<T: Clone> SharedVec<T> {
    pub fn from_vec(items: Vec<T>) -> SharedVec<T> {
        SharedVec((!items.is_empty()).then(|| Arc::new(items)))
    }

    /// The items to change, copied first if another copy shares them.
    pub fn make_mut(&mut self) -> &mut Vec<T> {
        Arc::make_mut(self.0.get_or_insert_default())
    }

    /// The items to change if no other copy shares them (and there are
    /// some).
    pub fn get_mut(&mut self) -> Option<&mut Vec<T>> {
        self.0.as_mut().and_then(Arc::get_mut)
    }

    pub fn into_vec(self) -> Vec<T> {
        self.0.map(Arc::unwrap_or_clone).unwrap_or_default()
    }
}

impl<T> Deref for SharedVec<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.0.as_deref().map_or(&[], Vec::as_slice)
    }
}

impl<T> Clone for SharedVec<T> {
    fn clone(&self) -> SharedVec<T> {
        SharedVec(self.0.clone())
    }
}

impl<T> Default for SharedVec<T> {
    fn default() -> SharedVec<T> {
        SharedVec(None)
    }
}

impl<T: PartialEq> PartialEq for SharedVec<T> {
    fn eq(&self, other: &SharedVec<T>) -> bool {
        let same_entries = match (&self.0, &other.0) {
            (Some(mine), Some(theirs)) => Arc::ptr_eq(mine, theirs),
            _ => false,
        };
        same_entries || **self == **other
    }
}

impl<T: Eq> Eq for SharedVec<T> {}

impl<T: Hash> Hash for SharedVec<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

impl<T: fmt::Debug> fmt::Debug for SharedVec<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_share_until_one_changes() {
        let original = SharedVec::from_vec(vec![1, 2, 3]);
        let mut copy = original.clone();
        assert!(copy.get_mut().is_none(), "shared with the original");
        copy.make_mut().push(4);
        assert_eq!(*original, [1, 2, 3]);
        assert_eq!(*copy, [1, 2, 3, 4]);
        assert!(copy.get_mut().is_some(), "its own after the change");
        assert_eq!(copy.into_vec(), vec![1, 2, 3, 4]);
    }

    #[test]
    fn empty_is_equal_however_made() {
        let mut emptied = SharedVec::from_vec(vec![1]);
        emptied.make_mut().clear();
        assert_eq!(emptied, SharedVec::default());
        assert_eq!(SharedVec::<u8>::from_vec(Vec::new()), SharedVec::default());
    }
}
