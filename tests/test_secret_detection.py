"""Tests for accounts.secret_detection: secrets are refused, ordinary notes pass.

Besides the shapes below, tests/secret_corpus/ holds the samples of issue 13 both ways:
secrets.json (secret-shaped text, each with the trick it uses to hide, made by
make_secrets.py) must all be refused, ordinary.json (notes in English, Chinese, Japanese,
Korean and more, dates, masked emails and phone hints, links) must all pass.
"""

import base64
import json
import secrets
import string
import time
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from django.core.exceptions import ValidationError
from django.urls import reverse
from mnemonic import Mnemonic

from accounts.secret_detection import (
    API_KEY_MESSAGE,
    CREDENTIALS_MESSAGE,
    PRIVATE_KEY_MESSAGE,
    TOTP_SEED_MESSAGE,
    find_secret,
    find_secret_in_fields,
    mask_login_hint,
    normalise,
    reject_secrets,
)

MNEMO = Mnemonic("english")
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
BASE62 = string.ascii_letters + string.digits
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _random_with_digit(alphabet: str, length: int) -> str:
    """Random string guaranteed to contain a digit and a letter (keeps tests deterministic)."""
    while True:
        value = _random(alphabet, length)
        if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            return value


def _in_note(template: str, secret: str) -> tuple[str, str]:
    """A secret pasted inside an ordinary note: (full text, the secret part)."""
    return template.format(secret), secret


def _sample(made: str | tuple[str, str]) -> tuple[str, str]:
    return made if isinstance(made, tuple) else (made, made)


def _assert_not_echoed(message: str, secret: str) -> None:
    assert secret not in message
    # No long slice of the secret either.
    compact = secret.replace(" ", "")
    for start in range(0, max(len(compact) - 8, 1)):
        assert compact[start : start + 8] not in message.replace(" ", "")


# ------------------------------------------------------------------------------------------
# Seed phrases
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("strength,words", [(128, 12), (160, 15), (192, 18), (256, 24)])
def test_generated_mnemonic_is_refused_with_word_count(strength, words):
    phrase = MNEMO.generate(strength)
    message = find_secret(phrase)
    assert message is not None
    assert f"{words}-word recovery (seed) phrase" in message
    _assert_not_echoed(message, phrase)


@pytest.mark.parametrize(
    "layout",
    [
        lambda ws: "\n".join(f"{i}. {w}" for i, w in enumerate(ws, 1)),
        lambda ws: " ".join(f"{i}) {w}" for i, w in enumerate(ws, 1)),
        lambda ws: "\n".join(f"{i}: {w}" for i, w in enumerate(ws, 1)),
        lambda ws: ", ".join(ws),
        lambda ws: ",".join(ws),
        lambda ws: " - ".join(ws),
        lambda ws: "\n".join(w.upper() for w in ws),
        lambda ws: " ".join(w.capitalize() for w in ws),
        lambda ws: "My backup words: " + " ".join(ws) + ". Keep safe!",
    ],
    ids=[
        "numbered-dot",
        "numbered-paren",
        "numbered-colon",
        "comma-space",
        "comma",
        "spaced-hyphen",
        "uppercase-lines",
        "capitalized",
        "embedded-in-note",
    ],
)
@pytest.mark.parametrize("strength,words", [(128, 12), (256, 24)])
def test_seed_phrase_layouts_are_refused(layout, strength, words):
    phrase_words = MNEMO.generate(strength).split()
    text = layout(phrase_words)
    message = find_secret(text)
    assert message is not None
    assert f"{words}-word" in message
    assert " ".join(phrase_words[:3]) not in message


def test_eleven_list_words_are_not_a_seed_phrase():
    words = MNEMO.generate(128).split()[:11]
    assert find_secret(" ".join(words) + " and the rest") is None


def test_seed_run_broken_by_ordinary_words():
    words = MNEMO.generate(256).split()
    text = (
        " ".join(words[:8]) + " and the " + " ".join(words[8:16]) + " is my " + " ".join(words[16:])
    )
    assert find_secret(text) is None


# ------------------------------------------------------------------------------------------
# Private keys
# ------------------------------------------------------------------------------------------


