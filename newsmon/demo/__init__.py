"""An offline copy of the KBS WORLD Politics section, for the demo and the tests."""

# Where `newsmon demo` keeps its database unless told otherwise.
DEMO_DB = "data/demo.db"
