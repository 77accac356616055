"""``python -m eval.review``: see :mod:`eval.review.cli`."""

import sys

from eval.review.cli import main

sys.exit(main())
