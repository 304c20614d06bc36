//! A tokio actor runtime that speaks Mesos's libprocess wire protocol; knows nothing of Mesos types.
