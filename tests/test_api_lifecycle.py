"""Start/shutdown bookkeeping and a clean interpreter exit."""

import subprocess
import sys
import textwrap

import pytest

from rocketmq.client import Producer, PushConsumer


def run_python(code):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=60)


def test_unstarted_clients_are_released_by_the_garbage_collector():
    for index in range(50):
        Producer(f"GcProducer{index}")
        PushConsumer(f"GcConsumer{index}")


# A producer and a push consumer, started against a name server that is not there.
STARTED_CLIENTS = """
from rocketmq.client import Producer, PushConsumer, ConsumeStatus
producer = Producer("LifecycleProducer")
producer.set_name_server_address("127.0.0.1:9")
producer.start()
consumer = PushConsumer("LifecycleConsumer")
consumer.set_name_server_address("127.0.0.1:9")
consumer.subscribe("LifecycleTopic", lambda message: ConsumeStatus.CONSUME_SUCCESS)
consumer.start()
"""


def test_interpreter_exits_cleanly_when_shutdown_is_forgotten():
    result = run_python(STARTED_CLIENTS + 'print("started")\n')
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="thread names are read from /proc")
def test_core_threads_carry_names():
    # top -H, py-spy and gdb show these instead of "python" for every thread,
    # from the moment start() returns.
    result = run_python(STARTED_CLIENTS + textwrap.dedent("""
        import os
        names = set()
        for task in os.listdir("/proc/self/task"):
            try:
                with open(f"/proc/self/task/{task}/comm") as comm:
                    names.add(comm.read().strip())
            except FileNotFoundError:
                pass  # a thread that ended meanwhile
        print(" ".join(sorted(names)))
        consumer.shutdown()
        producer.shutdown()
    """))
    assert result.returncode == 0, result.stderr
    names = set(result.stdout.split())
    assert {"rmq-io", "rmq-callbacks", "rmq-timer", "rmq-consume"} <= names, names


def test_context_manager_binds_the_producer():
    result = run_python("""
        from rocketmq.client import Producer
        with Producer("ContextProducer") as producer:
            producer.set_name_server_address("127.0.0.1:9")
            assert isinstance(producer, Producer)
        producer.shutdown()
        print("ok")
    """)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("client_type", [Producer, PushConsumer])
def test_shutdown_twice_is_harmless(client_type):
    client = client_type("TwiceGroup")
    client.shutdown()
    client.shutdown()


def test_closed_callback_gates_answer_without_python():
    result = run_python("""
        from rocketmq import _callbacks
        from rocketmq._bindings import ffi, lib

        calls = []
        _callbacks.deliver = lambda callback, message: calls.append(message) or 0
        lib.rocketmq_close_callbacks()
        consumer = ffi.cast("CPushConsumer*", 8)
        assert lib.rocketmq_gated_consume_message(consumer, ffi.NULL) == 1
        assert lib.rocketmq_gated_select_queue(4, ffi.NULL, ffi.NULL) == -1
        assert lib.rocketmq_gated_check_transaction(ffi.NULL, ffi.NULL, ffi.NULL) == 2
        assert lib.rocketmq_gated_execute_local_transaction(ffi.NULL, ffi.NULL, ffi.NULL) == 2
        assert calls == []
        print("ok")
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
