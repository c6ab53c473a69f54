"""Running a decoder in a child process, under a hard time limit and a memory cap.

FFmpeg reads hostile input, and one call into it can loop or block for good
(the storyboard's own deadline is only checked between calls) or crash the
whole process. :func:`run_isolated` runs a picklable function in a child
process and returns its result; if the time limit passes, the child is
killed and :class:`PreviewError` says so, and a child that dies without
answering (a decoder's segfault or abort) is reported the same way, so the
caller carries on with the next file either way.

Children are started by the ``forkserver`` where the platform has it: a
server process that has imported PyAV once forks each child, which then
costs milliseconds rather than the second or so a fresh interpreter takes to
import PyAV (``spawn``, the only choice on Windows). This works from inside
a ``ProcessPoolExecutor`` worker too (ingest hashes files in such workers):
its workers are not daemons, so they may have children, and each starts its
own server on first use. On POSIX the child's address space is capped, so a
video built to make a decoder allocate without end fails there instead of
taking the machine's memory, and a crash leaves no core dump (which would
hold unblurred frames). A child whose caller dies ends too.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import warnings
from functools import cache
from typing import TYPE_CHECKING, Literal, TypeVar, cast

from desktop.core.media.previews import PreviewError

if TYPE_CHECKING:
    from collections.abc import Callable
    from multiprocessing.connection import Connection
    from multiprocessing.context import ForkServerContext, SpawnContext

T = TypeVar("T")

# Generous: the storyboard of a 4K H.264 video peaks at about 0.5 GB of
# address space (PyAV, FFmpeg's threads and reference frames included).
MEMORY_LIMIT_BYTES = 2 << 30
# What the forkserver imports once for all its children: the main module, as
# the forkserver does by default, and the decoders that run isolated.
_PRELOAD = ["__main__", "desktop.core.media.video"]


def run_isolated(
    function: Callable[[], T],
    *,
    time_limit_s: float,
    memory_limit_bytes: int | None = MEMORY_LIMIT_BYTES,
    start_method: Literal["forkserver", "spawn"] | None = None,
) -> T:
    """``function()`` run in a child process, killed after ``time_limit_s``.

    ``function`` and what it returns must be picklable; a ``functools.partial``
    of a module-level function is. The time limit counts from the child's
    start (with spawn, its imports are included). ``start_method`` is
    ``None`` for the best the platform has. Raises :class:`PreviewError`
    when the time limit passes, when the child dies without answering, and
    with the message of any exception raised in the child.
    """
    context = _context(start_method)
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child, args=(function, sender, memory_limit_bytes), name="veil-decoder", daemon=True
    )
    with receiver:
        # Only the child may hold the sending end: then its death, however it
        # comes, shows here as the end of the pipe rather than as a wait.
        with sender:
            child.start()
        try:
            if not receiver.poll(time_limit_s):
                raise PreviewError(f"over the time limit of {time_limit_s:g} s")
            try:
                answered, value = receiver.recv()
            except EOFError:
                child.join(time_limit_s)  # it is ending; if it lingers, it is killed below
                raise PreviewError(_died(child.exitcode)) from None
            if not answered:
                raise PreviewError(cast("str", value))
            return cast("T", value)
        finally:
            if child.is_alive():
                child.kill()
            child.join()
            child.close()


@cache
def _context(start_method: Literal["forkserver", "spawn"] | None) -> ForkServerContext | SpawnContext:
    if start_method == "spawn" or "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # Only read when the server starts, so set before the first child.
    context.set_forkserver_preload(_PRELOAD)
    return context


def _child(function: Callable[[], object], sender: Connection, memory_limit_bytes: int | None) -> None:
    _limit(memory_limit_bytes)
    end_with_caller()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl+C is the caller's to answer: it ends this child
    quiet_warnings()
    try:
        outcome: tuple[bool, object] = (True, function())
    except PreviewError as err:
        outcome = (False, str(err))
    except MemoryError:
        limit = f" (the limit is {memory_limit_bytes >> 20} MB)" if memory_limit_bytes is not None else ""
        outcome = (False, f"out of memory{limit}")
    except Exception as err:  # noqa: BLE001 - the caller gets every failure as a PreviewError
        outcome = (False, f"{type(err).__name__}: {err}")
    sender.send(outcome)


def quiet_warnings() -> None:
    """Drop Python's warnings in a decoding process. Pillow warns about each
    damaged header it reads; a child has no log of its own, so they would go
    to the terminal, dozens of lines for a folder of hostile files, while the
    ingest report already names each file that could not be shown."""
    warnings.simplefilter("ignore")


def end_with_caller() -> None:
    """End this child process when its parent is gone, however it went.

    A decoder child whose caller was killed would have nobody left to stop
    a call that hangs; a pool worker whose parent was killed waits on its
    task queue for good, because it holds that queue's other end itself.
    Also a ``ProcessPoolExecutor`` initializer.
    """
    caller = multiprocessing.parent_process()
    if caller is not None:  # None only in the main process, which has nobody to follow
        threading.Thread(target=_exit_after, args=(caller,), name="veil-caller-watch", daemon=True).start()


def _exit_after(caller: multiprocessing.process.BaseProcess) -> None:
    caller.join()
    os._exit(1)


def _limit(memory_limit_bytes: int | None) -> None:
    """No core dump, and at most ``memory_limit_bytes`` of address space."""
    if sys.platform == "win32":  # neither limit exists; Windows keeps crash dumps only where set up to
        return
    import resource  # POSIX only

    # A core dump would put the decoded, unblurred frames on disk.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if memory_limit_bytes is not None:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = memory_limit_bytes if hard == resource.RLIM_INFINITY else min(memory_limit_bytes, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _died(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = f" {signal.Signals(-exitcode).name}"
        except ValueError:
            name = ""
        return f"the decoder crashed (signal {-exitcode}{name})"
    return f"the decoder process ended without an answer (exit code {exitcode})"
