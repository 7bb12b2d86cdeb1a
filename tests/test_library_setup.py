"""The native library without ldconfig: where it is found, doctor, install-lib, ROCKETMQ_LIBRARY."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

import pytest
from _helpers import free_port, unique_name

import rocketmq
from rocketmq import _library
from rocketmq._bindings import core_library_path, lib

C_COMPILER = shutil.which("cc") or shutil.which("gcc")
needs_compiler = pytest.mark.skipif(C_COMPILER is None, reason="no C compiler")


def import_client_with(library: str, cwd: Path):
    return run_python(["-c", "import rocketmq.client"], env={"ROCKETMQ_LIBRARY": library}, cwd=cwd)


def run_python(code_or_args: list, env: Optional[Dict[str, str]] = None, cwd: Optional[Path] = None):
    """The installed package in a fresh interpreter, with no LD_LIBRARY_PATH of ours."""
    full_env = dict(os.environ, **(env or {}))
    full_env.pop("LD_LIBRARY_PATH", None)
    return subprocess.run([sys.executable, *code_or_args], env=full_env, cwd=cwd, capture_output=True,
                          text=True, timeout=60)


def test_bundled_library_is_found_through_the_package_itself():
    assert core_library_path() == str(_library.BUNDLED_LIBRARY)
    assert _library.BUNDLED_LIBRARY.parent.parent == Path(rocketmq.__file__).resolve().parent
    assert "LD_LIBRARY_PATH" not in os.environ or str(_library.BUNDLED_LIBRARY.parent) not in os.environ[
        "LD_LIBRARY_PATH"]


def test_abi_level_and_version_agree_everywhere():
    assert lib.GetRocketMQCffiAbiLevel() == lib.ROCKETMQ_CFFI_ABI_LEVEL == _library.ABI_LEVEL
    from rocketmq._bindings import ffi

    assert ffi.string(lib.GetRocketMQCffiVersion()).decode() == rocketmq.__version__


def test_ctypes_view_loads_the_same_library():
    import rocketmq.ffi

    handle = rocketmq.ffi.dll
    assert Path(handle._name).resolve() == _library.BUNDLED_LIBRARY
    assert handle.GetRocketMQCffiAbiLevel() == _library.ABI_LEVEL


def test_doctor_reports_versions_library_and_a_live_name_server(rocketmq_cluster, tmp_path):
    namesrv = rocketmq_cluster.namesrv_addr
    result = run_python(["-m", "rocketmq", "doctor", "--namesrv", namesrv], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert f"rocketmq-cffi {rocketmq.__version__}" in out
    assert f"core library: {_library.BUNDLED_LIBRARY}" in out
    assert f"core version: {rocketmq.__version__}" in out
    assert f"C ABI level: {_library.ABI_LEVEL}" in out
    assert f"name server {namesrv}: answers in" in out
    assert "SUCCESS for topic TBW102" in out


def test_doctor_fails_for_a_name_server_that_does_not_answer(tmp_path):
    dead = f"127.0.0.1:{free_port()}"
    result = run_python(["-m", "rocketmq", "doctor", "--namesrv", dead], cwd=tmp_path)
    assert result.returncode == 1
    assert f"name server {dead}: does not answer" in result.stdout


def test_install_lib_dry_run_changes_nothing(tmp_path):
    prefix = tmp_path / "prefix"
    result = run_python(["-m", "rocketmq", "install-lib", "--prefix", str(prefix), "--dry-run",
                         "--ld-conf-dir", str(tmp_path / "ld")], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 4 and all(line.startswith("would ") for line in lines)
    assert f"{prefix}/lib/librocketmq.so" in lines[0]
    assert "ldconfig" in lines[3]
    assert not prefix.exists() and not (tmp_path / "ld").exists()


def test_install_lib_refuses_a_prefix_it_cannot_write(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root can write anywhere")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = run_python(["-m", "rocketmq", "install-lib", "--prefix", str(locked), "--no-ldconfig"])
    assert result.returncode == 1
    assert "permission denied" in result.stderr


C_PRODUCER = r"""
#include <stdio.h>
#include <string.h>
#include "CProducer.h"
#include "CMessage.h"
#include "CSendResult.h"
#include "CLibraryInfo.h"

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  printf("abi %d\n", GetRocketMQCffiAbiLevel());
  CProducer* producer = CreateProducer("PID_c_program");
  SetProducerNameServerAddress(producer, argv[1]);
  if (StartProducer(producer) != OK) return 3;
  CMessage* msg = CreateMessage(argv[2]);
  SetMessageBody(msg, "sent from C");
  CSendResult result;
  memset(&result, 0, sizeof result);
  int status = SendMessageSync(producer, msg, &result);
  printf("status %d send %d id %s\n", status, (int)result.sendStatus, result.msgId);
  DestroyMessage(msg);
  ShutdownProducer(producer);
  DestroyProducer(producer);
  return status == OK ? 0 : 4;
}
"""


@needs_compiler
def test_installed_library_and_headers_serve_a_c_program(rocketmq_cluster, tmp_path):
    prefix = tmp_path / "usr"
    result = run_python(["-m", "rocketmq", "install-lib", "--prefix", str(prefix), "--no-ldconfig"])
    assert result.returncode == 0, result.stderr
    assert (prefix / "lib" / "librocketmq.so").is_file()
    assert (prefix / "include" / "rocketmq" / "CPushConsumer.h").is_file()

    source = tmp_path / "producer.c"
    source.write_text(C_PRODUCER)
    program = tmp_path / "producer"
    subprocess.run([C_COMPILER, str(source), "-o", str(program), f"-I{prefix}/include/rocketmq",
                    f"-L{prefix}/lib", "-lrocketmq"], check=True, timeout=120)
    topic = unique_name("TopicFromC")
    # What ldconfig would give it system-wide, given for this one run.
    run = subprocess.run([str(program), rocketmq_cluster.namesrv_addr, topic], capture_output=True, text=True,
                         env=dict(os.environ, LD_LIBRARY_PATH=str(prefix / "lib")), timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "status 0 send 0" in run.stdout
    assert [m.body for m in rocketmq_cluster.wait_for_messages(topic, 1)] == [b"sent from C"]


SEND_ONE = """
import sys
from rocketmq._bindings import core_library_path
from rocketmq.client import Message, Producer
print("library", core_library_path())
producer = Producer("PID_override")
producer.set_name_server_address(sys.argv[1])
producer.start()
message = Message(sys.argv[2])
message.set_body("through another build")
print("status", producer.send_sync(message).status.name)
producer.shutdown()
"""


def test_rocketmq_library_loads_another_build(rocketmq_cluster, tmp_path):
    other = tmp_path / "elsewhere" / "librocketmq.so"
    other.parent.mkdir()
    shutil.copyfile(_library.BUNDLED_LIBRARY, other)
    topic = unique_name("TopicOverride")
    result = run_python(["-c", SEND_ONE, rocketmq_cluster.namesrv_addr, topic],
                        env={"ROCKETMQ_LIBRARY": str(other)}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"library {other}" in result.stdout
    assert "status OK" in result.stdout
    assert [m.body for m in rocketmq_cluster.wait_for_messages(topic, 1)] == [b"through another build"]
    # The bundled copy was never mapped: the extension bound to the other build.
    maps_check = run_python(["-c", "import rocketmq.client; print(open('/proc/self/maps').read())"],
                            env={"ROCKETMQ_LIBRARY": str(other)}, cwd=tmp_path)
    assert str(other) in maps_check.stdout
    assert str(_library.BUNDLED_LIBRARY) not in maps_check.stdout


def test_rocketmq_library_refuses_a_library_of_another_kind(tmp_path):
    import ctypes.util

    zlib_path = ctypes.util.find_library("z")
    if zlib_path is None:
        pytest.skip("no libz to stand in for a foreign library")
    result = import_client_with(zlib_path, tmp_path)
    assert result.returncode != 0
    assert "LibraryMismatchError" in result.stderr
    assert "is not a rocketmq-cffi core library" in result.stderr
    assert "lacks GetRocketMQCffiAbiLevel" in result.stderr


def test_rocketmq_library_refuses_a_missing_file(tmp_path):
    missing = tmp_path / "nowhere.so"
    result = import_client_with(str(missing), tmp_path)
    assert result.returncode != 0
    assert f"ROCKETMQ_LIBRARY={missing}: no such file" in result.stderr


@needs_compiler
def test_rocketmq_library_refuses_another_abi_level(tmp_path):
    stub = tmp_path / "future.c"
    stub.write_text(
        "int GetRocketMQCffiAbiLevel(void) { return 2; }\n"
        "const char* GetRocketMQCffiVersion(void) { return \"9.0.0\"; }\n"
        "const char* GetLatestErrorMessage(void) { return \"\"; }\n"
        "void* CreateProducer(const char* g) { (void)g; return 0; }\n"
        "void* CreatePushConsumer(const char* g) { (void)g; return 0; }\n"
        "void* CreateMessage(const char* t) { (void)t; return 0; }\n"
    )
    library = tmp_path / "librocketmq.so"
    subprocess.run([C_COMPILER, "-shared", "-fPIC", str(stub), "-o", str(library)], check=True, timeout=120)
    result = import_client_with(str(library), tmp_path)
    assert result.returncode != 0
    assert f"has C ABI level 2; this package needs level {_library.ABI_LEVEL}" in result.stderr
