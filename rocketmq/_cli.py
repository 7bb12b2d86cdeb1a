"""The ``rocketmq`` command line: send, consume, route, cluster, offsets, message and query.

Every command returns its exit status: 0 when it did what was asked, 1 when
something failed (one line on stderr says what); argparse exits with 2 on
usage errors before a command runs.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any, Callable, Dict, Iterator, List, Optional, Sequence, TextIO, Tuple

DEFAULT_NAMESRV = "127.0.0.1:9876"
NAMESRV_ENV = "ROCKETMQ_NAMESRV"
ACCESS_KEY_ENV = "ROCKETMQ_ACCESS_KEY"
SECRET_KEY_ENV = "ROCKETMQ_SECRET_KEY"
DEFAULT_PRODUCER_GROUP = "rocketmq-cli"
# The topic a producer takes the route of when the name server knows none
# for the topic it sends to (the broker creates the topic then).
AUTO_CREATE_TOPIC = "TBW102"
PROGRESS_INTERVAL_SECONDS = 1.0
# What the send result's status is called in the Java client (SendStatus).
_SEND_STATUS_NAMES = {
    0: "SEND_OK", 1: "FLUSH_DISK_TIMEOUT", 2: "FLUSH_SLAVE_TIMEOUT", 3: "SLAVE_NOT_AVAILABLE",
}
# Properties the message line shows under their own names.
_SHOWN_PROPERTIES = ("TAGS", "KEYS", "UNIQ_KEY")


class CommandFailed(Exception):
    """Ends a command with exit status 1 and this one-line message on stderr."""


# ----- argument types -----------------------------------------------------------------------


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


def positive_int(text: str) -> int:
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return value


def delay_level(text: str) -> int:
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {value}")
    if value > 2**31 - 1:
        raise argparse.ArgumentTypeError(f"must fit a 32-bit int: {value}")
    return value


def key_value(text: str) -> Tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def start_position(text: str) -> str:
    """``first``, ``last`` or a timestamp in milliseconds (kept as its digits)."""
    if text in ("first", "last") or text.isdigit():
        return text
    raise argparse.ArgumentTypeError(f"expected first, last or a timestamp in milliseconds, got {text!r}")


# ----- the parser ----------------------------------------------------------------------------


def common_options() -> argparse.ArgumentParser:
    """The options every cluster command takes, after the command name."""
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("connection and output")
    group.add_argument("--namesrv", metavar="ADDR", default=os.environ.get(NAMESRV_ENV) or DEFAULT_NAMESRV,
                       help=f"name server address(es), 'host:port;host:port' "
                            f"(default: ${NAMESRV_ENV}, else {DEFAULT_NAMESRV})")
    group.add_argument("--access-key", metavar="KEY", default=os.environ.get(ACCESS_KEY_ENV),
                       help=f"ACL access key to sign requests with (default: ${ACCESS_KEY_ENV})")
    group.add_argument("--secret-key", metavar="KEY", default=os.environ.get(SECRET_KEY_ENV),
                       help=f"ACL secret key (default: ${SECRET_KEY_ENV})")
    group.add_argument("--tls", action="store_true", help="talk TLS to name servers and brokers")
    group.add_argument("--tls-ca-file", metavar="PEM",
                       help="verify the servers' certificates against this CA bundle (implies --tls)")
    group.add_argument("--timeout", metavar="SECONDS", type=positive_seconds, default=3.0,
                       help="how long each request may take (default: %(default)s)")
    group.add_argument("--json", action="store_true",
                       help="machine-readable output: one JSON document, or one per line for streams")
    group.add_argument("-v", "--verbose", action="count", default=0,
                       help="show the client's log on stderr (-vv: debug)")
    return common


def add_commands(commands: Any) -> Dict[str, argparse.ArgumentParser]:
    """The cluster commands, on the subparsers of ``python -m rocketmq``; their parsers by name."""
    common = [common_options()]
    send = commands.add_parser(
        "send", parents=common, help="send messages",
        description="Send BODY (COUNT times), or each line of stdin as a message. Prints each result; "
                    "stops at the first failed send.")
    send.add_argument("topic")
    send.add_argument("body", nargs="?", default="-",
                      help="message body; '-' or none reads stdin, one message per line "
                           "(empty lines skipped)")
    send.add_argument("--tags", help="message tag")
    send.add_argument("--keys", help="message keys, space-separated")
    send.add_argument("--property", metavar="KEY=VALUE", type=key_value, action="append", default=[],
                      help="a user property (repeatable)")
    send.add_argument("--delay-level", metavar="N", type=delay_level,
                      help="delay level (1 = 1 s, 2 = 5 s, ...)")
    send.add_argument("--count", metavar="N", type=positive_int, default=1,
                      help="send each body N times (default: 1)")
    send.add_argument("--group", default=DEFAULT_PRODUCER_GROUP, help="producer group (default: %(default)s)")
    send.add_argument("--progress", action="store_true",
                      help="report the count and rate on stderr every second even when it is not a terminal")

    consume = commands.add_parser(
        "consume", parents=common, help="print messages as they arrive",
        description="Consume TOPIC as a member of consumer group GROUP and print each message; offsets "
                    "are committed for the group. Ctrl-C stops cleanly.")
    consume.add_argument("topic")
    consume.add_argument("--group", required=True, help="consumer group")
    consume.add_argument("--from", dest="start", metavar="WHERE", type=start_position, default="last",
                         help="where a group with no committed offset starts: first, last (default) or a "
                              "timestamp in milliseconds")
    consume.add_argument("--expression", default="*", help="tag expression, e.g. 'TagA || TagB' (default: *)")
    consume.add_argument("--count", metavar="N", type=positive_int, help="exit after N messages")

    route = commands.add_parser("route", parents=common,
                                help="show a topic's brokers, queues and permissions")
    route.add_argument("topic")

    cluster = commands.add_parser(
        "cluster", parents=common, help="list the brokers of the cluster(s) with their versions",
        description="List every broker the name server knows, with the version each broker reports. A "
                    "broker that does not answer shows '-' and a warning on stderr.")

    offsets = commands.add_parser(
        "offsets", parents=common, help="a consumer group's committed offsets and lag per queue")
    offsets.add_argument("topic")
    offsets.add_argument("--group", required=True, help="consumer group")
    parsers = {"send": send, "consume": consume, "route": route, "cluster": cluster, "offsets": offsets}
    from . import _cli_messages

    parsers.update(_cli_messages.add_commands(commands, common))
    return parsers


def check_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Combinations argparse cannot check; a problem is a usage error (exit status 2).

    ``parser`` is the command's own parser, whose usage goes with the error."""
    if bool(args.access_key) != bool(args.secret_key):
        parser.error("--access-key and --secret-key go together")
    if args.tls_ca_file is not None and not os.path.isfile(args.tls_ca_file):
        parser.error(f"--tls-ca-file {args.tls_ca_file!r} is not a file")
    from . import _cli_messages

    _cli_messages.check_arguments(parser, args)


