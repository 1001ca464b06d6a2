"""The protobuf peer: what a script built on the generated protobuf module does.

The generated module ``caffe_pb2`` is loaded from its file (not through our package), then
``NetParameter.FromString`` parses the whole caffemodel and the BatchNorm and Scale blobs
become numpy arrays.  Arguments: CAFFE_PB2_PY MODEL.  Prints ``work`` (the parse alone,
seconds), ``import`` (loading the module) and ``layers``.  :mod:`paired` imports the two
functions.
"""

import importlib.util
import json
import sys
import time
from types import ModuleType
from typing import Any

import numpy as np


def load_caffe_pb2(path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location("caffe_pb2", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def protobuf_parse(caffe_pb2: ModuleType, model: str) -> tuple[Any, dict[str, list[np.ndarray]]]:
    with open(model, "rb") as f:
        net = caffe_pb2.NetParameter.FromString(f.read())
    blobs = {layer.name: [np.array(b.data, dtype=np.float32) for b in layer.blobs]
             for layer in net.layer if layer.type in ("BatchNorm", "Scale")}
    assert blobs
    return net, blobs


if __name__ == "__main__":
    t0 = time.perf_counter()
    caffe_pb2 = load_caffe_pb2(sys.argv[1])
    t1 = time.perf_counter()
    net, blobs = protobuf_parse(caffe_pb2, sys.argv[2])  # freed after the timing, at exit
    t2 = time.perf_counter()
    print(json.dumps({"work": t2 - t1, "import": t1 - t0, "layers": len(blobs)}))
