"""Errors of the bank-file codec.

Each error says where the problem is — file kind, file label, record number (1-based, the header
is record 1) and field (Korean 항목 name and English name) — so that a clerk or the relay's help
desk can find the byte at fault. Messages never contain a full account number or holder ID: values
of sensitive fields are masked before they reach a message.
"""

from __future__ import annotations


class CmsError(ValueError):
    """Base class: a value or a file that cannot be written or read as a KFTC CMS file."""

    def __init__(
        self,
        detail_ko: str,
        detail_en: str,
        *,
        kind: str | None = None,
        file_label: str | None = None,
        record_no: int | None = None,
        field_ko: str | None = None,
        field_en: str | None = None,
    ) -> None:
        self.detail_ko = detail_ko
        self.detail_en = detail_en
        self.kind = kind
        self.file_label = file_label
        self.record_no = record_no
        self.field_ko = field_ko
        self.field_en = field_en
        super().__init__(self._compose())

    @property
    def message(self) -> str:
        """The full message, Korean first then English, as shown to a clerk."""
        return str(self)

    def _compose(self) -> str:
        where: list[str] = []
        if self.kind and self.file_label:
            where.append(f"{self.kind} 파일 '{self.file_label}'")
        elif self.kind:
            where.append(f"{self.kind} 파일")
        elif self.file_label:
            where.append(f"파일 '{self.file_label}'")
        if self.record_no is not None:
            where.append(f"{self.record_no}번째 레코드")
        if self.field_ko:
            where.append(f"'{self.field_ko}'({self.field_en})")
        prefix = " ".join(where)
        body = f"{self.detail_ko} ({self.detail_en})"
        return f"{prefix}: {body}" if prefix else body


class CmsValueError(CmsError):
    """A value handed to an encoder cannot be written; nothing was produced."""


class CmsFormatError(CmsError):
    """A file does not follow the layout (length, record type, sequence, field content, totals)."""


class CmsMismatchError(CmsFormatError):
    """A result file (EB14/EB22) does not answer the request file (EB13/EB21) it is checked against."""
