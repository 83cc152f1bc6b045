"""Write side of the privacy context."""
