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
* :class:`Caffe2TrtError` - base class of every error caused by the input.
"""

from .batchnorm import bn_to_scale
from .deploy import to_deploy
from .errors import Caffe2TrtError
from .export import save
from .extract import Caffe2TrtWarning, ScaleWeights, extract
from .fold import FoldedGroup, FoldResult, fold, verify_fold

__version__ = "0.1.0"

__all__ = [
    "Caffe2TrtError",
    "Caffe2TrtWarning",
    "FoldResult",
    "FoldedGroup",
    "ScaleWeights",
    "bn_to_scale",
    "extract",
    "fold",
    "save",
    "to_deploy",
    "verify_fold",
    "__version__",
]
