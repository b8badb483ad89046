//! Credentials: how a request to a [`crate::targets::Target`] gets what proves who sends it.
//! Three sources, each an [`crate::targets::Auth`]: a plain bearer token ([`bearer`]), a
//! vendor's own convention (environment variables, discovery, signing: [`convention::Vendor`],
//! implemented in [`crate::vendor`]), or what the API's spec declares in
//! `components.securitySchemes` ([`declared::DeclaredAuth`]).

pub mod bearer;
pub mod convention;
pub mod declared;
