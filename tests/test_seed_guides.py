"""The guidance as `load_guidance` puts it in the database from content/ (the test
database is loaded that way in tests/conftest.py): guides in order, the anchors other
code links to, registry keys, exchange notes with sources, every fact of the
inactive-account article, and, per language, a complete translation that keeps every
number of the English.

The per-language tests (`test_language_coverage_*`) are the translators' checklist: run
them after changing a language's files in content/.
"""

import ast
import datetime
import re
import unicodedata
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from accounts.models import ExchangeFact
from accounts.translatable import SourceText, translation_language_codes
from checklists.actions import ACTIONS
from checklists.conditions import CONDITIONS
from checklists.content_loader import LOADER_REASON
from checklists.markdown import render_markdown
from checklists.models import ExchangeNote, Guide, Step

pytestmark = pytest.mark.django_db

FINDINGS_SOURCE = Path(__file__).resolve().parents[1] / "accounts" / "findings.py"
REVIEWED_ON = datetime.date(2026, 11, 24)

# Anchors used by findings, templates and other code.
REQUIRED_SLUGS = [
    "harden-2fa", "harden-password", "harden-anti-phishing", "harden-whitelist",
    "harden-whitelist-addresses", "harden-api-keys", "harden-devices", "harden-contact",
    "reactivate-kyc", "self-custody", "reactivate-login", "reactivate-verification",
    "reactivate-password-reset", "reactivate-2fa-reset", "reactivate-balances",
    "stay-active", "keep-records",
]

# slug: (applies_when, completes)
STEP_KEYS = {
    "while-away-dormancy": ("dormant", ""),
    "while-away-verification": ("long_dormant", ""),
    "while-away-interface": ("long_dormant", ""),
    "reactivate-login": ("", "logged_in"),
    "reactivate-password-reset": ("forgot_password", ""),
    "reactivate-2fa-reset": ("lost_authenticator", ""),
    "reactivate-kyc": ("", "kyc_done"),
    "harden-password": ("", "changed_password"),
    "harden-2fa": ("weak_or_no_2fa", "set_up_authenticator"),
    "harden-contact": ("", "contact_details_current"),
    "harden-anti-phishing": ("no_anti_phishing_code", "set_anti_phishing_code"),
    "harden-whitelist": ("whitelist_not_on", "enabled_whitelist"),
    "harden-devices": ("", "reviewed_devices"),
    "harden-api-keys": ("may_have_api_keys", "reviewed_api_keys"),
    "harden-whitelist-addresses": ("whitelist_may_be_on", "reviewed_whitelist"),
    "self-custody": ("holds_assets", ""),
}

# The only pages bodies may link to: official sources from exchange-facts.md.
OFFICIAL_URLS = {
    "https://www.binance.com/en/terms",
    "https://support.binance.us/hc/en-us/articles/27331734117399",
    "https://help.coinbase.com/en/coinbase/managing-my-account/other/escheatment-and-unclaimed-funds.html",
    "https://help.coinbase.com/en/coinbase/privacy-and-security/other/why-will-my-password-reset-require-24-hours-to-process",
    "https://academy.binance.com/en/articles/withdrawal-address-whitelist",
    "https://support.kraken.com/articles/360000444963",
}

