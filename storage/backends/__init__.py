"""Database backends: the interfaces (base), SQLite, PostgreSQL, and the factory choosing one."""
