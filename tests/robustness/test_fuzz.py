"""Mutation fuzzing: every damaged model either converts or raises ``Caffe2TrtError``.

The seeds are the real Caffe fixtures (``fixtures/*/net.caffemodel`` and
``deploy.prototxt``).  Each case applies one to three mutations to one of the two files
of a fixture and runs the whole conversion (and writing the result in one of the output
formats).  Binary mutations: bit flips, truncation, insertion, deletion, overwriting
with boundary bytes, and corruption of a protobuf length prefix (set to 0, off by one,
doubled, or forged to 2**31 ... 2**64-1).  Text mutations add: replacing a number with a
special value (nan, inf, -1, 1e40, ...), deleting/duplicating/swapping a line, and
deleting or replacing a brace, colon or quote.

Properties checked for every case:

* the result is a conversion or a :class:`Caffe2TrtError` whose one-line message names a
  file; no other exception (a crash);
* a conversion holds only finite float32 values (a NaN never reaches an output);
* no numpy warning (``RuntimeWarning``: overflow, invalid value) escapes: floating-point
  trouble is reported as an error or, where the code handles it, silenced there (model
  warnings, :class:`Caffe2TrtWarning`, are expected and not shown);
* the case finishes within :data:`CASE_TIME_LIMIT` seconds (no hang).

The ONNX exporter (``caffe-bn-merge onnx``) is fuzzed the same way over the same seeds
(the BatchNorm fixtures, the layer zoo, the forks' layers) with the edits that keep the
text valid and change what the net means as well (:data:`SEMANTIC_KINDS`: a parameter
set to 0, a negative, a huge or fractional value; an enum set to another name, an unknown
one or a number; a field removed; two bottoms swapped; a layer removed or duplicated),
each case with one combination of the export options (:func:`onnx_options`: every
``bn`` mode, opsets 13, 17 and 20, with and without a dynamic batch, each ``fork``).  An
export must raise one ``Caffe2TrtError`` (each layer's problem naming its file) and leave
no file, or write a model that passes ``onnx.checker.check_model(full_check=True)``, holds
only finite initializers when the inputs do, and runs in ONNX Runtime (on inputs in [0,
1)) with finite outputs when its weights are "tame" (:class:`WeightCheck`).

The CI budget is fixed and the example order derandomized, so a run is reproducible;
``tests/robustness/fuzz_long.py`` runs the same cases at volume.  Every crash found becomes a
regression test in ``test_errors.py``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import random
import re
import signal
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caffe2trt_bn.io import wire
from caffe2trt_bn.errors import Caffe2TrtError, Caffe2TrtWarning
from caffe2trt_bn.export import FORMATS, save
from caffe2trt_bn.passes.scale_weights import convert
from caffe2trt_bn.ir.net import load_net
from caffe2trt_bn.io.prototxt import parse

from conftest import FIXTURES

#: A case taking longer than this (seconds) counts as a hang.  Typical cases take ~1 ms.
CASE_TIME_LIMIT = 5.0

#: Examples per fuzz test in CI (two tests: caffemodel and prototxt mutations).
CI_EXAMPLES = 1500

#: Replacement length prefixes: ``None`` entries are relative to the true length.
FORGED_LENGTHS: tuple[int | None, ...] = (0, 1, None, None, None, 2**31 - 1, 2**32 + 5, 2**40, 2**63 - 1, 2**64 - 1)

#: Values a number in a prototxt is replaced with.
SPECIAL_NUMBERS = (
    "nan", "inf", "-inf", "-1", "0", "1e40", "-1e-40", "1e-45", "3.4e38",
    "99999999999999999999999", "0x7fffffffffffffff", "-0", "2147483648",
)

#: Boundary bytes for overwrites and insertions (tags of common fields, varint pieces).
BOUNDARY_BYTES = (b"\x00", b"\xff", b"\x80", b"\x7f", b"\x0a", b"\x12", b"\x2a", b"\x3a", b"\xa2\x06", b"\xff" * 10)

#: Strings a quoted string in a prototxt is replaced with (besides the file's own).
SPECIAL_STRINGS = (
    "", "BatchNorm", "Scale", "Bias", "BN", "Convolution", "Deconvolution", "InnerProduct", "Input",
    "ReLU", "Split", "data", "a/b", "x y", "\\000", "\\377",
)

#: Fields inserted after an opening brace: they change what a layer means, not the syntax.
SNIPPETS = (
    'bottom: "data"', 'top: "data"', 'top: "extra"', 'include { phase: TRAIN }', 'exclude { phase: TEST }',
    'batch_norm_param { use_global_stats: false }', 'batch_norm_param { eps: 0 }', 'batch_norm_param { eps: 1e30 }',
    'batch_norm_param { scale_bias: true }', 'bn_param { bn_mode: INFERENCE }', 'scale_param { bias_term: false }',
    'scale_param { bias_term: true }', 'scale_param { axis: 0 }', 'scale_param { num_axes: 0 }',
    'scale_param { num_axes: -1 }', 'bias_param { axis: 2 }', 'param { name: "shared" }',
    'convolution_param { group: 3 }', 'convolution_param { bias_term: false }', 'convolution_param { axis: 2 }',
    'inner_product_param { transpose: true }', 'inner_product_param { axis: 2 }', 'type: "BatchNorm"',
    'layer { name: "bnx" type: "BatchNorm" bottom: "data" top: "data" }', 'input: "data"',
)

BINARY_KINDS = ("flip", "truncate", "insert", "delete", "overwrite", "length")
TEXT_KINDS = BINARY_KINDS[:-1] + ("number", "line", "struct", "string", "field")
#: Edits that keep the text valid and change what the net means (the ONNX exporter's
#: fuzzing): a parameter set to an edge value, an enum to another or an unknown name or
#: number, a field removed, two bottoms swapped, a whole layer removed or duplicated.
SEMANTIC_KINDS = ("value", "enum", "drop", "bottoms", "layer")
#: The ONNX cases' prototxt edits: the semantic ones, and those of the text kinds that
#: keep the syntax (syntax damage stops in the parser the other commands share).
ONNX_TEXT_KINDS = SEMANTIC_KINDS + ("number", "string", "field", "line")

#: Values a parameter is set to by a "value" edit: zero, negatives, huge, not whole.
EDGE_VALUES = ("0", "-1", "-7", "1", "2", "3", "65", "1000", "100000", "2147483647", "-2147483648", "0.5", "1e-30", "1e30")

#: Enum values a "enum" edit writes: other names of Caffe's enums, unknown names, numbers.
ENUM_VALUES = (
    "MAX", "AVE", "STOCHASTIC", "SUM", "PROD", "ACROSS_CHANNELS", "WITHIN_CHANNEL", "CEIL", "FLOOR",
    "ASUM", "SUMSQ", "MEAN", "CAFFE", "CUDNN", "DEFAULT", "NOPE", "0", "1", "2", "3", "4", "-1", "99",
)
STRUCT_CHARS = b'{}:"<>[]'


@dataclass(frozen=True)
class Mutation:
    """One edit: ``kind`` with two free integers (positions, choices) and some bytes."""

    kind: str
    a: int
    b: int
    payload: bytes = b"\x00"

    def apply(self, data: bytes) -> bytes:
        """Applies the edit; positions are taken modulo the current size."""
        n = len(data)
        if n == 0:
            return data + self.payload if self.kind == "insert" else data
        a, b = self.a, self.b
        if self.kind == "flip":
            pos = a % n
            return data[:pos] + bytes([data[pos] ^ (1 << (b % 8))]) + data[pos + 1 :]
        if self.kind == "truncate":
            return data[: a % n]
        if self.kind == "insert":
            pos = a % (n + 1)
            return data[:pos] + self.payload + data[pos:]
        if self.kind == "delete":
            pos = a % n
            return data[:pos] + data[pos + 1 + b % 32 :]
        if self.kind == "overwrite":
            pos = a % n
            return data[:pos] + self.payload + data[pos + len(self.payload) :]
        if self.kind == "length":
            return _corrupt_length(data, a, b)
        if self.kind == "number":
            return _replace_number(data, a, b)
        if self.kind == "line":
            return _edit_line(data, a, b)
        if self.kind == "struct":
            return _edit_struct(data, a, b)
        if self.kind == "string":
            return _replace_string(data, a, b)
        if self.kind == "field":
            return _insert_field(data, a, b)
        if self.kind == "value":
            return _set_value(data, a, b)
        if self.kind == "enum":
            return _set_enum(data, a, b)
        if self.kind == "drop":
            return _drop_field(data, a)
        if self.kind == "bottoms":
            return _swap_bottoms(data, a, b)
        if self.kind == "layer":
            return _edit_layer(data, a, b)
        raise ValueError(self.kind)


def length_fields(data: bytes, start: int = 0, end: int | None = None, depth: int = 0) -> list[tuple[int, int, int]]:
    """``(prefix start, payload start, payload length)`` of every length-delimited field,
    descending into payloads that parse as messages (best effort, four levels)."""
    end = len(data) if end is None else end
    out: list[tuple[int, int, int]] = []
    try:
        for _, wt, a, b in wire.iter_fields(data, start, end):
            if wt != wire.LEN:
                continue
            prefix = a - len(wire.encode_varint(b - a))
            out.append((prefix, a, b - a))
            if depth < 4 and b > a:
                out.extend(length_fields(data, a, b, depth + 1))
    except Caffe2TrtError:
        pass
    return out


def _corrupt_length(data: bytes, a: int, b: int) -> bytes:
    fields = length_fields(data)
    if not fields:
        return data
    prefix, payload, length = fields[a % len(fields)]
    choice = FORGED_LENGTHS[b % len(FORGED_LENGTHS)]
    if choice is None:
        choice = (length - 1, length + 1, 2 * length + 1)[b % 3] if length else 1
    return data[:prefix] + wire.encode_varint(max(choice, 0)) + data[payload:]


_NUMBER_RE = re.compile(rb"(?<![\w.\"])-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?(?![\w\"])")


def _replace_number(data: bytes, a: int, b: int) -> bytes:
    numbers = list(_NUMBER_RE.finditer(data))
    if not numbers:
        return data
    m = numbers[a % len(numbers)]
    return data[: m.start()] + SPECIAL_NUMBERS[b % len(SPECIAL_NUMBERS)].encode() + data[m.end() :]


def _edit_line(data: bytes, a: int, b: int) -> bytes:
    lines = data.split(b"\n")
    i = a % len(lines)
    op = b % 3
    if op == 0:
        del lines[i]
    elif op == 1:
        lines.insert(i, lines[i])
    elif i + 1 < len(lines):
        lines[i], lines[i + 1] = lines[i + 1], lines[i]
    return b"\n".join(lines)


def _edit_struct(data: bytes, a: int, b: int) -> bytes:
    spots = [i for i, c in enumerate(data) if c in STRUCT_CHARS]
    if not spots:
        return data
    pos = spots[a % len(spots)]
    replacement = b"" if b % 2 == 0 else STRUCT_CHARS[(b // 2) % len(STRUCT_CHARS) : (b // 2) % len(STRUCT_CHARS) + 1]
    return data[:pos] + replacement + data[pos + 1 :]


_STRING_RE = re.compile(rb'"(?:[^"\\\n]|\\.)*"')


def _replace_string(data: bytes, a: int, b: int) -> bytes:
    strings = list(_STRING_RE.finditer(data))
    if not strings:
        return data
    m = strings[a % len(strings)]
    choices = [x.group() for x in strings] + [f'"{t}"'.encode() for t in SPECIAL_STRINGS]
    return data[: m.start()] + choices[b % len(choices)] + data[m.end() :]


def _insert_field(data: bytes, a: int, b: int) -> bytes:
    braces = [i for i, c in enumerate(data) if c == ord("{")]
    pos = braces[a % len(braces)] + 1 if braces and a % 5 else len(data)  # sometimes at top level
    return data[:pos] + b" " + SNIPPETS[b % len(SNIPPETS)].encode() + b" " + data[pos:]


_SCALAR_RE = re.compile(rb"\b(\w+)(\s*:\s*)(-?[\w.+-]+)")
_ENUM_RE = re.compile(rb"\b(\w+)(\s*:\s*)([A-Z][A-Z_0-9]*)\b")
_BOTTOM_RE = re.compile(rb'\bbottom\s*:\s*"(?:[^"\\\n]|\\.)*"')


def _set_value(data: bytes, a: int, b: int) -> bytes:
    """A numeric field (``name: 3``) set to an edge value."""
    fields = [m for m in _SCALAR_RE.finditer(data) if _NUMBER_RE.fullmatch(m.group(3))]
    if not fields:
        return data
    m = fields[a % len(fields)]
    return data[: m.start(3)] + EDGE_VALUES[b % len(EDGE_VALUES)].encode() + data[m.end(3) :]


def _set_enum(data: bytes, a: int, b: int) -> bytes:
    """An enum field (``pool: MAX``) set to another name, an unknown name, or a number."""
    fields = [m for m in _ENUM_RE.finditer(data) if m.group(3) not in (b"true", b"false")]
    if not fields:
        return data
    m = fields[a % len(fields)]
    return data[: m.start(3)] + ENUM_VALUES[b % len(ENUM_VALUES)].encode() + data[m.end(3) :]


def _drop_field(data: bytes, a: int) -> bytes:
    """One scalar field removed (a missing kernel size, bottom, top, name, ...)."""
    fields = list(_SCALAR_RE.finditer(data)) + list(_STRING_FIELD_RE.finditer(data))
    if not fields:
        return data
    m = fields[a % len(fields)]
    return data[: m.start()] + data[m.end() :]


_STRING_FIELD_RE = re.compile(rb'\b\w+\s*:\s*"(?:[^"\\\n]|\\.)*"')


def _swap_bottoms(data: bytes, a: int, b: int) -> bytes:
    """Two ``bottom:`` fields swapped (of one layer or of two layers)."""
    bottoms = list(_BOTTOM_RE.finditer(data))
    if not bottoms:
        return data
    x = bottoms[a % len(bottoms)]
    others = [m for m in bottoms if m.group() != x.group()]
    if not others:
        return data
    y = others[b % len(others)]
    if y.start() < x.start():
        x, y = y, x
    return data[: x.start()] + y.group() + data[x.end() : y.start()] + x.group() + data[y.end() :]


def layer_spans(data: bytes) -> list[tuple[int, int]]:
    """``(start, end)`` of every top-level ``layer { ... }`` / ``layers { ... }`` block
    (braces inside strings and comments are skipped)."""
    spans: list[tuple[int, int]] = []
    depth, start, i, n = 0, -1, 0, len(data)
    while i < n:
        c = data[i]
        if c == ord('"') or c == ord("'"):
            j = i + 1
            while j < n and data[j] != c and data[j] != ord("\n"):
                j += 2 if data[j] == ord("\\") else 1
            i = j + 1
            continue
        if c == ord("#"):
            j = data.find(b"\n", i)
            i = n if j < 0 else j
            continue
        if c == ord("{"):
            if depth == 0:
                m = re.search(rb"\blayers?\s*$", data[max(0, i - 20) : i])
                start = max(0, i - 20) + m.start() if m else -1
            depth += 1
        elif c == ord("}") and depth:
            depth -= 1
            if depth == 0 and start >= 0:
                spans.append((start, i + 1))
                start = -1
        i += 1
    return spans


def _edit_layer(data: bytes, a: int, b: int) -> bytes:
    """A whole layer removed, or duplicated (right after itself or at the end)."""
    spans = layer_spans(data)
    if not spans:
        return data
    start, end = spans[a % len(spans)]
    block = data[start:end]
    op = b % 3
    if op == 0:
        return data[:start] + data[end:]
    if op == 1:
        return data[:end] + b"\n" + block + data[end:]
    return data + b"\n" + block + b"\n"


# --- running one case ---------------------------------------------------------------


@dataclass(frozen=True)
class Seed:
    """A fixture's files, the material every mutation starts from: the deploy prototxt and
    the caffemodel, or (``caffemodel`` None) a train prototxt for ``to-deploy``."""

    case: str
    prototxt: bytes
    caffemodel: bytes | None = None


def load_seeds() -> tuple[list[Seed], list[Seed]]:
    """Model seeds (every fixture with a deploy prototxt and a caffemodel, forks included)
    and train-prototxt seeds."""
    models = [
        Seed(str(p.parent.relative_to(FIXTURES)), (p.parent / "deploy.prototxt").read_bytes(), p.read_bytes())
        for p in sorted(FIXTURES.glob("**/net.caffemodel"))
        if (p.parent / "deploy.prototxt").exists()
    ]
    trains = [
        Seed(str(p.relative_to(FIXTURES)), p.read_bytes())
        for p in sorted(FIXTURES.glob("**/train*.prototxt"))
    ]
    return models, trains


SEEDS, TRAIN_SEEDS = load_seeds()
OUTPUT_SUFFIXES = sorted(FORMATS)

# The fold and to-deploy operations are fuzzed too when the installed package has them.
try:
    from caffe2trt_bn.passes.fold import fold
except ImportError:  # pragma: no cover - older package
    fold = None  # type: ignore[assignment]
try:
    from caffe2trt_bn.passes.deploy import to_deploy
except ImportError:  # pragma: no cover - older package
    to_deploy = None  # type: ignore[assignment]


class CaseTimeout(Exception):
    """Raised by :func:`time_limit` when a case runs too long (a hang)."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupts the block after ``seconds`` (POSIX interval timer; no-op elsewhere)."""
    if not hasattr(signal, "setitimer"):
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise CaseTimeout(f"case ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Outcome:
    """What one case did: per operation, ``ok`` or the error class name; the total time."""

    results: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    messages: dict[str, str] = field(default_factory=dict)


def _attempt(outcome: Outcome, operation: str, action: Callable[[], None]) -> bool:
    """Runs one operation; a Caffe2TrtError is an accepted outcome (checked for a file
    name and one line), anything else propagates as the crash it is."""
    try:
        action()
    except Caffe2TrtError as exc:
        text = str(exc)
        assert "\n" not in text
        # The ONNX exporter's ConversionError lists one error per layer, each naming its file.
        problems = getattr(exc, "problems", None) or [exc]
        assert all(p.file is not None for p in problems), f"{operation}: error names no file: {text}"
        outcome.results[operation] = type(exc).__name__
        outcome.messages[operation] = text
        return False
    outcome.results[operation] = "ok"
    return True


def _convert_and_save(proto: Path, model: Path, out: Path) -> None:
    result = convert(proto, model)
    for w in result.weights:
        for key in ("scale", "shift", "power"):
            values = getattr(w, key)
            assert values.dtype == np.float32, (w.name, key, values.dtype)
            assert np.isfinite(values).all(), f"non-finite {key} in {w.name!r} was not rejected"
    save(result.weights, out, inputs=[proto, model])


def _fold_and_reload(proto: Path, model: Path, outdir: Path) -> None:
    assert fold is not None
    result = fold(proto, model, outdir)
    try:
        folded = load_net(result.prototxt, result.caffemodel)  # what fold writes must read back
    except Caffe2TrtError as exc:
        raise AssertionError(f"fold wrote files that do not read back: {exc}") from None
    for group in result.groups:
        stored = folded.model.layer(group.into)
        assert stored is not None, f"{group.into!r} missing from the folded caffemodel"
        for blob in stored.blobs:
            assert np.isfinite(blob.data).all(), f"fold wrote non-finite values into {group.into!r}"


def _deploy_and_reparse(proto: Path) -> None:
    assert to_deploy is not None
    text = to_deploy(proto.read_text(encoding="utf-8", errors="surrogateescape"), path=str(proto))
    try:
        parse(text)  # the rewritten net must be valid text format
    except Caffe2TrtError as exc:
        raise AssertionError(f"to-deploy wrote invalid text: {exc}") from None


#: What the ONNX cases vary (``onnx_options(index)`` picks one combination).
ONNX_BN = ("fold", "scale", "keep")
ONNX_OPSETS = (13, 17, 20)
ONNX_FORKS: tuple[tuple[str, ...], ...] = ((), ("ssd",), ("brocolli",), ("segnet",))
#: ONNX Runtime runs an exported model only when no tensor holds more values than this
#: (a mutated input shape can ask for gigabytes; the model is still checked).
ONNX_RUN_LIMIT = 1 << 22


def onnx_options(index: int) -> dict[str, object]:
    """The export options of case ``index``: every BatchNorm mode, three opsets, with and
    without a dynamic batch, each fork choice."""
    return {
        "bn": ONNX_BN[index % 3],
        "opset": ONNX_OPSETS[index // 3 % 3],
        "dynamic_batch": bool(index // 9 % 2),
        "fork": ONNX_FORKS[index // 18 % 4],
    }


_FLOAT_TOKEN_RE = re.compile(rb"(?<![\w.\"])[-+]?(?:nan|inf(?:inity)?|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)(?![\w\"])", re.IGNORECASE)

#: Weights (caffemodel values, prototxt numbers that are not whole) at most this large
#: in magnitude are "tame": a net of them computes finite outputs from inputs in [0, 1) ...
TAME_MAGNITUDE = 1e3
#: ... unless it holds a layer that makes a non-finite value of finite ones, as Caffe
#: does too (the root or log of a negative, an exponential or a power that overflows, a
#: zero variance under a zero epsilon).
VOLATILE_TYPES = (b"Power", b"Exp", b"Log", b"LRN", b"MVN", b"Normalize", b"POWER", b"EXP", b"LOG", b"LRN", b"MVN")


@dataclass(frozen=True)
class WeightCheck:
    """What a case's inputs hold: ``finite`` every value (non-finite initializers are
    then a defect); ``tame`` also small ones and no volatile layer (non-finite outputs
    are then a defect)."""

    finite: bool
    tame: bool


def check_weights(proto: bytes, model: Path) -> WeightCheck:
    """Every value of the inputs in float32: the caffemodel's blobs and the prototxt's
    numbers (a filler value, a Power scale, a 1e40 that float32 makes inf)."""
    from caffe2trt_bn.io.caffemodel import read_caffemodel

    largest = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for m in _FLOAT_TOKEN_RE.finditer(proto):
            value = np.float32(float(m.group()))
            if not np.isfinite(value):
                return WeightCheck(False, False)
            if not m.group().lstrip(b"+-").isdigit():
                largest = max(largest, abs(float(value)))
        try:
            for layer in read_caffemodel(model).layers:
                for blob in layer.blobs:
                    values = blob.array()
                    if values.dtype.kind == "f" and values.size:
                        if not np.isfinite(values).all():
                            return WeightCheck(False, False)
                        largest = max(largest, float(np.abs(values).max()))
        except Caffe2TrtError:
            pass  # the export read the layers it uses; the rest does not reach the output
    volatile = any(re.search(rb"\btype\s*:\s*\"?" + t + rb"\b", proto) for t in VOLATILE_TYPES)
    return WeightCheck(True, largest <= TAME_MAGNITUDE and not volatile)


def _export_onnx_and_run(proto: Path, model: Path, out: Path, options: dict[str, object]) -> None:
    """``to_onnx`` with ``options``; what it writes must pass ``check_model(full_check)``,
    hold finite initializers when the inputs are finite, and run in ONNX Runtime with
    finite outputs (on finite inputs, in a model with finite weights)."""
    import onnx
    from onnx import numpy_helper

    from caffe2trt_bn.export.onnx import to_onnx

    out.unlink(missing_ok=True)
    try:
        to_onnx(proto, model, out, **options)  # type: ignore[arg-type]
    except Caffe2TrtError:
        assert not out.exists(), "a failed export left its output behind"
        raise
    model_proto = onnx.load(str(out))
    try:
        onnx.checker.check_model(model_proto, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        raise AssertionError(f"check_model: {str(exc)[:300]}") from None
    weights = check_weights(proto.read_bytes(), model)
    tame = weights.tame
    for init in model_proto.graph.initializer:
        values = numpy_helper.to_array(init)
        if values.dtype.kind == "f":
            if weights.finite:
                assert np.isfinite(values).all(), f"non-finite initializer {init.name!r} from finite weights"
            # A MAX pooling window past the input holds -FLT_MAX, as in Caffe: what follows may overflow.
            tame = tame and not (values == -np.finfo(np.float32).max).any()
    inferred = onnx.shape_inference.infer_shapes(model_proto)
    sizes = []
    for info in [*inferred.graph.value_info, *inferred.graph.output, *inferred.graph.input]:
        dims = [d.dim_value if d.HasField("dim_value") else 2 for d in info.type.tensor_type.shape.dim]
        sizes.append(int(np.prod(dims, dtype=np.float64)))
    if max(sizes, default=0) > ONNX_RUN_LIMIT:
        return
    _run_onnx(out, tame)


def _run_onnx(path: Path, tame: bool) -> None:
    """Runs the model on inputs in [0, 1) (valid Embed indices too); with tame weights
    every float output must be finite."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = 1
    try:
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        rng = np.random.default_rng(0)
        feed = {}
        for info in session.get_inputs():
            shape = [d if isinstance(d, int) else 2 for d in info.shape]
            feed[info.name] = rng.uniform(0, 1, shape).astype(np.float32)  # valid Embed indices too
        results = session.run(None, feed)
    except CaseTimeout:
        raise
    except Exception as exc:  # noqa: BLE001  (ORT's classes derive from Exception; any failure is the exporter's)
        raise AssertionError(f"ONNX Runtime: {type(exc).__name__}: {str(exc)[:300]}") from None
    if tame:
        for info, value in zip(session.get_outputs(), results):
            if value.dtype.kind == "f":
                assert np.isfinite(value).all(), f"non-finite values in output {info.name!r} from tame weights"


def run_case(
    seed: Seed,
    target: str,
    mutations: Sequence[Mutation],
    workdir: Path,
    index: int = 0,
    operations: Sequence[str] = ("convert", "fold"),
) -> Outcome:
    """Mutates ``target`` of ``seed`` ("prototxt", "caffemodel", or "train" for a train
    seed) and runs every operation that applies: convert + save (in the output format
    ``index`` picks) and fold for models, to-deploy for train prototxts.

    Raises AssertionError when a property is broken; any exception other than
    Caffe2TrtError propagates as the crash it is.
    """
    proto = seed.prototxt
    model = seed.caffemodel
    for m in mutations:
        if target == "caffemodel":
            assert model is not None
            model = m.apply(model)
        else:
            proto = m.apply(proto)
    proto_path = workdir / "deploy.prototxt"
    proto_path.write_bytes(proto)
    if "onnx" in operations:
        # Imported before the clock starts: the first import takes seconds, not the case.
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401

        from caffe2trt_bn.export.onnx.registry import handler_for

        handler_for("Convolution")  # loads every converter module
    outcome = Outcome()
    start = time.perf_counter()
    with time_limit(CASE_TIME_LIMIT), warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # a leaked numpy warning is a crash
        warnings.simplefilter("ignore", Caffe2TrtWarning)
        if target == "train":
            if to_deploy is not None:
                _attempt(outcome, "to-deploy", lambda: _deploy_and_reparse(proto_path))
        else:
            assert model is not None
            model_path = workdir / "net.caffemodel"
            model_path.write_bytes(model)
            out = workdir / f"out{OUTPUT_SUFFIXES[index % len(OUTPUT_SUFFIXES)]}"
            if "convert" in operations:
                _attempt(outcome, "convert", lambda: _convert_and_save(proto_path, model_path, out))
            if fold is not None and "fold" in operations:
                _attempt(outcome, "fold", lambda: _fold_and_reload(proto_path, model_path, workdir / "folded"))
            if "onnx" in operations:
                options = onnx_options(index)
                _attempt(outcome, "onnx", lambda: _export_onnx_and_run(proto_path, model_path, workdir / "out.onnx", options))
    outcome.seconds = time.perf_counter() - start
    return outcome


# --- hypothesis front end -----------------------------------------------------------


def mutations(kinds: Sequence[str]) -> st.SearchStrategy[list[Mutation]]:
    one = st.builds(
        Mutation,
        st.sampled_from(kinds),
        st.integers(0, 2**32),
        st.integers(0, 2**32),
        st.one_of(st.sampled_from(BOUNDARY_BYTES), st.binary(min_size=1, max_size=8)),
    )
    return st.lists(one, min_size=1, max_size=3)


FUZZ_SETTINGS = settings(
    max_examples=CI_EXAMPLES,
    deadline=None,  # time is bounded by time_limit, which also catches a real hang
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ_SETTINGS
@given(seed=st.sampled_from(SEEDS), muts=mutations(BINARY_KINDS), index=st.integers(0, 3))
def test_fuzz_caffemodel(tmp_path: Path, seed: Seed, muts: list[Mutation], index: int) -> None:
    outcome = run_case(seed, "caffemodel", muts, tmp_path, index)
    assert outcome.seconds < CASE_TIME_LIMIT


@FUZZ_SETTINGS
@given(seed=st.sampled_from(SEEDS), muts=mutations(TEXT_KINDS), index=st.integers(0, 3))
def test_fuzz_prototxt(tmp_path: Path, seed: Seed, muts: list[Mutation], index: int) -> None:
    outcome = run_case(seed, "prototxt", muts, tmp_path, index)
    assert outcome.seconds < CASE_TIME_LIMIT


#: Examples per ONNX fuzz test in CI (two tests: caffemodel and prototxt mutations); an
#: export that succeeds also runs in ONNX Runtime, so a case costs ~10 ms, not ~1 ms.
ONNX_CI_EXAMPLES = 150

needs_onnx = pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("onnx", "onnxruntime")), reason="needs the onnx extra"
)


@needs_onnx
@settings(FUZZ_SETTINGS, max_examples=ONNX_CI_EXAMPLES)
@given(seed=st.sampled_from(SEEDS), muts=mutations(BINARY_KINDS), index=st.integers(0, 71))
def test_fuzz_onnx_caffemodel(tmp_path: Path, seed: Seed, muts: list[Mutation], index: int) -> None:
    outcome = run_case(seed, "caffemodel", muts, tmp_path, index, operations=("onnx",))
    assert outcome.seconds < CASE_TIME_LIMIT


@needs_onnx
@settings(FUZZ_SETTINGS, max_examples=ONNX_CI_EXAMPLES)
@given(seed=st.sampled_from(SEEDS), muts=mutations(ONNX_TEXT_KINDS), index=st.integers(0, 71))
def test_fuzz_onnx_prototxt(tmp_path: Path, seed: Seed, muts: list[Mutation], index: int) -> None:
    outcome = run_case(seed, "prototxt", muts, tmp_path, index, operations=("onnx",))
    assert outcome.seconds < CASE_TIME_LIMIT


@pytest.mark.skipif(to_deploy is None, reason="no to-deploy in this package")
@settings(FUZZ_SETTINGS, max_examples=CI_EXAMPLES // 3)
@given(seed=st.sampled_from(TRAIN_SEEDS), muts=mutations(TEXT_KINDS))
def test_fuzz_train_prototxt(tmp_path: Path, seed: Seed, muts: list[Mutation]) -> None:
    outcome = run_case(seed, "train", muts, tmp_path)
    assert outcome.seconds < CASE_TIME_LIMIT


#: Crashes the fuzzer found, as (seed, target, mutations, the outcomes now expected).
#: Each also has a hand-built test in ``test_errors.py``; the outcomes check that the
#: reproducer still reaches the code it once crashed.
REGRESSIONS: list[tuple[str, str, list[Mutation], dict[str, str]]] = [
    # A length prefix cut to leave a lone unpacked-double tag at the end of a blob: the
    # blob reader looped forever (the only hang found; 4 of 100 000 cases).
    (
        "bn_without_scale",
        "caffemodel",
        [Mutation("length", 511506068, 3045665620, b"\x06y\x18\x9e\x86@")],
        {"convert": "ModelFormatError", "fold": "ModelFormatError"},
    ),
    # to-deploy: a non-integer DummyData dim was reported without a file name.
    (
        "bn_without_scale/train.prototxt",
        "train",
        [Mutation("number", 776210405, 2214211182, b"\xa2\x06")],
        {"to-deploy": "PrototxtSyntaxError"},
    ),
    # Finite float64 statistics whose merged scale or shift overflows float32: inf was written.
    (
        "forks/raw_double",
        "caffemodel",
        [Mutation("overwrite", 482204461, 3306798165, b"6\xff\xb8\xfd9!")],
        {"convert": "ModelValueError", "fold": "ModelValueError"},
    ),
    (
        "forks/nvcaffe_015",
        "caffemodel",
        [Mutation("flip", 3306133363, 2859158694, b"\x00")],
        {"convert": "ModelValueError", "fold": "ModelValueError"},
    ),
    (
        "forks/legacy_double",
        "caffemodel",
        [
            Mutation("overwrite", 1383165948, 1372053974, b"\x01;\x9d\x19N\xc4\xf0"),
            Mutation("flip", 2772555341, 2773324174, b"\x14\xc6\x12\xc5\xd1"),
        ],
        {"convert": "ModelValueError", "fold": "ModelValueError"},
    ),
    # A top named "\000": h5py raised ValueError (and npz cut the name).
    (
        "resnet_inplace",
        "prototxt",
        [
            Mutation("field", 3191843015, 829607905, b"\x9c\x13\x1b"),
            Mutation("string", 4178068141, 1023574163, b"\xff" * 10),
        ],
        {"convert": "OutputError", "fold": "ok"},
    ),
    # A top named "\377": fold wrote it as Caffe would, then could not read it back.
    (
        "forks/fp16_raw_data",
        "prototxt",
        [Mutation("string", 3941459031, 604268639, b"=\x19\xa3")],
        {"convert": "OutputError", "fold": "ok"},
    ),
]


@pytest.mark.parametrize(("case", "target", "muts", "expected"), REGRESSIONS, ids=lambda v: v if isinstance(v, str) else "")
def test_fuzz_regressions(case: str, target: str, muts: list[Mutation], expected: dict[str, str], tmp_path: Path) -> None:
    pool = TRAIN_SEEDS if target == "train" else SEEDS
    seed = next(s for s in pool if s.case == case)
    outcome = run_case(seed, target, muts, tmp_path)
    assert {k: v for k, v in outcome.results.items() if k in expected} == expected, outcome.messages


#: What the ONNX exporter did wrong on fuzzed inputs, as (seed, target, mutations, the
#: options index of :func:`onnx_options`, the outcome now expected).  Each also has a
#: hand-built case in ``test_errors.py`` (``ONNX_CATALOGUE``) or a Caffe-made zoo case.
ONNX_REGRESSIONS: list[tuple[str, str, list[Mutation], int, str]] = [
    # An LRN on a 3-D blob (Caffe refuses it): ONNX Runtime failed at run time.
    (
        "zoo/lrn_nonpositive",
        "prototxt",
        [Mutation("drop", 732662155, 940381062, b"\xfb\xb3/X\xbe"), Mutation("line", 3413931887, 2566286402, b"\xa0\x8d&")],
        64,
        "ConversionError",
    ),
    # A Convolution with dilation 0 (Caffe accepts it): ONNX shape inference failed in check_model.
    (
        "zoo/conv_dilation_group",
        "prototxt",
        [Mutation("number", 2941615328, 1080118212, b"\xa1\xd8a\x06\xd5\x0e")],
        57,
        "ConversionError",
    ),
    # A Flatten without its bottom: IndexError.
    (
        "fork_layers/normalize_permute_flatten",
        "prototxt",
        [
            Mutation("drop", 3181700374, 2118348322, b"\x7f"),
            Mutation("field", 917447302, 2373211026, b"\x80"),
            Mutation("drop", 2205192389, 2672840054, b"\x82E"),
        ],
        28,
        "ConversionError",
    ),
    # Every layer excluded: a graph without outputs, which ONNX Runtime refused to load.
    ("forks/raw_double", "prototxt", [Mutation("field", 1374818033, 1012352529, b"*")], 21, "GraphError"),
    # A NaN weight: the error named no file and no layer.
    (
        "slash_names",
        "caffemodel",
        [
            Mutation("overwrite", 1491029247, 585192883, b"\xff" * 10),
            Mutation("flip", 2712344440, 2168036202, b"\x92\xb5\xb3\x06\xb0("),
            Mutation("flip", 3657461782, 4042720674, b"\xff"),
        ],
        49,
        "ModelValueError",
    ),
    # MaxUnPool reading a blob larger than its values as the mask: ORT failed at run time.
    (
        "fork_layers/maxunpool_segnet",
        "prototxt",
        [Mutation("string", 3142733283, 815829235, b"\x7f"), Mutation("bottoms", 4177744687, 2562924839, b"\x86\xe7KY\x96l")],
        23,
        "ConversionError",
    ),
    # LRN with a negative alpha: ONNX Runtime refuses the LRN op; now computed explicitly.
    (
        "zoo/lrn_variants",
        "prototxt",
        [Mutation("layer", 1698244058, 1358315498, b"\x12"), Mutation("value", 870599886, 2517784664, b"-\xb1\xe1\xaf\xb2")],
        9,
        "ok",
    ),
    # A pooling stride longer than the kernel: an ONNX pad reached the kernel; now exact.
    ("zoo/arch_squeezenet", "prototxt", [Mutation("value", 2918840195, 1281283745, b",\x90")], 8, "ok"),
    # input_dim: nan (ValueError) and a dim of 2**63 - 1 (ONNX shape inference overflowed).
    (
        "forks/v1_net",
        "prototxt",
        [Mutation("number", 3234033800, 1187930445, b"\xcb\xc72\xdeU\x01"), Mutation("string", 2504211711, 1807609566, b"\x80")],
        15,
        "PrototxtSyntaxError",
    ),
    ("zoo/eltwise_ops", "prototxt", [Mutation("number", 2132328347, 2192868532, b"\xa2\x06")], 45, "ConversionError"),
    # Exp whose base^shift overflows: a numpy RuntimeWarning escaped.
    ("zoo/act_power_exp_log", "prototxt", [Mutation("value", 775010686, 3291533737, b"*")], 41, "ConversionError"),
    # Im2col with a huge kernel on an empty input: numpy allocation error before the size check.
    (
        "zoo/spp_silence_misc",
        "prototxt",
        [
            Mutation("drop", 3150922814, 2920802760, b"*"),
            Mutation("number", 987314049, 3193882852, b"\xc2\x82\xb0>\xc6^"),
            Mutation("number", 948402844, 4229168839, b"\x8b\xa0fuE\x9d_"),
        ],
        37,
        "ConversionError",
    ),
    # A NaN PriorBox size: ValueError converting it to an integer.
    (
        "fork_layers/ssd_no_detections",
        "prototxt",
        [
            Mutation("layer", 879951979, 1177755158, b"d\xe3\x86"),
            Mutation("number", 4237296321, 1313463853, b'\xecD\xe7G"\x1a|'),
            Mutation("string", 2519418511, 2266217675, b"\x7f"),
        ],
        23,
        "ConversionError",
    ),
    # inf and -inf in one weight: a numpy RuntimeWarning escaped the finiteness check.
    (
        "zoo/embed_lookup",
        "caffemodel",
        [
            Mutation("flip", 525232215, 234338358, b"\x1c\xfe\x11\xdde"),
            Mutation("overwrite", 4024217747, 3496854028, b"\xff"),
            Mutation("flip", 333418737, 704311781, b"z\x81\x80D"),
        ],
        71,
        "ModelValueError",
    ),
    # A top named with a byte that is not UTF-8: a model ONNX Runtime could not load.
    (
        "zoo/mvn_variants",
        "prototxt",
        [Mutation("bottoms", 2534465721, 3519836673, b'\xc5"K\\~\x8e\xb0'), Mutation("string", 78167555, 3350628639, b"\x9a\xae\x84")],
        19,
        "ConversionError",
    ),
    # Resize on an input of height 0 (ZeroDivisionError); BilinearInterpolate's scale overflowing.
    (
        "fork_layers/resample_more",
        "prototxt",
        [Mutation("number", 1976670411, 717458047, b"\x9e\xb7\xac\x17\xf9"), Mutation("number", 1742915374, 1496886974, b"\xf6\xbf")],
        18,
        "ConversionError",
    ),
    ("fork_layers/resize_bilinear", "prototxt", [Mutation("number", 3442202346, 3922258166, b"\x8d\x93i\xb9")], 4, "ConversionError"),
    # BatchNorm statistics beyond float64 after the factor (--bn keep): a RuntimeWarning escaped.
    ("forks/legacy_double", "caffemodel", [Mutation("overwrite", 963343936, 248365399, b"\x80")], 23, "ConversionError"),
    # A Crop given a second top: an internal assertion.
    ("zoo/crop_variants", "prototxt", [Mutation("field", 1859237764, 2439708027, b"\x12")], 64, "ConversionError"),
    # Found by tests/robustness/fuzz_long.py (seed 11): a PriorBox box size overflowing float32 (RuntimeWarning) ...
    ("fork_layers/ssd_no_detections", "prototxt", [Mutation("number", 2372801020, 1934358564, b"\x8f\x10\x0etn\x17\xa0")], 6, "ConversionError"),
    # ... a Reduction of every axis times a coeff (the scalar constant was written 1-D: check_model failed) ...
    (
        "zoo/tile_reduction",
        "prototxt",
        [
            Mutation("layer", 4147790935, 168162999, b"\xa7\x83\x99\x93\x85d"),
            Mutation("enum", 2760244747, 2926776538, b"i"),
            Mutation("drop", 2366882732, 1804776506, b"\x8e%u\xc3\xbaU"),
        ],
        43,
        "ok",
    ),
    # ... an empty top name (ONNX requires a name) and a name that is not UTF-8 on a folded Scale ...
    ("untrained_zero_factor", "prototxt", [Mutation("string", 2805420257, 3722090492, b"\x7f")], 53, "ConversionError"),
    (
        "forks/unpacked_floats",
        "prototxt",
        [Mutation("field", 562457410, 2260460538, b"\xff" * 10), Mutation("string", 2769904043, 2099239463, b"\x12")],
        45,
        "ConversionError",
    ),
    # ... DetectionOutput with nms_param.top_k 0 (a 0-sized TopK: check_model failed; Caffe keeps nothing).
    ("fork_layers/ssd_eta_crafted", "prototxt", [Mutation("number", 152761600, 1479018077, b"\n")], 67, "ok"),
]


@needs_onnx
@pytest.mark.parametrize(("case", "target", "muts", "index", "expected"), ONNX_REGRESSIONS, ids=lambda v: v if isinstance(v, str) else "")
def test_fuzz_onnx_regressions(case: str, target: str, muts: list[Mutation], index: int, expected: str, tmp_path: Path) -> None:
    seed = next(s for s in SEEDS if s.case == case)
    outcome = run_case(seed, target, muts, tmp_path, index, operations=("onnx",))
    assert outcome.results == {"onnx": expected}, outcome.messages


def test_mutations_do_mutate() -> None:
    """The engine really produces each kind of damage (a fuzzer that mutates nothing
    would pass every property)."""
    seed = next(s for s in SEEDS if s.case == "resnet_inplace")
    rng = random.Random(0)
    for kind in TEXT_KINDS + SEMANTIC_KINDS + ("length",):
        data = seed.caffemodel if kind == "length" else seed.prototxt
        changed = sum(
            Mutation(kind, rng.randrange(2**32), rng.randrange(2**32), b"\xff").apply(data) != data for _ in range(50)
        )
        assert changed >= 25, kind
    fields = length_fields(seed.caffemodel)
    assert len(fields) > 50  # layers, their strings, blobs, shapes
    forged = Mutation("length", 0, FORGED_LENGTHS.index(2**40)).apply(seed.caffemodel)
    assert wire.encode_varint(2**40) in forged


def test_outcomes_cover_success_and_rejection(tmp_path: Path) -> None:
    """A fixed sample reaches both outcomes and several error kinds, so the fuzz tests
    exercise the parsers and the checks, not only the first byte check."""
    rng = random.Random(1)
    seen: dict[str, int] = {}
    for i in range(300):
        seed = SEEDS[i % len(SEEDS)]
        target = "caffemodel" if i % 2 else "prototxt"
        kinds = BINARY_KINDS if target == "caffemodel" else TEXT_KINDS
        outcome = run_case(seed, target, [random_mutation(rng, kinds)], tmp_path, i)
        for result in outcome.results.values():
            seen[result] = seen.get(result, 0) + 1
    assert seen.get("ok", 0) > 20, seen
    assert {"ModelFormatError", "PrototxtSyntaxError", "GraphError"} <= set(seen), seen


def random_mutation(rng: random.Random, kinds: Sequence[str]) -> Mutation:
    """The same distribution as the hypothesis strategy, from a ``random.Random``."""
    payload = rng.choice(BOUNDARY_BYTES) if rng.random() < 0.5 else rng.randbytes(rng.randint(1, 8))
    return Mutation(rng.choice(kinds), rng.randrange(2**32 + 1), rng.randrange(2**32 + 1), payload)



@needs_onnx
def test_onnx_outcomes_cover_success_and_rejection(tmp_path: Path) -> None:
    """A fixed sample of ONNX cases reaches written models (run in ONNX Runtime) and
    several error kinds, so the ONNX fuzz tests exercise the converters, not only the
    readers."""
    rng = random.Random(2)
    seen: dict[str, int] = {}
    for i in range(80):
        seed = SEEDS[rng.randrange(len(SEEDS))]
        target = "caffemodel" if i % 4 == 0 else "prototxt"
        kinds = BINARY_KINDS if target == "caffemodel" else ONNX_TEXT_KINDS
        outcome = run_case(seed, target, [random_mutation(rng, kinds)], tmp_path, i, operations=("onnx",))
        seen[outcome.results["onnx"]] = seen.get(outcome.results["onnx"], 0) + 1
    assert seen.get("ok", 0) >= 10, seen
    assert {"ConversionError", "GraphError", "ModelFormatError"} <= set(seen), seen
