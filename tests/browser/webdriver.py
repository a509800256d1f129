"""A few W3C WebDriver commands over HTTP (httpx) to Debian's ``chromedriver`` driving
``chromium`` headless: enough to fill a form, read the page, collect the console and take a
screenshot, with no Selenium.

:func:`chromium_session` starts ``chromedriver`` on a free loopback port, opens a headless
session (its own profile folder, console logs captured) and ends both when the block ends.
Missing binaries skip locally and fail under ``CI=true``.
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
STARTUP_TIMEOUT = 20.0


def binaries() -> tuple[str, str]:
    """``chromium`` and ``chromedriver``; skips (locally) or fails (CI) when either is missing."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        message = (
            "the browser test needs Debian's chromium and chromedriver "
            "(apt-get install -y chromium chromium-driver)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; under CI=true it must run, not skip")
        pytest.skip(message)
    return browser, driver


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Browser:
    """One WebDriver session."""

    def __init__(self, http: httpx.Client, session_id: str) -> None:
        self._http = http
        self._base = f"/session/{session_id}"

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self._http.request(method, f"{self._base}{path}", json=body)
        payload = response.json()
        if response.status_code != 200:
            raise AssertionError(f"WebDriver {method} {path}: {payload}")
        return payload["value"]

    def open(self, url: str) -> None:
        self._call("POST", "/url", {"url": url})

    @property
    def url(self) -> str:
        found: str = self._call("GET", "/url")
        return found

    def find(self, css: str) -> str:
        found = self._call("POST", "/element", {"using": "css selector", "value": css})
        element: str = found[ELEMENT]
        return element

    def type(self, css: str, text: str) -> None:
        self._call("POST", f"/element/{self.find(css)}/value", {"text": text})

    def click(self, css: str) -> None:
        self._call("POST", f"/element/{self.find(css)}/click", {})

    def run(self, script: str, *args: Any) -> Any:
        return self._call("POST", "/execute/sync", {"script": script, "args": list(args)})

    def wait_for(self, script: str, timeout: float = 10.0) -> Any:
        """Polls ``script`` until it returns something truthy."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.run(script)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for: {script}")
            time.sleep(0.05)

    def console(self) -> list[dict[str, Any]]:
        """The browser's console entries since the last call (level, message)."""
        entries: list[dict[str, Any]] = self._call("POST", "/se/log", {"type": "browser"})
        return entries

    def screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(self._call("GET", "/screenshot")))


@contextmanager
def chromium_session(profile: Path, width: int = 1400, height: int = 1600) -> Iterator[Browser]:
    browser, driver = binaries()
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - fixed arguments, found on PATH
        [driver, f"--port={port}", "--allowed-ips=127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            _wait_ready(http, process)
            capabilities = {
                "browserName": "chrome",
                "goog:loggingPrefs": {"browser": "ALL"},
                "goog:chromeOptions": {
                    "binary": browser,
                    "args": [
                        "--headless=new",
                        "--no-sandbox",  # root in containers and CI
                        "--disable-gpu",
                        "--disable-dev-shm-usage",
                        "--no-first-run",
                        "--disable-extensions",
                        "--lang=es",
                        f"--window-size={width},{height}",
                        f"--user-data-dir={profile}",
                    ],
                },
            }
            created = http.post("/session", json={"capabilities": {"alwaysMatch": capabilities}})
            assert created.status_code == 200, created.text
            session_id = created.json()["value"]["sessionId"]
            try:
                yield Browser(http, session_id)
            finally:
                http.delete(f"/session/{session_id}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(http: httpx.Client, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        if process.poll() is not None:
            raise AssertionError(f"chromedriver exited with {process.returncode}")
        try:
            if http.get("/status").json()["value"]["ready"]:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError("chromedriver did not start")
        time.sleep(0.05)
