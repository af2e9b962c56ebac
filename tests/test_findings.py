"""Hygiene findings and scores: pure functions, tested on unsaved instances (no database)."""

import dataclasses
import datetime

import pytest
from django.urls import reverse

from accounts.findings import (
    PASSWORD_MAX_AGE_DAYS,
    REVIEW_MAX_AGE_DAYS,
    SEVERITY_WEIGHTS,
    Finding,
    Severity,
    account_findings,
    hygiene_score,
    overall_score,
    score_grade,
)
from accounts.models import (
    Exchange,
    ExchangeAccount,
    KycStatus,
    PhoneStatus,
    TwoFactorMethod,
)
from accounts.status import Status, account_status

TODAY = datetime.date(2026, 11, 24)


def days_ago(n: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=n)


def full_featured_exchange(**kwargs) -> Exchange:
    fields = {
        "name": "Binance",
        "slug": "binance",
        "dormancy_after_days": 90,
        "offers_anti_phishing_code": True,
        "offers_withdrawal_whitelist": True,
        "offers_device_management": True,
        "offers_api_keys": True,
    }
    return Exchange(**{**fields, **kwargs})


def hardened_account(**overrides) -> ExchangeAccount:
    """An unsaved account with every setting in good order; override one to break it."""
    fields = {
        "exchange": full_featured_exchange(),
        "last_login_on": days_ago(10),
        "check_in_every_days": 90,
        "holds_assets": True,
        "two_factor_method": TwoFactorMethod.AUTHENTICATOR,
        "anti_phishing_code_set": True,
        "withdrawal_whitelist_on": True,
        "whitelist_reviewed_on": days_ago(10),
        "password_changed_on": days_ago(10),
        "password_is_strong": True,
        "password_is_unique": True,
        "email_in_use": True,
        "phone_status": PhoneStatus.IN_USE,
        "api_keys_present": False,
        "api_keys_reviewed_on": None,
        "devices_reviewed_on": days_ago(10),
        "kyc_status": KycStatus.VERIFIED,
    }
    return ExchangeAccount(**{**fields, **overrides})


def codes(account: ExchangeAccount, **kwargs) -> list[str]:
    return [f.code for f in account_findings(account, TODAY, **kwargs)]


def only_finding(**overrides) -> Finding:
    found = account_findings(hardened_account(**overrides), TODAY)
    assert len(found) == 1, [f.code for f in found]
    return found[0]


# --- a clean account ---------------------------------------------------------------


def test_a_hardened_account_has_no_findings_and_a_perfect_score():
    found = account_findings(hardened_account(), TODAY)
    assert found == []
    assert hygiene_score(found) == 100


def test_a_security_key_is_as_good_as_an_authenticator():
    assert codes(hardened_account(two_factor_method=TwoFactorMethod.SECURITY_KEY)) == []


# --- two-factor --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "code", "severity"),
    [
        (TwoFactorMethod.NONE, "no_2fa", Severity.CRITICAL),
        (TwoFactorMethod.SMS, "sms_2fa", Severity.HIGH),
        (TwoFactorMethod.EMAIL, "email_2fa", Severity.MEDIUM),
        (TwoFactorMethod.UNKNOWN, "2fa_unknown", Severity.MEDIUM),
    ],
)
def test_each_weak_or_unknown_two_factor_method_is_a_finding(method, code, severity):
    finding = only_finding(two_factor_method=method)
    assert (finding.code, finding.severity, finding.fix_anchor) == (code, severity, "harden-2fa")


def test_sms_two_factor_warns_about_sim_swaps():
    assert "SIM swap" in only_finding(two_factor_method=TwoFactorMethod.SMS).explanation


def test_unknown_two_factor_asks_the_user_to_check():
    assert "Check which 2FA is on" in only_finding(
        two_factor_method=TwoFactorMethod.UNKNOWN
    ).explanation


# --- password ----------------------------------------------------------------------


def test_a_reused_password_is_critical_because_of_credential_stuffing():
    finding = only_finding(password_is_unique=False)
    assert finding.code == "password_reused"
    assert finding.severity == Severity.CRITICAL
    assert finding.fix_anchor == "harden-password"
    assert "credential stuffing" in finding.explanation


