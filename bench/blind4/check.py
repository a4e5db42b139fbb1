#!/usr/bin/env python3
"""Check the blind evaluation set bench/blind4 (stdlib only; the checks are bench/setcheck.py's).

This set: ids e001..; at least 50 facts, 30 unanswerable, 40 follow-ups and 20 conflicts;
report bodies of 2,500-4,000 characters.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

from bench.setcheck import Rules, main  # noqa: E402

RULES = Rules(prefix="e", minimum={"fact": 50, "unanswerable": 30, "followup": 40, "conflict": 20, "two_facts": 0},
              body=(2500, 4000))

if __name__ == "__main__":
    main(RULES, HERE)
