"""Writing the sources: init and new from templates, update in place."""
