"""Ratios of in-process work measured in one process, the two sides alternating.

A B A B ...: a change of the machine's speed during the run (virtual machines drift by a
third or more) reaches both sides alike.  Argument: a JSON list of [label, side A, side B,
rounds]; a side is ["extract", deploy, model] or ["sketch", deploy, model] (the median of
5 calls of ``extract()`` or of :func:`sketch.sketch_extract`) or ["protobuf", caffe_pb2.py,
model] (one parse, as :mod:`protobuf_parse`).  Prints per label the median ratio B/A over
the rounds, its range, and each side's median.
"""

import json
import statistics
import sys
import time
from collections.abc import Callable
from types import ModuleType

from protobuf_parse import load_caffe_pb2, protobuf_parse  # type: ignore[import-not-found]
from sketch import sketch_extract  # type: ignore[import-not-found]

from caffe2trt_bn import extract

modules: dict[str, ModuleType] = {}  # a second load of caffe_pb2 would clash in protobuf's descriptor pool


def timer(side: list[str]) -> Callable[[], float]:
    kind, a, b = side
    if kind == "protobuf":
        caffe_pb2 = modules.get(a) or modules.setdefault(a, load_caffe_pb2(a))

        def once() -> float:
            start = time.perf_counter()
            protobuf_parse(caffe_pb2, b)  # freed inside the timing, like extract()'s net
            return time.perf_counter() - start

        return once
    call = sketch_extract if kind == "sketch" else extract

    def median_of_calls() -> float:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            call(a, b)
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    return median_of_calls


out: dict[str, dict[str, float]] = {}
for label, side_a, side_b, rounds in json.loads(sys.argv[1]):
    ta, tb = timer(side_a), timer(side_b)
    ta()
    tb()  # warm-up
    a_times: list[float] = []
    b_times: list[float] = []
    ratios: list[float] = []
    for _ in range(rounds):
        x, y = ta(), tb()
        a_times.append(x)
        b_times.append(y)
        ratios.append(y / x)
    out[label] = {"ratio": statistics.median(ratios), "min": min(ratios), "max": max(ratios),
                  "a": statistics.median(a_times), "b": statistics.median(b_times), "rounds": rounds}
print(json.dumps(out))
