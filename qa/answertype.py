"""What kind of answer a question asks for, and whether a sentence holds one. Pure functions.

A question like "How much are they paid?" needs an amount; a sentence about pay that gives
none does not answer it, however close its words are. These detectors are cheap regexes used
as features of the answerability scorer (:mod:`qa.answerability`), which learns how much
each one counts.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .currencies import CURRENCY_AFTER

_NUMWORD = (r"(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
            r"forty|fifty|hundred|thousand|dozens?|hundreds|thousands|a few|several|a month|a year|a week)")
_DURATION = re.compile(r"\b(?:a few|several) (?:years|months|weeks|days)\b|"
                       + _NUMWORD + r"(?:\s*(?:to|or|-|–)\s*" + _NUMWORD + r")?[\s-]+(?:years?|months?|weeks?|days?|hours?)\b"
                       r"|\b(?:every|each)\s+(?:year|month|week|day)\b"
                       # "took almost a year", "for a month", "within a week": one unit, spelled "a"
                       r"|\b(?:for|took|takes|take|taking|within|lasts?|lasted|spent|spend|spends|almost|nearly|about|"
                       r"over|under|up to|at least|more than|less than|half)\s+(?:(?:almost|nearly|about|over|only|just)\s+)?"
                       r"(?:a|an|one)\s+(?:year|month|week|day|hour|decade|season|winter|summer)\b"
                       r"|" + _NUMWORD + r"[\s-]+(?:decades?|seasons?|winters?|summers?)\b", re.I)
_AMOUNT = re.compile(r"(?:\$\s?\d[\d,.]*|\b\d[\d,.]*\s*(?:dollars?|usd|yuan|won|rubles?|euros?|percent|%)"
                     # a quantity of something: "How much wood?" -> "450 cubic meters of timber"
                     r"|\b\d[\d,.]*\s*(?:cubic\s+|square\s+)?(?:meters?|metres?|tons?|tonnes?|kilograms?|kg|grams?|"
                     r"kilometers?|kilometres?|km|liters?|litres?|hectares?|acres?|barrels?|bags?|sacks?)\b"
                     r"|\b(?:dollars?|yuan|rubles?)\b)", re.I)
_COUNT = re.compile(r"(?<![\w-])(?:\d[\d,]*\d|\d|eleven|twelve|dozens|hundreds|thousands)(?![\d,]*\d)(?![\w-])"
                    r"(?!\s*(?:years?|months?|weeks?|days?|hours?|percent|%|dollars?|yuan|won|rubles?|euros?)\b)", re.I)
_DATE = re.compile(r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December"
                   r"|spring|summer|autumn|fall|winter|(?:19|20)\d\d|last year|this year|next year|yesterday|today)\b")
_ORG = re.compile(r"\b(?:bureau|ministry|department|company|committee|office|agency|party|corporation|embassy|"
                  r"supervisors?|officials?|authorities|state|province|government|managers?|officers?|"
                  r"leaders?|foreman|foremen|bosses|boss|guards?|police|security|minders?|chiefs?|directors?|"
                  r"employers?|brokers?|middlem[ae]n|recruiters?|agents?|firms?|contractors?)\b"
                  r"|\bby (?:the|its|their|a|an) \w+", re.I)
_PERSON_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Dr)\.?\s+[A-Z]|\b[A-Z][a-z]+\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?,\s+(?:a|the|an)\b")
_PLACE_CUE = re.compile(r"\b(?:in|to|from|at|through|such as|near|outside|inside|across|along|into|around|"
                        r"off|opposite|behind|next to)\s+(?:major\s+|the\s+)?(?:[A-Z][\w-]+)"
                        # "Where do they live?" -> "in dormitories inside the factory compounds"
                        r"|\b(?:in|inside|at|on|near|outside|into)\s+(?:the\s+|their\s+|a\s+|an\s+|its\s+)?(?:[\w-]+\s+){0,2}"
                        r"(?:dormitor(?:y|ies)|compounds?|camps?|barracks|sites?|factor(?:y|ies)|plants?|buildings?|"
                        r"apartments?|hotels?|houses?|rooms?|shipyards?|mines?|farms?|restaurants?|cities|city|towns?|"
                        r"villages?|border|provinces?|regions?|areas?|districts?|ports?|embassy|offices?|containers?)\b", re.U)
_REASON = re.compile(r"\b(?:because|due to|as a result|in order to|so that|since|so they|to earn|to save|to keep|"
                     r"in exchange|the reason|"
                     # purpose and grounds as news reports give them
                     r"citing|cited|meant to|aimed (?:at|to)|intended to|designed to|for fear|out of fear|fearing|"
                     r"concerns? (?:over|about|that)|in response to|in retaliation|as punishment|thanks to|owing to|"
                     r"on the grounds|so as to|meant that|meaning that|which meant|led to|resulted in|prompted|forced)\b"
                     r"|,\s*(?:and\s+)?(?:so|which is why|that is why|therefore|thus)\s+(?!that\b)", re.I)
_DOC = re.compile(r"\b(?:pass(?:es)?|passports?|visas?|permits?|certificates?|papers|documents?|ID)\b", re.I)
_LIST = re.compile(r"(?:\b[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*\s*,\s*){2,}(?:(?:and|or)\s+)?[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*"
                   r"(?:,?\s+(?:and|or)\s+[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*)?"  # "..., Mongolia and Equatorial Guinea"
                   r"|\b[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*,?\s+(?:and|or)\s+[A-Z][\w’'-]+")

_DAY = re.compile(r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December"
                  r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday"
                  r"|Sunday|yesterday|today|tonight|tomorrow)\b|\b\d{4}-\d\d-\d\d\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b")

# Question type -> detector of a matching answer in a sentence.
_WHEN = re.compile(r"\b(?:when|once|as soon as|after|before|until|soon|by the time|"
                   r"at the (?:end|start|beginning|close) of|during|upon|on (?:arrival|return))\b", re.I)
# "How old...?" -> "men between 30 and 45 years old", "in their 30s", "aged 25", "18-year-old"
_AGE = re.compile(r"\b\d+(?:\s*(?:to|and|-|–)\s*\d+)?\s*(?:years?\s+old|-year-olds?)|\bin (?:their|his|her) (?:early |late |mid-)?"
                  r"(?:\d0s|teens|twenties|thirties|forties|fifties)\b|\baged?\s+(?:between\s+)?\d+|\bunder\s+\d+\b|"
                  r"\b(?:over|older than|younger than)\s+\d+\b", re.I)
TYPES = ("duration", "frequency", "amount", "count", "date", "when", "who", "place", "reason", "document", "age")


def _asks(wh: str, q: str) -> bool:
    """Is ``wh`` ('when', 'where') the question's own word — opening it ("And when...", "Since when..."),
    or asked indirectly ("Do you know when...") — rather than a clause inside another question
    ("What rate did the bureau use when it paid...?" asks for a rate, not a time)?"""
    return bool(re.search(rf"^\W*(?:(?:and|so|but|then|ok|okay|now|until|till|since|from|by|to)\W+)*{wh}\b"
                          rf"|\b(?:know|tell (?:me|us)|say|said|ask|asked|find out|is it known) {wh}\b|^\W*{wh}\W*$", q))


_HOW_MANY_MONEY = re.compile(rf"\bhow\s+many\s+(?:{CURRENCY_AFTER})\b", re.I)


@lru_cache(maxsize=4096)
def question_type(question: str) -> str:
    """The answer type a question asks for ('' when it is open: what/how/yes-no)."""
    q = question.lower().strip()
    if re.search(r"\bhow old\b|\bwhat (?:age|ages)\b|\bage (?:limit|range|group)\b|\bwhich age\b", q):
        return "age"
    if _HOW_OFTEN.search(q):
        return "frequency"  # "once a quarter", never "twelve-hour shifts"
    if re.search(r"\bhow long\b|\bhow many (?:years|months|weeks|days|hours)\b|\bhow much (?:time|leave)\b", q):
        return "duration"
    if re.search(r"\bwhat(?:'s| is| are| was| were) (?:the|their|a|an) (?:\w+ )?(?:wages?|salary|salaries|pay|price|cost|fee)s?\b", q):
        return "amount"
    if re.search(r"\bhow much\b|\b(?:wage|salary|pay|paid|earn|cost|price|bribe)s?\b.*\b(?:much|amount)\b|\bwhat share\b|\bwhat percent", q):
        return "amount"
    # "What was the dam contract worth?": a value in money, though "contract" also names a term
    if re.search(r"^\W*(?:(?:and|so|but)\s+)?what\b.*\bworth\b", q):
        return "amount"
    # "What is the latest monthly rate paid for each builder?", "What were contractors paying per worker
    # each month?", "What are the cooks promised a month?": money asked for per unit, whatever word
    # comes before it.
    if re.search(r"^\W*(?:and\s+)?what\b.*\b(?:rates?|wages?|salar(?:y|ies)|pay|paid|paying|earn|earning|earnings|fees?|costs?|"
                 r"promised|offered|owed?|owes)\b.*"
                 r"\b(?:per|a|an|each|every|monthly|weekly|yearly)\s*(?:month|year|week|day|hour|worker|man|woman|head|person)?\b", q) \
            and not re.search(r"\bwhat (?:kind|sort|type)s? of\b|\bwhat (?:happens|happened)\b", q):
        return "amount"
    if _HOW_MANY_MONEY.search(q):
        return "amount"  # "How many roubles a month are they paid?": a sum, counted in its currency
    if re.search(r"\bhow many\b|\bwhat number\b|\bnumber of\b", q):
        return "count"
    if re.search(r"\b(?:what|which|exact) (?:date|day)\b", q):
        return "day"  # a calendar date: "last year" or "2021" does not give it
    if re.search(r"\b(?:what|which) (?:date|year|month|day|time)\b|\bon what date\b|\bin what year\b|\bwhen did\b", q):
        return "date"
    if _asks("when", q):
        return "when"
    if re.search(r"^\W*(?:(?:and|so|but|then|ok|okay|now)\W+)?who\b|\b(?:by|to|for|with|from) whom?\b|\bwhich (?:agency|organi[sz]ation|company|office|department|ministry|bureau|official)\b|"
                 r"\bname of\b|\bwhat is the name\b", q):
        return "who"
    if _asks("where", q) or re.search(r"\bwhich (?:countr|cit|place|province|region|destination)|\bwhat (?:countr|cit|place)", q):
        return "place"
    if re.search(r"\bwhy\b|\bwhat (?:made|makes|caused|causes|led to|leads to|prompted|drove|is behind|was behind)\b|\bwhat (?:is|was|are|were) the (?:reasons?|purpose|aim|goal|motive)\b|"
                 r"\bfor what (?:reason|purpose)\b|\bwhat for\b|\bhow come\b", q):
        return "reason"
    if re.search(r"\bdocument|\bpapers\b|\bpermit|\bpassport|\bvisa", q) and re.search(r"\bwhat|\bwhich|\bneed", q):
        return "document"
    return ""


_UNIT_Q = re.compile(r"\bhow many (years|months|weeks|days|hours|minutes)\b|\b(?:per|a|an|each|every) "
                     r"(hour|day|week|month|year)\b", re.I)


def asked_unit(question: str) -> str:
    """The unit a duration or rate question names ("how many hours", "per month"), singular; '' if none."""
    m = _UNIT_Q.search(question)
    return (m.group(1) or m.group(2)).lower().rstrip("s") if m else ""


def counted_unit(question: str) -> str:
    """The unit a question counts in ("How many days off ...?": day), singular; '' if none. Unlike
    :func:`asked_unit`, not what a rate is per ("paid per month" asks for a sum)."""
    m = _UNIT_Q.search(question)
    return m.group(1).lower().rstrip("s") if m and m.group(1) else ""


def has_unit(unit: str, sentence: str) -> bool:
    """Does the sentence give a value in this unit ("three hours", "a month", "monthly")?"""
    return bool(re.search(rf"\b{unit}s?\b|\b{unit}ly\b", sentence, re.I))


def asks_for_name(question: str) -> bool:
    """'What is the name of...', 'Who is the head of...': a person's name, which few report sentences give."""
    return bool(re.search(r"\bname\b|\bwho is the (?:head|chief|director|leader|minister)\b", question.lower()))