def _pem_ec() -> str:
    key = ec.generate_private_key(ec.SECP256K1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


def _pem_pkcs8() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _pem_openssh() -> str:
    key = ed25519.Ed25519PrivateKey.generate()
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    ).decode()


PRIVATE_KEY_SAMPLES = {
    "hex64": lambda: secrets.token_hex(32),
    "hex64-0x": lambda: "0x" + secrets.token_hex(32),
    "hex64-upper-in-note": lambda: _in_note(
        "old MetaMask key {} do not lose", secrets.token_hex(32).upper()
    ),
    "hex64-assignment": lambda: _in_note("privkey={}", secrets.token_hex(32)),
    "wif-uncompressed": lambda: "5" + _random(BASE58, 50),
    "wif-compressed-K": lambda: "K" + _random(BASE58, 51),
    "wif-compressed-L": lambda: "L" + _random(BASE58, 51),
    "wif-wiki-example": lambda: "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ",
    "xprv-bip32-vector": lambda: (
        "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kej"
        "MRNNU3TGtRBeJgk33yuGBxrMPHi"
    ),
    "zprv-random": lambda: "zprv" + _random(BASE58, 107),
    "pem-ec": _pem_ec,
    "pem-pkcs8": _pem_pkcs8,
    "pem-openssh": _pem_openssh,
    "pem-header-only": lambda: _in_note("key was {} (rest lost)", "-----BEGIN EC PRIVATE KEY-----"),
}


@pytest.mark.parametrize("make", PRIVATE_KEY_SAMPLES.values(), ids=PRIVATE_KEY_SAMPLES.keys())
def test_private_keys_are_refused(make):
    text, sample = _sample(make())
    message = find_secret(text)
    assert message == PRIVATE_KEY_MESSAGE
    _assert_not_echoed(message, sample)


# ------------------------------------------------------------------------------------------
# API keys and secrets
# ------------------------------------------------------------------------------------------


API_KEY_SAMPLES = {
    "binance-64-alnum": lambda: _random_with_digit(BASE62, 64),
    "binance-in-note": lambda: _in_note("API key {} read-only", _random_with_digit(BASE62, 64)),
    "kraken-88-base64": lambda: base64.b64encode(secrets.token_bytes(64)).decode(),
    "base64url-secret": lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    "alnum-32": lambda: _random_with_digit(BASE62, 32),
    "hex-40": lambda: secrets.token_hex(20),
    "hex-32": lambda: secrets.token_hex(16),
    "key-equals": lambda: _in_note("secret={}", _random_with_digit(BASE62, 40)),
    "coinbase-key-name": lambda: f"organizations/{uuid.uuid4()}/apiKeys/{uuid.uuid4()}",
}


@pytest.mark.parametrize("make", API_KEY_SAMPLES.values(), ids=API_KEY_SAMPLES.keys())
def test_api_keys_are_refused(make):
    text, sample = _sample(make())
    message = find_secret(text)
    assert message == API_KEY_MESSAGE
    assert "API keys and secrets belong in the exchange or a password manager" in message
    _assert_not_echoed(message, sample)


# ------------------------------------------------------------------------------------------
# 2FA (TOTP) setup keys
# ------------------------------------------------------------------------------------------


def _grouped(seed: str) -> str:
    """Authenticator apps show seeds in groups of four: "jbsw y3dp ehpk 3pxp"."""
    return " ".join(seed[i : i + 4] for i in range(0, len(seed), 4))


TOTP_SAMPLES = {
    "rfc-example": lambda: "JBSWY3DPEHPK3PXP",
    "padded": lambda: base64.b32encode(b"Hello!\xde\xad\xbe\xef" + secrets.token_bytes(6)).decode(),
    "grouped-upper": lambda: "JBSW Y3DP EHPK 3PXP",
    "grouped-lower-32": lambda: _grouped(_random_with_digit(BASE32, 32).lower()),
    "random-16": lambda: _random_with_digit(BASE32, 16),
    "random-26": lambda: _random_with_digit(BASE32, 26),
    "random-32": lambda: _random_with_digit(BASE32, 32),
    "in-note": lambda: _in_note(
        "Google Authenticator key {} for Kraken", _random_with_digit(BASE32, 16)
    ),
}


