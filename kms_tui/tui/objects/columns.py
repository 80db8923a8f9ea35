"""The object table's columns (which fit a terminal's width, how wide) and how a row is painted in them."""

from __future__ import annotations

from collections.abc import Callable

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from kms_tui.safetext import visible
from kms_tui.tui.objects.rows import COLUMNS, ObjectRow

# (minimum, maximum) width per column; fixed columns have min == max.
WIDTHS: dict[str, tuple[int, int]] = {
    "id": (12, 38),
    "type": (12, 12),
    "algorithm": (9, 9),
    "length": (6, 6),
    "state": (11, 12),
    "tags": (8, 40),
    "name": (8, 30),
    "created": (16, 16),
}
# Columns dropped last-first when the terminal is narrow.
PRIORITY = ("id", "type", "state", "name", "algorithm", "length", "tags", "created")
TITLES = {c: c.capitalize() if c != "id" else "ID" for c in COLUMNS}


def layout_columns(width: int) -> list[tuple[str, int]]:
    """(column, width) in display order that fit in ``width`` cells (one space between)."""
    chosen = list(PRIORITY)
    while len(chosen) > 1 and sum(WIDTHS[c][0] for c in chosen) + len(chosen) - 1 > width:
        chosen.pop()
    widths = {c: WIDTHS[c][0] for c in chosen}
    spare = width - sum(widths.values()) - (len(chosen) - 1)
    for column in ("id", "name", "tags", "state"):  # who gets the spare room, in order
        if column in widths and spare > 0:
            grow = min(spare, WIDTHS[column][1] - widths[column])
            widths[column] += grow
            spare -= grow
    return [(c, widths[c]) for c in COLUMNS if c in widths]


# Enumerations shortened to fit their column; the detail pane spells out the full KMIP name.
SHORT_LABELS: dict[str, dict[str, str]] = {
    "state": {"Destroyed_Compromised": "Destr+Compr"},
    "type": {"CertificateRequest": "CertRequest"},
}


def cell_label(row: ObjectRow, column: str) -> str:
    """What ``column`` shows for ``row`` in the table: the cell, an enumeration's short label."""
    text = row.cell(column)
    return SHORT_LABELS.get(column, {}).get(text, text)


def fit_middle(text: str, width: int) -> str:
    """``text`` padded, or shortened in the middle keeping its start and end
    (``dda84093…f90e_pk``): a key and its ``_pk`` public key stay apart at any width."""
    if cell_len(text) <= width:
        return fit(text, width)
    if width < 3 or not text.isascii():
        return fit(text, width)
    tail = (width - 1) // 2
    return text[: width - 1 - tail] + "…" + text[len(text) - tail :]


def reads_differently(row: ObjectRow, other: ObjectRow) -> bool:
    """Whether two versions of a row show any cell differently."""
    return any(row.cell(column) != other.cell(column) for column in COLUMNS)


def fit(text: str, width: int) -> str:
    """``text`` padded or cut (with an ellipsis) to exactly ``width`` cells."""
    if text.isascii():  # the common case, without measuring cells
        return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"
    return set_cell_size(text, width) if cell_len(text) <= width else set_cell_size(text, width - 1) + "…"


Layout = list[tuple[str, int]]  # (column, width) left to right
Styles = Callable[[str], Style]  # the table's component style by name ("base", "cursor", "active"…)


def render_row(row: ObjectRow, selected: bool, width: int, layout: Layout, style: Styles) -> Strip:
    """The row as at most three segments (cells before the state, the state, the rest):
    every segment costs in each frame's filters and cropping, a dozen per line added up."""
    base = style("cursor") if selected else style("base")
    segments: list[Segment] = []
    run: list[str] = []  # text in the base style not yet made a segment
    for column, col_width in layout:
        shown = visible(cell_label(row, column))  # names, tags, ids come from the server
        text = fit_middle(shown, col_width) if column == "id" else fit(shown, col_width)
        if column == "state":
            if run:
                segments.append(Segment("".join(run), base))
                run = []
            segments.append(Segment(text, base + state_style(row.state, style)))
        else:
            run.append(text)
        run.append(" ")
    text = "".join(run)[:-1] if run else ""
    used = sum(w for _c, w in layout) + max(len(layout) - 1, 0)
    text += " " * max(width - used, 0)
    if text:
        segments.append(Segment(text, base))
    return Strip(segments, width)


def state_style(state: str, style: Styles) -> Style:
    if state == "Active":
        return style("active")
    if state in ("Compromised", "Destroyed_Compromised"):
        return style("error")
    if state in ("Deactivated", "PreActive"):
        return style("warning")
    return style("dim") if state.startswith("Destroyed") else Style()


def render_header(width: int, layout: Layout, style: Styles, sort_column: str, reverse: bool) -> Strip:
    """The column titles, the sort column's with its direction."""
    header_style = style("header")
    parts = []
    for column, col_width in layout:
        title = TITLES[column]
        if column == sort_column:  # the arrow always shows: a narrow column's title gives way
            arrow = " ▼" if reverse else " ▲"
            title = (title if cell_len(title) + 2 <= col_width else fit(title, col_width - 2)) + arrow
        parts.append(fit(title, col_width))
    return Strip([Segment(" ".join(parts), header_style)]).adjust_cell_length(width, header_style)
