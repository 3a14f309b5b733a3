"""The vendors the dashboard knows, by slug. Adding a vendor adds one line here, or one
`register()` call from wherever the vendor's module lives (a plugin, a test)."""

from providers.base import Provider
from providers.devkit4ai import DevKit4AI
from providers.otas import OTAS
from providers.photon import Photon
from providers.r4 import R4

PROVIDERS: dict[str, Provider] = {p.slug: p for p in (R4(), Photon(), DevKit4AI(), OTAS())}


def get_provider(slug: str) -> Provider:
    return PROVIDERS[slug]


def vendor_choices() -> list[tuple[str, str]]:
    return [(slug, provider.name) for slug, provider in PROVIDERS.items()]


def register(provider: Provider) -> None:
    """Add a vendor at run time; the dashboard needs nothing else to offer it."""
    PROVIDERS[provider.slug] = provider


def unregister(slug: str) -> None:
    PROVIDERS.pop(slug, None)
