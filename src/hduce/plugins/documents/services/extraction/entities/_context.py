"""What the text says of a finding, after the ConText algorithm (Harkema et al., 2009).

A trigger phrase ("denies", "history of", "mother", "if", "possible") marks the findings after it
(or before it, for "ruled out") in its sentence as `negated`, `historical`, `family`,
`hypothetical` or `possible`, up to a terminating word ("but", "however"), a new clause (a comma
before a verb, ", has cough", or a label, ", cough:"), the end of its line unless the sentence
goes on (see `_SENTENCE_END`) and at most `MAX_SCOPE` words away. Pseudo-triggers ("no change",
"gram negative") and phrases inside an entity's name (the "without" of "... without
complications") mark nothing. A finding answered "no" on a form ("Diabetes: no") is negated.
A small rule set of our own with the lexicon of the published algorithm: medspaCy's ConText
needs spaCy, whose tokenizer alone costs more per page than the whole extraction.
"""

import bisect
import itertools
import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import NamedTuple

import msgspec

from hduce.plugins.documents.schemas._entity import Entity
from hduce.plugins.documents.services.extraction.entities._lexicon import Lexicon, fold_name
from hduce.plugins.documents.services.extraction.entities._overlaps import longest_first

MAX_SCOPE = 8
"""Words between a trigger and the finding it marks, at most."""
FORWARD, BACKWARD, BOTH = 1, 2, 3
TERMINATE, PSEUDO = "terminate", "pseudo"

# Phrases by (category, direction), `|`-separated.
_TRIGGERS: dict[tuple[str, int], str] = {
    ("negated", FORWARD): (
        "no|not|denies|denied|deny|denying|without|negative for|free of|absence of|"
        "no evidence of|no sign of|no signs of|never had|rules out|neither|nor|"
        "no history of|no known|no new|no episodes of|has not taken|not on"
    ),
    ("negated", BOTH): "ruled out",
    ("negated", BACKWARD): (
        "was ruled out|is ruled out|has been ruled out|unlikely|was negative|is negative|"
        "not seen|absent|not present|excluded|was excluded|not started|was not started|"
        "were not started|not given|was not given|were not given|not prescribed|"
        "was not prescribed|not taken|was not taken|was declined|was withheld"
    ),
    ("historical", FORWARD): (
        "history of|hx of|h/o|past medical history|pmh|past history|previous|previously|"
        "previously on|previously taking|formerly on|prior|status post|s/p|stopped|"
        "discontinued|no longer|was on|used to|formerly|childhood"
    ),
    ("historical", BACKWARD): (
        "in the past|years ago|as a child|was stopped|were stopped|has been stopped|"
        "was discontinued|has resolved"
    ),
    ("family", FORWARD): (
        "family history|family history of|fhx|mother|father|brother|sister|sibling|siblings|"
        "grandmother|grandfather|aunt|uncle|parents|cousin|son|daughter"
    ),
    ("family", BACKWARD): "in the family|runs in the family",
    ("hypothetical", FORWARD): (
        "if|in case of|should he develop|should she develop|return if|call if|watch for|"
        "monitor for|signs of|risk of|to prevent"
    ),
    ("possible", FORWARD): (
        "possible|probable|possibly|suspected|suspect|suspicion of|query|questionable|"
        "concern for|rule out|r/o|cannot exclude|may have|likely|differential includes"
    ),
    ("possible", BACKWARD): "is suspected|is possible|cannot be excluded|is likely",
    (TERMINATE, BOTH): (
        "but|however|although|though|yet|except|apart from|aside from|which|who|secondary to|"
        "nevertheless|presents with|presenting with|complains of|reports|now has|started|start|"
        "continue|continues|currently|now|on|taking|takes|admitted with|diagnosed with"
    ),
    (PSEUDO, BOTH): (
        "no change|no increase|no further|not only|not necessarily|not cause|without difficulty|"
        "gram negative|no significant change|history and physical|not certain whether|"
        "if needed|if required|as needed"
    ),
}
_JOINING = (
    "a",
    "an|as|at|by|in|of|on|or|to",
    "and|any|for|nor|not|the|but",
    "from|than|with|also",
    "about|after|while",
    "denies|denied|before|during",
    "without|because|between",
)
"""Words a line ending mid-sentence ends with (by length: a look-behind has one width)."""
_ENDINGS = (r"[,:(/&\-\u2013.!?;]", *(rf"\b(?i:{words})" for words in _JOINING))
_MID_SENTENCE = "(?:(?<![ \t]\n){}|(?<=[ \t]\n){})".format(
    *("".join(rf"(?<!{end}{space}\n)" for end in _ENDINGS) for space in ("", "[ \t]"))
)
"""Look-behinds after a line break: the line ends mid-sentence (before one trailing blank), or
ended its sentence already."""
# Sentence ends: . ! ? ; before a space, a blank line, a page, a line opening a list item or a
# heading ("Plan:"), or a line break, unless the line ends mid-sentence (with a comma, colon,
# hyphen, slash or joining word: "denies chest pain or") or the next line goes on in lower case:
# a sentence wrapped across lines is one sentence, a list line ("Hypertension") one of its own.
# Every branch opens with one of a few characters, which the regex engine scans for.
_SENTENCE_END = re.compile(
    r"[.!?;](?=\s)|\n[ \t]*\n|\f|\n(?=[ \t]*(?:[-•*]|\d+[.)][ \t]|[A-Za-z][A-Za-z /]{0,30}:))"
    rf"|\n(?![ \t]*[a-zß-ÿ]){_MID_SENTENCE}"
)
# A new clause inside a sentence: a comma before a verb ("Denies fever, has cough") or a label
# ("Fever: no, cough: yes"); it ends a scope as a terminating word does. Case-sensitive: six
# times faster, and a verb after a comma is in lower case.
_CLAUSE = re.compile(
    r",(?=[ \t]*(?:(?:and|but)[ \t]+)?(?:has|have|had|is|was|are|were|feels|felt|shows|showed|"
    r"developed|describes|notes|remains)\b|[ \t]*[A-Za-z][A-Za-z ]{0,30}:)"
)
_ANSWERED_NO = re.compile(
    r"[ \t]*[:\-\u2013][ \t]*(?:no|none|nil|absent|negative)[ \t]*(?:[.,;\n]|$)", re.I
)
"""A form's answer after a finding: "Diabetes: no." (not "Chest pain - no radiation")."""
_REFUSED = re.compile(
    r"[ \t]*(?:[:\-\u2013][ \t]*|\([ \t]*)(?:declined|refused|not[ \t]+taking)\b", re.I
)
"""A medication refused after its name: "Aspirin 75 mg - declined", "Warfarin (not taking)"
(not a diagnosis: "Diabetes - declined review")."""
_WORD = re.compile(r"[^\W_]+")
"""A word of a scope: letters and digits. Punctuation separates words as blanks do: with words
as runs of non-blanks, "no-aspirin-no-aspirin-..." was one word, every trigger of it in reach."""


