"""Stage 4, render: the pages, feeds, calendar and API, in memory."""
