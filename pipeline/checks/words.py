"""Words: `jargon` and `half-translation`.

`jargon`: words a lay reader will not know — medical Latin/Greek, words used only in clinical
terms, words rare in Dutch, unexplained abbreviations. Judged once per distinct word
(`pipeline.dutch.words.WordJudge`), so a batch of 380k proposals judges far fewer words."""
from __future__ import annotations

import re

import polars as pl

from pipeline.checks.flags import found, judged, quote, reason
from pipeline.dutch import words as dutch_words
from terms.messages import message

FLAGS = {"jargon": "warning", "half-translation": "error"}

_SURE_REASONS = ("english", "latin-greek", "lexicon")
# Why a word kept from the term beside lay Dutch makes a half-translation: a word surely not lay
# ("lateralis", "frozen"), and a word Dutch text hardly uses ("ortho-ergisch": "ergisch")
_LEFT_REASONS = ("latin-greek", "lexicon", "english", "rare", "clinical-only")
_QUOTED = re.compile(r"['‘\"]([^'’\"]{3,})['’\"]")

ABBREVIATION = r"\b\p{Lu}[\p{Lu}\d]{1,6}(?:-\p{L}+)?\b|\b\p{Lu}{2,}s\b|\b\p{Ll}\p{Lu}{2,}\b"


def jargon(present: pl.DataFrame, judge: dutch_words.WordJudge, tm_abbreviations: list[str]) -> pl.DataFrame | None:
    """`present`: row, raw, norm. One flag per row naming every jargon word in text order."""
    if present.is_empty():
        return None
    # names keep their capital in the proposal ("syndroom van Sjögren"): a name is not jargon in itself
    names = (present.select("row", pl.col("raw").str.extract_all(r"\b\p{Lu}\p{Ll}+").alias("n")).explode("n")
             .drop_nulls("n").select("row", pl.col("n").str.to_lowercase().alias("w"), pl.lit(True).alias("name")))
    shouting = present.filter(~pl.col("raw").str.contains(r"\p{Ll}")).select("row")
    names = names.join(shouting, on="row", how="anti").unique()
    # "Fluxus Postpartum", "Conditie Perineum Postpartum": a clinical word the lexicon translates is
    # no name for its Title Case capital (an eponym stays one)
    eponyms = {e.lower() for e in dutch_words.eponyms()} | {p.lower() for p in dutch_words.proper_words()}
    clinical = sorted(judge.lexicon_words - eponyms)
    names = names.filter(~pl.col("w").is_in(clinical))
    # a capital at the start is sentence case ("Immunisatie nodig …"), as the tokenizer reads it,
    # unless the word is a known name
    # unless the word is a known name; judged there only for what marks jargon surely (English, Latin
    # or Greek, a word the lexicon translates), as word frequency alone misses rare lay words
    # ("Aanleunwoning", "Jammert")
    first = (present.select("row", pl.col("raw").str.extract(r"^(\p{Lu}\p{Ll}+)\b").str.to_lowercase().alias("w"))
             .drop_nulls("w").filter(~pl.col("w").is_in(sorted(eponyms))))
    surely = [w for w in first["w"].unique().to_list() if judge.jargon_reason(w) in _SURE_REASONS]
    names = names.join(first.filter(pl.col("w").is_in(surely)), on=["row", "w"], how="anti")
    words = (present.select("row", pl.col("norm").str.extract_all(r"\p{L}+").alias("w")).explode("w")
             .drop_nulls("w").join(names, on=["row", "w"], how="anti"))
    distinct = words.select("w").unique()["w"].to_list()
    why = {code: message(f"flags.jargon.why.{code}") for code in dutch_words.JARGON_REASONS}
    judged = pl.DataFrame({"w": distinct, "why": [why.get(judge.jargon_reason(x)) for x in distinct]},
                          schema={"w": pl.Utf8, "why": pl.Utf8})
    bad_words = (words.join(judged.drop_nulls("why"), on="w", maintain_order="left")  # words in text order
                 .select("row", pl.format("{} ({})", quote(pl.col("w")), pl.col("why")).alias("what")))
    known = sorted(dutch_words.known_abbreviations())
    abbr = (present.select("row", pl.col("raw").str.extract_all(ABBREVIATION).alias("a")).explode("a").drop_nulls("a")
            .filter(~pl.col("a").is_in(sorted(set(known) | set(tm_abbreviations)))
                    & ~pl.col("a").str.contains(r"^[IVX]+[A-C]?$")  # a Roman numeral ("stadium IIIC") is a number
                    # a spinal level ("L4-L5", "C7") is kept as the patient's own report says it
                    & ~pl.col("a").str.contains(r"^[CTLS]\d{1,2}(?:-[CTLS]?\d{1,2})?$")
                    & ~pl.col("a").str.replace(r"-.*$", "").is_in(known))
            .select("row", pl.format("{} ({})", quote(pl.col("a")), pl.lit(message("flags.jargon.why.abbreviation")))
                    .alias("what")))
    english = _english(present, words, judge)
    hits = pl.concat([bad_words, abbr, english]).unique(maintain_order=True)
    if hits.is_empty():
        return None
    hits = hits.group_by("row", maintain_order=True).agg(pl.col("what").str.join(", "))
    return found(hits, "jargon", reason("jargon.reason", words=pl.col("what")))


