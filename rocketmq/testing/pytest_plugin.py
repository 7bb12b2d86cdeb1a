"""pytest fixtures; load with ``pytest_plugins = ["rocketmq.testing.pytest_plugin"]``."""

from typing import Any, Callable, Iterator, List

import pytest

from .connection import Faults
from .server import EmbeddedCluster


@pytest.fixture(scope="session")
def rocketmq_cluster() -> Iterator[EmbeddedCluster]:
    """One embedded name server + broker on ephemeral ports for the whole session."""
    cluster = EmbeddedCluster(delay_scale=0.01, check_interval=1.0, transaction_immunity=0.5)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def rocketmq_faults(rocketmq_cluster: EmbeddedCluster) -> Iterator[Faults]:
    """The broker's fault hooks, reset after the test."""
    faults = rocketmq_cluster.faults
    try:
        yield faults
    finally:
        faults.clear()


ClusterFactory = Callable[..., EmbeddedCluster]


@pytest.fixture
def rocketmq_cluster_factory() -> Iterator[ClusterFactory]:
    """Builds and starts clusters with any EmbeddedCluster keywords; all are stopped after the test.

        def test_failover(rocketmq_cluster_factory):
            cluster = rocketmq_cluster_factory(masters=2, slaves=1, register_interval=1.0)
    """
    started: List[EmbeddedCluster] = []

    def build(**kwargs: Any) -> EmbeddedCluster:
        cluster = EmbeddedCluster(**kwargs)
        cluster.start()
        started.append(cluster)
        return cluster

    try:
        yield build
    finally:
        for cluster in reversed(started):
            cluster.stop()


@pytest.fixture
def rocketmq_namesrv_addr(rocketmq_cluster: EmbeddedCluster) -> str:
    return rocketmq_cluster.namesrv_addr
