"""Parsed records into raw.*: entry versions (entries.py), the batch screen before a load (screen.py), one
fetch recorded atomically (records.py), and the replay from the archive (reparse.py)."""
