"""Reads: the figures the query API answers and the events announce, computed from the stored
sums in one way: a unit's pillars, total and satisfaction (:mod:`.units`), people's months, a
person's score and the ward's classification of a period (:mod:`.people`)."""
