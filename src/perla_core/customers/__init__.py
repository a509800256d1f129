"""The customer section of a lead's or client's record (seed 002, "Clientes"): addresses,
contact accounts, titles, customer groups, the account manager and the customers' KPIs."""
