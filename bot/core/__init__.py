"""The consultation core: rounds, answers, reports, digests and their records; no channel."""
