from typing import Iterator

import pytest

from rocketmq.testing import EmbeddedCluster, RemotingClient


@pytest.fixture
def cluster() -> Iterator[EmbeddedCluster]:
    c = EmbeddedCluster(delay_scale=0.001, check_interval=0.2, transaction_immunity=0.1, queues=4)
    c.start()
    yield c
    c.stop()


@pytest.fixture
def broker(cluster: EmbeddedCluster) -> Iterator[RemotingClient]:
    client = RemotingClient(cluster.broker_addr)
    yield client
    client.close()
