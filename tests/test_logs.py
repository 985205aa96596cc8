"""alecs/logs.py: secrets scrubbed from every line whatever logged it, chatty libraries kept above DEBUG."""

from __future__ import annotations

import subprocess
import sys

import pytest

from alecs.logs import redact, register_secret

TOKEN = "alecs_0123456789abcdef_" + "S" * 43


@pytest.mark.parametrize("line, secret", [
    ("signing key: K0bWZJzq5dkd3+Yk9Yq2", "K0bWZJzq5dkd3+Yk9Yq2"),
    ("signed authorization header: EG1-HMAC-SHA256 client_token=akab-c1c1c1c1c1c1c1c1-c2c2c2c2c2c2c2c2;"
     "access_token=akab-a1a1a1a1a1a1a1a1-a2a2a2a2a2a2a2a2;timestamp=20260101T00:00:00+0000;nonce=n;"
     "signature=Zm9vYmFyYmF6cXV4", "Zm9vYmFyYmF6cXV4"),
    ("data to sign: POST\\thttps\\thost\\t/x\\t\\t\\tEG1-HMAC-SHA256 "
     "client_token=akab-c1c1c1c1c1c1c1c1-c2c2c2c2c2c2c2c2;", "akab-c1c1c1c1c1c1c1c1-c2c2c2c2c2c2c2c2"),
    ("{'Authorization': 'Bearer " + TOKEN + "', 'Host': 'x'}", "S" * 43),
    ('{"clientSecret": "cs+/value=", "clientId": "abc"}', "cs+/value="),
    ("client_secret = s3cr3t+value/=", "s3cr3t+value/="),
    ("GET /mcp?access_token=" + TOKEN, "S" * 43),
    ("received " + TOKEN + " from a client", "S" * 43),
    ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
])
def test_redact_removes_each_kind_of_secret(line, secret):
    assert secret in line and secret not in redact(line) and "[redacted]" in redact(line)


def test_redact_keeps_what_an_operator_needs():
    audit = ("tool_call token=tok_0123456789abcdef customer=default tool=list-zones outcome=ok duration_ms=12 "
             "host=akab-aaaaaaaaaaaaaaaa-bbbbbbbbbbbbbbbb.luna.akamaiapis.net reason=unknown_token")
    assert redact(audit) == audit
    assert redact(f"id part {TOKEN}") == "id part alecs_0123456789abcdef_[redacted]"


def test_registered_values_are_masked_wherever_they_appear():
    register_secret("a-master-key-nobody-should-see")
    assert "nobody" not in redact("TOKEN_MASTER_KEY was a-master-key-nobody-should-see, oops")


DEBUG_SESSION = f"""
import logging
from alecs.logs import setup_logging
setup_logging("debug", "text")
logging.getLogger("akamai.edgegrid.edgegrid").debug("signing key: %s", "SIGNINGKEY1234")
logging.getLogger("websockets.server").debug("< Authorization: Bearer %s", "{TOKEN}")
logging.getLogger("mcp.server").debug("sending %s", {{"token": "{TOKEN}"}})
try:
    raise ValueError("bad header Authorization: Bearer {TOKEN}")
except ValueError:
    logging.getLogger("alecs.x").exception("failed")
"""


def test_debug_level_keeps_edgegrid_and_websockets_quiet_and_scrubs_the_rest():
    done = subprocess.run([sys.executable, "-c", DEBUG_SESSION], capture_output=True, text=True, timeout=60)
    text = done.stderr
    assert done.returncode == 0 and done.stdout == "", text
    assert "SIGNINGKEY1234" not in text and "S" * 43 not in text
    assert "DEBUG mcp.server: sending" in text and "Traceback" in text and "ERROR alecs.x: failed" in text


def test_an_unknown_log_format_is_named_and_text_is_used():
    script = "import logging\nfrom alecs.logs import setup_logging\nsetup_logging('info', 'xml')\n" \
             "logging.getLogger('alecs').info('hello')\n"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert "ALECS_LOG_FORMAT='xml' is not one of text, json; logging as text." in done.stderr
    assert "INFO alecs: hello" in done.stderr