COMMANDS = ("send", "consume", "route", "cluster", "offsets", "message", "query")


def run(prog: str, args: argparse.Namespace) -> int:
    """Run a cluster command; its exit status."""
    from . import _cli_messages

    command: Callable[[argparse.Namespace], int] = {
        "send": send, "consume": consume, "route": route, "cluster": cluster, "offsets": offsets,
        **_cli_messages.COMMANDS,
    }[args.command]
    try:
        if args.verbose:
            _show_core_log(args.verbose)
        return command(args)
    except CommandFailed as exc:
        _error(prog, str(exc))
    except BrokenPipeError:
        # The reader went away (`| head`): nothing more can be printed.
        _silence_stdout()
    except Exception as exc:
        from .exceptions import RocketMQException

        if not isinstance(exc, RocketMQException):
            raise
        _error(prog, str(exc))
    return 1


def _error(prog: str, message: str) -> None:
    # The core's hint names the API call; here it is an option.
    message = message.replace("(enable it with set_tls)", "(use --tls)")
    print(f"{prog}: {' '.join(message.split())}", file=sys.stderr)


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _show_core_log(verbosity: int) -> None:
    import logging

    from . import log

    logging.basicConfig(stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    level = "DEBUG" if verbosity > 1 else "INFO"
    logging.getLogger(log.CORE_LOGGER_NAME).setLevel(level)
    log.set_log_level(level)
    log.route_to_python_logging()


def _print_json(document: Any, out: TextIO) -> None:
    out.write(json.dumps(document, ensure_ascii=False) + "\n")
    out.flush()


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], out: TextIO) -> None:
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for row in cells:
        out.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() + "\n")
    out.flush()


