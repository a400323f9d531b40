"""``python -m xlbilling`` runs the same command line as ``xlbilling``."""

from xlbilling.cli import main

main()
