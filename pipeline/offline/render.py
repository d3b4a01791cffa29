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
from typing import NamedTuple
from functools import lru_cache

from pipeline.dutch import grammar
from pipeline.dutch.words import LATIN_FORM, SAME_CONCEPT, WordJudge, is_english, known_abbreviations, lay_words, zipf
from pipeline.offline.lexicon import FINITE_VERBS, ONE_WITH_TWO_SIDES, REGION_WORDS, UNPAIRED, Entry, Lexicon, body_part, has_slot, normalise
from pipeline.offline.tokens import NUMBER_WORDS, ORDINALS, ROMAN, UNITS, Token, tokenize, unread

PREPOSITIONS = {"van", "bij", "tijdens", "door", "met", "na", "in", "op", "aan", "zonder", "voor", "onder", "via",
                "vanuit", "vanaf", "naar", "over", "betreffende", "wegens", "om", "uit", "tot", "binnen", "boven",
                "achter", "rond", "rondom", "tegen", "tussen", "langs", "ter", "per", "buiten", "sinds", "zoals", "volgens"}
CONJUNCTIONS = {"en", "of", "en/of"}
DETERMINERS = {"de", "het", "een", "geen", "alle", "beide", "enkele", "meerdere", "elke", "ieder"}
# After these, a number or letter belongs to the word ("type 2", "graad 3", "bloedgroep A").
LABELS = {"type", "graad", "stadium", "fase", "klasse", "groep", "bloedgroep", "score", "niveau", "gradus", "categorie"}
SIDES = {"linker", "rechter"}
# Nouns a patient reads without an article in "van X": substances and activities.
MASS = {"zuurstof", "glucose", "suiker", "foliumzuur", "vitamine", "alcohol", "medicatie", "medicijnen", "voeding",
        "borstvoeding", "flesvoeding", "melk", "moedermelk", "water", "vocht", "insuline", "ijzer", "calcium",
        "informatie", "advies", "pijnbestrijding", "pijnstilling", "zorg", "hulp", "bloed", "zout", "eten", "drinken",
        # diseases named as conditions: "bij diabetes", "door astma"
        "diabetes", "suikerziekte", "astma", "epilepsie", "reuma", "jicht", "migraine", "koorts", "kanker",
        "geelzucht", "bloedarmoede", "zwangerschapsdiabetes", "zwangerschapsvergiftiging", "ondervoeding",
        "bloedsuiker", "bloeddruk", "tbc", "tuberculose", "bof", "mazelen", "rodehond", "waterpokken", "griep",
        "kinkhoest", "roodvonk", "covid-19", "corona", "narcose", "verdoving", "sedatie", "kalium", "natrium",
        "magnesium", "cholesterol", "lithium", "cannabis", "tabak", "drugs", "bloedverdunners", "kalmeringsmiddelen", "ontstekingsremmers", "pijnstillers", "eiwit", "hemoglobine", "energie", "stroom", "chirurgie", "netelroos", "eczeem", "inname", "contact",
        "psoriasis", "leververvetting", "overgewicht", "obesitas", "dementie", "aanvang",
        # metals and materials one reacts to: "door nikkel", "allergie voor latex"
        "nikkel", "kobalt", "chroom", "latex", "lood", "kwik", "zink", "koper", "goud", "zuur",
        # materials a thing is made of: "plug van collageen", "prothese van titanium"
        "collageen", "silicone", "siliconen", "titanium", "kunststof", "plastic", "metaal", "staal", "rubber",
        "botcement", "keramiek", "porselein",
        "bed", "diarree", "verantwoordelijkheid", "lawaai",
        "thuis",  # "van thuis naar het ziekenhuis"
        # diseases by their abbreviation, said bare as their names are: "bij COPD", "verergering van COPD"
        "COPD", "ADHD", "ADD", "ALS", "MS", "HIV", "aids", "PTSS", "OCD", "PDD-NOS", "IBS", "GERD", "ARDS", "SLE", "RA"}  # "uit bed", "door diarree", "onder verantwoordelijkheid van"
# Heads an eponym can follow as a lay term: "ziekte van Crohn", "syndroom van Down".
EPONYM_HEADS = {"ziekte", "syndroom", "verschijnsel", "ziektebeeld", "teken", "test", "reflex", "methode"}
# Prepositions of place in a lay phrase: a body part after them holds that place ("in een diepe ader
# van het linkerbeen"); after the others (door, met, via …) the body part goes before them.
LOCATIONS = {"in", "achter", "op", "aan", "onder", "boven", "naast", "rond", "rondom", "tussen", "binnen", "buiten"}
# People a condition is "bij": "te veel bilirubine in het bloed bij de pasgeborene".
PERSONS = {"pasgeborene", "baby", "moeder", "kind", "zuigeling", "peuter", "vrouw", "man", "patiënt", "foetus",
           "zwangere", "kraamvrouw", "tweeling", "prematuur", "oudere"}
# Verbal nouns of putting something in: their object is new ("plaatsen van een stent").
PLACING = {"plaatsen", "inbrengen", "aanbrengen", "aanleggen", "inzetten", "terugplaatsen"}
# ... and shortages of them: "door ijzertekort", "bij zuurstofgebrek".
# Names of substances by their ending ("proteïne", "creatinine", "amylase", "urinezuur"): kept clinical
# words a general noun list would give an article ("meten van de proteïne").
_SUBSTANCE = re.compile(r"^(?!(?:machine|routine|discipline|vitrine|latrine|kantine|turbine|cabine)$)(?!\w*(?:fase|stase)$)"
                        r"(?:\w{3,}(?:ine|ïne)|\w{3,}ase|\w+zuur|\w{3,}(?:amol|olol|pril|sartan|statine|azol|cilline|mycine|"
                        r"cycline|floxacine|profen|fenac|azepam|dipine|parine|xaban|gatran|mab|coxib|tidine|prazol|adon|idon|apine|oxetine|"
                        r"alopram|fentanyl|morfine))$")
# ... and medicines by their name's ending ("door paracetamol", "door metoprolol"): not "persfase", "metastase"
# Endings of a finding's state said last ("hartslag niet hoorbaar", "bewegingen verminderd").
_PREDICATE = re.compile(r"(?:baar|loos|ig|lijk|isch|ief|aal|eel|zaam|^(?:ver|ge|be|ont)\w{3,}[dt])$")
MASS_ENDINGS = ("vorming", "isme", "tekort", "gebrek", "kanker", "schade", "therapie", "diabetes", "spoeling", "dialyse", "cirrose", "artrose", "porose",
                "falen", "leeftijd", "sclerodermie", "verlies", "slijtage", "ontkalking", "blootstelling",
                "stof")  # "risico op hartfalen", "op jonge leeftijd", "door sclerodermie", "met contrastvloeistof"

NP_CACHE_SIZE = 200_000  # remembered noun phrases (~0.5 KB each)
CONF = {"curated": 0.9, "learned": 0.85, "morphology": 0.5, "compound": 0.75, "missing-article": 0.7, "long": 0.8,
        "rare-kept": 0.75, "bare-process": 0.6, "ambiguous": 0.75}
# Lay names of bones: "os X" with one of these as X is that bone itself.
BONES = ("been", "bot", "beentje", "wervel", "rib", "schedel", "bekken", "knieschijf", "ellepijp", "kaak", "stuit")
# Prepositions after which a lay term names the thing with its definite article ("van de baarmoeder",
# "tijdens de zwangerschap"); after the others it stands bare ("met ontsluiting", "zonder koorts").
BARE_AFTER = {"met", "zonder", "om", "per", "als", "zoals", "tot", "sinds", "ter", "ten", "volgens"}
# A cause or an earlier event is one of its kind, not a known one: "bindvliesontsteking door een
# allergie", "scheur in de nier na een ongeval" ("door de allergie" asks "which allergy?").
INDEFINITE_AFTER = {"door", "na"}
# Nouns said without any article in that place: "door letsel", "na gebruik van …".
ABSTRACT = {"uitputting", "vermoeidheid", "rust", "onrust", "angst", "beklemming", "jodium", "bestraling", "zelfdoding", "overlijden", "vallen", "letsel", "trauma", "gebruik", "misbruik", "overgebruik", "stress", "druk", "inspanning", "overgewicht",
            "ondervoeding", "uitdroging", "straling", "bestraling", "kou", "hitte", "warmte", "zonlicht", "geweld", "uitrekking", "dwang", "pijn"}
# A person a qualifier says a condition is "bij", and the generic ones a more precise one replaces.
_PERSON_AFTER = re.compile(r"bij (?:een |de )?(?:\w+ ){0,3}(?:baby|pasgeborene|kind|zuigeling)")
GENERIC_PERSON_AFTER = {"bij een pasgeborene", "bij een baby", "bij een kind", "bij een zuigeling"}
_POSITION_SIDE = {"binnenste": "aan de binnenkant", "buitenste": "aan de buitenkant", "voorste": "aan de voorkant",
                  "achterste": "aan de achterkant", "bovenste": "aan de bovenkant", "onderste": "aan de onderkant"}
# Nouns a measure belongs to ("bij een zwangerschapsduur van 32 weken", "bij een leeftijd van 3 jaar").
MEASURES = ("duur", "leeftijd", "lengte", "gewicht", "omtrek", "temperatuur", "grootte", "termijn", "volume",
            "hoeveelheid", "afstand", "frequentie", "druk", "waarde", "spiegel", "niveau", "gehalte", "dosis")
# What follows a genitive's noun and is not its own: a comma's part, a side ("…, HER2-positief", "… links").
_SAID_AFTER = re.compile(r"(?:, [^,]+)+$| (?:links|rechts)$")
# A past participle before its noun ("begonnen", "vastgestelde", "gediagnosticeerd").
_PARTICIPLE = re.compile(r"^(?:\w*ge|ver|be|ont|her)\w{2,}(?:en|d|t|de|te|dene|tene)$")
# What the body makes or passes, said without "een" ("door urine en/of ontlasting", never "door een
# urine"); a known one keeps "de" ("kleur van de ontlasting").
BODY_SUBSTANCES = {"urine", "ontlasting", "speeksel", "slijm", "zweet", "pus", "etter", "braaksel", "vruchtwater",
                   "sperma", "sputum", "feces", "poep", "plas", "tranen", "hersenvocht", "gal", "maagzuur",
                   "maaginhoud", "oorsmeer", "snot", "menstruatiebloed", "huidtalg", "ochtendurine"}
# Compounds of these are abstract too ("methadongebruik", "hoofdletsel", "ouderengeweld").
_ABSTRACT_TAILS = ("gebruik", "misbruik", "letsel", "geweld", "trauma", "straling", "heid", "management", "beleid")  # "door slechthorendheid"
# Who does something is a known one: "huisbezoek door de kraamzorg", "door de verloskundige".
AGENTS = {"kraamzorg", "thuiszorg", "wijkverpleging", "wijkverpleegkundige", "apotheek", "apotheker", "verloskundige", "huisarts", "arts", "dokter", "specialist", "verpleegkundige",
          "zorgverlener", "gynaecoloog", "kinderarts", "fysiotherapeut", "diëtist", "tandarts", "moeder", "vader",
          "partner", "ouders", "familie", "mantelzorger", "jeugdgezondheidszorg", "consultatiebureau", "ziekenhuis"}
# Heads whose object is any case of its kind: "risico op een doorligwond", "zorg bij een wond".
GENERIC_HEADS = {"risico", "kans", "verdenking", "angst", "zorg", "begeleiding", "hulp", "voorlichting", "screening",
                 "risicoscreening", "risico-inschatting",
                 "preventie", "advies", "uitleg", "informatie", "onderzoek", "controle"}
# Events that are known ones after "bij": "letsel bij de geboorte".
KNOWN_EVENTS = {"geboorte", "bevalling", "thuisbevalling", "persfase", "ontsluitingsfase", "uitdrijvingsfase", "nageboorte"}
# Groups a condition is "bij": bare ("bij ouderen").
PERSON_GROUPS = {"ouderen", "kinderen", "volwassenen", "zuigelingen", "baby's", "vrouwen", "mannen", "pasgeborenen",
                 "jongeren", "zwangeren"}
