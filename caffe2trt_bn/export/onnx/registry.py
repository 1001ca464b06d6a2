"""The converter registry: one handler per Caffe layer type.

A converter turns one Caffe layer into ONNX nodes.  It is a function
``handler(ctx: Context, layer: Layer) -> None`` registered for one or more Caffe layer
types with :func:`converter`::

    @converter("Convolution", "Deconvolution")
    def convolution(ctx: Context, layer: Layer) -> None:
        p = layer_params(layer)                 # typed <type>_param (see .params)
        (n, c, h, w) = ctx.shape(layer, 0)      # Caffe shape of bottom 0
        x = ctx.input(layer, 0)                 # ONNX tensor name of bottom 0
        w = ctx.weight(layer, 0)                # initializer streamed from blob 0
        y = ctx.output(layer, 0, (n, o, oh, ow))  # declares top 0 with its Caffe shape
        ctx.node("Conv", [x, w], [y], kernel_shape=[kh, kw], ...)

The whole converter API is the :class:`~.context.Context` methods:

* reading: ``ctx.input(layer, i)``, ``ctx.shape(layer, i)`` (the Caffe shape, computed by
  the converter that wrote the value, with Caffe's formulas), ``ctx.blobs(layer)``
  (caffemodel blobs, numpy views of the memory map), ``ctx.opset``, ``ctx.options``;
* writing: ``ctx.output(layer, i, shape)`` (every top must be declared, with the shape
  Caffe gives it), ``ctx.node(op_type, inputs, outputs, **attributes)`` (the op must be
  one TensorRT's ONNX parser documents, see :mod:`.trt_ops`), ``ctx.temp(hint)`` (a fresh
  tensor name for intermediate results), ``ctx.const(hint, array)`` (a small
  initializer), ``ctx.weight(layer, i, shape=None, transform=None)`` (a blob as an
  initializer, streamed to the file), ``ctx.ints(hint, values)`` (an int64 initializer for
  shape/axes inputs);
* refusing: ``raise ctx.refuse(layer, "field", "why")`` for a field that cannot be
  converted exactly: it names file, line, layer and field; the walk collects every such
  error (and every unknown layer type) and reports them all at once.

The converters are :data:`CONVERTERS`, an instance of the project's one registry
(:class:`caffe2trt_bn.ir.registry.Registry`): a second registration of a type raises at
import; :func:`handler_for` gives None for a type that has no handler (the walk reports
every such layer at once, with :func:`unknown_type_message`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from ...ir.registry import DuplicateHandlerError, Registry

if TYPE_CHECKING:
    from ...ir.graph import Layer
    from .context import Context

Handler = Callable[["Context", "Layer"], None]
H = TypeVar("H", bound=Handler)


class DuplicateConverterError(DuplicateHandlerError):
    """Two converters for one Caffe layer type: a programming error, raised at import."""


class _ConverterLoader:
    """Imports every module of the ``converters`` package once (each registers its types).

    An import that fails leaves it unloaded, so the next lookup tries again (and raises
    the same error) rather than working with a partial registry."""

    def __init__(self) -> None:
        self.loaded = False

    def __call__(self) -> None:
        if self.loaded:
            return
        self.loaded = True  # before the imports: a lookup while they run does not start them again
        import importlib
        import pkgutil

        from . import converters

        try:
            for module in sorted(m.name for m in pkgutil.iter_modules(converters.__path__)):
                importlib.import_module(f"{converters.__name__}.{module}")
        except BaseException:
            self.loaded = False
            raise


_load_converters = _ConverterLoader()


#: The ONNX converters, by Caffe layer type (:class:`~caffe2trt_bn.ir.registry.Registry`).
CONVERTERS: Registry[Handler] = Registry(
    "ONNX converter", hint=True, loader=_load_converters, duplicate=DuplicateConverterError, decorator="converter"
)


def converter(*layer_types: str) -> Callable[[H], H]:
    """Registers the decorated function as the converter of each of ``layer_types``."""
    register = CONVERTERS.register(*layer_types)

    def wrap(handler: H) -> H:
        register(handler)
        return handler

    return wrap


def handler_for(layer_type: str) -> Handler | None:
    """The converter registered for ``layer_type``, or None (the walk reports it)."""
    return CONVERTERS.get(layer_type)


def supported_types() -> list[str]:
    """Every Caffe layer type that has a converter, sorted."""
    return sorted(CONVERTERS)


def unknown_type_message(layer_type: str) -> str:
    """The error text for a layer type without a converter (with a did-you-mean)."""
    return CONVERTERS.unknown_message(layer_type)
