"""The search form of a text is made in two places — `fold` per text (what a reviewer types, an
edited term) and `fold_expr` per chunk at enqueue — and an item is only found if both agree."""
import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from review_queue.models import fold, fold_expr, search_words, search_words_expr


def test_fold_drops_accents_case_and_extra_spaces():
    assert fold("  Thyreoïditis\tACUTA  ") == "thyreoiditis acuta"
    assert fold("Ménière") == "meniere"
    assert fold(None) == "" and fold("") == ""


# Characters Python's Unicode database (3.11: Unicode 14) knows: polars' Rust knows newer scripts,
# whose case mappings Python has not heard of (U+10D50, Garay, Unicode 16).
KNOWN = st.characters(blacklist_categories=("Cs", "Cn"), max_codepoint=0xFFFF)


@given(st.lists(st.text(KNOWN, max_size=40), min_size=1, max_size=30))
def test_the_column_fold_equals_the_text_fold(texts):
    folded = pl.Series(texts, dtype=pl.Utf8).to_frame("t").select(fold_expr(pl.col("t")))["t"].to_list()
    assert folded == [fold(t) for t in texts]


@given(st.lists(st.tuples(st.one_of(st.none(), st.text(KNOWN, max_size=20)), st.one_of(st.none(), st.text(KNOWN, max_size=20))),
                min_size=1, max_size=20))
def test_search_words_per_chunk_equal_per_item(pairs):
    frame = pl.DataFrame({"a": [a for a, _ in pairs], "b": [b for _, b in pairs]}, schema={"a": pl.Utf8, "b": pl.Utf8})
    per_chunk = frame.select(search_words_expr(pl.col("a"), pl.col("b")).alias("w"))["w"].to_list()
    assert per_chunk == [search_words(a, b) for a, b in pairs]
