//! The marginal sensitivity of the conversion probability to every transition probability of
//! the absorbing chain: `∂P(conversion)/∂Q_kl = v_k · b_l`, with `v_k` the expected visits to
//! `k` per journey and `b_l` the conversion probability from `l` (1 for `Conversion`, 0 for
//! `Null`); two linear solves for all transitions.

use petgraph::visit::EdgeRef;

use super::absorbing::Chain;
use super::{CONVERSION, JourneyGraph, NULL};
use crate::error::Result;

crate::row_struct! {
    /// The sensitivity of P(conversion) to one transition probability
    /// ([`JourneyGraph::sensitivities`]).
    #[derive(Clone, PartialEq)]
    pub struct Sensitivity {
        /// Label of the state the transition leaves.
        pub source: String,
        /// Label of the state it enters (or `(conversion)`).
        pub target: String,
        /// Node index of `source`.
        pub source_id: usize,
        /// Node index of `target`.
        pub target_id: usize,
        /// `∂P(conversion)/∂Q(source→target)`.
        pub sensitivity: f64,
    }
}

impl JourneyGraph {
    /// Marginal sensitivity `∂P(conversion)/∂Q_kl = v_k · b_l` of every transition between
    /// transient states and into `Conversion`, one [`Sensitivity`] per transition.
    ///
    /// Complexity: two linear solves on the chain, then one pass over the transitions.
    pub fn sensitivities(&self) -> Result<Vec<Sensitivity>> {
        let c = Chain::new(self);
        let b = c.solve_backward(&c.r_conv, None)?;
        let mut e = vec![0.0; c.nodes.len()];
        e[0] = 1.0;
        let v = c.solve_forward(&e)?;
        let mut out = Vec::new();
        for edge in self.graph().edge_references() {
            let (k, l) = (edge.source().index(), edge.target().index());
            let tk = c.pos[k];
            if tk == u32::MAX {
                continue;
            }
            let bl = match l {
                CONVERSION => 1.0,
                NULL => 0.0,
                _ => b[c.pos[l] as usize],
            };
            let label = |i: usize| self.graph()[petgraph::graph::NodeIndex::new(i)].label.clone();
            out.push(Sensitivity {
                source: label(k),
                target: label(l),
                source_id: k,
                target_id: l,
                sensitivity: v[tk as usize] * bl,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::absorbing::lu_solve;
    use crate::graph::testing::{random_table, resolve};

    #[test]
    fn sensitivity_matches_finite_differences() {
        let g = JourneyGraph::from_paths(&random_table(11), 1).unwrap();
        let c = Chain::new(&g);
        let base = resolve(&c, usize::MAX, 1.0, &c.r_conv);
        let eps = 1e-7;
        for Sensitivity { source_id: k, target_id: l, sensitivity: sens, .. } in g.sensitivities().unwrap() {
            let tk = c.pos[k] as usize;
            // perturb Q_kl (or r_k when l is Conversion) by eps, nothing else
            let m = c.nodes.len();
            let mut a = vec![0.0; m * m];
            let mut rhs = c.r_conv.clone();
            for i in 0..m {
                a[i * m + i] = 1.0;
                for e in c.succ.ptr[i]..c.succ.ptr[i + 1] {
                    a[i * m + c.succ.col[e] as usize] -= c.succ.coef[e];
                }
            }
            match l {
                CONVERSION => rhs[tk] += eps,
                NULL => continue,
                _ => a[tk * m + c.pos[l] as usize] -= eps,
            }
            lu_solve(&mut a, &mut rhs, m).unwrap();
            let fd = (rhs[0] - base) / eps;
            assert!((fd - sens).abs() < 1e-5, "{k}->{l}: fd {fd} vs {sens}");
        }
    }
}
