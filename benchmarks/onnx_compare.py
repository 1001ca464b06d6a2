"""What a Caffe -> ONNX converter is checked against: the fixtures' real-Caffe outputs.

A *case* is a folder made by real Caffe (``fixtures/``, ``fixtures/zoo/``,
``fixtures/fork_layers/``) with ``deploy.prototxt``, ``net.caffemodel``, ``input.npy`` and
``activations.json``/``activations.npz``: Caffe's own forward pass, one record per layer.
The outputs are those of ``deploy.prototxt`` (the blobs no layer reads, as Caffe reports
a net's outputs); the value of each is the record of the last layer that wrote it.

:func:`check_outputs` sets what ONNX Runtime computed beside those values: an output
matches when its shape is Caffe's and its largest absolute difference is at most
:data:`RTOL` times the largest magnitude of Caffe's blob.  Nothing is fixed up: no
reshaping, no reordering of values; an integer output (e.g. ArgMax indices, which Caffe
stores as float32) is compared by value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

#: Agreement required with Caffe's recorded float32 output, relative to the blob's
#: magnitude: max |onnx - caffe| <= RTOL * max |caffe|.
RTOL = 1e-5

# Results of a case, most severe last: the worst over the outputs is the case's.
MATCHES = "matches"
WRONG_VALUES = "wrong values"
WRONG_SHAPE = "wrong shape"
MISSING_OUTPUT = "missing output"
ORT_REFUSES = "ORT refuses"
CONVERTER_FAILS = "converter fails"
#: The results in report order; the first is the only success.
RESULTS = (MATCHES, WRONG_VALUES, WRONG_SHAPE, MISSING_OUTPUT, ORT_REFUSES, CONVERTER_FAILS)

#: The suites of cases, in report order: (folder under fixtures/, label).
SUITES = (("", "BatchNorm cases"), ("zoo", "layer zoo"), ("fork_layers", "fork layers"))


@dataclass(frozen=True)
class Case:
    """A fixture folder made by real Caffe; ``name`` is its path under ``fixtures/``."""

    name: str
    folder: Path
    suite: str

    @property
    def deploy(self) -> Path:
        return self.folder / "deploy.prototxt"

    @property
    def model(self) -> Path:
        return self.folder / "net.caffemodel"

    @property
    def input(self) -> Path:
        return self.folder / "input.npy"

    def meta(self) -> dict[str, object]:
        return json.loads((self.folder / "activations.json").read_text())  # type: ignore[no-any-return]

    def input_blob(self) -> str:
        return str(self.meta().get("input_blob", "data"))

    def outputs(self) -> list[str]:
        """The output blobs of the net every converter is given: those of
        ``deploy.prototxt``'s graph (blobs no layer reads).

        ``outputs`` of ``activations.json`` lists those of the net Caffe ran, which is
        another net where a fork layer that Caffe lacks was recorded through stand-ins
        (``caffe_deploy.prototxt``): a stand-in may read fewer bottoms, so a blob that
        ``deploy.prototxt`` reads can be an output there (``stand_in_layers``:
        ``interp_hw``, which the Interp ``interp_ref`` reads for its size).  Every blob of
        ``deploy.prototxt`` still has Caffe's record (a stand-in carries the layer's name
        and top)."""
        return graph_outputs(self.deploy)

    def listed_outputs(self) -> list[str] | None:
        """``outputs`` of ``activations.json``: the outputs of the net Caffe ran, or None
        where the case does not list them (the BatchNorm cases)."""
        listed = self.meta().get("outputs")
        return [str(b) for b in listed] if isinstance(listed, list) else None

    def reference(self) -> dict[str, np.ndarray]:
        """Caffe's value of every output blob: the record of the last layer that wrote it."""
        records = self.meta()["layers"]
        assert isinstance(records, list)
        wanted = self.outputs()
        found: dict[str, str] = {}
        for record in records:
            for blob, key in zip(record["tops"], record["keys"], strict=True):
                if blob in wanted:
                    found[blob] = key
        missing = [b for b in wanted if b not in found]
        if missing:
            raise ValueError(f"{self.name}: no layer record writes output blob(s) {', '.join(missing)}")
        with np.load(self.folder / "activations.npz") as arrays:
            return {blob: arrays[found[blob]] for blob in wanted}


def graph_outputs(deploy: Path) -> list[str]:
    """The output blobs of a deploy net (no layer reads them, no later layer rewrites
    them), in the order they are written."""
    from caffe2trt_bn.ir.graph import build_graph
    from caffe2trt_bn.io.prototxt import parse_file

    graph = build_graph(parse_file(deploy))
    return [v.blob for layer in graph.layers for v in layer.outputs if graph.is_net_output(v)]


