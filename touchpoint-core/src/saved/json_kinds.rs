//! The [`Document`] of every type with a JSON document (see [`json`](super::json)), one kind
//! per type.

use super::json::{Container, Document};
use crate::attribution::Credits;
use crate::catalog::Catalog;
use crate::error::Result;
use crate::events::{EventColumns, EventTable};
use crate::experience::{Consistency, Experience, ExperienceConversion, KeyDrivers, SurveyTable};
use crate::graph::intervals::GraphIntervals;
use crate::journey::Journeys;
use crate::journeymap::{Funnel, Repurchase, Retention, StepMatrix};
use crate::names::NameList;
use crate::optimize::{Curve, NextBest, ScoreSet, Scorer};
use crate::partial::{Partial, PartialSpec};
use crate::paths::PathTable;
use crate::persona::{Personas, PersonasDocument};
use crate::segmented::{SegmentAttribution, SegmentGraph};

crate::json_document! {
    PathTable => "path_table",
    Credits => "attribution",
    Funnel => "funnel",
    StepMatrix => "step_matrix",
    Retention => "retention",
    Repurchase => "repurchase",
    SurveyTable => "surveys",
    Experience => "experience",
    ExperienceConversion => "experience_conversion",
    Consistency => "consistency",
    SegmentAttribution => "segment_attribution",
    SegmentGraph => "segment_graph",
    GraphIntervals => "graph_intervals",
    NextBest => "next_best",
    Curve => "response_curve",
    Scorer => "scorer",
    ScoreSet => "scores",
}

impl Document for KeyDrivers {
    const KIND: &'static str = "key_drivers";
    type Out<'a> = crate::experience::drivers::KeyDriversDocument<'a>;
    type In = KeyDrivers;
    fn out(&self) -> Result<Self::Out<'_>> {
        Ok(self.document())
    }
    fn from_in(data: KeyDrivers) -> Result<Self> {
        data.checked()
    }
}

impl Document for Personas {
    const KIND: &'static str = "personas";
    type Out<'a> = PersonasDocument<'a>;
    type In = Personas;
    fn out(&self) -> Result<Self::Out<'_>> {
        Ok(self.document())
    }
    fn from_in(data: Personas) -> Result<Self> {
        data.checked()
    }
}

/// The events' columns, customers and touchpoints as codes into the names and the catalog
/// (pure conversions have the touchpoint code `4294967295`); feedback `null` where a row has
/// no score.
#[derive(serde::Serialize)]
pub struct EventsOut<'a> {
    catalog: &'a Catalog,
    customer_names: &'a NameList,
    customer: &'a [u32],
    touchpoint: &'a [u32],
    time: &'a [i64],
    converted: &'a [bool],
    value: &'a [f64],
    feedback: Option<Vec<Option<f64>>>,
}

/// What [`EventsOut`] writes, read back.
#[derive(serde::Deserialize)]
pub struct EventsIn {
    catalog: Catalog,
    customer_names: Vec<String>,
    customer: Vec<u32>,
    touchpoint: Vec<u32>,
    time: Vec<i64>,
    converted: Vec<bool>,
    value: Vec<f64>,
    feedback: Option<Vec<Option<f64>>>,
}

impl Document for EventTable {
    const KIND: &'static str = "events";
    type Out<'a> = EventsOut<'a>;
    type In = EventsIn;
    fn out(&self) -> Result<EventsOut<'_>> {
        Ok(EventsOut {
            catalog: self.catalog(),
            customer_names: self.customer_names(),
            customer: self.customers(),
            touchpoint: self.touchpoints(),
            time: self.times(),
            converted: self.converted(),
            value: self.values(),
            feedback: self.feedback().map(|f| f.iter().map(|&x| (!x.is_nan()).then_some(x as f64)).collect()),
        })
    }
    fn from_in(d: EventsIn) -> Result<Self> {
        // the columns are checked as any caller's are (lengths, codes, values, scores)
        EventTable::from_columns(EventColumns {
            catalog: d.catalog,
            customer_names: d.customer_names,
            customer: d.customer,
            touchpoint: d.touchpoint,
            time: d.time,
            converted: d.converted,
            value: d.value,
            feedback: d
                .feedback
                .map_or_else(Vec::new, |f| f.into_iter().map(|x| x.map_or(f32::NAN, |v| v as f32)).collect()),
        })
    }
}

impl Document for Journeys {
    const KIND: &'static str = "journeys";
    type Out<'a> = Container;
    type In = Container;
    fn out(&self) -> Result<Container> {
        Ok(Container::of(&self.to_bytes()))
    }
    fn from_in(c: Container) -> Result<Self> {
        Journeys::from_bytes(&c.bytes(Self::KIND)?)
    }
}

