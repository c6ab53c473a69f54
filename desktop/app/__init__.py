"""The application layer: one object a front end opens, one method per use case."""
