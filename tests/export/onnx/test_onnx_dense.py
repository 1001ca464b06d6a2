"""ONNX export of InnerProduct and Embed: the Caffe-made cases that exercise them, checked
against Caffe's recorded activations by the shared harness at opsets 13, 17 and 20."""

from __future__ import annotations

from pathlib import Path

import pytest

from .harness import check_case

CASES = ['zoo/innerproduct_variants', 'zoo/embed_lookup', 'fixtures/fully_connected']


@pytest.mark.parametrize("opset", [17, 13, 20])
@pytest.mark.parametrize("case", CASES)
def test_case_matches_caffe(case: str, opset: int, tmp_path: Path) -> None:
    result = check_case(case, tmp_path / "model.onnx", opset=opset)
    assert result.failures == []
    assert result.errors  # something was compared
