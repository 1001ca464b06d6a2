"""Whole-network Caffe -> ONNX export for TensorRT's ONNX parser (TensorRT 8.6 to 11).

:func:`to_onnx` reads the deploy prototxt and the caffemodel, converts every layer in
Caffe's execution order (:mod:`.context`, one converter per layer type registered in
:mod:`.registry`, grouped by family under :mod:`.converters`) and writes the model with
its weights streamed from the caffemodel's memory map (:mod:`.writer`).

* Graph inputs are the net's inputs, graph outputs the blobs no layer reads (plus
  ``outputs``), named exactly as the Caffe blobs.
* Every shape is Caffe's, computed by the converters with Caffe's formulas; the ONNX
  is written so that every runtime computes the same thing (pooling, notably).
* Only ops TensorRT's ONNX parser documents (:mod:`.trt_ops`); weights as initializers.
* BatchNorm groups (``bn``): ``fold`` folds them into their producers exactly as
  ``caffe-bn-merge fold`` does (same float32 numbers), else one Mul + Add each;
  ``scale`` always Mul + Add; ``keep`` ONNX BatchNormalization with the statistics
  already divided by Caffe's moving-average factor (Scale/Bias then Mul/Add).
* A layer type without converter or a field that cannot be converted exactly is an
  error listing every such layer (file, line, layer, field); nothing is written.

The export needs no ``onnx`` package (:mod:`.proto` encodes the messages); the ``onnx``
extra (onnx, onnxruntime) is for ``--verify`` and for checking models.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ... import policy
from ...errors import Caffe2TrtError, Diagnostic, GraphError, enforce_strict
from ...ir.forks import FORKS, ForkSemantics
from .context import BN_MODES, SSD_HEADS, ConversionError, ExportOptions
from .trt_ops import DEFAULT_OPSET, MAX_OPSET, MIN_OPSET

__all__ = [
    "BN_MODES",
    "DEFAULT_OPSET",
    "FORKS",
    "MAX_OPSET",
    "MIN_OPSET",
    "SSD_HEADS",
    "ConversionError",
    "ExportOptions",
    "OnnxReport",
    "export_net",
    "to_onnx",
]

Shape = tuple[int, ...]
#: A graph output's declared shape: a data-dependent axis is its symbolic name.
DeclaredShape = tuple[int | str, ...]


@dataclass
class OnnxReport:
    """What :func:`to_onnx` wrote.

    ``inputs``/``outputs``: graph inputs and outputs with their (Caffe) shapes;
    ``ops``: node count per ONNX op; ``groups``: what became of each BatchNorm group
    (``action`` ``folded`` into a producer, or ``scale``: a Mul + Add; empty with
    ``bn="keep"``); ``notes``: naming decisions worth knowing; ``fork_semantics``: the
    fork whose semantics each disputed layer follows (as ``inspect`` lists them).
    """

    path: Path
    opset: int
    bn: str
    inputs: list[tuple[str, Shape]]
    outputs: list[tuple[str, DeclaredShape]]
    nodes: int
    ops: dict[str, int]
    initializers: int
    weight_bytes: int
    bytes: int
    groups: list[dict[str, object]] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dynamic_batch: bool = False
    #: The ``fork`` and ``ssd_head`` options the model was exported with.
    fork: tuple[str, ...] = ()
    ssd_head: str = "decode"
    #: Whose semantics each layer the forks disagree on follows, and why
    #: (:func:`caffe2trt_bn.ir.forks.fork_semantics`), in execution order.
    fork_semantics: list[ForkSemantics] = field(default_factory=list)
    #: Caffe blob version (``blob``, or ``blob#k`` for its k-th rewrite) -> ONNX tensor name.
    tensors: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {
            "output": str(self.path),
            "opset": self.opset,
            "bn": self.bn,
            "dynamic_batch": self.dynamic_batch,
            "fork": list(self.fork),
            "ssd_head": self.ssd_head,
            "fork_semantics": [s.to_json() for s in self.fork_semantics],
            "inputs": [{"name": n, "shape": list(s)} for n, s in self.inputs],
            "outputs": [{"name": n, "shape": list(s)} for n, s in self.outputs],
            "nodes": self.nodes,
            "ops": dict(self.ops),
            "initializers": self.initializers,
            "weight_bytes": self.weight_bytes,
            "bytes": self.bytes,
            "groups": list(self.groups),
            "notes": list(self.notes),
            "warnings": [d.to_json() for d in self.diagnostics],
        }


def _shape_options(input_shape: object) -> tuple[tuple[str | None, Shape], ...]:
    """``input_shape`` as given to :func:`to_onnx`: None, one shape, or blob -> shape."""
    if input_shape is None:
        return ()
    if isinstance(input_shape, Mapping):
        return tuple((str(k) if k is not None else None, tuple(int(d) for d in v)) for k, v in input_shape.items())
    if isinstance(input_shape, Sequence) and not isinstance(input_shape, str):
        return ((None, tuple(int(d) for d in input_shape)),)
    raise Caffe2TrtError(f"input_shape must be a shape or a mapping of blob to shape, not {input_shape!r}")


@policy.entry_point
def to_onnx(
    prototxt: str | Path,
    caffemodel: str | Path,
    path: str | Path,
    *,
    opset: int = DEFAULT_OPSET,
    bn: str = "fold",
    input_shape: Sequence[int] | Mapping[str, Sequence[int]] | None = None,
    dynamic_batch: bool = False,
    outputs: Sequence[str] = (),
    strict: bool = False,
    fork: str | Sequence[str] = (),
    ssd_head: str = "decode",
) -> OnnxReport:
    """Exports a Caffe model (deploy prototxt + caffemodel) to the ONNX file ``path``.

    ``opset`` 13 to 20 (17 by default: TensorRT 8.5 and later read it); ``bn`` one of
    ``fold``, ``scale``, ``keep`` (see the module docstring); ``input_shape`` replaces
    the prototxt's input shape (one shape for a net with one input, else a mapping of
    blob to shape); ``dynamic_batch`` makes the first dimension of every graph input and
    output symbolic (``N``); ``outputs`` exposes more blobs (their last version) as graph
    outputs.  ``fork`` (one of :data:`FORKS`, or several) says whose semantics a fork
    layer follows where the prototxt does not say and the forks disagree;
    ``ssd_head="cut"`` ends the graph at the inputs of every DetectionOutput (see
    docs/onnx.md).  Model warnings are issued as :class:`~caffe2trt_bn.Caffe2TrtWarning`;
    ``strict=True`` raises the first as an error (nothing written).  Errors in the input
    raise :class:`~caffe2trt_bn.Caffe2TrtError`; the output is written atomically.
    """
    options = ExportOptions(
        opset=int(opset),
        bn=bn,
        input_shapes=_shape_options(input_shape),
        dynamic_batch=bool(dynamic_batch),
        outputs=tuple(outputs),
        strict=bool(strict),
        fork=(fork,) if isinstance(fork, str) else tuple(fork),
        ssd_head=ssd_head,
    )
    from ...io.atomic import check_output_path
    from ...ir.net import load_net

    options.check()
    check_output_path(path, [prototxt, caffemodel])
    net = load_net(prototxt, caffemodel)
    report = export_net(net, path, options)
    policy.report(report.diagnostics)  # strict was applied to every diagnostic, before writing
    return report


def export_net(net: object, path: str | Path, options: ExportOptions) -> OnnxReport:
    """:func:`to_onnx` for a net already loaded (``net.load_net``); warnings are in the
    report, not issued."""
    from ...ir.graph import Value
    from ...ir.net import Net
    from .context import convert_graph
    from .writer import write_model

    assert isinstance(net, Net)
    options.check()
    ctx = convert_graph(net, options)
    diagnostics = [*ctx.bn.diagnostics, *ctx.diagnostics]
    enforce_strict(diagnostics, options.strict)
    graph = ctx.graph
    chosen: list[Value] = []
    for layer in graph.layers:
        if layer.type == "Input":
            continue
        if layer.index in ctx.cut_layers:
            # A cut layer's bottoms are graph outputs in its place.
            chosen.extend(value for value in layer.inputs if value not in chosen)
            continue
        for value in layer.outputs:
            if graph.is_net_output(value) and value not in chosen:
                chosen.append(value)
    last: dict[str, Value] = {}
    for value in graph.producer:
        if value.version >= last.get(value.blob, value).version:
            last[value.blob] = value
    unknown = [blob for blob in options.outputs if blob not in last]
    if unknown:
        raise Caffe2TrtError(
            f"--outputs names blob(s) the net does not have: {', '.join(map(repr, unknown))}", file=net.prototxt_path
        )
    input_names = {name for name, _ in ctx.graph_inputs}
    for blob in options.outputs:
        value = last[blob]
        if value not in chosen:
            if ctx.names[value] in input_names:
                raise Caffe2TrtError(f"--outputs names {blob!r}, a net input that no layer rewrites", file=net.prototxt_path)
            chosen.append(value)
    if not chosen:
        # Every layer excluded or removed: an ONNX graph without outputs, which runtimes refuse.
        raise GraphError("the net has no layer after its inputs: the ONNX graph would have no outputs", file=net.prototxt_path)
    outputs = [(ctx.names[v], ctx.declared_shape(v)) for v in chosen]
    stats = write_model(ctx, outputs, path, [net.prototxt_path or "", net.caffemodel_path])
    ops: dict[str, int] = {}
    for node in ctx.nodes:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    return OnnxReport(
        path=Path(path),
        opset=options.opset,
        bn=options.bn,
        inputs=list(ctx.graph_inputs),
        outputs=outputs,
        nodes=len(ctx.nodes),
        ops=dict(sorted(ops.items())),
        initializers=stats.initializers,
        weight_bytes=stats.weight_bytes,
        bytes=stats.bytes,
        groups=ctx.bn.report,
        diagnostics=diagnostics,
        notes=list(ctx.notes),
        dynamic_batch=options.dynamic_batch,
        fork=options.fork,
        ssd_head=options.ssd_head,
        fork_semantics=list(ctx.fork_choices),
        tensors={str(value): ctx.names[value] for value in graph.producer},
    )
