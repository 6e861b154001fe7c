"""A throwaway certificate authority and the server-side TLS context for SEC hosts."""

from __future__ import annotations

import socket
import ssl
from pathlib import Path

import trustme

SEC_HOSTS = ("www.sec.gov", "data.sec.gov")


class Tls:
    """A trustme CA, a leaf certificate for the SEC hosts, and the CA as a PEM file."""

    def __init__(self, directory: Path) -> None:
        self.ca = trustme.CA(organization_name="EDGAR stand-in (throwaway)")
        leaf = self.ca.issue_cert(*SEC_HOSTS, "localhost", "127.0.0.1")
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        leaf.configure_cert(self.context)
        self.ca_bundle_path = directory / "edgar-standin-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_bundle_path))

    def wrap(self, sock: socket.socket) -> ssl.SSLSocket:
        """Do the server side of a TLS handshake on an accepted (tunnelled) socket."""
        return self.context.wrap_socket(sock, server_side=True)
