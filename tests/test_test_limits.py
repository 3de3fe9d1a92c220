"""The suite cannot hang CI: a stuck test fails with every thread's stack and the run goes on; a browser that
will not close is killed (CI once waited 90 minutes on a hung run and landed nothing)."""

import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

from tests.browser.conftest import _kill_playwright_processes

ROOT = Path(__file__).resolve().parent.parent


def test_every_test_has_a_time_limit_and_a_stuck_one_does_not_stop_the_run(tmp_path):
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert 0 < int(options["timeout"]) <= 600 and options["timeout_method"] == "signal"

    probe = tmp_path / "test_probe.py"
    probe.write_text(
        "import threading, time\n"
        "def test_stuck():\n"
        "    threading.Thread(target=time.sleep, args=(30,), name='helper-thread', daemon=True).start()\n"
        "    time.sleep(30)\n"
        "def test_after():\n"
        "    pass\n"
    )
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(ROOT),
         "-o", "timeout=2", str(probe)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "1 failed, 1 passed" in output, output
    assert "Timeout" in output and "helper-thread" in output, output  # every thread's stack, to find the hang
    assert time.monotonic() - started < 25


def _spawn(name, *, child=False):
    """A sleeping process whose command line says `name` (with a sleeping child of its own when asked)."""
    script = "sleep 60 & wait" if child else "exec sleep 60"
    return subprocess.Popen(["bash", "-c", script, name])


def _alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_the_watchdog_kills_playwrights_driver_and_its_browser_and_nothing_else():
    driver = _spawn("playwright/driver/package/cli.js run-driver", child=True)
    bystander = _spawn("gunicorn-or-varnishd")
    try:
        deadline = time.monotonic() + 10
        while not list(Path(f"/proc/{driver.pid}/task").glob("*/children")) or not any(
            p.read_text().split() for p in Path(f"/proc/{driver.pid}/task").glob("*/children")
        ):
            assert time.monotonic() < deadline, "the driver's child did not start"
            time.sleep(0.05)
        browser_pid = int(next(p for p in Path(f"/proc/{driver.pid}/task").glob("*/children")).read_text().split()[0])

        _kill_playwright_processes()

        assert driver.wait(timeout=10) == -signal.SIGKILL
        deadline = time.monotonic() + 10
        while _alive(browser_pid):
            assert time.monotonic() < deadline, "the browser outlived the watchdog"
            time.sleep(0.05)
        assert bystander.poll() is None
    finally:
        for process in (driver, bystander):
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
