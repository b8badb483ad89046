//! [`Selection`]: which scenarios a run takes (`--filter`, `--tag`), decided on what the file
//! says of itself (its id, name and tags).

/// Scenarios whose id or name contains `filter` (when set) and that carry any of `tags` (when
/// any are given).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub filter: Option<String>,
    pub tags: Vec<String>,
}

impl Selection {
    pub fn admits(&self, id: &str, name: &str, tags: &[&str]) -> bool {
        if let Some(text) = &self.filter
            && !id.contains(text.as_str())
            && !name.contains(text.as_str())
        {
            return false;
        }
        self.tags.is_empty() || self.tags.iter().any(|t| tags.contains(&t.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_matches_id_or_name_and_tags_any_of() {
        let all = Selection::default();
        assert!(all.admits("a.yaml", "anything", &[]));
        let by_text = Selection {
            filter: Some("cancel".into()),
            tags: Vec::new(),
        };
        assert!(by_text.admits("lp/cancel.yaml", "x", &[]));
        assert!(by_text.admits("lp/a.yaml", "cancel twice", &[]));
        assert!(!by_text.admits("lp/a.yaml", "create", &[]));
        let by_tag = Selection {
            filter: None,
            tags: vec!["auth".into(), "negative".into()],
        };
        assert!(by_tag.admits("a", "b", &["lifecycle", "negative"]));
        assert!(!by_tag.admits("a", "b", &["lifecycle"]));
        let both = Selection {
            filter: Some("a".into()),
            tags: vec!["auth".into()],
        };
        assert!(!both.admits("a", "b", &["lifecycle"]), "both must hold");
    }
}
