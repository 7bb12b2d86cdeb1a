"""IndexService: which stored messages carry a key, for QUERY_MESSAGE.

Each message is filed under ``topic#key`` for its UNIQ_KEY and for every
space-separated word of its KEYS property, as the Java broker's index files
do. The index is rebuilt from the store's commit log when a broker starts,
so it survives a restart exactly as far as the commit log does.
"""

from typing import Dict, List

from .codes import MessageSysFlag
from .message_codec import StoredMessage
from .store import MessageStore

# MessageConst.KEY_SEPARATOR.
KEY_SEPARATOR = " "
# MessageStoreConfig.maxMsgsNumBatch: no query answers more, whatever it asks.
MAX_MSGS_NUM_BATCH = 64
# MessageStoreConfig.defaultQueryMaxNum: the limit of a unique-key query.
DEFAULT_QUERY_MAX_NUM = 32


def index_key(topic: str, key: str) -> str:
    """IndexService.buildKey."""
    return topic + "#" + key


class MessageIndex:
    def __init__(self, store: MessageStore) -> None:
        self._store = store
        # topic#key -> messages in commit-log order.
        self._entries: Dict[str, List[StoredMessage]] = {}
        # The newest indexed message's store time and commit-log offset
        # (IndexHeader endTimestamp / endPhyOffset), told with every answer.
        self.last_update_timestamp = 0
        self.last_update_phy_offset = 0
        for msg in store.messages():
            self.add(msg)
        store.add_arrival_listener(self.add)

    def detach(self) -> None:
        self._store.remove_arrival_listener(self.add)

    def add(self, msg: StoredMessage) -> None:
        """IndexService.buildIndex: rolled-back transaction records are not indexed."""
        if msg.sysflag & MessageSysFlag.TRANSACTION_MASK == MessageSysFlag.TRANSACTION_ROLLBACK_TYPE:
            return
        keys = [msg.uniq_key] if msg.uniq_key else []
        keys += [key for key in (msg.keys or "").split(KEY_SEPARATOR) if key]
        if not keys:
            return
        for key in dict.fromkeys(keys):  # a key named twice is filed once
            self._entries.setdefault(index_key(msg.topic, key), []).append(msg)
        self.last_update_timestamp = msg.store_timestamp
        self.last_update_phy_offset = msg.commit_log_offset

    def query(self, topic: str, key: str, max_num: int, begin: int, end: int) -> List[StoredMessage]:
        """IndexService.queryOffset + DefaultMessageStore.queryMessage.

        The newest matches stored within [begin, end] first, at most
        ``max_num`` (and never more than MAX_MSGS_NUM_BATCH), answered in
        commit-log order.
        """
        limit = min(max_num, MAX_MSGS_NUM_BATCH)
        found: List[StoredMessage] = []
        for msg in reversed(self._entries.get(index_key(topic, key), [])):
            if len(found) >= limit:
                break
            if begin <= msg.store_timestamp <= end:
                found.append(msg)
        found.sort(key=lambda m: m.commit_log_offset)
        return found
