"""A floor of ``fold`` (not a tool to use): a fold's arithmetic once over the file.

As :mod:`floor_copy`, plus the work of a fold as fast as numpy allows: every 4 bytes of
each whole chunk of 1 MiB read as a float32, widened, multiplied by one factor per row of
1024 values, rounded once and written from a writer thread (the less than 1 MiB after the
last whole chunk is copied); no parsing, no checks, no fsync.  Arguments: SOURCE
DESTINATION.
"""

import mmap
import queue
import sys
import threading

import numpy as np

ROW, CHUNK = 1024, 1 << 18  # values per factor, values per chunk
with open(sys.argv[1], "rb") as f:
    src = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
count = len(src) // 4
full = count - count % CHUNK
values = np.frombuffer(src, dtype=np.float32, count=count)
factors = np.linspace(0.5, 1.5, count // ROW + 1)
pending: queue.Queue[np.ndarray | None] = queue.Queue(4)
free: queue.Queue[np.ndarray] = queue.Queue()
for _ in range(6):
    free.put(np.empty(CHUNK, dtype=np.float32))
out = open(sys.argv[2], "wb")  # noqa: SIM115  (closed after the writer thread ends)


def write() -> None:
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
