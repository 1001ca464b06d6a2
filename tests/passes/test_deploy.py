"""Train_val -> deploy rewriting (caffe2trt_bn.passes.deploy and ``caffe-bn-merge to-deploy``).

Ground truth: ``fixtures/train_val_classifier`` (a realistic train_val whose weights and
reference deploy output come from real BVLC Caffe) run through OpenCV dnn, an independent
Caffe runtime; the other real-Caffe fixtures (their ``train.prototxt`` against their
hand-written ``deploy.prototxt``); an SSD-style train prototxt with fork-only layers that
OpenCV runs after the rewrite.  Losslessness is checked line by line against the input.
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import numpy as np
import pytest
from google.protobuf import text_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caffe2trt_bn import caffe_pb2
from caffe2trt_bn.passes.deploy import DATA_LAYER_TYPES, deploy_document, plan_deploy, to_deploy
from caffe2trt_bn.errors import Caffe2TrtError, GraphError, PrototxtSyntaxError
from caffe2trt_bn.ir.graph import build_graph
from caffe2trt_bn.io.prototxt import Node, parse, parse_file

from conftest import FIXTURES, rel_error, run_cli

cv2 = pytest.importorskip("cv2")

CLASSIFIER = FIXTURES / "train_val_classifier"
ALL_PROTOTXTS = sorted(FIXTURES.rglob("*.prototxt"))
#: Real-Caffe cases with a DummyData ``train.prototxt`` and a hand-written ``deploy.prototxt``.
TRAIN_DEPLOY_CASES = sorted(
    d.name
    for d in FIXTURES.iterdir()
    if all((d / f).is_file() for f in ("train.prototxt", "deploy.prototxt", "net.caffemodel"))
)

#: OpenCV dnn against real Caffe, both float32 (the issue's bound): logits relative to
#: their largest magnitude, probabilities absolute.
CAFFE_OPENCV_TOL = 1e-5
#: Two prototxts describing the same net, both run by OpenCV with the same weights.
SAME_NET_RTOL = 1e-6


# --------------------------------------------------------------------------- helpers


def layers_of(text: str) -> list[Node]:
    return parse(text).all("layer")


def names(text: str) -> list[str]:
    return [layer.get_string("name", "") for layer in layers_of(text)]


def layer(text: str, name: str) -> Node:
    (found,) = [node for node in layers_of(text) if node.get_string("name") == name]
    return found


def input_layer(text: str) -> tuple[list[str], list[list[int]]]:
    (node,) = [n for n in layers_of(text) if n.get_string("type") == "Input"]
    shapes = [[int(d.value) for d in s.all("dim")] for s in node.get("input_param").all("shape")]  # type: ignore[union-attr]
    return node.get_strings("top"), shapes


def bvlc(text: str) -> caffe_pb2.NetParameter:
    """Parses with the BVLC schema: the result is a net Caffe itself can read."""
    return text_format.Parse(text, caffe_pb2.NetParameter())


def opencv_forward(prototxt: str, caffemodel: Path, x: np.ndarray, tmp_path: Path, outputs=None):
    path = tmp_path / f"net{len(list(tmp_path.iterdir()))}.prototxt"
    path.write_text(prototxt)
    net = cv2.dnn.readNetFromCaffe(str(path), str(caffemodel))
    net.setInput(x)
    names = outputs or list(net.getUnconnectedOutLayersNames())
    return dict(zip(names, net.forward(names)))


def check_deploy_invariants(out: str) -> None:
    """What every deploy output satisfies, whatever the input."""
    doc = parse(out)
    assert doc.render() == out
    assert to_deploy(out) == out, "a second pass changed the output"
    for node in doc.all("layer"):
        ltype = node.get_string("type", "")
        assert ltype not in DATA_LAYER_TYPES and not ltype.endswith("Loss") and ltype != "Accuracy", ltype
        assert not node.all("include") and not node.all("exclude")
        param = node.get("batch_norm_param")
        if param is not None:
            assert param.get_bool("use_global_stats", True)
    assert doc.get("state") is None
    build_graph(doc)  # every bottom is produced


# --------------------------------------------------------------------------- the real-Caffe classifier


@pytest.fixture(scope="module")
def classifier() -> tuple[str, str]:
    text = (CLASSIFIER / "train_val.prototxt").read_text()
    return text, to_deploy(text, path=str(CLASSIFIER / "train_val.prototxt"))


def test_classifier_output_equals_caffe(classifier, tmp_path) -> None:
    _, out = classifier
    x = np.load(CLASSIFIER / "input.npy")
    with np.load(CLASSIFIER / "caffe_outputs.npz") as z:
        ref = {k: z[k] for k in z.files}
    got = opencv_forward(out, CLASSIFIER / "weights.caffemodel", x, tmp_path, ["fc2", "prob"])
    assert got["prob"].shape == ref["prob"].shape == (1, 10)
    assert rel_error(got["fc2"], ref["fc2"]) <= CAFFE_OPENCV_TOL
    assert np.max(np.abs(got["prob"] - ref["prob"])) <= CAFFE_OPENCV_TOL
    # The tolerance is meaningful: OpenCV on Caffe's own reference deploy agrees as well,
    # and the untouched BatchNorm settings do not.
    own = opencv_forward(
        (CLASSIFIER / "reference_deploy.prototxt").read_text(), CLASSIFIER / "weights.caffemodel", x, tmp_path, ["fc2"]
    )
    assert rel_error(own["fc2"], ref["fc2"]) <= CAFFE_OPENCV_TOL
    unfixed = out.replace("use_global_stats: true", "use_global_stats: false")
    try:
        bad = opencv_forward(unfixed, CLASSIFIER / "weights.caffemodel", x, tmp_path, ["fc2"])
    except cv2.error:
        return  # OpenCV refuses batch statistics here: also a failure
    assert rel_error(bad["fc2"], ref["fc2"]) > 100 * CAFFE_OPENCV_TOL


def test_classifier_structure(classifier) -> None:
    _, out = classifier
    assert names(out) == [
        "data",
        "conv1",
        "bn1",
        "scale1",
        "relu1",
        "pool1",
        "conv2",
        "bn2",
        "scale2",
        "relu2",
        "pool2",
        "drop2",
        "fc1",
        "bn3",
        "relu3",
        "drop3",
        "fc2",
        "prob",
    ]
    assert input_layer(out) == (["data"], [[1, 3, 16, 16]])  # crop_size, 3 mean values, batch 1
    prob = layer(out, "prob")
    assert (prob.get_string("type"), prob.get_strings("bottom"), prob.get_strings("top")) == (
        "Softmax",
        ["fc2"],
        ["prob"],
    )
    assert layer(out, "bn2").get("batch_norm_param").render() == "batch_norm_param { use_global_stats: true }"  # type: ignore[union-attr]
    assert '"label"' not in out and "Accuracy" not in out and "backend: LMDB" not in out
    assert [layer.name for layer in bvlc(out).layer] == names(out)
    check_deploy_invariants(out)


def test_classifier_is_lossless(classifier) -> None:
    """Every output line is an input line (in order) or one of the few written anew."""
    text, out = classifier
    ins, outs = text.splitlines(keepends=True), out.splitlines(keepends=True)
    added: list[str] = []
    for op, _, _, j1, j2 in difflib.SequenceMatcher(None, ins, outs, autojunk=False).get_opcodes():
        if op in ("insert", "replace"):
            added += outs[j1:j2]
    (new_input,) = [n for n in parse(out).all("layer") if n.get_string("type") == "Input"]
    new_input_block = new_input.render() + "\n"
    allowed = set(new_input_block.splitlines(keepends=True)) | {
        "    use_global_stats: true  # batch statistics while training\n",
        "    use_global_stats: true\n",
        '  name: "prob"\n',
        '  type: "Softmax"\n',
        '  top: "prob"\n',
    }
    assert set(added) <= allowed, set(added) - allowed
    assert len(added) <= len(new_input_block.splitlines()) + 5
    # Kept layers (not edited) are byte-identical, comments inside included.
    source = {n.get_string("name"): n.render() for n in parse(text).all("layer") if not n.all("include")}
    for name in ("conv1", "scale1", "relu1", "pool1", "conv2", "scale2", "pool2", "drop2", "fc1", "drop3", "fc2"):
        assert source[name] in out, name
    for comment in (
        "# Small BatchNorm classifier for 16x16 crops (CIFAR-like), trained from LMDBs.\n#   caffe train",
        "# ---------------------------------------------------------------- stage 1\n",
        "# ---------------------------------------------------------------- stage 2\n",
        "# ---------------------------------------------------------------- classifier\n",
        "  # BatchNorm statistics are not learned by the solver\n",
        "bias_term: false  # BatchNorm follows\n",
    ):
        assert comment in out, comment


def test_classifier_second_pass_changes_nothing(classifier) -> None:
    _, out = classifier
    assert to_deploy(out) == out
    result = deploy_document(parse(out))
    assert result.changes == [] and result.diagnostics == []


def test_train_val_is_valid_for_caffe() -> None:
    """The fixture is a real train_val: Caffe's schema accepts it (phase rules included)."""
    net = bvlc((CLASSIFIER / "train_val.prototxt").read_text())
    assert [(n.type, n.include[0].phase if n.include else None) for n in net.layer][:2] == [
        ("Data", caffe_pb2.TRAIN),
        ("Data", caffe_pb2.TEST),
    ]


