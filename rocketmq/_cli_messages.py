"""The ``message`` and ``query`` commands: stored messages looked up by id or by key."""

from __future__ import annotations

import argparse
import sys
from typing import Any, Callable, Dict, List

from . import _cli

# mqadmin queryMsgByKey looks from the beginning of time to the end of it.
_FOREVER_MS = (1 << 63) - 1
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def message_id(text: str) -> str:
    if len(text) not in (32, 56) or not set(text) <= _HEX_DIGITS:
        raise argparse.ArgumentTypeError(f"a message id is 32 or 56 hex digits, not {text!r}")
    return text


def timestamp_ms(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a timestamp in milliseconds: {text!r}") from None
    if not 0 <= value <= _FOREVER_MS:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2**63-1, not {value}")
    return value


def add_commands(commands: Any, common: List[argparse.ArgumentParser]) -> Dict[str, argparse.ArgumentParser]:
    message = commands.add_parser(
        "message", parents=common, help="show one stored message by id",
        description="Show the stored message ID: the broker's offset id, or (with --topic) the id the "
                    "producer gave it.")
    message.add_argument("id", type=message_id, help="message id (32 or 56 hex digits)")
    message.add_argument("--topic", help="the message's topic: needed to find it by the producer's id")

    query = commands.add_parser(
        "query", parents=common, help="find stored messages by key",
        description="List the messages of TOPIC whose keys hold KEY, stored within --begin/--end.")
    query.add_argument("topic")
    query.add_argument("--key", required=True, help="one key of the messages' KEYS")
    query.add_argument("--begin", metavar="MS", type=timestamp_ms, default=0,
                       help="stored at or after this time, ms since the epoch (default: 0)")
    query.add_argument("--end", metavar="MS", type=timestamp_ms, default=_FOREVER_MS,
                       help="stored at or before this time (default: no limit)")
    query.add_argument("--max", metavar="N", type=_cli.positive_int, default=32,
                       help="at most N of the newest matches from each broker (default: %(default)s)")
    return {"message": message, "query": query}


def check_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.command == "query" and args.begin > args.end:
        parser.error(f"--begin ({args.begin}) is after --end ({args.end})")


def _document(message: Any) -> Dict[str, Any]:
    document = _cli.message_document(message)
    document["commitLogOffset"] = message.commit_log_offset
    return document


def show_message(args: argparse.Namespace) -> int:
    admin = _cli._admin(args)
    try:
        found = admin.view_message(args.id, args.topic)
    finally:
        admin.shutdown()
    document = _document(found)
    if args.json:
        _cli._print_json(document, sys.stdout)
    else:
        print(_cli.message_line(document))
    return 0


def query_messages(args: argparse.Namespace) -> int:
    admin = _cli._admin(args)
    try:
        _cli._topic_route(admin, args.topic)
        found = admin.query_message(args.topic, args.key, args.begin, args.end, args.max)
    finally:
        admin.shutdown()
    documents = [_document(message) for message in found]
    if args.json:
        _cli._print_json(documents, sys.stdout)
    else:
        for document in documents:
            print(_cli.message_line(document))
    return 0


COMMANDS: Dict[str, Callable[[argparse.Namespace], int]] = {"message": show_message, "query": query_messages}
