"""Stage 1, load: find the sources, parse them safely, keep every node's place."""
