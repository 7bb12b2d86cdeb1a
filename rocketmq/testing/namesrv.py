"""The name server's request processor (DefaultRequestProcessor) over a RouteTable.

One deliberate difference from Java: when ``auto_create`` is given, a route
query for an unknown topic (a valid, non-system name) asks the cluster to
create it on every live master, which then registers again, and the query is
answered from the updated table.  A Java name server only ever answers
TOPIC_NOT_EXIST there; the convenience spares tests from creating topics.
"""

import logging
from typing import Awaitable, Callable, Dict, Optional, Tuple

from .codes import REGISTER_BODY_SINCE_VERSION, SYSTEM_TOPICS, RequestCode, ResponseCode
from .connection import Connection
from .headers import header_int, topic_problem
from .registration import body_crc32, decode_register_body, parse_data_version, parse_topic_table
from .remoting import RemotingCommand
from .routes import RouteTable

log = logging.getLogger("rocketmq.testing")

# RouteInfoManager.BROKER_CHANNEL_EXPIRED_TIME and the NamesrvController scan period.
BROKER_EXPIRY_SECONDS = 120.0
SCAN_INTERVAL_SECONDS = 10.0

AutoCreate = Callable[[str], Awaitable[bool]]

REGISTER_FIELDS = ("brokerName", "brokerAddr", "clusterName", "haServerAddr", "brokerId")
UNREGISTER_FIELDS = ("brokerName", "brokerAddr", "clusterName", "brokerId")


def _missing(fields: Dict[str, str], names: Tuple[str, ...]) -> Optional[str]:
    for name in names:
        if fields.get(name) is None:
            return name
    return None


class NameServer:
    def __init__(self, auto_create: Optional[AutoCreate] = None,
                 broker_expiry: float = BROKER_EXPIRY_SECONDS) -> None:
        self.routes = RouteTable()
        self.auto_create = auto_create
        self.broker_expiry = broker_expiry

    def reset(self) -> None:
        """Forget every route, as a restarted name server process has."""
        self.routes = RouteTable()

    async def handle(self, conn: Connection, cmd: RemotingCommand) -> Optional[RemotingCommand]:
        if cmd.code == RequestCode.GET_ROUTEINFO_BY_TOPIC:
            return await self.get_route(cmd)
        if cmd.code == RequestCode.REGISTER_BROKER:
            return self.register_broker(conn, cmd)
        if cmd.code == RequestCode.UNREGISTER_BROKER:
            return self.unregister_broker(cmd)
        if cmd.code == RequestCode.GET_BROKER_CLUSTER_INFO:
            body = self.routes.cluster_info_json().encode("utf-8")
            return cmd.make_response(ResponseCode.SUCCESS, None, body=body)
        return cmd.make_response(ResponseCode.REQUEST_CODE_NOT_SUPPORTED,
                                 "request type %d not supported" % cmd.code)

    def on_connection_closed(self, conn: Connection) -> None:
        """BrokerHousekeepingService: a closed connection takes its broker's address with it."""
        self.routes.on_channel_destroy("%s:%d" % conn.peer, conn)

    def scan_not_active(self) -> int:
        """Drop brokers that have not registered for ``broker_expiry`` seconds and close their connections."""
        removed = self.routes.expired(self.broker_expiry)
        for addr, channel in removed:
            log.info("namesrv: broker %s expired", addr)
            if isinstance(channel, Connection):
                channel.close()
        return len(removed)

    # -- requests ------------------------------------------------------------
    async def get_route(self, cmd: RemotingCommand) -> RemotingCommand:
        topic = cmd.ext_fields.get("topic", "")
        body = self.routes.route_json(topic)
        if body is None and self.auto_create is not None and self._may_create(topic):
            if await self.auto_create(topic):
                body = self.routes.route_json(topic)
        if body is None:
            return cmd.make_response(ResponseCode.TOPIC_NOT_EXIST,
                                     "No topic route info in name server for the topic: " + topic)
        return cmd.make_response(ResponseCode.SUCCESS, None, body=body.encode("utf-8"))

    @staticmethod
    def _may_create(topic: str) -> bool:
        return topic_problem(topic) is None and topic not in SYSTEM_TOPICS

    def register_broker(self, conn: Connection, cmd: RemotingCommand) -> RemotingCommand:
        f = cmd.ext_fields
        missing = _missing(f, REGISTER_FIELDS)
        if missing is not None:
            return cmd.make_response(ResponseCode.SYSTEM_ERROR, "the custom field <%s> is null" % missing)
        crc = header_int(f, "bodyCrc32")
        if crc != 0 and crc != body_crc32(cmd.body):
            return cmd.make_response(ResponseCode.SYSTEM_ERROR, "crc32 not match")
        topics = None
        filter_servers = None
        data_version = (0, 0)
        if cmd.body:
            try:
                body = decode_register_body(cmd.body, f.get("compressed") == "true",
                                            cmd.version >= REGISTER_BODY_SINCE_VERSION)
            except (ValueError, UnicodeDecodeError) as exc:
                remark = "Failed to decode RegisterBrokerBody: %s" % exc
                return cmd.make_response(ResponseCode.SYSTEM_ERROR, remark)
            wrapper = body.get("topicConfigSerializeWrapper")
            if isinstance(wrapper, dict):
                data_version = parse_data_version(wrapper.get("dataVersion"))
                topics = parse_topic_table(wrapper.get("topicConfigTable"))
            servers = body.get("filterServerList")
            if isinstance(servers, list):
                filter_servers = [str(s) for s in servers]
        result = self.routes.register(f["clusterName"], f["brokerAddr"], f["brokerName"],
                                      header_int(f, "brokerId"), f["haServerAddr"], data_version, topics,
                                      filter_servers, conn)
        ext: Dict[str, str] = {}
        if result.ha_server_addr is not None:
            ext["haServerAddr"] = result.ha_server_addr
        if result.master_addr is not None:
            ext["masterAddr"] = result.master_addr
        return cmd.make_response(ResponseCode.SUCCESS, None, ext)

    def unregister_broker(self, cmd: RemotingCommand) -> RemotingCommand:
        f = cmd.ext_fields
        missing = _missing(f, UNREGISTER_FIELDS)
        if missing is not None:
            return cmd.make_response(ResponseCode.SYSTEM_ERROR, "the custom field <%s> is null" % missing)
        self.routes.unregister(f["clusterName"], f["brokerAddr"], f["brokerName"], header_int(f, "brokerId"))
        return cmd.make_response(ResponseCode.SUCCESS)
