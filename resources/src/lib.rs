//! Mesos's resource model and its arithmetic, in one place.
