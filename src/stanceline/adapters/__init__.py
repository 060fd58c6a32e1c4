"""Adapters: the stores (SQLite, PostgreSQL) and every touch of the eventsourcing library.

The application knows them only through `stores.open_log` and the EventLog it returns.
"""
