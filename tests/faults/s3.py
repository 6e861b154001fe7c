"""A real S3 service for tests: moto's server on a free loopback port, and its request log.

The server is moto's own (``moto[server]``, in the dev extras), spoken to over HTTP by
pyarrow's S3 client exactly as a bucket on AWS or MinIO would be. Its werkzeug request log
is kept, so a test can count the requests that wrote (PUT, POST, DELETE).
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
# Fixed test credentials (moto accepts any); the pipeline gets them the documented way.
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "edgar-tests",
    "AWS_SECRET_ACCESS_KEY": "edgar-tests-secret",
    "AWS_EC2_METADATA_DISABLED": "true",
}
_REQUEST = re.compile(r'"(GET|HEAD|PUT|POST|DELETE) (/[^ ]*) HTTP/[0-9.]+" (\d{3})')
_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # werkzeug colours some statuses, even in a file


class S3Unavailable(RuntimeError):
    """moto's server could not be started here (the reason says why)."""


@dataclass(frozen=True)
class S3Server:
    """A running moto server: its endpoint and its request log."""

    port: int
    log: Path

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def lake_uri(self, bucket: str, prefix: str) -> str:
        """An ``EDGAR_LAKE`` value for ``s3://bucket/prefix`` on this server."""
        return f"s3://{bucket}/{prefix}?endpoint_override={self.endpoint}&scheme=http"

    def filesystem(self, *, allow_bucket_creation: bool = False):
        """pyarrow's S3 filesystem on this server (the tests' own view of the bucket)."""
        import pyarrow.fs as pafs

        return pafs.S3FileSystem(
            access_key=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            secret_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            endpoint_override=self.endpoint,
            scheme="http",
            allow_bucket_creation=allow_bucket_creation,
        )

    def create_bucket(self, bucket: str) -> None:
        self.filesystem(allow_bucket_creation=True).create_dir(bucket)

    def requests(self, bucket: str, since: int = 0) -> list[tuple[str, str, int]]:
        """(method, path, status) of the requests to ``bucket`` logged after byte ``since``."""
        text = _ANSI.sub("", self.log.read_bytes()[since:].decode("utf-8", "replace"))
        return [
            (method, path, int(status))
            for method, path, status in _REQUEST.findall(text)
            if path == f"/{bucket}" or path.startswith((f"/{bucket}/", f"/{bucket}?"))
        ]

    def log_size(self) -> int:
        return self.log.stat().st_size


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _command(port: int) -> list[str]:
    exe = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    base = [exe] if exe else [sys.executable, "-m", "moto.server"]
    return [*base, "-H", "127.0.0.1", "-p", str(port)]


def _wait_until_up(proc: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    url = f"http://127.0.0.1:{port}/moto-api/"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-500:]
            raise S3Unavailable(f"moto's server exited ({proc.returncode}): {tail}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise S3Unavailable(f"moto's server did not answer on port {port} in {START_TIMEOUT_S:.0f}s")


@contextmanager
def moto_server(folder: Path) -> Iterator[S3Server]:
    """Start moto's server on a free loopback port (bounded wait), stop it on the way out.

    Raises :class:`S3Unavailable` when it cannot start (moto not installed, no port).
    """
    try:
        import moto.server  # noqa: F401
    except ImportError as exc:
        raise S3Unavailable(
            f"moto[server] is not installed ({exc}): pip install -e '.[dev]'"
        ) from None
    log = folder / "moto.log"
    port = _free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            _command(port), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_until_up(proc, port, log)
        yield S3Server(port, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_TIMEOUT_S)
