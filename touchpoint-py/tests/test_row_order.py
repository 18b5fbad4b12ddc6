"""Results do not depend on the order of the rows: the demo events, with times cut to whole days
(so many events share an instant) and shuffled, give bit-identical journeys, credits of every
model, journey graphs of orders 1 and 2 with all their tables, and bootstrap intervals."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import touchpoint as tp

MODELS = ["first", "last", "last_non_direct", "linear", "position", "j_shaped", "inverse_j", "time_decay",
          "participation", "markov", "shapley", "ordered_shapley", "shapley_rate", "shao_li"]


def _events(seed: int) -> pd.DataFrame:
    ev = tp.demo.events(customers=50, seed=seed)
    ev["timestamp"] = ev["timestamp"].dt.floor("D")
    return ev


def _everything(ev: pd.DataFrame) -> list:
    j = tp.Journeys.from_events(ev)
    out = [j.to_pandas(), tp.compare(j, models=MODELS).to_pandas(),
           tp.compare(j, models=["linear", "markov"], bootstrap=20, seed=3).to_pandas()]
    for order in (1, 2):
        g = tp.JourneyGraph(j, order=order)
        out += [g.transitions(), g.nodes(), g.removal_effects(), g.sensitivities(), g.top_paths(5),
                pd.DataFrame([g.summary()]), g.to_dot(), g.to_json()]
    return out


def _same(a, b) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    else:
        assert a == b


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), shuffle=st.randoms(use_true_random=False))
def test_shuffled_rows_give_bit_identical_results(seed, shuffle):
    ev = _events(seed)
    order = list(range(len(ev)))
    shuffle.shuffle(order)
    base = _everything(ev)
    moved = _everything(ev.iloc[order].reset_index(drop=True))
    assert len(base) == len(moved)
    for a, b in zip(base, moved):
        _same(a, b)
