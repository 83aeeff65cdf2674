"""The one check of the e-mail addresses accounts are opened with (API, CLI, import).

An address is `name@domain`: the name a dot-atom (RFC 5322, no quotes or comments), the domain
dot-separated names of letters, digits and inner hyphens, each up to 63 characters. Letters and
digits may be non-ASCII (SMTPUTF8, IDN), as `zoé.patient@exämple.org`.
"""

import unicodedata

MAX_LENGTH = 254
"""The longest address SMTP carries (RFC 5321's 256-octet path less its brackets)."""
LABEL_MAX = 63
"""The longest name between the dots of a domain (DNS)."""
ATEXT = frozenset("!#$%&'*+-/=?^_`{|}~")
"""What the name before the @ may hold besides letters and digits (RFC 5322 `atext`)."""
REFUSED = "not a usable e-mail address"


def address_problem(address: str) -> str | None:
    """Why `address` cannot be an account's e-mail address, in words; None when it can."""
    if len(address) > MAX_LENGTH:
        return f"{REFUSED}: longer than {MAX_LENGTH} characters"
    name, at, domain = address.rpartition("@")
    if not at:
        return f"{REFUSED}: has no @"
    if not name:
        return f"{REFUSED}: nothing before the @"
    why = _name_problem(name) or _domain_problem(domain)
    return f"{REFUSED}: {why}" if why else None


def check_email(address: str) -> None:
    """Refuse (`ValueError`, a 422 naming `email`) an address `address_problem` refuses."""
    if problem := address_problem(address):
        raise ValueError(f"{problem} - at `$.email`")


def _name_problem(name: str) -> str | None:
    if bad := next((c for c in name if c != "." and not _in_name(c)), None):
        return f"`{bad}` is not allowed before the @"
    return _dots(name.split("."), "before the @", "the name before the @")


def _domain_problem(domain: str) -> str | None:
    labels = domain.split(".")
    if len(labels) < 2:
        return "the domain after the @ has no dot (name@example.org)"
    if bad := next((c for c in domain if c not in ".-" and not _letter_or_digit(c)), None):
        return f"`{bad}` is not allowed in the domain"
    if problem := _dots(labels, "in the domain", "the domain"):
        return problem
    if any(len(label) > LABEL_MAX for label in labels):
        return f"a name in the domain is longer than {LABEL_MAX} characters"
    if any(label.startswith("-") or label.endswith("-") for label in labels):
        return "a name in the domain starts or ends with a hyphen"
    return None


def _dots(parts: list[str], where: str, whole: str) -> str | None:
    """Why dots cut `parts` badly: at the start or end of `whole`, or two in a row."""
    if not parts[0] or not parts[-1]:
        return f"{whole} starts or ends with a dot"
    if not all(parts):
        return f"two dots in a row {where}"
    return None


def _in_name(char: str) -> bool:
    return char in ATEXT or _letter_or_digit(char)


def _letter_or_digit(char: str) -> bool:
    """An ASCII letter or digit, or a non-ASCII letter, mark or digit."""
    if char.isascii():
        return char.isalnum()
    return unicodedata.category(char)[0] in "LMN"
