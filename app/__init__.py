"""SupportDesk: a desktop support desk that works offline."""

__version__ = "0.1.0"
