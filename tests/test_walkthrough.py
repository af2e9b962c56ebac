"""Walkthroughs: tailoring, progress, actions on the account, waits, access, resilience
to editors' changes. Uses the seeded guidance (data migration) like a real user."""

import datetime
import re

import pytest
from django.urls import reverse

from accounts.models import CheckIn, Exchange, KycStatus, TwoFactorMethod
from accounts.status import Status, account_status
from checklists.models import ExchangeNote, Step, StepProgress, Walkthrough
from checklists.plan import build_plan
from tests.factories import CheckInFactory, ExchangeAccountFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 24)


@pytest.fixture(autouse=True)
def _pinned_clock(time_machine):
    time_machine.move_to("2026-11-24 12:00", tick=False)


@pytest.fixture
def binance():
    return Exchange.objects.get(slug="binance")


def make_account(owner, exchange, days_ago: int, **fields):
    account = ExchangeAccountFactory(
        owner=owner, exchange=exchange, last_login_on=TODAY - datetime.timedelta(days_ago),
        **fields,
    )
    CheckInFactory(account=account, on=account.last_login_on, source=CheckIn.Source.ADDED)
    return account


@pytest.fixture
def dormant_binance(owner, binance):
    return make_account(
        owner, binance, 400, two_factor_method=TwoFactorMethod.AUTHENTICATOR,
        api_keys_present=True, kyc_status=KycStatus.UPDATE_REQUESTED,
    )


def new_walkthrough(account, **answers) -> Walkthrough:
    status = account_status(account, TODAY).status
    return Walkthrough.objects.create(account=account, status_at_start=status, **answers)


def slugs(plan) -> list[str]:
    return [planned.step.slug for planned in plan.steps]


def start(client, account, **answers):
    return client.post(reverse("walkthrough_start", args=[account.pk]), answers)


# --- Tailoring ----------------------------------------------------------------------------


def test_long_dormant_account_gets_reactivation_and_long_dormant_notes(dormant_binance):
    walkthrough = new_walkthrough(dormant_binance, knows_password=True, has_authenticator=True)
    plan_slugs = slugs(build_plan(walkthrough))
    assert plan_slugs.index("reactivate-login") < plan_slugs.index("harden-password")
    assert "while-away-verification" in plan_slugs
    assert "harden-api-keys" in plan_slugs
    assert "reactivate-password-reset" not in plan_slugs
    assert "reactivate-2fa-reset" not in plan_slugs


def test_answers_add_password_reset_and_2fa_reset_steps(dormant_binance):
    walkthrough = new_walkthrough(dormant_binance, knows_password=False, has_authenticator=False)
    plan_slugs = slugs(build_plan(walkthrough))
    assert "reactivate-password-reset" in plan_slugs
    assert "reactivate-2fa-reset" in plan_slugs


def test_no_2fa_reset_for_an_account_without_an_authenticator(owner, binance):
    account = make_account(owner, binance, 400, two_factor_method=TwoFactorMethod.SMS)
    walkthrough = new_walkthrough(account, has_authenticator=False)
    assert "reactivate-2fa-reset" not in slugs(build_plan(walkthrough))


def test_active_account_without_api_keys_only_gets_hardening(owner, binance):
    account = make_account(owner, binance, 5, api_keys_present=False)
    plan_slugs = slugs(build_plan(new_walkthrough(account)))
    assert "harden-password" in plan_slugs
    assert "harden-api-keys" not in plan_slugs
    assert not any(slug.startswith(("reactivate-", "while-away")) for slug in plan_slugs)


def test_binance_notes_appear_only_for_binance(owner, dormant_binance):
    coinbase = Exchange.objects.get(slug="coinbase")
    other = make_account(owner, coinbase, 400)
    binance_plan = build_plan(new_walkthrough(dormant_binance, knows_password=False))
    coinbase_plan = build_plan(new_walkthrough(other, knows_password=False))
    binance_notes = {n.exchange.slug for s in binance_plan.steps for n in s.notes}
    coinbase_notes = {n.exchange.slug for s in coinbase_plan.steps for n in s.notes}
    assert binance_notes == {"binance"}
    assert coinbase_notes == {"coinbase"}


