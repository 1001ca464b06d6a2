"""The ONNX operators TensorRT's ONNX parser documents as supported, kept as data.

Source: onnx-tensorrt ``docs/operators.md`` (the operator support matrix shipped with
TensorRT 8.4 to 10.x; every op below is marked supported there from TensorRT 8.4 on).
Only the ops a Caffe net can need are listed, each with the restriction the parser
documents (if any).  Every node the exporter emits is checked against this table
(:func:`check_op`), and the tests check every exported model against it too.
"""

from __future__ import annotations

#: op_type -> the parser's documented restriction ("" for none).
TRT_OPS: dict[str, str] = {
    "Abs": "",
    "Add": "",
    "And": "",
    "ArgMax": "",
    "AveragePool": "2-D or 3-D pooling only",
    "BatchNormalization": "",
    "Cast": "TensorRT types only",
    "Ceil": "",
    "Clip": "",
    "Concat": "",
    "Constant": "",
    "Conv": "2-D or 3-D only; weights must be an initializer",
    "ConvTranspose": "2-D or 3-D only; weights must be an initializer",
    "DepthToSpace": "",
    "Div": "",
    "Dropout": "inference no-op only",
    "Elu": "",
    "Equal": "",
    "Exp": "",
    "Expand": "",
    "Flatten": "",
    "Floor": "",
    "Gather": "",
    "GatherElements": "",
    "GatherND": "",
    "Gemm": "",
    "GlobalAveragePool": "",
    "GlobalMaxPool": "",
    "Greater": "",
    "HardSigmoid": "",
    "Identity": "",
    "LeakyRelu": "",
    "Less": "",
    "LessOrEqual": "",
    "Log": "",
    "LRN": "odd window of at most 15",
    "MatMul": "",
    "Max": "",
    "MaxPool": "2-D or 3-D pooling only; no Indices output; no dilation",
    "Min": "",
    "Mul": "",
    "Neg": "",
    "NonMaxSuppression": "max_output_boxes_per_class, iou_threshold, score_threshold must be initializers",
    "NonZero": "",
    "Pad": "",
    "Pow": "",
    "PRelu": "slopes broadcast numpy-style (per-channel slope shaped [C,1,1])",
    "Range": "",
    "ReduceL1": "axes must be an initializer",
    "ReduceMax": "axes must be an initializer",
    "ReduceMean": "axes must be an initializer",
    "ReduceMin": "axes must be an initializer",
    "ReduceSum": "axes must be an initializer",
    "ReduceSumSquare": "axes must be an initializer",
    "Relu": "",
    "Reshape": "",
    "Resize": "modes nearest/linear; coordinate modes half_pixel, asymmetric, align_corners (among others)",
    "ScatterElements": "",
    "ScatterND": "reduction none only",
    "Shape": "",
    "Sigmoid": "",
    "Slice": "axes must be an initializer",
    "Softmax": "",
    "Softplus": "",
    "Split": "",
    "Sqrt": "",
    "Squeeze": "axes must be an initializer",
    "Sub": "",
    "Sum": "",
    "Tanh": "",
    "Tile": "",
    "TopK": "K must be an initializer, K < 3840",
    "Transpose": "",
    "Unsqueeze": "axes must be a constant",
    "Where": "",
}

#: Opsets the exporter writes (TensorRT 8.6 reads up to 17; 10.0 reads 9 to 20).
MIN_OPSET = 13
MAX_OPSET = 20
DEFAULT_OPSET = 17


def check_op(op_type: str) -> None:
    """Raises AssertionError for an op TensorRT's parser does not document: a converter
    emitting one is a bug in this project, not a problem of the user's model."""
    if op_type not in TRT_OPS:
        raise AssertionError(f"ONNX op {op_type!r} is not in TensorRT's documented operator list")
