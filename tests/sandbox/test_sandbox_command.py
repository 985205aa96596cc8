"""`alecs sandbox` runs the simulator alone and prints an .edgerc section that other EdgeGrid clients can use."""

from __future__ import annotations

import configparser
import signal
import subprocess
import sys

import requests
from akamai.edgegrid import EdgeGridAuth


def test_printed_section_signs_requests_the_simulator_accepts() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "alecs", "sandbox", "--section", "demo"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        lines = []
        while (line := proc.stdout.readline()) and line.strip():
            lines.append(line)
        parser = configparser.ConfigParser()
        parser.read_string("".join(lines))
        demo = parser["demo"]
        auth = EdgeGridAuth(client_token=demo["client_token"], client_secret=demo["client_secret"],
                            access_token=demo["access_token"])
        resp = requests.get(f"https://{demo['host']}/papi/v1/contracts", auth=auth, verify=demo["ca_bundle"],
                            headers={"PAPI-Use-Prefixes": "true"}, timeout=10)
        assert resp.status_code == 200
        assert resp.json()["contracts"]["items"][0]["contractId"] == "ctr_C-0SANDBOX"
        unsigned = requests.get(f"https://{demo['host']}/papi/v1/contracts", verify=demo["ca_bundle"], timeout=10)
        assert unsigned.status_code == 401
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
