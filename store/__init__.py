"""Storage: SQLAlchemy models, sessions, repository functions and the derived FAISS index."""
