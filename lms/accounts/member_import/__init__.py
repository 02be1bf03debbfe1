"""Importing an organization's members from CSV or XLSX: checked rows, a preview, a confirmed, resumable import."""
