"""The core's log: default place, environment, setters, rotation, levels, Python routing, off.

The log is process wide, so each case runs in its own interpreter with its
own HOME. Log lines come from real events: a producer starting, and sends to
a name server port nothing listens on (a WARN line per attempt).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from _helpers import free_port

PRELUDE = """
import os, sys
from rocketmq.client import Message, Producer
from rocketmq import log

def failing_sends(count, group="PID_log_test"):
    producer = Producer(group, timeout=300)
    producer.set_name_server_address("127.0.0.1:%s")
    producer.start()
    for _ in range(count):
        try:
            producer.send_sync(Message("LogTopic", "x"))
        except Exception:
            pass
    producer.shutdown()
    return producer
"""


def run_case(tmp_path: Path, body: str, env=None) -> subprocess.CompletedProcess:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    script = PRELUDE % free_port() + textwrap.dedent(body)
    full_env = dict(os.environ, HOME=str(home))
    full_env.pop("ROCKETMQ_CLIENT_LOG_DIR", None)
    full_env.update(env or {})
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=full_env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def log_files(directory: Path):
    return sorted(directory.glob("*_rocketmq-cpp.log*")) if directory.is_dir() else []


def test_default_file_is_where_rocketmq_client_cpp_wrote(tmp_path):
    result = run_case(tmp_path, """
        failing_sends(2)
        print(os.getpid(), log.log_file_path())
    """)
    pid, path = result.stdout.split()
    expected = tmp_path / "home" / "logs" / "rocketmq-cpp" / f"{pid}_rocketmq-cpp.log"
    assert path == str(expected)
    text = expected.read_text()
    assert "INFO producer.cpp" in text and "PID_log_test started" in text
    assert text.count("WARN ") >= 2
    assert result.stderr == ""  # nothing on the terminal by default


def test_nothing_logged_creates_no_file(tmp_path):
    run_case(tmp_path, "import rocketmq.client\n")
    assert not (tmp_path / "home" / "logs").exists()


def test_environment_variable_names_the_directory(tmp_path):
    chosen = tmp_path / "chosen" / "nested"
    run_case(tmp_path, "failing_sends(1)\n", env={"ROCKETMQ_CLIENT_LOG_DIR": str(chosen)})
    assert len(log_files(chosen)) == 1
    assert not (tmp_path / "home" / "logs").exists()


def test_client_setters_configure_the_process_log(tmp_path):
    target = tmp_path / "by_setter"
    run_case(tmp_path, f"""
        producer = Producer("PID_setter")
        producer.set_log_path({str(target)!r})
        producer.set_log_level("ERROR")
        producer.set_log_file_num_and_size(2, 5)
        failing_sends(3)
        log.set_log_level("WARN")
        failing_sends(1)
    """)
    files = log_files(target)
    assert len(files) == 1
    text = files[0].read_text()
    # ERROR level kept the first three WARN lines (and the INFO ones) out.
    assert text.count("WARN ") == 1 and "INFO" not in text


def test_rotation_keeps_the_configured_number_of_files(tmp_path):
    target = tmp_path / "rotating"
    run_case(tmp_path, f"""
        log.set_log_directory({str(target)!r})
        log.set_log_rotation(3, 1000)
        failing_sends(60)
    """)
    files = log_files(target)
    assert [file.name.rsplit(".log", 1)[1] for file in files] == ["", ".1", ".2"]
    for file in files:
        assert 0 < file.stat().st_size <= 1000


def test_disable_turns_the_log_off(tmp_path):
    run_case(tmp_path, """
        log.disable()
        failing_sends(3)
        assert os.path.exists(log.log_file_path()) is False
    """)
    assert not (tmp_path / "home" / "logs").exists()


def test_lines_can_go_to_python_logging(tmp_path):
    result = run_case(tmp_path, """
        import logging
        records = []
        class Keep(logging.Handler):
            def emit(self, record):
                records.append(record)
        logging.getLogger("rocketmq").addHandler(Keep())
        logging.getLogger("rocketmq").setLevel(logging.DEBUG)
        log.route_to_python_logging()
        assert log.log_file_path() is None
        failing_sends(2)
        warnings = [r for r in records if r.levelno == logging.WARNING and r.name == "rocketmq.core"]
        infos = [r for r in records if r.levelno == logging.INFO and "started" in r.getMessage()]
        print(len(warnings), len(infos), warnings[0].getMessage())
        log.route_to_python_logging(False)
        failing_sends(1)
        print(log.log_file_path())
    """)
    first, second = result.stdout.strip().splitlines()
    warnings, infos, message = first.split(" ", 2)
    assert int(warnings) >= 2 and int(infos) == 1
    assert message.startswith("client_instance.cpp:") and "Connection refused" in message
    # Back on the file: only what came after routing stopped is in it.
    text = Path(second).read_text()
    assert text.count("WARN ") == 1


def test_routing_survives_interpreter_exit_with_a_running_client(tmp_path):
    result = run_case(tmp_path, """
        import logging
        logging.basicConfig(level=logging.INFO)
        log.route_to_python_logging()
        producer = Producer("PID_exit_routed")
        producer.set_name_server_address("127.0.0.1:1")
        producer.start()
        print("exiting without shutdown")
    """)
    assert "exiting without shutdown" in result.stdout


@pytest.mark.parametrize("call, error", [
    ("log.set_log_level(7)", ValueError),
    ("log.set_log_level('LOUD')", ValueError),
    ("log.set_log_level(None)", TypeError),
    ("log.set_log_rotation(0, 100)", ValueError),
    ("log.set_log_rotation(2, '100')", TypeError),
    ("log.set_log_directory(5)", TypeError),
    ("Producer('PID').set_log_level('OFF')", ValueError),
    ("Producer('PID').set_log_file_num_and_size(1, 0)", ValueError),
])
def test_bad_log_settings_raise(call, error):
    from rocketmq import log  # noqa: F401 - used by the evaluated call
    from rocketmq.client import Producer  # noqa: F401

    with pytest.raises(error):
        eval(call)
