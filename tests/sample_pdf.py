"""The sample corpus's PDF report (data/reports/2019-12-repatriation-deadline-brief.pdf), built
from the text below with the tests' stdlib PDF writer, so it can be read, changed and rebuilt:
``.venv/bin/python -m tests.sample_pdf`` rewrites the file; tests/test_sample_corpus.py checks
the committed file is what this builds."""
from __future__ import annotations

from pathlib import Path

from tests.pdfwriter import make_pdf

PATH = Path(__file__).resolve().parents[1] / "data" / "reports" / "2019-12-repatriation-deadline-brief.pdf"
BLANK = " "  # a blank line in the text layer: an empty string draws nothing, so pypdf would skip it
INFO = {"Title": "The repatriation deadline: where North Korea's overseas workers stand",
        "Author": "Sanctions Research Group", "CreationDate": "D:20191220090000Z"}
PAGES = [
    [
        "The repatriation deadline: where North Korea's overseas workers stand",
        BLANK,
        "Sanctions Research Group, briefing note, December 2019",
        BLANK,
        "Summary",
        BLANK,
        "UN Security Council resolution 2397, adopted in December 2017, requires every",
        "member state to send home all North Korean workers earning income in its",
        "territory by 22 December 2019. This note sets out what governments have told the",
        "sanctions committee and what our interviews in Russia and China found.",
        BLANK,
        "Russia",
        BLANK,
        "About 4,000 North Korean workers remained in Russia in November 2019, according",
        "to what Russian officials told the sanctions committee.",
        "Construction firms in Vladivostok said most crews had left, but several",
        "employers expected the same men to come back under another status.",
        "Entries of North Koreans on student and tourist visas rose sharply during 2019,",
        "and the men we met on building sites in Vladivostok said they held student visas",
        "while working full days as plasterers and painters.",
    ],
    [
        "China",
        BLANK,
        "China has reported to the committee that it complies, but it has published no",
        "figures. Seafood and garment plants in Dandong and Hunchun still employed",
        "North Korean women in autumn 2019, according to traders we interviewed.",
        "The women said their contracts had been extended by the North Korean company",
        "rather than ended, and that they had been told to stay indoors during",
        "inspections.",
        BLANK,
        "Wages and deductions",
        BLANK,
        "Workers in both countries said the state company deducted a loyalty payment",
        "from their wages each month before any money reached them. A plasterer in",
        "Vladivostok said he kept about 200 dollars in a good month.",
        BLANK,
        "What to watch after the deadline",
        BLANK,
        "- Workers re-entering Russia on student or tourist visas.",
        "- Contracts in China extended without any new permit.",
        "- Crews moved to countries that have not reported to the committee.",
        "- Wages paid in cash to avoid the banking ban.",
    ],
]


def build() -> bytes:
    return make_pdf(PAGES, info=INFO)


if __name__ == "__main__":
    PATH.write_bytes(build())
    print(f"wrote {PATH}")
