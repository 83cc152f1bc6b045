"""Staff accounts, roles → permissions, unit scoping (UID → UP3 → ULP), API tokens."""