# --------------------------------------------------------------------------- the other real-Caffe fixtures


@pytest.mark.parametrize("case", TRAIN_DEPLOY_CASES)
def test_train_prototxt_runs_like_deploy(case: str, tmp_path) -> None:
    d = FIXTURES / case
    out = to_deploy((d / "train.prototxt").read_text())
    check_deploy_invariants(out)
    deploy = (d / "deploy.prototxt").read_text()
    x = np.load(d / "input.npy")
    try:
        theirs = opencv_forward(deploy, d / "net.caffemodel", x, tmp_path)
    except cv2.error:  # a layer OpenCV does not have (Bias): the nets must then be identical
        assert bvlc(out) == bvlc(deploy)
    else:
        ours = opencv_forward(out, d / "net.caffemodel", x, tmp_path)
        assert ours.keys() == theirs.keys()
        for name in ours:
            assert rel_error(ours[name], theirs[name]) <= SAME_NET_RTOL, name
    # The DummyData shape is taken as written.
    (top,), (shape,) = input_layer(out)
    assert (top, tuple(shape)) == ("data", x.shape)


@pytest.mark.parametrize("case", TRAIN_DEPLOY_CASES)
def test_deploy_prototxt_is_left_alone(case: str) -> None:
    text = (FIXTURES / case / "deploy.prototxt").read_text()
    assert to_deploy(text) == text


