"""A floor of ``fold`` (not a tool to use): what any fold in Python with numpy pays.

It starts the interpreter, imports numpy and writes a file the size of the model, copied
in the kernel as ``cp`` does.  Arguments: SOURCE DESTINATION.
"""

import shutil
import sys

import numpy  # noqa: F401  (the import is the cost measured)

shutil.copyfile(sys.argv[1], sys.argv[2])
