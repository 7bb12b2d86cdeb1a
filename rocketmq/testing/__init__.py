"""A RocketMQ-compatible name server and broker in pure Python, for tests.

Point clients at the cluster's name server::

    from rocketmq.testing import EmbeddedCluster
    with EmbeddedCluster() as cluster:
        ...  # point clients at cluster.namesrv_addr
"""

from .client import RemotingClient
from .message_codec import StoredMessage
from .server import EmbeddedCluster

__all__ = ["EmbeddedCluster", "RemotingClient", "StoredMessage"]