@pytest.mark.parametrize("path", ALL_PROTOTXTS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_fixture_round_trips_and_converts_idempotently(path: Path) -> None:
    text = path.read_bytes().decode("utf-8")
    doc = parse_file(path)
    assert doc.render() == text
    if doc.all("layers"):
        with pytest.raises(GraphError, match="V1"):
            to_deploy(text)
        return
    out = to_deploy(text)
    assert parse(out).render() == out
    assert to_deploy(out) == out
    assert text == path.read_bytes().decode("utf-8")  # the input is never modified


# --------------------------------------------------------------------------- BatchNorm


def test_deploy_with_use_global_stats_false_changes_only_that() -> None:
    text = (FIXTURES / "resnet_inplace" / "deploy.prototxt").read_text()
    broken = text.replace(
        'top: "conv2"\n  param { lr_mult: 0 }',
        'top: "conv2"\n  batch_norm_param { use_global_stats: false } # oops\n  param { lr_mult: 0 }',
    )
    assert broken != text
    out = to_deploy(broken)
    assert out == broken.replace("use_global_stats: false } # oops", "use_global_stats: true } # oops")


@pytest.mark.parametrize("raw", ["false", "False", "f", "0"])
def test_every_spelling_of_false_is_fixed(raw: str) -> None:
    text = (
        'layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 2 } } }\n'
        f'layer {{ name: "bn" type: "BatchNorm" bottom: "x" top: "x" batch_norm_param {{ use_global_stats: {raw} eps: 1e-3 }} }}\n'
    )
    out = to_deploy(text)
    assert out == text.replace(f"use_global_stats: {raw}", "use_global_stats: true")


def test_batch_norm_true_or_unset_is_untouched() -> None:
    text = (
        'input: "x"\ninput_shape { dim: 1 dim: 2 }\n'
        'layer { name: "a" type: "BatchNorm" bottom: "x" top: "x" batch_norm_param { use_global_stats: true } }\n'
        'layer { name: "b" type: "BatchNorm" bottom: "x" top: "x" batch_norm_param { eps: 0.001 } }\n'
    )
    assert to_deploy(text) == text


# --------------------------------------------------------------------------- data layers

LOSS_TAIL = """layer {
  name: "fc"
  type: "InnerProduct"
  bottom: "data"
  top: "fc"
  inner_product_param { num_output: 4 }
}
layer { name: "acc" type: "Accuracy" bottom: "fc" bottom: "label" top: "acc" include { phase: TEST } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc" bottom: "label" top: "loss" }
"""

DATA_KINDS = {
    "Data": (
        'layer { name: "data" type: "Data" top: "data" top: "label"\n'
        "  transform_param { crop_size: 227 mean_value: 104 mean_value: 117 mean_value: 123 }\n"
        '  data_param { source: "train_lmdb" batch_size: 64 backend: LMDB } }\n',
        [1, 3, 227, 227],
    ),
    "ImageData": (
        'layer { name: "data" type: "ImageData" top: "data" top: "label"\n'
        '  image_data_param { source: "list.txt" batch_size: 8 new_height: 48 new_width: 64 is_color: false } }\n',
        [1, 1, 48, 64],
    ),
    "ImageData_crop": (
        'layer { name: "data" type: "ImageData" top: "data" top: "label"\n'
        "  transform_param { crop_size: 32 }\n"
        '  image_data_param { source: "list.txt" batch_size: 8 new_height: 48 new_width: 64 } }\n',
        [1, 3, 32, 32],
    ),
    "MemoryData": (
        'layer { name: "data" type: "MemoryData" top: "data" top: "label"\n'
        "  memory_data_param { batch_size: 4 channels: 3 height: 20 width: 30 } }\n",
        [4, 3, 20, 30],
    ),
    "DummyData": (
        'layer { name: "data" type: "DummyData" top: "data" top: "label"\n'
        "  dummy_data_param { shape { dim: 2 dim: 3 dim: 8 dim: 8 } shape { dim: 2 } } }\n",
        [2, 3, 8, 8],
    ),
    "DummyData_legacy": (
        'layer { name: "data" type: "DummyData" top: "data" top: "label"\n'
        "  dummy_data_param { num: 5 channels: 3 height: 7 width: 9 num: 5 channels: 1 height: 1 width: 1 } }\n",
        [5, 3, 7, 9],
    ),
    "WindowData": (
        'layer { name: "data" type: "WindowData" top: "data" top: "label"\n'
        "  transform_param { mirror: true mean_value: 104 mean_value: 117 mean_value: 123 }\n"
        '  window_data_param { source: "windows.txt" batch_size: 128 crop_size: 227 fg_threshold: 0.5 } }\n',
        [1, 3, 227, 227],
    ),
    "AnnotatedData": (
        'layer { name: "data" type: "AnnotatedData" top: "data" top: "label"\n'
        "  transform_param { mean_value: 104 mean_value: 117 mean_value: 123\n"
        "    resize_param { prob: 1 resize_mode: WARP height: 300 width: 300 } }\n"
        '  annotated_data_param { batch_sampler { } label_map_file: "labelmap.prototxt" } }\n',
        [1, 3, 300, 300],
    ),
    "fork_VideoData": (
        'layer { name: "data" type: "VideoData" top: "data" top: "label"\n'
        "  transform_param { crop_size: 112 force_color: true }\n"
        '  video_data_param { source: "clips.txt" new_length: 16 } }\n',
        [1, 3, 112, 112],
    ),
}


@pytest.mark.parametrize("kind", sorted(DATA_KINDS))
def test_data_layer_kinds(kind: str) -> None:
    data, shape = DATA_KINDS[kind]
    out = to_deploy('name: "n"\n' + data + LOSS_TAIL)
    assert input_layer(out) == (["data"], [shape])
    assert names(out) == ["data", "fc", "prob"]
    assert out.endswith('layer { name: "prob" type: "Softmax" bottom: "fc" top: "prob" }\n')
    check_deploy_invariants(out)
    bvlc(out)


@pytest.mark.parametrize(
    "data",
    [
        'layer { name: "data" type: "HDF5Data" top: "data" top: "label" hdf5_data_param { source: "h5.txt" batch_size: 10 } }\n',
        'layer { name: "data" type: "Python" top: "data" top: "label" python_param { module: "layers" layer: "Feed" } }\n',
        'layer { name: "data" type: "Data" top: "data" top: "label" transform_param { crop_size: 28 scale: 0.00390625 } '
        'data_param { source: "mnist" batch_size: 64 } }\n',
        'layer { name: "data" type: "Data" top: "data" top: "label" transform_param { crop_size: 28 mean_value: 128 } '
        'data_param { source: "gray_or_color" batch_size: 64 } }\n',
        'layer { name: "data" type: "Data" top: "data" top: "label" transform_param { mean_value: 1 mean_value: 2 mean_value: 3 } '
        'data_param { source: "no_crop" batch_size: 64 } }\n',
    ],
    ids=["HDF5Data", "Python", "no_channels", "one_mean_value", "no_size"],
)
def test_unknown_shape_asks_for_it(data: str) -> None:
    text = data + LOSS_TAIL
    with pytest.raises(GraphError, match=r"cannot tell the shape of input blob 'data'.*--input-shape N,C,H,W") as err:
        to_deploy(text, path="net.prototxt")
    assert err.value.file == "net.prototxt" and err.value.layer == "data"
    out = to_deploy(text, (2, 3, 28, 28))
    assert input_layer(out) == (["data"], [[2, 3, 28, 28]])
    assert names(out) == ["data", "fc", "prob"]
    assert input_layer(to_deploy(text, {"data": [1, 1, 5, 5]})) == (["data"], [[1, 1, 5, 5]])


def test_given_shape_overrides_the_file_and_is_checked() -> None:
    text = DATA_KINDS["Data"][0] + LOSS_TAIL
    assert input_layer(to_deploy(text, [4, 3, 100, 100]))[1] == [[4, 3, 100, 100]]
    with pytest.raises(GraphError, match="'label'.*deploy inputs are 'data'"):
        to_deploy(text, {"label": [1]})
    with pytest.raises(GraphError, match="positive"):
        to_deploy(text, [1, 0, 3, 3])


#: Shapes Caffe cannot set up as an Input blob (each checked with Caffe: Blob::Reshape
#: aborts on a negative dimension, on a dimension or a count past INT_MAX; a dimension of 0
#: fails when the net is set up), and why this project refuses them.
BAD_SHAPES = [
    ((1, 3, 10**20, 4), "dimension 100000000000000000000 is beyond 2147483647"),
    ((1, 3, 2**63, 4), "dimension 9223372036854775808 is beyond 2147483647"),
    ((1, 3, 2**31, 1), "dimension 2147483648 is beyond 2147483647"),
    ((1, 1, 46341, 46341), "holds 2147488281 values, more than the 2147483647 Caffe allows in one blob"),
    ((1, 3, 0, 4), "dimension 0 is not positive"),
    ((-1, 3, 4, 4), "dimension -1 is not positive"),
    ((1,) * 33, "has 33 axes, more than the 32 Caffe allows"),
]


@pytest.mark.parametrize(("shape", "why"), BAD_SHAPES)
def test_a_shape_caffe_cannot_set_up_is_refused(shape: tuple[int, ...], why: str, tmp_path) -> None:
    text = DATA_KINDS["Data"][0] + LOSS_TAIL
    with pytest.raises(GraphError, match=re.escape(why)):
        to_deploy(text, shape)
    with pytest.raises(GraphError, match=re.escape(why)):
        to_deploy(text, {"data": shape})
    src = tmp_path / "train.prototxt"
    src.write_text(text)
    out = tmp_path / "deploy.prototxt"
    r = run_cli("to-deploy", src, "-o", out, "--input-shape=" + ",".join(map(str, shape)))
    last = r.stderr.splitlines()[-1]
    assert r.returncode == 2 and last.startswith("caffe-bn-merge to-deploy: error: argument --input-shape: ")
    assert f"the shape {why}" in last
    assert not out.exists()


def test_a_shape_is_a_whole_number_per_axis_and_the_largest_caffe_holds_is_written() -> None:
    text = DATA_KINDS["Data"][0] + LOSS_TAIL
    for shape in ((1, 3, 2.5, 4), (1, True, 4, 4), (1, "3", 4, 4)):
        with pytest.raises(GraphError, match="is not a whole number"):
            to_deploy(text, shape)  # type: ignore[arg-type]
    with pytest.raises(GraphError, match="is beyond 2147483647"):
        # A deploy net has no data layer, so the shape is not used: it is still checked.
        to_deploy('input: "x"\ninput_shape { dim: 1 }\nlayer { name: "r" type: "ReLU" bottom: "x" top: "y" }\n', [1, 2**40])
    assert input_layer(to_deploy(text, [1, 1, 46340, 46340]))[1] == [[1, 1, 46340, 46340]]  # Caffe loads this one
    assert input_layer(to_deploy(text, [np.int64(2), 3, 8, 8]))[1] == [[2, 3, 8, 8]]


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (("crop_size: 227", "crop_size: 50000"), "holds 7500000000 values"),
        (("crop_size: 227", "crop_size: 0 crop_h: 3000000000 crop_w: 2"), "dimension 3000000000 is beyond 2147483647"),
    ],
)
def test_a_shape_read_from_the_file_is_checked_too(edit: tuple[str, str], why: str, tmp_path) -> None:
    text = (DATA_KINDS["Data"][0] + LOSS_TAIL).replace(*edit)
    src = tmp_path / "train.prototxt"
    src.write_text(text)
    with pytest.raises(GraphError, match=re.escape(why)) as err:
        to_deploy(text, path=str(src))
    assert err.value.file == str(src) and err.value.layer == "data" and "--input-shape" in str(err.value)
    r = run_cli("to-deploy", src, "-o", tmp_path / "deploy.prototxt")
    assert r.returncode == 1 and len(r.stderr.splitlines()) == 1 and why in r.stderr
    assert not (tmp_path / "deploy.prototxt").exists()


def test_a_dummy_data_dimension_beyond_int64_is_refused(tmp_path) -> None:
    text = DATA_KINDS["DummyData"][0].replace("dim: 2 ", "dim: 99999999999999999999 ", 1) + LOSS_TAIL
    assert "99999999999999999999" in text
    # The typed reader refuses it first, as a value beyond BlobShape.dim's int64.
    with pytest.raises(Caffe2TrtError, match="'dim': 99999999999999999999 is out of the range of int64"):
        to_deploy(text)


def test_input_goes_where_the_first_data_layer_was() -> None:
    text = (
        '# my net\nname: "n"\n\n'
        "# training data\n"
        + DATA_KINDS["Data"][0].replace('top: "label"', 'top: "label" include { phase: TRAIN }')
        + "# validation data\n"
        + DATA_KINDS["Data"][0].replace('top: "label"', 'top: "label" include { phase: TEST }')
        + "\n# the model\n"
        + LOSS_TAIL
    )
    out = to_deploy(text)
    assert out.startswith('# my net\nname: "n"\n\nlayer {\n  name: "data"\n  type: "Input"\n')
    assert '\n# the model\nlayer {\n  name: "fc"' in out
    assert "training data" not in out and "validation data" not in out  # they described the data layers
    check_deploy_invariants(out)


def test_input_is_named_after_its_blob_unless_taken() -> None:
    """LeNet's data layer is called "mnist"; its deploy Input is called "data"."""
    mnist = 'layer { name: "mnist" type: "DummyData" top: "data" top: "label" dummy_data_param { shape { dim: 1 dim: 1 dim: 28 dim: 28 } } }\n'
    assert names(to_deploy(mnist + LOSS_TAIL)) == ["data", "fc", "prob"]
    taken = LOSS_TAIL.replace('name: "fc"', 'name: "data"')
    assert names(to_deploy(mnist + taken)) == ["mnist", "data", "prob"]
    assert names(to_deploy(mnist.replace('"mnist"', '"data"') + taken)) == ["data_2", "data", "prob"]


