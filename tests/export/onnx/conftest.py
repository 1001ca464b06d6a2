"""The ONNX export tests need the ``onnx`` extra (onnx and onnxruntime)."""

import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