# A person a condition is "bij" is any such person ("bij een te vroeg geboren baby"); the mother of
# a perinatal term is a known one ("bij de moeder").
ANY_PERSON = {"pasgeborene", "baby", "kind", "zuigeling", "peuter", "vrouw", "man", "patiënt", "zwangere",
              "kraamvrouw", "tweeling", "prematuur", "volwassene", "tiener", "kleuter"}


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

    # remembered on first use: a unit's tokens never change once grouped, most units are asked
    # for these again and again, and many never. (Not functools.cached_property: in Python 3.11 its
    # first read takes a lock, and a release makes ~10 new units a term — measured 5% slower.)
    @property
    def low(self) -> str:
        low = self.__dict__.get("_low")
        if low is None:
            low = self.__dict__["_low"] = self.tokens[0].low if len(self.tokens) == 1 else " ".join(t.low for t in self.tokens)
        return low

    @property
    def text(self) -> str:
        text = self.__dict__.get("_text")
        if text is None:
            text = self.__dict__["_text"] = " ".join(t.text for t in self.tokens)
        return text

    @property
    def token(self) -> Token:
        return self.tokens[0]

    @property
    def key(self) -> tuple:
        """What a phrase's rendering depends on of this unit (see `_units_key`), built once: the
        same units are keyed again for every cache the chain of a term asks."""
        key = self.__dict__.get("_key")
        if key is None:
            key = self.__dict__["_key"] = (self.role, id(self.entry), tuple((t.text, t.low, t.kind) for t in self.tokens))
        return key


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
    translated: bool = False     # the head is a lay word in place of the term's own (its gender may differ)
    object_post: bool = False    # the post text is a template's object: numbers go before it ("doorligwond graad 2 aan …")

    def text(self, article: bool | str = False) -> tuple[str, bool]:
        """(text, article missing): with `article` True, the definite article its gender asks for;
        with "een", the indefinite one — none for a plural or an abstract noun ("door letsel"), and
        the definite one for an infinitive ("na het eten") and a known agent ("door de verloskundige");
        with "any", the indefinite one also for an agent ("van een moeder met suikerziekte")."""
        if article and self.gender is None and self.pre and not self.pre[-1][1] and not self.det \
                and grammar.adjective_forms(self.head) and not grammar.known_noun(self.head):
            # "bij partus onzeker": a finding's adjective said after its noun; the article is the
            # noun's ("bij de bevalling onzeker"), never one guessed for the adjective
            last = self.pre[-1][0]
            noun = Phrase(last, grammar.gender(last.split()[-1]), pre=self.pre[:-1], articleless=self.articleless)
            said, missing = noun.text(article)
            return " ".join([said, self.head, *self.post]), missing
        words, missing, definite, verbal = [], False, False, ""
        anyone, article = article == "any", "een" if article == "any" else article
        if article is True and not self.det and self.gender in ("de", "het") \
                and any(text in _ONE_OF_MANY for text, _ in self.pre):
            # "vastzittende placenta aan oud litteken": an old scar, an earlier pregnancy is one of
            # its kind, never a known one ("aan een oud litteken", not "aan het oude litteken")
            article = "een"
        if article == "een" and any(text in ORDINALS for text, _ in self.pre):
            article = True  # "probleem bij de eerste fase": a counted one is a known one
        if article == "een" and not self.det and not self.articleless and \
                (self.gender is not None or not self.head.endswith(("en", "s"))):
            # "een" is the same for de- and het-words: "na een val" needs no known gender
            if (self.head in AGENTS or self.head in KNOWN_EVENTS) and not anyone:
                # "door de verloskundige", "binnen 24 uur na de geboorte": a known one
                article = True
            elif self.gender == "pl" or self.head in ABSTRACT or self.head in BODY_SUBSTANCES \
                    or self.head.endswith(MASS_ENDINGS) \
                    or self.head.endswith(_ABSTRACT_TAILS):  # "na methadongebruik", "door huiselijk geweld"
                article = False
            elif not (self.head.endswith("en") and self.gender == "het" and not body_part(self.head)
                      and _verb_said(self.head)):  # "een litteken": no verb "littekent"
                # an infinitive takes "het" ("na het eten"); "een gebroken dijbeen" is a noun
                words.append("een")
                article = False
        if article is True and not self.det and not self.articleless and self.gender in ("de", "het") \
                and any(_ANY_PLACE.search(p) for p in self.post) and not body_part(self.head) \
                and self.head not in ANY_PERSON | AGENTS | KNOWN_EVENTS:
            # "behandeling voor een bloedstolsel in een ader": a thing said to be in *an* organ is any
            # one of its kind, never "het bloedstolsel in een ader"
            words.append("een")
            article = False
        if not article and not self.det and self.gender == "het" and any(text in _WHOLE for text, _ in self.pre):
            # "Gehele aangezicht": "hele" before a het-noun needs its article ("het hele gezicht");
            # without it readers read broken Dutch, and "heel gezicht" is an intact face
            article = True
        if self.det:
            words.append(self.det)
            definite = self.det in ("de", "het")
        elif article and not self.articleless:
            a = "de" if self.gender == "pl" else self.gender
            if not a and all(not text.endswith("e") and (adjectival or " " not in text and not grammar.known_noun(text))
                             for text, adjectival in self.pre) and _bare_infinitive(self.head):
                # (an inflected adjective is a noun's: "op gillende tonen" are tones, not showing)
                # "voorlichten over verzorgen van zuigeling": a verb said as a noun takes "het"
                # ("over het verzorgen van de baby", "het psychosociaal functioneren"), whatever list
                # its gender is missing from
                a = verbal = "het"
            if a:
                words.append(a)
                definite = True
            else:
                missing = True
        # before an infinitive a modifier is an adverb and never inflects ("het volledig verwijderen",
        # not "het volledige verwijderen"; ANS § 8.4.2)
        infinitive = self.head.endswith("en") and (self.gender or verbal) == "het" and \
            (not body_part(self.head) or bool(grammar.singulars(self.head)))  # "slapen" is also the temples
        said_article = words[-1] if definite else None
        for k, (text, adjectival) in enumerate(self.pre):
            words.append(grammar.bare(text) if adjectival and infinitive else
                         grammar.attributive(text, self.gender, definite or text in _WHOLE) if adjectival else text)
            if text == "en" and said_article and k == len(self.pre) - 1:
                # "de hersenen en het ruggenmerg": one article serves both nouns only when both take it
                own = grammar.definite_article(self.head)
                if own is not None and own != said_article:
                    words.append(own)
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
        # Lookups of single words no contextual entry can answer differently per term, remembered:
        # at 380k terms the same few thousand words are looked up ~2M times.
        self._context_keys = {k.split(":", 1)[1] for k in lexicon.contextual}
        self._lookups: dict[str, Entry | None] = {}
        # Every word-prefix of a lexicon phrase: a run of words can only be a phrase while it is one
        # (a TM of SNOMED-like families teaches thousands of phrases of up to ~14 words).
        self._phrase_prefixes = {" ".join(k.split(" ")[:n]) for k in self._phrases for n in range(1, k.count(" ") + 2)}
        self._clinical = lexicon.clinical_words()
        # Rendered noun phrases, with what rendering them did to the term's state (see `_memo`):
        # SNOMED's families repeat the same phrases ("van linker femur", "met verplaatsing") across
        # thousands of terms, so most phrases of a term were rendered for an earlier one.
        self._np_cache: dict[tuple, tuple] = {}
        self._template_heads: dict[tuple, Entry | None] = {}  # units → the head that takes an object, if any
        self._context_used = False
        # (not a lay text that ends in an adjective, "te groot": its last word is no noun)
        grammar.add_nouns({_lay_head(e.lay): e.article for e in list(lexicon.words.values())
                           if e.article in ("de", "het", "pl") and "{" not in e.lay
                           and grammar.adjective_forms(_lay_head(e.lay)) is None})

    # --- public --------------------------------------------------------------------------------
    def render(self, term: str, key: str | None = None) -> Rendering:
        """The lay rendering of `term` (`key`: normalise(term), if known). Raises NotRendered naming
        the words not understood, with `why` 'unknown' (words) or 'nothing' (every word is already
        lay: nothing to change)."""
        if term.lower().endswith(_TAG_ENDS) and _SEMANTIC_TAG.search(term):
            # "harde feces (bevinding": SNOMED's semantic tag (whole, or cut off with its bracket
            # open) is the concept's class, no part of what a patient reads
            term = _SEMANTIC_TAG.sub("", term)
            key = None
        self._term = normalise(term) if key is None else key
        self._score = [CONF["curated"]]
        self._translated = 0
        self._unknown: list[str] = []
        self._adjective_after: tuple[str, ...] = ()
        self._np_head = ""
        entity, odd = _ENTITY.search(term) if "&" in term else None, unread(term)
        if entity or odd:
            # "epistaxis &amp; hematurie": an HTML entity or a sign no rule reads is never dropped
            # from what the term says (it came out as "neusbloeding amp ; bloed in de urine")
            self._unknown.append(entity.group(0) if entity else odd)
            raise NotRendered(self._unknown)
        tokens = tokenize(term)
        if "onbekend" in self._term:
            tokens = _unknown_label(tokens)
        if "," in term:  # (most terms have no comma: these reshape only a comma's part)
            tokens = self._structure_part(_part_of_bone(tokens))
            if tokens is None:
                raise NotRendered(list(dict.fromkeys(self._unknown)))
        units = _label_after_phrase(_comma_course_first(self._group(self._split_injuries(tokens))))
        english = [u.tokens[0].text for k, u in enumerate(units[1:], 1) if units[k - 1].low == "," and u.entry is None
                   and len(u.tokens) == 1 and u.tokens[0].kind == "name" and " " in u.tokens[0].text
                   and u.tokens[0].text.islower()] if "," in term else []
        if english:
            # "myositis, inclusion body": an English qualifier after a comma (tokens.py) is no name a
            # patient knows; kept beside lay Dutch it is a half-translation, so the term waits for
            # the lexicon to say it. (English the ward says stays: "base excess in navelstrengbloed",
            # "opname op high care".)
            self._unknown += english
            raise NotRendered(english)
        chain = self._chain(units)
        text = self._render_chain(chain)
        for u in units:
            said = u.entry.lay.split("|", 1)[0] if u.entry is not None and " d" in u.entry.lay else ""
            if said and _ENDS_IN_CLAUSE.search(said) and (at := text.find(said)) >= 0 \
                    and text[at + len(said):].strip() and not text[at + len(said):].startswith(","):
                # "… de placenta die … blijft zitten via een kijkoperatie": a phrase after a relative
                # clause's verb reads as the clause's; no rule put it before the clause
                self._unknown.append(text[at + len(said):].strip())
                raise NotRendered(list(dict.fromkeys(self._unknown)))
        clause = next((u.text for u in units[1:] if u.low in _CLAUSE_WORDS), None)
        if clause is not None and CONF["missing-article"] in self._score:
            # "manier waarop eerste fase van partus is begonnen": the clause's nouns were read as
            # modifiers of one noun, so none got its article ("… waarop eerste fase van bevalling is
            # begonnen"); no rule here parses a clause
            self._unknown.append(clause)
            raise NotRendered(list(dict.fromkeys(self._unknown)))
        if re.match(r"(?:de|het) (?!hele )", text) and not re.match(r"(?:de|het) ", self._term):
            # "structuur van ureter, rechts" → "urineleider, rechts": a body part named on its own
            # takes no article the term did not give it
            text = text.split(" ", 1)[1]
        text = both_sides(text, self._term)
        if "/" in text:
            # "Intertrigo/smetten": the clinical word and its lay word are one lay word ("smetten")
            text = _SAME_BOTH_SIDES_OF_SLASH.sub(r"\1", text)
            # "Diabetes Mellitus (y/n)": a form's English answer options, said in Dutch
            text = _YES_NO.sub("(ja/nee)", text)
        if self._unknown:
            raise NotRendered(list(dict.fromkeys(self._unknown)))
        if not self._translated:
            raise NotRendered([], "nothing")
        conf = min(self._score)
        if self._translated >= 4 or len(chain) >= 4:
            conf = min(conf, CONF["long"])
        return Rendering(relative_agreement(_tidy(text)), round(conf, 3), self._translated)

    # --- grouping ------------------------------------------------------------------------------
    def _names_body_part(self, word: str) -> bool:
        """A lay body part ("heup"), or a clinical word the lexicon says is one ("femur" → "dijbeen")."""
        if grammar.known_noun(word) and (body_part(word) or word in _JOINTS):
            return True
        e = self.lex.find("words", word, self._term)
        return e is not None and e.kind == "noun" and " " not in e.lay and body_part(e.lay, exact=True)

    def _structure_part(self, tokens: list[Token]) -> list[Token] | None:
        """"structuur van cerebellum, rechter hemisfeer" → the tokens of "structuur van rechter
        hemisfeer van cerebellum": a part after SNOMED's comma is the part of the structure before
        it ("rechterhelft van de kleine hersenen"). A side alone after the comma stays; any other
        comma part ("structuur van huid, behaarde hoofdhuid") has no lay order here: None, with
        the words noted as not understood."""
        if len(tokens) < 5 or tokens[0].low != "structuur" or tokens[1].low != "van":
            return tokens
        commas = [k for k, t in enumerate(tokens) if t.text == ","]
        if not commas:
            return tokens
        rest = [t.low for t in tokens[commas[0] + 1:]]
        if all(w in _SIDE_WORDS or w == "," for w in rest):
            return tokens
        if len(commas) == 1 and len(rest) >= 2 and rest[0] in SIDES and all(t.kind == "word" for t in tokens[commas[0] + 1:]):
            return tokens[:2] + tokens[commas[0] + 1:] + [Token("van", "van", "word")] + tokens[2:commas[0]]
        self._unknown.append(" ".join(t.text for t in tokens[commas[0]:]))
        return None

    def _split_injuries(self, tokens: list[Token]) -> list[Token]:
        """"heupfractuur" → the tokens of "fractuur van heup" (→ "gebroken heup"): a compound of a lay
        body part and an injury head the lexicon renders with its object, when no entry has the
        compound itself. Other compounds are left to `_compound` and morphology."""
        out: list[Token] = []
        # (not with a direction or a count: "schouderluxatie anterior" is no "voorste schouder",
        # "ribfractuur, meervoudig" are several ribs; nor as another head's object: "osteosynthese
        # van enkelfractuur" says the fracture already)
        guarded = any(t.low in _INJURY_GUARDS for t in tokens)
        for tok in tokens:
            split = None
            # (the pure test of an injury ending first: most long words have none, and the lookup
            # and the morphology after it are the expensive part)
            if tok.kind == "word" and "-" not in tok.low and len(tok.low) >= 8 and tok.low not in self._lookups \
                    and not guarded and (not out or out[-1].low != "van") and tok.low.endswith(_INJURY_ENDINGS) \
                    and self._lookup(tok.low) is None \
                    and (self.morphology is None or self.morphology.compose(tok.low) is None):  # "miltscheur" first
                split = next(((tok.low[:i], tok.low[i:]) for i in range(3, len(tok.low) - 5)
                              if tok.low[i:] in INJURY_HEADS and self._names_body_part(tok.low[:i])), None)
            if split is None:
                out.append(tok)
                continue
            part, head = split
            out += [Token(head, head, "word"), Token("van", "van", "word"), Token(part, part, "word")]
        return out


    def _group(self, tokens: list[Token]) -> list[Unit]:
        out: list[Unit] = []
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if tok.kind == "punct" and tok.text == "/" and out and out[-1].low == "en" and i + 1 < len(tokens) and tokens[i + 1].low == "of":
                out[-1] = Unit([Token("en/of", "en/of", "word")], role="conj")
                i += 2
                continue
            if tok.kind == "name" and i + 1 < len(tokens):
                # an English run or a name that begins a lexicon phrase: "low anterior resectie".
                # Only runs of words and names that are still the start of some lexicon phrase can
                # be one, so longer runs are not tried (the same runs as trying them all, as below)
                keys, key = [], ""
                for k in range(i, min(len(tokens), i + self._max_phrase)):
                    if tokens[k].kind not in ("word", "name"):
                        break
                    key = f"{key} {tokens[k].low}" if key else tokens[k].low
                    if key not in self._phrase_prefixes:
                        break
                    keys.append(key)
                entry = None
                for j in range(i + len(keys), i + 1, -1):
                    run = tokens[i:j]
                    key = keys[j - i - 1]
                    entry = self._lookup(key) if key in self._phrases else None
                    if entry is not None:
                        out.append(Unit(run, entry, "prep" if entry.kind == "prep" else "word"))
                        i = j
                        break
                else:
                    entry = None
                if entry is not None:
                    continue
            if tok.kind == "name" and i == 0 and "-" in tok.text and " " not in tok.text and tok.text[1:2].islower():
                # "Angio-oedeem", "Neus-maagsonde": a capital at the start of a term is sentence case,
                # and a hyphenated word the lexicon knows is that word, not a name kept as written
                # (tokens.py cannot tell "Angio-oedeem" from "Malone-stoma" without the lexicon)
                entry = self._word_lookup(tok.low)
                if entry is not None and entry.kind in ("noun", "word", "head"):
                    out.append(Unit([Token(tok.low, tok.low, "word")], entry, "word"))
                    i += 1
                    continue
            if tok.kind == "word":
                # the longest run of words from here that is still the start of some lexicon phrase:
                # longer runs cannot be one, so they are not tried (the same runs as trying them all)
                keys, key, prefixes = [], "", self._phrase_prefixes
                for k in range(i, min(len(tokens), i + self._max_phrase)):
                    if tokens[k].kind not in ("word", "name"):
                        break  # a name may be part of a phrase: "contractuur van Dupuytren", "low anterior resectie"
                    key = f"{key} {tokens[k].low}" if key else tokens[k].low
                    if key not in prefixes and ("-" not in key or key.replace("-", "") not in prefixes):
                        break
                    keys.append(key)  # the run tokens[i:k + 1]: words and names only, its key built once
                for j in range(i + len(keys), i + 1, -1):
                    run = tokens[i:j]
                    # (every run tried is two or more words and names: the prefix loop saw each)
                    key = keys[j - i - 1]
                    if key not in self._phrases and ("-" not in key or key.replace("-", "") not in self._phrases):
                        continue  # no lexicon phrase is these words: skip the lookups
                    entry = self._lookup(key)
                    if entry is not None and j - i > 1 and j + 1 < len(tokens) and tokens[j].low in ("en", "of") \
                            and entry.kind in ("noun", "word") and not has_slot(entry.lay):
                        # "incontinentie voor urine | en ontlasting": the phrase's last noun is
                        # coordinated with what follows, which the phrase's lay text cannot take
                        continue
                    if entry is not None and self._crosses(tokens, i, j):
                        continue  # "verstrijking van cervix | uteri" would split "cervix uteri"
                    if entry is not None:
                        out.append(Unit(run, entry, "prep" if entry.kind == "prep" else "word"))
                        i = j
                        break
                else:
                    entry = self._word_lookup(tok.low)
                    role = ("prep" if (entry and entry.kind == "prep") or (not entry and tok.low in PREPOSITIONS)
                            else "conj" if tok.low in CONJUNCTIONS else "word")
                    if role == "prep" and i + 1 < len(tokens) and tokens[i + 1].kind == "word" and (
                            tokens[i + 1].low == "te" or tokens[i + 1].low in PREPOSITIONS and i > 0):
                        # "moeilijk aan te prikken", "hapt goed aan bij borst": a verb's particle before
                        # "te" or before another preposition, no preposition itself (a name's "Van" is no
                        # preposition: "volgens Van Wiechen")
                        role = "word"
                    out.append(Unit([tok], entry, role))
                    i += 1
                continue
            entry = None
            if (tok.kind in ("quote", "abbr") or tok.kind == "name" and " " in tok.low and tok.low == tok.text.lower()
                    and tok.text[:1].islower()) and "-" not in tok.text.strip("'\"‘’"):
                # (and an English run the lexicon knows whole: "transient ischemic attack")
                # a quoted English term or an abbreviation the lexicon knows: "'magnetic resonance
                # imaging'" → "MRI-scan", "CT van thorax" → "CT-scan van de borstkas"
                entry = self._lookup(normalise(tok.text.strip("'\"‘’")))
                entry = entry if entry is not None and entry.kind in ("noun", "word", "head") else None
                if entry is not None and tok.kind == "abbr" and tok.text not in known_abbreviations() \
                        and tok.text.lower() not in entry.lay.lower() and not entry.note.lower().startswith("abbreviation"):
                    # "VAS" is a pain scale, not "vas" (a vessel): an abbreviation takes only an entry that
                    # is one ("MRI" → "MRI-scan", or whose note says it is: "CVA" → "beroerte"), never a
                    # Latin word that happens to be spelled alike
                    entry = None
            out.append(Unit([tok], entry, "conj" if tok.text == "," else "word"))
            i += 1
        return out

    def _word_lookup(self, key: str) -> Entry | None:
        """`_lookup` of one word, remembered when no contextual entry is filed under it."""
        if key in self._lookups:
            return self._lookups[key]
        entry = self._lookup(key)
        if key not in self._context_keys and key.replace("-", "") not in self._context_keys:
            self._lookups[key] = entry
        return entry

    def _crosses(self, tokens: list[Token], i: int, j: int) -> bool:
        """True when a known phrase starts inside tokens[i:j] and ends after it."""
        for p in range(i + 1, j):
            # the runs tokens[p:q] grown a word at a time: a run past a non-word, or one that starts
            # no lexicon phrase, has no longer run that is a phrase (the same answer as trying all q)
            key = ""
            for q in range(p + 1, min(len(tokens), p + self._max_phrase) + 1):
                if tokens[q - 1].kind != "word":
                    break
                key = f"{key} {tokens[q - 1].low}" if key else tokens[q - 1].low
                if key not in self._phrase_prefixes:
                    break
                if q > j and key in self._phrases:
                    return True
        return False

    def _lookup(self, key: str) -> Entry | None:
        lex, term = self.lex, self._term
        # a sense by context of either table first ("trauma" in "trauma door seksueel misbruik" is a
        # psychological shock, whatever the plain head "letsel aan {de x}" says), then the plain ones
        for plain in (False, True):
            for table in ("heads", "words"):
                e = lex.find(table, key, term, plain)
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
        if units and units[0].role == "prep" and len(units) > 1:
            # "Na toediening van medicatie": a term that begins with its preposition ("na het geven …")
            chain, units = [(units[0], [])], units[1:]
        for u in units:
            if u.role == "prep" and chain[-1][1]:
                chain.append((u, []))
            else:
                chain[-1][1].append(u)
        first = chain[0][1]
        if chain[0][0] is None and len(first) >= 2 and _headline_head(first[0]) and _headline_object(first[1]):
            # "Opheffen schouderdystocie", "inleiden baring", "Reden medicatiegebruik": a headline
            # leaves out the preposition a lay sentence needs ("inleiden van de bevalling",
            # "reden voor medicijngebruik")
            prep = "voor" if first[0].low in _REASONS else "van"
            chain[0:1] = [(None, first[:1]), (Unit([Token(prep, prep, "word")], None, "prep"), first[1:])]
        return chain

    def _render_chain(self, chain) -> str:
        parts: list[str] = []
        trailing: list[str] = []
        i = 0
        while i < len(chain):
            prep, units = chain[i]
            # (what the preposition says in lay Dutch, asked below only where there is one)
            lay_prep = _lay_prep(prep) if prep is not None else None
            if not units:
                self._unknown.append(prep.text if prep else "")
                return ""
            side = _side_only(units) if prep is not None and prep.low == "van" and parts else None
            if side:
                # "pleura-effusie van linker zijde": the side of the whole finding, said as a side
                # ("vocht tussen de longvliezen links"), before a grade said last ("…, graad III")
                label = _COMMA_LABEL.search(parts[-1])
                cut = label.start() if label else len(parts[-1])
                parts[-1] = f"{parts[-1][:cut]} {side}{parts[-1][cut:]}"
                i += 1
                continue
            units_key = _units_key(units)
            head_entry = self._template_heads.get(units_key, False)
            if head_entry is False:
                if len(self._template_heads) >= NP_CACHE_SIZE:
                    self._template_heads.clear()
                head_entry = self._template_heads[units_key] = self._template_head(units)
            if head_entry is not None:
                # "X van Y (van Z)*": a template head's object is Y with its genitive chain
                # the object comes with "van", or with the template's own preposition ("allergie voor {x}")
                own = _own_preps(head_entry.lay)
                objects, j = [], i + 1
                while j < len(chain) and (chain[j][0].low == "van" and not _quantity(chain[j][1]) and not _side_only(chain[j][1])
                                          and not ((objects or head_entry.lay.startswith("uitzaaiing"))
                                                   and _names_cancer(chain[j][1]))
                                          or not objects and (chain[j][0].low in own or _lay_prep(chain[j][0]) in own)):
                    objects.append(chain[j])
                    j += 1
                definite = self._article(prep, parts)
                key = ("t", id(head_entry), definite, units_key,
                       tuple((p.low, id(p.entry), _units_key(u)) for p, u in objects))
                text = self._memo(key, self._render_template, head_entry, units, objects, definite)
                if definite is True and lay_prep in ("bij", "via") and _DE_HET.match(text) and \
                        _lay_head(text) not in ANY_PERSON | KNOWN_EVENTS | AGENTS and not body_part(_lay_head(text)) \
                        and not _EPONYM_NAMED.match(text):
                    # "bij kanker", "bij een stuitligging": as for any phrase after bij/via (below)
                    text = self._memo(key[:2] + ("een",) + key[3:], self._render_template, head_entry, units, objects, "een")
                if text and prep is not None and lay_prep in ("met", "zonder"):
                    text = self._counted_thing(text, units, lay_prep)
                parts.append(self._prep(prep) + text if prep else text)
                i = j
                continue
            if prep is not None and prep.low == "van" and parts and any(t.kind == "name" for u in units for t in u.tokens) \
                    and all(t.kind == "name" or t.low in ("links", "rechts") for u in units for t in u.tokens) \
                    and (" " in parts[-1] or parts[-1].lower() not in self._term and parts[-1] not in EPONYM_HEADS):
                # "contractuur van Dupuytren", "parese van Erb": an eponym names the whole disease;
                # after a lay description or a translated head ("krachtsverlies van Erb") it reads
                # as its owner. Only a lexicon phrase or a generic head ("ziekte van …") carries it
                self._unknown.append(f"{chain[i - 1][1][-1].text} van {units[0].text}")
                return ""
            said_after, self._adjective_after = self._adjective_after, ()
            previous = self._np_head
            article = self._article(prep, parts)
            if article is False and lay_prep == "voor" and _lay_head(parts[-1]) in _REASONS and \
                    (grammar.verbal_noun(units[0].low) or _bare_infinitive(units[0].low)):
                article = True  # "reden voor het wijzigen van …": a verb said as a noun keeps "het"
            text = self._memo(("np", article, units_key), self._render_np, units, article)
            if article is False and lay_prep == "volgens" and text in ANY_PERSON:
                # "volgens afspraak" is bare, but a person one goes by is a known one: "volgens de patiënt"
                text = self._memo(("np", True, units_key), self._render_np, units, True)
            newborn = False
            if prep is not None and lay_prep == "bij" and parts and _lay_head(text) in ANY_PERSON:
                generic = re.search(r" (?:bij|door) (?:een|de) (?:pasgeborene|baby|kind)\b", parts[-1])
                # "neonatale hypoglykemie | bij kind van moeder …": a bare child is less precise than
                # the newborn the lay text said; the newborn stays ("bij een pasgeboren kind van …")
                newborn = generic is not None and generic.group(0).endswith("pasgeborene") \
                    and re.fullmatch(r"(?:de|het|een) (?:kind|baby)", text) is not None
                if generic is not None:
                    # "ademnood bij een pasgeborene door onrijpe longen" + "bij prematuur": the
                    # term's own person is the more precise one; said once
                    parts[-1] = parts[-1][: generic.start()] + parts[-1][generic.end():]
            side_said = _SIDE_LAST.search(text)
            before_side = text[: side_said.start()] if side_said else ""
            if side_said and parts and not (before_side.endswith(",") and prep is not None and prep.low == "van") \
                    and not body_part(_lay_head(before_side.rstrip(", "))) and not (
                    prep is not None and lay_prep in ("met", "zonder") and not before_side.endswith(",")
                    and any(body_part(w) for w in before_side.split()) and not _is_act(_lay_head(before_side))):
                # "liesbreuk bij zuigeling rechts": the side is the head's, not the baby's (but "met
                # radiculopathie rechts" is a root's trouble on the right: a place keeps its side)
                text = text[: side_said.start()]
                parts[0] = f"{parts[0]} {side_said.group(1)}"
            if article is True and lay_prep in ("bij", "via") and _DE_HET.match(text) and \
                    not (parts and _lay_head(parts[-1]) in _SKILLS) and \
                    _lay_head(text) not in ANY_PERSON | KNOWN_EVENTS | AGENTS and not body_part(_lay_head(text)) \
                    and not _EPONYM_NAMED.match(text):
                # "via een kijkoperatie", "bij een stuitligging": a means or a condition is any
                # one of its kind; a body part is a known one ("via de halsader")
                text = self._memo(("np", "een", units_key), self._render_np, units, "een")
                text = text[: -len(side_said.group(0))] if side_said and text.endswith(side_said.group(0)) else text
            elif article is True and lay_prep == "van" and parts and _lay_head(parts[-1]) in _ABSENCES \
                    and _DE_HET.match(text) and " " not in text.split(" ", 1)[1] and _paired(text.split(" ", 1)[1]):
                # "afwezigheid van een been": one of a pair that is missing, the term says not which
                # ("afwezigheid van het been" reads as a known leg); a side makes it known ("de linkernier")
                text = self._memo(("np", "een", units_key), self._render_np, units, "een")
            elif article is True and lay_prep == "bij" and (_lay_head(text) in ANY_PERSON or _lay_head(text) in PERSON_GROUPS):
                text = self._memo(("np", "een", units_key), self._render_np, units, "een")  # "bij een baby"
                text = text[: -len(side_said.group(0))] if side_said and text.endswith(side_said.group(0)) else text
            elif article is True and prep is not None and prep.low == "van" and \
                    (i + 1 < len(chain) and chain[i + 1][0] is not None and chain[i + 1][0].low == "met"
                     or _PERSON_WITH.match(text)) and \
                    _lay_head(text) in ANY_PERSON | AGENTS and text.startswith("de "):
                # "pasgeborene van moeder met diabetes": a person known only by what follows is any
                # one of them ("van een moeder met suikerziekte", not "van de moeder")
                text = self._memo(("np", "any", units_key), self._render_np, units, "any")
            if newborn:
                text = re.sub(r"^(de|het|een) ", r"\1 pasgeboren ", text)
            if prep is not None and _ARTICLE_ADJ_NOUN.fullmatch(text) and \
                    _bare_idiom(lay_prep, text.split()[-1]) and \
                    (not (i + 1 < len(chain) and chain[i + 1][0] is not None and chain[i + 1][0].low == "van")
                     or (lay_prep, text.split()[-1]) in _BARE_WITH_GENITIVE):
                # "niet onder controle", "in behandeling", "op eigen initiatief", "in slechte conditie",
                # "onder röntgendoorlichting", "in Montevideo-eenheden": a fixed expression or a unit
                # (not with a genitive: "stoornis in het gebruik van cannabis")
                text = text.split(" ", 1)[1]
            if prep is not None and lay_prep == "toestand na" and \
                    _DEVICE.search(_lay_head(_SIDE_LAST.sub("", text))):
                # "status na totale knieprothese": the state after an operation, not after a thing
                # ("toestand na het plaatsen van een kunstknie", never "na de kunstknie")
                text = "het plaatsen van " + ("een " if grammar.gender(_lay_head(text)) != "pl" else "") + \
                    _LEADING_ARTICLE.sub("", text)
            if prep is not None and lay_prep in ("met", "zonder"):
                text = self._counted_thing(self._counted(text), units, lay_prep)
            elif prep is not None and prep.low == "van" and len(parts) >= 2 and _quantity(units) and \
                    parts[-1].split(" ", 1)[0] in ("na", "bij", "tijdens", "door", "uit") \
                    and " van " not in parts[-2] and not _lay_head(parts[-1]).endswith(MEASURES) \
                    and _lay_head(parts[-1]) not in ANY_PERSON and not chain[i - 1][1][-1].low.endswith(MEASURES):
                # (a person's measure is their age, a duration's its length: "bij een kind van 7 jaar",
                # "bij een amenorroeduur van 35 weken")
                # "residu na mictie van 300 ml": the measure is the head's, said before the head's own
                # phrase ("residu van 300 ml na het plassen", not 300 ml of "het plassen")
                parts.insert(len(parts) - 1, f"van {text}")
                i += 1
                continue
            elif prep is not None and prep.low == "van" and parts and _quantity(units) and " van " in parts[-1]:
                # "uitblijven van de menstruatie | van 8 weken": the measure would read as the
                # genitive's ("a period of 8 weeks")
                self._unknown.append(f"van {' '.join(t.text for u in units for t in u.tokens)}")
                return ""
            elif prep is not None and prep.low == "van" and parts and not (i == 1 and chain[0][0] is not None):
                # (not after a term that begins with its preposition: "status na operatie | van knie"
                # is the operation's knee, "toestand na de operatie van de knie")
                parts[-1], text = _side_to_owner(parts[-1], text)
                action, text = self._genitive_after(parts, text, previous)
                if action == "refuse":
                    # "onychomycose van teennagel" → "schimmelnagel van de teennagel": both name the
                    # nail; no rule here can merge them, so no proposal rather than the concept twice
                    self._unknown.append(f"{chain[i - 1][1][-1].text} van {' '.join(t.text for u in units for t in u.tokens)}")
                    return ""
                if action in ("drop", "placed"):
                    i += 1
                    continue
            with_tool = prep is not None and parts and lay_prep == "met"
            tool_side = _SIDE_TAIL.search(text) if with_tool else None
            tool = (text[: tool_side.start()] if tool_side else text).rstrip(", ")  # its side may have gone to the head
            if with_tool and _TOOL.fullmatch(tool) \
                    and parts[0].split() and (parts[0].split()[0].startswith(tool.split()[-1])
                                              and parts[0].split()[0] != tool.split()[-1]
                                              or tool.split()[-1] in ("prothese", "implantaat")
                                              and _ARTIFICIAL.search(parts[0])):
                # "fotocoagulatie van retina | met laser": "laserbehandeling" says the laser already;
                # "plaatsen van een kunstheup | met prothese": the artificial hip is the prosthesis
                if tool_side and not parts[-1].endswith(tool_side.group(1)):
                    parts[-1] += f", {tool_side.group(1)}"
                i += 1
                continue
            if prep is not None and parts and text and len(text.split()) <= 2 and lay_prep in ("na", "tijdens", "door") \
                    and any(parts[-1].endswith(f" {lay_prep} {a}{text.split()[-1]}") for a in ("", "de ", "het ", "een ")):
                # "atonie van uterus | na bevalling": the gloss says "slappe baarmoeder na de
                # bevalling" already; the term's own phrase would say it twice
                i += 1
                continue
            if prep is not None and parts and any(c.search(f"{lay_prep} {text}") and c.search(" ".join(parts))
                                                  for c in SAME_CONCEPT):
                # "bronchopulmonale dysplasie | na prematuriteit": the lay text says "bij een te vroeg
                # geboren baby" already; "schouderdystocie | bij geboorte" says "bij de bevalling"
                i += 1
                continue
            generic = next((a for a in said_after if a.startswith("na ")), None)
            if generic and prep is not None and lay_prep == "na" and parts and parts[-1].endswith(" " + generic):
                # "postoperatieve wondinfectie na appendectomie": the term's own "na …" says which
                # operation; "na een operatie" would say it twice
                parts[-1] = parts[-1][: -len(generic) - 1]
                said_after = tuple(a for a in said_after if a != generic)
            tail = " " + " ".join(said_after)
            if said_after and prep is not None and lay_prep in ("met", "zonder") and parts and parts[-1].endswith(tail) \
                    and not set(said_after) & {"links", "rechts"} and not any(a.startswith(("met ", "zonder ", "van ", "aan ", "door ")) for a in said_after):
                # (a side said as a phrase stays on its noun: "liesbreuk aan één kant zonder afgestorven weefsel",
                # and so does a cause: "crisis door hoge bloeddruk met …")
                # "liesbreukcorrectie via een kijkoperatie | met mat": a phrase of the term goes
                # before an adjective said as a phrase, which is said last
                parts[-1] = parts[-1][: -len(tail)]
                trailing.append(tail.strip())
            if prep is not None and lay_prep == "in" and text == "de staat" and i + 1 < len(chain) \
                    and chain[i + 1][0] is not None and chain[i + 1][0].low in ("om", "tot"):
                text = "staat"  # "niet in staat om …": the idiom takes no article
            if prep is not None and lay_prep == "op" and _AT_HEIGHT.fullmatch(text):
                text = text.split(" ", 1)[1]  # "op navelhoogte", "op ooghoogte": a fixed phrase without article
            verb_phrase = _VERB_PHRASE.fullmatch(text) if prep is not None else None
            if verb_phrase and grammar.gender(verb_phrase.group(2)) == "het" and grammar.gender(verb_phrase.group(1)) \
                    and not body_part(verb_phrase.group(2)) and not grammar.adjective_forms(verb_phrase.group(1)):
                # "hoesten zonder opgeven van sputum": the lay "slijm ophoesten" is a verb with its
                # object; after a preposition it is said as a noun ("zonder ophoesten van slijm")
                text = f"{verb_phrase.group(2)} van {verb_phrase.group(1)}"
            label = _TRAILING_LABEL.search(text) if parts else None
            if label and prep is not None and lay_prep == "bij" and _lay_head(text[: label.start()]) in PERSONS:
                # "intraventriculaire bloeding bij prematuur graad 2": the grade is the bleeding's,
                # not the baby's ("bloeding … graad 2 bij een te vroeg geboren baby")
                text = text[: label.start()].rstrip()
                if i + 1 < len(chain) and chain[i + 1][0] is not None and _lay_prep(chain[i + 1][0]) == "volgens":
                    # "… bij neonaat stadium IIIA volgens Bell": the stage is said by its scale, so it
                    # goes after the person with it ("bij een pasgeborene, stadium IIIA volgens Bell"),
                    # never "stadium IIIA bij een pasgeborene volgens Bell" (Bell's baby)
                    text = f"{text}, {label.group(1)}"
                else:
                    parts[-1] = f"{parts[-1]} {label.group(1)}"
            parts.append(self._prep(prep) + text if prep else text)
            if self._adjective_after and i + 1 < len(chain) and chain[i + 1][0].low == "van":
                # "positie rechts aan de zijkant | van de placenta": the "van" may now read as
                # belonging to the adjective's phrase
                self._score.append(CONF["ambiguous"])
            i += 1
        text = " ".join(parts)
        if trailing:
            # what is said last goes before the term's comma parts ("… in de knie in het gewricht,
            # rechts"), never after them ("…, rechts in het gewricht")
            tail = _COMMA_PARTS.search(text)
            cut = tail.start() if tail else len(text)
            text = f"{text[:cut]} {' '.join(trailing)}{text[cut:]}"
        subject = _SINGULAR_VERB.match(text)
        if subject and grammar.gender(subject.group(2)) == "pl":
            # "medicatie wordt … klaargezet" → "medicijnen worden …": the verb agrees with the lay subject
            text = text[: subject.start(3)] + _PLURAL_VERB[subject.group(3)] + text[subject.end(3):]
        if len(_PERSON_AFTER.findall(text)) >= 2:
            # "neonatale geelzucht | bij prematuriteit": one baby, said once, the more precise way
            # ("geelzucht bij een te vroeg geboren baby", not "bij een pasgeborene bij een …")
            generic = next((g for g in GENERIC_PERSON_AFTER if f" {g} bij " in f"{text} "), None)
            if generic is not None:
                text = text.replace(f" {generic}", "", 1)
        return text

    def _article(self, prep: Unit | None, parts: list[str]) -> bool | str:
        """The article after `prep`, also after a head whose object is any case of its kind."""
        article = _article_after(prep)
        if article is not True or not parts:
            return article
        lay, head = _lay_prep(prep), _lay_head(parts[-1])
        if lay == "van" and head in _COMPLAINTS:
            return False  # "geen klachten van kortademigheid": a symptom complained of, not a known one
        if lay == "voor" and head in _REASONS:
            return False  # "reden voor medicijngebruik": what a reason is for, any case of it
        if lay == "voor" and head.endswith(("allergie", "overgevoeligheid")):
            return False  # "allergie voor pinda", "overgevoeligheid voor penicilline": what one reacts to, any of it
        if lay in ("voor", "van", "op") and head in _EVIDENCE:
            return False  # "geen aanwijzingen voor kanker": what would be found is any case of it
        if lay == "in" and parts[-1].rsplit(" ", 1)[-1] in _SKILLED:
            return False  # "gespecialiseerd in pasgeborenen": what one is skilled in is any of its kind
        if lay == "van" and head in ("wijze", "manier"):
            return False  # "wijze van voeden": a way of doing, said bare
        if lay == "van" and head in ("gevolg", "gevolgen"):
            return "een"  # "laat gevolg van een beroerte": a cause is one of its kind, not a known one
        if lay == "van" and head == "drager":
            return "een"  # "drager van een pacemaker": one of its kind, not a known one
        if lay == "op" and (head in _SEARCHES or parts[0].split(" ", 1)[0] in FINITE_VERBS):
            # "controle van de pasgeborene op infectie", "screening op kanker": what is looked for;
            # "buigt afwijkend op pijn": what a response answers
            return False
        if lay in ("op", "bij", "over", "voor", "tegen") and head in GENERIC_HEADS:
            return "een"  # "risico op een doorligwond", "voorlichting over borstvoeding"
        return article

    @staticmethod
    def _counted_thing(text: str, units: list[Unit], prep: str = "met") -> str:
        """After "met"/"zonder" (`prep`, the lay preposition): a single noun the term did not say
        itself is a thing, counted ("met perforatie" → "met een gat"); the term's own bare noun stays
        ("met ontsluiting", "zonder ST-elevatie" whatever its case) — except a tool after "met", which
        is counted whatever the term said ("met een ballon", "met een tentbed"; "zonder bril" stays
        idiomatic), and an earlier or old one ("met een eerdere zwangerschap")."""
        said = " ".join(t.low for u in units for t in u.tokens)
        head = _lay_head(text)
        tool = head.rsplit("-", 1)[-1].lower()
        tail = next((e for e in _INSTRUMENTS if tool.endswith(e)), "")
        if prep == "met" and not _ARTICLED.match(text) and (_DEVICE.search(head) or tail) and not text[:1].isdigit() \
                and (grammar.gender(tool) or grammar.gender(tail)) in ("de", "het"):  # "tentbed": as "bed"
            return "een " + text  # "met een ballon", "met een drukkatheter in de baarmoeder": a tool is one
        if prep == "met" and not _ARTICLED.match(text) and text.split(" ", 1)[0] in _ONE_OF_MANY \
                and grammar.gender(head) in ("de", "het"):
            return "een " + text  # "voorgeschiedenis met een eerdere zwangerschap": one of its kind
        if text.lower() != said and not _ARTICLED.match(text) and head not in MASS | ABSTRACT and \
                not grammar.verbal_noun(head) and \
                not head.endswith(("heid", "teit", "isme", "pijn")) and \
                not _mass(text) and grammar.gender(head) in ("de", "het") and \
                (" " not in text or _TE_ADJ_NOUN.match(text) or _lay_head(text) == text.split(" ", 1)[0]
                 and text.split(" ", 2)[1] in LOCATIONS):  # "met een gaatje in het tussenschot"
            return "een " + text  # "met een gat", "met een te zware baby"
        return text

    def _counted(self, text: str) -> str:
        """After "met"/"zonder": "met een aandoening van het netvlies" — bare is for what is not
        counted ("met ontsluiting"); a thing of something is one thing. Not before an infinitive
        ("met plaatsen van een kunstlens")."""
        # "gedeeltelijk verwijderen": the verb before "van"; "bedhekken tegen de wil van …": the noun
        # before any preposition, never "wil"
        first = _lay_head(text.split(" van ", 1)[0]) if text.strip() else ""
        infinitive = first.endswith("en") and (grammar.gender(first) in (None, "het") or first in PLACING)
        if " van " in text and not _ARTICLED.match(text) and not infinitive and \
                _lay_head(text) not in MASS | _UNCOUNTED and \
                grammar.gender(self._np_head or "") in ("de", "het") and grammar.gender(first) in ("de", "het"):
            # not before a plural ("met symptomen van het bewegen", never "met een symptomen")
            return "een " + text
        return text

    def _genitive_after(self, parts: list[str], text: str, previous: str) -> tuple[str, str]:
        """How the rendered genitive `text` ("de rechternier") joins the phrase before it
        (`parts[-1]`, whose head was `previous`): ("drop", text) when the phrase already says it,
        ("refuse", text) when both name the same thing and cannot merge, ("placed", text) when it
        went into `parts[-1]`, else ("append", text) with `text` as it should follow "van"."""
        said_after = _SAID_AFTER.search(text) if ("," in text or text.endswith(("links", "rechts"))) else None
        if said_after is not None and _only_noun(text[: said_after.start()]):
            # "mammacarcinoom van linker mamma, HER2-positief": what follows the comma is the
            # whole term's, not the genitive's; the genitive joins on its own, the rest goes last
            # (so does a side the genitive's organ cannot take: "… van de derde lendenwervel links")
            action, inner = self._genitive_after(parts, text[: said_after.start()], previous)
            if action == "drop" and not any(_restates(w, _lay_head(inner)) for w in [previous or "", *parts[-1].split()]):
                # the last head was the comma part's ("compartiment"), not the genitive's: the genitive
                # says what nothing before it said ("compartimentsyndroom van het onderbeen, …")
                parts[-1] += f" van {inner}"
                action = "placed"
            if action in ("placed", "drop"):
                parts[-1] += said_after.group(0)
                return "placed", inner
            return action, inner + said_after.group(0)
        if _only_noun(text) and (_restates(previous, self._np_head) or any(_restates(w, self._np_head)
                                                                          for w in parts[-1].split())):
            return "drop", text  # "hemisfeer van cerebrum" → "linkerhersenhelft": already says whose
        # the genitive's noun, not a level code or number after it ("de wervel L3")
        nouns = [w for w in text.split() if not _code_or_label(w)]
        before, after = (parts[-1].split() or [""])[-1], _lay_head(" ".join(nouns)) if nouns else ""
        owner = _OWNER_LAST.search(text)
        if owner and before.startswith(owner.group(1)) and len(before) >= len(owner.group(1)) + 4 \
                and grammar.gender(before[len(owner.group(1)):].removeprefix("s")) is not None:
            # "alvleesklierkanker" + "van de kop van de alvleesklier": the genitive names the organ
            # precisely, so the compound keeps only its head ("kanker van de kop van de alvleesklier")
            parts[-1] = parts[-1][: len(parts[-1]) - len(before)] + before[len(owner.group(1)):].removeprefix("s")
            return "append", text
        sided = _SIDED_NOUN.fullmatch(after) if _only_noun(text) else None
        if sided:
            for m in _PLACE_WORD.finditer(parts[-1]):
                word = m.group(1)
                if word.startswith(sided.group(2)) and len(word) >= len(sided.group(2)) + 3:
                    # "pezen rond het schoudergewricht" + "van de rechterschouder": the place is
                    # the genitive's own part ("rond het rechterschoudergewricht")
                    new = grammar.compound(sided.group(1), word) if sided.group(1) else word
                    parts[-1] = parts[-1][:m.start(1)] + new + parts[-1][m.end(1):]
                    return "placed", text
        rest = grammar.rest_after_part(before, after)
        ends_in = sided is not None and len(before) >= len(sided.group(2)) + 3 and any(
            before[-k:] == sided.group(2) or sided.group(2) in grammar.singulars(before[-k:])
            for k in range(len(sided.group(2)), len(sided.group(2)) + 3))  # "etalage|benen" + "rechterbeen"
        if (not rest or sided and before.startswith(sided.group(2))) and sided and sided.group(1) \
                and (before.startswith(sided.group(2)) or ends_in) \
                and len(before) >= len(sided.group(2)) + 3 and not _INNER_PREP.search(f" {parts[-1]} ") and " van " not in f" {parts[-1]} ":
            # "oorsuizen" + "van het rechteroor", "nierbekkenontsteking" + "van de linkernier": the
            # compound already names the organ, the genitive adds only its side ("oorsuizen rechts");
            # also where the rest would lose what the compound says ("voetwrat" + "van de linkervoet":
            # "voetwrat links", not "wrat van de linkervoet", which loses the sole)
            parts[-1] += " links" if sided.group(1) == "linker" else " rechts"
            return "placed", text
        if rest:
            # "tendinitis van achillespees": "peesontsteking van de achillespees" says the tendon
            # twice; the genitive is the more precise, so the compound keeps only the rest
            parts[-1] = parts[-1][: len(parts[-1]) - len(before)] + rest
            before = rest
        shared = next((h for a in [after, *sorted(grammar.singulars(after))]  # "ooglid" + "bovenoogleden"
                       if before and a and before != a and (h := grammar.shared_head(before, a))), None)
        if shared and shared not in (before, after):
            return "refuse", text
        if _CLAUSE.search(parts[-1]):
            # "onderzoek van de eerste lymfeklier waar kanker naartoe kan gaan" + "van de oksel":
            # after a clause the genitive would hang on its verb
            return "refuse", text
        inner = _INNER_PREP.search(parts[-1])
        if inner is not None and parts[-1][:inner.start()].rsplit(" ", 1)[-1] in _PREP_LEADS:
            # "pijn vergeleken met de rug" + "van de hand": "vergeleken met" is one preposition, so
            # the genitive is its object's ("… met de rug van de hand"), never "vergeleken van de hand met"
            inner = None
        if (shared == before or before == after) and inner is None:
            # "ontsteking van het oor" + "van het rechteroor", "open been" + "van het rechterbeen",
            # "dwarsuitsteeksel van de wervel" + "van de wervel L3": the genitive names the phrase's
            # own last noun, more precisely
            words = parts[-1].split()
            if len(words) >= 2 and words[-2] in ("de", "het") and (grammar.gender(after) == grammar.gender(before)
                                                                   or _DE_HET.match(text)):
                parts[-1] = " ".join(words[:-2] + [text])  # "… van het rechteroor"
                return "placed", text
            side = re.fullmatch(rf"(linker|rechter){re.escape(before)}", after)
            if side is not None and _only_noun(text):
                parts[-1] += " links" if side.group(1) == "linker" else " rechts"  # "open been rechts"
                return "placed", text
            return "refuse", text  # "open been van het linkeronderbeen": no rule merges them
        if before in PLACING and _DE_HET.match(text) and (grammar.gender(self._np_head or "") in ("de", "het")
                                                          or grammar.gender(text.split()[1]) in ("de", "het")):
            text = "een " + text.split(" ", 1)[1]  # "plaatsen van een infuuslijn": what is put in is new
        elif before in PLACING and text.strip() and not _ARTICLED.match(text) and not text[:1].isdigit() \
                and not text.split()[0].endswith(("en", "s")) and grammar.gender(text.split()[0]) != "pl":
            text = "een " + text  # "plaatsen van kroon" → "plaatsen van een kroon"
        if inner is None:
            if " van " in parts[-1]:
                # "ontsteking van een uitstulping van de darmwand | van …": "van" after "van" may
                # read as belonging to the last noun
                self._score.append(CONF["ambiguous"])
            return "append", text
        if after in PERSONS and " van " not in text:
            # "te veel bilirubine in het bloed" + "van pasgeborene": a condition described with a
            # place of its own is "bij" the person, said last (not "bilirubine van de pasgeborene")
            if after in ANY_PERSON and _DE_OR_HET_NOUN.match(text):
                text = "een " + text.split(" ", 1)[1]  # "bij een pasgeborene": any newborn
            parts[-1] = f"{parts[-1]} bij {text}"
            return "placed", text
        # each phrase of the lay text: its preposition and its words up to the next one
        place = next((m for m in _PREP_PHRASE.finditer(parts[-1])
                      if m.group(2).split()[-1] != after and _names_place(m.group(2).split(), after)), None)
        if place is not None:
            # "achteruitgang van de gele vlek in het oog" + "van het linkeroog": the genitive is the
            # phrase's own place, said more precisely ("… in het linkeroog")
            owner = parts[-1].rfind(" van ", place.start(), place.end())
            if owner > 0:
                # "aan de binnenkant van het ooglid" + "van het linkerbovenooglid": only the owner is
                # said more precisely; the place on it stays
                parts[-1] = f"{parts[-1][:owner]} van {text} {parts[-1][place.end():]}".rstrip()
            else:
                parts[-1] = f"{parts[-1][:place.start()]} {place.group(1)} {text} {parts[-1][place.end():]}".rstrip()
        elif inner.group(1) == "tot" and " " not in parts[-1][inner.end():].strip():
            # "poging tot zelfdoding" + "van het familielid": what it is an attempt at belongs to
            # the head, so the genitive follows the whole ("poging van het familielid tot …" breaks it)
            parts[-1] = f"{parts[-1]} van {text}"
        elif inner.group(1) in ("buiten", "naast"):
            # "baarmoederslijmvlies buiten de baarmoeder" + "van de eierstok": where it is not is no
            # place the genitive can follow, nor go before
            return "refuse", text
        elif inner.group(1) in LOCATIONS and body_part(after) and " van " not in parts[-1][inner.start():]:
            # "bloedstolsel in een diepe ader" + "van het linkerbeen", "vocht achter het trommelvlies"
            # + "van het linkeroor": the body part holds the place, so it follows the place — and
            # comes before a cause after it ("bloed in de voorste oogkamer van het rechteroog door letsel")
            nxt = _INNER_PREP.search(parts[-1][inner.end():])
            cut = len(parts[-1]) if nxt is None else inner.end() + nxt.start()
            parts[-1] = f"{parts[-1][:cut]} van {text}{parts[-1][cut:]}"
        elif " van " in parts[-1][inner.start():]:
            # "ontsteking met vernauwing van een peesschede" + "van de rechterduim": before the
            # phrase it would be the inflamed thing, after it the sheath's owner — no sound place
            return "refuse", text
        else:
            # "verwijding van het nierbekken door opgehoopte urine" + "van de rechternier": the
            # genitive goes before the lay phrase's own phrase, or it would read as the urine's
            # (a comma the genitive carried ends the whole: "…, met dreigende botbreuk")
            # (and so do its comma parts: "… van de achterste booggang in aanvallen, rechts")
            said_last = re.search(r"(?:, [^,]+)+$", text)
            comma = said_last.group(0) if said_last else "," if text.endswith(",") else ""
            own = text[: said_last.start()] if said_last else text.rstrip(",")
            if _ENDS_IN_CLAUSE.search(own):
                # "verwijderen met de hand" + "van de placenta die … blijft zitten": after the clause's
                # verb the phrase would be the clause's ("blijft zitten met de hand"). An act says
                # its how first ("met de hand verwijderen van de placenta die …"); anything else: no rule
                act = parts[-1][:inner.start()]
                if not (grammar.bare_infinitive(act.rsplit(" ", 1)[-1]) or grammar.verbal_noun(act.rsplit(" ", 1)[-1])):
                    return "refuse", text
                parts[-1] = f"{parts[-1][inner.start() + 1:]} {act} van {own}{comma}"
                return "placed", text
            # (a clot is in the vessel it blocks: "bloedstolsel in de slagader", never "van")
            of = "in" if parts[-1][:inner.start()].endswith(_CLOTS) else "van"
            parts[-1] = f"{parts[-1][:inner.start()]} {of} {own}{parts[-1][inner.start():]}{comma}"
        return "placed", text

    def _memo(self, key: tuple, render, *args) -> str:
        """`render(*args)` (a noun phrase's text), remembered under `key` with its effects on the
        term's state — confidences noted, words translated, words not understood, the last head,
        an adjective said after — and those effects replayed on a hit, so a remembered phrase
        leaves the term exactly as rendering it again would. A phrase whose rendering looked up a
        word with a contextual entry (whose sense depends on the whole term) is not remembered.
        Phrases nest (a template's object phrases are remembered inside the template's rendering):
        a context used by an inner phrase is the outer one's too."""
        hit = self._np_cache.get(key)
        if hit is None:
            scores, unknown, translated = len(self._score), len(self._unknown), self._translated
            after, self._adjective_after = self._adjective_after, ()
            head, self._np_head = self._np_head, None  # None: this phrase set no head of its own
            outer_context, self._context_used = self._context_used, False
            text = render(*args)
            hit = (text, self._score[scores:], self._unknown[unknown:], self._translated - translated,
                   self._np_head, self._adjective_after)
            self._adjective_after = after + self._adjective_after
            if self._np_head is None:
                self._np_head = head
            if not self._context_used:
                if len(self._np_cache) >= NP_CACHE_SIZE:
                    self._np_cache.clear()  # bounded memory over a whole release; a chunk refills it
                self._np_cache[key] = hit
            self._context_used = self._context_used or outer_context
            return text
        text, scores, unknown, translated, head, after = hit
        self._score.extend(scores)
        self._unknown.extend(unknown)
        self._translated += translated
        self._adjective_after = self._adjective_after + after
        if head is not None:
            self._np_head = head
        return text

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
        while len(units) > 1 and units[-1].entry is not None and units[-1].entry.kind in ("adjective", "qualifier") \
                and not any(u.low in FINITE_VERBS for u in units[:-1]):
            # (not after a finding's verb: "zuigeling huilt langdurig" keeps its order)
            trailing.insert(0, units.pop())
        if trailing and units and units[-1].entry is None and grammar.adjective_forms(units[-1].low) is not None \
                and not grammar.known_noun(units[-1].low):
            # "Overig psychisch": what is left is an adjective, not a noun the Latin modifiers follow
            units, trailing = units + trailing, []
        if not units:
            return det, [], None, post
        return det, units[:-1] + trailing, units[-1], post

    def _render_np(self, units: list[Unit], article: bool) -> str:
        compared = next((k for k in range(1, len(units) - 2) if units[k].low in _COMPARATIVES
                         and units[k + 1].low == "dan"), None) if len(units) > 3 else None
        if compared is not None:
            # "partus langer dan twee uur": the comparison measures the noun before it, which keeps
            # its article ("van de bevalling langer dan twee uur"); the quantity takes none
            head = self._render_np(units[:compared], article)
            if re.search(r"\b(?:die|dat) \w+(?: \w+)* \w+$", head):
                # "placenta die … niet loskomt langer dan 1 uur": after a relative clause's verb a
                # comparison measures nothing; no rule here can put it inside the clause
                self._unknown.append(" ".join(u.text for u in units[compared:]))
                return ""
            return f"{head} {self._render_np(units[compared:], False)}" if head else ""
        pieces = []
        coords = _split_coordination(units)
        side = ""
        if len(coords) > 1 and coords[0] and coords[0][0].low in SIDES and \
                all(c.low in ("en", "of", "en/of") for c in coords[1:] if isinstance(c, Unit)) and \
                not any(u.low in SIDES for c in coords[1:] if isinstance(c, list) for u in c):
            # "rechter radius en ulna": the side is of both, so it goes after both ("het spaakbeen en
            # de ellepijp rechts"); joined to the first ("rechterspaakbeen") it would lose the second
            side = {"linker": "links", "rechter": "rechts"}[coords[0][0].low]
            coords[0] = coords[0][1:]
            if not coords[0]:
                return ""
        if len(coords) == 3 and coords[1].low in ("en", "of") and len(coords[0]) == 1 and coords[0][0].low in ORDINALS \
                and coords[2] and coords[2][0].low in ORDINALS and not side:
            # "vierde en vijfde vinger": one noun with two ordinals, one article before both ("de vierde
            # en vijfde vinger", never "vierde en de vijfde vinger")
            rest = self._render_np(coords[2], article)
            lead = re.match(r"(?:de|het|een) ", rest)
            cut = lead.end() if lead else 0
            return f"{rest[:cut]}{coords[0][0].low} {coords[1].low} {rest[cut:]}" if rest else ""
        lists = [c for c in coords if isinstance(c, list)]
        if len(lists) >= 2 and len(lists[0]) >= 2 and lists[0][0].entry is not None and not side \
                and lists[0][0].entry.kind in ("adjective", "qualifier") and lists[0][0].entry.article == "post" \
                and all(len(c) == 1 and c[0].entry is not None and c[0].entry.kind in ("noun", "word", "head")
                        and c[0].entry.article != "post" for c in lists[1:]):
            # "infectieuze colitis, enteritis en gastro-enteritis": the adjective is of every noun, but
            # said after the first ("… door een infectie, darmontsteking en …") it is of that one only
            self._unknown.append(" ".join(u.text for u in units))
            return ""
        scoped = ""
        first_article = ""
        commas = [n for n, c in enumerate(coords) if isinstance(c, Unit) and c.low == ","]
        enumeration = bool(commas) and any(isinstance(c, Unit) and c.low in CONJUNCTIONS for c in coords[commas[-1]:])
        for n, coord in enumerate(coords):
            if isinstance(coord, Unit):  # the conjunction itself
                pieces.append(coord.low if coord.role == "conj" else coord.text)
                continue
            said = len(self._adjective_after)
            if n > 0 and coords[n - 1].low == "," and len(coord) == 1 and coord[0].entry is not None \
                    and coord[0].entry.kind == "head" and (qualifier := self.lex.modifier(coord[0].low)) is not None \
                    and qualifier.lay != "-" and not has_slot(qualifier.lay):
                # "herpes labialis, recidief": after a comma the word qualifies the whole ("koortslip,
                # teruggekeerd"), not a head of its own ("…, terugkeer van de ziekte")
                coord = [Unit(coord[0].tokens, qualifier, coord[0].role)]
            negated = len(coord) > 1 and coord[0].low == "niet" and coord[0].entry is None  # "…, niet fataal"
            if n > 0 and coords[n - 1].low == "," and all(
                    u.entry is not None and u.entry.kind in ("qualifier", "adjective") and u.entry.article in ("pre", "post")
                    and u.entry.lay != "-" and not has_slot(u.entry.lay)
                    or u.entry is None and u.token.kind == "word" and grammar.adjective_forms(u.low) is not None
                    and not grammar.known_noun(u.low) and self._is_lay(u.low) for u in coord[negated:]):
                # "depressieve stoornis, in remissie": a qualifier said as a phrase stands on its own
                # after the comma ("…, die nu rustig is"); an adjective there is said bare, never with
                # an article ("risico op een doorligwond, hoog")
                if coord[negated].entry is not None:
                    self._count(coord[negated].entry)
                said = " ".join(grammar.bare(u.low) if u.entry is None else u.entry.lay if u.entry.article == "post"
                                else grammar.bare(u.entry.lay) for u in coord[negated:])
                said = f"niet {said}" if negated else said
                if said.startswith("die ") and pieces and grammar.gender(_lay_head(pieces[0])) == "het":
                    said = "dat" + said[3:]  # "te veel vet in het bloed, dat in de familie voorkomt"
                # "…, mediaal": a position alone is a side of the thing ("aan de binnenkant"), not "binnenste"
                pieces.append(_POSITION_SIDE.get(said, said))
                continue
            phrase = self._phrase(coord)
            if phrase is None:
                return ""
            if (phrase.head in LABELS or phrase.head.rsplit("-", 1)[-1].lower() in LABELS) \
                    and not (phrase.head == "fase" and any(p in ORDINALS for p, _ in phrase.pre)):
                # (a counted phase is a stretch of time, not a label: "duur van de tweede fase")
                phrase.articleless = True  # "…, tweede graad", "…, Gleason-score 7": a label takes no article
            # (in a list that ends in a conjunction a comma only separates: "de beheersing, de beperking
            # of de isolatie", never "de beheersing, beperking of de isolatie")
            after_comma = n > 0 and coords[n - 1].low == "," and not enumeration
            # "…, EGFR-mutatie positief", "…, kort segment": a part after a comma is a label of the
            # whole, said as the term says it, without an article
            text, missing = phrase.text(article=False if after_comma and not phrase.det else article)
            new = " ".join(self._adjective_after[said:])
            if n == 0 and len(coords) > 1 and new and text.endswith(" " + new) and coords[1].low != "," \
                    and new.split()[0] not in LOCATIONS:  # (a place is its own noun's: "de wervelkolom in de onderrug")
                # "postoperatieve misselijkheid en braken": the adjective is of both ("misselijkheid
                # en braken na een operatie"), so its phrase goes after the last
                text, scoped = text[: -len(new) - 1], new
            self._np_head = text.split()[-1] if text.split() else ""  # what a following "van" would restate
            if missing:
                self._score.append(CONF["missing-article"])
            if n == 0:
                first_article = text.split(" ", 1)[0] if text.startswith(("de ", "het ")) else ""
            elif first_article and article is True and not after_comma and not phrase.det \
                    and not text.startswith(("de ", "het ", "een ")) and phrase.gender in ("de", "het", "pl") \
                    and (own := "de" if phrase.gender == "pl" else phrase.gender) != first_article \
                    and not (phrase.head in LABELS or phrase.head.rsplit("-", 1)[-1].lower() in LABELS):
                # "het tabakgebruik en blootstelling aan tabaksrook": "het" cannot serve a de-word;
                # each noun takes its own ("… en de blootstelling …")
                text = f"{own} {text}"
            pieces.append(text)
        return (" ".join(pieces) + (f" {side}" if side else "") + (f" {scoped}" if scoped else "")).replace(" , ", ", ")

    def _phrase(self, units: list[Unit]) -> Phrase | None:
        det, mods, head, post = self._parts(units)
        if head is None:
            return None
        if mods and mods[-1].entry is not None and has_slot(mods[-1].entry.lay) and head.token.kind == "name":
            # "morbus Crohn": a head that takes an object, followed by the name it is about
            for alt in mods[-1].entry.lay.split("|"):
                m = re.fullmatch(r"(.*)\{x\}", alt)
                if m:
                    self._count(mods[-1].entry)
                    words = (m.group(1) + head.token.text).split(" ", 1)
                    phrase = Phrase(words[0], mods[-1].entry.article if mods[-1].entry.article in ("de", "het", "pl") else None,
                                    post=[words[1]] if len(words) > 1 else [], bare_noun=False, translated=True,
                                    object_post=True)
                    return self._modify(phrase, det, mods[:-1], post)
        owner = len(mods) - 1
        while owner >= 0 and mods[owner].entry is not None and mods[owner].entry.kind in ("adjective", "qualifier"):
            owner -= 1  # past the modifiers said after the head ("hydrokèle testis rechts")
        if owner >= 0 and _is_noun(mods[owner]) and _is_noun(head):
            # Latin noun + genitive ("hernia umbilicalis", "steatosis hepatis", "commotio cerebri"):
            # the compound Dutch uses ("navelbreuk"), else "breuk van de navel"
            phrase = self._genitive(mods[owner], head)
            mods = mods[:owner] + mods[owner + 1:]
        else:
            phrase = self._head(head)
        if phrase is None:
            return None
        if phrase.translated and post and not any(u.low in LABELS for u in mods + post) and any(
                u.token.kind in ("name", "abbr") and len(u.token.text) <= 3 for u in post):
            # "hepatitis B" is the name of one disease: "leverontsteking B" is no Dutch name for it
            self._unknown.append(" ".join([head.text] + [u.text for u in post]))
            return None
        if phrase.translated and post and not any(u.low in LABELS for u in mods + post) \
                and all(u.token.kind == "number" for u in post) \
                and (phrase.object_post or not phrase.head.endswith(MEASURES + ("slag", "ademhaling"))):
            # "CIN 2" → "afwijkende cellen 2 in de baarmoederhals", "graviditeit 3" → "zwangerschap 3":
            # a bare number names a grade or a count only beside its own clinical word; after a lay
            # word it counts nothing (a measure keeps its value: "hartslag 140")
            self._unknown.append(" ".join([head.text] + [u.text for u in post]))
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
                # an adjective said on its own keeps the form it was given in ("matig", not "matige")
                lay = unit.entry.lay if unit.low.endswith("e") else grammar.bare(unit.entry.lay)
                if lay in ORDINALS or lay in POSITION_WORDS:
                    # "intermediair" → "middelste": a position says nothing without what it is the
                    # position of (the term is a lab flag, "intermediately susceptible")
                    self._unknown.append(unit.text)
                    return None
                return Phrase(lay, None, bare_noun=False)
            self._unknown.append(unit.text)
            return None
        if tok.kind in ("name", "abbr", "quote"):
            tail = tok.text.rsplit("-", 1)[-1] if "-" in tok.text else ""
            if tail and tok.kind in ("name", "quote") and tail.islower():
                self._note_context(tail)
                entry = self._lookup(tail)
                if entry is not None and tok.kind == "name" and entry.lay != tail and entry.lay.endswith(_DISEASE_TAILS):
                    # "Erb-parese": the name is the disease's own ("Erb-krachtsverlies" is no Dutch
                    # word); only a lexicon phrase for the whole eponym renders it
                    self._unknown.append(tok.text)
                    return None
                if entry is not None and entry.kind in ("noun", "word") and " " not in entry.lay and not has_slot(entry.lay):
                    self._count(entry)  # "Doppler-echocardiografie" → "Doppler-hartecho"
                    return Phrase(tok.text[: -len(tail)] + entry.lay, entry.article if entry.article != "pl" else "pl",
                                  bare_noun=False, translated=True)
                rendered = self._word(tail)
                if rendered is None:
                    return None
                lay, gender = rendered
                return Phrase(tok.text[: -len(tail)] + lay, gender, bare_noun=False)
            if tail and tail.islower() and tok.kind == "abbr" and grammar.gender(tail) in ("de", "het") \
                    and grammar.adjective_forms(tail) is None and not tail.endswith(("ief", "isch", "ig", "aal", "air")):
                # "door ACE-remmer" → "door een ACE-remmer": an abbreviation's compound is a noun of
                # its lay last part's gender (the abbreviation itself stays as written)
                return Phrase(tok.text, grammar.gender(tail), bare_noun=False)
            return Phrase(tok.text, None, articleless=True, bare_noun=False)
        if tok.kind in ("number", "punct") or tok.low in ("meer", "minder", "langer", "korter", "vaker", "minstens"):
            # "1000 ml of meer": a comparative is no noun ("of het meer" is a lake)
            return Phrase(tok.text, None, articleless=True, bare_noun=False)
        if tok.kind == "ellipsis":
            # "hart- en vaatziekte": kept whole when each part is lay Dutch, else not understood
            parts = re.findall(r"[^\W\d_]+", tok.low)
            if not all(self._is_lay(p) for p in parts if p not in ("en", "of")):
                self._unknown.append(tok.text)
                return None
            return Phrase(tok.text, grammar.gender(parts[-1]), bare_noun=False)
        rendered = self._word(tok.low)
        if rendered is None:
            return None
        lay, gender = rendered
        return Phrase(lay, gender, articleless=_mass(lay), bare_noun=" " not in lay, translated=lay != tok.low)

    def _genitive(self, governing: Unit, genitive: Unit) -> Phrase | None:
        gov, gen = self._lay_phrase(governing.entry), self._lay_phrase(genitive.entry)
        if gen.head.endswith(DISORDER_HEADS):
            # "herpes simplex keratitis": a disorder after a noun is what it causes or names, never
            # whose it is ("herpesinfectie van de hoornvliesontsteking")
            self._unknown.append(f"{governing.text} {genitive.text}")
            return None
        if gen.bare_noun and gen.head in gov.head:
            return gov  # "cervix uteri": "baarmoederhals" already says whose neck
        if gov.bare_noun and gov.head in ("bot", "been", "beenderen", "botten") and gen.head.endswith(BONES):
            return gen  # "os femoris": the bone of the thigh is the "dijbeen"
        if gov.bare_noun and gen.bare_noun:
            word = grammar.attested_compound(gen.head, gov.head)
            if word is not None:
                return Phrase(word, gov.gender, articleless=gov.articleless, translated=True)
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
        make a compound Dutch does not have ("longembolie" ≠ "longbloedstolsel"): no proposal.
        A Latin adjective is no compound ("membraneus" is not "membra|neus")."""
        if word.endswith(_LATIN_ADJECTIVE_ENDINGS):
            return None
        for i in range(len(word) - 3, 2, -1):
            left, right = word[:i], word[i:]
            for link in ("", "s"):
                if link and not left.endswith(link):
                    continue
                if link and (self._part(word[i - 1:]) is not None or grammar.known_noun(word[i - 1:])):
                    continue  # "oesofagus|stent", not "oesofagus|s|tent": the s begins the head
                stem = left[: len(left) - len(link)] if link else left
                first, head = self._part(stem), self._part(right)
                if first is None or head is None or not first[1] or head[1] or grammar.gender(right) is None:
                    continue  # the head must be a Dutch noun ("corneae|rosie" is none)
                if first[0].endswith("en") and (grammar.gender(first[0]) == "het" or not grammar.known_noun(first[0])
                                                and not grammar.singulars(first[0])) \
                        and grammar.attested_compound(first[0], right) is None:
                    continue  # "defecatie|frequentie": a verb glued to a noun ("poepenfrequentie") is no word
                self._translated += 1
                self._score.append(CONF["compound"])
                # the clinical compound's linking s stays ("gelaatsprothese" → "gezichtsprothese")
                joined = first[0] + link + right if link and not first[0].endswith("s") else grammar.compound(first[0], right)
                return joined, grammar.gender(right)
        return None

    def _part(self, part: str) -> tuple[str, bool] | None:
        """(lay, translated) for a compound part: a one-word lexicon noun, or a lay word."""
        if len(part) < 3:
            return None
        self._note_context(part)
        e = self.lex.find("words", part, self._term)
        if e is not None and " " not in e.lay and not has_slot(e.lay) and e.lay != part:
            return e.lay, True
        if len(part) >= 4 and part not in self._clinical and self.judge.jargon_reason(part) is None and \
                (zipf(part) >= 3.0 or part in lay_words()):  # "stent": rare in text, known to patients
            return part, False
        return None

    def _note_context(self, key: str) -> None:
        """Note a lookup whose answer may depend on the whole term (a contextual entry is filed under it)."""
        if key in self._context_keys or key.replace("-", "") in self._context_keys:
            self._context_used = True

    def _is_lay(self, word: str) -> bool:
        if word.endswith("-"):
            return False  # "primair openkamerhoek-": a compound's first part cut loose is no lay word
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
        cut = next((i for i, w in enumerate(words) if (w in PREPOSITIONS or w in _RELATIVES) and i > 0), len(words))
        before, after = words[:cut], words[cut:]
        head = before[-1]
        # the curator wrote the lay phrase right for a de-word; only the word before the head may
        # need the bare form for a het-word ("te langzaam werkende": "langzaam" is an adverb)
        pre = [(w, i == len(before) - 2 and _adjectival(w)) for i, w in enumerate(before[:-1])]
        gender = entry.article if entry.article in ("de", "het", "pl") else grammar.gender(head)
        # object_post: a number or grade of the term goes before the lay phrase's own phrase
        # ("afwijkende cellen graad 2 in de baarmoederhals", not "… baarmoederhals graad 2")
        return Phrase(head, gender, pre=pre, post=[" ".join(after)] if after else [],
                      bare_noun=len(words) == 1, articleless=_mass(lay), translated=normalise(lay) != entry.clinical,
                      object_post=bool(after))

    def _count(self, entry: Entry) -> None:
        if normalise(entry.lay) != entry.clinical:
            self._translated += 1
        if entry.source == "learned":
            self._score.append(min(CONF["learned"], 0.7 + 0.05 * entry.weight))

    def _modify(self, phrase: Phrase, det: str, mods: list[Unit], post: list[Unit]) -> Phrase | None:
        pre: list[tuple[str, bool]] = []
        after: list[str] = []
        side, failed, wrap = "", False, None
        for k, unit in enumerate(mods):
            e = unit.entry
            last = k == len(mods) - 1
            if e is not None and e.kind in ("adjective", "qualifier"):
                self._count(e)
                if e.lay == "-":
                    continue
                if grammar.bare(e.lay) in _DEPTHS and _is_act(phrase.head.split()[0]):
                    # "parotidectomie, superficieel": the superficial part is removed, the removing is
                    # not shallow ("oppervlakkig verwijderen" says another act)
                    self._unknown.append(unit.text)
                    return None
                if has_slot(e.lay):
                    wrap = e  # "distale radius" → "onderste deel van het spaakbeen"
                    continue
                described = any(m.entry is not None and m.entry.article == "post" and m.entry.lay.split(" ", 1)[0] in LOCATIONS
                                for m in mods)  # "ruimte onder het schouderdak": the side is said after it
                if e.lay in ("links", "rechts") and not side and not described and \
                        (phrase.bare_noun and body_part(phrase.head, exact=True) and phrase.head not in UNPAIRED
                         or _side_noun(phrase) is not None):
                    # "fibula links", "adrenalectomie links": the side joins the body part ("linkerkuitbeen",
                    # "verwijderen van de linkerbijnier"), or it would follow whatever phrase comes last
                    side = "linker" if e.lay == "links" else "rechter"
                elif e.article == "post" and k + 1 < len(mods) and _PARTICIPLE.match(mods[k + 1].low) \
                        and e.lay.split(" ", 1)[0] in _WHEN_WHERE and \
                        _PARTICIPLE.match(mods[k + 1].entry.lay if mods[k + 1].entry is not None else mods[k + 1].low):
                    # "prenataal vastgestelde hydronefrose": the phrase says when it was found, so it
                    # stands before the participle ("voor de geboorte vastgestelde …"), not after the noun
                    # (a phrase that describes the noun goes after it: "verplichte zorg zonder opname")
                    pre.append((e.lay, False))
                elif e.article == "post" and e.lay.startswith("van ") and _lay_head(phrase.head).endswith(_INSTRUMENTS) \
                        and _lay_head(e.lay) in ANY_PERSON:
                    # "externe foetale monitor": a tool watches the baby, it is not the baby's
                    after.append("voor " + e.lay[4:])
                elif e.article == "post" and e.lay.startswith("van ") and _DEVICE.search(phrase.head) \
                        and body_part(_lay_head(e.lay)):
                    # "gastro-intestinale sonde": a device is *in* the organ ("sonde in maag en darmen"),
                    # "van" would make the organ its owner; a pacemaker or pump works *for* it from
                    # under the skin ("pacemaker voor het hart")
                    works_for = phrase.head.endswith(("pacemaker", "defibrillator", "pomp"))
                    after.append(("voor " if works_for else "in ") + e.lay[4:])
                elif e.article == "post":
                    # "drugsgebruik dat gestopt is": a relative clause after a het-noun takes "dat"
                    after.append("dat" + e.lay[3:] if e.lay.startswith("die ") and phrase.gender == "het" else e.lay)
                elif e.lay in SIDES and last and (phrase.bare_noun or _side_noun(phrase) is not None):
                    side = e.lay
                elif e.lay in SIDES and last and phrase.post:
                    # "gewricht tussen heiligbeen en bekken rechts": the side of a described part
                    # is said after it, not as a loose "rechter" before it
                    after.append({"linker": "links", "rechter": "rechts"}[e.lay])
                elif phrase.translated or unit.low in ("maligne", "benigne"):
                    # the noun changed: its gender sets the ending (and "maligne" has no ending of its
                    # own to keep: "een kwaadaardig melanoom", "het kwaadaardige melanoom")
                    pre.append((e.lay, True))
                elif not unit.low.endswith("e") and phrase.gender in ("de", "pl"):
                    # "bloeding spontaan": said after its noun in the term, bare; before a de-word it
                    # inflects, and it goes first ("spontane blauwe plekken": "blauwe plekken" is one thing)
                    pre.insert(0, (e.lay, True))
                else:
                    # the term's own noun stays, and so does the ending the term gave its adjective
                    form = e.lay if unit.low.endswith("e") else grammar.bare(e.lay)
                    pre.append((form, False))
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
            tail = tok.text.rsplit("-", 1)[-1] if "-" in tok.text else ""
            if tok.kept and tail.islower() and phrase.translated and _adjectival(tail):
                pre.append((tok.text, True))  # "CT-geleid weefselonderzoek": the adjective inflects
                continue
            if tok.kept:
                pre.append((tok.text, False))
                continue
            if tok.low in SIDES and last and (phrase.bare_noun or _side_noun(phrase) is not None):
                side = tok.low
                continue
            if tok.low in SIDES and last and phrase.post:
                after.append({"linker": "links", "rechter": "rechts"}[tok.low])
                continue
            if not self._is_lay(tok.low):
                self._unknown.append(tok.low)
                failed = True
                continue
            adverb = k + 1 < len(mods) and (mods[k + 1].low.endswith(("ende", "end"))  # "snel groeiende"
                                            or _PARTICIPLE.match(mods[k + 1].low) is not None  # "spontaan begonnen"
                                            or mods[k + 1].low == "te" or k + 2 < len(mods) and mods[k + 2].low == "te"
                                            or _adverb_of_next(tok.low, mods[k + 1].low))
            # ... and "moeilijk aan te prikken": an adverb of a "te" infinitive; "proportioneel lange
            # benen": a bare form before an inflected adjective says how long, never "proportionele"
            if tok.low in FINITE_VERBS:
                # "gebruikt anticoagulantia", "braaksel bevat feces": a verb, not "gebruikte", "bevatte"
                pre.append((tok.low, False))
                if k == len(mods) - 1 and phrase.translated and not phrase.pre and not phrase.det \
                        and phrase.gender in ("de", "het") and not phrase.articleless and not _mass(phrase.head) \
                        and phrase.head not in ABSTRACT | BODY_SUBSTANCES:
                    # "gebruikt koperhoudend intra-uterien anticonceptiemiddel": the lay object is one
                    # thing, counted ("gebruikt een koperspiraal", never "gebruikt koperspiraal")
                    pre.append(("een", False))
                continue
            if phrase.translated and phrase.pre and not adverb and not _adjectival(tok.low) \
                    and tok.low not in _DEGREE_ADVERBS and tok.low not in _COUNTING_NOUNS \
                    and (grammar.gender(tok.low) or tok.low.endswith(_NOUN_ENDINGS)):
                # "basishartfrequentie tachycardie" → "basishartfrequentie te snelle hartslag": a noun
                # before a lay phrase with modifiers of its own is two noun phrases side by side, which
                # Dutch never says (and which of them is measured is lost): nothing rather than that
                self._unknown.append(" ".join(u.text for u in mods[k:]))
                failed = True
                continue
            # a kept adjective keeps the term's own ending unless its noun was translated (the
            # gender may have changed); "volledig continent", "geschatte kerntemperatuur" stay
            pre.append((tok.low, phrase.translated and _adjectival(tok.low) and not adverb))
        if failed:
            return None
        head_is_disorder = phrase.head.endswith(DISORDER_HEADS) or phrase.head.endswith(("stoornis", "falen"))
        for word, _ in pre:
            if head_is_disorder and grammar.bare(word) in STATES:
                # "cardiomyopathie hypertrofisch" → "verdikte hartspierziekte": the muscle is thick,
                # not the disease
                self._unknown.append(" ".join(u.text for u in mods))
                return None
            if word in grammar.QUANTITIES and phrase.gender in ("de", "het") and not phrase.head.endswith(("en", "s")):
                # "multipele sclerose" → "meerdere verharding": a count before one thing
                self._unknown.append(" ".join(u.text for u in mods))
                return None
        if phrase.pre and any(adj for _, adj in pre):
            # "neonatale te lage bloedsuiker": an adjective cannot stand before the lay head's own modifiers
            self._unknown.append(" ".join(u.text for u in mods))
            return None
        if side and phrase.bare_noun:
            phrase.head = grammar.compound(side, phrase.head)
            phrase.sided = True
        elif side:
            # "linker olecranon" → "punt van de linkerelleboog": the side joins the body part the
            # lay phrase names, not its first word ("de linker punt van de elleboog")
            m = _side_noun(phrase)
            phrase.post[-1] = phrase.post[-1][: m.start(1)] + grammar.compound(side, m.group(1))
        # "van de longen" before "zonder bekende oorzaak": whose it is stays next to the noun, and so
        # does a side ("… van de dikke darm links via een kijkoperatie", not "… in de buik links")
        said_already = " " + " ".join([phrase.head] + phrase.post)
        # "foetale presentatie": the lay noun says "ligging van de baby" already; "van de baby" again
        # would say it twice (and "van de ongeboren baby" says the same baby)
        after = [a for a in after if not said_already.endswith(" " + a)
                 and not said_already.endswith(" " + a.replace(" ongeboren ", " "))]
        method = any(a.startswith(("via ", "met ", "door ")) for a in after)
        placed = any(_BODY_PLACE.match(a) or a.startswith("van ") and _PERSON_OWNER.fullmatch(a) is None
                     and body_part(_lay_head(a)) for a in after)
        # "cyste in de buik van de baby", "vocht rond het hart van de baby": the baby owns the body
        # part, so its "van" goes after the place; "bloeding onder het harde hersenvlies door letsel":
        # the place is the bleeding's, the cause is said after it
        after.sort(key=lambda text: (not text.startswith("van ") or placed and _PERSON_OWNER.fullmatch(text) is not None,
                                     placed and _PERSON_OWNER.fullmatch(text) is not None,
                                     method and text not in ("links", "rechts"),
                                     placed and text.startswith("door "),
                                     placed and _WHEN_AROUND_BIRTH.match(text) is not None))
        phrase.pre = pre + phrase.pre
        if after and phrase.gender is None and not phrase.translated and phrase.bare_noun \
                and (grammar.adjective_forms(phrase.head) is not None or _PREDICATE.search(phrase.head) is not None) \
                and not grammar.known_noun(phrase.head):
            # "foetale hartslag niet hoorbaar": a finding's last word is its state, not a noun; the
            # adjective's phrase goes with the noun ("hartslag van de baby niet hoorbaar")
            nouns = [i for i, (w, adjectival) in enumerate(phrase.pre)
                     if not adjectival and w not in ("niet", "geen", "wel", "te", "zeer") and grammar.gender(w)]
            if nouns:
                phrase.pre.insert(nouns[-1] + 1, (" ".join(after), False))
                self._adjective_after = self._adjective_after + tuple(after)
                after = []
        many = len(_PREP_WORD.findall(" ".join(phrase.post))) >= 2
        if phrase.object_post and post and phrase.post and (phrase.post[0].split(" ", 1)[0] in ("met", "zonder", "door") or many):
            # "chronische longziekte met vernauwde luchtwegen, GOLD-klasse 3": a grade goes before a
            # place ("graad 2 in de baarmoederhals"), not into a description of the disease
            phrase.post = phrase.post + ([", " + " ".join(u.text for u in post)] if post else []) + after
        elif after and post and _label_name(post[0].low):
            # "chronische longziekte met vernauwde luchtwegen, GOLD-klasse 3": a named scale's grade
            # is said last, after what the disease is
            phrase.post = phrase.post + after + [", " + " ".join(u.text for u in post)]
        elif phrase.object_post and post and (post[0].low in ("stadium", "fase") or post[0].low in LABELS
                                              and phrase.post and phrase.post[0].startswith("van ")):
            # "endometriose stadium III" → "baarmoederslijmvlies buiten de baarmoeder, stadium III":
            # a stage is the disease's, said last, not wedged into its description
            phrase.post = phrase.post + after + [", " + " ".join(u.text for u in post)]
        elif phrase.object_post:
            # a level code belongs to the body part, said last ("vastzetten van wervels L4-L5")
            codes = [u.text for u in post if _CODE.match(u.text)]
            phrase.post = [u.text for u in post if not _CODE.match(u.text)] + phrase.post + after + codes
        elif phrase.head in _TIME_UNIT_NOUNS and len(phrase.pre) >= 2 and phrase.pre[-1][0].isdigit() \
                and not phrase.pre[-2][1] and any(a.startswith("van ") for a in after):
            # "maternale controle 2 dagen na partus": the adjective is the check's, not the days'
            # ("controle van de moeder 2 dagen na de bevalling", not "controle 2 dagen van de moeder")
            owners = [a for a in after if a.startswith("van ")]
            phrase.pre = phrase.pre[:-1] + [(" ".join(owners), False)] + phrase.pre[-1:]
            after = [a for a in after if a not in owners]
            phrase.post = phrase.post + [u.text for u in post] + after
            after = after + owners  # (said, for what follows to know)
        else:
            phrase.post = phrase.post + [u.text for u in post] + after
        self._adjective_after = self._adjective_after + tuple(after)
        phrase.det = det
        if pre or post or after:
            phrase.bare_noun = False
        if wrap is not None and re.search(r"\bdeel van \{", wrap.lay) and (
                not body_part(_lay_head(phrase.head)) or _lay_head(phrase.head).endswith(("opening", "steen", "stenen"))):
            # "ureterolithiasis, proximaal": a part of the lay head is a part of the stone, not of
            # the ureter ("bovenste deel van de steen"); no rule here can move it to the organ (a
            # stone ends like a toe, "s|teen", and an opening like a part: neither is a body part)
            self._unknown.append(wrap.clinical)
            return None
        if wrap is not None:
            for alt in wrap.lay.split("|"):
                if not has_slot(alt):
                    continue
                text = self._fill(alt, phrase)
                if text is not None:
                    # "bovenste deel van het bovenarmbeen": "deel" is the head ("het bovenste deel")
                    words = text.split()
                    cut = next((i for i, w in enumerate(words) if w in PREPOSITIONS and i > 0), len(words))
                    head = words[cut - 1]
                    return Phrase(head, grammar.gender(head), pre=[(w, False) for w in words[:cut - 1]],
                                  post=[" ".join(words[cut:])] if words[cut:] else [],
                                  bare_noun=False, translated=True, object_post=True)
            self._unknown.append(wrap.clinical)
            return None
        return phrase

    # --- heads that take an object ---------------------------------------------------------------
    def _render_template(self, entry: Entry, units: list[Unit], objects, definite: bool) -> str:
        det, mods, head, post = self._parts(units)
        named = [t for u in objects[0][1] for t in u.tokens] if objects else []
        named = named[:next((k for k, t in enumerate(named) if t.text == ","), len(named))]
        if named and all(t.kind == "name" and t.text[:1].isupper() for t in named):  # (not "dubbel-J-katheter")
            # "fractuur van Colles(, rechts)" is a kind of fracture named after a doctor, not a broken "Colles"
            self._unknown.append(f"{entry.clinical} van {' '.join(t.text for t in named)}")
            return ""
        x = self._object(objects) if objects else None
        if objects and x is None:
            return ""
        whole, graded, grade = x, None, None
        if x is not None and x.post:
            # the grade last, or before the object's own phrase ("onderrug categorie 2 bij het heiligbeen")
            said = _TRAILING_LABEL.search(" ".join(x.post)) or _INNER_LABEL.search(" ".join(x.post))
            if said:
                grade = said.group(1)
                joined = " ".join(x.post)
                rest = f"{joined[: said.start()]} {joined[said.end():]}".strip()
                graded = Phrase(x.head, x.gender, pre=list(x.pre), post=[rest] if rest else [], det=x.det,
                                bare_noun=x.bare_noun and not rest, sided=x.sided, articleless=x.articleless,
                                translated=x.translated, object_post=x.object_post)
        for alt in entry.lay.split("|"):
            shape = _alt_shape(alt)
            slotted = shape.slotted
            if slotted != (whole is not None):
                continue
            x, suffix = whole, ""
            if graded is not None and shape.place_slot:
                # "decubitus van sacrum categorie 2": the grade is the wound's, said before its
                # place ("doorligwond categorie 2 aan het heiligbeen"), not the bone's
                x, alt = graded, re.sub(r"^(\w+) ", rf"\1 {grade} ", alt, count=1)
                shape = _alt_shape(alt)
            elif graded is not None and slotted:
                # "… van rectum stadium II": "endeldarmkanker stadium II", "kanker van de
                # endeldarm, stadium II" — the stage is the cancer's, said last
                # ("diabetes type 2" keeps its type close; after a phrase it goes last with a comma)
                x, suffix = graded, (f" {grade}" if shape.glued or grade.startswith("type ") and not graded.post
                                     else f", {grade}")
            if slotted and not shape.noun_first and any(self._stands_before(u) for u in mods):
                continue  # an adjective needs a noun in front to stand before ("open botbreuk van het dijbeen")
            if slotted and x is not None and shape.own:
                rest = grammar.rest_after_part(shape.own[0], x.head.split()[-1])
                if rest:
                    # "gewrichtsslijtage van {de x}" + "het gewricht tussen …": the object is the
                    # compound's own first part, said more precisely ("slijtage van het gewricht …")
                    alt = rest + shape.own[1]
                    shape = _alt_shape(alt)
            if slotted and x is not None and shape.breach and x.head.endswith(DISORDER_HEADS):
                continue  # "gat in de zweer": the hole is in the wall the disorder is in
            if slotted and x is not None and shape.part_of and (x.post or not body_part(x.head.split()[-1])):
                # "resectie van dunne darm": a piece of an organ is cut out; a polyp goes whole, and so
                # does a part the gloss already names ("de laatste bocht van de dikke darm")
                continue
            if slotted and shape.tissue_of and (x is None or x.post or _SIDE_PREFIX.sub("", x.head.split()[-1]) not in _OUTER_REGIONS):
                # "excisie van hals": from a region tissue is cut out; an organ or a lesion goes whole
                continue
            text = self._fill(alt, x) if slotted else alt
            if text is None:
                continue
            text += suffix
            if not slotted and mods and _PHRASE_TAIL.search(alt) and alt.split()[0] in GENERIC_HEADS | {"ziekten", "ziekte"} \
                    and any(self._stands_before(u) for u in mods):
                # "positieve familieanamnese" → never "positieve ziekten in de familie": an adjective of
                # the clinical head cannot stand before a generic lay head with a phrase of its own
                continue
            if not slotted and mods and alt != entry.clinical:
                # "multipele sclerose", "cystische fibrose": a process noun without what it happens to,
                # with a modifier — often a fixed disease name that word-by-word misses
                self._score.append(CONF["bare-process"])
            # the plain rendering ("bloeding van de X", "allergie") is no translation of its own
            said = shape.said
            if said not in (entry.clinical, f"{entry.clinical} {objects[0][0].low}" if objects else entry.clinical):
                self._count(entry)
            adjective = shape.adjective  # "ingezakte {x}", "gebroken {x}"
            if adjective and x is not None and not x.det and not x.articleless and x.gender is not None:
                # "ingezakte {x}", "lekkende {x}": the object is the phrase's noun, and the adjective
                # agrees with it ("ingezakt wervellichaam", "het ingezakte wervellichaam")
                # (after a count: "twee gebroken ribben", never "gebroken twee ribben")
                counted = next((k for k, (w, _) in enumerate(x.pre) if not _is_count(w)), len(x.pre))
                phrase = Phrase(x.head, x.gender, pre=x.pre[:counted] + [(adjective, True)] + x.pre[counted:], post=list(x.post),
                                bare_noun=False, sided=x.sided, translated=True, object_post=True)
            else:
                words = text.split(" ", 1)
                # each alternative's own head sets the gender ("doorbloedingsstoornis" is a de-word
                # where "te weinig bloed" is not)
                gender = grammar.gender(words[0]) if grammar.gender(words[0]) in ("de", "het", "pl") else \
                    entry.article if entry.article in ("de", "het", "pl") else None
                phrase = Phrase(words[0], gender, post=[words[1]] if len(words) > 1 else [], bare_noun=len(words) == 1,
                                translated=True, object_post=slotted, articleless=not slotted and _mass(text))
            phrase = self._modify(phrase, det, mods, post)
            if phrase is None:
                return ""
            out, missing = phrase.text(article=definite)
            if missing:
                self._score.append(CONF["missing-article"])
            return out
        self._unknown.append(head.text if head else entry.clinical)
        return ""

    def _stands_before(self, unit: Unit) -> bool:
        """A modifier that goes before its noun (anything but an adjective said as a phrase after it)."""
        e = unit.entry
        return not (e is not None and e.kind in ("adjective", "qualifier") and (e.article == "post" or e.lay == "-"))

    def _object(self, objects) -> Phrase | None:
        """The object of a template head: the first "van" phrase and its genitive chain, as one phrase."""
        inner = self._template_head(objects[0][1]) if len(objects) > 1 and objects[1][0].low == "van" else None
        if inner is not None and any(" " in alt for alt in inner.lay.split("|") if not has_slot(alt)):
            # "familieanamnese van aneurysma van aorta": the object is itself a head with its own
            # object ("verwijding van de grote lichaamsslagader"), not "verwijding van een bloedvat"
            # with the aorta after it (a head whose plain gloss is one word, "botbreuk", takes its
            # genitive as before)
            text = self._render_template(inner, objects[0][1], objects[1:], False)
            if not text:
                return None
            words = text.split()
            cut = next((i for i, w in enumerate(words) if w in PREPOSITIONS and i > 0), len(words))
            head = words[cut - 1]
            return Phrase(head, grammar.gender(head), pre=[(w, False) for w in words[:cut - 1]],
                          post=[" ".join(words[cut:])] if words[cut:] else [], bare_noun=len(words) == 1,
                          translated=True, object_post=bool(words[cut:]))
        first = self._phrase_or_coord(objects[0][1])
        if first is None:
            return None
        for prep, units in objects[1:]:
            previous = first.head
            # remembered like any noun phrase of the chain: "van linker femur" recurs across a family
            text = self._memo(("np", True, _units_key(units)), self._render_np, units, True)
            if not text:
                return None
            if prep.low != "van":
                first.post.append(f"{self._prep(prep).strip()} {text}")
                first.bare_noun = False
                continue
            # the same rules as a genitive after any phrase ("dwarsuitsteeksel van de wervel" +
            # "van de wervel L3" → "dwarsuitsteeksel van de wervel L3"), on the object said so far
            parts = [" ".join([first.head] + first.post)]
            parts[0], text = _side_to_owner(parts[0], text)
            action, text = self._genitive_after(parts, text, previous)
            if action == "refuse":
                self._unknown.append(f"{previous} van {' '.join(t.text for u in units for t in u.tokens)}")
                return None
            if action == "append":
                parts[0] = f"{parts[0]} van {text}"
            head, _, rest = parts[0].partition(" ")
            if head != first.head:  # "peesontsteking" + "van de achillespees" → "ontsteking …"
                first.head, first.gender = head, grammar.gender(head) or first.gender
            first.post = [rest] if rest else []
            first.bare_noun = first.bare_noun and not rest
        return first

    def _phrase_or_coord(self, units: list[Unit]) -> Phrase | None:
        coords = _split_coordination(units)
        if len(coords) == 1:
            return self._phrase(coords[0])
        text = self._render_np(units, article=True)
        return Phrase(text, None, bare_noun=False, articleless=True) if text else None

    def _fill(self, template: str, x: Phrase) -> str | None:
        m = _SLOT_IN.search(template)
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
            word = grammar.attested_compound(before, x.head) if glued_left else x.head
            if word is not None and glued_right:
                word = grammar.attested_compound(word, after.split(" ")[0])
            if word is None:
                return None  # "luchtpijptakkanker" is no Dutch word: "kanker van de luchtpijptak"
            rest = after.split(" ", 1)[1] if glued_right and " " in after else ("" if glued_right else after)
            return (before if not glued_left else "") + word + ((" " + rest) if rest else "")
        if not kind and _ONE_WORD_SPACE.fullmatch(before) and not after and x.pre and \
                (x.pre[0][0][:1].isdigit() or x.pre[0][0] in NUMBER_WORDS | {"beide", "meerdere"}):
            # "gebroken {x}" + "2 ribben": the count goes first ("2 gebroken ribben")
            count, x.pre = x.pre[0][0], x.pre[1:]
            text, _ = x.text(article=False)
            x.pre.insert(0, (count, False))
            return f"{count} {before}{text}"
        if not kind and _ONE_WORD_SPACE.fullmatch(before) and not after and not x.pre and " " in x.head and \
                _is_count(x.head.split(" ", 1)[0]):
            # the same when the object came as one text ("twee ribben, links": a comma part)
            count, rest = x.head.split(" ", 1)
            return f"{count} {before}{rest}"
        if not kind and before and _ARTICLE_WORD.search(x.head) and x.articleless:
            return None  # "gebroken het spaakbeen en de ellepijp": a coordination takes "van" ("botbreuk van …")
        if kind == "een":
            if x.det:
                return None
            if after and ("," in x.head or x.post and any("," in p for p in x.post) or x.head in _INFINITIVE_HEADS
                          or grammar.verbal_noun(x.head) and not x.pre):
                # "eerder de middenoorontsteking, steeds terugkerend gehad", "eerder vallen gehad": a
                # comma part or a verb inside the template breaks it
                return None
            if x.head == "ziekte" and x.post and re.match(r"van [A-Z]", x.post[0]):
                text, _ = x.text(article=True)  # "eerder de ziekte van Hodgkin gehad": a named disease is one
                return f"{before}{text}{after}"
            text, _ = x.text(article="een")  # "een zakje", but "rode bloedcellen", "kanker"
            return f"{before}{text}{after}"
        article: bool | str = kind == "de"
        head_word = before.split()[-2] if before.endswith(" ") and len(before.split()) >= 2 else ""
        if not kind and x.head in _GIVEN_ONES and not x.det and not x.pre \
                and (_acts_on(head_word) or before.endswith(" met ")):
            # "geven van een vaccin tegen griep", "infuus met een geneesmiddel": one is given (a bare
            # slot suits "zuurstof")
            article = "een"
        if article and not x.det and not x.sided and not x.pre and not x.post and head_word in _ABSENCES \
                and _paired(x.head):
            article = "een"  # "aangeboren ontbreken van een nier": one of a pair, the term says not which
        if article and x.head in _LESIONS and not x.det and not x.sided and before.endswith(" ") \
                and _acts_on(head_word):
            # "openmaken van een diepe ophoping van pus", "wegsnijden van een poliep": what an act is
            # done to is any one of its kind, never a known one ("de poliep" asks "which?")
            article = "een"
        text, missing = x.text(article=article)
        if missing:
            self._score.append(CONF["missing-article"])
        return f"{before}{text}{after}"


@lru_cache(maxsize=1 << 16)  # pure, and asked for every word of every genitive's phrase
def _restates(compound: str, noun: str) -> bool:
    """True when `compound` already contains `noun` (or its stem): "linkerhersenhelft" / "hersenen"."""
    if not compound or not noun or " " in noun or compound == noun:
        return False
    core = _SIDE_PREFIX.sub("", compound.lower())
    stems = {noun, noun[:-2] if noun.endswith("en") else "", noun[:-1] if noun.endswith(("s", "e")) else ""}
    return any(len(st) >= 4 and (core.startswith(st) or core.endswith(st)) for st in stems if st)


# Prepositions of a phrase that can say when or where a participle happened ("voor de geboorte vastgestelde").
_WHEN_WHERE = {"voor", "vóór", "na", "tijdens", "bij", "in", "op", "rond", "rondom", "binnen"}
# Fluids never counted after "met" ("met vruchtwater met poep van de baby", never "met een vruchtwater").
_UNCOUNTED = {"vruchtwater", "bloed", "urine", "slijm", "pus", "vocht", "speeksel", "zweet"}
# Latin parts of a bone that SNOMED puts after a comma ("fractuur van scapula, corpus").
_BONE_PARTS = {"collum", "corpus", "caput", "basis", "apex", "cauda", "diafyse", "epifyse", "metafyse", "schacht",
               "acromion", "processus coracoideus", "tuberculum majus", "tuberculum minus", "olecranon"}
_PHRASE_TAIL = re.compile(r" (?:in|van|bij|op|aan|met) ")
# Depths, which are of a body part, never of an act done to it.
_DEPTHS = {"oppervlakkig", "diep"}
# What a comma part may say of a structure's side ("structuur van long, rechts").
_SIDE_WORDS = {"links", "rechts", "linker", "rechter", "beiderzijds", "bilateraal", "dubbelzijdig", "beide", "zijden"}


def relative_agreement(text: str) -> str:
    """"hoog cholesterol die in de familie voorkomt" → "… dat …": the clause after the term's own
    noun agrees with it, a het-word taking "dat" (ANS § 5.8.3.1). Only the first noun, after its
    adjectives: a later "die" may belong to another noun."""
    m = re.match(r"((?:\w+ )*?)(\w+) die ", text)
    if m is None or grammar.gender(m.group(2)) != "het" or m.group(2).endswith("en") or \
            not all(w == "te" or grammar.adjective_forms(w) for w in m.group(1).split()):
        return text
    return f"{m.group(1)}{m.group(2)} dat {text[m.end():]}"


def _part_of_bone(tokens: list[Token]) -> list[Token]:
    """"fractuur van mandibula, collum, links" → the tokens of "fractuur van collum van mandibula,
    links": SNOMED names the part of a bone after a comma; a patient hears the part of the bone
    ("botbreuk van de hals van de onderkaak"), never a loose "…, hals"."""
    commas = [k for k, t in enumerate(tokens) if t.text == ","]
    if not commas or commas[0] < 2 or tokens[commas[0] - 2].low != "van" or commas[0] + 1 >= len(tokens):
        return tokens
    k = commas[0]
    part = tokens[k + 1]
    if part.low not in _BONE_PARTS or (k + 2 < len(tokens) and tokens[k + 2].text != ","):
        return tokens
    return tokens[:k - 1] + [part, Token("van", "van", "word"), tokens[k - 1]] + tokens[k + 2:]


def _unknown_label(tokens: list[Token]) -> list[Token]:
    """"decubitus van onbekende categorie" → the tokens of "decubitus, categorie onbekend": a grade
    not known is said of the label, not read as a place ("aan de onbekende categorie")."""
    for k in range(len(tokens) - 2):
        if tokens[k].low == "van" and tokens[k + 1].low in ("onbekende", "onbekend") and tokens[k + 2].low in LABELS:
            label = tokens[k + 2]
            return tokens[:k] + [Token(",", ",", "punct"), label, Token("onbekend", "onbekend", "word")] + tokens[k + 3:]
    return tokens


def both_sides(text: str, term: str) -> str:
    """"vochtophoping van de enkel aan beide kanten" → "vochtophoping van beide enkels": of a paired
    body part, both sides are both of them (one ankle has no two sides). Unchanged otherwise, and
    where the term says the phrase itself ("hoortoestel in het oor, bilateraal" is a kind of aid)."""
    tail = re.search(r",? aan beide kanten$", text)
    if tail is None:
        return text
    bare = re.fullmatch(r"(\w+)", text[:tail.start()])
    if bare and (body_part(bare.group(1), exact=True) or bare.group(1) in ("schouder", "enkel")) \
            and bare.group(1) not in UNPAIRED and not bare.group(1).endswith(ONE_WITH_TWO_SIDES) \
            and (many := _plural(bare.group(1))) is not None:
        return f"beide {many}"  # "sinus maxillaris, bilateraal": "beide kaakholtes"
    organ = _EYE_TERM.search(term) and "ogen" or _EAR_TERM.search(term) and "oren"
    if organ and not any(body_part(w, exact=True) for w in re.findall(r"\w+", text[:tail.start()])):
        # "cataract, bilateraal": a disorder of the eye said without it is of both eyes ("staar, in
        # beide ogen"), not of some two sides
        return f"{text[:tail.start()]}{tail.group(0)[:-len('aan beide kanten')]}in beide {organ}"
    parts = list(re.finditer(r"\b(van|in|aan|op) (?:de|het) (\w+)", text))
    if len(parts) != 1 or not (body_part(parts[0].group(2)) or parts[0].group(2) in ("schouder", "enkel")) \
            or parts[0].group(2) in UNPAIRED or parts[0].group(2).endswith(ONE_WITH_TWO_SIDES) \
            or parts[0].group(2) in ("gehoor", "zicht", "evenwicht"):  # a sense is no pair ("beide gehoren")
        return text
    many = _plural(parts[0].group(2))
    if many is None or parts[0].group(0) in term:
        return text
    m = parts[0]
    return f"{text[:m.start()]}{m.group(1)} beide {many}{text[m.end():tail.start()]}"


# Disorders of the eye or the ear by their clinical words: "bilateraal" is then both eyes or ears.
_EYE_TERM = re.compile(r"cataract|glaucoo?m|myopie|hypermetropie|astigmatisme|presbyopie|amblyopie|strabism|"
                       r"retin|macula|cornea|kerat|conjunctiv|uve[iï]t|iridocycl|chorioid|blefar|ptosis|oog|ogen|ocul|opht")
_EAR_TERM = re.compile(r"\bot(?:itis|osclerose|algie)|gehoor|slechthorend|doofheid|tinnitus|oorsuizen|cholesteatoom|"
                       r"\boor\b|\boren\b|auris|tympan")


@lru_cache(maxsize=4096)
def _plural(noun: str) -> str | None:
    """The plural of a lay noun ("enkel" → "enkels", "oog" → "ogen", "knie" → "knieën") by the
    spelling rules of the Woordenlijst (unstressed -el/-er/-em take -s; a long vowel written double
    is written single before -en; a short one doubles the consonant; s/f become z/v after a long
    vowel), when word frequency knows the result; None otherwise."""
    if noun.endswith("ier"):
        plural = noun + "en"  # "nieren": a stressed -ier
    elif noun.endswith(("el", "er", "em", "je")):
        plural = noun + "s"
    elif noun.endswith("ie"):
        plural = noun + "ën"
    elif noun.endswith("e") and not noun.endswith("ee"):
        # "holtes", "ziekten": the form the word list knows, the more frequent first
        plural = max((c for c in (noun + "s", noun + "n") if noun in grammar.singulars(c)), key=zipf, default=noun + "s")
    elif re.search(r"(aa|ee|oo|uu)[^aeiou]$", noun):
        plural = noun[:-2] + noun[-1] + "en"
    elif re.search(r"(ie|ei|ij|ui|ou|eu|oe)[sf]$", noun):
        plural = noun[:-1] + {"s": "z", "f": "v"}[noun[-1]] + "en"
    elif re.search(r"[^aeiou][aeiou][bdgklmnprt]$", noun):
        plural = noun + noun[-1] + "en"
    else:
        plural = noun + "en"
    if noun in grammar.singulars(plural) and zipf(plural) >= 1.0:
        return plural
    # a compound takes its last part's plural ("onderbeen" → "onderbenen")
    return next((noun[:k] + last for k in range(3, len(noun) - 2)
                 if grammar.gender(noun[k:]) in ("de", "het") and (last := _plural(noun[k:])) is not None), None)


def _is_count(word: str) -> bool:
    """A cardinal number, in digits or words ("2", "twee", "meerdere"): said before any adjective."""
    return word.isdigit() or word in NUMBER_WORDS or word in ("meerdere", "enkele", "vele")


def _mass(lay: str) -> bool:
    """A substance, activity or shortage that a patient reads without an article ("door ijzertekort",
    "meten van C-reactieve proteïne")."""
    return lay in MASS or lay.split(" ")[0] in MASS or _lay_head(lay) in MASS or lay.split(" ")[0].endswith(MASS_ENDINGS) \
        or _lay_head(lay).endswith(MASS_ENDINGS) or _SUBSTANCE.search(_lay_head(lay)) is not None \
        or _TE_DEGREE.match(lay) is not None  # "bij te veel bilirubine"


def _side_noun(phrase: Phrase) -> re.Match | None:
    """The body part at the end of a lay phrase's own genitive ("punt | van de elleboog"), where a
    side belongs; None when there is none, or when it is one organ ("in de balzak links", not
    "in de linkerbalzak")."""
    m = _OWN_GENITIVE.search(phrase.post[-1]) if phrase.post else None
    return m if m is not None and m.group(1) not in UNPAIRED else None


def _label_after_phrase(units: list[Unit]) -> list[Unit]:
    """"Graad 3 neutropenie door chemotherapie" → the units of "neutropenie graad 3 door …" when the
    head's lay text is a phrase no label can stand before ("te weinig witte bloedcellen"): the grade
    follows what it grades. Unchanged otherwise ("type 2 diabetes" stays)."""
    if len(units) < 3 or units[0].low not in LABELS or units[1].token.kind != "number" and not ROMAN.match(units[1].low):
        return units
    e = units[2].entry
    if e is None or e.lay.split(" ", 1)[0] not in ("te", "geen", "niet", "weinig", "veel"):
        return units
    k = next((k for k in range(3, len(units)) if units[k].role in ("prep", "conj")), len(units))
    return units[2:k] + units[:2] + units[k:]


def _comma_course_first(units: list[Unit]) -> list[Unit]:
    """"pyelonefritis, acuut" → the units of "acuut pyelonefritis": a one-word qualifier SNOMED says
    after a comma goes before its noun in Dutch ("acute nierbekkenontsteking"), where the noun is
    one phrase without a preposition; otherwise the comma stays ("… van de knieschijf, steeds terugkerend")."""
    if len(units) < 3 or units[1].role != "conj" or units[1].token.text != ",":
        return units
    qualifier = units[2]
    e = qualifier.entry
    if e is None or e.kind not in ("adjective", "qualifier") or e.article != "pre" or e.lay == "-" \
            or e.lay in SIDES or len(qualifier.tokens) != 1 or units[0].role == "prep":
        return units
    rest = units[3:]
    if rest and not (rest[0].role == "conj" and rest[0].token.text == ","):
        return units
    if len(rest) > 1 and rest[1].role == "prep":
        rest = rest[1:]  # "appendicitis, acuut, met perforatie" → "acute blindedarmontsteking met een gat"
    return [qualifier, units[0]] + rest


def _side_to_owner(before: str, genitive: str) -> tuple[str, str]:
    """("binnenkant", "de rechterknie") for ("rechterbinnenkant", "de knie"): a side glued to a region
    word ("rechter mediale zijde van knie") is the body part's that follows, not the region's; of one
    organ the part keeps its own side ("rechterdeel van de lever"). Unchanged otherwise."""
    region = _SIDED_REGION.search(before)
    owner = _ARTICLE_AND_NOUN.fullmatch(genitive)
    if region and owner and body_part(owner.group(2)) and owner.group(2) not in UNPAIRED \
            and not owner.group(2).startswith(("linker", "rechter")):
        return (before[: region.start(1)] + before[region.end(1):],
                f"{owner.group(1)} {grammar.compound(region.group(1), owner.group(2))}")
    return before, genitive


def _side_only(units: list[Unit]) -> str | None:
    """"links" or "rechts" for a phrase that says only a side ("linker zijde", "rechter kant"), else None."""
    words = [t.low for u in units for t in u.tokens]
    if len(words) == 2 and words[0] in ("linker", "rechter") and words[1] in ("zijde", "kant"):
        return "links" if words[0] == "linker" else "rechts"
    return None


def _names_place(place: list[str], noun: str) -> bool:
    """True when `noun` ("linkerbeen") names a place a lay phrase gives more generally — one of its
    nouns, singular or plural ("in het oog", "in de armen en benen")."""
    nouns = {noun} | grammar.singulars(noun)  # "beide ogen" names "het oog"
    # ... but a place more precise than the noun stays ("in het binnenoor" is not "in beide oren")
    return any(len(form) >= 3 and (n.endswith(form) or grammar.shared_head(form, n))
               and not (form != (core := re.sub(r"^(linker|rechter)(?=\w{2})", "", n)) and form.endswith(core))
               for word in place if word not in ("de", "het", "een", "en", "of")
               for form in {word} | grammar.singulars(word) for n in nouns)


def _only_noun(text: str) -> bool:
    """A genitive that says nothing but its noun ("de hersenen"), which a compound before it can
    already say; "de laatste bocht van de dikke darm" says more and stays."""
    words = text.split()
    return len(words) - (words[0] in ("de", "het", "een") if words else 0) == 1


def _units_key(units: list[Unit]) -> tuple:
    """What a noun phrase's rendering depends on: each unit's role, lexicon entry and tokens."""
    return tuple([u.key for u in units])


class _AltShape(NamedTuple):
    """What `_render_template` asks of one template alternative, worked out once per text."""
    slotted: bool
    place_slot: bool          # "doorligwond aan {de x}": a grade goes after the head word
    glued: bool               # "{x}kanker": a compound
    noun_first: bool          # "botbreuk van {de x}": an adjective can stand before its noun
    own: tuple[str, str] | None  # ("gewrichtsslijtage", " van {de x}") for the rest-after-part rule
    breach: bool              # "gat in {de x}": of a wall, never of a disorder
    part_of: bool             # "verwijderen van een deel van {de x}": of a body part, never of a lesion
    tissue_of: bool           # "wegsnijden van weefsel uit {de x}": of a region no one removes whole
    adjective: str | None     # "ingezakte" of "ingezakte {x}", "gebroken" of "gebroken {x}"
    said: str                 # the alternative without its slot ("bloeding van de")


@lru_cache(maxsize=1 << 12)
def _alt_shape(alt: str) -> _AltShape:
    own = re.match(r"(\w+)( (?:van|in|aan) \{(?:de |een )?x\}.*)", alt)
    adjective = re.fullmatch(r"(\w+e|ge\w+en) \{x\}", alt)
    return _AltShape(has_slot(alt), re.match(r"\w+ (?:aan|in|op|bij) \{", alt) is not None,
                     re.search(r"\w\{|\}\w", alt) is not None,
                     re.match(r"^\w+ (van|in|aan|op|bij|met|voor|tegen|door) \{(de |een )?x\}", alt) is not None,
                     (own.group(1), own.group(2)) if own else None,
                     re.match(r"(gat|scheur|breuk|binnenkant|wand) ", alt) is not None,
                     re.search(r"\been deel van \{", alt) is not None,
                     re.search(r"\bweefsel uit \{", alt) is not None,
                     adjective.group(1) if adjective else None,
                     re.sub(r"\s*\{(?:de |een )?x\}\s*", " ", alt).strip())


def _quantity(units: list[Unit]) -> bool:
    """A measure, not an object: "van 2 cm", "van meer dan 3 cm" ("gezwel van 2 cm", never "in 2 cm")."""
    if not units or units[0].low in ("meer", "minder"):
        return bool(units)
    return (units[0].token.kind == "number" or units[0].low in NUMBER_WORDS) and len(units) > 1 and units[1].low in UNITS


def _article_after(prep: Unit | None) -> bool | str:
    """The article a noun phrase takes after `prep`: True (definite), "een" or False (none)."""
    if prep is None or _lay_prep(prep) in BARE_AFTER:
        return False
    return "een" if _lay_prep(prep) in INDEFINITE_AFTER else True


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


# States of a body part, never of a disorder ("verdikte hartspier", not "verdikte hartspierziekte").
STATES = {"verdikt", "vergroot", "verwijd", "vernauwd", "verkleind", "verkalkt", "verzakt", "ingeklemd", "verstopt",
          "gezwollen", "verslapt", "verschrompeld", "verlengd", "verkort"}
# Positions, which need a noun to mean anything: a term that is only one gets no proposal.
POSITION_WORDS = {"voorste", "achterste", "bovenste", "onderste", "middelste", "binnenste", "buitenste", "linker",
                  "rechter", "zijdelingse", "bovenkant", "onderkant"}
# A finding that begins with its subject and a finite verb ("medicatie wordt door mantelzorger klaargezet").
_PLURAL_VERB = {"wordt": "worden", "is": "zijn", "heeft": "hebben", "kan": "kunnen", "moet": "moeten", "zal": "zullen",
                "blijft": "blijven", "werd": "werden", "was": "waren"}
_BODY_PLACE = re.compile(r"(?:in|rond|onder|op|aan|boven|achter|tussen) (?:de|het) (?!(?:geboorte|bevalling|zwangerschap)\b)")
_WHEN_AROUND_BIRTH = re.compile(r"(?:rond|na|voor|tijdens|vóór) (?:de )?(?:geboorte|bevalling|zwangerschap)\b")
_PERSON_OWNER = re.compile(r"van (?:de|het|een) (?:ongeboren )?(?:baby|moeder|pasgeborene|kind|vrouw|vader)")


# SNOMED CT's semantic tags (Dutch edition and international), said last in an FSN: "(bevinding)".
_TAGS = ("aandoening", "bevinding", "verrichting", "lichaamsstructuur", "waarneembare entiteit", "situatie",
         "gebeurtenis", "morfologische afwijking", "regime/therapie", "kwalificatiewaarde", "fysiek object",
         "substantie", "disorder", "finding", "procedure", "body structure", "observable entity", "situation",
         "event", "morphologic abnormality", "regime/therapy", "qualifier value", "physical object", "substance",
         # the rest of the hierarchies' tags (SNOMED CT Editorial Guide, semantic tags; the Dutch edition's words)
         "gegevensobject", "beoordelingsschaal", "organisme", "omgeving", "geografische locatie", "sociaal concept",
         "persoon", "beroep", "etnische groep", "materiaal", "attribuut", "product", "medicinaal product",
         "klinisch geneesmiddel", "stadiëring", "fysieke kracht", "cel", "celstructuur", "levensstijl",
         "record artifact", "assessment scale", "organism", "environment", "geographic location", "social concept",
         "person", "occupation", "ethnic group", "specimen", "attribute", "product", "medicinal product",
         "clinical drug", "tumor staging", "staging scale", "physical force", "cell", "cell structure", "life style")
_SEMANTIC_TAG = re.compile(rf"\s*\((?:{'|'.join(re.escape(t) for t in _TAGS)})\)?\s*$", re.IGNORECASE)
_TAG_ENDS = tuple(_TAGS) + tuple(t + ")" for t in _TAGS)
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]{2,8});")  # "&amp;", "&#39;": HTML escaped twice
_bare_infinitive = grammar.bare_infinitive
_verb_said = grammar.verb_said
# Body parts a body has two or more of.
_MANY_PARTS = frozenset({"been", "arm", "nier", "long", "oog", "oor", "hand", "voet", "vinger", "teen", "duim", "eierstok",
                         "eileider", "teelbal", "zaadbal", "borst", "tepel", "bijnier", "knie", "heup", "schouder",
                         "elleboog", "pols", "enkel", "rib", "tand", "kies", "ooglid", "wang", "bil", "dij", "kuit",
                         "onderarm", "bovenarm", "onderbeen", "bovenbeen", "urineleider", "traanklier", "speekselklier",
                         "bijschildklier", "wervel", "halswervel", "borstwervel", "lendenwervel", "gewricht", "spier",
                         "pees", "zenuw", "ader", "slagader", "lymfeklier", "hersenkamer", "hartklep", "klep"})
# Things given one at a time: counted after an act whose slot is bare for substances ("geven van {x}").
_GIVEN_ONES = frozenset({"vaccin", "injectie", "prik", "zetpil", "tablet", "pil", "infuus", "klysma", "transfusie",
                         "bloedtransfusie", "spuit", "bloedproduct", "geneesmiddel", "medicijn", "pleister", "dosis",
                         "antibioticum"})
# Heads saying a body part is missing: of a pair, it is one of them ("afwezigheid van een been").
_ABSENCES = frozenset({"afwezigheid", "ontbreken"})
# Growths and lesions: one of its kind when an act is done to it ("wegsnijden van een poliep").
_LESIONS = frozenset({"poliep", "poliepen", "cyste", "ophoping", "abces", "gezwel", "afwijking", "wrat", "zweer", "knobbel",
                      "bult", "steen", "stolsel", "bloedstolsel", "fistel", "moedervlek", "voorwerp", "tumor", "vleesboom",
                      "verdikking", "zwelling", "etterbuil", "litteken", "blaar", "puist"})
# Words of degree that may stand before a lay phrase's own modifiers ("veel te snelle hartslag").
_DEGREE_ADVERBS = frozenset({"veel", "iets", "niet", "wat", "nog", "zeer", "erg", "heel", "vrij", "licht", "sterk"})
# Nouns that count or sort what follows them, said before it ("aantal ongeboren baby's", "type bevalling").
_COUNTING_NOUNS = frozenset({"aantal", "hoeveelheid", "type", "soort", "vorm", "mate", "graad", "stadium", "fase", "klasse",
                             "categorie", "groep", "score", "niveau", "status", "deel", "gedeelte", "paar", "reeks"})
# Endings of Dutch nouns a gender list may lack ("basishartfrequentie", "ademhalingsbeweging").
_NOUN_ENDINGS = ("ie", "ing", "heid", "teit", "isme", "ose", "ase", "uur", "ij")
_YES_NO = re.compile(r"\( ?(?:y|yes) ?/ ?(?:n|no) ?\)", re.IGNORECASE)
_SAME_BOTH_SIDES_OF_SLASH = re.compile(r"(?<![\w-])([\w-]+(?: [\w-]+){0,3}) ?/ ?\1(?![\w-])")
_TIME_UNIT_NOUNS = frozenset({"dag", "dagen", "week", "weken", "maand", "maanden", "jaar", "jaren", "uur", "uren",
                              "minuut", "minuten"})
_SINGULAR_VERB = re.compile(rf"^((?:de |het )?(\w+)) ({'|'.join(_PLURAL_VERB)})\b")
# A side glued to a region word, not a body part: "rechterbinnenkant", "linkergebied" (the side is the owner's).
_SIDED_REGION = re.compile(rf"\b(linker|rechter)(?:{'|'.join(REGION_WORDS)})$")  # not "rechterdeel van de lever": a part of one organ has its own side
_RELATIVES = {"die", "dat", "waarvan", "waarbij", "waarin", "waar", "wat"}
# Words that open a clause inside a term ("tijdstip waarop …", "manier waarop …").
_CLAUSE_WORDS = _RELATIVES | {"waarop", "waarmee", "waardoor", "waarna", "waaraan", "waaruit", "waarover",
                              "waarvoor", "waarnaar", "hoe", "wanneer", "welke"}
# Heads whose "van" names a symptom, said without article ("klachten van kortademigheid").
_COMPLAINTS = {"klachten", "klacht", "last", "verschijnselen", "symptomen", "tekenen"}
_SIDE_LAST = re.compile(r" (links|rechts)$")
# A grade or stage said last in a phrase: "… categorie 2", "… stadium IIIC".
_TRAILING_LABEL = re.compile(rf"(?:^| )((?:{'|'.join(sorted(LABELS))}) [\w-]+)$")
_INNER_LABEL = re.compile(rf"^((?:{'|'.join(sorted(LABELS))}) [\w-]+)(?= (?:{'|'.join(sorted(PREPOSITIONS))}) )")
# The phrases of a rendered lay text, for placing a genitive (`Renderer._genitive_after`).
_PREPS_BUT_VAN = "|".join(sorted(PREPOSITIONS - {"van"}))
# First words of the lexicon's lay prepositions of more than one word ("samen met", "vergeleken met").
_PREP_LEADS = frozenset({"samen", "vergeleken", "voorafgaand"})
_INNER_PREP = re.compile(rf" ({_PREPS_BUT_VAN}) ")
# its words end before the space of the next phrase, so each phrase is found ("rond het stijgbeugeltje",
# then "in het oor")
_PREP_PHRASE = re.compile(rf" ({_PREPS_BUT_VAN}) (\w+(?: (?!(?:{_PREPS_BUT_VAN}) )\w+)*)")
_PLACE_WORD = re.compile(rf"\b(?:{'|'.join(sorted(LOCATIONS))}) (?:de |het |een )?(\w+)")
# Lay heads of disorders: a disorder is never a body part's place or owner.
DISORDER_HEADS = ("ontsteking", "infectie", "zweer", "zweren", "gezwel", "kanker", "aandoening", "ziekte")
# A stage with its sub-stage: "stadium IIIC", "IIb".
_STAGE = re.compile(r"(?:i{1,3}|iv|v|vi{1,3}|ix|x)[a-c]")
# A level or segment code after its noun: "tussenwervelschijf L4-L5", "wervel C7", "segment S1-S2".
_CODE = re.compile(r"^[A-Z]{1,2}\d{1,2}(?:-[A-Z]{0,2}\d{1,2})?$")


@lru_cache(maxsize=1 << 14)  # pure, and asked for every word of every genitive
def _code_or_label(word: str) -> bool:
    """A level code, number, Roman numeral, stage or label word ("L3", "2", "IV", "IIIb", "graad"), not a noun."""
    return bool(_CODE.match(word) or word[:1].isdigit() or ROMAN.match(word.lower())
                or _STAGE.fullmatch(word.lower()) or word.lower() in LABELS)


_INFINITIVE_HEADS = {"vallen", "roken", "drinken", "eten", "slapen", "braken"}
# Lay heads of a disease: after a name and a hyphen the name is the disease's ("Erb-parese").
_DISEASE_TAILS = ("verlies", "verlamming", "ontsteking", "ziekte", "syndroom", "afwijking", "stoornis", "zwakte",
                  "kanker", "gezwel", "misvorming", "verschijnsel", "ophoping", "zwelling")  # "Reinke-oedeem"
# Looking for something: what follows "op" is any case of it ("screening op kanker").
# Injury heads a lay body part is compounded with ("heupfractuur", "schouderluxatie", "knieabces").
INJURY_HEADS = {"fractuur", "luxatie", "subluxatie", "distorsie", "contusie", "ruptuur", "abces"}
_INJURY_ENDINGS = tuple(INJURY_HEADS)  # for str.endswith: a word without one of these splits into no injury
_JOINTS = {"schouder", "enkel", "kaak"}  # body parts the anatomy lexicon names only inside compounds
# Words that make an injury compound more than its part's injury: a direction, a count, a part of it.
_INJURY_GUARDS = {"anterior", "posterior", "anterieur", "anterieure", "posterieur", "posterieure", "voorste", "achterste",
                  "inferior", "inferieure", "superior", "superieure", "mediaal", "mediale", "lateraal", "laterale",
                  "meervoudig", "meervoudige", "multipel", "multipele", "distale", "distaal", "proximale", "proximaal"}
# A preposition and a noun that Dutch says as one fixed expression, without an article.
BARE_IDIOMS = {("onder", "controle"), ("onder", "toezicht"), ("onder", "narcose"), ("onder", "behandeling"),
               ("in", "behandeling"), ("in", "rust"), ("in", "remissie"), ("in", "verwachting"), ("op", "recept"),
               ("op", "afspraak"), ("op", "tijd"), ("op", "indicatie"), ("naar", "huis"), ("aan", "huis"),
               ("in", "bad"), ("op", "bed"), ("in", "bed"), ("te", "bed"), ("op", "school"), ("naar", "school"),
               ("op", "reis"), ("in", "dienst"), ("in", "therapie"), ("in", "gebruik"), ("op", "initiatief"),
               ("van", "hoogte"), ("op", "verzoek"), ("op", "voorraad"), ("in", "voorraad"), ("op", "advies"),
               ("op", "verwijzing"), ("in", "afwachting"), ("in", "overleg"), ("na", "overleg"), ("op", "voorschrift"),
               ("op", "termijn"), ("op", "proef"), ("in", "opname"), ("in", "conditie"), ("onder", "doorlichting"),
               ("onder", "verdoving"), ("onder", "echogeleide"), ("onder", "geleide")}
# Their nouns of eight letters or more, per preposition: a compound on one is as bare ("onder
# röntgendoorlichting"); shorter ones are parts of too many compounds ("in het medicijngebruik").
_BARE_IDIOM_TAILS = {prep: tuple(n for p, n in BARE_IDIOMS if p == prep and len(n) >= 8) for prep, _ in BARE_IDIOMS}
# …that stay bare before a genitive too: "op verzoek van de vrouw", "onder toezicht van een arts".
_BARE_WITH_GENITIVE = {("op", "verzoek"), ("onder", "toezicht"), ("onder", "behandeling"), ("op", "advies"),
                       ("op", "verwijzing"), ("in", "afwachting"), ("op", "voorschrift")}
# Participles and adjectives of a skill: what follows "in" is a field, said bare.
_SKILLED = frozenset({"gespecialiseerd", "deskundig", "ervaren", "geschoold", "opgeleid", "getraind", "bekwaam"})
_SEARCHES = {"controle", "screening", "test", "onderzoek", "waarneming", "bewaking", "testen", "controleren", "onderzoeken"}
# What would show a disease: after them it is any case of it ("aanwijzingen voor kanker").
_EVIDENCE = {"aanwijzing", "aanwijzingen", "verdenking", "vermoeden", "teken", "tekenen", "kenmerken", "bewijs"}
# "de ziekte van Bechterew": one disease by its name, never "een ziekte van …".
_EPONYM_NAMED = re.compile(rf"de ({'|'.join(sorted(EPONYM_HEADS))}) van [A-Z]")
# A device a patient has placed ("kunstknie", "pacemaker", "maagsonde"): what "status na" follows is its placing.
_DEVICE = re.compile(r"^kunst\w{3,}|(prothese|implantaat|pacemaker|stent|shunt|katheter|sonde|drain|pomp|defibrillator|spiraal)$")
_CANCER = re.compile(r"(carcinoom|sarcoom|melanoom|kanker|tumor|neoplasma|lymfoom|blastoom|seminoom|myeloom)$")


def _names_cancer(units: list[Unit]) -> bool:
    """ "metastase in peritoneum | van ovariumcarcinoom": a cancer after a site is the metastasis's
    origin, not the site's owner ("uitzaaiing van eierstokkanker in het buikvlies")."""
    return any(_CANCER.search(t.low) for u in units for t in u.tokens)


