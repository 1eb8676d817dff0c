"""The leaderboard computes rankings and pushes them; it stores nothing of its own yet."""