def test_train_only_data_layer_still_gives_the_input() -> None:
    """SSD's train.prototxt has its data layer under include { phase: TRAIN } only."""
    text = DATA_KINDS["Data"][0].replace('top: "label"', 'top: "label" include { phase: TRAIN }') + LOSS_TAIL
    out = to_deploy(text)
    assert input_layer(out) == (["data"], [[1, 3, 227, 227]])
    assert names(out) == ["data", "fc", "prob"]


def test_input_layer_and_net_inputs_stay() -> None:
    text = 'input: "data"\ninput_dim: 1\ninput_dim: 3\ninput_dim: 4\ninput_dim: 4\n' + LOSS_TAIL.replace(
        'bottom: "label"', 'bottom: "fc"'
    )
    out = to_deploy(text)
    assert out.startswith('input: "data"\ninput_dim: 1\n')
    assert names(out) == ["fc", "prob"]
    with_input = 'layer { name: "in" type: "Input" top: "data" input_param { shape { dim: 1 dim: 5 } } include { phase: TEST } }\n'
    out = to_deploy(with_input + 'layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc" }\n')
    assert out.startswith('layer { name: "in" type: "Input" top: "data" input_param { shape { dim: 1 dim: 5 } } }\n')


# --------------------------------------------------------------------------- labels and extra inputs


def test_label_consumers_are_removed_transitively() -> None:
    text = DATA_KINDS["Data"][0] + (
        'layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc" }\n'
        'layer { name: "lab_flat" type: "Flatten" bottom: "label" top: "lab_flat" }\n'
        'layer { name: "silence" type: "Silence" bottom: "lab_flat" }\n'
        'layer { name: "l2" type: "EuclideanLoss" bottom: "fc" bottom: "lab_flat" top: "l2" }\n'
    )
    result = deploy_document(parse(text))
    assert names(result.text) == ["data", "fc"]
    reasons = {c.layer: c.detail for c in result.changes if c.action == "removed"}
    assert "label blob 'label'" in reasons["lab_flat"] and "lab_flat" in reasons["silence"]
    assert reasons["l2"] == "loss layer"


def test_hdf5_label_used_only_by_the_loss_path_is_dropped() -> None:
    text = (
        'layer { name: "data" type: "HDF5Data" top: "data" top: "label" hdf5_data_param { source: "a" batch_size: 2 } }\n'
        'layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc" }\n'
        'layer { name: "flat" type: "Flatten" bottom: "label" top: "flat" }\n'
        'layer { name: "scaled" type: "Power" bottom: "flat" top: "scaled" power_param { scale: 0.1 } }\n'
        'layer { name: "loss" type: "EuclideanLoss" bottom: "fc" bottom: "scaled" top: "loss" }\n'
    )
    out = to_deploy(text, (1, 10))
    assert names(out) == ["data", "fc"]
    assert input_layer(out) == (["data"], [[1, 10]])


def test_extra_input_combined_with_the_main_one_stays() -> None:
    """Faster R-CNN style: im_info meets the image path; gt_boxes only feeds training layers."""
    text = (
        'layer { name: "input-data" type: "Python" top: "data" top: "im_info" top: "gt_boxes"\n'
        '  python_param { module: "roi_data_layer.layer" layer: "RoIDataLayer" param_str: "\'num_classes\': 21" } }\n'
        'layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" convolution_param { num_output: 4 kernel_size: 1 } }\n'
        'layer { name: "proposal" type: "Python" bottom: "conv" bottom: "im_info" top: "rois"\n'
        '  python_param { module: "rpn.proposal_layer" layer: "ProposalLayer" } }\n'
        'layer { name: "gt_targets" type: "Python" bottom: "rois" bottom: "gt_boxes" top: "labels"\n'
        '  python_param { module: "rpn.proposal_target_layer" layer: "ProposalTargetLayer" } include { phase: TRAIN } }\n'
        'layer { name: "gt_count" type: "Reduction" bottom: "gt_boxes" top: "gt_count" }\n'
    )
    with pytest.raises(GraphError, match="'im_info'.*--input-shape im_info=N,C,H,W"):
        to_deploy(text, {"data": [1, 3, 600, 800]})
    out = to_deploy(text, {"data": [1, 3, 600, 800], "im_info": [1, 3]})
    assert input_layer(out) == (["data", "im_info"], [[1, 3, 600, 800], [1, 3]])
    assert names(out) == ["data", "conv", "proposal"]
    check_deploy_invariants(out)


def test_second_dummy_top_used_with_the_image_stays() -> None:
    text = (
        'layer { name: "d" type: "DummyData" top: "data" top: "mask" top: "label"\n'
        "  dummy_data_param { shape { dim: 1 dim: 2 dim: 3 dim: 3 } shape { dim: 1 dim: 2 dim: 3 dim: 3 } shape { dim: 1 } } }\n"
        'layer { name: "masked" type: "Eltwise" bottom: "data" bottom: "mask" top: "masked" eltwise_param { operation: PROD } }\n'
        'layer { name: "loss" type: "SoftmaxWithLoss" bottom: "masked" bottom: "label" top: "loss" }\n'
    )
    out = to_deploy(text)
    assert input_layer(out) == (["data", "mask"], [[1, 2, 3, 3], [1, 2, 3, 3]])
    assert names(out) == ["data", "masked", "prob"]


# --------------------------------------------------------------------------- phases


def test_phase_rules() -> None:
    text = 'input: "x"\ninput_shape { dim: 1 dim: 4 }\nstate { phase: TRAIN }\n' + "".join(
        f'layer {{ name: "{name}" type: "ReLU" bottom: "x" top: "x" {rules}}}\n'
        for name, rules in [
            ("plain", ""),
            ("inc_train", "include { phase: TRAIN } "),
            ("inc_test", "include { phase: TEST } "),
            ("exc_train", "exclude { phase: TRAIN } "),
            ("exc_test", "exclude { phase: TEST } "),
            ("inc_both", "include { phase: TRAIN } include { phase: TEST } "),
            ("inc_list", "include: [{ phase: TEST }] "),
        ]
    )
    result = deploy_document(parse(text))
    assert names(result.text) == ["plain", "inc_test", "exc_train", "inc_both", "inc_list"]
    assert 'layer { name: "inc_test" type: "ReLU" bottom: "x" top: "x" }\n' in result.text
    assert 'layer { name: "inc_list" type: "ReLU" bottom: "x" top: "x" }\n' in result.text
    assert "state" not in result.text and "phase" not in result.text
    assert result.diagnostics == []
    check_deploy_invariants(result.text)


def test_stage_rules_are_evaluated_as_caffe_does_with_a_warning(tmp_path) -> None:
    text = (
        'input: "x"\ninput_shape { dim: 1 dim: 4 }\nstate { stage: "deploy" }\n'
        'layer { name: "a" type: "ReLU" bottom: "x" top: "a" include { stage: "deploy" } }\n'
        'layer { name: "b" type: "ReLU" bottom: "x" top: "b" include { phase: TEST stage: "other" } }\n'
        'layer { name: "c" type: "ReLU" bottom: "x" top: "c" exclude { min_level: 1 } }\n'
        'layer { name: "d" type: "ReLU" bottom: "x" top: "d" exclude { not_stage: "other" } }\n'
    )
    result = deploy_document(parse(text, "n.prototxt"))
    # The net's own stage "deploy" is set and level is 0: a and c stay, b and d go.
    assert names(result.text) == ["a", "c"]
    assert [(d.code, d.layer) for d in result.diagnostics] == [("stage_rule", n) for n in "abcd"]
    assert "the layer is kept" in result.diagnostics[0].message
    assert "the layer is removed" in result.diagnostics[1].message
    src = tmp_path / "n.prototxt"
    src.write_text(text)
    r = run_cli("to-deploy", src)
    assert r.returncode == 0 and r.stdout == result.text and "warning:" in r.stderr and "'a'" in r.stderr
    r = run_cli("to-deploy", src, "--strict", "-o", tmp_path / "out.prototxt")
    assert r.returncode == 1 and "stage_rule" in r.stderr
    assert not (tmp_path / "out.prototxt").exists()


# --------------------------------------------------------------------------- losses


