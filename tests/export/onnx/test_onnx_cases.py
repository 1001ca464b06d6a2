"""Every Caffe-made case (the BatchNorm fixtures and the whole layer zoo) at the default
opset and at opset 13, through the shared harness."""

from __future__ import annotations

from pathlib import Path

import pytest

from .harness import ALL_CASES, check_case


@pytest.mark.parametrize("opset", [17, 13])
@pytest.mark.parametrize("case", ALL_CASES)
def test_case_matches_caffe(case: str, opset: int, tmp_path: Path) -> None:
    result = check_case(case, tmp_path / "model.onnx", opset=opset)
    assert result.failures == []


@pytest.mark.parametrize("case", ["zoo/arch_resnet_se", "zoo/reshape_flatten", "zoo/argmax_variants", "zoo/arch_fcn_head"])
def test_dynamic_batch(case: str, tmp_path: Path) -> None:
    """A --dynamic-batch model declares N as the first dimension and computes Caffe's
    values at the recorded batch size."""
    import onnx

    result = check_case(case, tmp_path / "model.onnx", dynamic_batch=True)
    assert result.failures == []
    model = onnx.load(str(tmp_path / "model.onnx"))
    for value in [*model.graph.input, *model.graph.output]:
        assert value.type.tensor_type.shape.dim[0].dim_param == "N"


@pytest.mark.parametrize("case", ["zoo/arch_resnet_se", "fixtures/resnet_inplace", "zoo/concat_slice_split"])
def test_internal_blobs_as_outputs(case: str, tmp_path: Path) -> None:
    """--outputs exposes internal blobs (their last version) under their Caffe names."""
    from .harness import recorded

    _, graph = recorded(case)
    readers = [v.blob for layer in graph.layers if layer.type != "Input" for v in layer.outputs if graph.readers_of(v)]
    internal = list(dict.fromkeys(readers))[:3]
    assert internal
    result = check_case(case, tmp_path / "model.onnx", outputs=internal)
    assert result.failures == []
    names = [n for n, _ in result.report.outputs]  # type: ignore[attr-defined]
    assert all(blob in names for blob in internal)
