"""Development only — evaluation on labelled data and fitting the mood models. Not part of the
runtime package (not installed; core/ never imports it): run from a checkout, `python -m evaluation ...`."""
