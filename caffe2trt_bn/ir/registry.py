"""Behaviour per Caffe layer type: one registry of handlers per job.

Each job that depends on a layer's type (how a producer absorbs a folded affine, how a
batch normalisation variant is read, how a layer becomes ONNX nodes, ...) keeps one
:class:`Registry`, and each handler registers itself beside its code::

    PRODUCERS: Registry[Producer] = Registry("fold producer")

    @PRODUCERS.register("Convolution")
    def convolution(...): ...

so a new layer type is one decorated function, not one more ``elif`` in every place
that dispatches on type strings.  The registry refuses a second handler for a type when
the second module is imported (:class:`DuplicateHandlerError`, a programming error, not
the user's), and :meth:`Registry.handler` gives a named error
(:class:`~caffe2trt_bn.errors.NoHandlerError`: file, line, layer and type) for a type
without one.  Types are kept in registration order (messages list them so).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, Protocol, TypeVar

from ..errors import NoHandlerError
from ..io.prototxt import Node

__all__ = ["DuplicateHandlerError", "Registry"]

H = TypeVar("H")


class DuplicateHandlerError(RuntimeError):
    """Two handlers for one Caffe layer type in one registry: a programming error,
    raised when the second is registered (at import)."""


class _Located(Protocol):
    """What :meth:`Registry.handler` needs of a layer to name it in an error."""

    @property
    def name(self) -> str: ...

    @property
    def type(self) -> str: ...

    @property
    def node(self) -> Node: ...


class Registry(Generic[H]):
    """Handlers of one job, by Caffe layer type.

    ``what`` names a handler in messages (``"fold producer"``, ``"ONNX converter"``);
    ``missing`` is what the error for an unhandled type says after ``layer type 'X'``
    (default: ``has no <what>``); ``hint`` adds a did-you-mean to it.  ``loader``, when
    given, is called before every lookup, once it returns the registry is complete (a
    registry whose handlers live in modules imported on demand, like the ONNX
    converters).  ``duplicate`` is the class of the duplicate error and ``decorator``
    the name a misuse message gives it (a subclass and ``@converter`` for the ONNX
    exporter, whose public names predate this module).
    """

    def __init__(
        self,
        what: str,
        *,
        missing: str | None = None,
        hint: bool = False,
        loader: Callable[[], None] | None = None,
        duplicate: type[DuplicateHandlerError] = DuplicateHandlerError,
        decorator: str = "register",
    ) -> None:
        self.what = what
        self.missing = missing if missing is not None else f"has no {what}"
        self.hint = hint
        self._loader = loader
        self._duplicate = duplicate
        self._decorator = decorator
        self._handlers: dict[str, H] = {}

    def register(self, *layer_types: str) -> Callable[[H], H]:
        """Registers the decorated handler for each of ``layer_types`` (at least one)."""
        if not layer_types:
            raise self._duplicate(f"@{self._decorator} needs at least one Caffe layer type")

        def register(handler: H) -> H:
            for layer_type in layer_types:
                existing = self._handlers.get(layer_type)
                if existing is not None and existing is not handler:
                    raise self._duplicate(
                        f"Caffe layer type {layer_type!r} has two {self.what}s: "
                        f"{_qualname(existing)} and {_qualname(handler)}"
                    )
                self._handlers[layer_type] = handler
            return handler

        return register

    def _load(self) -> None:
        if self._loader is not None:
            self._loader()

    def get(self, layer_type: str) -> H | None:
        """The handler of ``layer_type``, or None."""
        if self._loader is not None:  # (inlined: looked up once per layer on hot paths)
            self._loader()
        return self._handlers.get(layer_type)

    def __contains__(self, layer_type: object) -> bool:
        self._load()
        return layer_type in self._handlers

    def __iter__(self) -> Iterator[str]:
        """The registered types, in registration order."""
        self._load()
        return iter(list(self._handlers))

    def types(self) -> tuple[str, ...]:
        """The registered types, in registration order."""
        return tuple(self)

    def handler(self, layer: _Located, file: str | None = None) -> H:
        """The handler of ``layer``'s type; :class:`NoHandlerError` naming the file
        (``file``, else the layer node's), the layer's line, the layer and its type when
        there is none."""
        if self._loader is not None:
            self._loader()
        found = self._handlers.get(layer.type)
        if found is None:
            node = layer.node
            raise NoHandlerError(
                self.unknown_message(layer.type),
                file=file if file is not None else node._path,
                layer=layer.name,
                line=node.line or None,
                layer_type=layer.type,
            )
        return found

    def unknown_message(self, layer_type: str) -> str:
        """The error text for a type without a handler (with a did-you-mean if ``hint``)."""
        text = f"layer type {layer_type!r} {self.missing}"
        if self.hint:
            import difflib

            self._load()
            close = difflib.get_close_matches(layer_type, self._handlers, n=1, cutoff=0.75)
            if close:
                text += f" (did you mean {close[0]!r}?)"
        return text


def _qualname(handler: object) -> str:
    return f"{getattr(handler, '__module__', '?')}.{getattr(handler, '__qualname__', type(handler).__qualname__)}"
