# Loaded by Prowler's Python in the tests only (PYTHONPATH): S3 Control's requests go to
# <account id>.<endpoint host>, a name only AWS's DNS serves. Against moto on 127.0.0.1 that name
# is resolved to 127.0.0.1, so that Prowler reads the account's Block Public Access as posture does.
# Nothing else changes: the requests, their answers and Prowler's judgement are its own.
import socket

_getaddrinfo = socket.getaddrinfo


def _loopback_labels(host, *args, **kwargs):
    if isinstance(host, str) and host.endswith(".127.0.0.1"):
        host = "127.0.0.1"
    return _getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _loopback_labels
