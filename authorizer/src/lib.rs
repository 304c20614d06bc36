//! Mesos ACLs behind the Authorizer trait.
