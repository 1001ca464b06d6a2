"""Times our in-process ``caffe2trt_bn.extract(DEPLOY, MODEL)``, called LOOPS + 1 times.

Arguments: DEPLOY MODEL LOOPS.  Prints ``import`` (importing the package), ``first`` (the
first call, module caches cold), ``work`` and ``best`` (median and minimum of the other
calls) and ``groups``.
"""

import json
import sys
import time


def main() -> None:
    t0 = time.perf_counter()
    from caffe2trt_bn import extract  # imported here: its import is timed

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


main()
