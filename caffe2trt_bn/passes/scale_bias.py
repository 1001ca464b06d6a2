"""Scale and Bias semantics: the per-channel affine of a one-bottom ``Scale`` or ``Bias``.

* ``Scale`` with one bottom: ``a = blobs[0]``, ``b = blobs[1]`` when ``bias_term``.
* ``Bias`` with one bottom: ``a = 1``, ``b = blobs[0]``.

Both work per channel on axis 1 or as a scalar (``num_axes: 0``, broadcast to every
channel); anything else stays a separate layer (:func:`per_channel_reason`).  Which
blob is the scale and which the bias is said once per type, in :data:`AFFINE_LAYERS`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import ModelValueError
from ..io.caffemodel import Blob
from ..ir import schema
from ..ir.graph import Layer
from ..ir.params import layer_params
from ..ir.registry import Registry
from .batchnorm import Affine, finite_values


def per_channel_reason(layer: Layer) -> str | None:
    """Why a one-bottom Scale/Bias is not a per-channel map on axis 1, or None if it is.

    ``num_axes: 0`` is a scalar (broadcast to every channel).  Otherwise ``num_axes``
    must be 1 and the axis 1: more axes, or a negative axis, depend on the blob's shape,
    which a prototxt does not state, so such layers stay separate rather than be guessed.
    """
    if len(layer.bottoms) != 1:
        return f"{layer.type} {layer.name!r} has {len(layer.bottoms)} bottoms (its scale is data, not a constant)"
    if len(layer.tops) != 1:
        return f"{layer.type} {layer.name!r} has {len(layer.tops)} tops"
    param = layer_params(layer)
    assert isinstance(param, (schema.ScaleParameter, schema.BiasParameter))
    num_axes = param.num_axes
    if num_axes == 0:
        return None
    if num_axes != 1:
        # -1 or 2+ covers the axes after the channels too, unless they all have size 1,
        # which a prototxt does not state.
        return f"{layer.type} {layer.name!r} covers num_axes {num_axes}, more than the channel axis"
    axis = param.axis
    if axis != 1:
        return f"{layer.type} {layer.name!r} works on axis {axis}, not the channel axis 1"
    return None


@dataclass(frozen=True)
class AffineBlobs:
    """The stored blobs of a Scale or Bias layer: ``scale`` (None: ones) and ``bias``
    (None: zeros)."""

    scale: Blob | None
    bias: Blob | None


#: A Scale or Bias layer's blob layout: ``(layer, params, blobs) -> AffineBlobs``.
AffineLayout = Callable[[Layer, "schema.ScaleParameter | schema.BiasParameter", Sequence[Blob]], AffineBlobs]

#: The one-bottom per-channel layers a group may end with, by type: which of their
#: blobs is the scale and which the bias (read once for the general path,
#: :func:`scale_bias_affine`, and the grouped one in :mod:`.fuse`).
AFFINE_LAYERS: Registry[AffineLayout] = Registry("affine layout", missing="is not a Scale or Bias")


def affine_blobs(layer: Layer, blobs: Sequence[Blob]) -> AffineBlobs:
    """The scale and bias blobs of a Scale or Bias layer (:data:`AFFINE_LAYERS`);
    :class:`ModelValueError` for a blob count that does not fit."""
    param = layer_params(layer)
    assert isinstance(param, (schema.ScaleParameter, schema.BiasParameter))
    return AFFINE_LAYERS.handler(layer)(layer, param, blobs)


@AFFINE_LAYERS.register("Scale")
def _scale_blobs(
    layer: Layer, param: schema.ScaleParameter | schema.BiasParameter, blobs: Sequence[Blob]
) -> AffineBlobs:
    """``blobs[0]`` scales; ``blobs[1]`` is the bias with ``bias_term``."""
    assert isinstance(param, schema.ScaleParameter)
    bias_term = param.bias_term
    want = 2 if bias_term else 1
    if len(blobs) != want:
        raise ModelValueError(
            f"Scale with bias_term: {'true' if bias_term else 'false'} needs {want} blob(s) "
            f"but the caffemodel holds {len(blobs)}",
            layer=layer.name,
        )
    return AffineBlobs(blobs[0], blobs[1] if bias_term else None)


@AFFINE_LAYERS.register("Bias")
def _bias_blobs(
    layer: Layer, param: schema.ScaleParameter | schema.BiasParameter, blobs: Sequence[Blob]
) -> AffineBlobs:
    """``blobs[0]`` is the bias."""
    if len(blobs) != 1:
        raise ModelValueError(f"Bias needs 1 blob but the caffemodel holds {len(blobs)}", layer=layer.name)
    return AffineBlobs(None, blobs[0])


def scale_bias_affine(layer: Layer, blobs: Sequence[Blob], channels: int) -> Affine:
    """The affine of a one-bottom Scale or Bias layer over ``channels`` channels."""
    param = layer_params(layer)
    assert isinstance(param, (schema.ScaleParameter, schema.BiasParameter))
    scalar = param.num_axes == 0
    picked = affine_blobs(layer, blobs)
    scale, bias = picked.scale, picked.bias
    a = np.ones(channels) if scale is None else _channel_values(scale, channels, scalar, layer.name, "scale")
    b = np.zeros(channels) if bias is None else _channel_values(bias, channels, scalar, layer.name, "bias")
    return Affine(a, b)


def _channel_values(blob: Blob, channels: int, scalar: bool, layer: str, what: str) -> np.ndarray:
    """Blob values as float64 per channel; a ``num_axes: 0`` scalar is broadcast."""
    values = finite_values(blob, layer, what)
    if scalar and values.size == 1:
        values = np.full(channels, values[0])
    elif values.size != channels:
        raise ModelValueError(
            f"channel mismatch: {what} has {values.size} values (shape {blob.shape}) but the BatchNorm before it has {channels} channels",
            layer=layer,
        )
    return values