# ----- clients configured from the common options -------------------------------------------


def _configure(client: Any, args: argparse.Namespace) -> None:
    client.set_name_server_address(args.namesrv)
    if args.access_key:
        client.set_session_credentials(args.access_key, args.secret_key, "ALIYUN")
    if args.tls or args.tls_ca_file:
        client.set_tls(True, args.tls_ca_file)


def _admin(args: argparse.Namespace) -> Any:
    from .admin import AdminClient

    admin = AdminClient("rocketmq-cli")
    _configure(admin, args)
    admin.set_timeout(int(args.timeout * 1000))
    admin.start()
    return admin


def _topic_route(admin: Any, topic: str) -> Any:
    from .admin import TopicNotExist

    try:
        return admin.topic_route(topic)
    except TopicNotExist:
        raise CommandFailed(f"topic {topic} does not exist (TOPIC_NOT_EXIST)") from None


# ----- route, cluster, offsets ---------------------------------------------------------------


def route(args: argparse.Namespace) -> int:
    admin = _admin(args)
    try:
        found = _topic_route(admin, args.topic)
    finally:
        admin.shutdown()
    brokers = {broker.broker_name: broker for broker in found.brokers}
    entries = []
    for queue in sorted(found.queues, key=lambda q: q.broker_name):
        broker = brokers.get(queue.broker_name)
        entries.append({
            "brokerName": queue.broker_name,
            "cluster": broker.cluster if broker else "",
            "readQueueNums": queue.read_queue_nums,
            "writeQueueNums": queue.write_queue_nums,
            "perm": queue.perm,
            "permission": queue.perm_string,
            "addresses": {str(i): a for i, a in (broker.addresses.items() if broker else ())},
        })
    if args.json:
        _print_json({"topic": found.topic, "orderTopicConf": found.order_topic_conf, "brokers": entries},
                    sys.stdout)
        return 0
    rows = []
    for entry in entries:
        nodes = sorted(entry["addresses"].items(), key=lambda node: int(node[0])) or [("-", "")]
        for broker_id, addr in nodes:
            role = "-" if broker_id == "-" else ("master" if broker_id == "0" else "slave")
            rows.append([entry["brokerName"], entry["cluster"], entry["readQueueNums"],
                         entry["writeQueueNums"], entry["permission"], broker_id, role, addr])
    _table(["BROKER", "CLUSTER", "READ", "WRITE", "PERM", "ID", "ROLE", "ADDRESS"], rows, sys.stdout)
    return 0


