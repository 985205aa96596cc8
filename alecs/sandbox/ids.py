"""The simulated account's identifiers: a module of its own so that any part of the sandbox (the HTTP layer's rate
limits among them) can name the account without importing its state."""

CONTRACT = "ctr_C-0SANDBOX"
GROUP = "grp_10001"
SUBGROUP = "grp_10002"
ACCOUNT = "act_A-CCT0SANDBOX"
