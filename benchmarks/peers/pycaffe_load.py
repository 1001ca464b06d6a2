"""The pycaffe peer: ``caffe.Net(DEPLOY, MODEL, caffe.TEST)`` on the CPU.

Arguments: DEPLOY MODEL.  Prints ``work`` (the load alone, seconds).
"""

import json
import os
import sys
import time


def main() -> None:
    os.environ.setdefault("GLOG_minloglevel", "2")
    import caffe  # type: ignore[import-not-found]  # imported here: after Caffe's log level is set

    caffe.set_mode_cpu()
    t0 = time.perf_counter()
    net = caffe.Net(sys.argv[1], sys.argv[2], caffe.TEST)
    t1 = time.perf_counter()
    print(json.dumps({"work": t1 - t0}))
    del net  # freed after the timing


main()
