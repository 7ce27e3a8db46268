"""`python -m evaluation faces|music|mapping|top ...` (see evaluation/eval.py)."""

import sys

from evaluation.eval import main

sys.exit(main())
