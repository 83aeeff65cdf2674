"""Domain-free building blocks: config, database, plugins, events, tasks, errors, logging."""
