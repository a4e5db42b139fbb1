#!/usr/bin/env python3
"""Check val5, a validation set: bench/val5 (stdlib only; the checks are bench/setcheck.py's).

This set: ids g001..; exactly 120 questions = 30 fact, 40 followup, 30 conflict, 20 unanswerable;
6 timeline rows, one of them using the undated report; report bodies of 2,500-3,300
characters; only followup and unanswerable rows may be unanswerable.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

from bench.setcheck import Rules, main  # noqa: E402

RULES = Rules(prefix="g", minimum={"fact": 30, "unanswerable": 20, "followup": 40, "conflict": 30, "two_facts": 0},
              body=(2500, 3300),
              exactly={"fact": 30, "unanswerable": 20, "followup": 40, "conflict": 30, "two_facts": 0}, total=120,
              timeline_rows=6, undated_in_timeline=True, only_followups_unanswerable=True)

if __name__ == "__main__":
    main(RULES, HERE)
