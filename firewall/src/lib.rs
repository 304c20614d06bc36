//! Firewall rules: endpoints disabled by --firewall_rules answer 403.
