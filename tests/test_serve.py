"""``jz serve``: the board in a browser through textual-serve, on this machine only.

A real ``jz serve`` process on a free port: it says where and that it is localhost-only,
serves textual-serve's page, and a browser's websocket gets the board's login screen.
It refuses a non-loopback address and a port already taken, in words.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import aiohttp
import pytest
from _board_helpers import build_board_session
from conftest import jz_executable

from jz_tui import i18n


def t(key: str, **params) -> str:
    return i18n.t(key, lang="en", **params)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str, deadline: float) -> tuple[int, str]:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status, response.read().decode("utf-8")
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


async def first_screen(url: str, wanted: str, timeout: float = 30.0) -> str:
    """What the served app sends a browser of 80x24, until ``wanted`` shows up."""
    received = ""
    async with aiohttp.ClientSession() as client, client.ws_connect(url + "?width=80&height=24") as ws:
        await ws.send_json(["resize", {"width": 80, "height": 24}])
        deadline = time.monotonic() + timeout
        while wanted not in received:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"the served app never showed {wanted!r}"
            message = await ws.receive(timeout=remaining)
            if message.type == aiohttp.WSMsgType.BINARY:
                received += message.data.decode("utf-8", "replace")
            elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                break
    return received


def test_jz_serve_serves_the_board_on_localhost(tmp_path: Path):
    vault = build_board_session(tmp_path / "served.jz", tmp_path)
    port = free_port()
    env = {**os.environ, "JZ_LANG": "en"}
    server = subprocess.Popen([*jz_executable(), "serve", str(vault), "--port", str(port), "--user", "sup"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                              start_new_session=True)
    try:
        url_line = server.stdout.readline().strip()
        scope_line = server.stdout.readline().strip()
        assert url_line == t("serve_url", url=f"http://127.0.0.1:{port}/")
        assert scope_line == t("serve_localhost_only", host="127.0.0.1", port=port)

        status, page = fetch(f"http://127.0.0.1:{port}/", time.monotonic() + 20)
        assert status == 200
        assert "textual.js" in page  # textual-serve's page
        assert f"ws://127.0.0.1:{port}/ws" in page  # and the app's websocket, on the loopback address

        screen = asyncio.run(first_screen(f"ws://127.0.0.1:{port}/ws", t("login_title")))
        assert t("login_passphrase") in screen  # the board's login screen, run by the server for this browser
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.org", "::"])
def test_jz_serve_refuses_a_non_loopback_address(tmp_path: Path, jz, host):
    # refused before anything else: the vault is not even opened
    refused = jz("serve", tmp_path / "hall.jz", "--host", host, "--port", str(free_port()), timeout=30)
    assert refused.returncode == 2
    assert refused.stderr.strip() == t("serve_not_loopback", host=host)


def test_jz_serve_says_when_the_port_is_taken(tmp_path: Path, jz):
    vault = build_board_session(tmp_path / "served.jz", tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = jz("serve", vault, "--port", str(port), timeout=30)
    assert refused.returncode == 1
    assert refused.stderr.startswith(t("serve_port_busy", host="127.0.0.1", port=port, reason="")[:20])
    assert "http://" not in refused.stdout  # no URL for a server that never listened
