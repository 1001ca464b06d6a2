"""The reference runs of verify.onnx read the model's files: a net parsed from text has
no prototxt file, and that is a clear error (its blobs become unchecked), not a run on a
file named ``None``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from caffe2trt_bn.errors import Caffe2TrtError
from caffe2trt_bn.io.prototxt import parse
from caffe2trt_bn.ir.graph import build_graph
from caffe2trt_bn.ir.net import Net, load_net
from caffe2trt_bn.verify import onnx as verify_onnx

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "branching"


def _net_without_prototxt_file() -> Net:
    on_disk = load_net(FIXTURE / "deploy.prototxt", FIXTURE / "net.caffemodel")
    doc = parse((FIXTURE / "deploy.prototxt").read_text())
    assert doc.path is None
    return Net(doc, build_graph(doc), on_disk.model)


def test_opencv_reference_refuses_a_net_without_prototxt_file(tmp_path: Path) -> None:
    pytest.importorskip("cv2")
    net = _net_without_prototxt_file()
    x = {"data": np.zeros((2, 3, 7, 7), np.float32)}
    runner = verify_onnx._OpenCV(net, x, tmp_path)
    try:
        for layers in ([], list(range(len(net.graph.layers)))):  # a sub-net, and the whole net
            with pytest.raises(Caffe2TrtError, match="not read from one"):
                runner.prototxt(layers)
    finally:
        runner.close()


def test_a_net_read_from_files_names_its_prototxt() -> None:
    net = load_net(FIXTURE / "deploy.prototxt", FIXTURE / "net.caffemodel")
    assert verify_onnx._prototxt_file(net) == str(FIXTURE / "deploy.prototxt")
