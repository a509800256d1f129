"""A campaigns area that does not offer the dashboard hook (yet)."""
