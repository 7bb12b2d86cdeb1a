"""A broker's registration with the name servers, as BrokerOuterAPI.registerBrokerAll sends it.

REGISTER_BROKER (103) carries RegisterBrokerRequestHeader's fields and a
RegisterBrokerBody in its uncompressed form: the JSON of
{"filterServerList": [...], "topicConfigSerializeWrapper": {"dataVersion": ...,
"topicConfigTable": {...}}}, field names as fastjson writes the Java beans.
A clean stop sends UNREGISTER_BROKER (104).
"""

import asyncio
import json
import logging
import ssl
import zlib
from typing import Any, Dict, List, Optional, Sequence

from .codes import RequestCode, ResponseCode
from .headers import lenient_json
from .outbound import OutboundClient
from .routes import DataVersion, TopicConfigEntry
from .store import TopicConfig

log = logging.getLogger("rocketmq.testing")

# BrokerConfig.registerBrokerTimeoutMills
REGISTER_TIMEOUT_SECONDS = 6.0
# BrokerOuterAPI.unregisterBroker waits this long for each name server.
UNREGISTER_TIMEOUT_SECONDS = 3.0


def body_crc32(body: bytes) -> int:
    """UtilAll.crc32: CRC-32 with the sign bit cleared."""
    return zlib.crc32(body) & 0x7FFFFFFF


def topic_config_json(config: TopicConfig) -> Dict[str, Any]:
    """TopicConfig as fastjson writes it (every bean property, names sorted)."""
    return {"order": False, "perm": config.perm, "readQueueNums": config.read_queues,
            "topicFilterType": "SINGLE_TAG", "topicName": config.name, "topicSysFlag": config.sysflag,
            "writeQueueNums": config.write_queues}


def topic_wrapper_json(topics: Sequence[TopicConfig], data_version: DataVersion) -> Dict[str, Any]:
    """TopicConfigSerializeWrapper: the topic table and the version it was taken at."""
    return {"dataVersion": {"counter": data_version[1], "timestamp": data_version[0]},
            "topicConfigTable": {t.name: topic_config_json(t) for t in topics}}


def register_body(topics: Sequence[TopicConfig], data_version: DataVersion,
                  filter_servers: Sequence[str] = ()) -> bytes:
    body = {"filterServerList": list(filter_servers),
            "topicConfigSerializeWrapper": topic_wrapper_json(topics, data_version)}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _as_int(value: object, default: int = 0) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return default


def parse_data_version(value: object) -> DataVersion:
    if not isinstance(value, dict):
        return (0, 0)
    return (_as_int(value.get("timestamp")), _as_int(value.get("counter")))


def parse_topic_table(value: object) -> List[TopicConfigEntry]:
    entries = []
    if isinstance(value, dict):
        for name, config in value.items():
            if not isinstance(config, dict):
                continue
            entries.append(TopicConfigEntry(
                str(config.get("topicName") or name), _as_int(config.get("readQueueNums"), 16),
                _as_int(config.get("writeQueueNums"), 16), _as_int(config.get("perm"), 6),
                _as_int(config.get("topicSysFlag"))))
    return entries


def _compressed_register_body(raw: bytes) -> Dict[str, Any]:
    """RegisterBrokerBody.decode(compressed=true): deflated length-prefixed pieces."""
    data = zlib.decompress(raw)
    pos = 0

    def take() -> bytes:
        nonlocal pos
        size = int.from_bytes(data[pos:pos + 4], "big", signed=True)
        if size < 0 or pos + 4 + size > len(data):
            raise ValueError("bad compressed register body")
        piece = data[pos + 4:pos + 4 + size]
        pos += 4 + size
        return piece

    version = json.loads(take().decode("utf-8"))
    count = int.from_bytes(data[pos:pos + 4], "big", signed=True)
    pos += 4
    table: Dict[str, Any] = {}
    for _ in range(count):
        # TopicConfig.encode: "name read write perm filterType", space separated.
        parts = take().decode("utf-8").split(" ")
        if len(parts) == 5:
            table[parts[0]] = {"topicName": parts[0], "readQueueNums": int(parts[1]),
                               "writeQueueNums": int(parts[2]), "perm": int(parts[3]), "topicSysFlag": 0}
    filters = json.loads(take().decode("utf-8"))
    return {"filterServerList": filters,
            "topicConfigSerializeWrapper": {"dataVersion": version, "topicConfigTable": table}}


