//! Master contender and detector: standalone, and ZooKeeper as real Mesos clients read it.
