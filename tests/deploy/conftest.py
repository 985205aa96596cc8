"""Fixtures of the deployment tests; the testbed itself is in deploytest.py."""

from deploytest import (  # noqa: F401
    ansible_run,
    container,
    deploy_tools,
    pebble,
    pebble_stopped,
    wheelhouse,
)