# One or more phrases per fact of the article; each must appear in some step body.
ARTICLE_FACTS = [
    "clear or seize",  # assets not cleared or seized for inactivity
    "don't shrink",  # amounts don't decrease
    "banned",  # unless banned for violations
    "regulated platform",  # obliged to safeguard assets
    "mainnet",  # token migrations and mainnet switches
    "announcements",  # watch the exchange's announcements
    "spot",  # matured products settled to spot
    "until it executes or you cancel it",  # unfilled orders stay live
    "delisted",  # orders cancelled when a pair is delisted
    "facial recognition",  # security verification upgrades
    "kyc",  # supplementary / updated KYC
    "some features may be restricted",  # unfinished KYC update
    "new feature modules",  # the interface changed
    "registered with",  # log in with the registered email or phone
    "sms",  # SMS verification code
    "google authenticator",  # authenticator, if bound
    "very likely",  # extra verification very likely after a long absence
    "forgot password",  # the reset link on the login page
    "reset link",  # sent to the linked email or phone
    "24 to 48 hours",  # withdrawals restricted after a reset
    "changed phones or uninstalled",  # lost authenticator
    "identity documents",  # security reset needs documents
    "several days",  # review time
    "funding",  # wallet accounts to review
    "futures",
    "too simple",  # outdated security settings
    "data breaches",  # leaked email or phone
    "credential stuffing",  # password reuse
    "security alert",  # missed alert emails
    "before anything else",  # change the password first
    "12 characters",
    "upper-case and lower-case letters, numbers and symbols",
    "not used on any other site",
    "security settings",  # the security settings page
    "still use",  # linked email and phone are current
    "anti-phishing code",
    "whitelist",
    "device management",
    "login activity",
    "change your password immediately",  # on anything suspicious
    "contact the exchange's support",
    "api keys",
    "still active",  # old API keys
    "delete every old key",
    "belongs to you",  # every whitelisted address is yours
    "remove any address",
    "every few months",
    "security status",
    "confirm your balances",
    "update the details on the exchange first",  # before changing email or phone
    "personal wallet",  # self-custody for long breaks
    "never include the password",  # keep records without it
    "more hoops",  # summary: inactivity brings inconvenience
]


