"""`python -m bench`: how fast, how many, how close to the floor (see README, Performance)."""
