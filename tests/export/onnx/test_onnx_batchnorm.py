"""BatchNorm groups in the three ``--bn`` modes, the forks' BatchNorm variants, and the
promise that ``--bn fold`` writes exactly the weights ``caffe-bn-merge fold`` writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from .harness import BN_CASES, FIXTURES, check_case, export_case

MODES = ["fold", "scale", "keep"]
FORKS = ["bn_tsn", "nvcaffe_scale_bias", "fp16_raw_data", "legacy_double", "bn_segnet", "raw_double", "unpacked_floats", "nvcaffe_015"]


@pytest.mark.parametrize("opset", [17, 13])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", [f"fixtures/{c}" for c in BN_CASES] + ["zoo/bn_scale_forms", "zoo/arch_densenet_block"])
def test_every_mode_matches_caffe(case: str, mode: str, opset: int, tmp_path: Path) -> None:
    result = check_case(case, tmp_path / "model.onnx", bn=mode, opset=opset)
    assert result.failures == []


def _ops(path: Path) -> list[str]:
    import onnx

    return [n.op_type for n in onnx.load(str(path)).graph.node]


def test_modes_emit_what_they_say(tmp_path: Path) -> None:
    """fold: no BatchNorm op and no Mul/Add where every group folds; scale: Mul + Add per
    group; keep: ONNX BatchNormalization per BatchNorm layer."""
    case = "fixtures/resnet_inplace"
    reports = {m: export_case(case, tmp_path / f"{m}.onnx", bn=m) for m in MODES}
    assert all(g["action"] == "folded" for g in reports["fold"].groups)  # type: ignore[attr-defined]
    fold_ops, scale_ops, keep_ops = (_ops(tmp_path / f"{m}.onnx") for m in MODES)
    assert "BatchNormalization" not in fold_ops and "Mul" not in fold_ops
    groups = len(reports["scale"].groups)  # type: ignore[attr-defined]
    assert groups > 0 and scale_ops.count("Mul") == groups and scale_ops.count("Add") >= groups
    assert keep_ops.count("BatchNormalization") == groups
    assert reports["keep"].groups == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("case", ["resnet_inplace", "deconv_and_groups", "fully_connected", "separate_tops", "slash_names"])
def test_fold_weights_are_the_fold_commands_bit_for_bit(case: str, tmp_path: Path) -> None:
    """Every initializer of a folded producer equals, bit for bit, the float32 blob that
    ``fold`` writes for that layer."""
    import onnx
    from onnx import numpy_helper

    from caffe2trt_bn import fold
    from caffe2trt_bn.io.caffemodel import read_caffemodel

    d = FIXTURES / case
    report = export_case(f"fixtures/{case}", tmp_path / "m.onnx", bn="fold")
    result = fold(d / "deploy.prototxt", d / "net.caffemodel", tmp_path / "folded")
    folded = read_caffemodel(result.caffemodel)
    inits = {i.name: numpy_helper.to_array(i) for i in onnx.load(str(tmp_path / "m.onnx")).graph.initializer}
    producers = {g["into"] for g in report.groups if g["action"] == "folded"}  # type: ignore[attr-defined]
    assert producers
    for name in producers:
        blobs = folded.layer(name).blobs
        for blob, key in zip(blobs, (f"{name}/weight", f"{name}/bias")):
            want = blob.data.astype(np.float32)
            got = inits[key].reshape(-1)
            assert got.dtype == np.float32
            assert np.array_equal(got.view(np.uint32), want.view(np.uint32)), (name, key)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", FORKS)
def test_fork_variants_compute_the_expected_affine(case: str, mode: str, tmp_path: Path) -> None:
    """Each group's output is ``input*scale + shift`` with the fork fixtures' float64
    expectation (written by their generator from the very numbers it stored)."""
    import onnx
    import onnxruntime as ort

    from caffe2trt_bn.ir.graph import build_graph
    from caffe2trt_bn.io.prototxt import parse_file

    d = FIXTURES / "forks" / case
    report = export_case(f"fixtures/forks/{case}", tmp_path / "m.onnx", bn=mode)
    expected = np.load(d / "expected.npz")
    graph = build_graph(parse_file(d / "deploy.prototxt"))
    model = onnx.load(str(tmp_path / "m.onnx"))
    produced = {o for n in model.graph.node for o in n.output} | {i.name for i in model.graph.input}
    tensors = report.tensors  # type: ignore[attr-defined]
    groups = sorted({k.split(".")[0] for k in expected.files})
    pairs = []
    for g in groups:
        names = [str(n) for n in expected[f"{g}.layers"]]
        first, last = graph.layer(names[0]), graph.layer(names[-1])
        src, dst = tensors[str(first.inputs[0])], tensors[str(last.outputs[0])]
        assert src in produced and dst in produced
        pairs.append((g, src, dst))
    outputs = {o.name for o in model.graph.output}
    for _, src, dst in pairs:
        for name in (src, dst):
            if name not in outputs and name not in {i.name for i in model.graph.input}:
                model.graph.output.append(onnx.helper.make_empty_tensor_value_info(name))
                outputs.add(name)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    inp = model.graph.input[0]
    shape = [d.dim_value for d in inp.type.tensor_type.shape.dim]
    x = np.random.default_rng(0).normal(0.5, 2.0, shape).astype(np.float32)
    names = [o.name for o in model.graph.output]
    values = dict(zip(names, session.run(names, {inp.name: x})))
    values[inp.name] = x
    for g, src, dst in pairs:
        a = values[src].astype(np.float64)
        c = a.shape[1]
        bshape = (1, c) + (1,) * (a.ndim - 2)
        want = a * expected[f"{g}.scale"].reshape(bshape) + expected[f"{g}.shift"].reshape(bshape)
        err = np.abs(values[dst] - want).max() / max(np.abs(want).max(), 1e-30)
        assert err <= 1e-6, (g, err)
