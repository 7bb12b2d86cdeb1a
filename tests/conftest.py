"""Shared fixtures: the embedded name server + broker over real TCP, and clusters for the cluster tests."""

from __future__ import annotations

from typing import Any, Iterator, List, Optional

import pytest
from cluster_control import RealCluster

from rocketmq.testing.node import BrokerNode
from rocketmq.testing.server import EmbeddedCluster

pytest_plugins = ["rocketmq.testing.pytest_plugin"]


def pytest_addoption(parser: Any) -> None:
    parser.addoption(
        "--real-cluster", metavar="DIR", default=None,
        help="run the cluster tests against a real RocketMQ 4.9.8 cluster built by the real-broker kit "
             "in DIR (name server 127.0.0.1:9876, brokers from 10911 on) instead of the embedded one")


class EmbeddedControl:
    """The embedded cluster behind the interface of cluster_control.RealCluster."""

    def __init__(self, cluster: EmbeddedCluster) -> None:
        self.cluster = cluster
        self.namesrv_addr = cluster.namesrv_addr

    def broker(self, name: str, broker_id: int = 0) -> BrokerNode:
        return self.cluster.broker_node(name, broker_id)

    def add_master(self) -> BrokerNode:
        return self.cluster.add_master()

    def create_topic(self, topic: str, queues: int = 4, broker_names: Optional[List[str]] = None) -> None:
        targets = [n for n in self.cluster.masters if broker_names is None or n.name in broker_names]
        self.cluster.create_topic_on(targets, topic, queues)
        # A slave serves a topic once its periodic sync brought the topic's config over.
        for master in targets:
            for slave in self.cluster.slaves_of(master.name):
                slave.sync_now()


@pytest.fixture
def cluster_factory(request: Any, rocketmq_cluster_factory: Any) -> Iterator[Any]:
    """``cluster_factory(masters=2, slaves=1)``: a running cluster, stopped after the test."""
    kit = request.config.getoption("--real-cluster")
    real: List[RealCluster] = []

    def build(masters: int, slaves: int) -> Any:
        if kit:
            cluster = RealCluster(kit, masters, slaves)
            real.append(cluster)
            return cluster.start()
        # Java's timings shortened: registrations every second, slaves synced every second.
        return EmbeddedControl(rocketmq_cluster_factory(masters=masters, slaves=slaves, register_interval=1.0,
                                                        slave_sync_interval=1.0))

    try:
        yield build
    finally:
        for cluster in real:
            cluster.stop()
