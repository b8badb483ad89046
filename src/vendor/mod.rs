//! The vendors conform knows, one module each, registered in [`VENDORS`]: each is a
//! [`Vendor`](crate::targets::credentials::convention::Vendor), its credential convention (the ecosystem's
//! environment variables and files), how it finds an API's URL when none is given, and how it
//! signs or logs in. The core reaches a vendor only through that trait and this list, so a new
//! vendor is one new module and one line in [`VENDORS`].
//!
//! In a targets file an entry names its vendor's convention with `auth:`:
//!
//! ```yaml
//! alibaba-elasticsearch:
//!   region: cn-hangzhou            # url defaults to https://elasticsearch.<region>.aliyuncs.com
//!   auth: alibaba                  # ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET / _SECURITY_TOKEN
//! openstack-compute:
//!   auth: keystone                 # OS_CLOUD + clouds.yaml, OS_* variables, or OS_TOKEN
//! liveperson-deletion:
//!   auth: bearer                   # LP_BEARER_TOKEN; url discovered from the account id
//!   account: "12345678"
//! ```

pub mod alibaba;
pub mod liveperson;
pub mod openstack;

#[cfg(test)]
mod tests;

use crate::targets::credentials::convention::{self, Vendors};

/// Every vendor conform knows, in the order their conventions are listed.
pub static VENDORS: Vendors = &[
    &alibaba::Alibaba,
    &openstack::OpenStack,
    &liveperson::LivePerson,
];

/// What to export so that `api`'s requests carry credentials: its vendor's variables, or the
/// defaults of the schemes a spec declares.
pub fn credential_hint(api: &str) -> String {
    convention::credential_hint(VENDORS, api)
}
