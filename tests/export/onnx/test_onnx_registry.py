"""The converter registry and the all-at-once error for what cannot be converted."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from caffe2trt_bn.errors import Caffe2TrtError
from caffe2trt_bn.export.onnx import registry, to_onnx

from .harness import ZOO


def test_second_registration_of_a_type_raises() -> None:
    registry.supported_types()  # every converter module loaded

    with pytest.raises(registry.DuplicateConverterError, match="'Convolution' has two ONNX converters"):

        @registry.converter("Convolution")
        def other(ctx: object, layer: object) -> None:  # pragma: no cover - never called
            pass

    assert registry.handler_for("Convolution").__name__ == "convolution"  # type: ignore[union-attr]


def test_unknown_type_has_no_handler_and_a_named_message() -> None:
    assert registry.handler_for("NoSuchLayer") is None
    assert "'Convlution' has no ONNX converter (did you mean 'Convolution'?)" in registry.unknown_type_message("Convlution")


def _broken_case(tmp_path: Path) -> tuple[Path, Path]:
    """The pool_ceil_7x6 case with two unknown layer types and a STOCHASTIC pooling."""
    src = ZOO / "pool_ceil_7x6"
    text = (src / "deploy.prototxt").read_text()
    text += (
        'layer { name: "odd1" type: "Frobnicate" bottom: "data" top: "odd1" }\n'
        'layer { name: "after" type: "ReLU" bottom: "odd1" top: "after" }\n'
        'layer {\n  name: "sto" type: "Pooling" bottom: "data" top: "sto"\n'
        "  pooling_param { pool: STOCHASTIC kernel_size: 2 }\n}\n"
        'layer { name: "odd2" type: "Warp" bottom: "data" top: "odd2" }\n'
    )
    proto = tmp_path / "deploy.prototxt"
    proto.write_text(text)
    model = tmp_path / "net.caffemodel"
    shutil.copy(src / "net.caffemodel", model)
    return proto, model


def test_every_unconvertible_layer_in_one_error_and_nothing_written(tmp_path: Path) -> None:
    proto, model = _broken_case(tmp_path)
    out = tmp_path / "out.onnx"
    with pytest.raises(Caffe2TrtError) as info:
        to_onnx(proto, model, out)
    message = str(info.value)
    assert "cannot export 3 layer(s) to ONNX" in message
    lines = proto.read_text().splitlines()
    line_of = {name: next(i + 1 for i, text in enumerate(lines) if f'name: "{name}"' in text) for name in ("odd1", "odd2")}
    assert f"{proto}:{line_of['odd1']}: layer 'odd1': layer type 'Frobnicate' has no ONNX converter" in message
    assert f"{proto}:{line_of['odd2']}: layer 'odd2': layer type 'Warp' has no ONNX converter" in message
    pool_line = next(i + 1 for i, text in enumerate(lines) if "STOCHASTIC" in text)
    assert f"{proto}:{pool_line}: layer 'sto': pool: STOCHASTIC" in message
    assert "'after'" not in message  # it only reads an unconvertible layer's output
    assert "\n" not in message
    assert not out.exists()
    assert set(tmp_path.iterdir()) == {proto, model}  # no temporary file left either