@pytest.mark.parametrize("make", TOTP_SAMPLES.values(), ids=TOTP_SAMPLES.keys())
def test_totp_seeds_are_refused(make):
    text, sample = _sample(make())
    message = find_secret(text)
    assert message == TOTP_SEED_MESSAGE
    _assert_not_echoed(message, sample)


# ------------------------------------------------------------------------------------------
# Credentials
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "jane@mail.com:Hunter2!",
        "jane@mail.com / S3cret#pw",
        "satoshi@protonmail.com | Tr0ub4dor&3",
        "bob.smith@yahoo.co.uk, qwerty123!",
        "alice@outlook.com - P@ssw0rd2024",
        "alice@outlook.com P@ssw0rd2024",
        "login jane@mail.com:123456",
        "password: hunter22",
        "Password=Summer2024!",
        "my pw is Tr0ub4dor&3",
        "PIN: 4821",
        "pin is 730512",
        "Pwd: Hunter2",
        "passwd = kr4k3n-main",
        "passphrase: correct-horse-9",
        "2FA: 493021",
        "OTP is 118822",
        "Login jane@mail.com, password: bananas",
        "Password: changed in March; PIN: 4821",
    ],
)
def test_credentials_are_refused(text):
    message = find_secret(text)
    assert message == CREDENTIALS_MESSAGE
    # The password part (after the last separator) must not be echoed.
    secret_part = text.replace("|", " ").replace(":", " ").replace("=", " ").split()[-1]
    assert secret_part not in message


# ------------------------------------------------------------------------------------------
# Ordinary notes must pass
# ------------------------------------------------------------------------------------------


ORDINARY_TEXTS = [
    "Main account for DCA, opened 2021",
    "j***@mail.com",
    "+44 *** **23",
    "Uses my old Gmail",
    "Password changed in March 2024 after the breach notice",
    "Reset password last year",
    "Withdrawal whitelist on; 2FA via YubiKey",
    "2FA is on",
    "2FA: YubiKey",
    "2FA: enabled (Authy)",
    "Password: stored in Bitwarden",
    "Password: 1Password",
    "Password is the same as the old Gmail one, change it!",
    "PIN: none",
    "Bought BTC and ETH in 2017, forgot about it",
    "Ledger backup is in the safe at home",
    "KYC done again in 2023 after they asked for proof of address",
    "https://www.binance.com/en/support/faq/abc123def456abc123def456abc123",
    "https://etherscan.io/tx/0x"
    + "5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060",
    "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    "Coinbase support case 3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    "Ticket #12345678 with support",
    "jane@mail.com",
    "jane@mail.com (primary)",
    "jane@mail.com (primary account)",
    "Login: jane@mail.com\nNotes: main account",
    "jane@mail.com: KYC-verified",
    "jane@mail.com: main login since 2019",
    "jane@mail.com / +44 7700 900123",
    "jane@mail.com UID 35482719",
    "jane@mail.com & mike@mail.com",
    "Password: Google",
    "jane@mail.com, 2FA-enabled, since 2019",
    "Login: jane.doe@gmail.com - opened 2020-05-14",
    "Main_Account_2021_Binance_Spot_Trading",
    "Statement saved as binance-statement-2023-01-to-2023-12.csv",
    "ProofOfAddressUploadedSuccessfully2023",
    "SubAccountForGridBotsAndCopyTradingOnly",
    "Exports in statements/2023/Q1/binance_export_v2_final",
    "IMPORTANT ACCOUNT, CHECK EVERY MONTH",
    "Phone +44 7700 900123 is the recovery number",
    "Deposit address starts with bc1q, full address is in the Ledger app",
    "Sold half in May 2022, the rest is staked until 2025 (about 40% APY at first)",
    (
        "I opened this account in March to buy a little bitcoin and keep it as a long term "
        "saving, but the app kept asking for more proof of address so I moved most of it to "
        "my hardware wallet and only left enough for the monthly fee and small test trades."
    ),
    (
        "Keep this account open: use only for spot trades, never for margin. Check the fee "
        "tier again each year and close it if the exchange stops supporting my bank."
    ),
    "Twelve words are written on the steel plate in the basement, not anywhere online.",
    "Account ID 123456789, VIP level 1, sub-account for bots",
    "Referral code: ABCD1234",
    "Opened with referral code ZX8K2PQ1 from a friend",
    "API keys: none",
    "API key for Koinly (read-only) created 2023 — revoke if unused",
    "Password last rotated 2024-06-01",
    "passphrase: see paper in safe",
    "my pw is the long one from Bitwarden",
    "PIN for the card is in the bank app",
    "OTP via SMS still enabled, need to switch to app",
    "Tax report exported to Drive/Crypto/2023/binance.csv",
    "See https://support.kraken.com/hc/en-us/articles/360000919966-How-to-create-an-API-key",
    "Ledger Nano X, firmware 2.2.3, 24 words on metal backup",
    "Order ID 0f8e1c2a-77b4-4a5e-9f0d-2c3b4a5d6e7f",
    "Order 6a4b3c2d7e5f4a3b, refund pending",
    "Tag/memo for XRP deposits is 123456789",
    "KYC_LEVEL_2_VERIFIED_2023_JUNE_AFTER_SELFIE",
    "USDT_TRC20_withdrawal_whitelist_address",
    # Public addresses are not secrets.
    "ETH deposit 0x52908400098527886E0F7030069857D2E4169EE7",
    "BTC address bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
    "Old BTC address 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
    "Genesis 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
    "Solana address 7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV",
]


