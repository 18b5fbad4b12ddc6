//! Long operations count their work on the current `Progress` and stop cleanly when it is
//! cancelled; with a counter nobody cancels, the results are those of the plain call.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use touchpoint_core::attribution::{AttributionModel, AttributionOptions, ShapleyMethod, attribute};
use touchpoint_core::bootstrap::BootstrapOptions;
use touchpoint_core::graph::intervals::graph_intervals;
use touchpoint_core::optimize::prioritize_states;
use touchpoint_core::progress::{self, Progress};
use touchpoint_core::{Error, JourneyGraph, JourneyOptions, Journeys, demo};

fn journeys() -> Journeys {
    let ev = demo::events(&demo::DemoOptions { customers: 800, ..Default::default() }).unwrap();
    Journeys::build(&ev, &JourneyOptions::default()).unwrap().0
}

/// What a callback saw: (stage, done, total) per call.
type Seen = Arc<Mutex<Vec<(String, u64, u64)>>>;

/// A counter that records what its callback saw and cancels after `stop_after` calls.
fn recording(stop_after: usize) -> (Arc<Progress>, Seen) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let p = Progress::with_callback(
        Box::new(move |snap| {
            let mut s = s.lock().unwrap();
            s.push((snap.stage.to_owned(), snap.done, snap.total));
            s.len() < stop_after
        }),
        Duration::ZERO,
    );
    (Arc::new(p), seen)
}

#[test]
fn prioritize_states_counts_every_state_and_stops_when_cancelled() {
    let g = JourneyGraph::from_journeys(&journeys(), 2).unwrap();
    let plain = prioritize_states(&g, 0.2).unwrap();
    let (p, seen) = recording(usize::MAX);
    let watched = progress::scope(&p, || prioritize_states(&g, 0.2)).unwrap();
    assert_eq!(watched, plain);
    let snap = p.snapshot();
    assert_eq!((snap.stage, snap.done), ("states", snap.total));
    assert_eq!(snap.total as usize, plain.len() + 1, "every transient state (the start too), once");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.first().unwrap().1, 0);
    assert!(seen.windows(2).all(|w| w[0].1 <= w[1].1), "counts never go back");

    let (p, _) = recording(3);
    let e = progress::scope(&p, || prioritize_states(&g, 0.2)).unwrap_err();
    assert!(matches!(e, Error::Cancelled { stage: "states" }), "{e}");
    assert!(p.snapshot().done < p.snapshot().total);
    // the next call without the counter is unaffected
    assert_eq!(prioritize_states(&g, 0.2).unwrap(), plain);
}

#[test]
fn sampled_shapley_and_bootstrap_count_and_cancel() {
    let j = journeys();
    let model = AttributionModel::ShapleyRate { method: ShapleyMethod::Sampled { samples: 640, seed: 3 } };
    let plain = attribute(&j, &model, &AttributionOptions::default()).unwrap();
    let (p, _) = recording(usize::MAX);
    let watched = progress::scope(&p, || attribute(&j, &model, &AttributionOptions::default())).unwrap();
    assert_eq!(watched, plain);
    assert_eq!((p.snapshot().stage, p.snapshot().done, p.snapshot().total), ("permutations", 640, 640));
    let (p, _) = recording(2);
    let e = progress::scope(&p, || attribute(&j, &model, &AttributionOptions::default())).unwrap_err();
    assert!(matches!(e, Error::Cancelled { stage: "permutations" }), "{e}");

    let boot = BootstrapOptions { resamples: 96, seed: 1, level: 0.9 };
    let plain = graph_intervals((&j).into(), 1, None, &boot).unwrap();
    let (p, _) = recording(usize::MAX);
    let watched = progress::scope(&p, || graph_intervals((&j).into(), 1, None, &boot)).unwrap();
    assert_eq!(watched.rows, plain.rows);
    assert_eq!((p.snapshot().stage, p.snapshot().done), ("resamples", 96));
    let (p, _) = recording(1);
    let e = progress::scope(&p, || graph_intervals((&j).into(), 1, None, &boot)).unwrap_err();
    assert!(matches!(e, Error::Cancelled { stage: "resamples" }), "{e}");
}

#[test]
fn a_thread_default_counter_serves_every_call_until_removed() {
    let g = JourneyGraph::from_journeys(&journeys(), 1).unwrap();
    let p = Arc::new(Progress::new());
    progress::set_thread_default(Some(p.clone()));
    prioritize_states(&g, 0.1).unwrap();
    assert!(p.snapshot().done > 0);
    p.cancel();
    assert!(matches!(prioritize_states(&g, 0.1), Err(Error::Cancelled { .. })));
    progress::rearm_thread_default();
    assert!(prioritize_states(&g, 0.1).is_ok());
    progress::set_thread_default(None);
    assert!(progress::current().is_none());
}

#[test]
fn segments_count_and_a_cancel_reaches_their_bootstraps() {
    use touchpoint_core::segment::Segments;
    let ev = demo::events(&demo::DemoOptions { customers: 1500, ..Default::default() }).unwrap();
    let (j, _) = Journeys::build(&ev, &JourneyOptions::default()).unwrap();
    let seg = Segments::by_first_touch(&ev, touchpoint_core::segment::SegmentAttribute::Stage).unwrap();
    let boot = BootstrapOptions { resamples: 40, seed: 1, level: 0.9 };
    let models = [AttributionModel::Linear];
    let run = || touchpoint_core::segmented::attribute_by_segment(&j, &seg, &models, &Default::default(), Some(&boot));
    let plain = run().unwrap();
    let (p, _) = recording(usize::MAX);
    let watched = progress::scope(&p, run).unwrap();
    assert_eq!(watched.table(), plain.table());
    let s = p.snapshot();
    assert_eq!((s.stage, s.done), ("segments", s.total));
    assert!(s.total >= 2);
    let (p, _) = recording(1);
    let e = progress::scope(&p, run).unwrap_err();
    assert!(matches!(e, Error::Cancelled { .. }), "{e}");
}
