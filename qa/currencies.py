"""Currency words and codes, and the ISO code each stands for.

North Korean labour is reported from Russia, China and Mongolia, the Gulf, Central and South-East
Asia, Africa and Central Europe, and reports give wages and fees in the local money ("2,400
ringgit", "1,800 dirhams", "3,800 zlotys", "35,000 shillings"). A figure with a currency word is an amount of money,
never a head-count, and two amounts are compared only in the same currency. Words are singular;
a plural "s" is allowed after any of them.
"""
from __future__ import annotations

import re

CURRENCY_WORDS: dict[str, str] = {
    "dollar": "USD", "usd": "USD", "us$": "USD", "$": "USD",
    "yuan": "CNY", "renminbi": "CNY", "rmb": "CNY", "cny": "CNY",
    "won": "KRW", "krw": "KRW",
    "ruble": "RUB", "rouble": "RUB", "rub": "RUB",
    "euro": "EUR", "eur": "EUR", "€": "EUR",
    "pound": "GBP", "£": "GBP",
    "zloty": "PLN", "zlotych": "PLN", "pln": "PLN",
    "ringgit": "MYR", "myr": "MYR",
    "dirham": "AED", "aed": "AED",
    "riyal": "QAR", "rial": "QAR", "qar": "QAR", "sar": "SAR",
    "dinar": "KWD", "kwd": "KWD",
    "tugrik": "MNT", "tughrik": "MNT", "togrog": "MNT", "mnt": "MNT",
    "kip": "LAK", "riel": "KHR", "dong": "VND", "baht": "THB", "rupee": "INR",
    "naira": "NGN", "cfa": "XAF", "franc": "XAF", "kwanza": "AOA", "peso": "PHP",
    "som": "KGS", "tenge": "KZT", "manat": "TMT", "lari": "GEL", "lira": "TRY",
    # Africa: the Tanzanian, Kenyan and Ugandan shillings share a word and are compared as one.
    "shilling": "TZS", "rand": "ZAR", "kwacha": "ZMW", "birr": "ETB", "cedi": "GHS", "metical": "MZN",
    "meticais": "MZN", "ariary": "MGA", "pula": "BWP", "dalasi": "GMD", "leone": "SLL",
    # Europe and the rest of Asia: "lei" and "leva" are the plurals of "leu" and "lev", "korun" a
    # Czech plural.
    "koruna": "CZK", "korun": "CZK", "czk": "CZK", "leu": "RON", "lei": "RON", "ron": "RON",
    "lev": "BGN", "leva": "BGN", "forint": "HUF", "hryvnia": "UAH",
    "taka": "BDT", "rupiah": "IDR", "yen": "JPY", "kyat": "MMK", "afghani": "AFN", "somoni": "TJS",
}
# "ringgits", "dirhams", "zlotys": a word of the table, plural or not (the symbols aside).
CURRENCY_AFTER = "|".join(sorted((re.escape(w) + "s?" for w in CURRENCY_WORDS if w.isalpha()),
                                 key=len, reverse=True))


def currency_code(word: str) -> str:
    """The ISO code of a currency word or symbol ("" when unknown): "Ringgits" -> "MYR"."""
    w = word.strip().lower()
    return CURRENCY_WORDS.get(w) or CURRENCY_WORDS.get(w[:-1] if w.endswith("s") else w, "")
