"""Delivery at a chosen time (RocketMQ 5.x timer messages): checking what the
user gives and turning it into the properties the broker reads.

The broker reads ``TIMER_DELIVER_MS`` (an absolute time, epoch milliseconds),
``TIMER_DELAY_SEC`` or ``TIMER_DELAY_MS`` (a delay counted from when it stores
the message); it holds the message until then, to within its timer precision
(1 s by default). A time already past is delivered at once.
"""

import datetime
import math
from typing import Optional, Union

DELIVER_MS = "TIMER_DELIVER_MS"
DELAY_SEC = "TIMER_DELAY_SEC"
DELAY_MS = "TIMER_DELAY_MS"
TIMER_PROPERTIES = (DELIVER_MS, DELAY_SEC, DELAY_MS)

DeliveryTime = Union[int, datetime.datetime]
Delay = Union[int, float, datetime.timedelta]

# The broker parses the values as a Java long.
_LONG_MAX = (1 << 63) - 1


def _type_name(value: object) -> str:
    return type(value).__name__


def delivery_time_ms(when: DeliveryTime) -> int:
    """Epoch milliseconds of ``when``: an int already in epoch ms, or a
    ``datetime`` (a naive one is local time, as ``datetime.timestamp()`` takes it)."""
    if isinstance(when, datetime.datetime):
        try:
            millis = round(when.timestamp() * 1000)
        except (OverflowError, OSError, ValueError) as exc:
            raise ValueError(f"delivery time {when!r} cannot be expressed in epoch milliseconds") from exc
    elif isinstance(when, int) and not isinstance(when, bool):
        millis = when
    else:
        raise TypeError("delivery time must be an int (epoch milliseconds) or a datetime, "
                        f"not {_type_name(when)}")
    if not 0 <= millis <= _LONG_MAX:
        raise ValueError(f"delivery time must be between 0 and {_LONG_MAX} epoch milliseconds, not {millis}")
    return millis


def delay_ms(delay: Delay) -> int:
    """``delay`` (seconds, or a ``timedelta``) in whole milliseconds.

    Sent as ``TIMER_DELAY_MS`` (brokers read it from 5.0 on, as
    ``TIMER_DELAY_SEC``), so sub-second delays keep their precision and a
    second call replaces the first.
    """
    if isinstance(delay, datetime.timedelta):
        millis = (delay.days * 86_400_000 + delay.seconds * 1000) + delay.microseconds / 1000
    elif isinstance(delay, (int, float)) and not isinstance(delay, bool):
        if isinstance(delay, float) and not math.isfinite(delay):
            raise ValueError(f"delay must be a finite number of seconds, not {delay}")
        millis = delay * 1000
    else:
        raise TypeError(f"delay must be seconds (int or float) or a timedelta, not {_type_name(delay)}")
    if millis < 0:
        raise ValueError(f"delay must not be negative, not {delay!r}")
    whole_ms = round(millis)
    if whole_ms > _LONG_MAX:
        raise ValueError(f"delay {delay!r} is too long")
    return whole_ms


def _millis(text: Optional[str]) -> int:
    # Set through set_property, a value may be anything; the broker would
    # refuse what is not a number, and so it reads as none here.
    try:
        return int(text) if text else 0
    except ValueError:
        return 0


def delivery_time_of(deliver_ms_text: Optional[str]) -> int:
    """The delivery time a message carries, in epoch milliseconds (0 without one)."""
    return _millis(deliver_ms_text)


def delay_seconds(seconds_text: Optional[str], millis_text: Optional[str]) -> float:
    """The delay a message carries, in seconds (0.0 without one); the seconds
    property first, as the broker reads them."""
    if seconds_text:
        return float(_millis(seconds_text))
    return _millis(millis_text) / 1000
