"""The example notebook (examples/quickstart.ipynb) runs top to bottom in a fresh kernel, and
is stored without outputs."""

from __future__ import annotations

import pathlib
import time

import nbformat
from nbclient import NotebookClient

NOTEBOOK = pathlib.Path(__file__).resolve().parents[1] / "examples" / "quickstart.ipynb"


def test_notebook_is_stored_without_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "the notebook has code cells"
    for c in code:
        assert c.outputs == [] and c.execution_count is None, f"cell {c.get('id')} has stored output"
    source = "\n".join(c.source for c in code)
    assert 'conversion_event="purchase"' in source and "tp.report(" in source


def test_notebook_runs(tmp_path: pathlib.Path) -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    t0 = time.perf_counter()
    client.execute()  # raises CellExecutionError naming the cell on any error
    print(f"notebook executed in {time.perf_counter() - t0:.1f} s")
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o["data"]["text/html"] for o in outputs if o.output_type == "execute_result" and "text/html" in o["data"]]
    assert any('class="tp-report"' in h for h in html), "the report is displayed as HTML"
    figures = [o for o in outputs if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert len(figures) >= 3, "the attribution comparison, the graph drawing and the bar chart are displayed"
