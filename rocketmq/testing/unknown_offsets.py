"""ConsumerManageProcessor.queryConsumerOffset for a queue the group never
committed: whether the broker answers "start at 0" or QUERY_NOT_FOUND, which
decides where a new consumer begins and what ``committed()`` reads.

4.9.8 answers 0 when the queue's head is still at offset 0 and not yet
swapped out of memory (checkInDiskByConsumeOffset), which includes a queue
that holds nothing. 5.3.1 asks instead that the message at offset 0 be in
memory (checkInMemByConsumeOffset), so a queue that holds nothing is
QUERY_NOT_FOUND; and it honours the request's setZeroIfNotFound=false.
The embedded store keeps every message in memory.
"""

from typing import Dict, Optional, Tuple

from .codes import ResponseCode
from .versions import BrokerVersion

# MQVersion.Version.V5_0_0.ordinal(): the 5.x consumer manage processor.
FIRST_5X_VERSION = 413

NOT_FOUND_REMARK = "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first"
NOT_SET_TO_ZERO_REMARK = "Not found, do not set to zero, maybe this group boot first"


def answer_for_uncommitted(version: BrokerVersion, fields: Dict[str, str], min_offset: int,
                           max_offset: int) -> Tuple[int, Optional[str], Optional[int]]:
    """(response code, remark, offset) for a group without a committed offset on a queue."""
    if version.ordinal < FIRST_5X_VERSION:
        if min_offset <= 0:
            return ResponseCode.SUCCESS, None, 0
        return ResponseCode.QUERY_NOT_FOUND, NOT_FOUND_REMARK, None
    set_zero = fields.get("setZeroIfNotFound")
    # The header decoder reads a Boolean with Boolean.parseBoolean: all but "true" is false.
    if set_zero is not None and set_zero.lower() != "true":
        return ResponseCode.QUERY_NOT_FOUND, NOT_SET_TO_ZERO_REMARK, None
    if min_offset <= 0 and max_offset > 0:
        return ResponseCode.SUCCESS, None, 0
    return ResponseCode.QUERY_NOT_FOUND, NOT_FOUND_REMARK, None
