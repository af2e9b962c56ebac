"""Small SVG charts for the dashboard and the account page, drawn on the server.

Why server-side SVG and not a chart library: there is no CDN or third-party script to
trust or pin, nothing for the strict Content-Security-Policy to block (no JavaScript, no
inline `style`: colours come from `class` names themed in the stylesheet for light and
dark, sizes from presentation attributes), the charts work without JavaScript and in
print, and they weigh a few kilobytes. Every piece of user text goes through `escape`.

Both functions are pure: callers pass `today`, nothing reads the clock or the database.
"""

import calendar
import datetime
import math
import re
from collections.abc import Callable, Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

SVG_NS = "http://www.w3.org/2000/svg"
STATUSES = frozenset({"active", "due_soon", "overdue", "dormant", "long_dormant"})
# Class for a status this module does not know, so one odd value cannot break the page.
FALLBACK_CLASS = "chart-other"
FONT_SIZE = 11
# Rough width of one character at FONT_SIZE; used to keep labels inside the box.
CHAR_WIDTH = 6.2
NOTE_Y = 12  # baseline of the notes above a chart ("Today", "later: N", "N earlier")
LABEL_DY = 14  # month labels sit this far below the axis
MAX_MONTH_LABELS = 8
MINOR_TICK = 4  # height of the axis tick for a month that gets no label

# Upcoming check-ins: an "Overdue" column, then one column of dots per week.
UP_WIDTH = 600
UP_TOP = 18
UP_OVERDUE_X = 28  # centre of the overdue column
UP_X0 = 66  # today
UP_X1 = 590  # today + months
UP_BOTTOM = 8
DOT_R = 4
ROW_STEP = 10  # vertical distance between stacked dots
MIN_ROWS = 3
MAX_ROWS = 12  # a taller column ends in a "+N" note
MAX_TOOLTIP_NAMES = 10  # names listed in the "+N" note's tooltip
AXIS_GAP = 2  # between the lowest dot's row and the axis
BUCKET_DAYS = 7
# Columns of dots closer than this would touch; long windows widen the buckets.
MIN_COLUMN_DX = 2 * DOT_R + 2

# Check-in history: a thin strip ending today.
TL_WIDTH = 600
TL_HEIGHT = 70
TL_X0 = 10
TL_X1 = 590
TL_TOP = 18
TL_AXIS_Y = 48
TICK_WIDTH = 2

EMPTY_HEIGHT = 40

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Characters XML 1.0 forbids even when escaped; a pasted label must not break the markup.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

Entry = tuple[str, datetime.date, str]


