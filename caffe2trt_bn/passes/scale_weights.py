"""The main job: TensorRT ``IScaleLayer`` weights for every BatchNorm group of a model.

:func:`convert` returns the weights together with warnings; :func:`extract` is the
public array API that turns those warnings into Python warnings (or errors under
``strict=True``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import Diagnostic, NoBatchNormError
from ..ir.net import Net, load_net
from ..policy import entry_point, report
from .batchnorm import FP16_MAX, FP16_MIN_SUBNORMAL
from .fuse import Group, compute_groups


@dataclass
class ScaleWeights:
    """One TensorRT ``IScaleLayer`` (``ScaleMode::kCHANNEL``): ``y = (x*scale + shift)**power``.

    ``name`` is the group's BatchNorm layer name; ``layers`` the fused Caffe layers in
    execution order (BatchNorm first); ``bottom``/``top`` the blob read and the blob
    written; ``scale``, ``shift``, ``power`` float32 arrays of ``channels`` values
    (power is all ones); ``eps`` the BatchNorm epsilon used; ``variant`` the storage
    convention of the BatchNorm blobs; ``notes`` why the group is not longer, if that
    is not obvious (e.g. fan-out).
    """

    name: str
    layers: list[str]
    bottom: str
    top: str
    scale: np.ndarray
    shift: np.ndarray
    power: np.ndarray
    eps: float
    variant: str = "bvlc"
    notes: list[str] = field(default_factory=list)

    @property
    def channels(self) -> int:
        return int(self.scale.size)

    def metadata(self) -> dict[str, object]:
        """The attributes every output format records next to the arrays."""
        return {
            "name": self.name,
            "layers": list(self.layers),
            "bottom": self.bottom,
            "top": self.top,
            "channels": self.channels,
            "eps": self.eps,
            "variant": self.variant,
        }


@dataclass
class Conversion:
    """The result of :func:`convert`: weights, the matched groups, and warnings."""

    weights: list[ScaleWeights]
    groups: list[Group]
    diagnostics: list[Diagnostic]
    net: Net


@entry_point(issue=False)
def convert(prototxt: str | Path, caffemodel: str | Path, *, strict: bool = False) -> Conversion:
    """Reads a model and computes the fused Scale weights of every BatchNorm group.

    ``strict`` turns the first warning that is a risk into a :class:`StrictModeError`
    (:mod:`caffe2trt_bn.policy`); the warnings are returned in the result, not issued.
    """
    conversion = convert_net(load_net(prototxt, caffemodel))
    report(conversion.diagnostics)
    return conversion


def no_batchnorm_error(prototxt: str | Path) -> NoBatchNormError:
    """The error the merge stops with on a net without a BatchNorm-like layer (an empty
    weights file is never what was asked for; most likely the wrong prototxt was given).
    ``inspect`` reports the same."""
    return NoBatchNormError(
        "the TEST-phase net has no BatchNorm-like layer (BatchNorm, BN), so there are no Scale weights "
        "to write; is this the model you meant?",
        file=prototxt,
    )


def convert_net(net: Net) -> Conversion:
    """:func:`convert` for a net already loaded (the warnings are in the result)."""
    computed, diagnostics = compute_groups(net)
    # All groups' channels are rounded and checked in one go; each group's arrays are
    # views of one float32 array per kind.
    all_scales = np.concatenate([item.affine.a for item in computed] or [np.zeros(0)]).astype(np.float32)
    all_shifts = np.concatenate([item.affine.b for item in computed] or [np.zeros(0)]).astype(np.float32)
    all_powers = np.ones_like(all_scales)
    spans: list[tuple[int, int]] = []
    end = 0
    for item in computed:
        spans.append((end, end + item.affine.channels))
        end += item.affine.channels
    if not fp16_representable(all_scales, all_shifts):
        for item, (lo, hi) in zip(computed, spans):
            diagnostics.extend(value_diagnostics(item.group.name, all_scales[lo:hi], all_shifts[lo:hi], net.caffemodel_path))
    weights: list[ScaleWeights] = []
    for item, (lo, hi) in zip(computed, spans):
        group, stats = item.group, item.stats
        scale, shift, power = all_scales[lo:hi], all_shifts[lo:hi], all_powers[lo:hi]
        weights.append(
            ScaleWeights(
                name=group.name,
                layers=[layer.name for layer in group.layers],
                bottom=group.bn.bottoms[0],
                top=group.last.tops[0],
                scale=scale,
                shift=shift,
                power=power,
                eps=stats.eps,
                variant=stats.variant,
                notes=list(group.notes),
            )
        )
    return Conversion(weights=weights, groups=[item.group for item in computed], diagnostics=diagnostics, net=net)


def fp16_representable(scale: np.ndarray, shift: np.ndarray) -> bool:
    """True in the usual case, decided in a few array operations: every shift within
    FP16's range and every scale within it and not below its resolution."""
    magnitude = np.abs(scale)
    return bool(
        magnitude.max(initial=0.0) <= FP16_MAX
        and np.abs(shift).max(initial=0.0) <= FP16_MAX
        and (magnitude >= FP16_MIN_SUBNORMAL).all()
    )


