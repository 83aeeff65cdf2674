"""Snippets of the PostgreSQL backend: the query's words marked, long texts cut around them."""

from hduce.plugins.search.services.backends.highlight import FRAGMENT_CHARS, Highlighter


def test_a_short_text_is_shown_whole_with_each_prefix_match_marked() -> None:
    marks = Highlighter(["ali pet"])

    snippet = marks.snippet("Alice Petit\n163 rue Petitjean, Lyon\nalias: palina")

    assert snippet == (
        "<mark>Alice</mark> <mark>Petit</mark>\n163 rue <mark>Petitjean</mark>, Lyon\n"
        "<mark>alias</mark>: palina"
    )


def test_a_whole_word_alternative_marks_only_that_word_and_synonyms_are_marked_too() -> None:
    marks = Highlighter(["=htn\thypertension\thigh blood pressure"])

    snippet = marks.snippet("HTN, htnx; hypertension crisis; high blood pressure")

    assert snippet == (
        "<mark>HTN</mark>, htnx; <mark>hypertension</mark> crisis; "
        "<mark>high</mark> <mark>blood</mark> <mark>pressure</mark>"
    )


def test_text_is_escaped_and_page_breaks_become_line_breaks() -> None:
    snippet = Highlighter(["sons"]).snippet("<img src=x> & Sons\fpage two")

    assert snippet == "&lt;img src=x&gt; &amp; <mark>Sons</mark>\npage two"


def test_a_long_text_is_cut_to_the_two_fragments_with_most_matches_in_text_order() -> None:
    filler = " ".join(f"w{n}" for n in range(200))
    text = f"{filler} chest once {filler} chest pain chest again {filler} chest last {filler}"

    snippet = Highlighter(["chest"]).snippet(text)

    fragments = snippet.split(" ... ")
    assert [f.count("<mark>chest</mark>") for f in fragments] == [1, 2]
    assert "<mark>chest</mark> once" in fragments[0], "of two fragments alike, the earlier"
    assert "last" not in snippet
    shown = [f.replace("<mark>", "").replace("</mark>", "") for f in fragments]
    assert all(FRAGMENT_CHARS - 10 < len(f) <= FRAGMENT_CHARS for f in shown)
    assert all(f[0] == "w" and f[-1].isdigit() for f in fragments), "whole words, no edge spaces"


def test_a_long_text_without_a_match_shows_its_first_words() -> None:
    text = " ".join(f"word{n}" for n in range(100))

    assert Highlighter(["zzz"]).snippet(text) == " ".join(f"word{n}" for n in range(13))


def test_no_words_in_the_query_mark_nothing() -> None:
    assert Highlighter([]).snippet("Alice & Bob") == "Alice &amp; Bob"


def test_a_word_typed_without_its_accents_marks_the_accented_word() -> None:
    """Seen: "muller" found the note of Dr Müller, whose snippet marked nothing."""
    snippet = Highlighter(["muller", "lodz"]).snippet("Dr Müller, Łódź; Dr Muller; straße")

    assert snippet == ("Dr <mark>Müller</mark>, <mark>Łódź</mark>; Dr <mark>Muller</mark>; straße")


def test_an_accented_query_marks_both_spellings_and_spelled_out_letters_keep_positions() -> None:
    snippet = Highlighter(["strasse", "zoë"]).snippet("Straße 5, Zoe and Zoë (Zoe\u0308)")

    assert snippet == (
        "<mark>Straße</mark> 5, <mark>Zoe</mark> and <mark>Zoë</mark> (<mark>Zoe\u0308</mark>)"
    )
