#!/usr/bin/env bash
# Regenerate caffe2trt_bn/caffe_pb2.py from proto/caffe.proto.
#
# What it does
#   Runs protoc (the copy bundled with the grpcio-tools wheel) on
#   proto/caffe.proto and writes the Python module caffe2trt_bn/caffe_pb2.py.
#   Nothing else in the tree is touched.
#
# Why the generated file is committed
#   Users of caffe2trt_bn need only the protobuf *runtime* (`pip install
#   protobuf`); they never need protoc or grpcio-tools. Only someone who edits
#   proto/caffe.proto has to run this script, and must commit both files.
#
# Requirements (maintainers only)
#   A Python with grpcio-tools installed, preferably in a throwaway venv
#   outside the repository:
#       python3 -m venv /tmp/protogen
#       /tmp/protogen/bin/pip install grpcio-tools==1.62.3
#       PYTHON=/tmp/protogen/bin/python tools/gen_proto.sh
#   grpcio-tools 1.62.3 bundles protoc 25.1, whose Python output
#   ("Protobuf Python Version: 4.25.1") imports on every protobuf runtime from
#   4.25.1 up to the 7.x series (tested: 4.25.1, 4.25.9, 5.26.1, 5.27.0,
#   5.28.3, 5.29.1, 6.30.0, 6.31.1, 6.33.6, 7.34.0, 7.36.2) without a version
#   error or warning. Newer grpcio-tools emit gencode that calls
#   runtime_version.ValidateProtobufRuntimeVersion and so refuses every runtime
#   older than itself (e.g. grpcio-tools 1.85 -> runtime >= 7.35.1 only;
#   grpcio-tools 1.71 -> runtime >= 5.29.0, plus a warning on 6.30.x).
#   Keep the pin unless the declared `protobuf>=` floor is raised on purpose;
#   set ALLOW_OTHER_GRPCIO_TOOLS=1 to override the check below.
#   (grpcio-tools 1.62.3 ships wheels for CPython 3.8-3.12.)
#
# Usage
#   [PYTHON=/path/to/python] tools/gen_proto.sh
#   Then run: PYTHONPATH=. python -m pytest -q tests/io/test_caffe_pb2_schema.py

set -euo pipefail

PINNED_GRPCIO_TOOLS="1.62.3"
EXPECTED_GENCODE="4.25.1"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
OUT="$ROOT/caffe2trt_bn/caffe_pb2.py"

if ! "$PYTHON" -c "import grpc_tools.protoc" 2>/dev/null; then
    echo "error: '$PYTHON' has no grpcio-tools." >&2
    echo "  python3 -m venv /tmp/protogen && /tmp/protogen/bin/pip install grpcio-tools==$PINNED_GRPCIO_TOOLS" >&2
    echo "  PYTHON=/tmp/protogen/bin/python $0" >&2
    exit 1
fi

have="$("$PYTHON" -c 'import importlib.metadata as m; print(m.version("grpcio-tools"))')"
if [ "$have" != "$PINNED_GRPCIO_TOOLS" ] && [ "${ALLOW_OTHER_GRPCIO_TOOLS:-0}" != "1" ]; then
    echo "error: grpcio-tools $have found, $PINNED_GRPCIO_TOOLS expected (it fixes the" >&2
    echo "  gencode version and thereby the oldest protobuf runtime that can import it)." >&2
    echo "  Set ALLOW_OTHER_GRPCIO_TOOLS=1 to generate anyway." >&2
    exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cd "$ROOT"
"$PYTHON" -m grpc_tools.protoc -Iproto --python_out="$tmp" proto/caffe.proto
mv "$tmp/caffe_pb2.py" "$OUT"

gencode="$(sed -n 's/^# Protobuf Python Version: //p' "$OUT")"
echo "wrote ${OUT#"$ROOT"/} (gencode ${gencode:-unknown}, grpcio-tools $have)"
if [ "$gencode" != "$EXPECTED_GENCODE" ]; then
    echo "note: gencode is not $EXPECTED_GENCODE; re-test the protobuf runtime range" >&2
fi
