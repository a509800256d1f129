"""Commercial policies: a client's margin rules, their controlled changes and margin resolution
(seed 000, "modificar la política comercial de un cliente existente")."""
