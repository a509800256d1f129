"""PerlaHub credentials of a client and its go-live checklist (seed 000)."""
