"""Caffe BatchNorm, Scale and Bias semantics, as per-channel affine maps in float64.

Every layer this project fuses computes, per channel ``c`` of axis 1,
``y = a[c] * x + b[c]``.  This module turns a layer's parameters and blobs into that
:class:`Affine`, exactly as Caffe defines the layer at inference:

* BVLC ``BatchNorm`` stores ``mean*s``, ``var*s`` and ``s``.  With ``f = 0 if s == 0
  else 1/s``: ``a = 1/sqrt(var*f + eps)``, ``b = -mean*f*a``.  ``s == 0`` (a layer
  never trained) means mean = var = 0, not a division by zero.  ``eps`` is
  ``batch_norm_param.eps`` as Caffe stores it (a float32; default float32(1e-5)).
* ``Scale`` with one bottom: ``a = blobs[0]``, ``b = blobs[1]`` when ``bias_term``.
* ``Bias`` with one bottom: ``a = 1``, ``b = blobs[0]``.

Composition (:meth:`Affine.then`) is ``a = a1*a2``, ``b = a2*b1 + b2``, all in float64;
results are rounded to float32 once, at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .caffemodel import Blob
from .errors import Diagnostic, GraphError, ModelValueError
from .graph import Layer
from .prototxt import Node

#: Caffe's default ``batch_norm_param.eps``, as the float32 Caffe actually uses.
DEFAULT_EPS = float(np.float32(1e-5))

#: Layer types this project treats as batch normalisation.
BATCHNORM_TYPES = frozenset({"BatchNorm"})

FP16_MAX = 65504.0
FP16_MIN_SUBNORMAL = 2.0**-24


@dataclass(frozen=True)
class Affine:
    """Per-channel ``y = a*x + b`` (float64 arrays of equal length)."""

    a: np.ndarray
    b: np.ndarray

    @property
    def channels(self) -> int:
        return int(self.a.size)

    def then(self, other: "Affine") -> "Affine":
        """This map followed by ``other``: ``a = a1*a2``, ``b = a2*b1 + b2``."""
        return Affine(self.a * other.a, other.a * self.b + other.b)


@dataclass
class BatchNormStats:
    """What a BatchNorm-like layer computes at inference, with statistics normalised.

    ``variant`` names the storage convention detected (``bvlc`` for BVLC Caffe);
    ``factor`` is the moving-average factor ``f`` applied to the stored sums (None
    where the variant stores plain statistics); ``gamma``/``beta`` are set by variants
    that carry their own scale and shift.
    """

    variant: str
    mean: np.ndarray
    var: np.ndarray
    eps: float
    factor: float | None = None
    gamma: np.ndarray | None = None
    beta: np.ndarray | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def channels(self) -> int:
        return int(self.mean.size)

    def affine(self) -> Affine:
        return bn_affine(self.mean, self.var, self.eps, self.gamma, self.beta)


def bn_affine(
    mean: np.ndarray,
    var: np.ndarray,
    eps: float,
    gamma: np.ndarray | None = None,
    beta: np.ndarray | None = None,
) -> Affine:
    """``a = gamma/sqrt(var + eps)``, ``b = beta - mean*a`` in float64 (eps inside the root)."""
    mean64 = np.asarray(mean, dtype=np.float64)
    a = 1.0 / np.sqrt(np.asarray(var, dtype=np.float64) + float(eps))
    b = -mean64 * a
    if gamma is not None:
        g = np.asarray(gamma, dtype=np.float64)
        a = a * g
        b = b * g
    if beta is not None:
        b = b + np.asarray(beta, dtype=np.float64)
    return Affine(a, b)


def bn_to_scale(
    mean: np.ndarray,
    var: np.ndarray,
    eps: float = 1e-5,
    gamma: np.ndarray | None = None,
    beta: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TensorRT ``IScaleLayer`` weights for statistics that are already normalised.

    For a PyTorch ``BatchNorm2d``: ``bn_to_scale(bn.running_mean, bn.running_var,
    bn.eps, bn.weight, bn.bias)``.  Returns ``(scale, shift, power)`` as float32 arrays
    so that ``y = x*scale + shift`` (power is all ones).  Computed in float64 and
    rounded once.  Raises :class:`ModelValueError` for NaN/Inf values, mismatched
    lengths or ``var + eps <= 0``.
    """
    arrays = {"mean": mean, "var": var, "gamma": gamma, "beta": beta}
    flat = {k: _as_f64(v) for k, v in arrays.items() if v is not None}
    n = flat["mean"].size
    for key, value in flat.items():
        if value.size != n:
            raise ModelValueError(f"{key} has {value.size} values but mean has {n}")
        _check_finite(value, key)
    _check_positive(flat["var"] + float(eps), "var + eps")
    affine = bn_affine(flat["mean"], flat["var"], eps, flat.get("gamma"), flat.get("beta"))
    scale, shift = to_float32(affine)
    return scale, shift, np.ones_like(scale)


