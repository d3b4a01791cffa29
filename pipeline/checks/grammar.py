"""`grammar`: Dutch grammar a rule can see in a short term.

- the article does not fit the noun's gender ("de dijbeen", "het baarmoederhals");
- the adjective's ending does not fit its noun (ANS § 5.2.2: "acute hartinfarct", "acuut
  ontsteking", "het acuut infarct");
- an adjective without its noun: an inflected adjective followed by "te" or an article
  ("neonatale te laag suikergehalte");
- the side moved off its noun ("structuur van rechter oor" → "rechter structuur van oor");
- the same word twice in a row, two articles in a row, or a term ending in a preposition, article
  or conjunction;
- a relative clause after an adverb ("momenteel die nu rustig is"): "die"/"dat" follows its noun;
- a side before "van" ("longontsteking links van de bovenkwab"), which reads as a place beside it;
- a verb said as a noun with its object but without "het" ("voor sluiten van de slagader").

Genders come from the curated list (`pipeline/dutch/data/nouns.tsv`), and only where the noun is
listed or is a compound of a listed noun; an unknown noun is never judged. Adjectives are words
whose bare and inflected forms both occur in Dutch (wordfreq) and that are not listed nouns.
"""
from __future__ import annotations

import re
from functools import lru_cache

import polars as pl

from pipeline.checks.flags import found, judged, reason
from pipeline.checks.text import STOPWORDS, curated_lexicon
from pipeline.dutch import grammar as dutch
from pipeline.dutch.words import zipf
from pipeline.offline.lexicon import FINITE_VERBS, ONE_WITH_TWO_SIDES, REGION_WORDS, UNPAIRED, body_part
from terms.messages import message

