"""Port helpers."""

import socket

from hduce.runtime import free_port, port_is_free


def test_free_port_is_free_until_someone_listens() -> None:
    port = free_port()
    assert port_is_free("127.0.0.1", port)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()
        assert not port_is_free("127.0.0.1", port)
    assert port_is_free("127.0.0.1", port)
