"""Helpers of the in-process widget tests: wait for a condition, send a browser message."""

from __future__ import annotations

import time
from typing import Any


def until(predicate, timeout: float, step: float = 0.05):
    """``predicate()``'s first truthy value within ``timeout`` seconds; AssertionError otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"condition not met within {timeout} s")


def send(studio: Any, content: dict) -> None:
    """What a browser's ``model.send(content)`` becomes on the kernel side."""
    studio._on_custom_msg(studio, content, [])
