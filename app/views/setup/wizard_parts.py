"""What the first-start wizard and its form pages share: the page ids and the message lines under
a form.

Kept apart from both so that the wizard imports its pages and the pages import nothing of the
wizard (they are handed it, typed by `setup_wizard_forms.Wizard`).
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

PAGE_DATABASE, PAGE_JOIN, PAGE_INSTITUTION, PAGE_ADMIN, PAGE_PASSPHRASE, PAGE_RELAY, PAGE_SUMMARY = range(7)
OK_STYLE = "color: #1e7b34; font-weight: bold;"


def status(label: QLabel, text: str, *, ok: bool = False, error: bool = False) -> None:
    """Show a message under a form: green when it worked, red when it did not."""
    label.setObjectName("errorText" if error else "hintText")
    label.setStyleSheet(OK_STYLE if ok else "")
    label.style().unpolish(label)
    label.style().polish(label)
    label.setText(text)
    label.setVisible(bool(text))


def message_label(text: str = "", *, name: str = "hintText") -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    return label
