"""What "every screen fits" means, as code: the rules the layout test holds every rendered screen to.

A screen is checked after it is laid out at a size (1024×768, 1366×768, 1920×1080; a dialog at its
natural size, at most the screen). Each rule names a thing a clerk would see:

* **too big** — the window or dialog cannot be made as small as the screen (its layout needs more).
* **outside** — a visible widget placed by a layout reaches past its parent's visible area.
* **overlap** — two visible widgets placed by the same parent's layouts cover each other (what a
  layout does when it is given less room than it needs: 검색 drawn over the search box).
* **squeezed** — a widget laid out smaller than it needs: below its minimum (the login's inputs
  flattened by an error line appearing under them), or a label, button, check box or combo box
  whose text does not fit (Qt clips it: "계좌신청 상…"), a wrapped label shorter than its lines, a
  read-only field whose text is cut.
* **header** — a column header narrower than its own title.
* **cell** — a table cell or a menu entry narrower than its text, except in a column that
  app/views/common/column_fit.py lets narrow (a long 사유 or 내용, then a name) showing the whole text as
  its tooltip: such a cell may end in "…".
* **scroll** — a list or page that needs a horizontal scroll bar to show its columns.
* **stretched** — a short column (content narrower than 240 px) spread more than 160 px wider than
  its content to fill the table, where it shows: a column in the middle splitting the rows in two,
  or a centred or right-aligned last column carrying its values to the far edge of a 1920 screen.
  (A left-aligned last column taking the spare width looks like the empty space it is.)

Only widgets a layout manages are held to *outside* and *overlap*: the parts Qt's own complex widgets
(spin boxes, combo boxes, scroll areas, tab bars) place by hand are theirs to place.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QRect, QSize, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QApplication,
    QCheckBox,
    QComboBox,
    QHeaderView,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSplitter,
    QStyle,
    QStyleOptionComboBox,
    QStyleOptionFrame,
    QStyleOptionHeader,
    QTableView,
    QToolButton,
    QTreeView,
    QWidget,
)
from sqlalchemy import select

if TYPE_CHECKING:
    from app.database.engine import Database
    from app.services.common.crypto import DataKey
    from tests.factories import Office

SIZES: dict[str, QSize] = {
    "1024x768": QSize(1024, 768),
    "1366x768": QSize(1366, 768),
    "1920x1080": QSize(1920, 1080),
}
SLACK = 1  # px: rounding in Qt's layouts
STRETCH_EXCESS = 160  # px a short stretched column may grow past its content
LONG_TEXT = 240  # px: a column whose content is at least this wide is a long-text column
CELL_ROWS = 60  # rows of a table whose cells are measured


@dataclass(frozen=True)
class Problem:
    """One thing that does not fit, named so the clerk's screen and the widget can be found."""

    screen: str
    kind: str
    where: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.screen}] {self.kind}: {self.where} — {self.detail}"


def describe(widget: QWidget) -> str:
    """Class, object name and text: enough to find the widget in its view's source."""
    name = type(widget).__name__
    if widget.objectName() and not widget.objectName().startswith("qt_"):
        name += f"#{widget.objectName()}"
    text = _text_of(widget)
    if text:
        short = text.replace("\n", " ")
        name += f" '{short[:40]}{'…' if len(short) > 40 else ''}'"
    parent = widget.parentWidget()
    while parent is not None and not parent.isWindow():
        if parent.objectName() and not parent.objectName().startswith("qt_"):
            return f"{name} in {type(parent).__name__}#{parent.objectName()}"
        parent = parent.parentWidget()
    return name


def _text_of(widget: QWidget) -> str:
    if isinstance(widget, (QLabel, QAbstractButton)):
        return widget.text()
    if isinstance(widget, QComboBox):
        return widget.currentText()
    if isinstance(widget, QLineEdit):
        return widget.text() or widget.placeholderText()
    return ""


def visible_children(root: QWidget) -> Iterator[QWidget]:
    """Every visible descendant of `root` that belongs to its window (popups and dialogs are their own)."""
    for child in root.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
        if child.isWindow() or not child.isVisible():
            continue
        yield child
        yield from visible_children(child)


