"""Panels over places and years: dictionary attention, slogan diffusion, vertical echo, target escalation.

One module per analysis, each re-exported from :mod:`textmine`:

- :mod:`textmine.panels.attention` -- ``attention``, ``attention_by_year``,
  ``attention_panel``, ``expand_dictionary``, ``load_category_dictionary``;
- :mod:`textmine.panels.diffusion` -- ``adoption``, ``adoption_curve``, ``adoption_events``;
- :mod:`textmine.panels.echo` -- ``echo``, ``similarity``;
- :mod:`textmine.panels.escalation` -- ``target_escalation``;
- :mod:`textmine.panels.parents` -- which document is a document's parent level;
- :mod:`textmine.panels.figures` -- one function per panel figure.

The public functions are not imported here (a module named like a function would
hide it), so use ``textmine.attention(...)`` or import from the modules.
"""

__all__: list[str] = []