# How often: "once a quarter", "every two weeks", "monthly" (a duration question's other answer).
_FREQUENCY = re.compile(
    r"\b(?:once|twice|(?:three|four|five|six|\d+)\s+times)\s+(?:a|an|per|every|each)\s+(?:\w+\s+)?"
    r"(?:day|week|fortnight|month|quarter|season|year)s?\b"
    r"|\b(?:every|each)\s+(?:other\s+|few\s+|second\s+|third\s+|\w+\s+)?(?:day|week|fortnight|month|quarter|season|year)s?\b"
    r"|\b(?:daily|weekly|fortnightly|monthly|quarterly|yearly|annually|twice-yearly)\b|\bat the end of (?:each|every|the) \w+", re.I)
_HOW_OFTEN = re.compile(r"\bhow often\b|\bhow frequently\b|\bhow many times\b", re.I)
_PEOPLE = re.compile(r"\b(?:men|women|members|applicants|those|people)\b")
# Answer type -> the patterns of which any one in a sentence gives an answer of that type.
_DETECTORS: dict[str, tuple[re.Pattern, ...]] = {
    "duration": (_DURATION,), "frequency": (_FREQUENCY,), "amount": (_AMOUNT,), "count": (_COUNT,), "date": (_DATE,), "day": (_DAY,),
    "when": (_DATE, _WHEN),  # a date, or the condition it depends on ("only when they have earned enough")
    "who": (_ORG, _PEOPLE), "place": (_PLACE_CUE,), "reason": (_REASON,), "document": (_DOC,), "age": (_AGE,),
}


