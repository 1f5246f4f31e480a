"""The app's own figures for ``jz bench``, each run in a fresh process.

``python -m jz_tui.apps.bench_app start VAULT T0``: prints the seconds from ``T0`` (the
parent's clock when it started this process) until the login screen is on screen.

``python -m jz_tui.apps.bench_app board VAULT USER PASSPHRASE``: logs in as a supervisor,
waits until the board shows the folded workload, and prints the peak resident memory of
this process in MiB.
"""

from __future__ import annotations

import asyncio
import resource
import sys
import time
from pathlib import Path

from jz_tui.apps.app import make_app
from screens.login import LoginScreen


async def _until(pilot, condition, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        await pilot.pause(0.02)


async def first_screen(path: Path, started: float) -> float:
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _until(pilot, lambda: isinstance(app.screen, LoginScreen) and app.screen.is_mounted)
        return time.time() - started


async def board_memory(path: Path, user: str, passphrase: str) -> float:
    app = make_app(path, user=user)
    async with app.run_test(size=(160, 48)) as pilot:
        await _until(pilot, lambda: isinstance(app.screen, LoginScreen) and app.screen.is_mounted)
        app.screen.query_one("#login-passphrase").value = passphrase
        await pilot.press("enter")
        await _until(pilot, lambda: app.shared is not None and app.current_mode == "board")
        await app.workers.wait_for_complete()
        await pilot.pause(0.5)
    return peak_rss_mib()


def peak_rss_mib() -> float:
    """This process's own peak resident memory.

    Not ``getrusage().ru_maxrss``: Linux keeps that across ``execve`` (getrusage(2)), so a
    process started by a large one reports its parent's peak; ``jz bench`` starts the board
    from a process holding the whole workload. ``VmHWM`` belongs to this process's memory.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB, where there is no /proc


def main() -> None:
    what, path = sys.argv[1], Path(sys.argv[2])
    if what == "start":
        print(f"{asyncio.run(first_screen(path, float(sys.argv[3]))):.3f}")
    else:
        print(f"{asyncio.run(board_memory(path, sys.argv[3], sys.argv[4])):.1f}")


if __name__ == "__main__":
    main()
