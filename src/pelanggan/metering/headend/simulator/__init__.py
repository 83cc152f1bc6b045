"""The meter simulator: virtual two-way prepaid meters over MQTT (`pelanggan simulate meters`)."""