@pytest.mark.parametrize("text", ORDINARY_TEXTS)
def test_ordinary_texts_pass(text):
    assert find_secret(text) is None


def test_ordinary_text_list_is_big_enough():
    assert len(ORDINARY_TEXTS) >= 20


PATHOLOGICAL = [
    "a" * 50_000, ("b" * 5_000 + "@") * 10, "a." * 20_000, "password: " * 5_000, "ab" * 20_000,
    "ab " * 15_000, "1a " * 15_000, "abandon " * 6_000, "JBSW " * 10_000, "a1:" * 15_000,
    "x" * 1_000 + "\u200b" * 20_000, "abandonability" * 3_000,
]


# Not a speed measurement (the machine may be busy): a guard against work that grows
# with the square of the input, which takes minutes on these and fails here. Each takes
# well under a second on a quiet machine.
BLOW_UP_SECONDS = 10


@pytest.mark.parametrize("text", PATHOLOGICAL, ids=range(len(PATHOLOGICAL)))
def test_long_pathological_input_does_not_blow_up(text):
    started = time.perf_counter()
    find_secret(text)
    assert time.perf_counter() - started < BLOW_UP_SECONDS


def test_four_long_fields_together_do_not_blow_up():
    """The fields of one record are read in every order: 4 fields of 2,000 characters."""
    fields = [("so " * 700)[:2000], ("1 x " * 500)[:2000], "x" * 2000, ("JBSW " * 400)[:2000]]
    started = time.perf_counter()
    assert find_secret_in_fields(fields) is None
    assert time.perf_counter() - started < BLOW_UP_SECONDS


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_text_passes(text):
    assert find_secret(text) is None


# ------------------------------------------------------------------------------------------
# Django validator
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "Main account for DCA, opened 2021"])
def test_reject_secrets_accepts_fine_values(value):
    assert reject_secrets(value) is None


def test_reject_secrets_raises_with_code_and_message():
    phrase = MNEMO.generate(128)
    with pytest.raises(ValidationError) as excinfo:
        reject_secrets(f"backup: {phrase}")
    error = excinfo.value
    assert error.code == "secret"
    assert "12-word recovery (seed) phrase" in error.message
    assert phrase not in error.message


def test_reject_secrets_on_password():
    with pytest.raises(ValidationError) as excinfo:
        reject_secrets("jane@mail.com:Hunter2!")
    assert excinfo.value.code == "secret"
    assert "Hunter2!" not in excinfo.value.message


