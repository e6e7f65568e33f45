"""``python -m sheets_sync.testing serve …``: the local Sheets server as a process.

See :mod:`.serve`.
"""

from __future__ import annotations

import sys

from .serve import main

sys.exit(main())
