"""The local preview: a server that rebuilds what changed."""
