#!/usr/bin/env python3
"""Check the blind evaluation set bench/blind17 (stdlib only; the checks are bench/setcheck.py's).

This set (North Korean overseas labour): ids s001..; at least 45 facts, 25 unanswerable,
45 follow-ups and 35 conflicts (no two_facts); report bodies of 2,800-3,300 characters;
the undated report appears in a timeline row.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

from bench.setcheck import Rules, main  # noqa: E402

RULES = Rules(prefix="s", minimum={"fact": 45, "unanswerable": 25, "followup": 45, "conflict": 35, "two_facts": 0},
              body=(2800, 3300), undated_in_timeline=True)

if __name__ == "__main__":
    main(RULES, HERE)
