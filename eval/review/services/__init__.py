"""Services: each owns the SQL and the commits of one resource of the review app."""