def decode_register_body(raw: bytes, compressed: bool, whole_body: bool) -> Dict[str, Any]:
    """The body of a REGISTER_BROKER request as a RegisterBrokerBody-shaped dict.

    ``whole_body`` false: a broker older than V3_0_11 sent only a TopicConfigSerializeWrapper.
    """
    if compressed:
        return _compressed_register_body(raw)
    parsed = lenient_json(raw)
    if not isinstance(parsed, dict):
        raise ValueError("register body is not a JSON object")
    if not whole_body:
        return {"filterServerList": None, "topicConfigSerializeWrapper": parsed}
    return parsed


class Registrar:
    """Registers one broker with every name server, now and then, and unregisters it on a clean stop."""

    def __init__(self, cluster_name: str, broker_name: str, broker_id: int, namesrv_addrs: Sequence[str],
                 tls: Optional[ssl.SSLContext] = None) -> None:
        self.cluster_name = cluster_name
        self.broker_name = broker_name
        self.broker_id = broker_id
        self.clients = [OutboundClient(addr, tls) for addr in namesrv_addrs]
        # From the last successful registration: a slave learns its master here.
        self.master_addr: Optional[str] = None
        self.ha_master_addr: Optional[str] = None
        self.registrations = 0

    def header(self, broker_addr: str, ha_server_addr: str, body: bytes) -> Dict[str, str]:
        return {"brokerName": self.broker_name, "brokerAddr": broker_addr, "clusterName": self.cluster_name,
                "haServerAddr": ha_server_addr, "brokerId": str(self.broker_id), "compressed": "false",
                "bodyCrc32": str(body_crc32(body))}

    async def register(self, broker_addr: str, ha_server_addr: str, topics: Sequence[TopicConfig],
                       data_version: DataVersion) -> bool:
        """One registration with every name server at once; True when at least one took it."""
        body = register_body(topics, data_version)
        header = self.header(broker_addr, ha_server_addr, body)
        answers = await asyncio.gather(
            *(self._register_with(client, header, body) for client in self.clients), return_exceptions=True)
        ok = [a for a in answers if isinstance(a, dict)]
        if ok:
            # As registerBrokerAll: the first answer tells a slave where its master is.
            self.master_addr = ok[0].get("masterAddr") or None
            self.ha_master_addr = ok[0].get("haServerAddr") or None
            self.registrations += 1
        return bool(ok)

    async def _register_with(self, client: OutboundClient, header: Dict[str, str],
                             body: bytes) -> Dict[str, str]:
        try:
            response = await client.request(RequestCode.REGISTER_BROKER, header, body,
                                            REGISTER_TIMEOUT_SECONDS)
        except (OSError, asyncio.TimeoutError) as exc:
            log.debug("register %s with %s failed: %s", header["brokerAddr"], client.addr, exc)
            raise ConnectionError(str(exc))
        if response.code != ResponseCode.SUCCESS:
            raise ConnectionError("register refused: %d %s" % (response.code, response.remark))
        return response.ext_fields

    async def unregister(self, broker_addr: str) -> None:
        header = {"brokerName": self.broker_name, "brokerAddr": broker_addr, "clusterName": self.cluster_name,
                  "brokerId": str(self.broker_id)}
        for client in self.clients:
            try:
                await client.request(RequestCode.UNREGISTER_BROKER, header, b"", UNREGISTER_TIMEOUT_SECONDS)
            except (OSError, asyncio.TimeoutError):
                pass  # a name server that is down forgets the broker anyway

    def abort(self) -> None:
        for client in self.clients:
            client.abort()

    async def close(self) -> None:
        for client in self.clients:
            await client.close()
