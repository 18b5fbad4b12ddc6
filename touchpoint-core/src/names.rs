//! A compact list of names: one text buffer plus end offsets, with an interner on top.
//! Millions of customer keys cost two allocations instead of one per key.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

/// Names by dense id, stored in one buffer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameList {
    buf: String,
    ends: Vec<usize>,
}

impl NameList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of names.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Name `i`.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.buf.get(start..end)
    }

    /// Append a name and return its id.
    pub fn push(&mut self, name: &str) -> u32 {
        self.buf.push_str(name);
        self.ends.push(self.buf.len());
        (self.ends.len() - 1) as u32
    }

    /// Iterate the names in id order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(move |i| self.get(i).unwrap_or(""))
    }

    /// Append every name of `other`.
    pub fn extend_from(&mut self, other: &NameList) {
        for n in other.iter() {
            self.push(n);
        }
    }

    /// The names in their canonical order, when they are not in it already: `(sorted, rank)`
    /// with `rank[old id]` the new id. The order is content-based (never input order): names
    /// that are the decimal form of an integer first, by value, then the others by bytes.
    pub(crate) fn canonical(&self) -> Option<(NameList, Vec<u32>)> {
        let keys: Vec<(bool, i64, &str)> = self.iter().map(canonical_key).collect();
        if keys.windows(2).all(|w| w[0] <= w[1]) {
            return None;
        }
        let mut order: Vec<u32> = (0..self.len() as u32).collect();
        order.sort_by(|&a, &b| keys[a as usize].cmp(&keys[b as usize]).then(a.cmp(&b)));
        let mut rank = vec![0u32; self.len()];
        let mut sorted = NameList { buf: String::with_capacity(self.buf.len()), ends: Vec::with_capacity(self.len()) };
        for (new, &old) in order.iter().enumerate() {
            rank[old as usize] = new as u32;
            sorted.push(keys[old as usize].2);
        }
        Some((sorted, rank))
    }
}

/// The sort key of a name in the canonical order (see [`NameList::canonical`]): `"2"` before
/// `"10"` before `"ann"`.
pub(crate) fn canonical_key(s: &str) -> (bool, i64, &str) {
    match s.parse::<i64>() {
        // only the decimal form itself ("007" and "+7" are text)
        Ok(v) if itoa::Buffer::new().format(v) == s => (false, v, s),
        _ => (true, 0, s),
    }
}

impl<S: AsRef<str>> FromIterator<S> for NameList {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut l = NameList::new();
        for s in iter {
            l.push(s.as_ref());
        }
        l
    }
}

impl std::ops::Index<usize> for NameList {
    type Output = str;
    fn index(&self, i: usize) -> &str {
        self.get(i).unwrap_or("")
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for NameList {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for NameList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Vec::<String>::deserialize(d)?;
        Ok(v.iter().collect())
    }
}

/// Interns names into a [`NameList`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Interner {
    pub names: NameList,
    /// (hash, id): the stored hash makes growing the table cheap.
    index: HashTable<(u64, u32)>,
    hasher: DefaultHashBuilder,
}

/// A hash index over a [`NameList`] kept beside it (the list itself is shared elsewhere):
/// what [`Journeys::append`](crate::Journeys::append) finds customers by.
#[derive(Debug, Clone, Default)]
pub(crate) struct NameIndex {
    table: HashTable<(u64, u32)>,
    hasher: DefaultHashBuilder,
}

impl NameIndex {
    /// The index of `names` (distinct).
    pub(crate) fn of(names: &NameList) -> Self {
        let mut ix = NameIndex::default();
        ix.table.reserve(names.len(), |&(h, _)| h);
        for (i, n) in names.iter().enumerate() {
            let h = ix.hasher.hash_one(n);
            ix.table.insert_unique(h, (h, i as u32), |&(h, _)| h);
        }
        ix
    }

    /// Id of `s` in `names`, appending it to both when new.
    #[inline]
    pub(crate) fn get_or_push(&mut self, names: &mut NameList, s: &str) -> u32 {
        let hash = self.hasher.hash_one(s);
        if let Some(&(_, i)) = self.table.find(hash, |&(h, i)| h == hash && names.get(i as usize) == Some(s)) {
            return i;
        }
        let i = names.push(s);
        self.table.insert_unique(hash, (hash, i), |&(h, _)| h);
        i
    }
}

impl Interner {
    /// Make room for `n` more names without rehashing.
    pub(crate) fn reserve(&mut self, n: usize) {
        self.index.reserve(n, |&(h, _)| h);
        self.names.ends.reserve(n);
    }

    /// Id of `s`, adding it when new.
    #[inline]
    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        let hash = self.hasher.hash_one(s);
        let names = &self.names;
        if let Some(&(_, i)) = self.index.find(hash, |&(h, i)| h == hash && names.get(i as usize) == Some(s)) {
            return i;
        }
        let i = self.names.push(s);
        self.index.insert_unique(hash, (hash, i), |&(h, _)| h);
        i
    }
}
