"""One module per resource: its pages (``pages``) and its JSON API (``api``)."""