def _managed(layout: QLayout | None) -> list[QWidget]:
    """The widgets `layout` (and the layouts inside it) places."""
    found: list[QWidget] = []
    if layout is None:
        return found
    for index in range(layout.count()):
        item = layout.itemAt(index)
        if item is None:
            continue
        widget = item.widget()
        # isinstance, not `is not None`: Shiboken can hand back a stale wrapper of another type when a
        # deleted widget's address is reused by a layout item (seen once in CI as a QWidgetItem here).
        if isinstance(widget, QWidget):
            found.append(widget)
        elif item.layout() is not None:
            found += _managed(item.layout())
    return found


def check(root: QWidget, screen: str, size: QSize | None = None) -> list[Problem]:
    """Everything on `root` (a shown, laid-out window) that does not fit; `size` is the screen's."""
    QApplication.processEvents()
    problems: list[Problem] = []
    if size is not None and (root.width() > size.width() or root.height() > size.height()):
        problems.append(Problem(screen, "too big", describe(root),
                                f"needs {root.width()}×{root.height()} on a {size.width()}×{size.height()} screen "
                                f"(minimum {root.minimumSizeHint().width()}×{root.minimumSizeHint().height()})"))
    problems += _placement(root, screen)
    for widget in [root, *visible_children(root)]:
        problems += _squeezed(widget, screen)
        if isinstance(widget, QAbstractScrollArea):
            problems += _scrolls(widget, screen)
        if isinstance(widget, QAbstractItemView):
            problems += _cells(widget, screen)
        if isinstance(widget, QHeaderView) and widget.orientation() == Qt.Orientation.Horizontal:
            problems += _headers(widget, screen)
    unique: dict[tuple[str, str, str], Problem] = {}
    for problem in problems:  # a squeezed label is found by its text and by its minimum size
        unique.setdefault((problem.screen, "squeezed" if problem.kind == "squeezed" else problem.detail,
                           problem.where), problem)
    return list(unique.values())


def _placement(root: QWidget, screen: str) -> list[Problem]:
    """outside / overlap, parent by parent, for the widgets the parent's layouts place."""
    problems: list[Problem] = []
    for parent in [root, *visible_children(root)]:
        placed = [w for w in _managed(parent.layout()) if w.isVisible() and not w.isWindow()]
        area = parent.rect()
        for widget in placed:
            g = widget.geometry()
            if g.width() <= 0 or g.height() <= 0:
                problems.append(Problem(screen, "squeezed", describe(widget), f"laid out {g.width()}×{g.height()}"))
                continue
            need = smart_minimum(widget) if not _holds_pages(widget) else QSize(0, 0)
            if g.width() + SLACK < need.width() or g.height() + SLACK < need.height():
                problems.append(Problem(screen, "squeezed", describe(widget),
                                        f"laid out {g.width()}×{g.height()}, needs at least {need.width()}×{need.height()}"))
            if (g.left() < area.left() - SLACK or g.top() < area.top() - SLACK
                    or g.right() > area.right() + SLACK or g.bottom() > area.bottom() + SLACK):
                problems.append(Problem(screen, "outside", describe(widget),
                                        f"{_rect(g)} outside {describe(parent)} {_rect(area)}"))
        for i, first in enumerate(placed):
            for second in placed[i + 1:]:
                common = first.geometry().intersected(second.geometry())
                if common.width() > SLACK and common.height() > SLACK:
                    problems.append(Problem(screen, "overlap", describe(first),
                                            f"covers {describe(second)} by {common.width()}×{common.height()} px"))
    return problems


def _holds_pages(widget: QWidget) -> bool:
    """The main window's splitter (and what holds it) takes its minimum from every page built so far,
    shown or not; each page is held to its own minimum instead."""
    if isinstance(widget, QSplitter):
        return True
    return any(isinstance(w, QSplitter) for w in _managed(widget.layout()))


