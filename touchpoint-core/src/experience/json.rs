//! The serde form of [`SurveyTable`] (its JSON document, see
//! [`saved::json`](crate::saved::json)): the responses' columns with the customer and
//! touchpoint names they code into, read back checked.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::SurveyTable;
use crate::events::NO_TOUCHPOINT;
use crate::names::NameList;

#[derive(Serialize)]
struct Out<'a> {
    customers: &'a NameList,
    touchpoints: &'a NameList,
    customer: &'a [u32],
    time: &'a [i64],
    score: &'a [f64],
    touchpoint: &'a [u32],
}

#[derive(Deserialize)]
struct In {
    customers: NameList,
    touchpoints: NameList,
    customer: Vec<u32>,
    time: Vec<i64>,
    score: Vec<f64>,
    touchpoint: Vec<u32>,
}

impl Serialize for SurveyTable {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Out {
            customers: &self.customers,
            touchpoints: &self.touchpoints,
            customer: &self.customer,
            time: &self.time,
            score: &self.score,
            touchpoint: &self.touchpoint,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for SurveyTable {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let v = In::deserialize(d)?;
        let n = v.customer.len();
        if v.time.len() != n || v.score.len() != n || v.touchpoint.len() != n {
            return Err(D::Error::custom(format!(
                "the survey columns have different lengths: customer {n}, time {}, score {}, touchpoint {}",
                v.time.len(),
                v.score.len(),
                v.touchpoint.len()
            )));
        }
        if let Some(i) = v.customer.iter().position(|&c| c as usize >= v.customers.len()) {
            return Err(D::Error::custom(format!(
                "response {i}: customer code {} out of range ({} customers)",
                v.customer[i],
                v.customers.len()
            )));
        }
        if let Some(i) = v.touchpoint.iter().position(|&t| t != NO_TOUCHPOINT && t as usize >= v.touchpoints.len()) {
            return Err(D::Error::custom(format!(
                "response {i}: touchpoint code {} out of range ({} touchpoints)",
                v.touchpoint[i],
                v.touchpoints.len()
            )));
        }
        if let Some(i) = v.score.iter().position(|s| !s.is_finite()) {
            return Err(D::Error::custom(format!("response {i}: the score is not a finite number")));
        }
        Ok(SurveyTable {
            customers: v.customers,
            customer: v.customer,
            time: v.time,
            score: v.score,
            touchpoints: v.touchpoints,
            touchpoint: v.touchpoint,
        })
    }
}