def test_googlenet_style_auxiliary_losses() -> None:
    text = DATA_KINDS["Data"][0] + "".join(
        f'layer {{ name: "{b}" type: "InnerProduct" bottom: "data" top: "{b}" inner_product_param {{ num_output: 3 }} }}\n'
        f'layer {{ name: "{b}/loss" type: "SoftmaxWithLoss" bottom: "{b}" bottom: "label" top: "{b}/loss" {w}}}\n'
        for b, w in [
            ("loss1/classifier", "loss_weight: 0.3 "),
            ("loss2/classifier", "loss_weight: [0.3] "),
            ("loss3/classifier", ""),
        ]
    )
    out = to_deploy(text)
    softmax = {
        n.get_string("name"): (n.get_strings("bottom"), n.get_strings("top"))
        for n in layers_of(out)
        if n.get_string("type") == "Softmax"
    }
    assert softmax == {
        "loss1/classifier_prob": (["loss1/classifier"], ["loss1/classifier_prob"]),
        "loss2/classifier_prob": (["loss2/classifier"], ["loss2/classifier_prob"]),
        "prob": (["loss3/classifier"], ["prob"]),
    }
    assert "loss_weight" not in out
    check_deploy_invariants(out)


def test_softmax_keeps_comments_and_softmax_param_and_avoids_taken_names() -> None:
    text = (
        'input: "x"\ninput_shape { dim: 1 dim: 4 dim: 2 }\n'
        'input: "label"\ninput_shape { dim: 1 dim: 4 }\n'
        'layer { name: "prob" type: "ReLU" bottom: "x" top: "y" }\n'
        "# the loss\n"
        "layer {\n"
        '  name: "loss"  # per-pixel loss\n'
        '  type: "SoftmaxWithLoss"\n'
        '  bottom: ["y", "label"]\n'
        '  top: "loss"\n'
        "  loss_weight: 1\n"
        "  propagate_down: true\n"
        "  propagate_down: false\n"
        "  softmax_param { axis: 2 }  # over the last axis\n"
        "  loss_param { ignore_label: 255 normalize: true }\n"
        "  include { phase: TEST }\n"
        "}\n"
    )
    out = to_deploy(text)
    assert out.endswith(
        "# the loss\n"
        "layer {\n"
        '  name: "y_prob"  # per-pixel loss\n'
        '  type: "Softmax"\n'
        '  bottom: ["y"]\n'
        '  top: "y_prob"\n'
        "  softmax_param { axis: 2 }  # over the last axis\n"
        "}\n"
    )
    check_deploy_invariants(out)


def test_softmax_with_loss_second_top_keeps_its_readers() -> None:
    text = DATA_KINDS["Data"][0] + (
        'layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc" }\n'
        'layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc" bottom: "label" top: "loss" top: "probs" }\n'
        'layer { name: "argmax" type: "ArgMax" bottom: "probs" top: "pred" }\n'
    )
    out = to_deploy(text)
    assert layer(out, "prob").get_strings("top") == ["probs"]
    assert names(out) == ["data", "fc", "prob", "argmax"]
    check_deploy_invariants(out)


def test_existing_softmax_makes_the_conversion_unneeded() -> None:
    text = DATA_KINDS["Data"][0] + (
        'layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc" }\n'
        'layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc" bottom: "label" top: "loss" }\n'
        'layer { name: "out" type: "Softmax" bottom: "fc" top: "out" include { phase: TEST } }\n'
    )
    assert names(to_deploy(text)) == ["data", "fc", "out"]


def test_other_losses_go_and_their_prediction_stays() -> None:
    """EuclideanLoss, HingeLoss, a Python loss: their prediction is their first bottom,
    which stays; the SigmoidCrossEntropyLoss becomes the Sigmoid of that bottom."""
    text = DATA_KINDS["DummyData"][0] + (
        'layer { name: "reg" type: "InnerProduct" bottom: "data" top: "reg" }\n'
        'layer { name: "l1" type: "EuclideanLoss" bottom: "reg" bottom: "label" top: "l1" }\n'
        'layer { name: "l2" type: "SigmoidCrossEntropyLoss" bottom: "reg" bottom: "label" top: "l2" }\n'
        'layer { name: "l3" type: "HingeLoss" bottom: "reg" bottom: "label" top: "l3" }\n'
        'layer { name: "py" type: "Python" bottom: "reg" top: "py" loss_weight: 1 python_param { module: "m" layer: "L" } }\n'
    )
    out = to_deploy(text)
    assert names(out) == ["data", "reg", "prob"]
    assert 'layer { name: "prob" type: "Sigmoid" bottom: "reg" top: "prob" }\n' in out
    check_deploy_invariants(out)


#: A multi-label classifier trained with SigmoidCrossEntropyLoss, as Caffe's examples have it.
SIGMOID_TRAIN = """name: "multilabel"
layer {
  name: "data" type: "DummyData" top: "data" top: "labels"
  dummy_data_param { shape { dim: 2 dim: 3 dim: 4 dim: 4 } shape { dim: 2 dim: 5 } }
}
layer { name: "score" type: "InnerProduct" bottom: "data" top: "score" inner_product_param { num_output: 5 } }
# the multi-label loss
layer {
  name: "loss"
  type: "SigmoidCrossEntropyLoss"
  bottom: "score"
  bottom: "labels"
  top: "loss"
  loss_weight: 1
  loss_param { normalization: BATCH_SIZE }
}
"""


def test_sigmoid_cross_entropy_loss_becomes_a_sigmoid(tmp_path) -> None:
    out = to_deploy(SIGMOID_TRAIN)
    assert out.endswith(
        "# the multi-label loss\n"
        "layer {\n"
        '  name: "prob"\n'
        '  type: "Sigmoid"\n'
        '  bottom: "score"\n'
        '  top: "prob"\n'
        "}\n"
    )
    check_deploy_invariants(out)
    bvlc(out)  # Caffe's own schema reads it
    # OpenCV runs it and gives the sigmoid of the logits (computed here from the weights).
    rng = np.random.default_rng(11)
    weights, bias = rng.normal(0, 0.5, (5, 48)), rng.normal(0, 1, 5)
    model = caffe_pb2.NetParameter(name="multilabel")
    score = model.layer.add(name="score", type="InnerProduct", bottom=["data"], top=["score"])
    for values in (weights, bias):
        blob = score.blobs.add()
        blob.shape.dim.extend(values.shape)
        blob.data.extend(values.astype(np.float32).ravel().tolist())
    caffemodel = tmp_path / "net.caffemodel"
    caffemodel.write_bytes(model.SerializeToString())
    x = rng.normal(0, 1, (1, 3, 4, 4)).astype(np.float32)
    got = opencv_forward(out, caffemodel, x, tmp_path, ["score", "prob"])
    logits = x.reshape(1, -1).astype(np.float64) @ weights.astype(np.float32).T.astype(np.float64) + bias.astype(np.float32)
    assert np.max(np.abs(got["score"] - logits)) <= SAME_NET_RTOL * np.max(np.abs(logits))
    assert np.max(np.abs(got["prob"] - 1 / (1 + np.exp(-logits)))) <= 1e-6
    assert got["prob"].shape == (1, 5)


def test_sigmoid_and_softmax_losses_share_one_naming_rule() -> None:
    """With both kinds and no single main loss, every output is named <bottom>_prob;
    the one with the largest loss_weight is 'prob'; a kept Sigmoid makes its loss go."""
    heads = (
        'layer { name: "cls" type: "InnerProduct" bottom: "data" top: "cls" }\n'
        'layer { name: "attr" type: "InnerProduct" bottom: "data" top: "attr" }\n'
        'layer { name: "l_cls" type: "SoftmaxWithLoss" bottom: "cls" bottom: "label" top: "l_cls" }\n'
        'layer { name: "l_attr" type: "SigmoidCrossEntropyLoss" bottom: "attr" bottom: "label" top: "l_attr" %s}\n'
    )
    kinds = {n.get_string("name"): n.get_string("type") for n in layers_of(to_deploy(DATA_KINDS["Data"][0] + heads % ""))}
    assert kinds == {"data": "Input", "cls": "InnerProduct", "attr": "InnerProduct", "cls_prob": "Softmax", "attr_prob": "Sigmoid"}
    kinds = {
        n.get_string("name"): n.get_string("type")
        for n in layers_of(to_deploy(DATA_KINDS["Data"][0] + heads % "loss_weight: 2 "))
    }
    assert kinds["prob"] == "Sigmoid" and kinds["cls_prob"] == "Softmax"
    kept = DATA_KINDS["Data"][0] + heads % "" + 'layer { name: "sig" type: "Sigmoid" bottom: "attr" top: "sig" }\n'
    assert names(to_deploy(kept)) == ["data", "cls", "attr", "prob", "sig"]


