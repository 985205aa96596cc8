"""The sandbox account: a local HTTPS simulator of Akamai's APIs, honest about signatures and shapes."""
