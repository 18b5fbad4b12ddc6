//! Test-only chains shared by the tests of the absorbing-chain analyses (sensitivities,
//! drop-off priorities): seeded random path tables and a dense re-solve to check against.

use super::absorbing::Chain;
use crate::paths::PathTable;

pub(crate) fn random_table(seed: u64) -> PathTable {
    let mut s = seed;
    let mut next = move |m: u64| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s % m
    };
    let mut p = PathTable::default();
    for _ in 0..40 {
        let len = 1 + next(6) as usize;
        let names: Vec<String> = (0..len).map(|_| format!("t{}", next(7))).collect();
        let c = next(4) as f64;
        p.add_names(&names, c, 1.0 + next(4) as f64, c * 7.0).unwrap();
    }
    p
}

/// P(conversion) after scaling row k's non-null exits by s, by re-solving the modified chain.
pub(crate) fn resolve(c: &Chain, k: usize, s: f64, rewards: &[f64]) -> f64 {
    let m = c.nodes.len();
    // build x = r' + Q' x by Gauss–Seidel-free dense LU on the small test chains
    let mut a = vec![0.0; m * m];
    let mut rhs = rewards.to_vec();
    for i in 0..m {
        a[i * m + i] = 1.0;
        let scale = if i == k { s } else { 1.0 };
        let (lo, hi) = (c.succ.ptr[i], c.succ.ptr[i + 1]);
        for e in lo..hi {
            a[i * m + c.succ.col[e] as usize] -= scale * c.succ.coef[e];
        }
        rhs[i] *= scale;
    }
    crate::graph::absorbing::lu_solve(&mut a, &mut rhs, m).unwrap();
    rhs[0]
}
