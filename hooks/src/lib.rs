//! The master's Hook trait and the hook manager named by --hooks.
