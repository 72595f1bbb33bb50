"""Fixtures of the archive tests: a publisher's server on 127.0.0.1 and small limits."""

import pytest

from pledges.archive import ArchiveSettings
from tests.pledges.feed_server import serving


@pytest.fixture
def server():
    """The publisher: pages served on 127.0.0.1 (routes set by each test)."""
    with serving() as state:
        yield state


@pytest.fixture
def settings(tmp_path):
    """Archiving allowed to reach 127.0.0.1 (FEEDS_ALLOW_PRIVATE, tests only), with small
    limits so that the 20 MB and slow bodies are refused at once."""
    return ArchiveSettings(
        archive_dir=tmp_path / "archive",
        allow_private=True,
        max_bytes=256 * 1024,
        connect_timeout=2,
        read_timeout=0.5,
        deadline_seconds=1.0,
        max_attempts=3,
        host_delay=0.0,
    )