def cluster(args: argparse.Namespace) -> int:
    admin = _admin(args)
    try:
        info = admin.cluster_info()
        nodes = [(name, broker_id, addr) for name, broker in info.brokers.items()
                 for broker_id, addr in broker.addresses.items()]
        # Each broker is asked in parallel: one that does not answer costs one timeout, not one each.
        with ThreadPoolExecutor(max_workers=max(1, min(8, len(nodes)))) as pool:
            answers = list(pool.map(lambda node: _runtime_info(admin, node[2]), nodes))
    finally:
        admin.shutdown()
    versions: Dict[str, Optional[str]] = {}
    for (name, broker_id, addr), (runtime, problem) in zip(nodes, answers):
        versions[addr] = runtime.get("brokerVersionDesc") if runtime else None
        if problem is not None:
            print(f"warning: no version from {name} (id {broker_id}, {addr}): {problem}", file=sys.stderr)
    cluster_of = {name: c for c, names in info.clusters.items() for name in names}
    rows: List[Dict[str, Any]] = []
    for name, broker in info.brokers.items():
        for broker_id, addr in broker.addresses.items():
            rows.append({"cluster": cluster_of.get(name, broker.cluster), "brokerName": name,
                         "brokerId": broker_id, "role": "master" if broker_id == 0 else "slave",
                         "address": addr, "version": versions.get(addr)})
    rows.sort(key=lambda r: (r["cluster"], r["brokerName"], r["brokerId"]))
    if args.json:
        _print_json({"clusters": info.clusters, "brokers": rows}, sys.stdout)
        return 0
    _table(["CLUSTER", "BROKER", "ID", "ROLE", "ADDRESS", "VERSION"],
           [[r["cluster"], r["brokerName"], r["brokerId"], r["role"], r["address"], r["version"] or "-"]
            for r in rows], sys.stdout)
    return 0


def _runtime_info(admin: Any, addr: str) -> Tuple[Optional[Dict[str, str]], Optional[str]]:
    from .exceptions import RocketMQException

    try:
        return admin.broker_runtime_info(addr), None
    except RocketMQException as exc:
        return None, " ".join(str(exc).split())


def offsets(args: argparse.Namespace) -> int:
    admin = _admin(args)
    try:
        _topic_route(admin, args.topic)
        queues = admin.group_offsets(args.group, args.topic)
    finally:
        admin.shutdown()
    total_broker = sum(q.broker_offset for q in queues)
    committed = [q for q in queues if q.consumer_offset is not None]
    total_consumer = sum(q.consumer_offset or 0 for q in committed)
    total_lag = sum(q.lag or 0 for q in committed)
    if args.json:
        _print_json({
            "topic": args.topic, "group": args.group,
            "queues": [{"brokerName": q.broker_name, "queueId": q.queue_id, "brokerOffset": q.broker_offset,
                        "consumerOffset": q.consumer_offset, "lag": q.lag} for q in queues],
            "total": {"brokerOffset": total_broker, "consumerOffset": total_consumer, "lag": total_lag},
        }, sys.stdout)
        return 0
    rows: List[List[Any]] = [
        [q.broker_name, q.queue_id, q.broker_offset, "-" if q.consumer_offset is None else q.consumer_offset,
         "-" if q.lag is None else q.lag] for q in queues
    ]
    rows.append(["total", "", total_broker, total_consumer, total_lag])
    _table(["BROKER", "QUEUE", "BROKER_OFFSET", "CONSUMER_OFFSET", "LAG"], rows, sys.stdout)
    return 0


# ----- send ----------------------------------------------------------------------------------


def _bodies(args: argparse.Namespace, stdin: IO[bytes]) -> Iterator[bytes]:
    if args.body != "-":
        body = args.body.encode("utf-8")
        for _ in range(args.count):
            yield body
        return
    if sys.stdin.isatty():
        print("reading messages from stdin, one per line; Ctrl-D ends", file=sys.stderr, flush=True)
    for line in stdin:
        body = line.rstrip(b"\n")
        if body.endswith(b"\r"):
            body = body[:-1]
        if not body:
            continue
        for _ in range(args.count):
            yield body