def test_a_weak_password_is_high_and_says_what_strong_means():
    finding = only_finding(password_is_strong=False)
    assert (finding.code, finding.severity) == ("password_weak", Severity.HIGH)
    assert "12 or more characters" in finding.explanation


def test_an_unknown_password_change_date_is_low():
    finding = only_finding(password_changed_on=None)
    assert (finding.code, finding.severity) == ("password_age_unknown", Severity.LOW)


def test_a_password_exactly_a_year_old_is_not_yet_old():
    assert codes(hardened_account(password_changed_on=days_ago(PASSWORD_MAX_AGE_DAYS))) == []


def test_a_password_older_than_a_year_is_medium():
    finding = only_finding(password_changed_on=days_ago(PASSWORD_MAX_AGE_DAYS + 1))
    assert (finding.code, finding.severity) == ("password_old", Severity.MEDIUM)


@pytest.mark.parametrize(
    "overrides",
    [
        {"password_is_strong": None},
        {"password_is_unique": None},
        {"password_is_strong": None, "password_is_unique": None},
    ],
)
def test_unknown_strength_or_reuse_gives_one_combined_low_finding(overrides):
    finding = only_finding(**overrides)
    assert (finding.code, finding.severity) == ("password_unknown", Severity.LOW)


def test_an_unknown_reuse_still_reports_a_known_weak_password():
    assert codes(hardened_account(password_is_strong=False, password_is_unique=None)) == [
        "password_weak", "password_unknown",
    ]


# --- anti-phishing code ------------------------------------------------------------


def test_a_missing_anti_phishing_code_is_medium():
    finding = only_finding(anti_phishing_code_set=False)
    assert (finding.code, finding.severity) == ("no_anti_phishing", Severity.MEDIUM)
    assert finding.fix_anchor == "harden-anti-phishing"


def test_an_unknown_anti_phishing_code_is_low():
    finding = only_finding(anti_phishing_code_set=None)
    assert (finding.code, finding.severity) == ("anti_phishing_unknown", Severity.LOW)
    assert finding.fix_anchor == "harden-anti-phishing"


@pytest.mark.parametrize("value", [False, None])
def test_no_anti_phishing_finding_when_the_exchange_does_not_offer_one(value):
    exchange = full_featured_exchange(offers_anti_phishing_code=False)
    assert codes(hardened_account(exchange=exchange, anti_phishing_code_set=value)) == []


# --- withdrawal whitelist ----------------------------------------------------------


def test_a_whitelist_that_is_off_is_medium():
    finding = only_finding(withdrawal_whitelist_on=False)
    assert (finding.code, finding.severity) == ("whitelist_off", Severity.MEDIUM)
    assert finding.fix_anchor == "harden-whitelist"


def test_an_unknown_whitelist_setting_is_a_low_finding():
    finding = only_finding(withdrawal_whitelist_on=None, whitelist_reviewed_on=None)
    assert (finding.code, finding.severity) == ("whitelist_unknown", Severity.LOW)


def test_a_whitelist_never_reviewed_is_low():
    finding = only_finding(whitelist_reviewed_on=None)
    assert (finding.code, finding.severity) == ("whitelist_unreviewed", Severity.LOW)
    assert finding.fix_anchor == "harden-whitelist-addresses"


def test_a_whitelist_reviewed_exactly_at_the_limit_is_fine():
    assert codes(hardened_account(whitelist_reviewed_on=days_ago(REVIEW_MAX_AGE_DAYS))) == []


def test_a_whitelist_reviewed_past_the_limit_is_unreviewed():
    account = hardened_account(whitelist_reviewed_on=days_ago(REVIEW_MAX_AGE_DAYS + 1))
    assert codes(account) == ["whitelist_unreviewed"]


def test_a_whitelist_that_is_off_is_not_also_unreviewed():
    assert codes(hardened_account(withdrawal_whitelist_on=False, whitelist_reviewed_on=None)) == [
        "whitelist_off",
    ]


