"""Partials from Python: any partitioning, batch cut, row order and merge order give the same
bits; the results equal the single-machine ones; wire forms, pickling and errors."""

import pickle

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import touchpoint as tp
from touchpoint.partial import COLUMNS, Partial, PartialBuilder, PartialSpec

MODELS = ["first", "last", "linear", "position", "time_decay", "participation", "markov", "shapley",
          "ordered_shapley", "shapley_rate", "shao_li"]


def events(seed: int, customers: int = 120) -> pa.Table:
    """Seeded events with ties in time, converting touches and pure conversions."""
    rng = np.random.default_rng(seed)
    tps = np.array(["display", "email", "search", "social", "store"])
    n = rng.integers(1, 7, customers)
    cust = np.repeat([f"c{i:04d}" for i in range(customers)], n)
    gaps = rng.integers(0, 3, len(cust)) * 3_600_000 * rng.integers(0, 2, len(cust))  # many ties
    t = np.concatenate([np.cumsum(g) for g in np.split(gaps, np.cumsum(n)[:-1])]) + 1_700_000_000_000
    conv = rng.random(len(cust)) < 0.25
    tp_col = tps[rng.integers(0, len(tps), len(cust))].astype(object)
    tp_col[conv & (rng.random(len(cust)) < 0.5)] = None  # pure conversions
    value = np.where(conv, np.round(rng.random(len(cust)) * 100, 2), 0.0)
    scored = (rng.random(len(cust)) < 0.3) & np.array([x is not None for x in tp_col])
    feedback = np.where(scored, rng.integers(0, 11, len(cust)), np.nan)
    return pa.table({"customer_id": cust, "touchpoint": pa.array(tp_col, pa.string()),
                     "timestamp": pa.array(t, pa.timestamp("ms")), "converted": conv, "value": value,
                     "feedback": feedback})


def canonical(table: pa.Table) -> pa.Table:
    """Rows in the order a partial puts them (ties at one instant: touches before the
    conversion, then by touchpoint name, pure conversions last), which a single-machine build
    keeps as given."""
    import pyarrow.compute as pc

    keys = [("customer_id", "ascending", "at_end"), ("timestamp", "ascending", "at_end"),
            ("converted", "ascending", "at_end"), ("touchpoint", "ascending", "at_end"), ("value", "ascending", "at_end")]
    return table.take(pc.sort_indices(table, sort_keys=keys))


def spec(**kw) -> PartialSpec:
    return PartialSpec(["display", "email", "search", "social", "store"], MODELS, order=2, graph_orders=[1, 3],
                       paths=True, lookback="2d", experience=True, **kw)


def answers(p: Partial):
    a = p.attribute().to_arrow()
    g = [p.graph(k).transitions() for k in (1, 2, 3)]
    return a, [pa.table(x) for x in g], pa.table(p.path_table().to_arrow()), p.report, p.experience().to_arrow()


def partitioned(table: pa.Table, s: PartialSpec, parts: int, batch: int, seed: int) -> Partial:
    rng = np.random.default_rng(seed)
    cust = table["customer_id"].to_numpy(zero_copy_only=False)
    names = np.unique(cust)
    where = dict(zip(names, rng.integers(0, parts, len(names))))
    built = []
    for k in range(parts):
        rows = np.array([i for i, c in enumerate(cust) if where[c] == k], dtype=np.int64)
        rng.shuffle(rows)  # any row order (customers become non-contiguous: from_events groups them)
        built.append(Partial.from_events(table.take(rows), s, batch_rows=batch))
    rng.shuffle(built)
    while len(built) > 1:  # a random merge tree
        i = int(rng.integers(0, len(built) - 1))
        built[i:i + 2] = [built[i + 1] + built[i] if rng.random() < 0.5 else built[i] + built[i + 1]]
    return built[0]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), parts=st.integers(1, 6), batch=st.integers(1, 50), tree=st.integers(0, 10_000))
def test_partitions_batches_row_order_and_merge_trees_give_the_same_bits(seed, parts, batch, tree):
    table = events(seed)
    s = spec()
    one = Partial.from_events(table, s)
    many = partitioned(table, s, parts, batch, tree)
    assert many == one
    assert many.to_arrow().slice(1) == one.to_arrow().slice(1)  # every cell (row 0: fingerprint, parts)
    assert answers(many) == answers(one)


def test_equal_to_the_single_machine_run():
    table = canonical(events(42, customers=400))
    s = spec()
    p = Partial.from_events(table, s)
    j = tp.Journeys.from_events(table, lookback="2d")
    local = tp.compare(j, models=MODELS, order=2).to_pandas().set_index("touchpoint").sort_index()
    ours = p.attribute().to_pandas().set_index("touchpoint").sort_index()
    assert list(ours.columns) == list(local.columns)
    assert np.allclose(ours.to_numpy(), local.to_numpy(), rtol=1e-9, atol=1e-9)
    rep = dict(p.report)
    want = dict(j.report)
    assert abs(rep.pop("value_without_touches") - want.pop("value_without_touches")) < 1e-9
    assert rep == want
    g = tp.JourneyGraph(j, order=3)
    h = p.graph(3)
    assert (g.summary()["states"], g.summary()["transitions"]) == (h.summary()["states"], h.summary()["transitions"])
    key = ["source", "target"]
    a = pa.table(g.transitions()).to_pandas().sort_values(key).reset_index(drop=True)
    b = pa.table(h.transitions()).to_pandas().sort_values(key).reset_index(drop=True)
    assert (a["source"] == b["source"]).all() and (a["count"] == b["count"]).all()
    assert (a["dwell_count"] == b["dwell_count"]).all()
    pd.testing.assert_series_equal(a["dwell_mean"], b["dwell_mean"])
    assert np.allclose(a["probability"], b["probability"], rtol=1e-12)
    assert abs(g.conversion_probability - h.conversion_probability) < 1e-12
    want = tp.experience(table)
    assert pa.table(p.experience().to_arrow()) == pa.table(want.to_arrow())  # bit for bit
    paths = pa.table(tp.PathTable.from_journeys(j).to_arrow()).to_pandas().sort_values("path").reset_index(drop=True)
    ours = p.path_table().to_pandas().sort_values("path").reset_index(drop=True)
    assert (paths["path"] == ours["path"]).all() and (paths["conversions"] == ours["conversions"]).all()
    assert np.allclose(paths["value"], ours["value"], rtol=1e-12)


