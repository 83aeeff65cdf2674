"""Domain plugins; each is independent and talks to the others only through `hduce.contracts`."""
