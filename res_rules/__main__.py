"""``python -m res_rules`` runs the command line, as the ``res-rules`` script does."""

from ._cli import main

main()
