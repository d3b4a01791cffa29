"""Render a clinical term's structure into lay Dutch — all or nothing.

A Dutch SNOMED term is read as a chain of noun phrases joined by prepositions,
`NP (prep NP)*`, each noun phrase `[determiner] modifier* head [number | letter | type N]`, and
coordinated phrases joined by "en", "of", "en/of". Lexicon phrases are grouped first, longest
first ("cervix uteri", "ventriculus lateralis cerebri", "ten gevolge van"), so Latin phrases are
translated whole, with the sense the term's context selects.

Each part goes into its slot: the head into the lay head noun with its gender; clinical
adjectives into lay adjectives inflected for that gender (ANS § 5.2.2), or into a phrase after the
noun ("neonatale hypoglykemie" → "te lage bloedsuiker bij een pasgeborene"); "linker"/"rechter"
compounded with a body part ("rechteroor"); prepositional objects get their definite article
("van de baarmoederhals"); heads that take an object fill their template ("structuur van X" → X,
"fractuur van X" → "gebroken X" or "botbreuk van de X"). Numbers, units, names, abbreviations and
quoted phrases are kept exactly where they stand.

All or nothing: a word is either translated by the lexicon (or what the TM taught), composed from
known morphemes, or deliberately kept (lay Dutch, a name, a number, a unit, a known abbreviation).
If any word is none of these, there is no proposal and the words not understood are reported.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.dutch import grammar
from pipeline.dutch.words import LATIN_FORM, WordJudge, zipf
from pipeline.offline.lexicon import Entry, Lexicon, has_slot, normalise
from pipeline.offline.tokens import NUMBER_WORDS, ORDINALS, ROMAN, UNITS, Token, tokenize

PREPOSITIONS = {"van", "bij", "tijdens", "door", "met", "na", "in", "op", "aan", "zonder", "voor", "onder", "via",
                "vanuit", "vanaf", "naar", "over", "betreffende", "wegens", "om", "uit", "tot", "binnen", "boven",
                "achter", "rond", "rondom", "tegen", "tussen", "langs", "ter", "per", "buiten", "sinds", "zoals"}
CONJUNCTIONS = {"en", "of", "en/of"}
DETERMINERS = {"de", "het", "een", "geen", "alle", "beide", "enkele", "meerdere", "elke", "ieder"}
# After these, a number or letter belongs to the word ("type 2", "graad 3", "bloedgroep A").
LABELS = {"type", "graad", "stadium", "fase", "klasse", "groep", "bloedgroep", "score", "niveau", "gradus"}
SIDES = {"linker", "rechter"}
# Nouns a patient reads without an article in "van X": substances and activities.
MASS = {"zuurstof", "glucose", "suiker", "foliumzuur", "vitamine", "alcohol", "medicatie", "medicijnen", "voeding",
        "borstvoeding", "flesvoeding", "melk", "moedermelk", "water", "vocht", "insuline", "ijzer", "calcium",
        "informatie", "advies", "pijnbestrijding", "pijnstilling", "zorg", "hulp", "bloed", "zout", "eten", "drinken"}

CONF = {"curated": 0.9, "learned": 0.85, "morphology": 0.5, "compound": 0.75, "missing-article": 0.7, "long": 0.8,
        "rare-kept": 0.75}
# Prepositions after which a lay term names the thing with its definite article ("van de baarmoeder",
# "tijdens de zwangerschap"); after the others it stands bare ("met ontsluiting", "zonder koorts").
BARE_AFTER = {"met", "zonder", "om", "per", "als", "zoals", "tot", "sinds"}


class NotRendered(Exception):
    """The term cannot be rendered whole; `words` are the parts not understood."""

    def __init__(self, words: list[str], why: str = "unknown"):
        super().__init__(", ".join(words))
        self.words = words
        self.why = why


@dataclass
class Unit:
    """A token, or a run of tokens the lexicon knows as one phrase."""
    tokens: list[Token]
    entry: Entry | None = None
    role: str = ""            # prep | conj | word

    @property
    def low(self) -> str:
        return " ".join(t.low for t in self.tokens)

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.tokens)

    @property
    def token(self) -> Token:
        return self.tokens[0]


@dataclass
class Phrase:
    """A rendered lay noun phrase."""
    head: str
    gender: str | None
    pre: list[tuple[str, bool]] = field(default_factory=list)   # (text, is an adjective to inflect)
    post: list[str] = field(default_factory=list)
    det: str = ""
    bare_noun: bool = True       # head is one noun without its own modifiers (compounds, "linker")
    sided: bool = False          # "linker"/"rechter" joined to the head: not glued into a further compound
    articleless: bool = False    # names, numbers, quantities, substances: no article before them

    def text(self, article: bool = False) -> tuple[str, bool]:
        """(text, article missing): with `article`, the definite article its gender asks for."""
        words, missing, definite = [], False, False
        if self.det:
            words.append(self.det)
            definite = self.det in ("de", "het")
        elif article and not self.articleless:
            a = "de" if self.gender == "pl" else self.gender
            if a:
                words.append(a)
                definite = True
            else:
                missing = True
        for text, adjectival in self.pre:
            words.append(grammar.attributive(text, self.gender, definite) if adjectival else text)
        words.append(self.head)
        words.extend(self.post)
        return " ".join(w for w in words if w), missing


@dataclass
class Rendering:
    text: str
    confidence: float
    translated: int
    notes: list[str] = field(default_factory=list)


class Renderer:
    """Renders terms with one lexicon and word judge; `render(term)` per distinct term."""

    def __init__(self, lexicon: Lexicon, judge: WordJudge, morphology=None):
        self.lex = lexicon
        self.judge = judge
        self.morphology = morphology
        self._phrases = lexicon.phrase_keys()
        self._max_phrase = max((len(k.split()) for k in self._phrases), default=1)
        self._clinical = lexicon.clinical_words()
        grammar.add_nouns({_lay_head(e.lay): e.article for e in list(lexicon.words.values())
                           if e.article in ("de", "het", "pl") and "{" not in e.lay})

    # --- public --------------------------------------------------------------------------------
    def render(self, term: str) -> Rendering:
        """The lay rendering of `term`. Raises NotRendered naming the words not understood, with
        `why` 'unknown' (words) or 'nothing' (every word is already lay: nothing to change)."""
        self._term = normalise(term)
        self._score = [CONF["curated"]]
        self._translated = 0
        self._unknown: list[str] = []
        units = self._group(tokenize(term))
        chain = self._chain(units)
        text = self._render_chain(chain)
        if self._unknown:
            raise NotRendered(list(dict.fromkeys(self._unknown)))
        if not self._translated:
            raise NotRendered([], "nothing")
        conf = min(self._score)
        if self._translated >= 4 or len(chain) >= 4:
            conf = min(conf, CONF["long"])
        return Rendering(_tidy(text), round(conf, 3), self._translated)

    # --- grouping ------------------------------------------------------------------------------
    def _group(self, tokens: list[Token]) -> list[Unit]:
        out: list[Unit] = []
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if tok.kind == "punct" and tok.text == "/" and out and out[-1].low == "en" and i + 1 < len(tokens) and tokens[i + 1].low == "of":
                out[-1] = Unit([Token("en/of", "en/of", "word")], role="conj")
                i += 2
                continue
            if tok.kind == "word":
                for j in range(min(len(tokens), i + self._max_phrase), i + 1, -1):
                    run = tokens[i:j]
                    if all(t.kind == "word" for t in run):
                        key = " ".join(t.low for t in run)
                        entry = self._lookup(key)
                        if entry is not None:
                            out.append(Unit(run, entry, "prep" if entry.kind == "prep" else "word"))
                            i = j
                            break
                else:
                    entry = self._lookup(tok.low)
                    role = ("prep" if (entry and entry.kind == "prep") or (not entry and tok.low in PREPOSITIONS)
                            else "conj" if tok.low in CONJUNCTIONS else "word")
                    out.append(Unit([tok], entry, role))
                    i += 1
                continue
            out.append(Unit([tok], None, "conj" if tok.text == "," else "word"))
            i += 1
        return out

    def _lookup(self, key: str) -> Entry | None:
        lex, term = self.lex, self._term
        for table in ("heads", "words"):
            e = lex.find(table, key, term)
            if e is not None:
                return e
        e = lex.modifier(key, term) or lex.find("preps", key, term)
        if e is None and "-" in key:
            return self._lookup(key.replace("-", "")) if key.replace("-", "") != key else None
        if e is None and " " not in key and len(key) >= 4 and (LATIN_FORM.search(key) or zipf(key) < 3.0):
            root = lex.find("roots", key, term)
            if root is not None:  # a whole Latin word the lexicon knows as a root ("umbilicalis", "femur")
                return Entry(root.clinical, root.lay, "noun", root.article, root.note, source=root.source)
        return e

    # --- the chain of noun phrases -------------------------------------------------------------
    def _chain(self, units: list[Unit]) -> list[tuple[Unit | None, list[Unit]]]:
        """[(None, NP0), (prep, NP1), …]."""
        chain: list[tuple[Unit | None, list[Unit]]] = [(None, [])]
        for u in units:
            if u.role == "prep" and chain[-1][1]:
                chain.append((u, []))
            else:
                chain[-1][1].append(u)
        return chain

    def _render_chain(self, chain) -> str:
        parts: list[str] = []
        i = 0
        while i < len(chain):
            prep, units = chain[i]
            if not units:
                self._unknown.append(prep.text if prep else "")
                return ""
            head_entry = self._template_head(units)
            if head_entry is not None:
                # "X van Y (van Z)*": a template head's object is Y with its genitive chain
                # the object comes with "van", or with the template's own preposition ("allergie voor {x}")
                own = {m.group(1) for m in re.finditer(r"(\w+) \{(?:de |een )?x\}", head_entry.lay)}
                objects, j = [], i + 1
                while j < len(chain) and (chain[j][0].low == "van" or not objects and chain[j][0].low in own):
                    objects.append(chain[j])
                    j += 1
                text = self._render_template(head_entry, units, objects,
                                             definite=prep is not None and _lay_prep(prep) not in BARE_AFTER)
                parts.append(self._prep(prep) + text if prep else text)
                i = j
                continue
            text = self._render_np(units, article=prep is not None and _lay_prep(prep) not in BARE_AFTER)
            parts.append(self._prep(prep) + text if prep else text)
            i += 1
        return " ".join(parts)

    def _prep(self, prep: Unit) -> str:
        if prep.entry is not None and prep.entry.kind == "prep":
            if prep.entry.lay != prep.low:
                self._translated += 1
            return prep.entry.lay + " "
        return prep.low + " "

    def _template_head(self, units: list[Unit]) -> Entry | None:
        """The template entry when the phrase's head takes an object ("structuur", "fractuur")."""
        coords = _split_coordination(units)
        if len(coords) != 1:
            return None
        _, _, head, _ = self._parts(coords[0])
        if head is not None and head.entry is not None and has_slot(head.entry.lay):
            return head.entry
        return None

    # --- one noun phrase -----------------------------------------------------------------------
    def _parts(self, units: list[Unit]) -> tuple[str, list[Unit], Unit | None, list[Unit]]:
        """(determiner, modifiers, head, post) of a simple noun phrase."""
        det = ""
        if units and units[0].entry is None and units[0].low in DETERMINERS and len(units) > 1:
            det, units = units[0].low, units[1:]
        units = list(units)
        post: list[Unit] = []
        while len(units) > 1 and _is_post(units[-1]):
            post.insert(0, units.pop())
            if units and units[-1].low in LABELS and len(units) > 1:
                post.insert(0, units.pop())
        # Latin order: modifiers after the noun ("ventriculus lateralis cerebri", "hepatitis acuta")
        trailing: list[Unit] = []
        while len(units) > 1 and units[-1].entry is not None and units[-1].entry.kind in ("adjective", "qualifier"):
            trailing.insert(0, units.pop())
        if not units:
            return det, [], None, post
        return det, units[:-1] + trailing, units[-1], post

    def _render_np(self, units: list[Unit], article: bool) -> str:
        pieces = []
        for coord in _split_coordination(units):
            if isinstance(coord, Unit):  # the conjunction itself
                pieces.append(coord.low if coord.role == "conj" else coord.text)
                continue
            phrase = self._phrase(coord)
            if phrase is None:
                return ""
            text, missing = phrase.text(article=article)
            if missing:
                self._score.append(CONF["missing-article"])
            pieces.append(text)
        return " ".join(pieces).replace(" , ", ", ")

    def _phrase(self, units: list[Unit]) -> Phrase | None:
        det, mods, head, post = self._parts(units)
        if head is None:
            return None
        if mods and _is_noun(mods[-1]) and _is_noun(head):
            # Latin noun + genitive ("hernia umbilicalis", "steatosis hepatis", "commotio cerebri"):
            # the compound Dutch uses ("navelbreuk"), else "breuk van de navel"
            phrase = self._genitive(mods[-1], head)
            mods = mods[:-1]
        else:
            phrase = self._head(head)
        if phrase is None:
            return None
        if any(u.token.kind == "number" or u.low in NUMBER_WORDS or u.low in ("meer", "minder") for u in mods) \
                or head.low in UNITS:
            phrase.articleless = True  # a quantity: "van meer dan 3 cm", "met één plusje"
        return self._modify(phrase, det, mods, post)

    def _head(self, unit: Unit) -> Phrase | None:
        tok = unit.token
        if unit.entry is not None and unit.entry.kind in ("word", "noun", "head") and not has_slot(unit.entry.lay):
            return self._lay_phrase(unit.entry)
        if unit.entry is not None and has_slot(unit.entry.lay):
            plain = [alt for alt in unit.entry.lay.split("|") if "{" not in alt]
            if plain:
                return self._lay_phrase(unit.entry, plain[0])
            self._unknown.append(unit.text)
            return None
        if unit.entry is not None:  # an adjective used as a noun ("zwangere"), or a prepositional phrase
            if unit.entry.kind in ("adjective", "qualifier") and unit.entry.article == "pre" and unit.entry.lay != "-":
                self._count(unit.entry)
                return Phrase(unit.entry.lay, None, bare_noun=False)
            self._unknown.append(unit.text)
            return None
        if tok.kind in ("name", "abbr", "quote"):
            tail = tok.text.rsplit("-", 1)[-1] if "-" in tok.text else ""
            if tail and tok.kind in ("name", "quote") and tail.islower():
                rendered = self._word(tail)
                if rendered is None:
                    return None
                lay, gender = rendered
                return Phrase(tok.text[: -len(tail)] + lay, gender, bare_noun=False)
            return Phrase(tok.text, None, articleless=True, bare_noun=False)
        if tok.kind in ("number", "punct"):
            return Phrase(tok.text, None, articleless=True, bare_noun=False)
        rendered = self._word(tok.low)
        if rendered is None:
            return None
        lay, gender = rendered
        return Phrase(lay, gender, articleless=lay in MASS, bare_noun=" " not in lay)

    def _genitive(self, governing: Unit, genitive: Unit) -> Phrase | None:
        gov, gen = self._lay_phrase(governing.entry), self._lay_phrase(genitive.entry)
        if gen.bare_noun and gen.head in gov.head:
            return gov  # "cervix uteri": "baarmoederhals" already says whose neck
        if gov.bare_noun and gen.bare_noun:
            word = grammar.attested_compound(gen.head, gov.head)
            if word is not None:
                return Phrase(word, gov.gender, articleless=gov.articleless)
        text, missing = gen.text(article=True)
        if missing:
            self._score.append(CONF["missing-article"])
        gov.post.append(f"van {text}")
        gov.bare_noun = False
        return gov

    def _word(self, word: str) -> tuple[str, str | None] | None:
        """A single word kept (lay Dutch), composed from morphemes or translated as a compound of a
        clinical and a lay part; None (and noted) if none of these."""
        if self._is_lay(word):
            return word, grammar.gender(word.rsplit("-", 1)[-1])
        if self.morphology is not None:
            composed = self.morphology.compose(word)
            if composed is not None:
                lay, article, is_composed = composed
                self._translated += 1
                if is_composed:
                    self._score.append(CONF["morphology"])
                return lay, article or grammar.gender(lay)
        compound = self._compound(word)
        if compound is not None:
            return compound
        self._unknown.append(word)
        return None

    def _compound(self, word: str) -> tuple[str, str | None] | None:
        """A Dutch clinical compound of a clinical word and a lay head ("thoraxbeweging" →
        "borstkasbeweging", "uterusbloeding" → "baarmoederbloeding"): the clinical part translated
        by a one-word lexicon noun, the head kept, then compounded again. A translated head would
        make a compound Dutch does not have ("longembolie" ≠ "longbloedstolsel"): no proposal."""
        for i in range(len(word) - 3, 2, -1):
            left, right = word[:i], word[i:]
            for link in ("", "s"):
                if link and not left.endswith(link):
                    continue
                stem = left[: len(left) - len(link)] if link else left
                first, head = self._part(stem), self._part(right)
                if first is None or head is None or not first[1] or head[1]:
                    continue
                self._translated += 1
                self._score.append(CONF["compound"])
                return grammar.compound(first[0], right), grammar.gender(right)
        return None

    def _part(self, part: str) -> tuple[str, bool] | None:
        """(lay, translated) for a compound part: a one-word lexicon noun, or a lay word."""
        if len(part) < 3:
            return None
        e = self.lex.find("words", part, self._term)
        if e is not None and " " not in e.lay and not has_slot(e.lay) and e.lay != part:
            return e.lay, True
        if len(part) >= 4 and part not in self._clinical and self.judge.jargon_reason(part) is None and zipf(part) >= 3.0:
            return part, False
        return None

    def _is_lay(self, word: str) -> bool:
        if "-" in word:
            return all(self._is_lay(p) for p in word.split("-") if p and p not in ("niet", "non"))
        if word in self._clinical:
            return False
        if word.isdigit() or word in NUMBER_WORDS or word in ORDINALS or word in UNITS:
            return True
        lay = self.judge.jargon_reason(word) is None
        if lay and zipf(word) < 2.0 and not self.judge.is_lay_compound(word) and word not in self.judge.lay:
            self._score.append(CONF["rare-kept"])
        return lay

    def _lay_phrase(self, entry: Entry, lay: str | None = None) -> Phrase:
        """A lexicon noun's lay text as a phrase: pre-modifiers, head, the rest after it."""
        self._count(entry)
        lay = lay if lay is not None else entry.lay
        words = lay.split()
        cut = next((i for i, w in enumerate(words) if w in PREPOSITIONS and i > 0), len(words))
        before, after = words[:cut], words[cut:]
        head = before[-1]
        pre = [(w, _adjectival(w)) for w in before[:-1]]
        gender = entry.article if entry.article in ("de", "het", "pl") else grammar.gender(head)
        return Phrase(head, gender, pre=pre, post=[" ".join(after)] if after else [],
                      bare_noun=len(words) == 1, articleless=lay in MASS)

    def _count(self, entry: Entry) -> None:
        if normalise(entry.lay) != entry.clinical:
            self._translated += 1
        if entry.source == "learned":
            self._score.append(min(CONF["learned"], 0.7 + 0.05 * entry.weight))

    def _modify(self, phrase: Phrase, det: str, mods: list[Unit], post: list[Unit]) -> Phrase | None:
        pre: list[tuple[str, bool]] = []
        after: list[str] = []
        side, failed = "", False
        for k, unit in enumerate(mods):
            e = unit.entry
            last = k == len(mods) - 1
            if e is not None and e.kind in ("adjective", "qualifier"):
                self._count(e)
                if e.lay == "-":
                    continue
                if e.article == "post":
                    after.append(e.lay)
                elif e.lay in SIDES and last and phrase.bare_noun:
                    side = e.lay
                else:
                    pre.append((e.lay, True))
                continue
            if e is not None and e.kind in ("word", "noun") and " " not in e.lay and not has_slot(e.lay):
                self._count(e)  # a noun before the head ("zuigeling krijgt …"): same slot, same shape
                pre.append((e.lay, False))
                continue
            if e is not None:
                self._unknown.append(unit.text)
                failed = True
                continue
            tok = unit.token
            if tok.kept:
                pre.append((tok.text, False))
                continue
            if tok.low in SIDES and last and phrase.bare_noun:
                side = tok.low
                continue
            if not self._is_lay(tok.low):
                self._unknown.append(tok.low)
                failed = True
                continue
            pre.append((tok.low, _adjectival(tok.low)))
        if failed:
            return None
        if phrase.pre and any(adj for _, adj in pre):
            # "neonatale te lage bloedsuiker": an adjective cannot stand before the lay head's own modifiers
            self._unknown.append(" ".join(u.text for u in mods))
            return None
        if side:
            phrase.head = grammar.compound(side, phrase.head)
            phrase.sided = True
        phrase.pre = pre + phrase.pre
        phrase.post = phrase.post + [u.text for u in post] + after
        phrase.det = det
        if pre or post or after:
            phrase.bare_noun = False
        return phrase

    # --- heads that take an object ---------------------------------------------------------------
    def _render_template(self, entry: Entry, units: list[Unit], objects, definite: bool) -> str:
        det, mods, head, post = self._parts(units)
        x = self._object(objects) if objects else None
        if objects and x is None:
            return ""
        for alt in entry.lay.split("|"):
            slotted = has_slot(alt)
            if slotted != (x is not None):
                continue
            if mods and slotted and not re.match(r"^\w+ (van|in|aan|op|bij) \{(de|een) x\}", alt):
                continue  # modifiers need a noun in front to stand before ("open botbreuk van het dijbeen")
            text = self._fill(alt, x) if slotted else alt
            if text is None:
                continue
            # the plain rendering ("bloeding van de X", "allergie") is no translation of its own
            said = re.sub(r"\s*\{(?:de |een )?x\}\s*", " ", alt).strip()
            if said not in (entry.clinical, f"{entry.clinical} {objects[0][0].low}" if objects else entry.clinical):
                self._count(entry)
            gender = entry.article if entry.article in ("de", "het", "pl") else None
            words = text.split(" ", 1)
            phrase = Phrase(words[0], gender, post=[words[1]] if len(words) > 1 else [], bare_noun=len(words) == 1)
            phrase = self._modify(phrase, det, mods, post)
            if phrase is None:
                return ""
            out, missing = phrase.text(article=definite)
            if missing:
                self._score.append(CONF["missing-article"])
            return out
        self._unknown.append(head.text if head else entry.clinical)
        return ""

    def _object(self, objects) -> Phrase | None:
        """The object of a template head: the first "van" phrase and its genitive chain, as one phrase."""
        first = self._phrase_or_coord(objects[0][1])
        if first is None:
            return None
        for prep, units in objects[1:]:
            text = self._render_np(units, article=True)
            if not text:
                return None
            first.post.append(f"{self._prep(prep).strip()} {text}")
            first.bare_noun = False
        return first

    def _phrase_or_coord(self, units: list[Unit]) -> Phrase | None:
        coords = _split_coordination(units)
        if len(coords) == 1:
            return self._phrase(coords[0])
        text = self._render_np(units, article=True)
        return Phrase(text, None, bare_noun=False, articleless=True) if text else None

    def _fill(self, template: str, x: Phrase) -> str | None:
        m = re.search(r"\{(de |een )?x\}", template)
        before, after, kind = template[: m.start()], template[m.end():], (m.group(1) or "").strip()
        glued_left = before and not before.endswith(" ")
        glued_right = after and not after.startswith(" ")
        if glued_left or glued_right:
            if glued_right and not glued_left and x.pre and not x.post and not x.det and not x.sided:
                # "dikke darm" + "kanker" → "dikkedarmkanker", only as Dutch text writes it
                joined = "".join(t for t, _ in x.pre) + x.head
                word = grammar.attested_compound(joined, after.split(" ")[0])
                if word is not None:
                    rest = after.split(" ", 1)[1] if " " in after else ""
                    return before + word + ((" " + rest) if rest else "")
            if not x.bare_noun or x.det or x.sided:
                return None
            word = grammar.compound(before, x.head) if glued_left else x.head
            word = grammar.compound(word, after.split(" ")[0]) if glued_right else word
            rest = after.split(" ", 1)[1] if glued_right and " " in after else ("" if glued_right else after)
            return (before if not glued_left else "") + word + ((" " + rest) if rest else "")
        if kind == "een":
            if x.gender == "pl" or x.det:
                return None
            text, _ = x.text(article=False)
            return f"{before}een {text}{after}"
        text, missing = x.text(article=kind == "de")
        if missing:
            self._score.append(CONF["missing-article"])
        return f"{before}{text}{after}"


