"""Long operations report progress to a callback from the core, show a tqdm bar by default,
and stop cleanly on Ctrl-C or when the callback says so."""

from __future__ import annotations

import os
import signal
import threading

import pytest

import touchpoint as tp
from touchpoint._util import _Bar


@pytest.fixture(scope="module")
def graph() -> tp.JourneyGraph:
    return tp.JourneyGraph(tp.Journeys.from_events(tp.Events.demo(customers=3000)), order=3)


def test_the_callback_sees_every_state_and_the_result_is_unchanged(graph: tp.JourneyGraph) -> None:
    seen = []
    rows = graph.prioritize(0.2, by="state", progress=lambda stage, done, total: seen.append((stage, done, total)))
    assert rows.equals(graph.prioritize(0.2, by="state", progress=False))
    stage, done, total = seen[-1]
    assert (stage, done) == ("states", total) and total == len(rows) + 1
    assert all(a[1] <= b[1] for a, b in zip(seen, seen[1:])), "counts never go back"


def test_a_callback_returning_false_cancels(graph: tp.JourneyGraph) -> None:
    with pytest.raises(tp.CancelledError, match="cancelled while counting states") as info:
        graph.prioritize(0.2, by="state", progress=lambda *_: False)
    assert info.value.kind == "cancelled"
    paths = tp.PathTable.from_records([("a > b", 30, 50, 0), ("b", 10, 90, 0)] * 3)
    with pytest.raises(tp.CancelledError, match="resamples"):
        tp.graph_intervals(paths, bootstrap=50, progress=lambda *_: False)


def test_the_callbacks_own_exception_propagates(graph: tp.JourneyGraph) -> None:
    def boom(stage: str, done: int, total: int) -> None:
        raise RuntimeError("from the callback")

    with pytest.raises(RuntimeError, match="from the callback"):
        graph.prioritize(0.2, by="state", progress=boom)


def test_ctrl_c_stops_a_long_bootstrap_part_way() -> None:
    journeys = tp.Journeys.from_events(tp.Events.demo(customers=20_000))
    seen = []
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            tp.graph_intervals(journeys, order=2, bootstrap=100_000, seed=1,
                               progress=lambda stage, done, total: seen.append((done, total)))
    finally:
        timer.cancel()
    done, total = seen[-1]
    assert total == 100_000 and done < total, "stopped part way, not after the last resample"
    # the library is usable at once afterwards
    assert len(tp.graph_intervals(journeys, bootstrap=20, seed=1).to_pandas()) > 0


def test_progress_true_draws_a_tqdm_bar_per_stage() -> None:
    pytest.importorskip("tqdm")  # tqdm is optional for users; the test venv has it
    bar = _Bar("work")
    bar("states", 0, 10)
    bar("states", 4, 10)
    assert (bar.bar.n, bar.bar.total) == (4, 10)
    first = bar.bar
    bar("resamples", 1, 200)  # a new stage: a new bar
    assert bar.bar is not first and (bar.bar.n, bar.bar.total) == (1, 200)
    bar.close()
    assert bar.bar is None


def test_progress_rejects_other_values(graph: tp.JourneyGraph) -> None:
    with pytest.raises(tp.InputTypeError, match="progress = 'yes'"):
        graph.prioritize(progress="yes")


def test_segments_count_and_a_cancel_reaches_their_bootstraps() -> None:
    events = tp.Events.demo(customers=1500)
    seen = []
    res = tp.attribute_by_segment(events, "first_stage", models=["linear"], bootstrap=40,
                                  progress=lambda stage, done, total: seen.append((stage, done, total)))
    stage, done, total = seen[-1]
    assert stage == "segments" and done == total >= len(set(res.to_pandas()["segment"])) > 1
    with pytest.raises(tp.CancelledError, match="resamples|segments"):
        tp.attribute_by_segment(events, "first_stage", models=["linear"], bootstrap=400, progress=lambda *_: False)