def smart_minimum(widget: QWidget) -> QSize:
    """The least size a layout may give `widget` (Qt's own rule, qSmartMinSize): its minimum size if
    set, else its minimum size hint where its policy lets it shrink, else its size hint."""
    hint, least, policy = widget.sizeHint(), widget.minimumSizeHint(), widget.sizePolicy()

    def one(kind: QSizePolicy.Policy, hinted: int, smallest: int, explicit: int) -> int:
        if explicit > 0:
            return explicit
        if kind == QSizePolicy.Policy.Ignored:
            return 0
        return smallest if kind.value & QSizePolicy.PolicyFlag.ShrinkFlag.value else hinted

    width = one(policy.horizontalPolicy(), hint.width(), least.width(), widget.minimumWidth())
    height = one(policy.verticalPolicy(), hint.height(), least.height(), widget.minimumHeight())
    if widget.hasHeightForWidth() and widget.minimumHeight() <= 0:
        height = 0  # a wrapped label's height follows its width; checked with its text
    return QSize(max(width, 0), max(height, 0)).boundedTo(widget.maximumSize())


def _rect(r: QRect) -> str:
    return f"({r.x()},{r.y()} {r.width()}×{r.height()})"


def _squeezed(widget: QWidget, screen: str) -> list[Problem]:
    """Text that does not fit its widget."""
    if isinstance(widget, QLabel):
        return _label(widget, screen)
    if isinstance(widget, (QPushButton, QCheckBox, QRadioButton)) or (
            isinstance(widget, QToolButton) and widget.text() and widget.toolButtonStyle() != Qt.ToolButtonStyle.ToolButtonIconOnly):
        if not widget.text():
            return []
        need = widget.sizeHint()
        if widget.width() + SLACK < need.width() or widget.height() + SLACK < need.height():
            return [Problem(screen, "squeezed", describe(widget),
                            f"{widget.width()}×{widget.height()}, its text needs {need.width()}×{need.height()}")]
        return []
    if isinstance(widget, QComboBox) and not widget.isEditable():
        return _combo(widget, screen)
    if isinstance(widget, QLineEdit) and widget.isReadOnly() and widget.text():
        return _read_only(widget, screen)
    return []


def _label(label: QLabel, screen: str) -> list[Problem]:
    if not label.text() or (label.pixmap() is not None and not label.pixmap().isNull()):
        return []
    if label.wordWrap():
        need_height = label.heightForWidth(label.width())
        if label.height() + SLACK < need_height:
            return [Problem(screen, "squeezed", describe(label),
                            f"{label.width()}×{label.height()}, its wrapped lines need {need_height} px high")]
        return []
    need = label.minimumSizeHint()
    if label.width() + SLACK < need.width() or label.height() + SLACK < need.height():
        return [Problem(screen, "squeezed", describe(label),
                        f"{label.width()}×{label.height()}, its text needs {need.width()}×{need.height()}")]
    return []


def _combo(combo: QComboBox, screen: str) -> list[Problem]:
    text = combo.currentText()
    if not text:
        return []
    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    field = combo.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                         QStyle.SubControl.SC_ComboBoxEditField, combo)
    need = combo.fontMetrics().horizontalAdvance(text)
    if not combo.itemIcon(combo.currentIndex()).isNull():
        need += combo.iconSize().width() + 4
    if field.width() + SLACK < need:
        return [Problem(screen, "squeezed", describe(combo), f"shows {field.width()} px of a {need} px choice")]
    return []


def _read_only(edit: QLineEdit, screen: str) -> list[Problem]:
    option = QStyleOptionFrame()
    edit.initStyleOption(option)
    contents = edit.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, edit)
    margins = edit.textMargins()
    room = contents.width() - margins.left() - margins.right() - 4  # QLineEdit's own 2 px each side
    need = edit.fontMetrics().horizontalAdvance(edit.text())
    if room + SLACK < need:
        return [Problem(screen, "squeezed", describe(edit), f"read-only text needs {need} px, shows {room}")]
    return []


def _scrolls(area: QAbstractScrollArea, screen: str) -> list[Problem]:
    bar = area.horizontalScrollBar()
    if bar is not None and bar.maximum() > 0 and area.horizontalScrollBarPolicy() != Qt.ScrollBarPolicy.ScrollBarAlwaysOff:
        unit = "columns" if isinstance(area, QAbstractItemView) and \
            area.horizontalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerItem else "px"
        return [Problem(screen, "scroll", describe(area),
                        f"needs a horizontal scroll bar: {bar.maximum()} {unit} beyond its {area.viewport().width()} px")]
    return []


