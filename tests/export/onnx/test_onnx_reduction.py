"""ONNX export of Reduction and ArgMax: the Caffe-made cases that exercise them, checked
against Caffe's recorded activations by the shared harness at opsets 13, 17 and 20."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from .harness import check_case

CASES = ['zoo/tile_reduction', 'zoo/argmax_variants']


@pytest.mark.parametrize("opset", [17, 13, 20])
@pytest.mark.parametrize("case", CASES)
def test_case_matches_caffe(case: str, opset: int, tmp_path: Path) -> None:
    result = check_case(case, tmp_path / "model.onnx", opset=opset)
    assert result.failures == []
    assert result.errors  # something was compared


@pytest.mark.parametrize("opset", [13, 20])
def test_reduction_of_every_axis_with_a_coeff(opset: int, tmp_path: Path) -> None:
    """Reduction with the default axis 0 reduces to a 0-d blob; with a coeff the Mul's
    constant must be 0-d too (written 1-D, the model failed ONNX shape inference).
    Caffe's SUMSQ times coeff, in float32."""
    import onnx

    from caffe2trt_bn.export.onnx import to_onnx

    from .forknets import run

    proto = tmp_path / "net.prototxt"
    proto.write_text(
        'layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 4 dim: 5 } } }\n'
        'layer { name: "r" type: "Reduction" bottom: "data" top: "r" reduction_param { operation: SUMSQ coeff: -0.5 } }\n'
    )
    model = Path(__file__).resolve().parents[3] / "fixtures" / "zoo" / "tile_reduction" / "net.caffemodel"
    to_onnx(proto, model, tmp_path / "m.onnx", opset=opset)
    onnx.checker.check_model(onnx.load(str(tmp_path / "m.onnx")), full_check=True)
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5)).astype(np.float32)
    got = run(tmp_path / "m.onnx", x)["r"]
    assert got.shape == ()
    np.testing.assert_allclose(got, np.float32(-0.5) * np.sum(x.astype(np.float64) ** 2), rtol=1e-5)