impl Document for Partial {
    const KIND: &'static str = "partial";
    type Out<'a> = Container;
    type In = Container;
    fn out(&self) -> Result<Container> {
        Ok(Container::of(&self.to_bytes()))
    }
    fn from_in(c: Container) -> Result<Self> {
        Partial::from_bytes(&c.bytes(Self::KIND)?)
    }
}

impl Document for PartialSpec {
    const KIND: &'static str = "partial_spec";
    type Out<'a> = Container;
    type In = Container;
    fn out(&self) -> Result<Container> {
        Ok(Container::of(&Partial::empty(self).to_bytes()))
    }
    fn from_in(c: Container) -> Result<Self> {
        Ok(Partial::from_bytes(&c.bytes(Self::KIND)?)?.spec().clone())
    }
}

#[cfg(test)]
mod tests {
    use super::super::json::{from_json, kind_of, to_json};
    use super::*;
    use crate::ErrorKind;
    use crate::journeymap::{self, FunnelMode, FunnelOptions, RetentionOptions, Step, StepMatrixOptions};

    fn events() -> EventTable {
        crate::demo::events(&crate::demo::DemoOptions { customers: 300, seed: 3, ..Default::default() }).unwrap()
    }

    /// Write, read back, write again: equal objects and equal text.
    fn round_trip<T: Document + PartialEq + std::fmt::Debug>(x: &T) -> String {
        let doc = to_json(x).unwrap();
        let back: T = from_json(&doc).unwrap();
        assert_eq!(&back, x);
        assert_eq!(to_json(&back).unwrap(), doc);
        assert_eq!(kind_of(&doc).unwrap(), (T::KIND.to_owned(), T::VERSION));
        doc
    }

    #[test]
    fn journey_map_results_round_trip() {
        let ev = events();
        let f = journeymap::funnel(
            &ev,
            &FunnelOptions {
                steps: vec![Step::Touchpoint(ev.catalog().names()[0].clone()), Step::Conversion],
                mode: FunnelMode::Ordered,
                ..Default::default()
            },
            None,
        )
        .unwrap();
        let doc = round_trip(&f);
        assert!(doc.starts_with(r#"{"kind":"funnel","version":1,"library_version":""#), "{doc}");
        round_trip(&journeymap::step_matrix(&ev, &StepMatrixOptions::default(), None).unwrap());
        round_trip(&journeymap::retention(&ev, &RetentionOptions::default(), None).unwrap());
        round_trip(&journeymap::repurchase(&ev, &RetentionOptions::default(), None).unwrap());
    }

    #[test]
    fn data_round_trips() {
        let ev = events();
        let doc = to_json(&ev).unwrap();
        let back: EventTable = from_json(&doc).unwrap();
        assert_eq!(to_json(&back).unwrap(), doc);
        assert_eq!(back.customer_names(), ev.customer_names());
        assert_eq!(back.feedback().map(|f| f.len()), ev.feedback().map(|f| f.len()));
        let (j, _) = Journeys::build(&ev, &Default::default()).unwrap();
        round_trip(&j);
        round_trip(&PathTable::from_journeys(&j));
    }

    #[test]
    fn other_kinds_and_damage_are_model_file_errors() {
        let ev = events();
        let p = PathTable::from_journeys(&Journeys::build(&ev, &Default::default()).unwrap().0);
        let doc = to_json(&p).unwrap();
        let err = from_json::<Funnel>(&doc).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ModelFile);
        let msg = err.to_string();
        assert!(msg.contains("\"path_table\"") && msg.contains("\"funnel\""), "{msg}");
        let newer = doc.replacen("\"version\":1", "\"version\":99", 1);
        let err = from_json::<PathTable>(&newer).unwrap_err();
        assert!(err.to_string().contains("newer"), "{err}");
        for bad in ["", "[]", "{\"version\": 1}", &doc[..doc.len() / 2]] {
            assert_eq!(from_json::<PathTable>(bad).unwrap_err().kind(), ErrorKind::ModelFile, "{bad}");
        }
        let err = from_json::<PathTable>(&doc.replacen("\"offsets\"", "\"offsetz\"", 1)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ModelFile);
        assert!(err.to_string().contains("offsets"), "{err}");
        // a damaged container is the container's error
        let j = to_json(&Journeys::build(&ev, &Default::default()).unwrap().0).unwrap();
        let at = j.find("\"container\":\"").unwrap() + 40;
        let mut damaged = j.clone().into_bytes();
        damaged[at] = if damaged[at] == b'A' { b'B' } else { b'A' };
        let err = from_json::<Journeys>(std::str::from_utf8(&damaged).unwrap()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ModelFile, "{err}");
    }
}
