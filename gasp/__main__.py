"""``python -m gasp`` runs the ``gasp`` command."""

from gasp.cli import main

main()
