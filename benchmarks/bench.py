#!/usr/bin/env python3
"""Speed and memory of caffe-bn-merge next to the tools people use today.

The script writes ResNet-50- and ResNet-152-shaped Caffe models (deterministic random
weights, BatchNorm statistics stored the way Caffe accumulates them), and a ResNet-50
with 7x7 bottleneck kernels (the same layers and channels, 3x the bytes), into a
temporary folder, then runs, side by side in one session, each of:

* ``caffe-bn-merge DEPLOY MODEL -o x.h5`` as a whole process (start-up included);
* ``caffe-bn-merge fold DEPLOY MODEL -o OUTDIR`` as a whole process;
* the in-process :func:`caffe2trt_bn.extract` call (timed in a loop inside one process);
* the peers: a full protobuf parse in Python (``NetParameter.FromString`` and numpy
  conversion of the BatchNorm/Scale blobs), OpenCV ``cv2.dnn.readNetFromCaffe``,
  pycaffe ``caffe.Net(...)`` (when an interpreter that can ``import caffe`` is named),
  and ``cp`` of the caffemodel;
* yardsticks of what Python can reach at all: two floors of a fold in Python with numpy
  (``FLOOR_COPY_CHILD``, ``FLOOR_SCALE_CHILD``) and an unchecked single-purpose reader
  (``SKETCH_WORK``), measured beside ``extract()`` in the paired step.

Every command runs once as a warm-up (so the model is in the page cache for all of them
alike), then ``--runs`` rounds each run every command once, in the same order; figures
are medians.  Wall time is ``time.perf_counter`` around the child process; peak memory
is the child's ``ru_maxrss`` from ``os.wait4`` (resident pages, file-backed pages of
memory-mapped files included).  Peers that are Python processes also report the time
of their work alone, without interpreter start-up, so in-process figures compare like
with like.

It prints ratios against each peer and the project's targets, and writes a markdown
report (``RESULTS.md`` beside this script unless ``--results`` says otherwise) with a
description of the machine.  Run ``python benchmarks/bench.py --help`` for options.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if (REPO / "caffe2trt_bn").is_dir() and str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from caffe2trt_bn import wire  # after the checkout is put on sys.path

MIB = 1024 * 1024


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


# --------------------------------------------------------------------------- models


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


def write_model(kind: str, folder: Path, seed: int) -> tuple[Path, Path, int]:
    """Writes ``<kind>_deploy.prototxt`` and ``<kind>.caffemodel``; returns their paths and
    the number of layers.  The caffemodel is the TRAIN net as Caffe saves it: a ``Data``
    layer and a ``SoftmaxWithLoss`` instead of ``Input`` and ``Softmax``."""
    layers = resnet_layers(MODELS[kind])
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
            blobs = [blob_bytes(shape, v) for shape, v in zip(spec.blobs, blob_values(spec, rng, s))]
            payload = layer_bytes(spec, blobs)
            f.write(wire.len_header(100, len(payload)))
            f.write(payload)
    return deploy, model, len(layers)


# --------------------------------------------------------------------------- running


@dataclass
class Sample:
    """One run of a command: wall seconds, peak RSS in bytes, and what the child reported."""

    wall: float
    rss: int
    report: dict[str, object]


@dataclass
class Tool:
    """A command measured as a child process.  ``prepare`` runs before each run (e.g.
    removes the previous output) and is not timed."""

    key: str
    label: str
    argv: list[str]
    env: dict[str, str] | None = None
    prepare: Callable[[], None] | None = None
    samples: list[Sample] = field(default_factory=list)

    def median_wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    def median_rss(self) -> float:
        return statistics.median(s.rss for s in self.samples)

    def median_report(self, key: str) -> float | None:
        values = [float(s.report[key]) for s in self.samples if key in s.report]  # type: ignore[arg-type]
        return statistics.median(values) if values else None


class ToolFailed(RuntimeError):
    pass


# Peak RSS is read with wait4 by a small launcher process rather than by this one:
# Linux carries a process's memory high-water mark across fork and exec, so a child
# forked from this (large) process would report at least this process's peak.  The
# launcher's own few MiB are then the floor of every figure (cp's figure is that floor).
LAUNCHER = r"""
import json, os, sys, time
out = os.open(sys.argv[1], os.O_WRONLY)
err = os.open(sys.argv[2], os.O_WRONLY)
argv = sys.argv[3:]
start = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=[
    (os.POSIX_SPAWN_DUP2, out, 1), (os.POSIX_SPAWN_DUP2, err, 2), (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0)])
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
print(json.dumps({"wall": wall, "maxrss": usage.ru_maxrss, "exit": os.waitstatus_to_exitcode(status)}))
"""


def run_child(argv: Sequence[str], env: dict[str, str] | None, cwd: Path) -> Sample:
    """Runs ``argv`` to completion through the launcher: wall time around the child
    (launcher start-up excluded), its peak RSS, and its last stdout line parsed as JSON
    when that is a JSON object."""
    exe = shutil.which(argv[0], path=(env or os.environ).get("PATH")) if os.sep not in argv[0] else argv[0]
    if exe is None:
        raise ToolFailed(f"{argv[0]}: command not found")
    with tempfile.NamedTemporaryFile() as out, tempfile.NamedTemporaryFile() as err:
        res = subprocess.run(
            [sys.executable, "-I", "-S", "-c", LAUNCHER, out.name, err.name, exe, *argv[1:]],
            env=env, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False,
        )
        if res.returncode != 0:
            raise ToolFailed(f"launcher failed: {res.stderr.strip().splitlines()[-1:]}")
        meta = json.loads(res.stdout)
        if meta["exit"] != 0:
            tail = Path(err.name).read_text(errors="replace").strip().splitlines()[-5:]
            raise ToolFailed(f"exit {meta['exit']}: " + " | ".join(tail))
        lines = Path(out.name).read_text(errors="replace").strip().splitlines()
    report: dict[str, object] = {}
    if lines and lines[-1].startswith("{"):
        try:
            report = json.loads(lines[-1])
        except json.JSONDecodeError:
            pass
    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    rss = meta["maxrss"] if sys.platform == "darwin" else meta["maxrss"] * 1024
    return Sample(float(meta["wall"]), int(rss), report)


# Child programs of the Python peers.  Each prints one JSON line with the time of its
# work alone (``work``, seconds), measured inside the process.
#: The protobuf peer's work, shared by PROTOBUF_CHILD and PAIRED_CHILD: the generated
#: module loaded from its file (not through our package), then a full parse with numpy
#: arrays of the BatchNorm and Scale blobs.
PROTOBUF_WORK = r"""
import importlib.util
import numpy as np

