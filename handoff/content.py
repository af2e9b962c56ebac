"""What a trusted contact sees: built from an allow-list of fields, never from the
account rows themselves, so a field added to ExchangeAccount later (or the notes, or
any security setting) cannot reach the handoff page by accident.
"""

from dataclasses import dataclass, field

from accounts.models import ExchangeAccount, ExchangeFact
from accounts.recovery import recovery_groups
from accounts.secret_detection import mask_login_hint


@dataclass(frozen=True)
class HandoffAccount:
    exchange: str
    label: str
    login_hint: str  # masked
    website: str


@dataclass(frozen=True)
class HandoffRecovery:
    hint: str  # masked; "" when the owner never said
    accounts: list[str]


@dataclass(frozen=True)
class HandoffExchange:
    name: str
    facts: list = field(default_factory=list)  # Shown ExchangeFacts (summary + source)


@dataclass(frozen=True)
class HandoffContent:
    owner_name: str
    message: str
    accounts: list[HandoffAccount]
    recovery: list[HandoffRecovery]
    exchanges: list[HandoffExchange]


def _name(account: ExchangeAccount) -> str:
    return f"{account.exchange_name} · {account.label}" if account.label else account.exchange_name


def handoff_content(plan, language: str) -> HandoffContent:
    """The page's content for `plan`'s owner: two queries whatever the number of
    accounts (three in a language the facts are translated into)."""
    accounts = sorted(  # in Python: databases order a missing exchange differently
        ExchangeAccount.objects.owned_by(plan.owner).filter(archived_at__isnull=True)
        .select_related("exchange"),
        key=lambda a: (a.exchange_name.lower(), a.label.lower(), a.pk),
    )
    exchange_ids = {a.exchange_id for a in accounts if a.exchange_id}
    facts_by_exchange: dict[int, list] = {}
    for fact in ExchangeFact.objects.filter(exchange_id__in=exchange_ids).shown_in(language):
        facts_by_exchange.setdefault(fact.exchange_id, []).append(fact)
    seen: dict[str, HandoffExchange] = {}
    for account in accounts:
        if account.exchange_name not in seen:
            seen[account.exchange_name] = HandoffExchange(
                account.exchange_name, facts_by_exchange.get(account.exchange_id or 0, [])
            )
    return HandoffContent(
        owner_name=plan.owner.email,
        message=plan.message,
        accounts=[
            HandoffAccount(
                exchange=account.exchange_name, label=account.label,
                login_hint=mask_login_hint(account.login_hint),
                website=account.exchange.website if account.exchange else "",
            )
            for account in accounts
        ],
        recovery=[
            HandoffRecovery(mask_login_hint(group.hint), [_name(a) for a in group.accounts])
            for group in recovery_groups(accounts)
        ],
        exchanges=list(seen.values()),
    )
