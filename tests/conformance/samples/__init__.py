"""Sample arguments per tool, one module per group of API domains; importing this package loads them all."""

from tests.conformance.samples import appsec, certs, dns, edgeworkers, misc, papi  # noqa: F401 - registration
from tests.conformance.samples.base import PENDING, PREPARE, sample_args

__all__ = ["PENDING", "PREPARE", "sample_args"]
