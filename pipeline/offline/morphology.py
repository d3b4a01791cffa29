"""Single clinical words the lexicon has no entry for, composed from Greek/Latin morphemes: a
root with a suffix ("gastr" + "itis" → "maagontsteking", "nefr" + "ectomie" → "verwijderen van
de nier"), a prefix before them, or two known roots ("nier" + "steen").

Only whole parses count: every letter of the word belongs to a known root, prefix or suffix.
Roots come from the lexicon and from what the TM teaches (a TM pair "conjunctivitis →
bindvliesontsteking" teaches the root "conjunctiv" → "bindvlies"). Composed words get a low
confidence: morphemes say what a word is about, not always what it means.
"""
from __future__ import annotations

from pipeline.dutch import grammar
from pipeline.offline.lexicon import Lexicon

EXPLANATIONS = (("itis", "Een ontsteking van {a} {r}."), ("ectomie", "Een operatie waarbij de arts {a} {r} weghaalt."),
                ("scopie", "Een onderzoek waarbij de arts met een slangetje met camera in {a} {r} kijkt."),
                ("algie", "Pijn in {a} {r}."), ("megalie", "{A} {r} is groter dan normaal."))


class Morphology:
    """Composes single words from the lexicon's roots, prefixes and suffixes plus learned roots."""

    def __init__(self, lexicon: Lexicon, learned_roots: dict[str, str] | None = None):
        self.lex = lexicon
        self.learned = learned_roots or {}
        self._suffixes = sorted(lexicon.suffixes, key=len, reverse=True)
        self._prefixes = sorted(lexicon.prefixes, key=len, reverse=True)

    def root(self, stem: str) -> tuple[str, str] | None:
        """(lay, article) of a root, learned roots first; tolerates a linking -o-."""
        if stem in self.learned:
            lay = self.learned[stem]
            return lay, grammar.definite_article(lay) or "de"
        for cand in (stem, stem.rstrip("o"), stem + "o"):
            e = self.lex.roots.get(cand)
            if e is not None:
                return e.lay, "het" if e.article == "het" else "de"
        return None

    def compose(self, word: str) -> tuple[str, str, bool] | None:
        """(lay, article of the lay head, composed) for one clinical word, or None when no whole
        parse exists; `composed` is False when the word is itself a known root ("clavicula")."""
        for suffix in self._suffixes:
            if not word.endswith(suffix) or len(word) <= len(suffix):
                continue
            stem = word[: -len(suffix)]
            entry = self.lex.suffixes[suffix]
            prefix_lay = ""
            if not self.root(stem):
                for pre in self._prefixes:
                    if stem.startswith(pre) and len(stem) > len(pre) + 1:
                        prefix_lay, stem = self.lex.prefixes[pre].lay, stem[len(pre):]
                        break
            root = self.root(stem) or self._two_roots(stem)
            if not root:
                continue
            lay_root, art = root
            template = entry.lay
            if prefix_lay:
                # Only a degree prefix composes safely, as an adjective before the root's noun:
                # hypo + kali + emie → "te laag kaliumgehalte in het bloed" (het-word: bare form).
                if not prefix_lay.startswith("te ") or not template.startswith("{r} ") or " " in lay_root:
                    continue
                lay_root = f"{grammar.attributive(prefix_lay, grammar.gender(lay_root) or art)} {lay_root}"
            if template.startswith("{r}") and not template.startswith("{r} "):
                lay = grammar.compound(lay_root, template[3:]) if template[3:] else lay_root
            else:
                lay = template.replace("{a}", art).replace("{r}", lay_root)
            return lay, entry.article if entry.article in ("de", "het") else grammar.gender(lay) or "de", True
        whole = self.root(word)
        if whole:
            return whole[0], whole[1], word in self.learned
        two = self._two_roots(word)
        return (two[0], two[1], True) if two else None

    def _two_roots(self, stem: str) -> tuple[str, str] | None:
        for i in range(len(stem) - 2, 1, -1):
            left, right = self.root(stem[:i]), self.root(stem[i:])
            if left and right and " " not in left[0] and " " not in right[0]:
                # "hystero|salpingo": two organs side by side are "X and Y", which no glued word says;
                # only a compound Dutch text uses stands ("baarmoedereileider" is none)
                word = grammar.attested_compound(left[0], right[0])
                return (word, right[1]) if word is not None else None
        return None

    def explain(self, word: str) -> str:
        """A short B1 sentence when the word's morphology says what it is, else ''."""
        for suffix, sentence in EXPLANATIONS:
            if word.endswith(suffix) and len(word) > len(suffix) + 1:
                root = self.root(word[: -len(suffix)])
                if root:
                    art = "het" if root[1] == "het" else "de"
                    return sentence.replace("{a}", art).replace("{A}", art.capitalize()).replace("{r}", root[0])
        return ""
