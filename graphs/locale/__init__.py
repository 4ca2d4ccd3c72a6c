"""The translation catalogs of :mod:`graphs.i18n` (data, no code): ``<lang>/LC_MESSAGES/govlinks.po``
and the ``.mo`` compiled from it. A package only so that setuptools ships the files as its package data."""