FLAGS = {"grammar": "warning"}

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*(?:['’]s\b)?|\d+", re.UNICODE)  # "risico's": one plural word
ARTICLES = {"de", "het", "een"}
INDEFINITE = {"een", "geen", "elk", "ieder", "veel", "weinig", "enig", "welk", "zo'n"}
DANGLING = {"van", "de", "het", "een", "met", "en", "of", "bij", "in", "op", "aan", "door", "voor", "tijdens",
            "na", "te", "zonder", "naar", "uit", "over"}
SIDES = {"linker", "rechter"}
_PREPOSITIONS = {"ter", "ten", "te", "van", "in", "op", "aan", "bij", "met", "door", "voor", "na", "uit", "om", "tot",
                 "over", "onder", "tegen", "zonder", "tijdens", "naar", "via", "per", "rond", "tussen", "gedurende"}
# A place can be "of" a body part, not "of" a disorder: "binnenkant van baarmoederontsteking" glued a
# morpheme to the wrong word ("binnenkant van de baarmoeder" + "ontsteking").
PLACES = {"binnenkant", "buitenkant", "voorkant", "achterkant", "bovenkant", "onderkant", "zijkant", "wand",
          "bekleding", "slijmvlies", "deel", "gedeelte", "structuur", "gebied"}
POSITIONS = {"voorste", "achterste", "bovenste", "onderste", "binnenste", "buitenste", "middelste"}
DISORDERS = ("ontsteking", "kanker", "pijn", "breuk", "scheur", "infectie", "aandoening", "ziekte", "stoornis",
             "vernauwing", "verwijding", "bloeding", "zwelling", "gezwel", "falen", "verlamming", "afwijking",
             "ontwrichting", "luxatie", "infarct", "trombose", "stolsel", "wrat", "zweer", "cyste", "zwakte",
             "strontje", "hagelkorrel", "abces", "poliep", "fistel", "steen", "letsel")
_INFLAMED = ("ontsteking", "infectie")
# Words after which an adjective's form is an adverb's: "niet zelfstandig", "kan goed".
_BEFORE_ADVERB = {"niet", "kan", "kunnen", "moet", "moeten", "wil", "willen", "zich", "is", "zijn", "wordt", "worden",
                  "voelt", "lijkt", "blijft", "loopt", "eet", "drinkt", "slaapt", "ademt", "te", "om"}
_GROWTHS = ("poliep", "poliepen", "gezwel", "cyste", "zweer", "tumor", "wrat")
# A past participle in its bare form: "verstuikt", "ingegroeid", "beschadigd".
_BARE_PARTICIPLE = re.compile(r"^(?:\w*ge|ver|be|ont|her)\w{2,}[dt]$")
_ADVERBS = {"te", "zeer", "erg", "heel", "telkens", "steeds", "vaak", "soms", "weer"}
# Adverbs a relative clause cannot follow: "momenteel die nu rustig is" (a gloss's "die …" pasted
# after a word of the term that is no noun).
_NO_ANTECEDENT = _ADVERBS | {"momenteel", "thans", "nu", "tijdelijk", "ook", "niet", "wel", "nog", "al", "meestal",
                             "zelden", "altijd", "nooit", "eerder", "later", "vroeger"}
# States of a body part ("verdikt"), courses of a disorder ("acuut"), events that own no body part.
_STATES = {"verdikt", "vergroot", "verwijd", "vernauwd", "verkleind", "verkalkt", "verzakt", "gezwollen", "verslapt"}
_COURSES = {"acute", "acuut", "chronische", "chronisch", "subacute", "subacuut", "recidiverende", "terugkerende"}
_EVENTS = {"zwangerschap", "bevalling", "geboorte"}
_ULCERS = ("zweer", "zweren", "gezwel")
_BREACHES = {"gat", "scheur", "scheurtje"}
adjective_forms = dutch.adjective_forms
_NOT_ADJECTIVES = dutch.NOT_ADJECTIVES
# Endings of Dutch and Latinate adjectives in their inflected form ("neonatale", "allergische").
# Systems of the body that own no organ: "longen van de slagaders" is no place.
_SYSTEMS = frozenset({"slagaders", "aders", "bloedvaten", "zenuwen", "lymfevaten", "spieren", "pezen"})
# Tissues and fluids said bare after "van" ("afsterven van weefsel", "verlies van bloed").
_TISSUES = frozenset({"weefsel", "bloed", "bot", "vet", "vocht", "slijm", "urine", "ontlasting", "kraakbeen", "spierweefsel",
                      "bindweefsel", "littekenweefsel", "vetweefsel", "beenmerg", "huidweefsel"})
_BARE_ADJECTIVE_ENDING = re.compile(r"(ief|isch|aal|eel|air|eus|iel|ig|lijk)$")
_ADJECTIVE_ENDING = re.compile(r"(ale|ele|ische|ieve|ige|lijke|ële|iene|ante|ente|aire|eure|euze|ode|ene|bare|zame)$")


def _lexicon_nouns() -> None:
    """Teach the gender list the lay nouns of the curated lexicon (their entries carry it), once."""
    global _taught
    if not _taught:
        lex = curated_lexicon()
        dutch.add_nouns({e.lay.split()[-1]: e.article for e in lex.words.values()
                         if e.article in ("de", "het", "pl") and "{" not in e.lay and len(e.lay.split()) == 1})
        _taught = True


_taught = False


# Words that count more than one: the noun after them is plural ("meerdere wonden").
QUANTITIES = {"meerdere", "verschillende", "diverse", "twee", "drie", "vier", "vijf", "zes", "beide", "enkele", "vele"}
# Singular endings of de-words (their plurals end in -en or -s): "verharding", "ontsteking", "afwijking".
_SINGULAR_ENDING = re.compile(r"(ing|heid|teit|tie|sie|itis|ose|uur|ij)$")


def _singular(noun: str) -> bool:
    """True for a noun known to be singular: a listed de/het noun, or a de-word ending."""
    g = noun_gender(noun)
    if g in ("de", "het") and not noun.endswith(("en", "s")):
        return True
    return g is None and _SINGULAR_ENDING.search(noun) is not None and not dutch.known_noun(noun)


def noun_gender(word: str) -> str | None:
    """Gender of a noun listed in the curated list, or of a compound whose left part is a listed
    noun or 'linker'/'rechter' and whose right part is listed ("baarmoederhals", "linkerdijbeen")."""
    _lexicon_nouns()
    return _noun_gender(word, dutch.nouns_version())


# Remembered per word and gender-table version: a batch asks about the same few thousand words
# hundreds of thousands of times, and the table only grows (a new version forgets nothing wrong).
@lru_cache(maxsize=1 << 16)
def _noun_gender(word: str, version: int) -> str | None:
    if dutch.known_noun(word):
        return dutch.gender(word)
    for i in range(3, len(word) - 2):
        left, right = word[:i], word[i:]
        if not dutch.known_noun(right):
            continue
        stem = left[:-1] if left.endswith("s") else left  # the linking s of "zwangerschapsdiabetes"
        if dutch.known_noun(left) or dutch.known_noun(stem) or left in SIDES or noun_gender(stem) is not None \
                or left.endswith("ings") and len(left) >= 7:  # "doorbloedings|stoornis"
            return dutch.gender(right)
    if word in STOPWORDS or word in _PREPOSITIONS or word in POSITIONS or word.endswith("ste") or word in dutch.ORDINALS:
        return None  # "chronisch, bij oudere": "de bij" is a bee; "de achterste" a position, not "het achterste"
    if len(word) >= 7 and word.endswith(("en", "s")) and any(len(f) >= 5 and dutch.known_noun(f) for f in dutch.singulars(word)):
        return "pl"  # "eerdere bevallingen": the plural of a listed noun (not "boven" of "bof")
    general = dutch.general_article(word)  # "centraal druk": a general Dutch noun the curated list lacks
    # ... but not a nominal adjective ("de werkende" is also "slecht werkende"): never judged by it
    return general if general is not None and not (word.endswith("e") and adjective_forms(word)) else None


# A side after a comma, then a phrase: ", rechts in het gewricht".
_COMMA_SIDE_PREP = re.compile(r", (links|rechts) (in|aan|op|met|bij|door|van|na|voor|via|zonder) ")
# A grade or stage with its value, then a word no noun phrase begins with ("graad 3 te weinig …").
# (the genitive only, without a comma: "in de long aan beide kanten" and "van het hielbeen, aan beide
# kanten" read right to terminologists; "van de enkel aan beide kanten" is one ankle's two sides)
_SIDE_IN_RANGE = re.compile(r"\d+ (links|rechts) (tot en met|tot|t/m)\b")
_BOTH_SIDES_OF_ONE = re.compile(r"\bvan (?:de|het) (\w+) aan beide kanten\b")
_LABEL_BEFORE_PHRASE = re.compile(r"\b((?:graad|stadium|type|klasse|fase|categorie) \S+) (te|niet|geen|weinig|veel|erg|zeer)\b")
# A grade or stage said after the person a condition is "bij" reads as the person's.
_PERSON_LABEL = re.compile(r"\bbij (?:een |de )?(?:[\w-]+ ){0,3}?(baby|pasgeborene|kind|zuigeling|vrouw|man|oudere|patiënt|"
                           r"moeder|zwangere|volwassene) ((?:graad|stadium|type|categorie|fase|klasse) [\w-]+)")
# Regions of the body that do not contain one another, and those that do (part, whole): "knieband
# van de enkel" and "hals van de rug" name two places for one ("buitenste zijband van de enkel").
_REGIONS = frozenset({"hoofd", "hals", "nek", "borst", "borstkas", "buik", "rug", "bekken", "arm", "been", "knie", "enkel",
                      "heup", "schouder", "elleboog", "pols", "hand", "voet", "vinger", "teen", "duim", "kaak", "oog", "oor",
                      "neus"})
_PART_OF = frozenset({("knie", "been"), ("enkel", "been"), ("voet", "been"), ("heup", "been"), ("teen", "voet"),
                      ("vinger", "hand"), ("duim", "hand"), ("pols", "arm"), ("elleboog", "arm"), ("hand", "arm"),
                      ("oog", "hoofd"), ("oor", "hoofd"), ("neus", "hoofd"), ("kaak", "hoofd"), ("nek", "hals"),
                      ("hals", "nek"), ("borst", "borstkas"), ("borstkas", "borst"), ("schouder", "arm"),
                      ("heup", "bekken"), ("bekken", "heup"), ("pols", "hand"), ("hand", "pols"), ("enkel", "voet"),
                      ("voet", "enkel"), ("rug", "hand"), ("rug", "voet"), ("rug", "neus"), ("rug", "tong"),
                      ("rug", "pols")})  # "rug van de voet"
# Organs and the parts they hold: "het rechteroog van het hoornvlies" says the cornea's eye.
_WHOLE_PARTS = {"oog": ("hoornvlies", "netvlies", "lens", "iris", "oogkamer", "glasvocht", "pupil", "vaatvlies",
                        "bindvlies", "ooglid", "oogleden", "traanbuis"),
                "oor": ("trommelvlies", "gehoorgang", "oorschelp", "slakkenhuis", "middenoor", "binnenoor"),
                "hand": ("vinger", "vingers", "duim", "handpalm"), "voet": ("teen", "tenen", "hiel", "voetzool", "wreef"),
                "been": ("knie", "enkel", "kuit", "dij"), "arm": ("elleboog", "pols", "bovenarm", "onderarm"),
                "mond": ("tong", "tand", "tanden", "kies", "gehemelte", "lip")}
_REGION_TAILS = ("band", "banden", "gewricht", "gewrichten", "kapsel", "kom", "holte", "streek", "pees", "pezen")


def _region(word: str, compound: bool) -> str | None:
    """The body region `word` names ("linkerenkel" → "enkel"), or with `compound` the region a
    ligament or joint compound is of ("knieband" → "knie"); else None."""
    core = _SIDE_PREFIX.sub("", word)
    for form in {core} | dutch.singulars(core):
        if form in _REGIONS:
            return form
    if compound:
        for tail in _REGION_TAILS:
            if core.endswith(tail) and core[: -len(tail)] in _REGIONS:
                return core[: -len(tail)]
    return None


# Adjectives SNOMED puts after the noun ("pneumothorax spontaan") that Dutch says before it; after a
# verb or "is" they are a predicate ("de breuk is gesloten").
_POSTPOSED = frozenset({"spontaan", "acuut", "chronisch", "primair", "secundair", "ernstig", "matig",
                        "aangeboren", "verworven", "idiopathisch", "recidiverend", "terugkerend"})
_POSTPOSED_OK_AFTER = frozenset({"is", "zijn", "wordt", "worden", "blijft", "niet", "en", "of", "te", "zeer", "erg", "tot",
                                 "steeds", "telkens", "vaak"})
_SIDE_PREFIX = re.compile(r"^(linker|rechter)(?=\w{2})")
_PARTICIPLE_EN = re.compile(r"(?:\w*ge|ver|ont)\w{2,}en")
_SUBJECT_VERB = re.compile(r"(?:de |het )?(\w+) (wordt|is|heeft|kan|moet|zal|blijft|werd|was)\b")
_COMMA_VAN = re.compile(r", van (?:de |het |een )?\w+")
_SIDED_REGION = re.compile(rf"\b((?:linker|rechter)(?:{'|'.join(REGION_WORDS)})) van (?:de |het )?(\w+)")
# Prepositions before a verb said as a noun, which then takes "het" ("voor het sluiten van …").
_BEFORE_INFINITIVE = frozenset({"voor", "over", "van", "bij", "na", "tot", "tijdens", "door", "zonder", "met", "tegen",
                                "na", "op", "aan", "in"})
# Infinitives Dutch also counts as nouns ("een chronisch falen van de ademhaling").
_NOUN_INFINITIVES = frozenset({"falen", "leven", "wezen", "vermogen", "verlangen", "onvermogen", "verleden"})


# Two words side by side that may both be nouns and are no split compound: a measure or a label
# before what it counts ("hoeveelheid kraamvloed", "type bevalling"), a function word, a side.
_SPLIT_PAIR = re.compile(r"(?<![\w'-])(?=([^\W\d_]{3,}) ([^\W\d_]{3,})(?![\w'-])( \S+)?)")
_MEASURE_FIRST = frozenset({"type", "soort", "aantal", "hoeveelheid", "vorm", "graad", "stadium", "fase", "klasse", "groep",
                            "score", "niveau", "categorie", "paar", "stuk", "stukken", "stukje", "stukjes", "beetje",
                            "glas", "glazen", "kop", "kopje", "liter", "gram", "portie", "dosis", "mate", "deel",
                            "gedeelte", "status", "toestand", "zoveel", "uur", "dagen", "weken", "maanden", "jaar",
                            "jaren", "bloedgroep", "vitamine"})
_NOT_SPLIT = frozenset({"voor", "bij", "van", "in", "op", "aan", "met", "door", "na", "uit", "om", "tot", "naar", "over",
                        "onder", "boven", "tussen", "zonder", "tijdens", "via", "per", "als", "waar", "die", "dat", "ter",
                        "ten", "tegen", "binnen", "buiten", "vanaf", "sinds", "rond", "en", "of", "niet", "geen", "wel",
                        "ook", "nog", "zeer", "erg", "linker", "rechter", "links", "rechts", "thuis", "meerdere",
                        "verleden", "stadium", "graad", "graads", "type", "fase", "klasse", "keer", "maal"})
_PARTICIPLE_OR_E = re.compile(r"ge\w+[dt]|ge\w+en|\w+(?:ende|de|te|graads)")


def _split_compounds(text: str) -> list[tuple[str, str]]:
    """[(first, second)]: the pairs of known nouns that lower-case `text` says side by side with one
    space ("baarmoeder afwijking"), which Dutch writes as one compound or joins with "van"
    (Woordenlijst, 'aaneenschrijven van samenstellingen'); not a measure or label before what it
    counts, an adjective or participle first, an object before its verb, a pair before a number or
    a code ("diabetes type 2", "vitamine D")."""
    pairs = []
    _lexicon_nouns()
    for m in _SPLIT_PAIR.finditer(text):
        a, b, third = m.group(1), m.group(2), (m.group(3) or "").strip()
        if a in _MEASURE_FIRST or a in _NOT_SPLIT or b in _NOT_SPLIT or a in dutch.ORDINALS \
                or _PARTICIPLE_OR_E.fullmatch(a) or _PARTICIPLE_OR_E.fullmatch(b) \
                or third[:1].isdigit() or 0 < len(third.strip(",;.")) <= 2:  # "diabetes type 2", "vitamine D"
            continue
        if a.endswith("e") or b.endswith("en") and dutch.gender(b) == "het" \
                or a.endswith("en") and dutch.gender(a) == "het" \
                or a.endswith("en") and not dutch.known_noun(a):
            # "zwangere vrouw", "overleden baby": an adjective first; "bloed braken": an object and its verb
            continue
        if noun_gender(a) and noun_gender(b) and not adjective_forms(a) and not adjective_forms(b):
            pairs.append((a, b))
    return pairs


def compare(term: str, proposal: str) -> str | None:
    """A Dutch reason naming each grammar problem in the proposal, else None."""
    _lexicon_nouns()
    words = [w.lower() for w in _WORD.findall(proposal)]
    problems: list[str] = []
    term_low = term.lower()
    for i, w in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if nxt and w == nxt and f"{w} {w}" not in term_low and not w.isdigit():
            problems.append(message("flags.grammar.doubled", words=f"{w} {nxt}"))
        if w in ARTICLES and nxt in ARTICLES:
            problems.append(message("flags.grammar.doubled", words=f"{w} {nxt}"))
        if w in ("de", "het"):
            j = i + 1
            while j < len(words) and (adjective_forms(words[j]) or words[j] in SIDES or words[j] in ("te", "zeer", "erg")):
                j += 1
            if j < len(words) and words[j] != "s":  # "door het 's nachts plassen": an adverb's 's, no noun
                g = noun_gender(words[j])
                # "het bevallen", "aan het bevallen is": an infinitive takes "het" whatever noun it also is
                infinitive = w == "het" and words[j].endswith("en") and (not dutch.known_noun(words[j]) or
                                                                        i > 0 and words[i - 1] == "aan")
                if ((w == "het" and g in ("de", "pl")) or (w == "de" and g == "het")) and not infinitive:
                    problems.append(message("flags.grammar.article", article=w, noun=words[j]))
                elif g is not None and j + 2 < len(words) and words[j + 1] == "en":
                    second = words[j + 2]
                    # (not a second act: "oprekken van de baarmoederhals en schrapen van …")
                    g2 = noun_gender(second) if second not in ARTICLES and not adjective_forms(second) \
                        and not dutch.verbal_noun(second) else None
                    own = "het" if g2 == "het" else "de" if g2 in ("de", "pl") else None
                    if own is not None and own != w and f"{w} {words[j]} en {second}" not in term_low:
                        # "de hersenen en ruggenmerg": the article said once must fit both nouns
                        # ("de hersenen en het ruggenmerg"; ANS § 26.2 on leaving out a shared word)
                        problems.append(message("flags.grammar.shared-article", article=w, first=words[j],
                                                second=second, own=own))
        after = words[i + 2] if i + 2 < len(words) else ""
        if w in POSITIONS and nxt and adjective_forms(nxt) and (not after or noun_gender(after) is None and not adjective_forms(after)) \
                and f"{w} {nxt}" not in term_low:
            # "middelste gevoelig": a position needs its noun
            problems.append(message("flags.grammar.stranded", adjective=w, next=nxt))
        if adjective_forms(w) and nxt in dutch.ORDINALS and after in ("graad", "stadium", "fase", "klasse", "categorie") \
                and f"{w} {nxt}" not in term_low:
            # "brandwond van oppervlakkige tweede graad": the depth is the burn's, not the degree's
            problems.append(message("flags.grammar.stranded", adjective=w, next=f"{nxt} {after}"))
        if nxt and adjective_forms(w) and adjective_forms(nxt) and w == adjective_forms(w)[1] \
                and nxt == adjective_forms(nxt)[1] and f" {adjective_forms(w)[0]} {nxt}" in f" {term_low}":
            # "proportionele lange benen" for the term's "proportioneel lange": the bare word was an
            # adverb of the next adjective (ANS § 8.3), and inflecting it says something else
            problems.append(message("flags.grammar.inflected-adverb", adverb=w, adjective=nxt,
                                    bare=adjective_forms(w)[0], how=adjective_forms(nxt)[0]))
        if w in _BEFORE_INFINITIVE and after == "van" and dutch.bare_infinitive(nxt) and dutch.gender(nxt) is None \
                and proposal.lower() != term_low and not (i > 0 and words[i - 1] in ("wijze", "manier")):
            # "voor sluiten van de slagader", "van inrichten van het leven": a verb said as a noun
            # with its object takes "het" (ANS § 8.4.2: "voor het sluiten van …"); "wijze van voeden"
            # is one fixed phrase
            problems.append(message("flags.grammar.missing-article", prep=w, noun=nxt, article="het"))
        if w in ("ter", "ten") and nxt in ("de", "het", "een"):
            problems.append(message("flags.grammar.doubled", words=f"{w} {nxt}"))  # "ter het inleiden": 'ter' holds its article
        if w == "een" and nxt:
            j = i + 1
            while j < len(words) and (adjective_forms(words[j]) or _e_adjective(words[j]) or words[j] in ("te", "zeer", "erg")):
                j += 1
            noun = words[j] if j < len(words) else ""
            g = noun_gender(noun) if noun else None
            ends = j + 1 >= len(words) or words[j + 1] in _PREPOSITIONS or words[j + 1] in ("en", "of")
            plural = dutch.gender(noun) == "pl" or (noun.endswith("s") and len(noun) > 4 and dutch.general_article(noun[:-1])) \
                or (noun.endswith("en") and len(noun) > 5 and (dutch.general_article(noun[:-2]) or dutch.general_article(noun[:-3])))
            if g is None and noun and plural and dutch.general_article(noun) is None and ends:
                g = "pl"  # a plural of a listed noun ("symptomen"), not a singular in -en ("een kussen")
            # "met een symptomen": "een" counts one; "na een verwijderen": an infinitive is not counted
            # ("na het verwijderen"); a het-noun in -en the word list knows ("een kussen") is a noun
            infinitive = g == "het" and noun.endswith("en") and not body_part(noun) and noun not in _NOUN_INFINITIVES \
                and dutch.verbal_noun(noun) and ends
            if (g == "pl" or infinitive) and f"een {noun}" not in term_low and f"een {nxt}" not in term_low:
                problems.append(message("flags.grammar.article", article=w, noun=noun))
        forms = adjective_forms(w) if w not in _PREPOSITIONS and w not in _TIME_UNITS else None  # "ter hoogte van", "1 dag"
        if i == 0 and nxt in FINITE_VERBS and adjective_forms(w) and f"{w} {nxt}" not in term_low:
            # "afwijkend buigt op pijn": a finding that begins with its verb keeps it first
            problems.append(message("flags.grammar.before-verb", adverb=w, verb=nxt))
        if w in FINITE_VERBS and (i == 0 or f" {w} " in f" {term_low} ") or i == 0 and f"{w} {nxt} " in term_low + " ":
            # "gebruikt bloedverdunners": a finding that begins with its verb; "misbruikt drugs": the
            # term's own first words, unchanged
            forms = None
        if forms and nxt and i > 0 and words[i - 1] in _BEFORE_ADVERB:
            forms = None  # "kan niet zelfstandig medicijnen innemen": an adverb, not an adjective
        if forms and nxt in ("graad", "stadium", "type", "fase", "klasse", "categorie", "niveau"):
            forms = None  # "aambeien, inwendig, graad 3": the adjective stands alone before a label
        target = nxt
        if forms and nxt in ("en", "of") and i + 2 < len(words) and adjective_forms(words[i + 2]):
            # "hevige en onregelmatig bloedverlies": each coordinated adjective agrees with the noun
            k = i + 2
            while k < len(words) and adjective_forms(words[k]):
                k += 1
            target = words[k] if k < len(words) else ""
        if forms and target:
            bare, inflected = forms
            g = noun_gender(target)
            prev = next((p for p in reversed(words[:i]) if not adjective_forms(p) and p not in ("te", "zeer", "erg")), "")
            definite = prev in ("de", "het", "deze", "die", "dit", "dat")
            if g is not None:
                # before an infinitive it is an adverb, bare ("het volledig verwijderen", ANS § 8.4.2)
                # ("het veilig slapen": "slapen" is also the temples, but a plural is never a het-word)
                infinitive = g == "het" and target.endswith("en") and (not body_part(target) or bool(dutch.singulars(target))) \
                    and not (dutch.known_noun(target) and not dutch.verbal_noun(target))  # "het woekerende litteken"
                want = bare if (g == "het" and not definite or infinitive) else inflected
                if w != want:
                    problems.append(message("flags.grammar.adjective", adjective=w, noun=target, want=want))
            elif w == inflected and nxt in ("te", "de", "het", "een", "geen", "is", "zijn", "wordt", "worden"):  # "moeilijke is"
                problems.append(message("flags.grammar.stranded", adjective=w, next=nxt))
        elif nxt in ("te", "de", "het", "een") and w not in _NOT_ADJECTIVES and _ADJECTIVE_ENDING.search(w) \
                and not dutch.known_noun(w):
            problems.append(message("flags.grammar.stranded", adjective=w, next=nxt))
        elif nxt and _e_adjective(w) and w not in _NOT_ADJECTIVES and not dutch.known_noun(w) \
                and not w.endswith("ste") and noun_gender(nxt) == "het":
            # "bootvormige handwortelbeentje", "ingezakte wervellichaam": an -e adjective or participle
            # unknown to word frequency, before a singular het-noun without a definite article
            prev = next((p for p in reversed(words[:i]) if not _e_adjective(p)), "")
            if prev not in ("de", "het", "deze", "die", "dit", "dat"):
                problems.append(message("flags.grammar.adjective", adjective=w, noun=nxt, want=dutch.bare(w)))
        if w in QUANTITIES and nxt:
            j = i + 1
            while j < len(words) and (adjective_forms(words[j]) or words[j] in _ADVERBS or _e_adjective(words[j])):
                j += 1  # "meerdere telkens opvlammende verharding"
            noun = words[j] if j < len(words) else ""
            if noun and _singular(noun) and f"{w} {noun}" not in term_low:
                problems.append(message("flags.grammar.plural", word=w, noun=noun))
        if nxt in ("de", "het") and _PARTICIPLE_EN.fullmatch(w) and not dutch.known_noun(w) \
                and zipf(w) >= 3.0 and (i == 0 or words[i - 1] not in ("is", "zijn", "wordt", "worden", "te")):
            # "gebroken het spaakbeen": a participle used as an adjective stands before its noun's article
            problems.append(message("flags.grammar.stranded", adjective=w, next=nxt))
        if nxt and (nxt.isdigit() or nxt in _COUNTS) and w not in _PREPOSITIONS and w not in _ADVERBS \
                and (adjective_forms(w) or _PARTICIPLE_EN.fullmatch(w) and not dutch.known_noun(w)) \
                and i + 2 < len(words) and dutch.gender(words[i + 2]) == "pl" and f"{w} {nxt}" not in term_low:
            # "gebroken twee ribben": a count stands before the adjectives of what it counts ("twee gebroken ribben")
            problems.append(message("flags.grammar.count-after", adjective=w, count=nxt))
        if w in ("meerder", "verschillend", "divers", "sommig") and nxt:
            problems.append(message("flags.grammar.adjective", adjective=w, noun=nxt, want=w + "e"))  # "meerder gezwel"
        if w in POSITIONS and nxt.endswith("en") and i + 2 < len(words) and words[i + 2] == "van" \
                and noun_gender(nxt) in (None, "het"):
            # "voorste verwijderen van de tussenwervelschijf": a position is of a body part, not of an act
            problems.append(message("flags.grammar.position", adjective=w, noun=nxt))
        later = next((x for x in words[i + 1:i + 4] if not adjective_forms(x) and not _e_adjective(x)), "") \
            if w in POSITIONS else ""
        if w in POSITIONS and nxt != later and later.endswith(DISORDERS) and i + 1 < len(words) \
                and f"{w} {nxt}" not in term_low:
            # "voorste acute ontsteking": the front is of the body part, past the adjectives too
            problems.append(message("flags.grammar.position", adjective=w, noun=later))
        if nxt.endswith(DISORDERS) and w in POSITIONS:
            # "voorste ontsteking van het vaatvlies": the front is of the body part, not of the disorder
            problems.append(message("flags.grammar.position", adjective=w, noun=nxt))
        elif nxt.endswith(DISORDERS) and dutch.bare(w) in _STATES:
            # "verdikte hartspierziekte": the muscle is thick, not the disease
            problems.append(message("flags.grammar.state", adjective=w, noun=nxt))
        elif w in _COURSES and nxt and body_part(nxt) and i > 0 and words[i - 1] in ("de", "het", "een") \
                and f"{w} {nxt}" not in term_low:
            # "ontsteking van het acute rechteroor": acute is the disorder, not the ear
            problems.append(message("flags.grammar.course", adjective=w, noun=nxt))
        elif w in SIDES and nxt and not body_part(nxt) and not adjective_forms(nxt) and nxt not in SIDES \
                and nxt not in POSITIONS \
                and nxt not in ("en", "of", "kant", "zijde", "helft") and f"{w} {nxt}" not in term_low:
            # "linker breuk van het spaakbeen": a side is of a body part
            problems.append(message("flags.grammar.side-on", side=w, word=nxt))
        if nxt and w[-1:] in ("d", "t") and _BARE_PARTICIPLE.match(w) and w not in FINITE_VERBS \
                and f"{w} {nxt}" not in term_low and noun_gender(nxt) in ("de", "pl") and not dutch.known_noun(w) \
                and zipf(w) >= 1.0:
            # "verstuikt enkel", "ingegroeid teennagel": before a de-word the participle takes -e
            problems.append(message("flags.grammar.adjective", adjective=w, noun=nxt, want=dutch.inflected(w)))
        if nxt == "van" and i + 2 < len(words) and body_part(w) and not w.endswith(DISORDERS):
            obj = next((x for x in words[i + 2:] if x not in ("de", "het", "een")), "")
            if obj.endswith(DISORDERS + _GROWTHS) and f"{w} van" not in term_low:
                # "dikke darm van de poliep": a body part is not the disorder's
                problems.append(message("flags.grammar.disorder", first=w, prep=nxt, word=obj))
        if nxt == "van" and i + 2 < len(words) and f"{w} van" not in term_low:
            region = _region(w, compound=True)
            obj = next((x for x in words[i + 2:] if x not in ("de", "het", "een")), "")
            whole = _region(obj, compound=False) if region else None
            # (a body part named with its article: "open been van de enkel" is a disease's name)
            held = _WHOLE_PARTS.get(re.sub(r"^(linker|rechter)", "", w), ()) if i > 0 and words[i - 1] in ("de", "het") else ()
            if region and whole and whole != region and (region, whole) not in _PART_OF:
                problems.append(message("flags.grammar.body-parts", first=w, second=obj, region=region))
            elif obj in held or obj.endswith(tuple(p for p in held if len(p) >= 5)):
                problems.append(message("flags.grammar.whole-of-part", first=w, second=obj))
        if nxt == "niet" and (adjective_forms(w) or (_ADJECTIVE_ENDING.search(w) or _BARE_ADJECTIVE_ENDING.search(w))
                              and not dutch.known_noun(w)) \
                and "niet" not in term_low.split() and (i == 0 or words[i - 1] in ("de", "het", "een")):
            # "executief niet goed werken": an adjective kept before a lay verb phrase has no noun
            problems.append(message("flags.grammar.stranded", adjective=w, next=nxt))
        if w == "van" and i > 0 and nxt and words[i - 1] not in ("gevolg", "plaats") and nxt not in _TISSUES \
                and body_part(nxt, exact=True) and dutch.gender(nxt) in ("de", "het") and not dutch.singulars(nxt) \
                and (i + 2 >= len(words) or words[i + 2] not in ("tot", "naar", "en", "of")) \
                and nxt not in _WORD.findall(term_low) and not re.search(rf"\b{nxt}(?:,| en | of )", proposal.lower()):
            # "gebroken onderste deel van kuitbeen": a translated body part after "van" is a known one
            # ("van het kuitbeen"); the term's own bare Dutch word is kept as it was
            problems.append(message("flags.grammar.missing-article", prep=w, noun=nxt,
                                    article=dutch.definite_article(nxt)))
        if w == "van" and nxt in dutch.ORDINALS and not nxt.endswith("graads") and i + 2 < len(words) \
                and words[i + 2] not in ("graad", "stadium", "fase", "klasse", "categorie", "orde", "keer", "naar", "tot") \
                and proposal.lower() != term_low:
            # "ziekte van Dupuytren van vierde en de vijfde vinger": a counted body part is a known one
            # (SNOMED's own wording says no article; a term left as it is is not judged)
            noun = next((x for x in words[i + 2:] if dutch.gender(x) in ("de", "het", "pl")), "")
            problems.append(message("flags.grammar.missing-article", prep=w, noun=nxt,
                                    article=dutch.definite_article(noun) or "de"))
        if i == len(words) - 1 and i > 0 and w in ("zeer", "erg", "heel", "extreem") \
                and not term_low.rstrip().endswith(w):
            # "te vroeg geboren zeer": a degree word says how much of what follows it; last, it says nothing
            problems.append(message("flags.grammar.stranded", adjective=w, next="…"))
        if w == "deel" and nxt == "van" and i + 2 < len(words) and "deel van" not in term_low:
            act = next((x for x in words[i + 2:] if x not in ("de", "het", "een")), "")
            if dutch.verbal_noun(act) or act.endswith(DISORDERS):
                # "onderste deel van het verwijderen van de alvleesklier": a part is of the organ, not of the act
                problems.append(message("flags.grammar.position", adjective="deel van", noun=act))
        if nxt == "van" and i + 3 < len(words) and words[i + 2] == "de" and 0 < i and words[i - 1] in ("de", "het") \
                and body_part(w) and not w.endswith(("wand", "wanden", "tak", "takken", "bloed", "ring", "been")):
            # (blood is the vessels' own: "het bloed van de slagaders"; "open been" is a disease's name)
            system = words[i + 3]
            if system in _SYSTEMS and f"{w} van" not in term_low:
                # "hoge bloeddruk van de longen van de slagaders": an adjective's phrase after a genitive
                # makes the organ the vessels' ("de longslagaders", "bloedvaten in de onderlip")
                problems.append(message("flags.grammar.body-parts", first=w, second=system, region=w))
        if w in _EVENTS and nxt == "van" and i + 2 < len(words):
            obj = next((x for x in words[i + 2:] if x not in ("de", "het", "een")), "")
            if body_part(obj) and f"{w} van" not in term_low:
                # "infectie tijdens de zwangerschap van de urinewegen": the body part reads as the pregnancy's
                problems.append(message("flags.grammar.disorder", first=w, prep=nxt, word=obj))
        if nxt in ("van", "in") and i + 2 < len(words) and (w.endswith(_INFLAMED) or w in _BREACHES):
            obj = next((x for x in words[i + 2:] if x not in ("de", "het", "een")), "")
            if obj.endswith(_INFLAMED + _ULCERS if w in _BREACHES else _INFLAMED) and f"{w} {nxt}" not in term_low:
                # "herpesinfectie van de hoornvliesontsteking", "gat in de zweer": a disorder has no
                # place or owner that is itself a disorder
                problems.append(message("flags.grammar.disorder", first=w, prep=nxt, word=obj))
        if w in PLACES and nxt == "van" and i + 2 < len(words):
            obj = next((x for x in words[i + 2:] if x not in ("de", "het", "een")), "")
            if obj.endswith(DISORDERS) and obj not in DISORDERS:
                problems.append(message("flags.grammar.place", place=w, word=obj))
        if w in ("links", "rechts") and nxt == "van" and i + 2 < len(words) \
                and (words[i + 2] in ("de", "het") or re.search(rf"\b{w} van (?:[A-Z]|\d)", proposal)) \
                and f"{w} van" not in term_low:
            # (also before a name or a number: "zenuwwortel links van C6" is not the left C6 root)
            # "longontsteking links van de bovenkwab": a side before "van" reads as a place beside it
            problems.append(message("flags.grammar.side-place", side=w))
        if w in ("de", "het", "een") and re.fullmatch(r"(?:een|twee|drie|vier|vijf|meer|veel)maals?|meermalen", nxt):
            # "toestand na de tweemaal keizersnede": a count of times is an adverb, it takes no article
            problems.append(message("flags.grammar.article", article=w, noun=nxt))
        if w == "geen" and nxt.endswith("en") and dutch.verbal_noun(nxt) and f"geen {nxt}" not in term_low:
            # "geen poepen sinds 3 dagen": "geen" counts things; an act is "niet" done ("niet gepoept")
            problems.append(message("flags.grammar.article", article=w, noun=nxt))
        if w in ("ter", "ten") and len(nxt) > 4 and nxt.endswith("en") and dutch.gender(nxt) in (None, "het") \
                and nxt not in ("noorden", "zuiden", "oosten", "westen") and f"{w} {nxt}" not in term_low:
            # "echo ter meten van de datum": "ter" holds an article and wants a noun ("ter bepaling"),
            # an act after it is said "voor het meten" or "om … te meten"
            problems.append(message("flags.grammar.ter-infinitive", prep=w, verb=nxt))
        if nxt == "die" and all(adjective_forms(x) or _e_adjective(x) for x in words[:i]) \
                and (noun_gender(w) or dutch.gender(w)) == "het" and not w.endswith("en") and f"{w} die" not in term_low:
            # "drugsgebruik die nu rustig is": the term's noun is a het-word, its clause takes "dat"
            problems.append(message("flags.grammar.relative-het", noun=w))
        if w in _NO_ANTECEDENT and nxt in ("die", "dat") and f"{w} {nxt}" not in term_low:
            problems.append(message("flags.grammar.relative", word=w, pronoun=nxt))
        if w in SIDES and nxt:
            moved = _side_moved(term_low, w, nxt)
            if moved:
                problems.append(message("flags.grammar.side", side=w, word=nxt, noun=moved))
    if len(words) >= 2 and (words[-1] in _POSTPOSED or words[-1] == "gesloten" and re.search(r"breuk|gebroken", proposal)) \
            and words[-2] not in _POSTPOSED_OK_AFTER and "," not in proposal:
        # "gebroken dijbeen gesloten", "klaplong rechts spontaan": SNOMED's order, not Dutch ("spontane klaplong")
        problems.append(message("flags.grammar.after-noun", noun=words[-2], adjective=words[-1]))
    subject = _SUBJECT_VERB.match(proposal.lower())
    if subject and dutch.gender(subject.group(1)) == "pl" and not term_low.startswith(subject.group(0)):
        # "medicijnen wordt door een mantelzorger klaargezet": a plural subject, a singular verb
        problems.append(message("flags.grammar.agreement", noun=subject.group(1), verb=subject.group(2)))
    comma_van = _COMMA_VAN.search(proposal.lower())
    if comma_van and ", van " not in term_low:
        # "aandoening van meerdere zenuwen, van het gevoel": a comma's qualifier said as a genitive hangs loose
        problems.append(message("flags.grammar.comma-genitive", words=comma_van.group(0)))
    sided_region = _SIDED_REGION.search(proposal.lower())
    if sided_region and sided_region.group(1) not in term_low and body_part(sided_region.group(2)) \
            and not sided_region.group(2).startswith(("linker", "rechter")) and sided_region.group(2) not in UNPAIRED:
        # "linkergebied van de botknobbel": the side is of the body part after "van", not of the region
        # (of one organ its own side is right: "linkerzijde van de borstkas")
        problems.append(message("flags.grammar.side-on", side=sided_region.group(1), word=sided_region.group(2)))
    comma_side = _COMMA_SIDE_PREP.search(proposal.lower())
    if comma_side and comma_side.group(0) not in term_low:
        # "…, rechts in het gewricht": a side after a comma ends the term; a phrase after it reads as the side's
        problems.append(message("flags.grammar.side-comma", side=comma_side.group(1), prep=comma_side.group(2)))
    in_range = _SIDE_IN_RANGE.search(proposal.lower())
    if in_range and in_range.group(0) not in term_low:
        # "gebroken ribben 4 rechts tot en met 6": a side inside a range splits what it counts
        problems.append(message("flags.grammar.side-range", words=in_range.group(0)))
    one_part = _BOTH_SIDES_OF_ONE.search(proposal.lower())
    if one_part and (body_part(one_part.group(1)) or one_part.group(1) in ("schouder", "enkel")) \
            and one_part.group(1) not in UNPAIRED and not one_part.group(1).endswith(ONE_WITH_TWO_SIDES) \
            and dutch.gender(one_part.group(1)) != "pl" \
            and one_part.group(0) not in term_low:
        # "vochtophoping van de enkel aan beide kanten": both sides of one ankle, not both ankles
        problems.append(message("flags.grammar.both-sides", noun=one_part.group(1)))
    label_first = _LABEL_BEFORE_PHRASE.search(proposal.lower())
    if label_first and label_first.group(0) not in term_low:
        # "graad 3 te weinig witte bloedcellen": a grade before a lay phrase grades nothing
        problems.append(message("flags.grammar.label-before", label=label_first.group(1), word=label_first.group(2)))
    person_label = _PERSON_LABEL.search(proposal.lower())
    if person_label:
        # "bloeding in de hersenkamers bij een te vroeg geboren baby graad 2": the grade is the bleeding's
        problems.append(message("flags.grammar.label", person=person_label.group(1), label=person_label.group(2)))
    for first, second in _split_compounds(proposal.lower()):
        if f"{first} {second}" not in term_low:
            # "baarmoeder afwijking", "contact huidontsteking": two nouns side by side are one
            # compound in Dutch ("baarmoederafwijking") or a noun and its owner ("afwijking van de
            # baarmoeder"), never two loose words (the term's own pair is its own wording)
            problems.append(message("flags.grammar.split-compound", first=first, second=second))
    if words and words[-1] in DANGLING and not term_low.rstrip().endswith(words[-1]):
        problems.append(message("flags.grammar.dangling", word=words[-1]))
    return "; ".join(dict.fromkeys(problems)) if problems else None


# Units of time, never adjectives ("40 weken en 1 dag zwangerschap").
_TIME_UNITS = frozenset({"dag", "week", "maand", "jaar", "uur", "minuut", "seconde"})
# Cardinal numbers in words, which stand before a noun's adjectives ("twee gebroken ribben").
_COUNTS = frozenset({"twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien", "meerdere"})


def _e_adjective(word: str) -> bool:
    """An inflected adjective by its form: a Latinate or Dutch adjective ending, or a past participle
    whose bare form Dutch text uses ("ingezakte" → "ingezakt")."""
    if dutch.ADJECTIVE_E_ENDING.search(word):
        return True
    return dutch.PARTICIPLE_E.match(word) is not None and zipf(word[:-1]) >= 1.0


def _side_moved(term: str, side: str, nxt: str) -> str | None:
    """The noun the side belongs to in the term, when the proposal put the side before another word
    of the term ("structuur van rechter oor" → "rechter structuur")."""
    m = re.search(rf"\b{side}\s+([^\W\d_]+)", term)
    if m and m.group(1) != nxt and re.search(rf"\b{re.escape(nxt)}\b", term):
        return m.group(1)
    return None


def grammar(rows: pl.DataFrame) -> pl.DataFrame | None:
    """`rows`: row, term, raw (non-empty proposals of two or more words)."""
    hits = judged(rows, ["term", "raw"], compare, prefilter=pl.col("raw").str.contains(r"\S[\s/]+\S"), changed_only=True)
    return found(hits, "grammar", reason("grammar.reason", problems=pl.col("what")))