_SIDE_TAIL = re.compile(r",? (links|rechts)$")

# Patterns the renderer matches for every phrase of every term, compiled once (each is the string
# pattern it replaces, written where it is used; the re module's own cache costs a lookup a call).
_DE_HET = re.compile(r"(de|het) ")
_ARTICLED = re.compile(r"(de|het|een|geen) ")
_PERSON_WITH = re.compile(r"de \w+ met ")
_CLOTS = ("bloedstolsel", "stolsel", "bloedprop")
# "The whole" keeps its -e ("het hele gezicht"; bare, "geheel gezicht" reads as an intact face), and
# before a het-noun its article (reading 54: "hele gezicht" read as broken).
_WHOLE = frozenset({"hele", "gehele"})
# Adjectives that make their noun one of its kind, not a known one ("aan een oud litteken", "na een
# eerdere keizersnede").
_ONE_OF_MANY = frozenset({"oud", "oude", "eerder", "eerdere"})
# A text that ends in a relative clause: "de placenta die … in de baarmoeder blijft zitten".
_ENDS_IN_CLAUSE = re.compile(r"\b(?:die|dat) (?:[\w-]+ )*[\w-]+$")
_ARTICLE_NOUN = re.compile(r"(?:de|het|een) (?:eigen )?\w+")
# An article, inflected adjectives, a noun: "de slechte conditie", "de Montevideo-eenheden".
_ARTICLE_ADJ_NOUN = re.compile(r"(?:de|het|een) (?:eigen )?(?:\w+e )*[\w-]+")
# Units a measure is said in, after "in": "in Montevideo-eenheden", "in centimeters" (bare); only
# the unit words themselves, never a compound on them ("in de drukpunten" keeps its article).
_UNIT_TAILS = ("eenheid", "eenheden")
_UNIT_NOUNS = frozenset({"meters", "centimeters", "millimeters", "liters", "milliliters", "grammen", "graden", "punten"})


