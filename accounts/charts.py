"""Small SVG charts for the dashboard and the account page, drawn on the server.

Why server-side SVG and not a chart library: there is no CDN or third-party script to
trust or pin, nothing for the strict Content-Security-Policy to block (no JavaScript, no
inline `style`: colours come from `class` names themed in the stylesheet for light and
dark, sizes from presentation attributes), the charts work without JavaScript and in
print, and they weigh a few kilobytes. Every piece of user text goes through `escape`.

Each chart comes in two layouts: WIDE for screens, and NARROW for phones (a narrower
viewBox, so the text is drawn at nearly its real size instead of shrunk to a third;
bigger type and dots, fewer month labels). The page carries both and the stylesheet
shows one. Every word is in the active language (config/dates.py formats the dates).

Both functions are pure: callers pass `today`, nothing reads the clock or the database.
"""

import datetime
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext, pgettext

from config.dates import add_months, day_count, days_ago, format_date, month_count, month_label
from config.lists import join_clauses, join_items

SVG_NS = "http://www.w3.org/2000/svg"
STATUSES = frozenset({"active", "due_soon", "overdue", "dormant", "long_dormant"})
# Class for a status this module does not know, so one odd value cannot break the page.
FALLBACK_CLASS = "chart-other"
MINOR_TICK = 4  # height of the axis tick for a month that gets no label
LABEL_GAP = 6  # least space between two month labels


@dataclass(frozen=True)
class Layout:
    """The geometry of one chart size."""

    width: int
    font_size: int
    # Rough width of one Latin character at font_size; CJK characters count as a full
    # em (see `text_width`), so labels in every language stay inside the box.
    char_width: float
    max_month_labels: int
    note_y: float  # baseline of the notes above a chart ("Today", "later: N", "N earlier")
    label_dy: float  # month labels sit this far below the axis
    top: float  # top of the plotting area
    dot_r: float
    row_step: float  # vertical distance between stacked dots
    history_axis_y: float
    history_height: float
    empty_height: float

    @property
    def x_end(self) -> float:
        """Right end of both charts' time axis: today (history) or the window's end."""
        return self.width - 10

    @property
    def min_column_dx(self) -> float:
        """Columns of dots closer than this would touch; long windows widen the buckets."""
        return 2 * self.dot_r + 2


WIDE = Layout(
    width=600, font_size=11, char_width=6.2, max_month_labels=8, note_y=12, label_dy=14,
    top=18, dot_r=4, row_step=10, history_axis_y=48, history_height=70, empty_height=40,
)
NARROW = Layout(
    width=340, font_size=13, char_width=7.3, max_month_labels=4, note_y=14, label_dy=17,
    top=24, dot_r=5, row_step=13, history_axis_y=70, history_height=96, empty_height=44,
)

# Upcoming check-ins: an "Overdue" column, then one column of dots per week.
UP_OVERDUE_X = 28  # centre of the overdue column
UP_X0 = 66  # today
UP_X1 = WIDE.x_end  # today + months, on the wide layout
UP_BOTTOM = 8
MIN_ROWS = 3
MAX_ROWS = 12  # a taller column ends in a "+N" note
MAX_TOOLTIP_NAMES = 10  # names listed in the "+N" note's tooltip
AXIS_GAP = 2  # between the lowest dot's row and the axis
BUCKET_DAYS = 7

# Check-in history: a thin strip ending today.
TL_X0 = 10
TICK_WIDTH = 2

# Characters XML 1.0 forbids even when escaped; a pasted label must not break the markup.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

Entry = tuple[str, datetime.date, str]


# ---------------------------------------------------------------------------- helpers


def text_width(text: str, layout: Layout) -> float:
    """Rough drawn width: wide (CJK) characters take a full em, others `char_width`."""
    return sum(
        layout.font_size if unicodedata.east_asian_width(ch) in "WF" else layout.char_width
        for ch in text
    )


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


def _svg_open(chart_id: str, layout: Layout, height: float, title: str, desc: str) -> str:
    cid = _esc(chart_id)
    return (
        f'<svg xmlns="{SVG_NS}" viewBox="0 0 {layout.width} {_num(height)}" width="100%" '
        f'role="img" aria-labelledby="{cid}-title" aria-describedby="{cid}-desc" '
        f'font-size="{layout.font_size}">'
        f'<title id="{cid}-title">{_esc(title)}</title><desc id="{cid}-desc">{_esc(desc)}</desc>'
    )