#: Below this magnitude a scale is harmless in FP16: for every finite FP16 input x
#: (|x| <= 65504), |x*scale| < 2**-26, a quarter of FP16's smallest spacing, so
#: x*scale + shift, computed in FP16 or wider, rounds to the FP16 shift, as it does with
#: the scale zeroed (half the spacing would do in exact arithmetic; the other half
#: absorbs the engine's own roundings of the product and the sum).
FP16_NEGLIGIBLE_SCALE = 2.0**-26 / FP16_MAX


def value_diagnostics(layer: str, scale: np.ndarray, shift: np.ndarray, path: str | None) -> list[Diagnostic]:
    """Warnings for values an FP16 TensorRT engine cannot represent.

    A scale below FP16's smallest value (2**-24) is lost in FP16; ``fp16_underflow`` (a
    risk) when some FP16 input would show it, ``fp16_underflow_negligible`` (information)
    when none can (below :data:`FP16_NEGLIGIBLE_SCALE`, e.g. the 4e-38 of a pruned channel).
    """
    if fp16_representable(scale, shift):
        return []
    out = []
    # One warning per layer, counting the channels whose scale or shift overflows.
    beyond = [(what, values, np.flatnonzero(np.abs(values) > FP16_MAX)) for what, values in (("scale", scale), ("shift", shift))]
    parts = [
        f"{what} of channel {int(big[0])} is {float(values[big[0]]):.6g}, beyond the FP16 range (65504) in {big.size} channel(s)"
        for what, values, big in beyond
        if big.size
    ]
    if parts:
        channels = np.union1d(beyond[0][2], beyond[1][2]).size
        out.append(
            Diagnostic(
                "fp16_overflow", "; ".join(parts) + ": an FP16 engine will overflow", layer, path, channels=int(channels)
            )
        )
    magnitude = np.abs(scale)
    tiny = (scale != 0) & (magnitude < FP16_MIN_SUBNORMAL)
    negligible = tiny & (magnitude < FP16_NEGLIGIBLE_SCALE)
    visible = np.flatnonzero(tiny & ~negligible)
    if visible.size:
        c = int(visible[0])
        out.append(
            Diagnostic(
                "fp16_underflow",
                f"scale of channel {c} is {float(scale[c]):.6g}, below FP16's smallest value (2**-24) in "
                f"{visible.size} channel(s): an FP16 engine rounds those scales to 0 or 2**-24, which can change "
                f"the output x*scale + shift for inputs of magnitude above {2.0**-26 / float(magnitude[visible].max()):.3g}",
                layer,
                path,
                channels=int(visible.size),
            )
        )
    lost = np.flatnonzero(negligible)
    if lost.size:
        c = int(lost[0])
        out.append(
            Diagnostic(
                "fp16_underflow_negligible",
                f"scale of channel {c} is {float(scale[c]):.6g}, below {FP16_NEGLIGIBLE_SCALE:.3g} in {lost.size} "
                "channel(s): an FP16 engine zeroes those scales, which changes no output (x*scale is below "
                "FP16's resolution for every FP16 input), so those channels output their shift",
                layer,
                path,
                channels=int(lost.size),
            )
        )
    return out


@entry_point
def extract(prototxt: str | Path, caffemodel: str | Path, *, strict: bool = False) -> list[ScaleWeights]:
    """TensorRT Scale weights for every BatchNorm group of a Caffe model.

    ``prototxt`` is the deploy net (authoritative for structure and parameters such
    as ``eps``), ``caffemodel`` the trained weights.  Each :class:`ScaleWeights` holds
    float32 ``scale``/``shift``/``power`` with ``y = x*scale + shift`` reproducing what
    Caffe computes for the group.  Model warnings are issued as
    :class:`Caffe2TrtWarning`, one per diagnostic, information included;
    ``strict=True`` raises the first that is a risk as an error instead (see
    :data:`~caffe2trt_bn.errors.WARNING_KINDS`).  Errors in the input raise
    :class:`Caffe2TrtError`.
    """
    result = convert(prototxt, caffemodel, strict=strict)
    report(result.diagnostics)
    return result.weights