def _bare_idiom(prep: str, noun: str) -> bool:
    """A preposition and a noun said without an article: a fixed expression (BARE_IDIOMS; a compound
    on one of its nouns of eight letters or more: "onder röntgendoorlichting"), or a unit after "in"."""
    low = noun.lower()
    if (prep, low) in BARE_IDIOMS:
        return True
    if prep == "in" and (low.endswith(_UNIT_TAILS) or low in _UNIT_NOUNS):
        return True
    return low.endswith(_BARE_IDIOM_TAILS.get(prep, ()))
_LEADING_ARTICLE = re.compile(r"^(de|het|een) ")
_TOOL = re.compile(r"(?:een |de |het )?(\w{4,})")
_ARTIFICIAL = re.compile(r"\bkunst\w{3,}")
_AT_HEIGHT = re.compile(r"(?:de|het) \w+hoogte")
_VERB_PHRASE = re.compile(r"(\w+) (\w+en)")
_COMMA_PARTS = re.compile(r"(?:, [^,]+)+$")
_TE_ADJ_NOUN = re.compile(r"te \w+ \w+$")
_OWNER_LAST = re.compile(r" van (?:de|het) (\w{4,})$")
_SIDED_NOUN = re.compile(r"(linker|rechter)?(\w{3,})")
_CLAUSE = re.compile(r" (?:waar|waarbij|die|dat) ")
_DE_OR_HET_NOUN = re.compile(r"de |het \w+$")
_PREP_WORD = re.compile(r"\b(?:van|in|op|aan|naar|door|met|bij|uit|tussen|rond)\b")
_SLOT_IN = re.compile(r"\{(de |een )?x\}")
_ONE_WORD_SPACE = re.compile(r"\w+ ")
_ARTICLE_WORD = re.compile(r"\b(de|het|een) ")
_TE_DEGREE = re.compile(r"te (veel|weinig|hoge?|lage?|snelle?|trage?|grote?|kleine?|dikke?|dunne?) ")
_OWN_GENITIVE = re.compile(r"^(?:van|in|aan) (?:de|het) (\w+)$")
_ARTICLE_AND_NOUN = re.compile(r"(de|het) (\w+)")
_SIDE_PREFIX = re.compile(r"^(linker|rechter)")
_COMMA_LABEL = re.compile(rf",? (?:{'|'.join(sorted(LABELS))}) [\w-]+$")


