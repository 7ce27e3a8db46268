"""`python -m evaluation ...` (evaluation/eval.py): development-only, needs a checkout; the runtime
package (core/) never imports it."""

import sys

from evaluation.eval import main

if __name__ == "__main__":
    sys.exit(main())
