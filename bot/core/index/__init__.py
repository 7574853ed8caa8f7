"""The governance index (SPEC §10): the framework (framework.py), indicator values and periods
(values.py), and the computation of weights, scores, ranks and intervals (compute.py)."""
