"""The package's public names: ``__all__`` lists exactly the lazily exported names, and
each resolves to the object its defining module holds."""

from __future__ import annotations

import importlib

import caffe2trt_bn


def test_all_lists_exactly_the_lazy_exports() -> None:
    assert sorted(caffe2trt_bn.__all__) == sorted([*caffe2trt_bn._EXPORTS, "__version__"])
    assert len(set(caffe2trt_bn.__all__)) == len(caffe2trt_bn.__all__)


def test_every_export_resolves_to_its_module_object() -> None:
    for name, module in caffe2trt_bn._EXPORTS.items():
        defining = importlib.import_module(module, "caffe2trt_bn")
        assert getattr(caffe2trt_bn, name) is getattr(defining, name)
