//! Step-indexed Sankey flows of journeys (for plotly / d3 Sankey diagrams).

use std::collections::HashMap;

use super::PathTable;
use crate::catalog::TouchpointId;
use crate::error::{Error, Result};

crate::row_struct! {
    /// A node of a [`Sankey`]: a touchpoint at a step, an "other" bucket, or an outcome.
    #[derive(Clone, PartialEq)]
    pub struct SankeyNode {
        /// Display label, e.g. `"2. email"`, `"2. other"`, `"conversion"`.
        pub label: String,
        /// 1-based step; `None` for the two outcome nodes.
        pub step: Option<usize>,
        /// Touchpoint name; `None` for "other" and outcome nodes.
        pub touchpoint: Option<String>,
    }
}

crate::row_struct! {
    /// A link of a [`Sankey`], between node indices.
    #[derive(Clone, PartialEq)]
    pub struct SankeyLink {
        /// Source node index.
        pub source: usize,
        /// Target node index.
        pub target: usize,
        /// Weighted journeys along the link.
        pub journeys: f64,
        /// Of which converted.
        pub conversions: f64,
    }
}

/// Step-indexed flows: journeys move from step to step and end in `conversion` or
/// `no conversion`. Every journey ends in exactly one outcome link, so the outcome links sum
/// to the number of journeys.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Sankey {
    /// Nodes; indices 0 and 1 are `conversion` and `no conversion`.
    pub nodes: Vec<SankeyNode>,
    /// Links, sorted by (source, target).
    pub links: Vec<SankeyLink>,
}

impl PathTable {
    /// Sankey flows over the first `max_steps` touches of each journey. At each step the
    /// `top_k` touchpoints with the most journeys keep their own node; the rest share a
    /// `"<step>. other"` node. A journey longer than `max_steps` flows from its last shown step
    /// straight to its outcome.
    ///
    /// `max_steps` larger than the longest path means "every step": it is clamped to the longest
    /// path's length, so memory is bounded by the input (`usize::MAX` is fine and shows all
    /// steps). Only `max_steps = 0` is an error ([`Error::InvalidOption`]).
    ///
    /// ```
    /// let mut p = touchpoint_core::PathTable::default();
    /// p.add_path_str("ad > site > store", ">", 2.0, 1.0, 0.0)?;
    /// p.add_path_str("email > site", ">", 0.0, 4.0, 0.0)?;
    /// let s = p.sankey(2, 5)?;
    /// let ended: f64 = s.links.iter().filter(|l| l.target < 2).map(|l| l.journeys).sum();
    /// assert_eq!(ended, 7.0);
    /// # Ok::<(), touchpoint_core::Error>(())
    /// ```
    pub fn sankey(&self, max_steps: usize, top_k: usize) -> Result<Sankey> {
        if max_steps == 0 {
            return Err(Error::option("max_steps", 0, "show at least one step"));
        }
        // more steps than the longest path shows nothing more: clamp (a huge value means "all")
        let longest = self.iter().map(|r| r.touchpoints.len()).max().unwrap_or(0);
        let max_steps = max_steps.min(longest.max(1));
        // volume per (step, touchpoint)
        let mut volume: Vec<HashMap<TouchpointId, f64>> = vec![HashMap::new(); max_steps];
        for r in self.iter() {
            for (s, &t) in r.touchpoints.iter().take(max_steps).enumerate() {
                *volume[s].entry(t).or_insert(0.0) += r.conversions + r.nulls;
            }
        }
        let mut nodes = vec![
            SankeyNode { label: "conversion".into(), step: None, touchpoint: None },
            SankeyNode { label: "no conversion".into(), step: None, touchpoint: None },
        ];
        // node index per (step, touchpoint); "other" per step
        let mut keep: Vec<HashMap<TouchpointId, usize>> = Vec::with_capacity(max_steps);
        let mut other: Vec<Option<usize>> = vec![None; max_steps];
        for (s, vol) in volume.iter().enumerate() {
            let mut v: Vec<(TouchpointId, f64)> = vol.iter().map(|(&t, &c)| (t, c)).collect();
            v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let mut m = HashMap::new();
            for (i, (t, _)) in v.iter().enumerate() {
                if i < top_k {
                    let name = self.catalog().name(*t).unwrap_or("?").to_owned();
                    m.insert(*t, nodes.len());
                    nodes.push(SankeyNode {
                        label: format!("{}. {}", s + 1, name),
                        step: Some(s + 1),
                        touchpoint: Some(name),
                    });
                } else if other[s].is_none() {
                    other[s] = Some(nodes.len());
                    nodes.push(SankeyNode { label: format!("{}. other", s + 1), step: Some(s + 1), touchpoint: None });
                }
            }
            keep.push(m);
        }
        let node_of = |s: usize, t: TouchpointId| keep[s].get(&t).copied().or(other[s]).unwrap_or(0);
        let mut links: HashMap<(usize, usize), (f64, f64)> = HashMap::new();
        for r in self.iter() {
            let w = r.conversions + r.nulls;
            if w <= 0.0 {
                continue;
            }
            let shown = r.touchpoints.len().min(max_steps);
            if shown == 0 {
                continue;
            }
            for s in 1..shown {
                let e = links.entry((node_of(s - 1, r.touchpoints[s - 1]), node_of(s, r.touchpoints[s]))).or_default();
                e.0 += w;
                e.1 += r.conversions;
            }
            let last = node_of(shown - 1, r.touchpoints[shown - 1]);
            if r.conversions > 0.0 {
                let e = links.entry((last, 0)).or_default();
                e.0 += r.conversions;
                e.1 += r.conversions;
            }
            if r.nulls > 0.0 {
                links.entry((last, 1)).or_default().0 += r.nulls;
            }
        }
        let mut links: Vec<SankeyLink> = links
            .into_iter()
            .map(|((source, target), (journeys, conversions))| SankeyLink { source, target, journeys, conversions })
            .collect();
        links.sort_by_key(|l| (l.source, l.target));
        Ok(Sankey { nodes, links })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_max_steps_is_clamped_to_the_longest_path() {
        let mut p = PathTable::default();
        p.add_path_str("ad > site > store", ">", 2.0, 1.0, 0.0).unwrap();
        p.add_path_str("email > site", ">", 0.0, 4.0, 0.0).unwrap();
        let all = p.sankey(3, 5).unwrap();
        assert_eq!(p.sankey(usize::MAX, 5).unwrap(), all);
        assert_eq!(p.sankey(1 << 40, 5).unwrap(), all);
        assert!(all.nodes.iter().all(|n| n.step.is_none_or(|s| s <= 3)));
        let e = p.sankey(0, 5).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidOption);
        assert!(e.to_string().contains("max_steps"), "{e}");
    }
}
