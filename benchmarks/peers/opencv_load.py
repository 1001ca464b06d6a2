"""The OpenCV peer: ``cv2.dnn.readNetFromCaffe(DEPLOY, MODEL)``.

Arguments: DEPLOY MODEL.  Prints ``work`` (the load alone, seconds) and OpenCV's version.
"""

import json
import sys
import time

import cv2

t0 = time.perf_counter()
net = cv2.dnn.readNetFromCaffe(sys.argv[1], sys.argv[2])
t1 = time.perf_counter()
assert not net.empty()
print(json.dumps({"work": t1 - t0, "version": cv2.__version__}))