def test_cli_reports_the_sigmoid(tmp_path) -> None:
    src = tmp_path / "train.prototxt"
    src.write_text(SIGMOID_TRAIN)
    out = tmp_path / "deploy.prototxt"
    r = run_cli("to-deploy", src, "-o", out, "-v")
    assert r.returncode == 0, r.stderr
    assert "  line 8: layer 'loss': sigmoid: SigmoidCrossEntropyLoss -> Sigmoid 'prob' writing 'prob'\n" in r.stdout
    assert r.stdout.strip().splitlines()[-1] == (
        f"wrote deploy net to {out}: 1 layer(s) removed, 0 SoftmaxWithLoss -> Softmax, "
        "1 SigmoidCrossEntropyLoss -> Sigmoid, use_global_stats fixed in 0 layer(s)"
    )
    r = run_cli("to-deploy", src, "-o", tmp_path / "j.prototxt", "--json")
    changes = json.loads(r.stdout)["changes"]
    assert {"action": "sigmoid", "layer": "loss", "line": 8, "detail": "SigmoidCrossEntropyLoss -> Sigmoid 'prob' writing 'prob'"} in changes


# --------------------------------------------------------------------------- SSD (fork layers and fields)

SSD_TRAIN = """\
name: "VGG_VOC0712_SSD_300x300_train"
layer {
  name: "data"
  type: "AnnotatedData"
  top: "data"
  top: "label"
  include {
    phase: TRAIN
  }
  transform_param {
    mirror: true
    mean_value: 104
    mean_value: 117
    mean_value: 123
    resize_param {
      prob: 1
      resize_mode: WARP
      height: 300
      width: 300
      interp_mode: LINEAR
      interp_mode: AREA
      interp_mode: NEAREST
    }
    emit_constraint {
      emit_type: CENTER
    }
    distort_param {
      brightness_prob: 0.5
      brightness_delta: 32
    }
    expand_param {
      prob: 0.5
      max_expand_ratio: 4.0
    }
  }
  data_param {
    source: "examples/VOC0712/VOC0712_trainval_lmdb"
    batch_size: 32
    backend: LMDB
  }
  annotated_data_param {
    batch_sampler {
      max_sample: 1
      max_trials: 1
    }
    batch_sampler {
      sampler {
        min_scale: 0.3
        max_scale: 1.0
        min_aspect_ratio: 0.5
        max_aspect_ratio: 2.0
      }
      sample_constraint {
        min_jaccard_overlap: 0.1
      }
      max_sample: 1
      max_trials: 50
    }
    label_map_file: "data/VOC0712/labelmap_voc.prototxt"
  }
}
layer {
  name: "data"
  type: "AnnotatedData"
  top: "data"
  top: "label"
  include {
    phase: TEST
  }
  transform_param {
    mean_value: 104
    mean_value: 117
    mean_value: 123
    resize_param {
      prob: 1
      resize_mode: WARP
      height: 300
      width: 300
      interp_mode: LINEAR
    }
  }
  data_param {
    source: "examples/VOC0712/VOC0712_test_lmdb"
    batch_size: 8
    backend: LMDB
  }
  annotated_data_param {
    batch_sampler {
    }
    label_map_file: "data/VOC0712/labelmap_voc.prototxt"
  }
}
layer {
  name: "conv1_1"
  type: "Convolution"
  bottom: "data"
  top: "conv1_1"
  param {
    lr_mult: 1
    decay_mult: 1
  }
  param {
    lr_mult: 2
    decay_mult: 0
  }
  convolution_param {
    num_output: 8
    pad: 1
    kernel_size: 3
    weight_filler {
      type: "xavier"
    }
    bias_filler {
      type: "constant"
      value: 0
    }
  }
}
layer {
  name: "conv1_1/bn"
  type: "BatchNorm"
  bottom: "conv1_1"
  top: "conv1_1"
  batch_norm_param {
    use_global_stats: false
  }
}
layer {
  name: "relu1_1"
  type: "ReLU"
  bottom: "conv1_1"
  top: "conv1_1"
}
layer {
  name: "pool1"
  type: "Pooling"
  bottom: "conv1_1"
  top: "pool1"
  pooling_param {
    pool: MAX
    kernel_size: 2
    stride: 2
  }
}
layer {
  name: "conv4_3"
  type: "Convolution"
  bottom: "pool1"
  top: "conv4_3"
  convolution_param {
    num_output: 8
    pad: 1
    kernel_size: 3
  }
}
layer {
  name: "conv4_3_norm"
  type: "Normalize"
  bottom: "conv4_3"
  top: "conv4_3_norm"
  norm_param {
    across_spatial: false
    scale_filler {
      type: "constant"
      value: 20
    }
    channel_shared: false
  }
}
layer {
  name: "conv4_3_norm_mbox_loc"
  type: "Convolution"
  bottom: "conv4_3_norm"
  top: "conv4_3_norm_mbox_loc"
  convolution_param {
    num_output: 16
    pad: 1
    kernel_size: 3
  }
}
layer {
  name: "conv4_3_norm_mbox_loc_perm"
  type: "Permute"
  bottom: "conv4_3_norm_mbox_loc"
  top: "conv4_3_norm_mbox_loc_perm"
  permute_param {
    order: 0
    order: 2
    order: 3
    order: 1
  }
}
layer {
  name: "conv4_3_norm_mbox_loc_flat"
  type: "Flatten"
  bottom: "conv4_3_norm_mbox_loc_perm"
  top: "conv4_3_norm_mbox_loc_flat"
  flatten_param {
    axis: 1
  }
}
layer {
  name: "conv4_3_norm_mbox_conf"
  type: "Convolution"
  bottom: "conv4_3_norm"
  top: "conv4_3_norm_mbox_conf"
  convolution_param {
    num_output: 84
    pad: 1
    kernel_size: 3
  }
}
layer {
  name: "conv4_3_norm_mbox_conf_perm"
  type: "Permute"
  bottom: "conv4_3_norm_mbox_conf"
  top: "conv4_3_norm_mbox_conf_perm"
  permute_param {
    order: 0
    order: 2
    order: 3
    order: 1
  }
}
layer {
  name: "conv4_3_norm_mbox_conf_flat"
  type: "Flatten"
  bottom: "conv4_3_norm_mbox_conf_perm"
  top: "conv4_3_norm_mbox_conf_flat"
  flatten_param {
    axis: 1
  }
}
layer {
  name: "conv4_3_norm_mbox_priorbox"
  type: "PriorBox"
  bottom: "conv4_3_norm"
  bottom: "data"
  top: "conv4_3_norm_mbox_priorbox"
  prior_box_param {
    min_size: 30.0
    max_size: 60.0
    aspect_ratio: 2
    flip: true
    clip: false
    variance: 0.1
    variance: 0.1
    variance: 0.2
    variance: 0.2
    step: 2
    offset: 0.5
  }
}
layer {
  name: "mbox_loc"
  type: "Concat"
  bottom: "conv4_3_norm_mbox_loc_flat"
  top: "mbox_loc"
  concat_param {
    axis: 1
  }
}
layer {
  name: "mbox_conf"
  type: "Concat"
  bottom: "conv4_3_norm_mbox_conf_flat"
  top: "mbox_conf"
  concat_param {
    axis: 1
  }
}
layer {
  name: "mbox_priorbox"
  type: "Concat"
  bottom: "conv4_3_norm_mbox_priorbox"
  top: "mbox_priorbox"
  concat_param {
    axis: 2
  }
}
layer {
  name: "mbox_loss"
  type: "MultiBoxLoss"
  bottom: "mbox_loc"
  bottom: "mbox_conf"
  bottom: "mbox_priorbox"
  bottom: "label"
  top: "mbox_loss"
  include {
    phase: TRAIN
  }
  propagate_down: true
  propagate_down: true
  propagate_down: false
  propagate_down: false
  loss_param {
    normalization: VALID
  }
  multibox_loss_param {
    loc_loss_type: SMOOTH_L1
    conf_loss_type: SOFTMAX
    loc_weight: 1.0
    num_classes: 21
    share_location: true
    match_type: PER_PREDICTION
    overlap_threshold: 0.5
    use_prior_for_matching: true
    background_label_id: 0
    neg_pos_ratio: 3.0
    code_type: CENTER_SIZE
    mining_type: MAX_NEGATIVE
  }
}
layer {
  name: "mbox_conf_reshape"
  type: "Reshape"
  bottom: "mbox_conf"
  top: "mbox_conf_reshape"
  include {
    phase: TEST
  }
  reshape_param {
    shape {
      dim: 0
      dim: -1
      dim: 21
    }
  }
}
layer {
  name: "mbox_conf_softmax"
  type: "Softmax"
  bottom: "mbox_conf_reshape"
  top: "mbox_conf_softmax"
  include {
    phase: TEST
  }
  softmax_param {
    axis: 2
  }
}
layer {
  name: "mbox_conf_flatten"
  type: "Flatten"
  bottom: "mbox_conf_softmax"
  top: "mbox_conf_flatten"
  include {
    phase: TEST
  }
  flatten_param {
    axis: 1
  }
}
layer {
  name: "detection_out"
  type: "DetectionOutput"
  bottom: "mbox_loc"
  bottom: "mbox_conf_flatten"
  bottom: "mbox_priorbox"
  top: "detection_out"
  include {
    phase: TEST
  }
  detection_output_param {
    num_classes: 21
    share_location: true
    background_label_id: 0
    nms_param {
      nms_threshold: 0.45
      top_k: 400
    }
    save_output_param {
      output_directory: "data/VOCdevkit/results/VOC2007/SSD_300x300/Main"
      output_name_prefix: "comp4_det_test_"
      output_format: "VOC"
      label_map_file: "data/VOC0712/labelmap_voc.prototxt"
      name_size_file: "data/VOC0712/test_name_size.txt"
      num_test_image: 4952
    }
    code_type: CENTER_SIZE
    keep_top_k: 200
    confidence_threshold: 0.01
  }
}
layer {
  name: "detection_eval"
  type: "DetectionEvaluate"
  bottom: "detection_out"
  bottom: "label"
  top: "detection_eval"
  include {
    phase: TEST
  }
  detection_evaluate_param {
    num_classes: 21
    background_label_id: 0
    overlap_threshold: 0.5
    evaluate_difficult_gt: false
    name_size_file: "data/VOC0712/test_name_size.txt"
  }
}
"""

