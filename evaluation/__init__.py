"""Development only — evaluation on labelled data and fitting the mood models. Not part of the
runtime package (not installed); run from a checkout: `python -m evaluation ...` (or `python -m
core.eval ...`, which forwards here)."""
