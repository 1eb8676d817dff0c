"""Load a whole competition from a YAML or JSON description.

The file is validated in full before anything is written (DRF serializers give each
problem a path such as ``competitors[3] “Anna Bell”.country``); then one transaction
creates or updates what differs. Loading the same file twice changes nothing.

The format, with every field the loader knows::

    competition: {name, slug, venue, starts_on, ends_on, timezone,
                  registration_opens_at, registration_closes_at, capacity,
                  judge_names_public (true: names beside letters in published results)}
    judges:      [{letter, name, email, phone, country}]
    events:      [{name, style, level, age_group, scoring (skating|criteria|components),
                   entry_kind (couple|solo|group), entry_limit,
                   results_reveal (published|live_total),
                   drop_extremes (criteria: leave out each entry's highest and lowest
                   score per criterion; needs three judges),
                   heat_seconds, performance_seconds, scoring_seconds,
                   dances: [name | {name, short_name}],
                   criteria: [{name, weight, min, max, step}],
                   components (scoring: components, instead of criteria):
                       [{name, short_name, weight, min, max, step}],
                   tolerance (components: a score further than this from the panel's
                       median is discarded; 1.5 unless given),
                   allocation (components: every_judge, the default | random, drawn
                       for each dance as a round opens | {letter: [component name or
                       short name]}, fixed),
                   panel: [letter, ...],
                   rounds: [{kind, recall}]}]
    competitors: [{bib, name, partner, kind, members, club, country, email, events: [name]}]
"""

from competitions.loading.reading import LoadError, read_description
from competitions.loading.records import LoadReport
from competitions.loading.validation import validate_description
from competitions.loading.writing import competition_load

__all__ = [
    "LoadError",
    "LoadReport",
    "competition_load",
    "read_description",
    "validate_description",
]
