"""The MICROCOM catalogue: CCTV products, their prices (ARS or USD) and stock per warehouse."""
