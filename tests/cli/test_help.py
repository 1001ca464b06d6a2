"""The top-level help names every command the command line runs."""

from __future__ import annotations

from caffe2trt_bn.cli import COMMANDS
from caffe2trt_bn.cli.merge import parser


def test_top_level_help_lists_every_command() -> None:
    text = parser().description or ""  # the text before argparse wraps it (it breaks "to-deploy")
    for command in COMMANDS:
        assert f"'caffe-bn-merge {command}'" in text, command
    assert "'caffe-bn-merge onnx'" in text
