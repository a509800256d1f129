"""Guest inquiries ("consultas", seed 001): questions to a hotel that arrive by e-mail to the
reservations address, the web form, phone or WhatsApp, answered, followed up with up to three
reminders, quoted, confirmed and handed to booking — or lost or expired on the way."""
