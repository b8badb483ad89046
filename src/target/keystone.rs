//! Credentials for keystone targets (to be written).
