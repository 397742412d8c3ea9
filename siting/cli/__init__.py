"""The command-line interface ``siting`` (typer): ``main`` holds the commands, ``options`` what they share."""

from siting.cli.main import app, main

__all__ = ["app", "main"]
