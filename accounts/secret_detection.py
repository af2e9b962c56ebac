"""Refuse secrets in free-text fields.

The app must never store secrets (recovery phrases, private keys, API keys, passwords, 2FA
setup keys). Free-text fields (an account's label, notes, login hint and exchange name,
the email safety phrase, imported rows) are validated with `reject_secrets`; the fields
of one record are also checked together (`find_secret_in_fields`), so half a phrase in
the label and half in the notes is still one phrase. `find_secret` explains, in words a
person can act on, what looks like a secret; it never echoes the secret back.

Text is normalised before any rule looks at it, because an outside pass (issue 13) walked
around the first version with tricks anyone could stumble on:

- Unicode NFKC (fullwidth ｆｏｒｍｓ, ligatures, mathematical letters become plain ones),
  format characters (zero-width spaces and joiners, soft hyphens, direction marks) and
  combining marks removed, and letters from other scripts that look like Latin ones
  (Cyrillic а, Greek ο...) folded to Latin with Unicode's confusables table, as shipped
  by the `confusable_homoglyphs` package.
- Recovery phrases are read as words separated by anything that is not a letter
  (numbering, punctuation, digits glued to words), with list numbering ("a)", "iv.")
  ignored, BIP-39's four-letter abbreviations accepted and one filler word allowed.
- Keys are also looked for across groups: colon-separated bytes, blocks separated by
  spaces or line breaks, inside URLs and email addresses.

Detection is heuristic: each rule aims at a shape that is very unlikely in ordinary notes,
so that a normal sentence in any language, a date, a URL, a UUID, a masked email or phone
hint passes. tests/secret_corpus/ holds the samples both ways.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import permutations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

# --------------------------------------------------------------------------------------------
# User-facing messages. They describe the kind of secret, never the secret itself.
# --------------------------------------------------------------------------------------------

SEED_PHRASE_MESSAGE = gettext_lazy(
    "This looks like a %(count)d-word recovery (seed) phrase. Never store it anywhere "
    "online — not here, not in notes apps. Remove it and keep it offline."
)
PRIVATE_KEY_MESSAGE = gettext_lazy(
    "This looks like a private key. Anyone who sees it can take your funds, so we never "
    "store it. Remove it and keep it offline."
)
CREDENTIALS_MESSAGE = gettext_lazy(
    "This looks like a password or login code. We never store passwords — keep them in a "
    "password manager, and remove this from the text."
)
TOTP_SEED_MESSAGE = gettext_lazy(
    "This looks like a 2FA setup key (the code behind your authenticator app). Anyone with "
    "it can generate your 2FA codes, so we never store it. Remove it."
)
API_KEY_MESSAGE = gettext_lazy(
    "This looks like an API key or secret. API keys and secrets belong in the exchange or "
    "a password manager, never here. Remove it."
)
ACROSS_FIELDS_MESSAGE = gettext_lazy(
    "Together, these fields look like a secret. %(explanation)s"
)

# --------------------------------------------------------------------------------------------
# Tuning constants.
# --------------------------------------------------------------------------------------------

# BIP-39 phrases are 12-24 words; 12 list words in a row almost never happen in ordinary
# English because the commonest words ("the", "and", "my", "is") are not in the list.
SEED_MIN_WORDS = 12
SEED_STANDARD_LENGTHS = (12, 15, 18, 21, 24)
# BIP-39 words are unique by their first four letters, and wallets accept those.
SEED_PREFIX_LENGTH = 4
# A token this long that splits exactly into list words is words glued together.
SEED_GLUED_MIN_LENGTH = 10
# Tokens that number a list rather than break it: "a)", "iv.", "1st".
NUMBERING_TOKENS = frozenset({
    "ii", "iii", "iv", "vi", "vii", "viii", "ix", "xi", "xii", "xiii", "xiv", "xv", "xvi",
    "xvii", "xviii", "xix", "xx", "xxi", "xxii", "xxiii", "xxiv", "st", "nd", "rd", "th",
})

# API keys/secrets: long single tokens with letters and digits that look random.
API_KEY_MIN_LENGTH = 32
API_KEY_MAX_LENGTH = 128  # the longest we put back together from chunks
API_KEY_MIN_ENTROPY = 3.5  # bits per character; random base62 of 32 chars is ~4.5
HEX_SECRET_MIN_LENGTH = 32  # e.g. 40-hex secrets; hex entropy is capped at 4 so no entropy test
HEX_PRIVATE_KEY_LENGTH = 64
# Word-like tokens (slugs, CamelCase, snake_case) are split into pieces; random strings
# produce many tiny pieces, words produce long ones.
WORDLIKE_MIN_MEAN_PIECE = 4.0
WORDLIKE_MAX_ACRONYM = 4
WORDLIKE_SHORT_PATH_SEGMENT = 4  # "Q1", "2023", "m4" between slashes
# A long mixed-case token without digits (about 0.3 % of random base64 secrets) still counts
# when it is long and very diverse; CamelCase prose is excluded by the word-like test.
LETTERS_ONLY_KEY_MIN_LENGTH = 40
LETTERS_ONLY_KEY_MIN_ENTROPY = 4.2
# A key written in chunks: equal blocks of at least this many characters...
CHUNK_MIN_LENGTH = 4
# ...or blocks that each look random on their own (letters and digits, not words).
RANDOM_CHUNK_MIN_LENGTH = 8

# TOTP (RFC 6238) seeds are base32: 80 to 320 bits are what exchanges and apps show.
TOTP_MIN_LENGTH = 16
TOTP_MAX_LENGTH = 64
# Letters-only base32 strings are accepted as TOTP seeds only if they have few vowels: random
# letters have ~20 % vowels, English words (even in caps) ~40 %.
TOTP_MAX_VOWEL_RATIO = 0.25

# Credentials: minimum length of something that is treated as a password after an email.
PASSWORD_MIN_LENGTH = 6
# After "password:" we need at least this many characters before calling it a value.
KEYWORD_VALUE_MIN_LENGTH = 4
# "PIN 4821" / "2FA 493021": codes are 4 to 8 digits.
CODE_LENGTHS = range(4, 9)

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
PEM_PRIVATE_KEY_RE = re.compile(r"BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY", re.IGNORECASE)

# BIP-32 extended private keys: 4-char prefix + base58, 111 chars in total.
XPRV_RE = re.compile(rf"{NOT_AFTER_B64}[xyztuvYZUV]prv[{BASE58}]{{100,112}}{NOT_BEFORE_B64}")
XPRV_PREFIXES = ("xprv", "yprv", "zprv", "tprv", "uprv", "vprv", "Yprv", "Zprv", "Uprv", "Vprv")
XPRV_LENGTH = 111

# Wallet Import Format: uncompressed keys start with 5 (51 chars), compressed with K/L (52).
WIF_RE = re.compile(rf"{NOT_AFTER_B64}(?:5[{BASE58}]{{50}}|[KLc9][{BASE58}]{{51}}){NOT_BEFORE_B64}")
WIF_SHAPES = {51: ("5", "9"), 52: ("K", "L", "c")}  # mainnet and testnet
KEY_FIRST_CHARS = "59KLc" + "".join({prefix[0] for prefix in XPRV_PREFIXES})

# Raw 256-bit private key: exactly 64 hex chars, optionally 0x-prefixed.
HEX64_RE = re.compile(rf"{NOT_AFTER_B64}(?:0x)?[0-9a-fA-F]{{64}}{NOT_BEFORE_B64}")
# A transaction id is a 64-hex hash too; after "tx", "txid" or "transaction" it is one.
TX_HASH_RE = re.compile(
    r"(?:\btx(?:id|hash)?|\btransaction(?:\s*(?:id|hash))?)\W{0,3}(?:0x)?[0-9a-fA-F]{64}"
    r"(?![0-9a-fA-F])",
    re.IGNORECASE,
)
# Hex written in groups: "a1:b2:c3:..." (bytes), "a1b2c3d4 e5f6a7b8 ..." (blocks),
# "a1b2-c3d4-...", one group per line.
HEX_GROUPS_RE = re.compile(
    r"(?<![0-9A-Za-z])(?:0x)?[0-9a-fA-F]{2,}(?:(?:[ \t]*[:\-_.,][ \t]*|\s+)[0-9a-fA-F]{2,})+"
    r"(?![0-9A-Za-z])"
)
# Base58 blocks separated by spaces or line breaks (a WIF or xprv split up).
BASE58_GROUPS_RE = re.compile(
    rf"(?<![0-9A-Za-z])[{BASE58}]+(?:[ \t]*[:\-_.][ \t]*|\s+)"
    rf"(?:[{BASE58}]+(?:[ \t]*[:\-_.][ \t]*|\s+))*[{BASE58}]+(?![0-9A-Za-z])"
)
# Chunks of a key in any of the key alphabets, separated by spaces or line breaks.
CHUNKS_RE = re.compile(
    r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/=_]+(?:[ \t]*[\n\r]+[ \t]*|[ \t]+|-)"
    r"(?:[A-Za-z0-9+/=_]+(?:[ \t]*[\n\r]+[ \t]*|[ \t]+|-))*[A-Za-z0-9+/=_]+"
)

# The look-behind anchors the match at the start of the local part, keeping the scan linear.
EMAIL_PATTERN = (
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
EMAIL_RE = re.compile(EMAIL_PATTERN)

# "jane@mail.com:Hunter2!" — email, a separator within a few chars, then a token.
# Strong separators (":", "|", "=") make anything non-trivial after them suspicious; weak ones
# (whitespace, one line break, ",", "/", " - ") need a token that really looks like a password.
EMAIL_CREDENTIAL_RE = re.compile(
    rf"(?P<email>{EMAIL_PATTERN})"
    r"(?P<sep>[ \t]*[:|=][ \t]*|[ \t]*[/,][ \t]*\n?[ \t]*|[ \t]+[-–—][ \t]+|[ \t]*\r?\n[ \t]*"
    r"|[ \t]+)(?P<value>\S+)"
)

# "password: hunter22", "my pw is Tr0ub4dor&3", "PIN=4821", "password hunter22", "密码：…".
KEYWORD_CREDENTIAL_RE = re.compile(
    r"(?<![A-Za-z0-9])(?P<keyword>passwords?|passwd|pwd|pass|pw|pin|2fa|otp|passphrase"
    r"|passcode|密码|密碼|口令|パスワード|暗証番号|비밀번호|암호)"
    # The value is peeked at (not consumed) so "pwd: changed; pin: 4821" checks both keywords.
    r"(?P<sep>\s*[:=：]\s*|\s+is\s+|\s*[-–—]\s*|\s+)(?=(?P<value>[^\n]{0,200}))",
    re.IGNORECASE,
)
# Keywords whose values are passwords (may be a single plain word) rather than numeric codes.
CODE_KEYWORDS = frozenset({"pin", "2fa", "otp", "passcode", "暗証番号"})

# Base32 TOTP seed, in one block or in groups ("JBSW Y3DP EHPK 3PXP", "JBSW-Y3DP-...").
# Same stand-alone rule as key shapes (a slice of a base64 secret is not a TOTP seed); base32
# may end with "=" padding.
TOTP_BLOCK_RE = re.compile(rf"{NOT_AFTER_B64}(?:[A-Z2-7]+|[a-z2-7]+)(?==*{NOT_BEFORE_B64})")
TOTP_GROUPED_RE = re.compile(
    r"(?<![A-Za-z0-9+/_-])[A-Za-z2-7]{2,8}(?:[ -][A-Za-z2-7]{2,8}){2,15}(?![A-Za-z0-9+/=_])"
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
# The scheme is anchored and bounded, so a long run of letters is scanned once.
URL_RE = re.compile(
    r"(?:(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,15}://|\bwww\.)[^\s<>\"']+", re.IGNORECASE
)
# IPv6 addresses are groups of hex too ("2001:db8::1" in an API key's IP whitelist).
IPV6_CANDIDATE_RE = re.compile(r"(?<![0-9A-Za-z:])[0-9a-fA-F:]*::?[0-9a-fA-F:]+(?![0-9A-Za-z:])")

# Seed phrase words: letters (after normalisation), CamelCase split.
LETTER_RUN_RE = re.compile(r"[^\W\d_]+")
CAMEL_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")

PHONE_RE = re.compile(r"\+?[\d\s().\-]+")
# With a "+country" prefix 7 digits is enough; without one we need more, so that "2021-2023"
# is not taken for a phone number.
PHONE_MIN_DIGITS_INTERNATIONAL = 7
PHONE_MIN_DIGITS_LOCAL = 9


# --------------------------------------------------------------------------------------------
# Normalisation.
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _latin_lookalikes() -> dict[int, str]:
    """Letters and digits from other scripts that look like an ASCII one, from Unicode's
    confusables.txt (loaded once, on first use: the table is about 1 MB)."""
    from confusable_homoglyphs.confusables import confusables_data

    table = {}
    for char, homoglyphs in confusables_data.items():
        if len(char) != 1 or char.isascii():
            continue
        for glyph in homoglyphs:
            target = glyph["c"]
            if len(target) == 1 and target.isascii() and target.isalnum():
                table[ord(char)] = target
                break
    return table


def normalise(text: str) -> str:
    """The text as the rules read it: NFKC, no invisible or combining characters, Latin
    look-alikes folded to Latin."""
    if text.isascii():
        return text  # nothing to fold; most notes
    kept: list[str] = []
    for char in unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text)):
        category = unicodedata.category(char)
        if category == "Cf":
            continue  # zero-width spaces and joiners, soft hyphens, direction marks
        if category in ("Mn", "Me") and (not kept or kept[-1].isascii()):
            continue  # accents on Latin letters ("ábandon"); kana and Hangul keep theirs
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept)).translate(_latin_lookalikes())


# --------------------------------------------------------------------------------------------
# Helpers.
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _bip39_words() -> frozenset[str]:
    """Load the 2048-word BIP-39 English list once, on first use."""
    from mnemonic import Mnemonic

    return frozenset(Mnemonic("english").wordlist)


@lru_cache(maxsize=1)
def _bip39_prefixes() -> frozenset[str]:
    return frozenset(word[:SEED_PREFIX_LENGTH] for word in _bip39_words())


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


def _without(pattern: re.Pattern, text: str) -> str:
    return pattern.sub(" ", text)


def _without_ipv6(text: str) -> str:
    def blank(match: re.Match) -> str:
        try:
            ipaddress.IPv6Address(match.group())
        except ValueError:
            return match.group()
        return " "

    return IPV6_CANDIDATE_RE.sub(blank, text)


def _urls_as_query_values(text: str) -> str:
    """URLs replaced by their query values: paths and host names are identifiers (support
    articles, shared documents), but `?apikey=...` is a value someone pasted."""

    def values(match: re.Match) -> str:
        query = match.group().partition("?")[2].partition("#")[0]
        return " " + " ".join(part.partition("=")[2] for part in query.split("&")) + " "

    return URL_RE.sub(values, text)


def _urls_taken_apart(text: str) -> str:
    """URLs with their delimiters turned into spaces, so a key in a path or query stands
    alone (inside a URL a "/" before it is a separator, not base64)."""
    return URL_RE.sub(lambda match: re.sub(r"[/?&=#:@.;,]", " ", match.group()), text)


def _joined_to_length(
    chunks: list[str], lengths: Iterable[int], first_chars: str | None = None
) -> Iterator[str]:
    """Runs of consecutive chunks whose joined length is exactly one of `lengths` (a key's
    length), starting with one of `first_chars` if given, found through running totals
    so the work stays linear in the text."""
    offsets = [0]  # offsets[i]: characters in chunks[:i]
    for chunk in chunks:
        offsets.append(offsets[-1] + len(chunk))
    end_at = {offset: index for index, offset in enumerate(offsets)}
    for start, offset in enumerate(offsets[:-1]):
        if first_chars is not None and chunks[start][0] not in first_chars:
            continue
        for length in lengths:
            end = end_at.get(offset + length)
            if end is not None:
                yield "".join(chunks[start:end])


# --------------------------------------------------------------------------------------------
# Rules. Each takes normalised text and returns a message or None.
# --------------------------------------------------------------------------------------------


def _seed_tokens(text: str) -> Iterator[str]:
    """Words, lower-cased: runs of letters, CamelCase split; anything else separates."""
    for run in LETTER_RUN_RE.findall(text):
        if run.isascii():
            yield from (piece.lower() for piece in CAMEL_RE.findall(run))
        else:
            yield run  # another script: a word, never a list word


def _seed_word_count(token: str) -> int:
    """How many BIP-39 words `token` is: 1 for a word or its 4-letter abbreviation, n for n
    words glued together, 0 otherwise."""
    words = _bip39_words()
    if token in words:
        return 1
    if len(token) == SEED_PREFIX_LENGTH and token in _bip39_prefixes():
        return 1
    if len(token) >= SEED_GLUED_MIN_LENGTH and token.isascii():
        return _glued_word_count(token)
    return 0


@lru_cache(maxsize=4096)
def _glued_word_count(token: str) -> int:
    """Split `token` into whole list words if it can be ("abandonability" -> 2), else 0."""
    words = _bip39_words()
    best = [0] + [-1] * len(token)  # best[i]: most words covering token[:i], -1: impossible
    for end in range(1, len(token) + 1):
        for start in range(max(0, end - 8), end - 2):
            if best[start] >= 0 and token[start:end] in words:
                best[end] = max(best[end], best[start] + 1)
    return max(best[-1], 0) if best[-1] >= 2 else 0


def _longest_seed_run(text: str) -> int:
    """The most list words in a row, allowing one filler word among them. Numbering
    ("a)", "iv.", "1st") neither counts nor breaks a run."""
    counts = [
        _seed_word_count(token) for token in _seed_tokens(text)
        if len(token) > 1 and token not in NUMBERING_TOKENS
    ]
    runs: list[tuple[int, int, int]] = []  # (first token, token after the run, words)
    start, words = None, 0
    for index, count in enumerate([*counts, 0]):
        if count:
            start, words = (index, 0) if start is None else (start, words)
            words += count
        elif start is not None:
            runs.append((start, index, words))
            start = None
    best = max((words for _, _, words in runs), default=0)
    # Two runs with exactly one filler token between them count as one.
    for (_, first_end, first), (second_start, _, second) in zip(runs, runs[1:], strict=False):
        if second_start == first_end + 1:
            best = max(best, first + second)
    return best


def _seed_phrase_length(run: int) -> int:
    """Word count to report: the longest standard BIP-39 length (12, 15, ..., 24) in the run.

    A neighbouring list word ("Keep", "Access"...) can lengthen a run by one or two words.
    """
    return max(n for n in SEED_STANDARD_LENGTHS if n <= run)


def _check_seed_phrase(text: str) -> str | None:
    run = _longest_seed_run(text)
    if run >= SEED_MIN_WORDS:
        return str(SEED_PHRASE_MESSAGE) % {"count": _seed_phrase_length(run)}
    return None


def _base58check_is_valid(token: str) -> bool:
    """True when ``token`` decodes as Base58Check (a WIF, an xprv, a legacy address)."""
    number = 0
    for char in token:
        index = BASE58_ALPHABET.find(char)
        if index < 0:
            return False
        number = number * 58 + index
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    raw = b"\x00" * (len(token) - len(token.lstrip("1"))) + body
    if len(raw) < 5:
        return False
    payload, checksum = raw[:-4], raw[-4:]
    return hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] == checksum


def _is_split_base58_key(joined: str) -> bool:
    """A WIF or extended private key put back together from pieces: its checksum must
    hold, so ordinary words that happen to add up to the length never count."""
    if len(joined) == XPRV_LENGTH and joined.startswith(XPRV_PREFIXES):
        return _base58check_is_valid(joined)
    starts = WIF_SHAPES.get(len(joined))
    if starts is None:
        return False
    return joined.startswith(starts) and _base58check_is_valid(joined)


def _hex_groups(text: str) -> Iterator[list[str]]:
    for match in HEX_GROUPS_RE.finditer(text):
        yield [chunk.removeprefix("0x") for chunk in re.findall(r"[0-9A-Za-z]+", match.group())]


def _is_hex_secret(hex_text: str) -> bool:
    # Pure hex: require both digits and letters so long numbers aren't flagged.
    return (
        len(hex_text) >= HEX_SECRET_MIN_LENGTH
        and bool(re.search(r"\d", hex_text) and re.search(r"[a-fA-F]", hex_text))
    )


def _check_private_key(text: str) -> str | None:
    if PEM_PRIVATE_KEY_RE.search(text) or XPRV_RE.search(text) or WIF_RE.search(text):
        return str(PRIVATE_KEY_MESSAGE)
    text = _without(TX_HASH_RE, text)
    if HEX64_RE.search(text) or HEX64_RE.search(_urls_taken_apart(text)):
        return str(PRIVATE_KEY_MESSAGE)
    for match in BASE58_GROUPS_RE.finditer(text):
        chunks = re.findall(rf"[{BASE58}]+", match.group())
        split_keys = _joined_to_length(chunks, (*WIF_SHAPES, XPRV_LENGTH), KEY_FIRST_CHARS)
        if any(_is_split_base58_key(joined) for joined in split_keys):
            return str(PRIVATE_KEY_MESSAGE)
    ungrouped = _without_ipv6(_without(UUID_RE, text))
    for chunks in _hex_groups(ungrouped):
        if not _is_hex_secret("".join(chunks)):
            continue  # no digits, or no letters, anywhere in the group
        if any(_is_hex_secret(joined)
               for joined in _joined_to_length(chunks, (HEX_PRIVATE_KEY_LENGTH,))):
            return str(PRIVATE_KEY_MESSAGE)
    return None


def _clean_value(value: str) -> str:
    """Strip sentence punctuation and brackets/quotes around a candidate value."""
    return value.rstrip(".,;:。、").strip("()[]{}<>\"'`「」")


def _is_masked(value: str) -> bool:
    """"****", or a masked hint such as "j***@gmail.com" or "+81 ***-***-1234"."""
    return bool(value) and (set(value) <= set("*•x.") or "**" in value or "••" in value)


def _is_date_or_number(value: str) -> bool:
    return re.fullmatch(r"[\d\s/.:\-]+", value) is not None


def _looks_like_password(value: str, strong_separator: bool) -> bool:
    """Does the token after an email look like a password rather than a description?"""
    value = _clean_value(value)
    if len(value) < PASSWORD_MIN_LENGTH or _is_masked(value):
        return False
    if EMAIL_RE.fullmatch(value) or URL_RE.match(value):
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
            return str(CREDENTIALS_MESSAGE)
    return None


def _is_code(value: str) -> bool:
    """A PIN or one-time code: 4 to 8 digits, not a year."""
    return (
        value.isdigit() and len(value) in CODE_LENGTHS
        and not (len(value) == 4 and re.fullmatch(r"(?:19|20)\d\d", value))
    )


def _keyword_value_is_secret(keyword: str, separator: str, rest: str) -> bool:
    """Decide whether what follows "password:" / "pin is" is an actual secret value."""
    rest = rest.strip()
    if not rest:
        return False
    first = _clean_value(rest.split()[0])
    if _is_masked(first) or first.lower() in PASSWORD_DESCRIPTOR_WORDS:
        return False
    if not first.isascii():
        return False  # "パスワード：パスワードマネージャーに保存": words, not a password
    is_code_keyword = keyword.lower() in CODE_KEYWORDS
    if not re.search(r"[:=：]|\bis\b", separator):
        # "password hunter22", "PIN 4821": without a colon the value must look the part;
        # "password changed in 2024" and "2FA since 2021" are descriptions.
        return _is_code(first) if is_code_keyword else _looks_like_password(first, False)
    if re.search(r"[^\w'’-]", first) or re.search(r"\d", first):
        # Digits or symbols: "hunter22", "Tr0ub4dor&3", "4821".
        return len(first) >= KEYWORD_VALUE_MIN_LENGTH
    # A plain word is a password only when it is the whole value ("password: bananas"), not the
    # start of a sentence ("password: changed in March", "2FA is on").
    single_word = len(rest.split()) == 1
    return not is_code_keyword and single_word and len(first) >= PASSWORD_MIN_LENGTH


def _check_keyword_credentials(text: str) -> str | None:
    for match in KEYWORD_CREDENTIAL_RE.finditer(text):
        # The value ends at the end of the line or at the next sentence/clause separator.
        rest = re.split(r"[;\n]|\.\s|。", match.group("value"), maxsplit=1)[0]
        if _keyword_value_is_secret(match.group("keyword"), match.group("sep"), rest):
            return str(CREDENTIALS_MESSAGE)
    return None


def _is_totp_seed(candidate: str, grouped: bool = False) -> bool:
    if not TOTP_MIN_LENGTH <= len(candidate) <= TOTP_MAX_LENGTH:
        return False
    if not re.search(r"[A-Za-z]", candidate):
        return False
    if candidate.upper() != candidate and candidate.lower() != candidate:
        return False  # base32 is shown in one case
    # Hex strings (IDs, hashes) are also valid base32 but almost never real base32 seeds.
    if HEX_RE.fullmatch(candidate):
        return False
    if re.search(r"[2-7]", candidate):
        # Seeds are shown in capitals or in groups; a lower-case run of words and digits
        # ("kyclevel2verified") is a description.
        return grouped or candidate.isupper() or not _is_word_like(candidate)
    # Letters only: accept random-looking uppercase blocks (few vowels), not shouted words.
    # Grouped text must have a digit, so runs of four-letter words ("okay this time") pass.
    vowels = sum(c in "AEIOUaeiou" for c in candidate)
    return not grouped and candidate.isupper() and vowels / len(candidate) <= TOTP_MAX_VOWEL_RATIO


def _even_groups(groups: list[str], max_length: int, min_group: int = 1) -> Iterator[str]:
    """From each group of at least `min_group` characters on: the run of groups of its
    size, and that run with one shorter last group, up to `max_length` characters. Keys
    are grouped evenly, and the words around one in a note ("key", "for") don't belong
    to it."""
    for start, first in enumerate(groups):
        if len(first) < min_group:
            continue
        joined, count = first, 1
        for index in range(start + 1, len(groups)):  # no slicing: this loop is bounded
            group = groups[index]
            if len(joined) + len(group) > max_length or len(group) > len(first):
                break
            if len(group) < len(first):
                if count >= 2:  # a short tail ends a run of groups, not a lone word
                    yield joined + group
                break
            joined, count = joined + group, count + 1
        if count >= 2:
            yield joined


def _check_totp_seed(text: str) -> str | None:
    for match in TOTP_GROUPED_RE.finditer(text):
        groups = re.split(r"[ -]", match.group())
        if any(_is_totp_seed(joined, grouped=True)
               for joined in _even_groups(groups, TOTP_MAX_LENGTH)):
            return str(TOTP_SEED_MESSAGE)
    for match in TOTP_BLOCK_RE.finditer(text):
        if _is_totp_seed(match.group()):
            return str(TOTP_SEED_MESSAGE)
    return None


def _is_public_address(token: str, text: str) -> bool:
    if EVM_ADDRESS_RE.fullmatch(token) or BECH32_ADDRESS_RE.fullmatch(token):
        return True
    if len(token) in BASE58_ADDRESS_LENGTHS and BASE58_TOKEN_RE.fullmatch(token):
        return _base58check_is_valid(token) or bool(ADDRESS_CONTEXT_RE.search(text))
    return False


def _looks_like_api_key(token: str) -> bool:
    if len(token) < API_KEY_MIN_LENGTH or UUID_RE.fullmatch(token):
        return False
    if HEX_RE.fullmatch(token):
        return _is_hex_secret(token)
    has_digit = re.search(r"\d", token) is not None
    mixed_case = bool(re.search(r"[a-z]", token) and re.search(r"[A-Z]", token))
    if not re.search(r"[A-Za-z]", token):
        return False
    # The cheap tests first: letters of one case and no digit are never a key.
    if not has_digit and not (mixed_case and len(token) >= LETTERS_ONLY_KEY_MIN_LENGTH):
        return False
    if _is_word_like(token):
        return False
    entropy = shannon_entropy(token)
    if has_digit:
        return entropy >= API_KEY_MIN_ENTROPY
    return entropy >= LETTERS_ONLY_KEY_MIN_ENTROPY


def _is_random_chunk(chunk: str) -> bool:
    return (
        len(chunk) >= RANDOM_CHUNK_MIN_LENGTH
        and bool(re.search(r"\d", chunk) and re.search(r"[A-Za-z]", chunk))
        and not _is_word_like(chunk)
    )


def _joined_chunks(text: str) -> Iterator[str]:
    """Keys split into chunks, put back together: evenly sized blocks ("vmPU ZE6m v9SD
    ..."), or blocks that each look random (a key broken over two or three lines)."""
    for match in CHUNKS_RE.finditer(text):
        chunks = re.split(r"\s+|-", match.group())
        yield from _even_groups(chunks, API_KEY_MAX_LENGTH, CHUNK_MIN_LENGTH)
        random_run: list[str] = []
        for chunk in [*chunks, ""]:
            if _is_random_chunk(chunk):
                random_run.append(chunk)
                continue
            if len(random_run) >= 2:
                yield "".join(random_run)
            random_run = []


def _check_api_key(text: str) -> str | None:
    if COINBASE_KEY_NAME_RE.search(text):
        return str(API_KEY_MESSAGE)
    text = _urls_as_query_values(_without(TX_HASH_RE, text))
    candidates = _without_ipv6(_without(UUID_RE, text))
    for token in TOKEN_RE.findall(candidates):
        if _looks_like_api_key(token) and not _is_public_address(token, text):
            return str(API_KEY_MESSAGE)
    for joined in _joined_chunks(candidates):
        if _looks_like_api_key(joined) and not _is_public_address(joined, text):
            return str(API_KEY_MESSAGE)
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


def _apply_rules(normalised: str) -> str | None:
    for rule in _RULES:
        message = rule(normalised)
        if message:
            return message
    return None


def find_secret(text: str) -> str | None:
    """Return a user-facing explanation if ``text`` looks like it contains a secret, else None."""
    if not text or not text.strip():
        return None
    return _apply_rules(normalise(text))


def find_secret_in_fields(values: Iterable[str | None]) -> str | None:
    """Like `find_secret`, for the free-text fields of one record read together: half a
    phrase in one field and half in another is still a phrase. Fields are joined in every
    order (a record has a handful), each on its own line."""
    filled = [normalise(value) for value in values if value and value.strip()]
    for ordered in permutations(filled):
        message = _apply_rules("\n".join(ordered))
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


def reject_secrets_across_fields(form, field_names: Iterable[str]) -> None:
    """Form helper, for `clean()`: when no field alone holds a secret but the fields
    together do, say so on the form. A secret within one field is left to that field's
    own validator, which reports it beside the field."""
    names = [name for name in field_names if name in form.fields]
    values = [form.cleaned_data.get(name) for name in names]
    if any(form.has_error(name) for name in names) or any(
        value and find_secret(value) for value in values
    ):
        return
    message = find_secret_in_fields(values)
    if message:
        form.add_error(None, ValidationError(
            str(ACROSS_FIELDS_MESSAGE) % {"explanation": message}, code="secret"
        ))


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
