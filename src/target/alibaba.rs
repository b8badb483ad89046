//! Credentials for alibaba targets (to be written).
