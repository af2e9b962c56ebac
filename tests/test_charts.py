"""Server-side SVG charts: pure functions of their input and `today` (no database)."""

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation
from django.utils.safestring import SafeString
from hypothesis import given
from hypothesis import strategies as st

from accounts.charts import (
    MAX_ROWS,
    NARROW,
    STATUSES,
    SVG_NS,
    UP_OVERDUE_X,
    UP_X0,
    UP_X1,
    WIDE,
    add_months,
    check_in_timeline_svg,
    text_width,
    upcoming_check_ins_svg,
)

TODAY = datetime.date(2026, 11, 24)
NS = f"{{{SVG_NS}}}"
HOSTILE = '<script>alert("x")</script> & \'quoted\''


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it is well-formed
    assert root.tag == f"{NS}svg"
    return root


def circles(root: ET.Element) -> list[ET.Element]:
    return list(root.iter(f"{NS}circle"))


def tooltip(element: ET.Element) -> str:
    title = element.find(f"{NS}title")
    assert title is not None
    return title.text or ""


def texts(root: ET.Element) -> list[str]:
    """The visible words of each <text>, without its tooltip."""
    return [t.text or "" for t in root.iter(f"{NS}text")]


def by_class(root: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{NS}{tag}") if e.get("class") == cls]


def desc(root: ET.Element) -> str:
    element = root.find(f"{NS}desc")
    assert element is not None and element.text is not None
    return element.text


def spread(n: int) -> list[tuple[str, datetime.date, str]]:
    """n accounts due every few days from 30 days ago to well past the window."""
    statuses = sorted(STATUSES)
    return [(f"Account {i}", days(-30 + i * 250 // max(1, n)), statuses[i % len(statuses)])
            for i in range(n)]


def assert_accessible(root: ET.Element, title: str) -> None:
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert re.fullmatch(r"0 0 \d+(\.\d)? \d+(\.\d)?", root.get("viewBox") or "")
    title_el = root.find(f"{NS}title")
    desc_el = root.find(f"{NS}desc")
    assert title_el is not None and desc_el is not None
    assert title_el.text == title
    assert root.get("aria-labelledby") == title_el.get("id")
    assert root.get("aria-describedby") == desc_el.get("id")
    assert desc_el.text


def assert_csp_safe(svg: str) -> None:
    assert "style=" not in svg
    assert "<style" not in svg
    assert "<script" not in svg.lower()
    assert " on" not in re.sub(r">[^<]*<", "><", svg)  # no event-handler attributes


# ------------------------------------------------------------------ upcoming check-ins


def test_upcoming_is_safe_well_formed_and_accessible():
    entries = [("Kraken", days(-3), "overdue"), ("Binance", days(6), "due_soon"),
               ("Coinbase", days(40), "active"), ("Bitstamp", days(60), "active"),
               ("OKX", days(400), "active"), ("Bybit", days(500), "active")]
    svg = upcoming_check_ins_svg(entries, TODAY)
    assert isinstance(svg, SafeString)
    root = parse(svg)
    assert_accessible(root, "Upcoming check-ins over the next 6 months")
    assert desc(root) == "3 due in the next 6 months, 1 overdue, 2 later"
    assert_csp_safe(svg)


def test_one_marker_per_account_in_window_with_date_tooltip():
    entries = [("Binance", days(6), "due_soon"), ("Kraken", days(90), "active")]
    markers = circles(parse(upcoming_check_ins_svg(entries, TODAY)))
    assert [tooltip(m) for m in markers] == [
        "Binance — due 30 Nov 2026", "Kraken — due 22 Feb 2027"]


def test_markers_carry_their_status_class():
    entries = [(s, days(i * 30), s) for i, s in enumerate(sorted(STATUSES))]
    entries.append(("Odd", days(170), "something_else"))
    markers = circles(parse(upcoming_check_ins_svg(entries, TODAY)))
    assert [m.get("class") for m in markers] == (
        [f"chart-{s}" for s in sorted(STATUSES)] + ["chart-other"])


def test_markers_are_ordered_by_due_date_left_to_right():
    shuffled = [("C", days(100), "active"), ("A", days(1), "due_soon"),
                ("D", days(170), "active"), ("B", days(30), "active")]
    markers = circles(parse(upcoming_check_ins_svg(shuffled, TODAY)))
    xs = [float(m.get("cx")) for m in markers]
    assert [tooltip(m)[0] for m in markers] == ["A", "B", "C", "D"]
    assert xs == sorted(xs) and len(set(xs)) == 4
    assert all(UP_X0 < x <= UP_X1 for x in xs)


def test_due_today_and_due_on_the_last_day_are_in_the_window():
    end = add_months(TODAY, 6)
    entries = [("First", TODAY, "due_soon"), ("Last", end, "active"),
               ("After", end + datetime.timedelta(days=1), "active")]
    root = parse(upcoming_check_ins_svg(entries, TODAY))
    assert [tooltip(m).split(" —")[0] for m in circles(root)] == ["First", "Last"]
    assert "later: 1" in texts(root)


def test_overdue_accounts_sit_in_their_own_column_left_of_today():
    entries = [("Old", days(-200), "long_dormant"), ("Late", days(-3), "overdue"),
               ("Soon", days(3), "due_soon")]
    root = parse(upcoming_check_ins_svg(entries, TODAY))
    old, late, soon = circles(root)
    assert float(old.get("cx")) == float(late.get("cx")) == UP_OVERDUE_X
    assert float(soon.get("cx")) > UP_X0 > UP_OVERDUE_X
    assert float(late.get("cy")) < float(old.get("cy"))  # stacked, most overdue at the bottom
    assert tooltip(late) == "Late — due 21 Nov 2026 (3 days overdue)"
    assert "Overdue" in texts(root)
    today_line = by_class(root, "line", "chart-today")
    assert [float(line.get("x1")) for line in today_line] == [UP_X0]
    assert desc(root) == "1 due in the next 6 months, 2 overdue, 0 later"


def test_accounts_beyond_the_window_are_counted_not_drawn():
    entries = [("Soon", days(10), "active"), ("Far", days(300), "active"),
               ("Farther", days(900), "active")]
    root = parse(upcoming_check_ins_svg(entries, TODAY))
    assert len(circles(root)) == 1
    assert "later: 2" in texts(root)
    assert desc(root).endswith("2 later")


def test_no_later_note_when_nothing_is_later():
    root = parse(upcoming_check_ins_svg([("Soon", days(10), "active")], TODAY))
    assert not [t for t in texts(root) if t.startswith("later")]


def test_same_week_stacks_vertically_and_other_weeks_do_not():
    entries = [("A", days(7), "active"), ("B", days(8), "active"), ("C", days(13), "active"),
               ("D", days(14), "active")]
    a, b, c, d = circles(parse(upcoming_check_ins_svg(entries, TODAY)))
    assert a.get("cx") == b.get("cx") == c.get("cx")
    assert float(a.get("cy")) > float(b.get("cy")) > float(c.get("cy"))
    assert float(d.get("cx")) > float(a.get("cx"))
    assert d.get("cy") == a.get("cy")


def test_neighbouring_columns_do_not_overlap():
    entries = [(f"W{w}", days(w * 7), "active") for w in range(26)]
    xs = [float(m.get("cx")) for m in circles(parse(upcoming_check_ins_svg(entries, TODAY)))]
    assert min(b - a for a, b in zip(xs, xs[1:], strict=False)) >= 8


def test_long_windows_widen_columns_so_dots_do_not_touch():
    entries = [(f"D{n}", days(n), "active") for n in range(0, 700, 3)]
    markers = circles(parse(upcoming_check_ins_svg(entries, TODAY, months=24)))
    spots = {(m.get("cx"), m.get("cy")) for m in markers}
    assert len(spots) == len(markers)
    xs = sorted({float(x) for x, _ in spots})
    assert min(b - a for a, b in zip(xs, xs[1:], strict=False)) >= 8


def test_an_overfull_column_ends_in_a_count():
    entries = [(f"Acc {i:02}", days(20), "active") for i in range(MAX_ROWS + 5)]
    root = parse(upcoming_check_ins_svg(entries, TODAY))
    assert len(circles(root)) == MAX_ROWS - 1
    assert "+6" in texts(root)
    note = next(t for t in root.iter(f"{NS}text") if (t.text or "") == "+6")
    assert "Acc 16" in tooltip(note)
    assert desc(root).startswith(f"{MAX_ROWS + 5} due")


def test_month_labels_across_a_year_boundary():
    root = parse(upcoming_check_ins_svg([("A", days(10), "active")], TODAY))
    labels = [t for t in root.iter(f"{NS}text") if t.get("y") == root.find(
        f".//{NS}text[.='Overdue']").get("y") and t.text != "Overdue"]
    assert [t.text for t in labels] == ["Dec", "Jan 2027", "Feb", "Mar", "Apr", "May"]
    xs = [float(t.get("x")) for t in labels]
    assert xs == sorted(xs)


def test_months_parameter_changes_window_and_wording():
    entries = [("A", days(10), "active"), ("B", days(60), "active")]
    root = parse(upcoming_check_ins_svg(entries, TODAY, months=1))
    assert root.find(f"{NS}title").text == "Upcoming check-ins over the next 1 month"
    assert desc(root) == "1 due in the next 1 month, 0 overdue, 1 later"


def test_hostile_labels_are_escaped():
    svg = upcoming_check_ins_svg([(HOSTILE, days(5), "active")], TODAY)
    assert "<script" not in svg
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quoted&#x27;" in svg
    (marker,) = circles(parse(svg))
    assert tooltip(marker) == f"{HOSTILE} — due 29 Nov 2026"


def test_hostile_status_and_chart_id_cannot_inject_markup():
    svg = upcoming_check_ins_svg([("A", days(5), '"><script>')], TODAY, chart_id='x"><b')
    root = parse(svg)
    assert "<script" not in svg and "<b" not in svg
    assert circles(root)[0].get("class") == "chart-other"
    assert root.get("aria-labelledby") == 'x"><b-title'


def test_control_characters_in_labels_do_not_break_the_xml():
    (marker,) = circles(parse(upcoming_check_ins_svg([("a\x00b\x1bc", days(5), "active")],
                                                     TODAY)))
    assert tooltip(marker).startswith("abc —")


@given(st.lists(st.tuples(st.text(max_size=30), st.integers(-400, 400),
                          st.sampled_from(sorted(STATUSES))), max_size=40))
def test_any_input_gives_well_formed_svg_with_one_marker_per_shown_account(raw):
    entries = [(label, days(n), status) for label, n, status in raw]
    svg = upcoming_check_ins_svg(entries, TODAY)
    root = parse(svg)
    assert_csp_safe(svg)
    if not entries:
        return
    end = add_months(TODAY, 6)
    shown = sum(1 for _, due, _ in entries if due <= end)
    counts = [int(t[1:]) for t in texts(root) if t.startswith("+")]
    assert len(circles(root)) + sum(counts) == shown


def test_empty_input_says_nothing_is_scheduled():
    svg = upcoming_check_ins_svg([], TODAY)
    root = parse(svg)
    assert_accessible(root, "Upcoming check-ins over the next 6 months")
    assert texts(root) == ["No check-ins scheduled"]
    assert not circles(root)
    assert len(svg) < 600


def test_generators_are_accepted():
    entries = ((f"A{i}", days(i * 10), "active") for i in range(3))
    assert len(circles(parse(upcoming_check_ins_svg(entries, TODAY)))) == 3


def test_dashboard_size_stays_small():
    svg = upcoming_check_ins_svg(spread(25), TODAY)
    assert len(svg.encode()) < 6 * 1024
    assert not re.search(r'="-?\d+\.\d\d', svg)  # coordinates rounded to one decimal


def test_five_hundred_accounts_stay_reasonable():
    svg = upcoming_check_ins_svg(spread(500), TODAY)
    root = parse(svg)
    assert len(svg.encode()) < 80 * 1024
    assert_csp_safe(svg)
    counts = re.fullmatch(r"(\d+) due in the next 6 months, (\d+) overdue, (\d+) later",
                          desc(root))
    assert counts and sum(map(int, counts.groups())) == 500


# ------------------------------------------------------------------- check-in history


def history(offsets, interval=90, months=24):
    return check_in_timeline_svg([days(-n) for n in offsets], TODAY, interval, months)


def ticks(root: ET.Element) -> list[ET.Element]:
    return by_class(root, "line", "chart-tick")


def test_history_is_safe_well_formed_and_accessible():
    svg = history([5, 60, 260, 300, 400])
    assert isinstance(svg, SafeString)
    root = parse(svg)
    assert_accessible(root, "Check-in history")
    assert desc(root).startswith("5 check-ins in the last 24 months; longest gap 200 days")
    assert_csp_safe(svg)


def test_history_draws_a_tick_per_check_in_in_date_order():
    root = parse(history([300, 5, 60, 60]))
    marks = ticks(root)
    assert [tooltip(t) for t in marks] == [
        "Checked in 28 Jan 2026", "Checked in 25 Sep 2026", "Checked in 19 Nov 2026"]
    xs = [float(t.get("x1")) for t in marks]
    assert xs == sorted(xs)
    (today_line,) = by_class(root, "line", "chart-today")
    assert float(today_line.get("x1")) > xs[-1]


def test_history_counts_check_ins_before_the_window():
    root = parse(history([10, 100, 800, 900, 1000]))
    assert len(ticks(root)) == 2
    assert "3 earlier" in texts(root)
    assert "3 earlier" in desc(root)


def test_history_has_no_earlier_note_without_older_check_ins():
    root = parse(history([10, 100]))
    assert not [t for t in texts(root) if t.endswith("earlier")]


def test_history_shades_gaps_longer_than_the_interval():
    root = parse(history([5, 60, 260, 300], interval=90))
    (gap,) = by_class(root, "rect", "chart-gap")
    assert tooltip(gap) == "200 days without a check-in: 9 Mar 2026 – 25 Sep 2026"
    by_date = {tooltip(t)[len("Checked in "):]: float(t.get("x1")) for t in ticks(root)}
    x = float(gap.get("x"))
    assert x == pytest.approx(by_date["9 Mar 2026"], abs=0.1)
    assert x + float(gap.get("width")) == pytest.approx(by_date["25 Sep 2026"], abs=0.2)


def test_history_gap_equal_to_the_interval_is_not_shaded():
    root = parse(history([5, 95], interval=90))
    assert not by_class(root, "rect", "chart-gap")


def test_history_shades_the_open_gap_up_to_today():
    root = parse(history([120, 200], interval=90))
    (gap,) = by_class(root, "rect", "chart-gap")
    assert tooltip(gap) == "No check-in for 120 days, since 27 Jul 2026"
    assert desc(root).endswith("last check-in 120 days ago")


def test_history_gap_reaching_into_the_window_is_clipped_at_its_start():
    root = parse(history([10, 900], interval=90))
    (gap,) = by_class(root, "rect", "chart-gap")
    assert float(gap.get("x")) == 10
    assert "longest gap 890 days" in desc(root)


def test_history_ignores_future_dates():
    root = parse(check_in_timeline_svg([days(3), days(-3)], TODAY, 90))
    assert len(ticks(root)) == 1
    assert desc(root).startswith("1 check-in in the last 24 months")


def test_history_month_labels_across_years():
    root = parse(history([10]))
    labels = [t.text for t in root.iter(f"{NS}text") if t.get("y") == "62"]
    assert labels == ["Jan 2025", "Apr", "Jul", "Oct", "Jan 2026", "Apr", "Jul", "Oct"]


def test_history_empty_state():
    svg = check_in_timeline_svg([], TODAY, 90)
    root = parse(svg)
    assert_accessible(root, "Check-in history")
    assert texts(root) == ["No check-ins recorded"]
    assert_csp_safe(svg)


def test_history_stays_small_with_many_check_ins():
    svg = history(range(0, 2000, 3))
    parse(svg)
    assert len(svg.encode()) < 80 * 1024


# ------------------------------------------------------------- languages and phones


def _label_spans(root: ET.Element, layout) -> list[tuple[float, float]]:
    """Horizontal extent of every label on the axis line (month labels, "Overdue")."""
    texts_ = list(root.iter(f"{NS}text"))
    axis_y = max(float(t.attrib["y"]) for t in texts_)
    spans = []
    for t in texts_:
        if float(t.attrib["y"]) != axis_y:
            continue
        x, width = float(t.attrib["x"]), text_width(t.text or "", layout)
        start = x if t.get("text-anchor") == "start" else x - width / 2
        spans.append((start, start + width))
    return sorted(spans)


@pytest.mark.parametrize("language", ["en", "zh-hans", "ja", "ko"])
@pytest.mark.parametrize("layout", [WIDE, NARROW], ids=["wide", "narrow"])
def test_axis_labels_never_overlap_or_leave_the_box_in_any_language(language, layout):
    entries = [("A", days(-5), "overdue"), ("B", days(10), "due_soon")]
    with translation.override(language):
        charts = [
            upcoming_check_ins_svg(entries, TODAY, layout=layout),
            upcoming_check_ins_svg(entries, TODAY, months=24, layout=layout),
            check_in_timeline_svg([days(-10), days(-400)], TODAY, 90, layout=layout),
        ]
    for svg in charts:
        spans = _label_spans(parse(svg), layout)
        assert len(spans) >= 3
        assert all(left >= 0 and right <= layout.width for left, right in spans), spans
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False)), spans


def test_the_narrow_layout_draws_text_nearly_full_size_on_a_phone():
    root = parse(upcoming_check_ins_svg([("A", days(10), "active")], TODAY, layout=NARROW))
    width = float(root.get("viewBox").split()[2])
    # A 390 px phone leaves about 316 px for the chart: text is scaled by 316/width.
    assert int(root.get("font-size")) * 316 / width >= 12
    assert width == NARROW.width < WIDE.width
