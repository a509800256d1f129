"""Personal data: export and erase everything perla holds about one person, and the retention
of raw WhatsApp messages (see ``docs/privacy.md``)."""
