"""The built-in demo dataset: seeded, realistic omnichannel journeys (12 touchpoints across
online, offline, service and cross-channel contacts, with costs, values, repeat buyers and
NPS scores on some touches)."""

from __future__ import annotations

from typing import Any

from touchpoint import _frames
from touchpoint import _touchpoint as _native


def events(customers: int = 5_000, seed: int = 7, *, backend: str = "pandas") -> Any:
    """The demo events as a DataFrame: customer_id, touchpoint, timestamp (UTC), converted,
    value, feedback. The same seed gives the same rows.

    Examples
    --------
    >>> import touchpoint as tp
    >>> df = tp.demo.events(customers=100, seed=7)
    >>> list(df.columns)
    ['customer_id', 'touchpoint', 'timestamp', 'converted', 'value', 'feedback']
    >>> df.equals(tp.demo.events(customers=100, seed=7))
    True
    """
    return _frames.to_backend(_native.PyEvents.demo(customers, seed).to_table(), backend)


def report(customers: int = 5_000, seed: int = 7, *, order: int = 1, lookback_days: int = 30) -> str:
    """The text report `make demo` prints, for the demo dataset."""
    return _native.demo_report(customers=customers, seed=seed, order=order, lookback_days=lookback_days)


def catalog(*, backend: str = "pandas") -> Any:
    """The demo touchpoint catalog: touchpoint, channel, stage, cost, direct, paid.

    Examples
    --------
    >>> import touchpoint as tp
    >>> cat = tp.demo.catalog()
    >>> sorted(cat["channel"].unique())
    ['cross_channel', 'offline', 'online', 'service']
    """
    import json

    records = json.loads(_native.PyEvents.demo_catalog_json())
    cols = {k: [r.get(k) for r in records] for k in ("name", "channel", "stage", "cost", "direct", "paid")}
    cols["touchpoint"] = cols.pop("name")
    order = ["touchpoint", "channel", "stage", "cost", "direct", "paid"]
    return _frames.from_columns({k: cols[k] for k in order}, backend)
