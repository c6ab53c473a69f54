"""Headless domain logic: services over the database. Never imports Qt."""
