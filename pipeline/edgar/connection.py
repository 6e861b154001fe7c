"""One place that opens a connection to EDGAR (or to the offline stand-in) for a run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import ContactIdentity, Settings
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


@contextmanager
def edgar_connection(settings: Settings) -> Iterator[EdgarConnection]:
    """Open EDGAR for the block: the live SEC, or the stand-in when EDGAR_MIRROR is set.

    Live mode without a contact identity raises :class:`pipeline.config.ConfigError`.
    """
    contact = settings.contact()
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
            policy.proxy_url = server.proxy_url
            policy.ca_bundle = str(server.ca_bundle_path)
        stack.enter_context(sec_transport(policy))
        yield EdgarConnection(contact=contact, policy=policy)
