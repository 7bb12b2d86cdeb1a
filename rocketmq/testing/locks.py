"""Queue locks for orderly consumers, with RebalanceLockManager's expiry."""

import time
from typing import Dict, Iterable, List, Optional, Tuple

from .codes import REBALANCE_LOCK_MAX_LIVE_SECONDS

QueueId = Tuple[str, str, int]  # topic, broker name, queue id


class RebalanceLocks:
    def __init__(self, max_live_seconds: float = REBALANCE_LOCK_MAX_LIVE_SECONDS) -> None:
        self.max_live_seconds = max_live_seconds
        self._table: Dict[str, Dict[QueueId, Tuple[str, float]]] = {}

    def _held_by(self, group: str, mq: QueueId, client_id: str, now: float) -> bool:
        entry = self._table.get(group, {}).get(mq)
        return entry is not None and entry[0] == client_id and now - entry[1] <= self.max_live_seconds

    def try_lock(self, group: str, client_id: str, mqs: Iterable[QueueId]) -> List[QueueId]:
        """Lock what is free or expired; a client's own locks are renewed."""
        now = time.monotonic()
        table = self._table.setdefault(group, {})
        locked = []
        for mq in mqs:
            entry = table.get(mq)
            if entry is None or entry[0] == client_id or now - entry[1] > self.max_live_seconds:
                table[mq] = (client_id, now)
                locked.append(mq)
        return locked

    def unlock(self, group: str, client_id: str, mqs: Iterable[QueueId]) -> None:
        table = self._table.get(group, {})
        for mq in mqs:
            entry = table.get(mq)
            if entry is not None and entry[0] == client_id:
                del table[mq]

    def owner(self, group: str, mq: QueueId) -> Optional[str]:
        entry = self._table.get(group, {}).get(mq)
        if entry is None or time.monotonic() - entry[1] > self.max_live_seconds:
            return None
        return entry[0]
