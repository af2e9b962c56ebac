"""Refuse secrets in free-text fields.

The app must never store secrets (seed phrases, private keys, API keys, passwords, 2FA seeds).
Free-text fields such as an account label, notes or a login hint are validated with
``reject_secrets``, which uses ``find_secret`` to explain to the user, in plain English, what
looks like a secret and why we refuse it. Messages never echo the secret back.

Detection is heuristic: each rule aims at a shape that is very unlikely in ordinary notes,
so that a normal sentence, a URL, a UUID or a bare email address is accepted.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from functools import lru_cache

from django.core.exceptions import ValidationError

# --------------------------------------------------------------------------------------------
# User-facing messages. They describe the kind of secret, never the secret itself.
# --------------------------------------------------------------------------------------------

SEED_PHRASE_MESSAGE = (
    "This looks like a {count}-word recovery (seed) phrase. Never store it anywhere online — "
    "not here, not in notes apps. Remove it and keep it offline."
)
PRIVATE_KEY_MESSAGE = (
    "This looks like a private key. Anyone who sees it can take your funds, so we never store "
    "it. Remove it and keep it offline."
)
CREDENTIALS_MESSAGE = (
    "This looks like a password or login code. We never store passwords — keep them in a "
    "password manager, and remove this from the text."
)
TOTP_SEED_MESSAGE = (
    "This looks like a 2FA setup key (the code behind your authenticator app). Anyone with it "
    "can generate your 2FA codes, so we never store it. Remove it."
)
API_KEY_MESSAGE = (
    "This looks like an API key or secret. API keys and secrets belong in the exchange or a "
    "password manager, never here. Remove it."
)

# --------------------------------------------------------------------------------------------
# Tuning constants.
# --------------------------------------------------------------------------------------------

# BIP-39 phrases are 12-24 words; 12 consecutive word-list words almost never happen in
# ordinary English because very common words ("the", "and", "my", "is") are not in the list.
SEED_MIN_WORDS = 12
SEED_STANDARD_LENGTHS = (12, 15, 18, 21, 24)

# API keys/secrets: long single tokens with letters and digits that look random.
API_KEY_MIN_LENGTH = 32
API_KEY_MIN_ENTROPY = 3.5  # bits per character; random base62 of 32 chars is ~4.5
HEX_SECRET_MIN_LENGTH = 32  # e.g. 40-hex secrets; hex entropy is capped at 4 so no entropy test

# Word-like tokens (slugs, CamelCase, snake_case) are split into pieces; random strings
# produce many tiny pieces, words produce long ones.
WORDLIKE_MIN_MEAN_PIECE = 4.0
WORDLIKE_MAX_ACRONYM = 4
WORDLIKE_SHORT_PATH_SEGMENT = 4  # "Q1", "2023", "m4" between slashes
# A long mixed-case token without digits (about 0.3 % of random base64 secrets) still counts
# when it is long and very diverse; CamelCase prose is excluded by the word-like test.
LETTERS_ONLY_KEY_MIN_LENGTH = 40
LETTERS_ONLY_KEY_MIN_ENTROPY = 4.2

# TOTP (RFC 6238) seeds are base32; common lengths shown by exchanges/authenticator apps.
TOTP_LENGTHS = frozenset({16, 26, 32})
# Letters-only base32 strings are accepted as TOTP seeds only if they have few vowels: random
# letters have ~20 % vowels, English words (even in caps) ~40 %.
TOTP_MAX_VOWEL_RATIO = 0.25

# Credentials: minimum length of something that is treated as a password after an email.
PASSWORD_MIN_LENGTH = 6
# After "password:" we need at least this many characters before calling it a value.
KEYWORD_VALUE_MIN_LENGTH = 4

# Plain words that commonly follow "password:" in notes but are not passwords.
PASSWORD_DESCRIPTOR_WORDS = frozenset(
    {
        "apple", "biometric", "bitwarden", "changed", "dashlane", "default", "disabled",
        "enabled", "expired", "faceid", "forgotten", "generated", "google", "keepass",
        "keepassxc", "keychain", "lastpass", "manager", "missing", "none", "nordpass",
        "passkey", "passkeys", "protonpass", "random", "reset", "rotated", "saved", "stored",
        "strong", "temporary", "touchid", "unique", "unknown", "updated", "vault", "yubikey",
        "1password",
    }
)  # fmt: skip

# --------------------------------------------------------------------------------------------
# Regular expressions.
# --------------------------------------------------------------------------------------------

BASE58 = "1-9A-HJ-NP-Za-km-z"  # regex class: Bitcoin's alphabet has no 0, O, I or l
BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

# Key shapes must stand alone: a slice of a longer base64 secret is an API secret, not a key.
NOT_AFTER_B64 = r"(?<![A-Za-z0-9+/_-])"  # "key=<hex>" still counts
NOT_BEFORE_B64 = r"(?![A-Za-z0-9+/=_-])"

# PEM headers: "-----BEGIN PRIVATE KEY-----", "BEGIN EC PRIVATE KEY", "OPENSSH PRIVATE KEY",
# "PGP PRIVATE KEY BLOCK"... The dashes are optional because pasted text gets mangled.
PEM_PRIVATE_KEY_RE = re.compile(r"BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY")

# BIP-32 extended private keys: 4-char prefix + base58, 111 chars in total.
XPRV_RE = re.compile(rf"{NOT_AFTER_B64}[xyztuv]prv[{BASE58}]{{100,112}}{NOT_BEFORE_B64}")

# Wallet Import Format: uncompressed keys start with 5 (51 chars), compressed with K/L (52).
WIF_RE = re.compile(rf"{NOT_AFTER_B64}(?:5[{BASE58}]{{50}}|[KL][{BASE58}]{{51}}){NOT_BEFORE_B64}")

# Raw 256-bit private key: exactly 64 hex chars, optionally 0x-prefixed.
HEX64_RE = re.compile(rf"{NOT_AFTER_B64}(?:0x)?[0-9a-fA-F]{{64}}{NOT_BEFORE_B64}")

# The look-behind anchors the match at the start of the local part, keeping the scan linear.
EMAIL_PATTERN = (
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
EMAIL_RE = re.compile(EMAIL_PATTERN)

# "jane@mail.com:Hunter2!" — email, a separator within a few chars, then a token.
# Strong separators (":", "|", "=") make anything non-trivial after them suspicious; weak ones
# (whitespace, ",", "/", " - ") need a token that really looks like a password.
EMAIL_CREDENTIAL_RE = re.compile(
    rf"(?P<email>{EMAIL_PATTERN})"
    # Horizontal whitespace only: a new line starts a new thought ("Notes: ...").
    r"(?P<sep>[ \t]*[:|=][ \t]*|[ \t]*[/,][ \t]*|[ \t]+[-–—][ \t]+|[ \t]+)(?P<value>\S+)"
)

# "password: hunter22", "my pw is Tr0ub4dor&3", "PIN=4821".
KEYWORD_CREDENTIAL_RE = re.compile(
    r"(?<![A-Za-z0-9])(?P<keyword>passwords?|passwd|pwd|pass|pw|pin|2fa|otp|passphrase|passcode)"
    # The value is peeked at (not consumed) so "pwd: changed; pin: 4821" checks both keywords.
    r"(?P<sep>\s*[:=]\s*|\s+is\s+)(?=(?P<value>[^\n]{0,200}))",
    re.IGNORECASE,
)
# Keywords whose values are passwords (may be a single plain word) rather than numeric codes.
PASSWORD_KEYWORDS = frozenset(
    {"password", "passwords", "passwd", "pwd", "pass", "pw", "passphrase"}
)

# Base32 TOTP seed, either in one block or grouped in 4s ("JBSW Y3DP EHPK 3PXP").
# Same stand-alone rule as key shapes (a slice of a base64 secret is not a TOTP seed); base32
# may end with "=" padding.
TOTP_BLOCK_RE = re.compile(rf"{NOT_AFTER_B64}(?:[A-Z2-7]+|[a-z2-7]+)(?==*{NOT_BEFORE_B64})")
TOTP_GROUPED_RE = re.compile(
    rf"{NOT_AFTER_B64}[A-Za-z2-7]{{4}}(?: [A-Za-z2-7]{{4}}){{3,7}}(?: [A-Za-z2-7]{{2}})?"
    rf"{NOT_BEFORE_B64}"
)

# Candidate API keys/secrets: base64 / base64url / hex alphabet.
TOKEN_RE = re.compile(r"[A-Za-z0-9+/=_-]+")
HEX_RE = re.compile(r"[0-9a-fA-F]+")
UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# Coinbase Advanced/CDP key names: "organizations/<uuid>/apiKeys/<uuid>".
COINBASE_KEY_NAME_RE = re.compile(
    r"organizations/[0-9a-fA-F-]{36}/apiKeys/[0-9a-fA-F-]{36}", re.IGNORECASE
)
# Public addresses are not secrets and often end up in notes ("deposit address ...").
EVM_ADDRESS_RE = re.compile(r"0x[0-9a-fA-F]{40}")
# Bech32 needs a known prefix: a bare "e1fe56..." hex string also fits the bech32 alphabet.
BECH32_ADDRESS_RE = re.compile(
    r"(?:bc|tb|bcrt|ltc|tltc|addr|addr_test|stake|cosmos|osmo|terra|kava|inj|sei|celestia"
    r"|bnb|tbnb|one|zil|erd|ckb|grs|vtc|dgb)1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{38,}"
)
BASE58_TOKEN_RE = re.compile(rf"[{BASE58}]+")
BASE58_ADDRESS_LENGTHS = range(25, 45)  # BTC legacy / Tron (checksummed), Solana (not)
# Solana-style addresses have no checksum, so we only trust them when the note says so.
ADDRESS_CONTEXT_RE = re.compile(
    r"\b(?:address(?:es)?|addr|wallet|deposit|pubkey|public key)\b", re.IGNORECASE
)
# Split a word-ish token into pieces: CamelCase words, ALLCAPS runs, digit runs.
WORD_PIECE_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
URL_CHUNK_RE = re.compile(r"://|^www\.", re.IGNORECASE)

# Seed phrase tokenisation: split on whitespace, commas, semicolons and pipes; allow list
# numbering ("1.", "2)", "3:", "#4", "5-") and bullets/hyphens between words.
SEED_SPLIT_RE = re.compile(r"[\s,;|]+")
SEED_NEUTRAL_RE = re.compile(r"[-–—•*·]+|\(?#?\d{1,2}[.):\-]?\)?")
SEED_WORD_RE = re.compile(r"(?:\(?#?\d{1,2}[.):\-]\)?)?([A-Za-z]+)[.:]?")

PHONE_RE = re.compile(r"\+?[\d\s().\-]+")
# With a "+country" prefix 7 digits is enough; without one we need more, so that "2021-2023"
# is not taken for a phone number.
PHONE_MIN_DIGITS_INTERNATIONAL = 7
PHONE_MIN_DIGITS_LOCAL = 9


# --------------------------------------------------------------------------------------------
# Helpers.
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _bip39_words() -> frozenset[str]:
    """Load the 2048-word BIP-39 English list once, on first use."""
    from mnemonic import Mnemonic

    return frozenset(Mnemonic("english").wordlist)


def shannon_entropy(text: str) -> float:
    """Shannon entropy in bits per character of ``text`` (0 for empty text)."""
    if not text:
        return 0.0
    length = len(text)
    return -sum(n / length * math.log2(n / length) for n in Counter(text).values())


def _is_pronounceable(piece: str) -> bool:
    """A word has a vowel and no run of 5+ consonants; random letters rarely manage both."""
    lower = piece.lower()
    return bool(re.search(r"[aeiouy]", lower)) and not re.search(r"[^aeiouy]{5}", lower)


def _is_word_like(token: str) -> bool:
    """True for slugs, CamelCase, snake_case or paths made of real-looking words and numbers.

    Random keys break into many 1-2 character pieces, or into long unpronounceable ones;
    "Main_Account_2021_Binance", "KYCVerificationLevel2" or "exports/2023/Q1" don't.
    """
    segments = [segment for segment in token.split("/") if segment]
    return bool(segments) and all(
        len(segment) <= WORDLIKE_SHORT_PATH_SEGMENT or _is_word_like_segment(segment)
        for segment in segments
    )


def _is_word_like_segment(segment: str) -> bool:
    pieces = WORD_PIECE_RE.findall(segment)
    if not pieces:
        return False
    if sum(len(p) for p in pieces) / len(pieces) < WORDLIKE_MIN_MEAN_PIECE:
        return False
    for piece in pieces:
        if piece.isdigit() or len(piece) <= 3:
            continue
        if piece.isupper() and len(piece) <= WORDLIKE_MAX_ACRONYM:  # "USDT", "TRC"
            continue
        if not _is_pronounceable(piece):
            return False
    return True


def _without_urls_and_emails(text: str) -> str:
    """Blank out URLs and email addresses: their long parts are not secrets."""
    kept = []
    for chunk in text.split():
        if URL_CHUNK_RE.search(chunk):
            continue
        kept.append(EMAIL_RE.sub(" ", chunk))
    return " ".join(kept)


# --------------------------------------------------------------------------------------------
# Rules. Each returns a message or None.
# --------------------------------------------------------------------------------------------


def _longest_seed_run(text: str) -> int:
    """Length of the longest run of consecutive BIP-39 words.

    Separators, numbering and bullets between words don't break a run; any other word does.
    """
    words = _bip39_words()
    best = run = 0
    for piece in SEED_SPLIT_RE.split(text):
        if not piece or SEED_NEUTRAL_RE.fullmatch(piece):
            continue
        match = SEED_WORD_RE.fullmatch(piece)
        if match and match.group(1).lower() in words:
            run += 1
            best = max(best, run)
            if piece.endswith("."):  # "... zoo. Keep it safe": a full stop ends the phrase
                run = 0
        else:
            run = 0
    return best


def _seed_phrase_length(run: int) -> int:
    """Word count to report: the longest standard BIP-39 length (12, 15, ..., 24) in the run.

    A neighbouring list word ("Keep", "Access"...) can lengthen a run by one or two words.
    """
    return max(n for n in SEED_STANDARD_LENGTHS if n <= run)


def _check_seed_phrase(text: str) -> str | None:
    run = _longest_seed_run(text)
    if run >= SEED_MIN_WORDS:
        return SEED_PHRASE_MESSAGE.format(count=_seed_phrase_length(run))
    return None


def _check_private_key(text: str) -> str | None:
    if PEM_PRIVATE_KEY_RE.search(text) or XPRV_RE.search(text) or WIF_RE.search(text):
        return PRIVATE_KEY_MESSAGE
    # A 64-hex string is also what a transaction hash looks like; inside an explorer URL it is
    # a hash, on its own we can't tell, so we refuse it.
    if HEX64_RE.search(_without_urls_and_emails(text)):
        return PRIVATE_KEY_MESSAGE
    return None


def _clean_value(value: str) -> str:
    """Strip sentence punctuation and brackets/quotes around a candidate value."""
    return value.rstrip(".,;:").strip("()[]{}<>\"'`")


def _is_masked(value: str) -> bool:
    return bool(value) and set(value) <= set("*•x.")


def _is_date_or_number(value: str) -> bool:
    return re.fullmatch(r"[\d\s/.:\-]+", value) is not None


def _looks_like_password(value: str, strong_separator: bool) -> bool:
    """Does the token after an email look like a password rather than a description?"""
    value = _clean_value(value)
    if len(value) < PASSWORD_MIN_LENGTH or _is_masked(value):
        return False
    if EMAIL_RE.fullmatch(value) or URL_CHUNK_RE.search(value):
        return False
    if value.isdigit():  # "jane@mail.com:123456" is a PIN; "jane@mail.com 123456" may be a UID
        return strong_separator
    if _is_date_or_number(value) or value.isalpha():  # "2021-03-05", "(primary)", "personal"
        return False
    # Words and numbers joined by "-", "_" or "/" are descriptions ("KYC-verified",
    # "2FA-enabled", "spot-only"); "Hunter2!", "S3cret#pw" or "qwerty123" are not.
    segments = [s for s in re.split(r"[-_/]", value) if s]
    return not all(re.fullmatch(r"[A-Za-z]+|\d+|\d[A-Za-z]{1,3}", s) for s in segments)


def _check_email_credentials(text: str) -> str | None:
    for match in EMAIL_CREDENTIAL_RE.finditer(text):
        strong = bool(re.search(r"[:|=]", match.group("sep")))
        if _looks_like_password(match.group("value"), strong):
            return CREDENTIALS_MESSAGE
    return None


def _keyword_value_is_secret(keyword: str, rest: str) -> bool:
    """Decide whether what follows "password:" / "pin is" is an actual secret value."""
    rest = rest.strip()
    if not rest:
        return False
    first = _clean_value(rest.split()[0])
    if _is_masked(first) or first.lower() in PASSWORD_DESCRIPTOR_WORDS:
        return False
    if re.search(r"[^A-Za-z'’-]", first):  # digits or symbols: "hunter22", "Tr0ub4dor&3", "4821"
        return len(first) >= KEYWORD_VALUE_MIN_LENGTH
    # A plain word is a password only when it is the whole value ("password: bananas"), not the
    # start of a sentence ("password: changed in March", "2FA is on").
    single_word = len(rest.split()) == 1
    return (
        keyword.lower() in PASSWORD_KEYWORDS and single_word and len(first) >= PASSWORD_MIN_LENGTH
    )


def _check_keyword_credentials(text: str) -> str | None:
    for match in KEYWORD_CREDENTIAL_RE.finditer(text):
        # The value ends at the end of the line or at the next sentence/clause separator.
        rest = re.split(r"[;\n]|\.\s", match.group("value"), maxsplit=1)[0]
        if _keyword_value_is_secret(match.group("keyword"), rest):
            return CREDENTIALS_MESSAGE
    return None


def _is_totp_seed(candidate: str, grouped: bool = False) -> bool:
    if len(candidate) not in TOTP_LENGTHS or not re.search(r"[A-Za-z]", candidate):
        return False
    if candidate.upper() != candidate and candidate.lower() != candidate:
        return False  # base32 is shown in one case
    # Hex strings (IDs, hashes) are also valid base32 but almost never real base32 seeds.
    if HEX_RE.fullmatch(candidate):
        return False
    if re.search(r"[2-7]", candidate):
        return True
    # Letters only: accept random-looking uppercase blocks (few vowels), not shouted words.
    # Grouped text must have a digit, so runs of four-letter words ("okay this time") pass.
    vowels = sum(c in "AEIOUaeiou" for c in candidate)
    return not grouped and candidate.isupper() and vowels / len(candidate) <= TOTP_MAX_VOWEL_RATIO


def _check_totp_seed(text: str) -> str | None:
    for match in TOTP_GROUPED_RE.finditer(text):
        if _is_totp_seed(match.group().replace(" ", ""), grouped=True):
            return TOTP_SEED_MESSAGE
    for match in TOTP_BLOCK_RE.finditer(text):
        if _is_totp_seed(match.group()):
            return TOTP_SEED_MESSAGE
    return None


def _base58check_is_valid(token: str) -> bool:
    """True when ``token`` decodes as Base58Check (e.g. a legacy Bitcoin or Tron address)."""
    number = 0
    for char in token:
        number = number * 58 + BASE58_ALPHABET.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    raw = b"\x00" * (len(token) - len(token.lstrip("1"))) + body
    if len(raw) < 5:
        return False
    payload, checksum = raw[:-4], raw[-4:]
    return hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] == checksum


def _is_public_address(token: str, text: str) -> bool:
    if EVM_ADDRESS_RE.fullmatch(token) or BECH32_ADDRESS_RE.fullmatch(token):
        return True
    if len(token) in BASE58_ADDRESS_LENGTHS and BASE58_TOKEN_RE.fullmatch(token):
        return _base58check_is_valid(token) or bool(ADDRESS_CONTEXT_RE.search(text))
    return False


def _looks_like_api_key(token: str) -> bool:
    if len(token) < API_KEY_MIN_LENGTH or UUID_RE.fullmatch(token):
        return False
    if HEX_RE.fullmatch(token) and len(token) >= HEX_SECRET_MIN_LENGTH:
        # Pure hex: require both digits and letters so long numbers aren't flagged.
        return bool(re.search(r"\d", token) and re.search(r"[a-fA-F]", token))
    if not re.search(r"[A-Za-z]", token) or _is_word_like(token):
        return False
    entropy = shannon_entropy(token)
    if re.search(r"\d", token):
        return entropy >= API_KEY_MIN_ENTROPY
    mixed_case = re.search(r"[a-z]", token) and re.search(r"[A-Z]", token)
    return bool(
        mixed_case
        and len(token) >= LETTERS_ONLY_KEY_MIN_LENGTH
        and entropy >= LETTERS_ONLY_KEY_MIN_ENTROPY
    )


def _check_api_key(text: str) -> str | None:
    if COINBASE_KEY_NAME_RE.search(text):
        return API_KEY_MESSAGE
    for token in TOKEN_RE.findall(_without_urls_and_emails(text)):
        if _looks_like_api_key(token) and not _is_public_address(token, text):
            return API_KEY_MESSAGE
    return None


# Most specific first, so the user gets the most useful explanation.
_RULES = (
    _check_seed_phrase,
    _check_private_key,
    _check_email_credentials,
    _check_keyword_credentials,
    _check_totp_seed,
    _check_api_key,
)


# --------------------------------------------------------------------------------------------
# Public API.
# --------------------------------------------------------------------------------------------


def find_secret(text: str) -> str | None:
    """Return a user-facing explanation if ``text`` looks like it contains a secret, else None."""
    if not text or not text.strip():
        return None
    for rule in _RULES:
        message = rule(text)
        if message:
            return message
    return None


def reject_secrets(value) -> None:
    """Django validator: refuse free text that looks like it contains a secret."""
    if value is None or value == "":
        return
    message = find_secret(str(value))
    if message:
        raise ValidationError(message, code="secret")


def mask_login_hint(value: str) -> str:
    """Turn a full email or phone number into a masked hint; leave anything else as is.

    ``john.doe@mail.com`` -> ``j***@mail.com``; ``+44 7700 900123`` -> ``+44 *** **23``.
    """
    value = (value or "").strip()
    if not value or "*" in value:
        return value
    if EMAIL_RE.fullmatch(value):
        local, domain = value.rsplit("@", 1)
        return f"{local[0]}***@{domain}"
    digits = re.sub(r"\D", "", value)
    min_digits = PHONE_MIN_DIGITS_INTERNATIONAL if value.startswith("+") else PHONE_MIN_DIGITS_LOCAL
    if PHONE_RE.fullmatch(value) and len(digits) >= min_digits:
        prefix = ""
        if value.startswith("+"):
            # Keep the country code: the digits before the first separator, or "+NN".
            grouped = re.match(r"\+(\d{1,3})[\s().\-]", value)
            country = grouped.group(1) if grouped else digits[:2]
            prefix = f"+{country} "
        return f"{prefix}*** **{digits[-2:]}"
    return value
