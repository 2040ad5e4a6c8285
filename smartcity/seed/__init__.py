"""The demo region: Kabupaten Kotawaringin Timur, its agencies, users, the open 2026 period
and a completed 2025 period (answered, reviewed, verified and finalized through the services,
so its audit trail and history are genuine).

    data.py     the region as data: agencies, heads, team, letterhead, the words of its answers
    people.py   log-ins, the heads, the evaluator's assignments, the Tim Pelaksana
    region.py   `seed_demo_region`: the region, its agencies, the open period, the letterhead
    history.py  `seed_history`: the completed 2025 period, step by step on its calendar
"""

from __future__ import annotations

from .history import seed_history
from .region import seed_demo_region

__all__ = ["seed_demo_region", "seed_history"]
