#!/usr/bin/env python3
"""Check this blind set: the shared checker (bench/blind/check.py) run on this folder."""
import os
import runpy
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.argv = [sys.argv[0], HERE]
runpy.run_path(os.path.join(HERE, "..", "blind", "check.py"), run_name="__main__")
