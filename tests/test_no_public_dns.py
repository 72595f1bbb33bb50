"""The test suite's own guard (tests/conftest.py): no test asks a DNS server for a public name."""

import socket

import pytest

from tests.conftest import PUBLIC_LOOKUPS


def test_public_names_are_refused_and_local_ones_resolve():
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("example.org", 80)
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo(b"refuse.invalid", 443)
    assert socket.getaddrinfo("127.0.0.1", 80)
    assert socket.getaddrinfo("::1", 80)
    assert socket.getaddrinfo("localhost", 80)
    PUBLIC_LOOKUPS.clear()  # tried on purpose here
