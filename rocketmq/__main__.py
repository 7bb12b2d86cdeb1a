"""``rocketmq`` (or ``python -m rocketmq``): a command line for RocketMQ clusters
(send, consume, route, cluster, offsets) and for this package's set-up
(doctor, install-lib)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Dict, List, Optional, Tuple

from . import _cli, _doctor, _install_lib


def _parser(prog: str) -> Tuple[argparse.ArgumentParser, Dict[str, argparse.ArgumentParser]]:
    """The parser, and that of each cluster command."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="A command line for RocketMQ clusters (send, consume, route, cluster, offsets) and for "
                    "this package's set-up (doctor, install-lib).",
        epilog=f"'{prog} COMMAND --help' shows a command's options. Exit status: 0 done, 1 failed, "
               "2 usage error.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    command_parsers = _cli.add_commands(commands)

    doctor = commands.add_parser(
        "doctor", help="print the package and core versions, the library in use, and probe name servers"
    )
    doctor.add_argument("--namesrv", help="name server address(es), 'host:port[;host:port]', to probe")
    doctor.add_argument("--topic", default=_doctor.DEFAULT_PROBE_TOPIC, help="topic whose route to ask for")
    doctor.add_argument("--timeout", type=float, default=3.0, help="seconds to wait for an answer")

    install = commands.add_parser(
        "install-lib", help="install librocketmq.so and the C headers for C/C++ programs, then run ldconfig"
    )
    install.add_argument("--prefix", default=_install_lib.DEFAULT_PREFIX,
                         help="install into PREFIX/lib and PREFIX/include/rocketmq (default: %(default)s)")
    install.add_argument("--dry-run", action="store_true", help="print the steps without taking them")
    install.add_argument("--no-ldconfig", dest="ldconfig", action="store_false",
                         help="do not write the ld.so.conf.d entry nor run ldconfig")
    install.add_argument("--ld-conf-dir", default=_install_lib.DEFAULT_LD_CONF_DIR,
                         help="where the dynamic linker's configuration goes (default: %(default)s)")
    return parser, command_parsers


def _program_name() -> str:
    invoked = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if not invoked or invoked in ("__main__.py", "-c") or invoked.startswith("python"):
        return "python -m rocketmq"
    return invoked


def main(argv: Optional[List[str]] = None) -> int:
    prog = _program_name()
    parser, command_parsers = _parser(prog)
    args = parser.parse_args(argv)
    try:
        if args.command in _cli.COMMANDS:
            _cli.check_arguments(command_parsers[args.command], args)
            return _cli.run(prog.split()[-1] if prog.startswith("python") else prog, args)
        if args.command == "doctor":
            return _doctor.run(args.namesrv, args.topic, args.timeout)
        return _install_lib.run(args.prefix, args.dry_run, args.ldconfig, args.ld_conf_dir)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
