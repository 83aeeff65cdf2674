"""Allow `python -m hduce`."""

from hduce.cli import main

main()
