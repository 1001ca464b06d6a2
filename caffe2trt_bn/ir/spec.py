"""What the generated schema is made of: a field's description and the messages' base.

:mod:`caffe2trt_bn.ir.schema` (generated from ``proto/caffe.proto`` by
``tools/gen_schema.py``) holds one class per proto message; each carries a class-level
table ``FIELDS`` of :class:`FieldSpec` and derives from :class:`Message`.

The message classes behave as frozen, slotted dataclasses (keyword or positional
``__init__`` with Caffe's defaults, field-wise ``==`` and ``hash``, a readable ``repr``,
immutable attributes, :meth:`Message.replace`) but are written out as plain classes by
the generator: ``@dataclass`` builds each class's methods with ``exec`` at import, which
for the seventy-odd messages of ``caffe.proto`` took 30-50 ms, more than a whole CLI
run's imports; the written-out classes import in about a millisecond.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass
from typing import Any, ClassVar, TypeVar

#: The kinds a field's value can be, as :attr:`FieldSpec.kind` names them.
KINDS = ("int", "float", "double", "bool", "string", "bytes", "enum", "message")


@dataclass(frozen=True, slots=True, eq=False)
class FieldSpec:
    """One field of a proto message.

    ``type`` is the proto type as written (``uint32``, ``float``, ``Phase``,
    ``FillerParameter``); ``kind`` its family (one of :data:`KINDS`; ``float`` is a
    32-bit float, ``double`` a 64-bit one); ``enum`` maps an enum field's value names to
    their numbers; ``message`` names a message field's class in the schema.
    ``default`` is the value an absent field reads as (float32-rounded for ``float``
    fields, as Caffe stores them); ``()`` for repeated fields, None for messages.
    """

    name: str
    number: int
    label: str  # "optional", "required" or "repeated"
    type: str
    kind: str
    default: Any = None
    enum: dict[str, int] | None = None
    message: str | None = None
    packed: bool = False

    @property
    def repeated(self) -> bool:
        return self.label == "repeated"


M = TypeVar("M", bound="Message")


class Message:
    """Base of the generated message classes: the dataclass behaviour, written once.

    The ``_src`` slot records where an instance was read from (set by
    :func:`caffe2trt_bn.ir.params.read_message`; absent on instances built in code), so
    that :func:`~caffe2trt_bn.ir.params.has` and
    :func:`~caffe2trt_bn.ir.params.field_error` can answer without a second argument.
    It takes no part in equality, hashing or ``repr``.
    """

    __slots__ = ("_src",)

    #: The message's fields by name, in the proto's order.
    FIELDS: ClassVar[dict[str, FieldSpec]]
    #: The message's own (nested) enums by name: value name -> number.
    ENUMS: ClassVar[dict[str, dict[str, int]]]

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.FIELDS)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((self.__class__.__name__, self._values()))

    def __repr__(self) -> str:
        body = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.FIELDS)
        return f"{self.__class__.__name__}({body})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def replace(self: M, **changes: Any) -> M:
        """A copy with ``changes`` applied (``dataclasses.replace``); it records no source."""
        values = {name: getattr(self, name) for name in self.FIELDS}
        values.update(changes)
        return self.__class__(**values)
