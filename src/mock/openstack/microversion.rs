//! Nova's microversion negotiation: [`negotiate`] reads `OpenStack-API-Version: compute 2.x`
//! or the legacy `X-OpenStack-Nova-API-Version: 2.x` (the new header wins), accepts `latest`,
//! and refuses what is malformed (400) or out of range (406) with Nova's messages.

use std::fmt;

/// A microversion, `major.minor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

pub const MIN: Version = Version { major: 2, minor: 1 };
pub const MAX: Version = Version {
    major: 2,
    minor: 104,
};

/// Why a requested version is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// 400 `badRequest`; Nova has no version to report, so no version headers.
    Malformed(String),
    /// 406 `computeFault`; the version headers echo the requested version.
    OutOfRange(Version),
}

impl Refused {
    pub fn message(&self) -> String {
        match self {
            Refused::Malformed(text) => format!(
                "API Version String {text} is of invalid format. Must be of format MajorNum.MinorNum."
            ),
            Refused::OutOfRange(v) => format!(
                "Version {v} is not supported by the API. Minimum is {MIN} and maximum is {MAX}."
            ),
        }
    }
}

/// The version that serves a request with these header values; without either header, the
/// minimum, as Nova does.
pub fn negotiate(new: Option<&str>, legacy: Option<&str>) -> Result<Version, Refused> {
    // `OpenStack-API-Version` may name several services (`compute 2.60, volume 3.1`); only the
    // compute entry counts, and without one the legacy header is consulted.
    let from_new = new.and_then(|value| {
        value.split(',').find_map(|entry| {
            let mut words = entry.split_whitespace();
            match (words.next(), words.next(), words.next()) {
                (Some(service), version, None) if service.eq_ignore_ascii_case("compute") => {
                    Some(version.unwrap_or("").to_owned())
                }
                (Some(service), _, Some(_)) if service.eq_ignore_ascii_case("compute") => {
                    Some(entry.trim().to_owned())
                }
                _ => None,
            }
        })
    });
    let Some(text) = from_new.or_else(|| legacy.map(|v| v.trim().to_owned())) else {
        return Ok(MIN);
    };
    let version = parse(&text).ok_or(Refused::Malformed(text))?;
    if version < MIN || version > MAX {
        return Err(Refused::OutOfRange(version));
    }
    Ok(version)
}

fn parse(text: &str) -> Option<Version> {
    if text.eq_ignore_ascii_case("latest") {
        return Some(MAX);
    }
    let (major, minor) = text.split_once('.')?;
    let number = |s: &str| -> Option<u32> {
        // Nova's pattern is `^([1-9]\d*)\.([1-9]\d*|0)$`: no sign, no leading zero.
        let ok = !s.is_empty()
            && s.bytes().all(|b| b.is_ascii_digit())
            && (s == "0" || !s.starts_with('0'));
        ok.then(|| s.parse().ok()).flatten()
    };
    Some(Version {
        major: number(major).filter(|m| *m > 0)?,
        minor: number(minor)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(minor: u32) -> Version {
        Version { major: 2, minor }
    }

    #[test]
    fn no_header_is_the_minimum_and_latest_is_the_maximum() {
        assert_eq!(negotiate(None, None), Ok(MIN));
        assert_eq!(negotiate(Some("compute latest"), None), Ok(MAX));
        assert_eq!(negotiate(None, Some("latest")), Ok(MAX));
    }

    #[test]
    fn the_new_header_wins_over_the_legacy_one() {
        assert_eq!(negotiate(Some("compute 2.46"), Some("2.10")), Ok(v(46)));
        assert_eq!(negotiate(None, Some("2.10")), Ok(v(10)));
        // No compute entry in the new header: the legacy one decides.
        assert_eq!(negotiate(Some("volume 3.1"), Some("2.10")), Ok(v(10)));
        assert_eq!(negotiate(Some("volume 3.1, compute 2.60"), None), Ok(v(60)));
    }

    #[test]
    fn out_of_range_is_refused_with_novas_message() {
        let err = negotiate(Some("compute 2.999"), None).expect_err("out of range");
        assert_eq!(
            err.message(),
            "Version 2.999 is not supported by the API. Minimum is 2.1 and maximum is 2.104."
        );
        assert_eq!(
            negotiate(Some("compute 3.0"), None),
            Err(Refused::OutOfRange(Version { major: 3, minor: 0 }))
        );
        assert_eq!(negotiate(None, Some("2.0")), Err(Refused::OutOfRange(v(0))));
    }

    #[test]
    fn malformed_versions_are_refused() {
        for bad in [
            "compute 2",
            "compute two",
            "compute 2.01",
            "compute 2.1.1",
            "compute",
        ] {
            assert!(
                matches!(negotiate(Some(bad), None), Err(Refused::Malformed(_))),
                "{bad}"
            );
        }
        let err = negotiate(None, Some("2.x")).expect_err("malformed");
        assert_eq!(
            err.message(),
            "API Version String 2.x is of invalid format. Must be of format MajorNum.MinorNum."
        );
    }
}
