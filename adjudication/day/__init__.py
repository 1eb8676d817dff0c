"""The day: the floor (its one writer), the desk's day pages and the day over the API."""
