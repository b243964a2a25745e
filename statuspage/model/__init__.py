"""Stage 2, model: typed models of the sources, validation, times and text."""