@lru_cache(maxsize=1 << 12)
def _own_preps(lay: str) -> frozenset[str]:
    """The prepositions a template's slot takes ("allergie voor {x}" → voor), per lay text."""
    return frozenset(m.group(1) for m in re.finditer(r"(\w+) \{(?:de |een )?x\}", lay))
_LATIN_ADJECTIVE_ENDINGS = ("eus", "euze", "eum", "osus", "osa", "osum", "alis", "aris", "icus", "ica", "icum")
_COMPARATIVES = {"langer", "korter", "hoger", "lager", "meer", "minder", "groter", "kleiner", "vaker", "zwaarder", "lichter"}


def _is_post(unit: Unit) -> bool:
    tok = unit.token
    if unit.entry is not None:
        return False
    return (tok.kind == "number" or ROMAN.match(tok.low) is not None and len(unit.tokens) == 1
            or _STAGE.fullmatch(tok.low) is not None and len(unit.tokens) == 1
            or (tok.kind in ("name", "abbr") and (len(tok.text) <= 2 or _CODE.match(tok.text) is not None
                                                  or _label_name(tok.low))))


def _label_name(word: str) -> bool:
    """A named scale's label: "GOLD-klasse", "NYHA-klasse", "Gleason-score"."""
    return "-" in word and word.rsplit("-", 1)[-1] in LABELS


