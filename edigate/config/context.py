"""What a running edigate works with, built once where the program starts and handed down.

The ``edigate`` command builds one `Context` per command (`edigate.cli.context`): the
workspace, its store and archive, the partners, the channel pool, our AS2 settings, one
validator and one map cache. The order desk, the gateway and the pipeline take it instead
of each opening what it needs, so only the builder opens the store. The order domain
(`edigate.orders`) never sees it: it works on values and a narrow order-book protocol.

This module only names the parts; it imports none of them at run time, so configuration
stays below the store and the transports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from edigate.errors import UsageError

if TYPE_CHECKING:
    from edigate.config.partners import Partner
    from edigate.config.workspace import As2Listener, Workspace
    from edigate.mapping.cache import MapCache
    from edigate.store import Store
    from edigate.store.archive import ArchiveBackend
    from edigate.transport.pool import ChannelPool
    from edigate.x12.validate import Validator

__all__ = ["Context"]


@dataclass(frozen=True, slots=True)
class Context:
    """The workspace's settings and the resources opened for it, for one process."""

    workspace: Workspace
    store: Store
    archive: ArchiveBackend
    partners: Mapping[str, Partner]
    pool: ChannelPool
    """Channels kept open between sends (closed with the context)."""
    validator: Validator
    """One validator, so each set's compiled spec is kept between uses."""
    maps: MapCache
    """The workspace's maps, compiled once while their files do not change."""

    @property
    def as2(self) -> As2Listener | None:
        """Our AS2 identifier, keys and listener address (``edigate.yaml``: ``as2``)."""
        return self.workspace.as2

    def partner(self, partner_id: str) -> Partner:
        """The configured partner ``partner_id``; a usage error naming the known ones if none."""
        found = self.partners.get(partner_id)
        if found is None:
            raise UsageError(f"no partner {partner_id!r}; known: {', '.join(sorted(self.partners)) or 'none'}")
        return found
