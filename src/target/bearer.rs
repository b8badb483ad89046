//! Credentials for bearer targets (to be written).