_FUNCTION_WORDS = {"te", "de", "deze", "die", "geen", "alle", "beide", "enkele", "meerdere", "elke", "weinige", "vele",
                   "andere", "zelfde", "hele", "halve", "welke", "sommige", "zulke", "onze", "jouwe", "mijne"}


# Outer regions of the body: cut out of, never cut away whole ("wegsnijden van weefsel uit de hals").
_OUTER_REGIONS = {"hals", "nek", "rug", "onderrug", "buik", "bovenbuik", "onderbuik", "borst", "borstkas", "lies", "oksel",
                  "bil", "hoofd", "gezicht", "schouder", "flank", "romp", "hoofdhuid", "bovenbeen", "onderbeen",
                  "bovenarm", "onderarm", "knie", "elleboog", "heup", "pols", "enkel", "schaamstreek", "navelstreek"}
# Tools one works with, by their ending: "met een ballon", "met een Pinard-stethoscoop".
_INSTRUMENTS = ("ballon", "stethoscoop", "monitor", "tang", "zuignap", "naald", "spuit", "elektrode", "spalk",
                "pessarium", "scoop", "extractor", "bed", "band", "blad", "hek", "stoel", "riem", "matras", "brace",
                "bril", "kous", "mat", "helm", "handschoen", "kussen", "deken", "gordel")
