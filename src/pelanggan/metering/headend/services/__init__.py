"""Write side of the head-end: remote commands (`commands`) and their MQTT delivery
(`delivery`, an outbox handler)."""
