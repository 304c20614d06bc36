//! Hierarchical DRF offer allocation behind the Allocator trait.
