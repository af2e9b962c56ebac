"""Recovery map: which email or phone recovers which exchange accounts.

Whoever controls that inbox or number can reset every password in its group, so one
identity behind many accounts (or one no longer in use) is worth knowing about."""

from dataclasses import dataclass

from .models import ExchangeAccount, PhoneStatus

# One compromised inbox or SIM resetting this many accounts deserves a warning.
SHARED_IDENTITY_WARNING_AT = 3
UNKNOWN_HINT = ""


@dataclass(frozen=True)
class RecoveryGroup:
    hint: str
    accounts: list[ExchangeAccount]

    @property
    def is_unknown(self) -> bool:
        return self.hint == UNKNOWN_HINT

    @property
    def is_shared_widely(self) -> bool:
        return not self.is_unknown and len(self.accounts) >= SHARED_IDENTITY_WARNING_AT

    @property
    def has_lost_contact(self) -> bool:
        """Some account in the group says its email or phone is no longer in use."""
        return any(
            a.email_in_use is False or a.phone_status == PhoneStatus.NOT_IN_USE
            for a in self.accounts
        )


def recovery_groups(accounts) -> list[RecoveryGroup]:
    """Group by login hint (case-insensitive), biggest groups first, unknown last."""
    groups: dict[str, list[ExchangeAccount]] = {}
    for account in accounts:
        groups.setdefault(account.login_hint.strip().lower(), []).append(account)
    result = [
        RecoveryGroup(accounts[0].login_hint.strip() if key else UNKNOWN_HINT, accounts)
        for key, accounts in groups.items()
    ]
    return sorted(result, key=lambda g: (g.is_unknown, -len(g.accounts), g.hint))


