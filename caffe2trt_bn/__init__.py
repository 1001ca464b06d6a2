"""caffe2trt_bn: exact TensorRT Scale weights from Caffe BatchNorm models.

Public API:

* :func:`extract` - per-channel ``scale``/``shift``/``power`` for every BatchNorm
  (+ Scale + Bias) group of a Caffe model, as :class:`ScaleWeights`;
* :func:`save` - write them as HDF5, npz or tensorrtx ``.wts`` (by suffix);
* :func:`bn_to_scale` - the same conversion for statistics already normalised
  (e.g. PyTorch ``running_mean``/``running_var``);
* :func:`fold` - fold BatchNorm groups into their producers and write a leaner deploy
  prototxt + caffemodel (:func:`verify_fold` compares both nets in OpenCV dnn);
* :func:`to_deploy` - rewrite a train_val prototxt as a deploy prototxt (TEST-phase net,
  one Input layer, Softmax instead of SoftmaxWithLoss, BatchNorm on its stored
  statistics), byte for byte otherwise;
* :func:`to_onnx` - export the whole net to ONNX for TensorRT's ONNX parser
  (:class:`OnnxReport` says what was written);
* :class:`Caffe2TrtError` - base class of every error caused by the input.

``caffe2trt_bn.caffe_pb2`` (protoc's classes for Caffe's messages) is shipped for users
who want them; it needs protobuf (``pip install "caffe2trt_bn[proto]"``).  Nothing else in
the package imports it: models are read by the package's own readers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name -> the module defining it.  Names are imported on first use, so that
#: ``import caffe2trt_bn`` (and each command) loads only the modules it needs.
_EXPORTS = {
    "Caffe2TrtError": ".errors",
    "Caffe2TrtWarning": ".errors",
    "ScaleWeights": ".passes.scale_weights",
    "extract": ".passes.scale_weights",
    "save": ".export",
    "bn_to_scale": ".passes.batchnorm",
    "to_deploy": ".passes.deploy",
    "fold": ".passes.fold",
    "verify_fold": ".verify.fold",
    "FoldResult": ".passes.fold",
    "FoldedGroup": ".passes.fold",
    "to_onnx": ".export.onnx",
    "OnnxReport": ".export.onnx",
}

#: Written out (not computed from ``_EXPORTS``) so that linters and type checkers can read
#: it; tests/test_public_api.py checks that the two agree.
__all__ = [
    "Caffe2TrtError",
    "Caffe2TrtWarning",
    "FoldResult",
    "FoldedGroup",
    "OnnxReport",
    "ScaleWeights",
    "__version__",
    "bn_to_scale",
    "extract",
    "fold",
    "save",
    "to_deploy",
    "to_onnx",
    "verify_fold",
]

if TYPE_CHECKING:
    from .errors import Caffe2TrtError, Caffe2TrtWarning
    from .export import save
    from .export.onnx import OnnxReport, to_onnx
    from .passes.batchnorm import bn_to_scale
    from .passes.deploy import to_deploy
    from .passes.fold import FoldedGroup, FoldResult, fold
    from .passes.scale_weights import ScaleWeights, extract
    from .verify.fold import verify_fold


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
