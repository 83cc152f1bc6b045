"""The customer master (DIL, Daftar Induk Langganan): persons, accounts, premises, connections."""
