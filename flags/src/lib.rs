//! Every mesos-master flag, with Mesos's names, types, defaults and MESOS_* environment variables.
