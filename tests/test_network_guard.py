import socket

import pytest
from pytest_socket import SocketConnectBlockedError


def test_a_real_network_call_fails_the_test() -> None:
    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection(("93.184.215.14", 80), timeout=1)


def test_loopback_stays_open_for_servers_a_test_starts() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.create_connection(server.getsockname(), timeout=1)
    client.close()
    server.close()
