"""Static files for production: hashed names (whitenoise then serves them with a one-year immutable
Cache-Control) and compressed copies, without following source-map comments (vendored minified files
name .map files that are not shipped)."""

from __future__ import annotations

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns):  # type: ignore[no-untyped-def]
    kept = []
    for extension, rules in patterns:
        rules = tuple(r for r in rules if "sourceMappingURL" not in (r if isinstance(r, str) else r[0]))
        kept.append((extension, rules))
    return tuple(kept)


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Production (STATIC_MANIFEST): hashed names, gzip and brotli copies."""

    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)


class HashedStaticStorage(ManifestStaticFilesStorage):
    """The same names and manifest without the (slow) compression: for tests and quick rebuilds."""

    patterns = _without_source_maps(ManifestStaticFilesStorage.patterns)