def test_plan_after_forgotten_password_shows_when_withdrawals_work_again(dormant_binance):
    walkthrough = new_walkthrough(dormant_binance, knows_password=False)
    plan = build_plan(walkthrough)
    now = datetime.datetime(2026, 11, 24, 12, tzinfo=datetime.UTC)
    assert plan.withdrawals_likely_from(now) == now + datetime.timedelta(hours=48)
    assert any("24" in " ".join(waits) for _, waits in plan.waits)


def test_plan_query_count_is_fixed(dormant_binance, django_assert_max_num_queries):
    walkthrough = new_walkthrough(dormant_binance, knows_password=False)
    with django_assert_max_num_queries(5):
        plan = build_plan(walkthrough)
        assert plan.total > 10


# --- Views ----------------------------------------------------------------------------------


def test_first_visit_asks_the_questions_that_matter(owner_client, dormant_binance):
    html = owner_client.get(reverse("walkthrough", args=[dormant_binance.pk])).content.decode()
    assert "still know this account" in html
    assert "authenticator app or security key" in html


def test_authenticator_question_is_not_asked_without_one(owner_client, owner, binance):
    account = make_account(owner, binance, 400, two_factor_method=TwoFactorMethod.SMS)
    html = owner_client.get(reverse("walkthrough", args=[account.pk])).content.decode()
    assert "authenticator app or security key" not in html


def test_starting_without_answers_shows_errors_and_creates_nothing(owner_client, dormant_binance):
    response = start(owner_client, dormant_binance)
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not Walkthrough.objects.exists()


def test_walkthrough_shows_progress_and_steps(owner_client, dormant_binance):
    start(owner_client, dormant_binance, knows_password="yes", has_authenticator="yes")
    html = owner_client.get(reverse("walkthrough", args=[dormant_binance.pk])).content.decode()
    assert "<progress" in html
    assert 'id="step-reactivate-login"' in html
    assert 'id="step-reactivate-password-reset"' not in html


def test_marking_login_done_records_a_check_in_and_resumes_later(owner_client, dormant_binance):
    start(owner_client, dormant_binance, knows_password="yes", has_authenticator="yes")
    step = Step.objects.get(slug="reactivate-login")
    response = owner_client.post(
        reverse("walkthrough_step", args=[dormant_binance.pk, step.pk, "done"])
    )
    assert response.status_code == 302
    dormant_binance.refresh_from_db()
    assert dormant_binance.last_login_on == TODAY
    assert account_status(dormant_binance, TODAY).status == Status.ACTIVE
    assert dormant_binance.check_ins.filter(source=CheckIn.Source.WALKTHROUGH).exists()
    # Progress is saved: a new visit shows the step done.
    plan = build_plan(dormant_binance.walkthroughs.get())
    assert next(s for s in plan.steps if s.step.slug == "reactivate-login").state == "done"


@pytest.mark.parametrize(
    ("slug", "field", "expected"),
    [
        ("harden-password", "password_changed_on", TODAY),
        ("harden-devices", "devices_reviewed_on", TODAY),
        ("harden-api-keys", "api_keys_reviewed_on", TODAY),
        ("reactivate-kyc", "kyc_status", KycStatus.VERIFIED),
    ],
)
def test_completing_steps_updates_the_account(owner_client, dormant_binance, slug, field, expected):
    start(owner_client, dormant_binance, knows_password="yes", has_authenticator="yes")
    step = Step.objects.get(slug=slug)
    owner_client.post(reverse("walkthrough_step", args=[dormant_binance.pk, step.pk, "done"]))
    dormant_binance.refresh_from_db()
    assert getattr(dormant_binance, field) == expected


