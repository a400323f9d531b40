"""``python -m xlbilling`` runs the same command line as ``xlbilling``."""

from xlbilling._cli import main

main()
