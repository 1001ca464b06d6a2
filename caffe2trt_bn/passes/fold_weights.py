"""Fold's caffemodel edits: a producer's weights and bias with a group's affine absorbed.

Each producer type says, through :data:`PRODUCERS` (a
:class:`~caffe2trt_bn.ir.registry.Registry`), how its stored weights are laid out
(see :mod:`.fold` for the formulas):

* Convolution, weights ``(C_out, C_in/group, kh, kw)``: rows are output channels;
* Deconvolution, weights ``(C_in, C_out/group, kh, kw)``: output channel
  ``g*(C_out/group) + j`` is column ``j`` of the rows of group ``g``;
* InnerProduct, weights ``(N, K)``, or ``(K, N)`` with ``transpose: true``.

What they share is here once: ``bias_term`` (read typed), the blob counts, the new
bias ``bias*a + b`` (or a new bias blob ``b`` and ``bias_term: true`` set in the
binary, at the producer's parameter field), and the chunked float64 products, each
rounded once to the stored precision.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import numpy as np

from ..errors import GraphError, ModelValueError
from ..io.caffemodel import Blob
from ..io.caffemodel_writer import BlobValues, LayerEdit, RewriteBlobs
from ..ir.graph import Layer
from ..ir.net import Net
from ..ir.params import LAYER_PARAMS, layer_params
from ..ir.registry import Registry
from ..ir.schema import ConvolutionParameter, InnerProductParameter, LayerParameter

if TYPE_CHECKING:
    from .fold_plan import FoldTarget

#: Values per chunk when folded weights are computed (1 MiB of float32).
CHUNK_VALUES = 1 << 18

#: ``(rows, cols, factor)``: the weights seen as ``rows x cols`` in stored order, and the
#: factors of rows ``r0:r1`` (broadcastable to ``(r1 - r0, cols)``).
Layout = tuple[int, int, Callable[[int, int], np.ndarray]]

#: A producer's layout: ``(params, weights, a, what, mismatch) -> Layout`` for the
#: affine scales ``a`` (one per output channel); ``what`` describes the weights in
#: errors, ``mismatch`` makes the error for weights that do not fit.
LayoutHandler = Callable[
    [ConvolutionParameter | InnerProductParameter, Blob, np.ndarray, str, Callable[[str], ModelValueError]], Layout
]

#: The layer types whose weights can absorb a per-channel affine of their output, with
#: their weight layouts.
PRODUCERS: Registry[LayoutHandler] = Registry("fold producer", missing="does not take folded weights")


@PRODUCERS.register("Convolution")
def _convolution(
    param: ConvolutionParameter | InnerProductParameter,
    weights: Blob,
    a: np.ndarray,
    what: str,
    mismatch: Callable[[str], ModelValueError],
) -> Layout:
    """``(C_out, C_in/group, kh, kw)``: a row per output channel."""
    channels, shape = a.size, weights.shape
    if not shape or shape[0] != channels:
        raise mismatch(f"{what} do not have the {channels} output channels of the BatchNorm after it")
    return channels, weights.count // channels, lambda r0, r1: a[r0:r1, None]


@PRODUCERS.register("Deconvolution")
def _deconvolution(
    param: ConvolutionParameter | InnerProductParameter,
    weights: Blob,
    a: np.ndarray,
    what: str,
    mismatch: Callable[[str], ModelValueError],
) -> Layout:
    """``(C_in, C_out/group, kh, kw)``: output channel ``g*(C_out/group) + j`` is column
    ``j`` of the rows of group ``g``."""
    assert isinstance(param, ConvolutionParameter)
    channels, shape, count = a.size, weights.shape, weights.count
    group = param.group
    if len(shape) < 2 or group < 1 or shape[0] % group or shape[1] * group != channels:
        raise mismatch(f"{what} with group {group} do not have the {channels} output channels of the BatchNorm after it")
    rows, per_group = shape[0], shape[1]
    rows_per_group = rows // group
    spatial = count // (rows * per_group) if rows * per_group else 0
    # Row r (input channel) belongs to group r // rows_per_group; along a row the
    # output channel j of that group repeats for each of the `spatial` kernel taps.
    table = np.repeat(a.reshape(group, per_group), spatial, axis=1)
    return rows, per_group * spatial, lambda r0, r1: table[np.arange(r0, r1) // rows_per_group]


@PRODUCERS.register("InnerProduct")
def _inner_product(
    param: ConvolutionParameter | InnerProductParameter,
    weights: Blob,
    a: np.ndarray,
    what: str,
    mismatch: Callable[[str], ModelValueError],
) -> Layout:
    """``(N, K)``, or ``(K, N)`` with ``transpose: true``."""
    assert isinstance(param, InnerProductParameter)
    channels, shape, count = a.size, weights.shape, weights.count
    if param.transpose:
        if not shape or shape[-1] != channels:
            raise mismatch(f"{what} (transposed, K x N) do not have the {channels} outputs of the BatchNorm after it")
        return count // channels, channels, lambda r0, r1: a[None, :]
    outputs = shape[-2] if weights.legacy_shape and len(shape) >= 2 else (shape[0] if shape else 0)
    if outputs != channels or count % channels:
        raise mismatch(f"{what} (N x K) do not have the {channels} outputs of the BatchNorm after it")
    return channels, count // channels, lambda r0, r1: a[r0:r1, None]


def producer_params(layer: Layer) -> ConvolutionParameter | InnerProductParameter:
    """The typed parameters of a producer layer (a type of :data:`PRODUCERS`)."""
    param = layer_params(layer)
    assert isinstance(param, (ConvolutionParameter, InnerProductParameter))
    return param


def edit_stored(net: Net, stored: dict[str, list[int]], name: str, edit: LayerEdit, edits: dict[int, LayerEdit]) -> None:
    """Applies ``edit`` to the stored layer named ``name`` that Caffe reads (the last of
    that name); earlier duplicates, which Caffe overwrites when loading, are dropped.
    ``stored`` maps layer names to their indices in the caffemodel."""
    indices = stored.get(name)
    if not indices:
        raise GraphError("is not in the caffemodel", file=net.caffemodel_path, layer=name)
    for i in indices:
        edits[i] = edit if i == indices[-1] else None


def producer_rewrite(net: Net, target: FoldTarget) -> tuple[RewriteBlobs, bool]:
    """The new blobs of a producer target (values computed when written) and whether
    a bias blob is added."""
    layer = target.layer
    blobs = net.blobs(layer)
    param = producer_params(layer)
    bias_term = param.bias_term
    want = 2 if bias_term else 1
    path = net.caffemodel_path

    def mismatch(message: str) -> ModelValueError:
        return ModelValueError(message, file=path, layer=layer.name)

    if len(blobs) != want:
        raise mismatch(
            f"{layer.type} with bias_term: {'true' if bias_term else 'false'} needs {want} blob(s) "
            f"but the caffemodel holds {len(blobs)}"
        )
    a, b = target.affine.a, target.affine.b
    channels = target.affine.channels
    weights = blobs[0]
    if channels == 0 or weights.count == 0:
        raise mismatch(
            f"{layer.type} weights of shape {weights.shape} hold no values: a layer without channels cannot be folded"
        )
    layout = PRODUCERS.handler(layer, net.prototxt_path)
    rows, cols, factor = layout(param, weights, a, f"{layer.type} weights of shape {weights.shape}", mismatch)
    double = weights.data.dtype == np.float64
    new = [
        BlobValues(
            count=weights.count,
            chunks=_scaled_chunks(weights.data, rows, cols, factor, double),
            double=double,
            keep_from=weights,
        )
    ]
    if bias_term:
        stored = blobs[1]
        if stored.count != channels:
            raise mismatch(f"bias has {stored.count} values (shape {stored.shape}) but the output has {channels} channels")
        bias = stored.data.astype(np.float64) * a + b
        bias_double = stored.data.dtype == np.float64
        new.append(_array_blob(bias, bias_double, stored, (channels,)))
    else:
        new.append(_array_blob(b, double, None, (channels,)))
    return RewriteBlobs(new, None if bias_term else param_field_number(layer.type)), not bias_term


def param_field_number(layer_type: str) -> int:
    """The LayerParameter field number of a layer type's parameter message (where a
    fold sets ``bias_term`` in the binary)."""
    return LayerParameter.FIELDS[LAYER_PARAMS[layer_type][0]].number


def _scaled_chunks(
    flat: np.ndarray, rows: int, cols: int, factor: Callable[[int, int], np.ndarray], double: bool
) -> Callable[[Callable[[int], np.ndarray]], Iterator[np.ndarray]]:
    """Chunks of ``flat`` (``rows x cols``) times the row factors: float64 products,
    each rounded once to the output precision, in arrays lent by the writer (``take``,
    see :class:`caffe2trt_bn.io.caffemodel_writer.BlobValues`)."""

    def chunks(take: Callable[[int], np.ndarray]) -> Iterator[np.ndarray]:
        if rows == 0 or cols == 0:
            return
        step = max(1, CHUNK_VALUES // cols)
        # float32 weights are widened (exactly) into ``wide``, multiplied there and rounded
        # once into the chunk: the values of one mixed-type multiply, which is slower (it
        # copies the broadcast factors for every block it casts).
        wide = None if double else np.empty(min(rows, step) * cols, dtype=np.float64)
        for r0 in range(0, rows, step):
            r1 = min(rows, r0 + step)
            n = (r1 - r0) * cols
            chunk = take(n)
            out = chunk.reshape(r1 - r0, cols)
            block = flat[r0 * cols : r1 * cols].reshape(r1 - r0, cols)
            # Non-finite producer weights stay non-finite, as in Caffe (the writer refuses
            # them by name).
            if wide is None:
                np.multiply(block, factor(r0, r1), out=out)
            else:
                product = wide[:n].reshape(r1 - r0, cols)
                product[...] = block
                np.multiply(product, factor(r0, r1), out=product)
                out[...] = product
            yield chunk

    return chunks


def _array_blob(values: np.ndarray, double: bool, keep_from: Blob | None, shape: tuple[int, ...]) -> BlobValues:
    """A small blob whose float64 values are already computed (the writer refuses the
    non-finite ones by name)."""
    rounded = values.astype(np.float64 if double else np.float32)
    return BlobValues(
        count=int(rounded.size), chunks=lambda take: [rounded], double=double, keep_from=keep_from, shape=shape
    )


