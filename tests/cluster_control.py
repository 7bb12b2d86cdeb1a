"""One way to drive a cluster in the cluster tests, whichever cluster it is.

CI runs them against ``rocketmq.testing.EmbeddedCluster`` (masters, slaves
and fault controls in this process). ``pytest --real-cluster=DIR`` runs the
same tests against a real Apache RocketMQ 4.9.8 cluster built by the
real-broker kit in DIR: brokers are its JVMs, started by its ``start.sh``,
killed with SIGKILL, hung with SIGSTOP, resumed with SIGCONT through the pid
files it records.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

from rocketmq.testing.client import RemotingClient

GET_ROUTEINFO_BY_TOPIC = 105
SUCCESS = 0


def route_of(namesrv_addr: str, topic: str) -> Optional[dict]:
    """The name server's TopicRouteData of ``topic`` (None when it has none)."""
    with RemotingClient(namesrv_addr) as client:
        answer = client.request(GET_ROUTEINFO_BY_TOPIC, {"topic": topic}, timeout=5.0)
    if answer.code != SUCCESS:
        return None
    # The name server writes brokerAddrs with unquoted integer keys.
    text = answer.body.decode("utf-8")
    for broker_id in range(16):
        for before in "{,":
            text = text.replace('%s%d:' % (before, broker_id), '%s"%d":' % (before, broker_id))
    return json.loads(text)


def broker_nodes(namesrv_addr: str, topic: str) -> Dict[str, Dict[int, str]]:
    """broker name -> {broker id: address} as the name server routes ``topic`` now."""
    route = route_of(namesrv_addr, topic) or {"brokerDatas": []}
    return {bd["brokerName"]: {int(k): v for k, v in bd["brokerAddrs"].items()}
            for bd in route["brokerDatas"]}


def wait_until(predicate: Callable[[], bool], timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


class RealBroker:
    """One broker JVM of the real-broker kit, as its instance directory names it."""

    def __init__(self, kit: Path, letter: str, broker_id: int, port: int, first: bool) -> None:
        self.kit = kit
        self.name = "broker-" + letter
        self.broker_id = broker_id
        self.port = port
        self.addr = "127.0.0.1:%d" % port
        self.instance = "%s%d" % (letter, broker_id)
        self.runs_name_server = first

    @property
    def pid_file(self) -> Path:
        return self.kit / "run" / self.instance / "broker.pid"

    def _env(self, clean: bool) -> Dict[str, str]:
        env = dict(os.environ, RMQ_INSTANCE=self.instance, RMQ_BROKER_NAME=self.name,
                   RMQ_BROKER_ID=str(self.broker_id), RMQ_BROKER_PORT=str(self.port),
                   RMQ_BROKER_ROLE="SLAVE" if self.broker_id else "ASYNC_MASTER",
                   RMQ_BROKER_XMX=os.environ.get("RMQ_BROKER_XMX", "512m"))
        if not self.runs_name_server:
            env["RMQ_NS_EXTERNAL"] = "1"
        if clean:
            env["RMQ_CLEAN"] = "1"
        return env

    def start(self, clean: bool = False) -> None:
        subprocess.run([str(self.kit / "start.sh")], env=self._env(clean), check=True, capture_output=True,
                       timeout=180)

    def _signal(self, signum: int) -> None:
        os.kill(int(self.pid_file.read_text().strip()), signum)

    @property
    def is_alive(self) -> bool:
        try:
            os.kill(int(self.pid_file.read_text().strip()), 0)
            return True
        except (OSError, ValueError):
            return False

    def kill(self) -> None:
        self._signal(signal.SIGKILL)
        wait_until(lambda: not self.is_alive, 10)

    def hang(self) -> None:
        self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal(signal.SIGCONT)

    def restart(self) -> None:
        if self.is_alive:
            self.resume()
            return
        self.start()

    def stop(self) -> None:
        env = dict(os.environ, RMQ_INSTANCE=self.instance)
        subprocess.run([str(self.kit / "stop.sh")], env=env, check=False, capture_output=True, timeout=120)


class RealCluster:
    """Masters broker-a, broker-b, ... each with ``slaves`` slaves, on the kit's name server
    127.0.0.1:9876."""

    BASE_PORT = 10911

    def __init__(self, kit: str, masters: int, slaves: int) -> None:
        self.kit = Path(kit).resolve()
        self.namesrv_addr = "127.0.0.1:9876"
        self.brokers: List[RealBroker] = []
        for index in range(masters):
            self._add(index, slaves)

    def _add(self, index: int, slaves: int) -> List[RealBroker]:
        letter = "abcdefgh"[index]
        added = []
        for broker_id in range(slaves + 1):
            port = self.BASE_PORT + 1000 * (2 * index + broker_id)
            added.append(RealBroker(self.kit, letter, broker_id, port, first=not self.brokers and not added))
        self.brokers.extend(added)
        return added

    def start(self) -> "RealCluster":
        for broker in self.brokers:
            broker.start(clean=True)
        return self

    def broker(self, name: str, broker_id: int = 0) -> RealBroker:
        return next(b for b in self.brokers if b.name == name and b.broker_id == broker_id)

    @property
    def masters(self) -> List[RealBroker]:
        return [b for b in self.brokers if b.broker_id == 0]

    def add_master(self) -> RealBroker:
        index = len(self.masters)
        [master] = self._add(index, 0)
        master.start(clean=True)
        return master

    def create_topic(self, topic: str, queues: int = 4, broker_names: Optional[List[str]] = None) -> None:
        """``mqadmin updateTopic`` on every master (or the named ones), as an operator creates topics."""
        targets = [b for b in self.masters if broker_names is None or b.name in broker_names]
        env = dict(os.environ, RMQ_INSTANCE=self.brokers[0].instance)
        for master in targets:
            subprocess.run([str(self.kit / "mqadmin.sh"), "updateTopic", "-n", self.namesrv_addr,
                            "-b", master.addr, "-t", topic, "-r", str(queues), "-w", str(queues)],
                           env=env, check=True, capture_output=True, timeout=120)
        wait_until(lambda: set(broker_nodes(self.namesrv_addr, topic)) >= {b.name for b in targets}, 30)
        if any(b.broker_id for b in self.brokers):
            # A slave serves a topic once SlaveSynchronize (every 10 s) copied its config.
            time.sleep(11)

    def heal(self) -> None:
        """Every broker running and answering again (between tests)."""
        for broker in self.brokers:
            broker.restart()

    def stop(self) -> None:
        # Brokers before the name server (it runs with the first broker's instance).
        for broker in sorted(self.brokers, key=lambda b: b.runs_name_server):
            if broker.is_alive:
                broker.resume()
            broker.stop()
