"""Delivery at a chosen time, as a RocketMQ 5.x broker does it (timer messages).

On the way in (HookUtils.handleScheduleMessage / transformTimerMessage): a
message with TIMER_DELIVER_MS, TIMER_DELAY_SEC or TIMER_DELAY_MS and a time
still ahead is stored in the ``rmq_sys_wheel_timer`` topic, queue 0, with
TIMER_OUT_MS (the time rounded down to the timer precision), REAL_TOPIC and
REAL_QID. A time already past leaves the message in its own topic, delivered
at once; a time beyond timerMaxDelaySec is refused. A delay level wins over
the timer properties, which are then dropped.

On the way out (TimerMessageStore): the wheel's slot of time T is read once
the clock has passed T + precision, so a message appears at the first
precision boundary at or after the time it asked for. It is written to its
real topic and queue with TIMER_ENQUEUE_MS and TIMER_DEQUEUE_MS added. The
properties are written as the broker encoded them before it cleared
REAL_TOPIC / REAL_QID from its map (convertMessage), so they stay.

Which messages of the wheel topic were delivered is kept in the store's
service state, so that a restarted broker delivers the rest and no message
twice (unless it was killed between the two writes, as a real broker may).

Not modelled: the time wheel's rolling of times beyond its window
(timerRollWindowSlot), flow control (WHEEL_TIMER_FLOW_CONTROL), deletion of
timer messages (TIMER_DEL_UNIQKEY), and timer metrics.
"""

from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple

from .codes import MessageSysFlag, Prop, ResponseCode
from .message_codec import StoredMessage
from .store import MessageStore, TopicConfig

if TYPE_CHECKING:
    from .broker import Broker

TIMER_TOPIC = "rmq_sys_wheel_timer"  # TimerMessageStore.TIMER_TOPIC

DELIVER_MS = "TIMER_DELIVER_MS"
DELAY_SEC = "TIMER_DELAY_SEC"
DELAY_MS = "TIMER_DELAY_MS"
OUT_MS = "TIMER_OUT_MS"
ENQUEUE_MS = "TIMER_ENQUEUE_MS"
DEQUEUE_MS = "TIMER_DEQUEUE_MS"
DELETE_UNIQUE_KEY = "TIMER_DEL_UNIQKEY"
REQUEST_PROPERTIES = (DELIVER_MS, DELAY_SEC, DELAY_MS)

# MessageStoreConfig defaults.
DEFAULT_PRECISION_MS = 1000
# What MessageStoreConfig.setTimerPrecisionMs accepts; other values snap down to one of these.
PRECISION_CHOICES_MS = (100, 200, 500, 1000)
DEFAULT_MAX_DELAY_SEC = 3600 * 24 * 3

_PROGRESS_KEY = "timer_progress"
_JAVA_LONG = (-(1 << 63), (1 << 63) - 1)


class TimerRefused(Exception):
    """A put the broker refuses (PutMessageStatus.WHEEL_TIMER_MSG_ILLEGAL), with its answer."""

    def __init__(self, code: int, remark: str) -> None:
        super().__init__(remark)
        self.code = code
        self.remark = remark


def add_wheel_topic(store: MessageStore) -> None:
    """TopicConfigManager with timerWheelEnable: the wheel topic exists from the start, one queue."""
    if TIMER_TOPIC not in store.topics:
        store.topics[TIMER_TOPIC] = TopicConfig(TIMER_TOPIC, 1, 1)


def supported_precision(precision_ms: int) -> int:
    """MessageStoreConfig.setTimerPrecisionMs: the largest choice up to ``precision_ms`` (or the smallest)."""
    fitting = [choice for choice in PRECISION_CHOICES_MS if choice <= precision_ms]
    return fitting[-1] if fitting else PRECISION_CHOICES_MS[0]


def illegal_remark(max_delay_sec: int) -> str:
    """SendMessageProcessor's remark for WHEEL_TIMER_MSG_ILLEGAL."""
    return ("timer message illegal, the delay time should not be bigger than the max delay %dms; "
            "or if set del msg, the delay time should be bigger than the current time"
            % (max_delay_sec * 1000))


def _java_long(text: str) -> int:
    """Long.parseLong: optional sign and decimal digits only, within 64 bits."""
    digits = text[1:] if text[:1] in ("-", "+") else text
    if not digits or not digits.isascii() or not digits.isdigit():
        raise ValueError(text)
    value = int(text)
    if not _JAVA_LONG[0] <= value <= _JAVA_LONG[1]:
        raise ValueError(text)
    return value


def is_timer_request(msg: StoredMessage) -> bool:
    """HookUtils.checkIfTimerMessage, with its side effect: a delay level drops the timer properties."""
    if int(msg.properties.get(Prop.DELAY, "0") or 0) > 0:
        for name in REQUEST_PROPERTIES:
            msg.properties.pop(name, None)
        return False
    if msg.topic == TIMER_TOPIC or OUT_MS in msg.properties:
        return False  # already on its way through the wheel
    return any(name in msg.properties for name in REQUEST_PROPERTIES)


