"""The RocketMQ versions an embedded broker can present itself as.

A broker tells its version as an MQVersion ordinal and its name
(GET_BROKER_RUNTIME_INFO's brokerVersion / brokerVersionDesc). 4.9.8 is the
default: the behaviour every other module follows. 5.3.1 adds what the
embedded broker implements of 5.x: delivery at a chosen time (timers.py).
"""

from typing import NamedTuple

from .codes import BROKER_VERSION, BROKER_VERSION_DESC


class BrokerVersion(NamedTuple):
    release: str      # "5.3.1"
    ordinal: int      # MQVersion.Version.<desc>.ordinal()
    description: str  # "V5_3_1"

    @property
    def has_timer_messages(self) -> bool:
        # TIMER_DELIVER_MS / TIMER_DELAY_SEC / TIMER_DELAY_MS are read from 5.0.0 on.
        return self.ordinal >= FIRST_TIMER_VERSION


# MQVersion.Version.V5_0_0.ordinal()
FIRST_TIMER_VERSION = 413

VERSIONS = {
    "4.9.8": BrokerVersion("4.9.8", BROKER_VERSION, BROKER_VERSION_DESC),
    "5.3.1": BrokerVersion("5.3.1", 475, "V5_3_1"),
}
DEFAULT_VERSION = "4.9.8"


def broker_version(release: str) -> BrokerVersion:
    """The version named ``release``; ValueError for one not listed in VERSIONS."""
    found = VERSIONS.get(release)
    if found is None:
        raise ValueError("unknown broker version %r; one of: %s" % (release, ", ".join(sorted(VERSIONS))))
    return found
