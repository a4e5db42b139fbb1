"""Tokenising for keyword search and overlap features. Pure functions."""
from __future__ import annotations

import re
from functools import lru_cache

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
    nor not now of off on once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours yourself yourselves
    also may might must shall according said says say told reported report reports did does do get got
    many much one two three tell know""".split()
)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)


# Irregular forms the suffix stripper cannot join to their base ("paid" ~ "payments").
_IRREGULAR = {
    "paid": "pay", "left": "leave", "sent": "send", "kept": "keep", "gave": "give", "given": "give",
    "went": "go", "gone": "go", "came": "come", "took": "take", "taken": "take", "held": "hold",
    "brought": "bring", "bought": "buy", "sold": "sell", "told": "tell", "found": "find", "made": "make",
    "built": "build", "spent": "spend", "earned": "earn", "earnings": "earn", "wages": "wage", "salary": "wage",
    "salaries": "wage", "chosen": "choose", "chose": "choose", "met": "meet", "led": "lead", "fled": "flee",
    "began": "begin", "begun": "begin", "ran": "run", "stood": "stand", "lost": "lose", "won": "win",
    "men": "man", "women": "woman", "children": "child", "people": "person", "workers": "worker",
    "labourers": "worker", "labourer": "worker", "labour": "labor",
    # Synonyms the reports and their readers use for the same thing ("workers sent overseas" is
    # "laborers sent abroad"): one term, so overlap and BM25 match across the wording.
    "laborer": "worker", "laborers": "worker", "overseas": "abroad",
    # A people's adjective is its country's name for matching ("Chinese factories" are factories
    # in China; a question naming "Chinese" must not count "China" as missing).
    "chinese": "china", "russian": "russia", "russians": "russia", "korean": "korea", "koreans": "korea",
    "iranian": "iran", "iranians": "iran", "qatari": "qatar", "qataris": "qatar", "mongolian": "mongolia",
    "mongolians": "mongolia", "kuwaiti": "kuwait", "kuwaitis": "kuwait", "vietnamese": "vietnam",
    "laotian": "laos", "japanese": "japan", "african": "africa", "africans": "africa",
}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix stripper: enough to match laborers/laborer, recruiting/recruitment/recruited."""
    w = _IRREGULAR.get(word, word)
    if len(w) <= 3:
        return w
    for suffix, repl in (("ies", "y"), ("ments", ""), ("ment", ""), ("ings", ""), ("ing", ""), ("edly", ""),
                         ("ed", ""), ("ers", "er"), ("es", "e"), ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            if suffix == "s" and w.endswith(("ss", "us", "is")):
                continue
            w = w[: -len(suffix)] + repl
            break
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    return w


# "don't" is "do" + "n't": the stub before the apostrophe would otherwise be a content word ("don").
_NOT_STUBS = {"don": "do", "doesn": "does", "didn": "did", "isn": "is", "aren": "are", "wasn": "was",
              "weren": "were", "won": "will", "wouldn": "would", "couldn": "could", "shouldn": "should",
              "haven": "have", "hasn": "has", "hadn": "had", "mustn": "must", "needn": "need", "ain": "is"}


def _word(token: str, lower: bool = True) -> str:
    head, _, tail = token.replace("’", "'").partition("'")
    if tail.lower() == "t" and head.lower() in _NOT_STUBS:
        return _NOT_STUBS[head.lower()]
    return head.lower() if lower else head


def words(text: str) -> list[str]:
    return [_word(m.group()) for m in _WORD.finditer(text)]


def cased_words(text: str) -> list[str]:
    """:func:`words` with each word's own capitals kept (a name stays a name)."""
    return [_word(m.group(), lower=False) for m in _WORD.finditer(text)]


def terms(text: str) -> list[str]:
    """Content terms: lower-cased, stop words dropped, stemmed."""
    return list(_terms(text))


# Phrasal verbs readers use for a word the reports use ("go home", "head back" is "return"):
# rewritten to that word before tokenising, so overlap and BM25 match across the wording.
_PHRASES = ((re.compile(r"\b(?:go|goes|going|gone|went|come|comes|coming|came|head|heads|heading|headed|get|gets|"
                        r"getting|got|be|being|was|were|is|are)\s+(?:back\s+)?(?:home|back)\b", re.I), "return"),)


def normalize_phrases(text: str) -> str:
    for pattern, repl in _PHRASES:
        text = pattern.sub(repl, text)
    return text


@lru_cache(maxsize=32768)
def _terms(text: str) -> tuple[str, ...]:
    # Cached: the same report sentences (candidate, neighbours, previous) are tokenised for
    # every question; a hit costs a hash of the text instead of a regex pass and stemming.
    return tuple(stem(w) for w in words(normalize_phrases(text))
                 if w not in STOPWORDS and (len(w) > 1 or w.isdigit()))
