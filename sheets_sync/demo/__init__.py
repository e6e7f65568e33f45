"""The synthetic demo program: generators, planted problems and the demo folder.

Everything here is invented (faker zh_CN names, generated IDs and phones); see
:func:`build_demo` for the folder ``sheets-sync demo`` writes and :func:`children_frame`
for the fast generator the benchmarks use.
"""

from .build import DemoBooks, DemoResult, DuplicatePair, OddCell, Planted, build_demo, demo_books
from .synth import children_frame

__all__ = ["DemoBooks", "DemoResult", "DuplicatePair", "OddCell", "Planted", "build_demo",
           "children_frame", "demo_books"]