def test_set_up_authenticator_upgrades_sms(owner_client, owner, binance):
    account = make_account(owner, binance, 400, two_factor_method=TwoFactorMethod.SMS)
    start(owner_client, account, knows_password="yes")
    step = Step.objects.get(slug="harden-2fa")
    owner_client.post(reverse("walkthrough_step", args=[account.pk, step.pk, "done"]))
    account.refresh_from_db()
    assert account.two_factor_method == TwoFactorMethod.AUTHENTICATOR


def test_skipping_changes_nothing_on_the_account_and_undo_reopens(owner_client, dormant_binance):
    start(owner_client, dormant_binance, knows_password="yes", has_authenticator="yes")
    step = Step.objects.get(slug="harden-password")
    owner_client.post(reverse("walkthrough_step", args=[dormant_binance.pk, step.pk, "skipped"]))
    dormant_binance.refresh_from_db()
    assert dormant_binance.password_changed_on is None
    assert StepProgress.objects.get(step=step).state == "skipped"
    owner_client.post(reverse("walkthrough_step_undo", args=[dormant_binance.pk, step.pk]))
    assert not StepProgress.objects.filter(step=step).exists()


def test_unknown_state_is_404(owner_client, dormant_binance):
    start(owner_client, dormant_binance, knows_password="yes", has_authenticator="yes")
    step = Step.objects.get(slug="harden-password")
    url = reverse("walkthrough_step", args=[dormant_binance.pk, step.pk, "bogus"])
    assert owner_client.post(url).status_code == 404


def test_finishing_every_step_closes_the_walkthrough(owner_client, owner, binance):
    account = make_account(owner, binance, 5)
    start(owner_client, account, knows_password="yes", has_authenticator="yes")
    for planned in build_plan(account.walkthroughs.get()).steps:
        owner_client.post(reverse("walkthrough_step", args=[account.pk, planned.step.pk, "done"]))
    walkthrough = account.walkthroughs.get()
    assert walkthrough.finished_at is not None
    html = owner_client.get(reverse("walkthrough", args=[account.pk])).content.decode()
    assert "Finished on" in html


def test_start_over_keeps_the_old_walkthrough_as_history(owner_client, dormant_binance):
    start(owner_client, dormant_binance, knows_password="yes", has_authenticator="yes")
    owner_client.post(reverse("walkthrough_restart", args=[dormant_binance.pk]))
    start(owner_client, dormant_binance, knows_password="no", has_authenticator="no")
    assert dormant_binance.walkthroughs.count() == 2
    assert dormant_binance.walkthroughs.filter(finished_at__isnull=True).count() == 1


# --- Editors change steps while users are mid-way ---------------------------------------------


def test_deleting_a_step_keeps_past_progress_readable(owner_client, dormant_binance):
    start(owner_client, dormant_binance, knows_password="yes", has_authenticator="yes")
    step = Step.objects.get(slug="harden-devices")
    owner_client.post(reverse("walkthrough_step", args=[dormant_binance.pk, step.pk, "done"]))
    step.delete()
    response = owner_client.get(reverse("walkthrough", args=[dormant_binance.pk]))
    assert response.status_code == 200
    assert "Earlier progress" in response.content.decode()
    assert step.title in response.content.decode()


def test_an_edited_step_shows_on_the_next_page_load(owner_client, dormant_binance):
    start(owner_client, dormant_binance, knows_password="yes", has_authenticator="yes")
    step = Step.objects.get(slug="harden-password")
    step.body = "Brand new advice from the editor."
    step.save()
    html = owner_client.get(reverse("walkthrough", args=[dormant_binance.pk])).content.decode()
    assert "Brand new advice from the editor." in html