def _lay_prep(prep: Unit) -> str:
    return prep.entry.lay if prep.entry is not None and prep.entry.kind == "prep" else prep.low


def _split_coordination(units: list[Unit]) -> list:
    """Phrases between conjunctions, with the conjunction units between them."""
    out: list = [[]]
    for u in units:
        if u.role == "conj" and out[-1]:
            out.append(u)
            out.append([])
        else:
            out[-1].append(u)
    return [o for o in out if not isinstance(o, list) or o]


def _is_post(unit: Unit) -> bool:
    tok = unit.token
    if unit.entry is not None:
        return False
    return (tok.kind == "number" or ROMAN.match(tok.low) is not None and len(unit.tokens) == 1
            or (tok.kind in ("name", "abbr") and len(tok.text) <= 2) or tok.low in UNITS and False)


_FUNCTION_WORDS = {"te", "de", "deze", "die", "geen", "alle", "beide", "enkele", "meerdere", "elke", "weinige", "vele",
                   "andere", "zelfde", "hele", "halve", "welke", "sommige", "zulke", "onze", "jouwe", "mijne"}


def _is_noun(unit: Unit) -> bool:
    """A unit the lexicon knows as a noun (not a template head)."""
    return unit.entry is not None and unit.entry.kind in ("noun", "word") and not has_slot(unit.entry.lay)


def _adjectival(word: str) -> bool:
    """A word that inflects before a noun: its bare form differs and is a Dutch word."""
    if word in ORDINALS or word in SIDES or not word.endswith("e") or len(word) <= 3 or word in _FUNCTION_WORDS:
        return False
    b = grammar.bare(word)
    return b != word and zipf(b) > 0


def _lay_head(lay: str) -> str:
    words = lay.split()
    cut = next((i for i, w in enumerate(words) if w in PREPOSITIONS and i > 0), len(words))
    return words[:cut][-1] if words[:cut] else lay


def _tidy(text: str) -> str:
    return re.sub(r"\s+", " ", text).replace(" ,", ",").strip()