def _finding_anchors() -> set[str]:
    """The last argument of every Finding(...) in accounts/findings.py."""
    tree = ast.parse(FINDINGS_SOURCE.read_text())
    return {
        str(node.args[-1].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "Finding"
        and isinstance(node.args[-1], ast.Constant)
    }


def _all_bodies() -> list[str]:
    return [
        *Step.objects.values_list("body", flat=True),
        *ExchangeNote.objects.values_list("body", flat=True),
    ]


def test_the_four_guides_exist_in_order():
    guides = list(Guide.objects.values_list("slug", "title", "position", "applies_when"))
    assert guides == [
        ("while-away", "While you were away", 1, "returning"),
        ("reactivate", "Reactivate", 2, "returning"),
        ("harden", "Harden", 3, ""),
        ("stay-active", "Stay active", 4, ""),
    ]
    assert all(guide.summary for guide in Guide.objects.all())


def test_steps_are_ordered_within_their_guides():
    reactivate = Guide.objects.get(slug="reactivate")
    assert list(reactivate.steps.values_list("slug", flat=True)) == [
        "reactivate-login", "reactivate-verification", "reactivate-password-reset",
        "reactivate-2fa-reset", "reactivate-kyc", "reactivate-balances",
    ]
    for guide in Guide.objects.all():
        positions = list(guide.steps.values_list("position", flat=True))
        assert positions == list(range(1, len(positions) + 1))


def test_every_required_anchor_is_a_step():
    slugs = set(Step.objects.values_list("slug", flat=True))
    assert set(REQUIRED_SLUGS) <= slugs


def test_every_finding_links_to_a_step():
    anchors = _finding_anchors()
    assert anchors  # the parse found the findings
    assert anchors <= set(Step.objects.values_list("slug", flat=True))


def test_conditions_and_actions_come_from_the_registries():
    for guide in Guide.objects.all():
        assert guide.applies_when == "" or guide.applies_when in CONDITIONS
    for step in Step.objects.all():
        assert step.applies_when == "" or step.applies_when in CONDITIONS, step.slug
        assert step.completes == "" or step.completes in ACTIONS, step.slug


def test_steps_carry_the_intended_conditions_and_actions():
    for step in Step.objects.all():
        assert (step.applies_when, step.completes) == STEP_KEYS.get(step.slug, ("", "")), step.slug


def test_every_step_is_sourced_and_dated():
    for step in Step.objects.all():
        assert step.body.strip() and step.source_name, step.slug
        assert step.last_reviewed_on == REVIEWED_ON


@pytest.mark.parametrize("exchange", ["binance", "coinbase", "kraken"])
def test_key_exchanges_have_sourced_notes(exchange):
    notes = ExchangeNote.objects.filter(exchange__slug=exchange)
    assert notes.exists()
    for note in notes:
        assert note.source_name and note.last_reviewed_on == REVIEWED_ON


def test_official_notes_name_their_source_and_uncertain_ones_say_so():
    for note in ExchangeNote.objects.all():
        if note.source_url:
            assert note.source_url in OFFICIAL_URLS
        if note.certainty == "uncertain":
            assert "uncertain" in note.body.lower()


def test_note_bodies_leave_the_source_to_the_source_line():
    """The page prints each note's source (name, link, date) under it; a "Source: ..."
    inside the body would show it twice (issue 14)."""
    for note in ExchangeNote.objects.all():
        assert "source:" not in note.body.lower(), note


def test_dormancy_notes_cover_each_sourced_exchange():
    exchanges = set(
        ExchangeNote.objects.filter(step__slug="while-away-dormancy")
        .values_list("exchange__slug", flat=True)
    )
    assert exchanges == {"binance", "binance-us", "coinbase", "kraken", "okx", "bitstamp"}
    coinbase = ExchangeNote.objects.get(step__slug="while-away-dormancy", exchange__slug="coinbase")
    assert "3 to 5 years" in coinbase.body and "2 to 5 years" in coinbase.body


def test_holds_and_waits():
    reset = Step.objects.get(slug="reactivate-password-reset")
    assert reset.withdrawal_hold_hours == 48
    assert reset.expected_wait == "Withdrawals restricted for 24–48 hours after a reset"
    holds = {
        note.exchange.slug: (note.withdrawal_hold_hours, note.certainty)
        for note in reset.exchange_notes.all()
    }
    assert holds == {"binance": (48, "uncertain"), "coinbase": (72, "official")}

    assert Step.objects.get(slug="reactivate-2fa-reset").expected_wait == (
        "Identity review may take several days"
    )
    # The Binance hold follows turning the whitelist off, not on: no hours on this step.
    whitelist = ExchangeNote.objects.get(step__slug="harden-whitelist", exchange__slug="binance")
    assert whitelist.withdrawal_hold_hours is None
    assert whitelist.certainty == "secondary"
    assert "24, 48 or 72 hours" in whitelist.body

    kraken = ExchangeNote.objects.get(exchange__slug="kraken", step__slug="harden-contact")
    assert kraken.expected_wait == "Global Settings Lock changes wait out the lock period"
    assert "cannot shorten" in kraken.body


def test_bodies_link_only_to_official_sources():
    for body in _all_bodies():
        for url in re.findall(r"https?://[^\s)]+", body):
            assert url in OFFICIAL_URLS, url


def test_sources_render_as_links_on_the_guidance_page(anon_client):
    html = anon_client.get("/guidance/").content.decode()
    for note in ExchangeNote.objects.exclude(source_url=""):
        assert f'<a href="{note.source_url}" rel="noopener noreferrer">{note.source_name}' in html


def test_every_exchange_fact_is_sourced_and_dated():
    assert ExchangeFact.objects.count() == 13
    for fact in ExchangeFact.objects.all():
        assert fact.summary and fact.source_name and fact.checked_on == REVIEWED_ON, fact
        assert fact.source_url == "" or fact.source_url in OFFICIAL_URLS, fact


@pytest.mark.parametrize("fact", ARTICLE_FACTS)
def test_every_article_fact_is_in_a_step_body(fact):
    combined = "\n".join(Step.objects.values_list("body", flat=True)).lower()
    assert fact.lower() in combined


def test_loaded_rows_start_their_history():
    for model in (Guide, Step, ExchangeNote, ExchangeFact):
        for obj in model.objects.all():
            entries = list(obj.history.all())
            assert [(e.history_type, e.history_change_reason) for e in entries] == [
                ("+", LOADER_REASON)
            ], obj
            assert entries[0].instance == obj
    # An edit can then be compared with the loaded version, field by field.
    step = Step.objects.get(slug="harden-password")
    step.title = "Change your password first"
    step.save()
    latest = step.history.latest()
    assert [change.field for change in latest.diff_against(latest.prev_record).changes] == [
        "title"
    ]


# --- Per language: the translators' checklist (fails until the translations exist) --------

NUMBER = re.compile(r"\d+(?:\.\d+)*")  # "19.2" is one clause number, not 19 and 2

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
# A month named in a date ("July 2022", "10 October 2025"), not the verb "may": it states
# the month's number, which a translation writes as digits (2022年7月, 2022년 7월).
DATE_MONTH = re.compile(rf"(?<=\d )({'|'.join(MONTHS)})\b|\b({'|'.join(MONTHS)})(?= \d)")

# The usual spellings of terms that happen to contain a digit, which the English says in
# words: two-factor authentication is 2FA, 2段階認証 or 2단계 인증 (双重验证 and 二段階認証
# need no entry), a third party is 제3자. Their digits are not numbers the English states.
TERM_SPELLINGS = {
    "en": ["2FA"],
    "zh-hans": ["2FA"],
    "ja": ["2FA", "2段階"],
    "ko": ["2FA", "2단계", "제3자"],
}


def numbers(text: str, language: str) -> set[str]:
    """The numbers a text states: its digits (full-width ones too) and the months of its
    dates, less the digits inside the language's term spellings."""
    text = unicodedata.normalize("NFKC", text)
    for term in TERM_SPELLINGS.get(language, []):
        text = re.sub(rf"(?<![\d.]){re.escape(term)}", " ", text)
    months = {str(MONTHS.index(next(filter(None, match.groups()))) + 1)
              for match in DATE_MONTH.finditer(text)}
    return set(NUMBER.findall(text)) | months


def translatable_items() -> list[SourceText]:
    return [
        *Guide.objects.prefetch_related("translations"),
        *Step.objects.prefetch_related("translations"),
        *ExchangeNote.objects.select_related("step", "exchange").prefetch_related("translations"),
        *ExchangeFact.objects.select_related("exchange").prefetch_related("translations"),
    ]


def translation_in(item: SourceText, language: str):
    return next((t for t in item.translations.all() if t.language == language), None)


def coverage_problems(language: str) -> list[str]:
    problems = []
    for item in translatable_items():
        translation = translation_in(item, language)
        if translation is None:
            problems.append(f"missing: {item._meta.model_name} {item}")
        elif not translation.covers(item.english_text()):
            problems.append(f"incomplete: {item._meta.model_name} {item}")
        elif translation.needs_review:
            problems.append(f"needs review: {item._meta.model_name} {item}")
    return problems


def number_problems(language: str) -> tuple[int, list[str]]:
    problems, translated = [], 0
    for item in translatable_items():
        translation = translation_in(item, language)
        if translation is None:
            continue
        translated += 1
        for name, english in item.english_text().items():
            stated, theirs = numbers(english, "en"), numbers(getattr(translation, name), language)
            if stated != theirs:
                problems.append(f"{item._meta.model_name} {item} · {name}: English has "
                                f"{sorted(stated)}, {language} has {sorted(theirs)}")
    return translated, problems


@pytest.mark.parametrize("language", translation_language_codes())
def test_language_coverage_every_item_is_translated(language):
    """Every guide, step, exchange note and exchange fact has a translation in the
    language that fills every field the English fills and was made against the
    current English."""
    problems = coverage_problems(language)
    assert problems == [], f"{len(problems)} items in {language}:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", translation_language_codes())