#: Blob shapes of the SSD snippet's weighted layers (for a random caffemodel OpenCV can load).
SSD_BLOBS = {
    "conv1_1": [(8, 3, 3, 3), (8,)],
    "conv1_1/bn": [(8,), (8,), (1,)],
    "conv4_3": [(8, 8, 3, 3), (8,)],
    "conv4_3_norm": [(8,)],
    "conv4_3_norm_mbox_loc": [(16, 8, 3, 3), (16,)],
    "conv4_3_norm_mbox_conf": [(84, 8, 3, 3), (84,)],
}


def test_ssd_fork_blocks_pass_verbatim() -> None:
    with pytest.raises(text_format.ParseError):
        bvlc(SSD_TRAIN)  # fork fields: the BVLC schema cannot even read the input
    out = to_deploy(SSD_TRAIN)
    check_deploy_invariants(out)
    assert input_layer(out) == (["data"], [[1, 3, 300, 300]])
    assert names(out) == [
        "data",
        "conv1_1",
        "conv1_1/bn",
        "relu1_1",
        "pool1",
        "conv4_3",
        "conv4_3_norm",
        "conv4_3_norm_mbox_loc",
        "conv4_3_norm_mbox_loc_perm",
        "conv4_3_norm_mbox_loc_flat",
        "conv4_3_norm_mbox_conf",
        "conv4_3_norm_mbox_conf_perm",
        "conv4_3_norm_mbox_conf_flat",
        "conv4_3_norm_mbox_priorbox",
        "mbox_loc",
        "mbox_conf",
        "mbox_priorbox",
        "mbox_conf_reshape",
        "mbox_conf_softmax",
        "mbox_conf_flatten",
        "detection_out",
    ]
    source = {n.get_string("name"): n for n in parse(SSD_TRAIN).all("layer")}
    for name in ("conv4_3_norm", "conv4_3_norm_mbox_priorbox", "conv4_3_norm_mbox_loc_perm"):
        assert source[name].render() in out, name
    for field in ("norm_param", "prior_box_param", "detection_output_param", "reshape_param"):
        (node,) = [n for n in parse(SSD_TRAIN).walk() if n.name == field]
        assert node.render() in out, field
    for gone in ("annotated_data_param", "batch_sampler", "multibox_loss_param", "detection_evaluate_param", '"label"'):
        assert gone not in out, gone


def test_ssd_deploy_runs_in_opencv(tmp_path) -> None:
    rng = np.random.default_rng(0)
    model = caffe_pb2.NetParameter()
    for name, shapes in SSD_BLOBS.items():
        stored = model.layer.add()
        stored.name = name
        for shape in shapes:
            blob = stored.blobs.add()
            blob.shape.dim.extend(shape)
            values = rng.standard_normal(shape).astype(np.float32) * 0.1
            blob.data.extend((np.abs(values) + 1 if name.endswith("/bn") else values).ravel().tolist())
    weights = tmp_path / "ssd.caffemodel"
    weights.write_bytes(model.SerializeToString())
    x = (rng.standard_normal((1, 3, 300, 300)) * 50).astype(np.float32)
    got = opencv_forward(to_deploy(SSD_TRAIN), weights, x, tmp_path, ["detection_out"])
    detections = got["detection_out"]
    assert detections.shape[:2] == (1, 1) and detections.shape[3] == 7 and detections.shape[2] > 0


def test_ssd_train_only_file() -> None:
    """SSD's own train.prototxt: the TRAIN data layer is the only one."""
    start = SSD_TRAIN.index(
        'layer {\n  name: "data"\n  type: "AnnotatedData"\n  top: "data"\n  top: "label"\n  include {\n    phase: TEST'
    )
    end = SSD_TRAIN.index('layer {\n  name: "conv1_1"')
    out = to_deploy(SSD_TRAIN[:start] + SSD_TRAIN[end:])
    assert input_layer(out) == (["data"], [[1, 3, 300, 300]])
    assert out == to_deploy(SSD_TRAIN)


# --------------------------------------------------------------------------- errors


def test_syntax_error_names_file_line_and_column(tmp_path) -> None:
    with pytest.raises(PrototxtSyntaxError) as err:
        to_deploy('name: "n"\nlayer {\n  name: "a"\n  type: : "ReLU"\n}\n', path="net.prototxt")
    assert (err.value.file, err.value.line, err.value.column) == ("net.prototxt", 4, 9)
    bad = tmp_path / "bad.prototxt"
    bad.write_text('layer {\n  name: "a"\n')
    r = run_cli("to-deploy", bad)
    assert r.returncode == 1 and r.stdout == ""
    assert re.fullmatch(rf"caffe-bn-merge: error: {re.escape(str(bad))}:3:1: .*'}}'.*\n", r.stderr), r.stderr


def test_structural_errors() -> None:
    with pytest.raises(GraphError, match="V1"):
        to_deploy('layers { name: "c" type: CONVOLUTION bottom: "data" top: "c" }\n')
    with pytest.raises(GraphError, match="bottom 'nowhere'") as err:
        to_deploy('layer { name: "r" type: "ReLU" bottom: "nowhere" top: "r" }\n', path="n.prototxt")
    assert err.value.layer == "r" and err.value.file == "n.prototxt"
    with pytest.raises(GraphError, match="defines no layers"):
        to_deploy('name: "empty"\n')
    with pytest.raises(TypeError):
        to_deploy(DATA_KINDS["Data"][0], "1,3,8,8")  # type: ignore[arg-type]


def test_planning_does_not_edit_and_documents_are_not_modified() -> None:
    doc = parse(SSD_TRAIN)
    plan_deploy(doc)
    assert doc.render() == SSD_TRAIN
    result = deploy_document(doc)
    assert doc.render() == SSD_TRAIN and result.text != SSD_TRAIN


