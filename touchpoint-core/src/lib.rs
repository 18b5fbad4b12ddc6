//! # touchpoint-core
//!
//! Customer-journey analytics in pure Rust: raw interaction events (ads, email, website, app,
//! store visits, service calls, surveys: every *touchpoint*) become customer journeys, a path
//! table and an exact journey graph.
//!
//! The pipeline:
//!
//! 1. [`EventTable`]: events, built row by row, from encoded columns, or read from CSV;
//! 2. [`Journeys::build`]: journeys per customer (split at conversions, lookback window,
//!    inactivity timeout, repeat collapsing, max touches), with a [`JourneyReport`] that counts
//!    everything left out;
//! 3. [`PathTable`]: distinct paths with conversions, nulls and value (also read from the
//!    common `path,total_conversions,total_conversion_value,total_null` CSV);
//! 4. [`JourneyGraph`]: the Markov chain of order k on petgraph, with exact absorbing-chain
//!    analysis ([`JourneyGraph::analyze`]): conversion probability from every node, expected
//!    visits, drop-off, expected time to convert and removal effects;
//! 5. [`attribution`]: rule models, exact Markov of any order, Shapley variants, Shao–Li — one
//!    result shape, [`attribution::Credits`];
//! 6. [`optimize`]: which drop-off to fix first, the next best touchpoint, budget allocation;
//! 7. [`journeymap`]: stage funnels, the step matrix, retention and repurchase cohorts, per
//!    [`segment`].
//!
//! ```
//! use touchpoint_core::{demo, JourneyGraph, JourneyOptions, Journeys, PathTable, DAY_MS};
//!
//! let events = demo::events(&demo::DemoOptions { customers: 1_000, seed: 7, ..Default::default() })?;
//! let opts = JourneyOptions { lookback_ms: Some(30 * DAY_MS), ..Default::default() };
//! let (journeys, report) = Journeys::build(&events, &opts)?;
//! assert_eq!(report.touches_in, report.touches_kept + report.touches_outside_lookback);
//!
//! let graph = JourneyGraph::from_journeys(&journeys, 1)?;
//! let analysis = graph.analyze()?;
//! let observed = journeys.total_conversions() / journeys.len() as f64;
//! assert!((analysis.conversion_probability - observed).abs() < 1e-9); // the chain is exact
//!
//! let paths = PathTable::from_journeys(&journeys);
//! let same = JourneyGraph::from_paths(&paths, 1)?.analyze()?;
//! assert!((same.conversion_probability - analysis.conversion_probability).abs() < 1e-12);
//! # Ok::<(), touchpoint_core::Error>(())
//! ```
//!
//! Errors are one enum, [`Error`]; every message names the field, the row or line and the
//! offending value. Nothing panics on bad input.
//!
//! Features: `rayon` (default) runs independent solves in parallel; `serde` (default) makes
//! catalogs, journeys, path tables and results serialisable and enables the JSON exports.

#![warn(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod attribution;
pub mod bootstrap;

/// The petgraph version the journey graph is built on.
pub use petgraph;
pub mod catalog;
pub mod cells;
#[cfg(test)]
mod crm_tests;
mod csvutil;
pub mod data;
pub mod demo;
pub mod error;
pub mod events;
pub mod experience;
pub mod graph;
pub mod increment;
pub mod journey;
pub mod journeymap;
pub mod named;
pub mod names;
pub mod optimize;
#[cfg(feature = "serde")]
mod options_json;
pub mod partial;
pub mod paths;
pub mod persona;
pub mod progress;
pub mod report;
mod rng;
pub mod rows;
pub mod saved;
pub mod schema;
pub mod segment;
pub mod segmented;
#[cfg(feature = "serde")]
pub mod segmented_spec;
pub mod stats;
pub mod suggest;
#[cfg(test)]
mod test_util;
#[cfg(feature = "rayon")]
pub mod threads;
pub mod time;
mod totals;

pub use catalog::{Catalog, ChannelKind, Stage, TouchpointAttrs, TouchpointId};
pub use csvutil::{parse_delimiter, parse_separator};
pub use data::Data;
pub use error::{Error, ErrorKind, Location, Result};
pub use events::{
    ConversionSpec, CustomerKey, Event, EventColumns, EventCsvOptions, EventRow, EventTable, EventTableBuilder,
    NO_TOUCHPOINT,
};
pub use graph::{DwellStats, EdgeStats, GraphAnalysis, JourneyGraph, Node, NodeKind, NodeMetrics, RemovalEffect};
#[allow(deprecated)]
pub use journey::JourneySet;
pub use journey::{Journey, JourneyOptions, JourneyReport, JourneyRow, Journeys};
pub use named::Named;
pub use names::NameList;
pub use paths::sankey::{Sankey, SankeyLink, SankeyNode};
pub use paths::{PathCsvOptions, PathRank, PathRow, PathTable, PathTableRow, TopPath};
pub use time::{DAY_MS, HOUR_MS, TimeFormat, TimeUnit, parse_time};

/// The crate version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The README's Rust quickstart, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