def test_batches_straddling_customers_and_every_string_flavour():
    table = events(7, customers=60)
    s = spec()
    one = Partial.from_events(table, s)
    for flavour in (pa.large_string(), pa.string_view()):
        t = table.cast(pa.schema([f.with_type(flavour) if f.type == pa.string() else f for f in table.schema]))
        assert Partial.from_events(t, s, batch_rows=3) == one
    dict_tp = table.set_column(1, "touchpoint", table["touchpoint"].dictionary_encode())
    assert Partial.from_events(dict_tp, s, batch_rows=5) == one
    # Spark's timestamps are microseconds with a zone
    us = table.set_column(2, "timestamp", table["timestamp"].cast(pa.timestamp("us", tz="UTC")))
    assert Partial.from_events(us, s, batch_rows=4) == one
    # a polars frame in, too
    pl = pytest.importorskip("polars")
    assert Partial.from_events(pl.from_arrow(table), s) == one


def test_wire_forms_and_pickling(tmp_path):
    table = events(3, customers=80)
    s = spec()
    half = table.num_rows // 2
    cut = next(i for i in range(half, table.num_rows) if table["customer_id"][i] != table["customer_id"][i - 1])
    a, b = Partial.from_events(table.slice(0, cut), s), Partial.from_events(table.slice(cut), s)
    merged = a + b
    # an engine: concatenate the sum tables, group by (kind, key), sum (min/max for dwell bounds)
    both = pa.concat_tables([a.to_arrow(), b.to_arrow()])
    aggs = [(c, "sum") for c in COLUMNS[2:-2]] + [("dwell_min", "min"), ("dwell_max", "max")]
    grouped = both.group_by(["kind", "key"]).aggregate(aggs)
    grouped = grouped.rename_columns([n.rsplit("_", 1)[0] if n.endswith(("_sum", "_min", "_max")) else n
                                      for n in grouped.column_names])
    assert Partial.from_arrow(s, grouped) == merged
    assert Partial.from_arrow(s, both) == merged  # equal keys are added on reading too
    t = merged.to_arrow()
    assert t.schema.metadata[b"touchpoint.partial.fingerprint"] == s.fingerprint.encode()
    assert t.column_names == list(COLUMNS)
    assert Partial.from_ipc(s, merged.to_ipc()) == merged
    assert Partial.from_bytes(merged.to_bytes()) == merged
    assert pickle.loads(pickle.dumps(merged)) == merged
    assert pickle.loads(pickle.dumps(s)) == s
    f = tmp_path / "shard.tpm"
    merged.save(f)
    assert Partial.load(f) == merged
    assert tp.model_info(merged.to_bytes())["kind"] == "partial"
    assert merged.parts == 2 and a.parts == 1 and Partial.empty(s).parts == 0
    assert Partial.empty(s) + a == a


def test_errors_name_the_problem():
    table = events(5, customers=20)
    s = spec()
    other = PartialSpec(["display", "email", "search", "social", "store", "tv"], MODELS, order=2)
    with pytest.raises(tp.IncompatibleError, match="vocabularies differ") as e:
        Partial.from_events(table, s) + Partial.from_events(table, other)
    assert e.value.kind == "incompatible"
    with pytest.raises(tp.IncompatibleError, match="fingerprint"):
        Partial.from_arrow(other, Partial.from_events(table, s).to_arrow())
    with pytest.raises(tp.UnknownTouchpointError, match="tv"):
        Partial.from_events(pa.table({"customer_id": ["a"], "touchpoint": ["tv"], "timestamp": [1]}), s)
    b = PartialBuilder(s)
    b.push(pa.table({"customer_id": ["a", "b"], "touchpoint": ["email", "email"], "timestamp": [1, 2]}))
    b.push(pa.table({"customer_id": ["a", "c"], "touchpoint": ["email", "email"], "timestamp": [3, 4]}))
    with pytest.raises(tp.InputError, match="row 0.*sort within partitions by customer"):
        b.finish()
    b = PartialBuilder(s)
    b.finish()
    with pytest.raises(tp.OptionError, match="already called"):
        b.finish()
    with pytest.raises(tp.OptionError, match="graph_orders"):
        Partial.from_events(table, s).graph(5)
    with pytest.raises(tp.ModelFileError):
        Partial.from_bytes(Partial.from_events(table, s).to_bytes()[:-3])
    with pytest.raises(tp.OptionError, match="order"):
        PartialSpec(["a"], ["markov"], order=0)
    bad = Partial.from_events(table, s).to_arrow()
    with pytest.raises(tp.InputError, match="int64"):
        Partial.from_arrow(s, bad.set_column(2, "n", bad["n"].cast(pa.float64())))
