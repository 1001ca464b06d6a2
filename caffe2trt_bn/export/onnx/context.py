"""The conversion context: the Caffe graph walked in execution order, ONNX nodes out.

:func:`convert_graph` walks the deploy net's layers in Caffe's execution order and calls
each layer's converter (:mod:`.registry`) with a :class:`Context`, whose methods are the
whole converter API (see the registry's docstring).  The context keeps:

* the Caffe shape of every blob version, computed by the converter that wrote it with
  Caffe's own formulas (so a shape never depends on what ONNX infers);
* one ONNX tensor name per blob version.  Caffe's in-place layers write new versions
  under one blob name; ONNX values are written once.  The net's inputs and the last
  version of every blob keep the exact Caffe blob name (the graph's inputs and outputs
  are thus named as in Caffe); an earlier version is named ``blob#k`` (its write count),
  made unique if needed;
* the initializers (small constants in memory, caffemodel blobs as views of its memory
  map, folded weights as chunk producers: :mod:`.writer` streams them to the file);
* the BatchNorm plan of the ``--bn`` mode (:class:`.batchnorm_plan.BatchNormPlan`);
* every problem met: an unknown layer type or a field that cannot be converted exactly
  does not stop the walk; all of them are reported at once in one error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import Caffe2TrtError, Diagnostic, GraphError, ModelValueError
from ...io.caffemodel import Blob
from ...ir.forks import ForkSemantics, check_forks, fork_semantics
from ...ir.graph import Layer, Value
from ...ir.net import Net
from . import registry
from .batchnorm_plan import emit_affine, plan_batchnorm
from .proto import OnnxNode
from .trt_ops import DEFAULT_OPSET, MAX_OPSET, MIN_OPSET, check_op

#: ONNX TensorProto data types used here.
FLOAT, INT64 = 1, 7

#: ``--bn`` modes.
BN_MODES = ("fold", "scale", "keep")


#: ``--ssd-head`` modes: ``decode`` converts DetectionOutput; ``cut`` ends the graph at
#: its location, confidence and prior inputs.
SSD_HEADS = ("decode", "cut")

#: ``take(n)`` lends an empty float32 array of ``n`` values to fill (see io.caffemodel_writer.OrderedWriter.take).
Take = Callable[[int], np.ndarray]


class ConversionError(GraphError):
    """Layers that cannot be converted to ONNX; the message lists every one of them.

    ``problems`` holds one error per layer, each naming its file, layer and (where it
    is written) line, for callers that want them one by one.
    """

    def __init__(self, problems: Sequence[Caffe2TrtError]) -> None:
        listed = "; ".join(str(p) for p in problems)
        super().__init__(f"cannot export {len(problems)} layer(s) to ONNX: {listed}")
        self.problems = list(problems)


@dataclass(frozen=True)
class ExportOptions:
    """What :func:`~caffe2trt_bn.export.onnx.to_onnx` takes besides the files.

    ``input_shapes`` maps a net input blob to the shape to use instead of the
    prototxt's (the key None: the net's only input); ``outputs`` names blobs exposed as
    graph outputs in addition to the net's own outputs (the blobs no layer reads).
    """

    opset: int = DEFAULT_OPSET
    bn: str = "fold"
    input_shapes: tuple[tuple[str | None, tuple[int, ...]], ...] = ()
    dynamic_batch: bool = False
    outputs: tuple[str, ...] = ()
    strict: bool = False
    fork: tuple[str, ...] = ()
    ssd_head: str = "decode"

    def check(self) -> None:
        """Raises :class:`Caffe2TrtError` for options out of range."""
        if not MIN_OPSET <= self.opset <= MAX_OPSET:
            raise Caffe2TrtError(f"opset {self.opset} is not supported; choose {MIN_OPSET} to {MAX_OPSET}")
        if self.bn not in BN_MODES:
            raise Caffe2TrtError(f"--bn must be one of {', '.join(BN_MODES)}, not {self.bn!r}")
        check_forks(self.fork)
        if self.ssd_head not in SSD_HEADS:
            raise Caffe2TrtError(f"--ssd-head must be one of {', '.join(SSD_HEADS)}, not {self.ssd_head!r}")
        for blob, shape in self.input_shapes:
            if not shape or any(d < 1 for d in shape):
                where = f" of {blob!r}" if blob else ""
                raise Caffe2TrtError(f"input shape{where} must be positive dimensions, not {shape}")


@dataclass
class Initializer:
    """One ONNX initializer: ``array`` (in memory or a view of the caffemodel's memory
    map, written as is) or ``chunks`` (called with a ``take`` when written, yields
    float32 arrays holding ``count`` values in order)."""

    name: str
    dims: tuple[int, ...]
    data_type: int
    count: int
    array: np.ndarray | None = None
    chunks: Callable[[Take], Iterable[np.ndarray]] | None = None
    #: Where the values come from (the caffemodel, or the prototxt of a filled blob),
    #: and the layer: a non-finite value's error names them.
    file: str | None = None
    layer: str | None = None
    #: The stored blob values ``chunks`` reads (a view of the caffemodel's map), whose
    #: pages the writer releases from the process once the initializer is written.
    source: np.ndarray | None = None

    @property
    def nbytes(self) -> int:
        return self.count * (8 if self.data_type == INT64 else 4)


class Context:
    """The state of one conversion; its public methods are the converter API."""

    def __init__(self, net: Net, options: ExportOptions) -> None:
        self.net = net
        self.graph = net.graph
        self.options = options
        self.opset = options.opset
        self.path = net.prototxt_path
        self.shapes: dict[Value, tuple[int, ...]] = {}
        self.names: dict[Value, str] = {}
        self.nodes: list[OnnxNode] = []
        self.initializers: list[Initializer] = []
        self.graph_inputs: list[tuple[str, tuple[int, ...]]] = []
        self.problems: list[Caffe2TrtError] = []
        self.notes: list[str] = []
        self.diagnostics: list[Diagnostic] = []
        #: Output tensor name -> axis -> symbolic dimension name (data-dependent sizes).
        self.dim_params: dict[str, dict[int, str]] = {}
        #: Indices of layers cut from the graph (``ctx.cut``): their bottoms are graph
        #: outputs, their tops do not exist.
        self.cut_layers: set[int] = set()
        #: Whose semantics each disputed layer converted so far follows (``fork_semantics``).
        self.fork_choices: list[ForkSemantics] = []
        self._filled: dict[int, list[Blob]] = {}
        self._used: set[str] = set()
        self._layer: Layer | None = None
        self._node_count: dict[str, int] = {}
        self._input_shapes: dict[str, tuple[int, ...]] | None = None  # see input_shapes()
        self._name_values()
        self.bn = plan_batchnorm(net, options.bn)
        self.redirect: dict[Value, Value] = {}
        for producer_index, (_, value) in self.bn.folds.items():
            self.redirect[self.graph.layers[producer_index].outputs[0]] = value

    # --- naming ---------------------------------------------------------------------

    def _name_values(self) -> None:
        """Gives every blob version its ONNX name (see the module docstring)."""
        graph = self.graph
        final: dict[str, Value] = {}
        inputs: dict[str, Value] = {}
        for value, producer in graph.producer.items():
            self._used.add(value.blob)
            if producer is None or producer.type == "Input":
                inputs.setdefault(value.blob, value)
            if value.version >= final.get(value.blob, value).version:
                final[value.blob] = value
        exact = {**final, **inputs}
        for blob, value in exact.items():
            self.names[value] = blob
        for blob, value in final.items():
            if exact[blob] != value:
                self.notes.append(
                    f"blob {blob!r} is a net input written in place; its last version is named "
                    f"{self._unique(f'{blob}#{value.version}')!r}, the input keeps the name"
                )
        for value in graph.producer:
            if value not in self.names:
                self.names[value] = self._unique(f"{value.blob}#{value.version}")

    def _unique(self, name: str) -> str:
        candidate, n = name, 1
        while candidate in self._used:
            n += 1
            candidate = f"{name}_{n}"
        self._used.add(candidate)
        return candidate

    def name_of(self, value: Value) -> str:
        return self.names[value]

    # --- converter API: reading -----------------------------------------------------

    def input(self, layer: Layer, i: int) -> str:
        """The ONNX tensor name of bottom ``i`` of ``layer``."""
        return self.names[self._bottom(layer, i)]

    def shape(self, layer: Layer, i: int) -> tuple[int, ...]:
        """The Caffe shape of bottom ``i`` of ``layer``."""
        return self.shapes[self._bottom(layer, i)]

    def _bottom(self, layer: Layer, i: int) -> Value:
        """Bottom ``i`` of ``layer``; a layer written with fewer bottoms than its type
        reads is refused (Caffe checks the count when it sets the layer up)."""
        if i >= len(layer.inputs):
            raise self.refuse(
                layer, None, f"a {layer.type} layer needs at least {i + 1} bottom(s), this one has {len(layer.inputs)}"
            )
        return layer.inputs[i]

    def blobs(self, layer: Layer) -> list[Blob]:
        """The caffemodel blobs of ``layer`` (an error if it has none stored), or, for a
        layer the caffemodel does not hold, the values Caffe's deterministic fillers give
        it at load (:mod:`.fillers`)."""
        filled = self._filled.get(layer.index)
        if filled is not None:
            return filled
        if self.net.model.layer(layer.name) is None:
            from .fillers import filled_blobs

            made = filled_blobs(self, layer)
            if made is not None:
                self._filled[layer.index] = made
                return made
        return self.net.blobs(layer)

    def folded(self, layer: Layer) -> bool:
        """Whether ``layer`` absorbs a BatchNorm group (``--bn fold``): its weights are
        the folded ones and it then always has a bias (blob 1)."""
        return layer.index in self.bn.folds

    # --- converter API: writing -----------------------------------------------------

    def output(self, layer: Layer, i: int, shape: Sequence[int], symbolic: dict[int, str] | None = None) -> str:
        """Declares top ``i`` of ``layer`` with its Caffe ``shape``; returns its name.

        ``symbolic`` names the axes whose size depends on the data (DetectionOutput's
        row count): the ONNX output declares them as that symbolic dimension, and
        ``shape`` holds the size Caffe gives the top before its first forward pass."""
        shape = tuple(int(d) for d in shape)
        if i >= len(layer.outputs):
            raise self.refuse(
                layer, None, f"a {layer.type} layer needs at least {i + 1} top(s), this one has {len(layer.outputs)}"
            )
        if any(d < 0 for d in shape):
            raise GraphError(f"top {layer.tops[i]!r} would have the negative shape {shape}", layer=layer.name)
        _check_count(shape, f"top {layer.tops[i]!r}")
        value = layer.outputs[i]
        self.shapes[value] = shape
        target = self.redirect.get(value)
        name = self.names[value] if target is None else self.names[target]
        if target is not None:
            self.shapes[target] = shape
        if symbolic:
            self.dim_params[name] = dict(symbolic)
        return name

    def declared_shape(self, value: Value) -> tuple[int | str, ...]:
        """The shape an ONNX graph output of ``value`` declares: Caffe's, with the
        data-dependent axes as their symbolic names."""
        dims: list[int | str] = list(self.shapes[value])
        for axis, dim in self.dim_params.get(self.names[value], {}).items():
            dims[axis] = dim
        return tuple(dims)

    def cut(self, layer: Layer) -> None:
        """Leaves ``layer`` out of the graph: its bottoms become graph outputs (under
        their blob names) and its tops are not produced; no layer may read them."""
        self.cut_layers.add(layer.index)

    def warn(self, layer: Layer, code: str, message: str) -> None:
        """A model warning about ``layer`` (written to the report; an error with ``strict``)."""
        self.diagnostics.append(Diagnostic(code, message, layer=layer.name, file=self.path))

    def fork_semantics(self, layer: Layer) -> ForkSemantics:
        """Whose semantics ``layer`` (a type of :data:`~caffe2trt_bn.ir.forks.DISPUTED_TYPES`)
        follows with the ``fork`` option: the decision of
        :func:`~caffe2trt_bn.ir.forks.fork_semantics`, the rule ``inspect`` lists too.  A
        default taken is a ``fork_default`` warning; an undecided layer is refused."""
        choice = fork_semantics(self.graph, layer, self.options.fork)
        assert choice is not None, layer.type
        if choice.error is not None:
            raise self.refuse(layer, choice.field, choice.error)
        if choice.warning is not None:
            self.warn(layer, "fork_default", choice.warning)
        self.fork_choices.append(choice)
        return choice

    def temp(self, hint: str) -> str:
        """A fresh tensor name for an intermediate result (derived from ``hint``)."""
        return self._unique(hint)

    def node(self, op_type: str, inputs: Sequence[str], outputs: Sequence[str], **attributes: Any) -> None:
        """Emits one ONNX node (attributes with value None are left out)."""
        check_op(op_type)
        base = self._layer.name if self._layer is not None else op_type
        count = self._node_count.get(base, 0)
        self._node_count[base] = count + 1
        name = base if count == 0 else f"{base}/{op_type}{count}"
        attrs = {k: v for k, v in attributes.items() if v is not None}
        self.nodes.append(OnnxNode(op_type, list(inputs), list(outputs), name, attrs))

    def const(self, hint: str, values: Any, dtype: Any = np.float32) -> str:
        """A small initializer holding ``values`` (float32 unless ``dtype`` says int64)."""
        with np.errstate(over="ignore"):  # a value beyond float32 becomes inf: refused below
            # np.array, not np.ascontiguousarray: that makes a scalar 1-D, and a 0-d blob times
            # a (1,) constant would infer as 1-D.
            array = np.array(values, dtype=dtype, order="C")
        data_type = INT64 if array.dtype == np.int64 else FLOAT
        if data_type == FLOAT and not np.isfinite(array).all():
            raise ModelValueError(f"constant {hint!r} holds a non-finite value")
        name = self._unique(hint)
        self.initializers.append(Initializer(name, tuple(array.shape), data_type, int(array.size), array=array))
        return name

    def ints(self, hint: str, values: Sequence[int]) -> str:
        """A 1-D int64 initializer (shapes, axes, pads, ... given as inputs)."""
        return self.const(hint, list(values), np.int64)

    def weight(self, layer: Layer, i: int, shape: Sequence[int] | None = None) -> str:
        """Blob ``i`` of ``layer`` as a float32 initializer shaped ``shape`` (default: the
        blob's shape), streamed from the caffemodel when written.  A layer that absorbs
        a BatchNorm group gets the folded values (computed as ``fold`` computes them)."""
        fold = self.bn.folds.get(layer.index)
        hint = f"{layer.name}/w{i}" if i else f"{layer.name}/weight"
        if i == 1:
            hint = f"{layer.name}/bias"
        if fold is not None:
            return self._folded_weight(layer, i, fold[0], hint, shape)
        blobs = self.blobs(layer)
        if i >= len(blobs):
            raise ModelValueError(f"needs blob {i} but the caffemodel holds {len(blobs)} blob(s)", layer=layer.name)
        blob = blobs[i]
        dims = tuple(blob.shape if shape is None else shape)
        if int(np.prod(dims, dtype=np.int64)) != blob.count:
            raise ModelValueError(
                f"blob {i} holds {blob.count} values (shape {blob.shape}) but {dims} are needed", layer=layer.name
            )
        name = self._unique(hint)
        data = blob.data
        origin = self.path if layer.index in self._filled else self.net.caffemodel_path
        if data.dtype == np.dtype("<f4"):
            init = Initializer(name, dims, FLOAT, blob.count, array=data, file=origin, layer=layer.name)
        else:
            init = Initializer(
                name, dims, FLOAT, blob.count, chunks=_widened_chunks(data), source=data, file=origin, layer=layer.name
            )
        self.initializers.append(init)
        return name

    def _folded_weight(self, layer: Layer, i: int, target: Any, hint: str, shape: Sequence[int] | None) -> str:
        from ...passes.fold import producer_rewrite

        cached = getattr(target, "_onnx_rewrite", None)
        if cached is None:
            cached = producer_rewrite(self.net, target)[0]
            target._onnx_rewrite = cached
        values = cached.blobs[i]
        dims = tuple(shape) if shape is not None else (
            values.keep_from.shape if values.keep_from is not None else tuple(values.shape)
        )
        if int(np.prod(dims, dtype=np.int64)) != values.count:
            raise ModelValueError(
                f"folded blob {i} holds {values.count} values but {dims} are needed", layer=layer.name
            )
        name = self._unique(hint)
        stored = self.net.model.layer(layer.name)
        source = stored.blobs[i].data if stored is not None and i < len(stored.blobs) else None
        self.initializers.append(
            Initializer(
                name, dims, FLOAT, values.count, chunks=_float32_chunks(values.chunks, values.double),
                file=self.net.caffemodel_path, layer=layer.name, source=source,
            )
        )
        return name

    # --- converter API: refusing ----------------------------------------------------

    def refuse(self, layer: Layer, field_name: str | None, message: str) -> GraphError:
        """The error for something of ``layer`` that cannot be converted exactly, naming
        the file, the line where ``field_name`` is written (else the layer's), the layer
        and the field.  Converters raise it; the walk collects it."""
        line = layer.node.line or None
        if field_name:
            for node in layer.node.walk():
                if node.name == field_name.rsplit(".", 1)[-1]:
                    line = node.line or line
            message = f"{field_name}: {message}"
        return GraphError(message, file=self.path, layer=layer.name, line=line)

    # --- graph inputs ---------------------------------------------------------------

    def graph_input(self, value: Value, shape: Sequence[int]) -> None:
        """Declares ``value`` (a net input) as a graph input of ``shape``."""
        shape = tuple(int(d) for d in shape)
        if any(d < 1 for d in shape):
            # Caffe allows an empty blob; an empty net input computes nothing and runtimes refuse it.
            raise GraphError(f"net input {value.blob!r} has the shape {shape}: every dimension must be positive", file=self.path)
        _check_count(shape, f"net input {value.blob!r}", self.path)
        self.shapes[value] = shape
        self.graph_inputs.append((self.names[value], shape))


def _widened_chunks(data: np.ndarray) -> Callable[[Take], Iterable[np.ndarray]]:
    """Chunks of a float16/float64/big-endian blob rounded to float32, as Caffe loads it."""
    step = 1 << 18

    def chunks(take: Take) -> Iterable[np.ndarray]:
        for start in range(0, data.size, step):
            part = data[start : start + step]
            out = take(part.size)
            out[...] = part  # beyond float32: infinity, refused by name when written
            yield out

    return chunks


def _float32_chunks(produce: Callable[[Take], Iterable[np.ndarray]], double: bool) -> Callable[[Take], Iterable[np.ndarray]]:
    """Folded-weight chunks as float32: float64 values (a blob stored as doubles) are
    rounded once, as Caffe rounds them when it loads them."""
    if not double:
        return produce

    def chunks(take: Take) -> Iterable[np.ndarray]:
        buffers: list[np.ndarray] = []

        def take64(n: int) -> np.ndarray:
            if not buffers or buffers[0].size < n:
                buffers[:] = [np.empty(n, dtype=np.float64)]
            return buffers[0][:n]

        for chunk in produce(take64):
            out = take(chunk.size)
            out[...] = chunk
            yield out

    return chunks


def convert_graph(net: Net, options: ExportOptions) -> Context:
    """Walks ``net`` and converts every layer; raises :class:`ConversionError` listing
    every layer that cannot be converted (nothing is written then)."""
    ctx = Context(net, options)
    if not _is_utf8(ctx.graph.name or ""):
        raise GraphError(f"the net's name {ctx.graph.name!r} is not UTF-8 text, which ONNX names must be", file=ctx.path)
    _declare_legacy_inputs(ctx)
    failed: set[Value] = set()
    for layer in ctx.graph.layers:
        ctx._layer = layer
        if any(value in failed for value in layer.inputs):
            failed.update(layer.outputs)  # already reported where it started
            continue
        problem = _name_problem(layer)
        if problem:
            # Checked before anything else: a folded layer's names still name ONNX tensors.
            ctx.problems.append(ctx.refuse(layer, None, problem))
            failed.update(layer.outputs)
            continue
        if layer.index in ctx.bn.skip:
            for value in layer.outputs:
                ctx.shapes[value] = ctx.shapes[layer.inputs[0]]
            continue
        step = ctx.bn.steps.get(layer.index)
        try:
            if step is not None:
                emit_affine(ctx, layer, step)
                continue
            handler = registry.handler_for(layer.type)
            if handler is None:
                raise ctx.refuse(layer, None, registry.unknown_type_message(layer.type))
            _refuse_unknown_fields(ctx, layer)
            handler(ctx, layer)
            missing = [v.blob for v in layer.outputs if v not in ctx.shapes]
            if missing and layer.index not in ctx.cut_layers:
                # The converter wrote fewer tops than the layer names: Caffe refuses the count too.
                raise ctx.refuse(layer, "top", f"a {layer.type} layer does not write the top(s) {missing}")
        except Caffe2TrtError as exc:
            ctx.problems.append(exc.with_context(file=ctx.path, layer=layer.name))
            failed.update(layer.outputs)
    ctx._layer = None
    if ctx.problems:
        raise ConversionError(ctx.problems)
    return ctx


def _name_problem(layer: Layer) -> str | None:
    """Why a name of ``layer`` cannot name an ONNX tensor or node, or None: ONNX names are
    non-empty UTF-8 text (an empty input name means an omitted optional input)."""
    names = [("layer name", layer.name), *(("bottom", b) for b in layer.bottoms), *(("top", t) for t in layer.tops)]
    for what, name in names:
        if not _is_utf8(name):
            return f"{what} {name!r} is not UTF-8 text, which ONNX names must be"
        if not name and what != "layer name":
            return f"a {what} with an empty name cannot name an ONNX tensor"
    return None


def _is_utf8(name: str) -> bool:
    """Whether ``name`` (read with surrogate escapes for bytes that are not UTF-8) is text."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _refuse_unknown_fields(ctx: Context, layer: Layer) -> None:
    """A field BVLC Caffe does not know (a fork's) is refused: what it does is unknown."""
    from ...ir.params import LAYER_PARAMS
    from ...ir.schema import LayerParameter
    from .params import unknown_fields

    unknown = unknown_fields(layer)
    if unknown:
        path, node = unknown[0]
        more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
        bvlc = layer.type not in LAYER_PARAMS or LAYER_PARAMS[layer.type][0] in LayerParameter.FIELDS
        schema = "BVLC Caffe" if bvlc else f"the forks' {layer.type} layer (proto/caffe_forks.proto)"
        raise GraphError(
            f"{path}: not a field of {schema}{more}; the exporter cannot tell what it does",
            file=ctx.path,
            layer=layer.name,
            line=node.line or None,
        )


#: Caffe's largest blob (``Blob::Reshape`` checks the count against INT_MAX).
MAX_BLOB_COUNT = 2**31 - 1


def _check_count(shape: tuple[int, ...], what: str, file: str | None = None) -> None:
    """Refuses a blob larger than Caffe allows (its shapes then also overflow nothing
    in ONNX shape inference)."""
    count = 1
    for d in shape:
        count *= d
    if count > MAX_BLOB_COUNT:
        raise GraphError(f"{what} of shape {shape} holds more values than Caffe's limit of 2**31 - 1", file=file)


def _declare_legacy_inputs(ctx: Context) -> None:
    """The net-level ``input:`` blobs (with ``input_shape``/``input_dim``) as graph inputs."""
    graph = ctx.graph
    if not graph.net_inputs:
        return
    shapes = input_shapes(ctx)
    for blob in graph.net_inputs:
        ctx.graph_input(Value(blob, 0), shapes[blob])


def input_shapes(ctx: Context) -> dict[str, tuple[int, ...]]:
    """Every net input's shape: the prototxt's, replaced by ``--input-shape`` where given."""
    if ctx._input_shapes is not None:
        return ctx._input_shapes
    from ...passes.fold import input_shapes as stated_shapes

    shapes = stated_shapes(ctx.net.doc, ctx.graph)
    given = dict(ctx.options.input_shapes)
    if None in given:
        if len(shapes) != 1:
            raise Caffe2TrtError(
                f"the net has {len(shapes)} inputs ({', '.join(shapes)}): name the blob in --input-shape BLOB=N,C,H,W",
                file=ctx.path,
            )
        given[next(iter(shapes))] = given.pop(None)
    for blob, shape in given.items():
        if blob not in shapes:
            raise Caffe2TrtError(
                f"--input-shape names {blob!r}, which is not a net input ({', '.join(shapes)})", file=ctx.path
            )
        shapes[blob] = shape
    ctx._input_shapes = shapes
    return shapes


def channel_shape(channels: int, rank: int, axis: int = 1) -> tuple[int, ...]:
    """The shape that broadcasts ``channels`` values along ``axis`` of a rank-``rank`` tensor."""
    return (channels,) + (1,) * (rank - axis - 1)
