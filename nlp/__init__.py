"""Language work for Minyi: normalise, segment, tag, redact, emerging terms, learning.

Pure and synchronous; imports nothing of the bot. The only package that imports jieba (and
rjieba, its Rust port).

- `taxonomy`  themes (principles and domains) loaded from TOML, validated
- `normalise` Traditional→Simplified, width, case, emoji and URLs, for matching only
- `segment`   jieba-rs (default) or jieba segmenters with the taxonomy's keywords added
- `tagger`    `Tagger.tag(text)` → themes with score, evidence and the model's weightiest words
- `model`     linear models stored as plain arrays; the shipped principle model
- `learn`     training: a deployment's model (`minyi learn`), the multi-label principle model
- `build_model` rebuilds nlp/data/principles_model.npz from nlp/data/principles_answers.csv
- `emerging`  frequent words no theme covers yet
- `redact`    phone, ID-card, e-mail and bank-card numbers out before storage
- `metrics`   precision, recall, F1 per theme and macro
"""
