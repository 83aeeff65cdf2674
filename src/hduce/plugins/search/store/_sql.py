"""The SQL of the PostgreSQL backend's queries: matches, scope and filters as one WHERE clause."""

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import uuid
    from collections.abc import Sequence

    from hduce.plugins.search.services import Scope, SearchQuery

WHOLE_WORD = "="
"""Leads an alternative of a query part matched as a whole word rather than as a prefix."""
# Highlight markers (Meilisearch's): control characters never kept in indexed text, so the
# markers found in a highlighted snippet are ours; it is HTML-escaped before they become `<mark>`.
MARK_START, MARK_END = "\x02", "\x03"

# A prefix as the few indexed words it starts ("ali" as alice | alina): the GIN index finds
# whole words several times faster than it gathers a prefix's words (2 ms for two name prefixes
# at 100,000 documents). `search_vocabulary` holds every indexed word that starts with a letter,
# so it names them all; a prefix of more than `EXPANDED_WORDS` words, or of none, stays a prefix.
EXPANDED_WORDS = 8
WORDS_OF_PREFIX = (
    "coalesce((SELECT '(' || string_agg(quote_literal(v.word), ' | ') || ')' FROM ("
    'SELECT word FROM search_vocabulary WHERE word >= lexeme COLLATE "C" '
    'AND word < (lexeme || chr(1114111)) COLLATE "C" '
    f"ORDER BY word LIMIT {EXPANDED_WORDS + 1}) AS v HAVING count(*) <= {EXPANDED_WORDS}), "
    "quote_literal(lexeme) || ':*')"
)
# How indexed text and queries are parsed: `<`, `>` and `/` as blanks, or the parser would drop
# `<low>` as an XML tag and read `/results/word` as one file path (the generated column
# `search_entry.document` parses its text the same way).
PARSED = "to_tsvector('simple', translate({}, '<>/', '   '))"
# $1 holds the query's parts, each its alternatives separated by tabs (a lexicon term and its
# synonyms; the rest of the words as one alternative). Every word of an alternative is a prefix
# ("ali mar" finds "Alice Martin") unless the alternative starts with `=` (a short abbreviation
# the lexicon added: a whole word), and all must match; any alternative of every part must match.
# The `simple` config splits the text exactly as it split the indexed text, without stemming
# (`PARSED`). `{prefix}` writes a word as a prefix.
_TSQUERY = (
    "to_tsquery('simple', coalesce((SELECT string_agg('(' || alts || ')', ' & ') FROM ("
    "SELECT (SELECT string_agg('(' || words || ')', ' | ') FROM ("
    f"SELECT (SELECT string_agg(CASE WHEN starts_with(alt, '{WHOLE_WORD}') "
    "THEN quote_literal(lexeme) ELSE {prefix} END, ' & ') "
    f"FROM unnest({PARSED.format('alt')})) AS words "
    "FROM unnest(string_to_array(part, E'\\t')) AS alt) AS a) AS alts "
    "FROM unnest({parts}::text[]) AS part) AS p), ''))"
)
# What finds the matches: each prefix as the indexed words it starts (`WORDS_OF_PREFIX`).
QUERY_OF = _TSQUERY.format(prefix=WORDS_OF_PREFIX, parts="{parts}")
# What ranks them: each prefix as typed (`ali:*`), which `ts_rank` matches against the words of
# the entry it ranks. Ranked against the index's words, an entry's score would tell how many
# words the whole index holds (other patients', deleted ones) that start with what was typed.
RANKED_OF = _TSQUERY.format(prefix="quote_literal(lexeme) || ':*'", parts="{parts}")
QUERY = QUERY_OF.format(parts="$1")
RANKED = RANKED_OF.format(parts="$1")
# Ranking (or even ordering) every match of a common word reads every matching row: only the
# first `candidates` matches the GIN index yields (the cap plus one, so a capped total shows;
# no ORDER BY, so the scan stops there) are ranked exactly, as they are read (`{score}`: a
# second read of each row by id cost more than the ranking). `{found}` is `matching()`.
CANDIDATES = f"""
WITH query AS (SELECT {QUERY} AS q, {RANKED} AS ranked),
candidate AS MATERIALIZED (
    SELECT found.id, found.updated_at{{score}} FROM ({{found}}) AS found, query LIMIT {{cap}}
)
"""
# `ts_rank` weighs title words above text words and, for words that must all match, rewards them
# close together; `ts_rank_cd` ranked the relevance set the same (MRR, nDCG@10) at twice the cost
# per candidate (8 against 4 µs at 100,000 documents). It ranks a query whose top is an OR by
# its words' counts only, positions aside: a query that is a lexicon term alone
# (`(chest & pain) | cp`) is ranked by its best alternative (`score`).
SCORE = ", ts_rank(found.document, query.ranked) AS score"
MATCHED = "e.id, e.updated_at, e.document"
"""What `matching()` selects of each entry."""
# What a snippet is cut from (`services.backends.highlight`): the title and at most `snippet_chars`
# of the body around the first word's first occurrence, not the whole text (up to 200,000 chars).
WINDOW = """e.title || E'\\n' || substr(
    e.body, greatest(1, strpos(lower(e.body), {word}) - {chars} / 4), {chars})"""
