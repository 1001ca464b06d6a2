"""The project's benchmarks: speed and memory against the tools people use (``bench.py``)
and the correctness of Caffe -> ONNX converters on the real-Caffe fixtures
(``onnx_peers.py``).  Run them as scripts; see ``benchmarks/README.md``."""
