"""Fixtures of the deployment tests; the testbed itself is in deploytest.py."""

from deploytest import ansible_run, container, deploy_tools, pebble, wheelhouse  # noqa: F401
