"""The demo data behind ``manage.py seed_demo``: a Guicheng sub-district to try Linli with.

23 urban communities and four village-derived ones, ~195 compounds, ~1,400 buildings, ~20,000 units and
~40,000 people, with the organisations and roles in the proportions of the 2021 珠江时报 article, so that
``stats.figures.figures_for(桂城街道)`` computes the article's figures from the data. ``data`` holds the
fixed facts (communities, named compounds and venues, name lists, the demo sign-ins).

Speed: everything is generated in memory from one ``random.Random(seed)`` and written with
``bulk_create`` in one transaction. ``bulk_create`` skips ``save()``, so what the models' ``save()``
would compute (place paths, copied paths, pinyin keys, join codes) is set here explicitly.

The generator is one object, ``DemoBuilder``, whose steps are split by subject: ``base`` (state and small
generators), ``places`` (place tree, units, venues), ``residents`` (households, owners, care information,
ID numbers), ``organisations`` (organisations, members, roles) and ``builder`` (the order, and writing).
"""

from .builder import DemoBuilder

__all__ = ["DemoBuilder"]
