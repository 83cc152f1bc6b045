"""Package data of the head-end: the simulator's load profile (see simulator/build_profile.py)."""
