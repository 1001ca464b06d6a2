"""The Caffe models the benchmarks measure: ResNet-shaped nets written without Caffe.

Each is shaped like the original Caffe release of the net (KaimingHe's deploy files):
convolutions without bias, each followed by ``BatchNorm`` (statistics stored the way Caffe
accumulates them), ``Scale`` with bias, ``ReLU``, bottleneck blocks joined by ``Eltwise`` and
a final ``InnerProduct``.  Weights are deterministic random numbers (``seed``) with He
scaling.  :func:`write_model` writes the deploy prototxt and the caffemodel of the TRAIN
net as Caffe saves it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from caffe2trt_bn.io import wire


@dataclass(frozen=True)
class ModelKind:
    """A bottleneck ResNet: blocks per stage (res2..res5), the width of conv1 and of the
    first stage's bottleneck (64 in the original nets; every width scales with it), and
    the kernel size of the bottlenecks' middle convolutions (3 in the original nets)."""

    blocks: tuple[int, int, int, int]
    width: int
    description: str
    kernel: int = 3


MODELS: dict[str, ModelKind] = {
    "resnet50-k7": ModelKind(
        (3, 4, 6, 3), 64, "ResNet-50 with 7x7 bottleneck kernels: the same layers and channels, 3x the bytes", 7
    ),
    "resnet50": ModelKind((3, 4, 6, 3), 64, "ResNet-50"),
    "resnet152": ModelKind((3, 8, 36, 3), 64, "ResNet-152"),
}
#: Caffe's default ``moving_average_fraction``.
MOVING_AVERAGE_FRACTION = 0.999


@dataclass
class LayerSpec:
    """One layer of a generated net: what both the prototxt and the caffemodel say."""

    name: str
    type: str
    bottoms: list[str]
    tops: list[str]
    #: Parameter messages: field name -> list of (sub-field, value) pairs.
    params: dict[str, list[tuple[str, object]]] = field(default_factory=dict)
    #: Blob shapes; the values are drawn when the caffemodel is written.
    blobs: list[tuple[int, ...]] = field(default_factory=list)


# LayerParameter field numbers of the parameter messages used, with their sub-fields
# (name -> (field number, kind)); see proto/caffe.proto.
PARAM_SCHEMA: dict[str, tuple[int, dict[str, tuple[int, str]]]] = {
    "convolution_param": (
        106,
        {"num_output": (1, "varint"), "bias_term": (2, "varint"), "pad": (3, "varint"),
         "kernel_size": (4, "varint"), "stride": (6, "varint")},
    ),
    "batch_norm_param": (139, {"use_global_stats": (1, "varint")}),
    "scale_param": (142, {"bias_term": (4, "varint")}),
    "pooling_param": (121, {"pool": (1, "enum"), "kernel_size": (2, "varint"), "stride": (3, "varint")}),
    "inner_product_param": (117, {"num_output": (1, "varint")}),
}
POOL_METHODS = {"MAX": 0, "AVE": 1}


