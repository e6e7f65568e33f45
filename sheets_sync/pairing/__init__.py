"""One-to-one pairing (一对一结对): propose volunteers for children, staff decide.

``propose_pairs(grids, templates, program, today=...)`` reads a validated book and returns
a :class:`PairingResult`: minimum-cost proposals (inside the team that visits the child's
school when the book keeps 支队 and 进驻安排, else same school or county; capacity, weak
subject ↔ 特长, balanced load, same sex from grade 5), the children and volunteers left
over with the reason, the schools where children stay unpaired with the arithmetic
(:class:`Shortfall`), and the suggestions staff accepted in ``结对建议``, to be appended to
``结对``. ``propose_pairs`` + ``pairing_batch`` are the pipeline's pair step
(``sheets_sync.sync.slices.pair_book`` runs it on one book).
"""

from __future__ import annotations

from .model import PairingError, Settings
from .run import (
    Idle,
    NewPair,
    PairingResult,
    Shortfall,
    Unpaired,
    pairing_batch,
    propose_pairs,
)
from .sheet import TAB
from .solve import Assignment, Weights
from .study import weak_subjects

__all__ = [
    "TAB",
    "Assignment",
    "Idle",
    "NewPair",
    "PairingError",
    "PairingResult",
    "Settings",
    "Shortfall",
    "Unpaired",
    "Weights",
    "pairing_batch",
    "propose_pairs",
    "weak_subjects",
]