def sentence_has(kind: str, sentence: str) -> bool:
    """Does the sentence hold an answer of this kind? (Any sentence does for an open question.)"""
    patterns = _DETECTORS.get(kind)
    return True if patterns is None else any(p.search(sentence) for p in patterns)


# Cues that open a cause clause ("... because Y", "Because of Y, ..."): narrower than _REASON,
# which also counts purpose phrases that do not split a sentence into effect and cause.
_CAUSE = re.compile(r"\b(?:because(?: of)?|due to|as a result of|since|so that|in order to)\b", re.I)


# "X, so Y" / "X, which is why Y": the cause comes first and the effect after the cue.
_CONSEQUENCE = re.compile(r",\s*(?:and\s+)?(?:so|which is why|that is why|therefore|thus)\s+(?!that\b)", re.I)


def cause_split(sentence: str) -> tuple[str, str]:
    """(effect, cause) parts of a sentence that gives a reason; ('sentence', '') when it gives none.

    "X because Y" -> (X, "because Y"); a fronted cause, "However, because of Y, X", runs only to the
    next comma. For "Why X?" the question restates the effect, so its words belong in X: a sentence
    whose *cause* holds them answers another question ("why Y?" where X is the reason for Y).
    """
    m = _CAUSE.search(sentence)
    if not m:
        c = _CONSEQUENCE.search(sentence)  # "X, so Y": X is the cause of Y
        if c:
            return sentence[c.end():], sentence[: c.start()]
        return sentence, ""
    before = sentence[: m.start()]
    if len(re.findall(r"[A-Za-z]{3,}", before)) < 3:  # fronted: "However, because of the closure ..., many ..."
        comma = sentence.find(",", m.end())
        end = comma if comma > 0 else len(sentence)
        return before + sentence[end:], sentence[m.start() : end]
    return before, sentence[m.start() :]


