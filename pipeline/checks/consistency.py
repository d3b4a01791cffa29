"""Consistency with the translation memory (TM): `tm-conflict` (the proposal is, or nearly is, the
patient-friendly term of another concept), `tm-inconsistent` (the concept's own TM term, or a
near-identical clinical term's, was rendered differently) and `similar` (the nearest TM entries a
reviewer sees).

Built for 380k proposals against 15k TM terms on two cores: identical proposals are scored once;
a small TM is scored by one rapidfuzz `cdist` per chunk of distinct proposals (uint8 scores,
score_cutoff, all workers); from `blocking_min_tm` TM terms on only candidate pairs are scored
(`cpdist`): pairs whose word multisets agree with up to two words changed on either side
(near-duplicates, so conflicts), and pairs sharing a proposal's rarest words (more neighbours for
`similar`). Blocking stays bounded where SNOMED's families put thousands of near-identical terms
under one key: keys shared by too many TM entries are skipped, and each distinct proposal is scored
against at most `blocking_candidates` TM entries, those its keys put nearest first. TM pairs for consistency come from exact joins on token keys, never from a loop over
pairs.
"""
from __future__ import annotations

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process

from pipeline.checks.flags import reason
from pipeline.checks.settings import CheckSettings
from pipeline.checks.text import (QUALIFIER_WORDS, STOPWORDS, _distinguishing, _norm, _sorted_key,
                                  _strip_qualifiers, _tokens, _variants)

FLAGS = {"tm-conflict": "error", "tm-inconsistent": "warning"}


def _body_part_key(text: pl.Expr) -> pl.Expr:
    """A normalised clinical term without SNOMED's body-structure wording ("structuur van", "gehele")."""
    return text.str.replace(r"^(?:(?:structuur van|gehele|volledige|hele) )+", "")


def _other_words(a: str, b: str) -> bool:
    """True when the words in which `a` and `b` differ are, on both sides, real Dutch words (known
    nouns, compounds of them, or words Dutch text uses: wordfreq zipf ≥ 2.5)."""
    from pipeline.checks.grammar import noun_gender
    from pipeline.dutch.words import zipf
    left, right = set(a.split()) - set(b.split()), set(b.split()) - set(a.split())
    real = lambda w: zipf(w) >= 2.5 or noun_gender(w) is not None
    return bool(left and right) and all(real(w) for w in left | right)


