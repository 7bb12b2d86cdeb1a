"""The name server's route table, kept by the rules of RouteInfoManager.

Brokers register themselves (cluster, name, id, address, topic configs); the
table answers which brokers serve a topic.  Only a master's registration
changes the queue data of its broker name; a broker that unregisters, whose
registering connection closes or that stays silent too long loses its
address, and a broker name with no address left loses its queue data too.
"""

import json
import time
from typing import Dict, List, Optional, Set, Tuple

from .codes import MASTER_ID

DataVersion = Tuple[int, int]  # (timestamp, counter), compared for equality only


class QueueData:
    def __init__(self, broker_name: str, read_queues: int, write_queues: int, perm: int,
                 sysflag: int) -> None:
        self.broker_name = broker_name
        self.read_queues = read_queues
        self.write_queues = write_queues
        self.perm = perm
        self.sysflag = sysflag

    def to_json(self) -> str:
        return '{"brokerName":%s,"perm":%d,"readQueueNums":%d,"topicSysFlag":%d,"writeQueueNums":%d}' % (
            json.dumps(self.broker_name), self.perm, self.read_queues, self.sysflag, self.write_queues)


class BrokerData:
    def __init__(self, cluster: str, broker_name: str) -> None:
        self.cluster = cluster
        self.broker_name = broker_name
        self.addrs: Dict[int, str] = {}

    def to_json(self) -> str:
        # fastjson writes Long map keys bare; the Java clients (and ours) expect that.
        addrs = ",".join("%d:%s" % (broker_id, json.dumps(addr))
                         for broker_id, addr in sorted(self.addrs.items()))
        return '{"brokerAddrs":{%s},"brokerName":%s,"cluster":%s}' % (
            addrs, json.dumps(self.broker_name), json.dumps(self.cluster))


class LiveBroker:
    """BrokerLiveInfo: when a broker address last registered, and over which connection."""

    def __init__(self, last_update: float, data_version: DataVersion, channel: object,
                 ha_server_addr: str) -> None:
        self.last_update = last_update
        self.data_version = data_version
        self.channel = channel
        self.ha_server_addr = ha_server_addr


class TopicConfigEntry:
    """The part of a registered TopicConfig that the route table keeps."""

    def __init__(self, name: str, read_queues: int, write_queues: int, perm: int, sysflag: int) -> None:
        self.name = name
        self.read_queues = read_queues
        self.write_queues = write_queues
        self.perm = perm
        self.sysflag = sysflag


class RegisterResult:
    def __init__(self, ha_server_addr: Optional[str] = None, master_addr: Optional[str] = None) -> None:
        self.ha_server_addr = ha_server_addr
        self.master_addr = master_addr


