"""An offline copy of the KBS WORLD Politics section, for the demo and the tests."""