def header_need(header: QHeaderView, logical: int) -> int:
    """How wide a section must be to show its title whole (with the sort arrow where it is drawn)."""
    if header.isSortIndicatorShown() and header.sortIndicatorSection() == logical:
        return header.sectionSizeFromContents(logical).width()
    option = QStyleOptionHeader()
    header.initStyleOption(option)
    option.section = logical
    model = header.model()
    text = model.headerData(logical, header.orientation(), Qt.ItemDataRole.DisplayRole) if model else None
    option.text = "" if text is None else str(text)
    font = header.font()
    model_font = model.headerData(logical, header.orientation(), Qt.ItemDataRole.FontRole) if model else None
    if model_font is not None:
        font = model_font
    font.setBold(True)  # the style sheet's header font
    option.fontMetrics = type(header.fontMetrics())(font)
    return header.style().sizeFromContents(QStyle.ContentsType.CT_HeaderSection, option, QSize(), header).width()


def _headers(header: QHeaderView, screen: str) -> list[Problem]:
    problems: list[Problem] = []
    model = header.model()
    if model is None:
        return problems
    for logical in range(header.count()):
        if header.isSectionHidden(logical):
            continue
        need = header_need(header, logical)
        size = header.sectionSize(logical)
        if size + SLACK < need:
            title = str(model.headerData(logical, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole))
            problems.append(Problem(screen, "header", describe(header.parentWidget() or header),
                                    f"column '{title}' is {size} px, its title needs {need}"))
    return problems


def _stretching(view: QTableView, logical: int) -> bool:
    header = view.horizontalHeader()
    if header.sectionResizeMode(logical) == QHeaderView.ResizeMode.Stretch:
        return True
    last = max((i for i in range(header.count()) if not header.isSectionHidden(i)), key=header.visualIndex, default=-1)
    return header.stretchLastSection() and logical == last


def _is_last(view: QTableView, logical: int) -> bool:
    header = view.horizontalHeader()
    shown = [i for i in range(header.count()) if not header.isSectionHidden(i)]
    return logical == max(shown, key=header.visualIndex)


def _left_aligned(view: QTableView, logical: int) -> bool:
    """Title and cells start at the left: stretched, such a last column looks like the empty space it is."""
    model = view.model()
    values = [model.headerData(logical, Qt.Orientation.Horizontal, Qt.ItemDataRole.TextAlignmentRole)]
    values += [model.data(model.index(r, logical), Qt.ItemDataRole.TextAlignmentRole)
               for r in range(min(model.rowCount(), 20))]
    for value in values:
        if value is None:
            continue
        flags = int(value.value if hasattr(value, "value") else value)
        if flags & int(Qt.AlignmentFlag.AlignHorizontal_Mask.value) not in (0, int(Qt.AlignmentFlag.AlignLeft.value)):
            return False
    return True


def column_need(view: QTableView, logical: int, rows: int = CELL_ROWS * 3) -> int:
    """The widest of a column's title and its cells (the first `rows`)."""
    model = view.model()
    need = header_need(view.horizontalHeader(), logical)
    for row in range(min(model.rowCount(), rows)):
        if view.isRowHidden(row):
            continue
        need = max(need, view.sizeHintForIndex(model.index(row, logical)).width())
    return need