class Progress:
    """The count and rate on stderr, at most once a second: rewritten in place on a terminal."""

    def __init__(self, out: TextIO, enabled: bool, in_place: bool) -> None:
        self.out = out
        self.enabled = enabled
        self.in_place = in_place
        self.started = time.monotonic()
        self.last = self.started
        self.shown = False

    def update(self, sent: int) -> None:
        now = time.monotonic()
        if not self.enabled or now - self.last < PROGRESS_INTERVAL_SECONDS:
            return
        self.last = now
        line = f"sent {sent} ({sent / (now - self.started):.1f} msg/s)"
        if self.in_place:
            self.out.write("\r\033[K" + line)
        else:
            self.out.write(line + "\n")
        self.out.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown and self.in_place:
            self.out.write("\r\033[K")
            self.out.flush()


def send(args: argparse.Namespace) -> int:
    from ._bindings import ffi, lib
    from .exceptions import ffi_check
    from .message import Message
    from .producer import Producer

    producer = Producer(args.group, timeout=int(args.timeout * 1000))
    _configure(producer, args)
    producer.start()
    progress = Progress(sys.stderr, args.progress or sys.stderr.isatty(), sys.stderr.isatty())
    sent = 0
    failure: Optional[str] = None
    try:
        for body in _bodies(args, sys.stdin.buffer):
            message = Message(args.topic, body, tags=args.tags, keys=args.keys,
                              properties=dict(args.property), delay_time_level=args.delay_level)
            result = ffi.new("CSendResultDetail*")
            try:
                ffi_check(lib.SendMessageSyncDetailed(producer._handle, message._handle, result))
            except Exception as exc:
                from .exceptions import RocketMQException

                if not isinstance(exc, RocketMQException):
                    raise
                failure = _send_failure(args.topic, str(exc))
                break
            finally:
                message.close()
            sent += 1
            _print_send_result(result, args.json)
            progress.update(sent)
    finally:
        progress.finish()
        producer.shutdown()
    elapsed = time.monotonic() - progress.started
    rate = f" ({sent / elapsed:.1f} msg/s)" if elapsed > 0 and sent else ""
    summary = f"sent {sent} message{'' if sent == 1 else 's'} in {elapsed:.2f} s{rate}"
    if failure is not None:
        print(summary + "; stopped at a failed send", file=sys.stderr)
        raise CommandFailed(f"send failed: {failure}")
    print(summary, file=sys.stderr)
    return 0


def _send_failure(topic: str, text: str) -> str:
    # The name server knows no route for the topic, and none for the
    # auto-create topic a producer falls back on (the error names that one).
    unknown = (f"No route info of this topic: {topic}", f"No route info of this topic: {AUTO_CREATE_TOPIC}")
    if text.endswith(unknown):
        return f"topic {topic} does not exist (TOPIC_NOT_EXIST)"
    return text


def _print_send_result(result: Any, as_json: bool) -> None:
    from ._bindings import ffi

    status = _SEND_STATUS_NAMES.get(int(result.sendStatus), str(int(result.sendStatus)))
    fields = {
        "status": status,
        "msgId": ffi.string(result.msgId).decode("utf-8", "replace"),
        "offsetMsgId": ffi.string(result.offsetMsgId).decode("utf-8", "replace"),
        "topic": ffi.string(result.queue.topic).decode("utf-8", "replace"),
        "brokerName": ffi.string(result.queue.brokerName).decode("utf-8", "replace"),
        "queueId": int(result.queue.queueId),
        "queueOffset": int(result.offset),
    }
    if as_json:
        _print_json(fields, sys.stdout)
        return
    print(f"{status} msgId={fields['msgId']} broker={fields['brokerName']} queue={fields['queueId']} "
          f"offset={fields['queueOffset']}", flush=True)


# ----- consume -------------------------------------------------------------------------------