def find_cases(fixtures: Path) -> list[Case]:
    """Every case of the three suites, in suite order then by name."""
    cases = []
    for suite, _ in SUITES:
        base = fixtures / suite if suite else fixtures
        for folder in sorted(p for p in base.iterdir() if p.is_dir()):
            files = ("deploy.prototxt", "net.caffemodel", "input.npy", "activations.json", "activations.npz")
            if all((folder / f).is_file() for f in files):
                cases.append(Case(folder.relative_to(fixtures).as_posix(), folder, suite))
    return cases


@dataclass
class OutputCheck:
    """One Caffe output blob against what the ONNX model computed."""

    blob: str
    result: str
    onnx_name: str | None = None
    error: float | None = None
    detail: str = ""


def relative_error(got: np.ndarray, ref: np.ndarray) -> float:
    """max |got - ref| / max |ref| in float64; NaN anywhere counts as an infinite error,
    and an all-zero reference as 0 only when ``got`` is exactly zero too."""
    diff = np.abs(got.astype(np.float64) - ref.astype(np.float64))
    if diff.size == 0:
        return 0.0
    if np.isnan(diff).any():
        return float("inf")
    top = float(np.max(np.abs(ref.astype(np.float64))))
    worst = float(np.max(diff))
    if top == 0.0:
        return 0.0 if worst == 0.0 else float("inf")
    return worst / top


def pair_outputs(blobs: list[str], onnx_names: list[str]) -> dict[str, str]:
    """Caffe output blob -> ONNX graph output, by name; when exactly one blob and one
    graph output are left unpaired, they are paired (converters rename an output written
    in place, since an ONNX value has one producer)."""
    pairs = {b: b for b in blobs if b in onnx_names}
    left_blobs = [b for b in blobs if b not in pairs]
    left_names = [n for n in onnx_names if n not in pairs.values()]
    if len(left_blobs) == 1 and len(left_names) == 1:
        pairs[left_blobs[0]] = left_names[0]
    return pairs


def check_output(blob: str, ref: np.ndarray, name: str | None, got: np.ndarray | None) -> OutputCheck:
    """The result of one output blob (``name``/``got``: the paired ONNX output, if any)."""
    if name is None or got is None:
        return OutputCheck(blob, MISSING_OUTPUT, detail="no ONNX output of that name")
    renamed = "" if name == blob else f" (ONNX output {name!r})"
    if tuple(got.shape) != tuple(ref.shape):
        same = got.size == ref.size and relative_error(got.reshape(ref.shape), ref) <= RTOL
        detail = f"{tuple(got.shape)} instead of {tuple(ref.shape)}{renamed}"
        return OutputCheck(blob, WRONG_SHAPE, name, None, detail + ("; the values match" if same else ""))
    err = relative_error(got, ref)
    result = MATCHES if err <= RTOL else WRONG_VALUES
    return OutputCheck(blob, result, name, err, f"error {err:.1e}{renamed}")


def check_outputs(reference: dict[str, np.ndarray], produced: dict[str, np.ndarray]) -> list[OutputCheck]:
    """Every Caffe output blob of ``reference`` (in its order) against the ONNX model's
    graph outputs ``produced`` (name -> value, in graph order)."""
    pairs = pair_outputs(list(reference), list(produced))
    checks = []
    for blob, ref in reference.items():
        name = pairs.get(blob)
        checks.append(check_output(blob, ref, name, produced.get(name) if name else None))
    return checks


@dataclass
class CaseResult:
    """A converter on a case: the result, a one-line detail, and each output's check."""

    result: str
    detail: str = ""
    checks: list[OutputCheck] = field(default_factory=list)
    opset: int | None = None

    @classmethod
    def from_checks(cls, checks: list[OutputCheck], opset: int | None = None) -> CaseResult:
        """The worst result over the outputs; the detail names the outputs that do not
        match (all of them when none does) with their error or shapes."""
        worst = max(checks, key=lambda c: RESULTS.index(c.result)).result
        bad = [c for c in checks if c.result != MATCHES]
        if not bad:
            return cls(MATCHES, "", checks, opset)
        parts = [f"{c.blob}: {c.detail}" if c.result == worst else f"{c.blob}: {c.result}" for c in bad]
        head = f"{len(checks) - len(bad)} of {len(checks)} outputs match; " if len(checks) > 1 else ""
        return cls(worst, head + "; ".join(parts), checks, opset)