def _english(present: pl.DataFrame, words: pl.DataFrame, judge: dutch_words.WordJudge) -> pl.DataFrame:
    """(row, what) for English left in a proposal ("Postal Address", "Breast fed"): a name's
    capitals do not make English lay. The runs are judged per distinct text, and only for rows with
    an English-looking word (`dutch_words.englishish`, judged once per distinct word)."""
    every = (present.select("row", pl.col("norm").str.extract_all(r"\p{L}+").alias("w")).explode("w")
             .drop_nulls("w"))
    distinct = every.select("w").unique()["w"].to_list()
    looks = [w for w in distinct if len(w) >= 3 and dutch_words.englishish(w)]
    if not looks:
        return pl.DataFrame(schema={"row": pl.UInt32, "what": pl.Utf8})
    rows = every.filter(pl.col("w").is_in(looks)).select("row").unique()
    lay = judge.lay

    def unnamed_runs(raw: str, norm: str) -> str | None:
        # a run whose every word the word judge already names ("frozen", "shoulder") is said once;
        # a capitalised word is a name to that judge, so its run is said here
        said = {w for w in re.findall(r"[^\W\d_]+", raw) if w.islower()}
        runs = [r for r in dutch_words.english_runs(norm, lay)
                if not all(w in said and judge.jargon_reason(w) for w in r.split())]
        for quoted in _QUOTED.findall(raw):
            # "'double-outlet' rechter hartkamer": a quoted English name is kept as the term says it
            # (name-changed guards it), but a patient does not know it either: it is named here
            words = re.findall(r"[^\W\d_]+", quoted.lower())
            if words and all(dutch_words.englishish(w) for w in words) and any(dutch_words.is_english(w) for w in words) \
                    and not all(w in lay for w in words) and " ".join(words) not in runs \
                    and not all(w in said and judge.jargon_reason(w) for w in words):
                runs.append(" ".join(words))
        return ", ".join(runs) or None

    hits = judged(present.join(rows, on="row"), ["raw", "norm"], unnamed_runs)
    why = message("flags.jargon.why.english")
    return hits.select("row", pl.format("{} ({})", quote(pl.col("what")), pl.lit(why)).alias("what"))


