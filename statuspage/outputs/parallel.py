"""Run a build's independent rendering tasks on several cores (issue 6, "a process pool").

Each task is a function of no arguments that returns some outputs ({path: bytes}), which
a sink takes in the same process (the build's writes them into its tree and gives back
their paths). The tasks are run in forked worker processes, which inherit them, the sink
and the state they close over from the build, so only what the sink returns crosses
between processes: never the rendered bytes, which would cost more to send than to
write. Where fork is not the platform's way (Windows, macOS) or the work is small, they
run here, one after the other: the files are the same either way.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Generator, Sequence
from typing import Any, TypeVar

Outputs = dict[str, bytes]
Task = Callable[[], Outputs]
Taken = TypeVar("Taken")

#: The tasks of the build in progress, for the forked workers to find by their index,
#: and what takes their outputs there.
_TASKS: Sequence[Task] = ()
_SINK: Callable[[Outputs], Any] = dict


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    return sys.platform.startswith("linux")


def run_tasks(
    tasks: Sequence[Task], jobs: int, sink: Callable[[Outputs], Taken]
) -> Generator[Taken, None, None]:
    """What `sink` makes of each task's outputs, as each task finishes; in `jobs`
    processes when that is more than one (the caller decides whether the work is large
    enough to pay for them). The sink runs where its task ran.

    The caller takes each result while the workers go on with the next tasks.
    """
    global _TASKS, _SINK
    if jobs <= 1 or len(tasks) <= 1 or not can_fork():
        for task in tasks:
            yield sink(task())
        return
    _TASKS, _SINK = tasks, sink
    gc.freeze()  # the workers' collections then leave the inherited objects (and pages) be
    try:
        context = multiprocessing.get_context("fork")
        # The workers are forked with SIGTERM blocked, so that one ended before its
        # initializer ran never meets the parent's handler (serve's raises); the
        # initializer sets the default action, then lets a pending SIGTERM in.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        try:
            pool = context.Pool(min(jobs, len(tasks)), initializer=_quiet_signals)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        with pool:
            yield from pool.imap_unordered(_run, range(len(tasks)))
    finally:
        gc.unfreeze()
        _TASKS, _SINK = (), dict


def _quiet_signals() -> None:
    """In a worker: Ctrl-C is the parent's to handle, and the parent ends the pool with
    SIGTERM, which must end a worker quietly (not raise as `serve`'s handler does)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


def _run(index: int) -> Any:
    return _SINK(_TASKS[index]())
