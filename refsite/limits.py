"""Commands run within limits of memory and processor time, so that no input makes a subprocess
take the machine: past a limit the system stops it, and the caller says which limit it was."""

from __future__ import annotations

import signal
import sys

MiB = 1024 * 1024

# Sets the limits in a small Python process that then becomes the command (safe with threads,
# unlike a function run between fork and exec): argv is MEMORY CPU PROGRAM ARGS...
_LIMITED = """import os, resource, sys
def cap(which, value):
    hard = resource.getrlimit(which)[1]
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(which, (value, value))
cap(resource.RLIMIT_AS, int(sys.argv[1]))
cap(resource.RLIMIT_CPU, int(sys.argv[2]))
os.execv(sys.argv[3], sys.argv[3:])
"""

_OUT_OF_MEMORY = (
    "not enough memory",
    "out of memory",
    "Heap exhausted",
    "osReserveHeapMemory",
    "MemoryError",
    "failed to map segment",
    "Cannot allocate memory",
)


def limited(command: list[str], memory_mb: int, cpu_seconds: int) -> list[str]:
    """``command`` (a program's path, then its arguments) run within ``memory_mb`` MiB of address
    space and ``cpu_seconds`` seconds of processor time."""
    return [sys.executable, "-c", _LIMITED, str(memory_mb * MiB), str(cpu_seconds), *command]


def limit_reached(name: str, returncode: int, err: str, memory_mb: int, cpu_seconds: int) -> str | None:
    """The limit a failed run of ``name`` reached, as one line; None if it failed for another reason."""
    if any(sign in err for sign in _OUT_OF_MEMORY):
        return f"{name} needed more than {memory_mb} MiB of memory and was stopped"
    if returncode == -signal.SIGSEGV:
        return f"{name} crashed (its memory is limited to {memory_mb} MiB)"
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return f"{name} took more than {cpu_seconds} s of processor time and was stopped"
    return None


__all__ = ["limit_reached", "limited"]
