"""terms.text: one validation for every term, the same verdict row by row and column-wise, and the
one place cells and Markdown are made safe (issue 12, points 5, 12 and 15)."""
from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terms.text import (
    MAX_EXPLANATION_LENGTH,
    MAX_TERM_LENGTH,
    TermError,
    escape_markdown,
    neutralise_cell,
    neutralise_frame,
    text_problem,
    validate_explanation,
    validate_term,
)


@pytest.mark.parametrize("text,code", [
    ("x" * 404, "too-long"),                        # a 404-character patient term
    ("hoge\u2028bloeddruk", "control"),             # line separator inside a term
    ("hoge\u2029bloeddruk", "control"),             # paragraph separator
    ("hoge\u202ebloeddruk", "control"),             # right-to-left override (Trojan source)
    ("hoge\u200bbloeddruk", "control"),             # zero-width space
    ("hoge\tbloeddruk", "control"),
    ("hoge\x00bloeddruk", "control"),
    ("suiker\U000e0041ziekte", "control"),          # a tag character (hidden text)
    ("<b>hoge</b> bloeddruk", "markup"),
    ("hoge &amp; lage", "markup"),
    ("{{naam}}", "markup"),
    ("=1+2", "formula"),
    ("=HYPERLINK(\"http://x\",\"klik\")", "formula"),
    ("@ziekte van Graves", "formula"),
    ("+31 6 1234", "formula"),
    ("-ziekte", "formula"),
    ("\uff1dSUM(A1)", "formula"),                    # full-width equals sign
    ("\uff20SUM(A1)", "formula"),                    # full-width commercial at
    ("   ", "empty"),
    ("", "empty"),
])
def test_a_bad_term_is_refused_with_its_rule(text, code):
    with pytest.raises(TermError) as refused:
        validate_term(text, "patientTerm")
    assert refused.value.code == code
    assert str(refused.value).startswith("patientTerm: ") and "\n" not in str(refused.value)


def test_a_5400_character_explanation_is_refused_and_a_blank_one_is_none():
    with pytest.raises(TermError, match=f"5400 tekens, ten hoogste {MAX_EXPLANATION_LENGTH}"):
        validate_explanation("Uitleg" + "." * 5394)
    assert validate_explanation("  \t ") is None and validate_explanation(None) is None


def test_good_terms_pass_trimmed_with_single_spaces():
    assert validate_term("  ziekte  van   Graves ", "patientTerm") == "ziekte van Graves"
    assert validate_term("type 2-diabetes", "patientTerm") == "type 2-diabetes"
    assert validate_term("e\u0301e\u0301n", "patientTerm") == "één"  # NFC


# Any text, weighted towards the characters the rules are about.
_tricky = st.sampled_from(list("=+-@<>&{}`;'\" \t\r\n\u00a0\u2028\u2029\u202e\u200b\ufeff\uff1d\x1f\x85") + ["ab", "é"])
_texts = st.one_of(
    st.text(max_size=40),
    st.lists(_tricky, max_size=12).map("".join),
    st.builds(lambda a, b: a + b, st.lists(_tricky, max_size=4).map("".join), st.text(max_size=10)),
    st.integers(250, 260).map(lambda n: "x" * n),
)


def _scalar(text, optional):
    try:
        (validate_explanation if optional else validate_term)(text, "x")
        return None
    except TermError as exc:
        return exc.code


@settings(max_examples=400, deadline=None)
@given(texts=st.lists(_texts, min_size=1, max_size=20), optional=st.booleans())
def test_the_column_wise_rules_agree_with_validate_term(texts, optional):
    limit = MAX_EXPLANATION_LENGTH if optional else MAX_TERM_LENGTH
    frame = pl.DataFrame({"t": texts}, schema={"t": pl.Utf8}).with_columns(code=text_problem("t", limit, optional))
    assert frame["code"].to_list() == [_scalar(t, optional) for t in texts]


@pytest.mark.parametrize("value", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "\nx", "\x00=1", "\uff1dx", "\uff0bx",
                                   "\uff0dx", "\uff20x", " =1+2", "\u00a0@SUM(A1)", "  -2+3"])
def test_every_formula_start_is_neutralised_in_a_cell_and_in_a_column(value):
    assert neutralise_cell(value) == "'" + value
    out = neutralise_frame(pl.DataFrame({"a": [value, "gewoon"], "n": [-1.5, 2.0]}))
    assert out["a"].to_list() == ["'" + value, "gewoon"]
    assert out["n"].to_list() == [-1.5, 2.0]  # numbers are not text: unchanged


