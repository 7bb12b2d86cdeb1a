"""The queue offset a store time maps to (SEARCH_OFFSET_BY_TIMESTAMP, and
resetting a group's offsets to a time), as each broker version finds it.

4.9.8 (ConsumeQueue.getOffsetInQueueByTime) answers the first message stored
at or after the time, but never past the last message: a time after it
gives the last message's offset. 5.3.1 searches with a boundary (LOWER
unless the request asks otherwise) and clamps to the queue's min and max
offsets, so a time after the last message gives the max offset, where the
next message will go. Only LOWER is modelled: the client never asks for
UPPER.
"""

import bisect

from .store import MessageStore
from .versions import BrokerVersion

# MQVersion.Version.V5_0_0.ordinal(): the boundary-type search of the 5.x store.
FIRST_5X_VERSION = 413


def offset_by_time(store: MessageStore, version: BrokerVersion, topic: str, queue_id: int,
                   timestamp: int) -> int:
    if version.ordinal < FIRST_5X_VERSION:
        return store.offset_by_time(topic, queue_id, timestamp)
    stamps = [message.store_timestamp for message in store.queue(topic, queue_id)]
    first_at_or_after = bisect.bisect_left(stamps, timestamp)
    return max(store.min_offset(topic, queue_id), min(first_at_or_after, store.max_offset(topic, queue_id)))
