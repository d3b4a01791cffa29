"""What every benchmark child process needs: two cores, and its own peak memory."""
from __future__ import annotations

import os
import resource
from pathlib import Path


def pin_two_cores() -> None:
    """Run on two cores, as the targets assume, however many this machine has."""
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cores) > 2:
        os.sched_setaffinity(0, set(cores[:2]))


def peak_mb() -> float:
    """This process's own peak RSS. VmHWM, not ru_maxrss: Linux carries a parent's peak across
    fork and exec, so under `make bench` a child reported the checks stage's 3 GB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