_ANY_PLACE = re.compile(r"^(?:in|op|aan|onder|boven|rond|tussen) een\b")  # "in een ader": the place is any one
_REASONS = {"reden", "aanleiding", "indicatie"}
_SKILLS = {"vaardigheid", "vaardigheden"}  # "vaardigheid bij het eten": at the known act, never "bij een …"


def _headline_head(unit: Unit) -> bool:
    """The first word of a headline-style term that a noun phrase follows without its preposition:
    an infinitive ("opheffen", "inleiden": a verb said as a noun, ANS § 8.4.2) or a reason."""
    if len(unit.tokens) != 1 or unit.tokens[0].kind != "word":
        return False
    low = unit.low
    return low in _REASONS or (unit.entry is None or unit.entry.lay == low) and not grammar.singulars(low) and (
        grammar.verbal_noun(low) or _bare_infinitive(low))


def _adverb_of_next(word: str, following: str) -> bool:
    """True when `word` is an adjective said bare right before an inflected adjective: it modifies
    that adjective as an adverb ("proportioneel lange", "chronisch recidiverende"; ANS § 8.3)."""
    forms = grammar.adjective_forms(word)
    if forms is None or word != forms[0] or not following.endswith("e"):
        return False
    nxt = grammar.adjective_forms(following)
    return nxt is not None and following == nxt[1] or following.endswith("ende")


