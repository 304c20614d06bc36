//! Mesos's resource model and its arithmetic, in one place.
//!
//! # The model
//!
//! An agent offers *resources*: named quantities such as `cpus:4`,
//! `mem:1024`, `ports:[31000-32000]` or `disks:{sda, sdb}`. A value is a
//! [`Scalar`] (fixed point, three decimals, exactly as Mesos rounds), a set of
//! integer [`Ranges`], or a [`Set`] of strings.
//!
//! A [`Resource`] adds what tells two resources of the same name apart:
//! - a stack of reservations: the first is the role the resource was
//!   reserved to (statically by the agent, or dynamically by an operator or
//!   framework), each later one a *refinement* to a sub-role
//!   (`eng` → `eng/web`);
//! - disk information: a source (`PATH`, `MOUNT`, `BLOCK`, `RAW`) and a
//!   persistence ID for persistent volumes;
//! - whether it is revocable, shared (persistent volumes only; a shared
//!   resource carries a count of holders), allocated to a role, or comes from
//!   a resource provider.
//!
//! A `Resource` is valid by construction: it is built through
//! [`Resource::new`], [`Resource::from_proto`] or [`Resources::parse`], each
//! of which applies Mesos's rules (see [`Resources::validate`]).
//!
//! # Arithmetic
//!
//! [`Resources`] is a bag in which resources that can be combined are:
//! same name, type, reservations, disk, revocability, sharing, allocation
//! and provider. Exclusive disks (MOUNT, BLOCK, identified RAW, persistent
//! volumes) never combine; identical shared resources combine by adding
//! their counts.
//!
//! ```
//! use resources::Resources;
//!
//! let agent = Resources::parse("cpus:4;mem:1024;ports:[31000-32000]", "*").unwrap();
//! let task = Resources::parse("cpus:1.5;mem:256;ports:[31000-31009]", "*").unwrap();
//! assert!(agent.contains(&task));
//!
//! let left = &agent - &task;
//! assert_eq!(left.to_string(), "cpus:2.5; mem:768; ports:[31010-32000]");
//! assert_eq!(&left + &task, agent);
//! ```
//!
//! Subtraction follows Mesos: it never fails, and taking more than is there
//! removes the entry entirely rather than going negative — check
//! [`Resources::contains`] first when that matters.
//!
//! An offer operation (RESERVE, CREATE, GROW_VOLUME, ...) converts
//! resources: [`operation_conversions`] says what it consumes and what that
//! becomes, [`Resources::apply`] applies that, and
//! [`Resources::apply_checkpointed`] rebuilds an agent's total from its
//! command-line resources and its checkpointed reservations and volumes.
//!
//! [`ResourceQuantities`] drops all metadata and keeps only how much of each
//! name there is (ports and set items counted): what DRF shares and quotas
//! work with.
//!
//! # Text, JSON and protos
//!
//! [`Resources::parse`] reads an agent's `--resources`: either
//! `name(role):value;...` text or a JSON array of `Resource` objects.
//! [`fmt::Display`](std::fmt::Display) writes Mesos's log and endpoint form,
//! e.g. `cpus(reservations: [(STATIC,eng)]):4; mem:1024`; for unreserved
//! resources without disk, revocable or shared markers that text parses back
//! to the same resources.
//!
//! [`Resources::from_protos`] / [`Resources::to_protos`] convert to and from
//! `proto::mesos::Resource`, accepting any of Mesos's three layouts
//! ([`ResourceFormat`]) and writing the one asked for; the `v1` variants do
//! the same for `proto::mesos::v1::Resource`. Scalars are kept to three
//! decimals, as Mesos's arithmetic would leave them.
//!
//! # Cost
//!
//! The allocator runs `contains`, `+=` and `-=` millions of times per round,
//! so the common case is kept cheap: scalars are integers, names are shared
//! `Arc<str>` (the common ones — `cpus`, `mem`, `disk`, `ports`, `gpus` —
//! made once, so equal names compare by pointer), and a plain resource has
//! no metadata allocation at all (`Option<Arc<..>>` that is `None`), so
//! comparing two entries is a name comparison and a pointer check.
//! Copies of a [`Resources`] and of [`Ranges`] share their storage until
//! one of them changes, so copying an agent's resources is a reference
//! count, and the first change pays for the copy; range arithmetic reuses
//! an unshared vector and sizes a new one once.

mod conversions;
mod convert;
mod error;
mod quantities;
mod resource;
mod resources;
pub mod roles;
mod scalar;
mod shared;
mod validate;
mod values;

pub use conversions::{
    ResourceConversion, consumed_resources, needs_checkpointing, operation_conversions,
};
pub use error::ResourcesError;
pub use quantities::ResourceQuantities;
pub use resource::{AllocationMark, Resource, ResourceFormat};
pub use resources::Resources;
pub use scalar::Scalar;
pub use values::{Range, Ranges, Set, Value};
