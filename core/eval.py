"""`python -m core.eval ...`: the documented command, forwarded to the development-only evaluation
package (evaluation/eval.py), which lives outside the runtime package and needs a checkout."""

import sys

if __name__ == "__main__":
    try:
        from evaluation.eval import main
    except ImportError:  # an installed package without the checkout's evaluation/
        sys.exit("python -m core.eval needs a checkout of Moodtune (evaluation/ is not installed with the package).")
    sys.exit(main())