def _headline_object(unit: Unit) -> bool:
    """A noun right after a headline's first word: one the lexicon knows, or a Dutch noun (or a
    compound ending in one, "medicatiegebruik") that is no adjective, verb or side."""
    if _is_noun(unit):
        return True
    low = unit.low
    if unit.entry is not None or len(unit.tokens) != 1 or unit.tokens[0].kind != "word" or len(low) < 4 \
            or low in _SIDE_WORDS or low in FINITE_VERBS or _adjectival(low) or _PARTICIPLE.match(low) \
            or _bare_infinitive(low) or grammar.adjective_forms(low) is not None \
            or low.endswith("en") and _verb_said(low):  # "bellen blazen": a verb too
        return False
    return grammar.gender(low) is not None or any(grammar.known_noun(low[k:]) for k in range(2, len(low) - 3))


def _is_noun(unit: Unit) -> bool:
    """A unit the lexicon knows as a noun (not a template head)."""
    return unit.entry is not None and unit.entry.kind in ("noun", "word") and not has_slot(unit.entry.lay)


def _adjectival(word: str) -> bool:
    """A word that inflects before a noun: its bare form differs and is a Dutch word; of a
    hyphenated word its last part ("CT-geleide")."""
    if "-" in word:
        return _adjectival(word.rsplit("-", 1)[-1])
    if word in ORDINALS or word in SIDES or len(word) <= 3 or word in _FUNCTION_WORDS:
        return False
    if grammar.adjective_forms(word) is not None:
        return True  # "terminaal" before a de-word becomes "terminale"
    if not word.endswith("e") or is_english(word) or word in MASS or grammar.known_noun(word):
        # "wide excisie": an English word is no Dutch adjective to bare ("wid"); "insuline" is a
        # substance, never an adverb ("het insulin geven")
        return False
    b = grammar.bare(word)
    return b != word and (zipf(b) > 0 or grammar.ADJECTIVE_E_ENDING.search(word) is not None
                          or grammar.PARTICIPLE_E.match(word) is not None)  # "opgehoeste slijm"


def _paired(noun: str) -> bool:
    """A body part a body has more than one of ("been", "nier", "vinger"): a list, as the lexicon's
    body parts do not say how many there are ("hersenbalk" is one)."""
    return noun in _MANY_PARTS


def _acts_on(word: str) -> bool:
    """The head of an act done to a thing ("wegsnijden", "prik", "weefselonderzoek")."""
    return _is_act(word) or word in ("prik", "weefselonderzoek", "punctie", "geven")


def _is_act(noun: str) -> bool:
    """An act or a procedure ("plaatsen", "onderzoek"), not a thing or a disorder."""
    return bool(grammar.verbal_noun(noun)) or noun in ("onderzoek", "operatie", "behandeling", "ingreep")


@lru_cache(maxsize=1 << 16)  # pure, and asked of the same lay texts again and again
def _lay_head(lay: str) -> str:
    """The head noun of a lay phrase: its last word before a preposition or a relative clause
    ("pasgeborene die te klein is …" → "pasgeborene", not "is")."""
    words = lay.split()
    if len(words) > 1 and words[0] in _COUNT_NOUNS:
        return words[0]  # "aantal bevallingen": the count is the head ("het aantal"), not what it counts
    cut = next((i for i, w in enumerate(words) if (w in PREPOSITIONS or w in _RELATIVES) and i > 0), len(words))
    return words[:cut][-1] if words[:cut] else lay


_COUNT_NOUNS = {"aantal", "hoeveelheid"}


# (only "het"/"dit": a lexicon's de-word phrases are written with the -e already)
_ARTICLE_BARE_NOUN = re.compile(r"\b(het|dit) (\w{3,}) (\w{3,})\b")


def _inflect_after_article(m: re.Match) -> str:
    """ "het groot lymfevat" → "het grote lymfevat": after a definite article an adjective before
    its noun takes -e (ANS § 5.2.2), not before an infinitive ("het volledig verwijderen")."""
    article, word, noun = m.groups()
    forms = grammar.adjective_forms(word)
    if forms is None or word != forms[0] or forms[0] == forms[1] or grammar.adjective_forms(noun) \
            or grammar.gender(noun) not in ("de", "het", "pl") or grammar.verbal_noun(noun):
        return m.group(0)
    return f"{article} {forms[1]} {noun}"


_PLUS_COUNT = re.compile(r"\b(\d) \+(?=$|[\s,;)])")
_ORDINAL_OF = {"I": "eerste", "II": "tweede", "III": "derde", "IV": "vierde", "V": "vijfde", "VI": "zesde",
               "VII": "zevende", "VIII": "achtste", "IX": "negende", "X": "tiende", "XI": "elfde", "XII": "twaalfde"}
# (a vertebra, a rib and a cranial nerve are counted too: "borstwervel XII" is "de twaalfde borstwervel")
_NUMBERED_DIGIT = re.compile(r"\b(?:(van|in|aan|op) )?(?:(de|het) )?(teen|vinger|straal|middenvoetsbeentje|"
                             r"middenhandsbeentje|wervel|halswervel|borstwervel|lendenwervel|rib|hersenzenuw)"
                             r"\s+(XII|XI|IX|X|VIII|VII|VI|IV|V|III|II|I)\b")


def _ordinal_digit(m: re.Match) -> str:
    prep, article, noun, roman = m.groups()
    if prep and not article:
        article = grammar.definite_article(noun) or "de"
    said = " ".join(w for w in (prep, article, _ORDINAL_OF[roman], noun) if w)
    return said


_SLASH = re.compile(r"(?<=\w) / (?=[^\W\d_])")
_DURATION_TWICE = re.compile(r"\b(\d+-(?:uurs|daagse?|weekse?)) langdurige? ")
_COMMAS = re.compile(r",(?:\s*,)+")
_SPACES = re.compile(r"\s+")


_AMOUNT_OF = re.compile(r"\b(hoeveelheid|hoeveelheden) van (?:de|het) ")


def _tidy(text: str) -> str:
    # (each substitution only where the text has what its pattern needs: most texts have none of
    # them, and a test for a substring costs far less than a scan with the pattern)
    if " / " in text:
        text = _SLASH.sub("/", text)  # "mmol/l", "10^9/l", as the term writes it
    text = text.replace(" )", ")").replace("( ", "(")  # "(4+3)": a kept bracket hugs what it holds
    text = text.replace(" :", ":")
    # "het groot lymfevat in de borst": a lexicon phrase written bare takes the article's ending
    if "het " in text or "dit " in text:
        text = _ARTICLE_BARE_NOUN.sub(_inflect_after_article, text)
    # "teen II", "vinger IV": a numbered toe or finger is said by its ordinal ("de tweede teen")
    # (after a preposition with its article: "van het vijfde middenvoetsbeentje")
    if "I" in text or "V" in text or "X" in text:
        text = _NUMBERED_DIGIT.sub(_ordinal_digit, text)
    # "glucose in urine, 2+": a plus count stays one token ("2+", never "2 +")
    if "+" in text:
        text = _PLUS_COUNT.sub(r"\1+", text)
    # "24-uurs holteronderzoek": a lay "langdurig hartfilmpje" after the term's own duration says it twice
    if "langdurig" in text:
        text = _DURATION_TWICE.sub(r"\1 ", text)
    # "grote hoeveelheid van de kraamvloed": a quantity takes its substance directly ("een grote
    # hoeveelheid kraamvloed"); "van de" reads as part of a known amount
    if "hoeveelhe" in text:
        text = _AMOUNT_OF.sub(r"\1 ", text)
    # "… in de buik,": a comma whose part moved away (a side joined its organ) ends nothing
    # ("…, van de knie,, graad 2": a comma part after a genitive that kept its own comma is one comma)
    return _COMMAS.sub(",", _SPACES.sub(" ", text).replace(" ,", ",")).strip().rstrip(",").rstrip()
