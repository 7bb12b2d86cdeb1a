"""python -m rocketmq.testing: run the embedded name server and brokers until signalled."""

import argparse
import asyncio
import json
import signal
import sys
from typing import Any, Dict, List, Optional

from .server import EmbeddedCluster
from .timers import DEFAULT_PRECISION_MS
from .versions import DEFAULT_VERSION, VERSIONS


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m rocketmq.testing", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9876, help="name server port (0 = any free port)")
    parser.add_argument("--broker-port", type=int, default=10911,
                        help="port of the first broker, the others take the following ones "
                             "(0 = any free port for each)")
    parser.add_argument("--masters", type=int, default=1, help="masters: broker-a, broker-b, ...")
    parser.add_argument("--slaves", type=int, default=0, help="slaves of each master (broker ids 1..N)")
    parser.add_argument("--register-interval", type=float, default=30.0,
                        help="seconds between a broker's registrations with the name server")
    parser.add_argument("--broker-expiry", type=float, default=120.0,
                        help="seconds of silence after which the name server drops a broker")
    parser.add_argument("--slave-sync-interval", type=float, default=10.0,
                        help="seconds between a slave's copies of its master's tables")
    parser.add_argument("--slave-read-enable", action="store_true",
                        help="let pull answers send slow consumers to a slave (slaveReadEnable)")
    parser.add_argument("--enable-property-filter", action="store_true",
                        help="accept SQL92 subscriptions (enablePropertyFilter)")
    parser.add_argument("--store", default=None,
                        help="directory to persist messages in (one subdirectory per broker "
                             "when there is more than one)")
    parser.add_argument("--queues", type=int, default=4, help="queues of auto-created topics")
    parser.add_argument("--delay-scale", type=float, default=1.0, help="factor applied to delay levels")
    parser.add_argument("--check-interval", type=float, default=60.0,
                        help="seconds between transaction checks")
    parser.add_argument("--transaction-immunity", type=float, default=6.0,
                        help="seconds before a half message is first checked")
    parser.add_argument("--broker-version", default=DEFAULT_VERSION, choices=sorted(VERSIONS),
                        help="RocketMQ release the brokers present themselves as; from 5.0 they also "
                             "deliver messages at a chosen time (timer messages)")
    parser.add_argument("--timer-precision-ms", type=int, default=DEFAULT_PRECISION_MS,
                        help="granularity of timer message delivery (5.x brokers only)")
    parser.add_argument("--no-auto-create", action="store_true", help="answer TOPIC_NOT_EXIST for new topics")
    parser.add_argument("--acl", default=None, metavar="FILE",
                        help="enable ACL: a JSON file with plain_acl.yml's keys "
                             "(accounts, globalWhiteRemoteAddresses)")
    parser.add_argument("--tls-cert", default=None, metavar="PEM",
                        help="serve TLS only, with this certificate (chain) file")
    parser.add_argument("--tls-key", default=None, metavar="PEM", help="the certificate's private key")
    return parser.parse_args(argv)


def load_acl(path: Optional[str]) -> Optional[Dict[str, Any]]:
    if path is None:
        return None
    with open(path, "r", encoding="utf-8") as fh:
        config: Dict[str, Any] = json.load(fh)
    return config


def ready_line(cluster: EmbeddedCluster) -> str:
    """"namesrv X broker Y" (the first master) stays first: scripts read those two."""
    brokers = ",".join("%s/%d=%s" % (node.name, node.broker_id, node.addr) for node in cluster.brokers)
    return "rocketmq.testing ready: namesrv %s broker %s brokers %s" % (
        cluster.namesrv_addr, cluster.broker_addr, brokers)


async def serve(args: argparse.Namespace) -> None:
    cluster = EmbeddedCluster(
        host=args.host, namesrv_port=args.port, broker_port=args.broker_port, store_dir=args.store,
        queues=args.queues, delay_scale=args.delay_scale, check_interval=args.check_interval,
        transaction_immunity=args.transaction_immunity, auto_create_topics=not args.no_auto_create,
        acl=load_acl(args.acl), tls_cert=args.tls_cert, tls_key=args.tls_key,
        masters=args.masters, slaves=args.slaves, register_interval=args.register_interval,
        broker_expiry=args.broker_expiry, slave_sync_interval=args.slave_sync_interval,
        slave_read_enable=args.slave_read_enable, enable_property_filter=args.enable_property_filter,
        version=args.broker_version, timer_precision_ms=args.timer_precision_ms,
    )
    await cluster.start_async()
    stop = asyncio.Event()
    loop = asyncio.get_event_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    print(ready_line(cluster), flush=True)
    await stop.wait()
    await cluster.stop_async()


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(serve(args))
    finally:
        loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