# --------------------------------------------------------------------------- command line


def test_cli_file_output_report_and_idempotence(tmp_path) -> None:
    out = tmp_path / "deploy.prototxt"
    r = run_cli("to-deploy", CLASSIFIER / "train_val.prototxt", "-o", out)
    assert r.returncode == 0, r.stderr
    assert out.read_text() == to_deploy((CLASSIFIER / "train_val.prototxt").read_text())
    assert "input 'data': shape [1, 3, 16, 16]" in r.stdout
    assert r.stdout.strip().splitlines()[-1] == (
        f"wrote deploy net to {out}: 5 layer(s) removed, 1 SoftmaxWithLoss -> Softmax, use_global_stats fixed in 2 layer(s)"
    )
    r = run_cli("to-deploy", CLASSIFIER / "train_val.prototxt", "-o", tmp_path / "v.prototxt", "-v")
    assert "  line 75: layer 'bn1': use_global_stats: false -> true (use the stored statistics)\n" in r.stdout
    assert "  line 246: layer 'loss': softmax: SoftmaxWithLoss -> Softmax 'prob' writing 'prob'\n" in r.stdout
    again = tmp_path / "again.prototxt"
    r = run_cli("to-deploy", out, "-o", again)
    assert r.returncode == 0 and "already a deploy net" in r.stdout
    assert again.read_bytes() == out.read_bytes()


def test_cli_stdout_is_the_default(tmp_path) -> None:
    r = run_cli("to-deploy", CLASSIFIER / "train_val.prototxt", "--input-shape", "2,3,32,32")
    assert r.returncode == 0, r.stderr
    assert input_layer(r.stdout) == (["data"], [[2, 3, 32, 32]])
    assert "wrote deploy net to standard output" in r.stderr
    r2 = run_cli("to-deploy", CLASSIFIER / "train_val.prototxt", "-o", "-", "-q", "--input-shape", "data=2,3,32,32")
    assert (r2.returncode, r2.stdout, r2.stderr) == (0, r.stdout, "")


def test_cli_refuses_to_overwrite_its_input(tmp_path) -> None:
    src = tmp_path / "train_val.prototxt"
    text = (CLASSIFIER / "train_val.prototxt").read_bytes()
    src.write_bytes(text)
    r = run_cli("to-deploy", src, "-o", src)
    assert r.returncode == 1 and "input file" in r.stderr
    assert src.read_bytes() == text


def test_cli_json_and_usage_errors(tmp_path) -> None:
    r = run_cli("to-deploy", CLASSIFIER / "train_val.prototxt", "-o", tmp_path / "d.prototxt", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["inputs"] == [
        {"blob": "data", "shape": [1, 3, 16, 16], "from": "crop_size, channels from 3 mean_value entries"}
    ]
    assert {c["layer"] for c in data["changes"] if c["action"] == "removed"} == {
        "data",
        "bn2",
        "accuracy",
        "accuracy_top5",
    }
    for args in (["--json"], ["--input-shape", "1,3,x"], ["--input-shape", "1,3", "--input-shape", "label=1"]):
        r = run_cli("to-deploy", CLASSIFIER / "train_val.prototxt", *args)
        assert r.returncode == 2, args
    r = run_cli("to-deploy", tmp_path / "missing.prototxt")
    assert r.returncode != 0 and "Traceback" not in r.stderr


def test_cli_keeps_crlf_and_bytes(tmp_path) -> None:
    src = tmp_path / "crlf.prototxt"
    text = (CLASSIFIER / "train_val.prototxt").read_text().replace("\n", "\r\n")
    src.write_bytes(text.encode())
    out = tmp_path / "out.prototxt"
    assert run_cli("to-deploy", src, "-o", out, "-q").returncode == 0
    data = out.read_bytes()
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert data.decode() == to_deploy(text)


# --------------------------------------------------------------------------- property test

_STYLES = st.sampled_from(["one_line", "multi_line"])


def _layer_text(
    name: str, ltype: str, bottoms: list[str], tops: list[str], extra: list[str], style: str, comment: str
) -> str:
    fields = (
        [f'name: "{name}"', f'type: "{ltype}"']
        + [f'bottom: "{b}"' for b in bottoms]
        + [f'top: "{t}"' for t in tops]
        + extra
    )
    if style == "one_line":
        return f"layer {{ {' '.join(fields)} }}{comment}\n"
    return "layer {" + comment + "\n" + "".join(f"  {f}\n" for f in fields) + "}\n"


@st.composite
def train_vals(draw) -> tuple[str, dict[str, str]]:
    """A random train_val and the text of the layers that must come out byte for byte."""
    parts = ['name: "random"\n']
    verbatim: dict[str, str] = {}
    mean = " ".join(f"mean_value: {v}" for v in draw(st.sampled_from([(104, 117, 123), (0.5, 0.5)])))
    for phase in ("TRAIN", "TEST"):
        parts.append(
            _layer_text(
                f"data_{phase}",
                "Data",
                [],
                ["data", "label"],
                [
                    f"include {{ phase: {phase} }}",
                    f"transform_param {{ crop_size: 8 {mean} }}",
                    'data_param { source: "db" batch_size: 4 }',
                ],
                draw(_STYLES),
                "",
            )
        )
    blob = "data"
    for i in range(draw(st.integers(1, 6))):
        style = draw(_STYLES)
        comment = draw(st.sampled_from(["", f"  # note {i}"]))
        if draw(st.booleans()):
            parts.append(draw(st.sampled_from(["", "\n", f"# section {i}\n", f"\n# section {i}\n"])))
        kind = draw(st.sampled_from(["conv", "bn", "relu", "dropout", "train_only", "test_only"]))
        name = f"{kind}{i}"
        in_place = draw(st.booleans())
        top = blob if in_place else name
        if kind == "conv":
            text = _layer_text(
                name,
                "Convolution",
                [blob],
                [top],
                ["param { lr_mult: 1 }", "convolution_param { num_output: 2 kernel_size: 1 }"],
                style,
                comment,
            )
        elif kind == "bn":
            ugs = draw(st.sampled_from([None, "true", "false"]))
            extra = ["param { lr_mult: 0 }"] + ([f"batch_norm_param {{ use_global_stats: {ugs} }}"] if ugs else [])
            text = _layer_text(name, "BatchNorm", [blob], [top], extra, style, comment)
            if ugs == "false":
                verbatim[name + "/fixed"] = text.replace("use_global_stats: false", "use_global_stats: true")
                text_kept = None
            else:
                text_kept = text
        elif kind == "dropout":
            text = _layer_text(name, "Dropout", [blob], [top], ["dropout_param { dropout_ratio: 0.5 }"], style, comment)
        elif kind == "relu":
            text = _layer_text(name, "ReLU", [blob], [top], [], style, comment)
        elif kind == "train_only":
            text = _layer_text(name, "ReLU", [blob], [name], ["include { phase: TRAIN }"], style, comment)
            top = blob  # the TEST net does not see it
        else:
            text = _layer_text(name, "ReLU", [blob], [top], ["include { phase: TEST }"], style, comment)
        if kind not in ("bn", "train_only", "test_only"):
            verbatim[name] = text
        elif kind == "bn" and text_kept is not None:
            verbatim[name] = text
        parts.append(text)
        blob = top
    parts.append(
        _layer_text("acc", "Accuracy", [blob, "label"], ["acc"], ["include { phase: TEST }"], draw(_STYLES), "")
    )
    parts.append(_layer_text("loss", "SoftmaxWithLoss", [blob, "label"], ["loss"], [], draw(_STYLES), ""))
    return "".join(parts), verbatim


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(train_vals())
def test_random_train_vals(case: tuple[str, dict[str, str]]) -> None:
    text, verbatim = case
    out = to_deploy(text)
    check_deploy_invariants(out)
    for name, layer_text in verbatim.items():
        assert layer_text in out, name
    kept = names(out)
    assert kept[0] == "data" and kept[-1] == "prob"  # the Input is named after its blob
    assert not any(n.startswith("train_only") for n in kept)
    assert input_layer(out)[0] == ["data"]
    assert bvlc(out).layer[0].input_param.shape[0].dim[:] == [1, 3 if "104" in text else 2, 8, 8]
