"""Hotel matching (seed 000, "localizar el hotel correcto utilizando la información existente de
otros proveedores"): find the right hotel among the data other suppliers already give us, so
nobody asks the hotel again and no duplicate or misnamed hotel is created.

- :mod:`.model`: :class:`HotelRecord` (one supplier's data about a hotel) and
  :class:`HotelQuery` (any part of a hotel's description);
- :mod:`.normalise`: names, addresses and cities reduced to what tells hotels apart;
- :mod:`.index`: each record's comparable profile and the blocks it is filed under;
- :mod:`.ports`: the :class:`HotelDirectory` port;
- :mod:`.matching`: the scorer, :class:`HotelMatcher` and its three outcomes,
  :func:`match_naively` and the duplicates pass.
"""