def load_caffe_pb2(path):
    spec = importlib.util.spec_from_file_location("caffe_pb2", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

def protobuf_parse(caffe_pb2, model):
    with open(model, "rb") as f:
        net = caffe_pb2.NetParameter.FromString(f.read())
    blobs = {l.name: [np.array(b.data, dtype=np.float32) for b in l.blobs]
             for l in net.layer if l.type in ("BatchNorm", "Scale")}
    assert blobs
    return net, blobs
"""

#: The yardstick of the ``extract()`` figure: a single-purpose reader of the benchmark's
#: models that does the arithmetic of ``extract()`` and checks nothing.  It assumes what
#: these generated models are (every BatchNorm followed by its Scale with a bias, the
#: default eps, Caffe's field order, well-formed files), builds no graph and reads no
#: other field.  The protobuf parse's work over its time is what a Python reader reaches
#: when it checks nothing; one that checks its input has more to do.  Not a tool to use.
SKETCH_WORK = r"""
import mmap, re
import numpy as np

SKETCH_FIELDS = re.compile(rb'^\s*(name|type)\s*:\s*"([^"]*)"', re.M)

def sketch_varint(buf, i):
    value = shift = 0
    while True:
        byte = buf[i]
        i += 1
        value |= (byte & 127) << shift
        shift += 7
        if byte < 128:
            return value, i

def sketch_fields(buf, i, end):
    # (field number, start, end) of each length-delimited field of buf[i:end]
    while i < end:
        key, i = sketch_varint(buf, i)
        kind = key & 7
        if kind == 2:
            size, i = sketch_varint(buf, i)
            yield key >> 3, i, i + size
            i += size
        elif kind == 0:
            i = sketch_varint(buf, i)[1]
        else:
            i += 4 if kind == 5 else 8

def sketch_extract(deploy, model):
    with open(deploy, "rb") as f:
        names, types = [], []
        for key, value in SKETCH_FIELDS.findall(f.read()):
            (names if key == b"name" else types).append(value)
    layers = list(zip(names[len(names) - len(types):], types))  # the net's own name comes first
    with open(model, "rb") as f:
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    spans = {}
    for number, start, end in sketch_fields(buf, 0, len(buf)):
        if number == 100:  # NetParameter.layer; its name is its first field
            size, i = sketch_varint(buf, start + 1)
            spans[bytes(buf[i:i + size])] = (start, end)

    def blobs(name):
        out = []
        for number, start, end in sketch_fields(buf, *spans[name]):
            if number == 7:  # LayerParameter.blobs
                for field, a, b in sketch_fields(buf, start, end):
                    if field == 5:  # BlobProto.data, packed
                        out.append(np.frombuffer(buf, np.float32, (b - a) // 4, a))
        return out

    result = []
    for (name, kind), (next_name, next_kind) in zip(layers, layers[1:]):
        if kind == b"BatchNorm" and next_kind == b"Scale":
            mean, var, factor = blobs(name)
            gamma, beta = blobs(next_name)
            s = 1.0 / float(factor[0])
            a = 1.0 / np.sqrt(np.multiply(var, s, dtype=np.float64) + float(np.float32(1e-5)))
            b = -np.multiply(mean, s, dtype=np.float64) * a
            result.append(((a * gamma).astype(np.float32), (b * gamma + beta).astype(np.float32)))
    return result
"""

PROTOBUF_CHILD = PROTOBUF_WORK + r"""
import json, sys, time
t0 = time.perf_counter()
caffe_pb2 = load_caffe_pb2(sys.argv[1])
t1 = time.perf_counter()
net, blobs = protobuf_parse(caffe_pb2, sys.argv[2])  # freed after the timing, at exit
t2 = time.perf_counter()
print(json.dumps({"work": t2 - t1, "import": t1 - t0, "layers": len(blobs)}))
"""

OPENCV_CHILD = r"""
import json, sys, time
import cv2
t0 = time.perf_counter()
net = cv2.dnn.readNetFromCaffe(sys.argv[1], sys.argv[2])
t1 = time.perf_counter()
assert not net.empty()
print(json.dumps({"work": t1 - t0, "version": cv2.__version__}))
"""

PYCAFFE_CHILD = r"""
import json, os, sys, time
os.environ.setdefault("GLOG_minloglevel", "2")
import caffe
caffe.set_mode_cpu()
t0 = time.perf_counter()
net = caffe.Net(sys.argv[1], sys.argv[2], caffe.TEST)
t1 = time.perf_counter()
print(json.dumps({"work": t1 - t0}))
"""

#: Floors of ``fold`` (not tools to use).  Any fold written in Python with numpy starts
#: the interpreter, imports numpy and writes a file the size of the model:
#: FLOOR_COPY_CHILD does only that (the copy in the kernel, as cp does).
#: FLOOR_SCALE_CHILD also does a fold's arithmetic once over the file, as fast as numpy
#: allows: every 4 bytes of each whole chunk of 1 MiB read as a float32, widened,
#: multiplied by one factor per row of 1024 values, rounded once and written from a
#: writer thread (the less than 1 MiB after the last whole chunk is copied); no parsing,
#: no checks, no fsync.
FLOOR_COPY_CHILD = r"""
import shutil, sys
import numpy  # noqa: F401
shutil.copyfile(sys.argv[1], sys.argv[2])
"""

FLOOR_SCALE_CHILD = r"""
import mmap, queue, sys, threading
import numpy as np
ROW, CHUNK = 1024, 1 << 18  # values per factor, values per chunk
with open(sys.argv[1], "rb") as f:
    src = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
count = len(src) // 4
full = count - count % CHUNK
values = np.frombuffer(src, dtype=np.float32, count=count)
factors = np.linspace(0.5, 1.5, count // ROW + 1)
pending, free = queue.Queue(4), queue.Queue()
for _ in range(6):
    free.put(np.empty(CHUNK, dtype=np.float32))
out = open(sys.argv[2], "wb")

def write():
    while (chunk := pending.get()) is not None:
        out.write(chunk.data)
        free.put(chunk)

writer = threading.Thread(target=write)
writer.start()
wide = np.empty(CHUNK)
with np.errstate(all="ignore"):  # not every 4 bytes are a weight
    for start in range(0, full, CHUNK):
        wide[...] = values[start:start + CHUNK]
        rows = wide.reshape(-1, ROW)
        rows *= factors[start // ROW:(start + CHUNK) // ROW, None]
        chunk = free.get()
        chunk[...] = wide
        pending.put(chunk)
pending.put(None)
writer.join()
out.write(src[full * 4:])
out.close()
"""

EXTRACT_CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
from caffe2trt_bn import extract
t1 = time.perf_counter()
deploy, model, loops = sys.argv[1], sys.argv[2], int(sys.argv[3])
times = []
for _ in range(loops + 1):
    start = time.perf_counter()
    weights = extract(deploy, model)
    times.append(time.perf_counter() - start)
assert weights
# times[0] is the first call in this process (module caches cold); the rest are repeats.
times_sorted = sorted(times[1:])
print(json.dumps({"import": t1 - t0, "first": times[0], "work": times_sorted[len(times_sorted) // 2],
                  "best": times_sorted[0], "groups": len(weights)}))
"""


#: Ratios of in-process work measured in one process, the two sides alternating
#: (A B A B ...), so that a change of the machine's speed during the run (virtual
#: machines drift by a third or more) reaches both sides alike.  Argument: a JSON list
#: of [label, side A, side B, rounds]; a side is ["extract", deploy, model] or
#: ["sketch", deploy, model] (the median of 5 calls of extract() or of SKETCH_WORK's
#: reader) or ["protobuf", caffe_pb2.py, model] (one parse, as PROTOBUF_CHILD).
#: Prints per label the median ratio B/A over the rounds, its range, and each side's median.
PAIRED_CHILD = PROTOBUF_WORK + SKETCH_WORK + r"""
import json, statistics, sys, time
from caffe2trt_bn import extract

modules = {}  # a second load of caffe_pb2 would clash in protobuf's descriptor pool

def timer(side):
    kind, a, b = side
    if kind == "protobuf":
        caffe_pb2 = modules.get(a) or modules.setdefault(a, load_caffe_pb2(a))
        def once():
            start = time.perf_counter()
            protobuf_parse(caffe_pb2, b)  # freed inside the timing, like extract()'s net
            return time.perf_counter() - start
        return once
    call = sketch_extract if kind == "sketch" else extract
    def median_of_calls():
        times = []
        for _ in range(5):
            start = time.perf_counter()
            call(a, b)
            times.append(time.perf_counter() - start)
        return statistics.median(times)
    return median_of_calls

out = {}
for label, side_a, side_b, rounds in json.loads(sys.argv[1]):
    ta, tb = timer(side_a), timer(side_b)
    ta(); tb()  # warm-up
    a_times, b_times, ratios = [], [], []
    for _ in range(rounds):
        x, y = ta(), tb()
        a_times.append(x); b_times.append(y); ratios.append(y / x)
    out[label] = {"ratio": statistics.median(ratios), "min": min(ratios), "max": max(ratios),
                  "a": statistics.median(a_times), "b": statistics.median(b_times), "rounds": rounds}
print(json.dumps(out))
"""


def child_env(extra_path: Sequence[str] = (), pycache: Path | None = None) -> dict[str, str]:
    """The environment of the children: this one, with ``extra_path`` before PYTHONPATH.

    Python modules are run from cached bytecode, as from an installed package: the
    warm-up run writes it under ``pycache`` (never into the source tree)."""
    env = dict(os.environ)
    env.setdefault("GLOG_minloglevel", "2")
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    paths = [p for p in extra_path if p]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    if paths:
        env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def probe(argv: Sequence[str], env: dict[str, str]) -> str | None:
    """None when ``argv`` exits 0, else the reason (last line of stderr)."""
    try:
        res = subprocess.run(list(argv), env=env, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if res.returncode == 0:
        return None
    lines = res.stderr.strip().splitlines()
    return lines[-1] if lines else f"exit {res.returncode}"


def package_root() -> str | None:
    """The checkout holding ``caffe2trt_bn`` (put on the children's PYTHONPATH), or None
    when the package is used as installed."""
    return str(REPO) if (REPO / "caffe2trt_bn").is_dir() else None


def caffe_pb2_path() -> Path:
    """The generated protobuf module the protobuf peer loads: the checkout's, or the
    installed package's."""
    pb2 = Path(package_root() or REPO) / "caffe2trt_bn" / "caffe_pb2.py"
    if not pb2.exists():
        import caffe2trt_bn

        pb2 = Path(caffe2trt_bn.__file__).parent / "caffe_pb2.py"
    return pb2


@dataclass
class Setup:
    """Which tools can run here, and why the others are skipped."""

    tools: list[Tool]
    skipped: dict[str, str]


def make_tools(args: argparse.Namespace, deploy: Path, model: Path, work: Path) -> Setup:
    py = sys.executable
    root = package_root()
    pycache = work / "pycache"
    ours = child_env([root] if root else [], pycache)
    plain = child_env((), pycache)
    skipped: dict[str, str] = {}
    tools: list[Tool] = []
    out_h5 = work / "out.scale.h5"
    fold_dir = work / "folded"
    cp_dst = work / "copy.caffemodel"

    def rm(path: Path) -> Callable[[], None]:
        def go() -> None:
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()

        return go

    merge_argv = [py, "-m", "caffe2trt_bn", str(deploy), str(model), "-o", str(out_h5)]
    tools.append(Tool("merge", "caffe-bn-merge -o x.h5", merge_argv, ours, rm(out_h5)))
    fold_argv = [py, "-m", "caffe2trt_bn", "fold", str(deploy), str(model), "-o", str(fold_dir)]
    why = probe([py, "-m", "caffe2trt_bn", "fold", "--help"], ours)
    if why is None:
        tools.append(Tool("fold", "caffe-bn-merge fold", fold_argv, ours, rm(fold_dir)))
    else:
        skipped["fold"] = f"`caffe-bn-merge fold` is not available here ({why})"
    extract_argv = [py, "-c", EXTRACT_CHILD, str(deploy), str(model), str(args.loops)]
    tools.append(Tool("extract", "extract() in-process", extract_argv, ours))
    pb2 = caffe_pb2_path()
    why = probe([py, "-c", "import google.protobuf, numpy"], plain)
    if why is None:
        protobuf_argv = [py, "-c", PROTOBUF_CHILD, str(pb2), str(model)]
        tools.append(Tool("protobuf", "protobuf parse (Python)", protobuf_argv, plain))
    else:
        skipped["protobuf"] = f"protobuf is not importable ({why})"
    why = probe([py, "-c", "import cv2; cv2.dnn.readNetFromCaffe"], plain)
    if why is None:
        opencv_argv = [py, "-c", OPENCV_CHILD, str(deploy), str(model)]
        tools.append(Tool("opencv", "OpenCV readNetFromCaffe", opencv_argv, plain))
    else:
        skipped["opencv"] = f"OpenCV (cv2.dnn) is not importable ({why})"
    caffe_py = args.pycaffe_python or py
    caffe_env = child_env([args.pycaffe_path] if args.pycaffe_path else [], pycache)
    why = probe([caffe_py, "-c", "import caffe"], caffe_env)
    if why is None:
        pycaffe_argv = [caffe_py, "-c", PYCAFFE_CHILD, str(deploy), str(model)]
        tools.append(Tool("pycaffe", "pycaffe caffe.Net", pycaffe_argv, caffe_env))
    else:
        skipped["pycaffe"] = f"`import caffe` fails in {caffe_py} ({why}); see --pycaffe-python/--pycaffe-path"
    cp = shutil.which("cp")
    if cp:
        tools.append(Tool("cp", "cp (copy of the caffemodel)", [cp, str(model), str(cp_dst)], plain, rm(cp_dst)))
    else:
        skipped["cp"] = "no cp command"
    floor_dst = work / "floor.caffemodel"
    for key, label, child in (
        ("floor-copy", "floor: Python + numpy, copy in the kernel", FLOOR_COPY_CHILD),
        ("floor-scale", "floor: Python + numpy, scale every value and write", FLOOR_SCALE_CHILD),
    ):
        tools.append(Tool(key, label, [py, "-c", child, str(model), str(floor_dst)], plain, rm(floor_dst)))
    return Setup(tools, skipped)


def measure(setup: Setup, rounds: int, warmup: int, work: Path, log: Callable[[str], None]) -> None:
    """Warm-up rounds, then ``rounds`` rounds each running every tool once.  A tool that
    fails is dropped with the reason recorded in ``setup.skipped``."""
    for r in range(warmup + rounds):
        for tool in list(setup.tools):
            if tool.prepare:
                tool.prepare()
            try:
                sample = run_child(tool.argv, tool.env, work)
            except ToolFailed as exc:
                setup.skipped[tool.key] = f"failed: {exc}"
                setup.tools.remove(tool)
                log(f"  {tool.label}: {exc}")
                continue
            if r >= warmup:
                tool.samples.append(sample)
        log(f"  round {r + 1}/{warmup + rounds}{' (warm-up)' if r < warmup else ''} done")
    for tool in setup.tools:
        if tool.prepare:
            tool.prepare()


#: The paired in-process comparisons: label -> (model of side A, side A, model of side B,
#: side B); a side is "extract", "sketch" (the unchecked reader of SKETCH_WORK) or "protobuf".
PAIRS: dict[str, tuple[str, str, str, str]] = {
    "protobuf parse work / extract() time": ("resnet152", "extract", "resnet152", "protobuf"),
    "protobuf parse work / unchecked sketch time": ("resnet152", "sketch", "resnet152", "protobuf"),
    "extract() time / unchecked sketch time": ("resnet152", "sketch", "resnet152", "extract"),
    "extract() time resnet50-k7 / resnet50": ("resnet50", "extract", "resnet50-k7", "extract"),
    "extract() time resnet152 / resnet50": ("resnet50", "extract", "resnet152", "extract"),
}


def measure_paired(
    files: dict[str, tuple[Path, Path]], rounds: int, work: Path, log: Callable[[str], None]
) -> dict[str, dict[str, float]]:
    """Runs the :data:`PAIRS` whose models were generated in one child process
    (:data:`PAIRED_CHILD`); their ratios are the figures the targets use."""
    root = package_root()
    pb2 = caffe_pb2_path()
    spec = []
    for label, (model_a, side_a, model_b, side_b) in PAIRS.items():
        if model_a not in files or model_b not in files:
            continue
        sides = []
        for model, side in ((model_a, side_a), (model_b, side_b)):
            deploy, caffemodel = files[model]
            sides.append([side, str(pb2 if side == "protobuf" else deploy), str(caffemodel)])
        spec.append([label, *sides, rounds])
    if not spec:
        return {}
    env = child_env([root] if root else [], work / "pycache")
    try:
        sample = run_child([sys.executable, "-c", PAIRED_CHILD, json.dumps(spec)], env, work)
    except ToolFailed as exc:
        log(f"  paired measurements failed: {exc}")
        return {}
    log(f"  paired in-process measurements done ({len(spec)} pairs, {rounds} rounds each)")
    return {label: dict(values) for label, values in sample.report.items()}  # type: ignore[union-attr, arg-type]


# --------------------------------------------------------------------------- report


@dataclass
class ModelResult:
    """The measurements of one model, with the load average around them."""

    kind: str
    layers: int
    model_bytes: int
    setup: Setup
    load_before: str = "?"
    load_after: str = "?"

    def tool(self, key: str) -> Tool | None:
        return next((t for t in self.setup.tools if t.key == key), None)


def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def fmt_mib(nbytes: float | None) -> str:
    return "-" if nbytes is None else f"{nbytes / MIB:.0f} MiB"


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "-"
    return f"{a / b:.2f}x"


def results_table(res: ModelResult) -> list[str]:
    """Markdown rows: one per tool with medians and the work time inside the process."""
    rows = [
        "| command | wall (whole process) | peak RSS | work inside the process |",
        "| --- | ---: | ---: | ---: |",
    ]
    for t in res.setup.tools:
        work = t.median_report("work")
        rows.append(f"| {t.label} | {fmt_s(t.median_wall())} | {fmt_mib(t.median_rss())} | {fmt_s(work)} |")
    for key, why in res.setup.skipped.items():
        rows.append(f"| {key} | skipped: {why} | | |")
    return rows


def ratio_table(res: ModelResult) -> list[str]:
    """Markdown rows: each of our figures divided by each peer's (below 1 = faster/smaller)."""
    peers = [t for t in res.setup.tools if t.key in ("protobuf", "opencv", "pycaffe", "cp", "floor-scale")]
    if not peers:
        return []
    head = "| ours / peer | " + " | ".join(p.label for p in peers) + " |"
    rows = [head, "| --- |" + " ---: |" * len(peers)]
    merge, fold, ext = res.tool("merge"), res.tool("fold"), res.tool("extract")
    if merge:
        rows.append("| merge wall | " + " | ".join(ratio(merge.median_wall(), p.median_wall()) for p in peers) + " |")
        rows.append("| merge peak RSS | " + " | ".join(ratio(merge.median_rss(), p.median_rss()) for p in peers) + " |")
    if fold:
        rows.append("| fold wall | " + " | ".join(ratio(fold.median_wall(), p.median_wall()) for p in peers) + " |")
        rows.append("| fold peak RSS | " + " | ".join(ratio(fold.median_rss(), p.median_rss()) for p in peers) + " |")
    if ext:
        cells = [ratio(ext.median_report("work"), p.median_report("work")) for p in peers]
        rows.append("| extract() time / peer's work time | " + " | ".join(cells) + " |")
    return rows


@dataclass
class Target:
    what: str
    limit: str
    measured: str
    met: bool | None
    margin: str


# The project's targets, on the ResNet-152-shaped model, as ratios within one run.
MERGE_VS_PROTOBUF = 0.6  # whole-process merge wall time / full protobuf parse wall time, at most
MERGE_RSS_MIB = 120  # whole-process merge peak RSS, below
EXTRACT_SECONDS = 0.030  # in-process extract(), below
EXTRACT_SPEEDUP = 20  # protobuf parse work / extract(), at least
FOLD_VS_CP = 2.5  # fold wall time / cp wall time, at most
FOLD_RSS_EXTRA_MIB = 120  # fold peak RSS at most half the model plus this


def below(measured: float, limit: float) -> tuple[bool, str]:
    """Met, and the margin, of a target ``measured <= limit``."""
    share = measured / limit - 1
    return measured <= limit, f"{-share:.0%} under the limit" if share <= 0 else f"{share:.0%} over the limit"


def targets(results: dict[str, ModelResult], paired: dict[str, dict[str, float]]) -> list[Target]:
    """The project's performance targets, checked on the ResNet-152-shaped model.

    Ratios of in-process work come from the paired measurements when there are any
    (:func:`measure_paired`), else from the separate children."""
    out: list[Target] = []
    big = results.get("resnet152")
    if big is None:
        return out
    merge, fold, ext, pb, cp = (big.tool(k) for k in ("merge", "fold", "extract", "protobuf", "cp"))
    if merge and pb:
        r = merge.median_wall() / pb.median_wall()
        out.append(Target("merge wall / protobuf parse wall", f"<= {MERGE_VS_PROTOBUF:.2f}x", f"{r:.2f}x",
                          *below(r, MERGE_VS_PROTOBUF)))
    if merge:
        rss = merge.median_rss() / MIB
        out.append(Target("merge peak RSS", f"< {MERGE_RSS_MIB} MiB", f"{rss:.0f} MiB", *below(rss, MERGE_RSS_MIB)))
    if ext:
        w = ext.median_report("work") or 0.0
        out.append(Target("extract() time", f"< {EXTRACT_SECONDS * 1000:.0f} ms", f"{w * 1000:.1f} ms",
                          *below(w, EXTRACT_SECONDS)))
        label = "protobuf parse work / extract() time"
        pw = pb.median_report("work") if pb else None
        f = paired[label]["ratio"] if label in paired else (pw / w if pw and w else None)
        if f:
            out.append(Target(label, f">= {EXTRACT_SPEEDUP}x", f"{f:.1f}x{paired_note(paired, label)}",
                              f >= EXTRACT_SPEEDUP, f"{f / EXTRACT_SPEEDUP:.2f}x the minimum"))
    for label in ("protobuf parse work / unchecked sketch time", "extract() time / unchecked sketch time"):
        if label in paired:  # how far a Python reader that checks nothing gets (SKETCH_WORK)
            f = paired[label]["ratio"]
            out.append(Target(f"reference: {label}", "-", f"{f:.2f}x{paired_note(paired, label)}", None, "-"))
    if fold and cp:
        r = fold.median_wall() / cp.median_wall()
        out.append(Target("fold wall / cp wall", f"<= {FOLD_VS_CP}x", f"{r:.2f}x", *below(r, FOLD_VS_CP)))
        for floor in (big.tool("floor-copy"), big.tool("floor-scale")):
            if floor:  # what any fold in Python with numpy pays at least (FLOOR_*_CHILD)
                r = floor.median_wall() / cp.median_wall()
                out.append(Target(f"reference: {floor.label} wall / cp wall", "-", f"{r:.2f}x", None, "-"))
    if fold:
        limit = big.model_bytes / 2 / MIB + FOLD_RSS_EXTRA_MIB
        rss = fold.median_rss() / MIB
        out.append(Target("fold peak RSS", f"<= {limit:.0f} MiB (half the model + {FOLD_RSS_EXTRA_MIB} MiB)",
                          f"{rss:.0f} MiB", *below(rss, limit)))
    out += scaling_targets(results, paired)
    return out


#: How far extraction time may exceed what layers alone explain.
LAYER_SCALING_TOLERANCE = 0.25


def extract_time(res: ModelResult | None) -> float | None:
    tool = res.tool("extract") if res else None
    return tool.median_report("work") if tool else None


def paired_note(paired: dict[str, dict[str, float]], label: str) -> str:
    """How a figure was measured, when paired: `` (paired: min-max)``."""
    if label not in paired:
        return ""
    p = paired[label]
    return f" (paired, {int(p['rounds'])} rounds: {p['min']:.2f}-{p['max']:.2f}x)"


def scaling_targets(results: dict[str, ModelResult], paired: dict[str, dict[str, float]]) -> list[Target]:
    """Extraction time follows the number of layers, not the bytes.

    Bytes alone (resnet50 -> resnet50-k7: the same layers and channels, 3x the bytes)
    may change the time by at most the tolerance; more layers (resnet50 -> resnet152,
    2.9x the layers and BatchNorm channels) may multiply it by at most the layer ratio
    plus the tolerance (a fixed cost per call makes it grow a little less)."""
    out: list[Target] = []
    tol = LAYER_SCALING_TOLERANCE
    for a, b in (("resnet50", "resnet50-k7"), ("resnet50", "resnet152")):
        ta, tb = extract_time(results.get(a)), extract_time(results.get(b))
        if not ta or not tb:
            continue
        ra, rb = results[a], results[b]
        label = f"extract() time {b} / {a}"
        layer_ratio, byte_ratio = rb.layers / ra.layers, rb.model_bytes / ra.model_bytes
        time_ratio = paired[label]["ratio"] if label in paired else tb / ta
        limit = layer_ratio * (1 + tol)
        what = "the layer ratio" if layer_ratio != 1 else "1 (same layers)"
        out.append(
            Target(
                f"{label} (layers x{layer_ratio:.2f}, bytes x{byte_ratio:.2f})",
                f"<= {what} + {tol:.0%} = {limit:.2f}x",
                f"{time_ratio:.2f}x{paired_note(paired, label)}",
                *below(time_ratio, limit),
            )
        )
    return out


def machine() -> list[str]:
    """A short description of the machine and the software versions."""
    cpu = platform.processor() or platform.machine()
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10, check=False).stdout
        for line in lscpu.splitlines():
            if line.startswith("Model name:"):
                cpu = line.split(":", 1)[1].strip()
                break
    except (OSError, subprocess.TimeoutExpired):
        pass
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    versions = [f"Python {platform.python_version()}", f"numpy {np.__version__}"]
    for mod in ("google.protobuf", "h5py", "cv2"):
        try:
            m = __import__(mod, fromlist=["__version__"])
        except ImportError:
            continue
        text = f"{mod.split('.')[-1]} {m.__version__}"
        if mod == "google.protobuf":
            from google.protobuf.internal import api_implementation

            text += f" ({api_implementation.Type()} backend)"
        versions.append(text)
    return [
        f"- OS: {platform.platform()}",
        f"- CPU: {cpu}, {os.cpu_count()} logical CPUs",
        f"- memory: {mem}",
        f"- software: {', '.join(versions)}",
    ]


def load_average() -> str:
    """The 1-minute load average: other busy processes inflate every figure."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


def report(results: dict[str, ModelResult], paired: dict[str, dict[str, float]], args: argparse.Namespace) -> str:
    lines = [
        "# caffe-bn-merge benchmark results",
        "",
        (
            f"Written by `benchmarks/bench.py` on {time.strftime('%Y-%m-%d')}: medians of {args.runs} runs after "
            f"{args.warmup} warm-up run(s); `extract()` is the median of {args.loops} calls in one process. "
            "Wall time is the whole process (interpreter start-up included); peak RSS is the process's "
            "`ru_maxrss`; \"work inside the process\" is the time the child measured around its own work "
            "(parse/load only, no start-up). The caffemodel is in the page cache for every command."
        ),
        "",
        "Machine:",
        "",
        *machine(),
        "",
    ]
    for res in results.values():
        lines += [
            f"## {res.kind}: {res.layers} layers, caffemodel {res.model_bytes / MIB:.0f} MiB",
            "",
            (
                f"{MODELS[res.kind].description}; 1-minute load average {res.load_before} before, "
                f"{res.load_after} after the runs."
            ),
            "",
            *results_table(res),
            "",
            *ratio_table(res),
            "",
        ]
    if paired:
        lines += [
            "## Paired in one process",
            "",
            (
                "Both sides alternate in one process, so a drift of the machine's speed during the run reaches "
                "both alike; an `extract()` side is the median of 5 calls, a protobuf side one parse."
            ),
            "",
            "| ratio | side A (median) | side B (median) | B / A (median) | range |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for label, p in paired.items():
            lines.append(f"| {label} | {fmt_s(p['a'])} | {fmt_s(p['b'])} | {p['ratio']:.2f}x | "
                         f"{p['min']:.2f}-{p['max']:.2f}x |")
        lines.append("")
    tgt = targets(results, paired)
    if tgt:
        lines += ["## Targets (ResNet-152-shaped model)", "", "| target | limit | measured | met | margin |",
                  "| --- | --- | ---: | --- | --- |"]
        for t in tgt:
            met = "-" if t.met is None else ("yes" if t.met else "**no**")
            lines.append(f"| {t.what} | {t.limit} | {t.measured} | {met} | {t.margin} |")
        lines.append("")
    return "\n".join(lines)


@dataclass
class Workdir:
    path: Path
    keep: bool

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc: object) -> None:
        if not self.keep:
            shutil.rmtree(self.path, ignore_errors=True)


def workdir(args: argparse.Namespace) -> Workdir:
    base = args.workdir
    if base is not None:
        base.mkdir(parents=True, exist_ok=True)
    return Workdir(Path(tempfile.mkdtemp(prefix="caffe-bn-bench-", dir=base)), args.keep)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument(
        "--models",
        default=",".join(MODELS),
        help=f"comma-separated, from {', '.join(MODELS)} (default all; the targets need resnet152)",
    )
    p.add_argument("--runs", type=int, default=5, help="measured runs of each command (default 5; figures are medians)")
    p.add_argument("--warmup", type=int, default=1, help="unmeasured runs first (default 1)")
    p.add_argument("--loops", type=int, default=20, help="extract() calls timed inside one process (default 20)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random weights (default 0)")
    p.add_argument("--workdir", type=Path, help="folder for the generated models and outputs (default: system temp)")
    p.add_argument("--keep", action="store_true", help="keep the generated models and outputs")
    p.add_argument("--results", type=Path, default=HERE / "RESULTS.md", help="report to write (default: RESULTS.md)")
    p.add_argument("--no-results", action="store_true", help="print only, write no report")
    p.add_argument(
        "--pycaffe-python",
        default=os.environ.get("PYCAFFE_PYTHON"),
        help="Python interpreter that can `import caffe` (default $PYCAFFE_PYTHON, else this interpreter)",
    )
    p.add_argument(
        "--pycaffe-path",
        default=os.environ.get("PYCAFFE_PATH"),
        help="folder to put on that interpreter's PYTHONPATH, e.g. $CAFFE_ROOT/python (default $PYCAFFE_PATH)",
    )
    args = p.parse_args(argv)
    args.models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in args.models if m not in MODELS]
    if unknown:
        p.error(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(MODELS)}")
    if args.runs < 1:
        p.error("--runs must be at least 1")
    return args


def print_summary(res: ModelResult) -> None:
    print(f"\n{res.kind}: {res.layers} layers, {res.model_bytes / MIB:.0f} MiB "
          f"(load average {res.load_before} before, {res.load_after} after)")
    for line in results_table(res) + [""] + ratio_table(res):
        print(line)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    results: dict[str, ModelResult] = {}
    paired: dict[str, dict[str, float]] = {}
    with workdir(args) as work:
        files: dict[str, tuple[Path, Path]] = {}
        for kind in args.models:
            start = time.perf_counter()
            deploy, model, n_layers = write_model(kind, work, args.seed)
            files[kind] = (deploy, model)
            size = model.stat().st_size
            log(f"{kind}: wrote {model.name} ({size / MIB:.0f} MiB, {n_layers} deploy layers) in "
                f"{time.perf_counter() - start:.1f} s")
            setup = make_tools(args, deploy, model, work)
            for key, why in setup.skipped.items():
                log(f"  skipping {key}: {why}")
            load_before = load_average()
            measure(setup, args.runs, args.warmup, work, log)
            results[kind] = ModelResult(kind, n_layers, size, setup, load_before, load_average())
            print_summary(results[kind])
        paired = measure_paired(files, args.runs, work, log)
        if not args.keep:
            for paths in files.values():
                for path in paths:
                    path.unlink()
    tgt = targets(results, paired)
    if tgt:
        print("\nTargets (ResNet-152-shaped model):")
        for t in tgt:
            met = "n/a" if t.met is None else ("met" if t.met else "NOT MET")
            print(f"  {t.what}: {t.measured} (limit {t.limit}) {met}; {t.margin}")
    if not args.no_results:
        args.results.write_text(report(results, paired, args))
        log(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
