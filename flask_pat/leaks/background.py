"""Work done after an answer, off the request's thread: revocation by value.

Run in the response's ``close()``, the work held the worker thread, so the next request on
the same keep-alive connection waited for it, longer when a text was a live token: the
timing told what the answer does not. Here one thread per process runs the jobs in order,
each in an app context of its own.

Bounded: past :data:`MAX_PENDING` waiting jobs, a job runs where it was handed in (after
the answer, as before) rather than be dropped, and the log says so. At exit the thread is
given :data:`EXIT_WAIT` to finish; what it could not is logged, never dropped silently.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from flask import Flask

logger = logging.getLogger(__name__)

#: Jobs waiting at most; beyond, a job runs on the thread that handed it in.
MAX_PENDING = 1000
#: Seconds the thread is given at interpreter exit to finish what is queued.
EXIT_WAIT = 10.0

Job = tuple[Flask, Callable[..., Any], tuple[Any, ...]]

_lock = threading.Lock()
_changed = threading.Condition(_lock)
_jobs: deque[Job] = deque()
#: Jobs handed in and not finished yet (queued or running).
_unfinished = 0
_thread: threading.Thread | None = None
_pid: int | None = None


def submit(app: Flask, work: Callable[..., Any], *args: Any) -> bool:
    """Run ``work(*args)`` in an app context of ``app`` on the background thread; returns
    ``False`` (the queue is full) where the caller must run it itself, see :func:`run`."""
    global _unfinished
    with _lock:
        if _unfinished >= MAX_PENDING:
            logger.warning(
                "flask-pat: %d jobs are waiting already: this one runs on the request's thread",
                _unfinished,
            )
            return False
        _jobs.append((app, work, args))
        _unfinished += 1
        _ensure_thread()
        _changed.notify_all()
    return True


def run(app: Flask, work: Callable[..., Any], *args: Any) -> None:
    """``work(*args)`` in an app context of ``app``; a failure is logged, not raised."""
    try:
        with app.app_context():
            work(*args)
    except Exception:
        logger.exception("flask-pat: background work failed")


def wait_idle(timeout: float) -> bool:
    """Wait until every job handed in so far has finished; ``False`` on timeout."""
    with _lock:
        return _changed.wait_for(lambda: _unfinished == 0, timeout)


def _ensure_thread() -> None:
    # Called with the lock held. A forked worker process inherits no running thread.
    global _thread, _pid
    if _thread is not None and _thread.is_alive() and _pid == os.getpid():
        return
    _pid = os.getpid()
    _thread = threading.Thread(target=_loop, name="flask-pat-background", daemon=True)
    _thread.start()


def _loop() -> None:
    global _unfinished
    while True:
        with _lock:
            _changed.wait_for(lambda: bool(_jobs))
            app, work, args = _jobs.popleft()
        try:
            run(app, work, *args)
        finally:
            with _lock:
                _unfinished -= 1
                _changed.notify_all()


@atexit.register
def _drain_at_exit() -> None:
    if not wait_idle(EXIT_WAIT):
        logger.error(
            "flask-pat: %d background jobs (revocations by value) were left unfinished at exit",
            _unfinished,
        )
