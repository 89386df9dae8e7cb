"""Everything specific to the KBS WORLD site: its URLs and how its pages are read."""

SOURCE = "kbs-world"
