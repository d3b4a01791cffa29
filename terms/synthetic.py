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

`families=True` (`--families`) draws the terms from FAMILIES instead: a few templates over slots
(side, part of the bone or organ, open/closed, course, stage, grade, type, organism, resistance…)
whose products SNOMED fills densely, so thousands of terms — and TM entries — share all but one
or two words ("fractuur van schacht van linker femur", "… van rechter femur", "open fractuur van
distale deel van …"). Same RF2 shape, ids and determinism.

    python -m terms.synthetic OUT --concepts 380000 --tm 15000
    python -m terms.synthetic OUT --concepts 380000 --tm 15000 --families
"""
from __future__ import annotations

import argparse
import re
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

# --- families: SNOMED's large groups of near-identical terms ----------------------------------
# SNOMED holds thousands of concepts per pattern: "fractuur van schacht van linker femur", "… van
# rechter femur", "open fractuur van distale deel van …". A family is a template over slots; its
# concepts are (a sample of) the product of the slots' options, so thousands of terms, TM entries
# and proposals share all but one or two words — what candidate blocking and fuzzy matching meet
# on a real release. Slot options: (Dutch clinical, lay Dutch, English[, extra fields by name]).
# Templates name a slot's field as {slot} (its text in that language) or {slot.field}.

_SIDE = [("", "", ""), ("linker ", "linker", "left "), ("rechter ", "rechter", "right ")]
_BONES = [  # clinical, lay (one word: a side is glued on), English, article
    ("femur", "dijbeen", "femur", "het"), ("tibia", "scheenbeen", "tibia", "het"), ("fibula", "kuitbeen", "fibula", "het"),
    ("radius", "spaakbeen", "radius", "het"), ("ulna", "ellepijp", "ulna", "de"), ("humerus", "opperarmbeen", "humerus", "het"),
    ("clavicula", "sleutelbeen", "clavicle", "het"), ("scapula", "schouderblad", "scapula", "het"),
    ("patella", "knieschijf", "patella", "de"), ("calcaneus", "hielbeen", "calcaneus", "het"), ("talus", "sprongbeen", "talus", "het"),
    ("os scaphoideum", "handwortelbeentje", "scaphoid bone", "het"), ("os metacarpale", "middenhandsbeentje", "metacarpal bone", "het"),
    ("os metatarsale", "middenvoetsbeentje", "metatarsal bone", "het"), ("mandibula", "onderkaak", "mandible", "de"),
    ("maxilla", "bovenkaak", "maxilla", "de"), ("os nasale", "neusbeen", "nasal bone", "het"), ("rib", "rib", "rib", "de"),
    ("os ilium", "darmbeen", "ilium", "het"), ("os pubis", "schaambeen", "pubis", "het"), ("acetabulum", "heupkom", "acetabulum", "de"),
    ("malleolus lateralis", "buitenenkel", "lateral malleolus", "de"), ("malleolus medialis", "binnenenkel", "medial malleolus", "de"),
    ("olecranon", "elleboogsknobbel", "olecranon", "de"), ("falanx van vinger", "vingerkootje", "phalanx of finger", "het"),
    ("falanx van teen", "teenkootje", "phalanx of toe", "het"), ("os cuboideum", "teerlingbeen", "cuboid bone", "het"),
    ("os lunatum", "maanbeentje", "lunate bone", "het"), ("os coccygis", "stuitbeen", "coccyx", "het"),
]
_SITES = [  # soft-tissue sites: clinical, lay (one word), English, article
    ("hand", "hand", "hand", "de"), ("voet", "voet", "foot", "de"), ("knie", "knie", "knee", "de"), ("enkel", "enkel", "ankle", "de"),
    ("pols", "pols", "wrist", "de"), ("elleboog", "elleboog", "elbow", "de"), ("schouder", "schouder", "shoulder", "de"),
    ("heup", "heup", "hip", "de"), ("onderarm", "onderarm", "forearm", "de"), ("bovenarm", "bovenarm", "upper arm", "de"),
    ("onderbeen", "onderbeen", "lower leg", "het"), ("bovenbeen", "bovenbeen", "thigh", "het"), ("duim", "duim", "thumb", "de"),
    ("wijsvinger", "wijsvinger", "index finger", "de"), ("middelvinger", "middelvinger", "middle finger", "de"),
    ("ringvinger", "ringvinger", "ring finger", "de"), ("pink", "pink", "little finger", "de"), ("grote teen", "grote teen", "great toe", "de"),
    ("hiel", "hiel", "heel", "de"), ("wang", "wang", "cheek", "de"), ("oorschelp", "oorschelp", "auricle", "de"),
    ("ooglid", "ooglid", "eyelid", "het"), ("borst", "borst", "breast", "de"), ("bil", "bil", "buttock", "de"),
    ("lies", "lies", "groin", "de"), ("flank", "flank", "flank", "de"), ("kuit", "kuit", "calf", "de"), ("oksel", "oksel", "axilla", "de"),
    ("slaap", "slaap", "temple", "de"), ("voetzool", "voetzool", "sole of foot", "de"),
]
_ORGANS = [  # paired organs: clinical, lay, English, article
    ("long", "long", "lung", "de"), ("nier", "nier", "kidney", "de"), ("mamma", "borst", "breast", "de"),
    ("ovarium", "eierstok", "ovary", "de"), ("bijnier", "bijnier", "adrenal gland", "de"), ("testis", "zaadbal", "testis", "de"),
    ("oog", "oog", "eye", "het"), ("glandula parotis", "oorspeekselklier", "parotid gland", "de"),
    ("tonsil", "keelamandel", "tonsil", "de"), ("tuba uterina", "eileider", "fallopian tube", "de"),
    ("ureter", "urineleider", "ureter", "de"), ("hemisfeer van cerebrum", "hersenhelft", "cerebral hemisphere", "de"),
    ("schildklierkwab", "schildklierhelft", "lobe of thyroid", "de"), ("hoofdbronchus", "luchtpijptak", "main bronchus", "de"),
]
_ORGANISMS = [(o, o, o) for o in ORGANISMS]
_LIMB_PART = [("", "", ""), ("bovenste deel van ", "bovenkant van", "upper part of "), ("onderste deel van ", "onderkant van", "lower part of "),
              ("voorzijde van ", "voorkant van", "anterior aspect of "), ("achterzijde van ", "achterkant van", "posterior aspect of "),
              ("binnenzijde van ", "binnenkant van", "medial aspect of "), ("buitenzijde van ", "buitenkant van", "lateral aspect of ")]

FAMILIES = [
    dict(name="fracture", tag="disorder",
         slots=dict(pre=[("", "", ""), ("open ", "open ", "open "), ("gesloten ", "gesloten ", "closed "),
                         ("pathologische ", "spontane ", "pathological "), ("stress", "vermoeidheids", "stress ")],
                    part=[("", "van", ""), ("schacht van ", "in de schacht van", "shaft of "),
                          ("distale deel van ", "in het onderste deel van", "distal part of "),
                          ("proximale deel van ", "in het bovenste deel van", "proximal part of "),
                          ("hals van ", "in de hals van", "neck of "), ("kop van ", "in de kop van", "head of "),
                          ("epifyse van ", "in de groeischijf van", "epiphysis of "),
                          ("metafyse van ", "in het groeigebied van", "metaphysis of "), ("basis van ", "in de basis van", "base of "),
                          ("condylus van ", "in de knobbel van", "condyle of "),
                          ("processus styloideus van ", "in het uitsteeksel van", "styloid process of "),
                          ("intra-articulaire deel van ", "in het gewrichtsdeel van", "intra-articular part of ")],
                    side=_SIDE, bone=_BONES,
                    post=[("", "", ""), (" met verplaatsing", " met verschuiving", " with displacement"),
                          (" zonder verplaatsing", " zonder verschuiving", " without displacement"),
                          (" met vertraagde genezing", " die langzaam geneest", " with delayed union"),
                          (" met pseudartrose", " die niet aaneengroeit", " with nonunion"),
                          (" met malunie", " die scheef is aaneengegroeid", " with malunion")],
                    tail=[("", "", "")] + [(f" type {x}", f" type {x}", f" type {x}") for x in "ABC"]),
         nl="{pre}fractuur van {part}{side}{bone}{post}{tail}",
         lay="{pre}botbreuk {part} {bone.article} {side}{bone}{post}{tail}",
         en="{pre}fracture of {part}{side}{bone}{post}{tail}",
         explanation="Het bot is gebroken: {pre}botbreuk {part} {bone.article} {side}{bone}."),
    dict(name="injury", tag="disorder",
         slots=dict(kind=[("contusie", "kneuzing", "contusion"), ("laceratie", "snijwond", "laceration"),
                          ("abrasie", "schaafwond", "abrasion"), ("hematoom", "bloeduitstorting", "haematoma"),
                          ("open wond", "open wond", "open wound"), ("brandwond", "brandwond", "burn"),
                          ("bevriezing", "bevriezing", "frostbite"), ("beetwond", "bijtwond", "bite wound"),
                          ("steekwond", "steekwond", "stab wound")],
                    degree=[("", "", "")] + [(f" {w} graad", f" {w} graad", f" {e} degree")
                                             for w, e in (("eerste", "first"), ("tweede", "second"), ("derde", "third"))],
                    part=_LIMB_PART, side=_SIDE, site=_SITES,
                    post=[("", "", ""), (" met vreemd lichaam", " met iets dat nog in de wond zit", " with foreign body"),
                          (" met infectie", " die ontstoken is", " with infection"),
                          (" door val", " door een val", " due to fall"),
                          (" door verkeersongeval", " door een verkeersongeluk", " due to traffic accident")]),
         nl="{kind}{degree} van {part}{side}{site}{post}",
         lay="{kind}{degree} aan {part} {site.article} {side}{site}{post}",
         en="{kind}{degree} of {part}{side}{site}{post}",
         explanation="Een letsel aan {site.article} {side}{site}: {kind}."),
    dict(name="neoplasm", tag="disorder",
         slots=dict(kind=[("maligne neoplasma", "kwaadaardig gezwel", "malignant neoplasm"),
                          ("benigne neoplasma", "goedaardig gezwel", "benign neoplasm"),
                          ("carcinoom in situ", "beginnende kanker", "carcinoma in situ"),
                          ("secundaire maligne neoplasma", "uitzaaiing", "secondary malignant neoplasm"),
                          ("neoplasma met onzeker gedrag", "gezwel van onbekende aard", "neoplasm of uncertain behaviour"),
                          ("adenocarcinoom", "klierkanker", "adenocarcinoma"),
                          ("plaveiselcelcarcinoom", "plaveiselcelkanker", "squamous cell carcinoma")],
                    part=[("", "", ""), ("bovenpool van ", "bovenkant van", "upper pole of "),
                          ("onderpool van ", "onderkant van", "lower pole of "), ("voorwand van ", "voorkant van", "anterior wall of "),
                          ("achterwand van ", "achterkant van", "posterior wall of "), ("rand van ", "rand van", "margin of "),
                          ("overlappende gebieden van ", "meerdere plekken in", "overlapping sites of ")],
                    side=_SIDE, organ=_ORGANS,
                    stage=[("", "", "")] + [(f" stadium {r}", f" stadium {r}", f" stage {r}") for r in ("I", "II", "III", "IV", "IIA", "IIIB")],
                    grade=[("", "", "")] + [(f" graad {n}", f" graad {n}", f" grade {n}") for n in (1, 2, 3)]),
         nl="{kind} van {part}{side}{organ}{stage}{grade}",
         lay="{kind} in {part} {organ.article} {side}{organ}{stage}{grade}",
         en="{kind} of {part}{side}{organ}{stage}{grade}",
         explanation="Een gezwel in {organ.article} {side}{organ}: {kind}."),
    dict(name="infection", tag="disorder",
         slots=dict(course=[("", "", ""), ("acute ", "plotselinge ", "acute "), ("chronische ", "langdurige ", "chronic "),
                            ("recidiverende ", "steeds terugkerende ", "recurrent ")],
                    infection=INFECTIONS + [("osteomyelitis", "botontsteking", "osteomyelitis"),
                                            ("artritis", "gewrichtsontsteking", "arthritis"),
                                            ("cellulitis", "huidontsteking", "cellulitis"), ("peritonitis", "buikvliesontsteking", "peritonitis")],
                    organism=_ORGANISMS,
                    resistance=[("", "", ""), (" resistent tegen meticilline", " resistent tegen meticilline", " resistant to methicillin"),
                                (" resistent tegen vancomycine", " resistent tegen vancomycine", " resistant to vancomycin"),
                                (" met ESBL-productie", " met ESBL-productie", " with ESBL production"),
                                (" multiresistent", " ongevoelig voor veel antibiotica", " multidrug resistant")],
                    context=[("", "", ""), (" bij kind", " bij een kind", " in child"), (" bij pasgeborene", " bij een pasgeboren baby", " in newborn"),
                             (" tijdens zwangerschap", " tijdens de zwangerschap", " in pregnancy"),
                             (" na operatie", " na een operatie", " after surgery"),
                             (" bij immuungecompromitteerde patiënt", " bij verminderde afweer", " in immunocompromised patient")]),
         nl="{course}{infection} door {organism}{resistance}{context}",
         lay="{course}{infection} door {organism}{resistance}{context}",
         en="{course}{infection} due to {organism}{resistance}{context}",
         explanation="{infection}, veroorzaakt door {organism}."),
    dict(name="procedure", tag="procedure",
         slots=dict(approach=[("", "", ""), ("open ", "open ", "open "), ("laparoscopische ", "kijkoperatie: ", "laparoscopic "),
                              ("endoscopische ", "met een camera: ", "endoscopic "), ("percutane ", "via de huid: ", "percutaneous "),
                              ("robotgeassisteerde ", "met een operatierobot: ", "robot-assisted ")],
                    extent=[("", "", ""), ("totale ", "volledig ", "total "), ("partiële ", "gedeeltelijk ", "partial ")],
                    action=[("resectie", "verwijderen", "resection"), ("excisie", "wegsnijden", "excision"),
                            ("biopsie", "weefsel afnemen", "biopsy"), ("drainage", "vocht afvoeren", "drainage"),
                            ("reconstructie", "herstellen", "reconstruction"), ("fixatie", "vastzetten", "fixation"),
                            ("incisie", "insnijden", "incision"), ("punctie", "aanprikken", "puncture"),
                            ("revisie", "opnieuw opereren", "revision"), ("embolisatie", "afsluiten van de bloedtoevoer", "embolisation")],
                    part=[("", "", ""), ("bovenpool van ", "bovenkant van", "upper pole of "), ("onderpool van ", "onderkant van", "lower pole of "),
                          ("voorwand van ", "voorkant van", "anterior wall of "), ("achterwand van ", "achterkant van", "posterior wall of "),
                          ("laesie van ", "afwijking in", "lesion of "), ("cyste van ", "cyste in", "cyst of ")],
                    side=_SIDE, organ=_ORGANS + [(b[0], b[1], b[2], b[3]) for b in _BONES[:10]]),
         nl="{approach}{extent}{action} van {part}{side}{organ}",
         lay="{approach}{extent}{action} van {part} {organ.article} {side}{organ}",
         en="{approach}{extent}{action} of {part}{side}{organ}",
         explanation="Een behandeling van {organ.article} {side}{organ}: {action}."),
    dict(name="complaint", tag="finding",
         slots=dict(course=[("", "", ""), ("acute ", "plotselinge ", "acute "), ("chronische ", "langdurige ", "chronic "),
                            ("intermitterende ", "af en toe optredende ", "intermittent ")],
                    character=[("", "", ""), ("stekende ", "stekende ", "stabbing "), ("zeurende ", "zeurende ", "aching "),
                               ("brandende ", "brandende ", "burning "), ("kloppende ", "kloppende ", "throbbing ")],
                    kind=[("pijn", "pijn", "pain"), ("zwelling", "zwelling", "swelling"), ("stijfheid", "stijfheid", "stiffness"),
                          ("gevoelloosheid", "doof gevoel", "numbness"), ("paresthesie", "tintelingen", "paraesthesia"),
                          ("pruritus", "jeuk", "itching"), ("erytheem", "roodheid", "erythema"), ("krachtsverlies", "krachtsverlies", "weakness")],
                    part=_LIMB_PART, side=_SIDE, site=_SITES),
         nl="{course}{character}{kind} van {part}{side}{site}",
         lay="{course}{character}{kind} aan {part} {site.article} {side}{site}",
         en="{course}{character}{kind} of {part}{side}{site}",
         explanation="Een klacht aan {site.article} {side}{site}: {kind}."),
    dict(name="ulcer", tag="disorder",
         slots=dict(kind=[("decubitus", "doorligwond", "pressure ulcer"), ("ulcus cruris venosum", "open been door de aders", "venous leg ulcer"),
                          ("arterieel ulcus", "wond door slechte doorbloeding", "arterial ulcer"),
                          ("diabetisch ulcus", "wond door suikerziekte", "diabetic ulcer"), ("neuropathisch ulcus", "wond door zenuwschade", "neuropathic ulcer")],
                    category=[("", "", "")] + [(f" categorie {n}", f" categorie {n}", f" category {n}") for n in (1, 2, 3, 4)],
                    part=_LIMB_PART, side=_SIDE, site=_SITES,
                    post=[("", "", ""), (" met infectie", " die ontstoken is", " with infection"), (" met necrose", " met afgestorven weefsel", " with necrosis"),
                          (" met osteomyelitis", " met botontsteking", " with osteomyelitis")]),
         nl="{kind}{category} van {part}{side}{site}{post}",
         lay="{kind}{category} aan {part} {site.article} {side}{site}{post}",
         en="{kind}{category} of {part}{side}{site}{post}",
         explanation="Een wond die slecht geneest, aan {site.article} {side}{site}."),
    dict(name="diabetes", tag="disorder",
         slots=dict(kind=[("diabetes mellitus type 1", "suikerziekte type 1", "diabetes mellitus type 1"),
                          ("diabetes mellitus type 2", "suikerziekte type 2", "diabetes mellitus type 2"),
                          ("zwangerschapsdiabetes", "zwangerschapssuikerziekte", "gestational diabetes"),
                          ("MODY-diabetes", "MODY-suikerziekte", "MODY diabetes")],
                    severity=[("", "", ""), ("lichte ", "lichte ", "mild "), ("matige ", "matige ", "moderate "), ("ernstige ", "ernstige ", "severe "),
                              ("proliferatieve ", "woekerende ", "proliferative "), ("niet-proliferatieve ", "niet-woekerende ", "non-proliferative ")],
                    complication=[("neuropathie", "zenuwschade", "neuropathy"), ("nefropathie", "nierschade", "nephropathy"),
                                  ("retinopathie", "netvliesschade", "retinopathy"), ("angiopathie", "vaatschade", "angiopathy"),
                                  ("gangreen", "afgestorven weefsel", "gangrene"), ("ulcus", "wond", "ulcer"),
                                  ("artropathie", "gewrichtsschade", "arthropathy"), ("maculopathie", "schade aan de gele vlek", "maculopathy")],
                    site=[("", "", "")] + [(f" van {s}", f" aan {a} {s}", f" of {e}") for s, e, a in (
                        ("voet", "foot", "de"), ("oog", "eye", "het"), ("been", "leg", "het"), ("nier", "kidney", "de"), ("hand", "hand", "de"),
                        ("grote teen", "great toe", "de"), ("hiel", "heel", "de"), ("onderbeen", "lower leg", "het"))]),
         nl="{kind} met {severity}{complication}{site}",
         lay="{kind} met {severity}{complication}{site}",
         en="{kind} with {severity}{complication}{site}",
         explanation="Suikerziekte die schade geeft: {complication}."),
]


_FIELDS = ("nl", "lay", "en", "article")
_PLACE = re.compile(r"\{(\w+)(?:\.(\w+))?\}")


def _template(template: str, lang: str) -> pl.Expr:
    """A family template as one concat_str over slot columns ("{bone}" → column "bone.<lang>")."""
    pieces, pos = [], 0
    for m in _PLACE.finditer(template):
        if m.start() > pos:
            pieces.append(pl.lit(template[pos:m.start()]))
        pieces.append(pl.col(f"{m[1]}.{m[2] or lang}"))
        pos = m.end()
    if pos < len(template):
        pieces.append(pl.lit(template[pos:]))
    # empty slots leave runs of spaces; literal replaces are much cheaper than a regex here
    text = pl.concat_str(pieces)
    for _ in range(3):
        text = text.str.replace_all("  ", " ", literal=True)
    return text.str.strip_chars()


def family_space() -> list[tuple[str, int]]:
    """(family name, number of distinct concepts its slots make) for each family."""
    return [(f["name"], int(np.prod([len(o) for o in f["slots"].values()]))) for f in FAMILIES]


def family_concepts(n_concepts: int, seed: int = 0) -> pl.DataFrame:
    """n_concepts distinct concepts drawn from FAMILIES (the same columns as `synthetic_concepts`).

    Concepts are a uniform sample without replacement of the union of the families' slot products
    (~650,000 concepts), in random order: at 380,000 a family keeps ~60% of its members, so most
    terms have many siblings one slot away. The same seed gives the same frame."""
    spaces = [size for _, size in family_space()]
    total = sum(spaces)
    if not 1 <= n_concepts <= total * 0.9:
        raise ValueError(f"families mode makes at most {int(total * 0.9):,} concepts, asked {n_concepts:,}")
    rng = np.random.default_rng([seed, 2])
    picks = rng.choice(total, min(total, int(n_concepts * 1.05) + 100), replace=False)
    frames, start = [], 0
    for family, space in zip(FAMILIES, spaces):
        at = np.flatnonzero((picks >= start) & (picks < start + space))
        rest, columns = picks[at] - start, [pl.Series("pos", at, dtype=pl.Int64)]
        start += space
        for name, options in reversed(family["slots"].items()):  # mixed-radix digits, last slot fastest
            digit = pl.Series(rest % len(options), dtype=pl.UInt32)
            rest = rest // len(options)
            for k, field in enumerate(_FIELDS[:len(options[0])]):
                columns.append(pl.Series(f"{name}.{field}", [o[k] for o in options], dtype=pl.Utf8).gather(digit))
        frame = pl.DataFrame(columns)
        explanation = _template(family["explanation"], "lay")
        frames.append(frame.select(
            "pos", _template(family["nl"], "nl").alias("nl"), _template(family["lay"], "lay").alias("lay"),
            _template(family["en"], "en").alias("en"), pl.lit(family["tag"]).alias("tag"),
            (explanation.str.slice(0, 1).str.to_uppercase() + explanation.str.slice(1)).alias("explanation")))
    frame = pl.concat(frames).sort("pos").unique("nl", maintain_order=True)
    if frame.height < n_concepts:  # slot texts that collapse to the same term: very rare
        raise RuntimeError(f"families mode made only {frame.height:,} distinct terms for {n_concepts:,}")
    return frame.head(n_concepts).drop("pos")


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


def synthetic_concepts(n_concepts: int, seed: int = 0, families: bool = False) -> pl.DataFrame:
    """n_concepts distinct clinical concepts: idx, term (Dutch), patientTerm (lay), fsn (English with
    semantic tag), en (English term), tag, explanation. The same seed gives the same frame.

    `families`: terms from FAMILIES (large groups of near-identical terms, see `family_concepts`)
    instead of the combinatorial vocabulary above."""
    if families:
        return _as_concepts(family_concepts(n_concepts, seed))
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
    return _as_concepts(pl.concat(out).unique("nl", maintain_order=True).head(n_concepts))


def _as_concepts(frame: pl.DataFrame) -> pl.DataFrame:
    """nl, lay, en, tag, explanation → the columns `synthetic_concepts` promises."""
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


def release_frames(n_concepts: int, n_tm: int, seed: int = 0, families: bool = False) -> dict[str, pl.DataFrame]:
    """The four RF2 frames (RF2 column names, text values) of a synthetic release (`families`: see
    `synthetic_concepts`)."""
    if n_concepts < 1 or not 0 <= n_tm <= n_concepts:
        raise ValueError(f"need n_concepts ≥ 1 and 0 ≤ n_tm ≤ n_concepts, got {n_concepts} and {n_tm}")
    rng = np.random.default_rng([seed, 1])
    concepts = synthetic_concepts(n_concepts, seed, families)
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


def write_synthetic_release(out_dir: str | Path, n_concepts: int, n_tm: int, seed: int = 0,
                            families: bool = False) -> Path:
    """Write an NL-edition-shaped RF2 Snapshot under out_dir and return out_dir (readable by
    `terms.rf2.read_release`). `families`: terms in large families of near-identical terms."""
    out = Path(out_dir)
    frames = release_frames(n_concepts, n_tm, seed, families)
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
    parser.add_argument("--families", action="store_true",
                        help="terms in large families of near-identical terms (side, part, open/closed, stage, organism…)")
    args = parser.parse_args(argv)
    try:
        path = write_synthetic_release(args.out, args.concepts, args.tm, args.seed, args.families)
    except ValueError as exc:
        print(f"terms.synthetic: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path / 'Snapshot'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
