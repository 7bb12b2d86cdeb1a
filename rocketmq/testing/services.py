"""Periodic broker work: delayed-message delivery and transaction checks."""

from typing import TYPE_CHECKING

from .codes import (
    DELAY_LEVEL_SECONDS,
    SCHEDULE_TOPIC,
    TRANS_HALF_TOPIC,
    TRANSACTION_CHECK_MAX,
    Prop,
    RequestCode,
)
from .message_codec import encode_stored

if TYPE_CHECKING:
    from .broker import Broker


def deliver_due_delayed(broker: "Broker", now_ms: int) -> int:
    """ScheduleMessageService: move due messages from each level queue to their real topic."""
    progress = broker.store.service_state.setdefault("schedule_progress", {})
    assert isinstance(progress, dict)
    moved = 0
    for level, seconds in enumerate(DELAY_LEVEL_SECONDS, start=1):
        queue = broker.store.queue(SCHEDULE_TOPIC, level - 1)
        position = progress.get(str(level), 0)
        delay_ms = seconds * 1000 * broker.config.delay_scale
        while position < len(queue) and queue[position].store_timestamp + delay_ms <= now_ms:
            source = queue[position]
            # messageTimeUp encodes the properties before it clears DELAY from
            # the map, so the delivered message still says its delay level.
            msg = source.copy()
            msg.topic = source.properties.get(Prop.REAL_TOPIC, source.topic)
            msg.queue_id = int(source.properties.get(Prop.REAL_QID, "0"))
            broker.store.append(msg)
            position += 1
            moved += 1
        progress[str(level)] = position
    if moved:
        broker.store.save_state()
    return moved

def check_transactions(broker: "Broker", now_ms: int) -> int:
    """TransactionalMessageCheckService: ask producers about old half messages."""
    sent = 0
    for half in list(broker.store.queue(TRANS_HALF_TOPIC, 0)):
        if broker.is_transaction_done(half):
            continue
        immunity = broker.config.transaction_immunity
        custom = half.properties.get(Prop.CHECK_IMMUNITY_TIME_IN_SECONDS)
        if custom and custom.isdigit():
            immunity = float(custom)
        if now_ms - half.born_timestamp < immunity * 1000:
            continue
        checks = int(half.properties.get(Prop.TRANSACTION_CHECK_TIMES, "0") or 0)
        broker.mark_transaction_done(half)
        if checks >= TRANSACTION_CHECK_MAX:
            continue  # discarded after too many checks
        # The half message is put back with its check count raised, as the Java broker does.
        renewed = half.copy()
        renewed.properties[Prop.TRANSACTION_CHECK_TIMES] = str(checks + 1)
        renewed = broker.store.append(renewed)
        channel = broker.clients.producer_channel(renewed.properties.get(Prop.PGROUP, ""))
        if channel is None:
            continue
        shown = renewed.copy()
        shown.queue_offset = renewed.queue_offset
        shown.commit_log_offset = renewed.commit_log_offset
        shown.store_timestamp = renewed.store_timestamp
        shown.topic = renewed.properties.get(Prop.REAL_TOPIC, renewed.topic)
        shown.queue_id = int(renewed.properties.get(Prop.REAL_QID, "0"))
        header = {
            "tranStateTableOffset": str(renewed.queue_offset),
            "commitLogOffset": str(renewed.commit_log_offset),
            "msgId": renewed.uniq_key or "",
            "transactionId": renewed.uniq_key or "",
            "offsetMsgId": renewed.msg_id,
        }
        channel.conn.send_oneway(RequestCode.CHECK_TRANSACTION_STATE, header, encode_stored(shown))
        sent += 1
    return sent