def test_language_coverage_translations_keep_every_number(language):
    """Hours, days, years, amounts, clause numbers and dates: a translation states the
    same numbers as its English (the article's facts are mostly numbers)."""
    translated, problems = number_problems(language)
    assert translated, f"no {language} translations loaded"
    assert problems == [], "\n".join(problems)


# French: a language the site could offer next, with no files and no rows yet.
@override_settings(LANGUAGES=[*settings.LANGUAGES, ("fr", "Français")])
def test_the_coverage_checks_pass_for_a_complete_translation_and_catch_gaps():
    """The checks above on a stand-in translation (the English copied, with full-width
    digits): complete, then with one step missing and one number changed."""
    assert coverage_problems("fr") != []  # nothing translated yet
    full_width = str.maketrans("0123456789", "０１２３４５６７８９")
    for item in translatable_items():
        item.translations.create(
            language="fr", source_hash=item.english_hash,
            **{name: value.translate(full_width) for name, value in item.english_text().items()},
        )
    assert coverage_problems("fr") == []
    assert number_problems("fr")[1] == []

    Step.objects.get(slug="keep-records").translations.get(language="fr").delete()
    reset = Step.objects.get(slug="reactivate-password-reset").translations.get(language="fr")
    reset.body = reset.body.replace("４８", "７２")
    reset.save()
    assert coverage_problems("fr") == ["missing: step Keep a record of the account"]
    (problem,) = number_problems("fr")[1]
    assert problem.startswith("step If you've forgotten the password · body")