# `{snippet}` is `WINDOW`, or an empty string for a ranking whose snippets come later.
SEARCH = (
    CANDIDATES
    + """,
page AS (
    SELECT c.id, c.score, (SELECT count(*) FROM candidate) AS total
    FROM candidate c
    ORDER BY c.score DESC, c.updated_at DESC, c.id
    LIMIT {limit} OFFSET {offset}
)
SELECT e.kind, e.ref_id, e.title, e.extra, page.score, page.total, {snippet} AS snippet
FROM page JOIN search_entry e ON e.id = page.id
ORDER BY page.score DESC, e.updated_at DESC, e.id
"""
)
# The snippet texts (`WINDOW`) of some entries ($1 kinds, $2 ref_ids), cut as `SEARCH` cuts
# them ($3 the query's first word, $4 the characters).
SNIPPETS = f"""
SELECT e.kind, e.ref_id, {WINDOW.format(word="$3", chars="$4")} AS snippet
FROM unnest($1::text[], $2::uuid[]) AS k (kind, ref_id)
JOIN search_entry e ON e.kind = k.kind AND e.ref_id = k.ref_id
"""
COUNT = CANDIDATES + "SELECT count(*) FROM candidate"
# What facets count: `{found}` is one or more `SELECT e.id` statements joined by UNION.
HITS = f"""
WITH query AS (SELECT {QUERY} AS q),
candidate AS MATERIALIZED ({{found}})
"""
_WORDS = re.compile(r"\w+")
FACET_VALUES = {
    "kind": "e.kind",
    "document_kind": "e.extra->>'document_kind'",
    "date": "to_char(e.dated_at AT TIME ZONE 'UTC', 'YYYY-MM')",
    "entity": "unnest(e.entities)",
    "patient": "e.patient_id::text",
}
FACET = """SELECT '{facet}' AS facet, value, count(*) AS n FROM (
    SELECT {value} AS value FROM candidate c JOIN search_entry e ON e.id = c.id
) AS found WHERE value IS NOT NULL GROUP BY value"""


# Words of a few entries the caller may see (never the vocabulary of the whole index, which
# would offer other patients' names), with the entries holding each; $1 is the folded prefix.
# The words with accents come too (more bytes than characters): the caller keeps those whose
# folded spelling starts with it, as written rather than their folded copies.
SUGGEST = """
WITH candidate AS (
    SELECT e.document FROM search_entry e
    WHERE e.document @@ to_tsquery('simple', quote_literal($1) || ':*') AND ({scope})
    LIMIT 50
)
SELECT lexeme, count(*) AS n FROM candidate, unnest(candidate.document) AS t
WHERE starts_with(lexeme, $1) OR octet_length(lexeme) > length(lexeme)
GROUP BY lexeme
"""


# The entries that name a person ({user}): as their patient or as their practitioner.
NAMING = "(e.patient_id = {user} OR e.practitioner_id = {user})"


class Params:
    """Numbered query parameters; `$1` is always the query's parts."""

    def __init__(self, parts: list[str]) -> None:
        self.values: list[Any] = [parts]
        self.branches: list[str] = []
        """What ranks each alternative of the first lexicon term (`RANKED_OF`), once matched."""

    def add(self, value: Any) -> str:
        """The placeholder of one more parameter."""
        self.values.append(value)
        return f"${len(self.values)}"


def matching(query: "SearchQuery", scope: "Scope", params: Params) -> str:
    """`SELECT e.id, e.updated_at, e.document` of the entries matching words, scope and filters.

    The alternatives of the first lexicon term are scanned one after the other, each scan
    leaving out what the earlier ones matched (together: the entries of one scan of their OR).
    A LIMIT over them stops after the first scan that yields enough, so a common word is not
    read once more per synonym (`hypertension | htn | high blood pressure`).
    """
    parts: list[str] = params.values[0]
    split = next((n for n, part in enumerate(parts) if "\t" in part), None)
    entries = _entries(query, scope, params)
    if split is None or not _has_words(query):
        condition = where(query, scope, params)
        return f"SELECT {MATCHED} FROM {entries}, query WHERE {condition}"
    scans, earlier = [], ""
    for alternative in parts[split].split("\t"):
        alone = params.add([*parts[:split], alternative, *parts[split + 1 :]])
        branch = QUERY_OF.format(parts=alone)
        condition = where(query, scope, params, words=branch)
        scans.append(f"SELECT {MATCHED} FROM {entries} WHERE {condition}{earlier}")
        earlier += f" AND NOT e.document @@ {branch}"
        params.branches.append(RANKED_OF.format(parts=alone))
    return "\nUNION ALL\n".join(scans)


