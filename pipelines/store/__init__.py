"""Where eventwatch keeps things: the working database (connection, every Python-owned table's declaration),
the content-addressed raw archive, and the data dir's run lock."""
