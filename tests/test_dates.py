"""config.dates: dates, day counts and month arithmetic in each of the four languages.

Dates come from the per-language format modules (config/formats), so they pass before
any catalog is translated; the counts ("5 days", "3日前") need the catalogs."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.formats import date_format

from accounts.charts import NARROW, WIDE, text_width
from config.dates import add_months, day_count, days_ago, format_date, in_days, month_label

DAY = datetime.date(2025, 10, 26)


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "26 Oct 2025"),
    ("ja", "2025年10月26日"),
    ("zh-hans", "2025年10月26日"),
    ("ko", "2025년 10월 26일"),
])
def test_a_date_reads_the_way_each_language_writes_it(language, expected):
    with translation.override(language):
        assert format_date(DAY) == expected
        # Templates use the same format: {{ day|date }}.
        assert Template("{{ day|date }}").render(Context({"day": DAY})) == expected


def test_english_dates_have_no_leading_zero():
    with translation.override("en"):
        assert format_date(datetime.date(2027, 1, 5)) == "5 Jan 2027"


@pytest.mark.parametrize(("language", "october", "january"), [
    ("en", "Oct", "Jan 2026"),
    ("ja", "10月", "2026年1月"),
    ("zh-hans", "10月", "2026年1月"),
    ("ko", "10월", "2026년 1월"),
])
def test_month_labels_carry_the_year_in_january(language, october, january):
    with translation.override(language):
        assert month_label(DAY) == october
        assert month_label(datetime.date(2026, 1, 1)) == january


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "Sun 26 Oct 2025, 14:05"),
    ("ja", "2025年10月26日(日) 14:05"),
    ("ko", "2025년 10월 26일 (일) 14:05"),
])
def test_a_planned_moment_shows_its_weekday(language, expected):
    moment = datetime.datetime(2025, 10, 26, 14, 5)
    with translation.override(language):
        assert date_format(moment, "WEEKDAY_DATETIME_FORMAT") == expected


def test_every_language_defines_every_format_we_use():
    names = [
        "DATE_FORMAT", "DATETIME_FORMAT", "YEAR_MONTH_FORMAT", "MONTH_FORMAT",
        "MONTH_DAY_TIME_FORMAT", "DATETIME_ZONE_FORMAT", "WEEKDAY_DATETIME_FORMAT",
    ]
    moment = datetime.datetime(2025, 10, 26, 14, 5, tzinfo=datetime.UTC)
    for language in ("en", "zh-hans", "ja", "ko"):
        with translation.override(language):
            for name in names:
                # An undefined custom name would be used as the format itself.
                assert name not in date_format(moment, name), (language, name)


@pytest.mark.parametrize(("n", "text"), [(0, "0 days"), (1, "1 day"), (2, "2 days"),
                                         (365, "365 days")])
def test_english_day_counts_handle_the_singular(n, text):
    assert day_count(n) == text


def test_english_relative_days():
    assert days_ago(0) == "today"
    assert days_ago(1) == "1 day ago"
    assert days_ago(5) == "5 days ago"
    assert in_days(0) == "today"
    assert in_days(1) == "in 1 day"
    assert in_days(5) == "in 5 days"


@pytest.mark.parametrize("language", ["zh-hans", "ja", "ko"])
def test_day_counts_are_translated(language):
    """Needs the catalogs: each count is written in the language, with its number."""
    with translation.override(language):
        texts = [day_count(1), day_count(5), days_ago(0), days_ago(5), in_days(5)]
    assert all(not any(w in t for w in ("day", "today", "ago")) for t in texts), texts
    assert "5" in texts[1] and "5" in texts[3] and "5" in texts[4]


@pytest.mark.parametrize(("start", "months", "expected"), [
    (datetime.date(2026, 8, 31), 6, datetime.date(2027, 2, 28)),
    (datetime.date(2026, 11, 24), 6, datetime.date(2027, 5, 24)),
    (datetime.date(2026, 11, 24), -24, datetime.date(2024, 11, 24)),
    (datetime.date(2024, 2, 29), 12, datetime.date(2025, 2, 28)),
    (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
])
def test_add_months_clamps_to_the_end_of_a_shorter_month(start, months, expected):
    assert add_months(start, months) == expected


def test_chart_labels_measure_cjk_characters_at_full_width():
    for layout in (WIDE, NARROW):
        assert text_width("2026年1月", layout) > text_width("Jan 2026", layout)
        assert text_width("한국어", layout) == 3 * layout.font_size