def resnet_layers(kind: ModelKind) -> list[LayerSpec]:
    """The deploy layers of a bottleneck ResNet in the naming of the original Caffe release."""
    layers: list[LayerSpec] = []

    def conv_bn(name: str, suffix: str, bottom: str, c_in: int, c_out: int, k: int, stride: int, relu: bool) -> str:
        pad = (k - 1) // 2
        params: list[tuple[str, object]] = [("num_output", c_out), ("bias_term", False)]
        if pad:
            params.append(("pad", pad))
        params.append(("kernel_size", k))
        if stride != 1:
            params.append(("stride", stride))
        conv = LayerSpec(name, "Convolution", [bottom], [name], {"convolution_param": params}, [(c_out, c_in, k, k)])
        layers.append(conv)
        layers.append(
            LayerSpec(f"bn{suffix}", "BatchNorm", [name], [name], {"batch_norm_param": [("use_global_stats", True)]},
                      [(c_out,), (c_out,), (1,)])
        )
        layers.append(LayerSpec(f"scale{suffix}", "Scale", [name], [name], {"scale_param": [("bias_term", True)]},
                                [(c_out,), (c_out,)]))
        if relu:
            layers.append(LayerSpec(f"{name}_relu", "ReLU", [name], [name]))
        return name

    layers.append(LayerSpec("data", "Input", [], ["data"]))
    x = conv_bn("conv1", "_conv1", "data", 3, kind.width, 7, 2, True)
    layers.append(LayerSpec("pool1", "Pooling", [x], ["pool1"],
                            {"pooling_param": [("pool", "MAX"), ("kernel_size", 3), ("stride", 2)]}))
    x, c_in = "pool1", kind.width
    for stage, count in enumerate(kind.blocks, start=2):
        mid = kind.width * 2 ** (stage - 2)
        out = 4 * mid
        for i in range(count):
            # ResNet-50 names blocks a, b, c, ...; the deeper nets a, b1, b2, ...
            tag = "a" if i == 0 else (chr(ord("a") + i) if count <= 6 else f"b{i}")
            block = f"{stage}{tag}"
            stride = 2 if (i == 0 and stage > 2) else 1
            if i == 0:
                shortcut = conv_bn(f"res{block}_branch1", f"{block}_branch1", x, c_in, out, 1, stride, False)
            else:
                shortcut = x
            y = conv_bn(f"res{block}_branch2a", f"{block}_branch2a", x, c_in, mid, 1, stride, True)
            y = conv_bn(f"res{block}_branch2b", f"{block}_branch2b", y, mid, mid, kind.kernel, 1, True)
            y = conv_bn(f"res{block}_branch2c", f"{block}_branch2c", y, mid, out, 1, 1, False)
            layers.append(LayerSpec(f"res{block}", "Eltwise", [shortcut, y], [f"res{block}"]))
            layers.append(LayerSpec(f"res{block}_relu", "ReLU", [f"res{block}"], [f"res{block}"]))
            x, c_in = f"res{block}", out
    layers.append(LayerSpec("pool5", "Pooling", [x], ["pool5"],
                            {"pooling_param": [("pool", "AVE"), ("kernel_size", 7), ("stride", 1)]}))
    layers.append(LayerSpec("fc1000", "InnerProduct", ["pool5"], ["fc1000"],
                            {"inner_product_param": [("num_output", 1000)]}, [(1000, c_in), (1000,)]))
    layers.append(LayerSpec("prob", "Softmax", ["fc1000"], ["prob"]))
    return layers


def prototxt_text(name: str, layers: Sequence[LayerSpec]) -> str:
    """The deploy prototxt of ``layers`` (one ``Input`` layer of shape 1x3x224x224)."""
    out = [f'name: "{name}"\n']
    for spec in layers:
        lines = [f'  name: "{spec.name}"', f'  type: "{spec.type}"']
        lines += [f'  bottom: "{b}"' for b in spec.bottoms]
        lines += [f'  top: "{t}"' for t in spec.tops]
        if spec.type == "Input":
            lines.append("  input_param { shape { dim: 1 dim: 3 dim: 224 dim: 224 } }")
        for pname, values in spec.params.items():
            body = " ".join(f"{k}: {_text_value(v)}" for k, v in values)
            lines.append(f"  {pname} {{ {body} }}")
        out.append("layer {\n" + "\n".join(lines) + "\n}\n")
    return "".join(out)


def _text_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def caffe_scale_factor(fraction: float = MOVING_AVERAGE_FRACTION) -> np.float32:
    """The BatchNorm normaliser ``s`` after long training: Caffe updates it in float32 as
    ``s = s*fraction + 1`` each iteration, so it settles just below ``1/(1-fraction)``."""
    s = np.float32(0)
    f = np.float32(fraction)
    while True:
        nxt = np.float32(s * f + np.float32(1))
        if nxt == s:
            return s
        s = nxt