@pytest.mark.parametrize("value", [False, None])
def test_no_whitelist_finding_when_the_exchange_does_not_offer_one(value):
    exchange = full_featured_exchange(offers_withdrawal_whitelist=False)
    account = hardened_account(
        exchange=exchange, withdrawal_whitelist_on=value, whitelist_reviewed_on=None
    )
    assert codes(account) == []


# --- an exchange outside the catalogue ---------------------------------------------


def test_an_other_exchange_is_assumed_to_offer_every_feature():
    account = hardened_account(
        exchange=None,
        other_exchange_name="Foo",
        anti_phishing_code_set=False,
        withdrawal_whitelist_on=False,
    )
    assert codes(account) == ["no_anti_phishing", "whitelist_off"]


def test_a_hardened_other_exchange_account_is_clean():
    assert codes(hardened_account(exchange=None, other_exchange_name="Foo")) == []


# --- API keys ----------------------------------------------------------------------


def test_api_keys_never_reviewed_are_medium_on_a_watched_account():
    finding = only_finding(api_keys_present=True, api_keys_reviewed_on=None)
    assert (finding.code, finding.severity) == ("api_keys_unreviewed", Severity.MEDIUM)
    assert finding.fix_anchor == "harden-api-keys"


def test_api_keys_reviewed_exactly_at_the_limit_are_fine():
    account = hardened_account(
        api_keys_present=True, api_keys_reviewed_on=days_ago(REVIEW_MAX_AGE_DAYS)
    )
    assert codes(account) == []


def test_api_keys_reviewed_past_the_limit_are_unreviewed():
    account = hardened_account(
        api_keys_present=True, api_keys_reviewed_on=days_ago(REVIEW_MAX_AGE_DAYS + 1)
    )
    assert codes(account) == ["api_keys_unreviewed"]


@pytest.mark.parametrize("present", [False, None])
def test_no_api_key_finding_without_known_keys(present):
    assert codes(hardened_account(api_keys_present=present, api_keys_reviewed_on=None)) == []


# --- devices -----------------------------------------------------------------------


def test_devices_never_reviewed_are_low_on_a_watched_account():
    finding = only_finding(devices_reviewed_on=None)
    assert (finding.code, finding.severity) == ("devices_unreviewed", Severity.LOW)
    assert finding.fix_anchor == "harden-devices"


def test_devices_reviewed_exactly_at_the_limit_are_fine():
    assert codes(hardened_account(devices_reviewed_on=days_ago(REVIEW_MAX_AGE_DAYS))) == []


def test_devices_reviewed_past_the_limit_are_unreviewed():
    account = hardened_account(devices_reviewed_on=days_ago(REVIEW_MAX_AGE_DAYS + 1))
    assert codes(account) == ["devices_unreviewed"]


# --- escalation when nobody is watching --------------------------------------------


def _dormant(last_login_days: int, **overrides) -> ExchangeAccount:
    # Review dates are recent so only the escalated rule fires; the login is old.
    return hardened_account(last_login_on=days_ago(last_login_days), holds_assets=False,
                            **overrides)


@pytest.mark.parametrize("last_login_days", [90, 400])  # Binance: dormant at 90 days
def test_unreviewed_api_keys_are_high_on_a_dormant_account(last_login_days):
    account = _dormant(last_login_days, api_keys_present=True, api_keys_reviewed_on=None)
    assert account_status(account, TODAY).is_dormant
    [finding] = account_findings(account, TODAY)
    assert (finding.code, finding.severity) == ("api_keys_unreviewed", Severity.HIGH)


@pytest.mark.parametrize("last_login_days", [90, 400])
def test_unreviewed_devices_are_medium_on_a_dormant_account(last_login_days):
    [finding] = account_findings(_dormant(last_login_days, devices_reviewed_on=None), TODAY)
    assert (finding.code, finding.severity) == ("devices_unreviewed", Severity.MEDIUM)


def test_an_overdue_account_does_not_escalate():
    account = hardened_account(
        exchange=full_featured_exchange(dormancy_after_days=None),
        last_login_on=days_ago(100),
        devices_reviewed_on=None,
        api_keys_present=True,
    )
    assert account_status(account, TODAY).status == Status.OVERDUE
    severities = {f.code: f.severity for f in account_findings(account, TODAY)}
    assert severities == {
        "api_keys_unreviewed": Severity.MEDIUM,
        "devices_unreviewed": Severity.LOW,
    }


