"""Synthetic NL-edition-shaped RF2 releases of any size, for benchmarks and scale tests.

`write_synthetic_release(out_dir, n_concepts, n_tm, seed)` writes a Snapshot folder shaped like
the Dutch edition: concepts, English and Dutch descriptions (FSN, preferred and acceptable
synonyms, a few retired ones), text definitions, and the US, Dutch and patient-friendly language
refsets; `n_tm` concepts carry a patient-friendly preferred synonym (the TM) and some an
explanation. Ids are real SCTIDs (Verhoeff) in the test namespace 9999999.

Terms are built combinatorially from Dutch clinical vocabulary — organ roots × morpheme suffixes
× qualifiers × types and stages, body sites × injuries, infections × organisms — so fuzzy
matching meets what it meets in SNOMED: thousands of terms that differ by one qualifier, side,
number or organism, not random strings. The same seed gives byte-identical files.

    python -m terms.synthetic OUT --concepts 380000 --tm 15000
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import polars as pl

from terms import config as C
from terms import rf2
from terms.sctid import _D, _INV, _P, make

NAMESPACE = "9999999"  # the test namespace: ids that can never clash with a real release
CORE_MODULE = "900000000000207008"
PRIMITIVE = "900000000000074008"
RELEASE_DATE = "20260930"
EARLIER_DATES = ["20200131", "20210930", "20230331", "20250331", RELEASE_DATE]

# --- vocabulary: (Dutch clinical, lay Dutch, English) -----------------------------------------

# Greek/Latin organ roots: clinical root, lay noun, its article, English root.
ROOTS = [
    ("hepat", "lever", "de", "hepat"), ("nefr", "nier", "de", "nephr"), ("gastr", "maag", "de", "gastr"),
    ("col", "dikke darm", "de", "col"), ("enter", "darm", "de", "enter"), ("cyst", "blaas", "de", "cyst"),
    ("cholecyst", "galblaas", "de", "cholecyst"), ("pancreat", "alvleesklier", "de", "pancreat"),
    ("appendic", "blindedarm", "de", "appendic"), ("artr", "gewricht", "het", "arthr"), ("oste", "bot", "het", "oste"),
    ("myel", "ruggenmerg", "het", "myel"), ("encefal", "hersenen", "de", "encephal"),
    ("mening", "hersenvliezen", "de", "mening"), ("neur", "zenuw", "de", "neur"), ("derm", "huid", "de", "derm"),
    ("card", "hart", "het", "card"), ("pericard", "hartzakje", "het", "pericard"),
    ("myocard", "hartspier", "de", "myocard"), ("endocard", "hartbinnenbekleding", "de", "endocard"),
    ("bronch", "luchtpijp", "de", "bronch"), ("laryng", "strottenhoofd", "het", "laryng"),
    ("faryng", "keel", "de", "pharyng"), ("rhin", "neus", "de", "rhin"), ("sinus", "bijholte", "de", "sinus"),
    ("ot", "oor", "het", "ot"), ("conjunctiv", "bindvlies", "het", "conjunctiv"), ("blefar", "ooglid", "het", "blephar"),
    ("kerat", "hoornvlies", "het", "kerat"), ("retin", "netvlies", "het", "retin"), ("tonsill", "amandel", "de", "tonsill"),
    ("thyreoid", "schildklier", "de", "thyroid"), ("prostat", "prostaat", "de", "prostat"),
    ("orch", "zaadbal", "de", "orch"), ("oofor", "eierstok", "de", "oophor"), ("salping", "eileider", "de", "salping"),
    ("hyster", "baarmoeder", "de", "hyster"), ("mast", "borst", "de", "mast"), ("splen", "milt", "de", "splen"),
    ("lymfaden", "lymfeklier", "de", "lymphaden"), ("fleb", "ader", "de", "phleb"), ("arteri", "slagader", "de", "arteri"),
    ("pleur", "borstvlies", "het", "pleur"), ("pneum", "long", "de", "pneum"), ("oesofag", "slokdarm", "de", "oesophag"),
    ("duoden", "twaalfvingerige darm", "de", "duoden"), ("ile", "kronkeldarm", "de", "ile"),
    ("proct", "endeldarm", "de", "proct"), ("pyel", "nierbekken", "het", "pyel"), ("urethr", "plasbuis", "de", "urethr"),
    ("vagin", "vagina", "de", "vagin"), ("cervic", "baarmoederhals", "de", "cervic"), ("tend", "pees", "de", "tend"),
    ("burs", "slijmbeurs", "de", "burs"), ("spondyl", "wervel", "de", "spondyl"), ("chondr", "kraakbeen", "het", "chondr"),
    ("gingiv", "tandvlees", "het", "gingiv"), ("gloss", "tong", "de", "gloss"), ("stomat", "mond", "de", "stomat"),
    ("sialaden", "speekselklier", "de", "sialaden"), ("vascul", "bloedvat", "het", "vascul"),
]
# Morpheme suffixes: clinical, lay compound ({r} glued to the root), lay phrase, English, semantic tag, gloss.
SUFFIXES = [
    ("itis", "{r}ontsteking", "ontsteking van {a} {r}", "itis", "disorder", "een ontsteking van {a} {r}"),
    ("algie", "{r}pijn", "pijn in {a} {r}", "algia", "finding", "pijn in {a} {r}"),
    ("ectomie", "", "verwijderen van {a} {r}", "ectomy", "procedure", "een operatie waarbij {a} {r} wordt weggehaald"),
    ("otomie", "", "insnijding van {a} {r}", "otomy", "procedure", "een operatie waarbij {a} {r} wordt opengemaakt"),
    ("oscopie", "", "kijkonderzoek van {a} {r}", "oscopy", "procedure", "een onderzoek waarbij de arts met een camera in {a} {r} kijkt"),
    ("ografie", "", "foto van {a} {r}", "ography", "procedure", "een foto van {a} {r}"),
    ("oplastiek", "", "herstel van {a} {r}", "oplasty", "procedure", "een operatie waarbij {a} {r} wordt hersteld"),
    ("ostomie", "", "kunstmatige opening van {a} {r}", "ostomy", "procedure", "een operatie waarbij een opening in {a} {r} wordt gemaakt"),
    ("opathie", "", "aandoening van {a} {r}", "opathy", "disorder", "een ziekte van {a} {r}"),
    ("oom", "", "gezwel van {a} {r}", "oma", "disorder", "een gezwel van {a} {r}"),
    ("ocarcinoom", "{r}kanker", "kanker van {a} {r}", "ocarcinoma", "disorder", "kanker die begint in {a} {r}"),
    ("osarcoom", "", "kwaadaardig gezwel van {a} {r}", "osarcoma", "disorder", "een kwaadaardig gezwel van {a} {r}"),
    ("olithiasis", "{r}stenen", "stenen in {a} {r}", "olithiasis", "disorder", "stenen in {a} {r}"),
    ("omegalie", "", "vergrote {r}", "omegaly", "finding", "{a} {r} is groter dan normaal"),
    ("ostenose", "", "vernauwing van {a} {r}", "ostenosis", "disorder", "{a} {r} is nauwer dan normaal"),
    ("osclerose", "", "verharding van {a} {r}", "osclerosis", "disorder", "{a} {r} is hard geworden"),
    ("ofibrose", "", "verlittekening van {a} {r}", "ofibrosis", "disorder", "er zit littekenweefsel in {a} {r}"),
    ("omalacie", "", "verweking van {a} {r}", "omalacia", "disorder", "{a} {r} is zacht geworden"),
    ("orragie", "{r}bloeding", "bloeding van {a} {r}", "orrhagia", "disorder", "een bloeding uit {a} {r}"),
    ("optose", "", "verzakking van {a} {r}", "optosis", "disorder", "{a} {r} is gezakt"),
]
# Body sites with an injury or complaint: clinical site, lay site, English.
SITES = [
    ("femur", "dijbeen", "femur"), ("tibia", "scheenbeen", "tibia"), ("fibula", "kuitbeen", "fibula"),
    ("radius", "spaakbeen", "radius"), ("ulna", "ellepijp", "ulna"), ("humerus", "opperarmbeen", "humerus"),
    ("clavicula", "sleutelbeen", "clavicle"), ("patella", "knieschijf", "patella"), ("scapula", "schouderblad", "scapula"),
    ("os scaphoideum", "handwortelbeentje", "scaphoid bone"), ("calcaneus", "hielbeen", "calcaneus"),
    ("enkel", "enkel", "ankle"), ("knie", "knie", "knee"), ("heup", "heup", "hip"), ("schouder", "schouder", "shoulder"),
    ("elleboog", "elleboog", "elbow"), ("pols", "pols", "wrist"), ("wijsvinger", "wijsvinger", "index finger"),
    ("duim", "duim", "thumb"), ("grote teen", "grote teen", "great toe"), ("rib", "rib", "rib"),
    ("mandibula", "onderkaak", "mandible"), ("os nasale", "neusbeen", "nasal bone"), ("voet", "voet", "foot"),
    ("hand", "hand", "hand"), ("onderarm", "onderarm", "forearm"), ("onderbeen", "onderbeen", "lower leg"),
    ("bovenarm", "bovenarm", "upper arm"), ("bovenbeen", "bovenbeen", "thigh"), ("oorschelp", "oorschelp", "auricle"),
]
SIDES = [("", "", ""), ("linker ", "linker ", "left "), ("rechter ", "rechter ", "right ")]
# Injuries and complaints at a site: clinical, lay ({s} = side + site), English, tag.
INJURIES = [
    ("fractuur van {s}", "gebroken {s}", "fracture of {s}", "disorder"),
    ("luxatie van {s}", "ontwrichte {s}", "dislocation of {s}", "disorder"),
    ("contusie van {s}", "kneuzing van {s}", "contusion of {s}", "disorder"),
    ("distorsie van {s}", "verstuiking van {s}", "sprain of {s}", "disorder"),
    ("laceratie van {s}", "snijwond in {s}", "laceration of {s}", "disorder"),
    ("abces van {s}", "ettergezwel aan {s}", "abscess of {s}", "disorder"),
    ("hematoom van {s}", "bloeduitstorting aan {s}", "haematoma of {s}", "disorder"),
    ("pijn in {s}", "pijn in {s}", "pain in {s}", "finding"),
    ("zwelling van {s}", "zwelling van {s}", "swelling of {s}", "finding"),
    ("osteomyelitis van {s}", "botontsteking in {s}", "osteomyelitis of {s}", "disorder"),
    ("amputatie van {s}", "afzetten van {s}", "amputation of {s}", "procedure"),
    ("röntgenfoto van {s}", "foto van {s}", "X-ray of {s}", "procedure"),
    ("cellulitis van {s}", "huidontsteking aan {s}", "cellulitis of {s}", "disorder"),
    ("artrose van {s}", "slijtage van {s}", "osteoarthritis of {s}", "disorder"),
]
# Infections by organism: clinical, lay, English.
INFECTIONS = [
    ("pneumonie", "longontsteking", "pneumonia"), ("meningitis", "hersenvliesontsteking", "meningitis"),
    ("sepsis", "bloedvergiftiging", "sepsis"), ("gastro-enteritis", "buikgriep", "gastroenteritis"),
    ("cystitis", "blaasontsteking", "cystitis"), ("otitis media", "middenoorontsteking", "otitis media"),
    ("conjunctivitis", "bindvliesontsteking", "conjunctivitis"), ("endocarditis", "ontsteking van de hartklep", "endocarditis"),
    ("urineweginfectie", "infectie van de urinewegen", "urinary tract infection"), ("wondinfectie", "ontstoken wond", "wound infection"),
    ("bacteriëmie", "bacteriën in het bloed", "bacteraemia"), ("keratitis", "hoornvliesontsteking", "keratitis"),
    ("encefalitis", "hersenontsteking", "encephalitis"), ("pyelonefritis", "nierbekkenontsteking", "pyelonephritis"),
    ("bronchitis", "luchtwegontsteking", "bronchitis"), ("sinusitis", "bijholteontsteking", "sinusitis"),
]
ORGANISMS = [
    "Staphylococcus aureus", "Streptococcus pneumoniae", "Escherichia coli", "Klebsiella pneumoniae",
    "Pseudomonas aeruginosa", "Haemophilus influenzae", "Neisseria meningitidis", "Listeria monocytogenes",
    "Enterococcus faecalis", "Candida albicans", "Mycoplasma pneumoniae", "Legionella pneumophila",
    "Salmonella enteritidis", "Campylobacter jejuni", "Clostridioides difficile", "influenzavirus A", "influenzavirus B",
    "rotavirus", "norovirus", "herpessimplexvirus", "varicellazostervirus", "respiratoir syncytieel virus",
    "SARS-CoV-2", "adenovirus", "enterovirus", "cytomegalovirus", "epstein-barrvirus", "Aspergillus fumigatus",
    "Chlamydia trachomatis", "Mycobacterium tuberculosis", "Bordetella pertussis", "Proteus mirabilis",
    "Serratia marcescens", "Acinetobacter baumannii", "Moraxella catarrhalis", "Streptococcus pyogenes",
    "Staphylococcus epidermidis", "Borrelia burgdorferi", "Toxoplasma gondii", "Giardia lamblia",
]
# Qualifiers before the core: clinical, lay, English, which tags take them.
PRE = [
    ("", "", "", "*"), ("acute ", "plotselinge ", "acute ", "disorder finding"),
    ("chronische ", "chronische ", "chronic ", "disorder finding"), ("subacute ", "subacute ", "subacute ", "disorder"),
    ("recidiverende ", "steeds terugkerende ", "recurrent ", "disorder injury"),
    ("aangeboren ", "aangeboren ", "congenital ", "disorder"), ("ernstige ", "ernstige ", "severe ", "disorder finding injury"),
    ("lichte ", "lichte ", "mild ", "disorder finding injury"), ("primaire ", "primaire ", "primary ", "disorder"),
    ("secundaire ", "secundaire ", "secondary ", "disorder"), ("maligne ", "kwaadaardige ", "malignant ", "disorder"),
    ("benigne ", "goedaardige ", "benign ", "disorder"), ("infectieuze ", "besmettelijke ", "infectious ", "disorder"),
    ("virale ", "virale ", "viral ", "disorder"), ("bacteriële ", "bacteriële ", "bacterial ", "disorder"),
    ("allergische ", "allergische ", "allergic ", "disorder"), ("totale ", "totale ", "total ", "procedure"),
    ("partiële ", "gedeeltelijke ", "partial ", "procedure"), ("laparoscopische ", "laparoscopische ", "laparoscopic ", "procedure"),
    ("open ", "open ", "open ", "procedure injury"), ("diagnostische ", "diagnostische ", "diagnostic ", "procedure"),
    ("spoed", "spoed", "emergency ", "procedure"), ("gesloten ", "gesloten ", "closed ", "injury"),
]
# Qualifiers after the core.
POST = [
    ("", "", "", "*"), (" links", " links", " of left side", "disorder procedure finding"),
    (" rechts", " rechts", " of right side", "disorder procedure finding"),
    (" bilateraal", " aan beide kanten", " bilateral", "disorder procedure finding"),
    (" tijdens zwangerschap", " tijdens de zwangerschap", " in pregnancy", "disorder finding injury"),
    (" na operatie", " na een operatie", " after surgery", "disorder finding injury"),
    (" door trauma", " door een ongeluk", " due to trauma", "disorder injury"),
    (" bij kind", " bij een kind", " in child", "disorder finding injury"),
    (" met complicatie", " met complicatie", " with complication", "disorder procedure injury"),
    (" zonder complicatie", " zonder complicatie", " without complication", "disorder procedure injury"),
]
# Types, stages and grades: numbers a checker must see kept.
TAILS = [("", "", "")] + [(f" type {n}", f" type {n}", f" type {n}") for n in range(1, 5)] + [
    (f" stadium {r}", f" stadium {r}", f" stage {r}") for r in ("I", "II", "III", "IV")] + [
    (f" graad {n}", f" graad {n}", f" grade {n}") for n in range(1, 4)]

TAG_NL = {"disorder": "aandoening", "finding": "bevinding", "procedure": "verrichting"}
# Acceptable synonyms: a format and the columns it takes ("term", "tagNl", "En", "tag").
NL_VARIANTS = [("{} NAO", "term"), ("{}, niet gespecificeerd", "term"), ("{} (niet nader omschreven)", "term"),
               ("{} e.c.i.", "term"), ("{} - {}", "term", "tagNl")]
EN_VARIANTS = [("{} NOS", "En"), ("{}, unspecified", "En"), ("{} - {}", "En", "tag"), ("{} (clinical)", "En")]


def _cores() -> pl.DataFrame:
    """Every core term (before qualifiers): nl, lay, en, tag, whether a side may follow, explanation."""
    rows = []
    for root, lay, article, en_root in ROOTS:
        for suffix, compound, phrase, en_suffix, tag, gloss in SUFFIXES:
            glued = lay.replace(" ", "")
            pattern = compound if compound and " " not in lay else phrase
            lay_core = pattern.replace("{r}", glued if pattern == compound else lay).replace("{a}", article)
            nl = root + suffix if not (root.endswith("o") and suffix.startswith("o")) else root + suffix[1:]
            explanation = gloss.replace("{a}", article).replace("{r}", lay)
            rows.append((nl, lay_core, en_root + en_suffix, tag, tag, True, explanation[0].upper() + explanation[1:] + "."))
    for site, lay_site, en_site in SITES:
        for side, lay_side, en_side in SIDES:
            for nl, lay, en, tag in INJURIES:
                rows.append((nl.replace("{s}", side + site), lay.replace("{s}", lay_side + lay_site),
                             en.replace("{s}", en_side + en_site), tag, "injury", False,
                             f"Een letsel of klacht van de {lay_side}{lay_site}: {lay.replace('{s}', lay_side + lay_site)}."))
    for nl, lay, en in INFECTIONS:
        for organism in ORGANISMS:
            rows.append((f"{nl} door {organism}", f"{lay} door {organism}", f"{en} due to {organism}", "disorder", "disorder", False,
                         f"{lay.capitalize()}, veroorzaakt door {organism}."))
    return pl.DataFrame(rows, schema=["nl", "lay", "en", "tag", "fits", "sided", "explanation"], orient="row")


def _parts(table: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(table, schema=["nl", "lay", "en", "tags"][:len(table[0])], orient="row")


def synthetic_concepts(n_concepts: int, seed: int = 0) -> pl.DataFrame:
    """n_concepts distinct clinical concepts: idx, term (Dutch), patientTerm (lay), fsn (English with
    semantic tag), en (English term), tag, explanation. The same seed gives the same frame."""
    rng = np.random.default_rng(seed)
    cores, pre, post, tails = _cores(), _parts(PRE), _parts(POST), _parts(TAILS)
    weights = np.where(cores["sided"].to_numpy(), 1.0, 0.4)  # morpheme terms dominate, as in SNOMED
    tags = sorted(TAG_NL) + ["injury"]
    tag_of_core = cores["fits"].replace_strict({t: i for i, t in enumerate(tags)}, return_dtype=pl.Int64).to_numpy()
    # fits[tag, qualifier]: whether a qualifier goes with a semantic tag ("totale" with procedures only)
    pre_fits = np.array([[q == "*" or t in q.split() for q in pre["tags"]] for t in tags])
    post_fits = np.array([[q == "*" or t in q.split() for q in post["tags"]] for t in tags])
    out, have = [], 0
    while have < n_concepts:
        n = int((n_concepts - have) * 1.6) + 1000
        c = rng.choice(cores.height, n, p=weights / weights.sum())
        # Most terms carry no qualifier; a few carry several (SNOMED's long tail).
        q = np.where(rng.random(n) < 0.5, 0, rng.integers(1, pre.height, n))
        p = np.where(rng.random(n) < 0.6, 0, rng.integers(1, post.height, n))
        t = np.where(rng.random(n) < 0.65, 0, rng.integers(1, tails.height, n))
        tag = tag_of_core[c]
        q = np.where(pre_fits[tag, q], q, 0)
        p = np.where(post_fits[tag, p], p, 0)
        p = np.where(cores["sided"].to_numpy()[c] | (p > 3) | (p == 0), p, 0)  # injuries carry their side inside
        frame = pl.DataFrame({
            "nl": pre["nl"].gather(q) + cores["nl"].gather(c) + post["nl"].gather(p) + tails["nl"].gather(t),
            "lay": pre["lay"].gather(q) + cores["lay"].gather(c) + post["lay"].gather(p) + tails["lay"].gather(t),
            "en": pre["en"].gather(q) + cores["en"].gather(c) + post["en"].gather(p) + tails["en"].gather(t),
            "tag": cores["tag"].gather(c), "explanation": cores["explanation"].gather(c),
        })
        out.append(frame)
        have = pl.concat(out).unique("nl", maintain_order=True).height
    frame = pl.concat(out).unique("nl", maintain_order=True).head(n_concepts)
    return frame.with_row_index("idx").select(
        "idx", pl.col("nl").alias("term"), pl.col("lay").alias("patientTerm"),
        pl.format("{} ({})", pl.col("en").str.slice(0, 1).str.to_uppercase() + pl.col("en").str.slice(1), pl.col("tag"))
        .alias("fsn"),
        "en", "tag", "explanation")


def sctids(items: np.ndarray, partition: str, namespace: str = NAMESPACE) -> pl.Series:
    """`terms.sctid.make(item, partition, namespace)` for a whole array of item ids at once."""
    items = np.asarray(items, dtype=np.int64)
    if len(items) and items.min() < 1:
        raise ValueError("item ids start at 1")
    d, p = np.array(_D, dtype=np.uint8), np.array(_P, dtype=np.uint8)
    tail = namespace + partition
    c = 0  # the constant right-hand digits (namespace, partition) first, as verhoeff_digit reads them
    for i, ch in enumerate(reversed(tail)):
        c = _D[c][_P[(i + 1) % 8][int(ch)]]
    state = np.full(len(items), c, dtype=np.uint8)
    rest = items.copy()
    for k in range(19 - len(tail)):
        digit = (rest % 10).astype(np.uint8)
        state = np.where(rest > 0, d[state, p[(len(tail) + k + 1) % 8][digit]], state)
        rest //= 10
    check = np.array(_INV, dtype=np.uint8)[state]
    out = pl.Series("id", items).cast(pl.Utf8) + tail + pl.Series(check).cast(pl.Utf8)
    for i in (0, -1)[:len(items)]:  # the vectorised digits must agree with the one-at-a-time definition
        if out[i] != make(int(items[i]), partition, namespace):
            raise RuntimeError(f"vectorised SCTID {out[i]} differs from terms.sctid.make")
    return out


def _uuids(rng: np.random.Generator, n: int) -> pl.Series:
    """n random version-4 UUIDs (text), from the seeded generator."""
    raw = np.frombuffer(rng.bytes(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexed = pl.Series("h", np.frombuffer(raw.tobytes().hex().encode(), dtype="S32").astype("U32"))
    return pl.concat_str([hexed.str.slice(0, 8), hexed.str.slice(8, 4), hexed.str.slice(12, 4),
                          hexed.str.slice(16, 4), hexed.str.slice(20, 12)], separator="-").alias("id")


def release_frames(n_concepts: int, n_tm: int, seed: int = 0) -> dict[str, pl.DataFrame]:
    """The four RF2 frames (RF2 column names, text values) of a synthetic release."""
    if n_concepts < 1 or not 0 <= n_tm <= n_concepts:
        raise ValueError(f"need n_concepts ≥ 1 and 0 ≤ n_tm ≤ n_concepts, got {n_concepts} and {n_tm}")
    rng = np.random.default_rng([seed, 1])
    concepts = synthetic_concepts(n_concepts, seed)
    n = concepts.height
    ids = sctids(np.arange(1, n + 1), "10")
    concepts = concepts.with_columns(ids.alias("conceptId"),
                                     pl.Series("effectiveTime", np.array(EARLIER_DATES)[rng.integers(0, 5, n)]))
    tm_mask = np.zeros(n, dtype=bool)
    tm_mask[rng.choice(n, n_tm, replace=False)] = True
    explained = tm_mask & (rng.random(n) < 0.6)
    n_en = rng.integers(0, 5, n)   # acceptable English synonyms per concept
    n_nl = rng.integers(0, 6, n)   # acceptable Dutch synonyms
    retired = rng.random(n) < 0.4  # a retired Dutch synonym
    pf_alt = tm_mask & (rng.random(n) < 0.2)
    base = concepts.select("idx", "conceptId", "effectiveTime", "term", "patientTerm", "fsn", "en", "tag",
                           pl.col("tag").replace_strict(TAG_NL).alias("tagNl"))
    base = base.with_columns((pl.col("en").str.slice(0, 1).str.to_uppercase() + pl.col("en").str.slice(1)).alias("En"))
    cap_en = pl.col("En")

    def rows(mask, slot, term, lang, module, type_id, refset, acceptability, active=True):
        chosen = base.filter(pl.Series(mask)) if mask is not None else base
        return chosen.select("idx", pl.lit(slot).alias("slot"), "conceptId", "effectiveTime", term.alias("term"),
                             pl.lit(lang).alias("languageCode"), pl.lit(module).alias("moduleId"),
                             pl.lit(type_id).alias("typeId"), pl.lit(refset, pl.Utf8).alias("refsetId"),
                             pl.lit(acceptability, pl.Utf8).alias("acceptabilityId"), pl.lit(active).alias("active"))

    P, A = C.PREFERRED, C.ACCEPTABLE
    parts = [
        rows(None, 0, pl.col("fsn"), "en", CORE_MODULE, C.FSN, C.US_LANGUAGE_REFSET, P),
        rows(None, 1, cap_en, "en", CORE_MODULE, C.SYNONYM, C.US_LANGUAGE_REFSET, P),
        *[rows(n_en > k, 2 + k, pl.format(v[0], *v[1:]),
               "en", CORE_MODULE, C.SYNONYM, C.US_LANGUAGE_REFSET, A) for k, v in enumerate(EN_VARIANTS)],
        rows(None, 10, pl.format("{} ({})", pl.col("term"), pl.col("tagNl")), "nl", C.NL_MODULE, C.FSN, C.NL_LANGUAGE_REFSET, P),
        rows(None, 11, pl.col("term"), "nl", C.NL_MODULE, C.SYNONYM, C.NL_LANGUAGE_REFSET, P),
        *[rows(n_nl > k, 12 + k, pl.format(v[0], *v[1:]),
               "nl", C.NL_MODULE, C.SYNONYM, C.NL_LANGUAGE_REFSET, A) for k, v in enumerate(NL_VARIANTS)],
        rows(retired, 20, pl.col("term") + pl.lit(" (verouderd)"), "nl", C.NL_MODULE, C.SYNONYM, None, None, active=False),
        rows(tm_mask, 21, pl.col("patientTerm"), "nl", C.PATIENT_FRIENDLY_MODULE, C.SYNONYM, C.PATIENT_FRIENDLY_REFSET, P),
        rows(pf_alt, 22, pl.col("patientTerm").str.replace(r"^(plotselinge|chronische|ernstige|lichte) ", "")
             .str.replace(r"ontsteking$", "infectie"), "nl", C.PATIENT_FRIENDLY_MODULE, C.SYNONYM,
             C.PATIENT_FRIENDLY_REFSET, A),
    ]
    described = pl.concat(parts).sort("idx", "slot")
    descriptions = described.with_columns(sctids(np.arange(1, described.height + 1), "11").alias("id"))
    # Patient-friendly explanations in the patient-friendly module; a few English definitions in core.
    english_def = rng.random(n) < 0.03
    defs = pl.concat([
        concepts.filter(pl.Series(explained)).select("idx", pl.lit(0).alias("slot"), "conceptId", "effectiveTime",
                                                     pl.col("explanation").alias("term"), pl.lit("nl").alias("languageCode"),
                                                     pl.lit(C.PATIENT_FRIENDLY_MODULE).alias("moduleId"),
                                                     pl.lit(C.PATIENT_FRIENDLY_REFSET).alias("refsetId")),
        base.filter(pl.Series(english_def)).select("idx", pl.lit(1).alias("slot"), "conceptId", "effectiveTime",
                                                   pl.format("{} is a {} (synthetic definition).", cap_en, pl.col("tag")).alias("term"),
                                                   pl.lit("en").alias("languageCode"), pl.lit(CORE_MODULE).alias("moduleId"),
                                                   pl.lit(C.US_LANGUAGE_REFSET).alias("refsetId")),
    ]).sort("idx", "slot").with_columns(pl.lit(C.DEFINITION).alias("typeId"), pl.lit(P).alias("acceptabilityId"),
                                        pl.lit(True).alias("active"))
    defs = defs.with_columns(sctids(np.arange(descriptions.height + 1, descriptions.height + defs.height + 1), "11").alias("id"))
    members = pl.concat([f.filter(pl.col("refsetId").is_not_null() & pl.col("active")).select(
        "effectiveTime", "moduleId", "refsetId", pl.col("id").alias("referencedComponentId"), "acceptabilityId")
        for f in (descriptions, defs)])
    members = members.with_columns(_uuids(rng, members.height), pl.lit(True).alias("active"))
    # Eponyms and organism names are capitalised: those terms are case sensitive.
    case = (pl.when(pl.col("term").str.slice(1).str.contains(r"\p{Lu}"))
            .then(pl.lit(C.CASE_SENSITIVE)).otherwise(pl.lit(C.CASE_INSENSITIVE)).alias("caseSignificanceId"))
    return {
        "Concept": concepts.select("conceptId", "effectiveTime").rename({"conceptId": "id"}).with_columns(
            pl.lit(True).alias("active"), pl.lit(C.NL_MODULE).alias("moduleId"), pl.lit(PRIMITIVE).alias("definitionStatusId")),
        "Description": descriptions.with_columns(case),
        "TextDefinition": defs.with_columns(case),
        "Language": members,
    }


def write_synthetic_release(out_dir: str | Path, n_concepts: int, n_tm: int, seed: int = 0) -> Path:
    """Write an NL-edition-shaped RF2 Snapshot under out_dir and return out_dir (readable by
    `terms.rf2.read_release`)."""
    out = Path(out_dir)
    frames = release_frames(n_concepts, n_tm, seed)
    folders = {"Concept": "Terminology", "Description": "Terminology", "TextDefinition": "Terminology",
               "Language": "Refset/Language"}
    for component, frame in frames.items():
        name = rf2.rf2_filename(component, "Snapshot", C.NL_NAMESPACE, RELEASE_DATE)
        rf2.write_rf2(frame, out / "Snapshot" / folders[component] / name, component)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m terms.synthetic", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="folder to write (Snapshot/… is created inside)")
    parser.add_argument("--concepts", type=int, default=10_000)
    parser.add_argument("--tm", type=int, default=1_000, help="concepts with a patient-friendly term")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        path = write_synthetic_release(args.out, args.concepts, args.tm, args.seed)
    except ValueError as exc:
        print(f"terms.synthetic: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path / 'Snapshot'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