def has_person_name(sentence: str) -> bool:
    return bool(_PERSON_NAME.search(sentence))


def find_list(sentence: str) -> str | None:
    """The longest enumeration of capitalised items ("China, Russia, Qatar and Iran"), if any."""
    best = None
    for m in _LIST.finditer(sentence):
        if best is None or len(m.group()) > len(best):
            best = m.group()
    return best.strip(" ,") if best else None


VALUE_TYPES = ("duration", "amount", "count")  # answers two reports can disagree on
LEAD_TYPES = ("duration", "frequency", "amount")  # answers short enough to lead with


_CLAUSE_BREAK = re.compile(r"[,;:()—–]|\s-\s|\b(?:and|but|while|whereas|although|though)\b", re.I)


def value_clause(sentence: str, spans: list[tuple[int, int]], i: int) -> str:
    """The clause around the i-th value, never reaching past a neighbouring value: what that
    value is said of ("$520 goes to the state", "Of the $700 nominal wage", "contracts run three years")."""
    start, end = spans[i]
    left_edge = spans[i - 1][1] if i else 0
    right_edge = spans[i + 1][0] if i + 1 < len(spans) else len(sentence)
    left = sentence[left_edge:start]
    breaks = list(_CLAUSE_BREAK.finditer(left))
    if breaks:
        left = left[breaks[-1].end():]
    right = sentence[end:right_edge]
    stop = _CLAUSE_BREAK.search(right)
    if stop:
        right = right[: stop.start()]
    return f"{left} {right}"