def test_a_status_passed_in_is_used_instead_of_recomputing():
    account = hardened_account(devices_reviewed_on=None)  # logged in 10 days ago
    dormant = dataclasses.replace(account_status(account, TODAY), status=Status.DORMANT)
    [finding] = account_findings(account, TODAY, status=dormant)
    assert finding.severity == Severity.MEDIUM


# --- contact details ---------------------------------------------------------------


def test_an_email_no_longer_read_is_high():
    finding = only_finding(email_in_use=False)
    assert (finding.code, finding.severity) == ("email_not_in_use", Severity.HIGH)
    assert finding.fix_anchor == "harden-contact"
    assert "inbox you don't read" in finding.explanation


def test_an_unknown_email_status_is_not_a_finding():
    assert codes(hardened_account(email_in_use=None)) == []


def test_a_phone_no_longer_in_use_is_medium():
    finding = only_finding(phone_status=PhoneStatus.NOT_IN_USE)
    assert (finding.code, finding.severity) == ("phone_not_in_use", Severity.MEDIUM)
    assert finding.fix_anchor == "harden-contact"


def test_a_phone_no_longer_in_use_is_high_when_2fa_codes_go_to_it():
    account = hardened_account(
        phone_status=PhoneStatus.NOT_IN_USE, two_factor_method=TwoFactorMethod.SMS
    )
    severities = {f.code: f.severity for f in account_findings(account, TODAY)}
    assert severities == {"sms_2fa": Severity.HIGH, "phone_not_in_use": Severity.HIGH}


@pytest.mark.parametrize("phone", [PhoneStatus.UNKNOWN, PhoneStatus.NONE, PhoneStatus.IN_USE])
def test_other_phone_states_are_not_findings(phone):
    assert codes(hardened_account(phone_status=phone)) == []


# --- KYC ---------------------------------------------------------------------------


def test_a_requested_kyc_update_is_medium():
    finding = only_finding(kyc_status=KycStatus.UPDATE_REQUESTED)
    assert (finding.code, finding.severity) == ("kyc_update", Severity.MEDIUM)
    assert finding.fix_anchor == "reactivate-kyc"
    assert "restricted" in finding.explanation


@pytest.mark.parametrize("kyc", [KycStatus.UNKNOWN, KycStatus.VERIFIED])
def test_other_kyc_states_are_not_findings(kyc):
    assert codes(hardened_account(kyc_status=kyc)) == []


# --- assets on a long-dormant account ----------------------------------------------


def test_assets_on_a_long_dormant_account_suggest_self_custody():
    account = hardened_account(last_login_on=days_ago(365))
    [finding] = account_findings(account, TODAY)
    assert (finding.code, finding.severity) == ("assets_on_long_dormant", Severity.HIGH)
    assert finding.fix_anchor == "self-custody"
    assert "wallet you control" in finding.explanation


def test_assets_on_a_merely_dormant_account_are_not_a_finding():
    assert codes(hardened_account(last_login_on=days_ago(364))) == []


def test_an_empty_long_dormant_account_is_not_an_assets_finding():
    assert codes(hardened_account(last_login_on=days_ago(400), holds_assets=False)) == []


# --- ordering ----------------------------------------------------------------------


def test_findings_are_sorted_most_severe_first_in_a_fixed_rule_order():
    account = hardened_account(
        last_login_on=days_ago(400),  # long dormant
        two_factor_method=TwoFactorMethod.SMS,
        password_is_unique=False,
        password_is_strong=False,
        password_changed_on=None,
        anti_phishing_code_set=False,
        withdrawal_whitelist_on=True,
        whitelist_reviewed_on=None,
        api_keys_present=True,
        devices_reviewed_on=None,
        email_in_use=False,
        phone_status=PhoneStatus.NOT_IN_USE,
        kyc_status=KycStatus.UPDATE_REQUESTED,
    )
    found = account_findings(account, TODAY)
    assert [(f.code, f.severity) for f in found] == [
        ("password_reused", Severity.CRITICAL),
        ("sms_2fa", Severity.HIGH),
        ("password_weak", Severity.HIGH),
        ("api_keys_unreviewed", Severity.HIGH),
        ("email_not_in_use", Severity.HIGH),
        ("phone_not_in_use", Severity.HIGH),
        ("assets_on_long_dormant", Severity.HIGH),
        ("no_anti_phishing", Severity.MEDIUM),
        ("devices_unreviewed", Severity.MEDIUM),
        ("kyc_update", Severity.MEDIUM),
        ("password_age_unknown", Severity.LOW),
        ("whitelist_unreviewed", Severity.LOW),
    ]
    assert hygiene_score(found) == 0


