//! The top paths of a table, with one remainder row so the rows sum to the table.

use super::PathTable;

crate::named_enum! {
    /// How [`PathTable::top_paths`] ranks paths.
    #[derive(Default)]
    pub enum PathRank: "path_rank" {
        /// Most journeys (conversions + nulls).
        #[default]
        Journeys = 0 => "journeys",
        /// Most conversions.
        Conversions = 1 => "conversions",
        /// Most conversion value.
        Value = 2 => "value",
    }
}

crate::row_struct! {
    /// A row of [`PathTable::top_paths`].
    #[derive(Clone, PartialEq)]
    pub struct TopPath {
        /// `"a > b > c"`, or `"(other N paths)"` for the remainder row.
        pub path: String,
        /// Path length in touches (none for the remainder row, whose paths differ in length).
        pub touches: Option<usize>,
        /// Journeys (conversions + nulls).
        pub journeys: f64,
        /// Conversions.
        pub conversions: f64,
        /// conversions / journeys.
        pub conversion_rate: f64,
        /// Conversion value.
        pub value: f64,
        /// True for the remainder row.
        pub remainder: bool,
    }
}

impl PathTable {
    /// The `k` paths ranked highest by `by` (ties: path text), plus one remainder row for all
    /// the other paths, so the rows always sum to the table's totals.
    ///
    /// ```
    /// use touchpoint_core::{PathTable, PathRank};
    /// let mut p = PathTable::default();
    /// p.add_path_str("a > b", ">", 3.0, 1.0, 30.0)?;
    /// p.add_path_str("b", ">", 0.0, 5.0, 0.0)?;
    /// p.add_path_str("a", ">", 1.0, 0.0, 5.0)?;
    /// let top = p.top_paths(1, PathRank::Journeys);
    /// assert_eq!(top[0].path, "b");
    /// assert_eq!(top[1].path, "(other 2 paths)");
    /// assert_eq!(top[1].journeys, 5.0);
    /// # Ok::<(), touchpoint_core::Error>(())
    /// ```
    pub fn top_paths(&self, k: usize, by: PathRank) -> Vec<TopPath> {
        let mut rows: Vec<TopPath> = self
            .iter()
            .map(|r| {
                let j = r.conversions + r.nulls;
                TopPath {
                    path: r
                        .touchpoints
                        .iter()
                        .map(|&t| self.catalog.name(t).unwrap_or("?"))
                        .collect::<Vec<_>>()
                        .join(" > "),
                    touches: Some(r.touchpoints.len()),
                    journeys: j,
                    conversions: r.conversions,
                    value: r.value,
                    conversion_rate: if j > 0.0 { r.conversions / j } else { 0.0 },
                    remainder: false,
                }
            })
            .collect();
        let key = |r: &TopPath| match by {
            PathRank::Journeys => r.journeys,
            PathRank::Conversions => r.conversions,
            PathRank::Value => r.value,
        };
        rows.sort_by(|a, b| key(b).total_cmp(&key(a)).then_with(|| a.path.cmp(&b.path)));
        if rows.len() > k {
            let rest = rows.split_off(k);
            let (j, c, v) = rest
                .iter()
                .fold((0.0, 0.0, 0.0), |acc, r| (acc.0 + r.journeys, acc.1 + r.conversions, acc.2 + r.value));
            rows.push(TopPath {
                path: format!("(other {} paths)", rest.len()),
                touches: None,
                journeys: j,
                conversions: c,
                value: v,
                conversion_rate: if j > 0.0 { c / j } else { 0.0 },
                remainder: true,
            });
        }
        rows
    }
}