def blob_bytes(shape: tuple[int, ...], values: np.ndarray) -> bytes:
    """A serialised BlobProto: packed float32 ``data`` (5), then ``shape`` (7) as Caffe writes."""
    dims = b"".join(wire.encode_varint(d) for d in shape)
    shape_msg = wire.encode_len(1, dims)
    data = values.astype("<f4", copy=False).tobytes()
    return wire.len_header(5, len(data)) + data + wire.encode_len(7, shape_msg)


def layer_bytes(spec: LayerSpec, blobs: Sequence[bytes]) -> bytes:
    """A serialised LayerParameter as Caffe saves a TRAIN net (``phase: TRAIN`` set)."""
    parts = [wire.encode_len(1, spec.name.encode()), wire.encode_len(2, spec.type.encode())]
    parts += [wire.encode_len(3, b.encode()) for b in spec.bottoms]
    parts += [wire.encode_len(4, t.encode()) for t in spec.tops]
    parts += [wire.encode_len(7, b) for b in blobs]
    parts.append(wire.encode_varint_field(10, 0))
    for pname, values in sorted(spec.params.items(), key=lambda kv: PARAM_SCHEMA[kv[0]][0]):
        number, schema = PARAM_SCHEMA[pname]
        fields = sorted(values, key=lambda kv: schema[kv[0]][0])
        body = b""
        for key, value in fields:
            sub, kind = schema[key]
            v = POOL_METHODS[str(value)] if kind == "enum" else int(value)  # type: ignore[call-overload]
            body += wire.encode_varint_field(sub, v)
        parts.append(wire.encode_len(number, body))
    return b"".join(parts)


def blob_values(spec: LayerSpec, rng: np.random.Generator, s: np.float32) -> list[np.ndarray]:
    """Deterministic values for the blobs of ``spec``."""
    if spec.type == "BatchNorm":
        c = spec.blobs[0][0]
        mean = rng.normal(0.0, 0.5, c).astype(np.float32)
        var = rng.uniform(0.05, 2.0, c).astype(np.float32)
        return [mean * s, var * s, np.array([s], dtype=np.float32)]
    if spec.type == "Scale":
        c = spec.blobs[0][0]
        return [rng.normal(1.0, 0.3, c).astype(np.float32), rng.normal(0.0, 0.3, c).astype(np.float32)]
    out = []
    for shape in spec.blobs:
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
        out.append(rng.standard_normal(int(np.prod(shape)), dtype=np.float32) * np.float32((2.0 / fan_in) ** 0.5))
    return out


def write_model(kind: str, folder: Path, seed: int, shape: ModelKind | None = None) -> tuple[Path, Path, int]:
    """Writes ``<kind>_deploy.prototxt`` and ``<kind>.caffemodel``; returns their paths and
    the number of layers.  The net is ``MODELS[kind]``, or ``shape`` (a net of another
    size, named ``kind``).  The caffemodel is the TRAIN net as Caffe saves it: a ``Data``
    layer and a ``SoftmaxWithLoss`` instead of ``Input`` and ``Softmax``."""
    layers = resnet_layers(shape if shape is not None else MODELS[kind])
    deploy = folder / f"{kind}_deploy.prototxt"
    deploy.write_text(prototxt_text(kind, layers))
    train = [LayerSpec("data", "Data", [], ["data", "label"])] + layers[1:-1]
    train.append(LayerSpec("loss", "SoftmaxWithLoss", ["fc1000", "label"], ["loss"]))
    rng = np.random.default_rng(seed)
    s = caffe_scale_factor()
    model = folder / f"{kind}.caffemodel"
    with open(model, "wb") as f:
        f.write(wire.encode_len(1, kind.encode()))
        for spec in train:
            blobs = [blob_bytes(shape, v) for shape, v in zip(spec.blobs, blob_values(spec, rng, s), strict=True)]
            payload = layer_bytes(spec, blobs)
            f.write(wire.len_header(100, len(payload)))
            f.write(payload)
    return deploy, model, len(layers)
