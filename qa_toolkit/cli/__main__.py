"""`python -m qa_toolkit.cli`: the `qa-toolkit` program."""

from qa_toolkit.cli import main

main()
