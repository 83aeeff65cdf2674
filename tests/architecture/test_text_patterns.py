"""Every text pattern people fill in is refused in words, never as its regular expression."""

import msgspec

from hduce.core.config import Section
from hduce.core.schemas import ClockTime
from hduce.core.text_patterns import WORDS, worded
from tests.architecture.test_request_bodies import _every_input


def _patterns(info: msgspec.inspect.Type, seen: set[int]) -> set[str]:
    """The patterns of every text `info` holds, in its fields, items and options."""
    if id(info) in seen:
        return set()
    seen.add(id(info))
    found = {info.pattern} if isinstance(info, msgspec.inspect.StrType) and info.pattern else set()
    inner = [f.type for f in getattr(info, "fields", ())]
    inner += list(getattr(info, "types", ()))
    inner += [getattr(info, name, None) for name in ("type", "item_type", "key_type", "value_type")]
    for part in inner:
        if isinstance(part, msgspec.inspect.Type):
            found |= _patterns(part, seen)
    return found


def _sections() -> list[type[Section]]:
    found, todo = [], list(Section.__subclasses__())
    while todo:
        found.append(cls := todo.pop())
        todo.extend(cls.__subclasses__())
    return found


def test_every_pattern_of_a_body_or_setting_has_its_words() -> None:
    kinds = [*_every_input(), *_sections()]
    seen: set[int] = set()
    patterns = set().union(*(_patterns(i, seen) for i in msgspec.inspect.multi_type_info(kinds)))
    assert len(patterns) >= 6, patterns  # the walk reached the phone, username, name... types
    assert not patterns - WORDS.keys(), "said as a regular expression: use `matching`"


def test_a_time_of_day_refused_says_how_to_write_one() -> None:
    try:
        msgspec.convert("25:00", ClockTime)
    except msgspec.ValidationError as exc:
        message = worded(str(exc))
    assert message == "a time of day, `HH:MM` or `HH:MM:SS` (00:00 to 23:59)", message