class Trigger(NamedTuple):
    """What a phrase does: its category and the direction of its scope."""

    category: str
    direction: int


class _Found(NamedTuple):
    start: int
    end: int
    trigger: Trigger


@cache
def _lexicon() -> tuple[Lexicon, tuple[Trigger, ...]]:
    triggers = tuple(Trigger(*key) for key in _TRIGGERS)
    names = {
        fold_name(phrase): index
        for index, phrases in enumerate(_TRIGGERS.values())
        for phrase in phrases.split("|")
    }
    return Lexicon(names), triggers


def _triggers(folded: str, entities: Iterable[Entity]) -> list[_Found]:
    """Triggers in text order; a longer phrase hides the ones inside it, pseudo-triggers vanish.

    Entities of several words are pseudo-triggers: a phrase inside one is part of its name.
    """
    lexicon, triggers = _lexicon()
    name = Trigger(PSEUDO, BOTH)
    # First: they win a tie.
    found = [_Found(e.start, e.end, name) for e in entities if not e.text.isalpha()]
    found += [_Found(s, e, triggers[v]) for s, e, v in lexicon.find(folded)]
    kept = longest_first(found)
    return [f for f in kept if f.trigger.category != PSEUDO]


def _clauses(text: str) -> list[_Found]:
    """The comma opening each new clause, as a terminating trigger."""
    terminate = Trigger(TERMINATE, BOTH)
    return [_Found(m.start(), m.end(), terminate) for m in _CLAUSE.finditer(text)]


def with_context(
    text: str, folded: str, targets: Sequence[Entity], entities: Iterable[Entity]
) -> list[Entity]:
    """`targets` (in text order) with the context their sentences give them.

    A phrase inside one of `entities` is part of its name, no trigger: the "without" of "Type 2
    diabetes mellitus without complications".
    """
    if not targets:
        return []
    found = sorted([*_triggers(folded, entities), *_clauses(text)])
    starts = [f.start for f in found]
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    marked: list[Entity] = []
    for target in targets:
        sentence = bisect.bisect_right(ends, target.start)
        low = ends[sentence - 1] if sentence else 0
        high = ends[sentence] if sentence < len(ends) else len(text)
        first, last = bisect.bisect_left(starts, low), bisect.bisect_left(starts, high)
        context = _categories(text, target, found, starts, range(first, last))
        marked.append(msgspec.structs.replace(target, context=context) if context else target)
    return marked


def _categories(
    text: str, target: Entity, found: list[_Found], starts: list[int], sentence: range
) -> tuple[str, ...]:
    """The context of `target` from the triggers of its sentence (`found[sentence]`).

    A trigger's scope ends at a terminator or `MAX_SCOPE` words away: from the target, the
    triggers are read nearest first, up to the first terminator or trigger out of reach.
    """
    refused = target.kind == "medication" and _REFUSED.match(text, target.end)
    categories = {"negated"} if refused or _ANSWERED_NO.match(text, target.end) else set()
    at = bisect.bisect_left(starts, target.start, sentence.start, sentence.stop)
    for index in range(at - 1, sentence.start - 1, -1):
        before = found[index]
        if before.end > target.start:  # overlaps the target
            continue
        if before.trigger.category == TERMINATE or not _within(text, before.end, target.start):
            break
        if before.trigger.direction & FORWARD:
            categories.add(before.trigger.category)
    for index in range(bisect.bisect_left(starts, target.end, at, sentence.stop), sentence.stop):
        after = found[index]
        if after.trigger.category == TERMINATE or not _within(text, target.end, after.start):
            break
        if after.trigger.direction & BACKWARD:
            categories.add(after.trigger.category)
    return tuple(sorted(categories))


def _within(text: str, start: int, end: int) -> bool:
    """Whether at most `MAX_SCOPE` words lie between `start` and `end` (read no further)."""
    return next(itertools.islice(_WORD.finditer(text, start, end), MAX_SCOPE, None), None) is None