def _token_set_keys(frame: pl.DataFrame, id_col: str, deletions: int = 2, min_left: int = 1) -> pl.DataFrame:
    """(id, key, d): a hash of each text's multiset of words, and of it with one or two words left
    out; `d` is how many were left out (0, 1, 2; a one-word text's letter-deletion keys count 1).

    Two texts that differ in at most two words on each side (a typo, a qualifier, "de"/"het", a word
    added or dropped) share a key. The key is a sum of word hashes, so leaving a word out is one
    subtraction and word order does not matter.
    """
    words = (frame.select(id_col, pl.col("text").str.split(" ").alias("w")).explode("w")
             .filter(pl.col("w").is_not_null() & (pl.col("w") != ""))
             .with_columns((pl.col("w").hash(seed=5) // 4096).alias("h"))  # 52 bits: sums of 4096 words never overflow
             .with_columns(pl.len().over(id_col).alias("n"), pl.int_range(pl.len()).over(id_col).alias("pos")))
    total = words.group_by(id_col).agg(pl.col("h").sum().alias("total"))
    keys = [total.select(id_col, pl.col("total").alias("key"), pl.lit(0, pl.UInt8).alias("d"))]
    words = words.join(total, on=id_col)
    if deletions >= 1:  # at least `min_left` words must remain
        keys.append(words.filter(pl.col("n") >= 1 + min_left).select(id_col, (pl.col("total") - pl.col("h")).alias("key"),
                                                                     pl.lit(1, pl.UInt8).alias("d")))
    if deletions >= 2:  # two left out, up to 12 words (66 keys)
        many = words.filter((pl.col("n") >= 2 + min_left) & (pl.col("n") <= 12)).select(id_col, "pos", "h", "total")
        keys.append(many.join(many.select(id_col, pl.col("pos").alias("pos2"), pl.col("h").alias("h2")), on=id_col)
                    .filter(pl.col("pos") < pl.col("pos2"))
                    .select(id_col, (pl.col("total") - pl.col("h") - pl.col("h2")).alias("key"),
                            pl.lit(2, pl.UInt8).alias("d")))
    # A one-word text ("blindedarmontsteking") has no word to leave out: its keys are the word
    # with one letter left out, so a typo (one letter changed, added or dropped) still meets it.
    single = words.filter(pl.col("n") == 1).select(id_col, "w")
    if deletions >= 1 and min_left == 1 and single.height:
        at = single.with_columns(pl.int_ranges(0, pl.col("w").str.len_chars()).alias("i")).explode("i").drop_nulls("i")
        # the whole word too: it meets the other text's word with a letter left out
        variants = pl.concat([single.select(id_col, "w"),
                              at.select(id_col, (pl.col("w").str.slice(0, pl.col("i")) + pl.col("w").str.slice(pl.col("i") + 1)).alias("w"))])
        keys.append(variants.select(id_col, pl.col("w").hash(seed=6).alias("key"), pl.lit(1, pl.UInt8).alias("d")))
    # the same key twice for a text (a word repeated) keeps its fewest deletions
    return pl.concat(keys).group_by(id_col, "key").agg(pl.col("d").min())


def _core_words(frame: pl.DataFrame) -> pl.DataFrame:
    """`text` without qualifier words, numbers and function words: what a term is about."""
    content = pl.element().str.contains(f"^({QUALIFIER_WORDS})$") | pl.element().is_in(STOPWORDS)
    return frame.with_columns(pl.col("text").str.split(" ").list.eval(pl.element().filter(~content)).list.join(" "))


def _word_keys(frame: pl.DataFrame, id_col: str) -> pl.DataFrame:
    """(id, key) for each content word: the word, its first four letters, its last four letters."""
    words = (frame.select(id_col, pl.col("text").str.split(" ").alias("w")).explode("w")
             .filter((pl.col("w").str.len_chars() >= 3) & ~pl.col("w").is_in(STOPWORDS)))
    return (words.select(id_col, pl.concat_list(pl.lit("=") + pl.col("w"), pl.lit("<") + pl.col("w").str.slice(0, 4),
                                                pl.col("w").str.slice(-4) + pl.lit(">")).alias("key"))
            .explode("key").select(id_col, pl.col("key").hash(seed=8)).unique())


def _nonzero(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, columns and values of the non-zero cells of a mostly-zero uint8 matrix.

    Scans 8 cells at a time (as uint64 words) and looks closer only at words with a hit.
    """
    flat = scores.reshape(-1)
    pad = (-flat.size) % 8
    if pad:
        flat = np.concatenate([flat, np.zeros(pad, np.uint8)])
    words = np.flatnonzero(flat.view(np.uint64))
    cells = (words[:, None] * 8 + np.arange(8)).reshape(-1)
    cells = cells[flat[cells] > 0]
    rows, cols = np.divmod(cells, scores.shape[1])
    return rows, cols, flat[cells]


class TmIndex:
    """The TM's patient terms and clinical terms, indexed once for a whole batch."""

    def __init__(self, tm: pl.DataFrame, settings: CheckSettings):
        """`tm`: conceptId, term, patientTerm (str); rows without a patient term are ignored."""
        self.settings = settings
        self.tm = tm.with_columns(
            _norm(pl.col("patientTerm")).alias("ptNorm"),
            _norm(pl.col("term")).alias("termNorm"),
        ).with_columns(
            _sorted_key(pl.col("ptNorm")).alias("ptSorted"),
            _tokens(pl.col("termNorm")).alias("termTokens"),
            _strip_qualifiers(pl.col("ptNorm")).alias("ptCore"),
        ).with_columns(
            pl.col("termTokens").list.join(" ").alias("termKey"),
        ).with_row_index("tmIdx")
        # TM patient terms ordered by length: a block of proposals of similar length is only scored
        # against the TM slice whose length can reach the score cutoff at all.
        lengths = self.tm["ptSorted"].str.len_chars().to_numpy()
        self._tm_order = np.argsort(lengths, kind="stable").astype(np.uint32)
        self._tm_len = lengths[self._tm_order]
        pt_sorted = self.tm["ptSorted"].to_list()
        self._pt_sorted_objects = np.array(pt_sorted, dtype=object)
        self._tm_len_by_idx = lengths
        self._tm_json = self.tm.select("tmIdx", pl.struct("conceptId", "term", "patientTerm").struct.json_encode()
                                       .str.strip_suffix("}").alias("json"))
        self._blocking_index: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame] | None = None
        self.scored_pairs = 0  # (proposal, TM entry) pairs scored by blocking so far: what bounds its cost
        self._tm_by_len = [pt_sorted[i] for i in self._tm_order]
        self._tm_word_sets = _token_set_keys(self.tm.select("tmIdx", pl.col("termKey").alias("text")), "tmIdx",
                                             deletions=0).select("key").unique()
        # Inconsistency blocking: each TM clinical term under its own key, its qualifier-free core and
        # its keys with one or two tokens left out.
        core = _strip_qualifiers(pl.col("termKey"))
        self._tm_keys = pl.concat([
            self.tm.select("tmIdx", pl.col("termKey").alias("key"), pl.lit("same").alias("how")),
            self.tm.select("tmIdx", core.alias("key"), pl.lit("core").alias("how")),
            self.tm.select("tmIdx", pl.concat_list(_variants(pl.col("termTokens"))).alias("key"), pl.lit("wider").alias("how"))
            .explode("key"),
        ]).filter(pl.col("key").is_not_null() & (pl.col("key") != "")).unique(["tmIdx", "key", "how"])

    def similar_and_conflicts(self, present: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame | None]:
        s = self.settings
        empty_similar = pl.DataFrame(schema={"row": pl.UInt32, "similar": pl.Utf8})
        if present.is_empty() or self.tm.is_empty():
            return empty_similar, None
        # Identical proposals are scored once: at SNOMED scale many proposals repeat.
        distinct = present.select("sorted").unique(maintain_order=True).with_row_index("u")
        limit = max(1, s.similar_limit)
        # A big TM is scored through blocking; a small one (or blocking switched off) fully by cdist.
        blocked = 0 < s.blocking_min_tm <= self.tm.height
        tops = self._blocked_pairs(distinct) if blocked else self._all_pairs(distinct)
        if not tops:
            return empty_similar, self._exact_conflicts(present)
        top = (pl.concat(tops).join(self.tm.select("tmIdx", "conceptId", "term", "patientTerm", "ptNorm"), on="tmIdx")
               .sort(["u", "score", "tmIdx"], descending=[False, True, False]))
        # Each TM entry is JSON-encoded once; a pair only appends its score.
        similar = (top.group_by("u", maintain_order=True).head(limit)
                   .join(self._tm_json, on="tmIdx")
                   .sort(["u", "score", "tmIdx"], descending=[False, True, False])
                   .with_columns((pl.col("json") + pl.lit(',"score":') + pl.col("score").cast(pl.Utf8) + pl.lit("}")).alias("j"))
                   .group_by("u", maintain_order=True)
                   .agg((pl.lit("[") + pl.col("j").str.join(",") + pl.lit("]")).alias("similar")))
        similar = (present.select("row", "sorted").join(distinct, on="sorted").join(similar, on="u")
                   .select("row", "similar"))

        # Near-equal candidates (cheap sorted-token score within 10 points) are rescored exactly.
        cand = (present.select("row", "conceptId", "norm", "sorted").join(distinct, on="sorted")
                .join(top.filter(pl.col("score") >= s.conflict_ratio - 10).select(
                    "u", "tmIdx", pl.col("conceptId").alias("tmConcept"), "term", "patientTerm", "ptNorm"), on="u")
                .filter(pl.col("conceptId") != pl.col("tmConcept")))
        near = None
        if not cand.is_empty():
            a, b = cand["norm"].to_list(), cand["ptNorm"].to_list()
            best = np.maximum(process.cpdist(a, b, scorer=fuzz.ratio, workers=s.workers),
                              process.cpdist(a, b, scorer=fuzz.token_sort_ratio, workers=s.workers))
            # "type 1"/"type 2", "linker"/"rechter": close strings, different things — never a conflict.
            near = (cand.filter(pl.Series(best >= s.conflict_ratio))
                    .filter(_distinguishing(pl.col("norm")) == _distinguishing(pl.col("ptNorm"))))
            if not near.is_empty():
                # "borstontsteking"/"botontsteking": close strings, but each word is a real word of its
                # own — a patient reads two things. A typo ("bloedruk") or a word moved stays a conflict.
                near = near.filter(pl.Series([not _other_words(a, b) for a, b in
                                              zip(near["norm"].to_list(), near["ptNorm"].to_list())], dtype=pl.Boolean))
        exact = self._exact_conflicts(present)
        # exact matches named first, then near ones; sorted because joins keep no order
        pairs = pl.concat([f.select("row", "tmConcept", "term", "patientTerm", pl.lit(rank).alias("rank"))
                           for rank, f in enumerate((exact, near)) if f is not None]).sort("row", "rank", "tmConcept")
        # "structuur van duodenum" and "duodenum": SNOMED's body structure and the entire part are two
        # concepts a patient names alike — the same lay term is right, not a conflict
        pairs = (pairs.join(present.select("row", "termNorm"), on="row", how="left")
                 .filter(((_body_part_key(pl.col("termNorm").fill_null("")) != _body_part_key(_norm(pl.col("term"))))
                          | (pl.col("termNorm").fill_null("") == _norm(pl.col("term"))))
                         # a body structure shares its organ's lay name whatever synonym the TM holds
                         # ("structuur van urineblaas" / "vesica urinaria": "blaas")
                         & ~pl.col("termNorm").fill_null("").str.starts_with("structuur van "))
                 .drop("termNorm"))
        return similar, self._conflict_flags(pairs)

    def _keep_top(self, pairs: pl.DataFrame) -> pl.DataFrame:
        """Per proposal: the best few TM pairs for `similar`, and every pair close enough to be a conflict."""
        s = self.settings
        return (pairs.sort(["u", "score", "tmIdx"], descending=[False, True, False])
                .filter((pl.int_range(pl.len()).over("u") < max(s.similar_limit, 8))
                        | (pl.col("score") >= s.conflict_ratio - 10)))

    def _all_pairs(self, distinct: pl.DataFrame) -> list[pl.DataFrame]:
        """Every proposal against every TM patient term in its length band: one cdist per chunk."""
        s = self.settings
        queries = distinct["sorted"].to_list()
        qlen = distinct["sorted"].str.len_chars().to_numpy()
        c = max(min(s.similar_cutoff, 100.0), 1.0) / 100
        tops = []
        # Chunks keep a mix of lengths: rapidfuzz's SIMD scorers are faster on mixed chunks than on
        # length-sorted ones, so the length band below prunes only chunks that happen to be narrow.
        for start in range(0, len(queries), max(1, s.chunk_size)):
            block = queries[start:start + s.chunk_size]
            shortest, longest = qlen[start:start + len(block)].min(), qlen[start:start + len(block)].max()
            # ratio <= 2*min(len)/(len_a+len_b), so only this length band can reach the cutoff.
            lo = int(np.searchsorted(self._tm_len, np.floor(shortest * c / (2 - c)), "left"))
            hi = int(np.searchsorted(self._tm_len, np.ceil(longest * (2 - c) / c), "right"))
            if hi <= lo:
                continue
            scores = process.cdist(block, self._tm_by_len[lo:hi], scorer=fuzz.ratio, dtype=np.uint8,
                                   score_cutoff=s.similar_cutoff, workers=s.workers)
            qi, ti, values = _nonzero(scores)
            del scores
            if len(qi) == 0:
                continue
            tops.append(self._keep_top(pl.DataFrame({"u": (qi + start).astype(np.uint32),
                                                     "tmIdx": self._tm_order[ti + lo], "score": values})))
        return tops

    def _blocking(self) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        """TM indexes for blocking, built on first use: token-set keys, content-word-set keys, word
        keys, word-key counts."""
        if self._blocking_index is None:
            s = self.settings
            text = self.tm.select("tmIdx", pl.col("ptSorted").alias("text"))
            sets = _token_set_keys(text, "tmIdx").filter(pl.len().over("key") <= max(1, s.blocking_max_postings))
            cores = (_token_set_keys(_core_words(text), "tmIdx", min_left=2)
                     .filter(pl.len().over("key") <= max(1, s.blocking_core_postings)))
            words = _word_keys(text, "tmIdx")
            self._blocking_index = (sets, cores, words, words.group_by("key").len("df"))
        return self._blocking_index

    def _blocked_pairs(self, distinct: pl.DataFrame) -> list[pl.DataFrame]:
        """TM pairs per distinct proposal, scoring only candidates instead of the whole TM:
        - TM terms whose words equal the proposal's with at most two words changed, added or left
          out on either side (near-duplicates: typos, a qualifier, word order);
        - the same on content words only (qualifiers, numbers and function words set aside), at
          least two of them left, for neighbours that also differ in a side, a type or a course;
        - TM terms sharing the proposal's rarest word keys (a word, or its first or last four
          letters), rarest first, up to `blocking_budget` TM entries per proposal (neighbours for
          `similar` that differ in more words)."""
        s = self.settings
        sets, cores, words, word_df = self._blocking()
        c = max(min(s.similar_cutoff, 100.0), 1.0) / 100
        # Strings as object arrays: gathering a pair's strings copies references, not text.
        queries = np.array(distinct["sorted"].to_list(), dtype=object)
        q_len = distinct["sorted"].str.len_chars().to_numpy()
        tm_text, tm_len = self._pt_sorted_objects, self._tm_len_by_idx
        tops = []
        for start in range(0, distinct.height, max(1, s.block_size)):
            block = distinct.slice(start, s.block_size).select("u", pl.col("sorted").alias("text"))
            rare = (_word_keys(block, "u").join(word_df, on="key")
                    .sort("u", "df", "key")
                    .filter(pl.col("df").cum_sum().over("u") <= s.blocking_budget)
                    .join(words, on="key"))
            near = _token_set_keys(block, "u").join(sets, on="key")
            alike = _token_set_keys(_core_words(block), "u", min_left=2).join(cores, on="key")
            # One u64 per pair (proposal << 32 | TM entry) and a rank saying how near the keys put it:
            # words left out on both sides (0-4), then content-word neighbours (5-9), then rare words (10).
            pair = (pl.col("u").cast(pl.UInt64) * (1 << 32) + pl.col("tmIdx").cast(pl.UInt64)).alias("pair")
            ranked = pl.concat([near.select(pair, (pl.col("d") + pl.col("d_right")).cast(pl.UInt8).alias("r")),
                                alike.select(pair, (pl.col("d") + pl.col("d_right") + 5).cast(pl.UInt8).alias("r")),
                                rare.select(pair, pl.lit(10, pl.UInt8).alias("r"))])
            best = ranked.group_by("pair").agg(pl.col("r").min(), pl.len().alias("hits"))
            ids, rank, hits = best["pair"].to_numpy(), best["r"].to_numpy(), best["hits"].to_numpy()
            u, t = (ids >> 32).astype(np.int64), (ids & 0xFFFFFFFF).astype(np.int64)
            # ratio <= 2*min(len)/(len_a+len_b): pairs outside the length band cannot reach the cutoff
            band = 2 * np.minimum(q_len[u], tm_len[t]) >= c * (q_len[u] + tm_len[t]) - 1e-9
            u, t, rank, hits = u[band], t[band], rank[band], hits[band]
            # Bounded whatever the families: at most `blocking_candidates` TM entries per proposal, the
            # nearest by rank, then those sharing more keys (a typo's twin also shares rare word keys),
            # then by length difference (a twin is as long), then TM order.
            if s.blocking_candidates and len(u) > s.blocking_candidates:
                order = np.lexsort((t, np.abs(q_len[u] - tm_len[t]), -hits.astype(np.int64), rank, u))
                u, t = u[order], t[order]
                first = np.flatnonzero(np.r_[True, u[1:] != u[:-1]])
                nth = np.arange(len(u)) - np.repeat(first, np.diff(np.r_[first, len(u)]))
                keep = nth < s.blocking_candidates
                u, t = u[keep], t[keep]
            if len(u) == 0:
                continue
            self.scored_pairs += len(u)
            score = process.cpdist(queries[u], tm_text[t], scorer=fuzz.ratio, dtype=np.uint8,
                                   score_cutoff=s.similar_cutoff, workers=s.workers)
            hit = score > 0
            tops.append(self._keep_top(pl.DataFrame({"u": u[hit].astype(np.uint32), "tmIdx": t[hit].astype(np.uint32),
                                                     "score": score[hit]})))
        return tops

    def _exact_conflicts(self, present: pl.DataFrame) -> pl.DataFrame:
        return (present.select("row", "conceptId", "norm")
                .join(self.tm.select(pl.col("conceptId").alias("tmConcept"), "term", "patientTerm", pl.col("ptNorm").alias("norm")), on="norm")
                .filter(pl.col("conceptId") != pl.col("tmConcept")))

    def _conflict_flags(self, pairs: pl.DataFrame) -> pl.DataFrame | None:
        if pairs.is_empty():
            return None
        return (pairs.unique(["row", "tmConcept"], maintain_order=True)
                .group_by("row", maintain_order=True)
                .agg(pl.col("tmConcept").alias("related"), pl.col("tmConcept").first().alias("c"),
                     pl.col("patientTerm").first().alias("p"), pl.col("term").first().alias("t"), pl.len().alias("n"))
                .with_columns(pl.lit("tm-conflict").alias("code"),
                              reason("tm-conflict.reason", concept=pl.col("c"), patientTerm=pl.col("p"), term=pl.col("t"),
                                     more=pl.when(pl.col("n") > 1).then(reason("tm-conflict.more", n=pl.col("n") - 1))
                                     .otherwise(pl.lit("")))
                              .alias("reason")))

    def inconsistent(self, present: pl.DataFrame) -> pl.DataFrame | None:
        if present.is_empty() or self.tm.is_empty():
            return None
        own = self._own_concept(present)
        near = self._near_terms(present)
        if own is None or near is None:
            return own if near is None else near
        # one flag a row: the concept's own TM term says more than a neighbour's
        cols = [pl.col("row"), pl.col("code"), pl.col("reason"), pl.col("related").cast(pl.List(pl.Utf8))]
        return pl.concat([own.select(cols), near.join(own.select("row"), on="row", how="anti").select(cols)]).sort("row")

    def _own_concept(self, present: pl.DataFrame) -> pl.DataFrame | None:
        """Rows whose concept already has a patient term in the TM that the proposal does not say
        ("chalazion" → TM "hagelkorrel", an agency's batch "gerstekorrel"): a reviewer sees the
        approved term before a second one replaces it."""
        tm = self.tm.select("conceptId", "patientTerm", "ptNorm").filter(pl.col("ptNorm") != "")
        pairs = present.select("row", "conceptId", "norm").join(tm, on="conceptId")
        if pairs.is_empty():
            return None
        said = pairs.filter(pl.col("ptNorm") == pl.col("norm")).select("row")  # any of its TM terms
        other = pairs.join(said, on="row", how="anti")
        if other.is_empty():
            return None
        return (other.sort("row").group_by("row", maintain_order=True)
                .agg(pl.col("conceptId").first().alias("c"), pl.col("patientTerm").first().alias("p"))
                .select("row", pl.concat_list(pl.col("c")).alias("related"), pl.lit("tm-inconsistent").alias("code"),
                        reason("tm-inconsistent.own", patientTerm=pl.col("p")).alias("reason")))

    def _near_terms(self, present: pl.DataFrame) -> pl.DataFrame | None:
        """Rows whose clinical term nearly equals another TM concept's, rendered differently."""
        terms = (present.select("row", "conceptId", "termNorm", "norm")
                 .with_columns(_tokens(pl.col("termNorm")).alias("tokens"))
                 .with_columns(pl.col("tokens").list.join(" ").alias("key")))
        keys = terms.select("key", "tokens").unique("key")
        # Only a term holding a TM term's words plus one or two can have a variant equal to a TM term:
        # find those with order-free word-set hashes first, and build variants for them alone.
        maybe = _token_set_keys(keys.select(pl.col("key").alias("id"), pl.col("key").alias("text")), "id")
        maybe = maybe.join(self._tm_word_sets, on="key", how="semi").select("id").unique()
        wide = keys.filter(pl.col("key").is_in(maybe["id"].implode()) | (pl.col("tokens").list.len() > 12))
        mine = pl.concat([
            keys.select("key", pl.col("key").alias("probe"), pl.lit("same").alias("how")),
            keys.select("key", _strip_qualifiers(pl.col("key")).alias("probe"), pl.lit("core").alias("how")),
            wide.select("key", pl.concat_list(_variants(pl.col("tokens"))).alias("probe"), pl.lit("wider").alias("how"))
            .explode("probe"),
        ]).filter(pl.col("probe").is_not_null() & (pl.col("probe") != ""))
        tm_keys = self._tm_keys
        # same↔same: identical term; core↔core: differ only in qualifiers; my variant = TM term (mine is
        # the TM term plus a word or two); TM variant = my term (the TM term is mine plus a word or two).
        links = pl.concat([
            mine.filter(pl.col("how") == "same").join(tm_keys.filter(pl.col("how") == "same"), left_on="probe", right_on="key"),
            mine.filter(pl.col("how") == "core").join(tm_keys.filter(pl.col("how") == "core"), left_on="probe", right_on="key"),
            mine.filter(pl.col("how") == "wider").join(tm_keys.filter(pl.col("how") == "same"), left_on="probe", right_on="key"),
            mine.filter(pl.col("how") == "same").join(tm_keys.filter(pl.col("how") == "wider"), left_on="probe", right_on="key"),
        ], how="vertical_relaxed").select("key", "tmIdx").unique()
        pairs = (terms.select("row", "conceptId", "key", "norm").join(links, on="key")
                 .join(self.tm.select("tmIdx", pl.col("conceptId").alias("tmConcept"), "term", "patientTerm", "ptCore"), on="tmIdx")
                 .filter(pl.col("conceptId") != pl.col("tmConcept"))
                 .with_columns(_strip_qualifiers(pl.col("norm")).alias("core"))
                 .filter((pl.col("core") != "") & (pl.col("ptCore") != "")))
        if pairs.is_empty():
            return None
        a, b = pairs["core"].to_list(), pairs["ptCore"].to_list()
        w = self.settings.workers
        score = np.maximum(process.cpdist(a, b, scorer=fuzz.partial_ratio, workers=w),
                           process.cpdist(a, b, scorer=fuzz.token_set_ratio, workers=w))
        bad = pairs.filter(pl.Series(score < self.settings.inconsistent_ratio))
        if bad.is_empty():
            return None
        return (bad.sort("row", "tmIdx").group_by("row", maintain_order=True)  # joins keep no order: sort for the same answer every run
                .agg(pl.col("tmConcept").unique(maintain_order=True).head(5).alias("related"),
                     pl.col("tmConcept").first().alias("c"), pl.col("term").first().alias("t"),
                     pl.col("patientTerm").first().alias("p"))
                .with_columns(pl.lit("tm-inconsistent").alias("code"),
                              reason("tm-inconsistent.reason", concept=pl.col("c"), term=pl.col("t"),
                                     patientTerm=pl.col("p")).alias("reason")))

