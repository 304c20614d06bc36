//! The version process: /version in Mesos's JSON shape.
