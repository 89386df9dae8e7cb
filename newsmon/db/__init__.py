"""Storage: typed SQLAlchemy models, the engine factory, and the revision logic."""