# ---------------------------------------------------------------------------- helpers


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` moved by whole calendar months, clamped to the end of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last_day))


def _date_text(day: datetime.date) -> str:
    """'30 Nov 2026', independent of the process locale."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _num(value: float) -> str:
    """A coordinate rounded to one decimal, without a trailing '.0'."""
    text = f"{value:.1f}"
    text = text.removesuffix(".0")
    return "0" if text == "-0" else text


def _esc(text: object) -> str:
    return escape(_XML_INVALID.sub("", str(text)))


def _title(text: str) -> str:
    return f"<title>{_esc(text)}</title>"


def _text(
    x: float, y: float, content: str, anchor: str = "middle", tooltip: str | None = None
) -> str:
    inner = _esc(content) + (_title(tooltip) if tooltip else "")
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" class="chart-text">'
        f"{inner}</text>"
    )


def _line(x1: float, y1: float, x2: float, y2: float, cls: str, extra: str = "") -> str:
    return (
        f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" '
        f'class="{cls}"{extra}/>'
    )


def _scale(
    start: datetime.date, end: datetime.date, x0: float, x1: float
) -> Callable[[float], float]:
    """Map a day offset from `start` to an x between x0 and x1."""
    total = max(1, (end - start).days)
    return lambda days: x0 + (x1 - x0) * days / total


def _svg_open(chart_id: str, width: int, height: float, title: str, desc: str) -> str:
    cid = _esc(chart_id)
    return (
        f'<svg xmlns="{SVG_NS}" viewBox="0 0 {width} {_num(height)}" width="100%" role="img" '
        f'aria-labelledby="{cid}-title" aria-describedby="{cid}-desc" font-size="{FONT_SIZE}">'
        f'<title id="{cid}-title">{_esc(title)}</title><desc id="{cid}-desc">{_esc(desc)}</desc>'
    )


def _finish(parts: list[str]) -> SafeString:
    # Every piece of user text in `parts` went through _esc.
    return mark_safe("".join(parts) + "</svg>")  # noqa: S308


def _empty_svg(chart_id: str, title: str, message: str) -> SafeString:
    return _finish([
        _svg_open(chart_id, UP_WIDTH, EMPTY_HEIGHT, title, message),
        _text(UP_WIDTH / 2, EMPTY_HEIGHT / 2 + 4, message),
    ])


def _month_starts(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """First days of the months after `start`, up to and including `end`."""
    day = add_months(start.replace(day=1), 1)
    starts = []
    while day <= end:
        starts.append(day)
        day = add_months(day, 1)
    return starts


def _month_label(day: datetime.date) -> str:
    """'Dec'; January carries its year, so a year change reads 'Jan 2027'."""
    name = _MONTHS[day.month - 1]
    return f"{name} {day.year}" if day.month == 1 else name


def _month_axis(
    start: datetime.date, end: datetime.date, x_of: Callable[[float], float],
    top: float, axis_y: float, width: float,
) -> list[str]:
    """A grid line at each month start, labelled (every few months on long windows)."""
    starts = _month_starts(start, end)
    step = max(1, math.ceil(len(starts) / MAX_MONTH_LABELS))
    parts = []
    for day in starts:
        x = x_of((day - start).days)
        if (day.month - 1) % step:
            parts.append(_line(x, axis_y - MINOR_TICK, x, axis_y, "chart-grid"))
            continue
        parts.append(_line(x, top, x, axis_y, "chart-grid"))
        label = _month_label(day)
        half = len(label) * CHAR_WIDTH / 2
        if half <= x <= width - half:
            parts.append(_text(x, axis_y + LABEL_DY, label))
    return parts


def _status_class(status: object) -> str:
    value = str(status)
    return f"chart-{value}" if value in STATUSES else FALLBACK_CLASS


# ------------------------------------------------------------------ upcoming check-ins


def _split_window(
    entries: Iterable[Entry], today: datetime.date, end: datetime.date
) -> tuple[list[Entry], list[Entry], list[Entry]]:
    """(overdue, within the window, later), each sorted by due date then label."""
    ordered = sorted(
        ((str(label or ""), due_on, status) for label, due_on, status in entries),
        key=lambda e: (e[1], e[0]),
    )
    overdue = [e for e in ordered if e[1] < today]
    window = [e for e in ordered if today <= e[1] <= end]
    later = [e for e in ordered if e[1] > end]
    return overdue, window, later


def _bucket_days(total_days: int) -> int:
    """Whole weeks per column, wide enough that neighbouring columns do not touch."""
    per_day = (UP_X1 - UP_X0) / max(1, total_days)
    weeks = math.ceil(MIN_COLUMN_DX / (per_day * BUCKET_DAYS))
    return BUCKET_DAYS * max(1, weeks)


def _columns(
    window: list[Entry], today: datetime.date, total_days: int
) -> list[tuple[float, list[Entry]]]:
    """Group in-window entries by week: (centre day offset, entries) per non-empty week."""
    size = _bucket_days(total_days)
    groups: dict[int, list[Entry]] = {}
    for entry in window:
        groups.setdefault((entry[1] - today).days // size, []).append(entry)
    return [
        ((k * size + min(k * size + size - 1, total_days)) / 2, group)
        for k, group in sorted(groups.items())
    ]


def _row_y(axis_y: float, row: int) -> float:
    return axis_y - AXIS_GAP - ROW_STEP * row - ROW_STEP / 2


def _dot(x: float, y: float, entry: Entry, today: datetime.date) -> str:
    label, due_on, status = entry
    tip = f"{label} — due {_date_text(due_on)}"
    if due_on < today:
        tip += f" ({_plural((today - due_on).days, 'day')} overdue)"
    return (
        f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{DOT_R}" class="{_status_class(status)}">'
        f"{_title(tip)}</circle>"
    )


def _stack(
    x: float, column: list[Entry], rows: int, axis_y: float, today: datetime.date, where: str
) -> list[str]:
    """Dots bottom-up; if the column is taller than `rows`, the top row says '+N'."""
    shown = column if len(column) <= rows else column[: rows - 1]
    parts = [_dot(x, _row_y(axis_y, i), entry, today) for i, entry in enumerate(shown)]
    hidden = column[len(shown):]
    if hidden:
        names = ", ".join(label for label, _, _ in hidden[:MAX_TOOLTIP_NAMES])
        if len(hidden) > MAX_TOOLTIP_NAMES:
            names += ", …"
        tip = f"{len(hidden)} more {where}: {names}"
        parts.append(_text(x, _row_y(axis_y, rows - 1) + 4, f"+{len(hidden)}", tooltip=tip))
    return parts


def upcoming_check_ins_svg(
    entries: Iterable[Entry], today: datetime.date, months: int = 6,
    *, chart_id: str = "upcoming-check-ins",
) -> SafeString:
    """Who is due when: a dot per account on a timeline from today to today + `months`.

    `entries` are `(label, due_on, status)`; status picks the dot's class `chart-<status>`.
    Accounts due before today sit in an "Overdue" column left of the today line; accounts
    due in the same week stack into one column; those due after the window are counted
    in a "later: N" note. `chart_id` keeps the title/desc ids unique on a page.
    """
    end = add_months(today, months)
    overdue, window, later = _split_window(entries, today, end)
    span = _plural(months, "month")
    title = f"Upcoming check-ins over the next {span}"
    if not (overdue or window or later):
        return _empty_svg(chart_id, title, "No check-ins scheduled")
    desc = f"{len(window)} due in the next {span}, {len(overdue)} overdue, {len(later)} later"

    total_days = (end - today).days
    columns = _columns(window, today, total_days)
    tallest = max([len(overdue)] + [len(group) for _, group in columns])
    rows = max(MIN_ROWS, min(MAX_ROWS, tallest))
    axis_y = UP_TOP + rows * ROW_STEP + AXIS_GAP
    height = axis_y + LABEL_DY + UP_BOTTOM
    x_of = _scale(today, end, UP_X0, UP_X1)

    parts = [_svg_open(chart_id, UP_WIDTH, height, title, desc)]
    parts += _month_axis(today, end, x_of, UP_TOP, axis_y, UP_WIDTH)
    parts.append(_line(UP_OVERDUE_X - 20, axis_y, UP_OVERDUE_X + 20, axis_y, "chart-axis"))
    parts.append(_line(UP_X0, axis_y, UP_X1, axis_y, "chart-axis"))
    parts.append(_line(UP_X0, UP_TOP - 2, UP_X0, axis_y, "chart-today", ' stroke-width="2"'))
    parts.append(_text(UP_X0, NOTE_Y, "Today", tooltip=f"Today, {_date_text(today)}"))
    parts.append(_text(UP_OVERDUE_X, axis_y + LABEL_DY, "Overdue"))
    parts += _stack(UP_OVERDUE_X, overdue, rows, axis_y, today, "overdue")
    for centre, group in columns:
        where = f"due around {_date_text(today + datetime.timedelta(days=int(centre)))}"
        parts += _stack(x_of(centre), group, rows, axis_y, today, where)
    if later:
        tip = f"{_plural(len(later), 'check-in')} due after {_date_text(end)}"
        parts.append(_text(UP_X1, NOTE_Y, f"later: {len(later)}", anchor="end", tooltip=tip))
    return _finish(parts)


# ------------------------------------------------------------------- check-in history


def _gap_rect(x_a: float, x_b: float, tip: str) -> str:
    return (
        f'<rect x="{_num(x_a)}" y="{TL_TOP}" width="{_num(max(0.0, x_b - x_a))}" '
        f'height="{TL_AXIS_Y - TL_TOP}" class="chart-gap">{_title(tip)}</rect>'
    )


def _gaps(
    days: list[datetime.date], start: datetime.date
) -> list[tuple[datetime.date, datetime.date, int]]:
    """Consecutive check-in pairs that reach into the window: (from, to, days between)."""
    return [(a, b, (b - a).days) for a, b in zip(days, days[1:], strict=False) if b >= start]


def _gap_parts(
    days: list[datetime.date], start: datetime.date, today: datetime.date,
    interval_days: int, x_at: Callable[[datetime.date], float],
) -> list[str]:
    """A shaded band for every stretch without a check-in longer than `interval_days`."""
    limit = max(1, interval_days)
    parts = [
        _gap_rect(
            x_at(max(a, start)), x_at(b),
            f"{_plural(n, 'day')} without a check-in: {_date_text(a)} – {_date_text(b)}",
        )
        for a, b, n in _gaps(days, start)
        if n > limit
    ]
    since = (today - days[-1]).days
    if since > limit:
        tip = f"No check-in for {_plural(since, 'day')}, since {_date_text(days[-1])}"
        parts.append(_gap_rect(x_at(max(days[-1], start)), x_at(today), tip))
    return parts


def _history_desc(shown: int, months: int, gaps: list[int], earlier: int, since: int) -> str:
    parts = [f"{_plural(shown, 'check-in')} in the last {_plural(months, 'month')}"]
    if gaps:
        parts.append(f"longest gap {_plural(max(gaps), 'day')}")
    if earlier:
        parts.append(f"{earlier} earlier")
    parts.append(f"last check-in {_plural(since, 'day')} ago" if since else "last check-in today")
    return "; ".join(parts)


def check_in_timeline_svg(
    dates: Iterable[datetime.date], today: datetime.date, interval_days: int,
    months: int = 24, *, chart_id: str = "check-in-history",
) -> SafeString:
    """A strip of the last `months` months: a tick per check-in, a today marker, and
    shaded bands (class `chart-gap`) where check-ins were further apart than
    `interval_days`. Check-ins before the window are counted in an "N earlier" note;
    dates after `today` (typing slips) are left out."""
    title = "Check-in history"
    start = add_months(today, -months)
    days = sorted({day for day in dates if day <= today})
    if not days:
        return _empty_svg(chart_id, title, "No check-ins recorded")
    shown = [day for day in days if day >= start]
    earlier = len(days) - len(shown)
    since = (today - days[-1]).days
    gaps = [n for _, _, n in _gaps(days, start)]
    desc = _history_desc(len(shown), months, gaps, earlier, since)

    scale = _scale(start, today, TL_X0, TL_X1)

    def x_at(day: datetime.date) -> float:
        return scale((day - start).days)

    parts = [_svg_open(chart_id, TL_WIDTH, TL_HEIGHT, title, desc)]
    parts += _gap_parts(days, start, today, interval_days, x_at)
    parts += _month_axis(start, today, scale, TL_TOP, TL_AXIS_Y, TL_WIDTH)
    parts.append(_line(TL_X0, TL_AXIS_Y, TL_X1, TL_AXIS_Y, "chart-axis"))
    for day in shown:
        x = x_at(day)
        parts.append(
            f'<line x1="{_num(x)}" y1="{TL_TOP}" x2="{_num(x)}" y2="{TL_AXIS_Y}" '
            f'class="chart-tick" stroke-width="{TICK_WIDTH}">'
            f"{_title(f'Checked in {_date_text(day)}')}</line>"
        )
    parts.append(_line(TL_X1, TL_TOP - 2, TL_X1, TL_AXIS_Y, "chart-today", ' stroke-width="2"'))
    parts.append(_text(TL_X1, NOTE_Y, "Today", anchor="end", tooltip=_date_text(today)))
    if earlier:
        tip = f"{_plural(earlier, 'check-in')} before {_date_text(start)}"
        parts.append(_text(TL_X0, NOTE_Y, f"{earlier} earlier", anchor="start", tooltip=tip))
    return _finish(parts)
