"""audit-tui: case-file audits for children's social care, in the terminal."""

__version__ = "0.1.0"
