"""The child programs the benchmarks run, each a script of its own.

The peers' and yardsticks' work (a full protobuf parse, OpenCV, pycaffe, the floors of a
fold, the unchecked sketch), the processes that time our own ``extract()``
(:mod:`extract_loop`, :mod:`paired`), the launcher that measures a child's peak memory, and
the ONNX Runtime check of :mod:`benchmarks.onnx_peers` (:mod:`ort_run`).  They are run as
``python FILE ARGS`` (this folder first on the child's ``sys.path``), so they import their
siblings by plain name and nothing of the benchmark; each that times its work prints one
JSON line.
"""

from pathlib import Path

#: This folder: where the benchmarks find the child programs.
FOLDER = Path(__file__).resolve().parent


def script(name: str) -> str:
    """The path of child program ``name`` (without ``.py``), as a command-line argument."""
    path = FOLDER / f"{name}.py"
    if not path.is_file():
        raise FileNotFoundError(path)
    return str(path)
