"""Shared base: model base and naming convention, errors, permissions, i18n, audit log, security headers."""