def test_a_fresh_unsaved_account_with_defaults_has_the_unknown_findings():
    account = ExchangeAccount(
        exchange=full_featured_exchange(), last_login_on=days_ago(10), check_in_every_days=90
    )
    assert codes(account) == [
        "2fa_unknown",
        "password_age_unknown",
        "password_unknown",
        "anti_phishing_unknown",
        "whitelist_unknown",
        "devices_unreviewed",
    ]


# --- the finding -------------------------------------------------------------------


def test_the_fix_url_points_at_the_anchor_on_the_guidance_page():
    finding = only_finding(two_factor_method=TwoFactorMethod.NONE)
    assert finding.fix_url == reverse("guidance") + "#harden-2fa"
    assert finding.fix_url.endswith("/guidance/#harden-2fa")


def test_the_severity_class_names_the_level():
    assert only_finding(two_factor_method=TwoFactorMethod.NONE).severity_class == (
        "severity-critical"
    )


def test_every_finding_has_a_short_title_and_a_one_line_explanation():
    account = hardened_account(
        last_login_on=days_ago(400),
        two_factor_method=TwoFactorMethod.NONE,
        password_is_unique=False,
        password_is_strong=None,
        password_changed_on=days_ago(800),
        anti_phishing_code_set=None,
        whitelist_reviewed_on=None,
        api_keys_present=True,
        devices_reviewed_on=None,
        email_in_use=False,
        phone_status=PhoneStatus.NOT_IN_USE,
        kyc_status=KycStatus.UPDATE_REQUESTED,
    )
    findings = account_findings(account, TODAY)
    assert len(findings) >= 8
    for finding in findings:
        assert 0 < len(finding.title) <= 60
        assert finding.explanation and "\n" not in finding.explanation
        assert finding.explanation.endswith(".")


def test_a_finding_is_immutable():
    finding = only_finding(two_factor_method=TwoFactorMethod.NONE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.severity = Severity.LOW


# --- scores ------------------------------------------------------------------------


def _finding(severity: Severity) -> Finding:
    return Finding("x", severity, "X", "Why.", "anchor")


def test_severity_weights():
    assert SEVERITY_WEIGHTS == {
        Severity.CRITICAL: 40, Severity.HIGH: 20, Severity.MEDIUM: 10, Severity.LOW: 3,
    }


def test_the_hygiene_score_subtracts_each_finding_weight():
    found = [_finding(Severity.HIGH), _finding(Severity.MEDIUM), _finding(Severity.LOW)]
    assert hygiene_score(found) == 100 - 20 - 10 - 3


def test_the_hygiene_score_never_goes_below_zero():
    assert hygiene_score([_finding(Severity.CRITICAL)] * 3) == 0


def test_the_hygiene_score_accepts_any_iterable():
    assert hygiene_score(_finding(Severity.LOW) for _ in range(2)) == 94


def test_the_overall_score_is_none_without_accounts():
    assert overall_score([]) is None


def test_the_overall_score_is_the_mean_rounded_half_up():
    assert overall_score([100]) == 100
    assert overall_score([90, 60]) == 75
    assert overall_score([72, 73]) == 73  # 72.5 rounds up, not to even
    assert overall_score([70, 70, 71]) == 70  # 70.33
    assert overall_score(iter([0, 1])) == 1


@pytest.mark.parametrize(
    ("score", "grade"),
    [(100, "good"), (80, "good"), (79, "fair"), (50, "fair"), (49, "poor"), (0, "poor")],
)
def test_score_grades_for_css(score, grade):
    assert score_grade(score) == grade

