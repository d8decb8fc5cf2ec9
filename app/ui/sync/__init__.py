"""Replication in the GUI: the background sync thread, the status-bar indicator, the
Conflicts dialog and the Team server dialog."""
