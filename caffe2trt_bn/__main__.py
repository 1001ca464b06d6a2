"""``python -m caffe2trt_bn``: the same as the ``caffe-bn-merge`` command."""

from .cli import console

console()