@pytest.mark.parametrize(("english", "language", "translation", "same"), [
    ("EUR 10 a month", "ja", "月額１０ユーロ", True),
    ("clauses 19.2 and 19.3", "ko", "19.2항 및 19.3항", True),
    ("clauses 19.2 and 19.3", "ko", "19.2항 및 19.4항", False),  # a changed clause
    ("clause 19.2", "ja", "第19条2", False),
    ("withdrawals restricted for 24 to 48 hours", "zh-hans", "24 至 72 小时内无法提币", False),
    ("withdrawals restricted for 24 to 48 hours", "ja", "24時間出金できません", False),
    # A month in a date states its number; "may" the verb does not.
    ("In July 2022 Bitstamp announced", "ja", "2022年7月、Bitstampは", True),
    ("In July 2022 Bitstamp announced", "zh-hans", "2022 年 7 月，Bitstamp", True),
    ("In July 2022 Bitstamp announced", "ko", "2022년 6월 Bitstamp는", False),
    ("In July 2022 Bitstamp announced", "ko", "2022년 Bitstamp는", False),
    ("updated 10 October 2025", "ja", "2025年10月10日更新", True),
    ("Binance may tell you within 30 days", "ko", "30일 이내에 알릴 수 있습니다", True),
    # Term spellings with a digit the English spells in words.
    ("If two-factor authentication isn't on", "ko", "2단계 인증이 꺼져 있다면", True),
    ("If two-factor authentication isn't on", "ja", "2段階認証が有効でない場合", True),
    ("two-factor authentication (2FA)", "zh-hans", "双重验证（2FA）", True),
    ("a third-party guide", "ko", "제3자 가이드", True),
    ("a third-party guide", "ja", "第3者のガイド", False),  # not a listed spelling
    # A term spelling never hides a dropped number: 2 to 5 years lost its 2.
    ("2 to 5 years, then two-factor authentication", "ko", "5년 후 2단계 인증", False),
])
def test_the_number_check_allows_dates_and_term_spellings_but_no_other_change(
    english, language, translation, same
):
    assert (numbers(english, "en") == numbers(translation, language)) is same


@pytest.mark.parametrize("language", translation_language_codes())
def test_language_coverage_translated_markdown_keeps_its_links(language):
    """A translated body links to the same pages as its English."""
    compared = 0
    for item in translatable_items():
        translation = translation_in(item, language)
        for name in ("body", "summary"):
            if translation is None or not hasattr(translation, name):
                continue
            compared += 1
            english_links = re.findall(r'href="([^"]+)"', render_markdown(getattr(item, name)))
            translated_links = re.findall(r'href="([^"]+)"',
                                          render_markdown(getattr(translation, name)))
            assert translated_links == english_links, f"{item} ({language})"
    assert compared, f"no {language} translations loaded"
