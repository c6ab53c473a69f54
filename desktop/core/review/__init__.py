"""The review queue over the database.

- :mod:`.listing`: the queue in review order (the order claims take), the
  window's pages and ``veil queue``'s list, counts and the filters' values;
- :mod:`.claims`: who holds an item: claims under a lease, giving back, skips;
- :mod:`.decisions`: deciding, approving quiet items, undo, override, a
  near-duplicate's decision, all recorded by one function;
- :mod:`.items`: what an item shows: its view and history, previews,
  originals, and the exposure of whoever saw it;
- :mod:`.service`: each of those as one transaction, with the lease, the undo
  grace period and the clock of the open database.
"""
