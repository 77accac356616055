"""Time from ``make run`` to the first reply, and check it answers in both languages.

Runs ``make run`` (everything already installed, trained and indexed: a *warm* start), polls
POST /webhooks/rest/webhook with "hello" until the assistant answers, then asks "hola" and
checks both replies' languages, prints the seconds it took, and stops every process.

Usage: ``python -m eval.startup_benchmark [--timeout 300]`` (ports 5005, 5055, 8000, 8001 and
8311 must be free).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
URL = "http://127.0.0.1:5005/webhooks/rest/webhook"
TARGET_SECONDS = 60.0


def first_reply(timeout: float) -> float:
    """Seconds until "hello" gets an English reply; raises TimeoutError otherwise."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            reply = httpx.post(URL, json={"sender": "startup-check", "message": "hello"},
                               timeout=5)
            if reply.status_code == 200 and reply.json():
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"no reply within {timeout} s")


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    log = (ROOT / "var" / "startup-benchmark.log").open("wb")
    process = subprocess.Popen(
        ["make", "run"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        seconds = first_reply(args.timeout)
        hello = httpx.post(URL, json={"sender": "startup-en", "message": "hello"}, timeout=30)
        hola = httpx.post(URL, json={"sender": "startup-es", "message": "hola"}, timeout=30)
        english = " ".join(m.get("text", "") for m in hello.json())
        spanish = " ".join(m.get("text", "") for m in hola.json())
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    print(f"make run → first reply in {seconds:.1f} s (target ≤ {TARGET_SECONDS:.0f} s)")
    print(f"  hello → {english[:80]}…")
    print(f"  hola  → {spanish[:80]}…")
    ok = seconds <= TARGET_SECONDS and "assistant" in english and "asistente" in spanish
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
