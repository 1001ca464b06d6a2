"""Runs a command and reports its wall time and peak RSS (``ru_maxrss`` from ``os.wait4``).

Arguments: STDOUT_FILE STDERR_FILE TIMEOUT COMMAND...  (TIMEOUT in seconds, 0 for none).
Prints one JSON line: ``wall``, ``maxrss`` (KiB on Linux), ``exit`` and ``timed_out``.

Peak RSS is read here rather than by the (large) benchmark process: Linux carries the
memory high-water mark of the process that spawns a child into the child's figure, so
this launcher is kept small (run with ``-I -S``), and its own few MiB are the floor of
every figure.  Nothing is imported before the spawn that the figure does not need: the
timer's ``signal`` module is loaded after it.  A command still running at the timeout is
killed (SIGKILL) and reported with ``timed_out`` true and the peak it had reached.
"""

import json
import os
import sys
import time

out = os.open(sys.argv[1], os.O_WRONLY)
err = os.open(sys.argv[2], os.O_WRONLY)
timeout = float(sys.argv[3])
argv = sys.argv[4:]
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
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
if timeout > 0:
    signal.setitimer(signal.ITIMER_REAL, 0)
print(json.dumps({"wall": wall, "maxrss": usage.ru_maxrss, "exit": os.waitstatus_to_exitcode(status),
                  "timed_out": bool(expired)}))
