"""``python -m caffe2trt_bn``: the same as the ``caffe-bn-merge`` command."""

import sys

from .cli import main

sys.exit(main())
