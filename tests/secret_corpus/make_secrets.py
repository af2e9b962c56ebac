"""Writes secrets.json: secret-shaped samples, each with the trick it uses.

Run from the project root (`.venv/bin/python tests/secret_corpus/make_secrets.py`) to
regenerate; the random generator is seeded, so the file only changes when this script
does. Every sample is fake: random entropy, or published test vectors. The tricks are
the ones an outside pass used to walk around the detector (issue 13).
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import string
from pathlib import Path

from mnemonic import Mnemonic

RNG = random.Random(13)
MNEMO = Mnemonic("english")
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
BASE62 = string.ascii_letters + string.digits
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
LOOKALIKES = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і"}
ZWSP, SOFT_HYPHEN, ZWJ = "\u200b", "\u00ad", "\u200d"
ORDINAL = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd"}
ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii",
         "xiv", "xv", "xvi", "xvii", "xviii", "xix", "xx", "xxi", "xxii", "xxiii", "xxiv"]
# BIP-32 test vector 1, master private key.
XPRV = ("xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kej"
        "MRNNU3TGtRBeJgk33yuGBxrMPHi")


def phrase(words: int = 12) -> list[str]:
    strength = {12: 128, 15: 160, 18: 192, 21: 224, 24: 256}[words]
    return MNEMO.to_mnemonic(RNG.randbytes(strength // 8)).split()


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def lookalike(text: str) -> str:
    return "".join(LOOKALIKES.get(c, c) for c in text)


def every_other(text: str, inserted: str) -> str:
    return inserted.join(text[i:i + 2] for i in range(0, len(text), 2))


def base58check(payload: bytes) -> str:
    data = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rest = divmod(number, 58)
        out = BASE58[rest] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def wif(compressed: bool) -> str:
    return base58check(b"\x80" + RNG.randbytes(32) + (b"\x01" if compressed else b""))


def random_text(alphabet: str, length: int) -> str:
    while True:
        value = "".join(RNG.choice(alphabet) for _ in range(length))
        if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            return value


def groups(text: str, size: int, separator: str = " ") -> str:
    return separator.join(text[i:i + size] for i in range(0, len(text), size))


def split_at_random(text: str, pieces: int, separator: str) -> str:
    cuts = sorted(RNG.sample(range(6, len(text) - 6), pieces - 1))
    return separator.join(text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True))


def seed_samples() -> list[dict]:
    layouts = {
        "full stops": lambda ws: ".".join(ws),
        "full stop and space": lambda ws: ". ".join(ws) + ".",
        "hyphens": lambda ws: "-".join(ws),
        "slashes": lambda ws: "/".join(ws),
        "plus signs": lambda ws: "+".join(ws),
        "double quotes": lambda ws: " ".join(f'"{w}"' for w in ws),
        "single quotes and commas": lambda ws: ", ".join(f"'{w}'" for w in ws),
        "square brackets": lambda ws: "".join(f"[{w}]" for w in ws),
        "round brackets": lambda ws: " ".join(f"({w})" for w in ws),
        "letters with parentheses": lambda ws: " ".join(
            f"{string.ascii_lowercase[i]}) {w}" for i, w in enumerate(ws)),
        "letters in brackets on lines": lambda ws: "\n".join(
            f"({string.ascii_lowercase[i]}) {w}" for i, w in enumerate(ws)),
        "three-digit numbering": lambda ws: " ".join(f"{i:03d} {w}" for i, w in enumerate(ws, 1)),
        "numbers glued before": lambda ws: " ".join(f"{i}{w}" for i, w in enumerate(ws, 1)),
        "numbers glued after": lambda ws: "".join(f"{w}{i}" for i, w in enumerate(ws, 1)),
        "roman numerals": lambda ws: "\n".join(
            f"{r}. {w}" for r, w in zip(ROMAN, ws, strict=False)),
        "ordinals": lambda ws: ", ".join(
            f"{i}{ORDINAL.get(i, 'th')} {w}" for i, w in enumerate(ws, 1)),
        "tabs and semicolons": lambda ws: "\t;".join(ws),
        "pipes": lambda ws: "|".join(ws),
        "zero-width spaces inside words": lambda ws: " ".join(every_other(w, ZWSP) for w in ws),
        "zero-width joiners between words": lambda ws: ZWJ.join(ws),
        "soft hyphens": lambda ws: " ".join(every_other(w, SOFT_HYPHEN) for w in ws),
        "look-alike letters": lambda ws: " ".join(lookalike(w) for w in ws),
        "fullwidth letters": lambda ws: "\u3000".join(fullwidth(w) for w in ws),
        "accents": lambda ws: " ".join(w[0] + "\u0301" + w[1:] for w in ws),
        "four-letter abbreviations": lambda ws: " ".join(w[:4] for w in ws),
        "abbreviations in caps": lambda ws: " ".join(w[:4].upper() for w in ws),
        "one filler word": lambda ws: " ".join(ws[:6] + ["mango"] + ws[6:]),
        "one filler word, numbered": lambda ws: "\n".join(
            f"{i}. {w}" for i, w in enumerate(ws[:5] + ["(skip)"] + ws[5:], 1)),
        "glued together": lambda ws: "".join(ws),
        "CamelCase": lambda ws: "".join(w.capitalize() for w in ws),
        "upper case lines": lambda ws: "\n".join(w.upper() for w in ws),
        "inside a sentence": lambda ws: "backup words are " + " ".join(ws) + " ok",
    }
    samples: list[dict] = []
    for trick, layout in layouts.items():
        for words in (12, 24):
            samples.append({"kind": "seed phrase", "trick": trick, "text": layout(phrase(words))})
    for _ in range(2):
        ws = phrase(12)  # each half alone (6 words) is not a phrase
        half = 6
        samples.append({"kind": "seed phrase", "trick": "split across fields",
                        "fields": [" ".join(ws[:half]), "j***@gmail.com", " ".join(ws[half:])]})
        samples.append({"kind": "seed phrase", "trick": "split across fields, reversed",
                        "fields": [" ".join(ws[half:]), " ".join(ws[:half])]})
    return samples


def private_key_samples() -> list[dict]:
    samples = []
    for _ in range(2):
        key = RNG.randbytes(32).hex()
        samples += [
            {"trick": "hex", "text": key},
            {"trick": "colon-separated bytes", "text": ":".join(groups(key, 2).split())},
            {"trick": "spaced blocks of 8", "text": groups(key, 8)},
            {"trick": "spaced blocks of 4, upper case", "text": groups(key.upper(), 4)},
            {"trick": "one block per line", "text": groups(key, 16, "\n")},
            {"trick": "dashed blocks", "text": groups(key, 8, "-")},
            {"trick": "inside a URL path", "text": f"https://wallet.example.com/restore/{key}"},
            {"trick": "inside a URL query", "text": f"https://example.org/import?pk=0x{key}&a=1"},
            {"trick": "as an email address", "text": f"{key}@gmail.com"},
            {"trick": "fullwidth digits", "text": fullwidth(key)},
            {"trick": "zero-width spaces", "text": every_other(key, ZWSP)},
            {"trick": "comma-separated bytes", "text": ", ".join(groups(key, 2).split())},
        ]
    for compressed in (False, True, False, True):
        key = wif(compressed)
        samples += [
            {"trick": "WIF", "text": key},
            {"trick": "WIF split by spaces", "text": split_at_random(key, 3, " ")},
            {"trick": "WIF split by a line break", "text": split_at_random(key, 2, "\n")},
            {"trick": "WIF in groups of 4", "text": groups(key, 4)},
        ]
    samples += [
        {"trick": "xprv", "text": XPRV},
        {"trick": "xprv split by spaces", "text": split_at_random(XPRV, 4, " ")},
        {"trick": "xprv split by line breaks", "text": groups(XPRV, 30, "\n")},
        {"trick": "xprv in groups of 8", "text": groups(XPRV, 8)},
        {"trick": "PEM header in lower case", "text": "-----begin ec private key-----\nMHQC..."},
        {"trick": "PEM header, fullwidth", "text": fullwidth("BEGIN PRIVATE KEY")},
    ]
    return [{"kind": "private key", **sample} for sample in samples]


def api_key_samples() -> list[dict]:
    samples = []
    for _ in range(2):
        key = random_text(BASE62, 64)
        secret = base64.b64encode(RNG.randbytes(64)).decode()
        samples += [
            {"trick": "plain", "text": key},
            {"trick": "4 chunks of 16", "text": groups(key, 16)},
            {"trick": "8 chunks of 8", "text": groups(key, 8)},
            {"trick": "16 chunks of 4", "text": groups(key, 4)},
            {"trick": "chunks on lines", "text": groups(key, 22, "\n")},
            {"trick": "split unevenly over two lines", "text": split_at_random(key, 2, "\n")},
            {"trick": "dashed chunks", "text": groups(key, 16, "-")},
            {"trick": "chunks of 4 in a sentence", "text": f"api key {groups(key, 4)} readonly"},
            {"trick": "in a URL query", "text": f"https://api.example.com/v3/order?apiKey={key}"},
            {"trick": "as an email address", "text": f"{key[:60]}@binance.com"},
            {"trick": "fullwidth", "text": fullwidth(key)},
            {"trick": "zero-width spaces", "text": every_other(key, ZWSP)},
            {"trick": "look-alike letters", "text": lookalike(key)},
            {"trick": "base64 secret", "text": "secret " + secret},
            {"trick": "base64 secret in chunks", "text": groups(secret, 22)},
            {"trick": "hex secret in blocks", "text": groups(RNG.randbytes(20).hex(), 8)},
        ]
    return [{"kind": "API key", **sample} for sample in samples]


def totp_samples() -> list[dict]:
    samples = []
    for length in (16, 20, 24, 26, 32, 40, 52, 64):
        seed = random_text(BASE32, length)
        samples += [
            {"trick": f"base32, {length}", "text": seed},
            {"trick": f"base32, {length}, dashes", "text": groups(seed, 4, "-")},
            {"trick": f"base32, {length}, lower case groups", "text": groups(seed.lower(), 4)},
        ]
    seed = random_text(BASE32, 32)
    samples += [
        {"trick": "otpauth URI", "text": f"otpauth://totp/Binance:me?secret={seed}&issuer=Binance"},
        {"trick": "fullwidth", "text": fullwidth(seed)},
        {"trick": "zero-width spaces", "text": every_other(seed, ZWSP)},
        {"trick": "groups of 4 with dashes, in a note",
         "text": "authenticator key " + groups(random_text(BASE32, 16), 4, "-") + " for Kraken"},
    ]
    return [{"kind": "TOTP seed", **sample} for sample in samples]


def credential_samples() -> list[dict]:
    samples = [
        ("password and a space", "password hunter22"),
        ("password and a space, capitalised", "Password Summer2024!"),
        ("pw and a space", "pw Tr0ub4dor&3"),
        ("password, dash", "password - S3cret#pw"),
        ("passcode and a space", "passcode 731902"),
        ("PIN and a space", "PIN 4821"),
        ("2FA code and a space", "2FA 493021"),
        ("email, newline, password", "jane@mail.com\nHunter2!x"),
        ("email, newline, password with CR LF", "bob.smith@yahoo.co.uk\r\nqwerty123!"),
        ("email, comma, newline, password", "satoshi@protonmail.com,\nTr0ub4dor&3"),
        ("email and password on a login line", "login jane@mail.com pass S3cret#pw"),
        ("email, colon, password", "alice@outlook.com:P@ssw0rd2024"),
        ("Chinese keyword", "密码：abc12345"),
        ("Chinese keyword, no colon", "密码 Hunter2!x"),
        ("Japanese keyword", "パスワード: Pa55word!"),
        ("Korean keyword", "비밀번호 qwer1234!"),
        ("fullwidth keyword and value", fullwidth("password: hunter22")),
        ("zero-width space in the keyword", "pass\u200bword: hunter22"),
        ("soft hyphen in the keyword", "pass\u00adword: Summer2024!"),
        ("look-alike letters in the keyword", "pаsswоrd: hunter22"),
        ("keyword in a sentence", "my binance password is Tr0ub4dor&3 dont lose"),
        ("keyword is, plain word", "Password: bananas"),
        ("PIN is", "pin is 730512"),
        ("OTP with colon", "OTP: 118822"),
        ("email in fullwidth, newline, password", fullwidth("jane@mail.com") + "\nHunter2!x"),
        ("password after a line break in a note", "Kraken main\npassword hunter22"),
    ]
    return [{"kind": "credentials", "trick": trick, "text": text} for trick, text in samples]


def main() -> None:
    samples = (seed_samples() + private_key_samples() + api_key_samples() + totp_samples()
               + credential_samples())
    path = Path(__file__).with_name("secrets.json")
    path.write_text(json.dumps(samples, indent=1, ensure_ascii=True) + "\n")
    print(f"{len(samples)} samples written to {path}")


if __name__ == "__main__":
    main()