def _cells(view: QAbstractItemView, screen: str) -> list[Problem]:
    problems: list[Problem] = []
    model = view.model()
    if model is None or model.rowCount() == 0:
        return problems
    if not isinstance(view, QTableView):  # a list or a tree (the menu): every entry shown whole
        for index in _entries(view, QModelIndex()):
            rect = view.visualRect(index)
            need = view.sizeHintForIndex(index).width()
            if rect.isValid() and rect.left() + need > view.viewport().width() + SLACK:
                problems.append(Problem(screen, "cell", describe(view),
                                        f"'{model.data(index)}' needs {need} px from x={rect.left()}, "
                                        f"the list is {view.viewport().width()} px"))
        return problems
    header = view.horizontalHeader()
    elastic = set(view.property("elasticColumns") or ())  # app/views/common/column_fit.py's long-text columns
    first = max(view.rowAt(0), 0)
    shown = [r for r in range(first, min(model.rowCount(), first + CELL_ROWS)) if not view.isRowHidden(r)]
    for logical in range(header.count()):
        if header.isSectionHidden(logical):
            continue
        width = header.sectionSize(logical)
        stretching = _stretching(view, logical)
        title = str(model.headerData(logical, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole))
        for row in shown:
            index = model.index(row, logical)
            need = view.sizeHintForIndex(index).width()
            if width + SLACK >= need:
                continue
            text = str(model.data(index, Qt.ItemDataRole.DisplayRole) or "")
            tip = model.data(index, Qt.ItemDataRole.ToolTipRole)
            if (stretching or logical in elastic) and tip and text and text in str(tip):
                continue  # a long-text column: "…" with the whole text on hover
            problems.append(Problem(screen, "cell", describe(view),
                                    f"column '{title}' is {width} px, '{text[:30]}' needs {need}"))
            break
        if stretching and model.rowCount():
            need = column_need(view, logical)
            harmless = _is_last(view, logical) and _left_aligned(view, logical)
            if need < LONG_TEXT and width - need > STRETCH_EXCESS and not harmless:
                problems.append(Problem(screen, "stretched", describe(view),
                                        f"column '{title}' stretched to {width} px for {need} px of content"))
    return problems


def _entries(view: QAbstractItemView, parent: QModelIndex) -> Iterator[QModelIndex]:
    """The first column's entries, with the children of expanded tree entries, up to CELL_ROWS each level."""
    model = view.model()
    for row in range(min(model.rowCount(parent), CELL_ROWS)):
        index = model.index(row, 0, parent)
        yield index
        if isinstance(view, QTreeView) and view.isExpanded(index):
            yield from _entries(view, index)


def grab(widget: QWidget, folder: Path | None, size: str, name: str) -> Path | None:
    """Save the rendered widget as <folder>/<size>/<name>.png (no folder: nothing saved)."""
    if folder is None:
        return None
    path = folder / size / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()
    widget.grab().save(str(path))
    return path


# --- a populated office ------------------------------------------------------------------------------

LONG_NAMES = ("남궁서윤하람", "황보민준지호", "제갈하은서연", "선우도현예준")  # as long as Korean names get


@dataclass(frozen=True)
class Populated:
    """What the layout test opens: the office, the clerk's moment, and a few rows to open dialogs on."""

    office: Office
    now: datetime
    key: DataKey
    long_customer_id: int
    transmission_id: int | None


