"""One place that opens a connection to EDGAR (or to the offline stand-in) for a run.

With ``EDGAR_MIRROR`` set, the stand-in is started here; ``EDGAR_STANDIN_FAULTS`` (a
testing aid: a JSON list of faults, see :func:`pipeline.edgar.standin.faults.parse_fault_specs`)
arms faults in it, so CLI-level tests can make chosen URLs fail or serve tampered bodies.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import ConfigError, ContactIdentity, Settings
from pipeline.edgar.transport import TransportPolicy, sec_transport


@dataclass(frozen=True)
class EdgarConnection:
    """An open connection: who we are, and how requests are made."""

    contact: ContactIdentity
    policy: TransportPolicy

    @property
    def user_agent(self) -> str:
        """The User-Agent SEC sees."""
        return self.contact.user_agent

    def make_downloader(self, folder: Path):
        """A sec-edgar-downloader ``Downloader`` saving under ``folder``."""
        from sec_edgar_downloader import Downloader

        return Downloader(self.contact.company, self.contact.email, folder)


FAULTS_ENV = "EDGAR_STANDIN_FAULTS"


def standin_faults(settings: Settings, env: Mapping[str, str] | None = None) -> list[dict]:
    """The faults ``EDGAR_STANDIN_FAULTS`` arms in the stand-in (empty when unset).

    Raises :class:`ConfigError` (one line) for a value that is not a valid fault list, or
    when it is set without ``EDGAR_MIRROR`` (faults exist only in the stand-in).
    """
    from pipeline.edgar.standin.faults import parse_fault_specs

    raw = (os.environ if env is None else env).get(FAULTS_ENV, "")
    if not raw.strip():
        return []
    if settings.edgar_mirror is None:
        raise ConfigError(
            f"{FAULTS_ENV} is set but EDGAR_MIRROR is not: faults are injected only into the "
            f"offline stand-in; unset {FAULTS_ENV} or set EDGAR_MIRROR"
        )
    try:
        return parse_fault_specs(raw)
    except ValueError as exc:
        raise ConfigError(
            f"{FAULTS_ENV}: {exc}; expected e.g. "
            '[{"match": "0001018724-24-000008.txt", "kind": 503, "times": null}]'
        ) from exc


@contextmanager
def edgar_connection(settings: Settings) -> Iterator[EdgarConnection]:
    """Open EDGAR for the block: the live SEC, or the stand-in when EDGAR_MIRROR is set.

    Live mode without a contact identity, or a bad ``EDGAR_STANDIN_FAULTS``, raises
    :class:`pipeline.config.ConfigError`.
    """
    contact = settings.contact()
    faults = standin_faults(settings)
    policy = TransportPolicy(
        timeout_s=settings.request_timeout_s,
        deadline_s=settings.request_deadline_s,
        max_retries=settings.max_retries,
        requests_per_second=settings.requests_per_second,
        rate_state_file=settings.data_dir / "state" / "sec-rate-limit.sqlite",
    )
    with ExitStack() as stack:
        if settings.edgar_mirror is not None:
            from pipeline.edgar.standin import EdgarStandIn

            server = stack.enter_context(EdgarStandIn(settings.edgar_mirror))
            for fault in faults:
                server.faults.add(**fault)
            policy.proxy_url = server.proxy_url
            policy.ca_bundle = str(server.ca_bundle_path)
        stack.enter_context(sec_transport(policy))
        yield EdgarConnection(contact=contact, policy=policy)