def to_float32(affine: Affine) -> tuple[np.ndarray, np.ndarray]:
    """Rounds an affine once to float32 ``(scale, shift)``."""
    return affine.a.astype(np.float32), affine.b.astype(np.float32)


def _as_f64(values: object) -> np.ndarray:
    # PyTorch tensors and other array-likes: go through numpy without copying twice.
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()  # type: ignore[attr-defined]
    return np.asarray(values, dtype=np.float64).reshape(-1)


def _check_finite(values: np.ndarray, what: str, layer: str | None = None) -> None:
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        c = int(bad[0])
        more = f" (and {bad.size - 1} more channels)" if bad.size > 1 else ""
        raise ModelValueError(f"{what} is {values[c]}{more}", layer=layer, channel=c)


def _check_positive(values: np.ndarray, what: str, layer: str | None = None) -> None:
    bad = np.flatnonzero(~(values > 0))
    if bad.size:
        c = int(bad[0])
        more = f" (and {bad.size - 1} more channels)" if bad.size > 1 else ""
        raise ModelValueError(f"{what} = {values[c]:.6g} is not positive{more}", layer=layer, channel=c)


# --- reading layers -----------------------------------------------------------------


def float32_param(node: Node | None, name: str, default: float) -> float:
    """A float field as Caffe sees it: parsed, stored as float32, widened exactly."""
    if node is None:
        return default
    return float(np.float32(node.get_float(name, default)))


def read_batchnorm(layer: Layer, blobs: Sequence[Blob]) -> BatchNormStats:
    """Interprets a BatchNorm-like layer's prototxt parameters and caffemodel blobs."""
    if layer.type == "BatchNorm":
        return _read_bvlc(layer, blobs)
    raise GraphError(f"layer type {layer.type!r} is not a supported batch normalisation", layer=layer.name)


def _read_bvlc(layer: Layer, blobs: Sequence[Blob]) -> BatchNormStats:
    param = layer.node.get("batch_norm_param")
    eps = float32_param(param, "eps", DEFAULT_EPS)
    if len(blobs) != 3:
        raise ModelValueError(
            f"BatchNorm needs 3 blobs (mean*s, var*s, s) but the caffemodel holds {len(blobs)}", layer=layer.name
        )
    mean_s, var_s, s_blob = (b.data for b in blobs)
    if s_blob.size != 1:
        raise ModelValueError(f"BatchNorm blob 2 (the factor s) holds {s_blob.size} values, not 1", layer=layer.name)
    if mean_s.size != var_s.size:
        raise ModelValueError(
            f"channel mismatch: mean has {mean_s.size} channels, variance {var_s.size}", layer=layer.name
        )
    s = float(s_blob[0])
    diagnostics: list[Diagnostic] = []
    if not np.isfinite(s):
        raise ModelValueError(f"moving-average factor s is {s}", layer=layer.name)
    mean64 = mean_s.astype(np.float64)
    var64 = var_s.astype(np.float64)
    _check_finite(mean64, "mean", layer.name)
    _check_finite(var64, "variance", layer.name)
    f = 0.0 if s == 0 else 1.0 / s
    if s == 0:
        diagnostics.append(
            Diagnostic(
                "zero_factor",
                "moving-average factor is 0 (never trained): Caffe uses mean = 0 and variance = 0",
                layer.name,
            )
        )
    stats = BatchNormStats("bvlc", mean64 * f, var64 * f, eps, factor=f, diagnostics=diagnostics)
    check_stats(stats, layer.name)
    return stats


