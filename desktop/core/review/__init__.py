"""The review queue over the database: claims, decisions, what an item shows, the queue's list."""
