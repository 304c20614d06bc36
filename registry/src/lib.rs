//! The Registrar: the master's durable record of agents, quota, weights and maintenance.
