"""python -m healthplan: the same as the healthplan command."""

from healthplan.cli import main

main()
