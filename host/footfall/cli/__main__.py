"""`python -m footfall.cli`: the same command line as `footfall`."""

import sys

from footfall.cli import main

sys.exit(main())
