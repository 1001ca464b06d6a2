"""The registry of behaviour per layer type (caffe2trt_bn.ir.registry) and its users."""

from __future__ import annotations

import pytest

from caffe2trt_bn.errors import Caffe2TrtError, GraphError, NoHandlerError
from caffe2trt_bn.io.prototxt import parse
from caffe2trt_bn.ir.graph import build_graph
from caffe2trt_bn.ir.registry import DuplicateHandlerError, Registry
from caffe2trt_bn.passes.batchnorm import BATCHNORM_READERS, BATCHNORM_TYPES, read_batchnorm
from caffe2trt_bn.passes.fold_weights import PRODUCERS
from caffe2trt_bn.passes.scale_bias import AFFINE_LAYERS

NET = """name: "n"
input: "data"
input_shape { dim: 1 dim: 3 dim: 4 dim: 4 }
layer { name: "c" type: "Convolution" bottom: "data" top: "c" convolution_param { num_output: 2 kernel_size: 1 } }
layer {
  name: "odd"
  type: "Frobnicate"
  bottom: "c"
  top: "odd"
}
"""


def test_one_handler_for_several_types_in_registration_order() -> None:
    reg: Registry[str] = Registry("thing")
    reg.register("B", "A")("first")
    reg.register("C")("second")
    assert reg.types() == ("B", "A", "C")
    assert reg.get("A") == "first" and reg.get("C") == "second"
    assert "B" in reg and "D" not in reg
    assert reg.get("D") is None


def test_a_second_registration_of_a_type_is_refused() -> None:
    reg: Registry[str] = Registry("fold producer")
    reg.register("Convolution")("conv")
    reg.register("Convolution")("conv")  # the same handler again: harmless (a module imported twice)
    with pytest.raises(DuplicateHandlerError, match="'Convolution' has two fold producers"):
        reg.register("InnerProduct", "Convolution")("other")
    assert reg.get("Convolution") == "conv"
    with pytest.raises(DuplicateHandlerError, match="needs at least one Caffe layer type"):
        reg.register()


def test_a_type_without_handler_is_a_named_error(tmp_path) -> None:
    path = str(tmp_path / "deploy.prototxt")
    graph = build_graph(parse(NET, path))
    odd = graph.layer("odd")
    assert odd is not None
    reg: Registry[str] = Registry("thing", hint=True)
    reg.register("Frobnicator")("f")
    with pytest.raises(NoHandlerError) as info:
        reg.handler(odd)
    err = info.value
    assert isinstance(err, GraphError) and isinstance(err, Caffe2TrtError)
    assert err.layer_type == "Frobnicate" and err.layer == "odd" and err.line == 5 and err.file == path
    assert str(err) == f"{path}:5: layer 'odd': layer type 'Frobnicate' has no thing (did you mean 'Frobnicator'?)"
    assert err.code == "graph"


def test_fold_producers_and_batchnorm_variants_are_registered() -> None:
    assert PRODUCERS.types() == ("Convolution", "Deconvolution", "InnerProduct")
    assert BATCHNORM_READERS.types() == ("BatchNorm", "BN")
    assert BATCHNORM_TYPES == frozenset(BATCHNORM_READERS.types())
    assert AFFINE_LAYERS.types() == ("Scale", "Bias")


def test_reading_a_layer_type_without_a_batchnorm_reader_names_it() -> None:
    graph = build_graph(parse(NET, "net.prototxt"))
    conv = graph.layer("c")
    assert conv is not None
    with pytest.raises(NoHandlerError, match="layer 'c': layer type 'Convolution' is not a supported batch normalisation"):
        read_batchnorm(conv, [])


def test_a_fold_into_an_unregistered_type_is_explained(tmp_path) -> None:
    """Place_groups asks the registry: the reason lists the registered producers."""
    from caffe2trt_bn.passes.fold_plan import _unfoldable_reason

    graph = build_graph(parse(NET, "net.prototxt"))
    odd = graph.layer("odd")
    assert odd is not None
    assert _unfoldable_reason(odd, {}) == (
        "its input comes from Frobnicate layer 'odd'; only Convolution, Deconvolution, InnerProduct layers take folded weights"
    )
