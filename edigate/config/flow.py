"""The old name of `edigate.config.partner_setup.PartnerSetup`, kept while callers move over."""

from __future__ import annotations

from edigate.config.partner_setup import PartnerSetup as Flow

__all__ = ["Flow"]
