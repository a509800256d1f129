"""Orders and carts: a general order (lines, totals, status, channel, account manager) that
later issues extend, and the clients' carts with their KPIs."""
