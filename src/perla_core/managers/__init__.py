"""Account managers ("gestores"): who a client and its orders are assigned to, and how an
order is distributed when the client's manager is inactive (retailCRM's "Designar a los
gestores para los clientes", seed 003)."""