def requested_time_ms(msg: StoredMessage, now_ms: int) -> int:
    """The delivery time a message asks for; the seconds delay is read first, as the broker does."""
    if DELAY_SEC in msg.properties:
        return now_ms + _java_long(msg.properties[DELAY_SEC]) * 1000
    if DELAY_MS in msg.properties:
        return now_ms + _java_long(msg.properties[DELAY_MS])
    return _java_long(msg.properties[DELIVER_MS])


def slot_time_ms(deliver_ms: int, precision_ms: int) -> int:
    """The wheel slot a time goes to: rounded down to the precision, an exact multiple one slot earlier."""
    if deliver_ms % precision_ms == 0:
        return deliver_ms - precision_ms
    return deliver_ms // precision_ms * precision_ms


def hold_if_timed(msg: StoredMessage, now_ms: int, precision_ms: int, max_delay_sec: int) -> None:
    """HookUtils.handleScheduleMessage's timer half: ``msg`` becomes a wheel entry when its time is ahead.

    Raises TimerRefused for a time that cannot be read or lies too far ahead.
    """
    tran_type = msg.sysflag & MessageSysFlag.TRANSACTION_MASK
    if tran_type not in (MessageSysFlag.TRANSACTION_NOT_TYPE, MessageSysFlag.TRANSACTION_COMMIT_TYPE):
        return
    if not is_timer_request(msg):
        return
    try:
        deliver_ms = requested_time_ms(msg, now_ms)
    except ValueError:
        raise TimerRefused(ResponseCode.MESSAGE_ILLEGAL, illegal_remark(max_delay_sec)) from None
    if deliver_ms > now_ms:
        if deliver_ms - now_ms > max_delay_sec * 1000:
            raise TimerRefused(ResponseCode.MESSAGE_ILLEGAL, illegal_remark(max_delay_sec))
        msg.properties[OUT_MS] = str(slot_time_ms(deliver_ms, precision_ms))
        msg.properties[Prop.REAL_TOPIC] = msg.topic
        msg.properties[Prop.REAL_QID] = str(msg.queue_id)
        msg.topic = TIMER_TOPIC
        msg.queue_id = 0
    elif DELETE_UNIQUE_KEY in msg.properties:
        raise TimerRefused(ResponseCode.MESSAGE_ILLEGAL, illegal_remark(max_delay_sec))


class _Progress:
    """Which wheel entries were delivered: all below ``floor``, and those in ``above``."""

    def __init__(self, state: Dict[str, object]) -> None:
        saved = state.get(_PROGRESS_KEY)
        self._state = state
        self.floor = 0
        self.above: Set[int] = set()
        if isinstance(saved, dict):
            self.floor = int(saved.get("floor", 0))
            self.above = {int(offset) for offset in saved.get("above", [])}

    def delivered(self, offset: int) -> bool:
        return offset < self.floor or offset in self.above

    def mark(self, offsets: List[int]) -> None:
        self.above.update(offsets)
        while self.floor in self.above:
            self.above.discard(self.floor)
            self.floor += 1
        self._state[_PROGRESS_KEY] = {"floor": self.floor, "above": sorted(self.above)}


def due_entries(wheel: List[StoredMessage], progress: _Progress, now_ms: int,
                precision_ms: int) -> List[StoredMessage]:
    """Undelivered wheel entries whose slot the clock has passed, in slot order, then arrival order."""
    due: List[Tuple[int, int, StoredMessage]] = []
    for entry in wheel[progress.floor:]:
        if progress.delivered(entry.queue_offset):
            continue
        slot = int(entry.properties.get(OUT_MS, "0") or 0)
        if slot + precision_ms <= now_ms:
            due.append((slot, entry.queue_offset, entry))
    due.sort(key=lambda item: (item[0], item[1]))
    return [entry for _, _, entry in due]


def released(entry: StoredMessage, now_ms: int) -> StoredMessage:
    """TimerMessageStore.convert: the message as written to its real topic."""
    msg = entry.copy()
    msg.properties[ENQUEUE_MS] = str(entry.store_timestamp)
    msg.properties[DEQUEUE_MS] = str(now_ms)
    msg.topic = entry.properties.get(Prop.REAL_TOPIC, entry.topic)
    msg.queue_id = int(entry.properties.get(Prop.REAL_QID, "0") or 0)
    return msg


def deliver_due_timers(broker: "Broker", now_ms: int, precision_ms: Optional[int] = None) -> int:
    """Write every wheel entry whose time has come to its real topic; returns how many."""
    precision = precision_ms or broker.config.timer_precision_ms
    wheel = broker.store.queue(TIMER_TOPIC, 0)
    if not wheel:
        return 0
    progress = _Progress(broker.store.service_state)
    due = due_entries(wheel, progress, now_ms, precision)
    if not due:
        return 0
    for entry in due:
        broker.store.append(released(entry, now_ms))
    progress.mark([entry.queue_offset for entry in due])
    broker.store.save_state()
    return len(due)
