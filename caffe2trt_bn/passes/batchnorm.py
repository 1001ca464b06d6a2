"""Caffe BatchNorm, Scale and Bias semantics, as per-channel affine maps in float64.

Every layer this project fuses computes, per channel ``c`` of axis 1,
``y = a[c] * x + b[c]``.  This module turns a layer's parameters and blobs into that
:class:`Affine`, exactly as Caffe defines the layer at inference:

* BVLC ``BatchNorm`` stores ``mean*s``, ``var*s`` and ``s``.  With ``f = 0 if s == 0
  else 1/s``: ``a = 1/sqrt(var*f + eps)``, ``b = -mean*f*a``.  ``s == 0`` (a layer
  never trained) means mean = var = 0, not a division by zero.  ``eps`` is
  ``batch_norm_param.eps`` as Caffe stores it (a float32; default float32(1e-5)).
* Forks (:data:`VARIANTS`), told apart by layer type and blob count and sizes, never by
  a global schema (their parameter field numbers collide with BVLC's):

  - NVIDIA Caffe 0.16+ ``BatchNorm`` with ``scale_bias``: 5 blobs ``mean, var,
    correction (1 value, unused at inference), scale, bias``; plain statistics (no
    factor); ``a = scale/sqrt(var + eps)``, ``b = bias - mean*a`` with
    ``eps = max(batch_norm_param.eps, 1e-5)``: its layer raises a smaller eps to
    cuDNN's minimum.  Its TEST phase always uses the stored statistics, whatever
    ``use_global_stats`` says.
  - NVIDIA Caffe 0.15 ``BatchNorm``: 5 blobs ``scale, bias, mean, var, 1 value``; same
    formula, eps as written.  Only the blob sizes tell the two orderings apart; with one
    channel they cannot, and an explicit ``scale_bias: true`` (a field 0.15 did not
    have) decides.
  - ``BN`` of the TSN / Inception-BN fork: 4 blobs ``slope, bias, mean, var`` shaped
    (1, C, 1, 1), statistics already normalised; ``bn_param.eps`` (default 1e-5).
  - ``BN`` of SegNet: 2 blobs ``scale, shift``.  In ``bn_param { bn_mode: INFERENCE }``
    they are the folded map ``a = scale``, ``b = shift``; in the default LEARN mode the
    layer normalises each batch with its own statistics and no constant map exists.
* ``Scale`` and ``Bias`` with one bottom: see :mod:`.scale_bias`.

Composition (:meth:`Affine.then`) is ``a = a1*a2``, ``b = a2*b1 + b2``, all in float64;
results are rounded to float32 once, at the end.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import Diagnostic, GraphError, ModelValueError
from ..io.caffemodel import Blob, CaffeModel
from ..ir import schema
from ..ir.graph import Graph, Layer
from ..ir.params import has, layer_params
from ..ir.registry import Registry
from ..policy import entry_point

#: Caffe's default ``batch_norm_param.eps``, as the float32 Caffe actually uses.
DEFAULT_EPS = schema.BatchNormParameter.FIELDS["eps"].default

#: NVIDIA Caffe's BatchNorm computes with ``max(eps, 1e-5)`` (cuDNN's minimum), in float32.
NVCAFFE_MIN_EPS = DEFAULT_EPS

#: Storage conventions :func:`read_batchnorm` recognises (``BatchNormStats.variant``).
VARIANTS: dict[str, str] = {
    "bvlc": "BVLC Caffe BatchNorm: blobs mean*s, var*s, s",
    "nvcaffe": "NVIDIA Caffe 0.16+ BatchNorm with scale_bias: blobs mean, var, correction, scale, bias",
    "nvcaffe-0.15": "NVIDIA Caffe 0.15 BatchNorm: blobs scale, bias, mean, var, one unused value",
    "bn-tsn": "BN of the TSN/Inception-BN fork: blobs slope, bias, mean, var",
    "bn-segnet": "SegNet BN in INFERENCE mode: blobs scale, shift (statistics already folded in)",
}

#: What :func:`check_supported` says about a V1 net.
V1_MESSAGE = "V1 net (legacy 'layers' format) has no BatchNorm layers (V1 predates BatchNorm); nothing to merge"

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

    def then(self, other: Affine) -> Affine:
        """This map followed by ``other``: ``a = a1*a2``, ``b = a2*b1 + b2``."""
        return Affine(self.a * other.a, other.a * self.b + other.b)


@dataclass
class BatchNormStats:
    """What a BatchNorm-like layer computes at inference, with statistics normalised.

    ``variant`` names the storage convention detected (a key of :data:`VARIANTS`);
    ``factor`` is the moving-average factor ``f`` applied to the stored sums (None
    where the variant stores plain statistics); ``gamma``/``beta`` are set by variants
    that carry their own scale and shift.  ``folded`` marks a layer that stores no
    statistics at all, only the final ``gamma``/``beta`` (SegNet's BN in INFERENCE
    mode): ``mean``/``var`` are then 0 and 1 placeholders and ``eps`` is 0.
    """

    variant: str
    mean: np.ndarray
    var: np.ndarray
    eps: float
    factor: float | None = None
    gamma: np.ndarray | None = None
    beta: np.ndarray | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    folded: bool = False

    @property
    def channels(self) -> int:
        return int(self.mean.size)

    def affine(self) -> Affine:
        if self.folded and self.gamma is not None and self.beta is not None:
            return Affine(np.asarray(self.gamma, dtype=np.float64), np.asarray(self.beta, dtype=np.float64))
        return bn_affine(self.mean, self.var, self.eps, self.gamma, self.beta)


def bn_affine(
    mean: np.ndarray,
    var: np.ndarray,
    eps: float | np.ndarray,
    gamma: np.ndarray | None = None,
    beta: np.ndarray | None = None,
) -> Affine:
    """``a = gamma/sqrt(var + eps)``, ``b = beta - mean*a`` in float64 (eps inside the root).

    ``eps`` is one number or one per channel (several layers' channels computed at once).
    """
    mean64 = np.asarray(mean, dtype=np.float64)
    a = 1.0 / np.sqrt(np.asarray(var, dtype=np.float64) + (eps if isinstance(eps, np.ndarray) else float(eps)))
    b = -mean64 * a
    if gamma is not None:
        g = np.asarray(gamma, dtype=np.float64)
        a = a * g
        b = b * g
    if beta is not None:
        b = b + np.asarray(beta, dtype=np.float64)
    return Affine(a, b)


@entry_point
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
    rounded once.  Never returns a value that is not finite: raises
    :class:`ModelValueError` (naming the first channel concerned) for NaN/Inf inputs or
    eps, values that are not real numbers, mismatched lengths, ``var + eps <= 0`` or
    beyond float64, and a scale or shift beyond the float32 range, as :func:`extract`
    does for a Caffe model.
    """
    eps_values = _as_f64(eps, "eps")
    if eps_values.size != 1:
        raise ModelValueError(f"eps holds {eps_values.size} values, not one")
    eps_value = float(eps_values[0])
    if not np.isfinite(eps_value):
        raise ModelValueError(f"eps is {eps_value}")
    arrays = {"mean": mean, "var": var, "gamma": gamma, "beta": beta}
    flat = {k: _as_f64(v, k) for k, v in arrays.items() if v is not None}
    n = flat["mean"].size
    for key, value in flat.items():
        if value.size != n:
            raise ModelValueError(f"{key} has {value.size} values but mean has {n}")
        _check_finite(value, key)
    total = flat["var"] + eps_value
    _check_positive(total, "var + eps")
    _check_finite(total, "var + eps")  # past the float64 range: 1/sqrt would round it to 0
    affine = bn_affine(flat["mean"], flat["var"], eps_value, flat.get("gamma"), flat.get("beta"))
    from .fuse import check_float32_range  # fuse imports this module

    check_float32_range(affine)
    scale, shift = to_float32(affine)
    return scale, shift, np.ones_like(scale)


def to_float32(affine: Affine) -> tuple[np.ndarray, np.ndarray]:
    """Rounds an affine once to float32 ``(scale, shift)``."""
    return affine.a.astype(np.float32), affine.b.astype(np.float32)


def _as_f64(values: object, what: str) -> np.ndarray:
    """Flat float64 values of an array-like (PyTorch tensors included); a
    :class:`ModelValueError` for values that are not real numbers (complex numbers
    would lose their imaginary part, strings and objects have no value)."""
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    array = np.asarray(values)
    if array.dtype.kind not in "biuf":
        raise ModelValueError(f"{what} holds {array.dtype} values, not real numbers")
    return array.astype(np.float64, copy=False).reshape(-1)


def _check_finite(values: np.ndarray, what: str, layer: str | None = None) -> None:
    # One reduction decides the usual case: a sum is finite unless a value is NaN/Inf
    # (or, for float64 input, the sum overflows: then the exact check below finds nothing).
    if np.isfinite(np.add.reduce(values, axis=None)):
        return
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        c = int(bad[0])
        more = f" (and {bad.size - 1} more channels)" if bad.size > 1 else ""
        raise ModelValueError(f"{what} is {values[c]}{more}", layer=layer, channel=c)


def _check_positive(values: np.ndarray, what: str, layer: str | None = None) -> None:
    if values.size and np.minimum.reduce(values, axis=None) > 0:  # NaN fails this too
        return
    bad = np.flatnonzero(~(values > 0))
    if bad.size:
        c = int(bad[0])
        more = f" (and {bad.size - 1} more channels)" if bad.size > 1 else ""
        raise ModelValueError(f"{what} = {values[c]:.6g} is not positive{more}", layer=layer, channel=c)


# --- reading layers -----------------------------------------------------------------


def batch_norm_param(layer: Layer) -> schema.BatchNormParameter:
    """The typed ``batch_norm_param`` of a ``BatchNorm`` layer."""
    param = layer_params(layer)
    assert isinstance(param, schema.BatchNormParameter)
    return param


#: A batch normalisation reader: ``(layer, blobs) -> BatchNormStats``.
BatchNormReader = Callable[[Layer, Sequence[Blob]], BatchNormStats]

#: The readers of the batch normalisation layer types, by type: the type says which
#: parameter message applies, the reader tells the variants apart by their blobs.
BATCHNORM_READERS: Registry[BatchNormReader] = Registry(
    "batch normalisation reader", missing="is not a supported batch normalisation"
)


def read_batchnorm(layer: Layer, blobs: Sequence[Blob]) -> BatchNormStats:
    """Interprets a BatchNorm-like layer's prototxt parameters and caffemodel blobs.

    The layer type says which reader applies (:data:`BATCHNORM_READERS`:
    ``batch_norm_param`` for ``BatchNorm``, ``bn_param`` for ``BN``); the blob count and
    sizes say which fork wrote the blobs (see :data:`VARIANTS`).  Raises
    :class:`ModelValueError` for blobs that fit no known layout or fit two of them, and
    :class:`~caffe2trt_bn.errors.NoHandlerError` for a type without a reader.
    """
    return BATCHNORM_READERS.handler(layer)(layer, blobs)


@BATCHNORM_READERS.register("BatchNorm")
def _read_batchnorm_layer(layer: Layer, blobs: Sequence[Blob]) -> BatchNormStats:
    """``BatchNorm``: BVLC's 3 blobs, or NVIDIA Caffe's 5 (see :data:`VARIANTS`)."""
    if len(blobs) == 5:
        return _read_nvcaffe(layer, blobs)
    return _read_bvlc(layer, blobs)


def bvlc_blobs(layer: Layer, blobs: Sequence[Blob]) -> tuple[np.ndarray, np.ndarray, float]:
    """BVLC BatchNorm's stored ``mean*s``, ``var*s`` and ``s``, as stored (not yet checked
    for finite values): the blob layout, read once for the general path
    (:func:`read_batchnorm`) and the grouped one (:mod:`.fuse`).  Raises
    :class:`ModelValueError` for blobs that are not that layout."""
    param = batch_norm_param(layer)
    if len(blobs) != 3:
        raise ModelValueError(
            f"BatchNorm needs 3 blobs (BVLC: mean*s, var*s, s) or 5 (NVIDIA Caffe with scale and bias) "
            f"but the caffemodel holds {len(blobs)}",
            layer=layer.name,
        )
    if param.scale_bias:
        raise ModelValueError(
            "batch_norm_param.scale_bias is set, but the caffemodel holds 3 blobs (no scale and bias), "
            "not NVIDIA Caffe's 5",
            layer=layer.name,
        )
    mean_s, var_s, s_blob = (b.data for b in blobs)
    if s_blob.size != 1:
        raise ModelValueError(f"BatchNorm blob 2 (the factor s) holds {s_blob.size} values, not 1", layer=layer.name)
    if mean_s.size != var_s.size:
        raise ModelValueError(
            f"channel mismatch: mean has {mean_s.size} channels, variance {var_s.size}", layer=layer.name
        )
    return mean_s, var_s, float(s_blob[0])


def _read_bvlc(layer: Layer, blobs: Sequence[Blob]) -> BatchNormStats:
    eps = batch_norm_param(layer).eps
    mean_s, var_s, s = bvlc_blobs(layer, blobs)
    diagnostics: list[Diagnostic] = []
    if not np.isfinite(s):
        raise ModelValueError(f"moving-average factor s is {s}", layer=layer.name)
    # NaN/Inf in the stored sums are reported as such, before the factor can hide them.
    _check_finite(mean_s, "mean", layer.name)
    _check_finite(var_s, "variance", layer.name)
    f = 0.0 if s == 0 else 1.0 / s
    if s == 0:
        diagnostics.append(
            Diagnostic(
                "zero_factor",
                "moving-average factor is 0 (never trained): Caffe uses mean = 0 and variance = 0",
                layer.name,
            )
        )
    mean = np.multiply(mean_s, f, dtype=np.float64)
    var = np.multiply(var_s, f, dtype=np.float64)
    stats = BatchNormStats("bvlc", mean, var, eps, factor=f, diagnostics=diagnostics)
    check_stats(stats, layer.name)
    return stats


def _read_nvcaffe(layer: Layer, blobs: Sequence[Blob]) -> BatchNormStats:
    """NVIDIA Caffe's 5-blob BatchNorm, in the 0.16+ or the 0.15 ordering (by blob sizes)."""
    param = batch_norm_param(layer)
    sizes = [b.count for b in blobs]
    c = sizes[0]
    new_layout = sizes[2] == 1 and sizes[1] == sizes[3] == sizes[4] == c
    old_layout = sizes[4] == 1 and sizes[1] == sizes[2] == sizes[3] == c
    scale_bias = param.scale_bias if has(param, "scale_bias") else None
    if new_layout and old_layout:
        if scale_bias is not True:
            raise ModelValueError(
                "ambiguous NVIDIA Caffe BatchNorm: 5 blobs of one value each fit both the 0.16+ ordering "
                "(mean, var, correction, scale, bias) and the 0.15 one (scale, bias, mean, var, unused); "
                "if the model comes from NVIDIA Caffe 0.16 or later, set batch_norm_param { scale_bias: true }",
                layer=layer.name,
            )
        old_layout = False
    if not (new_layout or old_layout):
        raise ModelValueError(
            f"BatchNorm with 5 blobs of sizes {sizes} fits neither NVIDIA Caffe ordering: 0.16+ stores "
            "(C, C, 1, C, C) = mean, var, correction, scale, bias; "
            "0.15 stores (C, C, C, C, 1) = scale, bias, mean, var, unused",
            layer=layer.name,
        )
    diagnostics: list[Diagnostic] = []
    written_eps = param.eps
    if new_layout:
        variant, mean, var, gamma, beta = "nvcaffe", blobs[0], blobs[1], blobs[3], blobs[4]
        eps = max(written_eps, NVCAFFE_MIN_EPS)
        if written_eps < NVCAFFE_MIN_EPS:
            diagnostics.append(
                Diagnostic(
                    "eps_raised",
                    f"eps {written_eps:.6g} is below NVIDIA Caffe's minimum: its BatchNorm computes with "
                    f"eps = {NVCAFFE_MIN_EPS:.6g} (cuDNN's limit), and so do these weights",
                    layer.name,
                )
            )
        implied = has(param, "scale_filler") or has(param, "bias_filler")
        if scale_bias is not True and not implied:
            diagnostics.append(
                Diagnostic(
                    "scale_bias_unset",
                    "the caffemodel holds NVIDIA Caffe's 5 blobs with scale and bias, but the prototxt does not set "
                    "batch_norm_param.scale_bias (NVIDIA Caffe and OpenCV refuse such a pair); "
                    "scale and bias were applied",
                    layer.name,
                )
            )
    else:
        variant, mean, var, gamma, beta = "nvcaffe-0.15", blobs[2], blobs[3], blobs[0], blobs[1]
        eps = written_eps
    stats = BatchNormStats(
        variant,
        finite_values(mean, layer.name, "mean"),
        finite_values(var, layer.name, "variance"),
        eps,
        gamma=finite_values(gamma, layer.name, "scale"),
        beta=finite_values(beta, layer.name, "bias"),
        diagnostics=diagnostics,
    )
    check_stats(stats, layer.name)
    return stats


@BATCHNORM_READERS.register("BN")
def _read_bn(layer: Layer, blobs: Sequence[Blob]) -> BatchNormStats:
    """The ``BN`` layer type: TSN/Inception-BN with 4 blobs, SegNet with 2."""
    param = layer_params(layer)
    assert isinstance(param, schema.BNParameter)
    sizes = [b.count for b in blobs]
    if len(blobs) == 4:
        if len(set(sizes)) != 1:
            raise ModelValueError(
                f"channel mismatch: BN blobs (slope, bias, mean, var) hold {sizes} values", layer=layer.name
            )
        names = ("slope", "bias", "mean", "variance")
        slope, bias, mean, var = (finite_values(b, layer.name, what) for b, what in zip(blobs, names))
        eps = param.eps
        stats = BatchNormStats("bn-tsn", mean, var, eps, gamma=slope, beta=bias)
        check_stats(stats, layer.name)
        return stats
    if len(blobs) == 2:
        mode = param.bn_mode
        if mode != "INFERENCE":
            raise GraphError(
                f"SegNet BN layer in bn_mode {mode} normalises each batch with its own statistics and the caffemodel "
                "stores none (2 blobs: scale, shift); SegNet's compute_bn_statistics.py folds the statistics into "
                "scale and shift and sets bn_param { bn_mode: INFERENCE }",
                layer=layer.name,
            )
        if sizes[0] != sizes[1]:
            raise ModelValueError(f"channel mismatch: scale has {sizes[0]} values, shift {sizes[1]}", layer=layer.name)
        scale = finite_values(blobs[0], layer.name, "scale")
        shift = finite_values(blobs[1], layer.name, "shift")
        n = scale.size
        return BatchNormStats("bn-segnet", np.zeros(n), np.ones(n), 0.0, gamma=scale, beta=shift, folded=True)
    raise ModelValueError(
        f"BN needs 4 blobs (TSN/Inception-BN: slope, bias, mean, var) or 2 (SegNet: scale, shift) "
        f"but the caffemodel holds {len(blobs)}",
        layer=layer.name,
    )


#: Layer types this project treats as batch normalisation: those with a reader.
BATCHNORM_TYPES = frozenset(BATCHNORM_READERS.types())


def finite_values(blob: Blob, layer: str, what: str) -> np.ndarray:
    """A blob's values widened exactly to float64 (float16 and float32 included), all finite."""
    values = blob.data.astype(np.float64)
    _check_finite(values, what, layer)
    return values


@functools.lru_cache(maxsize=1024)
def batchnorm_like(layer_type: str) -> bool:
    """True for a layer type that names a batch normalisation this project does not read.

    Forks add their own (``SyncBN``, ``BatchNormalization``, ``FrozenBN``, ...); their
    blob layouts are unverified, so they are reported by name rather than guessed.
    ``BNLL`` (an activation) is not one.
    """
    if layer_type in BATCHNORM_TYPES:
        return False
    key = re.sub(r"[^a-z0-9]", "", layer_type.lower())
    return "batchnorm" in key or key.endswith("bn")


def unsupported_message(layer: Layer) -> str:
    """Why an unknown batch-normalisation-like layer stops a conversion (one line)."""
    return (
        f"layer type {layer.type!r} looks like a batch normalisation, but only BatchNorm (BVLC Caffe; NVIDIA Caffe "
        "with 5 blobs) and BN (TSN/Inception-BN with 4 blobs; SegNet with 2) are read; "
        "the weights would leave this layer out"
    )


def v1_problem(graph: Graph, model: CaffeModel | None = None) -> tuple[str | None, str] | None:
    """``(file, message)`` when the prototxt or the caffemodel is a V1 net, else None."""
    if graph.v1:
        return graph.path, V1_MESSAGE
    if model is not None and model.is_v1:
        return model.path, (
            "the caffemodel is a V1 net (legacy 'layers' format), which predates BatchNorm: "
            "it holds no BatchNorm statistics; nothing to merge"
        )
    return None


def check_supported(graph: Graph, model: CaffeModel | None = None) -> None:
    """Raises :class:`GraphError` when a net cannot be converted as a whole.

    A V1 net (legacy ``layers``, NetParameter field 2) predates BatchNorm, in the
    prototxt or in the caffemodel; a layer whose type looks like a batch normalisation
    of an unsupported fork (:func:`batchnorm_like`) would silently be left out.
    """
    v1 = v1_problem(graph, model)
    if v1 is not None:
        raise GraphError(v1[1], file=v1[0])
    for layer in graph.layers:
        if batchnorm_like(layer.type):
            raise GraphError(unsupported_message(layer), file=graph.path, layer=layer.name)


def check_stats(stats: BatchNormStats, layer: str) -> None:
    """Rejects statistics that give no finite result; records warnings on odd ones."""
    _check_finite(stats.mean, "mean", layer)
    _check_finite(stats.var, "variance", layer)
    _check_positive(stats.var + stats.eps, "variance + eps", layer)
    if stats.var.size == 0 or np.minimum.reduce(stats.var, axis=None) >= stats.eps:
        return  # no negative and no small variance: the usual case, in one reduction
    negative = np.flatnonzero(stats.var < 0)
    if negative.size:
        stats.diagnostics.append(
            Diagnostic(
                "negative_variance",
                f"variance is negative in {negative.size} channels (first: channel {int(negative[0])}); "
                "only eps keeps the result finite",
                layer,
                channels=int(negative.size),
            )
        )
    # Below eps, eps outweighs the statistic: the channel's scale (up to 1/sqrt(eps)) is set
    # by eps, not by the data, typically a dead channel.  A never-trained layer (factor 0)
    # has its own warning.
    small = np.flatnonzero((stats.var >= 0) & (stats.var < stats.eps))
    if small.size and stats.factor != 0:
        c = int(small[0])
        stats.diagnostics.append(
            Diagnostic(
                "small_variance",
                f"variance is below eps ({stats.eps:.3g}) in {small.size} channel(s) (first: channel {c}, "
                f"variance {float(stats.var[c]):.3g}): eps, not the data, sets their scale",
                layer,
                channels=int(small.size),
            )
        )


def use_global_stats(layer: Layer) -> bool | None:
    """The explicit ``batch_norm_param.use_global_stats``, or None when unset."""
    param = batch_norm_param(layer)
    return param.use_global_stats if has(param, "use_global_stats") else None
