"""Hotel supplier requests ("alta de proveedor"): what the Suppliers team needs to create a
hotel as a supplier in Dome, checked for completeness and e-mailed to them (seed 000)."""
