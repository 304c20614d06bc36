//! Mesos's State abstraction: versioned variables over swappable Storage backends.