def check_stats(stats: BatchNormStats, layer: str) -> None:
    """Rejects statistics that give no finite result; records warnings on odd ones."""
    _check_finite(stats.mean, "mean", layer)
    _check_finite(stats.var, "variance", layer)
    _check_positive(stats.var + stats.eps, "variance + eps", layer)
    negative = np.flatnonzero(stats.var < 0)
    if negative.size:
        stats.diagnostics.append(
            Diagnostic(
                "negative_variance",
                f"variance is negative in {negative.size} channels (first: channel {int(negative[0])}); "
                "only eps keeps the result finite",
                layer,
            )
        )


def use_global_stats(layer: Layer) -> bool | None:
    """The explicit ``batch_norm_param.use_global_stats``, or None when unset."""
    param = layer.node.get("batch_norm_param")
    if param is None or param.get("use_global_stats") is None:
        return None
    return param.get_bool("use_global_stats", True)


# --- Scale and Bias -----------------------------------------------------------------


def per_channel_reason(layer: Layer, axis_field: str = "axis") -> str | None:
    """Why a one-bottom Scale/Bias is not a per-channel map on axis 1, or None if it is.

    ``num_axes: 0`` is a scalar (broadcast to every channel).  Otherwise the axis must
    be 1: a negative axis depends on the blob's rank, which a prototxt does not state,
    so such layers stay separate rather than be guessed.
    """
    if len(layer.bottoms) != 1:
        return f"{layer.type} {layer.name!r} has {len(layer.bottoms)} bottoms (its scale is data, not a constant)"
    if len(layer.tops) != 1:
        return f"{layer.type} {layer.name!r} has {len(layer.tops)} tops"
    param = layer.param_node
    num_axes = param.get_int("num_axes", 1) if param is not None else 1
    if num_axes == 0:
        return None
    axis = param.get_int(axis_field, 1) if param is not None else 1
    if axis != 1:
        return f"{layer.type} {layer.name!r} works on axis {axis}, not the channel axis 1"
    return None


def scale_bias_affine(layer: Layer, blobs: Sequence[Blob], channels: int) -> Affine:
    """The affine of a one-bottom Scale or Bias layer over ``channels`` channels."""
    param = layer.param_node
    scalar = param is not None and param.get_int("num_axes", 1) == 0
    ones = np.ones(channels)
    zeros = np.zeros(channels)
    if layer.type == "Scale":
        bias_term = param.get_bool("bias_term", False) if param is not None else False
        want = 2 if bias_term else 1
        if len(blobs) != want:
            raise ModelValueError(
                f"Scale with bias_term: {'true' if bias_term else 'false'} needs {want} blob(s) "
                f"but the caffemodel holds {len(blobs)}",
                layer=layer.name,
            )
        a = _channel_values(blobs[0], channels, scalar, layer.name, "scale")
        b = _channel_values(blobs[1], channels, scalar, layer.name, "bias") if bias_term else zeros
        return Affine(a, b)
    if layer.type == "Bias":
        if len(blobs) != 1:
            raise ModelValueError(f"Bias needs 1 blob but the caffemodel holds {len(blobs)}", layer=layer.name)
        return Affine(ones, _channel_values(blobs[0], channels, scalar, layer.name, "bias"))
    raise GraphError(f"layer type {layer.type!r} is not a Scale or Bias", layer=layer.name)


def _channel_values(blob: Blob, channels: int, scalar: bool, layer: str, what: str) -> np.ndarray:
    """Blob values as float64 per channel; a ``num_axes: 0`` scalar is broadcast."""
    values = blob.data.astype(np.float64)
    if scalar and values.size == 1:
        values = np.full(channels, values[0])
    elif values.size != channels:
        raise ModelValueError(
            f"channel mismatch: {what} has {values.size} values (shape {blob.shape}) but the BatchNorm before it has {channels} channels",
            layer=layer,
        )
    _check_finite(values, what, layer)
    return values
