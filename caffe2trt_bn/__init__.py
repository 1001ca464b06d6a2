"""caffe2trt_bn: exact TensorRT Scale weights from Caffe BatchNorm models.

Public API:

* :func:`extract` - per-channel ``scale``/``shift``/``power`` for every BatchNorm
  (+ Scale + Bias) group of a Caffe model, as :class:`ScaleWeights`;
* :func:`save` - write them as HDF5, npz or tensorrtx ``.wts`` (by suffix);
* :func:`bn_to_scale` - the same conversion for statistics already normalised
  (e.g. PyTorch ``running_mean``/``running_var``);
* :func:`fold` - fold BatchNorm groups into their producers and write a leaner deploy
  prototxt + caffemodel (:func:`verify_fold` compares both nets in OpenCV dnn);
* :class:`Caffe2TrtError` - base class of every error caused by the input.

Names are imported on first use, so ``import caffe2trt_bn`` (and the command line) loads
only the modules the chosen operation needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_EXPORTS = {
    "Caffe2TrtError": ".errors",
    "Caffe2TrtWarning": ".extract",
    "ScaleWeights": ".extract",
    "extract": ".extract",
    "save": ".export",
    "bn_to_scale": ".batchnorm",
    "fold": ".fold",
    "verify_fold": ".fold",
    "FoldResult": ".fold",
    "FoldedGroup": ".fold",
}

__all__ = [*_EXPORTS, "__version__"]

if TYPE_CHECKING:
    from .batchnorm import bn_to_scale
    from .errors import Caffe2TrtError
    from .export import save
    from .extract import Caffe2TrtWarning, ScaleWeights, extract
    from .fold import FoldedGroup, FoldResult, fold, verify_fold


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