def message_document(message: Any) -> Dict[str, Any]:
    """Everything the message line shows, as JSON-ready values."""
    body = message.body
    try:
        text, encoding = body.decode("utf-8"), "text"
    except UnicodeDecodeError:
        text, encoding = base64.b64encode(body).decode("ascii"), "base64"
    return {
        "topic": message.topic,
        "queueId": message.queue_id,
        "queueOffset": message.queue_offset,
        "msgId": message.id,
        "tags": message.tags.decode("utf-8", "replace"),
        "keys": message.keys.decode("utf-8", "replace"),
        "properties": message.properties,
        "bornTimestamp": message.born_timestamp,
        "storeTimestamp": message.store_timestamp,
        "reconsumeTimes": message.reconsume_times,
        "bodyEncoding": encoding,
        "body": text,
    }


def message_line(document: Dict[str, Any]) -> str:
    properties = {k: v for k, v in document["properties"].items() if k not in _SHOWN_PROPERTIES}
    return (f"topic={document['topic']} queue={document['queueId']} offset={document['queueOffset']} "
            f"msgId={document['msgId']} tags={document['tags']} keys={document['keys']} "
            f"properties={json.dumps(properties, ensure_ascii=False, sort_keys=True)} "
            f"body({document['bodyEncoding']})={document['body']}")


class Printer:
    """The consumer's callback: prints each message, then lets it be committed.

    The consumer is orderly, so a message this answers RECONSUME_LATER for
    (once the count is reached, or while stopping) stays in its queue,
    uncommitted, for the group's next consumer; it is never sent back to the
    retry topic.
    """

    def __init__(self, as_json: bool, count: Optional[int]) -> None:
        self.as_json = as_json
        self.count = count
        self.printed = 0
        self.lock = threading.Lock()
        self.stopping = False
        self.done = threading.Event()
        self.broken_pipe = False

    def __call__(self, message: Any) -> Any:
        from .client import ConsumeStatus

        with self.lock:
            if self.stopping or (self.count is not None and self.printed >= self.count):
                return ConsumeStatus.RECONSUME_LATER
            document = message_document(message)
            try:
                if self.as_json:
                    _print_json(document, sys.stdout)
                else:
                    print(message_line(document), flush=True)
            except OSError:
                self.broken_pipe = True
                self.stopping = True
                self.done.set()
                return ConsumeStatus.RECONSUME_LATER
            self.printed += 1
            if self.count is not None and self.printed >= self.count:
                self.done.set()
            return ConsumeStatus.CONSUME_SUCCESS

    def stop(self) -> None:
        with self.lock:
            self.stopping = True
        self.done.set()


def consume(args: argparse.Namespace) -> int:
    from .consumer import ConsumeFromWhere, PushConsumer

    # The topic must exist and the broker must take our requests (credentials):
    # a consumer would otherwise wait silently, retrying.
    admin = _admin(args)
    try:
        found = _topic_route(admin, args.topic)
        if found.queues:
            admin.consumer_offset(args.group, args.topic, found.queues[0].broker_name, 0)
    finally:
        admin.shutdown()

    printer = Printer(args.json, args.count)
    consumer = PushConsumer(args.group, orderly=True)
    _configure(consumer, args)
    if args.start == "first":
        consumer.set_consume_from_where(ConsumeFromWhere.FIRST_OFFSET)
    elif args.start == "last":
        consumer.set_consume_from_where(ConsumeFromWhere.LAST_OFFSET)
    else:
        consumer.set_consume_from_where(ConsumeFromWhere.TIMESTAMP, int(args.start))
    consumer.subscribe(args.topic, printer, args.expression)

    def on_signal(signum: int, frame: Any) -> None:
        # A second Ctrl-C interrupts the shutdown itself.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        printer.stop()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        consumer.start()
        print(f"consuming {args.topic} as {args.group}; Ctrl-C stops", file=sys.stderr, flush=True)
        while not printer.done.wait(0.2):
            pass
        printer.stop()
        consumer.shutdown()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if printer.broken_pipe:
        _silence_stdout()
    print(f"consumed {printer.printed} message{'' if printer.printed == 1 else 's'}", file=sys.stderr)
    return 0
