"""A board-like follower for ``jz bench``: run in its own process, it polls the vault the
way the live screens do and prints ``seq wall-clock`` for every event it sees.

``python -m jz_tui.bench.probe VAULT USER PASSPHRASE INTERVAL``; it stops when stdin closes.
"""

from __future__ import annotations

import sys
import threading
import time

from jz_tui.services.session import open_session


def main() -> None:
    path, user, passphrase, interval = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    session = open_session(path, user, passphrase)
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    print("ready", flush=True)
    seen = session.state.seq
    while not stop.is_set():
        if session.refresh():
            now = time.time()
            for seq in range(seen + 1, session.state.seq + 1):
                print(seq, repr(now), flush=True)
            seen = session.state.seq
        stop.wait(interval)
    session.close()


if __name__ == "__main__":
    main()
