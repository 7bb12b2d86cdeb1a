"""A RocketMQ-compatible name server and broker in pure Python, for tests.

    from rocketmq.testing import EmbeddedCluster
    with EmbeddedCluster() as cluster:
        ...  # point clients at cluster.namesrv_addr
"""

from .client import RemotingClient
from .message_codec import StoredMessage
from .server import EmbeddedCluster

__all__ = ["EmbeddedCluster", "RemotingClient", "StoredMessage"]
