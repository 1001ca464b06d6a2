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

The CI budget is fixed and the example order derandomized, so a run is reproducible;
``tests/robustness/fuzz_long.py`` runs the same cases at volume.  Every crash found becomes a
regression test in ``test_errors.py``.
"""

from __future__ import annotations

import contextlib
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
        assert exc.file is not None, f"{operation}: error names no file: {text}"
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


def run_case(seed: Seed, target: str, mutations: Sequence[Mutation], workdir: Path, index: int = 0) -> Outcome:
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
            _attempt(outcome, "convert", lambda: _convert_and_save(proto_path, model_path, out))
            if fold is not None:
                _attempt(outcome, "fold", lambda: _fold_and_reload(proto_path, model_path, workdir / "folded"))
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


def test_mutations_do_mutate() -> None:
    """The engine really produces each kind of damage (a fuzzer that mutates nothing
    would pass every property)."""
    seed = next(s for s in SEEDS if s.case == "resnet_inplace")
    rng = random.Random(0)
    for kind in TEXT_KINDS + ("length",):
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