def test_a_step_with_a_condition_removed_from_code_is_hidden_not_fatal(
    owner_client, dormant_binance
):
    start(owner_client, dormant_binance, knows_password="yes", has_authenticator="yes")
    Step.objects.filter(slug="harden-devices").update(applies_when="no_longer_exists")
    response = owner_client.get(reverse("walkthrough", args=[dormant_binance.pk]))
    assert response.status_code == 200
    assert 'id="step-harden-devices"' not in response.content.decode()


def test_exchange_note_can_replace_the_step_body(owner_client, dormant_binance, binance):
    step = Step.objects.get(slug="harden-devices")
    ExchangeNote.objects.create(step=step, exchange=binance, replaces_body=True,
                                body="Binance-only device advice.")
    start(owner_client, dormant_binance, knows_password="yes", has_authenticator="yes")
    html = owner_client.get(reverse("walkthrough", args=[dormant_binance.pk])).content.decode()
    assert "Binance-only device advice." in html


# --- Access ------------------------------------------------------------------------------------


def walkthrough_urls(account) -> list[tuple[str, str]]:
    step = Step.objects.get(slug="harden-password")
    return [
        ("get", reverse("walkthrough", args=[account.pk])),
        ("post", reverse("walkthrough_start", args=[account.pk])),
        ("post", reverse("walkthrough_restart", args=[account.pk])),
        ("post", reverse("walkthrough_step", args=[account.pk, step.pk, "done"])),
        ("post", reverse("walkthrough_step_undo", args=[account.pk, step.pk])),
    ]


def test_another_user_gets_404_on_every_walkthrough_url(other_client, dormant_binance):
    new_walkthrough(dormant_binance, knows_password=True)
    for method, url in walkthrough_urls(dormant_binance):
        response = getattr(other_client, method)(url, {"knows_password": "yes"})
        assert response.status_code == 404, url
    assert not StepProgress.objects.exists()
    assert dormant_binance.walkthroughs.count() == 1


