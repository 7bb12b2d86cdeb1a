"""RocketMQ client for Python, API-compatible with rocketmq-client-python 2.0.0.

The public API lives in :mod:`rocketmq.client`; :mod:`rocketmq.testing`
holds an embedded name server and broker for tests.
"""

__version__ = "0.1.0"

from typing import Any


def __getattr__(name: str) -> Any:
    # The lite pull consumer loads the native library: imported on first use,
    # so that importing rocketmq (for rocketmq.testing, say) does not need it.
    if name == "LitePullConsumer":
        from .lite_pull_consumer import LitePullConsumer

        return LitePullConsumer
    raise AttributeError(f"module 'rocketmq' has no attribute {name!r}")