def test_numbers_and_ordinary_text_pass_unchanged():
    assert neutralise_cell(-3) == -3 and neutralise_cell(None) is None and neutralise_cell("a=b") == "a=b"


def test_markdown_from_a_term_renders_as_the_text_it_is():
    from markdown_it import MarkdownIt

    nasty = "**vet** _schuin_ [klik](http://x.example) ![img](x.png) <b>tag</b> <http://y.example> `code` a|b &amp;"
    html = MarkdownIt("commonmark").enable("table").render(
        "| Term |\n|---|\n| " + escape_markdown(nasty) + " |\n\n" + escape_markdown(nasty + "\n# kop"))
    for tag in ("<strong>", "<em>", "<a ", "<img", "<b>", "<code>", "<h1>"):
        assert tag not in html, tag
    assert html.count("<td>") == 1  # the pipe stayed inside its cell
    assert "**vet**" in html and "&lt;b&gt;tag&lt;/b&gt;" in html and "&amp;amp;" in html


@settings(max_examples=300, deadline=None)
@given(values=st.lists(_texts, min_size=1, max_size=20))
def test_the_cell_and_the_column_neutralise_alike_and_never_leave_a_formula_start(values):
    column = neutralise_frame(pl.DataFrame({"v": values}, schema={"v": pl.Utf8}))["v"].to_list()
    assert column == [neutralise_cell(v) for v in values]
    for out in column:
        assert not out.startswith(("\t", "\r", "\n", "\x00"))
        assert not out.lstrip(" \t\n\r\x0b\x0c\u00a0\u3000").startswith(tuple("=+-@\uff1d\uff0b\uff0d\uff20"))


@pytest.mark.parametrize("term", ["MRI-scan", "PCR-test op het coronavirus", "type-2-diabetes (suikerziekte)",
                                  "hart- en vaatziekten", "50% kans; 1.5 cm", "Ziekte van Crohn, 'actief'",
                                  "A & B", "x + y = z", "vóór de 12e week?"])
def test_markdown_leaves_ordinary_terms_as_they_are(term):
    """RELEASE-NOTES.md showed 'MRI\\-scan': a hyphen inside a line starts nothing in Markdown."""
    assert escape_markdown(term) == term


@pytest.mark.parametrize("term, escaped", [
    ("- lijst", "\\- lijst"), ("# kop", "\\# kop"), ("> citaat", "\\> citaat"), ("1. eerste", "1\\. eerste"),
    ("2) tweede", "2\\) tweede"), ("+ plus", "\\+ plus"), ("=", "\\="), ("a|b", "a\\|b"), ("&amp;", "\\&amp;"),
    ("**vet**", "\\*\\*vet\\*\\*"), ("<b>", "\\<b>"), ("[a](b)", "\\[a\\](b)"), ("`c`", "\\`c\\`"),
    ("~~weg~~", "\\~\\~weg\\~\\~"), ("www.evil.example", "www\\.evil.example"),
    ("https://evil.example", "https\\://evil.example"), ("x@evil.example", "x\\@evil.example"),
    ("a\\b", "a\\\\b"), ("snake_case", "snake\\_case"),
])
def test_markdown_escapes_what_starts_markup_where_it_starts_it(term, escaped):
    assert escape_markdown(term) == escaped


_markdownish = st.text(alphabet=st.sampled_from(list("ab -#>+=1.)*_[]()!<>/`|~&;:@w\\\"'\n")), max_size=40)


@settings(max_examples=400, deadline=None)
@given(term=_markdownish)
def test_a_term_in_a_notes_cell_or_paragraph_renders_as_exactly_its_text(term):
    import html as html_lib
    import re

    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    flat = " ".join(term.split())
    for doc, pattern in ((f"| Term |\n|---|\n| {escape_markdown(term)} |\n", r"<td>(.*?)</td>"),
                         (escape_markdown(term) + "\n", r"<p>(.*?)</p>")):
        rendered = md.render(doc)
        found = re.findall(pattern, rendered, re.S)
        if not flat:
            continue
        assert len(found) == 1 and "<" not in found[0], (term, rendered)
        assert html_lib.unescape(found[0]).strip() == flat, (term, rendered)
