"""Write side of metering: each service runs in one transaction with its audit record."""
