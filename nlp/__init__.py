"""Language work for Minyi: normalise, segment, tag, redact, emerging terms, learning.

Pure and synchronous; imports nothing of the bot. The only package that imports jieba.
"""
