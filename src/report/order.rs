//! [`Reorder`]: puts results that finish in any order back into the order their files were
//! found. An item waits until every lower index has come (as an item, or as a gap: a file the
//! selection left out), so only the results overtaken by a slower one are held.

use std::collections::BTreeMap;

#[derive(Debug)]
/// Results by index, given out in index order; see the module docs.
pub struct Reorder<T> {
    /// The lowest index not given out yet.
    next: usize,
    /// Items and gaps (`None`) that came before their turn.
    waiting: BTreeMap<usize, Option<T>>,
}

impl<T> Default for Reorder<T> {
    fn default() -> Self {
        Reorder {
            next: 0,
            waiting: BTreeMap::new(),
        }
    }
}

impl<T> Reorder<T> {
    /// Index `index` came: with an item, or as a gap (`None`). An index below the next one or
    /// already waiting is the caller's bug; the later arrival is dropped.
    pub fn put(&mut self, index: usize, item: Option<T>) {
        if index >= self.next {
            self.waiting.entry(index).or_insert(item);
        }
    }

    /// The next item in order, if its turn has come; gaps are stepped over.
    pub fn pop(&mut self) -> Option<T> {
        while let Some(item) = self.waiting.remove(&self.next) {
            self.next += 1;
            if item.is_some() {
                return item;
            }
        }
        None
    }

    /// The next item of those still waiting, whether or not every lower index came: for the
    /// end of a run, so nothing received is lost.
    pub fn pop_any(&mut self) -> Option<T> {
        while let Some((index, item)) = self.waiting.pop_first() {
            self.next = index + 1;
            if item.is_some() {
                return item;
            }
        }
        None
    }

    /// How many items and gaps wait for a lower index.
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(r: &mut Reorder<char>) -> String {
        std::iter::from_fn(|| r.pop()).collect()
    }

    #[test]
    fn gives_items_out_in_index_order_stepping_over_gaps() {
        let mut r = Reorder::default();
        r.put(2, Some('c'));
        assert_eq!(drain(&mut r), "");
        r.put(1, None);
        r.put(0, Some('a'));
        assert_eq!(drain(&mut r), "ac");
        r.put(3, Some('d'));
        assert_eq!(drain(&mut r), "d");
        assert_eq!(r.waiting(), 0);
    }

    #[test]
    fn the_end_of_a_run_gives_out_what_waits_past_a_missing_index() {
        let mut r = Reorder::default();
        r.put(3, Some('d'));
        r.put(1, Some('b'));
        assert_eq!(drain(&mut r), "");
        assert_eq!(std::iter::from_fn(|| r.pop_any()).collect::<String>(), "bd");
    }
}
