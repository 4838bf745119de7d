"""`make chaos` (python -m chaos): inject faults into real runs and measure whether the promise holds —
nothing lost, nothing duplicated, one clear line, nothing left behind."""
