#!/usr/bin/env python3
"""Build this blind set's PDF: the shared builder (bench/blind/make_pdf.py) run on this folder."""
import os
import runpy
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.argv = [sys.argv[0], "--dir", HERE, *sys.argv[1:]]
runpy.run_path(os.path.join(HERE, "..", "blind", "make_pdf.py"), run_name="__main__")