def asked_value(question: str, kind: str, sentence: str) -> str | None:
    """The value of the sentence that answers the question, or None when none clearly does.

    "How often" takes a frequency ("once a quarter"), never a length ("twelve-hour shifts"). A
    sentence with several values of the kind ("Of the $700 nominal wage, $520 goes to the state")
    gives the one whose own words share most with the question; a tie gives none (a wrong short
    answer above a right quote is worse than no short answer).
    """
    from .text import terms

    if kind == "frequency" or _HOW_OFTEN.search(question):
        m = _FREQUENCY.search(sentence)
        return m.group().strip() if m else None
    pattern = _DETECTORS[kind][0] if kind in VALUE_TYPES else None
    if pattern is None:
        return None
    found = [m for m in pattern.finditer(sentence) if kind != "amount" or re.search(r"\d", m.group())]
    unit = asked_unit(question)
    if unit and kind == "duration":
        found = [m for m in found if has_unit(unit, m.group())]
    if not found:
        return None
    texts = {m.group().strip().lower() for m in found}
    if len(texts) == 1:
        return found[0].group().strip()
    wanted = set(terms(question))
    spans = [m.span() for m in found]
    scores = [len(wanted & set(terms(value_clause(sentence, spans, i)))) for i in range(len(found))]
    best = max(scores)
    if best == 0 or scores.count(best) > 1:
        return None
    return found[scores.index(best)].group().strip()


# Agent nouns name people ("foreman", "researcher", "owner", "supervisor"): English suffixes, plus
# the few role nouns without one that news reports use for their sources.
_PERSON_NOUN = re.compile(r"(?:er|or|ist|ian|man|woman|men|women|ant|ent|ee)s?$|^(?:head|chief|boss|source|"
                          r"official|diplomat|guard|minister|envoy|spokesperson|leader|captain|doctor|wife|husband|"
                          r"son|daughter|mother|father|person|people|individual|victim|nurse|cook|chef|pilot|"
                          r"waitress(?:e)?|seamstress(?:e)?)s?$", re.I)
_NOT_PERSON = re.compile(r"^(?:center|centre|border|number|corridor|order|quarter|river|tower|shelter|"
                         r"department|government|agreement|parliament|management|restaurant|plant)s?$", re.I)


def is_person_noun(noun: str) -> bool:
    """Does the noun name people ("foreman", "doctors"), not things ("tower", "plant")?"""
    return bool(_PERSON_NOUN.search(noun)) and not _NOT_PERSON.search(noun)