def half_translation(present: pl.DataFrame, judge: dutch_words.WordJudge) -> pl.DataFrame | None:
    """`half-translation`: the proposal translated part of the term but left a Latin/Greek or
    clinical word of it standing beside the lay Dutch ("structuur van maag lateralis hersenen").

    `present`: row, raw, norm, termNorm. A word counts as left when the term has it too (not a
    word of an organism's name, "Staphylococcus aureus", which has no lay name); a translation
    happened when the proposal has a content word (four letters or more) the term does not."""
    changed = present.filter(pl.col("norm") != pl.col("termNorm"))
    if changed.is_empty():
        return None
    letters = r"\p{L}+"
    pairs = changed.select("row", pl.col("norm").str.extract_all(letters).alias("p"),
                           pl.col("termNorm").str.extract_all(letters).alias("t"))
    pairs = pairs.with_columns(pl.col("p").list.set_intersection(pl.col("t")).alias("kept"),
                               pl.col("p").list.set_difference(pl.col("t"))
                               .list.eval(pl.element().filter(pl.element().str.len_chars() >= 4)).alias("new"))
    pairs = pairs.filter((pl.col("new").list.len() > 0) & (pl.col("kept").list.len() > 0))
    if pairs.is_empty():
        return None
    # a translation happened only if a new word is lay Dutch ("multiple sclerose" translates nothing)
    new = pairs.select("row", "new").explode("new").drop_nulls("new")
    lay_new = {w for w in new["new"].unique().to_list() if judge.jargon_reason(w) is None}
    pairs = pairs.filter(pl.col("row").is_in(new.filter(pl.col("new").is_in(sorted(lay_new)))["row"].implode()))
    kept = pairs.select("row", "kept").explode("kept").drop_nulls("kept")
    # an organism's Latin name stays as it is ("door Staphylococcus aureus"): no lay name to give
    organisms = (changed.select("row", pl.col("raw").str.extract_all(r"\b\p{Lu}\p{Ll}+ \p{Ll}+\b").alias("o"))
                 .explode("o").drop_nulls("o")
                 .filter(pl.col("o").str.contains(r"^\p{Lu}\p{Ll}+ \p{Ll}*(us|um|ae|a|is|ii|i|e|es|ans|ens|ax|ex|ix)$"))
                 .select("row", pl.col("o").str.to_lowercase().str.split(" ").alias("kept")).explode("kept"))
    # ... and so does a virus or test named with a letter ("hepatitis-C-virus", "influenza-A-virus")
    named = (changed.select("row", pl.col("raw").str.extract_all(r"[\p{L}\d]+(?:-[\p{L}\d]+)+").alias("o"))
             .explode("o").drop_nulls("o").filter(pl.col("o").str.contains(r"-\p{Lu}\b|\b\p{Lu}-"))
             .select("row", pl.col("o").str.to_lowercase().str.split("-").alias("kept")).explode("kept"))
    # ... and an abbreviation kept in capitals is the name patients hear ("met HELLP-syndroom")
    capitals = (changed.select("row", pl.col("raw").str.extract_all(r"\b\p{Lu}{2,}\b").alias("o"))
                .explode("o").drop_nulls("o").select("row", pl.col("o").str.to_lowercase().alias("kept")))
    kept = kept.join(pl.concat([organisms, named, capitals]), on=["row", "kept"], how="anti") \
        .filter(~pl.col("kept").str.contains(r"^[ivx]+[a-c]?$"))  # a stage ("stadium IIIA") is a number
    distinct = kept["kept"].unique().to_list()
    latin = {w for w in distinct if judge.jargon_reason(w) in _LEFT_REASONS}
    left = kept.filter(pl.col("kept").is_in(sorted(latin)))
    # ... and English the term has, kept beside the lay Dutch ("'double-outlet' rechter hartkamer"):
    # a run the jargon check names as English, every word of it the term's own
    english = _english(changed.join(pairs.select("row"), on="row"), kept.rename({"kept": "w"}), judge)
    if not english.is_empty():
        runs = (english.select("row", pl.col("what").str.extract_all(r"'([^']+)'").alias("run")).explode("run")
                .drop_nulls("run").select("row", pl.col("run").str.strip_chars("'").alias("kept")))
        runs = runs.join(changed.select("row", "termNorm"), on="row").filter(
            pl.col("kept").str.extract_all(r"\p{L}+")
            .list.set_difference(pl.col("termNorm").str.extract_all(r"\p{L}+")).list.len() == 0)
        left = pl.concat([left, runs.select("row", "kept")])
    hits = (left
            .group_by("row", maintain_order=True).agg(pl.col("kept").unique(maintain_order=True).str.join("', '")))
    # "'nervus', 'ulnaris' staan": the verb agrees with how many words are kept
    text = pl.when(pl.col("kept").str.contains("', '")).then(reason("half-translation.reason-many", words=pl.col("kept"))) \
        .otherwise(reason("half-translation.reason", words=pl.col("kept")))
    return found(hits.sort("row"), "half-translation", text)
