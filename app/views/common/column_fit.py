"""Column widths that follow the content and the window, so every list fits a 1024×768 screen and none
spreads a short column across a 1920×1080 one.

Each column is as wide as its title and the text of its first rows, plus some air. Width the table
has beyond that stays empty at the right instead of going to the last column: a short centred column
(결과수신, 사용 여부) stretched across a wide screen carries its values away from the rows they belong
to. When the columns together are wider than the table, the air goes first; then a screen's
long-text columns (사유, 내용, 주소 …) — and only those, the "elastic" ones — give up width, never
below what their title needs, and end their text in "…" with the whole text in the cell's tooltip.
A list without an elastic column must fit by its content alone, which is what the layout test
(tests/views/test_layout_fits.py) holds every screen to at 1024×768.

The widths are worked out again when the table is resized (the window, a splitter, a vertical
scroll bar coming or going) and whenever the screen refits after loading rows. A clerk may still
drag a column wider; the next resize or reload fits the columns again.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtWidgets import QHeaderView, QStyle, QStyleOptionHeader, QTableView

ELASTIC_PROPERTY = "elasticColumns"
"""The view's dynamic property listing its elastic columns (read by the layout test)."""
NAME_TITLES = frozenset({"고객명", "예금주", "예금주명", "은행"})
"""Columns of names (people's, banks'): whole unless nothing else can give (then four syllables and "…")."""
SHORT_NAME = "가나다라"
NAME_MARGIN = 4  # px each side of a cell's text (the item delegate's margin and focus frame)
SAMPLE_ROWS = 200  # rows measured: a lazily fetched list measures what it has loaded, at most this
TITLE_AIR = 2  # px beyond its title (which has its own padding) an elastic column keeps when it gives up width


class ColumnFitter(QObject):
    """Keeps one table's columns fitted; made and refreshed by `fit_columns`.

    Each column has a least width (`base`: its title, and its text unless it may narrow) and a
    wished one (`wish`: its text plus air). The table's width goes first to every column's least
    width, then to the name columns up to their wish, then to the elastic columns (a long 사유 is
    worth more than air), then to everyone's air; what is left stays empty. So on a narrow screen
    a long 사유 ends in "…" first, and only then, where even that is not enough, a name longer
    than four syllables (남궁서윤…).
    """

    def __init__(self, view: QTableView) -> None:
        super().__init__(view)
        self.view = view
        self.base: dict[int, int] = {}
        self.wish: dict[int, int] = {}
        self.elastic: list[int] = []
        self.names: list[int] = []
        view.viewport().installEventFilter(self)

    def measure(self, padding: int, maximum: int) -> None:
        """Each column's least and wished width from its title and its rows' text."""
        view, header, model = self.view, self.view.horizontalHeader(), self.view.model()
        view.ensurePolished()  # a table not shown yet has not taken the style sheet's fonts and padding
        header.ensurePolished()
        grid = 1 if view.showGrid() else 0
        rows = [r for r in range(min(model.rowCount(), SAMPLE_ROWS)) if not view.isRowHidden(r)]
        self.base, self.wish = {}, {}
        self.names = [c for c in range(header.count()) if c not in self.elastic
                      and model.headerData(c, header.orientation(), Qt.ItemDataRole.DisplayRole) in NAME_TITLES]
        view.setProperty(ELASTIC_PROPERTY, sorted(self.elastic + self.names))
        short_name = view.fontMetrics().horizontalAdvance(SHORT_NAME) + 2 * NAME_MARGIN + grid
        for column in range(header.count()):
            if header.isSectionHidden(column):
                continue
            title = title_width(header, column)
            content = max((view.sizeHintForIndex(model.index(r, column)).width() for r in rows), default=0) + grid
            if column in self.elastic:
                self.base[column] = min(max(title, content), title + TITLE_AIR)
                self.wish[column] = max(title, content + padding)
            elif column in self.names:
                self.base[column] = min(max(title, content), max(title, short_name))
                self.wish[column] = max(title, min(content + padding, maximum))
            else:
                self.base[column] = max(title, min(content, maximum))
                self.wish[column] = max(title, min(content + padding, maximum))
        self.apply()

    def apply(self) -> None:
        """Set the widths for the table's present width."""
        if not self.base:
            return
        widths = dict(self.base)
        spare = self.view.viewport().width() - sum(widths.values())
        names = [c for c in self.names if c in widths]
        elastic = [c for c in self.elastic if c in widths]
        for group in (names, elastic, list(widths)):
            spare -= _share(widths, self.wish, group, spare)
        header = self.view.horizontalHeader()
        for column, width in widths.items():
            if header.sectionSize(column) != width:
                header.resizeSection(column, width)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.Resize:
            self.apply()
        return False


def _share(widths: dict[int, int], wish: dict[int, int], columns: list[int], spare: int) -> int:
    """Give `columns` up to `spare` px towards their wish, in proportion to what each lacks; returns what was given."""
    lacking = {c: wish[c] - widths[c] for c in columns if wish[c] > widths[c]}
    total = sum(lacking.values())
    if spare <= 0 or total <= 0:
        return 0
    give = min(spare, total)
    given = 0
    for c, lack in lacking.items():
        share = lack * give // total
        widths[c] += share
        given += share
    for c in lacking:  # what integer division left over, one px at a time
        if given >= give:
            break
        if widths[c] < wish[c]:
            widths[c] += 1
            given += 1
    return given


def title_width(header: QHeaderView, column: int) -> int:
    """What a column's title needs. Qt's own measure leaves room for the sort arrow on every title
    once any is sorted; the arrow is drawn on one, so only that one keeps the room."""
    if header.isSortIndicatorShown() and header.sortIndicatorSection() == column:
        return header.sectionSizeFromContents(column).width()
    option = QStyleOptionHeader()
    header.initStyleOption(option)
    option.section = column
    model = header.model()
    title = model.headerData(column, header.orientation(), Qt.ItemDataRole.DisplayRole) if model else None
    option.text = "" if title is None else str(title)
    option.sortIndicator = QStyleOptionHeader.SortIndicator.None_
    return header.style().sizeFromContents(QStyle.ContentsType.CT_HeaderSection, option, QSize(), header).width()


def set_elastic(view: QTableView, *columns: int) -> None:
    """Name the long-text columns that may give up width (and end in "…") when the table is narrow."""
    fitter = _fitter(view)
    fitter.elastic = sorted(set(columns))
    view.setProperty(ELASTIC_PROPERTY, fitter.elastic)


def fit_columns(view: QTableView, *, padding: int = 20, maximum: int = 360) -> None:
    """Fit `view`'s columns to their content (each at most `maximum` px, elastic ones excepted) and to
    the table's width, now and whenever the table is resized.

    A column set to stretch (`QHeaderView.Stretch`, as `make_table(stretch=…)` does) becomes elastic:
    it takes no spare width any more, but it is the one that narrows when the table is too narrow.
    """
    header = view.horizontalHeader()
    stretching = [c for c in range(header.count()) if header.sectionResizeMode(c) == QHeaderView.ResizeMode.Stretch]
    fitter = _fitter(view)
    if stretching:
        set_elastic(view, *fitter.elastic, *stretching)
        for column in stretching:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(False)
    fitter.measure(padding, maximum)


def _fitter(view: QTableView) -> ColumnFitter:
    fitter = view.findChild(ColumnFitter, options=Qt.FindChildOption.FindDirectChildrenOnly)
    return fitter if isinstance(fitter, ColumnFitter) else ColumnFitter(view)
