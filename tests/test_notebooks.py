"""The notebooks in notebooks/ run top to bottom (issue 4), and are committed without outputs.

Each runs in a fresh Jupyter kernel (nbclient, the ``python3`` kernel of this environment:
ipykernel is in the ``dev`` and ``notebook`` extras) with notebooks/ as its working directory.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = ["quickstart", "compare-plans", "write-a-pattern"]


def test_the_notebooks_are_there():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_committed_without_outputs(name):
    nb = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, \
                f"{name}: clear the outputs before committing (jupyter nbconvert --clear-output --inplace)"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs(name, monkeypatch):
    nbformat = pytest.importorskip("nbformat", reason="pip install -e '.[notebook]'")
    nbclient = pytest.importorskip("nbclient", reason="pip install -e '.[notebook]'")
    pytest.importorskip("ipykernel", reason="pip install -e '.[notebook]'")
    pytest.importorskip("pandas", reason="pip install -e '.[notebook]'")
    pytest.importorskip("matplotlib", reason="pip install -e '.[notebook]'")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.delenv("TERMS_SCAN_PATTERNS", raising=False)
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()  # raises CellExecutionError, with the cell and the traceback, on an error
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    if name == "quickstart":  # the report showed as HTML
        assert any("terms-scan-report" in o.get("data", {}).get("text/html", "") for o in outputs)
    if name == "compare-plans":  # the chart was drawn
        assert any("image/png" in o.get("data", {}) for o in outputs)
