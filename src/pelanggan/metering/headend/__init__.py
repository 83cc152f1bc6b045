"""Head-end adapter for two-way (AMI) meters over MQTT: the listener that lands readings in the
interval lake and meter events in the metering context, remote commands with their log, and the
meter simulator.

Topics (issue #4): readings up on ``pelanggan/ami/{meter_number}/readings``, events on
``.../events``, commands down on ``.../commands`` and replies up on ``.../replies``.
"""