def score(params: Params) -> str:
    """`SCORE`, or after `matching` split a lexicon term, the best rank of its alternatives.

    Each alternative's tsquery is an AND (or one word), which `ts_rank` ranks by proximity:
    "chest pain" side by side above the same words far apart. One rank per alternative.
    """
    if not params.branches:
        return SCORE
    ranks = ", ".join(f"ts_rank(found.document, {branch})" for branch in params.branches)
    return f", greatest({ranks}) AS score"


def _entries(query: "SearchQuery", scope: "Scope", params: Params) -> str:
    """`search_entry e`, or only the entries of one patient a filter names or naming the caller.

    The caller's (`NAMING`) when the scope names no "every" kind.

    The planner cannot tell how many entries the words match (the tsquery is built inside the
    statement), so it would AND the GIN scan of a common prefix (100,000 entries for `a`, 18 ms)
    with the patient's hundred. Their entries are read first instead (`OFFSET 0` keeps the
    words out of that scan) and the words matched on each.
    """
    if query.filters.patient_id:
        return _among(f"e.patient_id = {params.add(query.filters.patient_id)}")
    return entries_of(scope, params)


def entries_of(scope: "Scope", params: Params) -> str:
    """`search_entry e`, or only the entries naming the caller when the scope has no "every" kind.

    Read before any words are matched on them, as `_entries` says.
    """
    if scope.every:
        return "search_entry e"
    return _among(NAMING.format(user=params.add(scope.user_id)))


def _among(condition: str) -> str:
    return f"(SELECT * FROM search_entry e WHERE {condition} OFFSET 0) AS e"


def _has_words(query: "SearchQuery") -> bool:
    return any(c.isalnum() for c in query.text)


def where(query: "SearchQuery", scope: "Scope", params: Params, words: str = "query.q") -> str:
    """The words (tsquery `words`), the caller's scope and the filters, over `search_entry e`."""
    condition, args = scope_condition(scope, len(params.values) + 1)
    params.values += args
    # The scope is part of the WHERE clause, so LIMIT, OFFSET and the total only see allowed
    # rows; a patient's scope names no "every" kind, so the planner can start from patient_id.
    clauses = [f"({condition})"]
    if _has_words(query):
        clauses.append(f"e.document @@ {words}")
    found = query.filters
    if found.entities:
        clauses.append(f"e.entities @> {params.add(list(found.entities))}::text[]")
    if found.date_from:
        clauses.append(f"e.dated_at >= {params.add(found.date_from)}::date")
    if found.date_to:
        clauses.append(f"e.dated_at < {params.add(found.date_to)}::date + 1")
    if found.patient_id:
        clauses.append(f"e.patient_id = {params.add(found.patient_id)}")
    return " AND ".join(clauses)


def scope_condition(scope: "Scope", first: int) -> tuple[str, list[Any]]:
    """The scope as SQL over `search_entry e`, its parameters numbered from `$first`."""
    clauses, args = [], []
    if scope.every:
        clauses.append(f"e.kind = ANY(${first}::text[])")
        args.append(list(scope.every))
    if scope.own:
        n = first + len(args)
        clauses.append(f"({NAMING.format(user=f'${n}')} AND e.kind = ANY(${n + 1}::text[]))")
        args += [scope.user_id, list(scope.own)]
    return " OR ".join(clauses) or "false", args


def facets_sql(
    query: "SearchQuery",
    scope: "Scope",
    parts: list[str],
    nearest: "Sequence[uuid.UUID] | None" = None,
) -> tuple[str, list[Any]]:
    """One statement counting the hits by each wanted facet: rows (facet, value, n).

    The hits are the keyword candidates, or with `nearest` (the entries a vector search found)
    those entries: alone in `semantic` mode, joined to the keyword candidates in `hybrid` mode.
    The caller's scope applies to both.
    """
    params = Params(parts)
    found = []
    if nearest is None or query.mode == "hybrid":
        matches, cap = matching(query, scope, params), params.add(query.candidates)
        found.append(f"(SELECT id FROM ({matches}) AS matches LIMIT {cap})")
    if nearest is not None:
        condition, args = scope_condition(scope, len(params.values) + 1)
        params.values += args
        ids = params.add(list(nearest))
        found.append(
            f"SELECT e.id FROM search_entry e WHERE e.id = ANY({ids}::uuid[]) AND ({condition})"
        )
    head = HITS.format(found="\nUNION\n".join(found))
    counts = (FACET.format(facet=f, value=FACET_VALUES[f]) for f in query.facets)
    return head + "\nUNION ALL\n".join(counts) + "\nORDER BY facet, n DESC, value", params.values


def first_word(text: str) -> str:
    """The query's first word, lower-cased, to find where the snippet starts."""
    return next(iter(_WORDS.findall(text.lower())), "")