def _finish(parts: list[str]) -> SafeString:
    # Every piece of user text in `parts` went through _esc.
    return mark_safe("".join(parts) + "</svg>")  # noqa: S308


def _empty_svg(chart_id: str, layout: Layout, title: str, message: str) -> SafeString:
    height = layout.empty_height
    return _finish([
        _svg_open(chart_id, layout, height, title, message),
        _text(layout.width / 2, height / 2 + 4, message),
    ])


def _month_starts(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """First days of the months after `start`, up to and including `end`."""
    day = add_months(start.replace(day=1), 1)
    starts = []
    while day <= end:
        starts.append(day)
        day = add_months(day, 1)
    return starts


def _month_axis(
    start: datetime.date, end: datetime.date, x_of: Callable[[float], float],
    top: float, axis_y: float, layout: Layout, taken_until: float = -math.inf,
) -> list[str]:
    """A grid line at each month start, labelled (every few months on long windows, and
    never where a label would run into the previous one, into whatever occupies the
    axis up to `taken_until`, or out of the box)."""
    starts = _month_starts(start, end)
    step = max(1, math.ceil(len(starts) / layout.max_month_labels))
    parts = []
    last_right = taken_until
    for day in starts:
        x = x_of((day - start).days)
        label = month_label(day)
        half = text_width(label, layout) / 2
        fits = half <= x <= layout.width - half and x - half >= last_right + LABEL_GAP
        if (day.month - 1) % step or not fits:
            parts.append(_line(x, axis_y - MINOR_TICK, x, axis_y, "chart-grid"))
            continue
        parts.append(_line(x, top, x, axis_y, "chart-grid"))
        parts.append(_text(x, axis_y + layout.label_dy, label))
        last_right = x + half
    return parts


def _status_class(status: object) -> str:
    value = str(status)
    return f"chart-{value}" if value in STATUSES else FALLBACK_CLASS


def _today_marker() -> str:
    return pgettext("chart marker for the current day", "Today")


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


def _bucket_days(total_days: int, layout: Layout) -> int:
    """Whole weeks per column, wide enough that neighbouring columns do not touch."""
    per_day = (layout.x_end - UP_X0) / max(1, total_days)
    weeks = math.ceil(layout.min_column_dx / (per_day * BUCKET_DAYS))
    return BUCKET_DAYS * max(1, weeks)


def _columns(
    window: list[Entry], today: datetime.date, total_days: int, layout: Layout
) -> list[tuple[float, list[Entry]]]:
    """Group in-window entries by week: (centre day offset, entries) per non-empty week."""
    size = _bucket_days(total_days, layout)
    groups: dict[int, list[Entry]] = {}
    for entry in window:
        groups.setdefault((entry[1] - today).days // size, []).append(entry)
    return [
        ((k * size + min(k * size + size - 1, total_days)) / 2, group)
        for k, group in sorted(groups.items())
    ]


def _row_y(axis_y: float, row: int, layout: Layout) -> float:
    return axis_y - AXIS_GAP - layout.row_step * row - layout.row_step / 2


def _dot_tooltip(entry: Entry, today: datetime.date) -> str:
    label, due_on, _ = entry
    values = {"label": label, "date": format_date(due_on)}
    if due_on < today:
        values["days"] = day_count((today - due_on).days)
        # Translators: on a chart dot: "Binance – Main — due 21 Nov 2026 (3 days overdue)"
        return gettext("%(label)s — due %(date)s (%(days)s overdue)") % values
    return gettext("%(label)s — due %(date)s") % values


def _dot(x: float, y: float, entry: Entry, today: datetime.date, layout: Layout) -> str:
    return (
        f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(layout.dot_r)}" '
        f'class="{_status_class(entry[2])}">{_title(_dot_tooltip(entry, today))}</circle>'
    )


def _stack(
    x: float, column: list[Entry], rows: int, axis_y: float, today: datetime.date,
    around: datetime.date | None, layout: Layout,
) -> list[str]:
    """Dots bottom-up; if the column is taller than `rows`, the top row says '+N'.
    `around` is the column's date, None for the overdue column."""
    shown = column if len(column) <= rows else column[: rows - 1]
    parts = [
        _dot(x, _row_y(axis_y, i, layout), entry, today, layout)
        for i, entry in enumerate(shown)
    ]
    hidden = column[len(shown):]
    if hidden:
        names = [label for label, _, _ in hidden[:MAX_TOOLTIP_NAMES]]
        if len(hidden) > MAX_TOOLTIP_NAMES:
            names.append("…")
        values = {"count": len(hidden), "names": join_items(names)}
        if around is None:
            tip = gettext("%(count)d more overdue: %(names)s") % values
        else:
            values["date"] = format_date(around)
            tip = gettext("%(count)d more due around %(date)s: %(names)s") % values
        parts.append(_text(
            x, _row_y(axis_y, rows - 1, layout) + 4, f"+{len(hidden)}", tooltip=tip,
        ))
    return parts


def upcoming_check_ins_svg(
    entries: Iterable[Entry], today: datetime.date, months: int = 6,
    *, chart_id: str = "upcoming-check-ins", layout: Layout = WIDE,
) -> SafeString:
    """Who is due when: a dot per account on a timeline from today to today + `months`.

    `entries` are `(label, due_on, status)`; status picks the dot's class `chart-<status>`.
    Accounts due before today sit in an "Overdue" column left of the today line; accounts
    due in the same week stack into one column; those due after the window are counted
    in a "later: N" note. `chart_id` keeps the title/desc ids unique on a page.
    """
    end = add_months(today, months)
    overdue, window, later = _split_window(entries, today, end)
    title = ngettext(
        "Upcoming check-ins over the next %(count)d month",
        "Upcoming check-ins over the next %(count)d months", months,
    ) % {"count": months}
    if not (overdue or window or later):
        return _empty_svg(chart_id, layout, title, gettext("No check-ins scheduled"))
    desc = gettext(
        "%(due)d due in the next %(months)s, %(overdue)d overdue, %(later)d later"
    ) % {
        "due": len(window), "months": month_count(months), "overdue": len(overdue),
        "later": len(later),
    }

    total_days = (end - today).days
    columns = _columns(window, today, total_days, layout)
    tallest = max([len(overdue)] + [len(group) for _, group in columns])
    rows = max(MIN_ROWS, min(MAX_ROWS, tallest))
    top = layout.top
    axis_y = top + rows * layout.row_step + AXIS_GAP
    height = axis_y + layout.label_dy + UP_BOTTOM
    x_end = layout.x_end
    x_of = _scale(today, end, UP_X0, x_end)

    overdue_label = pgettext("chart column", "Overdue")
    # Centred under its column, or from the left edge when the word is wider than that.
    half = text_width(overdue_label, layout) / 2
    label_x, anchor = (UP_OVERDUE_X, "middle") if half <= UP_OVERDUE_X - 2 else (2, "start")
    label_right = label_x + (half if anchor == "middle" else 2 * half)

    parts = [_svg_open(chart_id, layout, height, title, desc)]
    parts += _month_axis(today, end, x_of, top, axis_y, layout, taken_until=label_right)
    parts.append(_line(UP_OVERDUE_X - 20, axis_y, UP_OVERDUE_X + 20, axis_y, "chart-axis"))
    parts.append(_line(UP_X0, axis_y, x_end, axis_y, "chart-axis"))
    parts.append(_line(UP_X0, top - 2, UP_X0, axis_y, "chart-today", ' stroke-width="2"'))
    today_tip = gettext("Today, %(date)s") % {"date": format_date(today)}
    parts.append(_text(UP_X0, layout.note_y, _today_marker(), tooltip=today_tip))
    parts.append(_text(label_x, axis_y + layout.label_dy, overdue_label, anchor=anchor))
    parts += _stack(UP_OVERDUE_X, overdue, rows, axis_y, today, None, layout)
    for centre, group in columns:
        around = today + datetime.timedelta(days=int(centre))
        parts += _stack(x_of(centre), group, rows, axis_y, today, around, layout)
    if later:
        tip = ngettext(
            "%(count)d check-in due after %(date)s", "%(count)d check-ins due after %(date)s",
            len(later),
        ) % {"count": len(later), "date": format_date(end)}
        note = gettext("later: %(count)d") % {"count": len(later)}
        parts.append(_text(x_end, layout.note_y, note, anchor="end", tooltip=tip))
    return _finish(parts)


# ------------------------------------------------------------------- check-in history


def _gap_rect(x_a: float, x_b: float, tip: str, layout: Layout) -> str:
    return (
        f'<rect x="{_num(x_a)}" y="{_num(layout.top)}" width="{_num(max(0.0, x_b - x_a))}" '
        f'height="{_num(layout.history_axis_y - layout.top)}" class="chart-gap">'
        f"{_title(tip)}</rect>"
    )


def _gaps(
    days: list[datetime.date], start: datetime.date
) -> list[tuple[datetime.date, datetime.date, int]]:
    """Consecutive check-in pairs that reach into the window: (from, to, days between)."""
    return [(a, b, (b - a).days) for a, b in zip(days, days[1:], strict=False) if b >= start]


def _gap_parts(
    days: list[datetime.date], start: datetime.date, today: datetime.date,
    interval_days: int, x_at: Callable[[datetime.date], float], layout: Layout,
) -> list[str]:
    """A shaded band for every stretch without a check-in longer than `interval_days`."""
    limit = max(1, interval_days)
    parts = [
        _gap_rect(
            x_at(max(a, start)), x_at(b),
            gettext("%(days)s without a check-in: %(start)s – %(end)s") % {
                "days": day_count(n), "start": format_date(a), "end": format_date(b),
            },
            layout,
        )
        for a, b, n in _gaps(days, start)
        if n > limit
    ]
    since = (today - days[-1]).days
    if since > limit:
        tip = gettext("No check-in for %(days)s, since %(date)s") % {
            "days": day_count(since), "date": format_date(days[-1]),
        }
        parts.append(_gap_rect(x_at(max(days[-1], start)), x_at(today), tip, layout))
    return parts


def _history_desc(shown: int, months: int, gaps: list[int], earlier: int, since: int) -> str:
    parts = [ngettext(
        "%(count)d check-in in the last %(months)s",
        "%(count)d check-ins in the last %(months)s", shown,
    ) % {"count": shown, "months": month_count(months)}]
    if gaps:
        parts.append(gettext("longest gap %(days)s") % {"days": day_count(max(gaps))})
    if earlier:
        parts.append(gettext("%(count)d earlier") % {"count": earlier})
    parts.append(gettext("last check-in %(ago)s") % {"ago": days_ago(since)})
    return join_clauses(parts)


def check_in_timeline_svg(
    dates: Iterable[datetime.date], today: datetime.date, interval_days: int,
    months: int = 24, *, chart_id: str = "check-in-history", layout: Layout = WIDE,
) -> SafeString:
    """A strip of the last `months` months: a tick per check-in, a today marker, and
    shaded bands (class `chart-gap`) where check-ins were further apart than
    `interval_days`. Check-ins before the window are counted in an "N earlier" note;
    dates after `today` (typing slips) are left out."""
    title = gettext("Check-in history")
    start = add_months(today, -months)
    days = sorted({day for day in dates if day <= today})
    if not days:
        return _empty_svg(chart_id, layout, title, gettext("No check-ins recorded"))
    shown = [day for day in days if day >= start]
    earlier = len(days) - len(shown)
    since = (today - days[-1]).days
    gaps = [n for _, _, n in _gaps(days, start)]
    desc = _history_desc(len(shown), months, gaps, earlier, since)

    x_end = layout.x_end
    top, axis_y = layout.top, layout.history_axis_y
    scale = _scale(start, today, TL_X0, x_end)

    def x_at(day: datetime.date) -> float:
        return scale((day - start).days)

    parts = [_svg_open(chart_id, layout, layout.history_height, title, desc)]
    parts += _gap_parts(days, start, today, interval_days, x_at, layout)
    parts += _month_axis(start, today, scale, top, axis_y, layout)
    parts.append(_line(TL_X0, axis_y, x_end, axis_y, "chart-axis"))
    for day in shown:
        x = x_at(day)
        tip = gettext("Checked in %(date)s") % {"date": format_date(day)}
        parts.append(
            f'<line x1="{_num(x)}" y1="{_num(top)}" x2="{_num(x)}" y2="{_num(axis_y)}" '
            f'class="chart-tick" stroke-width="{TICK_WIDTH}">{_title(tip)}</line>'
        )
    parts.append(_line(x_end, top - 2, x_end, axis_y, "chart-today", ' stroke-width="2"'))
    parts.append(_text(
        x_end, layout.note_y, _today_marker(), anchor="end", tooltip=format_date(today),
    ))
    if earlier:
        tip = ngettext(
            "%(count)d check-in before %(date)s", "%(count)d check-ins before %(date)s",
            earlier,
        ) % {"count": earlier, "date": format_date(start)}
        note = gettext("%(count)d earlier") % {"count": earlier}
        parts.append(_text(TL_X0, layout.note_y, note, anchor="start", tooltip=tip))
    return _finish(parts)