# ------------------------------------------------------------------------------------------
# Login hint masking
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        ("john.doe@mail.com", "j***@mail.com"),
        ("  Jane@Example.co.uk ", "J***@Example.co.uk"),
        ("x@y.io", "x***@y.io"),
        ("+44 7700 900123", "+44 *** **23"),
        ("+1 (555) 010-2299", "+1 *** **99"),
        ("+33612345678", "+33 *** **78"),
        ("07700 900123", "*** **23"),
        ("j***@mail.com", "j***@mail.com"),
        ("+44 *** **23", "+44 *** **23"),
        ("  my old Gmail  ", "my old Gmail"),
        ("satoshi_n", "satoshi_n"),
        ("2021-2023", "2021-2023"),
        ("", ""),
    ],
)
def test_mask_login_hint(value, expected):
    assert mask_login_hint(value) == expected


@pytest.mark.parametrize("value", ["john.doe@mail.com", "+44 7700 900123", "07700 900123"])
def test_masked_hint_is_stable_and_not_a_secret(value):
    masked = mask_login_hint(value)
    assert mask_login_hint(masked) == masked
    assert find_secret(masked) is None


# ------------------------------------------------------------------------------------------
# The corpus (issue 13): every trick refused, every ordinary text accepted
# ------------------------------------------------------------------------------------------

CORPUS = Path(__file__).resolve().parent / "secret_corpus"
SECRET_SAMPLES = json.loads((CORPUS / "secrets.json").read_text())
ORDINARY_SAMPLES = json.loads((CORPUS / "ordinary.json").read_text(encoding="utf-8"))


def _sample_id(sample: dict, index: int) -> str:
    return f"{index}-{sample['kind']}-{sample['trick']}".replace(" ", "_")


def test_the_corpus_is_big_and_varied():
    assert len(SECRET_SAMPLES) >= 150
    assert len(ORDINARY_SAMPLES) >= 150
    assert {s["kind"] for s in SECRET_SAMPLES} == {
        "seed phrase", "private key", "API key", "TOTP seed", "credentials",
    }
    categories = {s["category"] for s in ORDINARY_SAMPLES}
    assert {"english", "chinese", "japanese", "korean", "dates", "masked emails",
            "phone hints"} <= categories
    for category in ("english", "chinese", "japanese", "korean"):
        assert sum(s["category"] == category for s in ORDINARY_SAMPLES) >= 20, category


@pytest.mark.parametrize(
    "sample", SECRET_SAMPLES,
    ids=[_sample_id(sample, index) for index, sample in enumerate(SECRET_SAMPLES)],
)
def test_every_secret_in_the_corpus_is_refused(sample):
    if "fields" in sample:  # split over the fields of one record
        assert all(find_secret(field) is None for field in sample["fields"])
        message = find_secret_in_fields(sample["fields"])
    else:
        message = find_secret(sample["text"])
    assert message is not None, sample["trick"]
    for part in sample.get("fields", [sample.get("text")]):
        for token in normalise(part).split():
            if len(token) >= 8 and not token.isalpha():
                assert token not in message  # never echoed back


@pytest.mark.parametrize(
    "sample", ORDINARY_SAMPLES,
    ids=[f"{index}-{sample['category']}" for index, sample in enumerate(ORDINARY_SAMPLES)],
)
def test_every_ordinary_text_in_the_corpus_passes(sample):
    assert find_secret(sample["text"]) is None


def test_the_ordinary_corpus_also_passes_as_fields_of_one_record():
    """Ordinary fields side by side (a label, a masked hint, a note) stay ordinary."""
    texts = [sample["text"] for sample in ORDINARY_SAMPLES]
    for index in range(0, len(texts) - 2, 3):
        assert find_secret_in_fields(texts[index:index + 3]) is None, texts[index:index + 3]


# ------------------------------------------------------------------------------------------
# Normalisation
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("ｐａｓｓｗｏｒｄ：１２３", "password:123"),  # fullwidth forms
    ("pass\u200bwo\u00adrd\u200d", "password"),  # zero-width space, soft hyphen, joiner
    ("\u202eabandon\u202c", "abandon"),  # direction overrides
    ("раsswоrd", "password"),  # Cyrillic р, а, о
    ("Αβ", "Aβ"),  # Greek capital alpha looks Latin; small beta doesn't
    ("ábandon", "abandon"),  # accents on Latin letters
    ("𝐚𝐛𝐚𝐧𝐝𝐨𝐧", "abandon"),  # mathematical bold
    ("パスワード", "パスワード"),  # kana keep their marks
    ("비밀번호", "비밀번호"),  # Hangul syllables survive decomposition
    ("密码", "密码"),
])
def test_normalise(text, expected):
    assert normalise(text) == expected


