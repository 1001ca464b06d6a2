"""Runs a command and reports its wall time and peak RSS (``ru_maxrss`` from ``os.wait4``).

Arguments: STDOUT_FILE STDERR_FILE TIMEOUT SAMPLE COMMAND...  (TIMEOUT in seconds, 0 for
none; SAMPLE in seconds, 0 for none).  Prints one JSON line: ``wall``, ``maxrss`` (KiB on
Linux), ``exit``, ``timed_out`` and ``anon_peak`` (KiB, or null).

Peak RSS is read here rather than by the (large) benchmark process: Linux carries the
memory high-water mark of the process that spawns a child into the child's figure, so
this launcher is kept small (run with ``-I -S``), and its own few MiB are the floor of
every figure.  Nothing is imported before the spawn that the figure does not need: the
timer's ``signal`` module is loaded after it.  A command still running at the timeout is
killed (SIGKILL) and reported with ``timed_out`` true and the peak it had reached.

Peak RSS counts the pages of memory-mapped files the child has read.  Its private
memory (anonymous pages: heap, arrays) has no high-water mark in Linux, so with SAMPLE > 0
the launcher reads ``RssAnon`` from ``/proc/PID/status`` every SAMPLE seconds while the
child runs and reports the largest value seen (``anon_peak``): a lower bound of the
peak, as close as the sampling interval allows.  Without ``/proc`` it stays null.
"""

import json
import os
import sys
import time

out = os.open(sys.argv[1], os.O_WRONLY)
err = os.open(sys.argv[2], os.O_WRONLY)
timeout = float(sys.argv[3])
sample = float(sys.argv[4])
argv = sys.argv[5:]
start = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=[
    (os.POSIX_SPAWN_DUP2, out, 1), (os.POSIX_SPAWN_DUP2, err, 2), (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0)])
expired: list[bool] = []
if timeout > 0:
    import signal

    def expire(signum: int, frame: object) -> None:
        expired.append(True)
        os.kill(pid, signal.SIGKILL)

    signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, timeout)


def rss_anon(path: str) -> int | None:
    """RssAnon of the child in KiB, or None once it is gone (or without /proc)."""
    try:
        with open(path, "rb") as f:
            for line in f:
                if line.startswith(b"RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


anon_peak = None
if sample > 0:
    status = f"/proc/{pid}/status"
    while True:
        done, status_code, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        kib = rss_anon(status)
        if kib is not None and (anon_peak is None or kib > anon_peak):
            anon_peak = kib
        time.sleep(sample)
else:
    _, status_code, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
if timeout > 0:
    signal.setitimer(signal.ITIMER_REAL, 0)
print(json.dumps({"wall": wall, "maxrss": usage.ru_maxrss, "exit": os.waitstatus_to_exitcode(status_code),
                  "timed_out": bool(expired), "anon_peak": anon_peak}))