def populate(db: Database, tmp: Path) -> Populated:
    """An academy in the middle of November 2026 whose columns have content to measure.

    Payers with long Korean names, grades and holder names, amounts in the millions, registrations
    in every state (one refused), the 5th's results with failures and a partial debit, a cash
    receipt, a sibling discount, the 25th requested, office notices, and the files the built-in
    simulator exchanged since, so the file view has a real file. Built on the collection
    screens' helpers (tests/collection_views/helpers.py), the way those screens' own tests do.
    """
    from app.models import Customer, RegistrationState, Role, Transmission
    from app.services import notices
    from app.services.collection import cash, discounts
    from app.services.common import keys
    from app.services.common.calendar import ManualClock
    from app.services.exchange import relay_config
    from app.services.exchange.relay.config import RelayConfig
    from app.services.exchange.scheduler import CollectionScheduler
    from tests.collection_views.helpers import (
        KEY,
        NOW,
        TWENTY_FIFTH,
        add_payer,
        at,
        failed_fifth,
        request,
    )
    from tests.factories import add_user, make_office

    office = make_office(db)
    with db.session() as s:  # a stored data key, so the passphrase dialog has something to refuse
        keys.create_data_key(s, "office-passphrase-1")
    clerk = add_user(office, "clerk1", Role.CLERK)
    add_user(office, "viewer-longname", Role.VIEWER)
    cid = office.contract_id
    banks = ("088", "004", "020", "081", "011", "003", "090", "071", "045", "032")
    fifth = []
    for n in range(14):
        name = LONG_NAMES[n % len(LONG_NAMES)] if n < 4 else f"{'김이박최정강조윤장임'[n % 10]}{'민준서연지호하은'[n % 4:][:2]}"
        fifth.append(add_payer(db, cid, f"2024{n + 1:03d}", name, monthly=1_250_000 + 10_000 * n,
                               grade=("중등2 심화반", "초등3", "고등1 의대반", None)[n % 4], bank=banks[n % len(banks)],
                               account=f"1102456{n:05d}9", limit=9_999_000))
    with db.session() as s:  # phone numbers, as most payers have
        for n, payer in enumerate(fifth):
            customer = s.get(Customer, payer.customer_id)
            assert customer is not None
            customer.mobile = f"010-{2000 + 37 * n:04d}-{5000 + 211 * n:04d}"
    failed_fifth(db, clerk, cid, fifth, reasons={fifth[2].customer_no: "0021", fifth[5].customer_no: "0031",
                                                 fifth[7].customer_no: "0014"},
                 debited={p.customer_no: 1_250_000 + 10_000 * n for n, p in enumerate(fifth)
                          if n not in (2, 5, 7, 9, 13)} | {fifth[9].customer_no: 600_000})
    rows = cash.list_cash_candidates(db, clerk, cid)
    target = next(r for r in rows if r.customer_no == fifth[5].customer_no)
    cash.receive_cash(db, clerk, target.charge_id, 100_000, date(2026, 11, 12))
    twenty_fifth = [add_payer(db, cid, f"2025{n:03d}", LONG_NAMES[n % 4] if n < 2 else f"오승{n}", day=25,
                              monthly=980_000, bank=banks[(n + 3) % len(banks)], account=f"35712345{n:06d}")
                    for n in range(6)]
    add_payer(db, cid, twenty_fifth[0].customer_no, twenty_fifth[0].name, item="A03", day=25, monthly=60_000,
              bank="071", account="01234567890123")
    states = ((RegistrationState.WAITING, None), (RegistrationState.FAILED, "0014"), (RegistrationState.FAILED, "0012"),
              (RegistrationState.SENT, None), (RegistrationState.WAITING, None))
    for n, (state, code) in enumerate(states):
        add_payer(db, cid, f"2026{n:03d}", f"{LONG_NAMES[n % 4][:4]}{n}", day=5 if n % 2 else 25,
                  bank=banks[n], account=f"94370211{n:06d}", registration=state, reason_code=code,
                  requested_on=date(2026, 11, 9 + n), first="2026-12")
    discounts.apply_discount(db, office.admin, cid, [p.agreement_id for p in twenty_fifth[:2]], 10,
                             now=at(date(2026, 10, 28), 16))
    request(db, clerk, cid, TWENTY_FIFTH, twenty_fifth[:3], NOW)
    for n in range(3):
        notices.post_office_notice(db, office.admin, f"{n + 11}월 현금수납은 25일까지 받습니다 — 늦으면 다음 달 이체의뢰에 더합니다",
                                   "담당자들에게 알립니다. " * 12, now=at(date(2026, 11, 2 + n)))
    # One registration run through the built-in simulator: a real EB13 (and its EB14) to open.
    clock = ManualClock(NOW)
    relay_config.save(db, office.admin, RelayConfig())
    factory = relay_config.transport_factory(db, clock=clock, data_dir=tmp / "relay")
    scheduler = CollectionScheduler(db, clock=clock, transport_for=factory, data_key=KEY, upload_delays=())
    # The 25th's EB21 goes at its cut-off, Tuesday the 24th at 14:00 (and an EB13, when the office's
    # registrations may go out without more papers): the clerk looks at it all at 15:00.
    moment, end = NOW, NOW + timedelta(days=4, hours=5)
    while moment < end:
        clock.set(moment)
        scheduler.tick(moment)
        moment = max(scheduler.next_due(moment), moment + timedelta(minutes=1))
    with db.session() as s:
        long_id = s.scalar(select(Customer.id).where(Customer.contract_id == cid,
                                                     Customer.customer_no == twenty_fifth[0].customer_no))
        transmission_id = s.scalar(select(Transmission.id).order_by(Transmission.id.desc()))
    assert long_id is not None
    return Populated(office, end, KEY, long_id, transmission_id)