class RouteTable:
    def __init__(self) -> None:
        self.topic_queues: Dict[str, Dict[str, QueueData]] = {}
        self.brokers: Dict[str, BrokerData] = {}
        self.clusters: Dict[str, Set[str]] = {}
        self.live: Dict[str, LiveBroker] = {}
        self.filter_servers: Dict[str, List[str]] = {}

    # -- registration --------------------------------------------------------
    def register(self, cluster: str, addr: str, broker_name: str, broker_id: int, ha_server_addr: str,
                 data_version: DataVersion, topics: Optional[List[TopicConfigEntry]],
                 filter_servers: Optional[List[str]], channel: object) -> RegisterResult:
        self.clusters.setdefault(cluster, set()).add(broker_name)
        data = self.brokers.get(broker_name)
        first = data is None
        if data is None:
            data = self.brokers[broker_name] = BrokerData(cluster, broker_name)
        # One address holds one id: a slave turned master drops its old entry first.
        for other_id, other_addr in list(data.addrs.items()):
            if other_addr == addr and other_id != broker_id:
                del data.addrs[other_id]
        old = data.addrs.get(broker_id)
        data.addrs[broker_id] = addr
        first = first or old is None
        if topics is not None and broker_id == MASTER_ID:
            if self.topic_config_changed(addr, data_version) or first:
                for topic in topics:
                    self.topic_queues.setdefault(topic.name, {})[broker_name] = QueueData(
                        broker_name, topic.read_queues, topic.write_queues, topic.perm, topic.sysflag)
        self.live[addr] = LiveBroker(time.monotonic(), data_version, channel, ha_server_addr)
        if filter_servers is not None:
            if filter_servers:
                self.filter_servers[addr] = list(filter_servers)
            else:
                self.filter_servers.pop(addr, None)
        result = RegisterResult()
        if broker_id != MASTER_ID:
            master_addr = data.addrs.get(MASTER_ID)
            master_live = self.live.get(master_addr) if master_addr is not None else None
            if master_live is not None:
                result.ha_server_addr = master_live.ha_server_addr
                result.master_addr = master_addr
        return result

    def topic_config_changed(self, addr: str, data_version: DataVersion) -> bool:
        live = self.live.get(addr)
        return live is None or live.data_version != data_version

    def unregister(self, cluster: str, addr: str, broker_name: str, broker_id: int) -> None:
        self.live.pop(addr, None)
        self.filter_servers.pop(addr, None)
        data = self.brokers.get(broker_name)
        if data is None:
            return
        data.addrs.pop(broker_id, None)
        if data.addrs:
            return
        del self.brokers[broker_name]
        names = self.clusters.get(cluster)
        if names is not None:
            names.discard(broker_name)
            if not names:
                del self.clusters[cluster]
        self._drop_queue_datas(broker_name)

    # -- losing brokers ------------------------------------------------------
    def on_channel_destroy(self, remote_addr: str, channel: Optional[object]) -> None:
        """A broker's connection closed: forget the address it registered over it.

        The connection is looked up among live brokers; failing that the
        peer address is tried, as the Java name server does (it rarely
        matches, since brokers connect from ephemeral ports).
        """
        found = None
        if channel is not None:
            for addr, live in self.live.items():
                if live.channel is channel:
                    found = addr
                    break
        if found is None:
            found = remote_addr
        if not found:
            return
        self.live.pop(found, None)
        self.filter_servers.pop(found, None)
        for broker_name, data in list(self.brokers.items()):
            ids = [broker_id for broker_id, addr in data.addrs.items() if addr == found]
            if not ids:
                continue
            del data.addrs[ids[0]]
            if not data.addrs:
                # The last address of the name is gone: the name and its queue data go too.
                del self.brokers[broker_name]
                for cluster, names in list(self.clusters.items()):
                    if broker_name in names:
                        names.discard(broker_name)
                        if not names:
                            del self.clusters[cluster]
                        break
                self._drop_queue_datas(broker_name)
            return

    def expired(self, max_silence: float, now: Optional[float] = None) -> List[Tuple[str, object]]:
        """scanNotActiveBroker: forget brokers silent for longer than ``max_silence`` seconds.

        Returns the (address, connection) pairs removed; the caller closes the connections.
        """
        now = time.monotonic() if now is None else now
        removed = []
        for addr, live in list(self.live.items()):
            if live.last_update + max_silence < now:
                del self.live[addr]
                self.on_channel_destroy(addr, live.channel)
                removed.append((addr, live.channel))
        return removed

    def _drop_queue_datas(self, broker_name: str) -> None:
        for topic, by_broker in list(self.topic_queues.items()):
            by_broker.pop(broker_name, None)
            if not by_broker:
                del self.topic_queues[topic]

    # -- answers -------------------------------------------------------------
    def route_json(self, topic: str) -> Optional[str]:
        """pickupTopicRouteData as JSON: None unless the topic has queue data and a known broker."""
        by_broker = self.topic_queues.get(topic)
        if not by_broker:
            return None
        broker_datas = []
        filter_table: Dict[str, List[str]] = {}
        for broker_name in sorted(by_broker):
            data = self.brokers.get(broker_name)
            if data is None:
                continue
            broker_datas.append(data.to_json())
            for addr in data.addrs.values():
                if addr in self.filter_servers:
                    filter_table[addr] = self.filter_servers[addr]
        if not broker_datas:
            return None
        queue_datas = ",".join(by_broker[name].to_json() for name in sorted(by_broker))
        return '{"brokerDatas":[%s],"filterServerTable":%s,"queueDatas":[%s]}' % (
            ",".join(broker_datas), json.dumps(filter_table, separators=(",", ":")), queue_datas)

    def cluster_info_json(self) -> str:
        """ClusterInfo: brokerAddrTable and clusterAddrTable."""
        brokers = ",".join("%s:%s" % (json.dumps(name), self.brokers[name].to_json())
                           for name in sorted(self.brokers))
        clusters = ",".join("%s:%s" % (json.dumps(cluster), json.dumps(sorted(names), separators=(",", ":")))
                            for cluster, names in sorted(self.clusters.items()))
        return '{"brokerAddrTable":{%s},"clusterAddrTable":{%s}}' % (brokers, clusters)

    def broker_addrs(self, broker_name: str) -> Dict[int, str]:
        data = self.brokers.get(broker_name)
        return dict(data.addrs) if data is not None else {}