def test_anonymous_visitor_is_sent_to_login(anon_client, dormant_binance):
    for method, url in walkthrough_urls(dormant_binance):
        response = getattr(anon_client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login"))


def test_state_changes_refuse_get(owner_client, dormant_binance):
    new_walkthrough(dormant_binance, knows_password=True)
    for method, url in walkthrough_urls(dormant_binance):
        if method == "post":
            assert owner_client.get(url).status_code == 405, url
    assert not StepProgress.objects.exists()


def test_a_done_step_stays_in_the_plan_after_its_condition_stops_holding(
    owner_client, owner, binance
):
    account = make_account(owner, binance, 400, two_factor_method=TwoFactorMethod.SMS)
    start(owner_client, account, knows_password="yes")
    step = Step.objects.get(slug="harden-2fa")
    owner_client.post(reverse("walkthrough_step", args=[account.pk, step.pk, "done"]))
    plan = build_plan(account.walkthroughs.get())
    assert "harden-2fa" in slugs(plan)
    assert plan.orphaned_progress == []


# --- What a returning Binance user reads (issue 14) -----------------------------------------


def test_what_to_expect_lists_the_binance_password_hold_once(owner_client, dormant_binance):
    start(owner_client, dormant_binance, knows_password="no", has_authenticator="yes")
    html = owner_client.get(reverse("walkthrough", args=[dormant_binance.pk])).content.decode()
    plan_card = html.split('class="card plan-card"')[1].split("</section>")[0]
    assert plan_card.count("24–48 hours") == 1
    step = html.split('id="step-reactivate-password-reset"')[1].split("</details>")[0]
    assert step.count('<p class="wait">') == 1


def test_the_exchange_specific_wait_replaces_the_general_one(owner, owner_client):
    coinbase = make_account(owner, Exchange.objects.get(slug="coinbase"), 400)
    start(owner_client, coinbase, knows_password="no")
    plan = build_plan(coinbase.walkthroughs.get(), "en")
    reset = next(p for p in plan.steps if p.step.slug == "reactivate-password-reset")
    assert reset.expected_waits == [
        "Reset can take 24 hours to process; sends blocked for up to 48 hours"
    ]
    assert reset.hold_hours == 72


def test_each_binance_note_names_its_source_once(owner_client, dormant_binance):
    start(owner_client, dormant_binance, knows_password="yes", has_authenticator="yes")
    html = owner_client.get(reverse("walkthrough", args=[dormant_binance.pk])).content.decode()
    notes = html.split('<div class="exchange-note">')[1:]
    assert len(notes) >= 2  # dormancy notice and the whitelist hold
    for note in notes:
        assert note.split("</div>")[0].count("Source:") == 1


def test_actions_keep_their_capitals(owner_client, dormant_binance):
    start(owner_client, dormant_binance, knows_password="yes", has_authenticator="yes")
    html = owner_client.get(reverse("walkthrough", args=[dormant_binance.pk])).content.decode()
    assert "Marking it done also updates your account: Sets the API key review date." in html
    text = re.sub(r"<[^>]+>", " ", html)  # what the reader sees, not anchors and classes
    assert "api key" not in text and "kyc" not in text


def test_marking_a_step_done_lands_on_the_next_step_not_the_one_done(
    owner_client, dormant_binance
):
    start(owner_client, dormant_binance, knows_password="yes", has_authenticator="yes")
    plan = build_plan(dormant_binance.walkthroughs.get(), "en")
    first, second = plan.steps[0], plan.steps[1]
    response = owner_client.post(
        reverse("walkthrough_step", args=[dormant_binance.pk, first.step.pk, "done"])
    )
    assert response["Location"].endswith(f"#step-{second.step.slug}")
    html = owner_client.get(reverse("walkthrough", args=[dormant_binance.pk])).content.decode()
    assert html.count(" is-current") == 1
    assert f'is-current" id="step-{second.step.slug}"' in html


# --- In the reader's language ------------------------------------------------------------------


def test_a_walkthrough_reads_in_the_users_language_step_by_step(
    owner, owner_client, dormant_binance, read_in
):
    from checklists.models import GuideTranslation, StepTranslation

    # The loaded ja text is replaced with the test's own, and one step is left untranslated.
    login = Step.objects.get(slug="reactivate-login")
    login.translations.filter(language="ja").delete()
    StepTranslation.objects.create(step=login, language="ja", title="通常どおりログインする",
                                   body="登録したメールアドレスで**ログイン**します。",
                                   source_name="記事", source_hash=login.english_hash)
    guide = login.guide
    guide.translations.filter(language="ja").delete()
    GuideTranslation.objects.create(guide=guide, language="ja", title="再開する", summary="手順",
                                    source_hash=guide.english_hash)
    StepTranslation.objects.filter(step__slug="harden-password", language="ja").delete()
    read_in(owner_client, "ja", owner)
    start(owner_client, dormant_binance, knows_password="yes", has_authenticator="yes")
    html = owner_client.get(reverse("walkthrough", args=[dormant_binance.pk])).content.decode()

    step = html.split('id="step-reactivate-login"')[1].split("</details>")[0]
    assert 'lang="ja"' in html.split('id="step-reactivate-login"')[1][:40]
    assert "通常どおりログインする" in step and "<strong>ログイン</strong>" in step
    assert "Not yet translated" not in step
    other = html.split('id="step-harden-password"')[1].split("</details>")[0]
    assert "Change the password first" in other
    assert 'class="untranslated"' in other
    assert "再開する" in html


def test_the_plan_query_count_stays_fixed_in_another_language(
    dormant_binance, django_assert_num_queries
):
    walkthrough = new_walkthrough(dormant_binance, knows_password=False)
    # Progress, guides, steps, notes, and one query per kind of translation.
    with django_assert_num_queries(7):
        plan = build_plan(walkthrough, "ko")
    assert plan.total > 10
    assert [step.text.language for step in plan.steps] == ["ko"] * plan.total
