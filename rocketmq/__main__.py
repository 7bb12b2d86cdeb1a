"""``python -m rocketmq``: set-up and diagnostics commands."""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from . import _doctor, _install_lib


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m rocketmq", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

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
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "doctor":
        return _doctor.run(args.namesrv, args.topic, args.timeout)
    return _install_lib.run(args.prefix, args.dry_run, args.ldconfig, args.ld_conf_dir)


if __name__ == "__main__":
    sys.exit(main())
