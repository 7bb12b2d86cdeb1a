"""RocketMQ client for Python, API-compatible with rocketmq-client-python 2.0.0.

The public API lives in :mod:`rocketmq.client`; :mod:`rocketmq.testing`
holds an embedded name server and broker for tests.
"""

__version__ = "0.1.0"
