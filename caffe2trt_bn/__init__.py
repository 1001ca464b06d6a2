"""caffe2trt_bn: exact TensorRT Scale weights from Caffe BatchNorm models.

Public API:

* :func:`extract` - per-channel ``scale``/``shift``/``power`` for every BatchNorm
  (+ Scale + Bias) group of a Caffe model, as :class:`ScaleWeights`;
* :func:`save` - write them as HDF5, npz or tensorrtx ``.wts`` (by suffix);
* :func:`bn_to_scale` - the same conversion for statistics already normalised
  (e.g. PyTorch ``running_mean``/``running_var``);
* :class:`Caffe2TrtError` - base class of every error caused by the input.
"""

from .batchnorm import bn_to_scale
from .errors import Caffe2TrtError
from .export import save
from .extract import Caffe2TrtWarning, ScaleWeights, extract

__version__ = "0.1.0"

__all__ = [
    "Caffe2TrtError",
    "Caffe2TrtWarning",
    "ScaleWeights",
    "bn_to_scale",
    "extract",
    "save",
    "__version__",
]
