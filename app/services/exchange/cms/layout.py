"""A record layout: one field table compiled into a record encoder and a record decoder.

Both directions come from the same ``FieldSpec`` rows, so a position or a length is written down
exactly once (in ``tables.py``). The constructor checks the table — fields contiguous from byte 1,
lengths summing to the record length, fixed contents of the right size, attributes matching the
record dataclass — so a mistyped table fails at import, not in a bank's reply.
"""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Callable, Mapping, Sequence
from operator import attrgetter
from typing import Any

from .fields import FieldProblem, FieldSpec, Kind, Value, make_decoder, make_encoder

_VALUES_BY_KIND = {
    Kind.N: {Value.INT, Value.DATE, Value.DIGITS, Value.FIXED},
    Kind.AN: {Value.TEXT, Value.NUMBER, Value.CODE, Value.FIXED},
    Kind.H: {Value.HANGUL},
}


class LayoutError(AssertionError):
    """A layout table contradicts itself (raised at import)."""


class Layout:
    """The field table of one record type (e.g. EB21 data) and the codec derived from it."""

    def __init__(self, name: str, length: int, record_cls: type, fields: Sequence[FieldSpec]) -> None:
        self.name = name
        self.length = length
        self.record_cls = record_cls
        self.fields: tuple[FieldSpec, ...] = tuple(fields)
        self.check()
        self.by_attr: dict[str, FieldSpec] = {f.attr: f for f in self.fields}
        self.struct = struct.Struct("".join(f"{f.length}s" for f in self.fields))
        self.record_fields = tuple(f for f in self.fields if f.value is not Value.FIXED and not f.context)
        self.context_fields = tuple(f for f in self.fields if f.context)
        self._decoder = self._build_decoder()

    # ------------------------------------------------------------------------------ self-check

    def check(self) -> None:
        """Raise LayoutError unless the table is contiguous, sums to the length and fits its class."""
        position = 1
        seen: set[str] = set()
        for f in self.fields:
            if f.start != position:
                raise LayoutError(f"{self.name}: {f.name_en} starts at {f.start}, expected {position}")
            if f.length <= 0:
                raise LayoutError(f"{self.name}: {f.name_en} has length {f.length}")
            if f.value not in _VALUES_BY_KIND[f.kind]:
                raise LayoutError(f"{self.name}: {f.name_en} is {f.kind} but valued as {f.value}")
            if f.value is Value.FIXED:
                if f.fixed is None or len(f.fixed) != f.length or not f.fixed.isascii():
                    raise LayoutError(f"{self.name}: {f.name_en} fixed content does not fill {f.length} bytes")
                if f.kind is Kind.N and not f.fixed.isdigit():
                    raise LayoutError(f"{self.name}: {f.name_en} is N but fixed to {f.fixed!r}")
            elif f.fixed is not None:
                raise LayoutError(f"{self.name}: {f.name_en} has fixed content but is not FIXED")
            if f.attr in seen:
                raise LayoutError(f"{self.name}: attribute {f.attr} appears twice")
            seen.add(f.attr)
            position += f.length
        if position - 1 != self.length:
            raise LayoutError(f"{self.name}: fields sum to {position - 1} bytes, record is {self.length}")
        record_attrs = {f.attr for f in self.fields if f.value is not Value.FIXED and not f.context}
        class_attrs = {fl.name for fl in dataclasses.fields(self.record_cls)}
        if record_attrs != class_attrs:
            raise LayoutError(
                f"{self.name}: table attributes {sorted(record_attrs)} "
                f"differ from {self.record_cls.__name__} fields {sorted(class_attrs)}"
            )

    def derive(self, name: str, **changes: Mapping[str, Any]) -> Layout:
        """A layout with the same positions and some field properties changed (EB14 from EB13 ...)."""
        unknown = set(changes) - {f.attr for f in self.fields}
        if unknown:
            raise LayoutError(f"{name}: no fields {sorted(unknown)} to change")
        fields = [dataclasses.replace(f, **changes[f.attr]) if f.attr in changes else f for f in self.fields]
        return Layout(name, self.length, self.record_cls, fields)

    def field(self, attr: str) -> FieldSpec:
        return self.by_attr[attr]

    # ------------------------------------------------------------------------------ encoding

    def encoder(self, context: Mapping[str, Any] | None = None) -> Callable[[Any], str]:
        """A function record → record text (latin-1 code points = bytes), for one file.

        Fixed contents and the file's context values (기관코드, 파일이름) are rendered once into a
        template; per record only the record's own fields are converted. Raises FieldProblem.
        """
        context = context or {}
        pieces: list[str] = []
        for f in self.fields:
            if f.value is Value.FIXED:
                assert f.fixed is not None
                pieces.append(f.fixed.replace("%", "%%"))
            elif f.context:
                pieces.append(make_encoder(f)(context[f.attr]).replace("%", "%%"))
            else:
                pieces.append("%s")
        template = "".join(pieces)
        encoders = tuple(make_encoder(f) for f in self.record_fields)
        attrs = [f.attr for f in self.record_fields]
        if len(attrs) == 1:
            single = attrgetter(attrs[0])

            def getter(rec: Any) -> tuple[Any, ...]:
                return (single(rec),)

        else:
            getter = attrgetter(*attrs)  # type: ignore[assignment]  # with two or more names it returns the tuple

        def encode(rec: Any) -> str:
            return template % tuple([enc(v) for enc, v in zip(encoders, getter(rec), strict=True)])

        return encode

    # ------------------------------------------------------------------------------ decoding

    def _build_decoder(self) -> Callable[[tuple[bytes, ...]], tuple[Any, tuple[bytes, ...]]]:
        fixed = [
            (i, f.fixed.encode("ascii"), f)
            for i, f in enumerate(self.fields)
            if f.value is Value.FIXED and f.fixed is not None
        ]
        index = {f.attr: i for i, f in enumerate(self.fields)}
        order = [fl.name for fl in dataclasses.fields(self.record_cls)]
        decoders = [(index[a], make_decoder(self.by_attr[a])) for a in order]
        context_idx = tuple(i for i, f in enumerate(self.fields) if f.context)
        cls = self.record_cls

        def decode(parts: tuple[bytes, ...]) -> tuple[Any, tuple[bytes, ...]]:
            for i, expected, f in fixed:
                if parts[i] != expected:
                    raise _fixed_problem(f, parts[i])
            values = [dec(parts[i]) for i, dec in decoders]
            return cls(*values), tuple([parts[i] for i in context_idx])

        return decode

    def split(self, record: bytes) -> tuple[bytes, ...]:
        """Cut one record into its fields' raw bytes."""
        return self.struct.unpack(record)

    def decode(self, parts: tuple[bytes, ...]) -> tuple[Any, tuple[bytes, ...]]:
        """Raw field bytes → (record dataclass, raw bytes of the context fields). Raises FieldProblem."""
        return self._decoder(parts)


def _fixed_problem(f: FieldSpec, found: bytes) -> FieldProblem:
    assert f.fixed is not None
    if f.is_filler:
        if f.fixed.strip(" ") == "":
            return FieldProblem(f, "공백이어야 하는데 다른 문자가 있습니다", "filler must be spaces")
        return FieldProblem(f, f"'{f.fixed}'이어야 하는데 다른 문자가 있습니다", f"filler must be {f.fixed!r}")
    shown = found.decode("latin-1") if found.isascii() and found.decode("ascii").isprintable() else repr(found)
    return FieldProblem(
        f, f"'{f.fixed}'이어야 하는데 '{shown}'입니다", f"expected {f.fixed!r}, found {shown!r}"
    )
