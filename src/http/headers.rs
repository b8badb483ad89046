//! [`Headers`]: the header fields of a request or a response, in the order they came, with
//! the case-insensitive lookup HTTP asks for written once.

use std::ops::Deref;

/// The first value of `name` among header fields held as plain pairs (a signer's input, a
/// recording's), with the lookup [`Headers::get`] does.
pub fn first<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Header fields as name and value pairs, in their order, a name possibly repeated.
///
/// Names keep the case they were written in (signers and reports show them as sent); every
/// lookup ignores case, as HTTP field names do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Headers(Vec::new())
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        first(&self.0, name)
    }

    /// Every value of `name`, in order.
    pub fn get_all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.0
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Sets `name` to `value` alone: earlier fields of that name go, the new one comes last.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.remove(name);
        self.0.push((name.to_owned(), value.into()));
    }

    /// Removes every field of `name`.
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// Adds a field after the others, keeping those of the same name.
    pub fn push(&mut self, field: (String, String)) {
        self.0.push(field);
    }

    /// Keeps the fields for which `keep` says so.
    pub fn retain(&mut self, keep: impl FnMut(&(String, String)) -> bool) {
        self.0.retain(keep);
    }

    /// The pairs, to own.
    pub fn into_vec(self) -> Vec<(String, String)> {
        self.0
    }
}

/// As a slice of pairs: what signers, the redactor and iteration read.
impl Deref for Headers {
    type Target = [(String, String)];
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl From<Vec<(String, String)>> for Headers {
    fn from(pairs: Vec<(String, String)>) -> Self {
        Headers(pairs)
    }
}

impl FromIterator<(String, String)> for Headers {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        Headers(iter.into_iter().collect())
    }
}

impl<'a> IntoIterator for &'a Headers {
    type Item = &'a (String, String);
    type IntoIter = std::slice::Iter<'a, (String, String)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl IntoIterator for Headers {
    type Item = (String, String);
    type IntoIter = std::vec::IntoIter<(String, String)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl From<&reqwest::header::HeaderMap> for Headers {
    /// Headers as name and text pairs (bytes that are not UTF-8 replaced), from the HTTP
    /// stack's map: a response's in the runner and the proxy, a request's in the mocks.
    fn from(map: &reqwest::header::HeaderMap) -> Self {
        map.iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_ignores_case_and_set_replaces_every_field_of_the_name() {
        let mut h: Headers = vec![
            ("Accept".into(), "a".into()),
            ("accept".into(), "b".into()),
            ("X-Id".into(), "1".into()),
        ]
        .into();
        assert_eq!(h.get("ACCEPT"), Some("a"));
        assert_eq!(h.get_all("accept").collect::<Vec<_>>(), ["a", "b"]);
        h.set("ACCEPT", "c");
        assert_eq!(h.get_all("accept").collect::<Vec<_>>(), ["c"]);
        assert_eq!(h.last().map(|(n, _)| n.as_str()), Some("ACCEPT"));
        h.remove("x-id");
        assert_eq!(h.len(), 1);
    }
}