def test_one_secret_field_is_reported_by_itself_not_as_a_combination():
    phrase = MNEMO.generate(128)
    assert find_secret_in_fields(["Main", phrase]) == find_secret(phrase)


def test_messages_are_translated_at_use(settings):
    from django.utils import translation

    with translation.override("en"):
        message = find_secret("password: hunter22")
    assert isinstance(message, str) and message == str(CREDENTIALS_MESSAGE)


# ------------------------------------------------------------------------------------------
# Wired into the forms: the fields of one record together, imports, the safety phrase
# ------------------------------------------------------------------------------------------

ACCOUNT_FORM = {
    "exchange_choice": "other", "other_exchange_name": "Some exchange",
    "last_login_on": "2025-01-01", "check_in_every_days": "90", "two_factor_method": "sms",
    "phone_status": "unknown", "kyc_status": "unknown",
}


@pytest.mark.django_db
def test_half_a_phrase_in_the_label_and_half_in_the_notes_is_refused(owner_client, owner):
    from accounts.models import ExchangeAccount

    words = MNEMO.generate(128).split()
    response = owner_client.post(reverse("account_create"), {
        **ACCOUNT_FORM, "label": " ".join(words[:6]), "notes": " ".join(words[6:]),
    })
    assert response.status_code == 200
    [error] = response.context["form"].non_field_errors()
    assert error.startswith("Together, these fields look like a secret.")
    assert "12-word recovery (seed) phrase" in error
    assert words[0] not in error
    assert not ExchangeAccount.objects.filter(owner=owner).exists()


@pytest.mark.django_db
def test_each_half_alone_is_accepted(owner_client, owner):
    words = MNEMO.generate(128).split()
    response = owner_client.post(reverse("account_create"), {
        **ACCOUNT_FORM, "label": " ".join(words[:6]), "notes": "",
    })
    assert response.status_code == 302


@pytest.mark.django_db
def test_a_secret_in_one_field_is_reported_beside_that_field_only(owner_client):
    response = owner_client.post(reverse("account_create"), {
        **ACCOUNT_FORM, "label": "Main", "notes": "ｐａｓｓｗｏｒｄ ｈｕｎｔｅｒ２２",
    })
    form = response.context["form"]
    assert form.errors["notes"] == [str(CREDENTIALS_MESSAGE)]
    assert form.non_field_errors() == []


@pytest.mark.django_db
def test_an_imported_row_with_a_phrase_split_over_label_and_notes_is_refused(owner):
    from accounts.inventory_io import CSV_COLUMNS, parse_csv

    words = MNEMO.generate(128).split()
    row = {"exchange": "Some exchange", "last_login_on": "2025-01-01",
           "label": " ".join(words[:6]), "notes": " ".join(words[6:])}
    text = ",".join(CSV_COLUMNS) + "\n" + ",".join(row.get(c, "") for c in CSV_COLUMNS) + "\n"
    result = parse_csv(text, owner)
    [error] = result.errors
    assert (error.row, error.column) == (2, "")
    assert "12-word recovery (seed) phrase" in error.message


@pytest.mark.django_db
@pytest.mark.parametrize("phrase", [
    "ｐａｓｓｗｏｒｄ ｈｕｎｔｅｒ２２",  # fullwidth
    "pass\u200bword: Summer2024!",  # a zero-width space in the keyword
    "JBSW-Y3DP-EHPK-3PXP",  # a TOTP key in dashed groups
])
def test_the_email_safety_phrase_refuses_secrets_too(owner_client, phrase):
    response = owner_client.post(reverse("reminder_settings"), {
        "enabled": "on", "frequency": "weekly", "warn_days": "14", "hour": "9",
        "time_zone": "UTC", "safety_phrase": phrase,
    })
    assert response.status_code == 200
    assert response.context["form"].errors["safety_phrase"]
